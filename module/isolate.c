// SPDX-License-Identifier: GPL-2.0
/*
 * isolate.c - tracked kmalloc objects on pages of their own, as KFENCE places its objects.
 *
 * A tracked object shares its slab page with untracked ones, and every access to that page traps:
 * with track_modules=, one tracked kmalloc-64 object makes the other 63 objects on its page trap.
 * Here such an object is moved, as the allocation returns, to a slot of a pool of its own: a
 * 16 KiB large-kmalloc allocation of kmemtrap's, the object at its start, every other byte of its
 * first two pages unallocated, so that a read past the object's end is reported.
 * The allocator's object is given back at once; its page is never hidden.
 *
 * Which objects: kmalloc objects selected by track_modules=, or by sampling (sample_interval=);
 * not those of a whole selected cache (track_caches=, track_all=1 without sampling), whose
 * neighbours are tracked anyway, and not kmem_cache_alloc() objects (their cache must get them
 * back: kmem_cache_free() of a page that is not a slab page leaks the object with a warning once
 * kmemtrap is gone).
 *
 * How:
 * - Calls of the kmalloc entry points (__kmalloc, kmalloc_trace, ...; see kmt_iso_fns) reach a
 *   wrapper when they may be isolated. Modules selected (track_modules=): the selected modules'
 *   calls are rewritten to call the wrapper (callsites.c), and so are the kernel's own calls of
 *   the track_caller entry point (kstrdup(), kmemdup(), ...: the caller is an argument) and its
 *   tail jumps to any entry point (kvmalloc_node()); a wrapper sends a caller outside the
 *   selected modules' text straight on (a tail jump); nothing else pays.
 *   Sampling (or no text_poke_bp): an ftrace callback (FTRACE_OPS_FL_IPMODIFY, as alloc.c's bulk
 *   hooks) on each entry point sends a call there when sampling's next turn is near. The
 *   wrapper calls the real function from a single call site; the kmalloc tracepoint inside (if
 *   alloc.c attached it) sees that site as its call_site and leaves the object alone. When the
 *   function returns, alloc.c decides with the real caller and the entry point's size and flags
 *   arguments (kmt_iso_ops->finish): isolate, track in place, or nothing.
 *   __kmalloc_node_track_caller's caller argument is replaced by that site for the same reason.
 *   Calls are rewritten, or callbacks registered, only while the selection moves objects
 *   (kmt_iso_set_mode()).
 * - Frees: an ftrace callback on free_large_kmalloc() (which kfree() and kmem_cache_free_bulk()
 *   call for a large kmalloc object) tells isolate.c before the kernel's put, and a reference of
 *   kmemtrap's own keeps the slot's pages (kmt_iso_kernel_ref()): no hook on kfree(), which
 *   every free in the kernel would pay; only large frees pay the callback. So a selection whose
 *   objects are all moved needs none of the allocator's tracepoints (alloc.c attaches them only
 *   when asked: kmt_iso_ops->needs_tracepoints). ksize() (__ksize() on 6.1, which krealloc()
 *   calls) is sent to our version when its pointer is in a pool slot.
 * - A freed slot keeps its page hidden and its bytes freed (a use after free is reported) until
 *   it is the oldest freed slot and a new object needs one.
 * - Unload: the hooks go, the wrappers in flight are waited for (a GFP_KERNEL kmalloc can sleep
 *   inside), then every slot without a live object is given back. A live object's slot stays
 *   allocated: to the kernel it is a large kmalloc allocation, which kfree() frees and ksize()
 *   measures (16 KiB from the object's start, which is the slot's start) without kmemtrap.
 *
 * Memory: isolate= slots (default 128) of 16 KiB, 2 MiB, allocated once, when a selection that
 * isolates is first made, and held until unload; 2 tracked pages per slot.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "kmt.h"
#include "callsites.h"
#include "compat.h"
#include "counters.h"
#include "isolate.h"
#include "objects.h"
#include "pages.h"
#include "symbols.h"

/*
 * A slot is a 16 KiB large kmalloc allocation: the smallest that the kernel's kfree() and ksize()
 * take for one without kmemtrap (ksize() warns about a page allocation of at most
 * KMALLOC_MAX_CACHE_SIZE, 8 KiB). Its first two pages are tracked: an object of up to 8 KiB
 * (kmalloc-8k) fits, and the page after one of up to 4 KiB is a guard.
 */
#define KMT_ISO_TRACKED (2 * PAGE_SIZE)
#define KMT_ISO_MAX_SLOTS 65536

static unsigned int kmt_isolate = 128;

static int kmt_isolate_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > KMT_ISO_MAX_SLOTS) {
		pr_err("invalid isolate '%.*s': must be 0..%u\n", (int)strcspn(val, "\n"), val,
		       KMT_ISO_MAX_SLOTS);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops kmt_isolate_ops = { .set = kmt_isolate_set,
							 .get = param_get_uint };
module_param_cb(isolate, &kmt_isolate_ops, &kmt_isolate, 0444);
MODULE_PARM_DESC(isolate, "Pool slots (16 KiB each) for tracked kmalloc objects moved to pages of their own (track_modules=, sampling); 0: never move objects (default 128, at most 65536)");

/* ---- pool --------------------------------------------------------------------------------- */

enum kmt_iso_state { KMT_ISO_FREE, KMT_ISO_LIVE, KMT_ISO_FREEING, KMT_ISO_QUARANTINE };

struct kmt_iso_slot {
	unsigned long addr;   /* the slot's 16 KiB; the object starts here */
	u32 size;             /* the object's size as ksize() says it (its kmalloc cache's) */
	u32 state;
	struct kmt_page *pg[2];
};

static struct kmt_iso_slot *kmt_iso_slots; /* sorted by address, fixed once active */
static unsigned int kmt_iso_n;
unsigned long kmt_iso_lo, kmt_iso_hi; /* [lo, hi): every slot is inside */
/* The 16 KiB units of address that hold a slot, hashed (isolate.h): never freed, cleared with the pool. */
unsigned long kmt_iso_units[BITS_TO_LONGS(1u << KMT_ISO_UNIT_BITS)];
/*
 * Index + 1 of the slot holding each 16 KiB unit of address (address / KMT_ISO_SLOT, hashed,
 * linear probing; a slot not aligned to 16 KiB is in under both units it touches); fixed with
 * the pool. Every kfree() of the kernel asks whether its pointer is a slot's (kmt_iso_owns()):
 * slots scattered over the direct map leave [lo, hi) wide, and a binary search over them cost
 * more than the free itself under TCG.
 */
static u32 *kmt_iso_hash;
static unsigned int kmt_iso_hmask;
static unsigned int *kmt_iso_unused, kmt_iso_nunused;   /* slots never used, a stack */
static unsigned int *kmt_iso_fifo, kmt_iso_fhead, kmt_iso_flen; /* freed slots, oldest first */
static DEFINE_RAW_SPINLOCK(kmt_iso_lock);
static bool kmt_iso_on;
static DEFINE_MUTEX(kmt_iso_mutex);
static atomic_t kmt_iso_inflight = ATOMIC_INIT(0);
static const struct kmt_iso_ops *kmt_iso_ops;
static unsigned long kmt_iso_mode; /* KMT_ISO_MODULES | KMT_ISO_SAMPLING (kmt_iso_set_mode()) */

static u32 kmt_iso_hash_of(unsigned long unit)
{
	return (u32)hash_long(unit, 32) & kmt_iso_hmask;
}

static struct kmt_iso_slot *kmt_iso_lookup(unsigned long a)
{
	u32 h, v, n;

	if (a - kmt_iso_lo >= kmt_iso_hi - kmt_iso_lo || !kmt_iso_hash)
		return NULL;
	for (h = kmt_iso_hash_of(a / KMT_ISO_SLOT), n = 0; n <= kmt_iso_hmask; h = (h + 1) & kmt_iso_hmask, n++) {
		struct kmt_iso_slot *s;

		v = READ_ONCE(kmt_iso_hash[h]);
		if (!v || v > kmt_iso_n)
			return NULL;
		s = &kmt_iso_slots[v - 1];
		if (a - s->addr < KMT_ISO_SLOT)
			return s;
	}
	return NULL;
}

/* The hash of the sorted pool (process context, before the pool is active). */
static int kmt_iso_make_hash(unsigned int n)
{
	unsigned int size = roundup_pow_of_two(4 * n), i;

	kmt_iso_hash = vzalloc(array_size(size, sizeof(*kmt_iso_hash)));
	if (!kmt_iso_hash)
		return -ENOMEM;
	kmt_iso_hmask = size - 1;
	for (i = 0; i < n; i++) {
		unsigned long first = kmt_iso_slots[i].addr / KMT_ISO_SLOT;
		unsigned long last = (kmt_iso_slots[i].addr + KMT_ISO_SLOT - 1) / KMT_ISO_SLOT, unit;

		for (unit = first; unit <= last; unit++) {
			u32 h = kmt_iso_hash_of(unit);

			set_bit(kmt_iso_unit_bit(unit), kmt_iso_units);
			while (kmt_iso_hash[h])
				h = (h + 1) & kmt_iso_hmask;
			kmt_iso_hash[h] = i + 1;
		}
	}
	return 0;
}

bool kmt_iso_owns(const void *addr)
{
	return READ_ONCE(kmt_iso_on) && kmt_iso_lookup((unsigned long)addr);
}

/*
 * A slot's page references and the kernel's slab statistics. Kernel-side, a slot in use is a large
 * kmalloc object: its kfree() (free_large_kmalloc()) takes NR_SLAB_UNRECLAIMABLE_B down by 16 KiB
 * and drops a page reference. kmemtrap keeps one reference of its own on every slot, so that
 * kfree() never frees a slot: FREE (never used) and QUARANTINE slots hold only kmemtrap's, a LIVE
 * one also the kernel's, which its kfree() drops. A slot taken from quarantine gives the statistic
 * its 16 KiB back; a free that the slot did not expect (a double free, or a pointer inside it) is
 * compensated before the kernel's put. No kfree() hook is needed: the callback on
 * free_large_kmalloc() tells kmemtrap first.
 */
static void kmt_iso_kernel_ref(struct kmt_iso_slot *s, int dir)
{
	struct folio *folio = virt_to_folio((void *)s->addr);

	if (dir > 0)
		folio_get(folio);
	else
		folio_put(folio);
	lruvec_stat_mod_folio(folio, NR_SLAB_UNRECLAIMABLE_B, dir * (int)KMT_ISO_SLOT);
}

/* A slot for a new object, LIVE; *@was says what it was (FREE or QUARANTINE). */
static struct kmt_iso_slot *kmt_iso_take(u32 *was)
{
	struct kmt_iso_slot *s = NULL;
	unsigned long flags;

	raw_spin_lock_irqsave(&kmt_iso_lock, flags);
	if (kmt_iso_nunused) {
		s = &kmt_iso_slots[kmt_iso_unused[--kmt_iso_nunused]];
	} else if (kmt_iso_flen) {
		s = &kmt_iso_slots[kmt_iso_fifo[kmt_iso_fhead]];
		kmt_iso_fhead = (kmt_iso_fhead + 1) % kmt_iso_n;
		kmt_iso_flen--;
	}
	if (s) {
		*was = s->state;
		s->state = KMT_ISO_LIVE;
	}
	raw_spin_unlock_irqrestore(&kmt_iso_lock, flags);
	return s;
}

/* @s from state @from to @to under the lock; false if it was not in @from. */
static bool kmt_iso_move(struct kmt_iso_slot *s, u32 from, u32 to)
{
	unsigned long flags;
	bool ok;

	raw_spin_lock_irqsave(&kmt_iso_lock, flags);
	ok = s->state == from;
	if (ok)
		s->state = to;
	raw_spin_unlock_irqrestore(&kmt_iso_lock, flags);
	return ok;
}

/* Back to the freed slots, as the newest (@s is LIVE or FREEING: no one else can move it). */
static void kmt_iso_give_back(struct kmt_iso_slot *s)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kmt_iso_lock, flags);
	s->state = KMT_ISO_QUARANTINE;
	kmt_iso_fifo[(kmt_iso_fhead + kmt_iso_flen++) % kmt_iso_n] = s - kmt_iso_slots;
	raw_spin_unlock_irqrestore(&kmt_iso_lock, flags);
}

void *kmt_iso_place(const void *orig, u32 req, u32 alloc, gfp_t gfp, const char *cache)
{
	struct kmt_iso_slot *s;
	u32 was;

	if (alloc > KMT_ISO_TRACKED || req > alloc)
		return NULL;
	s = kmt_iso_take(&was);
	if (!s) {
		kmt_count(KMT_CNT_ISOLATE_POOL_FULL);
		return NULL;
	}
	/* The kernel's reference (and, from quarantine, the statistic its kfree() took down). */
	folio_get(virt_to_folio((void *)s->addr));
	if (was == KMT_ISO_QUARANTINE)
		lruvec_stat_mod_folio(virt_to_folio((void *)s->addr), NR_SLAB_UNRECLAIMABLE_B,
				      KMT_ISO_SLOT);
	kmt_object_reused(s->addr, false); /* the slot's previous object, freed */
	kmt_shadow_set(&kmt_shadow, s->addr, KMT_ISO_TRACKED, KMT_SHADOW_UNALLOCATED);
	if (!kmt_pages_copy_unseen(s->addr, (unsigned long)orig, req) ||
	    kmt_object_alloc(s->addr, req, alloc, cache, false)) {
		kmt_count(KMT_CNT_OBJECTS_SKIPPED_OTHER);
		kmt_iso_kernel_ref(s, -1); /* as if the kernel had freed it: a QUARANTINE slot */
		kmt_iso_give_back(s);
		return NULL;
	}
	s->size = alloc;
	kmt_shadow_set(&kmt_shadow, s->addr, req,
		       (gfp & __GFP_ZERO) || want_init_on_alloc(gfp) ? KMT_SHADOW_INIT :
								       KMT_SHADOW_UNINIT);
	kmt_pages_flush_local(s->addr, alloc);
	kmt_count(KMT_CNT_OBJECTS_ISOLATED);
	return (void *)s->addr;
}

void kmt_iso_free(const void *addr, unsigned long caller)
{
	struct kmt_iso_slot *s = kmt_iso_lookup((unsigned long)addr);

	if (!s)
		return;
	if ((unsigned long)addr != s->addr || !kmt_iso_move(s, KMT_ISO_LIVE, KMT_ISO_FREEING)) {
		/*
		 * A double free, or a pointer inside the object: the kernel will drop a reference
		 * and the statistic that the slot does not hold for it. Given back first, so the
		 * slot stays as it is.
		 */
		kmt_iso_kernel_ref(s, 1);
		kmt_count(KMT_CNT_ISOLATE_BAD_FREES);
		printk_ratelimited(KERN_ERR "BUG: kmemtrap: invalid free of %px (%s) by %pS: ignored\n", addr,
				   (unsigned long)addr == s->addr ? "an object already freed" :
				   "not an object's start", (void *)caller);
		return;
	}
	kmt_iso_ops->on_free(addr); /* freed bytes, free stack: before the slot can be reused */
	kmt_iso_give_back(s);
}

/* ---- hooks: where the kernel's functions are sent ------------------------------------------ */

static size_t notrace kmt_iso_ksize(const void *p)
{
	struct kmt_iso_slot *s = kmt_iso_lookup((unsigned long)p);

	return s && READ_ONCE(s->state) == KMT_ISO_LIVE ? s->size : 0;
}

typedef unsigned long (*kmt_iso_fn_t)(unsigned long, unsigned long, unsigned long, unsigned long,
				      unsigned long, unsigned long);

/*
 * The kmalloc entry points (each calls the kmalloc tracepoint), and which arguments are the caller
 * (-1: none), the size and the gfp flags.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#ifdef CONFIG_SLAB_BUCKETS
#define KMT_TRACK_CALLER_ARG 4 /* (size, buckets, flags, node, caller) */
#else
#define KMT_TRACK_CALLER_ARG 3
#endif
#define KMT_TRACK_CALLER_FN __kmalloc_node_track_caller_noprof
/* (size, [buckets,] flags, node, ...): the flags after a size that may have buckets */
#define KMT_BUCKETS_FLAGS_ARG (KMT_TRACK_CALLER_ARG - 2)
#define KMT_ISO_ALLOC_FNS(X)                                                          \
	X("__kmalloc_noprof", __kmalloc_noprof, -1, 0, 1)                             \
	X("__kmalloc_node_noprof", __kmalloc_node_noprof, -1, 0, KMT_BUCKETS_FLAGS_ARG) \
	X("__kmalloc_cache_noprof", __kmalloc_cache_noprof, -1, 2, 1)                 \
	X("__kmalloc_cache_node_noprof", __kmalloc_cache_node_noprof, -1, 3, 1)       \
	X("__kmalloc_node_track_caller_noprof", KMT_TRACK_CALLER_FN, KMT_TRACK_CALLER_ARG, 0, \
	  KMT_BUCKETS_FLAGS_ARG)
/* The entry points whose objects only the tracepoints see (tracked in place). */
#define KMT_INPLACE_ALLOC_FNS { "kmem_cache_alloc_noprof", "kmem_cache_alloc_lru_noprof", \
	"kmem_cache_alloc_node_noprof", "kmem_cache_alloc_bulk_noprof", "__kmalloc_large_noprof", \
	"__kmalloc_large_node_noprof" }
#define kmt_iso_kmalloc_large(size, gfp) __kmalloc_large_noprof(size, gfp)
#define KMT_KREALLOC_KSIZE "ksize"
#else
#define KMT_TRACK_CALLER_ARG 3
#define KMT_TRACK_CALLER_FN __kmalloc_node_track_caller
#define KMT_ISO_ALLOC_FNS(X)                                                          \
	X("__kmalloc", __kmalloc, -1, 0, 1)                                           \
	X("__kmalloc_node", __kmalloc_node, -1, 0, 1)                                 \
	X("kmalloc_trace", kmalloc_trace, -1, 2, 1)                                   \
	X("kmalloc_node_trace", kmalloc_node_trace, -1, 3, 1)                         \
	X("__kmalloc_node_track_caller", KMT_TRACK_CALLER_FN, KMT_TRACK_CALLER_ARG, 0, 1)
#define KMT_INPLACE_ALLOC_FNS { "kmem_cache_alloc", "kmem_cache_alloc_lru", "kmem_cache_alloc_node", \
	"kmem_cache_alloc_bulk", "kmalloc_large", "kmalloc_large_node" }
#define kmt_iso_kmalloc_large(size, gfp) kmalloc_large(size, gfp)
#define KMT_KREALLOC_KSIZE "__ksize" /* krealloc() calls it, not ksize() */
#endif

#define KMT_ISO_FN(name, fn, caller, size, gfp) { name, (kmt_iso_fn_t)(void *)fn, caller, size, gfp },
static const struct {
	const char *name;
	kmt_iso_fn_t fn;
	int caller_arg, size_arg, gfp_arg;
} kmt_iso_fns[] = { KMT_ISO_ALLOC_FNS(KMT_ISO_FN) };
#define KMT_ISO_NFNS ARRAY_SIZE(kmt_iso_fns)
#define KMT_ISO_TC (KMT_ISO_NFNS - 1) /* the track_caller entry point: last (checked at activation) */

static kmt_iso_fn_t kmt_iso_call_fn[KMT_ISO_NFNS + 1]; /* the last: calibration */
unsigned long kmt_iso_site;                             /* the return address of that call */

/* The one call of a kmalloc entry point: its return address is what the tracepoint sees. */
static noinline unsigned long notrace kmt_iso_call(unsigned int i, unsigned long *a)
{
	unsigned long ret = kmt_iso_call_fn[i](a[0], a[1], a[2], a[3], a[4], a[5]);

	asm volatile("" : "+r"(ret)); /* a call, never a tail jump: its return address is the site */
	return ret;
}

static unsigned long notrace kmt_iso_wrap(unsigned int i, unsigned long caller, unsigned long a0,
					  unsigned long a1, unsigned long a2, unsigned long a3,
					  unsigned long a4, unsigned long a5)
{
	unsigned long a[6] = { a0, a1, a2, a3, a4, a5 }, ret;

	atomic_inc(&kmt_iso_inflight);
	if (kmt_iso_fns[i].caller_arg >= 0) {
		caller = a[kmt_iso_fns[i].caller_arg];
		a[kmt_iso_fns[i].caller_arg] = kmt_iso_site;
	}
	ret = kmt_iso_call(i, a);
	ret = (unsigned long)kmt_iso_ops->finish((void *)ret, caller, a[kmt_iso_fns[i].size_arg],
						 (gfp_t)a[kmt_iso_fns[i].gfp_arg]);
	atomic_dec(&kmt_iso_inflight);
	return ret;
}


/*
 * The text of the modules whose calls are rewritten (core, and init while coming), for the
 * wrappers' filter: a caller outside them goes straight on. Written under
 * kmt_iso_mutex, read without a lock: a stale or torn entry only sends a call the other way,
 * and both ways are right (the slow one decides with the real caller; the direct one leaves
 * the tracepoint to track the object where it is).
 */
struct kmt_iso_range {
	unsigned long start, end;
	const struct module *mod;
	bool init;
};
#define KMT_ISO_RANGES 64
static struct kmt_iso_range kmt_iso_ranges[KMT_ISO_RANGES];
static unsigned int kmt_iso_nranges;
static bool kmt_iso_ranges_full; /* then every module caller takes the slow way */

/*
 * Whether a kmalloc for @caller goes straight on: not sampling (the ftrace callback has decided
 * then), and the caller outside the selected modules' text. Inline in the wrappers' fast path.
 */
static __always_inline bool kmt_iso_pass_on(unsigned long caller)
{
	unsigned int i, n;

	if (READ_ONCE(kmt_iso_mode) & KMT_ISO_SAMPLING)
		return false;
	if (caller < MODULES_VADDR || caller >= MODULES_END)
		return true;
	if (READ_ONCE(kmt_iso_ranges_full))
		return false; /* (the wrapper's end decides with the selection) */
	n = min_t(unsigned int, READ_ONCE(kmt_iso_nranges), KMT_ISO_RANGES);
	for (i = 0; i < n; i++)
		if (caller - READ_ONCE(kmt_iso_ranges[i].start) <
		    READ_ONCE(kmt_iso_ranges[i].end) - READ_ONCE(kmt_iso_ranges[i].start))
			return false;
	return true;
}

/* Under kmt_iso_mutex. */
static void kmt_iso_range_add(const struct module *mod, unsigned long start, unsigned long end,
			      bool init)
{
	struct kmt_iso_range *r;

	if (start == end)
		return;
	if (kmt_iso_nranges == KMT_ISO_RANGES) {
		WRITE_ONCE(kmt_iso_ranges_full, true);
		return;
	}
	r = &kmt_iso_ranges[kmt_iso_nranges];
	WRITE_ONCE(r->start, start);
	WRITE_ONCE(r->end, end);
	r->mod = mod;
	r->init = init;
	smp_wmb(); /* (a reader that sees the count sees the entry) */
	WRITE_ONCE(kmt_iso_nranges, kmt_iso_nranges + 1);
}

/* @mod's ranges (NULL: all; @init_only: its init text's) removed. Under kmt_iso_mutex. */
static void kmt_iso_range_drop(const struct module *mod, bool init_only)
{
	unsigned int i;

	for (i = 0; i < kmt_iso_nranges;) {
		struct kmt_iso_range *r = &kmt_iso_ranges[i], *last;

		if ((mod && r->mod != mod) || (init_only && !r->init)) {
			i++;
			continue;
		}
		last = &kmt_iso_ranges[kmt_iso_nranges - 1];
		/* (a reader meanwhile may see a mixed range: it only sends a call the slow way) */
		WRITE_ONCE(r->end, r->start);
		WRITE_ONCE(r->start, last->start);
		WRITE_ONCE(r->end, last->end);
		r->mod = last->mod;
		r->init = last->init;
		WRITE_ONCE(kmt_iso_nranges, kmt_iso_nranges - 1);
	}
	if (!mod)
		WRITE_ONCE(kmt_iso_ranges_full, false);
}

static bool kmt_iso_range_has(const struct module *mod)
{
	unsigned int i;

	for (i = 0; i < kmt_iso_nranges; i++)
		if (kmt_iso_ranges[i].mod == mod)
			return true;
	return false;
}

/*
 * The wrappers, one per entry point, where rewritten calls (and the ftrace callback) send them.
 * A call whose caller (the return address; the argument for track_caller) is not in a selected
 * module's text goes straight on by a tail jump, so the function sees the same return address
 * and the tracepoint the same call site as without kmemtrap: the kernel's tail jumps to the
 * entry points are rewritten too (kvmalloc_node() ends with one to __kmalloc_node(), for a
 * module's kvmalloc()), and the kernel's calls of the track_caller entry point (kstrdup(),
 * kmemdup(), krealloc(), devm_kmalloc(), ...: the caller that counts is an argument).
 */
#define KMT_ISO_WRAPPER(i)                                                                        \
	static noinline unsigned long notrace kmt_iso_slow##i(unsigned long a0, unsigned long a1,  \
							     unsigned long a2, unsigned long a3, \
							     unsigned long a4, unsigned long a5) \
	{                                                                                          \
		return kmt_iso_wrap(i, (unsigned long)__builtin_return_address(0), a0, a1, a2, a3, \
				    a4, a5);                                                       \
	}                                                                                          \
	static noinline unsigned long notrace kmt_iso_wrap##i(unsigned long a0, unsigned long a1, \
							     unsigned long a2, unsigned long a3, \
							     unsigned long a4, unsigned long a5) \
	{                                                                                          \
		kmt_iso_fn_t fn = kmt_iso_fns[i].fn; /* (a constant: a direct jump) */            \
		unsigned long a[6] = { a0, a1, a2, a3, a4, a5 };                                   \
		unsigned long caller = kmt_iso_fns[i].caller_arg >= 0 ?                            \
			a[kmt_iso_fns[i].caller_arg] : (unsigned long)__builtin_return_address(0); \
                                                                                                   \
		if (kmt_iso_pass_on(caller))                                                       \
			return fn(a0, a1, a2, a3, a4, a5);                                         \
		return kmt_iso_slow##i(a0, a1, a2, a3, a4, a5); /* (a tail jump too) */           \
	}
KMT_ISO_WRAPPER(0)
KMT_ISO_WRAPPER(1)
KMT_ISO_WRAPPER(2)
KMT_ISO_WRAPPER(3)
KMT_ISO_WRAPPER(4)
static kmt_iso_fn_t const kmt_iso_wrappers[] = { kmt_iso_wrap0, kmt_iso_wrap1, kmt_iso_wrap2,
						 kmt_iso_wrap3, kmt_iso_wrap4 };
static kmt_iso_fn_t const kmt_iso_slows[] = { kmt_iso_slow0, kmt_iso_slow1, kmt_iso_slow2,
					      kmt_iso_slow3, kmt_iso_slow4 };
static_assert(ARRAY_SIZE(kmt_iso_wrappers) == KMT_ISO_NFNS);

static noinline unsigned long notrace kmt_iso_calibrate(unsigned long a0, unsigned long a1,
							unsigned long a2, unsigned long a3,
							unsigned long a4, unsigned long a5)
{
	WRITE_ONCE(kmt_iso_site, (unsigned long)__builtin_return_address(0));
	return 0;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define kmt_fregs_pt(f) (&arch_ftrace_regs(f)->regs)
#define kmt_fregs_set_ip(f, ip) ftrace_regs_set_instruction_pointer(f, ip)
#else
#define kmt_fregs_pt(f) (&(f)->regs)
#define kmt_fregs_set_ip(f, ip) ftrace_instruction_pointer_set(f, ip)
#endif

static unsigned long kmt_pt_arg(const struct pt_regs *r, int n)
{
	switch (n) {
	case 0: return r->di;
	case 1: return r->si;
	case 2: return r->dx;
	case 3: return r->cx;
	case 4: return r->r8;
	default: return r->r9;
	}
}

/* Allocation: whether this call may give an object to isolate (alloc.c decides for good). */
static void notrace kmt_iso_alloc_redirect(unsigned long ip, unsigned long parent_ip,
					   struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	unsigned int i = (unsigned long)op->private;
	unsigned long site = parent_ip, mode = READ_ONCE(kmt_iso_mode);

	if (kmt_iso_fns[i].caller_arg >= 0)
		site = kmt_pt_arg(kmt_fregs_pt(fregs), kmt_iso_fns[i].caller_arg);
	/* Every kmalloc in the kernel comes here: the core kernel's leave after two compares. */
	if (!(mode & KMT_ISO_SAMPLING) &&
	    (!(mode & KMT_ISO_MODULES) || site < MODULES_VADDR || site >= MODULES_END))
		return;
	if (within_module(parent_ip, THIS_MODULE))
		return; /* our wrapper's own call, or our own allocations */
	if (!kmt_iso_ops->may_isolate(site))
		return;
	kmt_fregs_set_ip(fregs, (unsigned long)kmt_iso_wrappers[i]);
}

/* ksize(): only for a pointer in a pool slot. */
static void notrace kmt_iso_size_redirect(unsigned long ip, unsigned long parent_ip,
					  struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	if (kmt_iso_lookup(kmt_fregs_pt(fregs)->di))
		kmt_fregs_set_ip(fregs, (unsigned long)op->private);
}

/*
 * kfree() of a large kmalloc object: kfree() (a tail jump) and kmem_cache_free_bulk() call
 * free_large_kmalloc(folio, object) on both kernels, before the kernel drops its page
 * reference. A pool object's free is seen here, and only large frees pay the callback: no
 * tracepoint on kfree(), which every free in the kernel would pay.
 */
static void notrace kmt_iso_large_free(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	const void *obj = (const void *)kmt_fregs_pt(fregs)->si;

	if (!kmt_iso_may_own(obj))
		return;
	preempt_disable_notrace();
	kmt_iso_free(obj, parent_ip);
	preempt_enable_notrace();
}

#define KMT_ISO_OPS_FLAGS (FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_RECURSION)
#define KMT_ISO_LARGE_FREE "free_large_kmalloc"
static const char *const kmt_iso_free_names[] = { "__ksize", "ksize", KMT_ISO_LARGE_FREE };
#define KMT_ISO_LARGE_FREE_OPS 2 /* (its index in both arrays) */
static struct ftrace_ops kmt_iso_free_ops[] = {
	{ .func = kmt_iso_size_redirect, .private = kmt_iso_ksize, .flags = KMT_ISO_OPS_FLAGS },
	{ .func = kmt_iso_size_redirect, .private = kmt_iso_ksize, .flags = KMT_ISO_OPS_FLAGS },
	{ .func = kmt_iso_large_free, .flags = FTRACE_OPS_FL_RECURSION },
};
static bool kmt_iso_free_on[ARRAY_SIZE(kmt_iso_free_ops)];
static struct ftrace_ops kmt_iso_alloc_ops[KMT_ISO_NFNS];
static bool kmt_iso_alloc_on[KMT_ISO_NFNS];

/*
 * The ops may be registered again later (kmt_iso_set_mode()): its filter is replaced by the next
 * ftrace_set_filter(reset), and freed only at unload (ftrace_free_filter() leaves the ops pointing
 * at the freed hashes: a later ftrace_set_filter() on it would use them).
 */
static int kmt_iso_hook(struct ftrace_ops *ops, const char *name)
{
	int ret = ftrace_set_filter(ops, (unsigned char *)name, strlen(name), 1);

	if (!ret)
		ret = register_ftrace_function(ops);
	return ret;
}

/* ---- set-up and tear-down ------------------------------------------------------------------ */

static int kmt_iso_cmp(const void *a, const void *b)
{
	const struct kmt_iso_slot *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* ---- rewritten calls: the selected modules' kmalloc calls, the kernel's track_caller ones --- */

static bool kmt_iso_cs_ok;      /* callsites.c works on this kernel (else: ftrace for modules too) */
static bool kmt_iso_rewriting;  /* calls are rewritten now (modules selected, no sampling) */
static bool kmt_iso_module_nb_on;
static bool kmt_iso_core_said;

/*
 * @t (KMT_ISO_NFNS entries): each entry point sent to its wrapper, from a module's calls and
 * tail jumps, or (@core) from the kernel's tail jumps and its calls of the track_caller entry
 * point only.
 */
static void kmt_iso_targets(struct kmt_cs_target *t, bool core)
{
	unsigned int i;

	for (i = 0; i < KMT_ISO_NFNS; i++)
		t[i] = (struct kmt_cs_target){ (unsigned long)kmt_iso_fns[i].fn,
					       (unsigned long)kmt_iso_wrappers[i],
					       KMT_CS_JMP | (!core || i == KMT_ISO_TC ? KMT_CS_CALL : 0) };
}

/*
 * The entry points whose objects cannot be moved (kmem_cache objects, large kmalloc ones): the
 * tracepoints track them in place. A selected module that calls one needs the tracepoints.
 */
static const char *const kmt_iso_inplace_names[] = KMT_INPLACE_ALLOC_FNS;
static struct kmt_cs_target kmt_iso_inplace[ARRAY_SIZE(kmt_iso_inplace_names)];
static unsigned int kmt_iso_ninplace;

static void kmt_iso_find_inplace(void)
{
	unsigned int i;

	kmt_iso_ninplace = 0;
	for (i = 0; i < ARRAY_SIZE(kmt_iso_inplace_names); i++) {
		unsigned long fn = kmt_lookup_symbol(kmt_iso_inplace_names[i]);

		if (fn) /* (one may be missing: inlined, or not in this kernel) */
			kmt_iso_inplace[kmt_iso_ninplace++] =
				(struct kmt_cs_target){ fn, 0, KMT_CS_CALL | KMT_CS_JMP };
	}
}

static void kmt_iso_say_needs(const struct module *mod, const char *what)
{
	char why[MODULE_NAME_LEN + 64];

	snprintf(why, sizeof(why), "%s %s", mod->name, what);
	kmt_iso_ops->needs_tracepoints(why);
}

/* Whether @mod's text (with its init text while it is coming) calls one of them directly. */
static bool kmt_iso_needs_tracepoints(struct module *mod)
{
	unsigned int part;

	for (part = 0; part < 1 + (mod->state == MODULE_STATE_COMING); part++) {
		unsigned long start, end;

		kmt_module_text(mod, part, &start, &end);
		if (kmt_cs_count(start, end, kmt_iso_inplace, kmt_iso_ninplace) > 0)
			return true;
	}
	return false;
}

/* @mod's calls rewritten if the selection names it, put back if not. Under kmt_iso_mutex. */
static void kmt_iso_rewrite_module(struct module *mod, void *unused)
{
	bool want = mod != THIS_MODULE && kmt_iso_ops->module_selected(mod->name);
	struct kmt_cs_target t[KMT_ISO_NFNS];
	unsigned int part;

	if (!want) {
		kmt_cs_restore(mod);
		kmt_iso_range_drop(mod, false);
		return;
	}
	if (kmt_iso_range_has(mod)) /* (its text's range is added before its calls are rewritten) */
		return;
	if (kmt_iso_needs_tracepoints(mod))
		kmt_iso_say_needs(mod, "allocates kmem_cache or large kmalloc objects");
	kmt_iso_targets(t, false);
	/* Init text only while the module is coming: it is freed once the module is live. */
	for (part = 0; part < 1 + (mod->state == MODULE_STATE_COMING); part++) {
		unsigned long start, end;
		int n;

		kmt_module_text(mod, part, &start, &end);
		kmt_iso_range_add(mod, start, end, part);
		n = kmt_cs_redirect(start, end, t, KMT_ISO_NFNS, mod, part);
		if (n > 0)
			kmt_count_add(KMT_CNT_ISOLATE_CALLS_REWRITTEN, n);
		else if (n < 0) {
			pr_err("isolate: cannot rewrite %s's kmalloc calls (error %d): its objects are tracked where the allocator puts them\n",
			       mod->name, n);
			kmt_iso_say_needs(mod, "has kmalloc calls that cannot be rewritten");
		}
	}
}

/* Calls rewritten (@on) for the selection as it is now, or every one put back. Under the mutex. */
static void kmt_iso_rewrite(bool on)
{
	if (!on) {
		if (kmt_iso_rewriting)
			kmt_cs_restore(NULL);
		kmt_iso_range_drop(NULL, false);
		kmt_iso_rewriting = false;
		return;
	}
	if (!kmt_cs_has(KMT_CS_CORE)) {
		/*
		 * The kernel's calls of the track_caller entry point, and its tail jumps to any
		 * (whose caller may be a module's: kvmalloc_node()'s to __kmalloc_node()).
		 */
		struct kmt_cs_target t[KMT_ISO_NFNS];
		int n;

		kmt_iso_targets(t, true);
		n = kmt_cs_redirect(kmt_lookup_symbol("_stext"), kmt_lookup_symbol("_etext"), t,
				    KMT_ISO_NFNS, KMT_CS_CORE, false);
		if (n > 0)
			kmt_count_add(KMT_CNT_ISOLATE_CALLS_REWRITTEN, n);
		if (!kmt_iso_core_said)
			pr_info("isolate: %d calls of %s and tail jumps to the kmalloc entry points rewritten in the kernel's text\n",
				n, kmt_iso_fns[KMT_ISO_TC].name);
		kmt_iso_core_said = true;
	}
	kmt_iso_rewriting = true;
	if (kmt_for_each_module(kmt_iso_rewrite_module, NULL)) {
		pr_warn_once("isolate: modules loaded before kmemtrap cannot be searched: only those loaded later get their objects moved\n");
		/* (theirs are then tracked in place, which needs the tracepoints) */
		kmt_iso_ops->needs_tracepoints("modules loaded before kmemtrap cannot be searched");
	}
}

/* A module coming (its calls rewritten if selected), going live (init text), or going. */
static int kmt_iso_module_event(struct notifier_block *nb, unsigned long ev, void *data)
{
	struct module *mod = data;

	mutex_lock(&kmt_iso_mutex);
	if (ev == MODULE_STATE_COMING) {
		if (kmt_iso_rewriting)
			kmt_iso_rewrite_module(mod, NULL);
	} else if (ev == MODULE_STATE_LIVE || ev == MODULE_STATE_GOING) {
		kmt_cs_forget(mod, ev == MODULE_STATE_LIVE);
		kmt_iso_range_drop(mod, ev == MODULE_STATE_LIVE);
	}
	mutex_unlock(&kmt_iso_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block kmt_iso_module_nb = { .notifier_call = kmt_iso_module_event };

static void kmt_iso_unregister_alloc(void)
{
	unsigned int i;

	for (i = 0; i < KMT_ISO_NFNS; i++) {
		if (kmt_iso_alloc_on[i])
			unregister_ftrace_function(&kmt_iso_alloc_ops[i]);
		kmt_iso_alloc_on[i] = false;
	}
}

/* The kmalloc callbacks off and the rewritten calls put back; then the wrappers in flight. */
static void kmt_iso_unhook_alloc(void)
{
	kmt_iso_unregister_alloc();
	kmt_iso_rewrite(false);
	while (atomic_read(&kmt_iso_inflight)) /* one can sleep in the allocator */
		msleep(1);
	synchronize_rcu_tasks(); /* the last instructions of any of them */
}

/* The kmalloc callbacks on; on failure none is, and *@what names the function. */
static int kmt_iso_hook_alloc(const char **what)
{
	unsigned int i;
	int ret;

	for (i = 0; i < KMT_ISO_NFNS; i++) {
		*what = kmt_iso_fns[i].name;
		if (!kmt_iso_alloc_ops[i].func) { /* once: ftrace keeps flags of its own there */
			kmt_iso_alloc_ops[i].func = kmt_iso_alloc_redirect;
			kmt_iso_alloc_ops[i].private = (void *)(unsigned long)i;
			kmt_iso_alloc_ops[i].flags = KMT_ISO_OPS_FLAGS;
		}
		ret = kmt_iso_hook(&kmt_iso_alloc_ops[i], *what);
		if (ret) {
			kmt_iso_unhook_alloc();
			return ret;
		}
		kmt_iso_alloc_on[i] = true;
	}
	return 0;
}

static void kmt_iso_unhook(void)
{
	unsigned int i;

	kmt_iso_unhook_alloc();
	for (i = 0; i < ARRAY_SIZE(kmt_iso_free_ops); i++) {
		if (kmt_iso_free_on[i])
			unregister_ftrace_function(&kmt_iso_free_ops[i]);
		kmt_iso_free_on[i] = false;
	}
}

/* Unload: every ops' filter freed (none is registered any more). */
static void kmt_iso_free_filters(void)
{
	unsigned int i;

	for (i = 0; i < KMT_ISO_NFNS; i++)
		ftrace_free_filter(&kmt_iso_alloc_ops[i]);
	for (i = 0; i < ARRAY_SIZE(kmt_iso_free_ops); i++)
		ftrace_free_filter(&kmt_iso_free_ops[i]);
}

/*
 * How kmalloc calls reach the wrapper for @mode, under the mutex with the pool set up. Selected
 * modules: their calls are rewritten (and the kernel's track_caller calls), nothing else pays.
 * Sampling, or a kernel where calls cannot be rewritten: an ftrace callback on each kmalloc entry
 * point, which every kmalloc in the kernel pays. Neither while nothing isolates (ksize()'s
 * callbacks and the tracepoints stay, for the objects in the pool).
 */
static void kmt_iso_apply(unsigned long mode)
{
	bool rewrite = (mode & KMT_ISO_MODULES) && !(mode & KMT_ISO_SAMPLING) && kmt_iso_cs_ok;
	bool ftrace = mode && !rewrite;
	const char *what = "";
	int ret;

	if (!mode && (kmt_iso_alloc_on[0] || kmt_iso_rewriting)) {
		kmt_iso_unhook_alloc(); /* (and the wrappers in flight waited for, as at unload) */
		return;
	}
	if (!ftrace)
		kmt_iso_unregister_alloc();
	kmt_iso_rewrite(rewrite);
	if (ftrace && !kmt_iso_alloc_on[0]) {
		ret = kmt_iso_hook_alloc(&what);
		if (ret)
			pr_err("isolate: cannot hook %s through ftrace (error %d): new objects are tracked where the allocator puts them\n",
			       what, ret);
	}
}

bool kmt_iso_rewrites_only(void)
{
	bool only;

	mutex_lock(&kmt_iso_mutex);
	only = kmt_iso_on && kmt_iso_rewriting && !kmt_iso_alloc_on[0] &&
	       kmt_iso_free_on[KMT_ISO_LARGE_FREE_OPS];
	mutex_unlock(&kmt_iso_mutex);
	return only;
}

/* Process context. */
void kmt_iso_set_mode(unsigned long mode)
{
	WRITE_ONCE(kmt_iso_mode, mode);
	mutex_lock(&kmt_iso_mutex);
	if (kmt_iso_on)
		kmt_iso_apply(mode);
	mutex_unlock(&kmt_iso_mutex);
}

/* Gives back the pool; slots with a live object stay the kernel's (large kmalloc objects). */
static void kmt_iso_free_pool(void)
{
	unsigned int i, j, kept = 0;

	for (i = 0; i < kmt_iso_n; i++) {
		struct kmt_iso_slot *s = &kmt_iso_slots[i];

		for (j = 0; j < 2; j++)
			if (s->pg[j])
				kmt_page_put(s->pg[j]);
		if (s->state == KMT_ISO_FREE) {
			kfree((void *)s->addr); /* never handed out */
		} else {
			/* Quarantine: the last reference goes; live: the kernel keeps its own. */
			kept += s->state == KMT_ISO_LIVE;
			folio_put(virt_to_folio((void *)s->addr));
		}
	}
	if (kept)
		pr_info("isolate: %u pool slots hold live objects: left to the kernel, which frees them with kfree()\n",
			kept);
	vfree(kmt_iso_hash);
	bitmap_zero(kmt_iso_units, 1u << KMT_ISO_UNIT_BITS); /* a stale bit only sends a free to kmt_iso_owns() */
	vfree(kmt_iso_slots);
	vfree(kmt_iso_unused);
	vfree(kmt_iso_fifo);
	kmt_iso_hash = NULL;
	kmt_iso_slots = NULL;
	kmt_iso_unused = kmt_iso_fifo = NULL;
	kmt_iso_n = 0;
}

static int kmt_iso_make_pool(unsigned int n)
{
	unsigned int i, j;

	kmt_iso_slots = vzalloc(array_size(n, sizeof(*kmt_iso_slots)));
	kmt_iso_unused = vzalloc(array_size(n, sizeof(unsigned int)));
	kmt_iso_fifo = vzalloc(array_size(n, sizeof(unsigned int)));
	if (!kmt_iso_slots || !kmt_iso_unused || !kmt_iso_fifo)
		goto fail;
	for (i = 0; i < n; i++) {
		struct kmt_iso_slot *s = &kmt_iso_slots[i];

		s->addr = (unsigned long)kmt_iso_kmalloc_large(KMT_ISO_SLOT, GFP_KERNEL | __GFP_NOWARN);
		if (!s->addr)
			goto fail;
		kmt_iso_n = i + 1;
		for (j = 0; j < 2; j++) {
			struct kmt_page *p = kmt_page_get(s->addr + j * PAGE_SIZE);

			if (IS_ERR(p))
				goto fail;
			/* A slot's redzones and its freed object stay watched (quiet_age). */
			set_bit(KMT_PAGE_WATCH_ALWAYS, &p->flags);
			s->pg[j] = p;
		}
		kmt_shadow_set(&kmt_shadow, s->addr, KMT_ISO_TRACKED, KMT_SHADOW_UNALLOCATED);
	}
	sort(kmt_iso_slots, n, sizeof(*kmt_iso_slots), kmt_iso_cmp, NULL);
	if (kmt_iso_make_hash(n))
		goto fail;
	for (i = 0; i < n; i++)
		kmt_iso_unused[i] = n - 1 - i; /* lowest address first */
	kmt_iso_nunused = n;
	kmt_iso_fhead = kmt_iso_flen = 0;
	kmt_iso_lo = kmt_iso_slots[0].addr;
	kmt_iso_hi = kmt_iso_slots[n - 1].addr + KMT_ISO_SLOT;
	return 0;
fail:
	pr_err("isolate: cannot set up %u pool slots of 16 KiB: objects are tracked where the allocator puts them\n",
	       n);
	kmt_iso_free_pool();
	return -ENOMEM;
}

int kmt_iso_activate(const struct kmt_iso_ops *ops)
{
	unsigned int i, n = READ_ONCE(kmt_isolate);
	unsigned long a[6] = { 0 };
	const char *what = "";
	int ret = 0;

	if (!n)
		return 0;
	mutex_lock(&kmt_iso_mutex);
	if (kmt_iso_on)
		goto out;
	kmt_iso_ops = ops;
	/* The wrappers' call site, as the tracepoint will see it. */
	kmt_iso_call_fn[KMT_ISO_NFNS] = kmt_iso_calibrate;
	kmt_iso_call(KMT_ISO_NFNS, a);
	for (i = 0; i < KMT_ISO_NFNS; i++)
		kmt_iso_call_fn[i] = kmt_iso_fns[i].fn;
	ret = kmt_iso_make_pool(n);
	if (ret)
		goto out;
	kmt_iso_find_inplace();
	for (i = 0; i < ARRAY_SIZE(kmt_iso_free_ops); i++) {
		what = kmt_iso_free_names[i];
		ret = kmt_iso_hook(&kmt_iso_free_ops[i], what);
		if (!ret)
			kmt_iso_free_on[i] = true;
		else if (!strcmp(what, KMT_KREALLOC_KSIZE) || !strcmp(what, KMT_ISO_LARGE_FREE))
			goto fail_hook; /* (the other ksize function may not exist: inlined) */
	}
	if (WARN_ON_ONCE(kmt_iso_fns[KMT_ISO_TC].caller_arg < 0)) {
		ret = -EINVAL;
		goto fail_hook;
	}
	kmt_iso_cs_ok = !kmt_cs_init();
	if (!kmt_iso_cs_ok)
		pr_info("isolate: text_poke_bp or text_mutex not found: kmalloc calls reach the isolating wrapper through ftrace (every kmalloc pays a callback while modules are selected)\n");
	for (i = 0; kmt_iso_cs_ok && i < KMT_ISO_NFNS; i++) {
		if (!kmt_cs_jumps_to((unsigned long)kmt_iso_wrappers[i], (unsigned long)kmt_iso_fns[i].fn) ||
		    !kmt_cs_jumps_to((unsigned long)kmt_iso_wrappers[i], (unsigned long)kmt_iso_slows[i])) {
			pr_info("isolate: the wrapper of %s lacks its tail jumps (compiler): kmalloc calls are not rewritten\n",
				kmt_iso_fns[i].name);
			kmt_iso_cs_ok = false;
		}
	}
	if (kmt_iso_cs_ok && !kmt_iso_module_nb_on && !register_module_notifier(&kmt_iso_module_nb))
		kmt_iso_module_nb_on = true;
	else if (!kmt_iso_module_nb_on)
		kmt_iso_cs_ok = false; /* (modules loaded later could not be rewritten) */
	WRITE_ONCE(kmt_iso_on, true);
	kmt_iso_apply(READ_ONCE(kmt_iso_mode));
	pr_info("isolate: %u pool slots of 16 KiB (%u KiB): tracked kmalloc objects of track_modules= and sampling get pages of their own\n",
		n, n * 16);
	ret = 0;
	goto out;
fail_hook:
	pr_err("isolate: cannot hook %s through ftrace (error %d): objects are tracked where the allocator puts them\n",
	       what, ret);
	kmt_iso_unhook();
	kmt_iso_free_pool();
out:
	mutex_unlock(&kmt_iso_mutex);
	return ret;
}

void kmt_iso_exit(void)
{
	/* First: its callback takes the mutex. */
	if (kmt_iso_module_nb_on)
		unregister_module_notifier(&kmt_iso_module_nb);
	kmt_iso_module_nb_on = false;
	mutex_lock(&kmt_iso_mutex);
	if (kmt_iso_on) {
		WRITE_ONCE(kmt_iso_on, false);
		synchronize_rcu(); /* the kmt_iso_free() calls in flight (preemption off) */
		kmt_iso_unhook();
		kmt_iso_free_pool();
	}
	kmt_iso_free_filters();
	kmt_cs_exit();
	mutex_unlock(&kmt_iso_mutex);
}
