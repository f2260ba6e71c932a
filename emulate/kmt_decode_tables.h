/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_decode_tables.h - opcode tables of kmemtrap's x86-64 decoder (64-bit mode only).
 *
 * Hand-written, readable data: one row per opcode (or per ModRM.reg of a group), saying how
 * the instruction is laid out (ModRM, immediate) and what its explicit memory operand does
 * (size in bytes, read / write / read-modify-write / address only). The decoder in
 * kmt_decode.cpp is a chain of small steps that only consults these rows; opcodes whose
 * operand depends on a mandatory prefix, W, the encoding or mod are refined by the fix rows
 * (kFixRows) at the end of this file.
 *
 * Only included by kmt_decode.cpp. Everything here is constexpr: no constructors run.
 */
#ifndef KMT_DECODE_TABLES_H
#define KMT_DECODE_TABLES_H

#include "kmt_base.h"

namespace kmt {
namespace dec {

/* Layout and semantic flags of one opcode row. */
enum OpFlag : uint32_t {
	kModRM = 1u << 0,     /* a ModRM byte follows the opcode */
	kInvalid = 1u << 1,   /* #UD in 64-bit mode (or reserved): KMT_DECODE_INVALID */
	kLock = 1u << 2,      /* LOCK is allowed when the destination is memory */
	kXchg = 1u << 3,      /* XCHG: a memory form is implicitly locked (class ATOMIC) */
	kDef64 = 1u << 4,     /* operand size defaults to 64 bits (0x66 makes it 16) */
	kForce64 = 1u << 5,   /* operand size is always 64 bits */
	kMemOnly = 1u << 6,   /* ModRM.mod == 3 is #UD */
	kRegOnly = 1u << 7,   /* ModRM.mod != 3 is #UD */
	kBitOffset = 1u << 8, /* BT/BTS/BTR/BTC Ev,Gv: the register bit offset moves the access */
	kByteOp = 1u << 9,    /* operates on bytes: the instruction's operand size is 1 */
	kModAsReg = 1u << 10, /* MOV to/from CR/DR: ModRM always names registers, whatever mod says */
	kGroup = 1u << 11,    /* the row is chosen by ModRM.reg from group table m_group */
	kSimd = 1u << 12,     /* an SSE/AVX row: VEX/EVEX forms exist and sizes scale with VL */
	kVexOnly = 1u << 13,  /* only exists VEX- or EVEX-encoded */
	kEvexOnly = 1u << 14, /* only exists EVEX-encoded */
	kLegacyOnly = 1u << 15, /* no VEX/EVEX form */
	kDisp8Elem = 1u << 16,  /* EVEX compress/expand: disp8 scales by the element, not the size */
	kVsib = 1u << 17,       /* gather/scatter: SIB index is a vector register */
	kCond = 1u << 18,       /* the access may not happen (masked moves) */
	kFixup = 1u << 19,      /* the row depends on prefix/W/encoding/mod: see kFixRows below */
	kUnsupported = 1u << 20, /* valid, decoded for its length, memory not modelled */
	kTwoOps = 1u << 21,     /* MOVDIR64B/ENQCMD(S): a second, register-addressed 64-byte write */
};

/*
 * Size of the explicit memory operand, in bytes, as a rule. "VL" is the vector length: 16 for
 * legacy SSE, 16 or 32 for VEX (VEX.L), 16, 32 or 64 for EVEX (EVEX.L'L). With EVEX embedded
 * broadcast (EVEX.b on a memory form) the VL-based sizes become one element (4 or 8 by W).
 */
enum class Sz : uint8_t {
	None,     /* no memory operand possible */
	B1,       /* 1 byte */
	W2,       /* 2 bytes */
	D4,       /* 4 bytes */
	Q8,       /* 8 bytes */
	T10,      /* 10 bytes: x87 extended real / BCD, SGDT/SIDT descriptor in 64-bit mode */
	O16,      /* 16 bytes, whatever the vector length */
	Y32,      /* 32 bytes, whatever the vector length */
	M64B,     /* 64 bytes: MOVDIR64B, ENQCMD */
	V,        /* operand size: 2, 4 or 8 */
	Y,        /* 4, or 8 with REX.W / VEX.W / EVEX.W */
	FarPtr,   /* 16-bit selector + operand-size offset: 4, 6 or 10 */
	VL,       /* full vector */
	Half,     /* half a vector (widening conversions: PMOVSXBW, CVTPS2PD...) */
	Quarter,  /* a quarter (PMOVSXBD...) */
	Eighth,   /* an eighth (PMOVSXBQ...) */
	ScalarW,  /* one element: 4, or 8 with W */
	PsPdSsSd, /* by mandatory prefix: none/66 -> VL, F3 -> 4, F2 -> 8 */
	DupQ,     /* MOVDDUP: 8 bytes for an xmm destination, else the full vector */
	MmxVL,    /* legacy without 66 -> 8 (MMX register), else VL */
	MmxD,     /* PUNPCKL*: legacy without 66 -> 4 (mm, mm/m32), else VL */
	ShiftCnt, /* PSLL/PSRL/PSRA by xmm count: legacy MMX -> 8, else 16 whatever VL */
	X87Env,   /* FLDENV/FNSTENV: 28 bytes (14 with 0x66) */
	X87State, /* FRSTOR/FNSAVE: 108 bytes (94 with 0x66) */
	Fx512,    /* FXSAVE/FXRSTOR area: 512 bytes */
	Xsave,    /* XSAVE family: variable; 576 reported (legacy area + header), see docs */
	Cx8,      /* CMPXCHG8B (8) or CMPXCHG16B (16, REX.W) */
};

/* What the instruction does to its explicit memory operand. */
enum class Acc : uint8_t {
	None, /* no memory operand */
	R,    /* read */
	W,    /* written only: the old contents never reach the program */
	RW,   /* read-modify-write */
	Addr, /* address only (LEA, NOP r/m, PREFETCH, CLFLUSH...): nothing is accessed */
};

/* Immediate (or relative offset, or absolute address) that follows ModRM/SIB/displacement. */
enum class Imm : uint8_t {
	None,
	B,     /* 1 byte */
	W,     /* 2 bytes */
	Z,     /* 2 bytes with 0x66, else 4 */
	V,     /* MOV r, imm: 2, 4 or 8 by operand size */
	Enter, /* ENTER iw, ib: 3 bytes */
	MOffs, /* MOV AL/rAX <-> moffs: 8-byte address, 4 with 0x67 */
	Rel8,  /* 1-byte relative branch offset */
	Rel32, /* 4-byte relative branch offset (0x66 is ignored in 64-bit mode, as on Intel) */
};

/* Group tables selected by kGroup rows; index = ModRM.reg. */
enum Group : uint8_t {
	kGrpNone = 0,
	kGrp1B,  /* 80: ALU Eb,Ib */
	kGrp1V,  /* 81, 83: ALU Ev,Iz / Ev,Ib */
	kGrp1A,  /* 8F: POP Ev */
	kGrp2B,  /* C0, D0, D2: shifts Eb */
	kGrp2V,  /* C1, D1, D3: shifts Ev */
	kGrp3B,  /* F6: TEST/NOT/NEG/MUL/IMUL/DIV/IDIV Eb */
	kGrp3V,  /* F7: the same on Ev */
	kGrp4,   /* FE: INC/DEC Eb */
	kGrp5,   /* FF: INC/DEC/CALL/JMP/PUSH Ev */
	kGrp11B, /* C6: MOV Eb,Ib (and XABORT) */
	kGrp11V, /* C7: MOV Ev,Iz (and XBEGIN) */
	kGrp6,   /* 0F 00: SLDT/STR/LLDT/LTR/VERR/VERW */
	kGrp7,   /* 0F 01: SGDT/SIDT/LGDT/LIDT/SMSW/LMSW/INVLPG and many register forms */
	kGrp8,   /* 0F BA: BT/BTS/BTR/BTC Ev,Ib */
	kGrp9,   /* 0F C7: CMPXCHG8B/16B, XRSTORS, XSAVEC/S, VMPTRLD..., RDRAND/RDSEED */
	kGrp15,  /* 0F AE: FXSAVE..., fences, CLFLUSH, CLWB, RD/WRFSBASE */
	kGrp16,  /* 0F 18: PREFETCHh and reserved NOPs */
	kGrpCount,
};

struct Op {
	uint32_t m_flags;
	Sz m_size;
	Acc m_access;
	Imm m_imm;
	uint8_t m_group;
};

/* Short names for the rows below. */
constexpr uint32_t M = kModRM;
constexpr Op kUD = { kInvalid, Sz::None, Acc::None, Imm::None, 0 };
constexpr Op kNone = { 0, Sz::None, Acc::None, Imm::None, 0 };

constexpr Op op(uint32_t flags, Sz size = Sz::None, Acc access = Acc::None, Imm imm = Imm::None,
		uint8_t group = 0)
{
	return Op{ flags, size, access, imm, group };
}

/* Register-only SIMD row (no memory form). */
constexpr Op kSimdReg = { kModRM | kSimd | kRegOnly, Sz::None, Acc::None, Imm::None, 0 };

/* ---------------------------------------------------------------------------------------- */
/* One-byte map.                                                                            */
/* ---------------------------------------------------------------------------------------- */

/* The eight ALU operations 00-3F share a layout; CMP (38-3D) only reads. */
constexpr Op kOneByte[256] = {
	/* 00 ADD Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 01 ADD Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* 02 ADD Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 03 ADD Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 04 ADD AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 05 ADD rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 06 PUSH ES */ kUD,
	/* 07 POP ES */ kUD,
	/* 08 OR Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 09 OR Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* 0A OR Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 0B OR Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 0C OR AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 0D OR rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 0E PUSH CS */ kUD,
	/* 0F escape: two-byte map (handled before this table) */ kUD,
	/* 10 ADC Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 11 ADC Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* 12 ADC Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 13 ADC Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 14 ADC AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 15 ADC rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 16 PUSH SS */ kUD,
	/* 17 POP SS */ kUD,
	/* 18 SBB Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 19 SBB Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* 1A SBB Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 1B SBB Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 1C SBB AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 1D SBB rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 1E PUSH DS */ kUD,
	/* 1F POP DS */ kUD,
	/* 20 AND Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 21 AND Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* 22 AND Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 23 AND Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 24 AND AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 25 AND rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 26 ES: prefix (handled before this table) */ kUD,
	/* 27 DAA */ kUD,
	/* 28 SUB Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 29 SUB Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* 2A SUB Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 2B SUB Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 2C SUB AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 2D SUB rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 2E CS: prefix */ kUD,
	/* 2F DAS */ kUD,
	/* 30 XOR Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 31 XOR Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* 32 XOR Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 33 XOR Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 34 XOR AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 35 XOR rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 36 SS: prefix */ kUD,
	/* 37 AAA */ kUD,
	/* 38 CMP Eb,Gb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 39 CMP Ev,Gv */ op(M, Sz::V, Acc::R),
	/* 3A CMP Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 3B CMP Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 3C CMP AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* 3D CMP rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* 3E DS: prefix */ kUD,
	/* 3F AAS */ kUD,
	/* 40-4F REX prefixes (handled before this table) */
	kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD,
	/* 50-57 PUSH r64 */
	op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64),
	/* 58-5F POP r64 */
	op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64), op(kDef64),
	/* 60 PUSHA */ kUD,
	/* 61 POPA */ kUD,
	/* 62 EVEX prefix (BOUND is #UD in 64-bit mode; handled before this table) */ kUD,
	/* 63 MOVSXD Gv,Ed (reads 2 bytes with 0x66 and no REX.W: see kFixRows) */
	op(M | kFixup, Sz::D4, Acc::R),
	/* 64 FS: */ kUD,
	/* 65 GS: */ kUD,
	/* 66 operand size */ kUD,
	/* 67 address size */ kUD,
	/* 68 PUSH Iz */ op(kDef64, Sz::None, Acc::None, Imm::Z),
	/* 69 IMUL Gv,Ev,Iz */ op(M, Sz::V, Acc::R, Imm::Z),
	/* 6A PUSH Ib */ op(kDef64, Sz::None, Acc::None, Imm::B),
	/* 6B IMUL Gv,Ev,Ib */ op(M, Sz::V, Acc::R, Imm::B),
	/* 6C-6F INS/OUTS: string instructions, handled by string_kind() */
	op(kByteOp), op(0), op(kByteOp), op(0),
	/* 70-7F Jcc rel8 */
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	op(0, Sz::None, Acc::None, Imm::Rel8), op(0, Sz::None, Acc::None, Imm::Rel8),
	/* 80 Grp1 Eb,Ib */ op(M | kGroup | kByteOp, Sz::None, Acc::None, Imm::B, kGrp1B),
	/* 81 Grp1 Ev,Iz */ op(M | kGroup, Sz::None, Acc::None, Imm::Z, kGrp1V),
	/* 82 Grp1 Eb,Ib alias: #UD in 64-bit mode */ kUD,
	/* 83 Grp1 Ev,Ib */ op(M | kGroup, Sz::None, Acc::None, Imm::B, kGrp1V),
	/* 84 TEST Eb,Gb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 85 TEST Ev,Gv */ op(M, Sz::V, Acc::R),
	/* 86 XCHG Eb,Gb */ op(M | kXchg | kLock | kByteOp, Sz::B1, Acc::RW),
	/* 87 XCHG Ev,Gv */ op(M | kXchg | kLock, Sz::V, Acc::RW),
	/* 88 MOV Eb,Gb */ op(M | kByteOp, Sz::B1, Acc::W),
	/* 89 MOV Ev,Gv */ op(M, Sz::V, Acc::W),
	/* 8A MOV Gb,Eb */ op(M | kByteOp, Sz::B1, Acc::R),
	/* 8B MOV Gv,Ev */ op(M, Sz::V, Acc::R),
	/* 8C MOV Ew,Sreg: a memory destination is always 2 bytes */ op(M, Sz::W2, Acc::W),
	/* 8D LEA Gv,M */ op(M | kMemOnly, Sz::V, Acc::Addr),
	/* 8E MOV Sreg,Ew */ op(M, Sz::W2, Acc::R),
	/* 8F Grp1A POP Ev */ op(M | kGroup | kDef64, Sz::None, Acc::None, Imm::None, kGrp1A),
	/* 90-97 XCHG rAX,r / NOP / PAUSE */
	op(0), op(0), op(0), op(0), op(0), op(0), op(0), op(0),
	/* 98 CBW/CWDE/CDQE */ op(0),
	/* 99 CWD/CDQ/CQO */ op(0),
	/* 9A CALLF */ kUD,
	/* 9B FWAIT */ op(0),
	/* 9C PUSHF */ op(kDef64),
	/* 9D POPF */ op(kDef64),
	/* 9E SAHF */ op(0),
	/* 9F LAHF */ op(0),
	/* A0 MOV AL,moffs */ op(kByteOp, Sz::B1, Acc::R, Imm::MOffs),
	/* A1 MOV rAX,moffs */ op(0, Sz::V, Acc::R, Imm::MOffs),
	/* A2 MOV moffs,AL */ op(kByteOp, Sz::B1, Acc::W, Imm::MOffs),
	/* A3 MOV moffs,rAX */ op(0, Sz::V, Acc::W, Imm::MOffs),
	/* A4-A7 MOVS/CMPS: string instructions, handled by string_kind() */
	op(kByteOp), op(0), op(kByteOp), op(0),
	/* A8 TEST AL,Ib */ op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* A9 TEST rAX,Iz */ op(0, Sz::None, Acc::None, Imm::Z),
	/* AA-AF STOS/LODS/SCAS: string instructions */
	op(kByteOp), op(0), op(kByteOp), op(0), op(kByteOp), op(0),
	/* B0-B7 MOV r8,Ib */
	op(kByteOp, Sz::None, Acc::None, Imm::B), op(kByteOp, Sz::None, Acc::None, Imm::B),
	op(kByteOp, Sz::None, Acc::None, Imm::B), op(kByteOp, Sz::None, Acc::None, Imm::B),
	op(kByteOp, Sz::None, Acc::None, Imm::B), op(kByteOp, Sz::None, Acc::None, Imm::B),
	op(kByteOp, Sz::None, Acc::None, Imm::B), op(kByteOp, Sz::None, Acc::None, Imm::B),
	/* B8-BF MOV r,Iv (imm64 with REX.W) */
	op(0, Sz::None, Acc::None, Imm::V), op(0, Sz::None, Acc::None, Imm::V),
	op(0, Sz::None, Acc::None, Imm::V), op(0, Sz::None, Acc::None, Imm::V),
	op(0, Sz::None, Acc::None, Imm::V), op(0, Sz::None, Acc::None, Imm::V),
	op(0, Sz::None, Acc::None, Imm::V), op(0, Sz::None, Acc::None, Imm::V),
	/* C0 Grp2 Eb,Ib */ op(M | kGroup | kByteOp, Sz::None, Acc::None, Imm::B, kGrp2B),
	/* C1 Grp2 Ev,Ib */ op(M | kGroup, Sz::None, Acc::None, Imm::B, kGrp2V),
	/* C2 RET Iw */ op(kDef64, Sz::None, Acc::None, Imm::W),
	/* C3 RET */ op(kDef64),
	/* C4 VEX3 (LES is #UD in 64-bit mode; handled before this table) */ kUD,
	/* C5 VEX2 (LDS) */ kUD,
	/* C6 Grp11 MOV Eb,Ib */ op(M | kGroup | kByteOp, Sz::None, Acc::None, Imm::B, kGrp11B),
	/* C7 Grp11 MOV Ev,Iz */ op(M | kGroup, Sz::None, Acc::None, Imm::Z, kGrp11V),
	/* C8 ENTER Iw,Ib */ op(kDef64, Sz::None, Acc::None, Imm::Enter),
	/* C9 LEAVE */ op(kDef64),
	/* CA RETF Iw */ op(0, Sz::None, Acc::None, Imm::W),
	/* CB RETF */ op(0),
	/* CC INT3 */ op(0),
	/* CD INT Ib */ op(0, Sz::None, Acc::None, Imm::B),
	/* CE INTO */ kUD,
	/* CF IRET */ op(0),
	/* D0 Grp2 Eb,1 */ op(M | kGroup | kByteOp, Sz::None, Acc::None, Imm::None, kGrp2B),
	/* D1 Grp2 Ev,1 */ op(M | kGroup, Sz::None, Acc::None, Imm::None, kGrp2V),
	/* D2 Grp2 Eb,CL */ op(M | kGroup | kByteOp, Sz::None, Acc::None, Imm::None, kGrp2B),
	/* D3 Grp2 Ev,CL */ op(M | kGroup, Sz::None, Acc::None, Imm::None, kGrp2V),
	/* D4 AAM */ kUD,
	/* D5 AAD */ kUD,
	/* D6 SALC */ kUD,
	/* D7 XLAT: reads [rBX + AL] (built by the decoder) */ op(kByteOp, Sz::B1, Acc::R),
	/* D8-DF x87 escapes: ModRM, sizes from kX87Mem */
	op(M), op(M), op(M), op(M), op(M), op(M), op(M), op(M),
	/* E0 LOOPNE */ op(0, Sz::None, Acc::None, Imm::Rel8),
	/* E1 LOOPE */ op(0, Sz::None, Acc::None, Imm::Rel8),
	/* E2 LOOP */ op(0, Sz::None, Acc::None, Imm::Rel8),
	/* E3 JrCXZ */ op(0, Sz::None, Acc::None, Imm::Rel8),
	/* E4 IN AL,Ib */ op(0, Sz::None, Acc::None, Imm::B),
	/* E5 IN eAX,Ib */ op(0, Sz::None, Acc::None, Imm::B),
	/* E6 OUT Ib,AL */ op(0, Sz::None, Acc::None, Imm::B),
	/* E7 OUT Ib,eAX */ op(0, Sz::None, Acc::None, Imm::B),
	/* E8 CALL rel32 */ op(kDef64, Sz::None, Acc::None, Imm::Rel32),
	/* E9 JMP rel32 */ op(kDef64, Sz::None, Acc::None, Imm::Rel32),
	/* EA JMPF */ kUD,
	/* EB JMP rel8 */ op(kDef64, Sz::None, Acc::None, Imm::Rel8),
	/* EC IN AL,DX */ op(0),
	/* ED IN eAX,DX */ op(0),
	/* EE OUT DX,AL */ op(0),
	/* EF OUT DX,eAX */ op(0),
	/* F0 LOCK prefix */ kUD,
	/* F1 INT1 */ op(0),
	/* F2 REPNE prefix */ kUD,
	/* F3 REP prefix */ kUD,
	/* F4 HLT */ op(0),
	/* F5 CMC */ op(0),
	/* F6 Grp3 Eb */ op(M | kGroup | kByteOp, Sz::None, Acc::None, Imm::None, kGrp3B),
	/* F7 Grp3 Ev */ op(M | kGroup, Sz::None, Acc::None, Imm::None, kGrp3V),
	/* F8 CLC */ op(0),
	/* F9 STC */ op(0),
	/* FA CLI */ op(0),
	/* FB STI */ op(0),
	/* FC CLD */ op(0),
	/* FD STD */ op(0),
	/* FE Grp4 INC/DEC Eb */ op(M | kGroup | kByteOp, Sz::None, Acc::None, Imm::None, kGrp4),
	/* FF Grp5 */ op(M | kGroup, Sz::None, Acc::None, Imm::None, kGrp5),
};

/*
 * Group rows, [group][ModRM.reg]. The immediate comes from the opcode row unless the group
 * row names one (F6/F7 TEST). Register forms (mod == 3) never access memory; kMemOnly and
 * kRegOnly say which forms exist.
 */
constexpr Op kGroups[kGrpCount][8] = {
	/* kGrpNone */ { kUD, kUD, kUD, kUD, kUD, kUD, kUD, kUD },
	/* kGrp1B: ADD OR ADC SBB AND SUB XOR CMP, Eb */
	{ op(M | kLock, Sz::B1, Acc::RW), op(M | kLock, Sz::B1, Acc::RW),
	  op(M | kLock, Sz::B1, Acc::RW), op(M | kLock, Sz::B1, Acc::RW),
	  op(M | kLock, Sz::B1, Acc::RW), op(M | kLock, Sz::B1, Acc::RW),
	  op(M | kLock, Sz::B1, Acc::RW), op(M, Sz::B1, Acc::R) },
	/* kGrp1V: the same on Ev */
	{ op(M | kLock, Sz::V, Acc::RW), op(M | kLock, Sz::V, Acc::RW),
	  op(M | kLock, Sz::V, Acc::RW), op(M | kLock, Sz::V, Acc::RW),
	  op(M | kLock, Sz::V, Acc::RW), op(M | kLock, Sz::V, Acc::RW),
	  op(M | kLock, Sz::V, Acc::RW), op(M, Sz::V, Acc::R) },
	/* kGrp1A: POP Ev writes the memory operand (8 bytes, 2 with 0x66); /1-/7 are XOP on AMD */
	{ op(M | kDef64, Sz::V, Acc::W), kUD, kUD, kUD, kUD, kUD, kUD, kUD },
	/* kGrp2B: ROL ROR RCL RCR SHL SHR SAL(alias) SAR, Eb */
	{ op(M, Sz::B1, Acc::RW), op(M, Sz::B1, Acc::RW), op(M, Sz::B1, Acc::RW),
	  op(M, Sz::B1, Acc::RW), op(M, Sz::B1, Acc::RW), op(M, Sz::B1, Acc::RW),
	  op(M, Sz::B1, Acc::RW), op(M, Sz::B1, Acc::RW) },
	/* kGrp2V */
	{ op(M, Sz::V, Acc::RW), op(M, Sz::V, Acc::RW), op(M, Sz::V, Acc::RW),
	  op(M, Sz::V, Acc::RW), op(M, Sz::V, Acc::RW), op(M, Sz::V, Acc::RW),
	  op(M, Sz::V, Acc::RW), op(M, Sz::V, Acc::RW) },
	/* kGrp3B: TEST Eb,Ib (/0, /1 alias), NOT, NEG, MUL, IMUL, DIV, IDIV */
	{ op(M, Sz::B1, Acc::R, Imm::B), op(M, Sz::B1, Acc::R, Imm::B),
	  op(M | kLock, Sz::B1, Acc::RW), op(M | kLock, Sz::B1, Acc::RW),
	  op(M, Sz::B1, Acc::R), op(M, Sz::B1, Acc::R), op(M, Sz::B1, Acc::R),
	  op(M, Sz::B1, Acc::R) },
	/* kGrp3V */
	{ op(M, Sz::V, Acc::R, Imm::Z), op(M, Sz::V, Acc::R, Imm::Z),
	  op(M | kLock, Sz::V, Acc::RW), op(M | kLock, Sz::V, Acc::RW),
	  op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R),
	  op(M, Sz::V, Acc::R) },
	/* kGrp4: INC Eb, DEC Eb */
	{ op(M | kLock, Sz::B1, Acc::RW), op(M | kLock, Sz::B1, Acc::RW), kUD, kUD, kUD, kUD, kUD,
	  kUD },
	/*
	 * kGrp5: INC, DEC, CALL Ev (reads the 8-byte target), CALLF Mp, JMP Ev, JMPF Mp,
	 * PUSH Ev (reads the source; the stack write is implicit and not listed).
	 */
	{ op(M | kLock, Sz::V, Acc::RW), op(M | kLock, Sz::V, Acc::RW),
	  op(M | kForce64, Sz::V, Acc::R), op(M | kMemOnly, Sz::FarPtr, Acc::R),
	  op(M | kForce64, Sz::V, Acc::R), op(M | kMemOnly, Sz::FarPtr, Acc::R),
	  op(M | kDef64, Sz::V, Acc::R), kUD },
	/* kGrp11B: MOV Eb,Ib; C6 F8 XABORT Ib is special-cased (mod == 3, reg == 7) */
	{ op(M, Sz::B1, Acc::W), kUD, kUD, kUD, kUD, kUD, kUD, kUD },
	/* kGrp11V: MOV Ev,Iz; C7 F8 XBEGIN rel32 is special-cased */
	{ op(M, Sz::V, Acc::W), kUD, kUD, kUD, kUD, kUD, kUD, kUD },
	/* kGrp6: SLDT Mw, STR Mw, LLDT Ew, LTR Ew, VERR Ew, VERW Ew */
	{ op(M, Sz::W2, Acc::W), op(M, Sz::W2, Acc::W), op(M, Sz::W2, Acc::R),
	  op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::R), kUD, kUD },
	/*
	 * kGrp7 memory forms: SGDT, SIDT (10-byte descriptor in 64-bit mode), LGDT, LIDT, SMSW Mw,
	 * /5 (F3: RSTORSSP m64, fixed up), LMSW Ew, INVLPG (address only). The register forms
	 * (VMCALL, MONITOR, SWAPGS, RDTSCP, CLAC, STAC, XGETBV...) never access explicit memory.
	 */
	{ op(M, Sz::T10, Acc::W), op(M, Sz::T10, Acc::W), op(M, Sz::T10, Acc::R),
	  op(M, Sz::T10, Acc::R), op(M, Sz::W2, Acc::W), op(M | kFixup, Sz::None, Acc::None),
	  op(M, Sz::W2, Acc::R), op(M, Sz::B1, Acc::Addr) },
	/* kGrp8: /4 BT, /5 BTS, /6 BTR, /7 BTC Ev,Ib (offset masked to the operand: no escape) */
	{ kUD, kUD, kUD, kUD, op(M, Sz::V, Acc::R), op(M | kLock, Sz::V, Acc::RW),
	  op(M | kLock, Sz::V, Acc::RW), op(M | kLock, Sz::V, Acc::RW) },
	/*
	 * kGrp9: /1 CMPXCHG8B/16B, /3 XRSTORS, /4 XSAVEC, /5 XSAVES, /6 VMPTRLD/VMCLEAR/VMXON m64
	 * or RDRAND, /7 VMPTRST m64 or RDSEED/RDPID. Fixed up by prefix and mod.
	 */
	{ kUD, op(M | kMemOnly | kLock, Sz::Cx8, Acc::RW), kUD,
	  op(M | kMemOnly, Sz::Xsave, Acc::R), op(M | kMemOnly, Sz::Xsave, Acc::W),
	  op(M | kMemOnly, Sz::Xsave, Acc::W), op(M | kFixup, Sz::Q8, Acc::R),
	  op(M | kFixup, Sz::Q8, Acc::W) },
	/*
	 * kGrp15 memory forms: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, XSAVE (F3: PTWRITE), XRSTOR,
	 * XSAVEOPT (66: CLWB), CLFLUSH (66: CLFLUSHOPT). Register forms are fences and
	 * RD/WR{FS,GS}BASE. Fixed up by prefix and mod.
	 */
	{ op(M | kFixup, Sz::Fx512, Acc::W), op(M | kFixup, Sz::Fx512, Acc::R),
	  op(M | kFixup, Sz::D4, Acc::R), op(M | kFixup, Sz::D4, Acc::W),
	  op(M | kFixup, Sz::Xsave, Acc::W), op(M | kFixup, Sz::Xsave, Acc::R),
	  op(M | kFixup, Sz::Xsave, Acc::W), op(M | kFixup, Sz::B1, Acc::Addr) },
	/* kGrp16: PREFETCHNTA/T0/T1/T2 and reserved-NOP hints: all address only */
	{ op(M, Sz::B1, Acc::Addr), op(M, Sz::B1, Acc::Addr), op(M, Sz::B1, Acc::Addr),
	  op(M, Sz::B1, Acc::Addr), op(M, Sz::B1, Acc::Addr), op(M, Sz::B1, Acc::Addr),
	  op(M, Sz::B1, Acc::Addr), op(M, Sz::B1, Acc::Addr) },
};

/*
 * x87 memory forms, [opcode - D8][ModRM.reg]. Register forms (mod == 3) have no memory
 * operand. Environment/state sizes are the 32/64-bit-mode layouts.
 */
constexpr Op kX87Mem[8][8] = {
	/* D8: FADD FMUL FCOM FCOMP FSUB FSUBR FDIV FDIVR m32fp */
	{ op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R),
	  op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R),
	  op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R) },
	/* D9: FLD m32, -, FST m32, FSTP m32, FLDENV, FLDCW m16, FNSTENV, FNSTCW m16 */
	{ op(M, Sz::D4, Acc::R), kUD, op(M, Sz::D4, Acc::W), op(M, Sz::D4, Acc::W),
	  op(M, Sz::X87Env, Acc::R), op(M, Sz::W2, Acc::R), op(M, Sz::X87Env, Acc::W),
	  op(M, Sz::W2, Acc::W) },
	/* DA: FIADD... m32int */
	{ op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R),
	  op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R),
	  op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::R) },
	/* DB: FILD m32, FISTTP m32, FIST m32, FISTP m32, -, FLD m80, -, FSTP m80 */
	{ op(M, Sz::D4, Acc::R), op(M, Sz::D4, Acc::W), op(M, Sz::D4, Acc::W),
	  op(M, Sz::D4, Acc::W), kUD, op(M, Sz::T10, Acc::R), kUD, op(M, Sz::T10, Acc::W) },
	/* DC: FADD... m64fp */
	{ op(M, Sz::Q8, Acc::R), op(M, Sz::Q8, Acc::R), op(M, Sz::Q8, Acc::R),
	  op(M, Sz::Q8, Acc::R), op(M, Sz::Q8, Acc::R), op(M, Sz::Q8, Acc::R),
	  op(M, Sz::Q8, Acc::R), op(M, Sz::Q8, Acc::R) },
	/* DD: FLD m64, FISTTP m64, FST m64, FSTP m64, FRSTOR, -, FNSAVE, FNSTSW m16 */
	{ op(M, Sz::Q8, Acc::R), op(M, Sz::Q8, Acc::W), op(M, Sz::Q8, Acc::W),
	  op(M, Sz::Q8, Acc::W), op(M, Sz::X87State, Acc::R), kUD, op(M, Sz::X87State, Acc::W),
	  op(M, Sz::W2, Acc::W) },
	/* DE: FIADD... m16int */
	{ op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::R),
	  op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::R),
	  op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::R) },
	/* DF: FILD m16, FISTTP m16, FIST m16, FISTP m16, FBLD m80, FILD m64, FBSTP m80, FISTP m64 */
	{ op(M, Sz::W2, Acc::R), op(M, Sz::W2, Acc::W), op(M, Sz::W2, Acc::W),
	  op(M, Sz::W2, Acc::W), op(M, Sz::T10, Acc::R), op(M, Sz::Q8, Acc::R),
	  op(M, Sz::T10, Acc::W), op(M, Sz::Q8, Acc::W) },
};

/* ---------------------------------------------------------------------------------------- */
/* Two-byte map (0F xx). SIMD rows also serve VEX/EVEX map 1.                               */
/* ---------------------------------------------------------------------------------------- */

constexpr uint32_t S = kModRM | kSimd;
constexpr uint32_t L = kLegacyOnly;

constexpr Op kTwoByte[256] = {
	/* 00 Grp6 */ op(M | kGroup | L, Sz::None, Acc::None, Imm::None, kGrp6),
	/* 01 Grp7 */ op(M | kGroup | L, Sz::None, Acc::None, Imm::None, kGrp7),
	/* 02 LAR Gv,Ew */ op(M | L, Sz::W2, Acc::R),
	/* 03 LSL Gv,Ew */ op(M | L, Sz::W2, Acc::R),
	/* 04 */ kUD,
	/* 05 SYSCALL */ op(L),
	/* 06 CLTS */ op(L),
	/* 07 SYSRET */ op(L),
	/* 08 INVD */ op(L),
	/* 09 WBINVD */ op(L),
	/* 0A */ kUD,
	/* 0B UD2: a valid encoding that raises #UD on purpose (BUG()) */ op(L),
	/* 0C */ kUD,
	/* 0D PREFETCH/PREFETCHW (AMD) and reserved NOPs: address only */
	op(M | L, Sz::B1, Acc::Addr),
	/* 0E FEMMS */ op(L),
	/* 0F 3DNow!: ModRM, then the opcode as a trailing byte */
	op(M | L, Sz::Q8, Acc::R, Imm::B),
	/* 10 MOVUPS/MOVUPD/MOVSS/MOVSD load */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 11 MOVUPS/MOVUPD/MOVSS/MOVSD store */ op(S, Sz::PsPdSsSd, Acc::W),
	/* 12 MOVLPS/MOVLPD/MOVDDUP/MOVSLDUP (fixed up) */ op(S | kFixup, Sz::Q8, Acc::R),
	/* 13 MOVLPS/MOVLPD store */ op(S | kMemOnly, Sz::Q8, Acc::W),
	/* 14 UNPCKLPS/PD */ op(S, Sz::VL, Acc::R),
	/* 15 UNPCKHPS/PD */ op(S, Sz::VL, Acc::R),
	/* 16 MOVHPS/MOVHPD/MOVSHDUP (fixed up) */ op(S | kFixup, Sz::Q8, Acc::R),
	/* 17 MOVHPS/MOVHPD store */ op(S | kMemOnly, Sz::Q8, Acc::W),
	/* 18 Grp16 PREFETCHh */ op(M | kGroup | L, Sz::None, Acc::None, Imm::None, kGrp16),
	/* 19-1F reserved NOPs, hints, ENDBR64, NOP Ev: address only */
	op(M | L, Sz::B1, Acc::Addr), op(M | L, Sz::B1, Acc::Addr), op(M | L, Sz::B1, Acc::Addr),
	op(M | L, Sz::B1, Acc::Addr), op(M | L, Sz::B1, Acc::Addr), op(M | L, Sz::B1, Acc::Addr),
	op(M | L, Sz::B1, Acc::Addr),
	/* 20-23 MOV r64,CRn / DRn and back */
	op(M | L | kModAsReg), op(M | L | kModAsReg), op(M | L | kModAsReg), op(M | L | kModAsReg),
	/* 24-27 */ kUD, kUD, kUD, kUD,
	/* 28 MOVAPS/MOVAPD load */ op(S, Sz::VL, Acc::R),
	/* 29 MOVAPS/MOVAPD store */ op(S, Sz::VL, Acc::W),
	/* 2A CVTPI2PS / CVTSI2SS / CVTSI2SD (fixed up) */ op(S | kFixup, Sz::Q8, Acc::R),
	/* 2B MOVNTPS/PD */ op(S | kMemOnly, Sz::VL, Acc::W),
	/* 2C CVTTPS2PI / CVTTSS2SI ... (fixed up) */ op(S | kFixup, Sz::Q8, Acc::R),
	/* 2D CVTPS2PI / CVTSS2SI ... (fixed up) */ op(S | kFixup, Sz::Q8, Acc::R),
	/* 2E UCOMISS/UCOMISD (fixed up) */ op(S | kFixup, Sz::D4, Acc::R),
	/* 2F COMISS/COMISD (fixed up) */ op(S | kFixup, Sz::D4, Acc::R),
	/* 30 WRMSR */ op(L),
	/* 31 RDTSC */ op(L),
	/* 32 RDMSR */ op(L),
	/* 33 RDPMC */ op(L),
	/* 34 SYSENTER */ op(L),
	/* 35 SYSEXIT */ op(L),
	/* 36 */ kUD,
	/* 37 GETSEC */ op(L),
	/* 38 escape */ kUD,
	/* 39 */ kUD,
	/* 3A escape */ kUD,
	/* 3B-3F */ kUD, kUD, kUD, kUD, kUD,
	/* 40-4F CMOVcc Gv,Ev: the source is read whether or not the condition holds */
	op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R),
	op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R),
	op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R),
	op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R), op(M, Sz::V, Acc::R),
	/* 50 MOVMSKPS/PD */ kSimdReg,
	/* 51 SQRT */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 52 RSQRT */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 53 RCP */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 54 AND */ op(S, Sz::VL, Acc::R),
	/* 55 ANDN */ op(S, Sz::VL, Acc::R),
	/* 56 OR */ op(S, Sz::VL, Acc::R),
	/* 57 XOR */ op(S, Sz::VL, Acc::R),
	/* 58 ADD */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 59 MUL */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 5A CVTPS2PD/CVTPD2PS/CVTSS2SD/CVTSD2SS (fixed up) */ op(S | kFixup, Sz::VL, Acc::R),
	/* 5B CVTDQ2PS/CVTPS2DQ/CVTTPS2DQ */ op(S, Sz::VL, Acc::R),
	/* 5C SUB */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 5D MIN */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 5E DIV */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 5F MAX */ op(S, Sz::PsPdSsSd, Acc::R),
	/* 60-62 PUNPCKLBW/WD/DQ: MMX forms read 4 bytes */
	op(S, Sz::MmxD, Acc::R), op(S, Sz::MmxD, Acc::R), op(S, Sz::MmxD, Acc::R),
	/* 63-6B PACKSSWB, PCMPGTB/W/D, PACKUSWB, PUNPCKH*, PACKSSDW */
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	/* 6C PUNPCKLQDQ */ op(S, Sz::VL, Acc::R),
	/* 6D PUNPCKHQDQ */ op(S, Sz::VL, Acc::R),
	/* 6E MOVD/MOVQ mm/xmm, Ey */ op(S, Sz::Y, Acc::R),
	/* 6F MOVQ mm / MOVDQA / MOVDQU load */ op(S, Sz::MmxVL, Acc::R),
	/* 70 PSHUFW/PSHUFD/PSHUFHW/PSHUFLW Ib */ op(S, Sz::MmxVL, Acc::R, Imm::B),
	/* 71-73 Grp12/13/14 shifts by Ib: register only */
	op(kModRM | kSimd | kRegOnly, Sz::None, Acc::None, Imm::B),
	op(kModRM | kSimd | kRegOnly, Sz::None, Acc::None, Imm::B),
	op(kModRM | kSimd | kRegOnly, Sz::None, Acc::None, Imm::B),
	/* 74-76 PCMPEQB/W/D */
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	/* 77 EMMS / VZEROUPPER / VZEROALL: no ModRM */ op(kSimd),
	/* 78 VMREAD Ey,Gy (64-bit in long mode); EVEX: VCVTT*2U* (fixed up) */
	op(M | kFixup | kForce64, Sz::Q8, Acc::W),
	/* 79 VMWRITE Gy,Ey; EVEX: VCVT*2U* (fixed up) */ op(M | kFixup | kForce64, Sz::Q8, Acc::R),
	/* 7A, 7B EVEX conversions only */
	op(S | kEvexOnly | kFixup, Sz::VL, Acc::R), op(S | kEvexOnly | kFixup, Sz::VL, Acc::R),
	/* 7C HADDPD/PS */ op(S, Sz::VL, Acc::R),
	/* 7D HSUBPD/PS */ op(S, Sz::VL, Acc::R),
	/* 7E MOVD/MOVQ Ey,mm/xmm store; F3: MOVQ xmm,m64 load (fixed up) */
	op(S | kFixup, Sz::Y, Acc::W),
	/* 7F MOVQ mm / MOVDQA / MOVDQU store */ op(S, Sz::MmxVL, Acc::W),
	/* 80-8F Jcc rel32 */
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	op(0, Sz::None, Acc::None, Imm::Rel32), op(0, Sz::None, Acc::None, Imm::Rel32),
	/* 90-9F SETcc Eb: the byte is written whatever the condition */
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	op(M | kByteOp, Sz::B1, Acc::W), op(M | kByteOp, Sz::B1, Acc::W),
	/* A0 PUSH FS */ op(kDef64),
	/* A1 POP FS */ op(kDef64),
	/* A2 CPUID */ op(0),
	/* A3 BT Ev,Gv */ op(M | kBitOffset, Sz::V, Acc::R),
	/* A4 SHLD Ev,Gv,Ib */ op(M, Sz::V, Acc::RW, Imm::B),
	/* A5 SHLD Ev,Gv,CL */ op(M, Sz::V, Acc::RW),
	/*
	 * A6, A7: VIA PadLock (REP XSHA1/XSHA256/MONTMUL, XSTORE, REP XCRYPT*): register-form
	 * ModRM only; they read and write memory at rSI/rDI/rBX for rCX blocks, which kmemtrap
	 * does not model: KMT_DECODE_UNSUPPORTED with the length set.
	 */
	op(M | L | kRegOnly | kUnsupported), op(M | L | kRegOnly | kUnsupported),
	/* A8 PUSH GS */ op(kDef64),
	/* A9 POP GS */ op(kDef64),
	/* AA RSM */ op(0),
	/* AB BTS Ev,Gv */ op(M | kBitOffset | kLock, Sz::V, Acc::RW),
	/* AC SHRD Ev,Gv,Ib */ op(M, Sz::V, Acc::RW, Imm::B),
	/* AD SHRD Ev,Gv,CL */ op(M, Sz::V, Acc::RW),
	/* AE Grp15 */ op(M | kGroup, Sz::None, Acc::None, Imm::None, kGrp15),
	/* AF IMUL Gv,Ev */ op(M, Sz::V, Acc::R),
	/* B0 CMPXCHG Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* B1 CMPXCHG Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* B2 LSS Gv,Mp */ op(M | kMemOnly, Sz::FarPtr, Acc::R),
	/* B3 BTR Ev,Gv */ op(M | kBitOffset | kLock, Sz::V, Acc::RW),
	/* B4 LFS Gv,Mp */ op(M | kMemOnly, Sz::FarPtr, Acc::R),
	/* B5 LGS Gv,Mp */ op(M | kMemOnly, Sz::FarPtr, Acc::R),
	/* B6 MOVZX Gv,Eb */ op(M, Sz::B1, Acc::R),
	/* B7 MOVZX Gv,Ew */ op(M, Sz::W2, Acc::R),
	/* B8 POPCNT Gv,Ev (F3; without F3 it is JMPE, #UD: fixed up) */ op(M | kFixup, Sz::V, Acc::R),
	/* B9 UD1 Gv,Ev: raises #UD, never accesses the operand */ op(M, Sz::V, Acc::Addr),
	/* BA Grp8 Ev,Ib */ op(M | kGroup, Sz::None, Acc::None, Imm::B, kGrp8),
	/* BB BTC Ev,Gv */ op(M | kBitOffset | kLock, Sz::V, Acc::RW),
	/* BC BSF / TZCNT */ op(M, Sz::V, Acc::R),
	/* BD BSR / LZCNT */ op(M, Sz::V, Acc::R),
	/* BE MOVSX Gv,Eb */ op(M, Sz::B1, Acc::R),
	/* BF MOVSX Gv,Ew */ op(M, Sz::W2, Acc::R),
	/* C0 XADD Eb,Gb */ op(M | kLock | kByteOp, Sz::B1, Acc::RW),
	/* C1 XADD Ev,Gv */ op(M | kLock, Sz::V, Acc::RW),
	/* C2 CMPPS/PD/SS/SD Ib */ op(S, Sz::PsPdSsSd, Acc::R, Imm::B),
	/* C3 MOVNTI My,Gy */ op(M | kMemOnly | L, Sz::Y, Acc::W),
	/* C4 PINSRW r,r32/m16,Ib */ op(S, Sz::W2, Acc::R, Imm::B),
	/* C5 PEXTRW r32,r,Ib */ op(kModRM | kSimd | kRegOnly, Sz::None, Acc::None, Imm::B),
	/* C6 SHUFPS/PD Ib */ op(S, Sz::VL, Acc::R, Imm::B),
	/* C7 Grp9 */ op(M | kGroup | L, Sz::None, Acc::None, Imm::None, kGrp9),
	/* C8-CF BSWAP */ op(0), op(0), op(0), op(0), op(0), op(0), op(0), op(0),
	/* D0 ADDSUBPD/PS */ op(S, Sz::VL, Acc::R),
	/* D1-D3 PSRLW/D/Q by count */
	op(S, Sz::ShiftCnt, Acc::R), op(S, Sz::ShiftCnt, Acc::R), op(S, Sz::ShiftCnt, Acc::R),
	/* D4 PADDQ */ op(S, Sz::MmxVL, Acc::R),
	/* D5 PMULLW */ op(S, Sz::MmxVL, Acc::R),
	/* D6 MOVQ xmm/m64,xmm (66); MOVQ2DQ/MOVDQ2Q are register only */
	op(S | kFixup, Sz::Q8, Acc::W),
	/* D7 PMOVMSKB */ kSimdReg,
	/* D8-DF */
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	/* E0 PAVGB */ op(S, Sz::MmxVL, Acc::R),
	/* E1, E2 PSRAW/D by count */ op(S, Sz::ShiftCnt, Acc::R), op(S, Sz::ShiftCnt, Acc::R),
	/* E3-E5 */ op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	/* E6 CVTTPD2DQ/CVTDQ2PD/CVTPD2DQ (fixed up) */ op(S | kFixup, Sz::VL, Acc::R),
	/* E7 MOVNTQ / MOVNTDQ */ op(S | kMemOnly, Sz::MmxVL, Acc::W),
	/* E8-EF */
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	/* F0 LDDQU (F2) */ op(S | kMemOnly, Sz::VL, Acc::R),
	/* F1-F3 PSLLW/D/Q by count */
	op(S, Sz::ShiftCnt, Acc::R), op(S, Sz::ShiftCnt, Acc::R), op(S, Sz::ShiftCnt, Acc::R),
	/* F4-F6 PMULUDQ, PMADDWD, PSADBW */
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	/* F7 MASKMOVQ/MASKMOVDQU: register form, masked store to [rDI] (built by the decoder) */
	op(kModRM | kSimd | kRegOnly, Sz::MmxVL, Acc::W),
	/* F8-FE PSUB*, PADD* */
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R), op(S, Sz::MmxVL, Acc::R),
	op(S, Sz::MmxVL, Acc::R),
	/* FF UD0 Gv,Ev: raises #UD */ op(M | L, Sz::V, Acc::Addr),
};

/* ---------------------------------------------------------------------------------------- */
/* Three-byte maps 0F 38 and 0F 3A (and VEX/EVEX maps 2 and 3), built from sparse rows.     */
/* ---------------------------------------------------------------------------------------- */

struct SparseRow {
	uint8_t m_opcode;
	Op m_op;
};

struct Table256 {
	Op m_rows[256];
};

template <size_t N>
constexpr Table256 build_table(const SparseRow (&rows)[N])
{
	Table256 t{};
	for (size_t i = 0; i < 256; i++)
		t.m_rows[i] = kUD;
	for (size_t i = 0; i < N; i++)
		t.m_rows[rows[i].m_opcode] = rows[i].m_op;
	return t;
}

constexpr uint32_t V = kVexOnly;
constexpr uint32_t E = kEvexOnly;

/*
 * Map 0F38. Legacy SSE forms take a 66 prefix (SSSE3 ones also exist without it, on MMX
 * registers); the EVEX-F3 down-converting stores VPMOV* (10-15, 20-25, 30-35) are fixed up.
 */
constexpr SparseRow kMap38Rows[] = {
	{ 0x00, op(S, Sz::MmxVL, Acc::R) }, /* PSHUFB */
	{ 0x01, op(S, Sz::MmxVL, Acc::R) }, /* PHADDW */
	{ 0x02, op(S, Sz::MmxVL, Acc::R) }, /* PHADDD */
	{ 0x03, op(S, Sz::MmxVL, Acc::R) }, /* PHADDSW */
	{ 0x04, op(S, Sz::MmxVL, Acc::R) }, /* PMADDUBSW */
	{ 0x05, op(S, Sz::MmxVL, Acc::R) }, /* PHSUBW */
	{ 0x06, op(S, Sz::MmxVL, Acc::R) }, /* PHSUBD */
	{ 0x07, op(S, Sz::MmxVL, Acc::R) }, /* PHSUBSW */
	{ 0x08, op(S, Sz::MmxVL, Acc::R) }, /* PSIGNB */
	{ 0x09, op(S, Sz::MmxVL, Acc::R) }, /* PSIGNW */
	{ 0x0a, op(S, Sz::MmxVL, Acc::R) }, /* PSIGND */
	{ 0x0b, op(S, Sz::MmxVL, Acc::R) }, /* PMULHRSW */
	{ 0x0c, op(S | V, Sz::VL, Acc::R) }, /* VPERMILPS */
	{ 0x0d, op(S | V, Sz::VL, Acc::R) }, /* VPERMILPD */
	{ 0x0e, op(S | V, Sz::VL, Acc::R) }, /* VTESTPS */
	{ 0x0f, op(S | V, Sz::VL, Acc::R) }, /* VTESTPD */
	{ 0x10, op(S | kFixup, Sz::VL, Acc::R) }, /* PBLENDVB / VPSRLVW / VPMOVUSWB */
	{ 0x11, op(S | kFixup, Sz::VL, Acc::R) }, /* VPSRAVW / VPMOVUSDB */
	{ 0x12, op(S | kFixup, Sz::VL, Acc::R) }, /* VPSLLVW / VPMOVUSQB */
	{ 0x13, op(S | kFixup, Sz::Half, Acc::R) }, /* VCVTPH2PS / VPMOVUSDW */
	{ 0x14, op(S | kFixup, Sz::VL, Acc::R) }, /* BLENDVPS / VPRORV / VPMOVUSQW */
	{ 0x15, op(S | kFixup, Sz::VL, Acc::R) }, /* BLENDVPD / VPROLV / VPMOVUSQD */
	{ 0x16, op(S | V, Sz::VL, Acc::R) }, /* VPERMPS */
	{ 0x17, op(S, Sz::VL, Acc::R) }, /* PTEST */
	{ 0x18, op(S | V, Sz::D4, Acc::R) }, /* VBROADCASTSS */
	{ 0x19, op(S | V, Sz::Q8, Acc::R) }, /* VBROADCASTSD / VBROADCASTF32X2 */
	{ 0x1a, op(S | V | kMemOnly, Sz::O16, Acc::R) }, /* VBROADCASTF128 / F32X4 / F64X2 */
	{ 0x1b, op(S | E | kMemOnly, Sz::Y32, Acc::R) }, /* VBROADCASTF32X8 / F64X4 */
	{ 0x1c, op(S, Sz::MmxVL, Acc::R) }, /* PABSB */
	{ 0x1d, op(S, Sz::MmxVL, Acc::R) }, /* PABSW */
	{ 0x1e, op(S, Sz::MmxVL, Acc::R) }, /* PABSD */
	{ 0x1f, op(S | E, Sz::VL, Acc::R) }, /* VPABSQ */
	{ 0x20, op(S | kFixup, Sz::Half, Acc::R) }, /* PMOVSXBW / VPMOVSWB */
	{ 0x21, op(S | kFixup, Sz::Quarter, Acc::R) }, /* PMOVSXBD / VPMOVSDB */
	{ 0x22, op(S | kFixup, Sz::Eighth, Acc::R) }, /* PMOVSXBQ / VPMOVSQB */
	{ 0x23, op(S | kFixup, Sz::Half, Acc::R) }, /* PMOVSXWD / VPMOVSDW */
	{ 0x24, op(S | kFixup, Sz::Quarter, Acc::R) }, /* PMOVSXWQ / VPMOVSQW */
	{ 0x25, op(S | kFixup, Sz::Half, Acc::R) }, /* PMOVSXDQ / VPMOVSQD */
	{ 0x26, op(S | E, Sz::VL, Acc::R) }, /* VPTESTMB/W, VPTESTNMB/W */
	{ 0x27, op(S | E, Sz::VL, Acc::R) }, /* VPTESTMD/Q, VPTESTNMD/Q */
	{ 0x28, op(S | kFixup, Sz::VL, Acc::R) }, /* PMULDQ / VPMOVM2B/W */
	{ 0x29, op(S | kFixup, Sz::VL, Acc::R) }, /* PCMPEQQ / VPMOVB2M */
	{ 0x2a, op(S | kFixup, Sz::VL, Acc::R) }, /* MOVNTDQA / VPBROADCASTMB2Q */
	{ 0x2b, op(S, Sz::VL, Acc::R) }, /* PACKUSDW */
	{ 0x2c, op(S | V | kFixup, Sz::VL, Acc::R) }, /* VMASKMOVPS load / VSCALEFPS */
	{ 0x2d, op(S | V | kFixup, Sz::VL, Acc::R) }, /* VMASKMOVPD load / VSCALEFSS */
	{ 0x2e, op(S | V | kMemOnly | kCond, Sz::VL, Acc::W) }, /* VMASKMOVPS store */
	{ 0x2f, op(S | V | kMemOnly | kCond, Sz::VL, Acc::W) }, /* VMASKMOVPD store */
	{ 0x30, op(S | kFixup, Sz::Half, Acc::R) }, /* PMOVZXBW / VPMOVWB */
	{ 0x31, op(S | kFixup, Sz::Quarter, Acc::R) }, /* PMOVZXBD / VPMOVDB */
	{ 0x32, op(S | kFixup, Sz::Eighth, Acc::R) }, /* PMOVZXBQ / VPMOVQB */
	{ 0x33, op(S | kFixup, Sz::Half, Acc::R) }, /* PMOVZXWD / VPMOVDW */
	{ 0x34, op(S | kFixup, Sz::Quarter, Acc::R) }, /* PMOVZXWQ / VPMOVQW */
	{ 0x35, op(S | kFixup, Sz::Half, Acc::R) }, /* PMOVZXDQ / VPMOVQD */
	{ 0x36, op(S | V, Sz::VL, Acc::R) }, /* VPERMD */
	{ 0x37, op(S, Sz::VL, Acc::R) }, /* PCMPGTQ */
	{ 0x38, op(S | kFixup, Sz::VL, Acc::R) }, /* PMINSB / VPMOVM2D/Q */
	{ 0x39, op(S | kFixup, Sz::VL, Acc::R) }, /* PMINSD / VPMOVD2M */
	{ 0x3a, op(S | kFixup, Sz::VL, Acc::R) }, /* PMINUW / VPBROADCASTMW2D */
	{ 0x3b, op(S, Sz::VL, Acc::R) }, /* PMINUD */
	{ 0x3c, op(S, Sz::VL, Acc::R) }, /* PMAXSB */
	{ 0x3d, op(S, Sz::VL, Acc::R) }, /* PMAXSD */
	{ 0x3e, op(S, Sz::VL, Acc::R) }, /* PMAXUW */
	{ 0x3f, op(S, Sz::VL, Acc::R) }, /* PMAXUD */
	{ 0x40, op(S, Sz::VL, Acc::R) }, /* PMULLD */
	{ 0x41, op(S, Sz::VL, Acc::R) }, /* PHMINPOSUW */
	{ 0x42, op(S | E, Sz::VL, Acc::R) }, /* VGETEXPPS/PD */
	{ 0x43, op(S | E, Sz::ScalarW, Acc::R) }, /* VGETEXPSS/SD */
	{ 0x44, op(S | E, Sz::VL, Acc::R) }, /* VPLZCNTD/Q */
	{ 0x45, op(S | V, Sz::VL, Acc::R) }, /* VPSRLVD/Q */
	{ 0x46, op(S | V, Sz::VL, Acc::R) }, /* VPSRAVD/Q */
	{ 0x47, op(S | V, Sz::VL, Acc::R) }, /* VPSLLVD/Q */
	{ 0x4c, op(S | E, Sz::VL, Acc::R) }, /* VRCP14PS/PD */
	{ 0x4d, op(S | E, Sz::ScalarW, Acc::R) }, /* VRCP14SS/SD */
	{ 0x4e, op(S | E, Sz::VL, Acc::R) }, /* VRSQRT14PS/PD */
	{ 0x4f, op(S | E, Sz::ScalarW, Acc::R) }, /* VRSQRT14SS/SD */
	{ 0x50, op(S | V, Sz::VL, Acc::R) }, /* VPDPBUSD */
	{ 0x51, op(S | V, Sz::VL, Acc::R) }, /* VPDPBUSDS */
	{ 0x52, op(S | V, Sz::VL, Acc::R) }, /* VPDPWSSD */
	{ 0x53, op(S | V, Sz::VL, Acc::R) }, /* VPDPWSSDS */
	{ 0x54, op(S | E, Sz::VL, Acc::R) }, /* VPOPCNTB/W */
	{ 0x55, op(S | E, Sz::VL, Acc::R) }, /* VPOPCNTD/Q */
	{ 0x58, op(S | V, Sz::D4, Acc::R) }, /* VPBROADCASTD */
	{ 0x59, op(S | V, Sz::Q8, Acc::R) }, /* VPBROADCASTQ / VBROADCASTI32X2 */
	{ 0x5a, op(S | V | kMemOnly, Sz::O16, Acc::R) }, /* VBROADCASTI128 / I32X4 / I64X2 */
	{ 0x5b, op(S | E | kMemOnly, Sz::Y32, Acc::R) }, /* VBROADCASTI32X8 / I64X4 */
	{ 0x62, op(S | E | kDisp8Elem | kCond, Sz::VL, Acc::R) }, /* VPEXPANDB/W */
	{ 0x63, op(S | E | kDisp8Elem | kCond, Sz::VL, Acc::W) }, /* VPCOMPRESSB/W */
	{ 0x64, op(S | E, Sz::VL, Acc::R) }, /* VPBLENDMD/Q */
	{ 0x65, op(S | E, Sz::VL, Acc::R) }, /* VBLENDMPS/PD */
	{ 0x66, op(S | E, Sz::VL, Acc::R) }, /* VPBLENDMB/W */
	{ 0x70, op(S | E, Sz::VL, Acc::R) }, /* VPSHLDVW */
	{ 0x71, op(S | E, Sz::VL, Acc::R) }, /* VPSHLDVD/Q */
	{ 0x72, op(S | E, Sz::VL, Acc::R) }, /* VPSHRDVW / BF16 conversions */
	{ 0x73, op(S | E, Sz::VL, Acc::R) }, /* VPSHRDVD/Q */
	{ 0x75, op(S | E, Sz::VL, Acc::R) }, /* VPERMI2B/W */
	{ 0x76, op(S | E, Sz::VL, Acc::R) }, /* VPERMI2D/Q */
	{ 0x77, op(S | E, Sz::VL, Acc::R) }, /* VPERMI2PS/PD */
	{ 0x78, op(S | V, Sz::B1, Acc::R) }, /* VPBROADCASTB */
	{ 0x79, op(S | V, Sz::W2, Acc::R) }, /* VPBROADCASTW */
	{ 0x7a, op(S | E | kRegOnly) }, /* VPBROADCASTB r32 */
	{ 0x7b, op(S | E | kRegOnly) }, /* VPBROADCASTW r32 */
	{ 0x7c, op(S | E | kRegOnly) }, /* VPBROADCASTD/Q r */
	{ 0x7d, op(S | E, Sz::VL, Acc::R) }, /* VPERMT2B/W */
	{ 0x7e, op(S | E, Sz::VL, Acc::R) }, /* VPERMT2D/Q */
	{ 0x7f, op(S | E, Sz::VL, Acc::R) }, /* VPERMT2PS/PD */
	{ 0x80, op(M | L | kMemOnly | kForce64, Sz::O16, Acc::R) }, /* INVEPT */
	{ 0x81, op(M | L | kMemOnly | kForce64, Sz::O16, Acc::R) }, /* INVVPID */
	{ 0x82, op(M | L | kMemOnly | kForce64, Sz::O16, Acc::R) }, /* INVPCID */
	{ 0x83, op(S | E, Sz::VL, Acc::R) }, /* VPMULTISHIFTQB */
	{ 0x88, op(S | E | kDisp8Elem | kCond, Sz::VL, Acc::R) }, /* VEXPANDPS/PD */
	{ 0x89, op(S | E | kDisp8Elem | kCond, Sz::VL, Acc::R) }, /* VPEXPANDD/Q */
	{ 0x8a, op(S | E | kDisp8Elem | kCond, Sz::VL, Acc::W) }, /* VCOMPRESSPS/PD */
	{ 0x8b, op(S | E | kDisp8Elem | kCond, Sz::VL, Acc::W) }, /* VPCOMPRESSD/Q */
	{ 0x8c, op(S | V | kMemOnly | kCond, Sz::VL, Acc::R) }, /* VPMASKMOVD/Q load */
	{ 0x8d, op(S | E, Sz::VL, Acc::R) }, /* VPERMB/W */
	{ 0x8e, op(S | V | kMemOnly | kCond, Sz::VL, Acc::W) }, /* VPMASKMOVD/Q store */
	{ 0x8f, op(S | E, Sz::VL, Acc::R) }, /* VPSHUFBITQMB */
	{ 0x90, op(S | V | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::R) }, /* VPGATHERDD/DQ */
	{ 0x91, op(S | V | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::R) }, /* VPGATHERQD/QQ */
	{ 0x92, op(S | V | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::R) }, /* VGATHERDPS/PD */
	{ 0x93, op(S | V | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::R) }, /* VGATHERQPS/PD */
	{ 0x96, op(S | V, Sz::VL, Acc::R) }, /* VFMADDSUB132 */
	{ 0x97, op(S | V, Sz::VL, Acc::R) }, /* VFMSUBADD132 */
	{ 0x98, op(S | V, Sz::VL, Acc::R) }, /* VFMADD132PS/PD */
	{ 0x99, op(S | V, Sz::ScalarW, Acc::R) }, /* VFMADD132SS/SD */
	{ 0x9a, op(S | V, Sz::VL, Acc::R) }, /* VFMSUB132PS/PD */
	{ 0x9b, op(S | V, Sz::ScalarW, Acc::R) }, /* VFMSUB132SS/SD */
	{ 0x9c, op(S | V, Sz::VL, Acc::R) }, /* VFNMADD132PS/PD */
	{ 0x9d, op(S | V, Sz::ScalarW, Acc::R) }, /* VFNMADD132SS/SD */
	{ 0x9e, op(S | V, Sz::VL, Acc::R) }, /* VFNMSUB132PS/PD */
	{ 0x9f, op(S | V, Sz::ScalarW, Acc::R) }, /* VFNMSUB132SS/SD */
	{ 0xa0, op(S | E | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::W) }, /* VPSCATTERDD/DQ */
	{ 0xa1, op(S | E | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::W) }, /* VPSCATTERQD/QQ */
	{ 0xa2, op(S | E | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::W) }, /* VSCATTERDPS/PD */
	{ 0xa3, op(S | E | kMemOnly | kVsib | kCond, Sz::ScalarW, Acc::W) }, /* VSCATTERQPS/PD */
	{ 0xa6, op(S | V, Sz::VL, Acc::R) }, /* VFMADDSUB213 */
	{ 0xa7, op(S | V, Sz::VL, Acc::R) }, /* VFMSUBADD213 */
	{ 0xa8, op(S | V, Sz::VL, Acc::R) }, /* VFMADD213PS/PD */
	{ 0xa9, op(S | V, Sz::ScalarW, Acc::R) }, /* VFMADD213SS/SD */
	{ 0xaa, op(S | V, Sz::VL, Acc::R) }, /* VFMSUB213PS/PD */
	{ 0xab, op(S | V, Sz::ScalarW, Acc::R) }, /* VFMSUB213SS/SD */
	{ 0xac, op(S | V, Sz::VL, Acc::R) }, /* VFNMADD213PS/PD */
	{ 0xad, op(S | V, Sz::ScalarW, Acc::R) }, /* VFNMADD213SS/SD */
	{ 0xae, op(S | V, Sz::VL, Acc::R) }, /* VFNMSUB213PS/PD */
	{ 0xaf, op(S | V, Sz::ScalarW, Acc::R) }, /* VFNMSUB213SS/SD */
	{ 0xb4, op(S | V, Sz::VL, Acc::R) }, /* VPMADD52LUQ */
	{ 0xb5, op(S | V, Sz::VL, Acc::R) }, /* VPMADD52HUQ */
	{ 0xb6, op(S | V, Sz::VL, Acc::R) }, /* VFMADDSUB231 */
	{ 0xb7, op(S | V, Sz::VL, Acc::R) }, /* VFMSUBADD231 */
	{ 0xb8, op(S | V, Sz::VL, Acc::R) }, /* VFMADD231PS/PD */
	{ 0xb9, op(S | V, Sz::ScalarW, Acc::R) }, /* VFMADD231SS/SD */
	{ 0xba, op(S | V, Sz::VL, Acc::R) }, /* VFMSUB231PS/PD */
	{ 0xbb, op(S | V, Sz::ScalarW, Acc::R) }, /* VFMSUB231SS/SD */
	{ 0xbc, op(S | V, Sz::VL, Acc::R) }, /* VFNMADD231PS/PD */
	{ 0xbd, op(S | V, Sz::ScalarW, Acc::R) }, /* VFNMADD231SS/SD */
	{ 0xbe, op(S | V, Sz::VL, Acc::R) }, /* VFNMSUB231PS/PD */
	{ 0xbf, op(S | V, Sz::ScalarW, Acc::R) }, /* VFNMSUB231SS/SD */
	{ 0xc4, op(S | E, Sz::VL, Acc::R) }, /* VPCONFLICTD/Q */
	{ 0xc6, op(S | E | kMemOnly | kVsib, Sz::ScalarW, Acc::Addr) }, /* gather/scatter prefetch */
	{ 0xc7, op(S | E | kMemOnly | kVsib, Sz::ScalarW, Acc::Addr) }, /* gather/scatter prefetch */
	{ 0xc8, op(S, Sz::O16, Acc::R) }, /* SHA1NEXTE / VEXP2PS */
	{ 0xc9, op(S, Sz::O16, Acc::R) }, /* SHA1MSG1 */
	{ 0xca, op(S, Sz::O16, Acc::R) }, /* SHA1MSG2 / VRCP28PS */
	{ 0xcb, op(S, Sz::O16, Acc::R) }, /* SHA256RNDS2 / VRCP28SS */
	{ 0xcc, op(S, Sz::O16, Acc::R) }, /* SHA256MSG1 / VRSQRT28PS */
	{ 0xcd, op(S, Sz::O16, Acc::R) }, /* SHA256MSG2 / VRSQRT28SS */
	{ 0xcf, op(S, Sz::VL, Acc::R) }, /* GF2P8MULB */
	{ 0xdb, op(S, Sz::O16, Acc::R) }, /* AESIMC */
	{ 0xdc, op(S, Sz::VL, Acc::R) }, /* AESENC */
	{ 0xdd, op(S, Sz::VL, Acc::R) }, /* AESENCLAST */
	{ 0xde, op(S, Sz::VL, Acc::R) }, /* AESDEC */
	{ 0xdf, op(S, Sz::VL, Acc::R) }, /* AESDECLAST */
	{ 0xf0, op(M | kFixup, Sz::V, Acc::R) }, /* MOVBE Gv,Mv / CRC32 Gd,Eb */
	{ 0xf1, op(M | kFixup, Sz::V, Acc::W) }, /* MOVBE Mv,Gv / CRC32 Gd,Ev */
	{ 0xf2, op(M | kFixup, Sz::Y, Acc::R) }, /* VEX ANDN */
	{ 0xf3, op(M | kFixup, Sz::Y, Acc::R) }, /* VEX Grp17 BLSR/BLSMSK/BLSI */
	{ 0xf5, op(M | kFixup, Sz::Y, Acc::R) }, /* VEX BZHI/PEXT/PDEP; WRUSS */
	{ 0xf6, op(M | kFixup, Sz::Y, Acc::R) }, /* ADCX/ADOX; WRSS; VEX MULX */
	{ 0xf7, op(M | kFixup, Sz::Y, Acc::R) }, /* VEX BEXTR/SHLX/SARX/SHRX */
	{ 0xf8, op(M | kFixup | kMemOnly, Sz::M64B, Acc::R) }, /* MOVDIR64B / ENQCMD(S) */
	{ 0xf9, op(M | kMemOnly | L, Sz::Y, Acc::W) }, /* MOVDIRI */
};

/* Map 0F3A: every instruction has an 8-bit immediate. */
constexpr uint32_t SI = kModRM | kSimd;
constexpr SparseRow kMap3ARows[] = {
	{ 0x00, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPERMQ */
	{ 0x01, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPERMPD */
	{ 0x02, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPBLENDD */
	{ 0x03, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VALIGND/Q */
	{ 0x04, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPERMILPS */
	{ 0x05, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPERMILPD */
	{ 0x06, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPERM2F128 */
	{ 0x08, op(SI, Sz::VL, Acc::R, Imm::B) }, /* ROUNDPS / VRNDSCALEPS */
	{ 0x09, op(SI, Sz::VL, Acc::R, Imm::B) }, /* ROUNDPD / VRNDSCALEPD */
	{ 0x0a, op(SI, Sz::D4, Acc::R, Imm::B) }, /* ROUNDSS / VRNDSCALESS */
	{ 0x0b, op(SI, Sz::Q8, Acc::R, Imm::B) }, /* ROUNDSD / VRNDSCALESD */
	{ 0x0c, op(SI, Sz::VL, Acc::R, Imm::B) }, /* BLENDPS */
	{ 0x0d, op(SI, Sz::VL, Acc::R, Imm::B) }, /* BLENDPD */
	{ 0x0e, op(SI, Sz::VL, Acc::R, Imm::B) }, /* PBLENDW */
	{ 0x0f, op(SI, Sz::MmxVL, Acc::R, Imm::B) }, /* PALIGNR */
	{ 0x14, op(SI, Sz::B1, Acc::W, Imm::B) }, /* PEXTRB r/m8 */
	{ 0x15, op(SI, Sz::W2, Acc::W, Imm::B) }, /* PEXTRW r/m16 */
	{ 0x16, op(SI, Sz::Y, Acc::W, Imm::B) }, /* PEXTRD/Q */
	{ 0x17, op(SI, Sz::D4, Acc::W, Imm::B) }, /* EXTRACTPS */
	{ 0x18, op(SI | V, Sz::O16, Acc::R, Imm::B) }, /* VINSERTF128 / F32X4 / F64X2 */
	{ 0x19, op(SI | V, Sz::O16, Acc::W, Imm::B) }, /* VEXTRACTF128 / F32X4 / F64X2 */
	{ 0x1a, op(SI | E, Sz::Y32, Acc::R, Imm::B) }, /* VINSERTF32X8 / F64X4 */
	{ 0x1b, op(SI | E, Sz::Y32, Acc::W, Imm::B) }, /* VEXTRACTF32X8 / F64X4 */
	{ 0x1d, op(SI | V, Sz::Half, Acc::W, Imm::B) }, /* VCVTPS2PH */
	{ 0x1e, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPCMPUD/Q */
	{ 0x1f, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPCMPD/Q */
	{ 0x20, op(SI, Sz::B1, Acc::R, Imm::B) }, /* PINSRB */
	{ 0x21, op(SI, Sz::D4, Acc::R, Imm::B) }, /* INSERTPS */
	{ 0x22, op(SI, Sz::Y, Acc::R, Imm::B) }, /* PINSRD/Q */
	{ 0x23, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VSHUFF32X4/64X2 */
	{ 0x25, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPTERNLOGD/Q */
	{ 0x26, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VGETMANTPS/PD */
	{ 0x27, op(SI | E, Sz::ScalarW, Acc::R, Imm::B) }, /* VGETMANTSS/SD */
	{ 0x30, op(SI | V | kRegOnly, Sz::None, Acc::None, Imm::B) }, /* KSHIFTRB/W */
	{ 0x31, op(SI | V | kRegOnly, Sz::None, Acc::None, Imm::B) }, /* KSHIFTRD/Q */
	{ 0x32, op(SI | V | kRegOnly, Sz::None, Acc::None, Imm::B) }, /* KSHIFTLB/W */
	{ 0x33, op(SI | V | kRegOnly, Sz::None, Acc::None, Imm::B) }, /* KSHIFTLD/Q */
	{ 0x38, op(SI | V, Sz::O16, Acc::R, Imm::B) }, /* VINSERTI128 / I32X4 / I64X2 */
	{ 0x39, op(SI | V, Sz::O16, Acc::W, Imm::B) }, /* VEXTRACTI128 / I32X4 / I64X2 */
	{ 0x3a, op(SI | E, Sz::Y32, Acc::R, Imm::B) }, /* VINSERTI32X8 / I64X4 */
	{ 0x3b, op(SI | E, Sz::Y32, Acc::W, Imm::B) }, /* VEXTRACTI32X8 / I64X4 */
	{ 0x3e, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPCMPUB/W */
	{ 0x3f, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPCMPB/W */
	{ 0x40, op(SI, Sz::VL, Acc::R, Imm::B) }, /* DPPS */
	{ 0x41, op(SI, Sz::VL, Acc::R, Imm::B) }, /* DPPD */
	{ 0x42, op(SI, Sz::VL, Acc::R, Imm::B) }, /* MPSADBW / VDBPSADBW */
	{ 0x43, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VSHUFI32X4/64X2 */
	{ 0x44, op(SI, Sz::VL, Acc::R, Imm::B) }, /* PCLMULQDQ */
	{ 0x46, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPERM2I128 */
	{ 0x4a, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VBLENDVPS */
	{ 0x4b, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VBLENDVPD */
	{ 0x4c, op(SI | V, Sz::VL, Acc::R, Imm::B) }, /* VPBLENDVB */
	{ 0x50, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VRANGEPS/PD */
	{ 0x51, op(SI | E, Sz::ScalarW, Acc::R, Imm::B) }, /* VRANGESS/SD */
	{ 0x54, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VFIXUPIMMPS/PD */
	{ 0x55, op(SI | E, Sz::ScalarW, Acc::R, Imm::B) }, /* VFIXUPIMMSS/SD */
	{ 0x56, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VREDUCEPS/PD */
	{ 0x57, op(SI | E, Sz::ScalarW, Acc::R, Imm::B) }, /* VREDUCESS/SD */
	{ 0x60, op(SI, Sz::O16, Acc::R, Imm::B) }, /* PCMPESTRM */
	{ 0x61, op(SI, Sz::O16, Acc::R, Imm::B) }, /* PCMPESTRI */
	{ 0x62, op(SI, Sz::O16, Acc::R, Imm::B) }, /* PCMPISTRM */
	{ 0x63, op(SI, Sz::O16, Acc::R, Imm::B) }, /* PCMPISTRI */
	{ 0x66, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VFPCLASSPS/PD */
	{ 0x67, op(SI | E, Sz::ScalarW, Acc::R, Imm::B) }, /* VFPCLASSSS/SD */
	{ 0x70, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPSHLDW */
	{ 0x71, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPSHLDD/Q */
	{ 0x72, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPSHRDW */
	{ 0x73, op(SI | E, Sz::VL, Acc::R, Imm::B) }, /* VPSHRDD/Q */
	{ 0xcc, op(SI | L, Sz::O16, Acc::R, Imm::B) }, /* SHA1RNDS4 */
	{ 0xce, op(SI, Sz::VL, Acc::R, Imm::B) }, /* GF2P8AFFINEQB */
	{ 0xcf, op(SI, Sz::VL, Acc::R, Imm::B) }, /* GF2P8AFFINEINVQB */
	{ 0xdf, op(SI, Sz::O16, Acc::R, Imm::B) }, /* AESKEYGENASSIST */
	{ 0xf0, op(M | V, Sz::Y, Acc::R, Imm::B) }, /* RORX */
};

constexpr Table256 kMap38 = build_table(kMap38Rows);
constexpr Table256 kMap3A = build_table(kMap3ARows);

/* ---------------------------------------------------------------------------------------- */
/* Fix rows: opcodes whose row depends on the mandatory prefix, W, the encoding or mod.     */
/* ---------------------------------------------------------------------------------------- */

/*
 * An opcode row flagged kFixup is refined by the fix rows of its (map, opcode), in the style
 * of bddisasm's instruction rows: each row says under which mandatory prefix, encoding, mod,
 * W, ModRM.reg and operand size it applies, and what it does to the opcode row. The first row
 * that matches wins; the last row of every opcode matches everything (checked at compile
 * time below), so the outcome of every combination is written down here.
 */

/* Mandatory prefix sets (the last F2/F3, else 66: kmt_decode.cpp's Pfx, or VEX/EVEX.pp). */
enum PfxSet : uint8_t {
	kPfxSetNone = 1u << 0,
	kPfxSet66 = 1u << 1,
	kPfxSetF3 = 1u << 2,
	kPfxSetF2 = 1u << 3,
	kPfxSetAny = 0x0f,
};

/* Encoding sets. */
enum EncSet : uint8_t {
	kEncLegacy = 1u << 0,
	kEncVex = 1u << 1,
	kEncEvex = 1u << 2,
	kEncAny = 0x07,
};

/* ModRM.mod sets: register (mod == 3) or memory. */
enum ModSet : uint8_t {
	kModReg = 1u << 0,
	kModMem = 1u << 1,
	kModAny = 0x03,
};

/* Operand size sets (operand_size() in kmt_decode.cpp). */
enum OszSet : uint8_t {
	kOsz16 = 1u << 0,
	kOsz32 = 1u << 1,
	kOsz64 = 1u << 2,
	kOszAny = 0x07,
};

/*
 * What is known about the instruction being decoded, each fact as one set bit, so that a row
 * matches when every one of its sets contains the fact.
 */
struct Key {
	uint8_t m_pfx; /* PfxSet bit */
	uint8_t m_enc; /* EncSet bit */
	uint8_t m_mod; /* ModSet bit */
	uint8_t m_w;   /* bit 0: W = 0, bit 1: W = 1 */
	uint8_t m_reg; /* 1 << ModRM.reg */
	uint8_t m_rm;  /* 1 << ModRM.rm */
	uint8_t m_osz; /* OszSet bit */
	uint8_t m_b;   /* bit 0: REX.B = 0, bit 1: REX.B = 1 */
};

/* The opcodes a row is for and the conditions under which it applies. */
struct When {
	uint8_t m_map;    /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
	uint8_t m_opcode; /* first opcode */
	uint8_t m_last;   /* last opcode (a range, for semantic rows) */
	uint8_t m_pfx;    /* PfxSet */
	uint8_t m_enc;    /* EncSet */
	uint8_t m_mod;    /* ModSet */
	uint8_t m_w;      /* W values */
	uint8_t m_reg;    /* ModRM.reg values */
	uint8_t m_rm;     /* ModRM.rm values */
	uint8_t m_osz;    /* OszSet */
	uint8_t m_b;      /* REX.B values */

	constexpr bool covers(unsigned map, unsigned opcode) const
	{
		return m_map == map && opcode >= m_opcode && opcode <= m_last;
	}
	constexpr bool matches(const Key &k) const
	{
		return (m_pfx & k.m_pfx) && (m_enc & k.m_enc) && (m_mod & k.m_mod) && (m_w & k.m_w) &&
		       (m_reg & k.m_reg) && (m_rm & k.m_rm) && (m_osz & k.m_osz) && (m_b & k.m_b);
	}
	/* True when the row has no condition at all. */
	constexpr bool always() const
	{
		return m_pfx == kPfxSetAny && m_enc == kEncAny && m_mod == kModAny && m_w == 3 &&
		       m_reg == 0xff && m_rm == 0xff && m_osz == kOszAny && m_b == 3;
	}
};

constexpr When when(uint8_t map, uint8_t opcode, uint8_t last, uint8_t enc)
{
	return When{ map, opcode, last, kPfxSetAny, enc, kModAny, 3, 0xff, 0xff, kOszAny, 3 };
}

/*
 * Narrowing builders shared by the row types (each has a When m_when), so that a row reads as
 * "on(map, opcode).pfx(...).mod(...)" followed by what it does.
 */
template <class Row>
struct Narrow {
	constexpr Row pfx(uint8_t set) const { Row r = self(); r.m_when.m_pfx = set; return r; }
	constexpr Row enc(uint8_t set) const { Row r = self(); r.m_when.m_enc = set; return r; }
	constexpr Row mod(uint8_t set) const { Row r = self(); r.m_when.m_mod = set; return r; }
	constexpr Row w(unsigned v) const { Row r = self(); r.m_when.m_w = v ? 2 : 1; return r; }
	constexpr Row reg(uint8_t mask) const { Row r = self(); r.m_when.m_reg = mask; return r; }
	constexpr Row rm(uint8_t mask) const { Row r = self(); r.m_when.m_rm = mask; return r; }
	constexpr Row osz(uint8_t set) const { Row r = self(); r.m_when.m_osz = set; return r; }
	constexpr Row b(unsigned v) const { Row r = self(); r.m_when.m_b = v ? 2 : 1; return r; }

private:
	constexpr const Row &self() const { return static_cast<const Row &>(*this); }
};

/* What a matching fix row does to the opcode row. */
enum class Fix : uint8_t {
	Keep,   /* the opcode row stands as it is */
	Ud,     /* #UD: KMT_DECODE_INVALID */
	Row,    /* the opcode row is replaced by m_op */
	Size,   /* only the size rule changes, to m_op.m_size */
	Access, /* only the access changes, to m_op.m_access */
	Imm,    /* only the immediate changes, to m_op.m_imm */
	Flags,  /* m_op.m_flags are added to the row's flags (kCond, kTwoOps) */
};

struct FixRow : Narrow<FixRow> {
	When m_when;
	Fix m_fix;
	Op m_op;

	constexpr FixRow keep() const { return then(Fix::Keep, kNone); }
	constexpr FixRow ud() const { return then(Fix::Ud, kNone); }
	constexpr FixRow row(Op o) const { return then(Fix::Row, o); }
	constexpr FixRow size(Sz s) const { return then(Fix::Size, op(0, s)); }
	constexpr FixRow access(Acc a) const { return then(Fix::Access, op(0, Sz::None, a)); }
	constexpr FixRow imm(Imm i) const { return then(Fix::Imm, op(0, Sz::None, Acc::None, i)); }
	constexpr FixRow add(uint32_t flags) const { return then(Fix::Flags, op(flags)); }
	constexpr FixRow then(Fix f, Op o) const { FixRow r = *this; r.m_fix = f; r.m_op = o; return r; }
};

/* A fix row for (map, opcode), any encoding, that matches everything until narrowed. */
constexpr FixRow on(uint8_t map, uint8_t opcode)
{
	return FixRow{ {}, when(map, opcode, opcode, kEncAny), Fix::Keep, kNone };
}

/* ModRM.reg / ModRM.rm masks. */
constexpr uint8_t rg(unsigned r) { return static_cast<uint8_t>(1u << r); }

/* Short names for the sets. */
constexpr uint8_t PN = kPfxSetNone, P66 = kPfxSet66, PF3 = kPfxSetF3, PF2 = kPfxSetF2;
constexpr uint8_t EL = kEncLegacy, EV = kEncVex, EE = kEncEvex;
constexpr uint8_t MR = kModReg, MM = kModMem;

/* EVEX VPMOV* down-converting stores (0F38 10-15, 20-25, 30-35 with EVEX and F3). */
constexpr FixRow vpmov_down(uint8_t opcode, Sz size)
{
	return on(2, opcode).enc(EE).pfx(PF3).row(op(M | kSimd, size, Acc::W));
}

constexpr FixRow kFixRows[] = {
	/* 63 MOVSXD: r16, r/m16 reads 2 bytes (66 without REX.W); every other form reads 4. */
	on(0, 0x63).osz(kOsz16).size(Sz::W2),
	on(0, 0x63).keep(),

	/* 0F 01 /5 memory: F3 RSTORSSP m64; the other memory forms do not exist. */
	on(1, 0x01).mod(MR).keep(),
	on(1, 0x01).pfx(PF3).row(op(M, Sz::Q8, Acc::RW)),
	on(1, 0x01).ud(),
	/* 0F 12: MOVLPS/MOVLPD m64; F3 MOVSLDUP (full vector); F2 MOVDDUP (m64 for xmm). */
	on(1, 0x12).pfx(PF3).size(Sz::VL),
	on(1, 0x12).pfx(PF2).size(Sz::DupQ),
	on(1, 0x12).size(Sz::Q8),
	/* 0F 16: MOVHPS/MOVHPD m64; F3 MOVSHDUP (full vector). */
	on(1, 0x16).pfx(PF3).size(Sz::VL),
	on(1, 0x16).size(Sz::Q8),
	/* 0F 2A: CVTPI2PS/PD mm/m64; CVTSI2SS/SD r/m32/64. */
	on(1, 0x2a).pfx(PF3 | PF2).size(Sz::Y),
	on(1, 0x2a).size(Sz::Q8),
	/* 0F 2C/2D: CVT(T)PS2PI m64, CVT(T)PD2PI m128, CVT(T)SS2SI m32, CVT(T)SD2SI m64. */
	on(1, 0x2c).pfx(P66).size(Sz::O16),
	on(1, 0x2c).pfx(PF3).size(Sz::D4),
	on(1, 0x2c).size(Sz::Q8),
	on(1, 0x2d).pfx(P66).size(Sz::O16),
	on(1, 0x2d).pfx(PF3).size(Sz::D4),
	on(1, 0x2d).size(Sz::Q8),
	/* 0F 2E/2F: (U)COMISD m64 (66), (U)COMISS m32. */
	on(1, 0x2e).pfx(P66).size(Sz::Q8),
	on(1, 0x2e).size(Sz::D4),
	on(1, 0x2f).pfx(P66).size(Sz::Q8),
	on(1, 0x2f).size(Sz::D4),
	/* 0F 5A: CVTPS2PD (half), CVTPD2PS (full), CVTSS2SD m32, CVTSD2SS m64. */
	on(1, 0x5a).pfx(PN).size(Sz::Half),
	on(1, 0x5a).pfx(P66).size(Sz::VL),
	on(1, 0x5a).pfx(PF3).size(Sz::D4),
	on(1, 0x5a).size(Sz::Q8),
	/*
	 * 0F 78/79: VMREAD/VMWRITE without prefix; with 66/F2 AMD's EXTRQ/INSERTQ (register only:
	 * 78 takes Ib, Ib). EVEX: VCVT(T)PS/PD2UDQ/UQQ, VCVT(T)SS/SD2USI.
	 */
	on(1, 0x78).enc(EL).pfx(PN).keep(),
	on(1, 0x78).enc(EL).mod(MM).ud(),
	on(1, 0x78).enc(EL).imm(Imm::W),
	on(1, 0x78).pfx(PF3).row(op(M, Sz::D4, Acc::R)),
	on(1, 0x78).pfx(PF2).row(op(M, Sz::Q8, Acc::R)),
	on(1, 0x78).pfx(P66).w(0).row(op(M, Sz::Half, Acc::R)),
	on(1, 0x78).row(op(M, Sz::VL, Acc::R)),
	on(1, 0x79).enc(EL).pfx(PN).keep(),
	on(1, 0x79).enc(EL).mod(MM).ud(),
	on(1, 0x79).enc(EL).imm(Imm::None),
	on(1, 0x79).pfx(PF3).row(op(M, Sz::D4, Acc::R)),
	on(1, 0x79).pfx(PF2).row(op(M, Sz::Q8, Acc::R)),
	on(1, 0x79).pfx(P66).w(0).row(op(M, Sz::Half, Acc::R)),
	on(1, 0x79).row(op(M, Sz::VL, Acc::R)),
	/* 0F 7A (EVEX only): VCVTT*2QQ, VCVTUDQ/UQQ2PD/PS. */
	on(1, 0x7a).pfx(PN).ud(),
	on(1, 0x7a).pfx(P66 | PF3).w(0).size(Sz::Half),
	on(1, 0x7a).size(Sz::VL),
	/* 0F 7B (EVEX only): VCVT*2QQ (66), VCVTUSI2SS/SD (F3/F2). */
	on(1, 0x7b).pfx(PN).ud(),
	on(1, 0x7b).pfx(P66).w(0).size(Sz::Half),
	on(1, 0x7b).pfx(P66).size(Sz::VL),
	on(1, 0x7b).size(Sz::Y),
	/* 0F 7E: MOVD/MOVQ r/m, mm/xmm store; F3: MOVQ xmm, xmm/m64 load. */
	on(1, 0x7e).pfx(PF3).row(op(M | kSimd, Sz::Q8, Acc::R)),
	on(1, 0x7e).pfx(PF2).ud(),
	on(1, 0x7e).keep(),
	/* 0F AE VEX: VLDMXCSR (/2) reads and VSTMXCSR (/3) writes 4 bytes; nothing else exists. */
	on(1, 0xae).enc(EV | EE).mod(MM).reg(rg(2)).access(Acc::R),
	on(1, 0xae).enc(EV | EE).mod(MM).reg(rg(3)).access(Acc::W),
	on(1, 0xae).enc(EV | EE).ud(),
	/*
	 * 0F AE Grp15: register forms are fences, RD/WR{FS,GS}BASE, INCSSP, UMONITOR/UMWAIT/TPAUSE
	 * (no memory). 66 /6 CLWB and /7 CLFLUSHOPT are address only; F3 /4 PTWRITE reads r/m,
	 * F3 /6 CLRSSBSY is a read-modify-write of 8 bytes; other F3 and all F2 memory forms do
	 * not exist.
	 */
	on(1, 0xae).mod(MR).row(op(M)),
	on(1, 0xae).pfx(P66).reg(rg(6) | rg(7)).row(op(M, Sz::B1, Acc::Addr)),
	on(1, 0xae).pfx(PF3).reg(rg(4)).row(op(M, Sz::Y, Acc::R)),
	on(1, 0xae).pfx(PF3).reg(rg(6)).row(op(M, Sz::Q8, Acc::RW)),
	on(1, 0xae).pfx(PF3 | PF2).ud(),
	on(1, 0xae).keep(),
	/* 0F B8: POPCNT needs F3; plain 0F B8 is JMPE (IA-64 only). */
	on(1, 0xb8).pfx(PF3).keep(),
	on(1, 0xb8).ud(),
	/*
	 * 0F C7 Grp9: register forms /6 RDRAND, /7 RDSEED (F3: RDPID) touch no memory, the other
	 * register forms do not exist; VMPTRST (/7 memory) has no prefixed form.
	 */
	on(1, 0xc7).mod(MR).reg(0x3f).ud(),
	on(1, 0xc7).mod(MR).row(op(M)),
	on(1, 0xc7).reg(rg(7)).pfx(P66 | PF3 | PF2).ud(),
	on(1, 0xc7).keep(),
	/* 0F D6: MOVQ xmm/m64, xmm (66); MOVQ2DQ/MOVDQ2Q (F3/F2) are register only. */
	on(1, 0xd6).pfx(PN | PF3 | PF2).mod(MM).ud(),
	on(1, 0xd6).keep(),
	/* 0F E6: CVTTPD2DQ (66), CVTDQ2PD (F3, half; EVEX.W1 CVTQQ2PD full), CVTPD2DQ (F2). */
	on(1, 0xe6).pfx(PN).ud(),
	on(1, 0xe6).pfx(PF3).enc(EE).w(1).size(Sz::VL),
	on(1, 0xe6).pfx(PF3).size(Sz::Half),
	on(1, 0xe6).size(Sz::VL),

	/*
	 * 0F38 10-15: legacy PBLENDVB/BLENDVPS/BLENDVPD (10, 14, 15); EVEX VPSRLVW/VPSRAVW/
	 * VPSLLVW, VPRORV/VPROLV, and with F3 the VPMOVUS* stores; no VEX form.
	 */
	vpmov_down(0x10, Sz::Half),
	on(2, 0x10).enc(EV).ud(),
	on(2, 0x10).keep(),
	vpmov_down(0x11, Sz::Quarter),
	on(2, 0x11).enc(EV | EL).ud(),
	on(2, 0x11).keep(),
	vpmov_down(0x12, Sz::Eighth),
	on(2, 0x12).enc(EV | EL).ud(),
	on(2, 0x12).keep(),
	/* 0F38 13: VCVTPH2PS (VEX/EVEX) / VPMOVUSDW. */
	vpmov_down(0x13, Sz::Half),
	on(2, 0x13).enc(EL).ud(),
	on(2, 0x13).keep(),
	vpmov_down(0x14, Sz::Quarter),
	on(2, 0x14).enc(EV).ud(),
	on(2, 0x14).keep(),
	vpmov_down(0x15, Sz::Half),
	on(2, 0x15).enc(EV).ud(),
	on(2, 0x15).keep(),
	/* 0F38 20-25: PMOVSX* loads; EVEX F3: VPMOVS* stores. */
	vpmov_down(0x20, Sz::Half), on(2, 0x20).keep(),
	vpmov_down(0x21, Sz::Quarter), on(2, 0x21).keep(),
	vpmov_down(0x22, Sz::Eighth), on(2, 0x22).keep(),
	vpmov_down(0x23, Sz::Half), on(2, 0x23).keep(),
	vpmov_down(0x24, Sz::Quarter), on(2, 0x24).keep(),
	vpmov_down(0x25, Sz::Half), on(2, 0x25).keep(),
	/* 0F38 28, 29, 2A, 38, 39, 3A EVEX F3: VPMOVM2*, VPMOV*2M, VPBROADCASTM*: registers only. */
	on(2, 0x28).enc(EE).pfx(PF3).mod(MM).ud(),
	on(2, 0x28).enc(EE).pfx(PF3).row(op(M)),
	on(2, 0x28).keep(),
	on(2, 0x29).enc(EE).pfx(PF3).mod(MM).ud(),
	on(2, 0x29).enc(EE).pfx(PF3).row(op(M)),
	on(2, 0x29).keep(),
	on(2, 0x2a).enc(EE).pfx(PF3).mod(MM).ud(),
	on(2, 0x2a).enc(EE).pfx(PF3).row(op(M)),
	on(2, 0x2a).keep(),
	/* 0F38 2C/2D: VEX VMASKMOVPS/PD loads (memory only, conditional); EVEX VSCALEF*. */
	on(2, 0x2c).enc(EE).row(op(M | kSimd, Sz::VL, Acc::R)),
	on(2, 0x2c).mod(MR).ud(),
	on(2, 0x2c).add(kCond),
	on(2, 0x2d).enc(EE).row(op(M | kSimd, Sz::ScalarW, Acc::R)),
	on(2, 0x2d).mod(MR).ud(),
	on(2, 0x2d).add(kCond),
	/* 0F38 30-35: PMOVZX* loads; EVEX F3: VPMOV* stores. */
	vpmov_down(0x30, Sz::Half), on(2, 0x30).keep(),
	vpmov_down(0x31, Sz::Quarter), on(2, 0x31).keep(),
	vpmov_down(0x32, Sz::Eighth), on(2, 0x32).keep(),
	vpmov_down(0x33, Sz::Half), on(2, 0x33).keep(),
	vpmov_down(0x34, Sz::Quarter), on(2, 0x34).keep(),
	vpmov_down(0x35, Sz::Half), on(2, 0x35).keep(),
	on(2, 0x38).enc(EE).pfx(PF3).mod(MM).ud(),
	on(2, 0x38).enc(EE).pfx(PF3).row(op(M)),
	on(2, 0x38).keep(),
	on(2, 0x39).enc(EE).pfx(PF3).mod(MM).ud(),
	on(2, 0x39).enc(EE).pfx(PF3).row(op(M)),
	on(2, 0x39).keep(),
	on(2, 0x3a).enc(EE).pfx(PF3).mod(MM).ud(),
	on(2, 0x3a).enc(EE).pfx(PF3).row(op(M)),
	on(2, 0x3a).keep(),
	/* 0F38 F0/F1: legacy only. F2: CRC32 Gd, Eb / Ev (reads r/m); else MOVBE (memory only). */
	on(2, 0xf0).enc(EV | EE).ud(),
	on(2, 0xf0).pfx(PF2).row(op(M, Sz::B1, Acc::R)),
	on(2, 0xf0).mod(MR).ud(),
	on(2, 0xf0).keep(),
	on(2, 0xf1).enc(EV | EE).ud(),
	on(2, 0xf1).pfx(PF2).row(op(M, Sz::V, Acc::R)),
	on(2, 0xf1).mod(MR).ud(),
	on(2, 0xf1).keep(),
	/* 0F38 F2: VEX ANDN (no prefix). */
	on(2, 0xf2).enc(EV).pfx(PN).keep(),
	on(2, 0xf2).ud(),
	/* 0F38 F3: VEX Grp17 BLSR (/1), BLSMSK (/2), BLSI (/3). */
	on(2, 0xf3).enc(EV).pfx(PN).reg(rg(1) | rg(2) | rg(3)).keep(),
	on(2, 0xf3).ud(),
	/* 0F38 F5: VEX BZHI (none), PEXT (F3), PDEP (F2); legacy 66: WRUSS m, r (a store). */
	on(2, 0xf5).enc(EL).pfx(P66).mod(MM).access(Acc::W),
	on(2, 0xf5).enc(EV).pfx(PN | PF3 | PF2).keep(),
	on(2, 0xf5).ud(),
	/* 0F38 F6: ADCX (66), ADOX (F3), WRSS m, r (none: a store); VEX F2: MULX. */
	on(2, 0xf6).enc(EL).pfx(PN).mod(MM).access(Acc::W),
	on(2, 0xf6).enc(EL).pfx(P66 | PF3).keep(),
	on(2, 0xf6).enc(EV).pfx(PF2).keep(),
	on(2, 0xf6).ud(),
	/* 0F38 F7: VEX BEXTR/SHLX/SARX/SHRX. */
	on(2, 0xf7).enc(EV).keep(),
	on(2, 0xf7).ud(),
	/*
	 * 0F38 F8: MOVDIR64B (66), ENQCMD (F2), ENQCMDS (F3): 64 bytes from r/m to ES:[reg], the
	 * second operand built by the decoder (kTwoOps).
	 */
	on(2, 0xf8).enc(EL).pfx(P66 | PF3 | PF2).add(kTwoOps),
	on(2, 0xf8).ud(),
};

constexpr size_t kFixRowCount = sizeof(kFixRows) / sizeof(kFixRows[0]);

/*
 * Rows of a table (fix rows here, semantic rows in kmt_decode_semantics.h) are sorted by map
 * and first opcode; for each (map, opcode) the index holds the first row covering it
 * (kNoRow: none). A lookup scans from there, in table order, until a row starts past the
 * opcode, so a specific row written before a wider one takes precedence.
 */
constexpr uint16_t kNoRow = 0xffff;

struct RowIndex {
	uint16_t m_first[4][256];
};

template <class Row, size_t N>
constexpr RowIndex build_index(const Row (&rows)[N])
{
	RowIndex x{};
	for (size_t m = 0; m < 4; m++)
		for (size_t o = 0; o < 256; o++)
			x.m_first[m][o] = kNoRow;
	for (size_t i = N; i-- > 0;)
		for (unsigned o = rows[i].m_when.m_opcode; o <= rows[i].m_when.m_last; o++)
			x.m_first[rows[i].m_when.m_map & 3][o] = static_cast<uint16_t>(i);
	return x;
}

template <class Row, size_t N>
constexpr bool rows_sorted(const Row (&rows)[N])
{
	static_assert(N < kNoRow, "row tables are indexed by uint16_t");
	for (size_t i = 0; i < N; i++) {
		const When &w = rows[i].m_when;
		if (w.m_map > 3 || w.m_last < w.m_opcode)
			return false;
		if (i && (rows[i - 1].m_when.m_map > w.m_map ||
			  (rows[i - 1].m_when.m_map == w.m_map && rows[i - 1].m_when.m_opcode > w.m_opcode)))
			return false;
	}
	return true;
}

/*
 * The first row of @rows[N] that covers (@map, @opcode) and matches @key, scanning from
 * @index; nullptr if none.
 */
template <class Row, size_t N>
constexpr const Row *find_row(const Row (&rows)[N], const RowIndex &index, unsigned map,
			      unsigned opcode, const Key &key)
{
	uint16_t first = index.m_first[map & 3][opcode & 0xff];
	if (first == kNoRow)
		return nullptr;
	for (size_t i = first; i < N && rows[i].m_when.m_map == map && rows[i].m_when.m_opcode <= opcode; i++)
		if (rows[i].m_when.covers(map, opcode) && rows[i].m_when.matches(key))
			return &rows[i];
	return nullptr;
}

static_assert(rows_sorted(kFixRows), "fix rows must be sorted by map and opcode");
constexpr RowIndex kFixIndex = build_index(kFixRows);

/*
 * The rows of one (map, opcode) are contiguous and end with a row without conditions, so that
 * a lookup always finds one and no combination is left to an implicit default.
 */
constexpr bool fix_rows_well_formed()
{
	for (size_t i = 0; i < kFixRowCount; i++) {
		const When &r = kFixRows[i].m_when;
		bool last = i + 1 == kFixRowCount || kFixRows[i + 1].m_when.m_map != r.m_map ||
			    kFixRows[i + 1].m_when.m_opcode != r.m_opcode;
		if (r.m_last != r.m_opcode)
			return false; /* one opcode per fix row */
		if (last && !r.always())
			return false;
		if (!last && r.always())
			return false; /* rows after it could never match */
	}
	return true;
}
static_assert(fix_rows_well_formed(), "fix rows: one opcode each, last row unconditional");

/* Every kFixup row of the flat tables has fix rows. */
constexpr bool fix_rows_cover(const Op *rows, uint8_t map)
{
	for (size_t o = 0; o < 256; o++)
		if ((rows[o].m_flags & kFixup) && kFixIndex.m_first[map][o] == kNoRow)
			return false;
	return true;
}
static_assert(fix_rows_cover(kOneByte, 0) && fix_rows_cover(kTwoByte, 1) &&
	      fix_rows_cover(kMap38.m_rows, 2) && fix_rows_cover(kMap3A.m_rows, 3),
	      "an opcode row flagged kFixup has no fix rows");
static_assert(kFixIndex.m_first[1][0x01] != kNoRow && kFixIndex.m_first[1][0xc7] != kNoRow &&
	      kFixIndex.m_first[1][0xae] != kNoRow, "groups 7, 9 and 15 have kFixup rows");

} /* namespace dec */
} /* namespace kmt */

#endif /* KMT_DECODE_TABLES_H */
