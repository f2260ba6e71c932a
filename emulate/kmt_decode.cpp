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
#include "kmt_decode_tables.h"

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
	bool fixup_row();
	bool read_modrm_operand();
	bool read_immediate();
	bool build_operands();

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
	if (m_row.m_flags & kDef64)
		return m_has66 ? 2 : 8;
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

// Opcode rows flagged kFixup depend on the mandatory prefix, W, the encoding, mod, ModRM.reg
// or the operand size: the first matching row of kFixRows (kmt_decode_tables.h) says how.
// Fails with KMT_DECODE_INVALID when that row says #UD.
bool Decoder::fixup_row()
{
	uint8_t first = kFixIndex.m_first[m_map & 3][m_opcode];
	KMT_ASSERT(first != 0xff);
	if (first == 0xff)
		return true;
	const uint8_t pfx = static_cast<uint8_t>(1u << m_pfx);
	const uint8_t enc = static_cast<uint8_t>(1u << static_cast<uint8_t>(m_enc));
	const uint8_t mod = m_mod == 3 ? kModReg : kModMem;
	const uint8_t w = m_w ? 2 : 1;
	const uint8_t reg = static_cast<uint8_t>(1u << m_reg);
	const uint32_t size = operand_size();
	const uint8_t osz = size == 2 ? kOsz16 : size == 4 ? kOsz32 : kOsz64;
	// The last row of each opcode matches everything, so this loop always finds one.
	for (size_t i = first; i < kFixRowCount; i++) {
		const FixRow &f = kFixRows[i];
		if (!(f.m_pfx & pfx) || !(f.m_enc & enc) || !(f.m_mod & mod) || !(f.m_w & w) ||
		    !(f.m_reg & reg) || !(f.m_osz & osz))
			continue;
		switch (f.m_fix) {
		case Fix::Keep:
			return true;
		case Fix::Ud:
			return fail(KMT_DECODE_INVALID);
		case Fix::Row:
			m_row = f.m_op;
			return true;
		case Fix::Size:
			m_row.m_size = f.m_op.m_size;
			return true;
		case Fix::Access:
			m_row.m_access = f.m_op.m_access;
			return true;
		case Fix::Imm:
			m_row.m_imm = f.m_op.m_imm;
			return true;
		case Fix::Flags:
			m_row.m_flags |= f.m_op.m_flags;
			return true;
		}
		return true;
	}
	KMT_ASSERT(0 && "no fix row matched");
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

int Decoder::run()
{
	if (!read_prefixes() || !read_opcode() || !select_row())
		return m_status;
	// Rows without ModRM may still need a prefix decision (MOVSXD has ModRM; these do not).
	if (!(m_row.m_flags & kModRM) && (m_row.m_flags & kFixup) && !fixup_row())
		return m_status;
	if (!read_modrm_operand() || !read_immediate() || !build_operands())
		return m_status;
	if (m_row.m_flags & kUnsupported)
		return KMT_DECODE_UNSUPPORTED;
	return KMT_DECODE_OK;
}

void zero(kmt_insn *insn)
{
	uint8_t *p = reinterpret_cast<uint8_t *>(insn);
	for (size_t i = 0; i < sizeof(*insn); i++)
		p[i] = 0;
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
