// kmemtrap-bench-decode: decoded instructions per second over the test kernel's vmlinux text
// (every executable section, swept linearly; an undecodable byte is skipped).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernel_image.h"

extern "C" {
#include "kmt_decode.h"
}

namespace {

std::vector<kmt::CodeSection> *g_text;

void BM_DecodeVmlinuxText(benchmark::State &state)
{
	uint64_t insns = 0, bytes = 0;
	for (auto _ : state) {
		for (const kmt::CodeSection &s : *g_text) {
			const uint8_t *p = s.m_bytes.data();
			size_t n = s.m_bytes.size();
			size_t off = 0;
			while (off < n) {
				kmt_insn insn;
				size_t avail = n - off < KMT_MAX_INSN_LEN ? n - off : KMT_MAX_INSN_LEN;
				int st = kmt_decode(p + off, avail, &insn);
				benchmark::DoNotOptimize(insn);
				off += st == KMT_DECODE_OK || st == KMT_DECODE_UNSUPPORTED ? insn.length : 1;
				insns++;
			}
			bytes += n;
		}
	}
	state.counters["insns_per_second"] =
		benchmark::Counter(static_cast<double>(insns), benchmark::Counter::kIsRate);
	state.SetBytesProcessed(static_cast<int64_t>(bytes));
	state.SetItemsProcessed(static_cast<int64_t>(insns));
}
BENCHMARK(BM_DecodeVmlinuxText)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv)
{
	std::string err;
	std::string dir = kmt::kernel_dir();
	std::string vmlinux = std::string(KMT_BENCH_WORK) + "/vmlinux";
	static std::vector<kmt::CodeSection> text;
	if (!kmt::unpack_vmlinux(dir, vmlinux, &err) || !kmt::read_code_sections(vmlinux, &text, &err)) {
		std::fprintf(stderr, "kmemtrap-bench-decode: %s\n", err.c_str());
		return 1;
	}
	size_t total = 0;
	for (const auto &s : text)
		total += s.m_bytes.size();
	std::printf("vmlinux from %s: %zu executable sections, %zu bytes\n", dir.c_str(), text.size(), total);
	g_text = &text;
	benchmark::Initialize(&argc, argv);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
