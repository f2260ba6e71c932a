// follow_test.cpp - following uninitialized bits to their use, in the userspace twin, on real
// compiled kernel code patterns (follow_cases.c). Each case states, next to it, the reports it
// must produce: kind, the function of the using instruction, and where the bits were loaded.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "follow_cases.h"
#include "harness.h"

namespace twin {
namespace {

constexpr uint32_t k_follow_limit = 4096;

// The exported function holding @addr (the test binary exports its symbols: -rdynamic).
std::string function_at(uint64_t addr)
{
	Dl_info info;
	ElfW(Sym) *sym = nullptr;
	if (!dladdr1(reinterpret_cast<void *>(addr), &info, reinterpret_cast<void **>(&sym), RTLD_DL_SYMENT) ||
	    !info.dli_sname || !sym)
		return "?";
	const uint64_t start = reinterpret_cast<uint64_t>(info.dli_saddr);
	return addr < start + sym->st_size ? info.dli_sname : "?";
}

// The bounds of the exported function at @addr.
uint64_t function_start(uint64_t addr)
{
	Dl_info info;
	ElfW(Sym) *sym = nullptr;
	if (!dladdr1(reinterpret_cast<void *>(addr), &info, reinterpret_cast<void **>(&sym), RTLD_DL_SYMENT) || !sym)
		return 0;
	return reinterpret_cast<uint64_t>(info.dli_saddr);
}

uint64_t function_end(uint64_t addr)
{
	Dl_info info;
	ElfW(Sym) *sym = nullptr;
	if (!dladdr1(reinterpret_cast<void *>(addr), &info, reinterpret_cast<void **>(&sym), RTLD_DL_SYMENT) || !sym)
		return 0;
	return reinterpret_cast<uint64_t>(info.dli_saddr) + sym->st_size;
}

struct Expect {
	uint32_t kind;     // enum kmt_error_kind
	const char *where; // function of the report's instruction (the use, or the load)
	const char *from;  // function of the load the bits came from (nullptr: not checked)
};

template <typename F>
uint64_t as_case(F *fn)
{
	return reinterpret_cast<uint64_t>(fn);
}

class FollowTest : public ::testing::TestWithParam<bool> {
protected:
	void SetUp() override
	{
		alarm(60);
		m_twin.reset(0x21, KMT_SHADOW_UNINIT);
	}
	void TearDown() override { alarm(0); }

	uint8_t *mem(size_t off) { return m_twin.tracked() + off; }
	void init(const void *p, size_t n) { kmt_shadow_set(m_twin.shadow(), reinterpret_cast<uint64_t>(p), n, KMT_SHADOW_INIT); }

	// Runs @fn(a, b, c) with following on, through the driver, and checks the reports.
	uint64_t run(uint64_t fn, uint64_t a, uint64_t b, uint64_t c, const std::vector<Expect> &expect)
	{
		m_twin.arm(KMT_REP_MODE_BATCH, k_follow_limit, GetParam());
		kmt_follow_drive(reinterpret_cast<uint64_t (*)(uint64_t, uint64_t, uint64_t)>(fn), a, b, c);
		m_twin.disarm();
		// The kernel prints one report per (kind, code address) and counts the repeats
		// (module/report.c); so does this check (a byte loop leaks at one store, once).
		std::vector<kmt_error> reports;
		for (const kmt_error &e : m_twin.reports()) {
			bool seen = false;
			for (const kmt_error &r : reports)
				seen = seen || (r.kind == e.kind && r.rip == e.rip);
			if (!seen)
				reports.push_back(e);
		}
		std::string got;
		for (const kmt_error &e : reports)
			got += std::string(kmt_error_kind_str(static_cast<int>(e.kind))) + " in " + function_at(e.rip) +
			       " from " + function_at(e.origin_rip) + " (end " + std::to_string(e.follow_end) + "); ";
		EXPECT_EQ(reports.size(), expect.size()) << got;
		for (size_t i = 0; i < expect.size() && i < reports.size(); i++) {
			EXPECT_EQ(reports[i].kind, expect[i].kind) << got;
			EXPECT_EQ(function_at(reports[i].rip), expect[i].where) << got;
			if (expect[i].from) {
				EXPECT_EQ(function_at(reports[i].origin_rip), expect[i].from) << got;
			}
		}
		EXPECT_FALSE(kmt_engine_busy(&m_twin.cpu()));
		return kmt_follow_result;
	}

	Twin m_twin{ 4 };
};

TEST_P(FollowTest, BitFieldSetThenReadIsSilent)
{
	auto *s = reinterpret_cast<kmt_bits *>(mem(100));
	EXPECT_EQ(run(as_case(kmt_case_bitfield_set_read), reinterpret_cast<uint64_t>(s), 0, 0, {}), 10u);
	EXPECT_GT(m_twin.cpu().counters.follow_windows, 0u) << "the read-modify-write was followed";
	if (GetParam()) {
		// Emulated: the fault and its window run in the handler, no single step at all.
		EXPECT_GT(m_twin.cpu().counters.emulated, 0u);
		EXPECT_EQ(m_twin.cpu().counters.single_steps, 0u);
	} else {
		EXPECT_EQ(m_twin.cpu().counters.emulated, 0u);
		EXPECT_GT(m_twin.cpu().counters.single_steps, 0u);
	}
}

TEST_P(FollowTest, ReadOfBitFieldBitsNeverWrittenIsReportedAtTheBranch)
{
	auto *s = reinterpret_cast<kmt_bits *>(mem(200));
	run(as_case(kmt_case_bitfield_unset_read), reinterpret_cast<uint64_t>(s), 0, 0,
	    { { KMT_ERR_UNINIT_USE, "kmt_case_bitfield_unset_read", "kmt_case_bitfield_unset_read" } });
}

TEST_P(FollowTest, WordAtATimeHashReadsPastTheNulSilently)
{
	char *name = reinterpret_cast<char *>(mem(1000));
	std::memcpy(name, "kmemtrap-name", 14);
	init(name, 14); // the rest of the words after the NUL stay uninitialized
	char ref[32] = "kmemtrap-name";
	const uint64_t expect = kmt_case_word_hash(ref);
	EXPECT_EQ(run(as_case(kmt_case_word_hash), reinterpret_cast<uint64_t>(name), 0, 0, {}), expect);
}

// The hash of a name read a word at a time past its NUL, then compared (as link_path_walk() then
// __d_lookup_rcu() do): the bytes after the NUL spread into the hash through the carries of
// has_zero(), so bit-level rules alone report the compare. Code that the platform names as
// word-at-a-time name code (platform.nul_words) treats the bytes after a word's first
// initialized NUL as initialized: silent, and still exact about the bytes before it.
TEST_P(FollowTest, WordAtATimeHashThenCompareIsSilentInNulWordsCode)
{
	char *name = reinterpret_cast<char *>(mem(1200));
	std::memcpy(name, "kmemtrap-name", 14);
	init(name, 14);
	char ref[32] = "kmemtrap-name";
	const uint64_t hash = kmt_case_word_hash(ref);
	m_twin.set_nul_words(function_start(as_case(kmt_case_word_hash)), function_end(as_case(kmt_case_word_hash)));
	EXPECT_EQ(run(as_case(kmt_case_word_hash_lookup), reinterpret_cast<uint64_t>(name), hash, 0, {}), 1u);
}

TEST_P(FollowTest, WordAtATimeHashThenCompareIsReportedWithoutTheNulRule)
{
	char *name = reinterpret_cast<char *>(mem(1300));
	std::memcpy(name, "kmemtrap-name", 14);
	init(name, 14);
	char ref[32] = "kmemtrap-name";
	const uint64_t hash = kmt_case_word_hash(ref); // equal: only all bits decide it
	run(as_case(kmt_case_word_hash_lookup), reinterpret_cast<uint64_t>(name), hash, 0,
	    { { KMT_ERR_UNINIT_USE, "kmt_case_word_hash_lookup", "kmt_case_word_hash" } });
}

TEST_P(FollowTest, NulRuleStillReportsUninitializedBytesBeforeTheNul)
{
	char *name = reinterpret_cast<char *>(mem(1400));
	std::memcpy(name, "kmemtrap-name", 14);
	init(name, 10); // "me" of "name" and the NUL were never written
	m_twin.set_nul_words(function_start(as_case(kmt_case_word_hash)), function_end(as_case(kmt_case_word_hash)));
	run(as_case(kmt_case_word_hash_lookup), reinterpret_cast<uint64_t>(name), 0, 0,
	    { { KMT_ERR_UNINIT_USE, "kmt_case_word_hash", "kmt_case_word_hash" } });
}

TEST_P(FollowTest, WordAtATimeCompareMasksTheTail)
{
	char *a = reinterpret_cast<char *>(mem(2000)), *b = reinterpret_cast<char *>(mem(2100));
	std::memcpy(a, "abcdefghijk", 11);
	std::memcpy(b, "abcdefghijk", 11);
	init(a, 11);
	init(b, 11);
	EXPECT_EQ(run(as_case(kmt_case_word_compare), reinterpret_cast<uint64_t>(a), reinterpret_cast<uint64_t>(b), 11, {}),
		  0u);
	b[9] = 'X';
	EXPECT_EQ(run(as_case(kmt_case_word_compare), reinterpret_cast<uint64_t>(a), reinterpret_cast<uint64_t>(b), 11, {}),
		  1u);
}

TEST_P(FollowTest, StructCopyCarriesTheShadowAndOnlyTheUninitializedFieldIsReported)
{
	auto *src = reinterpret_cast<kmt_pair *>(mem(3000));
	auto *dst = reinterpret_cast<kmt_pair *>(mem(3100));
	src->a = 9;
	init(&src->a, sizeof(src->a));
	run(as_case(kmt_case_struct_copy), reinterpret_cast<uint64_t>(dst), reinterpret_cast<uint64_t>(src), 0, {});
	EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), reinterpret_cast<uint64_t>(&dst->a)), KMT_SHADOW_INIT);
	EXPECT_EQ(kmt_shadow_get(m_twin.shadow(), reinterpret_cast<uint64_t>(&dst->b)), KMT_SHADOW_UNINIT);
	EXPECT_EQ(run(as_case(kmt_case_use_a), reinterpret_cast<uint64_t>(dst), 0, 0, {}), 1u);
	run(as_case(kmt_case_use_b), reinterpret_cast<uint64_t>(dst), 0, 0,
	    { { KMT_ERR_UNINIT_USE, "kmt_case_use_b", "kmt_case_use_b" } });
}

// The engine's fast path (Engine::emulate_fast): a clean MOV load and a MOV store, emulated
// without emulate_plain()'s generality; the store's bytes come out initialized, as there.
TEST_P(FollowTest, CleanStructCopyTakesTheFastPathAndInitializesTheDestination)
{
	auto *src = reinterpret_cast<kmt_pair *>(mem(3200));
	auto *dst = reinterpret_cast<kmt_pair *>(mem(3300));
	src->a = 5;
	src->b = 6;
	init(src, sizeof(*src));
	run(as_case(kmt_case_struct_copy), reinterpret_cast<uint64_t>(dst), reinterpret_cast<uint64_t>(src), 0, {});
	EXPECT_EQ(dst->a, 5);
	EXPECT_EQ(dst->b, 6);
	EXPECT_EQ(kmt_shadow_check(m_twin.shadow(), reinterpret_cast<uint64_t>(dst), sizeof(*dst), nullptr, nullptr), 0);
	if (GetParam()) {
		const auto &c = m_twin.cpu().counters;
		EXPECT_GE(c.emulated_fast + c.emulated_ahead, 4u) << "two loads and two stores";
		// All on one page: the first access faults, the others run with it (Engine::run_ahead).
		EXPECT_GE(c.emulated_ahead, 1u);
		EXPECT_LT(c.faults_handled, 4u);
	} else {
		EXPECT_EQ(m_twin.cpu().counters.emulated_fast, 0u);
	}
	EXPECT_EQ(run(as_case(kmt_case_use_b), reinterpret_cast<uint64_t>(dst), 0, 0, {}), 1u);
}

// Run-ahead stays on the faulting page: a copy from one tracked page to another faults once on
// each (the source's two loads together, then the destination's two stores together).
TEST_P(FollowTest, RunAheadStopsAtAnotherPage)
{
	auto *src = reinterpret_cast<kmt_pair *>(mem(3600));
	auto *dst = reinterpret_cast<kmt_pair *>(mem(k_page + 64));
	src->a = 1;
	src->b = 2;
	init(src, sizeof(*src));
	run(as_case(kmt_case_struct_copy), reinterpret_cast<uint64_t>(dst), reinterpret_cast<uint64_t>(src), 0, {});
	EXPECT_EQ(dst->a, 1);
	EXPECT_EQ(dst->b, 2);
	EXPECT_EQ(kmt_shadow_check(m_twin.shadow(), reinterpret_cast<uint64_t>(dst), sizeof(*dst), nullptr, nullptr), 0);
	if (GetParam()) {
		EXPECT_EQ(m_twin.cpu().counters.faults_handled, 2u);
		EXPECT_EQ(m_twin.cpu().counters.emulated_ahead, 2u);
	}
}

// A fast-path fault whose next instruction is of no run-ahead form (arithmetic) marks its decode
// cache entry: its later faults do not decode the next instruction again.
TEST_P(FollowTest, RunAheadIsNotTriedAgainAfterAnInstructionOfAnotherForm)
{
	m_twin.use_decode_cache();
	auto *word = reinterpret_cast<uint64_t *>(mem(3500));
	*word = 7;
	init(word, sizeof(*word));
	uint64_t decodes[3];
	for (uint64_t &d : decodes) { // (each run starts the engine's counters afresh)
		EXPECT_EQ(run(as_case(kmt_case_load_then_add), reinterpret_cast<uint64_t>(word), 0, 0, {}), 22u);
		d = m_twin.cpu().counters.decodes;
		EXPECT_EQ(m_twin.cpu().counters.emulated_ahead, 0u);
	}
	if (GetParam()) {
		// First fault: the load and the next instruction (both decoded afresh); second: both from
		// the cache, and the mark is set; third: the load only.
		EXPECT_EQ(decodes[1], 2u);
		EXPECT_EQ(decodes[2], 1u);
	}
}

// A PUSH of initialized memory at a fault: its stack write would land in the fault handler's own
// frame, so, emulated, the write is deferred to an int3 after the handler (platform.defer_push):
// no page shown, no single step. Stepped as before when not emulating or when the platform cannot.
TEST_P(FollowTest, PushOfInitializedMemoryIsEmulatedAndItsStackWriteDeferred)
{
	auto *word = reinterpret_cast<uint64_t *>(mem(3800));
	*word = 0x1122334455667788;
	init(word, sizeof(*word));
	EXPECT_EQ(run(as_case(kmt_case_push_mem), reinterpret_cast<uint64_t>(word), 0, 0, {}), 1u);
	const auto &c = m_twin.cpu().counters;
	if (GetParam()) {
		EXPECT_EQ(c.pushes_deferred, 1u);
		EXPECT_EQ(m_twin.counters().push_traps, 1u);
		EXPECT_EQ(m_twin.counters().trap, 0u) << "nothing stepped";
		EXPECT_EQ(m_twin.counters().shows, 0u) << "no page shown";
	} else {
		EXPECT_EQ(c.pushes_deferred, 0u);
		EXPECT_GE(m_twin.counters().trap, 1u);
	}
	*word = 0;
	EXPECT_EQ(run(as_case(kmt_case_push_mem), reinterpret_cast<uint64_t>(word), 0, 0, {}), 0u);
}

TEST_P(FollowTest, PushThatCannotBeDeferredIsStepped)
{
	auto *word = reinterpret_cast<uint64_t *>(mem(3808));
	*word = 5;
	init(word, sizeof(*word));
	m_twin.refuse_push(true);
	EXPECT_EQ(run(as_case(kmt_case_push_mem), reinterpret_cast<uint64_t>(word), 0, 0, {}), 1u);
	m_twin.refuse_push(false);
	EXPECT_EQ(m_twin.cpu().counters.pushes_deferred, 0u);
	EXPECT_EQ(m_twin.counters().push_traps, 0u);
	EXPECT_GE(m_twin.counters().trap, 1u);
}

// Uninitialized bytes pushed are not deferred: they go to a stack slot (kmt_slots.h), which the
// POP reloads, and the branch on them is reported.
TEST_P(FollowTest, PushOfUninitializedMemoryIsFollowedThroughTheStackToTheBranch)
{
	auto *word = reinterpret_cast<uint64_t *>(mem(3816));
	*word = 9;
	run(as_case(kmt_case_push_mem), reinterpret_cast<uint64_t>(word), 0, 0,
	    { { KMT_ERR_UNINIT_USE, "kmt_case_push_mem", "kmt_case_push_mem" } });
	EXPECT_EQ(m_twin.cpu().counters.pushes_deferred, 0u);
	EXPECT_EQ(m_twin.counters().push_traps, 0u);
}

TEST_P(FollowTest, StructCopiedToALocalThenToUserLeaksOnlyTheUninitializedField)
{
	// local = *src goes through registers to the (untracked) stack; the byte loop reloads it from
	// there (kmt_slots.h) and stores it to user memory: the uninitialized field leaks.
	auto *src = reinterpret_cast<kmt_pair *>(mem(3300));
	src->a = 5;
	init(&src->a, sizeof(src->a));
	char *user = reinterpret_cast<char *>(m_twin.user());
	run(as_case(kmt_case_copy_to_user), reinterpret_cast<uint64_t>(user), reinterpret_cast<uint64_t>(src), 0,
	    { { KMT_ERR_INFOLEAK, "kmt_case_copy_to_user", "kmt_case_copy_to_user" } });
	EXPECT_EQ(std::memcmp(user, src, sizeof(*src)), 0);
}

TEST_P(FollowTest, StructCopiedToALocalThenToUserIsSilentWhenInitialized)
{
	auto *src = reinterpret_cast<kmt_pair *>(mem(3400));
	src->a = 5;
	src->b = 6;
	init(src, sizeof(*src));
	char *user = reinterpret_cast<char *>(m_twin.user());
	run(as_case(kmt_case_copy_to_user), reinterpret_cast<uint64_t>(user), reinterpret_cast<uint64_t>(src), 0, {});
	EXPECT_EQ(std::memcmp(user, src, sizeof(*src)), 0);
}

TEST_P(FollowTest, FieldsReadIntoALocalThenCopiedOutByACalleeLeakTheUninitializedOne)
{
	// As a kernel function that fills a local from an object and passes it to copy_to_user():
	// the window goes on while the stack slot is live, into the callee's copy.
	auto *o = reinterpret_cast<kmt_triple *>(mem(3500));
	o->id = 1;
	o->flags = 2;
	init(&o->id, sizeof(o->id));
	init(&o->flags, sizeof(o->flags));
	char *user = reinterpret_cast<char *>(m_twin.user());
	run(as_case(kmt_case_stack_copy_out), reinterpret_cast<uint64_t>(user), reinterpret_cast<uint64_t>(o), 0,
	    { { KMT_ERR_INFOLEAK, "kmt_case_copy_out", "kmt_case_stack_copy_out" } });
}

TEST_P(FollowTest, PartialWordCompareOfTheInitializedHalfIsSilent)
{
	auto *p = reinterpret_cast<uint64_t *>(mem(4000));
	*p = 0x1234567800000042ull;
	init(p, 4);
	EXPECT_EQ(run(as_case(kmt_case_partial_compare), reinterpret_cast<uint64_t>(p), 0x42, 0, {}), 1u);
}

TEST_P(FollowTest, ValuePassedToACalleeIsReportedWhereTheCalleeBranches)
{
	auto *p = reinterpret_cast<kmt_pair *>(mem(5000));
	init(&p->a, sizeof(p->a));
	run(as_case(kmt_case_pass_to_callee), reinterpret_cast<uint64_t>(p), 0, 0,
	    { { KMT_ERR_UNINIT_USE, "kmt_case_callee", "kmt_case_pass_to_callee" } });
}

TEST_P(FollowTest, LoopCountFromUninitializedMemoryIsReportedAtTheLoopTest)
{
	auto *p = reinterpret_cast<kmt_pair *>(mem(6000));
	p->b = 3; // the value is there, but never written as far as the shadow knows
	uint8_t data[64] = {};
	run(as_case(kmt_case_loop_count), reinterpret_cast<uint64_t>(p), reinterpret_cast<uint64_t>(data), 0,
	    { { KMT_ERR_UNINIT_USE, "kmt_case_loop_count", "kmt_case_loop_count" } });
}

TEST_P(FollowTest, UninitializedBytesLoadedAndNeverUsedAreNotReported)
{
	auto *p = reinterpret_cast<uint64_t *>(mem(7000));
	init(p, 4);
	run(as_case(kmt_case_load_unused), reinterpret_cast<uint64_t>(p), 0, 0, {});
}

TEST_P(FollowTest, WithFollowingOffTheLoadItselfIsReported)
{
	auto *p = reinterpret_cast<uint64_t *>(mem(7100));
	init(p, 4);
	m_twin.arm(KMT_REP_MODE_BATCH, 0, GetParam());
	kmt_follow_drive(reinterpret_cast<uint64_t (*)(uint64_t, uint64_t, uint64_t)>(as_case(kmt_case_load_unused)),
			 reinterpret_cast<uint64_t>(p), 0, 0);
	m_twin.disarm();
	ASSERT_EQ(m_twin.reports().size(), 1u);
	EXPECT_EQ(m_twin.reports()[0].kind, static_cast<uint32_t>(KMT_ERR_UNINIT_READ));
	EXPECT_EQ(function_at(m_twin.reports()[0].rip), "kmt_case_load_unused");
}

// Every case twice: stepped (the pages shown for each access), and emulated in the handler
// (platform.cmpxchg: the pages stay hidden; windows run by emulation where they can).
INSTANTIATE_TEST_SUITE_P(StepOrEmulate, FollowTest, ::testing::Values(false, true),
			 [](const ::testing::TestParamInfo<bool> &info) { return info.param ? "emulated" : "stepped"; });

} // namespace
} // namespace twin
