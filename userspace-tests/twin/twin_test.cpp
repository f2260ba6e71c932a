// twin_test.cpp - the engine against real instructions (label twin).
//
// Every test runs the same instruction twice on the same addresses: once untraced (all pages
// accessible, no handlers) to get the reference memory and registers, once armed. It then
// asserts memory and registers identical to the reference, the exact shadow afterwards (from
// an independent element-by-element model), the exact reports and the exact trap counts.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "harness.h"
#include "ops.h"

namespace twin {
namespace {

constexpr size_t k_tracked_pages = 8;

const char *op_name(Op op)
{
	switch (op) {
	case Op::RepMovs: return "movs";
	case Op::RepStos: return "stos";
	case Op::OddRepMovs: return "66f3a5";
	case Op::OddRepStos: return "66f3ab";
	}
	return "?";
}

// A deterministic mix of all four states in runs of 1..40 bytes.
kmt_shadow_state pattern_state(size_t i)
{
	const size_t run = i / 13 + i / 29;
	return static_cast<kmt_shadow_state>((run * 7 + i / 101) % 4);
}

class TwinTest : public ::testing::Test {
protected:
	void SetUp() override { alarm(60); } // a hang is a failure, not a stuck CTest
	void TearDown() override { alarm(0); }

	uint64_t addr(int64_t offset) const { return reinterpret_cast<uint64_t>(m_twin.tracked()) + offset; }

	void set_pattern_shadow()
	{
		for (size_t i = 0; i < m_twin.tracked_bytes(); i++)
			kmt_shadow_set(m_twin.shadow(), addr(static_cast<int64_t>(i)), 1, pattern_state(i));
	}

	// Shadow states of the tracked bytes, one per byte.
	std::vector<uint8_t> shadow_states() const
	{
		std::vector<uint8_t> states(m_twin.tracked_bytes());
		for (size_t i = 0; i < states.size(); i++)
			states[i] = kmt_shadow_get(m_twin.shadow(), addr(static_cast<int64_t>(i)));
		return states;
	}

	// The whole arena: kernel_low, tracked, kernel_high, then user.
	std::vector<uint8_t> memory() const
	{
		const uint8_t *low = m_twin.kernel_low();
		const uint8_t *high_end = m_twin.kernel_high() + k_kernel_pages * k_page;
		std::vector<uint8_t> bytes(low, high_end);
		bytes.insert(bytes.end(), m_twin.user(), m_twin.user() + m_twin.user_bytes());
		return bytes;
	}

	void restore_memory(const std::vector<uint8_t> &bytes)
	{
		const size_t arena = static_cast<size_t>(m_twin.kernel_high() + k_kernel_pages * k_page - m_twin.kernel_low());
		std::memcpy(m_twin.kernel_low(), bytes.data(), arena);
		std::memcpy(m_twin.user(), bytes.data() + arena, m_twin.user_bytes());
	}

	bool is_tracked(uint64_t a) const
	{
		return a >= addr(0) && a < addr(static_cast<int64_t>(m_twin.tracked_bytes()));
	}

	Twin m_twin{k_tracked_pages};
};

// ---------------------------------------------------------------------------------------
// REP MOVS / STOS: every element size, both directions, many geometries, both modes.

struct Geometry {
	const char *name;
	int64_t src_low; // lowest source byte, relative to tracked(); may be in kernel_low/high
	int64_t dst_low;
	uint64_t bytes;  // rounded down to whole elements
};

const Geometry k_geometries[] = {
	{"small_mid_page", 100, 3 * 4096 + 200, 40},
	{"cross_one_unaligned", 4096 - 37, 5 * 4096 - 3, 300},
	{"several_pages", 13, 4 * 4096 + 4090 - 4096, 3 * 4096 + 100},
	{"page_aligned_4k", 0, 4 * 4096, 4096},
	{"starts_at_page_end", 4096 - 8, 6 * 4096 - 9, 64},
	{"enters_tracked_midway", -700, 8 * 4096 + 50, 2000},     // source enters, dst untracked
	{"leaves_into_untracked", 7 * 4096 + 100, 2 * 4096, 6000}, // source leaves the tracked area
	{"overlap_dst_ahead_3", 4096 + 10, 4096 + 13, 5000},
	{"overlap_dst_behind_5", 4096 + 10, 4096 + 5, 5000},
	{"overlap_dst_ahead_100", 2 * 4096 + 1, 2 * 4096 + 101, 9000},
};

struct RepCase {
	Op op;
	unsigned size;
	Dir dir;
	kmt_rep_mode mode;
	Geometry geometry;
};

std::string case_name(const RepCase &c)
{
	return std::string(op_name(c.op)) + std::to_string(c.size) + "_" +
	       (c.dir == Dir::Forward ? "fwd" : "bwd") + "_" + (c.mode == KMT_REP_MODE_STEP ? "step" : "batch") +
	       "_" + c.geometry.name;
}

void PrintTo(const RepCase &c, std::ostream *os) { *os << case_name(c); }

std::vector<RepCase> all_rep_cases()
{
	std::vector<RepCase> cases;
	for (Op op : {Op::RepMovs, Op::RepStos, Op::OddRepMovs, Op::OddRepStos})
		for (unsigned size : {1u, 2u, 4u, 8u})
			for (Dir dir : {Dir::Forward, Dir::Backward})
				for (kmt_rep_mode mode : {KMT_REP_MODE_STEP, KMT_REP_MODE_BATCH})
					for (const Geometry &g : k_geometries) {
						if ((op == Op::OddRepMovs || op == Op::OddRepStos) && size != 2)
							continue;
						cases.push_back(RepCase{op, size, dir, mode, g});
					}
	return cases;
}

class RepTest : public TwinTest, public ::testing::WithParamInterface<RepCase> {};

TEST_P(RepTest, MemoryShadowReportsAndTrapsAreExact)
{
	const RepCase &c = GetParam();
	const bool movs = c.op == Op::RepMovs || c.op == Op::OddRepMovs;
	const uint64_t n = c.geometry.bytes / c.size;
	const uint64_t src_low = addr(c.geometry.src_low), dst_low = addr(c.geometry.dst_low);
	StringRegs start;
	start.rcx = n;
	start.rax = 0x1122334455667788ull;
	start.rsi = c.dir == Dir::Forward ? src_low : src_low + (n - 1) * c.size;
	start.rdi = c.dir == Dir::Forward ? dst_low : dst_low + (n - 1) * c.size;
	if (!movs)
		start.rsi = 0x5151;

	m_twin.reset(0x3c, KMT_SHADOW_INIT);
	set_pattern_shadow();
	const std::vector<uint8_t> initial = memory();
	const std::vector<uint8_t> initial_shadow = shadow_states();

	// Untraced reference run.
	StringRegs reference = start;
	run_string(c.op, c.size, c.dir, reference);
	const std::vector<uint8_t> expected_memory = memory();
	restore_memory(initial);

	// Independent model of the shadow and of the windows / traps.
	std::vector<uint8_t> model = initial_shadow;
	auto state_at = [&](uint64_t a) -> uint8_t {
		return is_tracked(a) ? model[a - addr(0)] : static_cast<uint8_t>(KMT_SHADOW_INIT);
	};
	const int64_t step = c.dir == Dir::Forward ? static_cast<int64_t>(c.size) : -static_cast<int64_t>(c.size);
	auto src_of = [&](uint64_t e) { return start.rsi + static_cast<uint64_t>(step * static_cast<int64_t>(e)); };
	auto dst_of = [&](uint64_t e) { return start.rdi + static_cast<uint64_t>(step * static_cast<int64_t>(e)); };
	for (uint64_t e = 0; e < n; e++) {
		uint8_t element[8];
		for (unsigned b = 0; b < c.size; b++)
			element[b] = movs ? state_at(src_of(e) + b) : static_cast<uint8_t>(KMT_SHADOW_INIT);
		for (unsigned b = 0; b < c.size; b++)
			if (is_tracked(dst_of(e) + b))
				model[dst_of(e) + b - addr(0)] = element[b];
	}
	auto touches_tracked = [&](uint64_t a) {
		return is_tracked(a) || is_tracked(a + c.size - 1);
	};
	uint64_t expected_faults = 0, expected_elements = 0;
	for (uint64_t e = 0; e < n;) {
		if (!touches_tracked(dst_of(e)) && !(movs && touches_tracked(src_of(e)))) {
			e++; // runs natively, unseen
			continue;
		}
		// Window per operand: two pages from the first element's page in the direction.
		auto window = [&](uint64_t a) {
			return c.dir == Dir::Forward ? (a & KMT_PAGE_MASK) : ((a + c.size - 1) & KMT_PAGE_MASK) - k_page;
		};
		auto inside = [&](uint64_t a, uint64_t lo) { return a >= lo && a + c.size <= lo + 2 * k_page; };
		const uint64_t src_lo = window(src_of(e)), dst_lo = window(dst_of(e));
		uint64_t f = e;
		while (f < n && inside(dst_of(f), dst_lo) && (!movs || inside(src_of(f), src_lo)))
			f++;
		expected_faults++;
		expected_elements += f - e;
		e = f;
	}
	// Every case but STOS into untracked memory must actually trap (guards the model itself).
	EXPECT_TRUE(expected_faults > 0 || (!movs && c.geometry.dst_low >= static_cast<int64_t>(k_tracked_pages * k_page)));
	// Batch mode applies to kernel-to-kernel REP MOVS/STOS whatever the prefix order.
	const bool batched = c.mode == KMT_REP_MODE_BATCH;

	StringRegs traced = start;
	m_twin.arm(c.mode);
	run_string(c.op, c.size, c.dir, traced);
	m_twin.disarm();

	EXPECT_EQ(traced.rdi, reference.rdi);
	EXPECT_EQ(traced.rsi, reference.rsi);
	EXPECT_EQ(traced.rcx, reference.rcx);
	EXPECT_TRUE(memory() == expected_memory) << "memory differs from the untraced run";
	const std::vector<uint8_t> shadow = shadow_states();
	for (size_t i = 0; i < shadow.size(); i++)
		ASSERT_EQ(shadow[i], model[i]) << "shadow of tracked byte " << i;
	EXPECT_TRUE(m_twin.reports().empty());
	const Counters &counters = m_twin.counters();
	EXPECT_EQ(counters.segv, expected_faults);
	EXPECT_EQ(counters.trap, batched ? 0 : expected_elements);
	EXPECT_EQ(counters.code_traps, 0u);
	EXPECT_EQ(counters.engine_errors, 0u);
	EXPECT_EQ(m_twin.cpu().counters.faults_handled, expected_faults);
	EXPECT_EQ(m_twin.cpu().counters.rep_elements, expected_elements);
	EXPECT_EQ(m_twin.cpu().counters.single_steps, batched ? 0 : expected_elements);
	EXPECT_EQ(counters.shows, counters.hides);
}

INSTANTIATE_TEST_SUITE_P(AllSizesDirectionsGeometries, RepTest, ::testing::ValuesIn(all_rep_cases()),
			 [](const ::testing::TestParamInfo<RepCase> &info) { return case_name(info.param); });

// Hand-computed counts for the two modes on whole pages: the numbers in docs/engine.md.
TEST_F(TwinTest, FourKiBMovsbStepIsOneTrapPerByteBatchIsOneFault)
{
	for (kmt_rep_mode mode : {KMT_REP_MODE_STEP, KMT_REP_MODE_BATCH}) {
		m_twin.reset(1, KMT_SHADOW_INIT);
		StringRegs r;
		r.rsi = addr(0);
		r.rdi = addr(4 * 4096);
		r.rcx = 4096;
		m_twin.arm(mode);
		run_string(Op::RepMovs, 1, Dir::Forward, r);
		m_twin.disarm();
		EXPECT_EQ(r.rcx, 0u);
		EXPECT_EQ(m_twin.counters().segv, 1u);
		EXPECT_EQ(m_twin.counters().trap, mode == KMT_REP_MODE_STEP ? 4096u : 0u);
		EXPECT_EQ(std::memcmp(m_twin.tracked(), m_twin.tracked() + 4 * 4096, 4096), 0);
	}
}

TEST_F(TwinTest, ThreePageMovsqNeedsTwoWindows)
{
	for (kmt_rep_mode mode : {KMT_REP_MODE_STEP, KMT_REP_MODE_BATCH}) {
		m_twin.reset(2, KMT_SHADOW_INIT);
		StringRegs r;
		r.rsi = addr(0);
		r.rdi = addr(4 * 4096);
		r.rcx = 3 * 4096 / 8;
		m_twin.arm(mode);
		run_string(Op::RepMovs, 8, Dir::Forward, r);
		m_twin.disarm();
		EXPECT_EQ(m_twin.counters().segv, 2u); // 8 KiB, then 4 KiB
		EXPECT_EQ(m_twin.counters().trap, mode == KMT_REP_MODE_STEP ? 1536u : 0u);
		EXPECT_EQ(m_twin.cpu().counters.batch_runs, mode == KMT_REP_MODE_STEP ? 0u : 2u);
	}
}

TEST_F(TwinTest, RcxZeroDoesNothing)
{
	m_twin.reset(3, KMT_SHADOW_UNINIT);
	StringRegs r;
	r.rsi = addr(0);
	r.rdi = addr(4096);
	r.rcx = 0;
	m_twin.arm(KMT_REP_MODE_STEP);
	run_string(Op::RepMovs, 8, Dir::Forward, r);
	m_twin.disarm();
	EXPECT_EQ(m_twin.counters().segv, 0u);
	EXPECT_EQ(m_twin.counters().trap, 0u);
	EXPECT_EQ(r.rdi, addr(4096));
}

// ---------------------------------------------------------------------------------------
// Plain instructions.

TEST_F(TwinTest, StraddlingLoadReportsFirstBadByteAndShowsBothPages)
{
	m_twin.reset(4, KMT_SHADOW_INIT);
	const uint64_t p = addr(4096 - 3);
	kmt_shadow_set(m_twin.shadow(), p + 5, 2, KMT_SHADOW_UNINIT);
	uint64_t expected_value;
	std::memcpy(&expected_value, reinterpret_cast<void *>(p), 8);
	uint64_t value = 0, rip = 0;
	m_twin.arm(KMT_REP_MODE_STEP);
	asm volatile("lea 0f(%%rip), %[rip]\n0:\tmovq (%[p]), %[v]" : [v] "=r"(value), [rip] "=&r"(rip) : [p] "r"(p) : "memory");
	m_twin.disarm();
	EXPECT_EQ(value, expected_value);
	ASSERT_EQ(m_twin.reports().size(), 1u);
	const kmt_error e = m_twin.reports()[0];
	EXPECT_EQ(e.kind, static_cast<uint32_t>(KMT_ERR_UNINIT_READ));
	EXPECT_EQ(e.size, 8u);
	EXPECT_EQ(e.addr, p);
	EXPECT_EQ(e.bad_addr, p + 5);
	EXPECT_EQ(e.bad_state, KMT_SHADOW_UNINIT);
	EXPECT_EQ(e.rip, rip);
	EXPECT_EQ(m_twin.counters().segv, 1u);
	EXPECT_EQ(m_twin.counters().trap, 1u);
	EXPECT_EQ(m_twin.counters().shows, 2u);
	EXPECT_EQ(m_twin.counters().hides, 2u);
	EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), p + 5), KMT_SHADOW_UNINIT); // a read changes nothing
}

TEST_F(TwinTest, StraddlingStoreMarksInitialized)
{
	m_twin.reset(5, KMT_SHADOW_UNINIT);
	const uint64_t p = addr(2 * 4096 - 5);
	m_twin.arm(KMT_REP_MODE_STEP);
	asm volatile("movq %[v], (%[p])" : : [v] "r"(0x0102030405060708ull), [p] "r"(p) : "memory");
	m_twin.disarm();
	EXPECT_EQ(*reinterpret_cast<uint64_t *>(p), 0x0102030405060708ull);
	EXPECT_TRUE(m_twin.reports().empty());
	for (uint64_t a = p - 1; a < p + 9; a++)
		EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), a), (a >= p && a < p + 8) ? KMT_SHADOW_INIT : KMT_SHADOW_UNINIT);
	EXPECT_EQ(m_twin.counters().segv, 1u);
	EXPECT_EQ(m_twin.counters().trap, 1u);
}

TEST_F(TwinTest, LockCmpxchgIsReadThenWrite)
{
	m_twin.reset(6, KMT_SHADOW_INIT);
	const uint64_t p = addr(3 * 4096 + 64);
	*reinterpret_cast<uint64_t *>(p) = 42;
	kmt_shadow_set(m_twin.shadow(), p + 2, 1, KMT_SHADOW_UNINIT);
	uint64_t rax = 42;
	m_twin.arm(KMT_REP_MODE_STEP);
	asm volatile("lock cmpxchgq %[n], (%[p])" : "+a"(rax) : [n] "r"(7ull), [p] "r"(p) : "memory", "cc");
	m_twin.disarm();
	EXPECT_EQ(*reinterpret_cast<uint64_t *>(p), 7u);
	ASSERT_EQ(m_twin.reports().size(), 1u);
	EXPECT_EQ(m_twin.reports()[0].kind, static_cast<uint32_t>(KMT_ERR_UNINIT_READ));
	EXPECT_EQ(m_twin.reports()[0].bad_addr, p + 2);
	EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), p + 2), KMT_SHADOW_INIT);
	EXPECT_EQ(m_twin.counters().segv, 1u);
	EXPECT_EQ(m_twin.counters().trap, 1u);
}

TEST_F(TwinTest, ReadKindFollowsStateOfFirstBadByte)
{
	struct {
		kmt_shadow_state state;
		kmt_error_kind kind;
	} const cases[] = {{KMT_SHADOW_UNINIT, KMT_ERR_UNINIT_READ},
			   {KMT_SHADOW_FREED, KMT_ERR_FREED_READ},
			   {KMT_SHADOW_UNALLOCATED, KMT_ERR_UNALLOCATED_READ}};
	for (const auto &c : cases) {
		m_twin.reset(7, KMT_SHADOW_INIT);
		const uint64_t p = addr(5 * 4096 + 1000);
		kmt_shadow_set(m_twin.shadow(), p + 1, 1, c.state);
		kmt_shadow_set(m_twin.shadow(), p + 3, 1, KMT_SHADOW_FREED);
		uint32_t value;
		m_twin.arm(KMT_REP_MODE_STEP);
		asm volatile("movl (%[p]), %[v]" : [v] "=r"(value) : [p] "r"(p) : "memory");
		m_twin.disarm();
		ASSERT_EQ(m_twin.reports().size(), 1u);
		EXPECT_EQ(m_twin.reports()[0].kind, static_cast<uint32_t>(c.kind));
		EXPECT_EQ(m_twin.reports()[0].bad_addr, p + 1);
		EXPECT_EQ(m_twin.reports()[0].size, 4u);
	}
}

// ---------------------------------------------------------------------------------------
// REPE/REPNE reads stop on their condition.

TEST_F(TwinTest, RepeCmpsbStopsAtFirstDifference)
{
	for (kmt_rep_mode mode : {KMT_REP_MODE_STEP, KMT_REP_MODE_BATCH}) {
		m_twin.reset(8, KMT_SHADOW_INIT);
		uint8_t *a = m_twin.tracked() + 4096 - 40, *b = m_twin.tracked() + 6 * 4096 + 7;
		std::memcpy(b, a, 200);
		b[100] ^= 1;
		kmt_shadow_set(m_twin.shadow(), reinterpret_cast<uint64_t>(a) + 50, 1, KMT_SHADOW_UNINIT);
		kmt_shadow_set(m_twin.shadow(), reinterpret_cast<uint64_t>(a) + 60, 1, KMT_SHADOW_UNINIT);
		kmt_shadow_set(m_twin.shadow(), reinterpret_cast<uint64_t>(a) + 150, 1, KMT_SHADOW_UNINIT);
		uint64_t rsi = reinterpret_cast<uint64_t>(a), rdi = reinterpret_cast<uint64_t>(b), rcx = 200;
		bool zf;
		m_twin.arm(mode);
		asm volatile("repe cmpsb" : "+S"(rsi), "+D"(rdi), "+c"(rcx), "=@ccz"(zf) : : "memory");
		m_twin.disarm();
		EXPECT_FALSE(zf);
		EXPECT_EQ(rcx, 200u - 101u);
		EXPECT_EQ(rsi, reinterpret_cast<uint64_t>(a) + 101);
		EXPECT_EQ(m_twin.counters().segv, 1u);
		EXPECT_EQ(m_twin.counters().trap, 101u); // stepped even in batch mode
		// One report per operand and activation: the first bad source byte only.
		ASSERT_EQ(m_twin.reports().size(), 1u);
		EXPECT_EQ(m_twin.reports()[0].kind, static_cast<uint32_t>(KMT_ERR_UNINIT_READ));
		EXPECT_EQ(m_twin.reports()[0].addr, reinterpret_cast<uint64_t>(a) + 50);
		EXPECT_EQ(m_twin.reports()[0].size, 1u);
	}
}

TEST_F(TwinTest, RepneScasbStopsAtMatchAcrossPageBoundary)
{
	m_twin.reset(9, KMT_SHADOW_INIT);
	uint8_t *p = m_twin.tracked() + 2 * 4096 - 100;
	std::memset(p, 'x', 400);
	p[300] = 'y';
	uint64_t rdi = reinterpret_cast<uint64_t>(p), rcx = 400;
	bool zf;
	m_twin.arm(KMT_REP_MODE_STEP);
	asm volatile("repne scasb" : "+D"(rdi), "+c"(rcx), "=@ccz"(zf) : "a"(static_cast<uint64_t>('y')) : "memory");
	m_twin.disarm();
	EXPECT_TRUE(zf);
	EXPECT_EQ(rcx, 400u - 301u);
	EXPECT_EQ(rdi, reinterpret_cast<uint64_t>(p) + 301);
	EXPECT_EQ(m_twin.counters().segv, 1u);
	EXPECT_EQ(m_twin.counters().trap, 301u);
	EXPECT_EQ(m_twin.counters().shows, 2u);
	EXPECT_TRUE(m_twin.reports().empty());
}

// ---------------------------------------------------------------------------------------
// Infoleak: MOVS to user memory.

// One report per instruction, however many windows (activations) it takes: the first bad byte in
// execution order, and how many bad bytes the whole copy leaks.
TEST_F(TwinTest, RepMovsToUserWithUninitSourceIsOneInfoleakPerInstruction)
{
	for (kmt_rep_mode mode : {KMT_REP_MODE_STEP, KMT_REP_MODE_BATCH})
	for (unsigned size : {1u, 8u}) {
		m_twin.reset(10, KMT_SHADOW_INIT);
		const uint64_t src = addr(4096 + 16);
		kmt_shadow_set(m_twin.shadow(), src + 13, 10, KMT_SHADOW_UNINIT);
		kmt_shadow_set(m_twin.shadow(), src + 5000, 1, KMT_SHADOW_FREED);  // same window
		kmt_shadow_set(m_twin.shadow(), src + 9000, 1, KMT_SHADOW_UNINIT); // second window
		StringRegs r;
		r.rsi = src;
		r.rdi = reinterpret_cast<uint64_t>(m_twin.user()) + 8;
		r.rcx = 12000 / size;
		m_twin.arm(mode);
		run_string(Op::RepMovs, size, Dir::Forward, r);
		m_twin.disarm();
		EXPECT_EQ(std::memcmp(m_twin.user() + 8, m_twin.tracked() + 4096 + 16, 12000), 0);
		const auto reports = m_twin.reports();
		ASSERT_EQ(reports.size(), 1u) << "size " << size << " mode " << mode;
		EXPECT_EQ(reports[0].kind, static_cast<uint32_t>(KMT_ERR_INFOLEAK));
		EXPECT_EQ(reports[0].bad_addr, src + 13);
		EXPECT_EQ(reports[0].addr, src + 13 / size * size);
		EXPECT_EQ(reports[0].size, size);
		EXPECT_EQ(reports[0].dst_addr, r.rdi - 12000 + 13 / size * size);
		EXPECT_EQ(reports[0].bad_state, KMT_SHADOW_UNINIT);
		EXPECT_EQ(reports[0].bad_count, 12u); // 10 uninitialized, 1 freed, 1 in the second window
		EXPECT_EQ(reports[0].bad_last, src + 9000);
		// Window 1: bytes 16..8191 of the source pages; window 2: the rest. Step mode: a trap per
		// element; batch mode: none, each window one copy_user.
		EXPECT_EQ(m_twin.counters().segv, 2u);
		EXPECT_EQ(m_twin.counters().trap, mode == KMT_REP_MODE_STEP ? 12000u / size : 0u);
		EXPECT_EQ(m_twin.counters().user_copies, mode == KMT_REP_MODE_STEP ? 0u : 2u);
		// The source shadow is unchanged; user memory has no shadow.
		EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), src + 13), KMT_SHADOW_UNINIT);
	}
}

TEST_F(TwinTest, SingleMovsqToUserIsInfoleak)
{
	m_twin.reset(11, KMT_SHADOW_INIT);
	const uint64_t src = addr(7 * 4096 - 4); // straddles into the last tracked page
	kmt_shadow_set(m_twin.shadow(), src + 6, 1, KMT_SHADOW_UNINIT);
	uint64_t rsi = src, rdi = reinterpret_cast<uint64_t>(m_twin.user());
	m_twin.arm(KMT_REP_MODE_STEP);
	asm volatile("movsq" : "+S"(rsi), "+D"(rdi) : : "memory");
	m_twin.disarm();
	ASSERT_EQ(m_twin.reports().size(), 1u);
	EXPECT_EQ(m_twin.reports()[0].kind, static_cast<uint32_t>(KMT_ERR_INFOLEAK));
	EXPECT_EQ(m_twin.reports()[0].bad_addr, src + 6);
	EXPECT_EQ(m_twin.counters().segv, 1u);
	EXPECT_EQ(m_twin.counters().trap, 1u);
	EXPECT_EQ(m_twin.counters().shows, 2u);
}

TEST_F(TwinTest, RepMovsFromUserMarksDestinationInitialized)
{
	m_twin.reset(12, KMT_SHADOW_UNINIT);
	const uint64_t dst = addr(3 * 4096 - 50);
	StringRegs r;
	r.rsi = reinterpret_cast<uint64_t>(m_twin.user()) + 3;
	r.rdi = dst;
	r.rcx = 100;
	m_twin.arm(KMT_REP_MODE_BATCH);
	run_string(Op::RepMovs, 1, Dir::Forward, r);
	m_twin.disarm();
	EXPECT_EQ(std::memcmp(m_twin.user() + 3, reinterpret_cast<void *>(dst), 100), 0);
	EXPECT_TRUE(m_twin.reports().empty());
	for (uint64_t a = dst - 1; a <= dst + 100; a++)
		EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), a), (a >= dst && a < dst + 100) ? KMT_SHADOW_INIT : KMT_SHADOW_UNINIT);
	EXPECT_EQ(m_twin.counters().segv, 1u);
	EXPECT_EQ(m_twin.counters().trap, 0u); // batched through copy_user, not stepped
}

// ---------------------------------------------------------------------------------------
// Code that single-steps itself: the engine must pass its own trap on, not swallow it.

TEST_F(TwinTest, CodeWithTrapFlagGetsItsOwnTraps)
{
	m_twin.reset(13, KMT_SHADOW_INIT);
	const uint64_t p = addr(2 * 4096 + 8);
	uint64_t value = 0;
	m_twin.arm(KMT_REP_MODE_STEP);
	asm volatile("lea -128(%%rsp), %%rsp\n\tpushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
		     "movq (%[p]), %[v]\n\t"
		     "nop\n\t"
		     "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq\n\tlea 128(%%rsp), %%rsp"
		     : [v] "=r"(value) : [p] "r"(p) : "memory", "cc");
	m_twin.disarm();
	EXPECT_EQ(value, *reinterpret_cast<uint64_t *>(p));
	EXPECT_EQ(m_twin.counters().segv, 1u);
	// Traps after: movq (the engine's step, passed on), nop, pushfq, andq, popfq.
	EXPECT_EQ(m_twin.counters().trap, 5u);
	EXPECT_EQ(m_twin.counters().code_traps, 5u);
	EXPECT_EQ(m_twin.cpu().counters.steps_passed_on, 1u);
}

TEST_F(TwinTest, CodeWithTrapFlagStepsRepOneIterationAtATime)
{
	m_twin.reset(14, KMT_SHADOW_INIT);
	StringRegs r;
	r.rsi = addr(100);
	r.rdi = addr(4 * 4096);
	r.rcx = 3;
	m_twin.arm(KMT_REP_MODE_BATCH);
	asm volatile("lea -128(%%rsp), %%rsp\n\tpushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
		     "rep movsb\n\t"
		     "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq\n\tlea 128(%%rsp), %%rsp"
		     : "+D"(r.rdi), "+S"(r.rsi), "+c"(r.rcx) : : "memory", "cc");
	m_twin.disarm();
	EXPECT_EQ(r.rcx, 0u);
	EXPECT_EQ(std::memcmp(m_twin.tracked() + 100, m_twin.tracked() + 4 * 4096, 3), 0);
	// Every iteration: a fault (pages hidden again after each), a native iteration, a trap
	// the engine passes on. Then pushfq, andq, popfq trap as the code's own.
	EXPECT_EQ(m_twin.counters().segv, 3u);
	EXPECT_EQ(m_twin.cpu().counters.steps_passed_on, 3u);
	EXPECT_EQ(m_twin.counters().trap, 6u);
	EXPECT_EQ(m_twin.counters().code_traps, 6u);
}

// copy_from_user in batch mode: one trap per window of the tracked destination, and every byte
// that came from user memory initialized.
TEST_F(TwinTest, RepMovsFromUserIsBatchedAndInitializes)
{
	for (unsigned size : {1u, 8u}) {
		m_twin.reset(12, KMT_SHADOW_UNINIT);
		const uint64_t dst = addr(3 * 4096 + 100);
		StringRegs r;
		r.rsi = reinterpret_cast<uint64_t>(m_twin.user()) + 24;
		r.rdi = dst;
		r.rcx = 10000 / size;
		m_twin.arm(KMT_REP_MODE_BATCH);
		run_string(Op::RepMovs, size, Dir::Forward, r);
		m_twin.disarm();
		EXPECT_EQ(std::memcmp(m_twin.tracked() + 3 * 4096 + 100, m_twin.user() + 24, 10000), 0);
		for (uint64_t a = dst; a < dst + 10000; a++)
			ASSERT_EQ(kmt_shadow_get(m_twin.shadow(), a), KMT_SHADOW_INIT) << "byte " << a - dst;
		EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), dst - 1), KMT_SHADOW_UNINIT);
		EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), dst + 10000), KMT_SHADOW_UNINIT);
		EXPECT_TRUE(m_twin.reports().empty());
		// Destination windows: [3*4096+100, 5*4096) then the rest: two faults, no step.
		EXPECT_EQ(m_twin.counters().segv, 2u);
		EXPECT_EQ(m_twin.counters().trap, 0u);
	}
}

// copy_to_user into a user page that is not resident: the batch copy stops there, the CPU faults
// on it natively, the "kernel" brings it in, and the copy goes on; memory, shadow and the one
// infoleak report come out as without kmemtrap's batching.
TEST_F(TwinTest, RepMovsToAbsentUserPageStopsAndResumes)
{
	for (unsigned size : {1u, 8u}) {
		m_twin.reset(13, KMT_SHADOW_INIT);
		const uint64_t src = addr(4096);
		kmt_shadow_set(m_twin.shadow(), src + 6000, 3, KMT_SHADOW_UNINIT);
		m_twin.evict_user_page(1);
		StringRegs r;
		r.rsi = src;
		r.rdi = reinterpret_cast<uint64_t>(m_twin.user());
		r.rcx = 8192 / size;
		m_twin.arm(KMT_REP_MODE_BATCH);
		run_string(Op::RepMovs, size, Dir::Forward, r);
		m_twin.disarm();
		EXPECT_EQ(r.rcx, 0u);
		EXPECT_EQ(std::memcmp(m_twin.user(), m_twin.tracked() + 4096, 8192), 0);
		EXPECT_EQ(m_twin.counters().user_faults, 1u);
		const auto reports = m_twin.reports();
		ASSERT_EQ(reports.size(), 1u) << "size " << size;
		EXPECT_EQ(reports[0].kind, static_cast<uint32_t>(KMT_ERR_INFOLEAK));
		EXPECT_EQ(reports[0].bad_addr, src + 6000);
		EXPECT_EQ(reports[0].bad_count, 3u);
		EXPECT_EQ(m_twin.counters().engine_errors, 0u);
		EXPECT_FALSE(kmt_engine_busy(&m_twin.cpu()));
	}
}

} // namespace
} // namespace twin
