// kmemtrap-bench-engine: the engine's own work for one emulated tracked access, the kernel's
// common case, without traps: kmt_engine_fault() called directly for `mov 0x40(%rdi),%rax` and
// `mov %rax,0x40(%rdi)` in turn on an initialized tracked page, with a platform that reaches
// memory with memcpy. Prints ns per call (this host's time; compare runs of one build only).
// For a machine-independent number, count its instructions:
//   valgrind --tool=callgrind kmemtrap-bench-engine 10000
// (instructions of the run / 10000 = the engine's instructions per access, plus the loop's).
// Argument: calls (default 1000000). Exits 1 if a call is not handled as an emulated access.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kmt_engine.h"
#include "kmt_slots.h"

namespace {

alignas(4096) uint8_t g_mem[3 * KMT_PAGE_SIZE];
kmt_shadow_block g_blocks[3];
kmt_stack_slots g_slots;
kmt_decode_cache g_decode_cache;

uint64_t base() { return reinterpret_cast<uint64_t>(g_mem); }

kmt_shadow_block *lookup(void *, uint64_t page)
{
	if (page < base() || page >= base() + sizeof(g_mem))
		return nullptr;
	return &g_blocks[(page - base()) / KMT_PAGE_SIZE];
}
int is_tracked(void *ctx, uint64_t page) { return lookup(ctx, page) != nullptr; }
void show(void *, uint64_t) {}
void hide(void *, uint64_t) {}
size_t read_code(void *, uint64_t rip, uint8_t *buf, size_t len)
{
	std::memcpy(buf, reinterpret_cast<const void *>(rip), len);
	return len;
}
int is_user(void *, uint64_t addr) { return addr < 0x10000; }
void report(void *, const kmt_error *) { std::abort(); } // initialized memory: nothing to report
int copy(void *, uint64_t d, uint64_t s, uint64_t l)
{
	std::memmove(reinterpret_cast<void *>(d), reinterpret_cast<const void *>(s), l);
	return 0;
}
int rd(void *, uint64_t a, void *b, uint32_t s)
{
	std::memcpy(b, reinterpret_cast<const void *>(a), s);
	return 0;
}
int wr(void *, uint64_t a, const void *b, uint32_t s)
{
	std::memcpy(reinterpret_cast<void *>(a), b, s);
	return 0;
}
int may_follow(void *, uint64_t) { return 1; }
int cmpxchg(void *, uint64_t a, uint32_t s, const void *expected, const void *desired, void *actual)
{
	std::memcpy(actual, reinterpret_cast<const void *>(a), s);
	if (std::memcmp(actual, expected, s) == 0)
		std::memcpy(reinterpret_cast<void *>(a), desired, s);
	return 0;
}
kmt_stack_slots *stack_slots(void *) { return &g_slots; }
uint64_t current_task(void *) { return 1; }
int is_stack(void *, uint64_t) { return 0; }
int nul_words(void *, uint64_t) { return 0; }

// Padded with NOPs: read_code copies KMT_MAX_INSN_LEN bytes, at the instruction and, for the
// engine's run-ahead (engine.cpp), at the one after it (a NOP: the run stops there).
#define KMT_BENCH_NOPS13 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90
const uint8_t k_load[2 * KMT_MAX_INSN_LEN] = {0x48, 0x8b, 0x47, 0x40, KMT_BENCH_NOPS13, KMT_BENCH_NOPS13};
const uint8_t k_store[2 * KMT_MAX_INSN_LEN] = {0x48, 0x89, 0x47, 0x40, KMT_BENCH_NOPS13, KMT_BENCH_NOPS13};

} // namespace

int main(int argc, char **argv)
{
	const long calls = argc > 1 ? std::atol(argv[1]) : 1000000;
	kmt_engine_platform p = {};
	p.shadow.lookup = lookup;
	p.is_tracked = is_tracked;
	p.show = show;
	p.hide = hide;
	p.read_code = read_code;
	p.is_user_address = is_user;
	p.report = report;
	p.copy = copy;
	p.read = rd;
	p.write = wr;
	p.may_follow = may_follow;
	p.cmpxchg = cmpxchg;
	p.stack_slots = stack_slots;
	p.current_task = current_task;
	p.is_stack = is_stack;
	p.nul_words = nul_words;
	p.decode_cache = &g_decode_cache;
	for (auto &b : g_blocks)
		kmt_shadow_block_init(&b, KMT_SHADOW_INIT);
	static kmt_engine_cpu cpu;
	kmt_engine_cpu_init(&cpu, KMT_REP_MODE_BATCH);
	kmt_engine_set_follow_limit(&cpu, 2000); // the module's defaults
	kmt_engine_set_emulate(&cpu, 1);
	uint64_t sum = 0;
	const auto t0 = std::chrono::steady_clock::now();
	for (long i = 0; i < calls; i++) {
		const uint8_t *code = (i & 1) ? k_store : k_load;
		kmt_regs r = {};
		r.gpr[KMT_REG_RDI] = base() + KMT_PAGE_SIZE;
		r.gpr[KMT_REG_RSP] = reinterpret_cast<uint64_t>(&r) - 256;
		r.gpr[KMT_REG_RAX] = static_cast<uint64_t>(i);
		r.rip = reinterpret_cast<uint64_t>(code);
		r.rflags = 0x246;
		const int res = kmt_engine_fault(&cpu, &p, &r, base() + KMT_PAGE_SIZE + 0x40, 0);
		if (res != KMT_ENGINE_HANDLED || r.rip != reinterpret_cast<uint64_t>(code) + 4) {
			std::fprintf(stderr, "bench-engine: call %ld: result %d, rip +%llu\n", i, res,
				     static_cast<unsigned long long>(r.rip - reinterpret_cast<uint64_t>(code)));
			return 1;
		}
		sum += r.gpr[KMT_REG_RAX];
	}
	const auto t1 = std::chrono::steady_clock::now();
	const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(calls);
	const kmt_engine_counters &c = cpu.counters;
	std::printf("engine_access calls=%ld ns_per_call=%.1f emulated=%llu decodes=%llu decode_cache_hits=%llu (checksum %llu)\n",
		    calls, ns, static_cast<unsigned long long>(c.emulated), static_cast<unsigned long long>(c.decodes),
		    static_cast<unsigned long long>(c.decode_cache_hits), static_cast<unsigned long long>(sum));
	return c.emulated == static_cast<uint64_t>(calls) ? 0 : 1;
}
