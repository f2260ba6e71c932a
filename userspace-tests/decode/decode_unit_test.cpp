// Unit tests of the decoder (emulate/kmt_decode.h): table-driven cases per instruction family,
// truncation at every length, the 15-byte limit, kmt_mem_address(), and the golden file, which
// goes through the same code path as `kmemtrap-decode --hex`.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "decode_text.h"

extern "C" {
#include "kmt_decode.h"
#include "kmt_decode_format.h"
}

namespace {

constexpr int kAny = -1;

// One case: bytes in, the --hex summary out, and optionally class / REP / first-operand flags.
struct Case {
	const char *m_name;    // test name suffix (identifier characters only)
	const char *m_hex;     // instruction bytes
	const char *m_summary; // expected "<length> <operands>" or "invalid"
	int m_class = kAny;    // enum kmt_insn_class
	int m_rep = kAny;      // enum kmt_rep_kind
	int m_rep_offset = kAny;
	unsigned m_mem0_flags = 0;  // KMT_MEM_* bits that mem[0] must have
	unsigned m_mem0_access = 0; // KMT_ACCESS_* bits that mem[0] must have (e.g. COND)
};

void PrintTo(const Case &c, std::ostream *os)
{
	*os << c.m_name << " [" << c.m_hex << "] -> '" << c.m_summary << "'";
}

std::vector<uint8_t> bytes_of(const char *hex)
{
	std::vector<uint8_t> b;
	EXPECT_TRUE(kmt::parse_hex(hex, &b)) << hex;
	return b;
}

class DecodeCase : public ::testing::TestWithParam<Case> {};

TEST_P(DecodeCase, MatchesExpected)
{
	const Case &c = GetParam();
	EXPECT_EQ(kmt::summarize_hex_line(c.m_hex), c.m_summary);
	std::vector<uint8_t> b = bytes_of(c.m_hex);
	kmt_insn insn;
	int st = kmt_decode(b.data(), b.size(), &insn);
	if (std::strcmp(c.m_summary, "invalid") == 0) {
		EXPECT_NE(st, KMT_DECODE_OK);
		return;
	}
	ASSERT_EQ(st, KMT_DECODE_OK) << kmt_decode_status_str(st);
	if (c.m_class != kAny) {
		EXPECT_EQ(insn.insn_class, c.m_class);
	}
	if (c.m_rep != kAny) {
		EXPECT_EQ(insn.rep, c.m_rep);
	}
	if (c.m_rep_offset != kAny) {
		EXPECT_EQ(insn.rep_offset, c.m_rep_offset);
	}
	if (c.m_mem0_flags || c.m_mem0_access) {
		ASSERT_GE(insn.nmem, 1);
		EXPECT_EQ(insn.mem[0].flags & c.m_mem0_flags, c.m_mem0_flags);
		EXPECT_EQ(insn.mem[0].access & c.m_mem0_access, c.m_mem0_access);
	}
}

std::string case_name(const ::testing::TestParamInfo<Case> &info)
{
	return info.param.m_name;
}

#define KMT_CASES(suite, array) \
	INSTANTIATE_TEST_SUITE_P(suite, DecodeCase, ::testing::ValuesIn(array), case_name)

// REP string instructions: every prefix order; the last F2/F3 wins.
const Case kStrings[] = {
	{ "rep_movsq", "f3 48 a5", "3 r8,w8", KMT_CLASS_MOVS, KMT_REP_REP, 0 },
	{ "rep_stosw_66_after_f3", "f3 66 ab", "3 w2", KMT_CLASS_STOS, KMT_REP_REP, 0 },
	{ "rep_movsw_66_before_f3", "66 f3 a5", "3 r2,w2", KMT_CLASS_MOVS, KMT_REP_REP, 1 },
	{ "rep_stosq", "f3 48 ab", "3 w8", KMT_CLASS_STOS, KMT_REP_REP, 0 },
	{ "rep_stosd", "f3 ab", "2 w4", KMT_CLASS_STOS, KMT_REP_REP, 0 },
	{ "rep_stosb", "f3 aa", "2 w1", KMT_CLASS_STOS, KMT_REP_REP, 0 },
	{ "rep_movsb", "f3 a4", "2 r1,w1", KMT_CLASS_MOVS, KMT_REP_REP, 0 },
	{ "rep_movsd", "f3 a5", "2 r4,w4", KMT_CLASS_MOVS, KMT_REP_REP, 0 },
	{ "repne_scasb", "f2 ae", "2 r1", KMT_CLASS_SCAS, KMT_REP_REPNE, 0 },
	{ "repe_cmpsb", "f3 a6", "2 r1,r1", KMT_CLASS_CMPS, KMT_REP_REPE, 0 },
	{ "repe_scasq", "f3 48 af", "3 r8", KMT_CLASS_SCAS, KMT_REP_REPE, 0 },
	{ "movsb_bare", "a4", "1 r1,w1", KMT_CLASS_MOVS, KMT_REP_NONE },
	{ "lodsb", "ac", "1 r1", KMT_CLASS_LODS, KMT_REP_NONE },
	{ "lodsq", "48 ad", "2 r8", KMT_CLASS_LODS },
	{ "last_rep_wins_f2_f3", "f2 f3 a4", "3 r1,w1", KMT_CLASS_MOVS, KMT_REP_REP, 1 },
	{ "last_rep_wins_f3_f2_cmps", "f3 f2 a6", "3 r1,r1", KMT_CLASS_CMPS, KMT_REP_REPNE, 1 },
	{ "f2_on_movs_repeats", "f2 a5", "2 r4,w4", KMT_CLASS_MOVS, KMT_REP_REP, 0 },
	{ "rep_insb", "f3 6c", "2 w1", KMT_CLASS_INS, KMT_REP_REP, 0 },
	{ "rep_outsw", "f3 66 6f", "3 r2", KMT_CLASS_OUTS, KMT_REP_REP, 0 },
	{ "insd_no_64bit_form", "48 6d", "2 w4", KMT_CLASS_INS },
	{ "fs_source_movsb", "64 a4", "2 r1,w1", KMT_CLASS_MOVS },
	{ "addr32_rep_movsb", "67 f3 a4", "3 r1,w1", KMT_CLASS_MOVS, KMT_REP_REP, 1, KMT_MEM_ADDR32 },
	{ "rep_is_conditional", "f3 48 ab", "3 w8", KMT_CLASS_STOS, KMT_REP_REP, 0, 0, KMT_ACCESS_COND },
	{ "lock_movs_invalid", "f0 a4", "invalid" },
};
KMT_CASES(Strings, kStrings);

// LOCK and implicitly locked forms.
const Case kAtomics[] = {
	{ "lock_cmpxchg", "f0 0f b1 0f", "4 rw4", KMT_CLASS_ATOMIC },
	{ "lock_xadd", "f0 48 0f c1 07", "5 rw8", KMT_CLASS_ATOMIC },
	{ "lock_inc", "f0 ff 07", "3 rw4", KMT_CLASS_ATOMIC },
	{ "lock_or_byte", "f0 80 0f 01", "4 rw1", KMT_CLASS_ATOMIC },
	{ "xchg_mem_is_atomic", "87 07", "2 rw4", KMT_CLASS_ATOMIC },
	{ "xchg_byte", "86 07", "2 rw1", KMT_CLASS_ATOMIC },
	{ "xchg_reg_nomem", "87 c0", "2 -", KMT_CLASS_NOMEM },
	{ "lock_bts", "f0 48 0f ab 07", "5 rw8", KMT_CLASS_ATOMIC },
	{ "lock_reg_form_invalid", "f0 01 c0", "invalid" },
	{ "lock_mov_invalid", "f0 8b 07", "invalid" },
	{ "lock_nop_invalid", "f0 90", "invalid" },
	{ "add_mem_plain", "01 07", "2 rw4", KMT_CLASS_PLAIN },
	{ "cmp_reads_only", "39 07", "2 r4", KMT_CLASS_PLAIN },
	{ "cmpxchg_unlocked_plain", "0f b1 0f", "3 rw4", KMT_CLASS_PLAIN },
	{ "cmpxchg8b", "0f c7 0f", "3 rw8", KMT_CLASS_ATOMIC },
	{ "cmpxchg16b", "48 0f c7 0f", "4 rw16", KMT_CLASS_ATOMIC },
	{ "lock_cmpxchg16b", "f0 48 0f c7 4e 20", "6 rw16", KMT_CLASS_ATOMIC },
	{ "cmpxchg8b_reg_invalid", "0f c7 c8", "invalid" },
};
KMT_CASES(Atomics, kAtomics);

// Bit tests, SETcc/CMOVcc, MOVZX/MOVSX, PUSH/POP of memory, plain loads and stores.
const Case kInteger[] = {
	{ "bt_reg_offset", "48 0f a3 07", "4 r8", KMT_CLASS_PLAIN, kAny, kAny, KMT_MEM_BITOFFSET },
	{ "bts_reg_offset", "0f ab 07", "3 rw4", KMT_CLASS_PLAIN, kAny, kAny, KMT_MEM_BITOFFSET },
	{ "bt_imm", "48 0f ba 27 05", "5 r8" },
	{ "bts_imm", "48 0f ba 2f 05", "5 rw8" },
	{ "btc_imm16", "66 0f ba 3f 05", "5 rw2" },
	{ "grp8_reg0_invalid", "0f ba 07 05", "invalid" },
	{ "sete_mem_written", "0f 94 07", "3 w1" },
	{ "sete_reg", "0f 94 c0", "3 -", KMT_CLASS_NOMEM },
	{ "cmove_reads_always", "48 0f 44 07", "4 r8" },
	{ "cmovg16", "66 0f 4f 07", "4 r2" },
	{ "movzx_byte", "0f b6 07", "3 r1" },
	{ "movzx_word", "48 0f b7 07", "4 r2" },
	{ "movsx_byte", "48 0f be 07", "4 r1" },
	{ "movsx_word", "0f bf 07", "3 r2" },
	{ "movsxd", "48 63 07", "3 r4" },
	{ "movsxd16", "66 63 07", "3 r2" },
	{ "push_mem", "ff 37", "2 r8" },
	{ "push_mem16", "66 ff 37", "3 r2" },
	{ "push_mem_rexw_beats_66", "66 48 ff 37", "4 r8" },
	{ "push_imm32_rexw_beats_66", "66 48 68 00 00 00 80", "7 -" },
	{ "pop_mem", "8f 07", "2 w8" },
	{ "pop_grp1a_reg1_invalid", "8f 0f", "invalid" },
	{ "push_reg_implicit_stack_not_listed", "50", "1 -" },
	{ "call_indirect", "ff 17", "2 r8" },
	{ "jmp_table", "ff 24 c5 00 00 00 00", "7 r8" },
	{ "ljmp_m16_32", "ff 68 24", "3 r6" },
	{ "load_rsp", "48 8b 04 24", "4 r8" },
	{ "store_disp8", "48 89 44 24 08", "5 w8" },
	{ "mov_imm32", "c7 07 01 00 00 00", "6 w4" },
	{ "mov_imm_sext64", "48 c7 07 01 00 00 00", "7 w8" },
	{ "mov_imm16", "66 c7 07 01 00", "5 w2" },
	{ "mov_imm8", "c6 07 01", "3 w1" },
	{ "movabs_imm64", "48 b8 01 02 03 04 05 06 07 08", "10 -" },
	{ "mov_moffs_load", "a1 00 10 00 00 00 00 00 00", "9 r4" },
	{ "mov_moffs_store64", "48 a3 00 10 00 00 00 00 00 00", "10 w8" },
	{ "mov_moffs_addr32", "67 a0 00 10 00 00", "6 r1" },
	{ "xlat", "d7", "1 r1", KMT_CLASS_PLAIN, kAny, kAny, KMT_MEM_XLAT },
	{ "test_reads_only", "f6 07 01", "3 r1" },
	{ "test_imm32", "f7 07 01 00 00 00", "6 r4" },
	{ "not_rmw", "f7 17", "2 rw4" },
	{ "mul_reads", "f7 27", "2 r4" },
	{ "rol_rmw", "d1 07", "2 rw4" },
	{ "shl_imm", "c1 27 03", "3 rw4" },
	{ "shld_imm", "0f a4 07 03", "4 rw4" },
	{ "imul_imm8", "6b 07 03", "3 r4" },
	{ "enter", "c8 10 00 00", "4 -" },
	{ "ret_imm", "c2 08 00", "3 -" },
	{ "jcc_rel32", "0f 84 00 00 00 00", "6 -" },
	{ "xbegin", "c7 f8 00 00 00 00", "6 -" },
	{ "xabort", "c6 f8 01", "3 -" },
	{ "ud2", "0f 0b", "2 -" },
	{ "ud1_has_modrm", "0f b9 cc", "3 -" },
	{ "mov_cr_mod_ignored", "0f 20 d8", "3 -" },
	{ "rdrand", "48 0f c7 f0", "4 -" },
	{ "inc_byte", "fe 07", "2 rw1" },
	{ "grp4_reg2_invalid", "fe 17", "invalid" },
	{ "grp5_reg7_invalid", "ff 3f", "invalid" },
	{ "lea_reg_invalid", "8d c0", "invalid" },
	{ "rex_then_legacy_prefix_drops_rex", "48 66 8b 07", "4 r2" },
	{ "segment_cs_ignored", "2e 8b 07", "3 r4" },
	{ "sgdt", "0f 01 07", "3 w10" },
	{ "lgdt", "0f 01 17", "3 r10" },
	{ "smsw_mem", "0f 01 27", "3 w2" },
	{ "swapgs", "0f 01 f8", "3 -" },
	{ "sldt_mem", "0f 00 07", "3 w2" },
	{ "lar", "0f 02 07", "3 r2" },
	{ "vmread_store", "0f 78 07", "3 w8" },
	{ "vmptrld", "0f c7 37", "3 r8" },
};
KMT_CASES(Integer, kInteger);

// Address-only forms list nothing; state-save areas; x87; the 0F38 integer instructions.
const Case kSpecial[] = {
	{ "lea", "8d 04 24", "3 -", KMT_CLASS_NOMEM },
	{ "nop_rm", "0f 1f 44 00 00", "5 -", KMT_CLASS_NOMEM },
	{ "prefetcht0", "0f 18 08", "3 -" },
	{ "prefetchw", "0f 0d 08", "3 -" },
	{ "clflush", "0f ae 38", "3 -" },
	{ "clflushopt", "66 0f ae 38", "4 -" },
	{ "clwb", "66 0f ae 30", "4 -" },
	{ "invlpg", "0f 01 3f", "3 -" },
	{ "endbr64", "f3 0f 1e fa", "4 -" },
	{ "fxsave", "0f ae 07", "3 w512" },
	{ "fxrstor64", "48 0f ae 0f", "4 r512" },
	{ "xsave_minimum", "0f ae 27", "3 w576", KMT_CLASS_PLAIN, kAny, kAny, KMT_MEM_SIZE_MIN },
	{ "xrstor", "0f ae 2f", "3 r576" },
	{ "xsaves", "48 0f c7 2f", "4 w576" },
	{ "ldmxcsr", "0f ae 17", "3 r4" },
	{ "stmxcsr", "0f ae 1f", "3 w4" },
	{ "mfence", "0f ae f0", "3 -" },
	{ "rdgsbase", "f3 48 0f ae c8", "5 -" },
	{ "fld_m32", "d9 07", "2 r4" },
	{ "fstp_m64", "dd 1f", "2 w8" },
	{ "fld_m80", "db 2f", "2 r10" },
	{ "fnstcw", "d9 7f 06", "3 w2" },
	{ "fnstsw_m16", "dd 7f 06", "3 w2" },
	{ "fnsave", "dd 37", "2 w108" },
	{ "fnstenv", "d9 37", "2 w28" },
	{ "fistp_m64", "df 3f", "2 w8" },
	{ "fld_st0", "d9 c0", "2 -" },
	{ "movdir64b", "66 0f 38 f8 07", "5 r64,w64" },
	{ "enqcmd", "f2 0f 38 f8 07", "5 r64,w64" },
	{ "movdiri", "0f 38 f9 07", "4 w4" },
	{ "movbe_load", "0f 38 f0 07", "4 r4" },
	{ "movbe_store", "48 0f 38 f1 07", "5 w8" },
	{ "crc32_byte", "f2 0f 38 f0 07", "5 r1" },
	{ "crc32_dword", "f2 0f 38 f1 07", "5 r4" },
	{ "adcx", "66 48 0f 38 f6 07", "6 r8" },
	{ "popcnt", "f3 48 0f b8 07", "5 r8" },
	{ "jmpe_invalid", "0f b8 07", "invalid" },
	{ "movnti", "48 0f c3 07", "4 w8" },
	{ "padlock_unsupported", "f3 0f a7 c8", "invalid" },
};
KMT_CASES(Special, kSpecial);

// SSE, AVX, AVX-512 loads and stores.
const Case kSimd[] = {
	{ "movups_load", "0f 10 07", "3 r16" },
	{ "movups_store", "0f 11 07", "3 w16" },
	{ "movss_load", "f3 0f 10 07", "4 r4" },
	{ "movsd_store", "f2 0f 11 07", "4 w8" },
	{ "movdqa_load", "66 0f 6f 07", "4 r16" },
	{ "movdqu_store", "f3 0f 7f 07", "4 w16" },
	{ "movq_mmx_load", "0f 6f 07", "3 r8" },
	{ "movq_xmm_store", "66 0f d6 07", "4 w8" },
	{ "movq_xmm_load", "f3 0f 7e 07", "4 r8" },
	{ "movq_r64_store", "66 48 0f 7e 07", "5 w8" },
	{ "movd_load", "66 0f 6e 07", "4 r4" },
	{ "pextrd_store", "66 0f 3a 16 07 01", "6 w4" },
	{ "pinsrw", "66 0f c4 07 01", "5 r2" },
	{ "comisd_m64", "66 0f 2f 07", "4 r8" },
	{ "comiss_m32", "0f 2f 07", "3 r4" },
	{ "cvtps2pd_half", "0f 5a 07", "3 r8" },
	{ "punpcklbw_mmx_m32", "0f 60 07", "3 r4" },
	{ "psllw_count_m128", "66 0f f1 07", "4 r16" },
	{ "pshufb_ssse3", "66 0f 38 00 07", "5 r16" },
	{ "pmovzxbd", "66 0f 38 31 07", "5 r4" },
	{ "aesenc", "66 0f 38 dc 07", "5 r16" },
	{ "pclmulqdq", "66 0f 3a 44 07 00", "6 r16" },
	{ "maskmovdqu_implicit_rdi", "66 0f f7 c1", "4 w16", KMT_CLASS_PLAIN, kAny, kAny, KMT_MEM_IMPLICIT,
	  KMT_ACCESS_COND },
	{ "vmovdqa_ymm", "c5 fd 6f 07", "4 r32" },
	{ "vmovdqu_store_ymm", "c5 fe 7f 07", "4 w32" },
	{ "vmovdqu_store_xmm", "c5 fa 7f 07", "4 w16" },
	{ "vzeroupper", "c5 f8 77", "3 -" },
	{ "vbroadcastss_ymm", "c4 e2 7d 18 07", "5 r4" },
	{ "vbroadcasti128", "c4 e2 7d 5a 07", "5 r16" },
	{ "vextracti128", "c4 e3 7d 39 07 01", "6 w16" },
	{ "vpmaskmovd_load", "c4 e2 79 8c 07", "5 r16", kAny, kAny, kAny, 0, KMT_ACCESS_COND },
	{ "vpmaskmovd_store", "c4 e2 79 8e 07", "5 w16", kAny, kAny, kAny, 0, KMT_ACCESS_COND },
	{ "vpgatherdd_vsib", "c4 e2 69 90 04 87", "6 r4", kAny, kAny, kAny, KMT_MEM_VSIB },
	{ "vex_andn", "c4 e2 78 f2 07", "5 r4" },
	{ "vex_shlx64", "c4 e2 f9 f7 07", "5 r8" },
	{ "rorx", "c4 e3 7b f0 07 05", "6 r4" },
	{ "kmovw_load", "c5 f8 90 07", "4 r2" },
	{ "kmovq_store", "c4 e1 f8 91 07", "5 w8" },
	{ "evex_vmovups_zmm", "62 f1 7c 48 10 07", "6 r64" },
	{ "evex_disp8_scaled_64", "62 f1 7c 48 10 47 01", "7 r64" },
	{ "evex_store_disp8_neg", "62 f1 7c 48 11 47 ff", "7 w64" },
	{ "evex_broadcast_dword", "62 f1 7d 58 fe 47 01", "7 r4" },
	{ "evex_masked_store_cond", "62 f1 fe 4a 7f 07", "6 w64", kAny, kAny, kAny, 0, KMT_ACCESS_COND },
	{ "evex_vpmovzxbd_quarter", "62 f2 7d 48 31 47 01", "7 r16" },
	{ "evex_vpmovdb_store", "62 f2 7e 48 31 47 01", "7 w16" },
	{ "evex_vmovntdq", "62 f1 fd 48 e7 07", "6 w64" },
	{ "evex_vbroadcastss", "62 f2 7d 48 18 47 01", "7 r4" },
	{ "evex_ymm_store", "62 f1 fe 28 7f 46 01", "7 w32" },
	{ "evex_gather_vsib", "62 f2 7d 49 90 04 87", "7 r4", kAny, kAny, kAny, KMT_MEM_VSIB },
	{ "vex_with_66_invalid", "66 c5 f8 77", "invalid" },
	{ "vex_with_rex_invalid", "48 c5 f8 77", "invalid" },
	{ "vex_map4_invalid", "c4 e4 78 10 07", "invalid" },
	{ "evex_bad_fixed_bit_invalid", "62 f1 78 48 10 07", "invalid" },
	{ "evex_ll3_mem_invalid", "62 f1 7c 68 10 07", "invalid" },
	{ "evex_vzeroupper_invalid", "62 f1 7c 08 77 c0", "invalid" },
	{ "vex_evex_only_op_invalid", "c4 e2 79 64 07", "invalid" },
};
KMT_CASES(Simd, kSimd);

// Addressing: RIP-relative, FS/GS, 0x67, SIB forms.
const Case kAddressing[] = {
	{ "riprel", "48 8b 05 10 00 00 00", "7 r8", kAny, kAny, kAny, KMT_MEM_RIPREL },
	{ "gs_abs", "65 48 8b 04 25 28 00 00 00", "9 r8" },
	{ "fs_reg", "64 8b 07", "3 r4" },
	{ "addr32", "67 8b 07", "3 r4", kAny, kAny, kAny, KMT_MEM_ADDR32 },
	{ "addr32_riprel", "67 8b 05 00 00 00 00", "7 r4", kAny, kAny, kAny,
	  KMT_MEM_RIPREL | KMT_MEM_ADDR32 },
	{ "sib_no_base", "8b 04 8d 00 10 00 00", "7 r4" },
	{ "sib_rbp_disp8", "8b 44 8d 10", "4 r4" },
	{ "r13_needs_disp", "41 8b 45 00", "4 r4" },
	{ "r12_needs_sib", "41 8b 04 24", "4 r4" },
};
KMT_CASES(Addressing, kAddressing);

// Opcodes that are #UD in 64-bit mode.
const Case kInvalid[] = {
	{ "push_es", "06", "invalid" },   { "pop_es", "07", "invalid" },
	{ "push_cs", "0e", "invalid" },   { "push_ss", "16", "invalid" },
	{ "push_ds", "1e", "invalid" },   { "daa", "27", "invalid" },
	{ "aaa", "37", "invalid" },       { "pusha", "60", "invalid" },
	{ "popa", "61", "invalid" },      { "grp1_82", "82 00 00", "invalid" },
	{ "callf", "9a 00 00 00 00 00 00", "invalid" },
	{ "into", "ce", "invalid" },      { "aam", "d4 0a", "invalid" },
	{ "salc", "d6", "invalid" },      { "jmpf", "ea 00 00 00 00 00 00", "invalid" },
	{ "op_0f04", "0f 04", "invalid" }, { "op_0f0a", "0f 0a", "invalid" },
	{ "op_0f24", "0f 24 00", "invalid" }, { "op_0f3a_ff", "66 0f 3a ff c0 00", "invalid" },
	{ "empty_line", "", "invalid" },
};
KMT_CASES(Invalid, kInvalid);

// Every proper prefix of a valid instruction is TRUNCATED; the whole is OK.
TEST(DecodeLimits, TruncatedAtEveryLength)
{
	const char *samples[] = {
		"65 48 c7 84 88 44 33 22 11 78 56 34 12", "f3 48 a5", "62 f1 7c 48 10 47 01",
		"c4 e3 7d 39 07 01", "48 a3 00 10 00 00 00 00 00 00", "66 0f 3a 16 07 01",
		"f0 48 0f c7 4e 20", "c8 10 00 00",
	};
	for (const char *s : samples) {
		std::vector<uint8_t> b = bytes_of(s);
		kmt_insn insn;
		for (size_t n = 0; n < b.size(); n++)
			EXPECT_EQ(kmt_decode(b.data(), n, &insn), KMT_DECODE_TRUNCATED) << s << " len " << n;
		ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK) << s;
		EXPECT_EQ(insn.length, b.size()) << s;
	}
}

TEST(DecodeLimits, FifteenBytesAndNoMore)
{
	std::vector<uint8_t> b(14, 0x66);
	b.push_back(0x90);
	kmt_insn insn;
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	EXPECT_EQ(insn.length, 15);
	// 15 prefixes: the opcode would be byte 16.
	std::vector<uint8_t> p(16, 0x66);
	p[15] = 0x90;
	EXPECT_EQ(kmt_decode(p.data(), p.size(), &insn), KMT_DECODE_TOO_LONG);
	// 14 prefixes + ADD AX, imm16: 17 bytes.
	std::vector<uint8_t> q(14, 0x66);
	for (uint8_t x : { 0x05, 0x00, 0x00 })
		q.push_back(x);
	EXPECT_EQ(kmt_decode(q.data(), q.size(), &insn), KMT_DECODE_TOO_LONG);
	// The same with a long instruction: 4 prefixes + an 11-byte MOV with SIB, disp32, imm32.
	std::vector<uint8_t> r = bytes_of("66 66 66 66 65 48 c7 84 88 44 33 22 11 78 56 34 12");
	EXPECT_EQ(kmt_decode(r.data(), r.size(), &insn), KMT_DECODE_TOO_LONG);
	EXPECT_EQ(kmt_decode(r.data(), 0, &insn), KMT_DECODE_TRUNCATED);
}

TEST(DecodeLimits, FailureLeavesZeroedOutput)
{
	std::vector<uint8_t> b = bytes_of("06");
	kmt_insn insn;
	std::memset(&insn, 0xa5, sizeof(insn));
	EXPECT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_INVALID);
	kmt_insn zero;
	std::memset(&zero, 0, sizeof(zero));
	EXPECT_EQ(std::memcmp(&insn, &zero, sizeof(insn)), 0);
	std::vector<uint8_t> v = bytes_of("f3 0f a7 c8");
	EXPECT_EQ(kmt_decode(v.data(), v.size(), &insn), KMT_DECODE_UNSUPPORTED);
	EXPECT_EQ(insn.length, 4);
	EXPECT_EQ(insn.nmem, 0);
}

// kmt_mem_address() for each addressing form.
struct AddrFixture : ::testing::Test {
	kmt_regs m_regs;
	void SetUp() override
	{
		std::memset(&m_regs, 0, sizeof(m_regs));
		for (int i = 0; i < 16; i++)
			m_regs.gpr[i] = 0x1000 * (i + 1);
		m_regs.rip = 0xffffffff81000000ull;
		m_regs.fs_base = 0x7f0000000000ull;
		m_regs.gs_base = 0xffff888000000000ull;
	}
	uint64_t addr(const char *hex, unsigned op = 0)
	{
		std::vector<uint8_t> b = bytes_of(hex);
		kmt_insn insn;
		EXPECT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK) << hex;
		EXPECT_LT(op, insn.nmem) << hex;
		return kmt_mem_address(&insn, &insn.mem[op], &m_regs);
	}
};

TEST_F(AddrFixture, BaseIndexScaleDisp)
{
	// mov eax, [rbx + rcx*4 + 0x10]
	EXPECT_EQ(addr("8b 44 8b 10"), 0x4000u + 0x2000u * 4 + 0x10);
	// mov eax, [rsp - 8]
	EXPECT_EQ(addr("8b 44 24 f8"), 0x5000u - 8);
	// mov eax, [r12 + r13*8]
	EXPECT_EQ(addr("43 8b 04 ec"), 0xd000u + 0xe000u * 8);
	// mov eax, [0x1000] (SIB without base or index)
	EXPECT_EQ(addr("8b 04 25 00 10 00 00"), 0x1000u);
}

TEST_F(AddrFixture, RipRelativeUsesNextInstruction)
{
	EXPECT_EQ(addr("48 8b 05 10 00 00 00"), m_regs.rip + 7 + 0x10);
	EXPECT_EQ(addr("8b 05 f0 ff ff ff"), m_regs.rip + 6 - 0x10);
}

TEST_F(AddrFixture, SegmentBases)
{
	EXPECT_EQ(addr("65 48 8b 04 25 28 00 00 00"), m_regs.gs_base + 0x28);
	EXPECT_EQ(addr("64 8b 07"), m_regs.fs_base + m_regs.gpr[KMT_REG_RDI]);
	// An ignored CS override after GS does not cancel GS.
	EXPECT_EQ(addr("65 2e 8b 07"), m_regs.gs_base + m_regs.gpr[KMT_REG_RDI]);
	// MOVS source takes the override, the destination is always ES.
	EXPECT_EQ(addr("65 a4", 0), m_regs.gs_base + m_regs.gpr[KMT_REG_RSI]);
	EXPECT_EQ(addr("65 a4", 1), m_regs.gpr[KMT_REG_RDI]);
}

TEST_F(AddrFixture, AddressSize32Truncates)
{
	m_regs.gpr[KMT_REG_RDI] = 0x123456789ull;
	EXPECT_EQ(addr("67 8b 07"), 0x23456789ull);
	m_regs.gpr[KMT_REG_RDI] = 0xfffffff0ull;
	EXPECT_EQ(addr("67 8b 47 20"), 0x10ull); // wraps at 4 GiB
	EXPECT_EQ(addr("67 65 8b 47 20"), m_regs.gs_base + 0x10);
}

TEST_F(AddrFixture, StringOperands)
{
	EXPECT_EQ(addr("f3 48 a5", 0), m_regs.gpr[KMT_REG_RSI]);
	EXPECT_EQ(addr("f3 48 a5", 1), m_regs.gpr[KMT_REG_RDI]);
	EXPECT_EQ(addr("f3 48 ab", 0), m_regs.gpr[KMT_REG_RDI]);
}

TEST_F(AddrFixture, BitOffsetSelectsTheUnit)
{
	uint64_t rdi = m_regs.gpr[KMT_REG_RDI];
	m_regs.gpr[KMT_REG_RAX] = 100; // bt [rdi], rax: bit 100 is in qword 1
	EXPECT_EQ(addr("48 0f a3 07"), rdi + 8);
	m_regs.gpr[KMT_REG_RAX] = static_cast<uint64_t>(-1); // bit -1 is in qword -1
	EXPECT_EQ(addr("48 0f a3 07"), rdi - 8);
	m_regs.gpr[KMT_REG_RAX] = 0xffffffffull; // 32-bit: eax = -1 -> dword -1
	EXPECT_EQ(addr("0f a3 07"), rdi - 4);
	m_regs.gpr[KMT_REG_R9] = 64; // bts [rdi], r9 (REX.R): dword 2
	EXPECT_EQ(addr("44 0f ab 0f"), rdi + 8);
	m_regs.gpr[KMT_REG_RAX] = 100; // bt [rdi], 100 (immediate): masked, no escape
	EXPECT_EQ(addr("48 0f ba 27 64"), rdi);
}

TEST_F(AddrFixture, XlatAndImplicitOperands)
{
	m_regs.gpr[KMT_REG_RAX] = 0x12345;
	EXPECT_EQ(addr("d7"), m_regs.gpr[KMT_REG_RBX] + 0x45);
	EXPECT_EQ(addr("66 0f 38 f8 07", 0), m_regs.gpr[KMT_REG_RDI]); // source [rdi]
	EXPECT_EQ(addr("66 0f 38 f8 07", 1), m_regs.gpr[KMT_REG_RAX]); // destination ES:[rax]
	EXPECT_EQ(addr("a1 00 10 00 00 00 00 00 00"), 0x1000u);
	EXPECT_EQ(addr("65 a1 00 10 00 00 00 00 00 00"), m_regs.gs_base + 0x1000);
}

TEST_F(AddrFixture, EvexDisp8IsScaled)
{
	EXPECT_EQ(addr("62 f1 7c 48 10 47 01"), m_regs.gpr[KMT_REG_RDI] + 64);
	EXPECT_EQ(addr("62 f1 7c 28 10 47 ff"), m_regs.gpr[KMT_REG_RDI] - 32);
	EXPECT_EQ(addr("62 f1 7d 58 fe 47 01"), m_regs.gpr[KMT_REG_RDI] + 4); // {1to16}
	EXPECT_EQ(addr("62 f2 7d 48 31 47 01"), m_regs.gpr[KMT_REG_RDI] + 16); // quarter
}

TEST(DecodeFormat, StatusStringsAndSmallBuffer)
{
	for (int s = KMT_DECODE_OK; s <= KMT_DECODE_UNSUPPORTED + 1; s++)
		EXPECT_NE(kmt_decode_status_str(s), nullptr);
	std::vector<uint8_t> b = bytes_of("f3 48 a5");
	kmt_insn insn;
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	char small[4];
	EXPECT_EQ(kmt_format_summary(KMT_DECODE_OK, &insn, small, sizeof(small)), 0u);
	EXPECT_STREQ(small, "");
}

// Golden file: "hex -> expected" lines, checked through the CLI's own function.
TEST(DecodeGolden, File)
{
	std::ifstream f(KMT_GOLDEN_FILE);
	ASSERT_TRUE(f) << "cannot open " << KMT_GOLDEN_FILE;
	std::string line;
	int n = 0, lineno = 0;
	while (std::getline(f, line)) {
		lineno++;
		if (line.empty() || line[0] == '#')
			continue;
		size_t arrow = line.find("->");
		ASSERT_NE(arrow, std::string::npos) << "line " << lineno << ": " << line;
		std::string hex = line.substr(0, arrow);
		std::string want = line.substr(arrow + 2);
		while (!want.empty() && want.front() == ' ')
			want.erase(0, 1);
		while (!want.empty() && (want.back() == ' ' || want.back() == '\r'))
			want.pop_back();
		// "<summary> | <semantics>" lines check the semantics too (kmemtrap-decode --sem).
		if (want.find(" | ") != std::string::npos)
			EXPECT_EQ(kmt::semantics_hex_line(hex), want) << "line " << lineno << ": " << hex;
		else
			EXPECT_EQ(kmt::summarize_hex_line(hex), want) << "line " << lineno << ": " << hex;
		n++;
	}
	EXPECT_GT(n, 50);
}

} // namespace
