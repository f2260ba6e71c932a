/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_alu.h - the arithmetic of the integer subset: results and RFLAGS, per operation, as the
 * Intel SDM's Operation and Flags Affected sections define them (with the undefined flags set
 * as docs/emulator.md says). The emulator uses it; register shadow propagation is meant to
 * reuse the same entry points and the op classification of kmt_ops.h.
 *
 * Operand sizes are in bytes (1, 2, 4, 8). Values are passed and returned zero-extended from
 * their size. Every function returns the whole new RFLAGS: the status flags the operation
 * defines are replaced, every other bit of the @rflags argument is kept.
 *
 * Internal C++ header of the core (namespace kmt), freestanding.
 */
#ifndef KMT_ALU_H
#define KMT_ALU_H

#include "kmt_decode.h"

namespace kmt {

/* All ones in the low @bytes bytes. */
constexpr uint64_t width_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* The sign bit of a @bytes-byte value. */
constexpr uint64_t sign_bit(unsigned bytes)
{
	return 1ull << (8 * bytes - 1);
}

/* @v (its low @bytes bytes) sign-extended to 64 bits. */
constexpr uint64_t sign_extend(uint64_t v, unsigned bytes)
{
	return bytes >= 8 ? v : ((v & width_mask(bytes)) ^ sign_bit(bytes)) - sign_bit(bytes);
}

/* The result of a one-result operation. */
struct AluOut {
	uint64_t m_value;  /* truncated to the operand size */
	uint64_t m_rflags;
};

/* Whether condition code @cond (Jcc/SETcc/CMOVcc opcode bits 3:0) holds for @rflags. */
bool alu_condition(unsigned cond, uint64_t rflags);

/* ADD OR ADC SBB AND SUB XOR CMP TEST: @a op @b. CMP and TEST return @a unchanged. */
AluOut alu_binary(unsigned op, unsigned bytes, uint64_t a, uint64_t b, uint64_t rflags);

/* INC DEC NEG NOT. */
AluOut alu_unary(unsigned op, unsigned bytes, uint64_t a, uint64_t rflags);

/*
 * SHL SHR SAR ROL ROR RCL RCR by @count as encoded (the CPU's masking to 5 bits, 6 for 8-byte
 * operands, happens here). A masked count of 0 changes neither the value nor the flags.
 */
AluOut alu_shift(unsigned op, unsigned bytes, uint64_t a, unsigned count, uint64_t rflags);

/*
 * SHLD SHRD: @a shifted by @count with bits from @b. Returns false when the SDM leaves the
 * result undefined (a masked count above the operand width, 16-bit forms only).
 */
bool alu_shift_double(unsigned op, unsigned bytes, uint64_t a, uint64_t b, unsigned count,
		      uint64_t rflags, AluOut *out);

/* MUL (unsigned) or IMUL (signed): the double-width product of @a and @b. */
struct MulOut {
	uint64_t m_lo;     /* low half, truncated to the operand size */
	uint64_t m_hi;     /* high half */
	uint64_t m_rflags; /* CF = OF = (the product does not fit the low half) */
};
MulOut alu_multiply(unsigned op, unsigned bytes, uint64_t a, uint64_t b, uint64_t rflags);

/*
 * DIV (unsigned) or IDIV (signed): the dividend @hi:@lo (twice the operand size) by @divisor.
 * Returns false where the CPU raises #DE (a zero divisor, a quotient that does not fit); then
 * *@rflags is unchanged. Otherwise *@rflags gets the (undefined) flags docs/emulator.md names.
 */
bool alu_divide(unsigned op, unsigned bytes, uint64_t hi, uint64_t lo, uint64_t divisor,
		uint64_t *quotient, uint64_t *remainder, uint64_t *rflags);

/* BT BTS BTR BTC on bit @bit (0 .. 8 * bytes - 1) of @a: CF = the bit, value set/cleared/flipped. */
AluOut alu_bit_test(unsigned op, uint64_t a, unsigned bit, uint64_t rflags);

/*
 * BSF BSR TZCNT LZCNT POPCNT of @src. *@written says whether the destination is written:
 * BSF/BSR with a zero source keep it (m_value is then @dst).
 */
AluOut alu_bit_count(unsigned op, unsigned bytes, uint64_t src, uint64_t dst, uint64_t rflags,
		     bool *written);

} /* namespace kmt */

#endif /* KMT_ALU_H */
