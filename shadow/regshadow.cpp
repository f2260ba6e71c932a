// SPDX-License-Identifier: GPL-2.0
//
// regshadow.cpp - register shadow propagation behind kmt_regshadow.h.
//
// One instruction at a time, before it runs, from its decoded semantics (kmt_decode.h, the
// families of kmt_ops.h) and the values it will run with. The rules are KMSAN's
// (MemorySanitizer.cpp), bit-exact where KMSAN is exact and where the kernel's own idioms need it:
//
//   move                      the shadow moves with the value (zero- or sign-extended, merged)
//   AND / OR with known bits  an initialized 0 (AND) or 1 (OR) makes the result bit initialized
//   XOR, NOT                  bit by bit; XOR r, r and SUB r, r clear
//   ADD SUB ADC SBB NEG ...   OR of the operands' shadows (KMSAN's approximation)
//   shifts and rotates        the shadow bits move with the count; an uninitialized count
//                             makes the whole result uninitialized
//   multiply                  from the lowest uninitialized bit (scaled by a known constant) up
//   BSF TZCNT / BSR LZCNT     initialized when a known 1 bit decides them before any unknown bit
//   flags                     ZF is initialized when known bits already decide it (a known 1 in
//                             an AND/TEST result, known differing bits in CMP/SUB); otherwise a
//                             flag depends on the bits it is computed from
//
// A use is an instruction whose behaviour depends on uninitialized bits: Jcc, SETcc, CMOVcc,
// ADC/SBB on uninitialized flags, CMPXCHG when the comparison is not decided by known bits, a
// memory address or indirect target from uninitialized register bits, a divisor, a store to
// user memory. Each use is reported once: the used bits count as initialized afterwards.
//
// Freestanding C++17, no allocation, no globals.

#include "kmt_regshadow.h"
#include "kmt_ops.h"
#include "kmt_slots.h"

namespace kmt {
namespace {

constexpr uint64_t width_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

constexpr uint8_t byte_count_mask(unsigned size)
{
	return size >= 8 ? 0xff : static_cast<uint8_t>((1u << size) - 1);
}

// Bit i set when byte i of @bits is not 0.
inline uint8_t bytes_with_bits(uint64_t bits)
{
	uint8_t m = 0;
	for (unsigned i = 0; i < 8; i++)
		if ((bits >> (8 * i)) & 0xff)
			m |= static_cast<uint8_t>(1u << i);
	return m;
}

inline unsigned popcount8(uint8_t v)
{
	unsigned n = 0;
	for (; v; v &= static_cast<uint8_t>(v - 1))
		n++;
	return n;
}

inline unsigned ctz64(uint64_t v) { return static_cast<unsigned>(__builtin_ctzll(v)); }
inline unsigned clz64(uint64_t v) { return static_cast<unsigned>(__builtin_clzll(v)); }

// All bits from the lowest set bit of @s upward, within @mask.
inline uint64_t spread_up(uint64_t s, uint64_t mask)
{
	return s ? (~0ull << ctz64(s)) & mask : 0;
}

// Sign-extends the shadow of a @from-byte value to @to bytes: the sign bit's shadow repeats.
inline uint64_t sext_shadow(uint64_t s, unsigned from, unsigned to)
{
	const uint64_t sign = (s >> (8 * from - 1)) & 1;
	return (s & width_mask(from)) | (sign ? width_mask(to) & ~width_mask(from) : 0);
}

constexpr uint16_t kCF = KMT_FLAG_CF, kPF = KMT_FLAG_PF, kAF = KMT_FLAG_AF, kZF = KMT_FLAG_ZF,
		   kSF = KMT_FLAG_SF, kOF = KMT_FLAG_OF, kStatus = KMT_FLAGS_STATUS;

// One operand as the rules see it: its shadow, and its value where it is known.
struct Val {
	uint64_t m_shadow = 0;
	uint64_t m_value = 0;
	bool m_known = false;      // m_value is the real value (its initialized bits are right)
	uint8_t m_unalloc = 0;     // bytes from unallocated memory
	kmt_origin m_origin = {};
};

class Prop {
public:
	Prop(kmt_regshadow *rs, const kmt_insn *insn, const kmt_regs *regs, const kmt_prop_env *env,
	     kmt_use *uses, unsigned *nuses)
		: m_rs(rs), m_insn(insn), m_regs(regs), m_env(env), m_uses(uses), m_nuses(nuses)
	{
		*m_nuses = 0;
	}

	[[nodiscard]] int run();

private:
	const kmt_operand &op(unsigned i) const { return m_insn->ops[i]; }
	unsigned nops() const { return m_insn->nops; }
	uint64_t mem_address(unsigned mem) const { return kmt_mem_address(m_insn, &m_insn->mem[mem], m_regs); }
	bool is_user(uint64_t addr) const { return m_env->is_user && m_env->is_user(m_env->ctx, addr); }
	bool on_stack(uint64_t addr) const
	{
		return m_env->slots && m_env->is_stack && m_env->is_stack(m_env->ctx, addr);
	}

	// Registers.
	Val reg(unsigned r, unsigned size, bool high8) const;
	void set_reg(unsigned r, unsigned size, bool high8, uint64_t shadow, uint8_t unalloc, const kmt_origin &o);
	void clear_reg(unsigned r) { m_rs->gpr[r] = 0; m_rs->unalloc[r] = 0; m_rs->origin[r] = {}; }
	// After a use was reported, the value it came from counts as initialized everywhere it went
	// (a loop would otherwise report its every iteration): every register loaded by that load.
	void forget_origin(const kmt_origin &o)
	{
		if (!o.rip)
			return;
		for (unsigned r = 0; r < 16; r++)
			if (m_rs->gpr[r] && m_rs->origin[r].rip == o.rip && m_rs->origin[r].addr == o.addr)
				clear_reg(r);
	}

	// Operands.
	Val read(const kmt_operand &o);
	void write(const kmt_operand &o, uint64_t shadow, uint8_t unalloc, const kmt_origin &origin);
	void write_val(const kmt_operand &o, const Val &v) { write(o, v.m_shadow, v.m_unalloc, v.m_origin); }
	int dst_index() const;
	int src_index(unsigned nth) const;

	// Flags.
	uint16_t flags_uninit(uint16_t which) const { return m_rs->flags & which; }
	void set_flags(uint16_t uninit, const kmt_origin &o);
	void flags_from_result(uint64_t value, bool known, uint64_t shadow, unsigned size, uint16_t extra_uninit,
			       const kmt_origin &o);

	// Uses.
	void use(uint8_t kind, uint8_t reg, uint64_t bits, const kmt_origin &o, uint64_t addr = 0, uint32_t size = 0);
	void check_addresses();
	bool check_cond();

	// Families.
	int move();
	int logic();
	int arith();
	int shift();
	int rotate();
	int multiply();
	int divide();
	int cmpxchg();
	int bit_test();
	int bit_count();
	int stack();
	int string();
	int other();
	[[nodiscard]] bool other_supported() const;
	[[nodiscard]] bool supported() const;

	kmt_regshadow *m_rs;
	const kmt_insn *m_insn;
	const kmt_regs *m_regs;
	const kmt_prop_env *m_env;
	kmt_use *m_uses;
	unsigned *m_nuses;
};

Val Prop::reg(unsigned r, unsigned size, bool high8) const
{
	Val v;
	const unsigned shift = high8 ? 8 : 0;
	v.m_shadow = (m_rs->gpr[r] >> shift) & width_mask(size);
	v.m_value = (m_regs->gpr[r] >> shift) & width_mask(size);
	v.m_known = true;
	v.m_unalloc = static_cast<uint8_t>((m_rs->unalloc[r] >> (high8 ? 1 : 0)) & byte_count_mask(size));
	v.m_origin = m_rs->origin[r];
	return v;
}

// 64-bit mode: a 4-byte write zero-extends, 1- and 2-byte writes merge (AH..BH: bits 15:8).
void Prop::set_reg(unsigned r, unsigned size, bool high8, uint64_t shadow, uint8_t unalloc, const kmt_origin &o)
{
	uint64_t &g = m_rs->gpr[r];
	uint8_t &u = m_rs->unalloc[r];
	shadow &= width_mask(size);
	unalloc &= byte_count_mask(size);
	if (high8) {
		g = (g & ~0xff00ull) | (shadow << 8);
		u = static_cast<uint8_t>((u & ~2u) | ((unalloc & 1u) << 1));
	} else if (size == 4 || size >= 8) {
		g = shadow;
		u = unalloc;
	} else {
		g = (g & ~width_mask(size)) | shadow;
		u = static_cast<uint8_t>((u & ~byte_count_mask(size)) | unalloc);
	}
	if (shadow)
		m_rs->origin[r] = o;
	else if (!g)
		m_rs->origin[r] = {};
}

Val Prop::read(const kmt_operand &o)
{
	Val v;
	switch (o.kind) {
	case KMT_OPND_REG:
		return reg(o.reg, o.size, o.flags & KMT_OPND_HIGH8);
	case KMT_OPND_IMM:
		v.m_value = o.imm;
		v.m_known = true;
		return v;
	case KMT_OPND_MEM: {
		const uint64_t addr = mem_address(o.mem);
		const unsigned size = o.size < 8 ? o.size : 8;
		if (m_env->read && m_env->read(m_env->ctx, addr, &v.m_value, size) == 0) {
			v.m_value &= width_mask(size);
			v.m_known = true;
		}
		if (is_user(addr))
			return v; // user memory holds what the user put there: initialized
		uint8_t unalloc = 0, freed = 0;
		uint64_t s = kmt_shadow_load_bits(m_env->map, addr, size, &unalloc, &freed);
		// Freed bytes are reported at the load; unallocated ones too, unless copies carry them.
		uint8_t drop = freed;
		if (!m_env->carry_unallocated)
			drop |= unalloc;
		for (unsigned i = 0; i < 8; i++)
			if (drop & (1u << i))
				s &= ~(0xffull << (8 * i));
		if (m_env->nul_words && v.m_known) {
			// Word-at-a-time name code: the bytes after the name's NUL are never used.
			const uint8_t tail = kmt_nul_tail(v.m_value, size, static_cast<uint8_t>(bytes_with_bits(s) | unalloc | freed));
			for (unsigned i = 0; i < 8; i++)
				if (tail & (1u << i))
					s &= ~(0xffull << (8 * i));
			unalloc = static_cast<uint8_t>(unalloc & ~tail);
		}
		v.m_shadow = s;
		v.m_unalloc = static_cast<uint8_t>(unalloc & ~freed & bytes_with_bits(s));
		if (s)
			v.m_origin = kmt_origin{ m_regs->rip, addr + ctz64(s) / 8 };
		if (v.m_known && on_stack(addr)) {
			// Uninitialized bits stored to the stack in this window (kmt_slots.h), still there.
			kmt_origin so{};
			const uint64_t ss =
				kmt_slots_load(m_env->slots, m_env->task, m_env->window, addr, size, v.m_value, &so);
			if (ss && !s)
				v.m_origin = so;
			v.m_shadow |= ss;
		}
		return v;
	}
	default:
		return v;
	}
}

void Prop::write(const kmt_operand &o, uint64_t shadow, uint8_t unalloc, const kmt_origin &origin)
{
	if (o.kind == KMT_OPND_REG) {
		set_reg(o.reg, o.size, o.flags & KMT_OPND_HIGH8, shadow, unalloc, origin);
		return;
	}
	if (o.kind != KMT_OPND_MEM)
		return;
	const uint64_t addr = mem_address(o.mem);
	const unsigned size = o.size < 8 ? o.size : 8;
	shadow &= width_mask(size);
	if (is_user(addr)) {
		if (shadow) {
			use(KMT_USE_USER, KMT_REG_NONE, shadow, origin, addr, size);
			m_uses[*m_nuses - 1].bad_bytes = static_cast<uint8_t>(popcount8(bytes_with_bits(shadow)));
		}
		return;
	}
	if (on_stack(addr))
		kmt_slots_store(m_env->slots, m_env->task, addr, size, shadow, &origin, m_env->window);
	kmt_shadow_store_bits(m_env->map, addr, size, shadow, unalloc);
}

int Prop::dst_index() const
{
	for (unsigned i = 0; i < nops(); i++)
		if (op(i).access & KMT_ACCESS_WRITE)
			return static_cast<int>(i);
	return -1;
}

// The @nth operand that is read and not written (0: the first source).
int Prop::src_index(unsigned nth) const
{
	for (unsigned i = 0; i < nops(); i++) {
		const kmt_operand &o = op(i);
		const bool reads = o.kind == KMT_OPND_IMM || (o.access & KMT_ACCESS_READ);
		if (reads && !(o.access & KMT_ACCESS_WRITE) && nth-- == 0)
			return static_cast<int>(i);
	}
	return -1;
}

void Prop::set_flags(uint16_t uninit, const kmt_origin &o)
{
	const uint16_t written = m_insn->flags_written;
	uninit &= written & ~m_insn->flags_undefined; // undefined flags: nothing may rely on them
	m_rs->flags = static_cast<uint16_t>((m_rs->flags & ~written) | uninit);
	if (uninit)
		m_rs->flags_origin = o;
	else if (!m_rs->flags)
		m_rs->flags_origin = {};
}

// ZF SF PF of a result: ZF is initialized when a known 1 bit makes the result non-zero, or when
// no bit is unknown; SF is the top bit's; PF the low byte's. @extra_uninit: flags (CF, OF, AF)
// the caller found uninitialized.
void Prop::flags_from_result(uint64_t value, bool known, uint64_t shadow, unsigned size, uint16_t extra_uninit,
			     const kmt_origin &o)
{
	shadow &= width_mask(size);
	uint16_t u = extra_uninit;
	const bool known_one = known && ((value & ~shadow) & width_mask(size)) != 0;
	if (shadow && !known_one)
		u |= kZF;
	if ((shadow >> (8 * size - 1)) & 1)
		u |= kSF;
	if (shadow & 0xff)
		u |= kPF;
	set_flags(u, o);
}

void Prop::use(uint8_t kind, uint8_t reg, uint64_t bits, const kmt_origin &o, uint64_t addr, uint32_t size)
{
	if (*m_nuses >= KMT_MAX_USES)
		return;
	kmt_use &u = m_uses[(*m_nuses)++];
	u = kmt_use{};
	u.kind = kind;
	u.reg = reg;
	u.bits = bits;
	u.addr = addr;
	u.size = size;
	u.origin = o;
}

// Every memory operand's address registers (and the stack pointer of stack operations).
void Prop::check_addresses()
{
	auto check = [&](unsigned r, uint64_t mask, uint64_t addr) {
		if (r >= 16 || !(m_rs->gpr[r] & mask))
			return;
		use(KMT_USE_ADDRESS, static_cast<uint8_t>(r), m_rs->gpr[r] & mask, m_rs->origin[r], addr);
		clear_reg(r);
	};
	for (unsigned i = 0; i < m_insn->nmem; i++) {
		const kmt_mem_operand &m = m_insn->mem[i];
		if (m.flags & KMT_MEM_VSIB)
			continue;
		const uint64_t mask = (m.flags & KMT_MEM_ADDR32) ? 0xffffffffull : ~0ull;
		const uint64_t addr = kmt_mem_address(m_insn, &m, m_regs);
		check(m.base, mask, addr);
		check(m.index, mask, addr);
		if (m.flags & KMT_MEM_BITOFFSET)
			check(m.bit_reg, ~0ull, addr);
	}
	if (op_info(m_insn->op).m_family == OpFamily::Stack || m_insn->op == KMT_OP_CALL ||
	    m_insn->op == KMT_OP_CALL_INDIRECT || m_insn->op == KMT_OP_RET)
		check(KMT_REG_RSP, ~0ull, m_regs->gpr[KMT_REG_RSP]);
}

// A decision on the condition code of Jcc/SETcc/CMOVcc. Returns false if the flags it reads are
// uninitialized (a use, reported; they count as initialized afterwards).
bool Prop::check_cond()
{
	const uint16_t bad = flags_uninit(cond_flags(m_insn->cond));
	if (!bad)
		return true;
	use(KMT_USE_BRANCH, KMT_REG_NONE, bad, m_rs->flags_origin);
	// All the flags came from one instruction, whose uninitialized input is now reported.
	forget_origin(m_rs->flags_origin);
	m_rs->flags = 0;
	m_rs->flags_origin = {};
	return false;
}

int Prop::move()
{
	const int d = dst_index(), s = src_index(0);
	switch (m_insn->op) {
	case KMT_OP_CBW: {
		// rAX = sign-extended lower half of rAX.
		const unsigned size = m_insn->implicit_size ? m_insn->implicit_size : 8;
		const Val a = reg(KMT_REG_RAX, size / 2, false);
		set_reg(KMT_REG_RAX, size, false, sext_shadow(a.m_shadow, size / 2, size), 0, a.m_origin);
		return KMT_PROP_OK;
	}
	case KMT_OP_CWD: {
		// rDX = copies of rAX's sign bit.
		const unsigned size = m_insn->implicit_size ? m_insn->implicit_size : 8;
		const Val a = reg(KMT_REG_RAX, size, false);
		const uint64_t sign = (a.m_shadow >> (8 * size - 1)) & 1;
		set_reg(KMT_REG_RDX, size, false, sign ? width_mask(size) : 0, 0, a.m_origin);
		return KMT_PROP_OK;
	}
	default:
		break;
	}
	if (d < 0 || s < 0)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &dst = op(static_cast<unsigned>(d));
	Val v = read(op(static_cast<unsigned>(s)));
	const unsigned from = op(static_cast<unsigned>(s)).size;
	if (m_insn->op == KMT_OP_MOVSX || m_insn->op == KMT_OP_MOVSXD)
		v.m_shadow = sext_shadow(v.m_shadow, from, dst.size);
	write_val(dst, v);
	return KMT_PROP_OK;
}

int Prop::logic()
{
	const int d = dst_index();
	const unsigned first = d >= 0 ? static_cast<unsigned>(d) : 0; // TEST writes nothing
	if (nops() < 1)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &a_op = op(first);
	const unsigned size = a_op.size;
	const Val a = read(a_op);
	if (m_insn->op == KMT_OP_NOT) {
		write_val(a_op, a);
		return KMT_PROP_OK;
	}
	if (nops() < 2)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &b_op = op(first + 1);
	const Val b = read(b_op);
	const kmt_origin &o = a.m_shadow ? a.m_origin : b.m_origin;
	const bool same_reg = a_op.kind == KMT_OPND_REG && b_op.kind == KMT_OPND_REG && a_op.reg == b_op.reg &&
			      (a_op.flags & KMT_OPND_HIGH8) == (b_op.flags & KMT_OPND_HIGH8);
	uint64_t s = 0, value = 0;
	bool known = a.m_known && b.m_known;
	switch (m_insn->op) {
	case KMT_OP_AND:
	case KMT_OP_TEST: {
		// A result bit is known when both are, or when either is a known 0.
		const uint64_t a0 = a.m_known ? ~a.m_value & ~a.m_shadow : 0;
		const uint64_t b0 = b.m_known ? ~b.m_value & ~b.m_shadow : 0;
		s = (a.m_shadow | b.m_shadow) & ~a0 & ~b0;
		value = a.m_value & b.m_value;
		break;
	}
	case KMT_OP_OR: {
		const uint64_t a1 = a.m_known ? a.m_value & ~a.m_shadow : 0;
		const uint64_t b1 = b.m_known ? b.m_value & ~b.m_shadow : 0;
		s = (a.m_shadow | b.m_shadow) & ~a1 & ~b1;
		value = a.m_value | b.m_value;
		break;
	}
	case KMT_OP_XOR:
		s = same_reg ? 0 : a.m_shadow | b.m_shadow;
		value = same_reg ? 0 : a.m_value ^ b.m_value;
		known = known || same_reg;
		break;
	default:
		return KMT_PROP_UNSUPPORTED;
	}
	s &= width_mask(size);
	// The byte kinds: a byte that stays uninitialized keeps where it came from.
	const uint8_t unalloc = static_cast<uint8_t>((a.m_unalloc | b.m_unalloc) & bytes_with_bits(s));
	flags_from_result(value, known, s, size, 0, o);
	if (m_insn->op != KMT_OP_TEST)
		write(a_op, s, unalloc, o);
	return KMT_PROP_OK;
}

int Prop::arith()
{
	const uint8_t opc = m_insn->op;
	if (nops() < 1)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &a_op = op(0);
	const unsigned size = a_op.size;
	const Val a = read(a_op);
	Val b;
	bool have_b = false;
	if (opc != KMT_OP_INC && opc != KMT_OP_DEC && opc != KMT_OP_NEG && nops() >= 2) {
		b = read(op(1));
		have_b = true;
	}
	uint16_t carry_in = 0;
	if (opc == KMT_OP_ADC || opc == KMT_OP_SBB) {
		carry_in = flags_uninit(kCF);
		if (carry_in) {
			use(KMT_USE_BRANCH, KMT_REG_NONE, carry_in, m_rs->flags_origin);
			forget_origin(m_rs->flags_origin);
			m_rs->flags = 0;
			m_rs->flags_origin = {};
		}
	}
	const bool same_reg = have_b && a_op.kind == KMT_OPND_REG && op(1).kind == KMT_OPND_REG &&
			      a_op.reg == op(1).reg &&
			      (a_op.flags & KMT_OPND_HIGH8) == (op(1).flags & KMT_OPND_HIGH8);
	const kmt_origin &o = a.m_shadow ? a.m_origin : b.m_origin;
	uint64_t s = (a.m_shadow | b.m_shadow) & width_mask(size);
	if (same_reg && (opc == KMT_OP_SUB || opc == KMT_OP_SBB) && !carry_in)
		s = 0; // x - x
	uint16_t u = 0;
	if (s)
		u = kCF | kOF | kAF | kSF | kPF | kZF;
	// CMP / SUB: ZF is known when known bits already differ.
	if ((opc == KMT_OP_CMP || opc == KMT_OP_SUB) && have_b && a.m_known && b.m_known &&
	    ((a.m_value ^ b.m_value) & ~(a.m_shadow | b.m_shadow) & width_mask(size)))
		u &= static_cast<uint16_t>(~kZF);
	set_flags(u, o);
	if (opc == KMT_OP_CMP)
		return KMT_PROP_OK;
	const uint8_t unalloc = static_cast<uint8_t>((a.m_unalloc | b.m_unalloc) & bytes_with_bits(s));
	if (opc == KMT_OP_XADD && have_b) {
		// The source register gets the old destination; the destination the sum.
		write_val(op(1), a);
	}
	write(a_op, s, unalloc, o);
	return KMT_PROP_OK;
}

// The count of a shift or rotate: from the second operand (IMM, 1, or CL). False if uninitialized.
static bool shift_count(const Val &c, unsigned size, unsigned *count)
{
	const unsigned mask = size == 8 ? 63 : 31;
	if (c.m_shadow & mask)
		return false;
	*count = static_cast<unsigned>(c.m_value) & mask;
	return true;
}

int Prop::shift()
{
	if (nops() < 2)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &d_op = op(0);
	const unsigned size = d_op.size, bits = 8 * size;
	const uint64_t wm = width_mask(size);
	const Val d = read(d_op);
	const bool double_shift = m_insn->op == KMT_OP_SHLD || m_insn->op == KMT_OP_SHRD;
	const Val src = double_shift ? read(op(1)) : Val{};
	const Val cnt = read(op(double_shift ? 2 : 1));
	const kmt_origin &o = d.m_shadow ? d.m_origin : src.m_shadow ? src.m_origin : cnt.m_origin;
	unsigned c = 0;
	if (!shift_count(cnt, size, &c)) {
		// An uninitialized count: the whole result is uninitialized (KMSAN).
		set_flags(kStatus, cnt.m_origin);
		write(d_op, wm, 0, cnt.m_origin);
		return KMT_PROP_OK;
	}
	if (c == 0)
		return KMT_PROP_OK; // nothing changes, flags included
	uint64_t s = 0, value = 0, out = 0;
	const uint64_t ds = d.m_shadow & wm, dv = d.m_value & wm;
	switch (m_insn->op) {
	case KMT_OP_SHL:
		s = c < bits ? (ds << c) & wm : 0;
		value = c < bits ? (dv << c) & wm : 0;
		out = c <= bits ? (ds >> (bits - c)) & 1 : 0;
		break;
	case KMT_OP_SHR:
		s = c < bits ? ds >> c : 0;
		value = c < bits ? dv >> c : 0;
		out = c <= bits ? (ds >> (c - 1)) & 1 : 0;
		break;
	case KMT_OP_SAR: {
		const uint64_t sign_s = (ds >> (bits - 1)) & 1;
		const unsigned k = c < bits ? c : bits - 1;
		s = (ds >> k) | (sign_s ? wm & ~(wm >> k) : 0);
		const uint64_t sign_v = (dv >> (bits - 1)) & 1;
		value = (dv >> k) | (sign_v ? wm & ~(wm >> k) : 0);
		out = (ds >> (k - 1)) & 1;
		break;
	}
	case KMT_OP_SHLD:
		if (c >= bits) {
			s = wm; // undefined result
			break;
		}
		s = ((ds << c) | ((src.m_shadow & wm) >> (bits - c))) & wm;
		value = ((dv << c) | ((src.m_value & wm) >> (bits - c))) & wm;
		out = (ds >> (bits - c)) & 1;
		break;
	case KMT_OP_SHRD:
		if (c >= bits) {
			s = wm;
			break;
		}
		s = ((ds >> c) | ((src.m_shadow & wm) << (bits - c))) & wm;
		value = ((dv >> c) | ((src.m_value & wm) << (bits - c))) & wm;
		out = (ds >> (c - 1)) & 1;
		break;
	default:
		return KMT_PROP_UNSUPPORTED;
	}
	flags_from_result(value, d.m_known && (!double_shift || src.m_known), s, size,
			  static_cast<uint16_t>((out ? kCF : 0) | (s ? kOF : 0)), o);
	write(d_op, s, static_cast<uint8_t>(d.m_unalloc & bytes_with_bits(s)), o);
	return KMT_PROP_OK;
}

int Prop::rotate()
{
	if (nops() < 2)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &d_op = op(0);
	const unsigned size = d_op.size, bits = 8 * size;
	const uint64_t wm = width_mask(size);
	const Val d = read(d_op);
	const Val cnt = read(op(1));
	unsigned c = 0;
	if (!shift_count(cnt, size, &c)) {
		set_flags(kCF | kOF, cnt.m_origin);
		write(d_op, wm, 0, cnt.m_origin);
		return KMT_PROP_OK;
	}
	if (c == 0)
		return KMT_PROP_OK;
	const uint64_t ds = d.m_shadow & wm;
	uint64_t s;
	if (m_insn->op == KMT_OP_RCL || m_insn->op == KMT_OP_RCR) {
		// Through CF: bits move and CF's shadow enters; approximate by spreading when CF is unknown.
		const unsigned k = c % (bits + 1);
		if (k == 0)
			return KMT_PROP_OK;
		s = flags_uninit(kCF) ? wm : 0;
		s |= m_insn->op == KMT_OP_RCL ? ((ds << k) | (k > 1 ? ds >> (bits + 1 - k) : 0)) & wm
					      : ((ds >> k) | (k > 1 ? ds << (bits + 1 - k) : 0)) & wm;
	} else {
		const unsigned k = c % bits;
		s = k == 0 ? ds : m_insn->op == KMT_OP_ROL ? ((ds << k) | (ds >> (bits - k))) & wm
							    : ((ds >> k) | (ds << (bits - k))) & wm;
	}
	set_flags(s ? kCF | kOF : 0, d.m_origin);
	write(d_op, s, static_cast<uint8_t>(d.m_unalloc & bytes_with_bits(s)), d.m_origin);
	return KMT_PROP_OK;
}

int Prop::multiply()
{
	// One operand (MUL, IMUL r/m): rDX:rAX = rAX * r/m. Two or three: dst = src * src2.
	if (nops() == 1) {
		const unsigned size = op(0).size;
		const Val a = reg(KMT_REG_RAX, size, false);
		const Val b = read(op(0));
		const kmt_origin &o = a.m_shadow ? a.m_origin : b.m_origin;
		const uint64_t any = a.m_shadow | b.m_shadow;
		set_flags(any ? kCF | kOF : 0, o);
		if (size == 1) {
			set_reg(KMT_REG_RAX, 2, false, spread_up(any, 0xffff), 0, o);
			return KMT_PROP_OK;
		}
		set_reg(KMT_REG_RAX, size, false, spread_up(any, width_mask(size)), 0, o);
		set_reg(KMT_REG_RDX, size, false, any ? width_mask(size) : 0, 0, o);
		return KMT_PROP_OK;
	}
	const int d = dst_index();
	if (d < 0)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &d_op = op(static_cast<unsigned>(d));
	const unsigned size = d_op.size;
	const Val a = nops() == 3 ? read(op(1)) : read(d_op);
	const Val b = nops() == 3 ? read(op(2)) : read(op(1));
	const kmt_origin &o = a.m_shadow ? a.m_origin : b.m_origin;
	uint64_t s;
	// By a known constant c: the product's bits below ctz(c) + (lowest unknown bit) are known.
	if (!b.m_shadow && b.m_known && (b.m_value & width_mask(size)))
		s = spread_up(a.m_shadow << ctz64(b.m_value & width_mask(size)), width_mask(size));
	else if (!a.m_shadow && a.m_known && (a.m_value & width_mask(size)))
		s = spread_up(b.m_shadow << ctz64(a.m_value & width_mask(size)), width_mask(size));
	else
		s = spread_up(a.m_shadow | b.m_shadow, width_mask(size));
	set_flags(s ? kCF | kOF : 0, o);
	write(d_op, s, 0, o);
	return KMT_PROP_OK;
}

int Prop::divide()
{
	if (nops() < 1)
		return KMT_PROP_UNSUPPORTED;
	const unsigned size = op(0).size;
	const Val divisor = read(op(0));
	if (divisor.m_shadow) {
		use(KMT_USE_DIVISOR, op(0).kind == KMT_OPND_REG ? op(0).reg : static_cast<uint8_t>(KMT_REG_NONE), divisor.m_shadow,
		    divisor.m_origin);
		if (op(0).kind == KMT_OPND_REG)
			clear_reg(op(0).reg);
	}
	const Val lo = reg(KMT_REG_RAX, size == 1 ? 2 : size, false);
	const Val hi = size == 1 ? Val{} : reg(KMT_REG_RDX, size, false);
	const uint64_t any = lo.m_shadow | hi.m_shadow;
	const kmt_origin &o = lo.m_shadow ? lo.m_origin : hi.m_origin;
	if (size == 1) {
		set_reg(KMT_REG_RAX, 2, false, any ? 0xffff : 0, 0, o);
	} else {
		set_reg(KMT_REG_RAX, size, false, any ? width_mask(size) : 0, 0, o);
		set_reg(KMT_REG_RDX, size, false, any ? width_mask(size) : 0, 0, o);
	}
	set_flags(0, o);
	return KMT_PROP_OK;
}

int Prop::cmpxchg()
{
	if (m_insn->op == KMT_OP_CMPXCHG8B16B)
		return KMT_PROP_UNSUPPORTED; // rare in the kernel's tracked data; end the window
	if (nops() < 2)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &d_op = op(0);
	const unsigned size = d_op.size;
	const uint64_t wm = width_mask(size);
	const Val dst = read(d_op);
	const Val src = read(op(1));
	const Val acc = reg(KMT_REG_RAX, size, false);
	const uint64_t unknown = (dst.m_shadow | acc.m_shadow) & wm;
	// Equal or not, decided by known bits? Differing known bits say "not equal"; no unknown bit
	// and equal values say "equal". Otherwise the CPU decides on uninitialized bits: a use.
	bool equal;
	if (dst.m_known && ((dst.m_value ^ acc.m_value) & ~unknown & wm)) {
		equal = false;
	} else if (!unknown && dst.m_known) {
		equal = ((dst.m_value ^ acc.m_value) & wm) == 0;
	} else if (!dst.m_known) {
		return KMT_PROP_UNSUPPORTED;
	} else {
		use(KMT_USE_BRANCH, KMT_REG_NONE, unknown, dst.m_shadow ? dst.m_origin : acc.m_origin);
		equal = ((dst.m_value ^ acc.m_value) & wm) == 0;
	}
	set_flags(0, {});
	if (equal)
		write_val(d_op, src);
	else
		set_reg(KMT_REG_RAX, size, false, dst.m_shadow, dst.m_unalloc, dst.m_origin);
	return KMT_PROP_OK;
}

int Prop::bit_test()
{
	if (nops() < 2)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &d_op = op(0);
	const unsigned size = d_op.size, bits = 8 * size;
	const Val d = read(d_op);
	const Val off = read(op(1));
	if (off.m_shadow) {
		// A register form bit offset that is unknown: which bit is tested is unknown.
		set_flags(kCF, off.m_origin);
		if (m_insn->op != KMT_OP_BT)
			write(d_op, width_mask(size), 0, off.m_origin);
		return KMT_PROP_OK;
	}
	// Memory forms with a register offset address the unit itself (kmt_mem_address()).
	const unsigned bit = static_cast<unsigned>(off.m_value) & (bits - 1);
	set_flags(((d.m_shadow >> bit) & 1) ? kCF : 0, d.m_origin);
	if (m_insn->op == KMT_OP_BTS || m_insn->op == KMT_OP_BTR)
		write(d_op, d.m_shadow & ~(1ull << bit), d.m_unalloc, d.m_origin);
	return KMT_PROP_OK;
}

int Prop::bit_count()
{
	if (nops() < 2)
		return KMT_PROP_UNSUPPORTED;
	const kmt_operand &d_op = op(0);
	const unsigned size = d_op.size;
	const uint64_t wm = width_mask(size);
	const Val s = read(op(1));
	const uint64_t unknown = s.m_shadow & wm;
	const uint64_t known_ones = s.m_known ? s.m_value & ~unknown & wm : 0;
	bool decided;
	switch (m_insn->op) {
	case KMT_OP_BSF:
	case KMT_OP_TZCNT:
		// The lowest set bit: decided if a known 1 lies below every unknown bit.
		decided = !unknown || (known_ones && ctz64(known_ones) < ctz64(unknown));
		break;
	case KMT_OP_BSR:
	case KMT_OP_LZCNT:
		decided = !unknown || (known_ones && clz64(known_ones) < clz64(unknown));
		break;
	default: // POPCNT
		decided = !unknown;
		break;
	}
	uint16_t u = 0;
	if (!decided)
		u = kCF | kZF;
	if (known_ones)
		u = static_cast<uint16_t>(u & ~kZF); // the source is known not to be 0
	if (m_insn->op == KMT_OP_TZCNT || m_insn->op == KMT_OP_LZCNT) {
		if (known_ones)
			u = static_cast<uint16_t>(u & ~kCF);
	}
	set_flags(u, s.m_origin);
	write(d_op, decided ? 0 : wm, 0, s.m_origin);
	return KMT_PROP_OK;
}

int Prop::stack()
{
	switch (m_insn->op) {
	case KMT_OP_PUSH: {
		// The stack is not tracked; a pushed register's uninitialized bits go to a stack slot.
		const unsigned size = m_insn->opsize ? m_insn->opsize : 8;
		const uint64_t addr = m_regs->gpr[KMT_REG_RSP] - size;
		if (nops() >= 1 && on_stack(addr)) {
			const Val v = read(op(0));
			kmt_slots_store(m_env->slots, m_env->task, addr, size, v.m_shadow, &v.m_origin, m_env->window);
		}
		return KMT_PROP_OK;
	}
	case KMT_OP_PUSHF:
		return KMT_PROP_OK;
	case KMT_OP_POP:
		if (nops() >= 1 && op(0).kind == KMT_OPND_REG) {
			const unsigned size = m_insn->opsize ? m_insn->opsize : 8;
			const uint64_t addr = m_regs->gpr[KMT_REG_RSP];
			uint64_t value = 0, ss = 0;
			kmt_origin so{};
			if (on_stack(addr) && m_env->read && m_env->read(m_env->ctx, addr, &value, size) == 0)
				ss = kmt_slots_load(m_env->slots, m_env->task, m_env->window, addr, size, value, &so);
			if (ss)
				set_reg(op(0).reg, size, false, ss, 0, so);
			else
				clear_reg(op(0).reg);
		} else if (nops() >= 1) {
			write(op(0), 0, 0, {});
		}
		return KMT_PROP_OK;
	case KMT_OP_POPF:
		set_flags(0, {});
		return KMT_PROP_OK;
	case KMT_OP_LEAVE:
		// rsp = rbp (an address: checked), then pop rbp.
		if (m_rs->gpr[KMT_REG_RBP]) {
			use(KMT_USE_ADDRESS, KMT_REG_RBP, m_rs->gpr[KMT_REG_RBP], m_rs->origin[KMT_REG_RBP],
			    m_regs->gpr[KMT_REG_RBP]);
		}
		clear_reg(KMT_REG_RBP);
		clear_reg(KMT_REG_RSP);
		return KMT_PROP_OK;
	default:
		return KMT_PROP_UNSUPPORTED;
	}
}

int Prop::string()
{
	// One element (a REP instruction traps after every element while single-stepped).
	if (m_insn->rep != KMT_REP_NONE && m_rs->gpr[KMT_REG_RCX]) {
		use(KMT_USE_BRANCH, KMT_REG_RCX, m_rs->gpr[KMT_REG_RCX], m_rs->origin[KMT_REG_RCX]);
		clear_reg(KMT_REG_RCX);
	}
	const int d = dst_index();
	switch (m_insn->op) {
	case KMT_OP_MOVS:
	case KMT_OP_STOS:
	case KMT_OP_LODS: {
		const int s = src_index(0);
		if (d < 0 || s < 0)
			return KMT_PROP_UNSUPPORTED;
		write_val(op(static_cast<unsigned>(d)), read(op(static_cast<unsigned>(s))));
		return KMT_PROP_OK;
	}
	case KMT_OP_CMPS:
	case KMT_OP_SCAS: {
		if (nops() < 2)
			return KMT_PROP_UNSUPPORTED;
		const Val a = read(op(0));
		const Val b = read(op(1));
		set_flags((a.m_shadow | b.m_shadow) ? kStatus : 0, a.m_shadow ? a.m_origin : b.m_origin);
		return KMT_PROP_OK;
	}
	default:
		return KMT_PROP_UNSUPPORTED;
	}
}

// Everything the rules do not cover. Fine as long as it touches nothing uninitialized and the
// decoder knows which registers it writes (they become initialized: what an SSE or system
// instruction writes there comes from state kmemtrap does not track).
bool Prop::other_supported() const
{
	if (!(m_insn->sem_flags & KMT_SEM_GPRS))
		return false;
	for (unsigned r = 0; r < 16; r++)
		if ((m_insn->gpr_read & (1u << r)) && m_rs->gpr[r])
			return false;
	if (m_insn->flags_read & m_rs->flags)
		return false;
	for (unsigned i = 0; i < m_insn->nmem; i++) {
		const kmt_mem_operand &m = m_insn->mem[i];
		if (!(m.access & KMT_ACCESS_READ) || (m.flags & KMT_MEM_VSIB))
			continue;
		const uint64_t addr = kmt_mem_address(m_insn, &m, m_regs);
		if (!is_user(addr) && kmt_shadow_count_bad(m_env->map, addr, m.size, nullptr))
			return false;
	}
	return true;
}

int Prop::other()
{
	for (unsigned r = 0; r < 16; r++)
		if (m_insn->gpr_written & (1u << r))
			clear_reg(r);
	for (unsigned i = 0; i < m_insn->nmem; i++) {
		const kmt_mem_operand &m = m_insn->mem[i];
		if ((m.access & KMT_ACCESS_WRITE) && !(m.access & KMT_ACCESS_COND) && !(m.flags & KMT_MEM_VSIB)) {
			const uint64_t addr = kmt_mem_address(m_insn, &m, m_regs);
			if (!is_user(addr))
				kmt_shadow_set(m_env->map, addr, m.size, KMT_SHADOW_INIT);
		}
	}
	set_flags(0, {});
	return KMT_PROP_OK;
}

// Whether the rules cover @m_insn here. Checked before anything changes, so that an instruction
// the rules do not cover leaves the register and memory shadows as they were.
bool Prop::supported() const
{
	const int d = dst_index(), s = src_index(0);
	switch (op_info(m_insn->op).m_family) {
	case OpFamily::Move:
		return m_insn->op == KMT_OP_CBW || m_insn->op == KMT_OP_CWD || (d >= 0 && s >= 0);
	case OpFamily::Lea:
		return d >= 0;
	case OpFamily::Exchange:
	case OpFamily::Shift:
	case OpFamily::Rotate:
	case OpFamily::BitTest:
	case OpFamily::BitCount:
		return nops() >= 2;
	case OpFamily::Logic:
		return nops() >= (m_insn->op == KMT_OP_NOT ? 1u : 2u);
	case OpFamily::Arith:
	case OpFamily::Divide:
		return nops() >= 1;
	case OpFamily::Multiply:
		return nops() == 1 || d >= 0;
	case OpFamily::CmpXchg: {
		if (m_insn->op == KMT_OP_CMPXCHG8B16B || nops() < 2)
			return false;
		// Its decision needs the destination's value.
		if (op(0).kind != KMT_OPND_MEM)
			return true;
		uint64_t v = 0;
		return m_env->read && m_env->read(m_env->ctx, mem_address(op(0).mem), &v, op(0).size < 8 ? op(0).size : 8) == 0;
	}
	case OpFamily::Bswap:
		return nops() >= 1 && op(0).kind == KMT_OPND_REG;
	case OpFamily::CmovCc:
		return d >= 0 && s >= 0;
	case OpFamily::Branch:
		return (m_insn->op != KMT_OP_JMP_INDIRECT && m_insn->op != KMT_OP_CALL_INDIRECT) || nops() >= 1;
	case OpFamily::Stack:
		return m_insn->op == KMT_OP_PUSH || m_insn->op == KMT_OP_PUSHF || m_insn->op == KMT_OP_POP ||
		       m_insn->op == KMT_OP_POPF || m_insn->op == KMT_OP_LEAVE;
	case OpFamily::String:
		if (m_insn->op == KMT_OP_CMPS || m_insn->op == KMT_OP_SCAS)
			return nops() >= 2;
		return d >= 0 && s >= 0;
	case OpFamily::SetCc:
	case OpFamily::Flag:
	case OpFamily::Nop:
		return true;
	case OpFamily::Trap:
		return false;
	default:
		return other_supported();
	}
}

int Prop::run()
{
	const OpFamily family = op_info(m_insn->op).m_family;
	if (!supported())
		return KMT_PROP_UNSUPPORTED;
	check_addresses();
	switch (family) {
	case OpFamily::Move:
		return move();
	case OpFamily::Lea: {
		// The address computed: like an addition of the address registers (not a use).
		const int d = dst_index();
		if (d < 0)
			return KMT_PROP_UNSUPPORTED;
		const kmt_mem_operand &a = m_insn->agen;
		uint64_t s = 0;
		kmt_origin o = {};
		if (a.base < 16 && m_rs->gpr[a.base]) {
			s |= m_rs->gpr[a.base];
			o = m_rs->origin[a.base];
		}
		if (a.index < 16 && m_rs->gpr[a.index]) {
			s |= m_rs->gpr[a.index] << (a.scale == 8 ? 3 : a.scale == 4 ? 2 : a.scale == 2 ? 1 : 0);
			o = m_rs->origin[a.index];
		}
		write(op(static_cast<unsigned>(d)), s, 0, o);
		return KMT_PROP_OK;
	}
	case OpFamily::Exchange: {
		if (nops() < 2)
			return KMT_PROP_UNSUPPORTED;
		const Val a = read(op(0));
		const Val b = read(op(1));
		write_val(op(0), b);
		write_val(op(1), a);
		return KMT_PROP_OK;
	}
	case OpFamily::Logic:
		return logic();
	case OpFamily::Arith:
		return arith();
	case OpFamily::Shift:
		return shift();
	case OpFamily::Rotate:
		return rotate();
	case OpFamily::Multiply:
		return multiply();
	case OpFamily::Divide:
		return divide();
	case OpFamily::CmpXchg:
		return cmpxchg();
	case OpFamily::BitTest:
		return bit_test();
	case OpFamily::BitCount:
		return bit_count();
	case OpFamily::Bswap: {
		if (nops() < 1 || op(0).kind != KMT_OPND_REG)
			return KMT_PROP_UNSUPPORTED;
		const Val v = reg(op(0).reg, op(0).size, false);
		uint64_t s = 0;
		for (unsigned i = 0; i < op(0).size; i++)
			s |= ((v.m_shadow >> (8 * i)) & 0xff) << (8 * (op(0).size - 1 - i));
		write(op(0), s, 0, v.m_origin);
		return KMT_PROP_OK;
	}
	case OpFamily::SetCc: {
		check_cond();
		if (nops() >= 1)
			write(op(0), 0, 0, {});
		return KMT_PROP_OK;
	}
	case OpFamily::CmovCc: {
		const int d = dst_index(), s = src_index(0);
		if (d < 0 || s < 0)
			return KMT_PROP_UNSUPPORTED;
		const kmt_operand &d_op = op(static_cast<unsigned>(d));
		const bool decided = check_cond();
		// Taken or not, the real flags say (decided or just reported); 4-byte forms always
		// write (zero-extend) the destination.
		const uint64_t f = m_regs->rflags;
		bool taken;
		const bool zf = f & kZF, cf = f & kCF, sf = f & kSF, of = f & kOF, pf = f & kPF;
		switch ((m_insn->cond & 15) >> 1) {
		case 0: taken = of; break;
		case 1: taken = cf; break;
		case 2: taken = zf; break;
		case 3: taken = cf || zf; break;
		case 4: taken = sf; break;
		case 5: taken = pf; break;
		case 6: taken = sf != of; break;
		default: taken = zf || sf != of; break;
		}
		if (m_insn->cond & 1)
			taken = !taken;
		(void)decided;
		if (taken)
			write_val(d_op, read(op(static_cast<unsigned>(s))));
		else
			write_val(d_op, read(d_op));
		return KMT_PROP_OK;
	}
	case OpFamily::Branch:
		switch (m_insn->op) {
		case KMT_OP_JCC:
			check_cond();
			return KMT_PROP_OK;
		case KMT_OP_JMP_INDIRECT:
		case KMT_OP_CALL_INDIRECT: {
			if (nops() < 1)
				return KMT_PROP_UNSUPPORTED;
			const Val t = read(op(0));
			if (t.m_shadow) {
				use(KMT_USE_ADDRESS, op(0).kind == KMT_OPND_REG ? op(0).reg : static_cast<uint8_t>(KMT_REG_NONE), t.m_shadow,
				    t.m_origin);
				if (op(0).kind == KMT_OPND_REG)
					clear_reg(op(0).reg);
			}
			return KMT_PROP_OK;
		}
		default:
			return KMT_PROP_OK; // JMP, CALL, RET: nothing of ours moves
		}
	case OpFamily::Stack:
		return stack();
	case OpFamily::String:
		return string();
	case OpFamily::Flag:
		if (m_insn->op == KMT_OP_CLC || m_insn->op == KMT_OP_STC)
			set_flags(0, {});
		return KMT_PROP_OK;
	case OpFamily::Nop:
		return KMT_PROP_OK;
	default:
		return other();
	}
}

} // namespace
} // namespace kmt

extern "C" {

int kmt_propagate(struct kmt_regshadow *rs, const struct kmt_insn *insn, const struct kmt_regs *regs,
		  const struct kmt_prop_env *env, struct kmt_use *uses, unsigned *nuses)
{
	// In place: the rules check first that they cover the instruction (Prop::supported()), so
	// an unsupported one changes nothing. No copy: this runs on the small #DB stack.
	return kmt::Prop(rs, insn, regs, env, uses, nuses).run();
}

uint8_t kmt_nul_tail(uint64_t value, unsigned size, uint8_t bad)
{
	if (size > 8)
		size = 8;
	for (unsigned i = 0; i < size; i++) {
		if ((bad & (1u << i)) || ((value >> (8 * i)) & 0xff))
			continue;
		// Byte i is an initialized NUL: everything above it in the word.
		return static_cast<uint8_t>(((1u << size) - 1) & ~((2u << i) - 1));
	}
	return 0;
}

int kmt_regshadow_tainted(const struct kmt_regshadow *rs)
{
	if (rs->flags)
		return 1;
	for (unsigned i = 0; i < 16; i++)
		if (rs->gpr[i])
			return 1;
	return 0;
}

const char *kmt_use_kind_str(int kind)
{
	switch (kind) {
	case KMT_USE_BRANCH:
		return "a conditional branch depends on it";
	case KMT_USE_ADDRESS:
		return "a memory address (or jump target) is computed from it";
	case KMT_USE_DIVISOR:
		return "it is a divisor";
	case KMT_USE_USER:
		return "it is copied to user space";
	default:
		return "unknown use";
	}
}

} // extern "C"
