// kmemtrap-fuzz-emulate: random bytes through kmt_decode() and kmt_emulate(), with a fake
// memory that answers every address, checking that the emulator agrees with the decoder's
// description of the instruction. Bounded by time, deterministic in its input stream. Run it in
// the ASan/UBSan build (-DKMT_SANITIZE=ON) to catch what invariants cannot.
//
//   kmemtrap-fuzz-emulate [--seconds N] [--seed S]
//
// Invariants: the status is OK, UNSUPPORTED or FAULT; KMT_OP_OTHER is UNSUPPORTED; anything but
// OK changes no register and stores nothing; OK changes only the GPRs in gpr_written and the
// flags in flags_written, moves RIP past the instruction unless it is a branch, and stores only
// at the address of a memory operand or at the new stack top; a fault injected into any
// callback gives FAULT with nothing changed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "kmt_decode.h"
#include "kmt_emulate.h"
}

namespace {

struct Rng {
	uint64_t m_state;
	uint64_t next()
	{
		m_state ^= m_state >> 12;
		m_state ^= m_state << 25;
		m_state ^= m_state >> 27;
		return m_state * 0x2545f4914f6cdd1dull;
	}
	unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
};

// Memory where every byte is a function of its address, plus a record of the stores.
struct FakeMem {
	uint64_t m_seed = 0;
	int m_fail_at = -1; // callback call that fails, -1: none
	int m_calls = 0;
	int m_stores = 0;   // writes, and compare-exchanges that stored
	uint64_t m_store_addr[4] = {};
	uint32_t m_store_size[4] = {};
	bool m_fail_cmpxchg_compare = false; // make every compare-exchange miss (a racing CPU)

	uint8_t byte(uint64_t a) const
	{
		uint64_t x = (a ^ m_seed) * 0x9e3779b97f4a7c15ull;
		return static_cast<uint8_t>(x >> 56);
	}
	bool fail() { return m_calls++ == m_fail_at; }
	void store(uint64_t addr, uint32_t size)
	{
		if (m_stores < 4) {
			m_store_addr[m_stores] = addr;
			m_store_size[m_stores] = size;
		}
		m_stores++;
	}
};

int fake_read(void *ctx, uint64_t addr, void *buf, uint32_t size)
{
	FakeMem *m = static_cast<FakeMem *>(ctx);
	if (m->fail())
		return 14;
	for (uint32_t i = 0; i < size; i++)
		static_cast<uint8_t *>(buf)[i] = m->byte(addr + i);
	return 0;
}

int fake_write(void *ctx, uint64_t addr, const void *, uint32_t size)
{
	FakeMem *m = static_cast<FakeMem *>(ctx);
	if (m->fail())
		return 14;
	m->store(addr, size);
	return 0;
}

int fake_cmpxchg(void *ctx, uint64_t addr, uint32_t size, const void *expected, const void *,
		 void *actual)
{
	FakeMem *m = static_cast<FakeMem *>(ctx);
	if (m->fail())
		return 14;
	uint8_t *a = static_cast<uint8_t *>(actual);
	for (uint32_t i = 0; i < size; i++)
		a[i] = m->byte(addr + i);
	if (m->m_fail_cmpxchg_compare)
		a[0] ^= 1; // someone else got there first
	if (std::memcmp(a, expected, size) == 0)
		m->store(addr, size);
	return 0;
}

[[noreturn]] void die(const char *what, const uint8_t *p, size_t n)
{
	std::fprintf(stderr, "emulate fuzz invariant broken: %s; bytes:", what);
	for (size_t i = 0; i < n; i++)
		std::fprintf(stderr, " %02x", p[i]);
	std::fprintf(stderr, "\n");
	std::abort();
}

bool is_branch(unsigned op)
{
	return op == KMT_OP_JCC || op == KMT_OP_JMP || op == KMT_OP_JMP_INDIRECT || op == KMT_OP_CALL ||
	       op == KMT_OP_CALL_INDIRECT || op == KMT_OP_RET;
}

const uint8_t kInteresting[] = { 0x66, 0x67, 0xf0, 0xf3, 0x64, 0x65, 0x48, 0x4c, 0x41, 0x0f,
				 0x80, 0x81, 0x83, 0xc1, 0xd3, 0xf6, 0xf7, 0xff, 0x8b, 0x89,
				 0xa4, 0xab, 0xb1, 0xc7, 0xa3, 0xba, 0xbc, 0x0f, 0x0f };

} // namespace

int main(int argc, char **argv)
{
	double seconds = 10;
	uint64_t seed = 0x656d752d66757a7aull; // "emu-fuzz"
	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = std::atof(argv[++i]);
		else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = std::strtoull(argv[++i], nullptr, 0);
		else {
			std::fprintf(stderr, "usage: %s [--seconds N] [--seed S]\n", argv[0]);
			return 2;
		}
	}
	Rng rng{ seed };
	uint64_t inputs = 0, decoded = 0, by_status[3] = {}, injected = 0, raced = 0;
	const auto t0 = std::chrono::steady_clock::now();
	const auto deadline = t0 + std::chrono::duration<double>(seconds);
	uint8_t in[KMT_MAX_INSN_LEN];
	while ((inputs & 1023) || std::chrono::steady_clock::now() < deadline) {
		inputs++;
		size_t len = 1 + rng.below(KMT_MAX_INSN_LEN);
		for (size_t i = 0; i < len; i++)
			in[i] = rng.below(3) == 0 ? kInteresting[rng.below(sizeof(kInteresting))]
						  : static_cast<uint8_t>(rng.next());
		kmt_insn insn;
		if (kmt_decode(in, len, &insn) != KMT_DECODE_OK)
			continue;
		decoded++;
		kmt_regs regs;
		for (int i = 0; i < 16; i++)
			regs.gpr[i] = rng.below(4) ? rng.next() : rng.below(70);
		regs.rip = rng.next();
		regs.rflags = (rng.next() & (KMT_FLAGS_STATUS | KMT_FLAG_DF)) | 0x202;
		regs.fs_base = rng.next();
		regs.gs_base = rng.below(2) ? 0 : rng.next();
		FakeMem fm;
		fm.m_seed = rng.next();
		const unsigned mode = rng.below(8);
		if (mode == 0) {
			fm.m_fail_at = static_cast<int>(rng.below(3));
		} else if (mode == 1) {
			fm.m_fail_cmpxchg_compare = true;
			raced++;
		}
		kmt_emu_fault fault = {};
		const kmt_emu_mem mem = { &fm, fake_read, fake_write, fake_cmpxchg, &fault };
		const kmt_regs before = regs;
		const int st = kmt_emulate(&insn, &regs, &mem);
		if (st < KMT_EMU_OK || st > KMT_EMU_FAULT)
			die("status out of range", in, insn.length);
		by_status[st]++;
		if (insn.op == KMT_OP_OTHER && st != KMT_EMU_UNSUPPORTED)
			die("KMT_OP_OTHER emulated", in, insn.length);
		if (fm.m_calls > fm.m_fail_at && fm.m_fail_at >= 0) {
			injected++;
			if (st != KMT_EMU_FAULT || fault.code != 14)
				die("injected fault not reported", in, insn.length);
		}
		if (st != KMT_EMU_OK) {
			if (std::memcmp(&regs, &before, sizeof(regs)) != 0)
				die("registers changed without OK", in, insn.length);
			if (fm.m_stores)
				die("memory stored without OK", in, insn.length);
			continue;
		}
		for (int i = 0; i < 16; i++)
			if (regs.gpr[i] != before.gpr[i] && !(insn.gpr_written & (1u << i)))
				die("a GPR outside gpr_written changed", in, insn.length);
		const uint64_t flags_changed = regs.rflags ^ before.rflags;
		if (flags_changed & ~static_cast<uint64_t>(insn.flags_written))
			die("a flag outside flags_written changed", in, insn.length);
		if (!is_branch(insn.op) && regs.rip != before.rip + insn.length)
			die("RIP not past the instruction", in, insn.length);
		if (fm.m_stores > 1)
			die("more than one store", in, insn.length);
		if (fm.m_stores == 1) {
			bool ok = fm.m_store_addr[0] == regs.gpr[KMT_REG_RSP]; // PUSH, CALL: the new top
			for (unsigned i = 0; i < insn.nmem && !ok; i++) {
				const kmt_mem_operand &m = insn.mem[i];
				ok = fm.m_store_addr[0] == kmt_mem_address(&insn, &m, &before) ||
				     fm.m_store_addr[0] == kmt_mem_address(&insn, &m, &regs); // POP [RSP + x]
			}
			if (!ok)
				die("a store outside the memory operands and the stack", in, insn.length);
		}
	}
	const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	std::printf("emulate fuzz: seed 0x%llx, %.1f s, %llu inputs, %llu decoded; emulated: ok %llu, "
		    "unsupported %llu, fault %llu (%llu injected); %llu with every compare-exchange lost\n",
		    (unsigned long long)seed, secs, (unsigned long long)inputs, (unsigned long long)decoded,
		    (unsigned long long)by_status[0], (unsigned long long)by_status[1],
		    (unsigned long long)by_status[2], (unsigned long long)injected, (unsigned long long)raced);
	return 0;
}
