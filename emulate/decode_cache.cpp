// SPDX-License-Identifier: GPL-2.0
//
// decode_cache.cpp - kmt_decode_cached() (kmt_decode.h): a two-way set-associative cache of
// decoded instructions by address, checked against the live bytes on every use. A tracked access
// decodes the instruction that faulted; the same kernel instructions fault again and again, and
// a decode costs several hundred instructions against a few dozen for a hit.

#include "kmt_decode.h"

namespace {

constexpr unsigned k_sets = KMT_DECODE_CACHE_ENTRIES / KMT_DECODE_CACHE_WAYS;
static_assert(KMT_DECODE_CACHE_WAYS == 2, "the victim choice below is for two ways");
static_assert((k_sets & (k_sets - 1)) == 0, "a power of two of sets");

inline unsigned set_of(uint64_t rip)
{
	// Kernel instructions are not aligned: mix in higher bits so that code a page apart does
	// not always collide.
	return static_cast<unsigned>((rip ^ (rip >> 6) ^ (rip >> 12)) & (k_sets - 1));
}

// Whether the first @n (1..15) bytes of @a and @b are equal: two overlapping word compares
// instead of a memcmp call (every emulated access checks its cached decode this way).
inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y, u, v;
	if (n >= 8) {
		__builtin_memcpy(&x, a, 8);
		__builtin_memcpy(&y, b, 8);
		__builtin_memcpy(&u, a + n - 8, 8);
		__builtin_memcpy(&v, b + n - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (n >= 4) {
		uint32_t x4, y4, u4, v4;
		__builtin_memcpy(&x4, a, 4);
		__builtin_memcpy(&y4, b, 4);
		__builtin_memcpy(&u4, a + n - 4, 4);
		__builtin_memcpy(&v4, b + n - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

} // namespace

extern "C" unsigned kmt_decode_cache_set(uint64_t rip)
{
	return set_of(rip);
}

extern "C" void kmt_decode_cache_clear(struct kmt_decode_cache *cache)
{
	for (auto &e : cache->entry)
		e.rip = 0;
	for (auto &v : cache->victim)
		v = 0;
}

extern "C" const struct kmt_insn *kmt_decode_cache_lookup(struct kmt_decode_cache *cache, uint64_t rip,
							  const uint8_t *code, size_t len)
{
	if (!cache || !rip)
		return nullptr;
	// Two ways per set: a hit makes the other way the next to go.
	const unsigned set = set_of(rip);
	kmt_decode_cache_entry *const e = &cache->entry[set * KMT_DECODE_CACHE_WAYS];
	for (unsigned w = 0; w < KMT_DECODE_CACHE_WAYS; w++) {
		if (e[w].rip == rip && e[w].insn.length <= len && same_bytes(e[w].bytes, code, e[w].insn.length)) {
			cache->victim[set] = static_cast<uint8_t>(w ^ 1);
			return &e[w].insn;
		}
	}
	return nullptr;
}

extern "C" uint8_t *kmt_decode_cache_hint(struct kmt_decode_cache *cache, uint64_t rip, const struct kmt_insn *cached)
{
	if (!cache || !cached)
		return nullptr;
	kmt_decode_cache_entry *const e = &cache->entry[set_of(rip) * KMT_DECODE_CACHE_WAYS];
	for (unsigned w = 0; w < KMT_DECODE_CACHE_WAYS; w++)
		if (&e[w].insn == cached)
			return e[w].rip == rip ? &e[w].hint : nullptr;
	return nullptr;
}

extern "C" int kmt_decode_cached(struct kmt_decode_cache *cache, uint64_t rip, const uint8_t *code, size_t len,
				 struct kmt_insn *insn, int *hit)
{
	if (hit)
		*hit = 0;
	if (!cache || !rip)
		return kmt_decode(code, len, insn);
	if (const kmt_insn *cached = kmt_decode_cache_lookup(cache, rip, code, len)) {
		*insn = *cached;
		if (hit)
			*hit = 1;
		return KMT_DECODE_OK;
	}
	const unsigned set = set_of(rip);
	kmt_decode_cache_entry *const e = &cache->entry[set * KMT_DECODE_CACHE_WAYS];
	const int status = kmt_decode(code, len, insn);
	unsigned way = cache->victim[set];
	for (unsigned w = 0; w < KMT_DECODE_CACHE_WAYS; w++) {
		if (e[w].rip == rip) {
			if (status != KMT_DECODE_OK)
				e[w].rip = 0; // the bytes there changed into something that does not decode
			way = w;      // patched bytes: decoded afresh into the same way
		}
	}
	if (status != KMT_DECODE_OK)
		return status;
	e[way].rip = rip;
	__builtin_memcpy(e[way].bytes, code, insn->length);
	e[way].hint = 0;
	e[way].insn = *insn;
	cache->victim[set] = static_cast<uint8_t>(way ^ 1);
	return status;
}
