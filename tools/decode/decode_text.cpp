// decode_text.cpp - see decode_text.h.
#include "decode_text.h"

#include <cstdio>

extern "C" {
#include "kmt_decode_format.h"
}

namespace kmt {

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool parse_hex(const std::string &text, std::vector<uint8_t> *bytes)
{
	bytes->clear();
	int pending = -1;
	for (char c : text) {
		if (c == '#')
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
			if (pending >= 0)
				return false; // a lone digit: "f 3" is not accepted
			continue;
		}
		int v = hex_value(c);
		if (v < 0)
			return false;
		if (pending < 0) {
			pending = v;
		} else {
			bytes->push_back(static_cast<uint8_t>(pending * 16 + v));
			pending = -1;
		}
	}
	return pending < 0;
}

std::string summarize_hex_line(const std::string &line)
{
	std::vector<uint8_t> bytes;
	kmt_insn insn;
	int status = KMT_DECODE_INVALID;
	if (parse_hex(line, &bytes) && !bytes.empty())
		status = kmt_decode(bytes.data(), bytes.size(), &insn);
	char buf[KMT_SUMMARY_MAX];
	kmt_format_summary(status, &insn, buf, sizeof(buf));
	return buf;
}

std::string semantics_hex_line(const std::string &line)
{
	std::vector<uint8_t> bytes;
	kmt_insn insn;
	int status = KMT_DECODE_INVALID;
	if (parse_hex(line, &bytes) && !bytes.empty())
		status = kmt_decode(bytes.data(), bytes.size(), &insn);
	char buf[KMT_SUMMARY_MAX];
	kmt_format_summary(status, &insn, buf, sizeof(buf));
	if (status != KMT_DECODE_OK)
		return buf;
	char sem[KMT_SEMANTICS_MAX];
	kmt_format_semantics(&insn, sem, sizeof(sem));
	return std::string(buf) + " | " + sem;
}

static const char *class_name(unsigned c)
{
	static const char *const names[] = { "nomem", "plain", "atomic", "movs", "stos",
					     "lods", "cmps", "scas", "ins", "outs" };
	return c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

static const char *reg_name(unsigned r)
{
	static const char *const names[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
					     "rip" };
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "none";
}

static const char *seg_name(unsigned s)
{
	static const char *const names[] = { "-", "es", "cs", "ss", "ds", "fs", "gs" };
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

std::string describe(const std::vector<uint8_t> &bytes)
{
	kmt_insn insn;
	int status = kmt_decode(bytes.data(), bytes.size(), &insn);
	if (status != KMT_DECODE_OK)
		return std::string("error: ") + kmt_decode_status_str(status);
	static const char *const reps[] = { "none", "rep", "repe", "repne" };
	char buf[256];
	std::snprintf(buf, sizeof(buf), "length %u, class %s, map %u opcode %02x, opsize %u",
		      insn.length, class_name(insn.insn_class), insn.map, insn.opcode, insn.opsize);
	std::string s = buf;
	if (insn.rep != KMT_REP_NONE) {
		std::snprintf(buf, sizeof(buf), ", %s (prefix byte %u)", reps[insn.rep & 3],
			      insn.rep_offset);
		s += buf;
	}
	if (insn.flags & KMT_INSN_LOCK)
		s += ", lock";
	if (insn.flags & KMT_INSN_VEX)
		s += ", vex";
	if (insn.flags & KMT_INSN_EVEX)
		s += ", evex";
	if (insn.nmem == 0)
		s += "; no memory operand";
	for (unsigned i = 0; i < insn.nmem; i++) {
		const kmt_mem_operand &m = insn.mem[i];
		std::string acc;
		if (m.access & KMT_ACCESS_READ)
			acc += "read";
		if (m.access & KMT_ACCESS_WRITE)
			acc += acc.empty() ? "write" : "+write";
		if (m.access & KMT_ACCESS_COND)
			acc += " (conditional)";
		std::snprintf(buf, sizeof(buf), "; mem%u: %s%s %u bytes at %s:[", i,
			      m.role == KMT_ROLE_SRC ? "src " : m.role == KMT_ROLE_DST ? "dst " : "",
			      acc.c_str(), m.size, seg_name(m.segment));
		s += buf;
		bool any = false;
		if (m.base != KMT_REG_NONE) {
			s += reg_name(m.base);
			any = true;
		}
		if (m.index != KMT_REG_NONE) {
			if (m.flags & KMT_MEM_VSIB)
				std::snprintf(buf, sizeof(buf), "%svec%u*%u", any ? " + " : "", m.index, m.scale);
			else if (m.flags & KMT_MEM_XLAT)
				std::snprintf(buf, sizeof(buf), "%sal", any ? " + " : "");
			else
				std::snprintf(buf, sizeof(buf), "%s%s*%u", any ? " + " : "", reg_name(m.index),
					      m.scale);
			s += buf;
			any = true;
		}
		if (m.disp || !any) {
			std::snprintf(buf, sizeof(buf), "%s%s0x%llx", any ? (m.disp < 0 ? " - " : " + ") : "",
				      "", (unsigned long long)(any && m.disp < 0 ? -(uint64_t)m.disp : (uint64_t)m.disp));
			s += buf;
		}
		s += "]";
		if (m.flags & KMT_MEM_RIPREL)
			s += " rip-relative";
		if (m.flags & KMT_MEM_ADDR32)
			s += " addr32";
		if (m.flags & KMT_MEM_BITOFFSET) {
			s += " bit-offset in ";
			s += reg_name(m.bit_reg);
		}
		if (m.flags & KMT_MEM_SIZE_MIN)
			s += " (size is a minimum)";
		if (m.flags & KMT_MEM_IMPLICIT)
			s += " implicit";
	}
	char sem[KMT_SEMANTICS_MAX];
	kmt_format_semantics(&insn, sem, sizeof(sem));
	s += "; semantics: ";
	s += sem;
	return s;
}

} // namespace kmt
