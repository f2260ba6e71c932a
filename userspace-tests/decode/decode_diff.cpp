// decode_diff.cpp - differential test of kmemtrap's decoder against Capstone 4.0.2 over the
// test kernel's executable sections (vmlinux and modules), swept linearly.
//
// At each address Capstone decodes first (detail on); if it cannot, the sweep skips one byte.
// kmemtrap must then agree on the length, and on the memory operands as `kmemtrap-decode
// --hex` prints them, unless the difference falls in one of the classes documented in
// docs/decoder.md (see classify()), where Capstone 4.0.2 is wrong or models things differently.
// It must also agree on the register semantics of every instruction whose GPR effects the decoder
// describes (KMT_SEM_GPRS: every integer op, and the KMT_OP_OTHER instructions it describes):
// the GPRs read and written (Capstone's cs_regs_access(), GPRs only) and, for op !=
// KMT_OP_OTHER, the operand list (count, kinds, registers, per-operand access, immediate values,
// branch targets), unless the difference is in a documented class (classify_semantics()).
// Any other difference fails the test and is printed with its bytes.
//
//   kmt_decode_diff [--modules all|none|N] [--jobs J] [--work DIR] [--examples K] [--histogram N]
//
// N: a fixed deterministic sample of N modules (every (total/N)-th in path order).
// --histogram N prints the N most frequent Capstone mnemonics (what kernel text is made of).
#include <capstone/capstone.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernel_image.h"

extern "C" {
#include "kmt_decode.h"
#include "kmt_decode_format.h"
}

namespace {

struct Example {
	std::string m_where;
	std::string m_bytes;
	std::string m_text; // Capstone's disassembly
	std::string m_ours;
	std::string m_theirs;
};

struct ClassStats {
	uint64_t m_count = 0;
	std::vector<Example> m_examples;
};

struct Stats {
	uint64_t m_compared = 0;  // instructions Capstone decoded
	uint64_t m_agreed = 0;    // same length and same memory operands
	uint64_t m_skipped = 0;   // bytes Capstone could not decode
	std::map<std::string, ClassStats> m_documented; // by documented class
	std::map<std::string, ClassStats> m_unexplained; // by Capstone mnemonic
	std::map<std::string, uint64_t> m_mnemonics; // --histogram: instructions by mnemonic
	// Register semantics of every instruction with KMT_SEM_GPRS (all with op != KMT_OP_OTHER).
	uint64_t m_sem_compared = 0;
	uint64_t m_sem_agreed = 0;
	uint64_t m_sem_integer = 0; // of those, op != KMT_OP_OTHER (operands compared too)
	std::map<std::string, ClassStats> m_sem_documented;
	std::map<std::string, ClassStats> m_sem_unexplained; // by Capstone mnemonic
};

size_t g_examples = 3;
size_t g_histogram = 0; // --histogram N: print the N most frequent mnemonics

std::string hex(const uint8_t *p, size_t n)
{
	std::string s;
	char b[4];
	for (size_t i = 0; i < n; i++) {
		std::snprintf(b, sizeof(b), i ? " %02x" : "%02x", p[i]);
		s += b;
	}
	return s;
}

// Capstone's memory operands in the --hex format: sorted "<r|w|rw|?><size>" tokens.
std::string capstone_summary(const cs_insn *ci)
{
	std::vector<std::string> toks;
	const cs_x86 &x = ci->detail->x86;
	for (int i = 0; i < x.op_count; i++) {
		const cs_x86_op &o = x.operands[i];
		if (o.type != X86_OP_MEM)
			continue;
		std::string t;
		if (o.access & CS_AC_READ)
			t += "r";
		if (o.access & CS_AC_WRITE)
			t += "w";
		if (t.empty())
			t = "?";
		t += std::to_string(o.size);
		toks.push_back(t);
	}
	std::sort(toks.begin(), toks.end());
	std::string s = std::to_string(ci->size) + " ";
	if (toks.empty())
		s += "-";
	for (size_t i = 0; i < toks.size(); i++)
		s += (i ? "," : "") + toks[i];
	return s;
}

[[maybe_unused]] bool mnemonic_is(const cs_insn *ci, std::initializer_list<const char *> names)
{
	for (const char *n : names)
		if (!std::strcmp(ci->mnemonic, n))
			return true;
	return false;
}

[[maybe_unused]] bool mnemonic_starts(const cs_insn *ci, const char *prefix)
{
	return !std::strncmp(ci->mnemonic, prefix, std::strlen(prefix));
}

// A summary split into its length and operand tokens ("rw4" -> access "rw", size 4).
struct Token {
	std::string m_access;
	unsigned m_size;
};

bool split(const std::string &s, unsigned *length, std::vector<Token> *toks)
{
	size_t sp = s.find(' ');
	if (sp == std::string::npos)
		return false;
	*length = static_cast<unsigned>(std::atoi(s.c_str()));
	std::string rest = s.substr(sp + 1);
	toks->clear();
	if (rest == "-")
		return true;
	size_t start = 0;
	while (start <= rest.size()) {
		size_t comma = rest.find(',', start);
		std::string t = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
		size_t d = t.find_first_of("0123456789");
		toks->push_back({ t.substr(0, d), static_cast<unsigned>(std::atoi(t.c_str() + d)) });
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
	return true;
}

// True when both lists have the same sizes in the same order and every pair of accesses is
// either equal or (ours, capstone) == (@a, @b), with at least one such pair.
bool only_access_differs(const std::vector<Token> &o, const std::vector<Token> &c, const char *a,
			 const char *b)
{
	if (o.size() != c.size())
		return false;
	bool any = false;
	for (size_t i = 0; i < o.size(); i++) {
		if (o[i].m_size != c[i].m_size)
			return false;
		if (o[i].m_access == c[i].m_access)
			continue;
		if (o[i].m_access != a || c[i].m_access != b)
			return false;
		any = true;
	}
	return any;
}

// True when there is one operand each, with the same access and the given sizes.
bool only_size_differs(const std::vector<Token> &o, const std::vector<Token> &c, unsigned ours,
		       unsigned theirs)
{
	return o.size() == 1 && c.size() == 1 && o[0].m_access == c[0].m_access &&
	       o[0].m_size == ours && c[0].m_size == theirs;
}

// Names the documented class of a disagreement, or returns "" when it is unexplained.
// Every class here has an entry in docs/decoder.md saying why the Intel SDM is followed.
std::string classify(const cs_insn *ci, int status, const kmt_insn &ours, const std::string &our_s,
		     const std::string &cs_s)
{
	// Length classes.
	if (status == KMT_DECODE_OK && ours.map == 1 && ours.opcode == 0xb9 &&
	    mnemonic_is(ci, { "ud2b", "ud1" }) && ours.length > ci->size)
		return "L1 UD1 (0F B9) has a ModRM byte";
	if (status == KMT_DECODE_UNSUPPORTED && ours.length == ci->size &&
	    (mnemonic_starts(ci, "xcrypt") || mnemonic_starts(ci, "xsha") ||
	     mnemonic_starts(ci, "xstore") || mnemonic_is(ci, { "montmul" })))
		return "U1 VIA PadLock: length only, KMT_DECODE_UNSUPPORTED";
	if (status != KMT_DECODE_OK)
		return "";
	unsigned ol, cl;
	std::vector<Token> o, c;
	if (!split(our_s, &ol, &o) || !split(cs_s, &cl, &c) || ol != cl)
		return "";

	// Address-only forms: nothing is accessed, Capstone lists a read.
	if (o.empty() && c.size() == 1 &&
	    (mnemonic_is(ci, { "lea", "nop", "clflush", "clflushopt", "clwb", "invlpg" }) ||
	     mnemonic_starts(ci, "prefetch")))
		return "A1 address-only form listed as a read";
	// Accesses.
	if (only_access_differs(o, c, "w", "r"))
		return "A2 write-only destination listed as a read";
	if (only_access_differs(o, c, "rw", "r") &&
	    (mnemonic_starts(ci, "cmpxchg") || mnemonic_starts(ci, "lock cmpxchg") ||
	     mnemonic_is(ci, { "rol", "ror", "rcl", "rcr" })))
		return "A3 read-modify-write listed as a read";
	if (only_access_differs(o, c, "r", "rw") && mnemonic_is(ci, { "test" }))
		return "A4 TEST source listed as written";
	if ((only_access_differs(o, c, "r", "?") || only_access_differs(o, c, "w", "?")) &&
	    (ours.insn_class == KMT_CLASS_INS || ours.insn_class == KMT_CLASS_OUTS ||
	     ours.insn_class == KMT_CLASS_CMPS))
		return "A5 string operand without access";
	// Sizes.
	if ((only_size_differs(o, c, 512, 8) || only_size_differs(o, c, 576, 8)) &&
	    (mnemonic_starts(ci, "fxsave") || mnemonic_starts(ci, "fxrstor") ||
	     mnemonic_starts(ci, "xsave") || mnemonic_starts(ci, "xrstor")))
		return "S1 FXSAVE/XSAVE area sized 8";
	if ((only_size_differs(o, c, 4, 16) || only_size_differs(o, c, 8, 16)) &&
	    mnemonic_is(ci, { "comiss", "comisd", "ucomiss", "ucomisd" }))
		return "S2 (U)COMISS/SD scalar sized 16";
	if (only_size_differs(o, c, 4, 8) && mnemonic_starts(ci, "punpckl"))
		return "S3 MMX PUNPCKL* m32 sized 8";
	if (only_size_differs(o, c, 6, 10) && mnemonic_is(ci, { "ljmp", "lcall" }))
		return "S4 far pointer m16:32 sized 10";
	if (only_size_differs(o, c, 2, 4) && mnemonic_is(ci, { "fnstsw" }))
		return "S5 FNSTSW m16 sized 4";
	return "";
}

// ---- Register semantics: our operands and GPR sets against Capstone's ----------------------

// A Capstone register as a GPR: number 0-15 (-1: not a GPR), width in bytes, AH..BH.
struct CsReg {
	int m_gpr = -1;
	unsigned m_size = 0;
	bool m_high8 = false;
};

std::vector<CsReg> g_cs_regs; // by Capstone register id, filled once by init_cs_regs()

void init_cs_regs(csh cs)
{
	static const char *const names[4][16] = {
		{ "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "r12", "r13", "r14", "r15" },
		{ "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d",
		  "r12d", "r13d", "r14d", "r15d" },
		{ "ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w",
		  "r13w", "r14w", "r15w" },
		{ "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b",
		  "r12b", "r13b", "r14b", "r15b" },
	};
	static const unsigned sizes[4] = { 8, 4, 2, 1 };
	static const char *const high[4] = { "ah", "ch", "dh", "bh" };
	g_cs_regs.assign(X86_REG_ENDING, CsReg{});
	for (unsigned id = 1; id < X86_REG_ENDING; id++) {
		const char *n = cs_reg_name(cs, id);
		if (!n)
			continue;
		for (unsigned s = 0; s < 4; s++)
			for (unsigned r = 0; r < 16; r++)
				if (!std::strcmp(n, names[s][r]))
					g_cs_regs[id] = CsReg{ static_cast<int>(r), sizes[s], false };
		for (unsigned r = 0; r < 4; r++)
			if (!std::strcmp(n, high[r]))
				g_cs_regs[id] = CsReg{ static_cast<int>(r), 1, true };
	}
}

const CsReg &cs_reg(unsigned id)
{
	static const CsReg none;
	return id < g_cs_regs.size() ? g_cs_regs[id] : none;
}

uint16_t cs_gpr_mask(const uint16_t *regs, unsigned n)
{
	uint16_t m = 0;
	for (unsigned i = 0; i < n; i++)
		if (cs_reg(regs[i]).m_gpr >= 0)
			m |= static_cast<uint16_t>(1u << cs_reg(regs[i]).m_gpr);
	return m;
}

const char *const kGprNames[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

// "read +rdx -rax": registers only we list (+) and only Capstone lists (-).
std::string set_diff(const char *what, uint16_t ours, uint16_t theirs)
{
	if (ours == theirs)
		return "";
	std::string s = what;
	for (unsigned r = 0; r < 16; r++) {
		uint16_t bit = static_cast<uint16_t>(1u << r);
		if ((ours & bit) && !(theirs & bit))
			s += std::string(" +") + kGprNames[r];
		if (!(ours & bit) && (theirs & bit))
			s += std::string(" -") + kGprNames[r];
	}
	return s;
}

std::string access_text(unsigned a)
{
	std::string s;
	if (a & 1)
		s += "r";
	if (a & 2)
		s += "w";
	return s.empty() ? "-" : s;
}

void append(std::string *s, const std::string &part)
{
	if (part.empty())
		return;
	if (!s->empty())
		*s += "; ";
	*s += part;
}

// Where our semantics and Capstone's differ, as "; "-separated items (empty: they agree):
//   "ops N/M", "opI kind ours/theirs", "opI reg ours/theirs", "opI access ours/theirs",
//   "opI imm ours/theirs", "opI target", "read +x -y", "write +x -y".
std::string semantic_diff(csh cs, const cs_insn *ci, const kmt_insn &ours)
{
	std::string d;
	const cs_x86 &x = ci->detail->x86;
	// For KMT_OP_OTHER only GPR operands are listed: compare the register sets alone.
	if (ours.op == KMT_OP_OTHER) {
	} else if (x.op_count != ours.nops) {
		append(&d, "ops " + std::to_string(ours.nops) + "/" + std::to_string(x.op_count));
	} else {
		for (unsigned i = 0; i < ours.nops; i++) {
			const kmt_operand &o = ours.ops[i];
			const cs_x86_op &c = x.operands[i];
			// Built only for a difference: this runs for every instruction.
			auto at = [i] { return "op" + std::to_string(i + 1) + " "; };
			bool kind_ok = (o.kind == KMT_OPND_REG && c.type == X86_OP_REG) ||
				       ((o.kind == KMT_OPND_MEM || o.kind == KMT_OPND_AGEN) && c.type == X86_OP_MEM) ||
				       ((o.kind == KMT_OPND_IMM || o.kind == KMT_OPND_REL) && c.type == X86_OP_IMM);
			if (!kind_ok) {
				static const char *const kinds[] = { "none", "reg", "mem", "agen", "imm", "rel" };
				static const char *const cskinds[] = { "none", "reg", "imm", "mem", "fp" };
				append(&d, at() + "kind " + kinds[o.kind < 6 ? o.kind : 0] + "/" +
					   cskinds[c.type < 5 ? c.type : 0]);
				continue;
			}
			if (o.kind == KMT_OPND_REG) {
				const CsReg &r = cs_reg(c.reg);
				if (r.m_gpr != o.reg || r.m_size != o.size ||
				    r.m_high8 != !!(o.flags & KMT_OPND_HIGH8))
					append(&d, at() + "reg " + std::to_string(o.reg) + "." + std::to_string(o.size) +
						   "/" + (cs_reg_name(cs, c.reg) ? cs_reg_name(cs, c.reg) : "?"));
			}
			if (o.kind == KMT_OPND_REG || o.kind == KMT_OPND_MEM || o.kind == KMT_OPND_AGEN) {
				if ((o.access & 3) != (c.access & 3))
					append(&d, at() + "access " + access_text(o.access) + "/" + access_text(c.access));
			}
			if (o.kind == KMT_OPND_IMM) {
				uint64_t mask = o.size >= 8 ? ~0ull : (1ull << (8 * o.size)) - 1;
				if ((o.imm & mask) != (static_cast<uint64_t>(c.imm) & mask))
					append(&d, at() + "imm");
			}
			if (o.kind == KMT_OPND_REL) {
				uint64_t target = ci->address + ci->size + o.imm;
				if (target != static_cast<uint64_t>(c.imm))
					append(&d, at() + "target");
			}
		}
	}
	cs_regs rd, wr;
	uint8_t nrd = 0, nwr = 0;
	if (cs_regs_access(cs, ci, rd, &nrd, wr, &nwr) == CS_ERR_OK) {
		append(&d, set_diff("read", ours.gpr_read, cs_gpr_mask(rd, nrd)));
		append(&d, set_diff("write", ours.gpr_written, cs_gpr_mask(wr, nwr)));
	}
	return d;
}

// The "; "-separated items of a semantic_diff() result.
std::vector<std::string> items_of(const std::string &d)
{
	std::vector<std::string> v;
	size_t start = 0;
	while (start < d.size()) {
		size_t end = d.find("; ", start);
		v.push_back(d.substr(start, end == std::string::npos ? std::string::npos : end - start));
		if (end == std::string::npos)
			break;
		start = end + 2;
	}
	return v;
}

// True when every item of @d is one of @allowed.
bool only_items(const std::string &d, std::initializer_list<std::string> allowed)
{
	for (const std::string &item : items_of(d)) {
		bool ok = false;
		for (const std::string &a : allowed)
			ok = ok || item == a;
		if (!ok)
			return false;
	}
	return true;
}

// The 64-bit name of our operand @i's register ("" if it is not a register).
std::string op_reg(const kmt_insn &ours, unsigned i)
{
	if (i >= ours.nops || ours.ops[i].kind != KMT_OPND_REG)
		return "";
	return kGprNames[ours.ops[i].reg & 15];
}

bool is_agen(const kmt_insn &ours, unsigned i)
{
	return i < ours.nops && ours.ops[i].kind == KMT_OPND_AGEN;
}

// Names the documented class of a semantic disagreement, or returns "" when it is unexplained.
// Every class here has an entry in docs/decoder.md ("Capstone 4.0.2 register disagreements").
std::string classify_semantics(const cs_insn *ci, const kmt_insn &ours, const std::string &d)
{
	const std::string m = ci->mnemonic;
	if ((ours.op == KMT_OP_LEA && is_agen(ours, 1) && d == "op2 access -/r") ||
	    (ours.op == KMT_OP_NOP && is_agen(ours, 0) && d == "op1 access -/r"))
		return "R1 address-only operand listed as read";
	if (ours.op == KMT_OP_TEST &&
	    only_items(d, { "op1 access r/rw", "write -" + op_reg(ours, 0) }))
		return "R2 TEST's first operand listed as written";
	if ((ours.op == KMT_OP_CMPXCHG || ours.op == KMT_OP_CMPXCHG8B16B) &&
	    only_items(d, { "op1 access rw/r", "write +rax" }))
		return "R3 CMPXCHG destination listed as read only, rAX not written";
	if ((ours.op == KMT_OP_BSF || ours.op == KMT_OP_BSR) &&
	    only_items(d, { "op1 access rw/w", "read +" + op_reg(ours, 0) }))
		return "R4 BSF/BSR destination listed as write-only";
	if (ours.op == KMT_OP_LEAVE && d == "read -rsp")
		return "R5 LEAVE listed as reading RSP";
	if (ours.op == KMT_OP_CWD && d == "write -rax")
		return "R6 CWD/CDQ/CQO listed as writing rAX";
	if (ours.op == KMT_OP_SETCC && d == "op1 access w/r")
		return "R7 SETcc memory destination listed as read";
	if (ours.op == KMT_OP_MOV && mnemonic_is(ci, { "movnti" }) && d == "op1 access w/r")
		return "R14 MOVNTI memory destination listed as read";
	if ((ours.op == KMT_OP_SHLD || ours.op == KMT_OP_SHRD) && d == "op3 access r/-")
		return "R8 SHLD/SHRD count CL without access";
	if ((ours.op == KMT_OP_ROL || ours.op == KMT_OP_ROR || ours.op == KMT_OP_RCL ||
	     ours.op == KMT_OP_RCR) && d == "op1 access rw/r")
		return "R9 rotate of memory listed as read";
	if (ours.op == KMT_OP_CMPS && d == "op1 access r/-; op2 access r/-")
		return "R10 CMPS operands without access";
	if (ours.op == KMT_OP_OTHER && m == "vmwrite" && only_items(d, { "read +" + op_reg(ours, 0),
									  "write -" + op_reg(ours, 0) }))
		return "R11 VMWRITE field register listed as written";
	if (ours.op == KMT_OP_OTHER && (m == "adox" || m == "adcx") &&
	    d == "read +" + op_reg(ours, 0))
		return "R12 ADCX/ADOX destination not listed as read";
	if (ours.op == KMT_OP_OTHER &&
	    (m == "retf" || m == "retfq" || m == "iretd" || m == "iretq" || m == "enter" ||
	     m == "syscall" || m == "sysret") &&
	    only_items(d, { "read +rsp", "write +rsp", "read +rsp +rbp", "write +rsp +rbp",
			    "read +rcx +r11", "write +rcx +r11" }))
		return "R13 implicit RSP/RBP/RCX/R11 of far returns, ENTER, SYSCALL/SYSRET not listed";
	return "";
}

void record(ClassStats &c, const Example &e)
{
	c.m_count++;
	if (c.m_examples.size() < g_examples)
		c.m_examples.push_back(e);
}

void sweep(csh cs, const kmt::CodeSection &sec, Stats *st)
{
	const uint8_t *base = sec.m_bytes.data();
	size_t size = sec.m_bytes.size();
	size_t off = 0;
	cs_insn *ci = cs_malloc(cs);
	while (off < size) {
		const uint8_t *code = base + off;
		size_t left = size - off;
		uint64_t addr = sec.m_address + off;
		if (!cs_disasm_iter(cs, &code, &left, &addr, ci)) {
			off++;
			st->m_skipped++;
			continue;
		}
		const uint8_t *p = base + off;
		size_t avail = size - off;
		if (avail > KMT_MAX_INSN_LEN)
			avail = KMT_MAX_INSN_LEN;
		kmt_insn ours;
		int status = kmt_decode(p, avail, &ours);
		char buf[KMT_SUMMARY_MAX];
		kmt_format_summary(status, &ours, buf, sizeof(buf));
		std::string our_s = buf;
		std::string cs_s = capstone_summary(ci);
		st->m_compared++;
		if (g_histogram)
			st->m_mnemonics[ci->mnemonic]++;
		if (our_s == cs_s) {
			st->m_agreed++;
		} else {
			Example e;
			char where[64];
			std::snprintf(where, sizeof(where), "+0x%zx", off);
			e.m_where = sec.m_name + where;
			e.m_bytes = hex(p, ci->size > avail ? avail : ci->size);
			if (status != KMT_DECODE_OK || ours.length != ci->size)
				e.m_bytes = hex(p, avail);
			e.m_text = std::string(ci->mnemonic) + " " + ci->op_str;
			e.m_ours = our_s;
			e.m_theirs = cs_s;
			std::string cls = classify(ci, status, ours, our_s, cs_s);
			if (cls.empty())
				record(st->m_unexplained[ci->mnemonic], e);
			else
				record(st->m_documented[cls], e);
		}
		if (status == KMT_DECODE_OK && ours.length == ci->size &&
		    (ours.sem_flags & KMT_SEM_GPRS)) {
			st->m_sem_compared++;
			if (ours.op != KMT_OP_OTHER)
				st->m_sem_integer++;
			std::string d = semantic_diff(cs, ci, ours);
			if (d.empty()) {
				st->m_sem_agreed++;
			} else {
				Example e;
				char where[64];
				std::snprintf(where, sizeof(where), "+0x%zx", off);
				e.m_where = sec.m_name + where;
				e.m_bytes = hex(p, ci->size);
				e.m_text = std::string(ci->mnemonic) + " " + ci->op_str;
				char sem[KMT_SEMANTICS_MAX];
				kmt_format_semantics(&ours, sem, sizeof(sem));
				e.m_ours = sem;
				e.m_theirs = d;
				std::string cls = classify_semantics(ci, ours, d);
				if (cls.empty())
					record(st->m_sem_unexplained[ci->mnemonic], e);
				else
					record(st->m_sem_documented[cls], e);
			}
		}
		off += ci->size;
	}
	cs_free(ci, 1);
}

void merge(Stats *into, const Stats &from)
{
	into->m_compared += from.m_compared;
	into->m_agreed += from.m_agreed;
	into->m_skipped += from.m_skipped;
	into->m_sem_compared += from.m_sem_compared;
	into->m_sem_agreed += from.m_sem_agreed;
	into->m_sem_integer += from.m_sem_integer;
	for (const auto &kv : from.m_mnemonics)
		into->m_mnemonics[kv.first] += kv.second;
	using Map = std::map<std::string, ClassStats>;
	std::pair<Map *, const Map *> pairs[] = { { &into->m_documented, &from.m_documented },
						    { &into->m_unexplained, &from.m_unexplained },
						    { &into->m_sem_documented, &from.m_sem_documented },
						    { &into->m_sem_unexplained, &from.m_sem_unexplained } };
	for (auto &pair : pairs) {
		for (const auto &kv : *pair.second) {
			ClassStats &c = (*pair.first)[kv.first];
			c.m_count += kv.second.m_count;
			for (const Example &e : kv.second.m_examples)
				if (c.m_examples.size() < g_examples)
					c.m_examples.push_back(e);
		}
	}
}

void print_classes(const char *title, const std::map<std::string, ClassStats> &m)
{
	std::vector<std::pair<uint64_t, std::string>> order;
	for (const auto &kv : m)
		order.push_back({ kv.second.m_count, kv.first });
	std::sort(order.rbegin(), order.rend());
	std::printf("%s: %zu\n", title, order.size());
	for (const auto &o : order) {
		const ClassStats &c = m.at(o.second);
		std::printf("  %-40s %10llu\n", o.second.c_str(), (unsigned long long)c.m_count);
		for (const Example &e : c.m_examples)
			std::printf("      %s  [%s]  %s  ours '%s' capstone '%s'\n", e.m_where.c_str(),
				    e.m_bytes.c_str(), e.m_text.c_str(), e.m_ours.c_str(), e.m_theirs.c_str());
	}
}

} // namespace

int main(int argc, char **argv)
{
	std::string modules = "all";
	unsigned jobs = std::thread::hardware_concurrency();
	std::string work = ".";
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--modules" && i + 1 < argc)
			modules = argv[++i];
		else if (a == "--jobs" && i + 1 < argc)
			jobs = static_cast<unsigned>(std::atoi(argv[++i]));
		else if (a == "--work" && i + 1 < argc)
			work = argv[++i];
		else if (a == "--examples" && i + 1 < argc)
			g_examples = static_cast<size_t>(std::atoi(argv[++i]));
		else if (a == "--histogram" && i + 1 < argc)
			g_histogram = static_cast<size_t>(std::atoi(argv[++i]));
		else {
			std::fprintf(stderr, "usage: %s [--modules all|none|N] [--jobs J] [--work DIR] [--examples K] [--histogram N]\n",
				     argv[0]);
			return 2;
		}
	}
	if (jobs == 0)
		jobs = 1;
	auto t0 = std::chrono::steady_clock::now();

	std::string dir = kmt::kernel_dir();
	std::string err;
	std::string vmlinux = work + "/vmlinux";
	if (!kmt::unpack_vmlinux(dir, vmlinux, &err)) {
		std::fprintf(stderr, "FAIL: test kernel not available: %s\n", err.c_str());
		return 1;
	}
	std::vector<std::string> files = { vmlinux };
	std::vector<std::string> mods = kmt::list_modules(dir);
	if (modules != "none" && mods.empty()) {
		std::fprintf(stderr, "FAIL: no modules under %s/modules/kernel\n", dir.c_str());
		return 1;
	}
	size_t nmod = 0;
	if (modules == "all") {
		files.insert(files.end(), mods.begin(), mods.end());
		nmod = mods.size();
	} else if (modules != "none") {
		size_t want = static_cast<size_t>(std::atol(modules.c_str()));
		size_t step = want ? (mods.size() + want - 1) / want : 0;
		for (size_t i = 0; step && i < mods.size(); i += step, nmod++)
			files.push_back(mods[i]);
	}

	{
		csh cs;
		if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
			std::fprintf(stderr, "FAIL: cs_open\n");
			return 1;
		}
		init_cs_regs(cs);
		cs_close(&cs);
	}
	std::atomic<size_t> next{ 0 };
	std::vector<Stats> per(jobs);
	std::vector<std::string> errors;
	std::mutex err_mu;
	auto worker = [&](unsigned id) {
		csh cs;
		if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
			std::lock_guard<std::mutex> g(err_mu);
			errors.push_back("cs_open failed");
			return;
		}
		cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
		for (size_t i; (i = next.fetch_add(1)) < files.size();) {
			std::vector<kmt::CodeSection> secs;
			std::string e;
			if (!kmt::read_code_sections(files[i], &secs, &e)) {
				std::lock_guard<std::mutex> g(err_mu);
				errors.push_back(e);
				continue;
			}
			for (const kmt::CodeSection &s : secs)
				sweep(cs, s, &per[id]);
		}
		cs_close(&cs);
	};
	std::vector<std::thread> threads;
	for (unsigned j = 0; j < jobs; j++)
		threads.emplace_back(worker, j);
	for (auto &t : threads)
		t.join();
	Stats all;
	for (const Stats &s : per)
		merge(&all, s);
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

	uint64_t documented = 0, unexplained = 0;
	for (const auto &kv : all.m_documented)
		documented += kv.second.m_count;
	for (const auto &kv : all.m_unexplained)
		unexplained += kv.second.m_count;
	std::printf("kernel: %s (vmlinux + %zu of %zu modules, %u threads, %.1f s)\n", dir.c_str(),
		    nmod, mods.size(), jobs, secs);
	std::printf("instructions compared: %llu\nagreements: %llu\ndocumented disagreements: %llu\n"
		    "unexplained disagreements: %llu\nbytes Capstone could not decode (skipped): %llu\n",
		    (unsigned long long)all.m_compared, (unsigned long long)all.m_agreed,
		    (unsigned long long)documented, (unsigned long long)unexplained,
		    (unsigned long long)all.m_skipped);
	if (g_histogram) {
		std::vector<std::pair<uint64_t, std::string>> h;
		for (const auto &kv : all.m_mnemonics)
			h.push_back({ kv.second, kv.first });
		std::sort(h.rbegin(), h.rend());
		std::printf("most frequent mnemonics (Capstone):\n");
		for (size_t i = 0; i < h.size() && i < g_histogram; i++)
			std::printf("  %-12s %10llu  %5.2f%%\n", h[i].second.c_str(), (unsigned long long)h[i].first,
				    100.0 * h[i].first / all.m_compared);
	}
	print_classes("documented classes", all.m_documented);
	print_classes("UNEXPLAINED (by Capstone mnemonic)", all.m_unexplained);
	uint64_t sem_documented = 0, sem_unexplained = 0;
	for (const auto &kv : all.m_sem_documented)
		sem_documented += kv.second.m_count;
	for (const auto &kv : all.m_sem_unexplained)
		sem_unexplained += kv.second.m_count;
	std::printf("register semantics: instructions compared: %llu (op != other: %llu), agreements: %llu, "
		    "documented disagreements: %llu, unexplained disagreements: %llu\n",
		    (unsigned long long)all.m_sem_compared, (unsigned long long)all.m_sem_integer, (unsigned long long)all.m_sem_agreed,
		    (unsigned long long)sem_documented, (unsigned long long)sem_unexplained);
	print_classes("register semantics: documented classes", all.m_sem_documented);
	print_classes("register semantics: UNEXPLAINED (by Capstone mnemonic)", all.m_sem_unexplained);
	for (const std::string &e : errors)
		std::printf("error: %s\n", e.c_str());
	if (!errors.empty() || unexplained != 0 || sem_unexplained != 0 || all.m_compared == 0 ||
	    all.m_sem_compared == 0) {
		std::printf("FAIL\n");
		return 1;
	}
	std::printf("PASS\n");
	return 0;
}
