// Unit tests of the engine's state machine (label unit): hand-filled kmt_insn values through
// kmt_engine_fault_decoded(), a fake platform that only records calls, and hand-simulated
// hardware between the events. No memory is accessed and no signal is involved.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "kmt_engine.h"

namespace {

constexpr uint64_t k_base = 0xffff888000100000ull; // fake tracked pages: k_base .. +8 pages
constexpr uint64_t k_user = 0x00007f0000000000ull; // below this is user memory
constexpr uint64_t k_rip = 0xffffffff81000000ull;
constexpr uint64_t k_tf = 1u << 8, k_if = 1u << 9, k_df = 1u << 10, k_zf = 1u << 6;

struct FakePlatform {
	kmt_shadow_block blocks[8];
	std::set<uint64_t> shown;
	std::vector<kmt_error> reports;
	int shows = 0, hides = 0;
	const uint8_t *code = nullptr;
	size_t code_len = 0;
	kmt_engine_platform p = {};

	FakePlatform()
	{
		for (auto &b : blocks)
			kmt_shadow_block_init(&b, KMT_SHADOW_UNALLOCATED);
		p.ctx = this;
		p.shadow.ctx = this;
		p.shadow.lookup = [](void *ctx, uint64_t page) -> kmt_shadow_block * {
			auto *self = static_cast<FakePlatform *>(ctx);
			if (page < k_base || page >= k_base + 8 * KMT_PAGE_SIZE)
				return nullptr;
			return &self->blocks[(page - k_base) / KMT_PAGE_SIZE];
		};
		p.is_tracked = [](void *ctx, uint64_t page) {
			return static_cast<FakePlatform *>(ctx)->p.shadow.lookup(ctx, page) ? 1 : 0;
		};
		p.show = [](void *ctx, uint64_t page) {
			auto *self = static_cast<FakePlatform *>(ctx);
			self->shows++;
			EXPECT_TRUE(self->shown.insert(page).second) << "page shown twice";
		};
		p.hide = [](void *ctx, uint64_t page) {
			auto *self = static_cast<FakePlatform *>(ctx);
			self->hides++;
			EXPECT_EQ(self->shown.erase(page), 1u) << "hiding a page that is not shown";
		};
		p.read_code = [](void *ctx, uint64_t, uint8_t *buf, size_t len) -> size_t {
			auto *self = static_cast<FakePlatform *>(ctx);
			const size_t n = std::min(len, self->code_len);
			std::memcpy(buf, self->code, n);
			return n;
		};
		p.is_user_address = [](void *, uint64_t addr) { return addr < k_user ? 1 : 0; };
		p.report = [](void *ctx, const kmt_error *e) { static_cast<FakePlatform *>(ctx)->reports.push_back(*e); };
		p.copy = nullptr;
		kmt_shadow_set(&p.shadow, k_base, 8 * KMT_PAGE_SIZE, KMT_SHADOW_INIT);
	}
};

kmt_mem_operand mem_operand(uint8_t base, uint32_t size, uint8_t access, uint8_t role = KMT_ROLE_PLAIN)
{
	kmt_mem_operand m = {};
	m.access = access;
	m.role = role;
	m.segment = KMT_SEG_DS;
	m.base = base;
	m.index = KMT_REG_NONE;
	m.scale = 1;
	m.size = size;
	return m;
}

// mov rax, [rbx] (48 8b 03) / mov [rbx], rax
kmt_insn plain_insn(uint8_t access, uint32_t size = 8)
{
	kmt_insn insn = {};
	insn.length = 3;
	insn.nmem = 1;
	insn.insn_class = KMT_CLASS_PLAIN;
	insn.opsize = static_cast<uint8_t>(size);
	insn.mem[0] = mem_operand(KMT_REG_RBX, size, access);
	return insn;
}

// f3 48 a5 (rep movsq) or, with odd_prefix, 66 f3 a5 (rep movsw).
kmt_insn rep_movs_insn(uint32_t size, bool odd_prefix = false)
{
	kmt_insn insn = {};
	insn.length = odd_prefix ? 3 : (size == 8 ? 3 : 2);
	insn.nmem = 2;
	insn.insn_class = KMT_CLASS_MOVS;
	insn.rep = KMT_REP_REP;
	insn.rep_offset = odd_prefix ? 1 : 0;
	insn.opsize = static_cast<uint8_t>(size);
	insn.flags = KMT_INSN_DF_DEP;
	insn.mem[0] = mem_operand(KMT_REG_RSI, size, KMT_ACCESS_READ | KMT_ACCESS_COND, KMT_ROLE_SRC);
	insn.mem[1] = mem_operand(KMT_REG_RDI, size, KMT_ACCESS_WRITE | KMT_ACCESS_COND, KMT_ROLE_DST);
	insn.mem[1].segment = KMT_SEG_ES;
	return insn;
}

kmt_insn repe_cmpsb_insn()
{
	kmt_insn insn = rep_movs_insn(1);
	insn.insn_class = KMT_CLASS_CMPS;
	insn.rep = KMT_REP_REPE;
	insn.mem[1].access = KMT_ACCESS_READ | KMT_ACCESS_COND;
	return insn;
}

class EngineTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		kmt_engine_cpu_init(&cpu, KMT_REP_MODE_STEP);
		std::memset(&regs, 0, sizeof(regs));
		regs.rip = k_rip;
		regs.rflags = k_if | 0x2;
	}

	int fault(uint64_t addr, const kmt_insn &insn, uint64_t error_code = 0)
	{
		return kmt_engine_fault_decoded(&cpu, &fake.p, &regs, addr, error_code, &insn);
	}
	int step() { return kmt_engine_single_step(&cpu, &fake.p, &regs); }

	FakePlatform fake;
	kmt_engine_cpu cpu;
	kmt_regs regs;
};

TEST_F(EngineTest, UntrackedOrPresentFaultIsNotOurs)
{
	const kmt_insn insn = plain_insn(KMT_ACCESS_READ);
	regs.gpr[KMT_REG_RBX] = k_base - 16;
	EXPECT_EQ(fault(k_base - 16, insn), KMT_ENGINE_NOT_OURS);
	regs.gpr[KMT_REG_RBX] = k_base + 16;
	EXPECT_EQ(fault(k_base + 16, insn, /*present*/ 1), KMT_ENGINE_NOT_OURS);
	EXPECT_EQ(cpu.counters.faults_not_ours, 2u);
	EXPECT_EQ(regs.rflags, k_if | 0x2);
	EXPECT_EQ(step(), KMT_ENGINE_NOT_OURS);
}

TEST_F(EngineTest, PlainReadSetsTfClearsIfAndRestoresBoth)
{
	const kmt_insn insn = plain_insn(KMT_ACCESS_READ);
	regs.gpr[KMT_REG_RBX] = k_base + 100;
	kmt_shadow_set(&fake.p.shadow, k_base + 103, 1, KMT_SHADOW_FREED);
	ASSERT_EQ(fault(k_base + 100, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_tf);
	EXPECT_EQ(regs.rip, k_rip);
	EXPECT_EQ(fake.shown, std::set<uint64_t>{k_base});
	EXPECT_TRUE(kmt_engine_busy(&cpu));
	ASSERT_EQ(fake.reports.size(), 1u);
	EXPECT_EQ(fake.reports[0].kind, static_cast<uint32_t>(KMT_ERR_FREED_READ));
	EXPECT_EQ(fake.reports[0].bad_addr, k_base + 103);
	EXPECT_EQ(fake.reports[0].rip, k_rip);
	regs.rip = k_rip + 3; // the CPU ran the instruction
	EXPECT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_if);
	EXPECT_TRUE(fake.shown.empty());
	EXPECT_FALSE(kmt_engine_busy(&cpu));
	EXPECT_EQ(step(), KMT_ENGINE_NOT_OURS);
}

TEST_F(EngineTest, CodeTfIsKeptAndTrapPassedOn)
{
	const kmt_insn insn = plain_insn(KMT_ACCESS_WRITE);
	regs.gpr[KMT_REG_RBX] = k_base + 100;
	regs.rflags |= k_tf;
	kmt_shadow_set(&fake.p.shadow, k_base + 100, 8, KMT_SHADOW_UNINIT);
	ASSERT_EQ(fault(k_base + 100, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(kmt_shadow_get(&fake.p.shadow, k_base + 107), KMT_SHADOW_INIT);
	EXPECT_EQ(step(), KMT_ENGINE_PASS_ON);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_tf | k_if);
	EXPECT_EQ(cpu.counters.steps_passed_on, 1u);
}

TEST_F(EngineTest, StraddlingOperandShowsTwoPages)
{
	const kmt_insn insn = plain_insn(KMT_ACCESS_READ | KMT_ACCESS_WRITE);
	regs.gpr[KMT_REG_RBX] = k_base + KMT_PAGE_SIZE - 2;
	kmt_shadow_set(&fake.p.shadow, k_base + KMT_PAGE_SIZE + 1, 1, KMT_SHADOW_UNINIT);
	ASSERT_EQ(fault(k_base + KMT_PAGE_SIZE, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(fake.shown, (std::set<uint64_t>{k_base, k_base + KMT_PAGE_SIZE}));
	ASSERT_EQ(fake.reports.size(), 1u);
	EXPECT_EQ(fake.reports[0].bad_addr, k_base + KMT_PAGE_SIZE + 1);
	EXPECT_EQ(kmt_shadow_get(&fake.p.shadow, k_base + KMT_PAGE_SIZE + 1), KMT_SHADOW_INIT);
	EXPECT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_TRUE(fake.shown.empty());
}

TEST_F(EngineTest, FaultOutsideOperandsIsDegradedStep)
{
	const kmt_insn insn = plain_insn(KMT_ACCESS_READ);
	regs.gpr[KMT_REG_RBX] = k_base + 100;
	ASSERT_EQ(fault(k_base + 3 * KMT_PAGE_SIZE, insn), KMT_ENGINE_ERROR);
	ASSERT_EQ(fake.reports.size(), 1u);
	EXPECT_EQ(fake.reports[0].kind, static_cast<uint32_t>(KMT_ERR_INTERNAL));
	EXPECT_EQ(fake.reports[0].reason, KMT_REASON_NO_OPERAND);
	EXPECT_EQ(fake.shown, std::set<uint64_t>{k_base + 3 * KMT_PAGE_SIZE});
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_tf | k_if); // IF kept in degraded steps
	EXPECT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_if);
}

TEST_F(EngineTest, DecodeFailureIsDegradedStep)
{
	static const uint8_t bad[] = {0x06}; // PUSH ES: invalid in 64-bit mode
	fake.code = bad;
	fake.code_len = sizeof(bad);
	ASSERT_EQ(kmt_engine_fault(&cpu, &fake.p, &regs, k_base + 5, 0), KMT_ENGINE_ERROR);
	ASSERT_EQ(fake.reports.size(), 1u);
	EXPECT_EQ(fake.reports[0].reason, KMT_REASON_DECODE);
	EXPECT_EQ(fake.reports[0].decode_status, KMT_DECODE_INVALID);
	EXPECT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_TRUE(fake.shown.empty());
}

TEST_F(EngineTest, NestedFaultOnTrackedPageIsShownForTheStep)
{
	const kmt_insn insn = plain_insn(KMT_ACCESS_READ);
	regs.gpr[KMT_REG_RBX] = k_base + 100;
	ASSERT_EQ(fault(k_base + 100, insn), KMT_ENGINE_HANDLED);
	// The same instruction faults again on a page the decoder did not mention.
	EXPECT_EQ(fault(k_base + 2 * KMT_PAGE_SIZE, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(fake.shown.size(), 2u);
	EXPECT_EQ(cpu.counters.nested_faults, 1u);
	// Other code (another RIP) touching a tracked page: shown unchecked, internal report.
	regs.rip = k_rip + 0x1000;
	EXPECT_EQ(fault(k_base + 5 * KMT_PAGE_SIZE, insn), KMT_ENGINE_ERROR);
	ASSERT_EQ(fake.reports.size(), 1u);
	EXPECT_EQ(fake.reports[0].reason, KMT_REASON_FOREIGN_FAULT);
	regs.rip = k_rip + 3;
	EXPECT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_TRUE(fake.shown.empty());
}

TEST_F(EngineTest, RepTrickCountsDownRewindsAndStopsAtWindowEnd)
{
	const kmt_insn insn = rep_movs_insn(8); // f3 48 a5
	regs.gpr[KMT_REG_RSI] = k_base + 2 * KMT_PAGE_SIZE - 8; // last qword of page 2
	regs.gpr[KMT_REG_RDI] = k_base + 4 * KMT_PAGE_SIZE;
	regs.gpr[KMT_REG_RCX] = 600;
	ASSERT_EQ(fault(k_base + 2 * KMT_PAGE_SIZE - 8, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rip, k_rip + 1); // the bare movsq
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_tf);
	uint64_t elements = 0;
	for (;;) {
		// Hardware: one bare movsq, RSI/RDI +8, RIP after the instruction.
		ASSERT_EQ(regs.rip, k_rip + 1);
		regs.gpr[KMT_REG_RSI] += 8;
		regs.gpr[KMT_REG_RDI] += 8;
		regs.rip = k_rip + 3;
		elements++;
		ASSERT_EQ(step(), KMT_ENGINE_HANDLED);
		if (!kmt_engine_busy(&cpu))
			break;
		ASSERT_LE(fake.shown.size(), 4u);
	}
	// The source starts on the last qword of page 1, so its window is pages 1-2 and
	// ends after 1 + 512 elements.
	EXPECT_EQ(elements, 513u);
	EXPECT_EQ(regs.gpr[KMT_REG_RCX], 600u - 513u);
	EXPECT_EQ(regs.rip, k_rip); // back on the REP, the next fault restarts
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_if);
	EXPECT_TRUE(fake.shown.empty());
	EXPECT_EQ(cpu.counters.rep_elements, 513u);
}

TEST_F(EngineTest, RepTrickBackwardLastElementFinishesOnNextInstruction)
{
	const kmt_insn insn = rep_movs_insn(8);
	regs.rflags |= k_df;
	regs.gpr[KMT_REG_RSI] = k_base + 3 * KMT_PAGE_SIZE + 16;
	regs.gpr[KMT_REG_RDI] = k_base + 6 * KMT_PAGE_SIZE - 4; // straddles pages 5 and 6
	regs.gpr[KMT_REG_RCX] = 3;
	ASSERT_EQ(fault(k_base + 6 * KMT_PAGE_SIZE, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(fake.shown.size(), 3u);
	for (int i = 0; i < 3; i++) {
		regs.gpr[KMT_REG_RSI] -= 8;
		regs.gpr[KMT_REG_RDI] -= 8;
		regs.rip = k_rip + 3;
		ASSERT_EQ(step(), KMT_ENGINE_HANDLED);
	}
	EXPECT_FALSE(kmt_engine_busy(&cpu));
	EXPECT_EQ(regs.gpr[KMT_REG_RCX], 0u);
	EXPECT_EQ(regs.rip, k_rip + 3);
	EXPECT_EQ(regs.rflags & (k_tf | k_if | k_df), k_if | k_df);
}

TEST_F(EngineTest, RepeCmpsStopsWhenZfClear)
{
	const kmt_insn insn = repe_cmpsb_insn();
	regs.gpr[KMT_REG_RSI] = k_base + 10;
	regs.gpr[KMT_REG_RDI] = k_base + KMT_PAGE_SIZE + 10;
	regs.gpr[KMT_REG_RCX] = 50;
	ASSERT_EQ(fault(k_base + 10, insn), KMT_ENGINE_HANDLED);
	regs.gpr[KMT_REG_RSI]++;
	regs.gpr[KMT_REG_RDI]++;
	regs.rip = k_rip + 2;
	regs.rflags |= k_zf;
	ASSERT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_TRUE(kmt_engine_busy(&cpu));
	EXPECT_EQ(regs.rip, k_rip + 1);
	regs.gpr[KMT_REG_RSI]++;
	regs.gpr[KMT_REG_RDI]++;
	regs.rip = k_rip + 2;
	regs.rflags &= ~k_zf;
	ASSERT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_FALSE(kmt_engine_busy(&cpu));
	EXPECT_EQ(regs.gpr[KMT_REG_RCX], 48u);
	EXPECT_EQ(regs.rip, k_rip + 2);
}

TEST_F(EngineTest, OddPrefixOrderStepsNatively)
{
	const kmt_insn insn = rep_movs_insn(2, /*odd_prefix*/ true); // 66 f3 a5
	regs.gpr[KMT_REG_RSI] = k_base + 10;
	regs.gpr[KMT_REG_RDI] = k_base + KMT_PAGE_SIZE + 10;
	regs.gpr[KMT_REG_RCX] = 2;
	ASSERT_EQ(fault(k_base + 10, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rip, k_rip); // RIP untouched
	// Hardware: one iteration, RIP stays, RCX one lower.
	regs.gpr[KMT_REG_RSI] += 2;
	regs.gpr[KMT_REG_RDI] += 2;
	regs.gpr[KMT_REG_RCX]--;
	ASSERT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_TRUE(kmt_engine_busy(&cpu));
	EXPECT_EQ(regs.gpr[KMT_REG_RCX], 1u);
	// Last iteration traps on the next instruction.
	regs.gpr[KMT_REG_RSI] += 2;
	regs.gpr[KMT_REG_RDI] += 2;
	regs.gpr[KMT_REG_RCX]--;
	regs.rip = k_rip + 3;
	ASSERT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_FALSE(kmt_engine_busy(&cpu));
	EXPECT_EQ(cpu.counters.rep_elements, 2u);
}

TEST_F(EngineTest, UnrelatedFaultOfBareElementRestoresRepInstruction)
{
	// rep movsq to user memory whose page is not resident: the bare element faults on it.
	const kmt_insn insn = rep_movs_insn(8);
	regs.gpr[KMT_REG_RSI] = k_base + 64;
	regs.gpr[KMT_REG_RDI] = 0x1000;
	regs.gpr[KMT_REG_RCX] = 10;
	ASSERT_EQ(fault(k_base + 64, insn), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_tf | k_if); // user operand: IF kept
	EXPECT_EQ(regs.rip, k_rip + 1);
	EXPECT_EQ(fault(0x1000, insn), KMT_ENGINE_NOT_OURS);
	EXPECT_EQ(regs.rip, k_rip); // on the REP, as the exception table expects
	EXPECT_EQ(regs.gpr[KMT_REG_RCX], 10u);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_if);
	EXPECT_FALSE(kmt_engine_busy(&cpu));
	EXPECT_TRUE(fake.shown.empty());
}

// platform.user_end: user memory is [0, user_end) by a compare, and is_user_address is not asked.
// A user destination keeps IF for the step (as above) and a kernel-only read clears it, exactly as
// with the callback alone.
TEST_F(EngineTest, UserEndAnswersForIsUserAddress)
{
	fake.p.user_end = k_user;
	fake.p.is_user_address = [](void *, uint64_t) -> int {
		ADD_FAILURE() << "is_user_address called although user_end is set";
		return 0;
	};
	const kmt_insn movs = rep_movs_insn(8);
	regs.gpr[KMT_REG_RSI] = k_base + 64;
	regs.gpr[KMT_REG_RDI] = k_user - 0x1000;
	regs.gpr[KMT_REG_RCX] = 1;
	ASSERT_EQ(fault(k_base + 64, movs), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_tf | k_if); // user operand: IF kept
	EXPECT_EQ(regs.rip, k_rip + 1); // the bare movsq
	regs.gpr[KMT_REG_RDI] += 8; // the hardware ran it
	regs.gpr[KMT_REG_RSI] += 8;
	regs.rip = k_rip + 3;
	ASSERT_EQ(step(), KMT_ENGINE_HANDLED);
	EXPECT_FALSE(kmt_engine_busy(&cpu));
	EXPECT_EQ(regs.gpr[KMT_REG_RCX], 0u);

	regs.rip = k_rip;
	regs.gpr[KMT_REG_RBX] = k_user; // the first kernel address
	ASSERT_EQ(fault(k_user, plain_insn(KMT_ACCESS_READ)), KMT_ENGINE_NOT_OURS); // untracked: not ours
	regs.gpr[KMT_REG_RBX] = k_base + 200;
	ASSERT_EQ(fault(k_base + 200, plain_insn(KMT_ACCESS_READ)), KMT_ENGINE_HANDLED);
	EXPECT_EQ(regs.rflags & (k_tf | k_if), k_tf); // kernel operand only: IF cleared
}

TEST_F(EngineTest, UnrelatedFaultOfOtherCodeLeavesStepAlone)
{
	const kmt_insn insn = plain_insn(KMT_ACCESS_READ);
	regs.gpr[KMT_REG_RBX] = k_base + 100;
	ASSERT_EQ(fault(k_base + 100, insn), KMT_ENGINE_HANDLED);
	kmt_regs other = regs;
	other.rip = k_rip + 0x500;
	other.rflags = k_if;
	EXPECT_EQ(kmt_engine_fault_decoded(&cpu, &fake.p, &other, 0x2000, 0, &insn), KMT_ENGINE_NOT_OURS);
	EXPECT_EQ(other.rflags, k_if);
	EXPECT_TRUE(kmt_engine_busy(&cpu));
	EXPECT_EQ(step(), KMT_ENGINE_HANDLED);
}

TEST_F(EngineTest, RepWithRcxZeroCannotFault)
{
	const kmt_insn insn = rep_movs_insn(8);
	regs.gpr[KMT_REG_RSI] = k_base + 64;
	regs.gpr[KMT_REG_RDI] = k_base + 4096;
	regs.gpr[KMT_REG_RCX] = 0;
	EXPECT_EQ(fault(k_base + 64, insn), KMT_ENGINE_ERROR);
	EXPECT_EQ(fake.reports.at(0).reason, KMT_REASON_NO_OPERAND);
}

} // namespace

// kmt_engine_owns() tells the stepped instruction (and its bare REP element) from other code.
TEST_F(EngineTest, OwnsTheSteppedInstructionOnly)
{
	EXPECT_FALSE(kmt_engine_owns(&cpu, k_rip)); // idle
	const kmt_insn insn = rep_movs_insn(8); // f3 48 a5: stepped with the prefix skipped
	regs.gpr[KMT_REG_RSI] = k_base + 64;
	regs.gpr[KMT_REG_RDI] = k_base + KMT_PAGE_SIZE + 64;
	regs.gpr[KMT_REG_RCX] = 4;
	ASSERT_EQ(fault(k_base + 64, insn), KMT_ENGINE_HANDLED);
	EXPECT_TRUE(kmt_engine_owns(&cpu, k_rip));
	EXPECT_TRUE(kmt_engine_owns(&cpu, k_rip + 1)); // the bare movsq
	EXPECT_FALSE(kmt_engine_owns(&cpu, k_rip + 3));
	EXPECT_FALSE(kmt_engine_owns(&cpu, 0x1234));
}
