// forms.cpp - see forms.h.
#include "forms.h"

namespace emu {
namespace {

constexpr uint8_t kAnyReg = 0xff;
constexpr uint8_t r(unsigned reg) { return static_cast<uint8_t>(1u << reg); }

// Prefix sets.
constexpr uint16_t kInt = kA66 | kARex | kASeg | kA67;   // ordinary integer instruction
constexpr uint16_t kRmw = kInt | kALock;                  // lockable read-modify-write
constexpr uint16_t kByte = kARex | kASeg | kA67;          // byte operation (66 is harmless)
constexpr uint16_t kByteRmw = kByte | kALock;

const std::vector<Form> kForms = {
	// ALU: ADD OR ADC SBB AND SUB XOR CMP in all six encodings.
	{ "alu r/m8, r8", 0, { 0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38 }, kAnyReg, Mod::Any, ImmKind::None, kByteRmw | kA66, Special::None },
	{ "alu r/m, r", 0, { 0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39 }, kAnyReg, Mod::Any, ImmKind::None, kRmw, Special::None },
	{ "alu r8, r/m8", 0, { 0x02, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x32, 0x3a }, kAnyReg, Mod::Any, ImmKind::None, kByte, Special::None },
	{ "alu r, r/m", 0, { 0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x3b }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "alu al, imm8", 0, { 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c }, 0, Mod::None, ImmKind::B, kARex, Special::None },
	{ "alu rax, imm32", 0, { 0x05, 0x0d, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d }, 0, Mod::None, ImmKind::Z, kA66 | kARex, Special::None },
	{ "grp1 r/m8, imm8", 0, { 0x80 }, kAnyReg, Mod::Any, ImmKind::B, kByteRmw, Special::None },
	{ "grp1 r/m, imm32", 0, { 0x81 }, kAnyReg, Mod::Any, ImmKind::Z, kRmw, Special::None },
	{ "grp1 r/m, imm8", 0, { 0x83 }, kAnyReg, Mod::Any, ImmKind::B, kRmw, Special::None },
	{ "test r/m, r", 0, { 0x84, 0x85 }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "test al/rax, imm", 0, { 0xa8 }, 0, Mod::None, ImmKind::B, kARex, Special::None },
	{ "test rax, imm32", 0, { 0xa9 }, 0, Mod::None, ImmKind::Z, kA66 | kARex, Special::None },
	{ "test r/m8, imm8", 0, { 0xf6 }, r(0) | r(1), Mod::Any, ImmKind::B, kByte, Special::None },
	{ "test r/m, imm32", 0, { 0xf7 }, r(0) | r(1), Mod::Any, ImmKind::Z, kInt, Special::None },
	// INC DEC NEG NOT.
	{ "inc/dec r/m8", 0, { 0xfe }, r(0) | r(1), Mod::Any, ImmKind::None, kByteRmw, Special::None },
	{ "inc/dec r/m", 0, { 0xff }, r(0) | r(1), Mod::Any, ImmKind::None, kRmw, Special::None },
	{ "not/neg r/m8", 0, { 0xf6 }, r(2) | r(3), Mod::Any, ImmKind::None, kByteRmw, Special::None },
	{ "not/neg r/m", 0, { 0xf7 }, r(2) | r(3), Mod::Any, ImmKind::None, kRmw, Special::None },
	// Moves.
	{ "mov r/m, r", 0, { 0x88, 0x89 }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "mov r, r/m", 0, { 0x8a, 0x8b }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "mov r/m8, imm8", 0, { 0xc6 }, r(0), Mod::Any, ImmKind::B, kByte, Special::None },
	{ "mov r/m, imm32", 0, { 0xc7 }, r(0), Mod::Any, ImmKind::Z, kInt, Special::None },
	{ "mov r8, imm8", 0, { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7 }, 0, Mod::None, ImmKind::B, kARex, Special::None },
	{ "mov r, imm", 0, { 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf }, 0, Mod::None, ImmKind::V, kA66 | kARex, Special::None },
	{ "mov al/rax, moffs", 0, { 0xa0, 0xa1 }, 0, Mod::None, ImmKind::MOffs, kA66 | kARex | kASeg | kA67, Special::None },
	{ "mov moffs, al/rax", 0, { 0xa2, 0xa3 }, 0, Mod::None, ImmKind::MOffs, kA66 | kARex | kASeg | kA67, Special::None },
	{ "movzx/movsx r, r/m8", 1, { 0xb6, 0xbe }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "movzx/movsx r, r/m16", 1, { 0xb7, 0xbf }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "movsxd r, r/m32", 0, { 0x63 }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "movnti m, r", 1, { 0xc3 }, kAnyReg, Mod::Mem, ImmKind::None, kARex | kASeg | kA67, Special::None },
	{ "lea r, m", 0, { 0x8d }, kAnyReg, Mod::Mem, ImmKind::None, kInt, Special::None },
	{ "cbw/cwd", 0, { 0x98, 0x99 }, 0, Mod::None, ImmKind::None, kA66 | kARex, Special::None },
	{ "xchg r/m, r", 0, { 0x86, 0x87 }, kAnyReg, Mod::Any, ImmKind::None, kRmw, Special::None },
	{ "xchg rax, r", 0, { 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97 }, 0, Mod::None, ImmKind::None, kA66 | kARex, Special::None },
	{ "bswap r", 1, { 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf }, 0, Mod::None, ImmKind::None, kARex, Special::None },
	{ "cmovcc r, r/m", 1, { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "setcc r/m8", 1, { 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f }, kAnyReg, Mod::Any, ImmKind::None, kByte, Special::None },
	// Shifts and rotates: by imm8, by 1, by CL (/6 is SAL, an alias of SHL).
	{ "shift r/m8, imm8", 0, { 0xc0 }, kAnyReg, Mod::Any, ImmKind::B, kByte, Special::None },
	{ "shift r/m, imm8", 0, { 0xc1 }, kAnyReg, Mod::Any, ImmKind::B, kInt, Special::None },
	{ "shift r/m8, 1", 0, { 0xd0 }, kAnyReg, Mod::Any, ImmKind::None, kByte, Special::None },
	{ "shift r/m, 1", 0, { 0xd1 }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "shift r/m8, cl", 0, { 0xd2 }, kAnyReg, Mod::Any, ImmKind::None, kByte, Special::None },
	{ "shift r/m, cl", 0, { 0xd3 }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "shld/shrd r/m, r, imm8", 1, { 0xa4, 0xac }, kAnyReg, Mod::Any, ImmKind::B, kInt, Special::None },
	{ "shld/shrd r/m, r, cl", 1, { 0xa5, 0xad }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	// Multiply and divide.
	{ "mul/imul r/m8", 0, { 0xf6 }, r(4) | r(5), Mod::Any, ImmKind::None, kByte, Special::None },
	{ "mul/imul r/m", 0, { 0xf7 }, r(4) | r(5), Mod::Any, ImmKind::None, kInt, Special::None },
	{ "imul r, r/m", 1, { 0xaf }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "imul r, r/m, imm32", 0, { 0x69 }, kAnyReg, Mod::Any, ImmKind::Z, kInt, Special::None },
	{ "imul r, r/m, imm8", 0, { 0x6b }, kAnyReg, Mod::Any, ImmKind::B, kInt, Special::None },
	{ "div/idiv r/m8", 0, { 0xf6 }, r(6) | r(7), Mod::Any, ImmKind::None, kByte, Special::Div },
	{ "div/idiv r/m", 0, { 0xf7 }, r(6) | r(7), Mod::Any, ImmKind::None, kInt, Special::Div },
	// Atomics.
	{ "cmpxchg r/m, r", 1, { 0xb0, 0xb1 }, kAnyReg, Mod::Any, ImmKind::None, kRmw, Special::Cmpxchg },
	{ "cmpxchg8b/16b m", 1, { 0xc7 }, r(1), Mod::Mem, ImmKind::None, kARex | kALock | kASeg | kA67, Special::Cx16 },
	{ "xadd r/m, r", 1, { 0xc0, 0xc1 }, kAnyReg, Mod::Any, ImmKind::None, kRmw, Special::None },
	// Bits.
	{ "bt* r/m, r", 1, { 0xa3, 0xab, 0xb3, 0xbb }, kAnyReg, Mod::Any, ImmKind::None, kRmw, Special::BitOffset },
	{ "bt* r/m, imm8", 1, { 0xba }, r(4) | r(5) | r(6) | r(7), Mod::Any, ImmKind::B, kRmw, Special::None },
	{ "bsf/bsr r, r/m", 1, { 0xbc, 0xbd }, kAnyReg, Mod::Any, ImmKind::None, kInt, Special::None },
	{ "tzcnt/lzcnt/popcnt r, r/m", 1, { 0xbc, 0xbd, 0xb8 }, kAnyReg, Mod::Any, ImmKind::None, kInt | kAF3, Special::None },
	// Control flow.
	{ "jcc rel8", 0, { 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f }, 0, Mod::None, ImmKind::B, kARex, Special::RelBranch },
	{ "jcc rel32", 1, { 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f }, 0, Mod::None, ImmKind::D, kARex, Special::RelBranch },
	{ "jmp rel8/rel32", 0, { 0xeb, 0xe9 }, 0, Mod::None, ImmKind::None, kARex, Special::RelBranch },
	{ "call rel32", 0, { 0xe8 }, 0, Mod::None, ImmKind::D, kARex, Special::RelBranch },
	{ "call/jmp r/m", 0, { 0xff }, r(2) | r(4), Mod::Any, ImmKind::None, kARex | kASeg | kA67, Special::Indirect },
	{ "ret", 0, { 0xc3 }, 0, Mod::None, ImmKind::None, kARex, Special::Ret },
	{ "ret imm16", 0, { 0xc2 }, 0, Mod::None, ImmKind::W, kARex, Special::Ret },
	// Stack.
	{ "push r", 0, { 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 }, 0, Mod::None, ImmKind::None, kA66 | kARex, Special::None },
	{ "pop r", 0, { 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f }, 0, Mod::None, ImmKind::None, kA66 | kARex, Special::None },
	{ "push imm", 0, { 0x68, 0x6a }, 0, Mod::None, ImmKind::None, kA66 | kARex, Special::None },
	{ "push r/m", 0, { 0xff }, r(6), Mod::Any, ImmKind::None, kInt, Special::None },
	{ "pop r/m", 0, { 0x8f }, r(0), Mod::Any, ImmKind::None, kInt, Special::None },
	{ "pushf", 0, { 0x9c }, 0, Mod::None, ImmKind::None, kA66 | kARex, Special::None },
	{ "leave", 0, { 0xc9 }, 0, Mod::None, ImmKind::None, kARex, Special::None },
	// Strings, one element.
	{ "movs/cmps/stos/lods/scas", 0, { 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf }, 0, Mod::None, ImmKind::None, kA66 | kARex | kASeg | kA67, Special::None },
	// Flags and NOPs.
	{ "clc/stc/cmc/cld/std", 0, { 0xf8, 0xf9, 0xf5, 0xfc, 0xfd }, 0, Mod::None, ImmKind::None, kARex, Special::None },
	{ "nop r/m", 1, { 0x1f }, r(0), Mod::Any, ImmKind::None, kInt, Special::None },
	{ "pause", 0, { 0x90 }, 0, Mod::None, ImmKind::None, kAF3, Special::None },
};

} // namespace

const std::vector<Form> &forms()
{
	return kForms;
}

uint64_t Rng::value()
{
	static const uint64_t edges[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					  0x7fffffff, 0x80000000ull, 0xffffffffull,
					  0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull };
	switch (below(8)) {
	case 0: return edges[below(sizeof(edges) / sizeof(edges[0]))];
	case 1: return below(64);                       // small counts and offsets
	case 2: return 0 - below(64);                   // small negatives
	default: return next();
	}
}

Generated generate(const Form &form, Rng &rng)
{
	Generated g;
	size_t n = 0;
	auto put = [&](uint8_t b) { g.m_bytes[n++] = b; };
	const bool mem = form.m_mod == Mod::Mem || (form.m_mod == Mod::Any && rng.chance(2));
	const bool modrm = form.m_mod != Mod::None;
	const bool has66 = (form.m_allow & kA66) && rng.chance(3);
	const bool memory_like = mem || form.m_imm == ImmKind::MOffs || form.m_opcodes[0] == 0xa4;
	const bool has67 = (form.m_allow & kA67) && memory_like && rng.chance(6);
	uint8_t rex = 0;
	if ((form.m_allow & kARex) && rng.chance(2)) {
		rex = static_cast<uint8_t>(0x40 | rng.below(16));
		if (form.m_allow & kANoW)
			rex &= ~0x08;
	}
	if (has66)
		put(0x66);
	if (has67)
		put(0x67);
	if ((form.m_allow & kASeg) && memory_like && rng.chance(6))
		put(rng.chance(2) ? 0x64 : 0x65);
	if ((form.m_allow & kALock) && mem && rng.chance(2))
		put(0xf0);
	if (form.m_allow & kAF3)
		put(0xf3);
	if (rex)
		put(rex);
	if (form.m_map == 1)
		put(0x0f);
	put(form.m_opcodes[rng.below(form.m_opcodes.size())]);
	if (modrm) {
		unsigned reg;
		do {
			reg = static_cast<unsigned>(rng.below(8));
		} while (!(form.m_regs & (1u << reg)));
		unsigned mod = mem ? static_cast<unsigned>(rng.below(3)) : 3;
		unsigned rm = static_cast<unsigned>(rng.below(8));
		put(static_cast<uint8_t>((mod << 6) | (reg << 3) | rm));
		int disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		if (mod != 3 && rm == 4) {
			uint8_t sib = static_cast<uint8_t>(rng.next());
			put(sib);
			if (mod == 0 && (sib & 7) == 5)
				disp = 4;
		} else if (mod == 0 && rm == 5) {
			disp = 4; // RIP-relative
		}
		g.m_disp_off = disp ? static_cast<int>(n) : -1;
		g.m_disp_size = disp;
		for (int i = 0; i < disp; i++)
			put(static_cast<uint8_t>(rng.next()));
	}
	const bool w = rex & 0x08;
	unsigned imm = 0;
	switch (form.m_imm) {
	case ImmKind::None: imm = 0; break;
	case ImmKind::B: imm = 1; break;
	case ImmKind::W: imm = 2; break;
	case ImmKind::D: imm = 4; break;
	case ImmKind::Z: imm = (has66 && !w) ? 2 : 4; break;
	case ImmKind::V: imm = w ? 8 : has66 ? 2 : 4; break;
	case ImmKind::MOffs: imm = has67 ? 4 : 8; break;
	}
	// JMP rel8 / rel32 share a form: their immediate follows the opcode.
	if (form.m_special == Special::RelBranch && form.m_imm == ImmKind::None)
		imm = g.m_bytes[n - 1] == 0xeb ? 1 : 4;
	if (form.m_opcodes[0] == 0x68 && form.m_imm == ImmKind::None)
		imm = g.m_bytes[n - 1] == 0x6a ? 1 : (has66 && !w) ? 2 : 4;
	g.m_imm_off = imm ? static_cast<int>(n) : -1;
	g.m_imm_size = static_cast<int>(imm);
	uint64_t v = rng.value();
	for (unsigned i = 0; i < imm; i++)
		put(static_cast<uint8_t>(v >> (8 * (i % 8))));
	g.m_len = n;
	g.m_mem = mem;
	return g;
}

} // namespace emu
