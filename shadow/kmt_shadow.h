/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_shadow.h - the C boundary of kmemtrap's byte-granular shadow memory (shadow/).
 *
 * One state per data byte, packed 2 bits per byte in one block per 4 KiB page. The blocks are
 * the caller's storage: the core finds them through kmt_shadow_map.lookup and never allocates.
 * Memory on a page that has no block is "untracked" and counts as initialized everywhere.
 */
#ifndef KMT_SHADOW_H
#define KMT_SHADOW_H

#include "kmt_base.h"

KMT_EXTERN_C_BEGIN

#define KMT_PAGE_SHIFT 12
#define KMT_PAGE_SIZE (1u << KMT_PAGE_SHIFT)
#define KMT_PAGE_MASK (~(uint64_t)(KMT_PAGE_SIZE - 1))
/* 2 bits per data byte. */
#define KMT_SHADOW_BLOCK_BYTES (KMT_PAGE_SIZE / 4)
/* States shown by kmt_shadow_snapshot() around an address. */
#define KMT_SHADOW_SNAPSHOT_LEN 32

enum kmt_shadow_state {
	KMT_SHADOW_UNALLOCATED = 0, /* tracked page, byte not part of any live object (slack, gaps) */
	KMT_SHADOW_UNINIT = 1,      /* allocated, never written */
	KMT_SHADOW_INIT = 2,        /* written (or zeroed at allocation) */
	KMT_SHADOW_FREED = 3,       /* part of an object that was freed */
	KMT_SHADOW_UNTRACKED = 4,   /* only in snapshots: the page has no shadow block */
};

/*
 * Bytes of a page whose bits are only partly initialized (a bit-field was written, the rest of
 * its byte not) are UNINIT in bits[] and keep their mask of uninitialized bits in a small table.
 * With no room left, such a byte counts as initialized (a missed report, never a false one).
 */
#define KMT_SHADOW_PARTIAL_SLOTS 32
#define KMT_SHADOW_PARTIAL_NONE 0xffffu

/* Shadow of one 4 KiB page: state of byte i in bits 2*(i%4).. of bits[i/4]. */
struct kmt_shadow_block {
	uint8_t bits[KMT_SHADOW_BLOCK_BYTES];
	uint16_t partial_off[KMT_SHADOW_PARTIAL_SLOTS];  /* KMT_SHADOW_PARTIAL_NONE: free slot */
	uint8_t partial_mask[KMT_SHADOW_PARTIAL_SLOTS];  /* 1 bits: uninitialized bits of that byte */
	/*
	 * Nonzero while the page is quiet: every byte initialized, so that no access to it can be
	 * reported or change a state, and the glue leaves it visible (no traps). Set by the glue
	 * (after kmt_shadow_block_all_init(), or kmt_shadow_block_no_uninit() for a page whose
	 * freed and unallocated bytes it no longer watches); a write of any state but INIT calls
	 * map.wake first and looks again after it (kmt_shadow_map).
	 */
	uint32_t quiet;
	/*
	 * Bumped by every write that changes a state of the block (a range set counts as one
	 * whether or not it changed a state): the glue ages a page by the faults it takes without
	 * a change (module/pages.c, quiet_age). Wraps.
	 */
	uint32_t changes;
};

/* Fills a new block: every byte in @state, no partial bytes, not quiet. */
void kmt_shadow_block_init(struct kmt_shadow_block *block, enum kmt_shadow_state state);

struct kmt_shadow_map {
	/*
	 * Returns the block of the page starting at @page_addr (a multiple of KMT_PAGE_SIZE), or
	 * NULL if that page is untracked. Called from trap context in the kernel: it must not
	 * sleep, allocate or take locks the interrupted code may hold.
	 */
	struct kmt_shadow_block *(*lookup)(void *ctx, uint64_t page_addr);
	void *ctx;
	/*
	 * May be NULL (no quiet pages). Called for a block whose quiet is set, before a write that
	 * may leave a byte of it not initialized, and again after the write (with a full barrier
	 * between the write and reading quiet, so that a block made quiet meanwhile is seen): it
	 * must clear quiet, once, atomically, and hide the page again. Trap-safe, as lookup.
	 */
	void (*wake)(void *ctx, uint64_t page_addr, struct kmt_shadow_block *block);
};

/* Whether every byte of @block is initialized, with no partial byte (a quiet page, above). */
int kmt_shadow_block_all_init(const struct kmt_shadow_block *block);

/*
 * Whether no byte of @block is UNINIT (partial bytes are UNINIT ones): FREED and UNALLOCATED
 * bytes may be there. For the glue's aged quiet pages (module/pages.c, quiet_age).
 */
int kmt_shadow_block_no_uninit(const struct kmt_shadow_block *block);

/*
 * Writes kmemtrap could not see (module/pages.c, "Writes while shown"): a page shown for a step
 * is visible to every CPU (and, while a step sleeps, to every task), whose writes to it then run
 * natively. @before holds the page's KMT_PAGE_SIZE bytes when it was shown, @after when it was
 * hidden again. Every UNINIT byte of @block (a partial byte included) whose data byte differs
 * between the two becomes INIT: something wrote it. Bytes of other states are left alone, and so
 * is a byte written with the value it already had (kmt_shadow_block_forget_untouched() covers the
 * common case of those). Returns the number of bytes made INIT. Atomic per shadow byte, as every
 * write.
 */
uint32_t kmt_shadow_block_settle_written(struct kmt_shadow_block *block, const uint8_t *before,
					 const uint8_t *after);

/*
 * The same window, for an object's bytes [off, off+len) of @block (with its slack: up to the next
 * object): if none of them is INIT or FREED or a partial byte, no write to the object was seen
 * since it was allocated, and its initialization may have run in the window with values equal to
 * the bytes' old ones (a memset() of zeros over a freed object's zeros), which no copy of the page
 * can tell. Then its UNINIT bytes become INIT (a report missed if it really was never written).
 * Returns the number of bytes made INIT (0: the object was touched, or has no UNINIT byte).
 */
uint32_t kmt_shadow_block_forget_untouched(struct kmt_shadow_block *block, uint32_t off, uint32_t len);

/* Sets every tracked byte of [addr, addr+len) to @state; untracked pages are skipped. */
void kmt_shadow_set(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
		    enum kmt_shadow_state state);

/*
 * Finds the first byte of [addr, addr+len) that is tracked and not KMT_SHADOW_INIT.
 * Returns 1 and fills *bad_addr and *bad_state if there is one, 0 if all bytes are initialized
 * or untracked. Either out pointer may be NULL.
 */
int kmt_shadow_check(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
		     uint64_t *bad_addr, enum kmt_shadow_state *bad_state);

/*
 * Like kmt_shadow_check() but finds the *last* (highest-addressed) bad byte of [addr, addr+len).
 * The engine needs it for backward (DF=1) string runs, whose first element in execution order
 * is the highest one. Returns 1 and fills the out pointers if there is one, else 0.
 */
int kmt_shadow_check_last(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
			  uint64_t *bad_addr, enum kmt_shadow_state *bad_state);

/*
 * Counts the tracked bytes of [addr, addr+len) that are not KMT_SHADOW_INIT (any length, any
 * number of pages). *@last_bad (if not NULL and the count is not 0) gets the highest of them.
 */
uint64_t kmt_shadow_count_bad(const struct kmt_shadow_map *map, uint64_t addr, uint64_t len,
			      uint64_t *last_bad);

/*
 * Copies the states of [src, src+len) to [dst, dst+len) with memmove semantics (the ranges may
 * overlap in either direction). An untracked source byte copies as KMT_SHADOW_INIT; an untracked
 * destination byte is skipped.
 */
void kmt_shadow_copy(const struct kmt_shadow_map *map, uint64_t dst, uint64_t src, uint64_t len);

/* State of one byte (KMT_SHADOW_UNTRACKED if its page has no block). */
enum kmt_shadow_state kmt_shadow_get(const struct kmt_shadow_map *map, uint64_t addr);

/*
 * Bit-level access, for following values through registers (kmt_regshadow.h). A load of @size
 * bytes (1..8) at @addr gives the mask of its uninitialized bits (byte i in bits 8i..8i+7: all
 * of a byte that is not INIT, or its partial mask), and in *@unalloc bit i set if byte i is
 * UNALLOCATED and in *@freed bit i set if byte i is FREED (either may be NULL). A store writes
 * them back: a byte with no uninitialized bit becomes INIT, one
 * with all of them UNINIT (UNALLOCATED if its @unalloc bit is set), one with some a partial
 * byte. Untracked bytes load as initialized and are not stored. FREED bytes load as
 * uninitialized.
 */
uint64_t kmt_shadow_load_bits(const struct kmt_shadow_map *map, uint64_t addr, uint32_t size,
			      uint8_t *unalloc, uint8_t *freed);
void kmt_shadow_store_bits(const struct kmt_shadow_map *map, uint64_t addr, uint32_t size,
			   uint64_t bits, uint8_t unalloc);

/*
 * Fills @states with the KMT_SHADOW_SNAPSHOT_LEN states of the 32-byte aligned window holding
 * @addr (uint8_t values of enum kmt_shadow_state) and returns the window's first address.
 */
uint64_t kmt_shadow_snapshot(const struct kmt_shadow_map *map, uint64_t addr,
			     uint8_t states[KMT_SHADOW_SNAPSHOT_LEN]);

KMT_EXTERN_C_END

#endif /* KMT_SHADOW_H */
