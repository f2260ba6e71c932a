// SPDX-License-Identifier: GPL-2.0
//
// shadow.cpp - byte-granular shadow memory behind kmt_shadow.h.
//
// Every data byte has a 2-bit state; the states of one 4 KiB page live in a caller-owned block
// of 1 KiB found through kmt_shadow_map.lookup. Byte i of a page is bits 2*(i%4).. of bits[i/4],
// so four consecutive data bytes that start at a multiple of 4 share one shadow byte. All
// operations split a range at page boundaries, then work on whole shadow bytes (and 8-byte
// words when scanning) for the aligned middle of each piece and bit by bit only for the at
// most three bytes at either end. This code runs in the page-fault and debug traps of the
// kernel: it allocates nothing, takes no locks and keeps less than 100 bytes of stack.

#include "kmt_shadow.h"

namespace kmt {
namespace {

constexpr uint64_t k_page_size = KMT_PAGE_SIZE;
// A shadow byte whose four data bytes all have one state: the 2-bit state repeated four times.
constexpr uint8_t k_replicate = 0x55;
constexpr uint64_t k_replicate64 = 0x5555555555555555ull;

enum class Direction { Forward, Backward };

struct ShadowMap {
	const kmt_shadow_map *m_map;

	kmt_shadow_block *lookup(uint64_t page_addr) const
	{
		return m_map->lookup(m_map->ctx, page_addr);
	}
};

inline uint64_t page_of(uint64_t addr) { return addr & KMT_PAGE_MASK; }
inline uint32_t offset_in_page(uint64_t addr) { return static_cast<uint32_t>(addr & (k_page_size - 1)); }

// Quiet pages (kmt_shadow.h): around a write that may leave a byte of @block not initialized.
// Before: a quiet page is hidden before the state is written. After: a page made quiet while
// the write ran (another CPU checked the block before the write landed) is seen, since both
// sides store, fence, then load the other's variable.
inline void wake_before(const ShadowMap &map, uint64_t page, kmt_shadow_block *block)
{
	if (map.m_map->wake && __atomic_load_n(&block->quiet, __ATOMIC_RELAXED))
		map.m_map->wake(map.m_map->ctx, page, block);
}

inline void wake_after(const ShadowMap &map, uint64_t page, kmt_shadow_block *block)
{
	if (!map.m_map->wake)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&block->quiet, __ATOMIC_RELAXED))
		map.m_map->wake(map.m_map->ctx, page, block);
}

inline unsigned get_state(const kmt_shadow_block *block, uint32_t off)
{
	return (block->bits[off / 4] >> (2 * (off % 4))) & 3u;
}

// Whether data bytes [off, off+4) end by @end and share one shadow byte of initialized states.
inline bool init_quad_at(const kmt_shadow_block *block, uint32_t off, uint32_t end)
{
	return off % 4 == 0 && off + 4 <= end && block->bits[off / 4] == KMT_SHADOW_INIT * k_replicate;
}

// A state of @block changed (kmt_shadow_block.changes). Not an atomic add: two CPUs at once may
// count one, never none.
inline void note_change(kmt_shadow_block *block)
{
	__atomic_store_n(&block->changes, __atomic_load_n(&block->changes, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

// One shadow byte holds four data bytes' states, and other CPUs may change its other three at
// the same time (their own accesses to neighbouring bytes): an atomic read-modify-write, skipped
// when the state is already there.
inline void put_state(kmt_shadow_block *block, uint32_t off, unsigned state)
{
	const unsigned shift = 2 * (off % 4);
	uint8_t *cell = &block->bits[off / 4];
	uint8_t old = __atomic_load_n(cell, __ATOMIC_RELAXED), val;
	do {
		val = static_cast<uint8_t>((old & ~(3u << shift)) | ((state & 3u) << shift));
		if (val == old)
			return;
	} while (!__atomic_compare_exchange_n(cell, &old, val, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	note_change(block);
}

// The four states of data bytes [off, off+4) packed like one aligned shadow byte, for any off.
// States past the end of the page read as 0; callers only use the bits of bytes they copy.
inline uint8_t load4(const kmt_shadow_block *block, uint32_t off)
{
	const uint32_t cell = off / 4;
	uint32_t window = block->bits[cell];
	if (cell + 1 < KMT_SHADOW_BLOCK_BYTES)
		window |= static_cast<uint32_t>(block->bits[cell + 1]) << 8;
	return static_cast<uint8_t>(window >> (2 * (off % 4)));
}

// Partial bytes (kmt_shadow.h): the slot of byte @off, or -1.
int find_partial(const kmt_shadow_block *block, uint32_t off)
{
	for (int i = 0; i < KMT_SHADOW_PARTIAL_SLOTS; i++)
		if (block->partial_off[i] == off)
			return i;
	return -1;
}

// Whether the block has no partial byte at all (the common case: a scan of 8 words, not 32 slots).
inline bool no_partials(const kmt_shadow_block *block)
{
	static_assert(sizeof(block->partial_off) % sizeof(uint64_t) == 0, "whole words");
	for (unsigned i = 0; i < sizeof(block->partial_off) / 8; i++) {
		uint64_t word;
		__builtin_memcpy(&word, reinterpret_cast<const uint8_t *>(block->partial_off) + i * sizeof(word), sizeof(word));
		if (word != ~0ull)
			return false;
	}
	return true;
}

// Forgets the partial bytes among [off, off+len).
void drop_partials(kmt_shadow_block *block, uint32_t off, uint32_t len)
{
	if (no_partials(block))
		return;
	for (int i = 0; i < KMT_SHADOW_PARTIAL_SLOTS; i++)
		if (block->partial_off[i] != KMT_SHADOW_PARTIAL_NONE && block->partial_off[i] >= off &&
		    block->partial_off[i] - off < len)
			block->partial_off[i] = KMT_SHADOW_PARTIAL_NONE;
}

// Makes byte @off a partial byte with uninitialized bits @mask (1..254). False if no room.
// A free slot is claimed atomically: another CPU may be claiming one in the same block.
bool put_partial(kmt_shadow_block *block, uint32_t off, uint8_t mask)
{
	int i = find_partial(block, off);
	for (int j = 0; i < 0 && j < KMT_SHADOW_PARTIAL_SLOTS; j++) {
		uint16_t none = KMT_SHADOW_PARTIAL_NONE;
		if (__atomic_compare_exchange_n(&block->partial_off[j], &none, static_cast<uint16_t>(off), false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			i = j;
	}
	if (i < 0)
		return false;
	block->partial_mask[i] = mask;
	return true;
}

// Sets data bytes [off, off+len) of one page to @state.
void set_in_block(kmt_shadow_block *block, uint32_t off, uint32_t len, unsigned state)
{
	drop_partials(block, off, len);
	uint32_t end = off + len;
	while (off < end && off % 4 != 0)
		put_state(block, off++, state);
	const uint32_t whole_end = end & ~3u;
	if (off < whole_end) {
		__builtin_memset(&block->bits[off / 4], static_cast<int>(state * k_replicate),
				 (whole_end - off) / 4);
		note_change(block); // (counted whether or not a state was different)
		off = whole_end;
	}
	while (off < end)
		put_state(block, off++, state);
}

// Offset of the first data byte in [off, off+len) of one page that is not INIT, or -1.
// Whether the 1 to 8 bytes [off, off+len) of @block are all INIT (every emulated access asks):
// their states lie in three shadow bytes at most, checked at once against all-INIT. Four bytes
// are read from the block's representation (more follow bits[]), the ones past the range masked
// off.
inline bool small_all_init(const kmt_shadow_block *block, uint32_t off, uint32_t len)
{
	static_assert(sizeof(kmt_shadow_block) >= offsetof(kmt_shadow_block, bits) + KMT_SHADOW_BLOCK_BYTES + 3,
		      "a 4-byte window from the last shadow byte stays in the block");
	uint32_t window;
	__builtin_memcpy(&window, reinterpret_cast<const uint8_t *>(block) + offsetof(kmt_shadow_block, bits) + off / 4,
			 sizeof(window));
	const uint32_t mask = ((1u << (2 * len)) - 1) << (2 * (off % 4));
	return ((window ^ (KMT_SHADOW_INIT * 0x55555555u)) & mask) == 0;
}

int64_t find_first_bad(const kmt_shadow_block *block, uint32_t off, uint32_t len)
{
	const uint32_t end = off + len;
	if (len - 1 < 8 && small_all_init(block, off, len))
		return -1;
	while (off < end && off % 32 != 0) {
		if (init_quad_at(block, off, end)) {
			off += 4;
			continue;
		}
		if (get_state(block, off) != KMT_SHADOW_INIT)
			return off;
		off++;
	}
	// 32 data bytes per 8-byte shadow word: skip runs of initialized memory a word at a time.
	while (off + 32 <= end) {
		uint64_t word;
		__builtin_memcpy(&word, &block->bits[off / 4], sizeof(word));
		if (word != KMT_SHADOW_INIT * k_replicate64)
			break;
		off += 32;
	}
	while (off < end) {
		if (init_quad_at(block, off, end)) {
			off += 4;
			continue;
		}
		if (get_state(block, off) != KMT_SHADOW_INIT)
			return off;
		off++;
	}
	return -1;
}

// Offset of the last data byte in [off, off+len) of one page that is not INIT, or -1.
int64_t find_last_bad(const kmt_shadow_block *block, uint32_t off, uint32_t len)
{
	uint32_t end = off + len;
	while (end > off && end % 32 != 0) {
		if (end % 4 == 0 && end >= off + 4 && block->bits[end / 4 - 1] == KMT_SHADOW_INIT * k_replicate) {
			end -= 4;
			continue;
		}
		if (get_state(block, end - 1) != KMT_SHADOW_INIT)
			return end - 1;
		end--;
	}
	while (end >= off + 32) {
		uint64_t word;
		__builtin_memcpy(&word, &block->bits[end / 4 - 8], sizeof(word));
		if (word != KMT_SHADOW_INIT * k_replicate64)
			break;
		end -= 32;
	}
	for (; end > off; end--) {
		if (get_state(block, end - 1) != KMT_SHADOW_INIT)
			return end - 1;
	}
	return -1;
}

// Copies the states of [soff, soff+len) of @src to [doff, doff+len) of @dst (both within one
// page; the blocks may be the same, and the ranges may overlap in the same block). @direction
// is the order in which bytes are moved, chosen by the caller so that overlap is handled like
// memmove: Backward when the destination is above the source.
void copy_states(kmt_shadow_block *dst, uint32_t doff, const kmt_shadow_block *src, uint32_t soff,
		 uint32_t len, Direction direction);

void copy_in_blocks(kmt_shadow_block *dst, uint32_t doff, const kmt_shadow_block *src, uint32_t soff,
		    uint32_t len, Direction direction)
{
	if (len == 0)
		return;
	// The partial bytes move with their bytes: read the source's first (the blocks may be the same).
	uint16_t moved_off[KMT_SHADOW_PARTIAL_SLOTS];
	uint8_t moved_mask[KMT_SHADOW_PARTIAL_SLOTS];
	unsigned nmoved = 0;
	for (int i = 0; i < KMT_SHADOW_PARTIAL_SLOTS; i++) {
		const uint16_t o = src->partial_off[i];
		if (o != KMT_SHADOW_PARTIAL_NONE && o >= soff && o - soff < len) {
			moved_off[nmoved] = static_cast<uint16_t>(o - soff + doff);
			moved_mask[nmoved++] = src->partial_mask[i];
		}
	}
	copy_states(dst, doff, src, soff, len, direction);
	drop_partials(dst, doff, len);
	for (unsigned i = 0; i < nmoved; i++)
		if (!put_partial(dst, moved_off[i], moved_mask[i]))
			put_state(dst, moved_off[i], KMT_SHADOW_INIT); // no room: counts as initialized
}

// The states only (copy_in_blocks()).
void copy_states(kmt_shadow_block *dst, uint32_t doff, const kmt_shadow_block *src, uint32_t soff,
		 uint32_t len, Direction direction)
{
	if (doff % 4 == soff % 4) {
		// Same phase: the middle is whole shadow bytes, moved with memmove (which handles
		// the overlap itself); the at most three bytes at each end go one by one, in the
		// order that keeps the overlap correct.
		const uint32_t head = (4 - doff % 4) % 4 < len ? (4 - doff % 4) % 4 : len;
		const uint32_t middle = (len - head) & ~3u;
		const uint32_t tail = len - head - middle;
		if (direction == Direction::Forward) {
			for (uint32_t i = 0; i < head; i++)
				put_state(dst, doff + i, get_state(src, soff + i));
			__builtin_memmove(&dst->bits[(doff + head) / 4], &src->bits[(soff + head) / 4], middle / 4);
			for (uint32_t i = head + middle; i < len; i++)
				put_state(dst, doff + i, get_state(src, soff + i));
		} else {
			for (uint32_t i = len; i > head + middle; i--)
				put_state(dst, doff + i - 1, get_state(src, soff + i - 1));
			__builtin_memmove(&dst->bits[(doff + head) / 4], &src->bits[(soff + head) / 4], middle / 4);
			for (uint32_t i = head; i > 0; i--)
				put_state(dst, doff + i - 1, get_state(src, soff + i - 1));
		}
		(void)tail;
		if (middle)
			note_change(dst); // (whole shadow bytes: counted whether or not a state changed)
		return;
	}
	// Different phase: every destination shadow byte gathers four states from two source
	// shadow bytes with a shift. A whole destination byte is written only after its four
	// source states were read, and bytes are visited in @direction, so overlap is safe.
	const uint32_t head = (4 - doff % 4) % 4 < len ? (4 - doff % 4) % 4 : len;
	const uint32_t middle = (len - head) & ~3u;
	if (direction == Direction::Forward) {
		for (uint32_t i = 0; i < head; i++)
			put_state(dst, doff + i, get_state(src, soff + i));
		for (uint32_t i = head; i < head + middle; i += 4)
			dst->bits[(doff + i) / 4] = load4(src, soff + i);
		for (uint32_t i = head + middle; i < len; i++)
			put_state(dst, doff + i, get_state(src, soff + i));
	} else {
		for (uint32_t i = len; i > head + middle; i--)
			put_state(dst, doff + i - 1, get_state(src, soff + i - 1));
		for (uint32_t i = head + middle; i > head; i -= 4)
			dst->bits[(doff + i - 4) / 4] = load4(src, soff + i - 4);
		for (uint32_t i = head; i > 0; i--)
			put_state(dst, doff + i - 1, get_state(src, soff + i - 1));
	}
	if (middle)
		note_change(dst);
}

// Length of the piece starting at @addr that stays within its page and within @remaining.
inline uint32_t piece_len(uint64_t addr, uint64_t remaining)
{
	const uint64_t room = k_page_size - offset_in_page(addr);
	return static_cast<uint32_t>(remaining < room ? remaining : room);
}

void shadow_set(const ShadowMap &map, uint64_t addr, uint64_t len, unsigned state)
{
	while (len > 0) {
		const uint32_t n = piece_len(addr, len);
		if (kmt_shadow_block *block = map.lookup(page_of(addr))) {
			if (state == KMT_SHADOW_INIT) {
				set_in_block(block, offset_in_page(addr), n, state);
			} else {
				wake_before(map, page_of(addr), block);
				set_in_block(block, offset_in_page(addr), n, state);
				wake_after(map, page_of(addr), block);
			}
		}
		addr += n;
		len -= n;
	}
}

int shadow_check(const ShadowMap &map, uint64_t addr, uint64_t len, Direction direction,
		 uint64_t *bad_addr, kmt_shadow_state *bad_state)
{
	uint64_t done = 0;
	while (done < len) {
		// Forward walks pieces from the start; Backward from the end.
		uint64_t piece_addr;
		uint32_t n;
		if (direction == Direction::Forward) {
			piece_addr = addr + done;
			n = piece_len(piece_addr, len - done);
		} else {
			const uint64_t end = addr + len - done;
			const uint64_t start_page = page_of(end - 1);
			piece_addr = start_page > addr ? start_page : addr;
			n = static_cast<uint32_t>(end - piece_addr);
		}
		if (const kmt_shadow_block *block = map.lookup(page_of(piece_addr))) {
			const uint32_t off = offset_in_page(piece_addr);
			const int64_t bad = direction == Direction::Forward ? find_first_bad(block, off, n)
									    : find_last_bad(block, off, n);
			if (bad >= 0) {
				if (bad_addr)
					*bad_addr = page_of(piece_addr) + static_cast<uint64_t>(bad);
				if (bad_state)
					*bad_state = static_cast<kmt_shadow_state>(get_state(block, static_cast<uint32_t>(bad)));
				return 1;
			}
		}
		done += n;
	}
	return 0;
}

// Bad (not INIT) bytes among [off, off+len) of one page; *last gets the offset of the last one.
uint64_t count_bad_in_block(const kmt_shadow_block *block, uint32_t off, uint32_t len, int64_t *last)
{
	uint64_t count = 0;
	const uint32_t end = off + len;
	while (off < end) {
		// A whole shadow byte of initialized states is skipped at once.
		if (init_quad_at(block, off, end)) {
			off += 4;
			continue;
		}
		if (get_state(block, off) != KMT_SHADOW_INIT) {
			count++;
			*last = off;
		}
		off++;
	}
	return count;
}

uint64_t shadow_count_bad(const ShadowMap &map, uint64_t addr, uint64_t len, uint64_t *last_bad)
{
	uint64_t count = 0;
	while (len > 0) {
		const uint32_t n = piece_len(addr, len);
		if (const kmt_shadow_block *block = map.lookup(page_of(addr))) {
			int64_t last = -1;
			count += count_bad_in_block(block, offset_in_page(addr), n, &last);
			if (last >= 0 && last_bad)
				*last_bad = page_of(addr) + static_cast<uint64_t>(last);
		}
		addr += n;
		len -= n;
	}
	return count;
}

void shadow_copy(const ShadowMap &map, uint64_t dst, uint64_t src, uint64_t len)
{
	if (len == 0 || dst == src)
		return;
	// memmove semantics: when the destination starts inside the source, move from the end.
	const Direction direction = (dst > src && dst - src < len) ? Direction::Backward : Direction::Forward;
	uint64_t done = 0;
	while (done < len) {
		// Each piece stays within one source page and one destination page.
		uint64_t s, d;
		uint32_t n;
		if (direction == Direction::Forward) {
			s = src + done;
			d = dst + done;
			n = piece_len(s, len - done);
			const uint32_t nd = piece_len(d, len - done);
			n = nd < n ? nd : n;
		} else {
			const uint64_t s_end = src + len - done, d_end = dst + len - done;
			uint64_t room_s = s_end - page_of(s_end - 1), room_d = d_end - page_of(d_end - 1);
			uint64_t m = room_s < room_d ? room_s : room_d;
			m = m < len - done ? m : len - done;
			n = static_cast<uint32_t>(m);
			s = s_end - n;
			d = d_end - n;
		}
		kmt_shadow_block *dblock = map.lookup(page_of(d));
		if (dblock) {
			const kmt_shadow_block *sblock = map.lookup(page_of(s));
			if (sblock) {
				// Only a source piece with a byte not initialized can make the destination noisy.
				const bool dirty = map.m_map->wake &&
						   (find_first_bad(sblock, offset_in_page(s), n) >= 0 || !no_partials(sblock));
				if (dirty)
					wake_before(map, page_of(d), dblock);
				copy_in_blocks(dblock, offset_in_page(d), sblock, offset_in_page(s), n, direction);
				if (dirty)
					wake_after(map, page_of(d), dblock);
			} else {
				set_in_block(dblock, offset_in_page(d), n, KMT_SHADOW_INIT);
			}
		}
		done += n;
	}
}

// One byte's uninitialized bits, and whether it is UNALLOCATED (kmt_shadow_load_bits()).
uint8_t load_byte_bits(const kmt_shadow_block *block, uint32_t off, bool *unalloc, bool *freed)
{
	const unsigned state = get_state(block, off);
	*unalloc = state == KMT_SHADOW_UNALLOCATED;
	*freed = state == KMT_SHADOW_FREED;
	if (state == KMT_SHADOW_INIT)
		return 0;
	if (state == KMT_SHADOW_UNINIT) {
		const int i = find_partial(block, off);
		if (i >= 0)
			return block->partial_mask[i];
	}
	return 0xff;
}

void store_byte_bits(kmt_shadow_block *block, uint32_t off, uint8_t bits, bool unalloc)
{
	drop_partials(block, off, 1);
	if (bits == 0)
		put_state(block, off, KMT_SHADOW_INIT);
	else if (bits == 0xff)
		put_state(block, off, unalloc ? KMT_SHADOW_UNALLOCATED : KMT_SHADOW_UNINIT);
	else
		put_state(block, off, put_partial(block, off, bits) ? KMT_SHADOW_UNINIT : KMT_SHADOW_INIT);
}

} // namespace
} // namespace kmt

extern "C" {

void kmt_shadow_block_init(struct kmt_shadow_block *block, enum kmt_shadow_state state)
{
	__builtin_memset(block->bits, static_cast<int>((state & 3u) * kmt::k_replicate), sizeof(block->bits));
	for (int i = 0; i < KMT_SHADOW_PARTIAL_SLOTS; i++)
		block->partial_off[i] = KMT_SHADOW_PARTIAL_NONE;
	block->quiet = 0;
	block->changes = 0;
}

int kmt_shadow_block_all_init(const struct kmt_shadow_block *block)
{
	return kmt::find_first_bad(block, 0, KMT_PAGE_SIZE) < 0 && kmt::no_partials(block);
}

int kmt_shadow_block_no_uninit(const struct kmt_shadow_block *block)
{
	// A cell is UNINIT (01) when its low bit is set and its high bit clear.
	static_assert(KMT_SHADOW_BLOCK_BYTES % sizeof(uint64_t) == 0, "whole words");
	for (unsigned i = 0; i < KMT_SHADOW_BLOCK_BYTES / sizeof(uint64_t); i++) {
		uint64_t w;
		__builtin_memcpy(&w, block->bits + i * sizeof(w), sizeof(w));
		if (w & ~(w >> 1) & kmt::k_replicate64)
			return 0;
	}
	return 1;
}

uint32_t kmt_shadow_block_settle_written(struct kmt_shadow_block *block, const uint8_t *before,
					 const uint8_t *after)
{
	uint32_t made = 0;
	for (uint32_t w = 0; w < KMT_PAGE_SIZE; w += 8) {
		uint64_t a, b;
		__builtin_memcpy(&a, before + w, sizeof(a));
		__builtin_memcpy(&b, after + w, sizeof(b));
		if (a == b)
			continue;
		for (uint32_t off = w; off < w + 8; off++) {
			if (before[off] == after[off] || kmt::get_state(block, off) != KMT_SHADOW_UNINIT)
				continue;
			// INIT first, then the partial slot dropped: never more uninitialized meanwhile.
			kmt::put_state(block, off, KMT_SHADOW_INIT);
			kmt::drop_partials(block, off, 1);
			made++;
		}
	}
	return made;
}

uint32_t kmt_shadow_block_forget_untouched(struct kmt_shadow_block *block, uint32_t off, uint32_t len)
{
	KMT_ASSERT(off <= KMT_PAGE_SIZE && len <= KMT_PAGE_SIZE - off);
	uint32_t uninit = 0;
	for (uint32_t i = off; i < off + len; i++) {
		const unsigned state = kmt::get_state(block, i);
		if (state == KMT_SHADOW_INIT || state == KMT_SHADOW_FREED)
			return 0;
		if (state == KMT_SHADOW_UNINIT) {
			if (kmt::find_partial(block, i) >= 0)
				return 0; // a bit-field was written: touched
			uninit++;
		}
	}
	if (!uninit)
		return 0;
	for (uint32_t i = off; i < off + len; i++)
		if (kmt::get_state(block, i) == KMT_SHADOW_UNINIT)
			kmt::put_state(block, i, KMT_SHADOW_INIT);
	return uninit;
}

uint64_t kmt_shadow_load_bits(const struct kmt_shadow_map *map, uint64_t addr, uint32_t size,
			      uint8_t *unalloc, uint8_t *freed)
{
	uint64_t bits = 0;
	uint8_t un = 0, fr = 0;
	KMT_ASSERT(size >= 1 && size <= 8);
	for (uint32_t i = 0; i < size; i++) {
		const kmt_shadow_block *block = map->lookup(map->ctx, (addr + i) & KMT_PAGE_MASK);
		bool ua = false, f = false;
		if (!block)
			continue;
		bits |= static_cast<uint64_t>(kmt::load_byte_bits(block, kmt::offset_in_page(addr + i), &ua, &f)) << (8 * i);
		un |= static_cast<uint8_t>(ua) << i;
		fr |= static_cast<uint8_t>(f) << i;
	}
	if (unalloc)
		*unalloc = un;
	if (freed)
		*freed = fr;
	return bits;
}

void kmt_shadow_store_bits(const struct kmt_shadow_map *map, uint64_t addr, uint32_t size,
			   uint64_t bits, uint8_t unalloc)
{
	KMT_ASSERT(size >= 1 && size <= 8);
	for (uint32_t i = 0; i < size; i++) {
		const uint64_t page = (addr + i) & KMT_PAGE_MASK;
		kmt_shadow_block *block = map->lookup(map->ctx, page);
		const uint8_t byte_bits = static_cast<uint8_t>(bits >> (8 * i));
		if (!block)
			continue;
		if (byte_bits)
			kmt::wake_before(kmt::ShadowMap{map}, page, block);
		kmt::store_byte_bits(block, kmt::offset_in_page(addr + i), byte_bits, (unalloc >> i) & 1);
		if (byte_bits)
			kmt::wake_after(kmt::ShadowMap{map}, page, block);
	}
}

void kmt_shadow_set(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
		    enum kmt_shadow_state state)
{
	KMT_ASSERT(state <= KMT_SHADOW_FREED);
	KMT_ASSERT(addr + len >= addr);
	kmt::shadow_set(kmt::ShadowMap{map}, addr, len, static_cast<unsigned>(state) & 3u);
}

int kmt_shadow_check(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
		     uint64_t *bad_addr, enum kmt_shadow_state *bad_state)
{
	KMT_ASSERT(addr + len >= addr);
	// An access of 1 to 8 bytes within a page, all initialized (or untracked): the common answer
	// without the general walk.
	if (len - 1 < 8 && kmt::offset_in_page(addr) + len <= kmt::k_page_size) {
		const kmt_shadow_block *block = map->lookup(map->ctx, addr & KMT_PAGE_MASK);
		if (!block || kmt::small_all_init(block, kmt::offset_in_page(addr), static_cast<uint32_t>(len)))
			return 0;
	}
	return kmt::shadow_check(kmt::ShadowMap{map}, addr, len, kmt::Direction::Forward, bad_addr, bad_state);
}

int kmt_shadow_check_last(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
			  uint64_t *bad_addr, enum kmt_shadow_state *bad_state)
{
	KMT_ASSERT(addr + len >= addr);
	return kmt::shadow_check(kmt::ShadowMap{map}, addr, len, kmt::Direction::Backward, bad_addr, bad_state);
}

uint64_t kmt_shadow_count_bad(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
			      uint64_t *last_bad)
{
	KMT_ASSERT(addr + len >= addr);
	return kmt::shadow_count_bad(kmt::ShadowMap{map}, addr, len, last_bad);
}

void kmt_shadow_copy(const struct kmt_shadow_map *map, uint64_t dst, uint64_t src, uint64_t len)
{
	KMT_ASSERT(dst + len >= dst && src + len >= src);
	kmt::shadow_copy(kmt::ShadowMap{map}, dst, src, len);
}

enum kmt_shadow_state kmt_shadow_get(const struct kmt_shadow_map *map, uint64_t addr)
{
	const kmt_shadow_block *block = map->lookup(map->ctx, addr & KMT_PAGE_MASK);
	if (!block)
		return KMT_SHADOW_UNTRACKED;
	return static_cast<kmt_shadow_state>(kmt::get_state(block, kmt::offset_in_page(addr)));
}

uint64_t kmt_shadow_snapshot(const struct kmt_shadow_map *map, uint64_t addr,
			     uint8_t states[KMT_SHADOW_SNAPSHOT_LEN])
{
	// The window is 32-byte aligned, so it never crosses a page boundary.
	const uint64_t start = addr & ~static_cast<uint64_t>(KMT_SHADOW_SNAPSHOT_LEN - 1);
	const kmt_shadow_block *block = map->lookup(map->ctx, start & KMT_PAGE_MASK);
	for (uint32_t i = 0; i < KMT_SHADOW_SNAPSHOT_LEN; i++) {
		states[i] = block ? static_cast<uint8_t>(kmt::get_state(block, kmt::offset_in_page(start) + i))
				  : static_cast<uint8_t>(KMT_SHADOW_UNTRACKED);
	}
	return start;
}

} // extern "C"
