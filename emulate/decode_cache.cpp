// SPDX-License-Identifier: GPL-2.0
//
// decode_cache.cpp - kmt_decode_cached() (kmt_decode.h): a direct-mapped cache of decoded
// instructions by address, checked against the live bytes on every use. A tracked access
// decodes the instruction that faulted; the same kernel instructions fault again and again, and
// a decode costs several hundred instructions against a few dozen for a hit.

#include "kmt_decode.h"

namespace {

inline unsigned slot_of(uint64_t rip)
{
	// Kernel instructions are not aligned: mix in higher bits so that code a page apart does
	// not always collide.
	return static_cast<unsigned>((rip ^ (rip >> 6) ^ (rip >> 12)) & (KMT_DECODE_CACHE_ENTRIES - 1));
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

extern "C" void kmt_decode_cache_clear(struct kmt_decode_cache *cache)
{
	for (auto &e : cache->entry)
		e.rip = 0;
}

extern "C" int kmt_decode_cached(struct kmt_decode_cache *cache, uint64_t rip, const uint8_t *code, size_t len,
				 struct kmt_insn *insn, int *hit)
{
	if (hit)
		*hit = 0;
	if (!cache || !rip)
		return kmt_decode(code, len, insn);
	kmt_decode_cache_entry &e = cache->entry[slot_of(rip)];
	if (e.rip == rip && e.insn.length <= len && same_bytes(e.bytes, code, e.insn.length)) {
		*insn = e.insn;
		if (hit)
			*hit = 1;
		return KMT_DECODE_OK;
	}
	const int status = kmt_decode(code, len, insn);
	if (status != KMT_DECODE_OK) {
		if (e.rip == rip)
			e.rip = 0; // the bytes there changed into something that does not decode
		return status;
	}
	e.rip = rip;
	__builtin_memcpy(e.bytes, code, insn->length);
	e.insn = *insn;
	return status;
}
