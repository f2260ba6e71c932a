/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_decode_semantics.h - what instructions do to registers: the semantic rows of kmemtrap's
 * decoder (64-bit mode).
 *
 * One row per instruction form, matched like the fix rows (kmt_decode_tables.h: map, opcode
 * range, mandatory prefix, encoding, mod, W, ModRM.reg/rm, operand size, REX.B), giving the
 * operation (enum kmt_op), the explicit operands in Intel order (where each comes from, its
 * width, and whether it is read, written or both), and the implicit registers. The decoder
 * turns the first matching row into kmt_insn.op/ops[]/gpr_*; the flags come from kmt_ops.h.
 *
 * Rows are legacy-encoded unless they say otherwise (.enc()). An instruction without a row is
 * KMT_OP_OTHER; its GPR effects count as described (KMT_SEM_GPRS) only when it is an SSE/AVX
 * row (kSimd) without GPR operands, every GPR-using one of which has a row here. A row marked
 * .opaque() names an instruction whose GPR effects are not described.
 *
 * Only included by kmt_decode.cpp. Everything here is constexpr: no constructors run.
 */
#ifndef KMT_DECODE_SEMANTICS_H
#define KMT_DECODE_SEMANTICS_H

#include "kmt_decode_tables.h"

namespace kmt {
namespace dec {

/* Where an operand comes from. */
enum class Loc : uint8_t {
	None,
	E,    /* ModRM.rm: a GPR (mod == 3), else mem[0], or the AGEN operand of an address-only row */
	G,    /* ModRM.reg (+ REX.R): a GPR */
	B,    /* VEX.vvvv: a GPR */
	Z,    /* opcode bits 2:0 (+ REX.B): a GPR */
	Rax,  /* AL / AX / EAX / RAX */
	Rcx,  /* CL */
	Rdx,  /* DX */
	Mem,  /* mem[0] without ModRM: MOV moffs */
	Src,  /* the string source DS:[rSI] (X in the SDM's operand notation) */
	Dst,  /* the string destination ES:[rDI] (Y) */
	Imm,  /* the immediate */
	Imm2, /* ENTER's second immediate (the nesting level) */
	One,  /* the constant 1 of the D0/D1 shifts */
	Rel,  /* a relative branch target */
};

/* Width of an operand. Memory operands take their size from mem[] instead. */
enum class Wd : uint8_t {
	B,  /* 1 byte */
	W,  /* 2 */
	D,  /* 4 */
	Q,  /* 8 */
	V,  /* the operand size: 2, 4 or 8 */
	Y,  /* 4, or 8 with W */
	Z,  /* 2 with 0x66, else 4 (IN/OUT eAX) */
	Bs, /* immediate: 1 byte, sign-extended to the operand size */
	Zs, /* immediate: 2 or 4 bytes (Imm::Z), sign-extended to the operand size */
};

struct Spec {
	Loc m_loc;
	Wd m_wd;
};

struct Opnd {
	Loc m_loc;
	Wd m_wd;
	uint8_t m_access; /* KMT_ACCESS_READ / WRITE; 0 for immediates, targets and addresses */
};

/* Operand access: read, written, both, neither (immediates, branch targets, LEA's address). */
constexpr Opnd r(Spec s) { return Opnd{ s.m_loc, s.m_wd, KMT_ACCESS_READ }; }
constexpr Opnd w(Spec s) { return Opnd{ s.m_loc, s.m_wd, KMT_ACCESS_WRITE }; }
constexpr Opnd rw(Spec s) { return Opnd{ s.m_loc, s.m_wd, KMT_ACCESS_READ | KMT_ACCESS_WRITE }; }
constexpr Opnd n(Spec s) { return Opnd{ s.m_loc, s.m_wd, 0 }; }

/* The operand specs, in the SDM's notation (Vol. 2, Appendix A.2). */
constexpr Spec Eb{ Loc::E, Wd::B }, Ew{ Loc::E, Wd::W }, Ed{ Loc::E, Wd::D }, Eq{ Loc::E, Wd::Q },
	Ev{ Loc::E, Wd::V }, Ey{ Loc::E, Wd::Y };
constexpr Spec Gb{ Loc::G, Wd::B }, Gd{ Loc::G, Wd::D }, Gq{ Loc::G, Wd::Q }, Gv{ Loc::G, Wd::V },
	Gy{ Loc::G, Wd::Y };
constexpr Spec By{ Loc::B, Wd::Y };
constexpr Spec Zb{ Loc::Z, Wd::B }, Zv{ Loc::Z, Wd::V };
constexpr Spec AL{ Loc::Rax, Wd::B }, AX{ Loc::Rax, Wd::W }, rAX{ Loc::Rax, Wd::V },
	eAX{ Loc::Rax, Wd::Z }, CL{ Loc::Rcx, Wd::B }, DX{ Loc::Rdx, Wd::W };
constexpr Spec Ob{ Loc::Mem, Wd::B }, Ov{ Loc::Mem, Wd::V };
constexpr Spec Xb{ Loc::Src, Wd::B }, Xv{ Loc::Src, Wd::V }, Yb{ Loc::Dst, Wd::B },
	Yv{ Loc::Dst, Wd::V };
constexpr Spec Ib{ Loc::Imm, Wd::B }, Iw{ Loc::Imm, Wd::W }, Ibs{ Loc::Imm, Wd::Bs },
	Iz{ Loc::Imm, Wd::Zs }, Iv{ Loc::Imm, Wd::V }, Ib2{ Loc::Imm2, Wd::B }, One{ Loc::One, Wd::B };
constexpr Spec Jb{ Loc::Rel, Wd::B }, Jz{ Loc::Rel, Wd::D };

/* GPR masks for the implicit registers. */
constexpr uint16_t kRax = 1u << KMT_REG_RAX, kRcx = 1u << KMT_REG_RCX, kRdx = 1u << KMT_REG_RDX,
		   kRbx = 1u << KMT_REG_RBX, kRsp = 1u << KMT_REG_RSP, kRbp = 1u << KMT_REG_RBP,
		   kR11 = 1u << KMT_REG_R11;

struct SemRow : Narrow<SemRow> {
	When m_when;
	uint8_t m_op;          /* enum kmt_op */
	uint8_t m_nops;
	Opnd m_ops[KMT_MAX_OPERANDS];
	uint16_t m_data_read;  /* implicit data registers read (rAX of MUL, CPUID's rAX/rCX...) */
	uint16_t m_data_write; /* implicit data registers written, m_data_wd wide */
	Wd m_data_wd;
	uint16_t m_ptr_read;   /* implicit pointer registers read: rSP, rBP, LOOP's rCX */
	uint16_t m_ptr_write;  /* ... and written (8 bytes; a LOOP counter has the address size) */
	bool m_opaque;         /* the GPR effects are not described */

	/* The operation and its explicit operands, in Intel order. */
	constexpr SemRow does(uint8_t op, Opnd a = {}, Opnd b = {}, Opnd c = {}, Opnd d = {}) const
	{
		SemRow s = *this;
		s.m_op = op;
		const Opnd all[KMT_MAX_OPERANDS] = { a, b, c, d };
		s.m_nops = 0;
		for (unsigned i = 0; i < KMT_MAX_OPERANDS; i++) {
			s.m_ops[i] = all[i];
			if (all[i].m_loc != Loc::None)
				s.m_nops = static_cast<uint8_t>(i + 1);
		}
		return s;
	}
	/* Implicit data registers read and written (written ones @wd wide). */
	constexpr SemRow data(uint16_t read, uint16_t write, Wd wd = Wd::V) const
	{
		SemRow s = *this;
		s.m_data_read = read;
		s.m_data_write = write;
		s.m_data_wd = wd;
		return s;
	}
	/* Implicit pointer registers read and written. */
	constexpr SemRow ptr(uint16_t read, uint16_t write) const
	{
		SemRow s = *this;
		s.m_ptr_read = read;
		s.m_ptr_write = write;
		return s;
	}
	/* PUSH, POP, CALL, RET...: rSP is read and written. */
	constexpr SemRow stack() const { return ptr(kRsp, kRsp); }
	constexpr SemRow opaque() const
	{
		SemRow s = *this;
		s.m_opaque = true;
		return s;
	}
};

/* A semantic row for (map, first..last), legacy encoding, until narrowed. */
constexpr SemRow in(uint8_t map, uint8_t first, uint8_t last)
{
	return SemRow{ {}, when(map, first, last, kEncLegacy), KMT_OP_OTHER, 0, {}, 0, 0, Wd::V, 0,
		       0, false };
}
constexpr SemRow in(uint8_t map, uint8_t opcode) { return in(map, opcode, opcode); }

/* The same row in every encoding (SSE forms that also exist VEX/EVEX-encoded). */
constexpr SemRow any(uint8_t map, uint8_t first, uint8_t last)
{
	return in(map, first, last).enc(kEncAny);
}
constexpr SemRow any(uint8_t map, uint8_t opcode) { return any(map, opcode, opcode); }

/*
 * The rows. Comments name the instructions and say why an access is what it is where the SDM
 * is not obvious. Sorted by map and first opcode; a specific row comes before a wider one.
 */
constexpr SemRow kSemRows[] = {
	/* ---- one-byte map ---- */
	/* ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / rAX,Iz. CMP only reads. */
	in(0, 0x00).does(KMT_OP_ADD, rw(Eb), r(Gb)),
	in(0, 0x01).does(KMT_OP_ADD, rw(Ev), r(Gv)),
	in(0, 0x02).does(KMT_OP_ADD, rw(Gb), r(Eb)),
	in(0, 0x03).does(KMT_OP_ADD, rw(Gv), r(Ev)),
	in(0, 0x04).does(KMT_OP_ADD, rw(AL), n(Ib)),
	in(0, 0x05).does(KMT_OP_ADD, rw(rAX), n(Iz)),
	in(0, 0x08).does(KMT_OP_OR, rw(Eb), r(Gb)),
	in(0, 0x09).does(KMT_OP_OR, rw(Ev), r(Gv)),
	in(0, 0x0a).does(KMT_OP_OR, rw(Gb), r(Eb)),
	in(0, 0x0b).does(KMT_OP_OR, rw(Gv), r(Ev)),
	in(0, 0x0c).does(KMT_OP_OR, rw(AL), n(Ib)),
	in(0, 0x0d).does(KMT_OP_OR, rw(rAX), n(Iz)),
	in(0, 0x10).does(KMT_OP_ADC, rw(Eb), r(Gb)),
	in(0, 0x11).does(KMT_OP_ADC, rw(Ev), r(Gv)),
	in(0, 0x12).does(KMT_OP_ADC, rw(Gb), r(Eb)),
	in(0, 0x13).does(KMT_OP_ADC, rw(Gv), r(Ev)),
	in(0, 0x14).does(KMT_OP_ADC, rw(AL), n(Ib)),
	in(0, 0x15).does(KMT_OP_ADC, rw(rAX), n(Iz)),
	in(0, 0x18).does(KMT_OP_SBB, rw(Eb), r(Gb)),
	in(0, 0x19).does(KMT_OP_SBB, rw(Ev), r(Gv)),
	in(0, 0x1a).does(KMT_OP_SBB, rw(Gb), r(Eb)),
	in(0, 0x1b).does(KMT_OP_SBB, rw(Gv), r(Ev)),
	in(0, 0x1c).does(KMT_OP_SBB, rw(AL), n(Ib)),
	in(0, 0x1d).does(KMT_OP_SBB, rw(rAX), n(Iz)),
	in(0, 0x20).does(KMT_OP_AND, rw(Eb), r(Gb)),
	in(0, 0x21).does(KMT_OP_AND, rw(Ev), r(Gv)),
	in(0, 0x22).does(KMT_OP_AND, rw(Gb), r(Eb)),
	in(0, 0x23).does(KMT_OP_AND, rw(Gv), r(Ev)),
	in(0, 0x24).does(KMT_OP_AND, rw(AL), n(Ib)),
	in(0, 0x25).does(KMT_OP_AND, rw(rAX), n(Iz)),
	in(0, 0x28).does(KMT_OP_SUB, rw(Eb), r(Gb)),
	in(0, 0x29).does(KMT_OP_SUB, rw(Ev), r(Gv)),
	in(0, 0x2a).does(KMT_OP_SUB, rw(Gb), r(Eb)),
	in(0, 0x2b).does(KMT_OP_SUB, rw(Gv), r(Ev)),
	in(0, 0x2c).does(KMT_OP_SUB, rw(AL), n(Ib)),
	in(0, 0x2d).does(KMT_OP_SUB, rw(rAX), n(Iz)),
	in(0, 0x30).does(KMT_OP_XOR, rw(Eb), r(Gb)),
	in(0, 0x31).does(KMT_OP_XOR, rw(Ev), r(Gv)),
	in(0, 0x32).does(KMT_OP_XOR, rw(Gb), r(Eb)),
	in(0, 0x33).does(KMT_OP_XOR, rw(Gv), r(Ev)),
	in(0, 0x34).does(KMT_OP_XOR, rw(AL), n(Ib)),
	in(0, 0x35).does(KMT_OP_XOR, rw(rAX), n(Iz)),
	in(0, 0x38).does(KMT_OP_CMP, r(Eb), r(Gb)),
	in(0, 0x39).does(KMT_OP_CMP, r(Ev), r(Gv)),
	in(0, 0x3a).does(KMT_OP_CMP, r(Gb), r(Eb)),
	in(0, 0x3b).does(KMT_OP_CMP, r(Gv), r(Ev)),
	in(0, 0x3c).does(KMT_OP_CMP, r(AL), n(Ib)),
	in(0, 0x3d).does(KMT_OP_CMP, r(rAX), n(Iz)),
	/* PUSH/POP r: 8 bytes, 2 with 0x66. */
	in(0, 0x50, 0x57).does(KMT_OP_PUSH, r(Zv)).stack(),
	in(0, 0x58, 0x5f).does(KMT_OP_POP, w(Zv)).stack(),
	/* MOVSXD: r16, r/m16 with 0x66 and no REX.W; without REX.W a 32-bit copy. */
	in(0, 0x63).osz(kOsz16).does(KMT_OP_MOVSXD, w(Gv), r(Ew)),
	in(0, 0x63).does(KMT_OP_MOVSXD, w(Gv), r(Ed)),
	in(0, 0x68).does(KMT_OP_PUSH, n(Iz)).stack(),
	in(0, 0x69).does(KMT_OP_IMUL, w(Gv), r(Ev), n(Iz)),
	in(0, 0x6a).does(KMT_OP_PUSH, n(Ibs)).stack(),
	in(0, 0x6b).does(KMT_OP_IMUL, w(Gv), r(Ev), n(Ibs)),
	/* INS/OUTS: the port in DX; rSI/rDI/rCX as for every string instruction. */
	in(0, 0x6c).does(KMT_OP_OTHER, w(Yb), r(DX)),
	in(0, 0x6d).does(KMT_OP_OTHER, w(Yv), r(DX)),
	in(0, 0x6e).does(KMT_OP_OTHER, r(DX), r(Xb)),
	in(0, 0x6f).does(KMT_OP_OTHER, r(DX), r(Xv)),
	in(0, 0x70, 0x7f).does(KMT_OP_JCC, n(Jb)),
	/* Grp1 80 Eb,Ib; 81 Ev,Iz; 83 Ev,Ib sign-extended. */
	in(0, 0x80).reg(rg(0)).does(KMT_OP_ADD, rw(Eb), n(Ib)),
	in(0, 0x80).reg(rg(1)).does(KMT_OP_OR, rw(Eb), n(Ib)),
	in(0, 0x80).reg(rg(2)).does(KMT_OP_ADC, rw(Eb), n(Ib)),
	in(0, 0x80).reg(rg(3)).does(KMT_OP_SBB, rw(Eb), n(Ib)),
	in(0, 0x80).reg(rg(4)).does(KMT_OP_AND, rw(Eb), n(Ib)),
	in(0, 0x80).reg(rg(5)).does(KMT_OP_SUB, rw(Eb), n(Ib)),
	in(0, 0x80).reg(rg(6)).does(KMT_OP_XOR, rw(Eb), n(Ib)),
	in(0, 0x80).reg(rg(7)).does(KMT_OP_CMP, r(Eb), n(Ib)),
	in(0, 0x81).reg(rg(0)).does(KMT_OP_ADD, rw(Ev), n(Iz)),
	in(0, 0x81).reg(rg(1)).does(KMT_OP_OR, rw(Ev), n(Iz)),
	in(0, 0x81).reg(rg(2)).does(KMT_OP_ADC, rw(Ev), n(Iz)),
	in(0, 0x81).reg(rg(3)).does(KMT_OP_SBB, rw(Ev), n(Iz)),
	in(0, 0x81).reg(rg(4)).does(KMT_OP_AND, rw(Ev), n(Iz)),
	in(0, 0x81).reg(rg(5)).does(KMT_OP_SUB, rw(Ev), n(Iz)),
	in(0, 0x81).reg(rg(6)).does(KMT_OP_XOR, rw(Ev), n(Iz)),
	in(0, 0x81).reg(rg(7)).does(KMT_OP_CMP, r(Ev), n(Iz)),
	in(0, 0x83).reg(rg(0)).does(KMT_OP_ADD, rw(Ev), n(Ibs)),
	in(0, 0x83).reg(rg(1)).does(KMT_OP_OR, rw(Ev), n(Ibs)),
	in(0, 0x83).reg(rg(2)).does(KMT_OP_ADC, rw(Ev), n(Ibs)),
	in(0, 0x83).reg(rg(3)).does(KMT_OP_SBB, rw(Ev), n(Ibs)),
	in(0, 0x83).reg(rg(4)).does(KMT_OP_AND, rw(Ev), n(Ibs)),
	in(0, 0x83).reg(rg(5)).does(KMT_OP_SUB, rw(Ev), n(Ibs)),
	in(0, 0x83).reg(rg(6)).does(KMT_OP_XOR, rw(Ev), n(Ibs)),
	in(0, 0x83).reg(rg(7)).does(KMT_OP_CMP, r(Ev), n(Ibs)),
	in(0, 0x84).does(KMT_OP_TEST, r(Eb), r(Gb)),
	in(0, 0x85).does(KMT_OP_TEST, r(Ev), r(Gv)),
	in(0, 0x86).does(KMT_OP_XCHG, rw(Eb), rw(Gb)),
	in(0, 0x87).does(KMT_OP_XCHG, rw(Ev), rw(Gv)),
	in(0, 0x88).does(KMT_OP_MOV, w(Eb), r(Gb)),
	in(0, 0x89).does(KMT_OP_MOV, w(Ev), r(Gv)),
	in(0, 0x8a).does(KMT_OP_MOV, w(Gb), r(Eb)),
	in(0, 0x8b).does(KMT_OP_MOV, w(Gv), r(Ev)),
	/* MOV r/m, Sreg (a register destination is zero-extended) and MOV Sreg, r/m16. */
	in(0, 0x8c).does(KMT_OP_OTHER, w(Ev)),
	/* LEA: the source is an address, nothing is read from it. */
	in(0, 0x8d).does(KMT_OP_LEA, w(Gv), n(Ev)),
	in(0, 0x8e).does(KMT_OP_OTHER, r(Ew)),
	in(0, 0x8f).reg(rg(0)).does(KMT_OP_POP, w(Ev)).stack(),
	/* 90: XCHG r8, rAX with REX.B; else NOP (no zero extension), F3 90 PAUSE. */
	in(0, 0x90).b(1).does(KMT_OP_XCHG, rw(rAX), rw(Zv)),
	in(0, 0x90).pfx(PF3).does(KMT_OP_PAUSE),
	in(0, 0x90).does(KMT_OP_NOP),
	in(0, 0x91, 0x97).does(KMT_OP_XCHG, rw(rAX), rw(Zv)),
	/* CBW/CWDE/CDQE: rAX from its lower half. CWD/CDQ/CQO: rDX from rAX's sign. */
	in(0, 0x98).does(KMT_OP_CBW).data(kRax, kRax),
	in(0, 0x99).does(KMT_OP_CWD).data(kRax, kRdx),
	in(0, 0x9b).does(KMT_OP_OTHER), /* FWAIT */
	in(0, 0x9c).does(KMT_OP_PUSHF).stack(),
	in(0, 0x9d).does(KMT_OP_POPF).stack(),
	/* 9E SAHF, 9F LAHF: AH (no row: not described). */
	in(0, 0xa0).does(KMT_OP_MOV, w(AL), r(Ob)),
	in(0, 0xa1).does(KMT_OP_MOV, w(rAX), r(Ov)),
	in(0, 0xa2).does(KMT_OP_MOV, w(Ob), r(AL)),
	in(0, 0xa3).does(KMT_OP_MOV, w(Ov), r(rAX)),
	/* Strings: operands as Capstone and the SDM's explicit forms list them. */
	in(0, 0xa4).does(KMT_OP_MOVS, w(Yb), r(Xb)),
	in(0, 0xa5).does(KMT_OP_MOVS, w(Yv), r(Xv)),
	in(0, 0xa6).does(KMT_OP_CMPS, r(Xb), r(Yb)),
	in(0, 0xa7).does(KMT_OP_CMPS, r(Xv), r(Yv)),
	in(0, 0xa8).does(KMT_OP_TEST, r(AL), n(Ib)),
	in(0, 0xa9).does(KMT_OP_TEST, r(rAX), n(Iz)),
	in(0, 0xaa).does(KMT_OP_STOS, w(Yb), r(AL)),
	in(0, 0xab).does(KMT_OP_STOS, w(Yv), r(rAX)),
	in(0, 0xac).does(KMT_OP_LODS, w(AL), r(Xb)),
	in(0, 0xad).does(KMT_OP_LODS, w(rAX), r(Xv)),
	in(0, 0xae).does(KMT_OP_SCAS, r(AL), r(Yb)),
	in(0, 0xaf).does(KMT_OP_SCAS, r(rAX), r(Yv)),
	in(0, 0xb0, 0xb7).does(KMT_OP_MOV, w(Zb), n(Ib)),
	in(0, 0xb8, 0xbf).does(KMT_OP_MOV, w(Zv), n(Iv)),
	/* Grp2 C0 Eb,Ib; C1 Ev,Ib. /6 is an alias of /4 (SAL = SHL). */
	in(0, 0xc0).reg(rg(0)).does(KMT_OP_ROL, rw(Eb), n(Ib)),
	in(0, 0xc0).reg(rg(1)).does(KMT_OP_ROR, rw(Eb), n(Ib)),
	in(0, 0xc0).reg(rg(2)).does(KMT_OP_RCL, rw(Eb), n(Ib)),
	in(0, 0xc0).reg(rg(3)).does(KMT_OP_RCR, rw(Eb), n(Ib)),
	in(0, 0xc0).reg(rg(4) | rg(6)).does(KMT_OP_SHL, rw(Eb), n(Ib)),
	in(0, 0xc0).reg(rg(5)).does(KMT_OP_SHR, rw(Eb), n(Ib)),
	in(0, 0xc0).reg(rg(7)).does(KMT_OP_SAR, rw(Eb), n(Ib)),
	in(0, 0xc1).reg(rg(0)).does(KMT_OP_ROL, rw(Ev), n(Ib)),
	in(0, 0xc1).reg(rg(1)).does(KMT_OP_ROR, rw(Ev), n(Ib)),
	in(0, 0xc1).reg(rg(2)).does(KMT_OP_RCL, rw(Ev), n(Ib)),
	in(0, 0xc1).reg(rg(3)).does(KMT_OP_RCR, rw(Ev), n(Ib)),
	in(0, 0xc1).reg(rg(4) | rg(6)).does(KMT_OP_SHL, rw(Ev), n(Ib)),
	in(0, 0xc1).reg(rg(5)).does(KMT_OP_SHR, rw(Ev), n(Ib)),
	in(0, 0xc1).reg(rg(7)).does(KMT_OP_SAR, rw(Ev), n(Ib)),
	in(0, 0xc2).does(KMT_OP_RET, n(Iw)).stack(),
	in(0, 0xc3).does(KMT_OP_RET).stack(),
	/* C6/C7 /0 MOV; C6 F8 XABORT and C7 F8 XBEGIN (EAX on abort) are not described. */
	in(0, 0xc6).reg(rg(0)).does(KMT_OP_MOV, w(Eb), n(Ib)),
	in(0, 0xc7).reg(rg(0)).does(KMT_OP_MOV, w(Ev), n(Iz)),
	in(0, 0xc8).does(KMT_OP_OTHER, n(Iw), n(Ib2)).ptr(kRsp | kRbp, kRsp | kRbp), /* ENTER */
	/* LEAVE: RSP = RBP, then RBP is popped: the old RSP is not read. */
	in(0, 0xc9).does(KMT_OP_LEAVE).ptr(kRbp, kRsp | kRbp),
	in(0, 0xca).does(KMT_OP_OTHER, n(Iw)).stack(), /* RETF imm16 */
	in(0, 0xcb).does(KMT_OP_OTHER).stack(),        /* RETF */
	in(0, 0xcc).does(KMT_OP_INT3),
	in(0, 0xcd).does(KMT_OP_OTHER, n(Ib)),         /* INT imm8 */
	in(0, 0xcf).does(KMT_OP_OTHER).stack(),        /* IRET */
	/* Grp2 D0/D1 by 1, D2/D3 by CL. */
	in(0, 0xd0).reg(rg(0)).does(KMT_OP_ROL, rw(Eb), n(One)),
	in(0, 0xd0).reg(rg(1)).does(KMT_OP_ROR, rw(Eb), n(One)),
	in(0, 0xd0).reg(rg(2)).does(KMT_OP_RCL, rw(Eb), n(One)),
	in(0, 0xd0).reg(rg(3)).does(KMT_OP_RCR, rw(Eb), n(One)),
	in(0, 0xd0).reg(rg(4) | rg(6)).does(KMT_OP_SHL, rw(Eb), n(One)),
	in(0, 0xd0).reg(rg(5)).does(KMT_OP_SHR, rw(Eb), n(One)),
	in(0, 0xd0).reg(rg(7)).does(KMT_OP_SAR, rw(Eb), n(One)),
	in(0, 0xd1).reg(rg(0)).does(KMT_OP_ROL, rw(Ev), n(One)),
	in(0, 0xd1).reg(rg(1)).does(KMT_OP_ROR, rw(Ev), n(One)),
	in(0, 0xd1).reg(rg(2)).does(KMT_OP_RCL, rw(Ev), n(One)),
	in(0, 0xd1).reg(rg(3)).does(KMT_OP_RCR, rw(Ev), n(One)),
	in(0, 0xd1).reg(rg(4) | rg(6)).does(KMT_OP_SHL, rw(Ev), n(One)),
	in(0, 0xd1).reg(rg(5)).does(KMT_OP_SHR, rw(Ev), n(One)),
	in(0, 0xd1).reg(rg(7)).does(KMT_OP_SAR, rw(Ev), n(One)),
	in(0, 0xd2).reg(rg(0)).does(KMT_OP_ROL, rw(Eb), r(CL)),
	in(0, 0xd2).reg(rg(1)).does(KMT_OP_ROR, rw(Eb), r(CL)),
	in(0, 0xd2).reg(rg(2)).does(KMT_OP_RCL, rw(Eb), r(CL)),
	in(0, 0xd2).reg(rg(3)).does(KMT_OP_RCR, rw(Eb), r(CL)),
	in(0, 0xd2).reg(rg(4) | rg(6)).does(KMT_OP_SHL, rw(Eb), r(CL)),
	in(0, 0xd2).reg(rg(5)).does(KMT_OP_SHR, rw(Eb), r(CL)),
	in(0, 0xd2).reg(rg(7)).does(KMT_OP_SAR, rw(Eb), r(CL)),
	in(0, 0xd3).reg(rg(0)).does(KMT_OP_ROL, rw(Ev), r(CL)),
	in(0, 0xd3).reg(rg(1)).does(KMT_OP_ROR, rw(Ev), r(CL)),
	in(0, 0xd3).reg(rg(2)).does(KMT_OP_RCL, rw(Ev), r(CL)),
	in(0, 0xd3).reg(rg(3)).does(KMT_OP_RCR, rw(Ev), r(CL)),
	in(0, 0xd3).reg(rg(4) | rg(6)).does(KMT_OP_SHL, rw(Ev), r(CL)),
	in(0, 0xd3).reg(rg(5)).does(KMT_OP_SHR, rw(Ev), r(CL)),
	in(0, 0xd3).reg(rg(7)).does(KMT_OP_SAR, rw(Ev), r(CL)),
	/* XLAT: AL = [rBX + AL]. */
	in(0, 0xd7).does(KMT_OP_OTHER).data(kRax | kRbx, kRax, Wd::B),
	/* x87: no GPR, except FNSTSW AX (DF E0). */
	in(0, 0xd8, 0xde).does(KMT_OP_OTHER),
	in(0, 0xdf).mod(MR).reg(rg(4)).rm(rg(0)).does(KMT_OP_OTHER, w(AX)),
	in(0, 0xdf).does(KMT_OP_OTHER),
	/* LOOPNE/LOOPE/LOOP: rCX (the address size) is decremented; JrCXZ reads it. */
	in(0, 0xe0, 0xe2).does(KMT_OP_OTHER, n(Jb)).ptr(kRcx, kRcx),
	in(0, 0xe3).does(KMT_OP_OTHER, n(Jb)).ptr(kRcx, 0),
	/* IN/OUT with an immediate port. */
	in(0, 0xe4).does(KMT_OP_OTHER, w(AL), n(Ib)),
	in(0, 0xe5).does(KMT_OP_OTHER, w(eAX), n(Ib)),
	in(0, 0xe6).does(KMT_OP_OTHER, n(Ib), r(AL)),
	in(0, 0xe7).does(KMT_OP_OTHER, n(Ib), r(eAX)),
	in(0, 0xe8).does(KMT_OP_CALL, n(Jz)).stack(),
	in(0, 0xe9).does(KMT_OP_JMP, n(Jz)),
	in(0, 0xeb).does(KMT_OP_JMP, n(Jb)),
	/* IN/OUT with the port in DX. */
	in(0, 0xec).does(KMT_OP_OTHER, w(AL), r(DX)),
	in(0, 0xed).does(KMT_OP_OTHER, w(eAX), r(DX)),
	in(0, 0xee).does(KMT_OP_OTHER, r(DX), r(AL)),
	in(0, 0xef).does(KMT_OP_OTHER, r(DX), r(eAX)),
	in(0, 0xf1).does(KMT_OP_OTHER), /* INT1 */
	in(0, 0xf4).does(KMT_OP_OTHER), /* HLT */
	in(0, 0xf5).does(KMT_OP_CMC),
	/*
	 * Grp3: TEST (/0, /1 alias), NOT, NEG, and MUL/IMUL/DIV/IDIV with rAX (and rDX): the byte
	 * forms use AX (AL times r/m8 into AX; AX divided into AL, AH).
	 */
	in(0, 0xf6).reg(rg(0) | rg(1)).does(KMT_OP_TEST, r(Eb), n(Ib)),
	in(0, 0xf6).reg(rg(2)).does(KMT_OP_NOT, rw(Eb)),
	in(0, 0xf6).reg(rg(3)).does(KMT_OP_NEG, rw(Eb)),
	in(0, 0xf6).reg(rg(4)).does(KMT_OP_MUL, r(Eb)).data(kRax, kRax, Wd::W),
	in(0, 0xf6).reg(rg(5)).does(KMT_OP_IMUL, r(Eb)).data(kRax, kRax, Wd::W),
	in(0, 0xf6).reg(rg(6)).does(KMT_OP_DIV, r(Eb)).data(kRax, kRax, Wd::W),
	in(0, 0xf6).reg(rg(7)).does(KMT_OP_IDIV, r(Eb)).data(kRax, kRax, Wd::W),
	in(0, 0xf7).reg(rg(0) | rg(1)).does(KMT_OP_TEST, r(Ev), n(Iz)),
	in(0, 0xf7).reg(rg(2)).does(KMT_OP_NOT, rw(Ev)),
	in(0, 0xf7).reg(rg(3)).does(KMT_OP_NEG, rw(Ev)),
	in(0, 0xf7).reg(rg(4)).does(KMT_OP_MUL, r(Ev)).data(kRax, kRax | kRdx),
	in(0, 0xf7).reg(rg(5)).does(KMT_OP_IMUL, r(Ev)).data(kRax, kRax | kRdx),
	in(0, 0xf7).reg(rg(6)).does(KMT_OP_DIV, r(Ev)).data(kRax | kRdx, kRax | kRdx),
	in(0, 0xf7).reg(rg(7)).does(KMT_OP_IDIV, r(Ev)).data(kRax | kRdx, kRax | kRdx),
	in(0, 0xf8).does(KMT_OP_CLC),
	in(0, 0xf9).does(KMT_OP_STC),
	in(0, 0xfa).does(KMT_OP_OTHER), /* CLI */
	in(0, 0xfb).does(KMT_OP_OTHER), /* STI */
	in(0, 0xfc).does(KMT_OP_CLD),
	in(0, 0xfd).does(KMT_OP_STD),
	in(0, 0xfe).reg(rg(0)).does(KMT_OP_INC, rw(Eb)),
	in(0, 0xfe).reg(rg(1)).does(KMT_OP_DEC, rw(Eb)),
	/* Grp5: CALL/JMP r/m are 64-bit; far forms read a far pointer; PUSH r/m. */
	in(0, 0xff).reg(rg(0)).does(KMT_OP_INC, rw(Ev)),
	in(0, 0xff).reg(rg(1)).does(KMT_OP_DEC, rw(Ev)),
	in(0, 0xff).reg(rg(2)).does(KMT_OP_CALL_INDIRECT, r(Ev)).stack(),
	in(0, 0xff).reg(rg(3)).does(KMT_OP_OTHER, r(Ev)).stack(),
	in(0, 0xff).reg(rg(4)).does(KMT_OP_JMP_INDIRECT, r(Ev)),
	in(0, 0xff).reg(rg(5)).does(KMT_OP_OTHER, r(Ev)),
	in(0, 0xff).reg(rg(6)).does(KMT_OP_PUSH, r(Ev)).stack(),

	/* ---- 0F map ---- */
	/* 0F 01: the memory forms and the register forms that use GPRs in a fixed way. */
	in(1, 0x01).mod(MM).does(KMT_OP_OTHER),
	in(1, 0x01).reg(rg(1)).rm(rg(0)).does(KMT_OP_OTHER).data(kRax | kRcx | kRdx, 0), /* MONITOR */
	in(1, 0x01).reg(rg(1)).rm(rg(1)).does(KMT_OP_OTHER).data(kRax | kRcx, 0),        /* MWAIT */
	in(1, 0x01).reg(rg(1)).rm(rg(2) | rg(3)).does(KMT_OP_OTHER),                     /* CLAC, STAC */
	in(1, 0x01).reg(rg(2)).rm(rg(0)).does(KMT_OP_OTHER).data(kRcx, kRax | kRdx, Wd::D), /* XGETBV */
	in(1, 0x01).reg(rg(2)).rm(rg(1)).does(KMT_OP_OTHER).data(kRax | kRcx | kRdx, 0), /* XSETBV */
	in(1, 0x01).reg(rg(5)).rm(rg(6)).does(KMT_OP_OTHER).data(kRcx, kRax | kRdx, Wd::D), /* RDPKRU */
	in(1, 0x01).reg(rg(5)).rm(rg(7)).does(KMT_OP_OTHER).data(kRax | kRcx | kRdx, 0), /* WRPKRU */
	in(1, 0x01).reg(rg(7)).rm(rg(0)).does(KMT_OP_OTHER),                             /* SWAPGS */
	in(1, 0x01).reg(rg(7)).rm(rg(1)).does(KMT_OP_OTHER).data(0, kRax | kRcx | kRdx, Wd::D), /* RDTSCP */
	/* SYSCALL: RCX = return RIP, R11 = RFLAGS; SYSRET reads them. */
	in(1, 0x05).does(KMT_OP_OTHER).data(0, kRcx | kR11, Wd::Q),
	in(1, 0x06).does(KMT_OP_OTHER), /* CLTS */
	in(1, 0x07).does(KMT_OP_OTHER).data(kRcx | kR11, 0),
	in(1, 0x08, 0x09).does(KMT_OP_OTHER), /* INVD, WBINVD */
	in(1, 0x0b).does(KMT_OP_UD),
	in(1, 0x0d).does(KMT_OP_OTHER, n(Ev)), /* PREFETCH/PREFETCHW: an address */
	in(1, 0x18).does(KMT_OP_OTHER, n(Ev)), /* PREFETCHh and hints: an address */
	/* The 0F 19-1F NOP/hint space (NOP r/m, ENDBR64...), except F3 0F 1E /1 RDSSPD/Q. */
	in(1, 0x19, 0x1d).does(KMT_OP_NOP, n(Ev)),
	in(1, 0x1e).pfx(PF3).mod(MR).reg(rg(7)).rm(rg(2) | rg(3)).does(KMT_OP_NOP), /* ENDBR64/32 */
	in(1, 0x1e).pfx(PF3).mod(MR).reg(rg(1)).opaque(),
	in(1, 0x1e, 0x1f).does(KMT_OP_NOP, n(Ev)),
	/* MOV r64, CR/DR and back (ModRM always names registers). */
	in(1, 0x20, 0x21).does(KMT_OP_OTHER, w(Eq)),
	in(1, 0x22, 0x23).does(KMT_OP_OTHER, r(Eq)),
	/* CVTSI2SS/SD (F3/F2) read a GPR or memory; CVTPI2PS/PD read an MMX register. */
	any(1, 0x2a).pfx(PF3 | PF2).does(KMT_OP_OTHER, r(Ey)),
	/* CVT(T)SS2SI/SD2SI (F3/F2) write a GPR; CVT(T)PS2PI/PD2PI an MMX register. */
	any(1, 0x2c, 0x2d).pfx(PF3 | PF2).does(KMT_OP_OTHER, w(Gy)),
	in(1, 0x30).does(KMT_OP_OTHER).data(kRax | kRcx | kRdx, 0),      /* WRMSR */
	in(1, 0x31).does(KMT_OP_OTHER).data(0, kRax | kRdx, Wd::D),      /* RDTSC */
	in(1, 0x32, 0x33).does(KMT_OP_OTHER).data(kRcx, kRax | kRdx, Wd::D), /* RDMSR, RDPMC */
	/*
	 * CMOVcc: the destination keeps its value when the condition is false (and is written
	 * even then: a 32-bit destination is zero-extended either way).
	 */
	in(1, 0x40, 0x4f).does(KMT_OP_CMOVCC, rw(Gv), r(Ev)),
	/* VEX opmask instructions: KMOV k, r32/r64 (92) and r32/r64, k (93) use a GPR. */
	in(1, 0x41, 0x4b).enc(EV).does(KMT_OP_OTHER),
	/* MOVMSKPS/PD: the mask into a GPR, upper bits zero. */
	any(1, 0x50).does(KMT_OP_OTHER, w(Gq)),
	/* MOVD/MOVQ mm/xmm, r/m32/64 (6E) and r/m32/64, mm/xmm (7E; F3 7E is MOVQ xmm, xmm/m64). */
	any(1, 0x6e).pfx(PN | P66).does(KMT_OP_OTHER, r(Ey)),
	/* VMREAD r/m64, r64; VMWRITE r64, r/m64; EVEX VCVT(T)SS/SD2USI (F3/F2) write a GPR. */
	in(1, 0x78).pfx(PN).does(KMT_OP_OTHER, w(Eq), r(Gq)),
	in(1, 0x78, 0x79).enc(EE).pfx(PF3 | PF2).does(KMT_OP_OTHER, w(Gy)),
	in(1, 0x79).pfx(PN).does(KMT_OP_OTHER, r(Gq), r(Eq)),
	in(1, 0x7b).enc(EE).pfx(PF3 | PF2).does(KMT_OP_OTHER, r(Ey)), /* VCVTUSI2SS/SD */
	any(1, 0x7e).pfx(PN | P66).does(KMT_OP_OTHER, w(Ey)),
	in(1, 0x80, 0x8f).does(KMT_OP_JCC, n(Jz)),
	in(1, 0x90, 0x9f).does(KMT_OP_SETCC, w(Eb)),
	in(1, 0x90, 0x91).enc(EV).does(KMT_OP_OTHER),  /* KMOV k, k/m; KMOV m, k */
	in(1, 0x92).enc(EV).does(KMT_OP_OTHER, r(Ey)), /* KMOV k, r */
	in(1, 0x93).enc(EV).does(KMT_OP_OTHER, w(Gy)), /* KMOV r, k */
	in(1, 0x98, 0x99).enc(EV).does(KMT_OP_OTHER),  /* KORTEST, KTEST */
	in(1, 0xa0, 0xa1).does(KMT_OP_OTHER).stack(),  /* PUSH FS, POP FS */
	in(1, 0xa2).does(KMT_OP_OTHER).data(kRax | kRcx, kRax | kRbx | kRcx | kRdx, Wd::D), /* CPUID */
	in(1, 0xa3).does(KMT_OP_BT, r(Ev), r(Gv)),
	in(1, 0xa4).does(KMT_OP_SHLD, rw(Ev), r(Gv), n(Ib)),
	in(1, 0xa5).does(KMT_OP_SHLD, rw(Ev), r(Gv), r(CL)),
	in(1, 0xa8, 0xa9).does(KMT_OP_OTHER).stack(), /* PUSH GS, POP GS */
	in(1, 0xab).does(KMT_OP_BTS, rw(Ev), r(Gv)),
	in(1, 0xac).does(KMT_OP_SHRD, rw(Ev), r(Gv), n(Ib)),
	in(1, 0xad).does(KMT_OP_SHRD, rw(Ev), r(Gv), r(CL)),
	/*
	 * Grp15. Memory: FXSAVE/FXRSTOR/LDMXCSR/STMXCSR, CLFLUSH, CLWB, CLFLUSHOPT, CLRSSBSY use no
	 * GPR; XSAVE/XRSTOR/XSAVEOPT take the feature mask in EDX:EAX; PTWRITE reads r/m.
	 * Registers: RD/WR{FS,GS}BASE, the fences.
	 */
	in(1, 0xae).mod(MM).pfx(PN).reg(rg(4) | rg(5) | rg(6)).does(KMT_OP_OTHER).data(kRax | kRdx, 0),
	in(1, 0xae).mod(MM).pfx(PN | P66).does(KMT_OP_OTHER),
	in(1, 0xae).mod(MM).pfx(PF3).reg(rg(4)).does(KMT_OP_OTHER, r(Ey)),
	in(1, 0xae).mod(MM).pfx(PF3).reg(rg(6)).does(KMT_OP_OTHER),
	in(1, 0xae).mod(MR).pfx(PF3).reg(rg(0) | rg(1)).does(KMT_OP_OTHER, w(Ey)),
	in(1, 0xae).mod(MR).pfx(PF3).reg(rg(2) | rg(3)).does(KMT_OP_OTHER, r(Ey)),
	in(1, 0xae).mod(MR).pfx(PN).reg(rg(5) | rg(6) | rg(7)).does(KMT_OP_OTHER),
	in(1, 0xae).enc(EV).does(KMT_OP_OTHER), /* VLDMXCSR, VSTMXCSR */
	in(1, 0xaf).does(KMT_OP_IMUL, rw(Gv), r(Ev)),
	/* CMPXCHG: rAX is compared with the destination and loaded from it when they differ. */
	in(1, 0xb0).does(KMT_OP_CMPXCHG, rw(Eb), r(Gb)).data(kRax, kRax, Wd::B),
	in(1, 0xb1).does(KMT_OP_CMPXCHG, rw(Ev), r(Gv)).data(kRax, kRax),
	in(1, 0xb2).does(KMT_OP_OTHER, w(Gv), r(Ev)), /* LSS */
	in(1, 0xb3).does(KMT_OP_BTR, rw(Ev), r(Gv)),
	in(1, 0xb4, 0xb5).does(KMT_OP_OTHER, w(Gv), r(Ev)), /* LFS, LGS */
	in(1, 0xb6).does(KMT_OP_MOVZX, w(Gv), r(Eb)),
	in(1, 0xb7).does(KMT_OP_MOVZX, w(Gv), r(Ew)),
	in(1, 0xb8).does(KMT_OP_POPCNT, w(Gv), r(Ev)), /* F3 only (fix rows) */
	in(1, 0xb9).does(KMT_OP_UD),                   /* UD1: the operands are never accessed */
	in(1, 0xba).reg(rg(4)).does(KMT_OP_BT, r(Ev), n(Ib)),
	in(1, 0xba).reg(rg(5)).does(KMT_OP_BTS, rw(Ev), n(Ib)),
	in(1, 0xba).reg(rg(6)).does(KMT_OP_BTR, rw(Ev), n(Ib)),
	in(1, 0xba).reg(rg(7)).does(KMT_OP_BTC, rw(Ev), n(Ib)),
	in(1, 0xbb).does(KMT_OP_BTC, rw(Ev), r(Gv)),
	/*
	 * F3: TZCNT/LZCNT. BSF/BSR: with a zero source the SDM leaves the destination undefined
	 * and CPUs keep it (AMD documents it), so it is read as well as written.
	 */
	in(1, 0xbc).pfx(PF3).does(KMT_OP_TZCNT, w(Gv), r(Ev)),
	in(1, 0xbc).does(KMT_OP_BSF, rw(Gv), r(Ev)),
	in(1, 0xbd).pfx(PF3).does(KMT_OP_LZCNT, w(Gv), r(Ev)),
	in(1, 0xbd).does(KMT_OP_BSR, rw(Gv), r(Ev)),
	in(1, 0xbe).does(KMT_OP_MOVSX, w(Gv), r(Eb)),
	in(1, 0xbf).does(KMT_OP_MOVSX, w(Gv), r(Ew)),
	in(1, 0xc0).does(KMT_OP_XADD, rw(Eb), rw(Gb)),
	in(1, 0xc1).does(KMT_OP_XADD, rw(Ev), rw(Gv)),
	in(1, 0xc3).does(KMT_OP_MOV, w(Ey), r(Gy)), /* MOVNTI: a store, with a non-temporal hint */
	/* PINSRW mm/xmm, r32/m16, imm8; PEXTRW r, mm/xmm, imm8 (upper bits zero). */
	any(1, 0xc4).does(KMT_OP_OTHER, r(Ed)),
	any(1, 0xc5).does(KMT_OP_OTHER, w(Gq)),
	/*
	 * Grp9: CMPXCHG8B/16B compare EDX:EAX (RDX:RAX) with the memory, store ECX:EBX (RCX:RBX)
	 * or load EDX:EAX. XRSTORS/XSAVEC/XSAVES take EDX:EAX; VMPTRLD... no GPR. Registers:
	 * RDRAND (/6), RDSEED (/7), F3 /7 RDPID.
	 */
	in(1, 0xc7).mod(MM).reg(rg(1)).does(KMT_OP_CMPXCHG8B16B, rw(Eq))
		.data(kRax | kRbx | kRcx | kRdx, kRax | kRdx, Wd::Y),
	in(1, 0xc7).mod(MM).reg(rg(3) | rg(4) | rg(5)).does(KMT_OP_OTHER).data(kRax | kRdx, 0),
	in(1, 0xc7).mod(MM).reg(rg(6) | rg(7)).does(KMT_OP_OTHER),
	in(1, 0xc7).mod(MR).pfx(PF3).reg(rg(7)).does(KMT_OP_OTHER, w(Eq)),
	in(1, 0xc7).mod(MR).reg(rg(6) | rg(7)).does(KMT_OP_OTHER, w(Ev)),
	in(1, 0xc8, 0xcf).does(KMT_OP_BSWAP, rw(Zv)),
	any(1, 0xd7).does(KMT_OP_OTHER, w(Gq)), /* PMOVMSKB */
	in(1, 0xff).does(KMT_OP_UD),             /* UD0 */

	/* ---- 0F38 map ---- */
	/* EVEX VPBROADCASTB/W (r32) and D/Q (r32/r64) from a GPR. */
	in(2, 0x7a, 0x7b).enc(EE).does(KMT_OP_OTHER, r(Ed)),
	in(2, 0x7c).enc(EE).does(KMT_OP_OTHER, r(Ey)),
	in(2, 0x80, 0x82).does(KMT_OP_OTHER, r(Gq), r(Ev)), /* INVEPT, INVVPID, INVPCID */
	/* F0/F1: CRC32 (F2) accumulates into a GPR; MOVBE loads/stores byte-swapped. */
	in(2, 0xf0).pfx(PF2).does(KMT_OP_OTHER, rw(Gy), r(Eb)),
	in(2, 0xf0).does(KMT_OP_OTHER, w(Gv), r(Ev)),
	in(2, 0xf1).pfx(PF2).does(KMT_OP_OTHER, rw(Gy), r(Ev)),
	in(2, 0xf1).does(KMT_OP_OTHER, w(Ev), r(Gv)),
	/* BMI1/BMI2 (VEX): ANDN, BLSR/BLSMSK/BLSI, BZHI/PEXT/PDEP, MULX (rDX implicit). */
	in(2, 0xf2).enc(EV).does(KMT_OP_OTHER, w(Gy), r(By), r(Ey)),
	in(2, 0xf3).enc(EV).does(KMT_OP_OTHER, w(By), r(Ey)),
	in(2, 0xf5).pfx(P66).does(KMT_OP_OTHER, w(Ey), r(Gy)), /* WRUSS */
	in(2, 0xf5).enc(EV).pfx(PN).does(KMT_OP_OTHER, w(Gy), r(Ey), r(By)),
	in(2, 0xf5).enc(EV).does(KMT_OP_OTHER, w(Gy), r(By), r(Ey)),
	/* ADCX (66) / ADOX (F3) add with CF / OF; WRSS stores a GPR. */
	in(2, 0xf6).pfx(P66 | PF3).does(KMT_OP_OTHER, rw(Gy), r(Ey)),
	in(2, 0xf6).pfx(PN).does(KMT_OP_OTHER, w(Ey), r(Gy)),
	in(2, 0xf6).enc(EV).does(KMT_OP_OTHER, w(Gy), w(By), r(Ey)).data(kRdx, 0),
	/* BEXTR (none), SHLX (66), SARX (F3), SHRX (F2): the count or control in vvvv. */
	in(2, 0xf7).enc(EV).does(KMT_OP_OTHER, w(Gy), r(Ey), r(By)),
	/* MOVDIR64B/ENQCMD(S): the destination address register is in mem[1]. */
	in(2, 0xf8).does(KMT_OP_OTHER),
	in(2, 0xf9).does(KMT_OP_OTHER, w(Ey), r(Gy)), /* MOVDIRI */

	/* ---- 0F3A map ---- */
	/* PEXTRB/PEXTRW (r32 or m8/m16), PEXTRD/Q, EXTRACTPS; PINSRB (r32/m8), PINSRD/Q. */
	any(3, 0x14).does(KMT_OP_OTHER, w(Ed)),
	any(3, 0x15).does(KMT_OP_OTHER, w(Ed)),
	any(3, 0x16).does(KMT_OP_OTHER, w(Ey)),
	any(3, 0x17).does(KMT_OP_OTHER, w(Ed)),
	any(3, 0x20).does(KMT_OP_OTHER, r(Ed)),
	any(3, 0x22).does(KMT_OP_OTHER, r(Ey)),
	/* PCMPESTRM/I take the lengths in EAX/EDX; PCMPxSTRI return the index in ECX. */
	any(3, 0x60).does(KMT_OP_OTHER).data(kRax | kRdx, 0),
	any(3, 0x61).does(KMT_OP_OTHER).data(kRax | kRdx, kRcx, Wd::D),
	any(3, 0x62).does(KMT_OP_OTHER),
	any(3, 0x63).does(KMT_OP_OTHER).data(0, kRcx, Wd::D),
	in(3, 0xf0).enc(EV).does(KMT_OP_OTHER, w(Gy), r(Ey), n(Ib)), /* RORX */
};

static_assert(rows_sorted(kSemRows), "semantic rows must be sorted by map and first opcode");
constexpr RowIndex kSemIndex = build_index(kSemRows);

} /* namespace dec */
} /* namespace kmt */

#endif /* KMT_DECODE_SEMANTICS_H */
