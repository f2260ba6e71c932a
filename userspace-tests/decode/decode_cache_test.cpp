// Unit tests of the decode cache (kmt_decode_cached(), emulate/decode_cache.cpp): it must give
// exactly what kmt_decode() gives for the bytes it is handed, whatever was cached at that address
// before (patched text, shorter readable length, collisions), and answer from the cache only
// when the instruction's bytes are unchanged.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

extern "C" {
#include "kmt_decode.h"
}

namespace {

struct Decoded {
	int status;
	kmt_insn insn;
	int hit;
};

Decoded cached(kmt_decode_cache *cache, uint64_t rip, const std::vector<uint8_t> &code, size_t len = 0)
{
	Decoded d{};
	d.status = kmt_decode_cached(cache, rip, code.data(), len ? len : code.size(), &d.insn, &d.hit);
	return d;
}

Decoded plain(const std::vector<uint8_t> &code, size_t len = 0)
{
	Decoded d{};
	d.status = kmt_decode(code.data(), len ? len : code.size(), &d.insn);
	return d;
}

void expect_same(const Decoded &a, const Decoded &b)
{
	EXPECT_EQ(a.status, b.status);
	EXPECT_EQ(0, std::memcmp(&a.insn, &b.insn, sizeof(a.insn)));
}

std::vector<uint8_t> padded(std::vector<uint8_t> v)
{
	v.resize(KMT_MAX_INSN_LEN, 0x90);
	return v;
}

const std::vector<uint8_t> k_load = padded({0x48, 0x8b, 0x47, 0x40});  // mov 0x40(%rdi),%rax
const std::vector<uint8_t> k_store = padded({0x48, 0x89, 0x47, 0x40}); // mov %rax,0x40(%rdi)
constexpr uint64_t k_rip = 0xffffffff81234567ull;

TEST(DecodeCache, SecondDecodeIsAHitWithTheSameResult)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	const Decoded first = cached(&cache, k_rip, k_load);
	EXPECT_EQ(0, first.hit);
	expect_same(first, plain(k_load));
	const Decoded second = cached(&cache, k_rip, k_load);
	EXPECT_EQ(1, second.hit);
	expect_same(second, plain(k_load));
}

TEST(DecodeCache, PatchedBytesAtTheSameAddressAreDecodedAgain)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	(void)cached(&cache, k_rip, k_load);
	const Decoded patched = cached(&cache, k_rip, k_store);
	EXPECT_EQ(0, patched.hit);
	expect_same(patched, plain(k_store));
	EXPECT_EQ(1, cached(&cache, k_rip, k_store).hit);
	// A kprobe's int3 on the first byte: decoded as what it is now, not what was cached.
	std::vector<uint8_t> int3 = k_store;
	int3[0] = 0xcc;
	const Decoded probed = cached(&cache, k_rip, int3);
	EXPECT_EQ(0, probed.hit);
	expect_same(probed, plain(int3));
}

TEST(DecodeCache, BytesAfterTheInstructionDoNotMatter)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	(void)cached(&cache, k_rip, k_load);
	std::vector<uint8_t> other_tail = k_load;
	other_tail[4] = 0x0f;
	other_tail[14] = 0xff;
	const Decoded d = cached(&cache, k_rip, other_tail);
	EXPECT_EQ(1, d.hit);
	expect_same(d, plain(other_tail));
}

// The cached bytes are compared as two overlapping words (4 or 8 bytes): a change of any one
// byte of an instruction of any length 1..15 is a miss, and a change just past it a hit.
TEST(DecodeCache, AnyChangedByteOfAnyLengthIsAMiss)
{
	static kmt_decode_cache cache;
	for (size_t n = 1; n <= KMT_MAX_INSN_LEN; n++) {
		// n-1 operand-size prefixes and a NOP: an n-byte instruction.
		std::vector<uint8_t> insn(n - 1, 0x66);
		insn.push_back(0x90);
		const std::vector<uint8_t> code = padded(insn);
		ASSERT_EQ(KMT_DECODE_OK, plain(code).status) << n;
		ASSERT_EQ(n, plain(code).insn.length);
		for (size_t i = 0; i <= n && i < KMT_MAX_INSN_LEN; i++) {
			kmt_decode_cache_clear(&cache);
			(void)cached(&cache, k_rip, code);
			std::vector<uint8_t> changed = code;
			changed[i] ^= 0x01; // 66 -> 67 (address size), 90 -> 91 (xchg), the tail 90 -> 91
			const Decoded d = cached(&cache, k_rip, changed);
			EXPECT_EQ(i < n ? 0 : 1, d.hit) << "length " << n << ", byte " << i;
			expect_same(d, plain(changed));
		}
	}
}

TEST(DecodeCache, UndecodableBytesFailAndDropTheEntry)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	(void)cached(&cache, k_rip, k_load);
	const std::vector<uint8_t> bad = padded({0x0f, 0x0b}); // ud2
	const Decoded d = cached(&cache, k_rip, bad);
	EXPECT_EQ(0, d.hit);
	expect_same(d, plain(bad));
	// The old entry is gone: the original bytes are decoded afresh.
	EXPECT_EQ(0, cached(&cache, k_rip, k_load).hit);
}

TEST(DecodeCache, FewerReadableBytesThanTheInstructionIsAMiss)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	(void)cached(&cache, k_rip, k_load);
	const Decoded d = cached(&cache, k_rip, k_load, 3);
	EXPECT_EQ(0, d.hit);
	expect_same(d, plain(k_load, 3));
	EXPECT_NE(KMT_DECODE_OK, d.status);
}

TEST(DecodeCache, NullCacheAndZeroAddressDecodeWithoutCaching)
{
	Decoded d = cached(nullptr, k_rip, k_load);
	EXPECT_EQ(0, d.hit);
	expect_same(d, plain(k_load));
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	(void)cached(&cache, 0, k_load);
	EXPECT_EQ(0, cached(&cache, 0, k_load).hit);
}

TEST(DecodeCache, ClearEmptiesIt)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	(void)cached(&cache, k_rip, k_load);
	kmt_decode_cache_clear(&cache);
	EXPECT_EQ(0, cached(&cache, k_rip, k_load).hit);
}

// Another address whose entries are @rip's set's (the cache has two ways per set).
uint64_t same_set(uint64_t rip, unsigned nth = 1)
{
	for (uint64_t other = rip + 1;; other++)
		if (kmt_decode_cache_set(other) == kmt_decode_cache_set(rip) && --nth == 0)
			return other;
}

TEST(DecodeCache, TwoAddressesOfOneSetAreBothKept)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	const uint64_t other = same_set(k_rip);
	(void)cached(&cache, k_rip, k_load);
	(void)cached(&cache, other, k_store);
	const Decoded a = cached(&cache, k_rip, k_load), b = cached(&cache, other, k_store);
	EXPECT_EQ(1, a.hit);
	EXPECT_EQ(1, b.hit);
	expect_same(a, plain(k_load));
	expect_same(b, plain(k_store));
}

TEST(DecodeCache, AThirdAddressOfASetReplacesTheLeastRecentlyUsed)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	const uint64_t second = same_set(k_rip), third = same_set(k_rip, 2);
	(void)cached(&cache, k_rip, k_load);
	(void)cached(&cache, second, k_store);
	EXPECT_EQ(1, cached(&cache, k_rip, k_load).hit); // the second is now the least recently used
	EXPECT_EQ(0, cached(&cache, third, k_load).hit);
	EXPECT_EQ(1, cached(&cache, k_rip, k_load).hit);
	EXPECT_EQ(1, cached(&cache, third, k_load).hit);
	EXPECT_EQ(0, cached(&cache, second, k_store).hit);
}

TEST(DecodeCache, PatchedBytesInEitherWayAreDecodedAgainWithoutLosingTheOther)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	const uint64_t other = same_set(k_rip);
	(void)cached(&cache, k_rip, k_load);
	(void)cached(&cache, other, k_load);
	const Decoded patched = cached(&cache, k_rip, k_store); // the first way, while the second is newer
	EXPECT_EQ(0, patched.hit);
	expect_same(patched, plain(k_store));
	EXPECT_EQ(1, cached(&cache, other, k_load).hit);
	EXPECT_EQ(1, cached(&cache, k_rip, k_store).hit);
	EXPECT_EQ(0, cached(&cache, k_rip, k_load).hit); // and back: not the old decode
	EXPECT_EQ(1, cached(&cache, other, k_load).hit);
	// Bytes that do not decode (two of a four-byte instruction) drop that address's entry only.
	EXPECT_NE(KMT_DECODE_OK, cached(&cache, other, k_load, 2).status);
	EXPECT_EQ(1, cached(&cache, k_rip, k_load).hit);
	EXPECT_EQ(0, cached(&cache, other, k_load).hit);
}

// The hint byte (the engine's, kmt_decode_cache_hint()): kept while the bytes are the same,
// 0 again when they are decoded afresh.
TEST(DecodeCache, TheHintIsKeptWithTheEntryAndClearedWhenItIsDecodedAfresh)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	(void)cached(&cache, k_rip, k_load);
	const kmt_insn *e = kmt_decode_cache_lookup(&cache, k_rip, k_load.data(), k_load.size());
	ASSERT_NE(e, nullptr);
	EXPECT_EQ(*kmt_decode_cache_hint(&cache, k_rip, e), 0);
	*kmt_decode_cache_hint(&cache, k_rip, e) = 1;
	EXPECT_EQ(kmt_decode_cache_lookup(&cache, k_rip, k_load.data(), k_load.size()), e);
	EXPECT_EQ(*kmt_decode_cache_hint(&cache, k_rip, e), 1);
	EXPECT_EQ(kmt_decode_cache_lookup(&cache, k_rip, k_store.data(), k_store.size()), nullptr);
	(void)cached(&cache, k_rip, k_store); // patched: decoded afresh into the same entry
	const kmt_insn *p = kmt_decode_cache_lookup(&cache, k_rip, k_store.data(), k_store.size());
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(*kmt_decode_cache_hint(&cache, k_rip, p), 0);
}

// Random instruction bytes at a few hundred addresses (so that entries collide and are evicted),
// patched at random between uses, some read short: every answer equals kmt_decode()'s, and the
// cache answers a fair share of them.
TEST(DecodeCache, RandomTextAndPatchesMatchThePlainDecoder)
{
	static kmt_decode_cache cache;
	kmt_decode_cache_clear(&cache);
	std::mt19937_64 rng(12345);
	// Mostly common kernel forms, so that many decode; some random bytes.
	const std::vector<std::vector<uint8_t>> forms = {
		{0x48, 0x8b, 0x47, 0x40}, {0x48, 0x89, 0x47, 0x40}, {0x8b, 0x07}, {0x89, 0x07},
		{0x48, 0x8b, 0x04, 0xc8}, {0x0f, 0xb6, 0x47, 0x03}, {0x66, 0x89, 0x47, 0x02},
		{0xf0, 0x48, 0x0f, 0xb1, 0x17}, {0x48, 0x83, 0x47, 0x08, 0x01}, {0x80, 0x7f, 0x10, 0x00},
		{0x65, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00}, {0xf3, 0xa4}, {0x48, 0xa5},
		{0x48, 0x8b, 0x05, 0x10, 0x20, 0x30, 0x00}, {0x0f, 0x0b}, {0xc4, 0xe2, 0x79, 0x18, 0x07},
	};
	const unsigned k_addrs = 300;
	std::vector<uint64_t> rips(k_addrs);
	std::vector<std::vector<uint8_t>> text(k_addrs);
	auto fresh = [&](std::vector<uint8_t> &code) {
		if (rng() % 8 == 0) {
			code.resize(KMT_MAX_INSN_LEN);
			for (auto &b : code)
				b = static_cast<uint8_t>(rng());
		} else {
			code = padded(forms[rng() % forms.size()]);
			for (size_t i = code.size() - 4; i < code.size(); i++)
				code[i] = static_cast<uint8_t>(rng()); // bytes after it differ too
		}
	};
	for (unsigned i = 0; i < k_addrs; i++) {
		// One in four shares the set of an earlier one: sets of three and more, beyond the ways.
		rips[i] = i >= 4 && i % 4 == 0 ? same_set(rips[rng() % i], 1 + rng() % 3)
					      : 0xffffffff81000000ull + rng() % (1u << 24);
		fresh(text[i]);
	}
	unsigned hits = 0, ok = 0;
	const unsigned k_rounds = 200000;
	for (unsigned n = 0; n < k_rounds; n++) {
		const unsigned i = static_cast<unsigned>(rng() % 20 == 0 ? rng() % k_addrs : rng() % 24);
		if (rng() % 50 == 0)
			fresh(text[i]);                                              // patched text
		const size_t len = rng() % 10 == 0 ? 1 + rng() % KMT_MAX_INSN_LEN : KMT_MAX_INSN_LEN; // short reads
		const Decoded c = cached(&cache, rips[i], text[i], len);
		const Decoded p = plain(text[i], len);
		ASSERT_EQ(p.status, c.status) << "round " << n;
		ASSERT_EQ(0, std::memcmp(&p.insn, &c.insn, sizeof(p.insn))) << "round " << n;
		hits += static_cast<unsigned>(c.hit);
		ok += p.status == KMT_DECODE_OK;
	}
	EXPECT_GT(hits, ok / 2) << "the hot addresses should mostly hit";
	EXPECT_LT(hits, ok);
}

} // namespace
