// forms.h - the instruction forms the emulator's differential test generates, and the
// generator that turns a form into random instruction bytes with operands that point into the
// native arena (native.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "kmt_decode.h"
}

namespace emu {

// Prefixes a form may take.
enum Allow : uint16_t {
	kA66 = 1u << 0,   // 0x66 (16-bit operand size)
	kARex = 1u << 1,  // a REX prefix (random R/X/B; W unless kANoW)
	kANoW = 1u << 2,  // never REX.W
	kALock = 1u << 3, // LOCK when the destination is memory
	kASeg = 1u << 4,  // an FS/GS override on memory operands
	kA67 = 1u << 5,   // 0x67 (32-bit addresses)
	kAF3 = 1u << 6,   // a mandatory F3 (POPCNT, TZCNT, LZCNT)
};

enum class Mod : uint8_t { None, Reg, Mem, Any };

enum class ImmKind : uint8_t {
	None,
	B,     // 1 byte
	W,     // 2 bytes
	D,     // 4 bytes
	Z,     // 2 with 0x66, else 4
	V,     // the operand size: 2, 4 or 8
	MOffs, // an 8-byte address (4 with 0x67)
};

// Set-up a form needs beyond random registers and memory.
enum class Special : uint8_t {
	None,
	Div,       // mostly divisors and dividends that do not raise #DE (sometimes they do)
	RelBranch, // the relative target is landing pad B
	Indirect,  // the register or memory target holds landing pad B
	Ret,       // the return address on the stack is landing pad B
	Cx16,      // CMPXCHG8B/16B: mostly aligned, rDX:rAX often equal to the memory
	BitOffset, // BT* with a register bit offset: a small signed offset
	Cmpxchg,   // CMPXCHG: rAX often equal to the destination
};

struct Form {
	const char *m_name;
	uint8_t m_map; // 0 one-byte, 1 0F
	std::vector<uint8_t> m_opcodes;
	uint8_t m_regs; // ModRM.reg values to pick from (bit mask)
	Mod m_mod;
	ImmKind m_imm;
	uint16_t m_allow;
	Special m_special;
};

// Every form the test generates.
const std::vector<Form> &forms();

// One generated instruction.
struct Generated {
	uint8_t m_bytes[KMT_MAX_INSN_LEN];
	size_t m_len = 0;
	int m_disp_off = -1; // offset and size of the displacement (to aim a memory operand)
	int m_disp_size = 0;
	int m_imm_off = -1;  // offset and size of the immediate, relative target or moffs
	int m_imm_size = 0;
	bool m_mem = false;  // a ModRM memory form was chosen
};

// xorshift64*, small and reproducible.
struct Rng {
	uint64_t m_state;
	uint64_t next()
	{
		m_state ^= m_state >> 12;
		m_state ^= m_state << 25;
		m_state ^= m_state >> 27;
		return m_state * 0x2545f4914f6cdd1dull;
	}
	uint64_t below(uint64_t n) { return n ? next() % n : 0; }
	bool chance(unsigned one_in) { return below(one_in) == 0; }
	// A random value biased towards the edges that flags care about (0, 1, -1, sign bits).
	uint64_t value();
};

// Random bytes of @form.
Generated generate(const Form &form, Rng &rng);

} // namespace emu
