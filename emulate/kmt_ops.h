/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_ops.h - what each enum kmt_op does, in one table: its name, its family (how the result
 * is computed from the inputs) and the status flags it reads, writes and leaves undefined, as
 * the Intel SDM (Vol. 2, "Flags Affected") states them.
 *
 * The decoder fills kmt_insn.flags_* from here (refining the count-dependent cases of shifts
 * and rotates, see kmt_decode.cpp), the emulator dispatches on the family, and register
 * shadow propagation is meant to use the same classification. Internal C++ header of the
 * core (namespace kmt); freestanding, constexpr only.
 */
#ifndef KMT_OPS_H
#define KMT_OPS_H

#include "kmt_decode.h"

namespace kmt {

/* How the result of an operation depends on its inputs. */
enum class OpFamily : uint8_t {
	Other,    /* not modelled */
	Move,     /* a copy, possibly zero- or sign-extended: MOV MOVZX MOVSX MOVSXD CBW CWD */
	Lea,      /* the address of the source */
	Exchange, /* XCHG: two copies */
	Logic,    /* bitwise: AND OR XOR TEST NOT (each result bit from the same input bits) */
	Arith,    /* carry chains: ADD ADC SUB SBB CMP NEG INC DEC XADD */
	Shift,    /* SHL SHR SAR SHLD SHRD */
	Rotate,   /* ROL ROR RCL RCR */
	Multiply, /* IMUL MUL */
	Divide,   /* DIV IDIV */
	CmpXchg,  /* CMPXCHG, CMPXCHG8B/16B: compare with rAX (rDX:rAX), store or load */
	BitTest,  /* BT BTS BTR BTC: one bit to CF, and maybe set/clear/flip it */
	BitCount, /* BSF BSR TZCNT LZCNT POPCNT */
	Bswap,
	SetCc,    /* the byte is 0 or 1 from the flags */
	CmovCc,   /* the source or the old destination, by the flags */
	Branch,   /* JCC JMP JMP_INDIRECT CALL CALL_INDIRECT RET */
	Stack,    /* PUSH POP PUSHF POPF LEAVE */
	String,   /* MOVS STOS LODS CMPS SCAS, one element */
	Flag,     /* CLC STC CMC CLD STD */
	Nop,      /* NOP PAUSE */
	Trap,     /* INT3 UD: the instruction raises an exception */
};

struct OpInfo {
	uint8_t m_op;               /* enum kmt_op, equal to the index (checked below) */
	const char *m_name;
	OpFamily m_family;
	uint16_t m_flags_read;      /* KMT_FLAG_* */
	uint16_t m_flags_written;   /* may change, including the undefined ones */
	uint16_t m_flags_undefined; /* undefined afterwards */
};

constexpr uint16_t kCF = KMT_FLAG_CF, kPF = KMT_FLAG_PF, kAF = KMT_FLAG_AF, kZF = KMT_FLAG_ZF,
		   kSF = KMT_FLAG_SF, kDF = KMT_FLAG_DF, kOF = KMT_FLAG_OF;
constexpr uint16_t kStatus = KMT_FLAGS_STATUS;

/*
 * Flags read by a condition code (Jcc/SETcc/CMOVcc, low 4 opcode bits): O/NO OF, B/AE CF,
 * E/NE ZF, BE/A CF|ZF, S/NS SF, P/NP PF, L/GE SF|OF, LE/G ZF|SF|OF.
 */
constexpr uint16_t cond_flags(unsigned cond)
{
	switch ((cond & 15) >> 1) {
	case 0: return kOF;
	case 1: return kCF;
	case 2: return kZF;
	case 3: return kCF | kZF;
	case 4: return kSF;
	case 5: return kPF;
	case 6: return kSF | kOF;
	default: return kZF | kSF | kOF;
	}
}

/*
 * The table. Count-dependent flags (shifts and rotates) are listed for a count that is not 0
 * and not 1: the decoder narrows them when the count is an immediate (kmt_decode.cpp,
 * shift_flags()). Condition-code ops read nothing here; cond_flags() gives what they read.
 */
constexpr OpInfo kOpInfo[KMT_OP_COUNT] = {
	{ KMT_OP_OTHER, "other", OpFamily::Other, 0, 0, 0 },
	{ KMT_OP_MOV, "mov", OpFamily::Move, 0, 0, 0 },
	{ KMT_OP_MOVZX, "movzx", OpFamily::Move, 0, 0, 0 },
	{ KMT_OP_MOVSX, "movsx", OpFamily::Move, 0, 0, 0 },
	{ KMT_OP_MOVSXD, "movsxd", OpFamily::Move, 0, 0, 0 },
	{ KMT_OP_LEA, "lea", OpFamily::Lea, 0, 0, 0 },
	{ KMT_OP_XCHG, "xchg", OpFamily::Exchange, 0, 0, 0 },
	{ KMT_OP_BSWAP, "bswap", OpFamily::Bswap, 0, 0, 0 },
	{ KMT_OP_CBW, "cbw", OpFamily::Move, 0, 0, 0 },
	{ KMT_OP_CWD, "cwd", OpFamily::Move, 0, 0, 0 },
	{ KMT_OP_CMOVCC, "cmovcc", OpFamily::CmovCc, 0, 0, 0 },
	{ KMT_OP_SETCC, "setcc", OpFamily::SetCc, 0, 0, 0 },
	/* ADD..CMP: OF SF ZF AF PF CF from the result; ADC/SBB also read CF. */
	{ KMT_OP_ADD, "add", OpFamily::Arith, 0, kStatus, 0 },
	/* AND/OR/XOR/TEST: OF = CF = 0, SF ZF PF from the result, AF undefined. */
	{ KMT_OP_OR, "or", OpFamily::Logic, 0, kStatus, kAF },
	{ KMT_OP_ADC, "adc", OpFamily::Arith, kCF, kStatus, 0 },
	{ KMT_OP_SBB, "sbb", OpFamily::Arith, kCF, kStatus, 0 },
	{ KMT_OP_AND, "and", OpFamily::Logic, 0, kStatus, kAF },
	{ KMT_OP_SUB, "sub", OpFamily::Arith, 0, kStatus, 0 },
	{ KMT_OP_XOR, "xor", OpFamily::Logic, 0, kStatus, kAF },
	{ KMT_OP_CMP, "cmp", OpFamily::Arith, 0, kStatus, 0 },
	{ KMT_OP_TEST, "test", OpFamily::Logic, 0, kStatus, kAF },
	/* INC/DEC: CF is not affected. */
	{ KMT_OP_INC, "inc", OpFamily::Arith, 0, kStatus & ~kCF, 0 },
	{ KMT_OP_DEC, "dec", OpFamily::Arith, 0, kStatus & ~kCF, 0 },
	/* NEG: CF = (source != 0), the others from the result. NOT: no flags. */
	{ KMT_OP_NEG, "neg", OpFamily::Arith, 0, kStatus, 0 },
	{ KMT_OP_NOT, "not", OpFamily::Logic, 0, 0, 0 },
	/*
	 * SHL/SHR/SAR (count masked to 5 bits, 6 with REX.W): count 0 changes nothing; else CF is
	 * the last bit out, SF ZF PF from the result, AF undefined, OF defined for count 1 only.
	 * CF is also undefined for SHL/SHR when the count is >= the operand width.
	 */
	{ KMT_OP_SHL, "shl", OpFamily::Shift, 0, kStatus, kAF | kOF },
	{ KMT_OP_SHR, "shr", OpFamily::Shift, 0, kStatus, kAF | kOF },
	{ KMT_OP_SAR, "sar", OpFamily::Shift, 0, kStatus, kAF | kOF },
	/* ROL/ROR/RCL/RCR: only CF and OF; OF defined for count 1 only; RCL/RCR read CF. */
	{ KMT_OP_ROL, "rol", OpFamily::Rotate, 0, kCF | kOF, kOF },
	{ KMT_OP_ROR, "ror", OpFamily::Rotate, 0, kCF | kOF, kOF },
	{ KMT_OP_RCL, "rcl", OpFamily::Rotate, kCF, kCF | kOF, kOF },
	{ KMT_OP_RCR, "rcr", OpFamily::Rotate, kCF, kCF | kOF, kOF },
	/* SHLD/SHRD: like SHL; all flags (and the result) undefined if count > operand width. */
	{ KMT_OP_SHLD, "shld", OpFamily::Shift, 0, kStatus, kAF | kOF },
	{ KMT_OP_SHRD, "shrd", OpFamily::Shift, 0, kStatus, kAF | kOF },
	/* IMUL/MUL: CF = OF = (the upper half is significant); SF ZF AF PF undefined. */
	{ KMT_OP_IMUL, "imul", OpFamily::Multiply, 0, kStatus, kSF | kZF | kAF | kPF },
	{ KMT_OP_MUL, "mul", OpFamily::Multiply, 0, kStatus, kSF | kZF | kAF | kPF },
	/* DIV/IDIV: every status flag undefined. */
	{ KMT_OP_DIV, "div", OpFamily::Divide, 0, kStatus, kStatus },
	{ KMT_OP_IDIV, "idiv", OpFamily::Divide, 0, kStatus, kStatus },
	/* CMPXCHG: the flags of CMP rAX, destination. CMPXCHG8B/16B: ZF only. */
	{ KMT_OP_CMPXCHG, "cmpxchg", OpFamily::CmpXchg, 0, kStatus, 0 },
	{ KMT_OP_CMPXCHG8B16B, "cmpxchg8b16b", OpFamily::CmpXchg, 0, kZF, 0 },
	/* XADD: the flags of the ADD. */
	{ KMT_OP_XADD, "xadd", OpFamily::Arith, 0, kStatus, 0 },
	/* BT/BTS/BTR/BTC: CF = the bit; ZF unchanged; OF SF AF PF undefined. */
	{ KMT_OP_BT, "bt", OpFamily::BitTest, 0, kCF | kOF | kSF | kAF | kPF, kOF | kSF | kAF | kPF },
	{ KMT_OP_BTS, "bts", OpFamily::BitTest, 0, kCF | kOF | kSF | kAF | kPF, kOF | kSF | kAF | kPF },
	{ KMT_OP_BTR, "btr", OpFamily::BitTest, 0, kCF | kOF | kSF | kAF | kPF, kOF | kSF | kAF | kPF },
	{ KMT_OP_BTC, "btc", OpFamily::BitTest, 0, kCF | kOF | kSF | kAF | kPF, kOF | kSF | kAF | kPF },
	/* BSF/BSR: ZF = (source == 0); CF OF SF AF PF undefined. */
	{ KMT_OP_BSF, "bsf", OpFamily::BitCount, 0, kStatus, kCF | kOF | kSF | kAF | kPF },
	{ KMT_OP_BSR, "bsr", OpFamily::BitCount, 0, kStatus, kCF | kOF | kSF | kAF | kPF },
	/* TZCNT/LZCNT: CF = (source == 0), ZF = (result == 0); OF SF AF PF undefined. */
	{ KMT_OP_TZCNT, "tzcnt", OpFamily::BitCount, 0, kStatus, kOF | kSF | kAF | kPF },
	{ KMT_OP_LZCNT, "lzcnt", OpFamily::BitCount, 0, kStatus, kOF | kSF | kAF | kPF },
	/* POPCNT: ZF = (source == 0), OF SF AF CF PF cleared. */
	{ KMT_OP_POPCNT, "popcnt", OpFamily::BitCount, 0, kStatus, 0 },
	{ KMT_OP_JCC, "jcc", OpFamily::Branch, 0, 0, 0 },
	{ KMT_OP_JMP, "jmp", OpFamily::Branch, 0, 0, 0 },
	{ KMT_OP_JMP_INDIRECT, "jmp_indirect", OpFamily::Branch, 0, 0, 0 },
	{ KMT_OP_CALL, "call", OpFamily::Branch, 0, 0, 0 },
	{ KMT_OP_CALL_INDIRECT, "call_indirect", OpFamily::Branch, 0, 0, 0 },
	{ KMT_OP_RET, "ret", OpFamily::Branch, 0, 0, 0 },
	{ KMT_OP_PUSH, "push", OpFamily::Stack, 0, 0, 0 },
	{ KMT_OP_POP, "pop", OpFamily::Stack, 0, 0, 0 },
	/* PUSHF/POPF: all of RFLAGS; only the status flags and DF are described. */
	{ KMT_OP_PUSHF, "pushf", OpFamily::Stack, kStatus | kDF, 0, 0 },
	{ KMT_OP_POPF, "popf", OpFamily::Stack, 0, kStatus | kDF, 0 },
	{ KMT_OP_LEAVE, "leave", OpFamily::Stack, 0, 0, 0 },
	/* Strings: DF picks the direction; CMPS/SCAS set the flags of CMP. */
	{ KMT_OP_MOVS, "movs", OpFamily::String, kDF, 0, 0 },
	{ KMT_OP_STOS, "stos", OpFamily::String, kDF, 0, 0 },
	{ KMT_OP_LODS, "lods", OpFamily::String, kDF, 0, 0 },
	{ KMT_OP_CMPS, "cmps", OpFamily::String, kDF, kStatus, 0 },
	{ KMT_OP_SCAS, "scas", OpFamily::String, kDF, kStatus, 0 },
	{ KMT_OP_CLC, "clc", OpFamily::Flag, 0, kCF, 0 },
	{ KMT_OP_STC, "stc", OpFamily::Flag, 0, kCF, 0 },
	{ KMT_OP_CMC, "cmc", OpFamily::Flag, kCF, kCF, 0 },
	{ KMT_OP_CLD, "cld", OpFamily::Flag, 0, kDF, 0 },
	{ KMT_OP_STD, "std", OpFamily::Flag, 0, kDF, 0 },
	{ KMT_OP_NOP, "nop", OpFamily::Nop, 0, 0, 0 },
	{ KMT_OP_PAUSE, "pause", OpFamily::Nop, 0, 0, 0 },
	{ KMT_OP_INT3, "int3", OpFamily::Trap, 0, 0, 0 },
	{ KMT_OP_UD, "ud", OpFamily::Trap, 0, 0, 0 },
};

constexpr bool op_info_in_order()
{
	for (unsigned i = 0; i < KMT_OP_COUNT; i++)
		if (kOpInfo[i].m_op != i || !kOpInfo[i].m_name)
			return false;
	return true;
}
static_assert(op_info_in_order(), "kOpInfo rows must be in enum kmt_op order");

/* The row of @op; KMT_OP_OTHER's for a value out of range. */
constexpr const OpInfo &op_info(unsigned op)
{
	return kOpInfo[op < static_cast<unsigned>(KMT_OP_COUNT) ? op : 0];
}

} /* namespace kmt */

#endif /* KMT_OPS_H */
