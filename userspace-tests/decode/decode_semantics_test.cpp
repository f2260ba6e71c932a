// Unit tests of the decoder's instruction semantics (kmt_insn.op, ops[], gpr_*, flags_*):
// table-driven cases per operation family, bytes in, the full `kmemtrap-decode --sem` line out
// (kmt_format_semantics(), see emulate/kmt_decode_format.h for the format). Each expected line
// was checked against the Intel SDM (Vol. 2 instruction pages and "Flags Affected").
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "decode_text.h"

extern "C" {
#include "kmt_decode.h"
#include "kmt_decode_format.h"
}

namespace {

struct SemCase {
	const char *m_name;     // test name suffix
	const char *m_hex;      // instruction bytes
	const char *m_expected; // "<summary> | <semantics>"
};

void PrintTo(const SemCase &c, std::ostream *os)
{
	*os << c.m_name << " [" << c.m_hex << "]";
}

class SemanticsCase : public ::testing::TestWithParam<SemCase> {};

TEST_P(SemanticsCase, MatchesExpected)
{
	const SemCase &c = GetParam();
	EXPECT_EQ(kmt::semantics_hex_line(c.m_hex), c.m_expected);
}

std::string case_name(const ::testing::TestParamInfo<SemCase> &info)
{
	return info.param.m_name;
}

#define KMT_SEM_CASES(suite, array) \
	INSTANTIATE_TEST_SUITE_P(suite, SemanticsCase, ::testing::ValuesIn(array), case_name)

const SemCase kMove[] = {
	{ "movnti", "48 0f c3 07", // a store with a non-temporal hint: a MOV for the value
	  "4 w8 | mov w:m8, r:rax ; gpr r:rax,rdi w:- ; flags r:- w:- u:-" },
	{ "mov_store_byte", "88 07",
	  "2 w1 | mov w:m1, r:al ; gpr r:rax,rdi w:- ; flags r:- w:- u:-" },
	{ "mov_reg32", "89 c8",
	  "2 - | mov w:eax, r:ecx ; gpr r:rcx w:rax ; flags r:- w:- u:-" },
	{ "mov_high_byte_source", "88 e0",
	  "2 - | mov w:al, r:ah ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "mov_rex_makes_spl", "40 88 e0",
	  "3 - | mov w:al, r:spl ; gpr r:rsp w:rax ; flags r:- w:- u:-" },
	{ "mov_load_into_ah", "8a 24 24",
	  "3 r1 | mov w:ah, r:m1 ; gpr r:rsp w:rax ; flags r:- w:- u:-" },
	{ "mov_ah_imm", "b4 12",
	  "2 - | mov w:ah, i1:0x12 ; gpr r:- w:rax ; flags r:- w:- u:-" },
	{ "mov_r8b_imm", "41 b0 01",
	  "3 - | mov w:r8b, i1:0x1 ; gpr r:- w:r8 ; flags r:- w:- u:-" },
	{ "movabs_imm64", "48 b8 88 77 66 55 44 33 22 11",
	  "10 - | mov w:rax, i8:0x1122334455667788 ; gpr r:- w:rax ; flags r:- w:- u:-" },
	{ "mov_ax_imm16", "66 b8 34 12",
	  "4 - | mov w:ax, i2:0x1234 ; gpr r:- w:rax ; flags r:- w:- u:-" },
	{ "mov_mem_imm8", "c6 07 80",
	  "3 w1 | mov w:m1, i1:0x80 ; gpr r:rdi w:- ; flags r:- w:- u:-" },
	{ "mov_r64_imm32_sign_extended", "48 c7 c0 ff ff ff ff",
	  "7 - | mov w:rax, i8:0xffffffffffffffff ; gpr r:- w:rax ; flags r:- w:- u:-" },
	{ "mov_mem_imm32", "c7 07 00 00 00 80",
	  "6 w4 | mov w:m4, i4:0x80000000 ; gpr r:rdi w:- ; flags r:- w:- u:-" },
	{ "mov_al_moffs", "a0 00 10 00 00 00 00 00 00",
	  "9 r1 | mov w:al, r:m1 ; gpr r:- w:rax ; flags r:- w:- u:-" },
	{ "mov_moffs_rax", "48 a3 00 10 00 00 00 00 00 00",
	  "10 w8 | mov w:m8, r:rax ; gpr r:rax w:- ; flags r:- w:- u:-" },
	{ "mov_reg16_merges", "66 89 c8",
	  "3 - | mov w:ax, r:cx ; gpr r:rcx w:rax ; flags r:- w:- u:-" },
	{ "mov_r8b_r9b", "45 88 c8",
	  "3 - | mov w:r8b, r:r9b ; gpr r:r9 w:r8 ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(Move, kMove);

const SemCase kExtend[] = {
	{ "movzx_from_ah", "0f b6 c4",
	  "3 - | movzx w:eax, r:ah ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "movzx_from_spl", "48 0f b6 c4",
	  "4 - | movzx w:rax, r:spl ; gpr r:rsp w:rax ; flags r:- w:- u:-" },
	{ "movzx_word_mem", "0f b7 07",
	  "3 r2 | movzx w:eax, r:m2 ; gpr r:rdi w:rax ; flags r:- w:- u:-" },
	{ "movsx_byte", "48 0f be c0",
	  "4 - | movsx w:rax, r:al ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "movsx_word", "0f bf c8",
	  "3 - | movsx w:ecx, r:ax ; gpr r:rax w:rcx ; flags r:- w:- u:-" },
	{ "movsxd", "48 63 c8",
	  "3 - | movsxd w:rcx, r:eax ; gpr r:rax w:rcx ; flags r:- w:- u:-" },
	{ "movsxd_without_rexw", "63 c8",
	  "2 - | movsxd w:ecx, r:eax ; gpr r:rax w:rcx ; flags r:- w:- u:-" },
	{ "movsxd_16", "66 63 c8",
	  "3 - | movsxd w:cx, r:ax ; gpr r:rax w:rcx ; flags r:- w:- u:-" },
	{ "cwde", "98",
	  "1 - | cbw ; gpr r:rax w:rax implicit 4 ; flags r:- w:- u:-" },
	{ "cbw", "66 98",
	  "2 - | cbw ; gpr r:rax w:rax implicit 2 ; flags r:- w:- u:-" },
	{ "cdqe", "48 98",
	  "2 - | cbw ; gpr r:rax w:rax implicit 8 ; flags r:- w:- u:-" },
	{ "cdq", "99",
	  "1 - | cwd ; gpr r:rax w:rdx implicit 4 ; flags r:- w:- u:-" },
	{ "cwd", "66 99",
	  "2 - | cwd ; gpr r:rax w:rdx implicit 2 ; flags r:- w:- u:-" },
	{ "cqo", "48 99",
	  "2 - | cwd ; gpr r:rax w:rdx implicit 8 ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(Extend, kExtend);

const SemCase kLea[] = {
	{ "lea_rsp", "48 8d 04 24",
	  "4 - | lea w:rax, addr ; gpr r:rsp w:rax ; flags r:- w:- u:-" },
	{ "lea_sib", "8d 44 88 08",
	  "4 - | lea w:eax, addr ; gpr r:rax,rcx w:rax ; flags r:- w:- u:-" },
	{ "lea_16", "66 8d 07",
	  "3 - | lea w:ax, addr ; gpr r:rdi w:rax ; flags r:- w:- u:-" },
	{ "lea_addr32", "67 48 8d 07",
	  "4 - | lea w:rax, addr ; gpr r:rdi w:rax a32 ; flags r:- w:- u:-" },
	{ "lea_riprel", "48 8d 05 10 00 00 00",
	  "7 - | lea w:rax, addr ; gpr r:- w:rax ; flags r:- w:- u:-" },
	{ "lea_gs_ignores_segment", "65 48 8d 04 25 00 00 00 00",
	  "9 - | lea w:rax, addr ; gpr r:- w:rax ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(Lea, kLea);

const SemCase kAlu[] = {
	{ "add_ah_al", "00 c4",
	  "2 - | add rw:ah, r:al ; gpr r:rax w:rax ; flags r:- w:oszapc u:-" },
	{ "add_reg32", "01 c8",
	  "2 - | add rw:eax, r:ecx ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:-" },
	{ "add_load", "48 03 07",
	  "3 r8 | add rw:rax, r:m8 ; gpr r:rax,rdi w:rax ; flags r:- w:oszapc u:-" },
	{ "add_al_imm", "04 05",
	  "2 - | add rw:al, i1:0x5 ; gpr r:rax w:rax ; flags r:- w:oszapc u:-" },
	{ "add_rax_imm32_sign_extended", "48 05 00 00 00 80",
	  "6 - | add rw:rax, i8:0xffffffff80000000 ; gpr r:rax w:rax ; flags r:- w:oszapc u:-" },
	{ "add_ax_imm16", "66 05 34 12",
	  "4 - | add rw:ax, i2:0x1234 ; gpr r:rax w:rax ; flags r:- w:oszapc u:-" },
	{ "add_ah_imm", "80 c4 05",
	  "3 - | add rw:ah, i1:0x5 ; gpr r:rax w:rax ; flags r:- w:oszapc u:-" },
	{ "add_imm32", "81 c1 78 56 34 12",
	  "6 - | add rw:ecx, i4:0x12345678 ; gpr r:rcx w:rcx ; flags r:- w:oszapc u:-" },
	{ "sub_imm8_sign_extended", "48 83 e8 80",
	  "4 - | sub rw:rax, i8:0xffffffffffffff80 ; gpr r:rax w:rax ; flags r:- w:oszapc u:-" },
	{ "and_imm8", "83 e0 f0",
	  "3 - | and rw:eax, i4:0xfffffff0 ; gpr r:rax w:rax ; flags r:- w:oszapc u:a" },
	{ "adc_reads_cf", "10 c8",
	  "2 - | adc rw:al, r:cl ; gpr r:rax,rcx w:rax ; flags r:c w:oszapc u:-" },
	{ "sbb_mem", "48 19 07",
	  "3 rw8 | sbb rw:m8, r:rax ; gpr r:rax,rdi w:- ; flags r:c w:oszapc u:-" },
	{ "cmp_reads_only", "38 c4",
	  "2 - | cmp r:ah, r:al ; gpr r:rax w:- ; flags r:- w:oszapc u:-" },
	{ "cmp_al_imm", "3c 01",
	  "2 - | cmp r:al, i1:0x1 ; gpr r:rax w:- ; flags r:- w:oszapc u:-" },
	{ "cmp_load", "48 3b 07",
	  "3 r8 | cmp r:rax, r:m8 ; gpr r:rax,rdi w:- ; flags r:- w:oszapc u:-" },
	{ "test_reg", "84 c0",
	  "2 - | test r:al, r:al ; gpr r:rax w:- ; flags r:- w:oszapc u:a" },
	{ "test_al_imm", "a8 01",
	  "2 - | test r:al, i1:0x1 ; gpr r:rax w:- ; flags r:- w:oszapc u:a" },
	{ "test_ah_imm", "f6 c4 01",
	  "3 - | test r:ah, i1:0x1 ; gpr r:rax w:- ; flags r:- w:oszapc u:a" },
	{ "test_imm32", "f7 c1 00 01 00 00",
	  "6 - | test r:ecx, i4:0x100 ; gpr r:rcx w:- ; flags r:- w:oszapc u:a" },
	{ "test_mem", "48 85 07",
	  "3 r8 | test r:m8, r:rax ; gpr r:rax,rdi w:- ; flags r:- w:oszapc u:a" },
	{ "lock_add", "f0 01 07",
	  "3 rw4 | add rw:m4, r:eax ; gpr r:rax,rdi w:- ; flags r:- w:oszapc u:-" },
	{ "lock_or_imm", "f0 80 0f 01",
	  "4 rw1 | or rw:m1, i1:0x1 ; gpr r:rdi w:- ; flags r:- w:oszapc u:a" },
	{ "xor_ah", "30 e4",
	  "2 - | xor rw:ah, r:ah ; gpr r:rax w:rax ; flags r:- w:oszapc u:a" },
	{ "xor_zero_idiom", "31 c0",
	  "2 - | xor rw:eax, r:eax ; gpr r:rax w:rax ; flags r:- w:oszapc u:a" },
	{ "and_al_imm", "24 0f",
	  "2 - | and rw:al, i1:0xf ; gpr r:rax w:rax ; flags r:- w:oszapc u:a" },
	{ "and_cx_imm16", "66 81 e1 ff 00",
	  "5 - | and rw:cx, i2:0xff ; gpr r:rcx w:rcx ; flags r:- w:oszapc u:a" },
};
KMT_SEM_CASES(Alu, kAlu);

const SemCase kUnary[] = {
	{ "inc_ah", "fe c4",
	  "2 - | inc rw:ah ; gpr r:rax w:rax ; flags r:- w:oszap u:-" },
	{ "dec_reg32", "ff c8",
	  "2 - | dec rw:eax ; gpr r:rax w:rax ; flags r:- w:oszap u:-" },
	{ "inc_mem", "48 ff 07",
	  "3 rw8 | inc rw:m8 ; gpr r:rdi w:- ; flags r:- w:oszap u:-" },
	{ "neg_al", "f6 d8",
	  "2 - | neg rw:al ; gpr r:rax w:rax ; flags r:- w:oszapc u:-" },
	{ "not_rax", "48 f7 d0",
	  "3 - | not rw:rax ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "lock_dec", "f0 ff 0f",
	  "3 rw4 | dec rw:m4 ; gpr r:rdi w:- ; flags r:- w:oszap u:-" },
	{ "neg_r9d", "41 f7 d9",
	  "3 - | neg rw:r9d ; gpr r:r9 w:r9 ; flags r:- w:oszapc u:-" },
};
KMT_SEM_CASES(Unary, kUnary);

const SemCase kShift[] = {
	{ "shl_1", "d0 e0",
	  "2 - | shl rw:al, i1:0x1 ; gpr r:rax w:rax ; flags r:- w:oszapc u:a" },
	{ "shr_1", "d1 e8",
	  "2 - | shr rw:eax, i1:0x1 ; gpr r:rax w:rax ; flags r:- w:oszapc u:a" },
	{ "shl_cl", "d2 e0",
	  "2 - | shl rw:al, r:cl ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:oac cond" },
	{ "sar_cl", "d3 f8",
	  "2 - | sar rw:eax, r:cl ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:oa cond" },
	{ "shl_count0_no_flags", "c0 e0 00",
	  "3 - | shl rw:al, i1:0x0 ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "shl_imm", "c1 e0 05",
	  "3 - | shl rw:eax, i1:0x5 ; gpr r:rax w:rax ; flags r:- w:oszapc u:oa" },
	{ "shl_63", "48 c1 e0 3f",
	  "4 - | shl rw:rax, i1:0x3f ; gpr r:rax w:rax ; flags r:- w:oszapc u:oa" },
	{ "shl_64_masked_to_0", "48 c1 e0 40",
	  "4 - | shl rw:rax, i1:0x40 ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "shl_byte_by_9", "c0 e0 09",
	  "3 - | shl rw:al, i1:0x9 ; gpr r:rax w:rax ; flags r:- w:oszapc u:oac" },
	{ "shl_word_cl", "66 d3 e0",
	  "3 - | shl rw:ax, r:cl ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:oac cond" },
	{ "rol_1", "d1 c0",
	  "2 - | rol rw:eax, i1:0x1 ; gpr r:rax w:rax ; flags r:- w:oc u:-" },
	{ "rol_imm", "c1 c0 04",
	  "3 - | rol rw:eax, i1:0x4 ; gpr r:rax w:rax ; flags r:- w:oc u:o" },
	{ "rol_cl", "d3 c0",
	  "2 - | rol rw:eax, r:cl ; gpr r:rax,rcx w:rax ; flags r:- w:oc u:o cond" },
	{ "rcl_1", "d1 d0",
	  "2 - | rcl rw:eax, i1:0x1 ; gpr r:rax w:rax ; flags r:c w:oc u:-" },
	{ "rcr_byte_9", "c0 d8 09",
	  "3 - | rcr rw:al, i1:0x9 ; gpr r:rax w:rax ; flags r:c w:oc u:o" },
	{ "sal_alias_of_shl", "d1 f0",
	  "2 - | shl rw:eax, i1:0x1 ; gpr r:rax w:rax ; flags r:- w:oszapc u:a" },
	{ "shld_imm", "0f a4 c8 05",
	  "4 - | shld rw:eax, r:ecx, i1:0x5 ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:oa" },
	{ "shld_cl", "0f a5 c8",
	  "3 - | shld rw:eax, r:ecx, r:cl ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:oa cond" },
	{ "shld16_count_17_undefined", "66 0f a4 c8 11",
	  "5 - | shld rw:ax, r:cx, i1:0x11 ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:oszapc" },
	{ "shrd_63", "48 0f ac d0 3f",
	  "5 - | shrd rw:rax, r:rdx, i1:0x3f ; gpr r:rax,rdx w:rax ; flags r:- w:oszapc u:oa" },
	{ "shrd_mem_cl", "48 0f ad 07",
	  "4 rw8 | shrd rw:m8, r:rax, r:cl ; gpr r:rax,rcx,rdi w:- ; flags r:- w:oszapc u:oa cond" },
};
KMT_SEM_CASES(Shift, kShift);

const SemCase kMulDiv[] = {
	{ "mul_byte", "f6 e1",
	  "2 - | mul r:cl ; gpr r:rax,rcx w:rax implicit 2 ; flags r:- w:oszapc u:szap" },
	{ "mul_dword", "f7 e1",
	  "2 - | mul r:ecx ; gpr r:rax,rcx w:rax,rdx implicit 4 ; flags r:- w:oszapc u:szap" },
	{ "mul_qword", "48 f7 e1",
	  "3 - | mul r:rcx ; gpr r:rax,rcx w:rax,rdx implicit 8 ; flags r:- w:oszapc u:szap" },
	{ "mul_word", "66 f7 e1",
	  "3 - | mul r:cx ; gpr r:rax,rcx w:rax,rdx implicit 2 ; flags r:- w:oszapc u:szap" },
	{ "imul_one_operand", "f6 e9",
	  "2 - | imul r:cl ; gpr r:rax,rcx w:rax implicit 2 ; flags r:- w:oszapc u:szap" },
	{ "idiv_dword", "f7 f9",
	  "2 - | idiv r:ecx ; gpr r:rax,rcx,rdx w:rax,rdx implicit 4 ; flags r:- w:oszapc u:oszapc" },
	{ "div_qword", "48 f7 f1",
	  "3 - | div r:rcx ; gpr r:rax,rcx,rdx w:rax,rdx implicit 8 ; flags r:- w:oszapc u:oszapc" },
	{ "div_byte", "f6 f1",
	  "2 - | div r:cl ; gpr r:rax,rcx w:rax implicit 2 ; flags r:- w:oszapc u:oszapc" },
	{ "div_mem", "48 f7 37",
	  "3 r8 | div r:m8 ; gpr r:rax,rdx,rdi w:rax,rdx implicit 8 ; flags r:- w:oszapc u:oszapc" },
	{ "imul_two_operands", "0f af c1",
	  "3 - | imul rw:eax, r:ecx ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:szap" },
	{ "imul_imm8", "6b c0 05",
	  "3 - | imul w:eax, r:eax, i4:0x5 ; gpr r:rax w:rax ; flags r:- w:oszapc u:szap" },
	{ "imul_imm32", "69 c0 78 56 34 12",
	  "6 - | imul w:eax, r:eax, i4:0x12345678 ; gpr r:rax w:rax ; flags r:- w:oszapc u:szap" },
	{ "imul_imm8_sign_extended", "48 6b c0 ff",
	  "4 - | imul w:rax, r:rax, i8:0xffffffffffffffff ; gpr r:rax w:rax ; flags r:- w:oszapc u:szap" },
};
KMT_SEM_CASES(MulDiv, kMulDiv);

const SemCase kAtomic[] = {
	{ "cmpxchg_byte", "0f b0 0f",
	  "3 rw1 | cmpxchg rw:m1, r:cl ; gpr r:rax,rcx,rdi w:rax implicit 1 ; flags r:- w:oszapc u:-" },
	{ "lock_cmpxchg", "f0 0f b1 0f",
	  "4 rw4 | cmpxchg rw:m4, r:ecx ; gpr r:rax,rcx,rdi w:rax implicit 4 ; flags r:- w:oszapc u:-" },
	{ "cmpxchg_reg", "0f b1 c8",
	  "3 - | cmpxchg rw:eax, r:ecx ; gpr r:rax,rcx w:rax implicit 4 ; flags r:- w:oszapc u:-" },
	{ "cmpxchg16b", "48 0f c7 0f",
	  "4 rw16 | cmpxchg8b16b rw:m16 ; gpr r:rax,rcx,rdx,rbx,rdi w:rax,rdx implicit 8 ; flags r:- w:z u:-" },
	{ "cmpxchg8b", "0f c7 0f",
	  "3 rw8 | cmpxchg8b16b rw:m8 ; gpr r:rax,rcx,rdx,rbx,rdi w:rax,rdx implicit 4 ; flags r:- w:z u:-" },
	{ "xchg_mem", "87 07",
	  "2 rw4 | xchg rw:m4, rw:eax ; gpr r:rax,rdi w:rax ; flags r:- w:- u:-" },
	{ "xchg_byte_mem", "86 07",
	  "2 rw1 | xchg rw:m1, rw:al ; gpr r:rax,rdi w:rax ; flags r:- w:- u:-" },
	{ "xchg_high_bytes", "86 e0",
	  "2 - | xchg rw:al, rw:ah ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "xadd", "0f c1 07",
	  "3 rw4 | xadd rw:m4, rw:eax ; gpr r:rax,rdi w:rax ; flags r:- w:oszapc u:-" },
	{ "lock_xadd", "f0 48 0f c1 07",
	  "5 rw8 | xadd rw:m8, rw:rax ; gpr r:rax,rdi w:rax ; flags r:- w:oszapc u:-" },
	{ "xchg_rax_rcx", "48 91",
	  "2 - | xchg rw:rax, rw:rcx ; gpr r:rax,rcx w:rax,rcx ; flags r:- w:- u:-" },
	{ "xchg_eax_r8d", "41 90",
	  "2 - | xchg rw:eax, rw:r8d ; gpr r:rax,r8 w:rax,r8 ; flags r:- w:- u:-" },
	{ "xchg_eax_eax_zero_extends", "87 c0",
	  "2 - | xchg rw:eax, rw:eax ; gpr r:rax w:rax ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(Atomic, kAtomic);

const SemCase kBits[] = {
	{ "bt_reg", "0f a3 c8",
	  "3 - | bt r:eax, r:ecx ; gpr r:rax,rcx w:- ; flags r:- w:osapc u:osap" },
	{ "bt_mem_reg_offset", "48 0f a3 07",
	  "4 r8 | bt r:m8, r:rax ; gpr r:rax,rdi w:- ; flags r:- w:osapc u:osap" },
	{ "bts_mem", "0f ab 07",
	  "3 rw4 | bts rw:m4, r:eax ; gpr r:rax,rdi w:- ; flags r:- w:osapc u:osap" },
	{ "lock_bts", "f0 0f ab 07",
	  "4 rw4 | bts rw:m4, r:eax ; gpr r:rax,rdi w:- ; flags r:- w:osapc u:osap" },
	{ "btr_reg", "48 0f b3 c8",
	  "4 - | btr rw:rax, r:rcx ; gpr r:rax,rcx w:rax ; flags r:- w:osapc u:osap" },
	{ "btc_reg", "0f bb c8",
	  "3 - | btc rw:eax, r:ecx ; gpr r:rax,rcx w:rax ; flags r:- w:osapc u:osap" },
	{ "bt_imm", "0f ba e0 05",
	  "4 - | bt r:eax, i1:0x5 ; gpr r:rax w:- ; flags r:- w:osapc u:osap" },
	{ "bts_mem_imm", "0f ba 2f 05",
	  "4 rw4 | bts rw:m4, i1:0x5 ; gpr r:rdi w:- ; flags r:- w:osapc u:osap" },
	{ "btc_word_imm", "66 0f ba f8 03",
	  "5 - | btc rw:ax, i1:0x3 ; gpr r:rax w:rax ; flags r:- w:osapc u:osap" },
	{ "bsf", "0f bc c1",
	  "3 - | bsf rw:eax, r:ecx ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:osapc" },
	{ "bsr", "48 0f bd c1",
	  "4 - | bsr rw:rax, r:rcx ; gpr r:rax,rcx w:rax ; flags r:- w:oszapc u:osapc" },
	{ "tzcnt", "f3 0f bc c1",
	  "4 - | tzcnt w:eax, r:ecx ; gpr r:rcx w:rax ; flags r:- w:oszapc u:osap" },
	{ "lzcnt", "f3 48 0f bd c1",
	  "5 - | lzcnt w:rax, r:rcx ; gpr r:rcx w:rax ; flags r:- w:oszapc u:osap" },
	{ "popcnt", "f3 0f b8 c1",
	  "4 - | popcnt w:eax, r:ecx ; gpr r:rcx w:rax ; flags r:- w:oszapc u:-" },
	{ "bswap", "48 0f c8",
	  "3 - | bswap rw:rax ; gpr r:rax w:rax ; flags r:- w:- u:-" },
	{ "bswap_r9d", "41 0f c9",
	  "3 - | bswap rw:r9d ; gpr r:r9 w:r9 ; flags r:- w:- u:-" },
	{ "bswap_16_bit", "66 0f c8",
	  "3 - | bswap rw:ax ; gpr r:rax w:rax ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(Bits, kBits);

const SemCase kCond[] = {
	{ "sete_al", "0f 94 c0",
	  "3 - | sete w:al ; gpr r:- w:rax ; flags r:z w:- u:-" },
	{ "setg_mem", "0f 9f 07",
	  "3 w1 | setg w:m1 ; gpr r:rdi w:- ; flags r:osz w:- u:-" },
	{ "setne_sil", "40 0f 95 c6",
	  "4 - | setne w:sil ; gpr r:- w:rsi ; flags r:z w:- u:-" },
	{ "setb_ah", "0f 92 c4",
	  "3 - | setb w:ah ; gpr r:- w:rax ; flags r:c w:- u:-" },
	{ "seto", "0f 90 c0",
	  "3 - | seto w:al ; gpr r:- w:rax ; flags r:o w:- u:-" },
	{ "setp", "0f 9a c0",
	  "3 - | setp w:al ; gpr r:- w:rax ; flags r:p w:- u:-" },
	{ "cmove", "0f 44 c1",
	  "3 - | cmove rw:eax, r:ecx ; gpr r:rax,rcx w:rax ; flags r:z w:- u:-" },
	{ "cmovl_mem", "48 0f 4c 07",
	  "4 r8 | cmovl rw:rax, r:m8 ; gpr r:rax,rdi w:rax ; flags r:os w:- u:-" },
	{ "cmovg_16", "66 0f 4f c1",
	  "4 - | cmovg rw:ax, r:cx ; gpr r:rax,rcx w:rax ; flags r:osz w:- u:-" },
	{ "cmovbe", "0f 46 c1",
	  "3 - | cmovbe rw:eax, r:ecx ; gpr r:rax,rcx w:rax ; flags r:zc w:- u:-" },
	{ "je_rel8", "74 05",
	  "2 - | je rel1:+0x5 ; gpr r:- w:- ; flags r:z w:- u:-" },
	{ "jne_rel32", "0f 85 10 00 00 00",
	  "6 - | jne rel4:+0x10 ; gpr r:- w:- ; flags r:z w:- u:-" },
	{ "jl_backwards", "7c fe",
	  "2 - | jl rel1:-0x2 ; gpr r:- w:- ; flags r:os w:- u:-" },
	{ "jg_rel32", "0f 8f 00 01 00 00",
	  "6 - | jg rel4:+0x100 ; gpr r:- w:- ; flags r:osz w:- u:-" },
	{ "jns", "79 00",
	  "2 - | jns rel1:+0x0 ; gpr r:- w:- ; flags r:s w:- u:-" },
	{ "ja", "77 10",
	  "2 - | ja rel1:+0x10 ; gpr r:- w:- ; flags r:zc w:- u:-" },
};
KMT_SEM_CASES(Cond, kCond);

const SemCase kControl[] = {
	{ "jmp_rel32", "e9 00 10 00 00",
	  "5 - | jmp rel4:+0x1000 ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "jmp_rel8_self", "eb fe",
	  "2 - | jmp rel1:-0x2 ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "call_rel32", "e8 fb ff ff ff",
	  "5 - | call rel4:-0x5 ; gpr r:rsp w:rsp ; flags r:- w:- u:-" },
	{ "call_reg", "ff d0",
	  "2 - | call_indirect r:rax ; gpr r:rax,rsp w:rsp ; flags r:- w:- u:-" },
	{ "call_mem", "ff 10",
	  "2 r8 | call_indirect r:m8 ; gpr r:rax,rsp w:rsp ; flags r:- w:- u:-" },
	{ "jmp_reg", "ff e0",
	  "2 - | jmp_indirect r:rax ; gpr r:rax w:- ; flags r:- w:- u:-" },
	{ "jmp_table", "ff 24 c5 00 00 00 00",
	  "7 r8 | jmp_indirect r:m8 ; gpr r:rax w:- ; flags r:- w:- u:-" },
	{ "ret", "c3",
	  "1 - | ret ; gpr r:rsp w:rsp ; flags r:- w:- u:-" },
	{ "ret_imm", "c2 08 00",
	  "3 - | ret i2:0x8 ; gpr r:rsp w:rsp ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(Control, kControl);

const SemCase kStack[] = {
	{ "push_rax", "50",
	  "1 - | push r:rax ; gpr r:rax,rsp w:rsp ; flags r:- w:- u:-" },
	{ "push_r15", "41 57",
	  "2 - | push r:r15 ; gpr r:rsp,r15 w:rsp ; flags r:- w:- u:-" },
	{ "push_16", "66 50",
	  "2 - | push r:ax ; gpr r:rax,rsp w:rsp ; flags r:- w:- u:-" },
	{ "pop_rax", "58",
	  "1 - | pop w:rax ; gpr r:rsp w:rax,rsp ; flags r:- w:- u:-" },
	{ "pop_mem", "8f 07",
	  "2 w8 | pop w:m8 ; gpr r:rsp,rdi w:rsp ; flags r:- w:- u:-" },
	{ "push_mem", "ff 37",
	  "2 r8 | push r:m8 ; gpr r:rsp,rdi w:rsp ; flags r:- w:- u:-" },
	{ "push_imm8", "6a ff",
	  "2 - | push i8:0xffffffffffffffff ; gpr r:rsp w:rsp ; flags r:- w:- u:-" },
	{ "push_imm32", "68 00 00 00 80",
	  "5 - | push i8:0xffffffff80000000 ; gpr r:rsp w:rsp ; flags r:- w:- u:-" },
	{ "pushf", "9c",
	  "1 - | pushf ; gpr r:rsp w:rsp ; flags r:odszapc w:- u:-" },
	{ "popf", "9d",
	  "1 - | popf ; gpr r:rsp w:rsp ; flags r:- w:odszapc u:-" },
	{ "leave", "c9",
	  "1 - | leave ; gpr r:rbp w:rsp,rbp ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(Stack, kStack);

const SemCase kString[] = {
	{ "movsb", "a4",
	  "1 r1,w1 | movs w:m1#1, r:m1 ; gpr r:rsi,rdi w:rsi,rdi ; flags r:d w:- u:-" },
	{ "movsq", "48 a5",
	  "2 r8,w8 | movs w:m8#1, r:m8 ; gpr r:rsi,rdi w:rsi,rdi ; flags r:d w:- u:-" },
	{ "rep_movsq", "f3 48 a5",
	  "3 r8,w8 | movs w:m8#1, r:m8 ; gpr r:rcx,rsi,rdi w:rcx,rsi,rdi ; flags r:d w:- u:-" },
	{ "stosb", "aa",
	  "1 w1 | stos w:m1, r:al ; gpr r:rax,rdi w:rdi ; flags r:d w:- u:-" },
	{ "rep_stosd", "f3 ab",
	  "2 w4 | stos w:m4, r:eax ; gpr r:rax,rcx,rdi w:rcx,rdi ; flags r:d w:- u:-" },
	{ "lodsb", "ac",
	  "1 r1 | lods w:al, r:m1 ; gpr r:rsi w:rax,rsi ; flags r:d w:- u:-" },
	{ "lodsq", "48 ad",
	  "2 r8 | lods w:rax, r:m8 ; gpr r:rsi w:rax,rsi ; flags r:d w:- u:-" },
	{ "cmpsb", "a6",
	  "1 r1,r1 | cmps r:m1, r:m1#1 ; gpr r:rsi,rdi w:rsi,rdi ; flags r:d w:oszapc u:-" },
	{ "repe_cmpsb", "f3 a6",
	  "2 r1,r1 | cmps r:m1, r:m1#1 ; gpr r:rcx,rsi,rdi w:rcx,rsi,rdi ; flags r:d w:oszapc u:- cond" },
	{ "repne_scasb", "f2 ae",
	  "2 r1 | scas r:al, r:m1 ; gpr r:rax,rcx,rdi w:rcx,rdi ; flags r:d w:oszapc u:- cond" },
	{ "movsb_addr32", "67 a4",
	  "2 r1,w1 | movs w:m1#1, r:m1 ; gpr r:rsi,rdi w:rsi,rdi a32 ; flags r:d w:- u:-" },
	{ "movsb_fs_source", "64 a4",
	  "2 r1,w1 | movs w:m1#1, r:m1 ; gpr r:rsi,rdi w:rsi,rdi ; flags r:d w:- u:-" },
	{ "movsw", "66 a5",
	  "2 r2,w2 | movs w:m2#1, r:m2 ; gpr r:rsi,rdi w:rsi,rdi ; flags r:d w:- u:-" },
};
KMT_SEM_CASES(String, kString);

const SemCase kFlags[] = {
	{ "clc", "f8",
	  "1 - | clc ; gpr r:- w:- ; flags r:- w:c u:-" },
	{ "stc", "f9",
	  "1 - | stc ; gpr r:- w:- ; flags r:- w:c u:-" },
	{ "cmc", "f5",
	  "1 - | cmc ; gpr r:- w:- ; flags r:c w:c u:-" },
	{ "cld", "fc",
	  "1 - | cld ; gpr r:- w:- ; flags r:- w:d u:-" },
	{ "std", "fd",
	  "1 - | std ; gpr r:- w:- ; flags r:- w:d u:-" },
};
KMT_SEM_CASES(Flags, kFlags);

const SemCase kNopTrap[] = {
	{ "nop", "90",
	  "1 - | nop ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "nop_66", "66 90",
	  "2 - | nop ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "nop_rexw", "48 90",
	  "2 - | nop ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "pause", "f3 90",
	  "2 - | pause ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "nop_mem", "0f 1f 44 00 00",
	  "5 - | nop addr ; gpr r:rax w:- ; flags r:- w:- u:-" },
	{ "nop_reg", "0f 1f c0",
	  "3 - | nop ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "endbr64", "f3 0f 1e fa",
	  "4 - | nop ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "hint_nop", "0f 19 07",
	  "3 - | nop addr ; gpr r:rdi w:- ; flags r:- w:- u:-" },
	{ "int3", "cc",
	  "1 - | int3 ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "ud2", "0f 0b",
	  "2 - | ud ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "ud1", "0f b9 cc",
	  "3 - | ud ; gpr r:- w:- ; flags r:- w:- u:-" },
	{ "ud0", "0f ff c0",
	  "3 - | ud ; gpr r:- w:- ; flags r:- w:- u:-" },
};
KMT_SEM_CASES(NopTrap, kNopTrap);

const SemCase kOther[] = {
	{ "cpuid", "0f a2",
	  "2 - | other ; gpr r:rax,rcx w:rax,rcx,rdx,rbx implicit 4" },
	{ "rdtsc", "0f 31",
	  "2 - | other ; gpr r:- w:rax,rdx implicit 4" },
	{ "rdtscp", "0f 01 f9",
	  "3 - | other ; gpr r:- w:rax,rcx,rdx implicit 4" },
	{ "rdmsr", "0f 32",
	  "2 - | other ; gpr r:rcx w:rax,rdx implicit 4" },
	{ "wrmsr", "0f 30",
	  "2 - | other ; gpr r:rax,rcx,rdx w:-" },
	{ "syscall", "0f 05",
	  "2 - | other ; gpr r:- w:rcx,r11 implicit 8" },
	{ "xgetbv", "0f 01 d0",
	  "3 - | other ; gpr r:rcx w:rax,rdx implicit 4" },
	{ "xlat", "d7",
	  "1 r1 | other ; gpr r:rax,rbx w:rax implicit 1" },
	{ "loop", "e2 fe",
	  "2 - | other rel1:-0x2 ; gpr r:rcx w:rcx" },
	{ "jrcxz", "e3 fe",
	  "2 - | other rel1:-0x2 ; gpr r:rcx w:-" },
	{ "in_al_dx", "ec",
	  "1 - | other w:al, r:dx ; gpr r:rdx w:rax" },
	{ "in_eax_imm", "e5 60",
	  "2 - | other w:eax, i1:0x60 ; gpr r:- w:rax" },
	{ "out_dx_eax", "ef",
	  "1 - | other r:dx, r:eax ; gpr r:rax,rdx w:-" },
	{ "ins_byte", "6c",
	  "1 w1 | other w:m1, r:dx ; gpr r:rdx,rdi w:rdi" },
	{ "rep_outsw", "f3 66 6f",
	  "3 r2 | other r:dx, r:m2 ; gpr r:rcx,rdx,rsi w:rcx,rsi" },
	{ "movd_load", "66 0f 6e c0",
	  "4 - | other r:eax ; gpr r:rax w:-" },
	{ "movq_store_r64", "66 48 0f 7e c0",
	  "5 - | other w:rax ; gpr r:- w:rax" },
	{ "movq_xmm_no_gpr", "f3 0f 7e c1",
	  "4 - | other ; gpr r:- w:-" },
	{ "cvtsi2sd", "f2 0f 2a c0",
	  "4 - | other r:eax ; gpr r:rax w:-" },
	{ "cvttsd2si_r64", "f2 48 0f 2c c0",
	  "5 - | other w:rax ; gpr r:- w:rax" },
	{ "cvtpi2ps_mmx_no_gpr", "0f 2a c1",
	  "3 - | other ; gpr r:- w:-" },
	{ "pmovmskb", "66 0f d7 c1",
	  "4 - | other w:rax ; gpr r:- w:rax" },
	{ "movmskps", "0f 50 c1",
	  "3 - | other w:rax ; gpr r:- w:rax" },
	{ "pextrd", "66 0f 3a 16 c0 01",
	  "6 - | other w:eax ; gpr r:- w:rax" },
	{ "pextrb_mem", "66 0f 3a 14 07 01",
	  "6 w1 | other w:m1 ; gpr r:rdi w:-" },
	{ "pinsrq", "66 48 0f 3a 22 c0 01",
	  "7 - | other r:rax ; gpr r:rax w:-" },
	{ "pinsrw", "c5 f9 c4 c0 01",
	  "5 - | other r:eax ; gpr r:rax w:-" },
	{ "vmovd", "c5 f9 6e c0",
	  "4 - | other r:eax ; gpr r:rax w:-" },
	{ "vcvtsi2ss", "c5 fa 2a c0",
	  "4 - | other r:eax ; gpr r:rax w:-" },
	{ "mulx", "c4 e2 f3 f6 c1",
	  "5 - | other w:rax, w:rcx, r:rcx ; gpr r:rcx,rdx w:rax,rcx" },
	{ "andn", "c4 e2 78 f2 c1",
	  "5 - | other w:eax, r:eax, r:ecx ; gpr r:rax,rcx w:rax" },
	{ "blsr", "c4 e2 78 f3 c9",
	  "5 - | other w:eax, r:ecx ; gpr r:rcx w:rax" },
	{ "bzhi", "c4 e2 70 f5 c0",
	  "5 - | other w:eax, r:eax, r:ecx ; gpr r:rax,rcx w:rax" },
	{ "pdep", "c4 e2 73 f5 c1",
	  "5 - | other w:eax, r:ecx, r:ecx ; gpr r:rcx w:rax" },
	{ "shlx", "c4 e2 71 f7 c0",
	  "5 - | other w:eax, r:eax, r:ecx ; gpr r:rax,rcx w:rax" },
	{ "rorx", "c4 e3 7b f0 c1 05",
	  "6 - | other w:eax, r:ecx, i1:0x5 ; gpr r:rcx w:rax" },
	{ "crc32", "f2 0f 38 f1 c1",
	  "5 - | other rw:eax, r:ecx ; gpr r:rax,rcx w:rax" },
	{ "crc32_byte", "f2 48 0f 38 f0 c1",
	  "6 - | other rw:rax, r:cl ; gpr r:rax,rcx w:rax" },
	{ "movbe_load", "0f 38 f0 07",
	  "4 r4 | other w:eax, r:m4 ; gpr r:rdi w:rax" },
	{ "movbe_store", "48 0f 38 f1 07",
	  "5 w8 | other w:m8, r:rax ; gpr r:rax,rdi w:-" },
	{ "adcx", "66 0f 38 f6 c1",
	  "5 - | other rw:eax, r:ecx ; gpr r:rax,rcx w:rax" },
	{ "adox", "f3 48 0f 38 f6 c1",
	  "6 - | other rw:rax, r:rcx ; gpr r:rax,rcx w:rax" },
	{ "rdfsbase", "f3 0f ae c0",
	  "4 - | other w:eax ; gpr r:- w:rax" },
	{ "wrgsbase", "f3 48 0f ae d8",
	  "5 - | other r:rax ; gpr r:rax w:-" },
	{ "rdrand", "0f c7 f0",
	  "3 - | other w:eax ; gpr r:- w:rax" },
	{ "rdseed_16", "66 0f c7 f8",
	  "4 - | other w:ax ; gpr r:- w:rax" },
	{ "rdpid", "f3 0f c7 f8",
	  "4 - | other w:rax ; gpr r:- w:rax" },
	{ "mov_from_cr3", "0f 20 d8",
	  "3 - | other w:rax ; gpr r:- w:rax" },
	{ "mov_to_cr4", "0f 22 e0",
	  "3 - | other r:rax ; gpr r:rax w:-" },
	{ "mov_from_sreg", "8c d8",
	  "2 - | other w:eax ; gpr r:- w:rax" },
	{ "mov_to_sreg", "8e d8",
	  "2 - | other r:ax ; gpr r:rax w:-" },
	{ "mfence", "0f ae f0",
	  "3 - | other ; gpr r:- w:-" },
	{ "xsave", "0f ae 27",
	  "3 w576 | other ; gpr r:rax,rdx,rdi w:-" },
	{ "fxsave", "0f ae 07",
	  "3 w512 | other ; gpr r:rdi w:-" },
	{ "prefetcht0", "0f 18 08",
	  "3 - | other addr ; gpr r:rax w:-" },
	{ "pcmpestri", "66 0f 3a 61 c1 00",
	  "6 - | other ; gpr r:rax,rdx w:rcx implicit 4" },
	{ "pcmpistri", "c4 e3 79 63 c1 00",
	  "6 - | other ; gpr r:- w:rcx implicit 4" },
	{ "kmovw_from_gpr", "c5 f8 92 c0",
	  "4 - | other r:eax ; gpr r:rax w:-" },
	{ "kmovq_to_gpr", "c4 e1 fb 93 c0",
	  "5 - | other w:rax ; gpr r:- w:rax" },
	{ "vpbroadcastd_gpr", "62 f2 7d 48 7c c0",
	  "6 - | other r:eax ; gpr r:rax w:-" },
	{ "vcvtss2usi", "62 f1 7e 08 79 c0",
	  "6 - | other w:eax ; gpr r:- w:rax" },
	{ "fnstsw_ax", "df e0",
	  "2 - | other w:ax ; gpr r:- w:rax" },
	{ "fld_no_gpr", "d9 07",
	  "2 r4 | other ; gpr r:rdi w:-" },
	{ "maskmovdqu", "66 0f f7 c1",
	  "4 w16 | other ; gpr r:rdi w:-" },
	{ "movdir64b", "66 0f 38 f8 07",
	  "5 r64,w64 | other ; gpr r:rax,rdi w:-" },
	{ "enter", "c8 10 00 01",
	  "4 - | other i2:0x10, i1:0x1 ; gpr r:rsp,rbp w:rsp,rbp" },
	{ "retf", "cb",
	  "1 - | other ; gpr r:rsp w:rsp" },
	{ "iret", "48 cf",
	  "2 - | other ; gpr r:rsp w:rsp" },
	{ "push_fs", "0f a0",
	  "2 - | other ; gpr r:rsp w:rsp" },
	{ "vmread", "0f 78 c8",
	  "3 - | other w:rax, r:rcx ; gpr r:rcx w:rax" },
	{ "vmwrite", "0f 79 c8",
	  "3 - | other r:rcx, r:rax ; gpr r:rax,rcx w:-" },
	{ "paddd_no_gpr", "66 0f fe c1",
	  "4 - | other ; gpr r:- w:-" },
	{ "vzeroupper", "c5 f8 77",
	  "3 - | other ; gpr r:- w:-" },
};
KMT_SEM_CASES(Other, kOther);

const SemCase kUndescribed[] = {
	{ "sldt", "0f 00 c0",
	  "3 - | other ; gpr r:- w:- ; gprs not described" },
	{ "sahf", "9e",
	  "1 - | other ; gpr r:- w:- ; gprs not described" },
	{ "lahf", "9f",
	  "1 - | other ; gpr r:- w:- ; gprs not described" },
	{ "rdsspq", "f3 48 0f 1e c8",
	  "5 - | other ; gpr r:- w:- ; gprs not described" },
	{ "vmcall", "0f 01 c1",
	  "3 - | other ; gpr r:- w:- ; gprs not described" },
	{ "xbegin", "c7 f8 00 00 00 00",
	  "6 - | other ; gpr r:- w:- ; gprs not described" },
	{ "sysenter", "0f 34",
	  "2 - | other ; gpr r:- w:- ; gprs not described" },
};
KMT_SEM_CASES(Undescribed, kUndescribed);

// Operand details the one-line form does not show.
TEST(Semantics, OperandFieldsAndFlags)
{
	std::vector<uint8_t> b;
	kmt_insn insn;
	// mov ah, [rsp]: the high byte of RAX, merged.
	ASSERT_TRUE(kmt::parse_hex("8a 24 24", &b));
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	ASSERT_EQ(insn.nops, 2);
	EXPECT_EQ(insn.ops[0].kind, KMT_OPND_REG);
	EXPECT_EQ(insn.ops[0].reg, KMT_REG_RAX);
	EXPECT_EQ(insn.ops[0].flags, KMT_OPND_HIGH8 | KMT_OPND_MERGE);
	EXPECT_EQ(insn.ops[1].kind, KMT_OPND_MEM);
	EXPECT_EQ(insn.ops[1].mem, 0);
	EXPECT_EQ(insn.ops[1].access, KMT_ACCESS_READ);
	// add r9d, [r10]: a 32-bit write zero-extends.
	ASSERT_TRUE(kmt::parse_hex("45 03 0a", &b));
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	EXPECT_EQ(insn.ops[0].reg, KMT_REG_R9);
	EXPECT_EQ(insn.ops[0].size, 4);
	EXPECT_EQ(insn.ops[0].flags, KMT_OPND_ZEXT32);
	EXPECT_EQ(insn.gpr_read, (1u << KMT_REG_R9) | (1u << KMT_REG_R10));
	EXPECT_EQ(insn.gpr_written, 1u << KMT_REG_R9);
	// lea rax, [rbx + rcx*4 + 8]: the address is in agen, not in mem[].
	ASSERT_TRUE(kmt::parse_hex("48 8d 44 8b 08", &b));
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	EXPECT_EQ(insn.nmem, 0);
	EXPECT_EQ(insn.ops[1].kind, KMT_OPND_AGEN);
	EXPECT_EQ(insn.agen.base, KMT_REG_RBX);
	EXPECT_EQ(insn.agen.index, KMT_REG_RCX);
	EXPECT_EQ(insn.agen.scale, 4);
	EXPECT_EQ(insn.agen.disp, 8);
	// jne -2: the displacement from the next instruction, sign-extended.
	ASSERT_TRUE(kmt::parse_hex("75 fe", &b));
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	EXPECT_EQ(insn.op, KMT_OP_JCC);
	EXPECT_EQ(insn.cond, 5);
	EXPECT_EQ(insn.ops[0].kind, KMT_OPND_REL);
	EXPECT_EQ(insn.ops[0].imm, static_cast<uint64_t>(-2));
	// shl eax, cl: the flags are only written for a non-zero count.
	ASSERT_TRUE(kmt::parse_hex("d3 e0", &b));
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	EXPECT_TRUE(insn.sem_flags & KMT_SEM_FLAGS_COND);
	EXPECT_EQ(insn.flags_written, KMT_FLAGS_STATUS);
	EXPECT_EQ(insn.flags_undefined, KMT_FLAG_AF | KMT_FLAG_OF);
	// An undescribed instruction still lists its address registers.
	ASSERT_TRUE(kmt::parse_hex("0f 00 07", &b)); // sldt [rdi]
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	EXPECT_EQ(insn.op, KMT_OP_OTHER);
	EXPECT_FALSE(insn.sem_flags & KMT_SEM_GPRS);
	EXPECT_EQ(insn.gpr_read, 1u << KMT_REG_RDI);
}

TEST(Semantics, OpNames)
{
	EXPECT_STREQ(kmt_op_str(KMT_OP_OTHER), "other");
	EXPECT_STREQ(kmt_op_str(KMT_OP_CMPXCHG8B16B), "cmpxchg8b16b");
	EXPECT_STREQ(kmt_op_str(KMT_OP_UD), "ud");
	EXPECT_STREQ(kmt_op_str(KMT_OP_COUNT), "?");
	EXPECT_STREQ(kmt_op_str(-1), "?");
}

// KMT_SEMANTICS_MAX holds the longest line the format can produce.
TEST(Semantics, LongestLineFits)
{
	kmt_insn insn;
	std::memset(&insn, 0, sizeof(insn));
	insn.op = KMT_OP_CALL_INDIRECT;
	insn.nops = KMT_MAX_OPERANDS;
	for (kmt_operand &o : insn.ops) {
		o.kind = KMT_OPND_IMM;
		o.size = 8;
		o.imm = ~0ull;
	}
	insn.gpr_read = insn.gpr_written = 0xffff;
	insn.implicit_size = 8;
	insn.sem_flags = KMT_SEM_GPRS | KMT_SEM_FLAGS_COND | KMT_SEM_ADDR32;
	insn.flags_read = insn.flags_written = insn.flags_undefined = KMT_FLAGS_STATUS | KMT_FLAG_DF;
	char buf[KMT_SEMANTICS_MAX];
	const size_t n = kmt_format_semantics(&insn, buf, sizeof(buf));
	EXPECT_GT(n, 250u);
	EXPECT_LT(n, 300u);
}

TEST(Semantics, SmallBuffer)
{
	std::vector<uint8_t> b;
	ASSERT_TRUE(kmt::parse_hex("48 01 07", &b));
	kmt_insn insn;
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &insn), KMT_DECODE_OK);
	char small[8];
	EXPECT_EQ(kmt_format_semantics(&insn, small, sizeof(small)), 0u);
	EXPECT_STREQ(small, "");
}

} // namespace
