// Unit tests of kmt_shadow.h: every operation against a one-byte-per-state reference model,
// on ranges that start and end at every phase, cross pages, and touch an untracked page.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kmt_shadow.h"

namespace {

constexpr uint64_t k_base = 0x40000000;   // first page of the fake address space
constexpr unsigned k_pages = 5;           // pages k_base .. k_base + 5 pages
constexpr unsigned k_untracked_page = 3;  // this one has no shadow block
constexpr uint8_t k_untracked = KMT_SHADOW_UNTRACKED;

struct Fixture {
	kmt_shadow_block blocks[k_pages];
	std::vector<uint8_t> model; // one state per byte, k_untracked on the untracked page
	kmt_shadow_map map = {};

	Fixture() : model(k_pages * KMT_PAGE_SIZE)
	{
		for (auto &b : blocks)
			kmt_shadow_block_init(&b, KMT_SHADOW_UNALLOCATED);
		for (size_t i = 0; i < model.size(); i++)
			model[i] = i / KMT_PAGE_SIZE == k_untracked_page ? k_untracked : KMT_SHADOW_UNALLOCATED;
		map.lookup = [](void *ctx, uint64_t page) -> kmt_shadow_block * {
			auto *self = static_cast<Fixture *>(ctx);
			EXPECT_EQ(page % KMT_PAGE_SIZE, 0u);
			if (page < k_base || page >= k_base + k_pages * KMT_PAGE_SIZE)
				return nullptr;
			unsigned index = static_cast<unsigned>((page - k_base) / KMT_PAGE_SIZE);
			return index == k_untracked_page ? nullptr : &self->blocks[index];
		};
		map.ctx = this;
	}

	void model_set(uint64_t off, uint64_t len, uint8_t state)
	{
		for (uint64_t i = off; i < off + len; i++)
			if (model[i] != k_untracked)
				model[i] = state;
	}

	void expect_matches_model(const char *what)
	{
		for (size_t i = 0; i < model.size(); i++) {
			ASSERT_EQ(kmt_shadow_get(&map, k_base + i), model[i]) << what << " at byte " << i;
		}
	}
};

TEST(Shadow, FreshBlocksAreUnallocatedAndOutsideIsUntracked)
{
	Fixture f;
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base), KMT_SHADOW_UNALLOCATED);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + k_untracked_page * KMT_PAGE_SIZE + 5), KMT_SHADOW_UNTRACKED);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base - 1), KMT_SHADOW_UNTRACKED);
}

TEST(Shadow, SetEveryPhaseAndLength)
{
	for (uint64_t start = 4090; start < 4100; start++) {
		for (uint64_t len = 0; len < 40; len++) {
			Fixture f;
			kmt_shadow_set(&f.map, k_base + start, len, KMT_SHADOW_UNINIT);
			f.model_set(start, len, KMT_SHADOW_UNINIT);
			f.expect_matches_model("set");
		}
	}
}

TEST(Shadow, SetAcrossUntrackedPageSkipsIt)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base + 100, 4 * KMT_PAGE_SIZE, KMT_SHADOW_INIT);
	f.model_set(100, 4 * KMT_PAGE_SIZE, KMT_SHADOW_INIT);
	f.expect_matches_model("set across untracked");
}

TEST(Shadow, CheckFindsFirstAndLastBadByte)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base, k_pages * KMT_PAGE_SIZE, KMT_SHADOW_INIT);
	uint64_t bad = 0;
	kmt_shadow_state state = KMT_SHADOW_INIT;
	EXPECT_EQ(kmt_shadow_check(&f.map, k_base, k_pages * KMT_PAGE_SIZE, &bad, &state), 0);
	EXPECT_EQ(kmt_shadow_check_last(&f.map, k_base, k_pages * KMT_PAGE_SIZE, &bad, &state), 0);

	kmt_shadow_set(&f.map, k_base + 5000, 3, KMT_SHADOW_FREED);
	kmt_shadow_set(&f.map, k_base + 9001, 1, KMT_SHADOW_UNALLOCATED);
	ASSERT_EQ(kmt_shadow_check(&f.map, k_base + 1, 3 * KMT_PAGE_SIZE, &bad, &state), 1);
	EXPECT_EQ(bad, k_base + 5000);
	EXPECT_EQ(state, KMT_SHADOW_FREED);
	ASSERT_EQ(kmt_shadow_check_last(&f.map, k_base + 1, 3 * KMT_PAGE_SIZE, &bad, &state), 1);
	EXPECT_EQ(bad, k_base + 9001);
	EXPECT_EQ(state, KMT_SHADOW_UNALLOCATED);
	EXPECT_EQ(kmt_shadow_check(&f.map, k_base + 5003, 9001 - 5003, &bad, &state), 0);
	EXPECT_EQ(kmt_shadow_check(&f.map, k_base + 5002, 1, nullptr, nullptr), 1);
}

TEST(Shadow, CheckEveryPositionOfOneBadByte)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base, 2 * KMT_PAGE_SIZE, KMT_SHADOW_INIT);
	for (uint64_t pos = 4000; pos < 4200; pos++) {
		kmt_shadow_set(&f.map, k_base + pos, 1, KMT_SHADOW_UNINIT);
		for (uint64_t start : {pos - 70, pos - 33, pos - 32, pos - 3, pos}) {
			uint64_t bad = 0;
			kmt_shadow_state state = KMT_SHADOW_INIT;
			ASSERT_EQ(kmt_shadow_check(&f.map, k_base + start, pos - start + 40, &bad, &state), 1);
			EXPECT_EQ(bad, k_base + pos);
			EXPECT_EQ(state, KMT_SHADOW_UNINIT);
			ASSERT_EQ(kmt_shadow_check_last(&f.map, k_base + start, pos - start + 40, &bad, &state), 1);
			EXPECT_EQ(bad, k_base + pos);
			EXPECT_EQ(kmt_shadow_check(&f.map, k_base + start, pos - start, &bad, &state), 0);
			EXPECT_EQ(kmt_shadow_check_last(&f.map, k_base + start, pos - start, &bad, &state), 0);
		}
		kmt_shadow_set(&f.map, k_base + pos, 1, KMT_SHADOW_INIT);
	}
}

// Checks of 1 to 8 bytes (every emulated access) take a shortcut that reads the states of a
// 4-byte window at once: every phase, every length, one bad byte at each place in and around the
// range, at the end of a page (the window's last shadow bytes) and across a page boundary.
TEST(Shadow, CheckOfOneToEightBytesEveryPhaseAndPlace)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base, 2 * KMT_PAGE_SIZE, KMT_SHADOW_INIT);
	constexpr uint64_t k_page = KMT_PAGE_SIZE;
	for (uint64_t start : {uint64_t{64}, uint64_t{65}, uint64_t{66}, uint64_t{67}, uint64_t{68}, uint64_t{71},
			       k_page - 8, k_page - 5, k_page - 3, k_page - 1}) {
		for (uint64_t len = 1; len <= 8; len++) {
			uint64_t bad = 0;
			kmt_shadow_state state = KMT_SHADOW_INIT;
			ASSERT_EQ(kmt_shadow_check(&f.map, k_base + start, len, &bad, &state), 0) << start << "+" << len;
			for (uint64_t pos = start - 4; pos < start + len + 4; pos++) {
				for (kmt_shadow_state s : {KMT_SHADOW_UNINIT, KMT_SHADOW_UNALLOCATED, KMT_SHADOW_FREED}) {
					kmt_shadow_set(&f.map, k_base + pos, 1, s);
					const int inside = pos >= start && pos < start + len;
					ASSERT_EQ(kmt_shadow_check(&f.map, k_base + start, len, &bad, &state), inside)
						<< start << "+" << len << ", bad byte at " << pos;
					if (inside) {
						EXPECT_EQ(bad, k_base + pos);
						EXPECT_EQ(state, s);
					}
					kmt_shadow_set(&f.map, k_base + pos, 1, KMT_SHADOW_INIT);
				}
			}
		}
	}
}

TEST(Shadow, CheckIgnoresUntrackedPage)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base + 2 * KMT_PAGE_SIZE, 3 * KMT_PAGE_SIZE, KMT_SHADOW_INIT);
	kmt_shadow_set(&f.map, k_base + 4 * KMT_PAGE_SIZE + 7, 1, KMT_SHADOW_UNINIT);
	uint64_t bad = 0;
	EXPECT_EQ(kmt_shadow_check(&f.map, k_base + 3 * KMT_PAGE_SIZE, KMT_PAGE_SIZE + 7, &bad, nullptr), 0);
	EXPECT_EQ(kmt_shadow_check(&f.map, k_base + 3 * KMT_PAGE_SIZE, KMT_PAGE_SIZE + 8, &bad, nullptr), 1);
	EXPECT_EQ(bad, k_base + 4 * KMT_PAGE_SIZE + 7);
}

// Random patterns, random copies of every phase pair, overlapping both ways, across pages and
// across the untracked page: the result must be exactly memmove on the model.
TEST(Shadow, CopyMatchesMemmoveOnModel)
{
	std::mt19937_64 rng(42);
	Fixture f;
	for (int round = 0; round < 3000; round++) {
		if (round % 50 == 0) {
			for (size_t i = 0; i < f.model.size(); i += 1 + rng() % 64) {
				size_t len = 1 + rng() % 64;
				uint8_t state = static_cast<uint8_t>(rng() % 4);
				len = std::min(len, f.model.size() - i);
				kmt_shadow_set(&f.map, k_base + i, len, static_cast<kmt_shadow_state>(state));
				f.model_set(i, len, state);
			}
		}
		const uint64_t total = f.model.size();
		uint64_t len = rng() % 3 == 0 ? rng() % 9000 : rng() % 100;
		uint64_t src = rng() % (total - len + 1);
		uint64_t dst = rng() % 2 ? rng() % (total - len + 1)
					 : std::min<uint64_t>(total - len, src + rng() % 20 - std::min<uint64_t>(src, 10));
		kmt_shadow_copy(&f.map, k_base + dst, k_base + src, len);
		std::vector<uint8_t> before = f.model;
		for (uint64_t i = 0; i < len; i++) {
			uint8_t s = before[src + i];
			if (f.model[dst + i] != k_untracked)
				f.model[dst + i] = s == k_untracked ? KMT_SHADOW_INIT : s;
		}
		f.expect_matches_model("copy");
		if (HasFatalFailure()) {
			ADD_FAILURE() << "round " << round << " dst " << dst << " src " << src << " len " << len;
			return;
		}
	}
}

TEST(Shadow, SnapshotIsAlignedWindow)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base + 70, 3, KMT_SHADOW_FREED);
	uint8_t states[KMT_SHADOW_SNAPSHOT_LEN];
	EXPECT_EQ(kmt_shadow_snapshot(&f.map, k_base + 71, states), k_base + 64);
	for (unsigned i = 0; i < KMT_SHADOW_SNAPSHOT_LEN; i++)
		EXPECT_EQ(states[i], (i >= 6 && i < 9) ? KMT_SHADOW_FREED : KMT_SHADOW_UNALLOCATED) << i;
	EXPECT_EQ(kmt_shadow_snapshot(&f.map, k_base + k_untracked_page * KMT_PAGE_SIZE + 40, states),
		  k_base + k_untracked_page * KMT_PAGE_SIZE + 32);
	for (unsigned i = 0; i < KMT_SHADOW_SNAPSHOT_LEN; i++)
		EXPECT_EQ(states[i], KMT_SHADOW_UNTRACKED);
}

// Bit-level loads and stores (register shadow), and partial bytes.
TEST(ShadowBits, LoadAndStoreBitsByByte)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base, 16, KMT_SHADOW_INIT);
	kmt_shadow_set(&f.map, k_base + 2, 1, KMT_SHADOW_UNINIT);
	kmt_shadow_set(&f.map, k_base + 5, 1, KMT_SHADOW_UNALLOCATED);
	uint8_t unalloc = 0;
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base, 8, &unalloc, nullptr), 0x0000ff0000ff0000ull);
	EXPECT_EQ(unalloc, 1u << 5);
	// A store of a value with byte 1 half initialized and byte 3 fully uninitialized from
	// unallocated memory.
	kmt_shadow_store_bits(&f.map, k_base + 8, 4, 0xff00f000ull, 1u << 3);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 8), KMT_SHADOW_INIT);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 9), KMT_SHADOW_UNINIT);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 10), KMT_SHADOW_INIT);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 11), KMT_SHADOW_UNALLOCATED);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 8, 4, &unalloc, nullptr), 0xff00f000ull);
	EXPECT_EQ(unalloc, 1u << 3);
	// An 8-byte load across the untracked page: those bytes are initialized.
	const uint64_t edge = k_base + k_untracked_page * KMT_PAGE_SIZE - 4;
	kmt_shadow_set(&f.map, edge, 4, KMT_SHADOW_UNINIT);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, edge, 8, nullptr, nullptr), 0xffffffffull);
}

TEST(ShadowBits, PartialBytesFollowSetAndCopy)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base, 4096, KMT_SHADOW_INIT);
	kmt_shadow_store_bits(&f.map, k_base + 100, 1, 0x0e, 0); // bits 1-3 uninitialized
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 100, 1, nullptr, nullptr), 0x0eu);
	// A copy takes the partial byte along, overlapping forward and backward.
	kmt_shadow_copy(&f.map, k_base + 103, k_base + 99, 8);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 104, 1, nullptr, nullptr), 0x0eu);
	kmt_shadow_copy(&f.map, k_base + 98, k_base + 103, 8);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 99, 1, nullptr, nullptr), 0x0eu);
	// To another page.
	kmt_shadow_copy(&f.map, k_base + KMT_PAGE_SIZE + 7, k_base + 99, 1);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + KMT_PAGE_SIZE + 7, 1, nullptr, nullptr), 0x0eu);
	// Setting a range forgets its partial bytes.
	kmt_shadow_set(&f.map, k_base + 96, 16, KMT_SHADOW_UNINIT);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 99, 1, nullptr, nullptr), 0xffu);
	kmt_shadow_set(&f.map, k_base + 96, 16, KMT_SHADOW_INIT);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 104, 1, nullptr, nullptr), 0u);
}

TEST(ShadowBits, NoRoomForAPartialByteMeansInitialized)
{
	Fixture f;
	kmt_shadow_set(&f.map, k_base, 4096, KMT_SHADOW_INIT);
	for (unsigned i = 0; i < KMT_SHADOW_PARTIAL_SLOTS; i++)
		kmt_shadow_store_bits(&f.map, k_base + 2 * i, 1, 0x01, 0);
	kmt_shadow_store_bits(&f.map, k_base + 1000, 1, 0x01, 0);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 1000), KMT_SHADOW_INIT); // a miss, never a false report
	for (unsigned i = 0; i < KMT_SHADOW_PARTIAL_SLOTS; i++)
		EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 2 * i, 1, nullptr, nullptr), 0x01u) << i;
	// A fully initialized store frees the slot.
	kmt_shadow_store_bits(&f.map, k_base, 1, 0, 0);
	kmt_shadow_store_bits(&f.map, k_base + 1000, 1, 0x80, 0);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 1000, 1, nullptr, nullptr), 0x80u);
}


// Quiet pages (kmt_shadow.h): a block marked quiet is woken (map.wake) by every write that may
// leave one of its bytes not initialized, and by nothing else; the wake clears quiet, as the glue's.
struct QuietFixture : Fixture {
	std::vector<uint64_t> woken; // page of each wake call
	bool wake_clears = true;

	QuietFixture()
	{
		map.wake = [](void *ctx, uint64_t page, kmt_shadow_block *block) {
			auto *self = static_cast<QuietFixture *>(ctx);
			EXPECT_EQ(page % KMT_PAGE_SIZE, 0u);
			EXPECT_EQ(block, &self->blocks[(page - k_base) / KMT_PAGE_SIZE]);
			EXPECT_NE(block->quiet, 0u) << "woken while not quiet";
			self->woken.push_back(page);
			if (self->wake_clears)
				block->quiet = 0;
		};
		for (unsigned i = 0; i < k_pages; i++) {
			if (i == k_untracked_page)
				continue;
			kmt_shadow_set(&map, k_base + i * KMT_PAGE_SIZE, KMT_PAGE_SIZE, KMT_SHADOW_INIT);
		}
	}
	uint64_t page(unsigned i) const { return k_base + i * KMT_PAGE_SIZE; }
	void quiet(unsigned i) { blocks[i].quiet = 1; }
};

TEST(ShadowQuiet, AllInitMeansEveryByteInitializedAndNoPartialByte)
{
	QuietFixture f;
	EXPECT_TRUE(kmt_shadow_block_all_init(&f.blocks[0]));
	for (uint32_t off : {0u, 1u, 2u, 3u, 31u, 32u, 2047u, 4093u, 4095u}) {
		for (kmt_shadow_state s : {KMT_SHADOW_UNALLOCATED, KMT_SHADOW_UNINIT, KMT_SHADOW_FREED}) {
			kmt_shadow_set(&f.map, f.page(0) + off, 1, s);
			EXPECT_FALSE(kmt_shadow_block_all_init(&f.blocks[0])) << off << " state " << s;
			kmt_shadow_set(&f.map, f.page(0) + off, 1, KMT_SHADOW_INIT);
			EXPECT_TRUE(kmt_shadow_block_all_init(&f.blocks[0])) << off;
		}
	}
	kmt_shadow_store_bits(&f.map, f.page(0) + 100, 1, 0x0f, 0); // a bit-field half written
	EXPECT_FALSE(kmt_shadow_block_all_init(&f.blocks[0]));
	kmt_shadow_block_init(&f.blocks[0], KMT_SHADOW_INIT);
	EXPECT_TRUE(kmt_shadow_block_all_init(&f.blocks[0]));
	EXPECT_EQ(f.blocks[0].quiet, 0u);
}

TEST(ShadowQuiet, NoUninitAllowsFreedAndUnallocatedBytesOnly)
{
	QuietFixture f;
	EXPECT_TRUE(kmt_shadow_block_no_uninit(&f.blocks[0]));
	kmt_shadow_set(&f.map, f.page(0) + 64, 64, KMT_SHADOW_FREED);
	kmt_shadow_set(&f.map, f.page(0) + 200, 24, KMT_SHADOW_UNALLOCATED);
	EXPECT_TRUE(kmt_shadow_block_no_uninit(&f.blocks[0]));
	EXPECT_FALSE(kmt_shadow_block_all_init(&f.blocks[0]));
	// One UNINIT byte anywhere, in any of the four cells of a shadow byte, among any neighbours.
	for (uint32_t off : {0u, 1u, 2u, 3u, 65u, 66u, 127u, 201u, 2047u, 4092u, 4095u}) {
		const kmt_shadow_state before = kmt_shadow_get(&f.map, f.page(0) + off);
		kmt_shadow_set(&f.map, f.page(0) + off, 1, KMT_SHADOW_UNINIT);
		EXPECT_FALSE(kmt_shadow_block_no_uninit(&f.blocks[0])) << off;
		kmt_shadow_set(&f.map, f.page(0) + off, 1, before);
		EXPECT_TRUE(kmt_shadow_block_no_uninit(&f.blocks[0])) << off;
	}
	kmt_shadow_store_bits(&f.map, f.page(0) + 100, 1, 0x0f, 0); // a bit-field half written
	EXPECT_FALSE(kmt_shadow_block_no_uninit(&f.blocks[0]));
	kmt_shadow_store_bits(&f.map, f.page(0) + 100, 1, 0, 0);
	EXPECT_TRUE(kmt_shadow_block_no_uninit(&f.blocks[0]));
	kmt_shadow_block_init(&f.blocks[0], KMT_SHADOW_UNINIT);
	EXPECT_FALSE(kmt_shadow_block_no_uninit(&f.blocks[0]));
	kmt_shadow_block_init(&f.blocks[0], KMT_SHADOW_FREED);
	EXPECT_TRUE(kmt_shadow_block_no_uninit(&f.blocks[0]));
}

TEST(ShadowQuiet, ChangesCountStateChangesNotRewrites)
{
	QuietFixture f;
	const uint64_t a = f.page(0) + 96;
	uint32_t c = f.blocks[0].changes;
	// Byte stores of initialized data over initialized bytes: no state changes.
	kmt_shadow_store_bits(&f.map, a, 8, 0, 0);
	kmt_shadow_store_bits(&f.map, a + 3, 2, 0, 0);
	EXPECT_EQ(f.blocks[0].changes, c);
	const uint32_t other = f.blocks[1].changes;
	// Each kind of change moves the count: one byte uninitialized, then initialized again...
	kmt_shadow_store_bits(&f.map, a + 5, 1, 0xff, 0);
	EXPECT_NE(f.blocks[0].changes, c);
	c = f.blocks[0].changes;
	kmt_shadow_store_bits(&f.map, a + 5, 1, 0, 0);
	EXPECT_NE(f.blocks[0].changes, c);
	// ... a range set (an allocation, a free), even of the same state, and an unaligned one ...
	for (kmt_shadow_state s : {KMT_SHADOW_FREED, KMT_SHADOW_UNALLOCATED, KMT_SHADOW_INIT, KMT_SHADOW_INIT}) {
		c = f.blocks[0].changes;
		kmt_shadow_set(&f.map, a, 64, s);
		EXPECT_NE(f.blocks[0].changes, c) << s;
	}
	c = f.blocks[0].changes;
	kmt_shadow_set(&f.map, a + 1, 2, KMT_SHADOW_FREED);
	EXPECT_NE(f.blocks[0].changes, c);
	// ... and copies that bring other states, of any phase and length, both directions.
	for (uint32_t len : {1u, 3u, 4u, 8u, 13u, 64u})
		for (uint32_t sph : {0u, 1u, 2u, 3u})
			for (uint32_t dph : {0u, 1u, 2u, 3u}) {
				kmt_shadow_set(&f.map, a + dph, len, KMT_SHADOW_FREED);
				kmt_shadow_set(&f.map, f.page(0) + 1024, 256, KMT_SHADOW_INIT);
				c = f.blocks[0].changes;
				kmt_shadow_copy(&f.map, a + dph, f.page(0) + 1024 + sph, len);
				EXPECT_NE(f.blocks[0].changes, c) << len << " " << sph << " " << dph;
				kmt_shadow_set(&f.map, a + 16, 16, KMT_SHADOW_INIT);
				kmt_shadow_set(&f.map, a + 32 + dph, len, KMT_SHADOW_FREED);
				c = f.blocks[0].changes;
				kmt_shadow_copy(&f.map, a + 32 + dph, a + 24 + sph, len); // may overlap: backward
				EXPECT_NE(f.blocks[0].changes, c) << len << " " << sph << " " << dph;
			}
	EXPECT_EQ(f.blocks[1].changes, other);
	kmt_shadow_block_init(&f.blocks[0], KMT_SHADOW_INIT);
	EXPECT_EQ(f.blocks[0].changes, 0u);
}

TEST(ShadowQuiet, StatesOtherThanInitWakeTheirPagesOnly)
{
	for (kmt_shadow_state s : {KMT_SHADOW_UNALLOCATED, KMT_SHADOW_UNINIT, KMT_SHADOW_FREED}) {
		QuietFixture f;
		f.quiet(0);
		f.quiet(1);
		f.quiet(2);
		// 8 bytes across the end of page 0 into page 1; page 2 untouched.
		kmt_shadow_set(&f.map, f.page(1) - 4, 8, s);
		EXPECT_EQ(f.woken, (std::vector<uint64_t>{f.page(0), f.page(1)})) << "state " << s;
		EXPECT_EQ(f.blocks[0].quiet, 0u);
		EXPECT_EQ(f.blocks[1].quiet, 0u);
		EXPECT_EQ(f.blocks[2].quiet, 1u);
		EXPECT_EQ(kmt_shadow_get(&f.map, f.page(1) - 4), s);
	}
}

TEST(ShadowQuiet, InitializedWritesAndCopiesLeaveItQuiet)
{
	QuietFixture f;
	f.quiet(0);
	f.quiet(1);
	kmt_shadow_set(&f.map, f.page(0) + 10, 100, KMT_SHADOW_INIT);
	kmt_shadow_copy(&f.map, f.page(0) + 200, f.page(1) + 7, 300);             // initialized source
	kmt_shadow_copy(&f.map, f.page(1) + 5, f.page(k_untracked_page) + 9, 64);  // untracked source
	kmt_shadow_store_bits(&f.map, f.page(0) + 40, 8, 0, 0);                    // clean register bits
	// Uninitialized bytes elsewhere are copied to an untracked page or within a page that is not quiet.
	kmt_shadow_set(&f.map, f.page(2), 64, KMT_SHADOW_UNINIT);
	kmt_shadow_copy(&f.map, f.page(2) + 100, f.page(2), 64);
	kmt_shadow_copy(&f.map, f.page(k_untracked_page), f.page(2), 64);
	EXPECT_TRUE(f.woken.empty());
	EXPECT_EQ(f.blocks[0].quiet, 1u);
	EXPECT_EQ(f.blocks[1].quiet, 1u);
}

TEST(ShadowQuiet, CopiesAndStoresOfUninitializedBitsWakeTheDestination)
{
	QuietFixture f;
	kmt_shadow_set(&f.map, f.page(2) + 64, 1, KMT_SHADOW_FREED);
	f.quiet(0);
	kmt_shadow_copy(&f.map, f.page(0) + 8, f.page(2), 128); // one freed byte in the source
	EXPECT_EQ(f.woken, (std::vector<uint64_t>{f.page(0)}));
	EXPECT_EQ(kmt_shadow_get(&f.map, f.page(0) + 8 + 64), KMT_SHADOW_FREED);

	// A partial byte (bit-field) in the source, every state INIT.
	f.woken.clear();
	kmt_shadow_set(&f.map, f.page(2), 128, KMT_SHADOW_INIT);
	kmt_shadow_store_bits(&f.map, f.page(2) + 3, 1, 0x30, 0);
	f.quiet(1);
	kmt_shadow_copy(&f.map, f.page(1), f.page(2), 16);
	EXPECT_EQ(f.woken, (std::vector<uint64_t>{f.page(1)}));
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, f.page(1) + 3, 1, nullptr, nullptr), 0x30u);

	// Uninitialized register bits stored into a quiet page.
	f.woken.clear();
	f.quiet(4);
	kmt_shadow_store_bits(&f.map, f.page(4) + 16, 4, 0xff000000ull, 0);
	EXPECT_EQ(f.woken, (std::vector<uint64_t>{f.page(4)}));
	EXPECT_EQ(kmt_shadow_get(&f.map, f.page(4) + 19), KMT_SHADOW_UNINIT);
}

// The write looks at quiet again after its store (the look that sees a block made quiet meanwhile by
// another CPU): with a wake that leaves quiet set, it is called before and after each write.
TEST(ShadowQuiet, AWriteLooksAgainAfterItsStore)
{
	QuietFixture f;
	f.wake_clears = false;
	f.quiet(0);
	kmt_shadow_set(&f.map, k_base + 8, 8, KMT_SHADOW_UNINIT);
	EXPECT_EQ(f.woken.size(), 2u);
	f.woken.clear();
	kmt_shadow_store_bits(&f.map, k_base + 8, 1, 0x01, 0);
	EXPECT_EQ(f.woken.size(), 2u);
	f.woken.clear();
	kmt_shadow_set(&f.map, k_base + 8, 8, KMT_SHADOW_INIT);
	EXPECT_TRUE(f.woken.empty());
}
} // namespace

namespace {

// A page's bytes before and after a window in which kmemtrap could not see writes to it.
struct SettleFixture : Fixture {
	std::vector<uint8_t> before, after;
	SettleFixture() : before(KMT_PAGE_SIZE), after(KMT_PAGE_SIZE)
	{
		std::mt19937 rng(7);
		for (auto &b : before)
			b = static_cast<uint8_t>(rng());
		after = before;
	}
	uint32_t settle() { return kmt_shadow_block_settle_written(&blocks[0], before.data(), after.data()); }
};

} // namespace

TEST(ShadowSettle, OnlyChangedUninitializedBytesBecomeInitialized)
{
	SettleFixture f;
	// An object of 256 uninitialized bytes among freed, unallocated and initialized ones.
	kmt_shadow_set(&f.map, k_base + 256, 256, KMT_SHADOW_UNINIT);
	f.model_set(256, 256, KMT_SHADOW_UNINIT);
	kmt_shadow_set(&f.map, k_base + 1024, 64, KMT_SHADOW_FREED);
	f.model_set(1024, 64, KMT_SHADOW_FREED);
	kmt_shadow_set(&f.map, k_base + 2048, 64, KMT_SHADOW_INIT);
	f.model_set(2048, 64, KMT_SHADOW_INIT);
	// Written meanwhile: bytes of every phase of the object, and bytes of every other state.
	uint32_t expected = 0;
	for (uint32_t off : {256u, 257u, 300u, 301u, 302u, 303u, 304u, 511u}) {
		f.after[off] ^= 0x5a;
		f.model_set(off, 1, KMT_SHADOW_INIT);
		expected++;
	}
	for (uint32_t off : {0u, 255u, 512u, 1024u, 1087u, 2048u, 4095u})
		f.after[off] ^= 0xff;
	const uint64_t before_changes = f.blocks[0].changes;
	EXPECT_EQ(f.settle(), expected);
	f.expect_matches_model("after settling");
	EXPECT_NE(f.blocks[0].changes, before_changes);
	// Nothing changed: nothing more to do, and no state change counted.
	f.before = f.after;
	const uint64_t changes = f.blocks[0].changes;
	EXPECT_EQ(f.settle(), 0u);
	EXPECT_EQ(f.blocks[0].changes, changes);
	f.expect_matches_model("settled twice");
}

TEST(ShadowSettle, AChangedPartialByteBecomesInitializedAndAnUnchangedOneStaysPartial)
{
	SettleFixture f;
	kmt_shadow_set(&f.map, k_base + 64, 8, KMT_SHADOW_INIT);
	kmt_shadow_store_bits(&f.map, k_base + 64, 2, 0x0ff0, 0); // two bit-fields half written
	f.after[64] ^= 0x01;
	EXPECT_EQ(f.settle(), 1u);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 64), KMT_SHADOW_INIT);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 64, 2, nullptr, nullptr), 0x0f00u);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 65), KMT_SHADOW_UNINIT);
	// Byte 64's partial slot is free again; byte 65 keeps its own.
	int slots = 0;
	for (uint16_t off : f.blocks[0].partial_off)
		slots += off != KMT_SHADOW_PARTIAL_NONE;
	EXPECT_EQ(slots, 1);
}

TEST(ShadowSettle, AByteWrittenWithTheValueItHadStaysUninitialized)
{
	SettleFixture f;
	kmt_shadow_set(&f.map, k_base, KMT_PAGE_SIZE, KMT_SHADOW_UNINIT);
	EXPECT_EQ(f.settle(), 0u);
	EXPECT_EQ(kmt_shadow_count_bad(&f.map, k_base, KMT_PAGE_SIZE, nullptr), uint64_t{KMT_PAGE_SIZE});
	EXPECT_EQ(f.blocks[0].quiet, 0u);
}

TEST(ShadowForgetUntouched, AnObjectWithNoWriteSeenBecomesInitialized)
{
	Fixture f;
	// A new object of 100 bytes with 28 bytes of slack, among an initialized neighbour.
	kmt_shadow_set(&f.map, k_base + 128, 100, KMT_SHADOW_UNINIT);
	kmt_shadow_set(&f.map, k_base + 228, 28, KMT_SHADOW_UNALLOCATED);
	kmt_shadow_set(&f.map, k_base + 256, 64, KMT_SHADOW_INIT);
	f.model_set(128, 100, KMT_SHADOW_INIT);
	f.model_set(228, 28, KMT_SHADOW_UNALLOCATED);
	f.model_set(256, 64, KMT_SHADOW_INIT);
	EXPECT_EQ(kmt_shadow_block_forget_untouched(&f.blocks[0], 128, 128), 100u);
	f.expect_matches_model("after forgetting");
	EXPECT_EQ(kmt_shadow_block_forget_untouched(&f.blocks[0], 128, 128), 0u); // nothing left
}

TEST(ShadowForgetUntouched, AnObjectWithASeenWriteOrAFreedByteIsLeftAlone)
{
	for (kmt_shadow_state touched : {KMT_SHADOW_INIT, KMT_SHADOW_FREED}) {
		for (uint32_t at : {128u, 129u, 200u, 227u}) {
			Fixture f;
			kmt_shadow_set(&f.map, k_base + 128, 100, KMT_SHADOW_UNINIT);
			kmt_shadow_set(&f.map, k_base + 228, 28, KMT_SHADOW_UNALLOCATED);
			kmt_shadow_set(&f.map, k_base + at, 1, touched);
			EXPECT_EQ(kmt_shadow_block_forget_untouched(&f.blocks[0], 128, 128), 0u) << at;
			EXPECT_EQ(kmt_shadow_count_bad(&f.map, k_base + 128, 100, nullptr), 100u - (touched == KMT_SHADOW_INIT)) << at;
		}
	}
	// A bit-field written: touched too.
	Fixture f;
	kmt_shadow_set(&f.map, k_base + 128, 100, KMT_SHADOW_UNINIT);
	kmt_shadow_store_bits(&f.map, k_base + 150, 1, 0xf0, 0);
	EXPECT_EQ(kmt_shadow_block_forget_untouched(&f.blocks[0], 128, 100), 0u);
	EXPECT_EQ(kmt_shadow_load_bits(&f.map, k_base + 150, 1, nullptr, nullptr), 0xf0u);
	// Only slack: nothing to forget.
	EXPECT_EQ(kmt_shadow_block_forget_untouched(&f.blocks[0], 300, 28), 0u);
	EXPECT_EQ(kmt_shadow_get(&f.map, k_base + 300), KMT_SHADOW_UNALLOCATED);
}
