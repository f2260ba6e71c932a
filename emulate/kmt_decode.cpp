// SPDX-License-Identifier: GPL-2.0
//
// kmt_decode.cpp - kmemtrap's x86-64 instruction decoder (64-bit mode only).
//
// The decoder is a chain of small steps over one Decoder object: legacy prefixes and REX,
// VEX/EVEX, opcode map selection, ModRM (with the group row it selects), SIB, displacement,
// immediates, and finally the memory operands. Each step returns false after recording a
// specific status; no step reads beyond the caller's length or beyond 15 bytes. What the
// instruction does to memory comes from the rows in kmt_decode_tables.h; rows whose operand
// depends on a mandatory prefix, W, the encoding or mod are refined by the fix rows there
// (Decoder::fixup_row() only looks them up).
//
// Freestanding C++17: no libstdc++, no exceptions, no heap, no globals with constructors.

#include "kmt_decode.h"
#include "kmt_decode_semantics.h"
#include "kmt_decode_tables.h"
#include "kmt_ops.h"

namespace kmt {
namespace {

using namespace dec;

// How the opcode was encoded.
enum class Encoding : uint8_t { Legacy, Vex, Evex };

// Mandatory prefix, in VEX.pp order: what selects between e.g. MOVUPS/MOVUPD/MOVSS/MOVSD.
enum Pfx : uint8_t { kPfxNone = 0, kPfx66 = 1, kPfxF3 = 2, kPfxF2 = 3 };

// Kinds of string instruction, indexed like KMT_CLASS_*.
struct StringKind {
	uint8_t m_class;   // enum kmt_insn_class, KMT_CLASS_NOMEM if not a string instruction
	bool m_has_src;    // DS:rSI operand (segment can be overridden)
	bool m_has_dst;    // ES:rDI operand (never overridden)
	uint8_t m_src_acc; // KMT_ACCESS_* of the source
	uint8_t m_dst_acc; // KMT_ACCESS_* of the destination
	bool m_compare;    // CMPS/SCAS: F3 means REPE and F2 REPNE
};

constexpr StringKind string_kind(uint8_t opcode)
{
	switch (opcode) {
	case 0x6c: case 0x6d:
		return { KMT_CLASS_INS, false, true, 0, KMT_ACCESS_WRITE, false };
	case 0x6e: case 0x6f:
		return { KMT_CLASS_OUTS, true, false, KMT_ACCESS_READ, 0, false };
	case 0xa4: case 0xa5:
		return { KMT_CLASS_MOVS, true, true, KMT_ACCESS_READ, KMT_ACCESS_WRITE, false };
	case 0xa6: case 0xa7:
		return { KMT_CLASS_CMPS, true, true, KMT_ACCESS_READ, KMT_ACCESS_READ, true };
	case 0xaa: case 0xab:
		return { KMT_CLASS_STOS, false, true, 0, KMT_ACCESS_WRITE, false };
	case 0xac: case 0xad:
		return { KMT_CLASS_LODS, true, false, KMT_ACCESS_READ, 0, false };
	case 0xae: case 0xaf:
		return { KMT_CLASS_SCAS, false, true, 0, KMT_ACCESS_READ, true };
	default:
		return { KMT_CLASS_NOMEM, false, false, 0, 0, false };
	}
}

// Size of the XSAVE family's operand that is always there: 512-byte legacy region and the
// 64-byte XSAVE header. The real extent depends on XCR0/IA32_XSS and EDX:EAX.
constexpr uint32_t kXsaveMinBytes = 576;

class Decoder {
public:
	Decoder(const uint8_t *code, size_t len, kmt_insn *out)
		: m_code(code), m_len(len < KMT_MAX_INSN_LEN ? len : KMT_MAX_INSN_LEN), m_out(out)
	{
	}

	int run();

private:
	// Reads one byte. The 15-byte limit is checked first, so an over-long prefix run is
	// TOO_LONG even when the buffer is longer; otherwise running out of buffer is TRUNCATED.
	bool fetch(uint8_t *byte)
	{
		if (m_pos >= KMT_MAX_INSN_LEN)
			return fail(KMT_DECODE_TOO_LONG);
		if (m_pos >= m_len)
			return fail(KMT_DECODE_TRUNCATED);
		*byte = m_code[m_pos++];
		return true;
	}

	// Reads a little-endian value of @bytes bytes (1, 2, 4 or 8), zero-extended.
	bool fetch_le(unsigned bytes, uint64_t *value)
	{
		uint64_t v = 0;
		for (unsigned i = 0; i < bytes; i++) {
			uint8_t b;
			if (!fetch(&b))
				return false;
			v |= static_cast<uint64_t>(b) << (8 * i);
		}
		*value = v;
		return true;
	}

	bool fail(int status)
	{
		m_status = status;
		return false;
	}

	bool read_prefixes();
	bool read_vex(uint8_t first);
	bool read_opcode();
	bool select_row();
	inline Key key() const;
	bool fixup_row();
	bool read_modrm_operand();
	bool read_immediate();
	bool build_operands();
	void build_semantics();
	bool fill_operand(const Opnd &spec, kmt_operand *o);
	uint32_t width_bytes(Wd wd) const;

	uint32_t operand_size() const;
	uint32_t vector_length() const { return m_vl; }
	uint32_t resolve_size(Sz size) const;
	uint8_t default_segment(uint8_t base) const;
	kmt_mem_operand *add_operand();

	const uint8_t *m_code;
	size_t m_len;
	kmt_insn *m_out;
	size_t m_pos = 0;
	int m_status = KMT_DECODE_OK;

	// Legacy prefixes.
	bool m_has66 = false;
	bool m_has67 = false;
	bool m_lock = false;
	uint8_t m_rep_byte = 0;   // last F2/F3 seen, 0 if none
	uint8_t m_rep_offset = 0; // its index
	uint8_t m_seg = KMT_SEG_NONE; // FS/GS override; ES/CS/SS/DS are ignored in 64-bit mode
	uint8_t m_rex = 0;        // REX byte if it immediately precedes the opcode, else 0

	// VEX/EVEX fields, and the same REX bits for legacy encodings.
	Encoding m_enc = Encoding::Legacy;
	bool m_w = false;       // REX.W / VEX.W / EVEX.W
	bool m_rex_r = false;
	bool m_rex_x = false;
	bool m_rex_b = false;
	bool m_evex_v2 = false; // EVEX.V' (extends a VSIB index to 32 registers)
	uint8_t m_pfx = kPfxNone;
	uint32_t m_vl = 16;     // vector length in bytes
	uint8_t m_evex_aaa = 0; // opmask register, 0 = no masking
	bool m_evex_b = false;  // broadcast / rounding
	uint8_t m_evex_ll = 0;
	uint8_t m_vvvv = 0;      // VEX/EVEX.vvvv, inverted back: a register number

	// Opcode, row and ModRM.
	uint8_t m_map = 0;
	uint8_t m_opcode = 0;
	Op m_row = kUD;
	bool m_has_modrm = false;
	uint8_t m_modrm = 0;
	uint8_t m_mod = 0;
	uint8_t m_reg = 0;
	uint8_t m_rm = 0;
	uint32_t m_size = 0;    // resolved operand size of the ModRM memory operand, bytes
	Acc m_access = Acc::None;
	bool m_cond = false;
	bool m_cx8 = false;     // CMPXCHG8B/16B

	// Decoded memory reference (mod != 3).
	uint8_t m_base = KMT_REG_NONE;
	uint8_t m_index = KMT_REG_NONE;
	uint8_t m_scale = 1;
	int64_t m_disp = 0;
	bool m_riprel = false;
	bool m_vsib = false;
	bool m_moffs = false;

	// The immediate (or relative offset) as encoded, zero-extended, and its length in bytes.
	uint64_t m_imm = 0;
	uint8_t m_imm_bytes = 0;
};

// Step 1: legacy prefixes and REX. Segment: in 64-bit mode only FS and GS change anything;
// the last of them wins. F2/F3: the last one wins (as on hardware); rep_offset remembers
// where it was. A REX not immediately before the opcode is ignored, as on hardware.
bool Decoder::read_prefixes()
{
	for (;;) {
		uint8_t b;
		if (!fetch(&b))
			return false;
		switch (b) {
		case 0x66:
			m_has66 = true;
			break;
		case 0x67:
			m_has67 = true;
			break;
		case 0xf0:
			m_lock = true;
			break;
		case 0xf2:
		case 0xf3:
			m_rep_byte = b;
			m_rep_offset = static_cast<uint8_t>(m_pos - 1);
			break;
		case 0x64:
			m_seg = KMT_SEG_FS;
			break;
		case 0x65:
			m_seg = KMT_SEG_GS;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			break;
		default:
			if ((b & 0xf0) == 0x40) {
				m_rex = b;
				continue;
			}
			m_pos--; // not a prefix: the opcode (or VEX/EVEX) starts here
			m_out->prefix_len = static_cast<uint8_t>(m_pos);
			if (m_rex) {
				m_w = m_rex & 8;
				m_rex_r = m_rex & 4;
				m_rex_x = m_rex & 2;
				m_rex_b = m_rex & 1;
			}
			m_pfx = m_rep_byte == 0xf3 ? kPfxF3 : m_rep_byte == 0xf2 ? kPfxF2
				: m_has66 ? kPfx66 : kPfxNone;
			return true;
		}
		m_rex = 0; // a legacy prefix after REX cancels it
	}
}

// Step 2a: VEX (C4/C5) and EVEX (62). In 64-bit mode these bytes are always VEX/EVEX (LES,
// LDS and BOUND do not exist). A 66/F2/F3/F0 or REX prefix before them is #UD.
bool Decoder::read_vex(uint8_t first)
{
	if (m_has66 || m_rep_byte || m_lock || m_rex)
		return fail(KMT_DECODE_INVALID);
	uint8_t p0, p1, p2;
	if (first == 0xc5) {
		if (!fetch(&p0))
			return false;
		m_enc = Encoding::Vex;
		m_rex_r = !(p0 & 0x80);
		m_vl = (p0 & 4) ? 32 : 16;
		m_pfx = p0 & 3;
		m_vvvv = (~p0 >> 3) & 15;
		m_map = 1;
		return true;
	}
	if (first == 0xc4) {
		if (!fetch(&p0) || !fetch(&p1))
			return false;
		m_enc = Encoding::Vex;
		m_rex_r = !(p0 & 0x80);
		m_rex_x = !(p0 & 0x40);
		m_rex_b = !(p0 & 0x20);
		m_map = p0 & 0x1f;
		m_w = p1 & 0x80;
		m_vl = (p1 & 4) ? 32 : 16;
		m_pfx = p1 & 3;
		m_vvvv = (~p1 >> 3) & 15;
		if (m_map < 1 || m_map > 3)
			return fail(KMT_DECODE_INVALID);
		return true;
	}
	// EVEX: P0 = R X B R' 0 0 m m, P1 = W vvvv 1 pp, P2 = z L'L b V' aaa.
	if (!fetch(&p0) || !fetch(&p1) || !fetch(&p2))
		return false;
	m_enc = Encoding::Evex;
	m_rex_r = !(p0 & 0x80);
	m_rex_x = !(p0 & 0x40);
	m_rex_b = !(p0 & 0x20);
	m_map = p0 & 3;
	m_w = p1 & 0x80;
	m_pfx = p1 & 3;
	m_vvvv = (~p1 >> 3) & 15;
	m_evex_ll = (p2 >> 5) & 3;
	m_evex_b = p2 & 0x10;
	m_evex_v2 = !(p2 & 0x08);
	m_evex_aaa = p2 & 7;
	m_vl = 16u << (m_evex_ll == 3 ? 2 : m_evex_ll);
	// Maps 5 and 6 (AVX512-FP16) and reserved bits are not modelled: refuse them.
	if ((p0 & 0x0c) != 0 || !(p1 & 0x04) || m_map == 0)
		return fail(KMT_DECODE_INVALID);
	return true;
}

// Step 2: the opcode byte and its map.
bool Decoder::read_opcode()
{
	uint8_t b;
	if (!fetch(&b))
		return false;
	if (b == 0xc4 || b == 0xc5 || b == 0x62) {
		if (!read_vex(b))
			return false;
		return fetch(&m_opcode);
	}
	if (b != 0x0f) {
		m_map = 0;
		m_opcode = b;
		return true;
	}
	if (!fetch(&b))
		return false;
	if (b == 0x38 || b == 0x3a) {
		m_map = b == 0x38 ? 2 : 3;
		return fetch(&m_opcode);
	}
	m_map = 1;
	m_opcode = b;
	return true;
}

// Step 3: the opcode row, and for VEX/EVEX whether the row exists in that encoding.
bool Decoder::select_row()
{
	switch (m_map) {
	case 0:
		m_row = kOneByte[m_opcode];
		break;
	case 1:
		m_row = kTwoByte[m_opcode];
		break;
	case 2:
		m_row = kMap38.m_rows[m_opcode];
		break;
	default:
		m_row = kMap3A.m_rows[m_opcode];
		break;
	}
	if (m_enc == Encoding::Legacy) {
		if (m_row.m_flags & (kVexOnly | kEvexOnly))
			return fail(KMT_DECODE_INVALID);
	} else if (m_map == 1 && m_enc == Encoding::Vex &&
		   ((m_opcode >= 0x41 && m_opcode <= 0x4b) || (m_opcode >= 0x90 && m_opcode <= 0x93) ||
		    m_opcode == 0x98 || m_opcode == 0x99)) {
		// VEX-encoded opmask instructions (AVX-512): KAND..., KMOV, KORTEST, KTEST.
		// Only KMOV k, m (90) and KMOV m, k (91) touch memory: 1, 2, 4 or 8 bytes by pp/W.
		Sz size = m_pfx == kPfx66 ? (m_w ? Sz::D4 : Sz::B1) : (m_w ? Sz::Q8 : Sz::W2);
		if (m_opcode == 0x90)
			m_row = op(kModRM, size, Acc::R);
		else if (m_opcode == 0x91)
			m_row = op(kModRM | kMemOnly, size, Acc::W);
		else
			m_row = op(kModRM | kRegOnly);
	} else if (m_map == 1 && m_enc == Encoding::Vex && m_opcode == 0xae) {
		m_row = op(kModRM | kMemOnly | kFixup, Sz::D4, Acc::R); // VLDMXCSR / VSTMXCSR
	} else if (m_map == 1 && m_opcode == 0x77) {
		if (m_enc == Encoding::Evex)
			return fail(KMT_DECODE_INVALID);
	} else {
		bool ok = (m_row.m_flags & (kSimd | kVexOnly | kEvexOnly)) ||
			  (m_map == 2 && (m_row.m_flags & kFixup)) ||
			  (m_map == 1 && (m_opcode == 0x78 || m_opcode == 0x79));
		if (!ok || (m_row.m_flags & (kInvalid | kLegacyOnly)))
			return fail(KMT_DECODE_INVALID);
		if (m_enc == Encoding::Vex && (m_row.m_flags & kEvexOnly))
			return fail(KMT_DECODE_INVALID);
		if ((m_map == 0x01 && (m_opcode == 0x78 || m_opcode == 0x79)) &&
		    m_enc == Encoding::Vex)
			return fail(KMT_DECODE_INVALID);
	}
	if (m_row.m_flags & kInvalid)
		return fail(KMT_DECODE_INVALID);
	return true;
}

uint32_t Decoder::operand_size() const
{
	if (m_row.m_flags & kForce64)
		return 8;
	// 64-bit by default; 0x66 makes it 16 unless REX.W is also there (W takes precedence:
	// `66 48 ff 37` pushes 8 bytes, checked on the CPU by the emulator's differential test).
	if (m_row.m_flags & kDef64)
		return (m_has66 && !m_w) ? 2 : 8;
	return m_w ? 8 : m_has66 ? 2 : 4;
}

// The byte count a size rule stands for, given the prefixes and vector length.
uint32_t Decoder::resolve_size(Sz size) const
{
	bool vex = m_enc != Encoding::Legacy;
	// EVEX embedded broadcast on a memory form: one element is read and broadcast.
	bool bcst = m_enc == Encoding::Evex && m_evex_b && m_mod != 3;
	uint32_t elem = m_w ? 8 : 4;
	switch (size) {
	case Sz::None: return 0;
	case Sz::B1: return 1;
	case Sz::W2: return 2;
	case Sz::D4: return 4;
	case Sz::Q8: return 8;
	case Sz::T10: return 10;
	case Sz::O16: return 16;
	case Sz::Y32: return 32;
	case Sz::M64B: return 64;
	case Sz::V: return operand_size();
	case Sz::Y: return m_w ? 8 : 4;
	case Sz::FarPtr: return 2 + operand_size();
	case Sz::VL: return bcst ? elem : m_vl;
	case Sz::Half: return bcst ? elem : m_vl / 2;
	case Sz::Quarter: return m_vl / 4;
	case Sz::Eighth: return m_vl / 8;
	case Sz::ScalarW: return elem;
	case Sz::DupQ:
		return m_vl > 16 ? (bcst ? elem : m_vl) : 8;
	case Sz::PsPdSsSd:
		if (m_pfx == kPfxF3)
			return 4;
		if (m_pfx == kPfxF2)
			return 8;
		return bcst ? elem : m_vl;
	case Sz::MmxVL:
		if (!vex && m_pfx == kPfxNone)
			return 8;
		return bcst ? elem : m_vl;
	case Sz::MmxD:
		if (!vex && m_pfx == kPfxNone)
			return 4;
		return bcst ? elem : m_vl;
	case Sz::ShiftCnt:
		return (!vex && m_pfx == kPfxNone) ? 8 : 16;
	case Sz::X87Env: return m_has66 ? 14 : 28;
	case Sz::X87State: return m_has66 ? 94 : 108;
	case Sz::Fx512: return 512;
	case Sz::Xsave: return kXsaveMinBytes;
	case Sz::Cx8: return m_w ? 16 : 8;
	}
	return 0;
}

// The facts rows are matched against (kmt_decode_tables.h, Key).
inline Key Decoder::key() const
{
	const uint32_t size = operand_size();
	Key k{};
	k.m_pfx = static_cast<uint8_t>(1u << m_pfx);
	k.m_enc = static_cast<uint8_t>(1u << static_cast<uint8_t>(m_enc));
	k.m_mod = m_mod == 3 ? kModReg : kModMem;
	k.m_w = m_w ? 2 : 1;
	k.m_reg = static_cast<uint8_t>(1u << m_reg);
	k.m_rm = static_cast<uint8_t>(1u << m_rm);
	k.m_osz = size == 2 ? kOsz16 : size == 4 ? kOsz32 : kOsz64;
	k.m_b = m_rex_b ? 2 : 1;
	return k;
}

// Opcode rows flagged kFixup depend on the mandatory prefix, W, the encoding, mod, ModRM.reg
// or the operand size: the first matching row of kFixRows (kmt_decode_tables.h) says how.
// Fails with KMT_DECODE_INVALID when that row says #UD.
bool Decoder::fixup_row()
{
	const FixRow *f = find_row(kFixRows, kFixIndex, m_map, m_opcode, key());
	// Every kFixup opcode has fix rows ending with an unconditional one (static_assert).
	KMT_ASSERT(f != nullptr);
	if (!f)
		return true;
	switch (f->m_fix) {
	case Fix::Keep:
		return true;
	case Fix::Ud:
		return fail(KMT_DECODE_INVALID);
	case Fix::Row:
		m_row = f->m_op;
		return true;
	case Fix::Size:
		m_row.m_size = f->m_op.m_size;
		return true;
	case Fix::Access:
		m_row.m_access = f->m_op.m_access;
		return true;
	case Fix::Imm:
		m_row.m_imm = f->m_op.m_imm;
		return true;
	case Fix::Flags:
		m_row.m_flags |= f->m_op.m_flags;
		return true;
	}
	return true;
}

// Step 4: ModRM, SIB and displacement; picks the group row and checks mod-dependent forms.
bool Decoder::read_modrm_operand()
{
	if (!(m_row.m_flags & kModRM))
		return true;
	if (!fetch(&m_modrm))
		return false;
	m_has_modrm = true;
	m_mod = m_modrm >> 6;
	m_reg = (m_modrm >> 3) & 7;
	m_rm = m_modrm & 7;
	if (m_row.m_flags & kModAsReg)
		m_mod = 3;

	if (m_map == 0 && m_opcode >= 0xd8 && m_opcode <= 0xdf) {
		m_row = m_mod == 3 ? op(kModRM) : kX87Mem[m_opcode - 0xd8][m_reg];
	} else if (m_row.m_flags & kGroup) {
		Imm imm = m_row.m_imm;
		uint32_t keep = m_row.m_flags & kLegacyOnly;
		const Op &g = kGroups[m_row.m_group][m_reg];
		bool xtx = m_map == 0 && (m_opcode == 0xc6 || m_opcode == 0xc7) && m_reg == 7 &&
			   m_mod == 3 && m_rm == 0; // XABORT Ib / XBEGIN rel
		if (xtx) {
			m_row = op(kModRM, Sz::None, Acc::None, imm);
		} else {
			m_row = g;
			m_row.m_flags |= keep;
			if (m_row.m_imm == Imm::None)
				m_row.m_imm = imm;
		}
		// Register forms of groups 7, 9 and 15 are other instructions (fixed up below).
		if (m_map == 1 && m_mod == 3 && (m_opcode == 0x01 || m_opcode == 0xc7 || m_opcode == 0xae) &&
		    (m_row.m_flags & kInvalid))
			m_row = op(kModRM | kFixup);
		if (m_map == 1 && m_opcode == 0x01 && m_mod == 3)
			m_row = op(kModRM); // VMCALL, MONITOR, SWAPGS, RDTSCP, CLAC, STAC, XGETBV...
	}
	if (m_row.m_flags & kInvalid)
		return fail(KMT_DECODE_INVALID);
	if ((m_row.m_flags & kFixup) && !fixup_row())
		return false;
	if ((m_row.m_flags & kMemOnly) && m_mod == 3)
		return fail(KMT_DECODE_INVALID);
	if ((m_row.m_flags & kRegOnly) && m_mod != 3)
		return fail(KMT_DECODE_INVALID);
	if (m_mod == 3)
		return true;

	// Memory form.
	m_vsib = m_row.m_flags & kVsib;
	uint8_t disp_bytes = m_mod == 1 ? 1 : m_mod == 2 ? 4 : 0;
	if (m_rm == 4) {
		uint8_t sib;
		if (!fetch(&sib))
			return false;
		uint8_t idx = ((sib >> 3) & 7) | (m_rex_x ? 8 : 0);
		uint8_t base = (sib & 7) | (m_rex_b ? 8 : 0);
		m_scale = static_cast<uint8_t>(1u << (sib >> 6));
		if (m_vsib)
			m_index = idx | (m_evex_v2 ? 16 : 0);
		else
			m_index = idx == 4 ? static_cast<uint8_t>(KMT_REG_NONE) : idx;
		if ((sib & 7) == 5 && m_mod == 0) {
			m_base = KMT_REG_NONE;
			disp_bytes = 4;
		} else {
			m_base = base;
		}
	} else if (m_vsib) {
		return fail(KMT_DECODE_INVALID); // VSIB needs a SIB byte
	} else if (m_rm == 5 && m_mod == 0) {
		m_base = KMT_REG_RIP;
		m_riprel = true;
		disp_bytes = 4;
	} else {
		m_base = m_rm | (m_rex_b ? 8 : 0);
	}
	if (m_index == KMT_REG_NONE)
		m_scale = 1;

	// The size decides EVEX disp8*N compression, so resolve it before the displacement.
	if (m_enc == Encoding::Evex && m_evex_ll == 3)
		return fail(KMT_DECODE_INVALID); // L'L = 3 with a memory operand is reserved
	m_size = resolve_size(m_row.m_size);
	m_access = m_row.m_access;

	uint64_t raw;
	if (!fetch_le(disp_bytes, &raw))
		return false;
	if (disp_bytes == 1) {
		m_disp = static_cast<int8_t>(raw);
		if (m_enc == Encoding::Evex) {
			// disp8*N: N is the size of the memory access for every EVEX tuple type in
			// use (full, half, quarter, tuple1/2/4/8, broadcast element, VSIB element),
			// except compress/expand, which scale by one element.
			uint32_t n = m_size;
			if (m_row.m_flags & kDisp8Elem)
				n = (m_opcode == 0x62 || m_opcode == 0x63) ? (m_w ? 2 : 1) : (m_w ? 8 : 4);
			if (n == 0)
				n = 1;
			m_disp *= n;
		}
	} else if (disp_bytes == 4) {
		m_disp = static_cast<int32_t>(raw);
	}
	return true;
}

// Step 5: immediates, relative offsets and the absolute address of MOV moffs.
bool Decoder::read_immediate()
{
	unsigned bytes = 0;
	switch (m_row.m_imm) {
	case Imm::None: bytes = 0; break;
	case Imm::B: bytes = 1; break;
	case Imm::W: bytes = 2; break;
	case Imm::Z: bytes = operand_size() == 2 ? 2 : 4; break;
	case Imm::V: bytes = operand_size(); break;
	case Imm::Enter: bytes = 3; break;
	case Imm::MOffs: bytes = m_has67 ? 4 : 8; break;
	case Imm::Rel8: bytes = 1; break;
	case Imm::Rel32: bytes = 4; break;
	}
	// XBEGIN takes rel16 with 0x66, else rel32 (Imm::Z). MOV moffs: the address.
	uint64_t value = 0;
	if (!fetch_le(bytes, &value))
		return false;
	m_imm = value;
	m_imm_bytes = static_cast<uint8_t>(bytes);
	if (m_row.m_imm == Imm::MOffs) {
		m_moffs = true;
		m_base = KMT_REG_NONE;
		m_index = KMT_REG_NONE;
		m_scale = 1;
		m_disp = static_cast<int64_t>(value);
		m_size = resolve_size(m_row.m_size);
		m_access = m_row.m_access;
	}
	return true;
}

uint8_t Decoder::default_segment(uint8_t base) const
{
	if (m_seg != KMT_SEG_NONE)
		return m_seg;
	return (base == KMT_REG_RSP || base == KMT_REG_RBP) ? KMT_SEG_SS : KMT_SEG_DS;
}

kmt_mem_operand *Decoder::add_operand()
{
	KMT_ASSERT(m_out->nmem < KMT_MAX_MEM_OPS);
	if (m_out->nmem >= KMT_MAX_MEM_OPS)
		return nullptr;
	kmt_mem_operand *o = &m_out->mem[m_out->nmem++];
	o->base = KMT_REG_NONE;
	o->index = KMT_REG_NONE;
	o->scale = 1;
	if (m_has67)
		o->flags |= KMT_MEM_ADDR32;
	return o;
}

static uint8_t access_bits(Acc a)
{
	switch (a) {
	case Acc::R: return KMT_ACCESS_READ;
	case Acc::W: return KMT_ACCESS_WRITE;
	case Acc::RW: return KMT_ACCESS_READ | KMT_ACCESS_WRITE;
	default: return 0;
	}
}

// Step 6: fill the caller's operands, class and REP fields.
bool Decoder::build_operands()
{
	kmt_insn *out = m_out;
	out->length = static_cast<uint8_t>(m_pos);
	out->map = m_map;
	out->opcode = m_opcode;
	out->modrm = m_has_modrm ? m_modrm : 0;
	out->opsize = static_cast<uint8_t>((m_row.m_flags & kByteOp) ? 1 : operand_size());
	if (m_lock)
		out->flags |= KMT_INSN_LOCK;
	if (m_enc == Encoding::Vex)
		out->flags |= KMT_INSN_VEX;
	if (m_enc == Encoding::Evex)
		out->flags |= KMT_INSN_EVEX;
	if (m_w)
		out->flags |= KMT_INSN_REX_W;

	// String instructions: implicit DS:rSI and/or ES:rDI, one element per iteration.
	StringKind sk = m_map == 0 ? string_kind(m_opcode) : StringKind{};
	if (m_map == 0 && sk.m_class != KMT_CLASS_NOMEM) {
		if (m_lock)
			return fail(KMT_DECODE_INVALID);
		uint8_t elem = (m_opcode & 1) ? static_cast<uint8_t>(operand_size()) : 1;
		if (m_opcode == 0x6d || m_opcode == 0x6f)
			elem = m_has66 ? 2 : 4; // INS/OUTS have no 64-bit form
		out->opsize = elem;
		out->insn_class = sk.m_class;
		out->flags |= KMT_INSN_DF_DEP;
		uint8_t cond = 0;
		if (m_rep_byte) {
			out->rep_offset = m_rep_offset;
			if (sk.m_compare)
				out->rep = m_rep_byte == 0xf3 ? KMT_REP_REPE : KMT_REP_REPNE;
			else
				out->rep = KMT_REP_REP; // F2 on MOVS/STOS/... repeats like F3
			cond = KMT_ACCESS_COND;
		}
		if (sk.m_has_src) {
			kmt_mem_operand *o = add_operand();
			o->access = sk.m_src_acc | cond;
			o->role = KMT_ROLE_SRC;
			o->segment = m_seg != KMT_SEG_NONE ? m_seg : static_cast<uint8_t>(KMT_SEG_DS);
			o->base = KMT_REG_RSI;
			o->size = elem;
		}
		if (sk.m_has_dst) {
			kmt_mem_operand *o = add_operand();
			o->access = sk.m_dst_acc | cond;
			o->role = KMT_ROLE_DST;
			o->segment = KMT_SEG_ES;
			o->base = KMT_REG_RDI;
			o->size = elem;
		}
		return true;
	}

	if (m_map == 0 && m_opcode == 0xd7) { // XLAT: reads [rBX + zero-extended AL]
		kmt_mem_operand *o = add_operand();
		o->access = KMT_ACCESS_READ;
		o->segment = default_segment(KMT_REG_RBX);
		o->base = KMT_REG_RBX;
		o->index = KMT_REG_RAX;
		o->flags |= KMT_MEM_XLAT;
		o->size = 1;
	} else if (m_map == 1 && m_opcode == 0xf7 && m_enc != Encoding::Evex) {
		// MASKMOVQ / (V)MASKMOVDQU: byte-masked store of 8/16 bytes to DS:[rDI].
		kmt_mem_operand *o = add_operand();
		o->access = KMT_ACCESS_WRITE | KMT_ACCESS_COND;
		o->segment = default_segment(KMT_REG_RDI);
		o->base = KMT_REG_RDI;
		o->flags |= KMT_MEM_IMPLICIT;
		o->size = (m_enc == Encoding::Legacy && m_pfx == kPfxNone) ? 8 : 16;
	} else if ((m_mod != 3 && m_has_modrm) || m_moffs) {
		uint8_t acc = access_bits(m_access);
		if (acc != 0) {
			kmt_mem_operand *o = add_operand();
			o->access = acc;
			if ((m_row.m_flags & kCond) || (m_enc == Encoding::Evex && m_evex_aaa != 0))
				o->access |= KMT_ACCESS_COND;
			o->segment = default_segment(m_base);
			o->base = m_base;
			o->index = m_index;
			o->scale = m_scale;
			o->disp = m_disp;
			o->size = m_size;
			if (m_riprel)
				o->flags |= KMT_MEM_RIPREL;
			if (m_vsib)
				o->flags |= KMT_MEM_VSIB;
			if (m_row.m_size == Sz::Xsave)
				o->flags |= KMT_MEM_SIZE_MIN;
			if (m_row.m_flags & kBitOffset) {
				o->flags |= KMT_MEM_BITOFFSET;
				o->bit_reg = static_cast<uint8_t>(m_reg | (m_rex_r ? 8 : 0));
			}
		}
		if (m_row.m_flags & kTwoOps) {
			// MOVDIR64B/ENQCMD(S): the destination address is in the ModRM.reg register.
			kmt_mem_operand *o = add_operand();
			o->access = KMT_ACCESS_WRITE;
			o->segment = KMT_SEG_ES;
			o->base = static_cast<uint8_t>(m_reg | (m_rex_r ? 8 : 0));
			o->flags |= KMT_MEM_IMPLICIT;
			o->size = 64;
		}
	}

	// LOCK is only legal on a read-modify-write of memory by a lockable instruction.
	bool has_mem = m_has_modrm && m_mod != 3;
	if (m_lock && (!(m_row.m_flags & kLock) || !has_mem))
		return fail(KMT_DECODE_INVALID);

	if (out->nmem == 0)
		out->insn_class = KMT_CLASS_NOMEM;
	else if (m_lock || ((m_row.m_flags & kXchg) && has_mem) ||
		 (m_map == 1 && m_opcode == 0xc7 && m_reg == 1))
		out->insn_class = KMT_CLASS_ATOMIC;
	else
		out->insn_class = KMT_CLASS_PLAIN;
	return true;
}

// Bytes of a register or immediate of width @wd.
uint32_t Decoder::width_bytes(Wd wd) const
{
	switch (wd) {
	case Wd::B: return 1;
	case Wd::W: return 2;
	case Wd::D: return 4;
	case Wd::Q: return 8;
	case Wd::Y: return m_w ? 8 : 4;
	case Wd::Z: return m_has66 ? 2 : 4;
	case Wd::V: case Wd::Bs: case Wd::Zs: return operand_size();
	}
	return 0;
}

// A register operand: GPR @reg (0-15) @bytes wide. Byte registers 4-7 without any REX prefix
// are AH, CH, DH, BH.
static void set_reg(kmt_operand *o, unsigned reg, uint32_t bytes, bool rex, bool may_be_high)
{
	o->kind = KMT_OPND_REG;
	o->size = static_cast<uint16_t>(bytes);
	o->reg = static_cast<uint8_t>(reg & 15);
	if (bytes == 1 && may_be_high && !rex && reg >= 4 && reg < 8) {
		o->reg = static_cast<uint8_t>(reg - 4);
		o->flags |= KMT_OPND_HIGH8;
	}
}

static uint64_t mask_bytes(uint64_t v, uint32_t bytes)
{
	return bytes >= 8 ? v : v & ((1ull << (8 * bytes)) - 1);
}

static uint64_t sign_extend(uint64_t v, uint32_t bytes)
{
	if (bytes >= 8)
		return v;
	uint64_t sign = 1ull << (8 * bytes - 1);
	v = mask_bytes(v, bytes);
	return (v ^ sign) - sign;
}

// Index of the string operand with @role in mem[], or KMT_MAX_MEM_OPS if there is none.
static uint8_t string_operand(const kmt_insn *out, uint8_t role)
{
	for (uint8_t i = 0; i < out->nmem; i++)
		if (out->mem[i].role == role)
			return i;
	return KMT_MAX_MEM_OPS;
}

// Fills one operand from its spec. Returns false when the spec does not apply to this
// encoding (no such operand): the caller then leaves it out.
bool Decoder::fill_operand(const Opnd &spec, kmt_operand *o)
{
	const bool rex = m_rex != 0;
	// *o is still zero (kmt_decode() cleared the output, and a left-out operand is not kept).
	o->access = spec.m_access;
	switch (spec.m_loc) {
	case Loc::None:
		return false;
	case Loc::E:
		if (!m_has_modrm)
			return false;
		// An address-only operand (NOP r/m, PREFETCH) names nothing in its register form.
		if (m_mod == 3 && spec.m_access == 0)
			return false;
		if (m_mod == 3) {
			set_reg(o, m_rm | (m_rex_b ? 8 : 0), width_bytes(spec.m_wd), rex, true);
		} else if (m_access == Acc::Addr || m_out->nmem == 0) {
			o->kind = KMT_OPND_AGEN;
			o->access = 0;
		} else {
			o->kind = KMT_OPND_MEM;
			o->mem = 0;
			o->size = static_cast<uint16_t>(m_out->mem[0].size);
		}
		return true;
	case Loc::G:
		set_reg(o, m_reg | (m_rex_r ? 8 : 0), width_bytes(spec.m_wd), rex, true);
		return true;
	case Loc::B:
		set_reg(o, m_vvvv, width_bytes(spec.m_wd), rex, false);
		return true;
	case Loc::Z:
		set_reg(o, (m_opcode & 7) | (m_rex_b ? 8 : 0), width_bytes(spec.m_wd), rex, true);
		return true;
	case Loc::Rax:
		set_reg(o, KMT_REG_RAX, width_bytes(spec.m_wd), rex, false);
		return true;
	case Loc::Rcx:
		set_reg(o, KMT_REG_RCX, width_bytes(spec.m_wd), rex, false);
		return true;
	case Loc::Rdx:
		set_reg(o, KMT_REG_RDX, width_bytes(spec.m_wd), rex, false);
		return true;
	case Loc::Mem:
	case Loc::Src:
	case Loc::Dst: {
		uint8_t i = spec.m_loc == Loc::Mem ? 0
			  : string_operand(m_out, spec.m_loc == Loc::Src ? KMT_ROLE_SRC : KMT_ROLE_DST);
		if (i >= m_out->nmem)
			return false;
		o->kind = KMT_OPND_MEM;
		o->mem = i;
		o->size = static_cast<uint16_t>(m_out->mem[i].size);
		return true;
	}
	case Loc::Imm: {
		o->kind = KMT_OPND_IMM;
		o->access = 0;
		uint32_t bytes = width_bytes(spec.m_wd);
		o->size = static_cast<uint16_t>(bytes);
		if (spec.m_wd == Wd::Bs)
			o->imm = mask_bytes(sign_extend(m_imm, 1), bytes);
		else if (spec.m_wd == Wd::Zs)
			o->imm = mask_bytes(sign_extend(m_imm, m_imm_bytes), bytes);
		else
			o->imm = mask_bytes(m_imm, bytes);
		return true;
	}
	case Loc::Imm2: // ENTER iw, ib: the level is the third immediate byte
		o->kind = KMT_OPND_IMM;
		o->access = 0;
		o->size = 1;
		o->imm = (m_imm >> 16) & 0xff;
		return true;
	case Loc::One:
		o->kind = KMT_OPND_IMM;
		o->access = 0;
		o->size = 1;
		o->imm = 1;
		return true;
	case Loc::Rel:
		o->kind = KMT_OPND_REL;
		o->access = 0;
		o->size = static_cast<uint16_t>(m_imm_bytes);
		o->imm = sign_extend(m_imm, m_imm_bytes);
		return true;
	}
	return false;
}

// The flags a shift or rotate by a known count changes (SDM "Flags Affected"): nothing for a
// masked count of 0; OF only defined for a count of 1; CF undefined for SHL/SHR by the operand
// width or more; everything undefined for SHLD/SHRD by more than the width (16-bit forms).
static void shift_flags(kmt_insn *out, unsigned count, uint32_t bytes)
{
	const unsigned masked = count & (bytes == 8 ? 63 : 31);
	const unsigned bits = 8 * bytes;
	const uint8_t op = out->op;
	if (masked == 0) {
		out->flags_read = 0;
		out->flags_written = 0;
		out->flags_undefined = 0;
		return;
	}
	uint16_t undefined = out->flags_undefined;
	if (masked == 1)
		undefined &= static_cast<uint16_t>(~KMT_FLAG_OF);
	if ((op == KMT_OP_SHL || op == KMT_OP_SHR) && masked >= bits)
		undefined |= KMT_FLAG_CF;
	if ((op == KMT_OP_SHLD || op == KMT_OP_SHRD) && masked > bits)
		undefined |= KMT_FLAGS_STATUS;
	out->flags_undefined = undefined;
}

// GPRs a memory operand's address uses.
static uint16_t address_regs(const kmt_mem_operand &m)
{
	uint16_t regs = 0;
	if (m.base < 16)
		regs |= static_cast<uint16_t>(1u << m.base);
	if (m.index < 16 && !(m.flags & KMT_MEM_VSIB))
		regs |= static_cast<uint16_t>(1u << m.index);
	if ((m.flags & KMT_MEM_BITOFFSET) && m.bit_reg < 16)
		regs |= static_cast<uint16_t>(1u << m.bit_reg);
	return regs;
}

// Step 7: what the instruction does to registers and flags (kmt_decode_semantics.h rows,
// flags from kmt_ops.h). Never fails: an instruction without a row is KMT_OP_OTHER.
void Decoder::build_semantics()
{
	kmt_insn *out = m_out;
	if (m_has_modrm && m_mod != 3 && m_access == Acc::Addr) {
		kmt_mem_operand &a = out->agen;
		a.segment = default_segment(m_base);
		a.base = m_base;
		a.index = m_index;
		a.scale = m_scale;
		a.disp = m_disp;
		a.flags = static_cast<uint8_t>((m_riprel ? KMT_MEM_RIPREL : 0) |
					       (m_vsib ? KMT_MEM_VSIB : 0) | (m_has67 ? KMT_MEM_ADDR32 : 0));
		out->gpr_read |= address_regs(a);
	} else {
		out->agen.base = KMT_REG_NONE;
		out->agen.index = KMT_REG_NONE;
	}
	for (unsigned i = 0; i < out->nmem; i++)
		out->gpr_read |= address_regs(out->mem[i]);
	if (m_has67)
		out->sem_flags |= KMT_SEM_ADDR32;

	// String instructions: rSI/rDI move, rCX counts with a REP prefix.
	if (out->insn_class >= KMT_CLASS_MOVS) {
		uint16_t regs = 0;
		if (string_operand(out, KMT_ROLE_SRC) < out->nmem)
			regs |= 1u << KMT_REG_RSI;
		if (string_operand(out, KMT_ROLE_DST) < out->nmem)
			regs |= 1u << KMT_REG_RDI;
		if (out->rep != KMT_REP_NONE)
			regs |= 1u << KMT_REG_RCX;
		out->gpr_read |= regs;
		out->gpr_written |= regs;
	}

	const SemRow *s = find_row(kSemRows, kSemIndex, m_map, m_opcode, key());
	if (!s) {
		// SSE/AVX rows without a semantic row have no GPR operand (those that do have rows).
		if ((m_row.m_flags & kSimd) || (m_map == 1 && m_opcode == 0x77))
			out->sem_flags |= KMT_SEM_GPRS;
		return;
	}
	if (s->m_opaque)
		return;
	out->sem_flags |= KMT_SEM_GPRS;
	out->op = s->m_op;
	for (unsigned i = 0; i < s->m_nops && out->nops < KMT_MAX_OPERANDS; i++) {
		kmt_operand *o = &out->ops[out->nops];
		if (!fill_operand(s->m_ops[i], o)) {
			*o = kmt_operand{}; // not in this form: leave the slot zero for the next one
			continue;
		}
		out->nops++;
		if (o->kind != KMT_OPND_REG)
			continue;
		uint16_t bit = static_cast<uint16_t>(1u << o->reg);
		if (o->access & KMT_ACCESS_READ)
			out->gpr_read |= bit;
		if (o->access & KMT_ACCESS_WRITE) {
			out->gpr_written |= bit;
			if (o->size == 4)
				o->flags |= KMT_OPND_ZEXT32;
			else if (o->size < 8)
				o->flags |= KMT_OPND_MERGE;
		}
	}
	out->gpr_read |= s->m_data_read | s->m_ptr_read;
	out->gpr_written |= s->m_data_write | s->m_ptr_write;
	if (s->m_data_write)
		out->implicit_size = static_cast<uint8_t>(width_bytes(s->m_data_wd));
	if (out->op == KMT_OP_OTHER)
		return; // flags of other instructions are not described

	const OpInfo &info = op_info(out->op);
	out->flags_read = info.m_flags_read;
	out->flags_written = info.m_flags_written;
	out->flags_undefined = info.m_flags_undefined;
	if (out->op == KMT_OP_JCC || out->op == KMT_OP_SETCC || out->op == KMT_OP_CMOVCC) {
		out->cond = m_opcode & 15;
		out->flags_read |= cond_flags(out->cond);
	}
	if (info.m_family == OpFamily::Shift || info.m_family == OpFamily::Rotate) {
		// The count is the last operand: 1, an immediate, or CL (unknown: may be 0).
		const kmt_operand &count = out->ops[out->nops - 1];
		uint32_t bytes = out->ops[0].size;
		if (count.kind == KMT_OPND_IMM) {
			shift_flags(out, static_cast<unsigned>(count.imm), bytes);
		} else {
			out->sem_flags |= KMT_SEM_FLAGS_COND;
			if ((out->op == KMT_OP_SHL || out->op == KMT_OP_SHR) && bytes < 4)
				out->flags_undefined |= KMT_FLAG_CF; // CL may reach the width
			if ((out->op == KMT_OP_SHLD || out->op == KMT_OP_SHRD) && bytes == 2)
				out->flags_undefined |= KMT_FLAGS_STATUS; // CL may exceed 16
		}
	}
	if ((out->op == KMT_OP_CMPS || out->op == KMT_OP_SCAS) && out->rep != KMT_REP_NONE)
		out->sem_flags |= KMT_SEM_FLAGS_COND; // RCX = 0: nothing happens
}

int Decoder::run()
{
	if (!read_prefixes() || !read_opcode() || !select_row())
		return m_status;
	// Rows without ModRM may still need a prefix decision (MOVSXD has ModRM; these do not).
	if (!(m_row.m_flags & kModRM) && (m_row.m_flags & kFixup) && !fixup_row())
		return m_status;
	if (!read_modrm_operand() || !read_immediate() || !build_operands())
		return m_status;
	build_semantics();
	if (m_row.m_flags & kUnsupported)
		return KMT_DECODE_UNSUPPORTED;
	return KMT_DECODE_OK;
}

// Clears  8-byte words with plain stores. A loop or memset of this size becomes REP STOS,
// whose start-up cost dominated the decode time once kmt_insn grew the semantic fields.
// may_alias: the words overlay fields of other types.
typedef uint64_t __attribute__((may_alias)) Word;

template <size_t N>
inline void zero_words(Word *p)
{
	if constexpr (N > 0) {
		p[0] = 0;
		zero_words<N - 1>(p + 1);
	}
}

void zero(kmt_insn *insn)
{
	static_assert(sizeof(*insn) % 8 == 0 && alignof(kmt_insn) == 8, "kmt_insn is cleared by words");
	zero_words<sizeof(*insn) / 8>(reinterpret_cast<Word *>(insn));
}

} // namespace
} // namespace kmt

extern "C" int kmt_decode(const uint8_t *code, size_t len, struct kmt_insn *insn)
{
	kmt::zero(insn);
	if (!code && len)
		return KMT_DECODE_TRUNCATED;
	kmt::Decoder d(code, len, insn);
	int status = d.run();
	if (status != KMT_DECODE_OK) {
		// UNSUPPORTED keeps the length so that a caller can name or skip the instruction.
		uint8_t length = insn->length;
		kmt::zero(insn);
		if (status == KMT_DECODE_UNSUPPORTED)
			insn->length = length;
	}
	return status;
}

extern "C" uint64_t kmt_mem_address(const struct kmt_insn *insn, const struct kmt_mem_operand *op,
				     const struct kmt_regs *regs)
{
	if (op->flags & KMT_MEM_VSIB)
		return 0;
	uint64_t a = static_cast<uint64_t>(op->disp);
	if (op->base == KMT_REG_RIP)
		a += regs->rip + insn->length;
	else if (op->base < 16)
		a += regs->gpr[op->base];
	if (op->index < 16) {
		uint64_t idx = (op->flags & KMT_MEM_XLAT) ? (regs->gpr[KMT_REG_RAX] & 0xff)
							  : regs->gpr[op->index];
		a += idx * op->scale;
	}
	if ((op->flags & KMT_MEM_BITOFFSET) && op->bit_reg < 16 && op->size != 0) {
		// The signed bit offset selects the size-aligned unit: EA + size * floor(off / bits).
		uint64_t raw = regs->gpr[op->bit_reg];
		int64_t off = op->size == 2 ? static_cast<int16_t>(raw)
			    : op->size == 4 ? static_cast<int32_t>(raw) : static_cast<int64_t>(raw);
		int64_t bits = static_cast<int64_t>(op->size) * 8;
		int64_t unit = off / bits;
		if (off % bits != 0 && off < 0)
			unit--;
		a += static_cast<uint64_t>(unit) * op->size;
	}
	if (op->flags & KMT_MEM_ADDR32)
		a &= 0xffffffffu;
	if (op->segment == KMT_SEG_FS)
		a += regs->fs_base;
	else if (op->segment == KMT_SEG_GS)
		a += regs->gs_base;
	return a;
}

extern "C" const char *kmt_decode_status_str(int status)
{
	switch (status) {
	case KMT_DECODE_OK: return "ok";
	case KMT_DECODE_TRUNCATED: return "truncated";
	case KMT_DECODE_TOO_LONG: return "longer than 15 bytes";
	case KMT_DECODE_INVALID: return "invalid opcode";
	case KMT_DECODE_UNSUPPORTED: return "unsupported instruction";
	default: return "unknown decode status";
	}
}

extern "C" const char *kmt_op_str(int op)
{
	if (op < 0 || op >= KMT_OP_COUNT)
		return "?";
	return kmt::op_info(static_cast<unsigned>(op)).m_name;
}
