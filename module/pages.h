/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pages.h - tracked pages: their records and shadow blocks, hiding and showing them (pages.c).
 *
 * pages.c owns whether kmemtrap is armed: while armed, every tracked page that is not shown for
 * a step is hidden (PTE cleared). Nothing else keeps an "armed" flag.
 */
#ifndef KMT_PAGES_H
#define KMT_PAGES_H

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/hash.h>
#include <asm/barrier.h>
#include <asm/page.h>
#include <linux/types.h>
#include <asm/pgtable_types.h>
#include <asm/trap_pf.h>
#include <linux/pgtable.h>

#include "kmt_shadow.h"

/* Granule of object starts (kmalloc objects are at least 8-byte aligned). */
#define KMT_OBJ_ALIGN 8

/* kmt_page.flags bits. */
#define KMT_PAGE_ALLOC_OWNED 0 /* the allocator hooks hold one tracking reference */
#define KMT_PAGE_WATCH_ALWAYS 1 /* never quiet with freed or unallocated bytes (quiet_age): pool slots, API ranges */

struct kmt_page {
	unsigned long addr;   /* page address; 0 while the record is free */
	pte_t *ptep;          /* its 4 KiB PTE */
	pteval_t saved;       /* the PTE value while hidden */
	unsigned long pfn;    /* its frame (for the alias mapping, alias.c) */
	u32 tracked;          /* tracking references (annotation ranges, objects) */
	atomic_t shown;       /* in-flight steps that need it visible (atomic: NMI steps nest) */
	atomic_t reconciling; /* kmt_page_reconcile() calls running now (kmt_pages_flush_local() waits them out) */
	u32 next_free;        /* free list link (index + 1) */
	unsigned long flags;  /* KMT_PAGE_* bits */
	u32 epoch;            /* changes each time the record is (re)created */
	atomic_t faults;      /* faults taken on it since (re)creation (kmt_page_count_fault()) */
	atomic_t quiet_faults; /* faults that could have found it quiet (kmt_page_consider_quiet()) */
	u32 seen_changes;     /* shadow.changes when kmt_page_consider_quiet() last looked (quiet_age) */
	u32 unchanged_since;  /* quiet_faults then */
	/* Bit i: a tracked object starts at byte 8 * i of the page (objects.c; cleared on (re)creation). */
	unsigned long obj_starts[KMT_PAGE_SIZE / KMT_OBJ_ALIGN / BITS_PER_LONG];
	u8 *snap;             /* its bytes when first shown for a step, while shown (pages.c, "Writes while shown") */
	atomic_t own;         /* meanwhile, the steps' own accesses: [low 16 bits, high 16 bits) of the page */
	struct kmt_shadow_block shadow;
};

/* The shadow of every tracked page, for the core's kmt_shadow_* functions (trap-safe). */
struct kmt_shadow_block *kmt_pages_shadow_lookup(void *ctx, uint64_t page_addr);
void kmt_pages_shadow_wake(void *ctx, uint64_t page_addr, struct kmt_shadow_block *block);
#define KMT_SHADOW_MAP { .lookup = kmt_pages_shadow_lookup, .ctx = NULL, .wake = kmt_pages_shadow_wake }
extern const struct kmt_shadow_map kmt_shadow;

/* Sets up @max_pages records (process context). Excluded ranges may be added before arming. */
int kmt_pages_init(unsigned int max_pages);
void kmt_pages_exit(void);
/* Memory that must never be tracked: the records of other parts of kmemtrap. */
void kmt_pages_exclude(const void *start, size_t len);

/* Whether kmemtrap is armed. Trap-safe. */
bool kmt_pages_armed(void);
/* Arms (hides every tracked page not shown for a step) or disarms (shows all). Any context but NMI. */
void kmt_pages_set_armed(bool armed);

/* Trap-safe: the record of the page holding @addr, or NULL. The hash look-up, out of line. */
struct kmt_page *kmt_page_find_slow(unsigned long addr);

/*
 * The records and the pool index + 1 of the page this CPU found last (pages.c): one trap looks
 * its page up several times (the hook, the engine's shadow, its reads and writes).
 */
extern struct kmt_page *kmt_pool;
extern u32 kmt_pool_size;
DECLARE_PER_CPU(u32, kmt_find_hint);

/* Trap-safe: the record of the page holding @addr, or NULL. Inline for the last page found. */
static inline struct kmt_page *kmt_page_find(unsigned long addr)
{
	unsigned long page = addr & PAGE_MASK;
	struct kmt_page *pool = READ_ONCE(kmt_pool);
	u32 v = this_cpu_read(kmt_find_hint);

	if (v && pool && v <= kmt_pool_size && page && smp_load_acquire(&pool[v - 1].addr) == page)
		return &pool[v - 1];
	return kmt_page_find_slow(addr);
}
/*
 * Values of p->shadow.quiet (kmt_shadow.h): KMT_QUIET_FULL, the page visible as it was (every
 * byte initialized, or aged with no UNINIT byte); KMT_QUIET_READ, visible read-only (aged with
 * UNINIT bytes: loads are no longer watched, stores still fault and keep the states exact).
 */
#define KMT_QUIET_FULL 1
#define KMT_QUIET_READ 2

/* Whether @pte is the read-only PTE kmemtrap made of @p's writable one (a read-quiet page). */
static inline bool kmt_page_pte_read_only_ours(const struct kmt_page *p, pte_t pte)
{
	return !pte_none(pte) && !pte_write(pte) && pte_write(__pte(READ_ONCE(p->saved)));
}

/*
 * Whether the engine reaches @p through the alias (alias.c) rather than at its address: hidden,
 * or read-only by kmemtrap (the engine writes what a faulting store would have written).
 */
static inline bool kmt_page_needs_alias(const struct kmt_page *p)
{
	pte_t pte = READ_ONCE(*p->ptep);

	return pte_none(pte) || kmt_page_pte_read_only_ours(p, pte);
}

/*
 * Whether a write fault with hardware @error_code on tracked page @p came from kmemtrap's
 * read-only PTE (or a stale TLB entry of it): the engine then handles it as a fault on a hidden
 * page. Only a kernel-mode data write on a page whose own PTE is writable.
 */
static inline bool kmt_page_write_fault_ours(const struct kmt_page *p, unsigned long error_code)
{
	return (error_code & (X86_PF_PROT | X86_PF_WRITE | X86_PF_USER | X86_PF_RSVD | X86_PF_INSTR |
			      X86_PF_PK)) == (X86_PF_PROT | X86_PF_WRITE) &&
	       pte_write(__pte(READ_ONCE(p->saved)));
}

/*
 * A counting filter over the records' pages (pages.c), for the allocator hooks' commonest
 * question, "is this object's page tracked at all?", asked at every allocation and free of an
 * untracked object: one counter per bucket of page addresses, raised before a record is
 * published in the hash and lowered after it is removed (under kmt_pages_lock), so a zero means
 * the hash has no such page (as a hash look-up at that instant would say). A counter that
 * reaches the top stays there.
 */
#define KMT_FILTER_BITS 16
extern u16 *kmt_filter;

static inline u32 kmt_filter_slot(unsigned long page)
{
	return (u32)hash_long(page >> PAGE_SHIFT, KMT_FILTER_BITS);
}

/*
 * Trap-safe, lock-free: false when the page of @addr certainly has no record; true when it may
 * have one (then kmt_page_find() says). Inline: every allocation and free asks.
 */
static inline bool kmt_pages_maybe_tracked(unsigned long addr)
{
	u16 *filter = READ_ONCE(kmt_filter);

	return !filter || READ_ONCE(filter[kmt_filter_slot(addr & PAGE_MASK)]) != 0;
}

/* This CPU's TLB entries of the hidden tracked pages of [addr, addr+len) dropped (a new object's). */
void kmt_pages_flush_local(unsigned long addr, size_t len);
/* One more tracking reference, creating the record if needed (may split the direct map: process context). */
struct kmt_page *kmt_page_get(unsigned long addr);
/* The same from atomic context (not NMI): never splits, -EAGAIN if the page is not 4 KiB-mapped. */
struct kmt_page *kmt_page_get_atomic(unsigned long addr);
/* Drops a tracking reference; the last one shows the page and frees the record. Not NMI. */
void kmt_page_put(struct kmt_page *p);

/*
 * Trap-safe, reference-counted showing for steps: an NMI's step may need a page the outer step
 * shows, and must not hide it under the outer step. kmt_page_hide_step() returns false (and
 * leaves the page alone) if the page was not shown. The last one accounts for the writes other
 * code may have made to the page meanwhile (pages.c, "Writes while shown").
 */
void kmt_page_show_step(struct kmt_page *p);
bool kmt_page_hide_step(struct kmt_page *p);
/*
 * A step of this CPU is about to access [addr, addr+len) natively, its shadow already updated
 * (the engine's platform.own): left out of the accounting for other code's writes. Trap-safe.
 */
void kmt_pages_own_access(unsigned long addr, unsigned long len);
/* Set by objects.c: the size of the live tracked object starting at @addr, or 0. Trap-safe. */
extern u32 (*kmt_pages_object_size)(unsigned long addr);

/*
 * Copies @len bytes at kernel address @src to @dst for kmemtrap itself (the bulk allocation
 * wrappers read the kernel's pointer arrays): tracked pages through this CPU's alias mapping,
 * with interrupts off, so nothing faults, even where our #PF hook could not serve (a kprobe
 * handler), and no page is shown to the other CPUs; the copy is fault-safe. Not a kernel access:
 * no shadow is checked or changed. Returns false if some byte could not be read. Not NMI.
 */
bool kmt_pages_read_unseen(void *dst, unsigned long src, size_t len);

/*
 * The same from kernel address @src to kernel address @dst (isolate.c moves objects this way);
 * only @src is read fault-safe: @dst must be memory kmemtrap owns.
 */
bool kmt_pages_copy_unseen(unsigned long dst, unsigned long src, size_t len);

/*
 * Fault budget of a page (0: none): kmt_page_count_fault() counts a fault on @p and says true
 * each time the page has taken another @budget of them since it was tracked; its objects that
 * lived through half a budget or more are then let go (objects.c). Sampling sets it, and
 * fault_budget without sampling (alloc.c), so that a busy page cannot cost without bound.
 * Trap-safe.
 */
void kmt_pages_set_fault_budget(unsigned int budget);
unsigned int kmt_pages_fault_budget(void);
bool kmt_page_count_fault(struct kmt_page *p);

/*
 * Quiet pages (kmt_shadow.h): a tracked page whose every byte is initialized cannot produce a
 * report or a state change, so it is left visible and takes no traps until a state other than
 * INIT is written to it (an allocation or a free on it, uninitialized bytes copied or stored into
 * it), which hides it again (kmt_pages_shadow_wake()). kmt_page_consider_quiet() is called after
 * a fault on @p was handled and looks at the page every KMT_QUIET_EVERY such faults. Trap-safe.
 */
#define KMT_QUIET_EVERY 4
void kmt_pages_set_quiet(bool on);
void kmt_page_consider_quiet(struct kmt_page *p);

/*
 * Aged quiet pages: a page that has taken @age faults since a state of it last changed is made
 * quiet too: with no UNINIT byte fully (its freed and unallocated bytes no longer watched), else
 * read-only (loads of it no longer watched; KMT_QUIET_READ) (0: only pages with every byte
 * initialized). Not for KMT_PAGE_WATCH_ALWAYS pages. Any context.
 */
void kmt_pages_set_quiet_age(unsigned int age);

/* Hides @p even while disarmed: only for the load-time calibration fault. */
void kmt_page_hide_unarmed(struct kmt_page *p);

/* Snapshots (process context): records in use, and pages whose PTE is cleared now. */
int kmt_pages_tracked(void);
int kmt_pages_hidden(void);
/*
 * Tracked pages whose mapping is not present now, or read-only by kmemtrap, found by walking the
 * page tables afresh (not through the records' PTE pointers): after a disarm it must be 0.
 * Process context.
 */
int kmt_pages_not_present(void);
/* TLB shootdowns sent to the other CPUs (pages hidden with more than one CPU online). */
long kmt_pages_shootdowns(void);

/*
 * Splits the whole direct map to 4 KiB pages (once), so that the allocator hooks can hide any
 * object's page from atomic context. Process context. Costs one page-table page per 2 MiB.
 */
int kmt_pages_split_direct_map(void);

/* Untracks everything (unload): every page shown, every record freed. */
void kmt_pages_release_all(void);

#endif /* KMT_PAGES_H */
