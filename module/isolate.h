/* SPDX-License-Identifier: GPL-2.0 */
/*
 * isolate.h - tracked kmalloc objects on pages of their own (isolate.c), so that their untracked
 * neighbours never trap.
 */
#ifndef KMT_ISOLATE_H
#define KMT_ISOLATE_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/hash.h>
#include <linux/types.h>
#include <asm/page.h>

/*
 * What isolate.c asks of the allocation tracking (alloc.c) that calls it; passed in, so that the
 * two files do not use each other (tools/check-layers.sh).
 */
struct kmt_iso_ops {
	/*
	 * The wrapper's end: what kmalloc returned for @req bytes with @gfp becomes the object the
	 * caller gets.
	 */
	void *(*finish)(void *ret, unsigned long call_site, size_t req, gfp_t gfp);
	/* The ftrace callback's question: may a kmalloc called from @call_site be isolated? */
	bool (*may_isolate)(unsigned long call_site);
	/* The object at @ptr is freed (its record and shadow). */
	void (*on_free)(const void *ptr);
	/* Whether the selection moves the objects of the module named @name (track_modules=). */
	bool (*module_selected)(const char *name);
	/*
	 * A selected module has objects that cannot be moved (kmem_cache ones, large kmalloc ones,
	 * calls not rewritten; @why says which, for the log): the allocator's tracepoints must see
	 * them. Process context.
	 */
	void (*needs_tracepoints)(const char *why);
};

/*
 * Sets up the pool and the hooks the first time a selection that isolates is made (process
 * context, after the direct map is split). Returns 0, or an error (isolation then stays off and
 * objects are tracked where the allocator put them).
 */
int kmt_iso_activate(const struct kmt_iso_ops *ops);
/*
 * Which kmalloc calls reach the isolating wrapper: those of the selected modules (their calls
 * rewritten, and the kernel's calls of the track_caller entry point), or all of them (sampling:
 * an ftrace callback on each entry point). 0: none. alloc.c sets it with each selection.
 */
#define KMT_ISO_MODULES 1ul
#define KMT_ISO_SAMPLING 2ul
void kmt_iso_set_mode(unsigned long mode);
/*
 * Whether every object the selection tracks is moved by the rewritten calls, and its free seen
 * by isolate.c's own hook: then the allocator's tracepoints are not needed (unless a selected
 * module calls an entry point whose objects cannot be moved: ops->needs_tracepoints).
 */
bool kmt_iso_rewrites_only(void);
/* Unhooks, waits for the wrappers in flight, gives back every pool page no object lives on. */
void kmt_iso_exit(void);

/* Whether @call_site, seen by the kmalloc tracepoint, is the isolating wrapper's call. Inline. */
extern unsigned long kmt_iso_site; /* (isolate.c) */
static inline bool kmt_iso_is_site(unsigned long call_site)
{
	return call_site == READ_ONCE(kmt_iso_site) && call_site;
}

/*
 * Puts a new object of @req bytes (@alloc given) on a pool slot of its own: copies its @req bytes
 * from @orig, gives it its record and shadow. Returns the slot's address, or NULL (no free slot,
 * too large, no record): the caller then tracks @orig where it is. Preemption off.
 */
void *kmt_iso_place(const void *orig, u32 req, u32 alloc, gfp_t gfp, const char *cache);
/* Whether @addr is in a pool slot. Trap-safe. */
bool kmt_iso_owns(const void *addr);
/*
 * A slot: a 16 KiB large kmalloc allocation (isolate.c). A filter of the 16 KiB units of
 * address holding one (a bit per hashed unit, 8 KiB) answers most frees of other objects.
 */
#define KMT_ISO_SLOT (4 * PAGE_SIZE)
#define KMT_ISO_UNIT_BITS 16
extern unsigned long kmt_iso_lo, kmt_iso_hi; /* (isolate.c) */
extern unsigned long kmt_iso_units[];

static inline u32 kmt_iso_unit_bit(unsigned long unit)
{
	return (u32)hash_long(unit, KMT_ISO_UNIT_BITS);
}

/* False when @addr is certainly in no slot (inline, for every kfree()); else ask kmt_iso_owns(). */
static inline bool kmt_iso_may_own(const void *addr)
{
	unsigned long a = (unsigned long)addr;

	return a - READ_ONCE(kmt_iso_lo) < READ_ONCE(kmt_iso_hi) - READ_ONCE(kmt_iso_lo) &&
	       test_bit(kmt_iso_unit_bit(a / KMT_ISO_SLOT), kmt_iso_units);
}
/*
 * A free of a pool object by @caller, from isolate.c's hook on free_large_kmalloc(), before
 * the kernel's own: the slot goes to quarantine. A double free (or a pointer inside an object) is
 * said and made harmless. Preemption off.
 */
void kmt_iso_free(const void *addr, unsigned long caller);


#endif /* KMT_ISOLATE_H */
