/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmemtrap annotation API - for modules that want kmemtrap to watch memory they own.
 *
 * The kernel counterpart of Valgrind's client requests and kmemcheck's annotations. All
 * functions are exported by kmemtrap.ko (EXPORT_SYMBOL_GPL). Ranges are byte-granular; the
 * pages holding them are hidden while kmemtrap is armed, so every access to them (and to
 * anything else on those pages) traps: keep tracked ranges page-aligned where speed matters.
 *
 * Tracking and untracking must be called from process context (they may split the direct map
 * into 4 KiB pages, which sleeps). Marking and checking may be called from any context.
 * Tracked memory must be in the direct map (kmalloc, page allocator) or vmalloc space; stacks,
 * kernel image data and kmemtrap's own memory are refused.
 */
#ifndef KMEMTRAP_KMEMTRAP_H
#define KMEMTRAP_KMEMTRAP_H

#include <linux/types.h>

/* Byte states, as kept in the shadow. */
enum kmemtrap_state {
	KMEMTRAP_UNALLOCATED = 0,  /* not part of any object: reads are unallocated-read errors */
	KMEMTRAP_UNINITIALIZED = 1, /* allocated, never written: reads are uninit-read errors */
	KMEMTRAP_INITIALIZED = 2,   /* written: reads are fine */
	KMEMTRAP_FREED = 3,         /* freed: reads are freed-read errors */
};

/*
 * kmemtrap_track - start tracking [addr, addr+len) with every byte in @state.
 * Returns 0, -EINVAL (untrackable memory, len 0, bad state), -ENOSPC (max_pages reached; nothing
 * is tracked then), -ENODEV (kmemtrap is unloading), or the error of an allocator hook that
 * could not be attached (the first tracked range attaches them; nothing is tracked then). Each call must be matched by one
 * kmemtrap_untrack() of the same range.
 */
int kmemtrap_track(const void *addr, size_t len, enum kmemtrap_state state);

/* kmemtrap_untrack - stop tracking [addr, addr+len); the bytes count as initialized again. */
void kmemtrap_untrack(const void *addr, size_t len);

/* kmemtrap_set_state - set the state of tracked bytes in [addr, addr+len); others are ignored. */
void kmemtrap_set_state(const void *addr, size_t len, enum kmemtrap_state state);

/* kmemtrap_mark_initialized - shorthand for kmemtrap_set_state(..., KMEMTRAP_INITIALIZED). */
void kmemtrap_mark_initialized(const void *addr, size_t len);

/*
 * kmemtrap_check - check [addr, addr+len) now, as if the caller read it.
 * Returns 0 if every byte is initialized (or untracked), else -EFAULT, and queues a report
 * attributed to the caller. *@bad (if not NULL) gets the first bad byte's offset.
 */
int kmemtrap_check(const void *addr, size_t len, size_t *bad);

/* kmemtrap_get_state - the state of one byte (KMEMTRAP_INITIALIZED if untracked). */
enum kmemtrap_state kmemtrap_get_state(const void *addr);

#endif /* KMEMTRAP_KMEMTRAP_H */
