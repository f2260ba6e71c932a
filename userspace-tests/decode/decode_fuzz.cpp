// kmemtrap-fuzz-decode: random bytes through kmt_decode() and kmt_mem_address(), checking
// invariants. Bounded by time, deterministic in its input stream (fixed seed).
//
//   kmemtrap-fuzz-decode [--seconds N] [--seed S]
//
// The bytes always end exactly at a page boundary followed by a PROT_NONE page, so any read
// past `len` faults (and ASan/UBSan builds, -DKMT_SANITIZE=ON, catch the rest). Invariants:
//  - the status is one of the enum values; on failure the output is zeroed (UNSUPPORTED: only
//    the length is set);
//  - on OK: 1 <= length <= min(len, 15), nmem <= 2, every listed operand has a non-zero size,
//    a known access, and kmt_mem_address() runs on it;
//  - decoding exactly `length` bytes gives the same result; every shorter prefix is TRUNCATED;
//  - the --hex summary always fits KMT_SUMMARY_MAX.
//  - the semantic fields are consistent (check_semantics()) and their summary fits.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "kmt_decode.h"
#include "kmt_decode_format.h"
}

namespace {

// xorshift64*: small, fast and the same everywhere.
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

// Bytes that steer the decoder into interesting paths more often than uniform noise does.
const uint8_t kInteresting[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x3e, 0x64, 0x65, 0x48,
				 0x4c, 0x41, 0x0f, 0x38, 0x3a, 0xc4, 0xc5, 0x62, 0xa4, 0xa5,
				 0xab, 0xd8, 0xdf, 0xff, 0x8f, 0xc7, 0xae, 0x01 };

[[noreturn]] void die(const char *what, const uint8_t *p, size_t n)
{
	std::fprintf(stderr, "fuzz invariant broken: %s; bytes:", what);
	for (size_t i = 0; i < n; i++)
		std::fprintf(stderr, " %02x", p[i]);
	std::fprintf(stderr, "\n");
	std::abort();
}

bool all_zero(const kmt_insn &insn, bool except_length)
{
	kmt_insn z;
	std::memset(&z, 0, sizeof(z));
	if (except_length)
		z.length = insn.length;
	return std::memcmp(&z, &insn, sizeof(z)) == 0;
}

// The semantic fields are consistent with themselves and with mem[] (kmt_decode.h).
void check_semantics(const kmt_insn &insn, const uint8_t *input, size_t len)
{
	if (insn.op >= KMT_OP_COUNT || insn.nops > KMT_MAX_OPERANDS || insn.cond > 15)
		die("op, nops or cond out of range", input, len);
	if (insn.op != KMT_OP_OTHER && !(insn.sem_flags & KMT_SEM_GPRS))
		die("integer op without described GPRs", input, len);
	if ((insn.flags_undefined & ~insn.flags_written) ||
	    ((insn.flags_read | insn.flags_written) & ~(KMT_FLAGS_STATUS | KMT_FLAG_DF)))
		die("flag masks inconsistent", input, len);
	if (insn.cond && insn.op != KMT_OP_JCC && insn.op != KMT_OP_SETCC && insn.op != KMT_OP_CMOVCC)
		die("condition on a non-conditional op", input, len);
	for (unsigned i = 0; i < insn.nmem; i++) {
		const kmt_mem_operand &m = insn.mem[i];
		if ((m.base < 16 && !(insn.gpr_read & (1u << m.base))) ||
		    (m.index < 16 && !(m.flags & KMT_MEM_VSIB) && !(insn.gpr_read & (1u << m.index))))
			die("address register not in gpr_read", input, len);
	}
	for (unsigned i = 0; i < KMT_MAX_OPERANDS; i++) {
		const kmt_operand &o = insn.ops[i];
		if (i >= insn.nops) {
			kmt_operand z;
			std::memset(&z, 0, sizeof(z));
			if (std::memcmp(&o, &z, sizeof(z)) != 0)
				die("operand beyond nops not zero", input, len);
			continue;
		}
		switch (o.kind) {
		case KMT_OPND_REG: {
			bool rd = o.access & KMT_ACCESS_READ, wr = o.access & KMT_ACCESS_WRITE;
			if (o.reg > 15 || (o.size != 1 && o.size != 2 && o.size != 4 && o.size != 8) ||
			    ((o.flags & KMT_OPND_HIGH8) && (o.reg > 3 || o.size != 1)))
				die("bad register operand", input, len);
			if ((rd && !(insn.gpr_read & (1u << o.reg))) || (wr && !(insn.gpr_written & (1u << o.reg))))
				die("register operand not in the GPR masks", input, len);
			if (!!(o.flags & KMT_OPND_ZEXT32) != (wr && o.size == 4) ||
			    !!(o.flags & KMT_OPND_MERGE) != (wr && o.size < 4))
				die("zero-extension/merge flags wrong", input, len);
			break;
		}
		case KMT_OPND_MEM:
			if (o.mem >= insn.nmem || o.size != insn.mem[o.mem].size ||
			    (o.access & 3) != (insn.mem[o.mem].access & 3))
				die("memory operand does not match mem[]", input, len);
			break;
		case KMT_OPND_AGEN:
			if (o.access)
				die("address operand with an access", input, len);
			break;
		case KMT_OPND_IMM:
			if ((o.size != 1 && o.size != 2 && o.size != 4 && o.size != 8) || o.access ||
			    (o.size < 8 && (o.imm >> (8 * o.size)) != 0))
				die("bad immediate", input, len);
			break;
		case KMT_OPND_REL:
			if ((o.size != 1 && o.size != 4) || o.access)
				die("bad branch target", input, len);
			break;
		default:
			die("operand kind out of range", input, len);
		}
	}
	char sem[KMT_SEMANTICS_MAX];
	if (kmt_format_semantics(&insn, sem, sizeof(sem)) == 0)
		die("semantics summary does not fit", input, len);
}

} // namespace

int main(int argc, char **argv)
{
	double seconds = 25;
	uint64_t seed = 0x6b6d656d74726170ull; // "kmemtrap"
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
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map = static_cast<uint8_t *>(
		mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	if (map == MAP_FAILED || mprotect(map + page, page, PROT_NONE) != 0) {
		std::perror("mmap/mprotect");
		return 1;
	}
	uint8_t *end = map + page; // first byte that must never be read

	Rng rng{ seed };
	uint64_t execs = 0, iterations = 0, ok = 0;
	uint64_t by_status[8] = {};
	kmt_regs regs;
	auto t0 = std::chrono::steady_clock::now();
	auto deadline = t0 + std::chrono::duration<double>(seconds);
	uint8_t input[KMT_MAX_INSN_LEN + 1];
	while ((iterations & 1023) || std::chrono::steady_clock::now() < deadline) {
		iterations++;
		size_t len = 1 + rng.below(KMT_MAX_INSN_LEN + 1); // 1..16: one more than the limit
		bool structured = rng.below(2);
		for (size_t i = 0; i < len; i++)
			input[i] = (structured && rng.below(3) == 0)
				? kInteresting[rng.below(sizeof(kInteresting))]
				: static_cast<uint8_t>(rng.next());
		// Now and then a long run of prefixes, to reach the 15-byte limit.
		if (rng.below(16) == 0)
			for (size_t i = 0, k = rng.below(len + 1); i < k; i++)
				input[i] = kInteresting[rng.below(9)];
		uint8_t *code = end - len;
		std::memcpy(code, input, len);

		kmt_insn insn;
		int st = kmt_decode(code, len, &insn);
		execs++;
		if (st < KMT_DECODE_OK || st > KMT_DECODE_UNSUPPORTED)
			die("unknown status", input, len);
		by_status[st]++;
		char summary[KMT_SUMMARY_MAX];
		if (kmt_format_summary(st, &insn, summary, sizeof(summary)) == 0)
			die("summary does not fit", input, len);
		if (st != KMT_DECODE_OK) {
			if (!all_zero(insn, st == KMT_DECODE_UNSUPPORTED))
				die("output not zeroed on failure", input, len);
			if (st == KMT_DECODE_UNSUPPORTED && (insn.length == 0 || insn.length > len))
				die("unsupported without a length", input, len);
			continue;
		}
		ok++;
		if (insn.length < 1 || insn.length > len || insn.length > KMT_MAX_INSN_LEN)
			die("length out of range", input, len);
		if (insn.nmem > KMT_MAX_MEM_OPS || insn.prefix_len >= insn.length)
			die("nmem or prefix_len out of range", input, len);
		check_semantics(insn, input, len);
		for (size_t r = 0; r < 16; r++)
			regs.gpr[r] = rng.next();
		regs.rip = rng.next();
		regs.rflags = 2;
		regs.fs_base = rng.next();
		regs.gs_base = rng.next();
		for (unsigned i = 0; i < insn.nmem; i++) {
			const kmt_mem_operand &m = insn.mem[i];
			if (m.size == 0 || !(m.access & (KMT_ACCESS_READ | KMT_ACCESS_WRITE)) ||
			    (m.access & ~7u) || m.scale == 0 || (m.scale & (m.scale - 1)) || m.scale > 8)
				die("bad operand", input, len);
			uint64_t a = kmt_mem_address(&insn, &m, &regs);
			if ((m.flags & KMT_MEM_ADDR32) && !(m.segment == KMT_SEG_FS || m.segment == KMT_SEG_GS) &&
			    (a >> 32))
				die("32-bit address not truncated", input, len);
		}
		// Exactly `length` bytes (moved to the page end again) decode the same.
		kmt_insn again;
		code = end - insn.length;
		std::memmove(code, input, insn.length);
		if (kmt_decode(code, insn.length, &again) != KMT_DECODE_OK ||
		    std::memcmp(&again, &insn, sizeof(insn)) != 0)
			die("not reproducible from exactly length bytes", input, len);
		execs++;
		// Every shorter prefix is truncated: decisions only ever depend on bytes already read.
		for (size_t n = 0; n < insn.length; n++) {
			code = end - n;
			std::memmove(code, input, n);
			if (kmt_decode(code, n, &again) != KMT_DECODE_TRUNCATED)
				die("prefix not reported truncated", input, insn.length);
			execs++;
		}
	}
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	std::printf("fuzz: seed 0x%llx, %.1f s, %llu inputs, %llu kmt_decode calls (%.0f/s)\n",
		    (unsigned long long)seed, secs, (unsigned long long)iterations,
		    (unsigned long long)execs, execs / secs);
	std::printf("fuzz: inputs by status: ok %llu, truncated %llu, too long %llu, invalid %llu, "
		    "unsupported %llu\n",
		    (unsigned long long)by_status[0], (unsigned long long)by_status[1],
		    (unsigned long long)by_status[2], (unsigned long long)by_status[3],
		    (unsigned long long)by_status[4]);
	munmap(map, 2 * page);
	return 0;
}
