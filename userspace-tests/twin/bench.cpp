// kmemtrap-bench-twin: cost of REP MOVS/STOS under the userspace twin, per mode.
//
// One line per case: "<case> <bytes> <mode> traps=<N> ns=<median>", where N counts every trap
// of one run (page faults + single steps) and ns is the median wall time of the instruction
// over several runs. Modes: untraced (no pages hidden, no handlers), step (one single-step
// trap per element, kmemcheck's way), batch (the engine performs each two-page window itself).
// Source and destination are page aligned and tracked; the source is initialized.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "harness.h"
#include "ops.h"

namespace {

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

constexpr size_t k_max_bytes = 1u << 20;

} // namespace

int main(int argc, char **argv)
{
	// Optional argument: run only this mode (untraced, step, batch or load); step takes minutes.
	const char *only = argc > 1 ? argv[1] : nullptr;
	using namespace twin;
	const size_t pages = 2 * k_max_bytes / k_page + 2;
	Twin tw(pages);
	tw.reset(1, KMT_SHADOW_INIT);
	const uint64_t src = reinterpret_cast<uint64_t>(tw.tracked());
	const uint64_t dst = src + k_max_bytes + k_page;
	// "load": one emulated tracked 8-byte load and store per trap, the kernel's common case
	// (profile it with valgrind --tool=callgrind kmemtrap-bench-twin load).
	if (only && std::strcmp(only, "load") == 0) {
		constexpr int k_ops = 20000;
		tw.arm(KMT_REP_MODE_BATCH, 2000, true);
		volatile uint64_t *p = reinterpret_cast<volatile uint64_t *>(src + 64);
		uint64_t sum = 0;
		const uint64_t t0 = now_ns();
		for (int i = 0; i < k_ops; i++) {
			sum += *p;
			*p = sum;
		}
		const uint64_t t1 = now_ns();
		tw.disarm();
		const uint64_t traps = tw.counters().segv + tw.counters().trap;
		std::printf("load_store 8 emulated traps=%llu ns_per_access=%llu\n", static_cast<unsigned long long>(traps),
			    static_cast<unsigned long long>((t1 - t0) / (2 * k_ops)));
		return traps == 2u * k_ops ? 0 : 1;
	}

	struct Case {
		const char *name;
		Op op;
		unsigned size;
	} const cases[] = {
		{"memcpy_movsb", Op::RepMovs, 1},
		{"memcpy_movsq", Op::RepMovs, 8},
		{"memset_stosb", Op::RepStos, 1},
		{"memset_stosq", Op::RepStos, 8},
	};
	const size_t sizes[] = {64, 4096, 65536, k_max_bytes};
	enum class Mode { Untraced, Step, Batch };

	for (const Case &c : cases) {
		for (size_t bytes : sizes) {
			for (Mode mode : {Mode::Untraced, Mode::Step, Mode::Batch}) {
				const char *mode_name = mode == Mode::Untraced ? "untraced" : mode == Mode::Step ? "step" : "batch";
				if (only && std::strcmp(only, mode_name) != 0)
					continue;
				const int runs = mode == Mode::Untraced ? 101 : bytes <= 4096 ? 21 : bytes <= 65536 ? 5 : 3;
				std::vector<uint64_t> times;
				uint64_t traps = 0;
				for (int run = 0; run < runs; run++) {
					StringRegs r;
					r.rsi = src;
					r.rdi = dst;
					r.rcx = bytes / c.size;
					r.rax = 0xabababababababab;
					if (mode != Mode::Untraced)
						tw.arm(mode == Mode::Step ? KMT_REP_MODE_STEP : KMT_REP_MODE_BATCH);
					const uint64_t t0 = now_ns();
					run_string(c.op, c.size, Dir::Forward, r);
					const uint64_t t1 = now_ns();
					if (mode != Mode::Untraced) {
						tw.disarm();
						traps = tw.counters().segv + tw.counters().trap;
					}
					if (r.rcx != 0) {
						std::fprintf(stderr, "bench: %s did not complete\n", c.name);
						return 1;
					}
					times.push_back(t1 - t0);
				}
				std::sort(times.begin(), times.end());
				std::printf("%s %zu %s traps=%llu ns=%llu\n", c.name, bytes,
					    mode_name,
					    static_cast<unsigned long long>(traps),
					    static_cast<unsigned long long>(times[times.size() / 2]));
				std::fflush(stdout);
			}
		}
	}
	return 0;
}
