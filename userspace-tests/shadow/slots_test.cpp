// slots_test.cpp - the stack slot table (shadow/kmt_slots.h) and its use by the propagation
// rules: spills and pushes of uninitialized bits, reloads and pops that re-taint, overwrites that
// forget, and the copy-to-user check.
#include <gtest/gtest.h>

#include <cstring>

#include "kmt_regshadow.h"
#include "kmt_slots.h"

namespace {

#define INSN(name, text)                                                                          \
	extern "C" const uint8_t kmt_slot_insn_##name[];                                          \
	asm(".pushsection .text.kmt_slot_insns,\"ax\"\n kmt_slot_insn_" #name ":\n " text         \
	    "\n .byte 0xcc\n .popsection")

INSN(load8, "movq (%rdi), %rax");
INSN(spill8, "movq %rax, 16(%rsp)");
INSN(reload8, "movq 16(%rsp), %rcx");
INSN(spill_clean, "movq %rdx, 16(%rsp)");
INSN(push_rax, "pushq %rax");
INSN(pop_rbx, "popq %rbx");
INSN(store4_stack, "movl %ecx, 20(%rsp)");

constexpr uint64_t k_base = 0x50000000;              // the fake tracked page
constexpr uint64_t k_stack = 0xffffc90000004000ull;  // the fake task stack: 4 KiB
constexpr uint64_t k_task = 0xffff888000123400ull;
constexpr uint64_t k_rip = 0xffffffff81000000ull;

class SlotsTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		kmt_shadow_block_init(&m_block, KMT_SHADOW_INIT);
		m_map.lookup = [](void *ctx, uint64_t page) -> kmt_shadow_block * {
			return page == k_base ? &static_cast<SlotsTest *>(ctx)->m_block : nullptr;
		};
		m_map.ctx = this;
		std::memset(m_mem, 0x5a, sizeof(m_mem));
		std::memset(m_stack, 0, sizeof(m_stack));
		m_env.map = &m_map;
		m_env.ctx = this;
		m_env.is_user = [](void *, uint64_t addr) { return addr < 0x100000 ? 1 : 0; };
		m_env.read = read;
		m_env.slots = &m_slots;
		m_env.task = k_task;
		m_env.is_stack = [](void *, uint64_t addr) {
			return addr >= k_stack && addr < k_stack + 4096 ? 1 : 0;
		};
		m_regs.gpr[KMT_REG_RDI] = k_base + 64;
		m_regs.gpr[KMT_REG_RSP] = k_stack + 2048;
		m_regs.rip = k_rip;
	}

	static int read(void *ctx, uint64_t addr, void *buf, uint32_t size)
	{
		auto *self = static_cast<SlotsTest *>(ctx);
		if (addr >= k_base && addr + size <= k_base + sizeof(self->m_mem)) {
			std::memcpy(buf, self->m_mem + (addr - k_base), size);
			return 0;
		}
		if (addr >= k_stack && addr + size <= k_stack + sizeof(self->m_stack)) {
			std::memcpy(buf, self->m_stack + (addr - k_stack), size);
			return 0;
		}
		return -1;
	}

	int prop(const uint8_t *code)
	{
		kmt_insn insn;
		EXPECT_EQ(kmt_decode(code, 15, &insn), KMT_DECODE_OK);
		return kmt_propagate(&m_rs, &insn, &m_regs, &m_env, m_uses, &m_nuses);
	}

	// Runs a store the rules just saw, as the CPU would, then settles the table.
	void stack_store(uint64_t addr, uint64_t value, unsigned size)
	{
		std::memcpy(m_stack + (addr - k_stack), &value, size);
		kmt_slots_settle(&m_slots, read, this);
	}

	uint8_t *stack_at(uint64_t addr) { return m_stack + (addr - k_stack); }

	kmt_shadow_block m_block;
	kmt_shadow_map m_map = {};
	uint8_t m_mem[4096];
	uint8_t m_stack[4096];
	kmt_stack_slots m_slots = {};
	kmt_prop_env m_env = {};
	kmt_regshadow m_rs = {};
	kmt_regs m_regs = {};
	kmt_use m_uses[KMT_MAX_USES] = {};
	unsigned m_nuses = 0;
};

TEST_F(SlotsTest, SpillThenReloadReTaintsWithTheOriginalOrigin)
{
	kmt_shadow_set(&m_map, k_base + 64 + 4, 4, KMT_SHADOW_UNINIT); // upper half uninitialized
	m_regs.gpr[KMT_REG_RAX] = 0x1122334455667788ull;
	ASSERT_EQ(prop(kmt_slot_insn_load8), KMT_PROP_OK);
	ASSERT_EQ(m_rs.gpr[KMT_REG_RAX], 0xffffffff00000000ull);
	ASSERT_EQ(prop(kmt_slot_insn_spill8), KMT_PROP_OK);
	stack_store(m_regs.gpr[KMT_REG_RSP] + 16, m_regs.gpr[KMT_REG_RAX], 8);
	m_rs.gpr[KMT_REG_RAX] = 0; // the register is reused
	ASSERT_EQ(prop(kmt_slot_insn_reload8), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0xffffffff00000000ull);
	EXPECT_EQ(m_rs.origin[KMT_REG_RCX].rip, k_rip);
	EXPECT_EQ(m_rs.origin[KMT_REG_RCX].addr, k_base + 64 + 4);
}

TEST_F(SlotsTest, AnInitializedStoreOverTheSlotForgetsIt)
{
	kmt_shadow_set(&m_map, k_base + 64, 8, KMT_SHADOW_UNINIT);
	ASSERT_EQ(prop(kmt_slot_insn_load8), KMT_PROP_OK);
	ASSERT_EQ(prop(kmt_slot_insn_spill8), KMT_PROP_OK);
	stack_store(m_regs.gpr[KMT_REG_RSP] + 16, 0x77, 8);
	ASSERT_EQ(prop(kmt_slot_insn_spill_clean), KMT_PROP_OK); // rdx: initialized
	stack_store(m_regs.gpr[KMT_REG_RSP] + 16, 0x77, 8);      // even with the same bytes
	ASSERT_EQ(prop(kmt_slot_insn_reload8), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0u);
}

TEST_F(SlotsTest, APartialOverwriteForgetsOnlyTheBytesItWrites)
{
	kmt_shadow_set(&m_map, k_base + 64, 8, KMT_SHADOW_UNINIT);
	ASSERT_EQ(prop(kmt_slot_insn_load8), KMT_PROP_OK);
	ASSERT_EQ(prop(kmt_slot_insn_spill8), KMT_PROP_OK);
	stack_store(m_regs.gpr[KMT_REG_RSP] + 16, 0x0102030405060708ull, 8);
	ASSERT_EQ(prop(kmt_slot_insn_store4_stack), KMT_PROP_OK); // ecx (initialized) over bytes 4..7
	stack_store(m_regs.gpr[KMT_REG_RSP] + 20, 0, 4);
	ASSERT_EQ(prop(kmt_slot_insn_reload8), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0x00000000ffffffffull);
}

TEST_F(SlotsTest, ChangedBytesAreNotReTainted)
{
	kmt_shadow_set(&m_map, k_base + 64, 8, KMT_SHADOW_UNINIT);
	ASSERT_EQ(prop(kmt_slot_insn_load8), KMT_PROP_OK);
	ASSERT_EQ(prop(kmt_slot_insn_spill8), KMT_PROP_OK);
	stack_store(m_regs.gpr[KMT_REG_RSP] + 16, 0x0102030405060708ull, 8);
	stack_at(m_regs.gpr[KMT_REG_RSP] + 16)[0] = 0x99; // written by code we did not see
	ASSERT_EQ(prop(kmt_slot_insn_reload8), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0xffffffffffffff00ull);
}

// A slot stored by an earlier window is not reloaded by a later one: the frame may have been
// reused since and cleared by code no window saw (the stack is not tracked), to the same bytes
// (the maple tree's big node cleared over a stale slot of zeros, under track_all on 6.12).
TEST_F(SlotsTest, AnEarlierWindowsSlotIsNotReloaded)
{
	kmt_shadow_set(&m_map, k_base + 64, 8, KMT_SHADOW_UNINIT);
	m_regs.gpr[KMT_REG_RAX] = 0;
	m_env.window = kmt_slots_new_window(&m_slots);
	ASSERT_EQ(prop(kmt_slot_insn_load8), KMT_PROP_OK);
	ASSERT_EQ(prop(kmt_slot_insn_spill8), KMT_PROP_OK);
	stack_store(m_regs.gpr[KMT_REG_RSP] + 16, 0, 8);
	m_rs = kmt_regshadow{};
	ASSERT_EQ(prop(kmt_slot_insn_reload8), KMT_PROP_OK); // the same window: re-tainted
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], ~0ull);
	m_rs = kmt_regshadow{};
	m_env.window = kmt_slots_new_window(&m_slots); // a later window reads the same zeros
	ASSERT_EQ(prop(kmt_slot_insn_reload8), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RCX], 0u);
}

TEST_F(SlotsTest, PushThenPopCarriesTheTaint)
{
	m_rs.gpr[KMT_REG_RAX] = 0xff00;
	m_rs.origin[KMT_REG_RAX] = kmt_origin{ k_rip - 8, k_base + 65 };
	m_regs.gpr[KMT_REG_RAX] = 0xabcd;
	ASSERT_EQ(prop(kmt_slot_insn_push_rax), KMT_PROP_OK);
	m_regs.gpr[KMT_REG_RSP] -= 8;
	stack_store(m_regs.gpr[KMT_REG_RSP], 0xabcd, 8);
	m_rs.gpr[KMT_REG_RAX] = 0;
	ASSERT_EQ(prop(kmt_slot_insn_pop_rbx), KMT_PROP_OK);
	EXPECT_EQ(m_rs.gpr[KMT_REG_RBX], 0xff00u);
	EXPECT_EQ(m_rs.origin[KMT_REG_RBX].addr, k_base + 65);
}

TEST_F(SlotsTest, NotOnTheStackIsNotRemembered)
{
	m_rs.gpr[KMT_REG_RAX] = ~0ull;
	m_regs.gpr[KMT_REG_RSP] = 0xffff888001000000ull; // some other untracked memory
	ASSERT_EQ(prop(kmt_slot_insn_spill8), KMT_PROP_OK);
	EXPECT_EQ(m_slots.pending, 0u);
	EXPECT_EQ(m_slots.slot[0].task, 0u);
}

TEST(SlotsTable, TheOldestSlotMakesRoomAndUnsettledSlotsAreNotUsed)
{
	kmt_stack_slots t = {};
	const kmt_origin o = { 1, 2 };
	for (unsigned i = 0; i < KMT_STACK_SLOTS + 3; i++)
		kmt_slots_store(&t, k_task, k_stack + 8 * i, 8, ~0ull, &o, 1);
	EXPECT_EQ(t.dropped, 3u);
	EXPECT_EQ(t.pending, static_cast<uint32_t>(KMT_STACK_SLOTS));
	// Unsettled: a load cannot know the value yet.
	EXPECT_EQ(kmt_slots_load(&t, k_task, 1, k_stack + 8 * 10, 8, 0, nullptr), 0u);
	kmt_slots_forget(&t, k_task);
	EXPECT_EQ(t.pending, 0u);
	for (const kmt_stack_slot &s : t.slot)
		EXPECT_EQ(s.task, 0u);
}

} // namespace

namespace {

// A window keeps going for its own live slots only: a nested activation on the same CPU (another
// window) must not take them over, nor end them by starting.
TEST(SlotsTable, LiveSlotsAreCountedPerWindowAndUnwoundOnesDropped)
{
	kmt_stack_slots t = {};
	const kmt_origin o = { 1, 2 };
	const uint32_t w1 = kmt_slots_new_window(&t), w2 = kmt_slots_new_window(&t);
	EXPECT_NE(w1, 0u);
	EXPECT_NE(w1, w2);
	kmt_slots_store(&t, k_task, k_stack + 64, 8, 0xff, &o, w1);
	EXPECT_EQ(kmt_slots_live(&t, k_task, k_stack, w1), 1u);
	EXPECT_EQ(kmt_slots_live(&t, k_task, k_stack, w2), 0u);
	EXPECT_EQ(kmt_slots_live(&t, k_task, k_stack, 0), 1u);
	EXPECT_EQ(kmt_slots_live(&t, k_task + 8, k_stack, 0), 0u) << "another task's";
	EXPECT_EQ(kmt_slots_live(&t, k_task, k_stack + 72, 0), 0u) << "below the stack pointer: unwound";
	EXPECT_EQ(kmt_slots_live(&t, k_task, k_stack, 0), 0u) << "and dropped";
	t.window_seq = ~0u;
	EXPECT_EQ(kmt_slots_new_window(&t), 1u) << "never 0";
}

} // namespace
