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
