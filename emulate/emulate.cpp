// SPDX-License-Identifier: GPL-2.0
//
// emulate.cpp - kmemtrap's emulator for the integer subset (see kmt_emulate.h and
// docs/emulator.md).
//
// An Emulator works on a copy of the register file. It reads every operand first (memory
// through the read callback), computes with kmt_alu.h, then performs the single memory write
// the instruction may have, and only then copies the registers back: a fault at any point
// leaves the caller's state untouched. Atomic read-modify-writes instead loop on the cmpxchg
// callback, recomputing from the value it returns, and commit the registers after it succeeds.
//
// Freestanding C++17: no libstdc++, no exceptions, no heap, no globals with constructors.

#include "kmt_emulate.h"

#include "kmt_alu.h"
#include "kmt_ops.h"

namespace kmt {
namespace {

// Compare-exchange attempts before an atomic read-modify-write gives up (UNSUPPORTED, nothing
// changed): only reached if other CPUs change the location on every attempt.
constexpr unsigned kMaxCasAttempts = 1u << 16;

constexpr uint64_t kRflagsRf = 1ull << 16, kRflagsVm = 1ull << 17;

// x86 is little-endian: the sizes the instructions have are one copy each (the common case of
// every emulated access); a byte loop is left for any other.
uint64_t load_le(const uint8_t *p, unsigned size)
{
	switch (size) {
	case 1: return p[0];
	case 2: { uint16_t v; __builtin_memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
	case 8: case 16: { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
	default: break;
	}
	uint64_t v = 0;
	for (unsigned i = 0; i < size && i < 8; i++)
		v |= static_cast<uint64_t>(p[i]) << (8 * i);
	return v;
}

void store_le(uint8_t *p, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: p[0] = static_cast<uint8_t>(v); return;
	case 2: { const uint16_t w = static_cast<uint16_t>(v); __builtin_memcpy(p, &w, 2); return; }
	case 4: { const uint32_t w = static_cast<uint32_t>(v); __builtin_memcpy(p, &w, 4); return; }
	case 8: case 16: __builtin_memcpy(p, &v, 8); return;
	default: break;
	}
	for (unsigned i = 0; i < size && i < 8; i++)
		p[i] = static_cast<uint8_t>(v >> (8 * i));
}

bool equal_bytes(const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

// Status of an internal step: done, or stop with a status for the caller.
enum class Step : uint8_t { Ok, Unsupported, Fault };

class Emulator {
public:
	Emulator(const kmt_insn &insn, const kmt_regs &regs, const kmt_emu_mem &mem)
		: m_regs(regs), m_insn(insn), m_mem(mem)
	{
	}

	Step run();

	kmt_regs m_regs; // the result, valid after Step::Ok

private:
	// ---- registers ----
	uint64_t reg(unsigned r) const { return m_regs.gpr[r & 15]; }
	uint64_t reg_value(const kmt_operand &o) const;
	// Writes @v to GPR @r as a @size-byte register: 4 zero-extends, 1 and 2 merge.
	void set_reg(unsigned r, unsigned size, bool high8, uint64_t v);
	void set_reg_operand(const kmt_operand &o, uint64_t v)
	{
		set_reg(o.reg, o.size, o.flags & KMT_OPND_HIGH8, v);
	}
	uint64_t acc(unsigned size) const { return reg(KMT_REG_RAX) & width_mask(size); }

	// ---- memory ----
	uint64_t address(unsigned mem_index) const
	{
		return kmt_mem_address(&m_insn, &m_insn.mem[mem_index], &m_regs);
	}
	Step fault(uint64_t addr, uint32_t size, uint8_t access, int code);
	Step read(uint64_t addr, unsigned size, uint64_t *v);
	// Records the instruction's one memory write; done by finish().
	void defer_write(uint64_t addr, unsigned size, uint64_t v);
	// Reads a REG, MEM or IMM operand (MEM at its mem[] address).
	Step load(const kmt_operand &o, uint64_t *v);
	// Writes a REG operand now, or defers the write of a MEM one.
	void store(const kmt_operand &o, uint64_t v);
	// Performs the deferred write: the last step that can fail.
	Step finish();

	// Atomic read-modify-write of @size bytes at @addr. @compute(old, &new) starts from the
	// registers as they were and may change m_regs; it returns false to leave memory alone.
	template <class Compute>
	Step atomic_rmw(uint64_t addr, unsigned size, Compute compute);
	// Read-modify-write of operand @o (register, plain memory or, locked, atomic).
	template <class Compute>
	Step modify(const kmt_operand &o, Compute compute);

	// ---- stack ----
	void push(unsigned size, uint64_t v);
	Step pop(unsigned size, uint64_t *v);

	// ---- families ----
	Step do_move();
	Step do_alu();
	Step do_shift();
	Step do_multiply();
	Step do_divide();
	Step do_xchg_xadd();
	Step do_cmpxchg();
	Step do_cmpxchg_double();
	Step do_bit_test();
	Step do_bit_count();
	Step do_branch();
	Step do_stack();
	Step do_string();
	Step do_flag();

	bool locked() const
	{
		return (m_insn.flags & KMT_INSN_LOCK) || m_insn.insn_class == KMT_CLASS_ATOMIC;
	}
	uint64_t next_rip() const { return m_insn_rip + m_insn.length; }

	const kmt_insn &m_insn;
	const kmt_emu_mem &m_mem;
	const uint64_t m_insn_rip = m_regs.rip;
	// Where RIP goes: past the instruction unless a branch says otherwise. m_regs.rip stays at
	// the instruction until the end, for RIP-relative addresses (kmt_mem_address()).
	uint64_t m_new_rip = m_insn_rip + m_insn.length;

	bool m_pending = false; // a deferred memory write
	uint64_t m_pending_addr = 0;
	unsigned m_pending_size = 0;
	uint8_t m_pending_bytes[16] = {};
};

uint64_t Emulator::reg_value(const kmt_operand &o) const
{
	if (o.flags & KMT_OPND_HIGH8)
		return (reg(o.reg) >> 8) & 0xff;
	return reg(o.reg) & width_mask(o.size);
}

void Emulator::set_reg(unsigned r, unsigned size, bool high8, uint64_t v)
{
	uint64_t &g = m_regs.gpr[r & 15];
	if (high8)
		g = (g & ~0xff00ull) | ((v & 0xff) << 8);
	else if (size >= 8)
		g = v;
	else if (size == 4)
		g = v & 0xffffffffull; // 32-bit writes zero-extend in 64-bit mode
	else
		g = (g & ~width_mask(size)) | (v & width_mask(size));
}

Step Emulator::fault(uint64_t addr, uint32_t size, uint8_t access, int code)
{
	if (m_mem.fault) {
		m_mem.fault->addr = addr;
		m_mem.fault->size = size;
		m_mem.fault->access = access;
		m_mem.fault->code = code;
	}
	return Step::Fault;
}

Step Emulator::read(uint64_t addr, unsigned size, uint64_t *v)
{
	uint8_t buf[8] = {};
	int code = m_mem.read(m_mem.ctx, addr, buf, size);
	if (code)
		return fault(addr, size, KMT_EMU_READ, code);
	*v = load_le(buf, size);
	return Step::Ok;
}

void Emulator::defer_write(uint64_t addr, unsigned size, uint64_t v)
{
	KMT_ASSERT(!m_pending && size <= 8);
	m_pending = true;
	m_pending_addr = addr;
	m_pending_size = size;
	store_le(m_pending_bytes, size, v);
}

Step Emulator::load(const kmt_operand &o, uint64_t *v)
{
	switch (o.kind) {
	case KMT_OPND_REG:
		*v = reg_value(o);
		return Step::Ok;
	case KMT_OPND_IMM:
		*v = o.imm;
		return Step::Ok;
	case KMT_OPND_MEM:
		if (o.size > 8)
			return Step::Unsupported;
		return read(address(o.mem), o.size, v);
	default:
		return Step::Unsupported;
	}
}

void Emulator::store(const kmt_operand &o, uint64_t v)
{
	if (o.kind == KMT_OPND_REG)
		set_reg_operand(o, v);
	else if (o.kind == KMT_OPND_MEM)
		defer_write(address(o.mem), o.size, v);
}

Step Emulator::finish()
{
	if (!m_pending)
		return Step::Ok;
	int code = m_mem.write(m_mem.ctx, m_pending_addr, m_pending_bytes, m_pending_size);
	if (code)
		return fault(m_pending_addr, m_pending_size, KMT_EMU_WRITE, code);
	return Step::Ok;
}

template <class Compute>
Step Emulator::atomic_rmw(uint64_t addr, unsigned size, Compute compute)
{
	const kmt_regs start = m_regs;
	uint64_t old;
	Step s = read(addr, size, &old);
	if (s != Step::Ok)
		return s;
	for (unsigned attempt = 0; attempt < kMaxCasAttempts; attempt++) {
		m_regs = start;
		uint64_t desired = old;
		if (!compute(old, &desired))
			return Step::Ok; // nothing to store (e.g. BT): the read was the access
		uint8_t expected_b[8], desired_b[8], actual_b[8] = {};
		store_le(expected_b, size, old);
		store_le(desired_b, size, desired);
		int code = m_mem.cmpxchg(m_mem.ctx, addr, size, expected_b, desired_b, actual_b);
		if (code)
			return fault(addr, size, KMT_EMU_CMPXCHG, code);
		if (equal_bytes(actual_b, expected_b, size))
			return Step::Ok;
		old = load_le(actual_b, size); // another CPU changed it: recompute from its value
	}
	m_regs = start;
	return Step::Unsupported;
}

template <class Compute>
Step Emulator::modify(const kmt_operand &o, Compute compute)
{
	if (o.kind == KMT_OPND_REG) {
		uint64_t v = reg_value(o), nv = v;
		if (compute(v, &nv))
			set_reg_operand(o, nv);
		return Step::Ok;
	}
	if (o.kind != KMT_OPND_MEM || o.size > 8)
		return Step::Unsupported;
	const uint64_t addr = address(o.mem);
	if (locked())
		return atomic_rmw(addr, o.size, compute);
	uint64_t v;
	Step s = read(addr, o.size, &v);
	if (s != Step::Ok)
		return s;
	uint64_t nv = v;
	if (compute(v, &nv))
		defer_write(addr, o.size, nv);
	return Step::Ok;
}

void Emulator::push(unsigned size, uint64_t v)
{
	const uint64_t rsp = reg(KMT_REG_RSP) - size;
	defer_write(rsp, size, v);
	m_regs.gpr[KMT_REG_RSP] = rsp;
}

Step Emulator::pop(unsigned size, uint64_t *v)
{
	Step s = read(reg(KMT_REG_RSP), size, v);
	if (s == Step::Ok)
		m_regs.gpr[KMT_REG_RSP] += size;
	return s;
}

// MOV MOVZX MOVSX MOVSXD CBW CWD LEA CMOVcc SETcc BSWAP.
Step Emulator::do_move()
{
	const kmt_operand &d = m_insn.ops[0];
	uint64_t v = 0;
	Step s;
	switch (m_insn.op) {
	case KMT_OP_MOV:
		if ((s = load(m_insn.ops[1], &v)) != Step::Ok)
			return s;
		store(d, v);
		return Step::Ok;
	case KMT_OP_MOVZX:
		if ((s = load(m_insn.ops[1], &v)) != Step::Ok)
			return s;
		store(d, v);
		return Step::Ok;
	case KMT_OP_MOVSX:
	case KMT_OP_MOVSXD:
		if ((s = load(m_insn.ops[1], &v)) != Step::Ok)
			return s;
		store(d, sign_extend(v, m_insn.ops[1].size));
		return Step::Ok;
	case KMT_OP_CBW: { // rAX = its lower half, sign-extended
		const unsigned size = m_insn.opsize;
		set_reg(KMT_REG_RAX, size, false, sign_extend(acc(size / 2), size / 2));
		return Step::Ok;
	}
	case KMT_OP_CWD: { // rDX = copies of rAX's sign bit
		const unsigned size = m_insn.opsize;
		set_reg(KMT_REG_RDX, size, false, (acc(size) & sign_bit(size)) ? ~0ull : 0);
		return Step::Ok;
	}
	case KMT_OP_LEA: {
		// The effective address without any segment base, truncated to the operand size.
		kmt_mem_operand a = m_insn.agen;
		a.segment = KMT_SEG_NONE;
		store(d, kmt_mem_address(&m_insn, &a, &m_regs));
		return Step::Ok;
	}
	case KMT_OP_CMOVCC:
		// The source is read whatever the condition; a 32-bit destination is written
		// (zero-extended) even when the condition is false.
		if ((s = load(m_insn.ops[1], &v)) != Step::Ok)
			return s;
		store(d, alu_condition(m_insn.cond, m_regs.rflags) ? v : reg_value(d));
		return Step::Ok;
	case KMT_OP_SETCC:
		store(d, alu_condition(m_insn.cond, m_regs.rflags) ? 1 : 0);
		return Step::Ok;
	case KMT_OP_BSWAP: {
		if (d.size != 4 && d.size != 8)
			return Step::Unsupported; // 16-bit BSWAP is undefined
		v = reg_value(d);
		uint64_t r = 0;
		for (unsigned i = 0; i < d.size; i++)
			r |= ((v >> (8 * i)) & 0xff) << (8 * (d.size - 1 - i));
		set_reg_operand(d, r);
		return Step::Ok;
	}
	default:
		return Step::Unsupported;
	}
}

// ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT.
Step Emulator::do_alu()
{
	const kmt_operand &d = m_insn.ops[0];
	const unsigned op = m_insn.op;
	const unsigned size = d.size;
	if (op == KMT_OP_INC || op == KMT_OP_DEC || op == KMT_OP_NEG || op == KMT_OP_NOT) {
		return modify(d, [&](uint64_t old, uint64_t *nv) {
			AluOut o = alu_unary(op, size, old, m_regs.rflags);
			m_regs.rflags = o.m_rflags;
			*nv = o.m_value;
			return true;
		});
	}
	uint64_t src;
	Step s = load(m_insn.ops[1], &src);
	if (s != Step::Ok)
		return s;
	if (op == KMT_OP_CMP || op == KMT_OP_TEST) {
		uint64_t a;
		if ((s = load(d, &a)) != Step::Ok)
			return s;
		m_regs.rflags = alu_binary(op, size, a, src, m_regs.rflags).m_rflags;
		return Step::Ok;
	}
	return modify(d, [&](uint64_t old, uint64_t *nv) {
		AluOut o = alu_binary(op, size, old, src, m_regs.rflags);
		m_regs.rflags = o.m_rflags;
		*nv = o.m_value;
		return true;
	});
}

// SHL SHR SAR ROL ROR RCL RCR SHLD SHRD; the count is the last operand (1, imm8 or CL).
Step Emulator::do_shift()
{
	const kmt_operand &d = m_insn.ops[0];
	const unsigned op = m_insn.op;
	const unsigned size = d.size;
	uint64_t count;
	Step s = load(m_insn.ops[m_insn.nops - 1], &count);
	if (s != Step::Ok)
		return s;
	if (op == KMT_OP_SHLD || op == KMT_OP_SHRD) {
		uint64_t b = reg_value(m_insn.ops[1]);
		bool defined = true;
		s = modify(d, [&](uint64_t old, uint64_t *nv) {
			AluOut o;
			defined = alu_shift_double(op, size, old, b, static_cast<unsigned>(count),
						   m_regs.rflags, &o);
			m_regs.rflags = o.m_rflags;
			*nv = o.m_value;
			return defined;
		});
		return defined ? s : Step::Unsupported; // undefined result: let the CPU decide
	}
	return modify(d, [&](uint64_t old, uint64_t *nv) {
		AluOut o = alu_shift(op, size, old, static_cast<unsigned>(count), m_regs.rflags);
		m_regs.rflags = o.m_rflags;
		*nv = o.m_value;
		return true;
	});
}

// MUL, IMUL (one, two and three operands).
Step Emulator::do_multiply()
{
	Step s;
	if (m_insn.nops == 1) {
		// rDX:rAX = rAX * r/m (AX = AL * r/m8).
		const unsigned size = m_insn.ops[0].size;
		uint64_t src;
		if ((s = load(m_insn.ops[0], &src)) != Step::Ok)
			return s;
		MulOut p = alu_multiply(m_insn.op, size, acc(size), src, m_regs.rflags);
		m_regs.rflags = p.m_rflags;
		if (size == 1) {
			set_reg(KMT_REG_RAX, 2, false, (p.m_hi << 8) | p.m_lo);
		} else {
			set_reg(KMT_REG_RAX, size, false, p.m_lo);
			set_reg(KMT_REG_RDX, size, false, p.m_hi);
		}
		return Step::Ok;
	}
	// IMUL r, r/m (r = r * r/m) or IMUL r, r/m, imm (r = r/m * imm): the truncated product.
	const kmt_operand &d = m_insn.ops[0];
	uint64_t a, b;
	if ((s = load(m_insn.ops[1], &a)) != Step::Ok)
		return s;
	if (m_insn.nops == 3)
		b = m_insn.ops[2].imm;
	else
		b = reg_value(d);
	MulOut p = alu_multiply(KMT_OP_IMUL, d.size, a, b, m_regs.rflags);
	m_regs.rflags = p.m_rflags;
	set_reg_operand(d, p.m_lo);
	return Step::Ok;
}

// DIV IDIV: rDX:rAX / r/m into rAX (quotient) and rDX (remainder); AX / r/m8 into AL, AH.
Step Emulator::do_divide()
{
	const unsigned size = m_insn.ops[0].size;
	uint64_t divisor, q, r;
	Step s = load(m_insn.ops[0], &divisor);
	if (s != Step::Ok)
		return s;
	const uint64_t hi = size == 1 ? (reg(KMT_REG_RAX) >> 8) & 0xff : reg(KMT_REG_RDX) & width_mask(size);
	uint64_t flags = m_regs.rflags;
	if (!alu_divide(m_insn.op, size, hi, acc(size), divisor, &q, &r, &flags))
		return Step::Unsupported;
	m_regs.rflags = flags; // #DE: the CPU raises it when the caller executes natively
	if (size == 1) {
		set_reg(KMT_REG_RAX, 2, false, (r << 8) | q);
	} else {
		set_reg(KMT_REG_RAX, size, false, q);
		set_reg(KMT_REG_RDX, size, false, r);
	}
	return Step::Ok;
}

// XCHG and XADD: both operands are written; with memory an atomic exchange.
Step Emulator::do_xchg_xadd()
{
	const kmt_operand &d = m_insn.ops[0], &src = m_insn.ops[1];
	const bool xadd = m_insn.op == KMT_OP_XADD;
	if (d.kind == KMT_OPND_REG && src.kind == KMT_OPND_REG) {
		const uint64_t a = reg_value(d), b = reg_value(src);
		if (xadd) {
			AluOut o = alu_binary(KMT_OP_ADD, d.size, a, b, m_regs.rflags);
			m_regs.rflags = o.m_rflags;
			set_reg_operand(src, a); // SRC <- DEST, then DEST <- sum (wins if the same register)
			set_reg_operand(d, o.m_value);
		} else {
			set_reg_operand(d, b);
			set_reg_operand(src, a);
		}
		return Step::Ok;
	}
	// One operand is memory: XCHG lists it in either position, XADD first.
	const kmt_operand &m = d.kind == KMT_OPND_MEM ? d : src;
	const kmt_operand &r = d.kind == KMT_OPND_MEM ? src : d;
	if (m.kind != KMT_OPND_MEM || r.kind != KMT_OPND_REG || m.size > 8)
		return Step::Unsupported;
	const uint64_t rv = reg_value(r);
	return atomic_rmw(address(m.mem), m.size, [&](uint64_t old, uint64_t *nv) {
		if (xadd) {
			AluOut o = alu_binary(KMT_OP_ADD, m.size, old, rv, m_regs.rflags);
			m_regs.rflags = o.m_rflags;
			*nv = o.m_value;
		} else {
			*nv = rv;
		}
		set_reg_operand(r, old);
		return true;
	});
}

// CMPXCHG r/m, r: compare rAX with the destination; equal: DEST <- SRC; else rAX <- DEST. The
// SDM writes DEST back on a mismatch, which for a 32-bit register would zero-extend it; the CPUs
// leave the register alone (measured by the differential test), and so does the emulator.
Step Emulator::do_cmpxchg()
{
	const kmt_operand &d = m_insn.ops[0], &src = m_insn.ops[1];
	const unsigned size = d.size;
	const uint64_t a = acc(size), sv = reg_value(src);
	if (d.kind == KMT_OPND_REG) {
		const uint64_t cur = reg_value(d);
		m_regs.rflags = alu_binary(KMT_OP_CMP, size, a, cur, m_regs.rflags).m_rflags;
		if (a == cur) {
			set_reg_operand(d, sv);
		} else {
			set_reg(KMT_REG_RAX, size, false, cur);
		}
		return Step::Ok;
	}
	if (d.kind != KMT_OPND_MEM || size > 8)
		return Step::Unsupported;
	// One compare-exchange: it is the whole instruction, locked or not.
	const uint64_t addr = address(d.mem);
	uint8_t expected_b[8], desired_b[8], actual_b[8] = {};
	store_le(expected_b, size, a);
	store_le(desired_b, size, sv);
	int code = m_mem.cmpxchg(m_mem.ctx, addr, size, expected_b, desired_b, actual_b);
	if (code)
		return fault(addr, size, KMT_EMU_CMPXCHG, code);
	const uint64_t actual = load_le(actual_b, size);
	m_regs.rflags = alu_binary(KMT_OP_CMP, size, a, actual, m_regs.rflags).m_rflags;
	if (actual != a)
		set_reg(KMT_REG_RAX, size, false, actual);
	return Step::Ok;
}

// CMPXCHG8B/16B m: compare rDX:rAX with the memory; equal: store rCX:rBX; else load rDX:rAX.
Step Emulator::do_cmpxchg_double()
{
	const kmt_operand &d = m_insn.ops[0];
	if (d.kind != KMT_OPND_MEM || (d.size != 8 && d.size != 16))
		return Step::Unsupported;
	const unsigned half = d.size / 2;
	const uint64_t addr = address(d.mem);
	if (d.size == 16 && (addr & 15))
		return Step::Unsupported; // #GP: CMPXCHG16B needs a 16-byte aligned operand
	uint8_t expected_b[16], desired_b[16], actual_b[16] = {};
	store_le(expected_b, half, acc(half));
	store_le(expected_b + half, half, reg(KMT_REG_RDX));
	store_le(desired_b, half, reg(KMT_REG_RBX));
	store_le(desired_b + half, half, reg(KMT_REG_RCX));
	int code = m_mem.cmpxchg(m_mem.ctx, addr, d.size, expected_b, desired_b, actual_b);
	if (code)
		return fault(addr, d.size, KMT_EMU_CMPXCHG, code);
	const bool equal = equal_bytes(actual_b, expected_b, d.size);
	m_regs.rflags = (m_regs.rflags & ~static_cast<uint64_t>(KMT_FLAG_ZF)) | (equal ? KMT_FLAG_ZF : 0);
	if (!equal) {
		set_reg(KMT_REG_RAX, half, false, load_le(actual_b, half));
		set_reg(KMT_REG_RDX, half, false, load_le(actual_b + half, half));
	}
	return Step::Ok;
}

// BT BTS BTR BTC. A register destination takes the offset modulo its width; a memory one with
// a register offset was already moved to the unit holding the bit (kmt_mem_address()).
Step Emulator::do_bit_test()
{
	const kmt_operand &d = m_insn.ops[0];
	const unsigned op = m_insn.op;
	uint64_t offset;
	Step s = load(m_insn.ops[1], &offset);
	if (s != Step::Ok)
		return s;
	const unsigned bit = static_cast<unsigned>(offset & (8 * d.size - 1));
	if (op == KMT_OP_BT) {
		uint64_t v;
		if ((s = load(d, &v)) != Step::Ok)
			return s;
		m_regs.rflags = alu_bit_test(op, v, bit, m_regs.rflags).m_rflags;
		return Step::Ok;
	}
	return modify(d, [&](uint64_t old, uint64_t *nv) {
		AluOut o = alu_bit_test(op, old, bit, m_regs.rflags);
		m_regs.rflags = o.m_rflags;
		*nv = o.m_value;
		return true;
	});
}

// BSF BSR TZCNT LZCNT POPCNT.
Step Emulator::do_bit_count()
{
	const kmt_operand &d = m_insn.ops[0];
	uint64_t src;
	Step s = load(m_insn.ops[1], &src);
	if (s != Step::Ok)
		return s;
	bool written;
	AluOut o = alu_bit_count(m_insn.op, d.size, src, reg_value(d), m_regs.rflags, &written);
	m_regs.rflags = o.m_rflags;
	if (written)
		set_reg_operand(d, o.m_value);
	return Step::Ok;
}

// JCC JMP JMP_INDIRECT CALL CALL_INDIRECT RET.
Step Emulator::do_branch()
{
	// With 0x66 Intel ignores the prefix and AMD truncates RIP to 16 bits: leave it to the CPU.
	if (m_insn.opsize == 2)
		return Step::Unsupported;
	const kmt_operand &t = m_insn.ops[0];
	uint64_t target;
	Step s;
	switch (m_insn.op) {
	case KMT_OP_JCC:
		m_new_rip = alu_condition(m_insn.cond, m_regs.rflags) ? next_rip() + t.imm : next_rip();
		return Step::Ok;
	case KMT_OP_JMP:
		m_new_rip = next_rip() + t.imm;
		return Step::Ok;
	case KMT_OP_CALL:
		push(8, next_rip());
		m_new_rip = next_rip() + t.imm;
		return Step::Ok;
	case KMT_OP_JMP_INDIRECT:
	case KMT_OP_CALL_INDIRECT:
		if (t.size != 8)
			return Step::Unsupported;
		if ((s = load(t, &target)) != Step::Ok)
			return s;
		if (m_insn.op == KMT_OP_CALL_INDIRECT)
			push(8, next_rip());
		m_new_rip = target;
		return Step::Ok;
	case KMT_OP_RET:
		if ((s = pop(8, &target)) != Step::Ok)
			return s;
		if (m_insn.nops == 1)
			m_regs.gpr[KMT_REG_RSP] += t.imm; // RET imm16: release the arguments too
		m_new_rip = target;
		return Step::Ok;
	default:
		return Step::Unsupported;
	}
}

// PUSH POP PUSHF LEAVE (POPF changes system flags: not emulated).
Step Emulator::do_stack()
{
	Step s;
	uint64_t v;
	switch (m_insn.op) {
	case KMT_OP_PUSH: {
		const kmt_operand &o = m_insn.ops[0];
		const unsigned size = o.kind == KMT_OPND_IMM ? m_insn.opsize : o.size;
		if ((s = load(o, &v)) != Step::Ok) // PUSH RSP and PUSH [RSP + x] use the old RSP
			return s;
		push(size, v);
		return Step::Ok;
	}
	case KMT_OP_POP: {
		const kmt_operand &o = m_insn.ops[0];
		if ((s = pop(o.size, &v)) != Step::Ok)
			return s;
		// A memory destination is addressed with RSP already incremented; POP RSP loads RSP.
		store(o, v);
		return Step::Ok;
	}
	case KMT_OP_PUSHF: {
		const unsigned size = m_insn.opsize;
		push(size, m_regs.rflags & ~(kRflagsRf | kRflagsVm));
		return Step::Ok;
	}
	case KMT_OP_LEAVE:
		if (m_insn.opsize != 8)
			return Step::Unsupported;
		m_regs.gpr[KMT_REG_RSP] = reg(KMT_REG_RBP);
		if ((s = pop(8, &v)) != Step::Ok)
			return s;
		m_regs.gpr[KMT_REG_RBP] = v;
		return Step::Ok;
	default:
		return Step::Unsupported;
	}
}

// MOVS STOS LODS CMPS SCAS, one element (REP is not emulated): rSI/rDI move by the element
// size, backwards when DF = 1; with 0x67 they are 32-bit registers.
Step Emulator::do_string()
{
	if (m_insn.rep != KMT_REP_NONE)
		return Step::Unsupported;
	const unsigned size = m_insn.opsize;
	const uint64_t delta = (m_regs.rflags & KMT_FLAG_DF) ? 0 - static_cast<uint64_t>(size) : size;
	const bool a32 = m_insn.sem_flags & KMT_SEM_ADDR32;
	auto advance = [&](unsigned r) {
		uint64_t v = reg(r) + delta;
		m_regs.gpr[r] = a32 ? v & 0xffffffffull : v;
	};
	uint64_t a, b;
	Step s;
	switch (m_insn.op) {
	case KMT_OP_MOVS: // [rDI] <- [rSI]
		if ((s = load(m_insn.ops[1], &a)) != Step::Ok)
			return s;
		store(m_insn.ops[0], a);
		advance(KMT_REG_RSI);
		advance(KMT_REG_RDI);
		return Step::Ok;
	case KMT_OP_STOS: // [rDI] <- rAX
		store(m_insn.ops[0], acc(size));
		advance(KMT_REG_RDI);
		return Step::Ok;
	case KMT_OP_LODS: // rAX <- [rSI]
		if ((s = load(m_insn.ops[1], &a)) != Step::Ok)
			return s;
		set_reg_operand(m_insn.ops[0], a);
		advance(KMT_REG_RSI);
		return Step::Ok;
	case KMT_OP_CMPS: // flags of [rSI] - [rDI]
		if ((s = load(m_insn.ops[0], &a)) != Step::Ok || (s = load(m_insn.ops[1], &b)) != Step::Ok)
			return s;
		m_regs.rflags = alu_binary(KMT_OP_CMP, size, a, b, m_regs.rflags).m_rflags;
		advance(KMT_REG_RSI);
		advance(KMT_REG_RDI);
		return Step::Ok;
	case KMT_OP_SCAS: // flags of rAX - [rDI]
		if ((s = load(m_insn.ops[1], &b)) != Step::Ok)
			return s;
		m_regs.rflags = alu_binary(KMT_OP_CMP, size, acc(size), b, m_regs.rflags).m_rflags;
		advance(KMT_REG_RDI);
		return Step::Ok;
	default:
		return Step::Unsupported;
	}
}

// CLC STC CMC CLD STD.
Step Emulator::do_flag()
{
	uint64_t &f = m_regs.rflags;
	switch (m_insn.op) {
	case KMT_OP_CLC: f &= ~static_cast<uint64_t>(KMT_FLAG_CF); return Step::Ok;
	case KMT_OP_STC: f |= KMT_FLAG_CF; return Step::Ok;
	case KMT_OP_CMC: f ^= KMT_FLAG_CF; return Step::Ok;
	case KMT_OP_CLD: f &= ~static_cast<uint64_t>(KMT_FLAG_DF); return Step::Ok;
	case KMT_OP_STD: f |= KMT_FLAG_DF; return Step::Ok;
	default: return Step::Unsupported;
	}
}

Step Emulator::run()
{
	Step s;
	switch (op_info(m_insn.op).m_family) {
	case OpFamily::Move:
	case OpFamily::Lea:
	case OpFamily::CmovCc:
	case OpFamily::SetCc:
	case OpFamily::Bswap:
		s = do_move();
		break;
	case OpFamily::Logic:
	case OpFamily::Arith:
		s = m_insn.op == KMT_OP_XADD ? do_xchg_xadd() : do_alu();
		break;
	case OpFamily::Exchange:
		s = do_xchg_xadd();
		break;
	case OpFamily::Shift:
	case OpFamily::Rotate:
		s = do_shift();
		break;
	case OpFamily::Multiply:
		s = do_multiply();
		break;
	case OpFamily::Divide:
		s = do_divide();
		break;
	case OpFamily::CmpXchg:
		s = m_insn.op == KMT_OP_CMPXCHG ? do_cmpxchg() : do_cmpxchg_double();
		break;
	case OpFamily::BitTest:
		s = do_bit_test();
		break;
	case OpFamily::BitCount:
		s = do_bit_count();
		break;
	case OpFamily::Branch:
		s = do_branch();
		break;
	case OpFamily::Stack:
		s = do_stack();
		break;
	case OpFamily::String:
		s = do_string();
		break;
	case OpFamily::Flag:
		s = do_flag();
		break;
	case OpFamily::Nop:
		s = Step::Ok;
		break;
	default: // KMT_OP_OTHER, INT3, UD
		s = Step::Unsupported;
		break;
	}
	if (s != Step::Ok)
		return s;
	if ((s = finish()) != Step::Ok)
		return s;
	m_regs.rip = m_new_rip;
	return Step::Ok;
}

// The forms most tracked accesses are (a load into a register, a store of a register or an
// immediate), without an Emulator and its two copies of the register file: the same result as
// run() (the differential test against the CPU runs these forms too). @access(addr, buf, size,
// write) reads or writes the operand's bytes, 0 or an error code (then *code: Step::Fault,
// nothing changed). Step::Unsupported: not one of them, nothing done. @known_addr: the memory
// operand's address when the caller has computed it already (kmt_mem_address()), else NULL.
template <class Access>
Step move_form(const kmt_insn &insn, kmt_regs &regs, Access &&access, int *code, const uint64_t *known_addr = nullptr)
{
	if (insn.op < KMT_OP_MOV || insn.op > KMT_OP_MOVSXD || insn.nops != 2 || insn.nmem != 1 ||
	    (insn.flags & KMT_INSN_LOCK))
		return Step::Unsupported;
	const kmt_operand &d = insn.ops[0], &s = insn.ops[1];
	const bool load = d.kind == KMT_OPND_REG && s.kind == KMT_OPND_MEM;
	const bool store = insn.op == KMT_OP_MOV && d.kind == KMT_OPND_MEM &&
			   (s.kind == KMT_OPND_REG || s.kind == KMT_OPND_IMM);
	const kmt_operand &m = load ? s : d;
	if ((!load && !store) || m.mem != 0 || (m.size != 1 && m.size != 2 && m.size != 4 && m.size != 8))
		return Step::Unsupported;
	const uint64_t addr = known_addr ? *known_addr : kmt_mem_address(&insn, &insn.mem[0], &regs);
	uint8_t buf[8] = {};
	if (load) {
		if ((*code = access(addr, buf, m.size, false)) != 0)
			return Step::Fault;
		uint64_t v = load_le(buf, m.size);
		if (insn.op == KMT_OP_MOVSX || insn.op == KMT_OP_MOVSXD)
			v = sign_extend(v, m.size);
		uint64_t &g = regs.gpr[d.reg & 15];
		if (d.flags & KMT_OPND_HIGH8)
			g = (g & ~0xff00ull) | ((v & 0xff) << 8);
		else if (d.size >= 8)
			g = v;
		else if (d.size == 4)
			g = v & 0xffffffffull;
		else
			g = (g & ~width_mask(d.size)) | (v & width_mask(d.size));
	} else {
		const uint64_t v = s.kind == KMT_OPND_IMM ? s.imm
				 : (s.flags & KMT_OPND_HIGH8) ? (regs.gpr[s.reg & 15] >> 8) & 0xff
							       : regs.gpr[s.reg & 15] & width_mask(s.size);
		store_le(buf, m.size, v);
		if ((*code = access(addr, buf, m.size, true)) != 0)
			return Step::Fault;
	}
	regs.rip += insn.length;
	return Step::Ok;
}

// move_form() through the callbacks, a fault described as the Emulator does.
Step fast_move(const kmt_insn &insn, kmt_regs &regs, const kmt_emu_mem &mem)
{
	int code = 0;
	return move_form(insn, regs,
			 [&mem](uint64_t addr, uint8_t *buf, unsigned size, bool write) {
				 const int c = write ? mem.write(mem.ctx, addr, buf, size) : mem.read(mem.ctx, addr, buf, size);
				 if (c && mem.fault) {
					 mem.fault->addr = addr;
					 mem.fault->size = size;
					 mem.fault->access = write ? KMT_EMU_WRITE : KMT_EMU_READ;
					 mem.fault->code = c;
				 }
				 return c;
			 },
			 &code);
}

} // namespace
} // namespace kmt

extern "C" int kmt_emulate(const struct kmt_insn *insn, struct kmt_regs *regs,
			   const struct kmt_emu_mem *mem)
{
	if (!insn || !regs || !mem || !mem->read || !mem->write || !mem->cmpxchg)
		return KMT_EMU_UNSUPPORTED;
	if (insn->op == KMT_OP_OTHER || insn->length == 0)
		return KMT_EMU_UNSUPPORTED;
	if (insn->op <= KMT_OP_MOVSXD && insn->op >= KMT_OP_MOV) {
		switch (kmt::fast_move(*insn, *regs, *mem)) {
		case kmt::Step::Ok:
			return KMT_EMU_OK;
		case kmt::Step::Fault:
			return KMT_EMU_FAULT;
		default:
			break; // another form: the Emulator
		}
	}
	KMT_UNINITIALIZED kmt::Emulator e(*insn, *regs, *mem); // the constructor sets every member
	switch (e.run()) {
	case kmt::Step::Ok:
		*regs = e.m_regs;
		return KMT_EMU_OK;
	case kmt::Step::Fault:
		return KMT_EMU_FAULT;
	default:
		return KMT_EMU_UNSUPPORTED;
	}
}

extern "C" int kmt_emulate_move_direct(const struct kmt_insn *insn, struct kmt_regs *regs, uint8_t *ptr,
				       uint64_t addr)
{
	if (!insn || !regs || !ptr)
		return KMT_EMU_UNSUPPORTED;
	int code = 0;
	const kmt::Step s = kmt::move_form(*insn, *regs,
					   [ptr](uint64_t, uint8_t *buf, unsigned size, bool write) {
						   if (write)
							   __builtin_memcpy(ptr, buf, size);
						   else
							   __builtin_memcpy(buf, ptr, size);
						   return 0;
					   },
					   &code, &addr);
	return s == kmt::Step::Ok ? KMT_EMU_OK : KMT_EMU_UNSUPPORTED;
}

extern "C" const char *kmt_emu_status_str(int status)
{
	switch (status) {
	case KMT_EMU_OK: return "ok";
	case KMT_EMU_UNSUPPORTED: return "not emulated";
	case KMT_EMU_FAULT: return "memory fault";
	default: return "unknown emulation status";
	}
}
