// SPDX-License-Identifier: GPL-2.0
//
// alu.cpp - the arithmetic of the integer subset (see kmt_alu.h). Each function follows the
// Operation section of its SDM instruction page; where the SDM leaves a flag undefined the
// choice is written next to it and listed in docs/emulator.md.
//
// Freestanding C++17: no libstdc++, no heap. 128-bit products use unsigned __int128
// multiplication (one MUL instruction); 128-by-64 division is done by hand, since the
// compiler's helper (__udivti3) is not available in the kernel.

#include "kmt_alu.h"

namespace kmt {
namespace {

constexpr uint64_t kCF = KMT_FLAG_CF, kPF = KMT_FLAG_PF, kAF = KMT_FLAG_AF, kZF = KMT_FLAG_ZF,
		   kSF = KMT_FLAG_SF, kOF = KMT_FLAG_OF;
constexpr uint64_t kStatus = KMT_FLAGS_STATUS;

// PF: set when the low byte of the result has an even number of 1 bits.
bool parity_even(uint64_t v)
{
	uint8_t b = static_cast<uint8_t>(v);
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

// SF, ZF and PF of result @r (already truncated to @bytes).
uint64_t szp(uint64_t r, unsigned bytes)
{
	uint64_t f = 0;
	if (r & sign_bit(bytes))
		f |= kSF;
	if (r == 0)
		f |= kZF;
	if (parity_even(r))
		f |= kPF;
	return f;
}

// Replaces the flags in @which with @value.
uint64_t set_flags(uint64_t rflags, uint64_t which, uint64_t value)
{
	return (rflags & ~which) | (value & which);
}

// a + b + carry: the flags of ADD/ADC.
AluOut add(unsigned bytes, uint64_t a, uint64_t b, unsigned carry, uint64_t rflags)
{
	const uint64_t m = width_mask(bytes);
	const unsigned __int128 wide = static_cast<unsigned __int128>(a) + b + carry;
	const uint64_t r = static_cast<uint64_t>(wide) & m;
	uint64_t f = szp(r, bytes);
	if (bytes == 8 ? (wide >> 64) != 0 : (static_cast<uint64_t>(wide) >> (8 * bytes)) != 0)
		f |= kCF;
	if (((a ^ r) & (b ^ r)) & sign_bit(bytes))
		f |= kOF;
	if ((a ^ b ^ r) & 0x10)
		f |= kAF;
	return { r, set_flags(rflags, kStatus, f) };
}

// a - b - borrow: the flags of SUB/SBB/CMP/NEG.
AluOut sub(unsigned bytes, uint64_t a, uint64_t b, unsigned borrow, uint64_t rflags)
{
	const uint64_t m = width_mask(bytes);
	const uint64_t r = (a - b - borrow) & m;
	uint64_t f = szp(r, bytes);
	if (static_cast<unsigned __int128>(a) < static_cast<unsigned __int128>(b) + borrow)
		f |= kCF;
	if (((a ^ b) & (a ^ r)) & sign_bit(bytes))
		f |= kOF;
	if ((a ^ b ^ r) & 0x10)
		f |= kAF;
	return { r, set_flags(rflags, kStatus, f) };
}

// AND/OR/XOR/TEST: OF = CF = 0, SF ZF PF from the result. AF is undefined: cleared.
AluOut logic(unsigned bytes, uint64_t r, uint64_t rflags)
{
	r &= width_mask(bytes);
	return { r, set_flags(rflags, kStatus, szp(r, bytes)) };
}

uint64_t rotate_left(uint64_t v, unsigned n, unsigned bits)
{
	n %= bits;
	if (n == 0)
		return v;
	return ((v << n) | (v >> (bits - n))) & (bits == 64 ? ~0ull : (1ull << bits) - 1);
}

// The number of 1 bits (no POPCNT instruction: the kernel build targets plain x86-64).
unsigned popcount(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return static_cast<unsigned>((v * 0x0101010101010101ull) >> 56);
}

// 128-by-64 unsigned division, @hi < @d (so the quotient fits 64 bits): restoring division.
uint64_t divide_128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0;
	for (int i = 63; i >= 0; i--) {
		const bool top = hi >> 63; // the 65th bit of the partial remainder
		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (top || hi >= d) {
			hi -= d;
			q |= 1;
		}
	}
	*rem = hi;
	return q;
}

} // namespace

bool alu_condition(unsigned cond, uint64_t rflags)
{
	const bool cf = rflags & kCF, zf = rflags & kZF, sf = rflags & kSF, of = rflags & kOF,
		   pf = rflags & kPF;
	bool r;
	switch ((cond & 15) >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return (cond & 1) ? !r : r;
}

AluOut alu_binary(unsigned op, unsigned bytes, uint64_t a, uint64_t b, uint64_t rflags)
{
	a &= width_mask(bytes);
	b &= width_mask(bytes);
	const unsigned cf = (rflags & kCF) ? 1 : 0;
	switch (op) {
	case KMT_OP_ADD: return add(bytes, a, b, 0, rflags);
	case KMT_OP_ADC: return add(bytes, a, b, cf, rflags);
	case KMT_OP_SUB: return sub(bytes, a, b, 0, rflags);
	case KMT_OP_SBB: return sub(bytes, a, b, cf, rflags);
	case KMT_OP_CMP: return { a, sub(bytes, a, b, 0, rflags).m_rflags };
	case KMT_OP_AND: return logic(bytes, a & b, rflags);
	case KMT_OP_OR: return logic(bytes, a | b, rflags);
	case KMT_OP_XOR: return logic(bytes, a ^ b, rflags);
	case KMT_OP_TEST: return { a, logic(bytes, a & b, rflags).m_rflags };
	default: return { a, rflags };
	}
}

AluOut alu_unary(unsigned op, unsigned bytes, uint64_t a, uint64_t rflags)
{
	a &= width_mask(bytes);
	switch (op) {
	case KMT_OP_INC: { // CF is not affected
		AluOut o = add(bytes, a, 1, 0, rflags);
		o.m_rflags = set_flags(o.m_rflags, kCF, rflags);
		return o;
	}
	case KMT_OP_DEC: {
		AluOut o = sub(bytes, a, 1, 0, rflags);
		o.m_rflags = set_flags(o.m_rflags, kCF, rflags);
		return o;
	}
	case KMT_OP_NEG: // the flags of 0 - a; CF = (a != 0) falls out of the borrow
		return sub(bytes, 0, a, 0, rflags);
	case KMT_OP_NOT:
		return { ~a & width_mask(bytes), rflags };
	default:
		return { a, rflags };
	}
}

AluOut alu_shift(unsigned op, unsigned bytes, uint64_t a, unsigned count, uint64_t rflags)
{
	const unsigned bits = 8 * bytes;
	const uint64_t m = width_mask(bytes);
	const unsigned n = count & (bytes == 8 ? 63 : 31);
	a &= m;
	if (n == 0)
		return { a, rflags };
	const uint64_t msb = sign_bit(bytes);
	// OF is defined for a count of 1 only. For other counts the formulas below are kept (they
	// give what AMD Zen CPUs produce): left shifts and rotates MSB(r) ^ CF, right ones
	// MSB(r) ^ the bit below it (both equal the SDM's definition for a count of 1).
	auto of_left = [&](uint64_t r, bool cf) { return (!!(r & msb) != cf) ? kOF : 0; };
	auto of_right = [&](uint64_t r) { return (!!(r & msb) != !!(r & (msb >> 1))) ? kOF : 0; };
	uint64_t r = 0, f = 0;
	bool cf;
	switch (op) {
	case KMT_OP_SHL:
		// CF: the last bit out, bit (bits - n) of a; 0 once everything is out (n > bits,
		// where the SDM calls CF undefined). AF undefined: set (as AMD Zen does).
		r = n >= bits ? 0 : (a << n) & m;
		cf = n <= bits && ((a >> (bits - n)) & 1);
		f = szp(r, bytes) | (cf ? kCF : 0) | of_left(r, cf) | kAF;
		return { r, set_flags(rflags, kStatus, f) };
	case KMT_OP_SHR:
		// CF: bit n - 1 of a (0 when n > bits).
		r = n >= bits ? 0 : a >> n;
		cf = n <= bits && ((a >> (n - 1)) & 1);
		f = szp(r, bytes) | (cf ? kCF : 0) | of_right(r) | kAF;
		return { r, set_flags(rflags, kStatus, f) };
	case KMT_OP_SAR: {
		// Shifts in copies of the sign; CF: bit n - 1 of the sign-extended value; OF = 0.
		const int64_t s = static_cast<int64_t>(sign_extend(a, bytes));
		r = static_cast<uint64_t>(s >> n) & m;
		cf = (static_cast<uint64_t>(s >> (n - 1))) & 1;
		f = szp(r, bytes) | (cf ? kCF : 0) | of_right(r) | kAF;
		return { r, set_flags(rflags, kStatus, f) };
	}
	case KMT_OP_ROL:
		// Only CF and OF change. CF = LSB(r).
		r = rotate_left(a, n, bits);
		cf = r & 1;
		f = (cf ? kCF : 0) | of_left(r, cf);
		return { r, set_flags(rflags, kCF | kOF, f) };
	case KMT_OP_ROR:
		// CF = MSB(r).
		r = rotate_left(a, bits - n % bits, bits);
		f = ((r & msb) ? kCF : 0) | of_right(r);
		return { r, set_flags(rflags, kCF | kOF, f) };
	case KMT_OP_RCL:
	case KMT_OP_RCR: {
		// Rotation through CF: a (bits + 1)-bit rotate; 8- and 16-bit forms rotate by the
		// masked count mod 9 / mod 17 (a multiple of it leaves value and CF alone).
		const unsigned t = bits == 8 ? n % 9 : bits == 16 ? n % 17 : n;
		unsigned __int128 v = (static_cast<unsigned __int128>((rflags & kCF) ? 1 : 0) << bits) | a;
		const unsigned wide = bits + 1;
		const unsigned __int128 wm = (static_cast<unsigned __int128>(1) << wide) - 1;
		const unsigned k = op == KMT_OP_RCL ? t : (wide - t) % wide;
		if (k)
			v = ((v << k) | (v >> (wide - k))) & wm;
		r = static_cast<uint64_t>(v) & m;
		cf = static_cast<uint64_t>(v >> bits) & 1;
		f = (cf ? kCF : 0) | (op == KMT_OP_RCL ? of_left(r, cf) : of_right(r));
		return { r, set_flags(rflags, kCF | kOF, f) };
	}
	default:
		return { a, rflags };
	}
}

bool alu_shift_double(unsigned op, unsigned bytes, uint64_t a, uint64_t b, unsigned count,
		      uint64_t rflags, AluOut *out)
{
	const unsigned bits = 8 * bytes;
	const uint64_t m = width_mask(bytes);
	const unsigned n = count & (bytes == 8 ? 63 : 31);
	a &= m;
	b &= m;
	if (n == 0) {
		*out = { a, rflags };
		return true;
	}
	if (n > bits)
		return false; // 16-bit forms: result and flags undefined
	uint64_t r;
	bool cf, of;
	if (op == KMT_OP_SHLD) {
		r = ((n >= 64 ? 0 : a << n) | (n == bits ? b : b >> (bits - n))) & m;
		cf = (a >> (bits - n)) & 1;
		// (AMD Zen gives OF = CF for a 16-bit SHLD by exactly 16.)
		of = n == bits ? cf : !!(r & sign_bit(bytes)) != cf;
	} else {
		r = ((n >= 64 ? 0 : a >> n) | (n == bits ? b : b << (bits - n))) & m;
		cf = (a >> (n - 1)) & 1;
		of = !!(r & sign_bit(bytes)) != !!(r & (sign_bit(bytes) >> 1));
	}
	// OF: a sign change for n = 1, where these formulas equal the SDM's; kept for larger
	// counts (as AMD Zen computes them). AF undefined: set (as AMD Zen does).
	uint64_t f = szp(r, bytes) | (cf ? kCF : 0) | (of ? kOF : 0) | kAF;
	*out = { r, set_flags(rflags, kStatus, f) };
	return true;
}

MulOut alu_multiply(unsigned op, unsigned bytes, uint64_t a, uint64_t b, uint64_t rflags)
{
	const unsigned bits = 8 * bytes;
	const uint64_t m = width_mask(bytes);
	uint64_t lo, hi;
	bool overflow;
	if (op == KMT_OP_MUL) {
		const unsigned __int128 p = static_cast<unsigned __int128>(a & m) * (b & m);
		lo = static_cast<uint64_t>(p) & m;
		hi = static_cast<uint64_t>(bytes == 8 ? p >> 64 : p >> bits) & m;
		overflow = hi != 0;
	} else {
		const __int128 p = static_cast<__int128>(static_cast<int64_t>(sign_extend(a, bytes))) *
				   static_cast<int64_t>(sign_extend(b, bytes));
		lo = static_cast<uint64_t>(p) & m;
		hi = static_cast<uint64_t>(bytes == 8 ? p >> 64 : p >> bits) & m;
		overflow = p != static_cast<__int128>(static_cast<int64_t>(sign_extend(lo, bytes)));
	}
	// CF = OF = overflow. SF ZF AF PF are undefined: left as they were (as AMD Zen does).
	return { lo, hi, set_flags(rflags, kCF | kOF, overflow ? kCF | kOF : 0) };
}

bool alu_divide(unsigned op, unsigned bytes, uint64_t hi, uint64_t lo, uint64_t divisor,
		uint64_t *quotient, uint64_t *remainder, uint64_t *rflags)
{
	// Every status flag is undefined. As AMD Zen: AF set, PF ZF SF clear, CF OF kept.
	const uint64_t flags = set_flags(*rflags, kAF | kPF | kZF | kSF, kAF);
	const uint64_t m = width_mask(bytes);
	divisor &= m;
	if (divisor == 0)
		return false;
	if (bytes < 8) {
		// The dividend fits 64 bits: hi:lo of 2 * bytes bytes.
		const unsigned bits = 8 * bytes;
		const uint64_t n = ((hi & m) << bits) | (lo & m);
		if (op == KMT_OP_DIV) {
			const uint64_t q = n / divisor;
			if (q > m)
				return false;
			*quotient = q;
			*remainder = n % divisor;
			*rflags = flags;
			return true;
		}
		// IDIV by magnitudes: |sn| / |sd| in unsigned arithmetic, so that no division here can
		// overflow (INT64_MIN / -1 would raise #DE in the emulator itself).
		const int64_t sn = static_cast<int64_t>(sign_extend(n, 2 * bytes));
		const int64_t sd = static_cast<int64_t>(sign_extend(divisor, bytes));
		const bool neg_n = sn < 0, neg_d = sd < 0;
		const uint64_t un = neg_n ? 0 - static_cast<uint64_t>(sn) : static_cast<uint64_t>(sn);
		const uint64_t ud = neg_d ? 0 - static_cast<uint64_t>(sd) : static_cast<uint64_t>(sd);
		const uint64_t q = un / ud, r = un % ud;
		const bool neg_q = neg_n != neg_d;
		if (neg_q ? q > sign_bit(bytes) : q >= sign_bit(bytes))
			return false;
		*quotient = (neg_q ? 0 - q : q) & m;
		*remainder = (neg_n ? 0 - r : r) & m;
		*rflags = flags;
		return true;
	}
	if (op == KMT_OP_DIV) {
		if (hi >= divisor)
			return false; // the quotient would not fit 64 bits
		*quotient = divide_128(hi, lo, divisor, remainder);
		*rflags = flags;
		return true;
	}
	// IDIV r/m64: divide magnitudes, then apply the signs (quotient toward zero, remainder
	// with the dividend's sign).
	const bool neg_n = hi >> 63, neg_d = divisor >> 63;
	uint64_t nh = hi, nl = lo;
	if (neg_n) { // two's complement negation of the 128-bit dividend
		nl = ~nl + 1;
		nh = ~nh + (nl == 0 ? 1 : 0);
	}
	const uint64_t d = neg_d ? 0 - divisor : divisor;
	if (nh >= d)
		return false;
	uint64_t r;
	const uint64_t q = divide_128(nh, nl, d, &r);
	const bool neg_q = neg_n != neg_d;
	if (neg_q ? q > (1ull << 63) : q >= (1ull << 63))
		return false;
	*quotient = neg_q ? 0 - q : q;
	*remainder = neg_n ? 0 - r : r;
	*rflags = flags;
	return true;
}

AluOut alu_bit_test(unsigned op, uint64_t a, unsigned bit, uint64_t rflags)
{
	const uint64_t mask = 1ull << (bit & 63);
	// CF = the bit. OF SF AF PF are undefined: left as they were. ZF is not affected.
	const uint64_t f = set_flags(rflags, kCF, (a & mask) ? kCF : 0);
	switch (op) {
	case KMT_OP_BTS: return { a | mask, f };
	case KMT_OP_BTR: return { a & ~mask, f };
	case KMT_OP_BTC: return { a ^ mask, f };
	default: return { a, f };
	}
}

AluOut alu_bit_count(unsigned op, unsigned bytes, uint64_t src, uint64_t dst, uint64_t rflags,
		     bool *written)
{
	const unsigned bits = 8 * bytes;
	src &= width_mask(bytes);
	*written = true;
	unsigned n = 0;
	switch (op) {
	case KMT_OP_BSF:
	case KMT_OP_BSR:
		// ZF = (src == 0), the destination kept then. CF OF SF AF PF are undefined: as AMD
		// Zen, CF OF SF AF clear and PF the parity of the index (of 0 for a zero source).
		if (src == 0) {
			*written = false;
			return { dst, set_flags(rflags, kStatus, kZF | kPF) };
		}
		n = op == KMT_OP_BSF ? static_cast<unsigned>(__builtin_ctzll(src))
				     : 63u - static_cast<unsigned>(__builtin_clzll(src));
		return { n, set_flags(rflags, kStatus, parity_even(n) ? kPF : 0) };
	case KMT_OP_TZCNT:
	case KMT_OP_LZCNT: {
		// CF = (src == 0), ZF = (result == 0). OF SF AF PF are undefined: as AMD Zen, SF AF
		// PF clear and OF kept.
		if (src == 0)
			n = bits;
		else if (op == KMT_OP_TZCNT)
			n = static_cast<unsigned>(__builtin_ctzll(src));
		else
			n = static_cast<unsigned>(__builtin_clzll(src)) - (64 - bits);
		uint64_t f = (src == 0 ? kCF : 0) | (n == 0 ? kZF : 0);
		return { n, set_flags(rflags, kCF | kZF | kSF | kAF | kPF, f) };
	}
	case KMT_OP_POPCNT:
		n = popcount(src);
		return { n, set_flags(rflags, kStatus, src == 0 ? kZF : 0) };
	default:
		*written = false;
		return { dst, rflags };
	}
}

} // namespace kmt
