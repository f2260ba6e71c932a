// regshadow_test.cpp - unit tests of register shadow propagation (shadow/kmt_regshadow.h).
//
// Each case is one real instruction, assembled into this test binary (INSN below), decoded with
// kmt_decode() and propagated with chosen register values, register shadow and memory shadow.
// Memory is a small fake address range with shadow blocks; its values come from a buffer.
#include <gtest/gtest.h>

#include <cstring>

#include "kmt_regshadow.h"

namespace {

// An instruction in the test binary's text, named: extern "C" const uint8_t kmt_insn_NAME[].
#define INSN(name, text)                                                                          \
	extern "C" const uint8_t kmt_insn_##name[];                                               \
	asm(".pushsection .text.kmt_insns,\"ax\"\n" #name "_dummy:\n kmt_insn_" #name ":\n " text \
	    "\n .byte 0xcc\n .popsection")

INSN(mov_load8, "movq (%rdi), %rax");
INSN(mov_load4, "movl (%rdi), %eax");
INSN(movzbl, "movzbl (%rdi), %eax");
INSN(movsbq, "movsbq (%rdi), %rax");
INSN(mov_store8, "movq %rax, (%rdi)");
INSN(mov_store1, "movb %al, (%rdi)");
INSN(mov_rr32, "movl %eax, %ecx");
INSN(mov_ah, "movb %ah, %cl");
INSN(and_imm, "andl $0xff, %eax");
INSN(and_rr, "andq %rcx, %rax");
INSN(or_imm_mem, "orb $1, (%rdi)");
INSN(xor_self, "xorl %eax, %eax");
INSN(xor_rr, "xorq %rcx, %rax");
INSN(sub_self, "subq %rax, %rax");
INSN(add_rr, "addq %rcx, %rax");
INSN(test_imm_mem, "testb $4, (%rdi)");
INSN(test_rr, "testq %rax, %rax");
INSN(cmp_rr, "cmpq %rcx, %rax");
INSN(jz, "jz .+2");
INSN(sete, "sete %al");
INSN(cmovz, "cmovzq %rcx, %rax");
INSN(load_index, "movq (%rdi,%rbx,8), %rcx");
INSN(div_rcx, "divq %rcx");
INSN(shl_imm, "shlq $8, %rax");
INSN(shr_cl, "shrq %cl, %rax");
INSN(sar_imm, "sarq $4, %rax");
INSN(imul_imm, "imulq $4, %rax, %rax");
INSN(bsf, "bsfq %rax, %rcx");
INSN(tzcnt, "tzcntq %rax, %rcx");
INSN(bswap, "bswapq %rax");
INSN(lea, "leaq 1(%rax,%rcx,4), %rdx");
INSN(cmpxchg, "lock cmpxchgq %rcx, (%rdi)");
INSN(movdqu_load, "movdqu (%rdi), %xmm0");
INSN(pop_rax, "popq %rax");
INSN(adc_rr, "adcq %rcx, %rax");

constexpr uint64_t k_base = 0x50000000;     // the fake tracked page
constexpr uint64_t k_user = 0x1000;         // fake user memory: below 0x100000
constexpr uint64_t k_rip = 0xffffffff81000000ull;

class RegShadowTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		kmt_shadow_block_init(&m_block, KMT_SHADOW_INIT);
		m_map.lookup = [](void *ctx, uint64_t page) -> kmt_shadow_block * {
			auto *self = static_cast<RegShadowTest *>(ctx);
			return page == k_base ? &self->m_block : nullptr;
		};
		m_map.ctx = this;
		std::memset(m_mem, 0, sizeof(m_mem));
		m_env.map = &m_map;
		m_env.ctx = this;
		m_env.is_user = [](void *, uint64_t addr) { return addr < 0x100000 ? 1 : 0; };
		m_env.read = [](void *ctx, uint64_t addr, void *buf, uint32_t size) {
			auto *self = static_cast<RegShadowTest *>(ctx);
			if (addr < k_base || addr + size > k_base + sizeof(self->m_mem))
				return -1;
			std::memcpy(buf, self->m_mem + (addr - k_base), size);
			return 0;
		};
		m_rs = kmt_regshadow{};
		m_regs = kmt_regs{};
		m_regs.gpr[KMT_REG_RDI] = k_base + 64;
		m_regs.gpr[KMT_REG_RSP] = 0xffffc90000008000ull;
		m_regs.rip = k_rip;
	}

	int prop(const uint8_t *code)
	{
		kmt_insn insn;
		EXPECT_EQ(kmt_decode(code, 15, &insn), KMT_DECODE_OK);
		return kmt_propagate(&m_rs, &insn, &m_regs, &m_env, m_uses, &m_nuses);
	}

	void uninit(uint64_t off, uint64_t len)
	{
		kmt_shadow_set(&m_map, k_base + off, len, KMT_SHADOW_UNINIT);
	}

	kmt_shadow_state state(uint64_t off) { return kmt_shadow_get(&m_map, k_base + off); }

	kmt_shadow_block m_block;
	kmt_shadow_map m_map = {};
	uint8_t m_mem[4096];
	kmt_prop_env m_env = {};
	kmt_regshadow m_rs = {};
	kmt_regs m_regs = {};
	kmt_use m_uses[KMT_MAX_USES] = {};
	unsigned m_nuses = 0;
};

TEST_F(RegShadowTest, LoadTaintsTheLoadedBytesWithTheirOrigin)
{
	uninit(68, 4); // bytes 4..7 of the 8 loaded
	ASSERT_EQ(prop(kmt_insn_mov_load8), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xffffffff00000000ull);
	EXPECT_EQ(m_rs.origin[KMT_REG_RAX].rip, k_rip);
	EXPECT_EQ(m_rs.origin[KMT_REG_RAX].addr, k_base + 68);
	EXPECT_EQ(m_nuses, 0u) << "a load is not a use";
}

TEST_F(RegShadowTest, WidthsZeroExtendSignExtendAndMerge)
{
	uninit(64, 1);
	m_rs.gpr[KMT_REG_RAX] = ~0ull;
	ASSERT_EQ(prop(kmt_insn_mov_load4), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xffull) << "a 4-byte write clears the upper half";
	ASSERT_EQ(prop(kmt_insn_movzbl), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xffull);
	ASSERT_EQ(prop(kmt_insn_movsbq), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], ~0ull) << "the sign bit's shadow spreads";
	m_rs.gpr[KMT_REG_RCX] = 0xffff000000000000ull;
	m_rs.gpr[KMT_REG_RAX] = 0xff00;
	ASSERT_EQ(prop(kmt_insn_mov_ah), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0xffff0000000000ffull) << "CL from AH, the rest kept";
}

TEST_F(RegShadowTest, KnownMaskBitsMakeAndResultInitialized)
{
	m_rs.gpr[KMT_REG_RAX] = 0xffffff00ull;
	m_regs.gpr[KMT_REG_RAX] = 0x12345678;
	ASSERT_EQ(prop(kmt_insn_and_imm), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0u);
	EXPECT_EQ(m_rs.flags, 0u);
	// AND with a register: its known 0 bits clear, its known 1 bits keep the other's shadow.
	m_rs.gpr[KMT_REG_RAX] = 0xff00ff00ull;
	m_regs.gpr[KMT_REG_RCX] = 0x0000ffffull;
	ASSERT_EQ(prop(kmt_insn_and_rr), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0x0000ff00ull);
}

TEST_F(RegShadowTest, XorAndSubOfARegisterWithItselfClear)
{
	m_rs.gpr[KMT_REG_RAX] = ~0ull;
	m_rs.origin[KMT_REG_RAX] = { 1, 2 };
	ASSERT_EQ(prop(kmt_insn_xor_self), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0u);
	EXPECT_EQ(m_rs.origin[KMT_REG_RAX].rip, 0u);
	m_rs.gpr[KMT_REG_RAX] = ~0ull;
	ASSERT_EQ(prop(kmt_insn_sub_self), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0u);
	EXPECT_EQ(m_rs.flags, 0u);
	m_rs.gpr[KMT_REG_RCX] = 0x0f;
	ASSERT_EQ(prop(kmt_insn_xor_rr), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0x0fu);
}

TEST_F(RegShadowTest, BitFieldSetThenTestIsSilentAndUnsetBitsAreTainted)
{
	uninit(64, 1);
	ASSERT_EQ(prop(kmt_insn_or_imm_mem), KMT_PROP_OK); // s->ready = 1
	EXPECT_EQ(kmt_shadow_load_bits(&m_map, k_base + 64, 1, nullptr, nullptr), 0xfeu);
	m_mem[64] = 0x01;
	// testb $4: bit 2 was never written: ZF depends on it, and a branch on it is a use.
	ASSERT_EQ(prop(kmt_insn_test_imm_mem), KMT_PROP_OK);
	EXPECT_EQ(m_rs.flags & KMT_FLAG_ZF, KMT_FLAG_ZF);
	ASSERT_EQ(prop(kmt_insn_jz), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_BRANCH);
	EXPECT_EQ(m_uses[0].origin.addr, k_base + 64);
	// After the bit is written too, the same test and branch are silent.
	kmt_shadow_store_bits(&m_map, k_base + 64, 1, 0xfa, 0); // bits 0 and 2 initialized
	ASSERT_EQ(prop(kmt_insn_test_imm_mem), KMT_PROP_OK);
	EXPECT_EQ(m_rs.flags & KMT_FLAG_ZF, 0u);
	ASSERT_EQ(prop(kmt_insn_jz), KMT_PROP_OK);
	EXPECT_EQ(m_nuses, 0u);
}

TEST_F(RegShadowTest, StoresWriteTheShadowPartialBytesIncluded)
{
	m_rs.gpr[KMT_REG_RAX] = 0xff000000000000f0ull;
	ASSERT_EQ(prop(kmt_insn_mov_store8), KMT_PROP_OK);
	EXPECT_EQ(state(64), KMT_SHADOW_UNINIT);  // partial: bits 4-7
	EXPECT_EQ(kmt_shadow_load_bits(&m_map, k_base + 64, 1, nullptr, nullptr), 0xf0u);
	EXPECT_EQ(state(65), KMT_SHADOW_INIT);
	EXPECT_EQ(state(71), KMT_SHADOW_UNINIT);
	m_rs.gpr[KMT_REG_RAX] = 0;
	ASSERT_EQ(prop(kmt_insn_mov_store1), KMT_PROP_OK);
	EXPECT_EQ(state(64), KMT_SHADOW_INIT);
}

TEST_F(RegShadowTest, StoreToUserMemoryIsAnInfoleak)
{
	m_regs.gpr[KMT_REG_RDI] = k_user;
	m_rs.gpr[KMT_REG_RAX] = 0x0000ff0000000000ull;
	m_rs.origin[KMT_REG_RAX] = { 7, 8 };
	ASSERT_EQ(prop(kmt_insn_mov_store8), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_USER);
	EXPECT_EQ(m_uses[0].addr, k_user);
	EXPECT_EQ(m_uses[0].bad_bytes, 1u);
	EXPECT_EQ(m_uses[0].origin.rip, 7u);
}

TEST_F(RegShadowTest, UninitializedIndexIsAnAddressUse)
{
	m_rs.gpr[KMT_REG_RBX] = 0xff;
	m_rs.origin[KMT_REG_RBX] = { 3, 4 };
	ASSERT_EQ(prop(kmt_insn_load_index), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_ADDRESS);
	EXPECT_EQ(m_uses[0].reg, KMT_REG_RBX);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RBX], 0u) << "reported once";
}

TEST_F(RegShadowTest, UninitializedDivisorIsAUse)
{
	m_rs.gpr[KMT_REG_RCX] = 1;
	m_regs.gpr[KMT_REG_RCX] = 3;
	ASSERT_EQ(prop(kmt_insn_div_rcx), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_DIVISOR);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0u);
}

TEST_F(RegShadowTest, CompareDecidedByKnownBitsIsNotAUse)
{
	m_rs.gpr[KMT_REG_RAX] = 0xff00000000000000ull; // the tail after a name's NUL
	m_rs.gpr[KMT_REG_RCX] = 0xff00000000000000ull;
	m_regs.gpr[KMT_REG_RAX] = 0x0000006f6f6f;
	m_regs.gpr[KMT_REG_RCX] = 0x0000006f6f70;      // differs in a known byte
	ASSERT_EQ(prop(kmt_insn_cmp_rr), KMT_PROP_OK);
	EXPECT_EQ(m_rs.flags & KMT_FLAG_ZF, 0u);
	ASSERT_EQ(prop(kmt_insn_jz), KMT_PROP_OK);
	EXPECT_EQ(m_nuses, 0u);
	// Equal known bits: ZF depends on the unknown ones.
	m_regs.gpr[KMT_REG_RCX] = m_regs.gpr[KMT_REG_RAX];
	ASSERT_EQ(prop(kmt_insn_cmp_rr), KMT_PROP_OK);
	EXPECT_NE(m_rs.flags & KMT_FLAG_ZF, 0u);
	ASSERT_EQ(prop(kmt_insn_sete), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_BRANCH);
}

TEST_F(RegShadowTest, TestWithAKnownOneBitDecidesZf)
{
	m_rs.gpr[KMT_REG_RAX] = 0xffff000000000000ull;
	m_regs.gpr[KMT_REG_RAX] = 0x80;
	ASSERT_EQ(prop(kmt_insn_test_rr), KMT_PROP_OK);
	EXPECT_EQ(m_rs.flags & KMT_FLAG_ZF, 0u);
	EXPECT_NE(m_rs.flags & KMT_FLAG_SF, 0u);
}

TEST_F(RegShadowTest, ArithmeticOrsTheShadows)
{
	m_rs.gpr[KMT_REG_RCX] = 0xff00;
	ASSERT_EQ(prop(kmt_insn_add_rr), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xff00u);
	EXPECT_EQ(m_rs.flags & KMT_FLAG_CF, KMT_FLAG_CF);
	// ADC on an uninitialized carry is a use.
	ASSERT_EQ(prop(kmt_insn_adc_rr), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_BRANCH);
}

TEST_F(RegShadowTest, ShiftsMoveTheShadowAndAnUnknownCountTaintsAll)
{
	m_rs.gpr[KMT_REG_RAX] = 0x00ff000000000000ull;
	ASSERT_EQ(prop(kmt_insn_shl_imm), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xff00000000000000ull);
	m_rs.gpr[KMT_REG_RAX] = 0xff00000000000000ull;
	m_regs.gpr[KMT_REG_RAX] = 0;
	ASSERT_EQ(prop(kmt_insn_sar_imm), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xfff0000000000000ull);
	m_regs.gpr[KMT_REG_RCX] = 56;
	ASSERT_EQ(prop(kmt_insn_shr_cl), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xffu);
	m_rs.gpr[KMT_REG_RCX] = 0x1;
	ASSERT_EQ(prop(kmt_insn_shr_cl), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], ~0ull);
}

TEST_F(RegShadowTest, MultiplyByAConstantKeepsTheLowBits)
{
	m_rs.gpr[KMT_REG_RAX] = 0xff0000ull;
	ASSERT_EQ(prop(kmt_insn_imul_imm), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], ~0ull << 18);
}

TEST_F(RegShadowTest, BsfDecidedByAKnownLowBit)
{
	// has_zero() of a word whose bytes after the NUL (byte 2) are uninitialized.
	m_rs.gpr[KMT_REG_RAX] = 0xffffffffff000000ull;
	m_regs.gpr[KMT_REG_RAX] = 0x0000000000800000ull;
	ASSERT_EQ(prop(kmt_insn_bsf), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0u);
	EXPECT_EQ(m_rs.flags & KMT_FLAG_ZF, 0u);
	ASSERT_EQ(prop(kmt_insn_tzcnt), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0u);
	// No known 1 below the unknown bits: undecided.
	m_regs.gpr[KMT_REG_RAX] = 0;
	ASSERT_EQ(prop(kmt_insn_bsf), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], ~0ull);
	EXPECT_NE(m_rs.flags & KMT_FLAG_ZF, 0u);
}

TEST_F(RegShadowTest, BswapAndLea)
{
	m_rs.gpr[KMT_REG_RAX] = 0xffull;
	ASSERT_EQ(prop(kmt_insn_bswap), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xff00000000000000ull);
	m_rs.gpr[KMT_REG_RAX] = 0;
	m_rs.gpr[KMT_REG_RCX] = 0x1;
	ASSERT_EQ(prop(kmt_insn_lea), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RDX], 0x4u) << "index scaled by 4";
	EXPECT_EQ(m_nuses, 0u) << "an address computed, nothing accessed: not a use";
}

TEST_F(RegShadowTest, CmovOnUninitializedFlagsIsAUse)
{
	m_rs.flags = KMT_FLAG_ZF;
	m_rs.gpr[KMT_REG_RCX] = 0xf;
	m_regs.rflags = KMT_FLAG_ZF; // taken
	ASSERT_EQ(prop(kmt_insn_cmovz), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_BRANCH);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xfu);
}

TEST_F(RegShadowTest, CmpxchgUndecidedIsAUseDecidedIsNot)
{
	uninit(64, 8);
	m_mem[64] = 1;
	m_regs.gpr[KMT_REG_RAX] = 2; // the known... nothing is known of memory: undecided
	ASSERT_EQ(prop(kmt_insn_cmpxchg), KMT_PROP_OK);
	ASSERT_EQ(m_nuses, 1u);
	EXPECT_EQ(m_uses[0].kind, KMT_USE_BRANCH);
	kmt_shadow_set(&m_map, k_base + 64, 8, KMT_SHADOW_INIT);
	kmt_shadow_store_bits(&m_map, k_base + 64, 8, 0xffffffffffffff00ull, 0); // low byte known
	m_rs.gpr[KMT_REG_RAX] = 0; // the first cmpxchg loaded the unknown memory into rAX
	ASSERT_EQ(prop(kmt_insn_cmpxchg), KMT_PROP_OK);
	EXPECT_EQ(m_nuses, 0u) << "the known low byte differs: not equal, rAX loaded";
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0xffffffffffffff00ull);
}

TEST_F(RegShadowTest, UncoveredInstructionOnTaintIsUnsupportedAndChangesNothing)
{
	uninit(64, 16);
	m_rs.gpr[KMT_REG_RBX] = 1;
	const kmt_regshadow before = m_rs;
	EXPECT_EQ(prop(kmt_insn_movdqu_load), KMT_PROP_UNSUPPORTED);
	EXPECT_EQ(std::memcmp(&before, &m_rs, sizeof(before)), 0);
	// On initialized memory it is fine.
	kmt_shadow_set(&m_map, k_base + 64, 16, KMT_SHADOW_INIT);
	EXPECT_EQ(prop(kmt_insn_movdqu_load), KMT_PROP_OK);
}

TEST_F(RegShadowTest, PopFromTheUntrackedStackIsInitialized)
{
	m_rs.gpr[KMT_REG_RAX] = ~0ull;
	ASSERT_EQ(prop(kmt_insn_pop_rax), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RAX], 0u);
	EXPECT_FALSE(kmt_regshadow_tainted(&m_rs));
}

} // namespace

namespace {

TEST(NulTail, BytesAfterTheFirstInitializedZeroByte)
{
	// "ab\0" then garbage: bytes 3..7 are the tail.
	EXPECT_EQ(kmt_nul_tail(0x1122334455006261ull, 8, 0), 0xf8u);
	// A zero byte that is not initialized does not end the name: the next initialized one does.
	EXPECT_EQ(kmt_nul_tail(0x1100330000006261ull, 8, 1u << 2), 0xf0u);
	// No NUL: no tail; a NUL in the last byte: nothing after it.
	EXPECT_EQ(kmt_nul_tail(0x0102030405060708ull, 8, 0), 0u);
	EXPECT_EQ(kmt_nul_tail(0x0002030405060708ull, 8, 0), 0u);
	// Narrower loads.
	EXPECT_EQ(kmt_nul_tail(0x00000061u, 4, 0), 0x0cu);
	EXPECT_EQ(kmt_nul_tail(0x0000u, 2, 0), 0x02u);
}

} // namespace
