// SPDX-License-Identifier: GPL-2.0
//
// kmt_decode_format.cpp - the one-line summary of a decoded instruction (see the header).
// Freestanding: it is also linked into the module, where reports may print it.

#include "kmt_decode_format.h"

namespace kmt {
namespace {

// A bounded string builder over the caller's buffer; remembers overflow instead of writing.
class Out {
public:
	Out(char *buf, size_t cap) : m_buf(buf), m_cap(cap) {}

	void put(char c)
	{
		if (m_len + 1 < m_cap)
			m_buf[m_len] = c;
		else
			m_overflow = true;
		m_len++;
	}

	void put(const char *s)
	{
		while (*s)
			put(*s++);
	}

	void put_hex(uint64_t v)
	{
		char digits[16];
		int n = 0;
		do {
			digits[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
		put("0x");
		while (n)
			put(digits[--n]);
	}

	void put_uint(uint32_t v)
	{
		char digits[10];
		int n = 0;
		do {
			digits[n++] = static_cast<char>('0' + v % 10);
			v /= 10;
		} while (v);
		while (n)
			put(digits[--n]);
	}

	size_t finish()
	{
		if (m_cap == 0)
			return 0;
		if (m_overflow) {
			m_buf[0] = '\0';
			return 0;
		}
		m_buf[m_len] = '\0';
		return m_len;
	}

private:
	char *m_buf;
	size_t m_cap;
	size_t m_len = 0;
	bool m_overflow = false;
};

// Token for one operand: access letters then size, e.g. "rw4". Empty when nothing is accessed.
void token(const kmt_mem_operand &op, char *t, size_t cap)
{
	Out o(t, cap);
	if (op.access & KMT_ACCESS_READ)
		o.put('r');
	if (op.access & KMT_ACCESS_WRITE)
		o.put('w');
	if (op.access & (KMT_ACCESS_READ | KMT_ACCESS_WRITE))
		o.put_uint(op.size);
	o.finish();
}

int compare(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

} // namespace
} // namespace kmt

extern "C" size_t kmt_format_summary(int status, const struct kmt_insn *insn, char *buf, size_t cap)
{
	kmt::Out out(buf, cap);
	if (status != KMT_DECODE_OK) {
		out.put("invalid");
		return out.finish();
	}
	char tokens[KMT_MAX_MEM_OPS][16];
	int n = 0;
	for (unsigned i = 0; i < insn->nmem && i < KMT_MAX_MEM_OPS; i++) {
		kmt::token(insn->mem[i], tokens[n], sizeof(tokens[n]));
		if (tokens[n][0])
			n++;
	}
	// Sort the few tokens (at most KMT_MAX_MEM_OPS) so the text does not depend on order.
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && kmt::compare(tokens[j - 1], tokens[j]) > 0; j--)
			for (int k = 0; k < 16; k++) {
				char c = tokens[j][k];
				tokens[j][k] = tokens[j - 1][k];
				tokens[j - 1][k] = c;
			}
	out.put_uint(insn->length);
	out.put(' ');
	if (n == 0)
		out.put('-');
	for (int i = 0; i < n; i++) {
		if (i)
			out.put(',');
		out.put(tokens[i]);
	}
	return out.finish();
}

namespace kmt {
namespace {

const char *const kReg64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				 "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
const char *const kReg32[16] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
				 "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
const char *const kReg16[16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
				 "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
const char *const kReg8[16] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
				"r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
const char *const kHigh8[4] = { "ah", "ch", "dh", "bh" };

// Condition suffixes by condition code (opcode bits 3:0).
const char *const kCond[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
				"s", "ns", "p", "np", "l", "ge", "le", "g" };

const char *reg_name(const kmt_operand &o)
{
	unsigned r = o.reg & 15;
	if (o.flags & KMT_OPND_HIGH8)
		return kHigh8[r & 3];
	switch (o.size) {
	case 1: return kReg8[r];
	case 2: return kReg16[r];
	case 4: return kReg32[r];
	default: return kReg64[r];
	}
}

void put_access(Out &out, uint8_t access)
{
	if (access & KMT_ACCESS_READ)
		out.put('r');
	if (access & KMT_ACCESS_WRITE)
		out.put('w');
	if (!(access & (KMT_ACCESS_READ | KMT_ACCESS_WRITE)))
		out.put('-');
	out.put(':');
}

void put_regs(Out &out, uint16_t mask)
{
	if (!mask) {
		out.put('-');
		return;
	}
	bool first = true;
	for (unsigned r = 0; r < 16; r++) {
		if (!(mask & (1u << r)))
			continue;
		if (!first)
			out.put(',');
		out.put(kReg64[r]);
		first = false;
	}
}

void put_flags(Out &out, uint16_t mask)
{
	static const struct {
		uint16_t m_bit;
		char m_letter;
	} kLetters[] = { { KMT_FLAG_OF, 'o' }, { KMT_FLAG_DF, 'd' }, { KMT_FLAG_SF, 's' },
			 { KMT_FLAG_ZF, 'z' }, { KMT_FLAG_AF, 'a' }, { KMT_FLAG_PF, 'p' },
			 { KMT_FLAG_CF, 'c' } };
	if (!mask) {
		out.put('-');
		return;
	}
	for (const auto &l : kLetters)
		if (mask & l.m_bit)
			out.put(l.m_letter);
}

void put_operand(Out &out, const kmt_operand &o)
{
	switch (o.kind) {
	case KMT_OPND_REG:
		put_access(out, o.access);
		out.put(reg_name(o));
		break;
	case KMT_OPND_MEM:
		put_access(out, o.access);
		out.put('m');
		out.put_uint(o.size);
		if (o.mem) {
			out.put('#');
			out.put_uint(o.mem);
		}
		break;
	case KMT_OPND_AGEN:
		out.put("addr");
		break;
	case KMT_OPND_IMM:
		out.put('i');
		out.put_uint(o.size);
		out.put(':');
		out.put_hex(o.imm);
		break;
	case KMT_OPND_REL: {
		out.put("rel");
		out.put_uint(o.size);
		out.put(':');
		int64_t d = static_cast<int64_t>(o.imm);
		out.put(d < 0 ? '-' : '+');
		out.put_hex(d < 0 ? 0 - o.imm : o.imm);
		break;
	}
	default:
		out.put('?');
		break;
	}
}

} // namespace
} // namespace kmt

extern "C" size_t kmt_format_semantics(const struct kmt_insn *insn, char *buf, size_t cap)
{
	kmt::Out out(buf, cap);
	const char *name = kmt_op_str(insn->op);
	if (insn->op == KMT_OP_JCC || insn->op == KMT_OP_SETCC || insn->op == KMT_OP_CMOVCC) {
		out.put(insn->op == KMT_OP_JCC ? "j" : insn->op == KMT_OP_SETCC ? "set" : "cmov");
		out.put(kmt::kCond[insn->cond & 15]);
	} else {
		out.put(name);
	}
	for (unsigned i = 0; i < insn->nops && i < KMT_MAX_OPERANDS; i++) {
		out.put(i ? ", " : " ");
		kmt::put_operand(out, insn->ops[i]);
	}
	out.put(" ; gpr r:");
	kmt::put_regs(out, insn->gpr_read);
	out.put(" w:");
	kmt::put_regs(out, insn->gpr_written);
	if (insn->implicit_size) {
		out.put(" implicit ");
		out.put_uint(insn->implicit_size);
	}
	if (insn->sem_flags & KMT_SEM_ADDR32)
		out.put(" a32");
	if (!(insn->sem_flags & KMT_SEM_GPRS)) {
		out.put(" ; gprs not described");
		return out.finish();
	}
	if (insn->op != KMT_OP_OTHER) {
		out.put(" ; flags r:");
		kmt::put_flags(out, insn->flags_read);
		out.put(" w:");
		kmt::put_flags(out, insn->flags_written);
		out.put(" u:");
		kmt::put_flags(out, insn->flags_undefined);
		if (insn->sem_flags & KMT_SEM_FLAGS_COND)
			out.put(" cond");
	}
	return out.finish();
}
