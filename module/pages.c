// SPDX-License-Identifier: GPL-2.0
/*
 * pages.c - tracked pages: their shadow blocks, and hiding/showing them in the page tables.
 *
 * A tracked page is one 4 KiB page of the direct map or of vmalloc space that holds tracked
 * memory. While kmemtrap is armed its PTE is cleared (the old value is kept here) so every
 * access faults; the fault path shows it for one step and hides it again.
 *
 * Locking in this file: records are added and removed only under kmt_pages_lock with
 * interrupts off (process or atomic context, never NMI). The trap path only reads, lock-free: a
 * record's address is published last, with release semantics, and the hash slots are written
 * with WRITE_ONCE. Whether a page is hidden is its PTE itself (0), never a separate flag, so an
 * NMI that shows or hides the same page in the middle of another show or hide cannot lose it.
 *
 * Storage: a fixed pool of records allocated at load (max_pages), each with its 1 KiB shadow
 * block, and an open-addressing hash from page address to record.
 *
 * Hiding writes 0 to the PTE rather than clearing only _PAGE_PRESENT (as kmmio does): a
 * non-present PTE that still holds the page frame number is an L1TF gadget, and nothing in the
 * kernel needs the old value while we keep it.
 */
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <asm/tlbflush.h>

#include "kmt.h"
#include "alias.h"
#include "counters.h"
#include "pages.h"
#include "symbols.h"

#define KMT_HASH_TOMB 0xffffffffu /* a removed hash entry; 0 is an empty one */
#define KMT_MAX_EXCLUDED 16

struct kmt_page *kmt_pool;
static u32 *kmt_hash;          /* index + 1 into kmt_pool; 0 = empty; KMT_HASH_TOMB = removed */
u32 kmt_pool_size;
static u32 kmt_hash_size;
static u32 kmt_free_head;       /* free list through kmt_page.next_free (index + 1) */
static u32 kmt_page_epoch;
static atomic_t kmt_ntracked = ATOMIC_INIT(0);
static DEFINE_SPINLOCK(kmt_pages_lock);
static bool kmt_armed;
static int kmt_snaps_init(void);
static void kmt_snaps_exit(void);
static void kmt_snap_drop(struct kmt_page *p);
static u8 *kmt_snaps;
static unsigned long *kmt_snap_used; /* bit i: buffer i (of kmt_nsnaps pages at kmt_snaps) is some page's copy */
static unsigned int kmt_nsnaps;

static struct {
	unsigned long start, end;
} kmt_excluded[KMT_MAX_EXCLUDED];
static unsigned int kmt_nexcluded;

struct kmt_shadow_block *kmt_pages_shadow_lookup(void *ctx, uint64_t page_addr)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page_addr);

	return p ? &p->shadow : NULL;
}

const struct kmt_shadow_map kmt_shadow = KMT_SHADOW_MAP;

/*
 * TLB shootdown. Hiding a page clears its PTE and flushes this CPU's TLB entry; other CPUs may
 * still hold the translation (they used the page while it was visible). Each other online CPU
 * is sent a call that flushes its whole TLB. Pages are hidden where no IPI can be waited for
 * (allocator hooks with interrupts off, trap handlers), so the shootdown is asynchronous: until
 * the other CPU takes the interrupt it may still reach the page through the stale entry
 * (docs/limits.md, "SMP"). The calls are smp_call_function_single_async() ones, on call blocks
 * of the sending CPU's own for each receiving CPU (below), sent with interrupts off. From
 * NMI-like context (our #DB handler) they cannot be sent (the IPI backend is not NMI-safe): a
 * local irq_work sends them.
 */
static call_single_data_t *kmt_flush_csd; /* [(sender * nr_cpu_ids + receiver) * 2 + 0 or 1] */
/*
 * Per receiving CPU: shootdowns asked of it. A call that is running when another is asked sees
 * the count change after its flush and flushes again. Its block stays locked a moment after that
 * (until the function has returned), so each sender has two blocks per receiver: a receiver runs
 * one call at a time, so of two locked blocks at least one has not started yet, and will flush
 * after the page was hidden.
 */
static atomic_t *kmt_flush_asked;
static size_t kmt_flush_csd_bytes;
static struct irq_work kmt_shootdown_work;
static bool kmt_shootdown_ready;
static atomic_long_t kmt_shootdowns = ATOMIC_LONG_INIT(0);

static void kmt_flush_fn(void *info)
{
	atomic_t *asked = &kmt_flush_asked[smp_processor_id()];
	int seen;

	do {
		seen = atomic_read(asked);
		__flush_tlb_all();
	} while (atomic_read(asked) != seen);
}

static void kmt_shootdown_send(void)
{
	unsigned long flags;
	int cpu, self;

	local_irq_save(flags);
	self = smp_processor_id();
	for_each_online_cpu(cpu)
		if (cpu != self) {
			call_single_data_t *csd = &kmt_flush_csd[(self * nr_cpu_ids + cpu) * 2];

			atomic_inc(&kmt_flush_asked[cpu]);
			if (smp_call_function_single_async(cpu, csd) == -EBUSY)
				smp_call_function_single_async(cpu, csd + 1);
		}
	local_irq_restore(flags);
	atomic_long_inc(&kmt_shootdowns);
}

static void kmt_shootdown_work_fn(struct irq_work *work)
{
	kmt_shootdown_send();
}

static void kmt_tlb_shootdown(void)
{
	if (num_online_cpus() <= 1 || !READ_ONCE(kmt_shootdown_ready))
		return;
	if (in_nmi())
		irq_work_queue(&kmt_shootdown_work);
	else
		kmt_shootdown_send();
}

long kmt_pages_shootdowns(void)
{
	return atomic_long_read(&kmt_shootdowns);
}

static int kmt_shootdown_init(void)
{
	size_t i, n = (size_t)nr_cpu_ids * nr_cpu_ids * 2;

	kmt_flush_csd_bytes = PAGE_ALIGN(n * sizeof(*kmt_flush_csd) + nr_cpu_ids * sizeof(atomic_t));
	/* Whole pages of our own: no tracked object can share them. */
	kmt_flush_csd = alloc_pages_exact(kmt_flush_csd_bytes, GFP_KERNEL | __GFP_ZERO);
	if (!kmt_flush_csd)
		return -ENOMEM;
	kmt_flush_asked = (atomic_t *)(kmt_flush_csd + n);
	for (i = 0; i < n; i++)
		INIT_CSD(&kmt_flush_csd[i], kmt_flush_fn, NULL);
	init_irq_work(&kmt_shootdown_work, kmt_shootdown_work_fn);
	WRITE_ONCE(kmt_shootdown_ready, true);
	return 0;
}

/* Waits for every call in flight (each unlocks its block after running). Process context. */
static void kmt_shootdown_exit(void)
{
	size_t i, n = (size_t)nr_cpu_ids * nr_cpu_ids * 2;
	int waited;

	if (!kmt_flush_csd)
		return;
	WRITE_ONCE(kmt_shootdown_ready, false);
	irq_work_sync(&kmt_shootdown_work);
	for (i = 0; i < n; i++) {
		for (waited = 0; waited < 1000 && (READ_ONCE(kmt_flush_csd[i].node.u_flags) & CSD_FLAG_LOCK); waited++)
			msleep(1);
		if (READ_ONCE(kmt_flush_csd[i].node.u_flags) & CSD_FLAG_LOCK) {
			pr_warn("a TLB shootdown call is still in flight at unload: its memory is kept\n");
			kmt_flush_csd = NULL;
			return;
		}
	}
	free_pages_exact(kmt_flush_csd, kmt_flush_csd_bytes);
	kmt_flush_csd = NULL;
}

static u32 kmt_hash_slot(unsigned long page)
{
	return (u32)(hash_long(page >> PAGE_SHIFT, 32) & (kmt_hash_size - 1));
}

u16 *kmt_filter; /* the counting filter of the records' pages (pages.h) */

static void kmt_filter_add(unsigned long page, int delta)
{
	u16 *c = &kmt_filter[kmt_filter_slot(page)];

	if (*c != U16_MAX)
		WRITE_ONCE(*c, *c + delta);
}

static void kmt_pool_reset_free_list(void)
{
	u32 i;

	for (i = 0; i < kmt_pool_size; i++)
		kmt_pool[i].next_free = i + 2 <= kmt_pool_size ? i + 2 : 0;
	kmt_free_head = kmt_pool_size ? 1 : 0;
}

int kmt_pages_init(unsigned int max_pages)
{
	if (kmt_shootdown_init()) {
		pr_err("cannot allocate the TLB shootdown calls\n");
		return -ENOMEM;
	}
	kmt_pool_size = max_pages;
	kmt_hash_size = roundup_pow_of_two(max_pages * 2);
	/* No allocation-failure splat for a max_pages too large: the message below says it. */
	kmt_pool = __vmalloc(array_size(max_pages, sizeof(*kmt_pool)), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	kmt_hash = __vmalloc(array_size(kmt_hash_size, sizeof(*kmt_hash)), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	kmt_filter = vzalloc(sizeof(*kmt_filter) << KMT_FILTER_BITS);
	if (!kmt_pool || !kmt_hash || !kmt_filter || kmt_snaps_init()) {
		kmt_pages_exit();
		pr_err("cannot allocate %u page records (max_pages)\n", max_pages);
		return -ENOMEM;
	}
	kmt_pool_reset_free_list();
	kmt_nexcluded = 0;
	kmt_pages_exclude(kmt_pool, array_size(max_pages, sizeof(*kmt_pool)));
	kmt_pages_exclude(kmt_hash, array_size(kmt_hash_size, sizeof(*kmt_hash)));
	kmt_pages_exclude(kmt_filter, sizeof(*kmt_filter) << KMT_FILTER_BITS);
	kmt_pages_exclude(kmt_snaps, array_size(kmt_nsnaps, PAGE_SIZE));
	kmt_pages_exclude(kmt_snap_used, BITS_TO_LONGS(kmt_nsnaps) * sizeof(unsigned long));
	return 0;
}

void kmt_pages_exit(void)
{
	kmt_shootdown_exit();
	kmt_snaps_exit();
	vfree(kmt_pool);
	vfree(kmt_hash);
	vfree(kmt_filter);
	kmt_pool = NULL;
	kmt_hash = NULL;
	kmt_filter = NULL;
}

void kmt_pages_exclude(const void *start, size_t len)
{
	if (WARN_ON_ONCE(kmt_nexcluded >= KMT_MAX_EXCLUDED))
		return;
	kmt_excluded[kmt_nexcluded].start = (unsigned long)start;
	kmt_excluded[kmt_nexcluded].end = (unsigned long)start + len;
	kmt_nexcluded++;
}

bool kmt_pages_armed(void)
{
	return READ_ONCE(kmt_armed);
}

/*
 * The pool index + 1 of the page this CPU found last: one trap looks its page up several times
 * (the hook, the engine's shadow and its reads and writes). A record is in the hash exactly while
 * its addr is set, apart from the instants between setting addr and inserting it, and between
 * removing it and clearing addr (both under kmt_pages_lock), which a lock-free find may see
 * either way anyway: a hint whose addr still matches is the answer the hash would give.
 */
DEFINE_PER_CPU(u32, kmt_find_hint);

struct kmt_page *kmt_page_find_slow(unsigned long addr)
{
	unsigned long page = addr & PAGE_MASK;
	u32 slot, n, v;

	if (!kmt_hash)
		return NULL;
	slot = kmt_hash_slot(page);
	for (n = 0; n < kmt_hash_size; n++, slot = (slot + 1) & (kmt_hash_size - 1)) {
		v = READ_ONCE(kmt_hash[slot]);
		if (v == 0)
			return NULL;
		if (v != KMT_HASH_TOMB) {
			struct kmt_page *p = &kmt_pool[v - 1];

			if (smp_load_acquire(&p->addr) == page) {
				this_cpu_write(kmt_find_hint, v);
				return p;
			}
		}
	}
	return NULL;
}

/*
 * Whether memory at @addr may be tracked at all: the direct map or vmalloc space. Refused: the
 * kernel image and modules (at and above __START_KERNEL_map; virt_addr_valid() is true for the
 * image), reserved pages (memblock memory such as the first per-cpu chunk and the GDT) and
 * page-table pages, this task's stack, and kmemtrap's own records, which the trap path reads.
 * Other tasks' vmalloc'd stacks are not detected (docs/limits.md).
 */
static bool kmt_addr_trackable(unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < kmt_nexcluded; i++)
		if (addr >= kmt_excluded[i].start && addr < kmt_excluded[i].end)
			return false;
	if (addr >= __START_KERNEL_map)
		return false;
	if (object_is_on_stack((void *)addr))
		return false;
	if (is_vmalloc_addr((void *)addr))
		return true;
	if (!virt_addr_valid((void *)addr))
		return false;
	return !PageReserved(virt_to_page(addr)) && !PageTable(virt_to_page(addr));
}

/*
 * Finds the 4 KiB PTE mapping @page, splitting a direct-map large page first. Process context
 * only: set_memory_4k() allocates page tables and flushes TLBs on every CPU.
 */
static pte_t *kmt_page_pte(unsigned long page)
{
	unsigned int level;
	pte_t *ptep = lookup_address(page, &level);

	if (ptep && level != PG_LEVEL_4K && virt_addr_valid((void *)page)) {
		if (kmt_set_memory_4k(page, 1))
			return NULL;
		ptep = lookup_address(page, &level);
	}
	if (!ptep || level != PG_LEVEL_4K || !pte_present(*ptep))
		return NULL;
	return ptep;
}

/* Local TLB invalidation of one kernel page (flush_tlb_one_kernel is not exported). */
static inline void kmt_invlpg(unsigned long addr)
{
	asm volatile("invlpg (%0)" : : "r"(addr) : "memory");
}


/*
 * Drops this CPU's TLB entries of the hidden (or read-only) tracked pages of [addr, addr+len).
 * For a new tracked object, whose first writes, its initializing ones, must all fault:
 *  - its page may have been quiet (visible) and woken, hidden, by another CPU, whose shootdown
 *    this CPU has not taken yet (seen once in vm.smp_stress_smp4 under load);
 *  - another CPU's kmt_page_reconcile() may have decided to show the page (quiet, or shown for a
 *    step) before this allocation woke it, and set the PTE only now: present for the moment until
 *    its second look hides it again. This CPU could cache that translation and write the object
 *    through it, unseen until its shootdown came (vm.track_all_smp2 on 6.12: a vm_area_struct
 *    whose memcpy in vm_area_dup() went unseen, reported in copy_process() and the maple tree).
 *    So it first waits until no reconcile of the page is running: every reconcile that starts
 *    later reads the states this allocation wrote (both sides fence between their write and
 *    their read of the other's), and every earlier one has finished with the PTE hidden.
 * The wait is bounded: reconciles are short, run with interrupts off, and never wait for us; a
 * wait given up is counted (reconcile_wait_timeouts). Other CPUs keep the window of
 * docs/limits.md ("Quiet pages"). Not NMI.
 */
#define KMT_RECONCILE_WAIT_LOOPS (1u << 20)

void kmt_pages_flush_local(unsigned long addr, size_t len)
{
	unsigned long page;

	for (page = addr & PAGE_MASK; page < addr + len; page += PAGE_SIZE) {
		struct kmt_page *p = kmt_page_find(page);
		unsigned int loops = 0;
		pte_t pte;

		if (!p)
			continue;
		smp_mb(); /* the states written, then the reconcilers counted */
		if (atomic_read(&p->reconciling)) {
			kmt_count(KMT_CNT_RECONCILE_WAITS);
			while (atomic_read(&p->reconciling) && ++loops < KMT_RECONCILE_WAIT_LOOPS)
				cpu_relax();
			if (loops >= KMT_RECONCILE_WAIT_LOOPS)
				kmt_count(KMT_CNT_RECONCILE_WAIT_TIMEOUTS);
			smp_rmb();
		}
		pte = READ_ONCE(*p->ptep);
		if (pte_none(pte) || kmt_page_pte_read_only_ours(p, pte))
			kmt_invlpg(page);
	}
}

/*
 * The saved value is only ever taken from a present PTE that is not our read-only copy of it
 * (kmt_page_pte_read_only_ours()), so no interleaving can lose it.
 */
static void kmt_page_clear_pte(struct kmt_page *p)
{
	pte_t pte = READ_ONCE(*p->ptep);

	if (pte_none(pte))
		return;
	if (!kmt_page_pte_read_only_ours(p, pte))
		p->saved = pte_val(pte);
	set_pte(p->ptep, __pte(0));
	kmt_invlpg(p->addr);
	kmt_tlb_shootdown();
}

/*
 * A read-quiet page (KMT_QUIET_READ): present without _PAGE_RW, so that loads run untrapped and
 * every store still faults. From hidden, nothing to flush (a non-present entry is never cached);
 * from visible (a step just ended), the writable entries are flushed as for hiding. A
 * compare-exchange from the value read: a PTE read as hidden may have been shown, used for a
 * write and put back meanwhile by another CPU's step (the shown count back where it was); a
 * plain store would then keep its writable TLB entries unflushed, or undo a show. Whoever
 * changed the PTE meanwhile reconciles it after us (kmt_page_reconcile()'s second look).
 */
static void kmt_page_make_read_only(struct kmt_page *p)
{
	pte_t pte = READ_ONCE(*p->ptep);

	if (!pte_none(pte) && !pte_write(pte))
		return;
	if (cmpxchg(&p->ptep->pte, pte_val(pte), p->saved & ~_PAGE_RW) != pte_val(pte))
		return;
	if (!pte_none(pte)) {
		kmt_invlpg(p->addr);
		kmt_tlb_shootdown();
	}
}

static void kmt_page_hide(struct kmt_page *p)
{
	if (READ_ONCE(kmt_armed))
		kmt_page_clear_pte(p);
}

void kmt_page_hide_unarmed(struct kmt_page *p)
{
	kmt_page_clear_pte(p);
}

/*
 * Showing needs no flush: a non-present entry is never cached in the TLB, and a stale read-only
 * one makes a write fault that the kernel finds spurious (spurious_kernel_fault()) and retries.
 */
static void kmt_page_show(struct kmt_page *p)
{
	pte_t pte = READ_ONCE(*p->ptep);

	if (pte_none(pte) || kmt_page_pte_read_only_ours(p, pte))
		set_pte(p->ptep, __pte(p->saved));
}

/*
 * Makes the PTE agree with the page's state: visible while a step needs it (shown > 0), while the
 * record is being freed, or while disarmed; read-only while read-quiet; hidden otherwise.
 * Changing the state and then the PTE are two steps, and another CPU (or an NMI here) can change
 * the state in between; so each changer sets the PTE for the state it read and looks again:
 * whoever changed it last also sets the PTE last, for the final state. (Without this a page
 * could stay hidden while counted as shown: a step that keeps faulting on its own page.)
 */
static bool kmt_page_must_show(struct kmt_page *p, int shown)
{
	return shown > 0 || !READ_ONCE(p->tracked) || !READ_ONCE(kmt_armed);
}

static void kmt_page_reconcile(struct kmt_page *p)
{
	unsigned long flags;

	/* Counted while it runs, interrupts off (kmt_pages_flush_local() waits for it). */
	local_irq_save(flags);
	atomic_inc(&p->reconciling);
	smp_mb__after_atomic();
	for (;;) {
		int n = atomic_read(&p->shown);
		u32 quiet = READ_ONCE(p->shadow.quiet);
		bool show = kmt_page_must_show(p, n);

		if (show)
			kmt_page_show(p);
		else if (quiet == KMT_QUIET_READ)
			kmt_page_make_read_only(p);
		else
			kmt_page_clear_pte(p);
		/* (the record untracked or kmemtrap disarmed meanwhile: visible, as put and disarm want) */
		if (atomic_read(&p->shown) == n && READ_ONCE(p->shadow.quiet) == quiet &&
		    kmt_page_must_show(p, n) == show)
			break;
	}
	smp_mb__before_atomic();
	atomic_dec(&p->reconciling);
	local_irq_restore(flags);
}

/*
 * Writes while shown (docs/design.md, "SMP"). A page shown for a step is visible to every CPU,
 * and, while a step sleeps in a user page fault, to every task: their writes to it meanwhile run
 * natively, unseen, and bytes they initialize would stay UNINIT (a false report at their next
 * use). So the step that shows a page first (its count of steps from 0 to 1) keeps a copy of the
 * page, made through the alias before the page is shown, and the step that hides it last
 * (kmt_page_window_close()):
 *  - makes every UNINIT byte that changed INIT (kmt_shadow_block_settle_written());
 *  - makes INIT the UNINIT bytes of every object on the page with no write seen since its
 *    allocation (no INIT, FREED or partial byte): its initialization may have run in the window
 *    with the values its bytes already had (a memset() of zeros over a freed object's zeros, a
 *    struct copied over an old copy of itself), which no copy can tell (objects.c gives their
 *    sizes: kmt_pages_object_size).
 * What stays possible: an older object's UNINIT byte written meanwhile with the value it had.
 * Buffers come from a fixed pool; with none free (or no alias address) the window goes without a
 * copy (counter shown_unsnapped), and only the second rule applies.
 */

static int kmt_snaps_init(void)
{
	kmt_nsnaps = clamp_t(unsigned int, 8 * num_possible_cpus(), 16, 512);
	/*
	 * Both in vmalloc space, never tracked (and excluded by the caller): a kmalloc'd bitmap is an
	 * allocation like any other under track_all=1, and the trap path must never fault on its own
	 * data (a second load in one boot did: vm.hotplug).
	 */
	kmt_snaps = vmalloc(array_size(kmt_nsnaps, PAGE_SIZE));
	kmt_snap_used = vzalloc(BITS_TO_LONGS(kmt_nsnaps) * sizeof(unsigned long));
	if (!kmt_snaps || !kmt_snap_used)
		return -ENOMEM;
	return 0;
}

static void kmt_snaps_exit(void)
{
	vfree(kmt_snaps);
	vfree(kmt_snap_used);
	kmt_snaps = NULL;
	kmt_snap_used = NULL;
}

static void kmt_snap_put(u8 *snap)
{
	clear_bit((snap - kmt_snaps) / PAGE_SIZE, kmt_snap_used);
}

/*
 * Trap-safe: a copy of @p's frame read through a fresh alias level (interrupts off), or NULL. The
 * page is hidden now (no step shows it), so only a stale TLB entry could write it meanwhile.
 */
static u8 *kmt_snap_take(struct kmt_page *p)
{
	unsigned int i, start = raw_smp_processor_id() * 8 % (kmt_nsnaps ?: 1);
	unsigned long flags, va = 0;
	u8 *snap = NULL;

	if (!kmt_snaps)
		return NULL;
	for (i = 0; i < kmt_nsnaps && !snap; i++) {
		unsigned int b = (start + i) % kmt_nsnaps;

		if (!test_bit(b, kmt_snap_used) && !test_and_set_bit(b, kmt_snap_used))
			snap = kmt_snaps + (size_t)b * PAGE_SIZE;
	}
	if (!snap)
		return NULL;
	local_irq_save(flags);
	if (kmt_alias_enter())
		va = kmt_alias_map(p->pfn);
	if (va)
		memcpy(snap, (void *)va, PAGE_SIZE);
	kmt_alias_exit_level(); /* (even when the enter failed: it counted the level) */
	local_irq_restore(flags);
	if (!va) {
		kmt_snap_put(snap);
		return NULL;
	}
	return snap;
}

/* A record's copy given back (the record freed or made anew). */
static void kmt_snap_drop(struct kmt_page *p)
{
	u8 *snap = xchg(&p->snap, NULL);

	if (snap)
		kmt_snap_put(snap);
}

u32 (*kmt_pages_object_size)(unsigned long addr);

/* Objects on @p with no write seen: their UNINIT bytes made INIT (the second rule above). */
static u32 kmt_page_forget_untouched(struct kmt_page *p)
{
	u32 (*size_of)(unsigned long addr) = READ_ONCE(kmt_pages_object_size);
	const unsigned int nbits = KMT_PAGE_SIZE / KMT_OBJ_ALIGN;
	unsigned int b;
	u32 made = 0;

	if (!size_of)
		return 0;
	for_each_set_bit(b, p->obj_starts, nbits) {
		u32 off = b * KMT_OBJ_ALIGN, size = size_of(p->addr + off);

		if (size)
			made += kmt_shadow_block_forget_untouched(&p->shadow, off,
								  min_t(u32, size, KMT_PAGE_SIZE - off));
	}
	return made;
}

/* Trap-safe: the last step that showed @p is over (the rules above). */
static void kmt_page_window_close(struct kmt_page *p)
{
	u8 *snap = xchg(&p->snap, NULL);
	unsigned long flags, va = 0;
	u32 made = 0;

	if (snap) {
		u32 own = atomic_read(&p->own), lo = own & 0xffff, hi = own >> 16;

		local_irq_save(flags);
		if (kmt_alias_enter())
			va = kmt_alias_map(p->pfn);
		if (va && lo < hi && hi <= KMT_PAGE_SIZE)
			memcpy(snap + lo, (const u8 *)va + lo, hi - lo); /* the steps' own bytes: not changes */
		if (va)
			made = kmt_shadow_block_settle_written(&p->shadow, snap, (const u8 *)va);
		kmt_alias_exit_level();
		local_irq_restore(flags);
		kmt_snap_put(snap);
	}
	if (made)
		kmt_count_add(KMT_CNT_SHOWN_BYTES_SETTLED, made);
	made = kmt_page_forget_untouched(p);
	if (made)
		kmt_count_add(KMT_CNT_SHOWN_UNTOUCHED_FORGOTTEN, made);
}

void kmt_page_show_step(struct kmt_page *p)
{
	u8 *snap = NULL;

	if (atomic_read(&p->shown) == 0 && READ_ONCE(p->tracked) && READ_ONCE(kmt_armed))
		snap = kmt_snap_take(p);
	if (atomic_inc_return(&p->shown) == 1) {
		kmt_count(KMT_CNT_SHOWN_WINDOWS);
		atomic_set(&p->own, KMT_PAGE_SIZE); /* empty: [4096, 0) */
		if (snap && cmpxchg(&p->snap, NULL, snap) == NULL)
			snap = NULL;
		else
			kmt_count(KMT_CNT_SHOWN_UNSNAPPED);
	}
	if (snap)
		kmt_snap_put(snap);
	kmt_page_reconcile(p);
}

void kmt_pages_own_access(unsigned long addr, unsigned long len)
{
	unsigned long a = addr, end = addr + len;

	while (a < end) {
		unsigned long next = min((a & PAGE_MASK) + PAGE_SIZE, end);
		struct kmt_page *p = kmt_page_find(a);

		if (p && READ_ONCE(p->snap)) {
			u32 lo = offset_in_page(a), hi = next - (a & PAGE_MASK);
			int old = atomic_read(&p->own), want;

			do {
				want = min_t(u32, old & 0xffff, lo) | max_t(u32, (u32)old >> 16, hi) << 16;
			} while (want != old && !atomic_try_cmpxchg(&p->own, &old, want));
		}
		a = next;
	}
}

/*
 * Drops one reference on the shown count; @step: a step's (a quiet page's reference is not a
 * window: a quiet page has no UNINIT byte).
 */
static bool kmt_page_drop_shown(struct kmt_page *p, bool step)
{
	int left = atomic_dec_if_positive(&p->shown);

	if (unlikely(left < 0))
		return false;
	kmt_page_reconcile(p);
	if (step && left == 0)
		kmt_page_window_close(p);
	return true;
}

bool kmt_page_hide_step(struct kmt_page *p)
{
	return kmt_page_drop_shown(p, true);
}

/* Copies @len bytes between @buf and kernel address @addr, unseen (kmt_pages_read_unseen()). */
static bool kmt_pages_access_unseen(void *buf, unsigned long addr, size_t len, bool write)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(addr));
		struct kmt_page *p;
		unsigned long flags, va = 0, at = addr;
		long ret;

		local_irq_save(flags);
		p = kmt_page_find(addr);
		if (p) {
			/*
			 * Through this CPU's alias of the frame: the page is never shown (shown, the
			 * other CPUs' writes to it meanwhile would go unseen). Only if no alias address
			 * is free (alias.c not set up, nested too deep) is it shown around the copy.
			 */
			if (kmt_alias_enter())
				va = kmt_alias_map(p->pfn);
			if (va)
				at = va + offset_in_page(addr);
			else
				kmt_page_show_step(p);
		}
		ret = 0;
		if (write)
			memcpy((void *)at, buf, n); /* (only to kmemtrap's own pages: see the header) */
		else
			ret = copy_from_kernel_nofault(buf, (const void *)at, n);
		if (p) {
			if (!va)
				kmt_page_hide_step(p);
			kmt_alias_exit_level();
		}
		local_irq_restore(flags);
		if (ret)
			return false;
		buf += n;
		addr += n;
		len -= n;
	}
	return true;
}

bool kmt_pages_read_unseen(void *dst, unsigned long src, size_t len)
{
	return kmt_pages_access_unseen(dst, src, len, false);
}

bool kmt_pages_copy_unseen(unsigned long dst, unsigned long src, size_t len)
{
	u8 buf[64];

	while (len) {
		size_t n = min(len, sizeof(buf));

		if (!kmt_pages_access_unseen(buf, src, n, false) ||
		    !kmt_pages_access_unseen(buf, dst, n, true))
			return false;
		dst += n;
		src += n;
		len -= n;
	}
	return true;
}

int kmt_pages_tracked(void)
{
	return atomic_read(&kmt_ntracked);
}

int kmt_pages_hidden(void)
{
	int n = 0;
	u32 i;

	for (i = 0; kmt_pool && i < kmt_pool_size; i++)
		if (READ_ONCE(kmt_pool[i].addr) && pte_none(READ_ONCE(*kmt_pool[i].ptep)))
			n++;
	return n;
}

int kmt_pages_not_present(void)
{
	int n = 0;
	u32 i;

	for (i = 0; kmt_pool && i < kmt_pool_size; i++) {
		unsigned long addr = READ_ONCE(kmt_pool[i].addr);
		unsigned int level;
		pte_t *pte;

		if (!addr)
			continue;
		pte = lookup_address(addr, &level);
		if (!pte || !pte_present(*pte) || kmt_page_pte_read_only_ours(&kmt_pool[i], *pte))
			n++;
	}
	return n;
}

/* Finds or creates the record of @page with one more reference. Any context but NMI. */
static struct kmt_page *kmt_page_insert(unsigned long page, pte_t *ptep)
{
	struct kmt_page *p;
	unsigned long flags;
	u32 idx, slot;

	spin_lock_irqsave(&kmt_pages_lock, flags);
	p = kmt_page_find(page);
	if (p) {
		p->tracked++;
		goto out;
	}
	if (!ptep) {
		p = ERR_PTR(-EAGAIN); /* untracked meanwhile: the caller may retry */
		goto out;
	}
	if (!kmt_free_head) {
		p = ERR_PTR(-ENOSPC);
		goto out;
	}
	idx = kmt_free_head - 1;
	p = &kmt_pool[idx];
	kmt_free_head = p->next_free;
	p->ptep = ptep;
	p->saved = pte_val(*ptep); /* (present: what kmt_page_pte_read_only_ours() compares with) */
	p->pfn = pte_pfn(*ptep);
	p->tracked = 1;
	p->flags = 0;
	p->epoch = ++kmt_page_epoch;
	atomic_set(&p->shown, 0);
	atomic_set(&p->faults, 0);
	atomic_set(&p->quiet_faults, 0);
	p->seen_changes = 0;
	p->unchanged_since = 0;
	memset(p->obj_starts, 0, sizeof(p->obj_starts));
	kmt_snap_drop(p);
	/* Bytes of the page outside any tracked range count as initialized. */
	kmt_shadow_block_init(&p->shadow, KMT_SHADOW_INIT);
	kmt_filter_add(page, 1);
	smp_wmb(); /* the filter counts the page before any look-up can find it */
	smp_store_release(&p->addr, page);
	slot = kmt_hash_slot(page);
	while (kmt_hash[slot] != 0 && kmt_hash[slot] != KMT_HASH_TOMB)
		slot = (slot + 1) & (kmt_hash_size - 1);
	WRITE_ONCE(kmt_hash[slot], idx + 1);
	atomic_inc(&kmt_ntracked);
	kmt_page_hide(p);
out:
	spin_unlock_irqrestore(&kmt_pages_lock, flags);
	return p;
}

struct kmt_page *kmt_page_get_atomic(unsigned long addr)
{
	unsigned long page = addr & PAGE_MASK;
	unsigned int level;
	pte_t *ptep;

	if (!kmt_addr_trackable(addr))
		return ERR_PTR(-EINVAL);
	if (kmt_page_find(page))
		return kmt_page_insert(page, NULL); /* already tracked (and maybe hidden) */
	ptep = lookup_address(page, &level);
	if (!ptep || level != PG_LEVEL_4K || !pte_present(*ptep))
		return ERR_PTR(-EAGAIN);
	return kmt_page_insert(page, ptep);
}

struct kmt_page *kmt_page_get(unsigned long addr)
{
	unsigned long page = addr & PAGE_MASK;
	pte_t *ptep;

	might_sleep();
	if (!kmt_addr_trackable(addr))
		return ERR_PTR(-EINVAL);
	if (kmt_page_find(page))
		return kmt_page_insert(page, NULL); /* already tracked (and maybe hidden) */
	ptep = kmt_page_pte(page);
	if (!ptep)
		return ERR_PTR(-EINVAL);
	return kmt_page_insert(page, ptep);
}

/*
 * Under kmt_pages_lock: removes the hash entry at @slot. A removed entry becomes a tombstone, so that
 * lock-free finds keep probing past it; but a tombstone followed by an empty slot ends every probe
 * that reaches it anyway, so it, and the tombstones just before it, become empty again. Pages are
 * released all the time (slab pages given back, pages left with no tracked object), and tombstones
 * never cleared would make every miss walk the whole table. No key present is behind a slot made
 * empty: its probe path from its home slot to itself has no empty slot.
 */
static void kmt_hash_remove(u32 slot)
{
	u32 mask = kmt_hash_size - 1;

	WRITE_ONCE(kmt_hash[slot], KMT_HASH_TOMB);
	if (kmt_hash[(slot + 1) & mask])
		return;
	while (kmt_hash[slot] == KMT_HASH_TOMB) {
		WRITE_ONCE(kmt_hash[slot], 0);
		slot = (slot - 1) & mask;
	}
}

void kmt_page_put(struct kmt_page *p)
{
	unsigned long flags;
	u32 slot, idx = p - kmt_pool;

	spin_lock_irqsave(&kmt_pages_lock, flags);
	if (WARN_ON_ONCE(!p->tracked) || --p->tracked)
		goto out;
	kmt_page_show(p);
	for (slot = kmt_hash_slot(p->addr); kmt_hash[slot]; slot = (slot + 1) & (kmt_hash_size - 1)) {
		if (kmt_hash[slot] == idx + 1) {
			kmt_hash_remove(slot);
			break;
		}
	}
	kmt_snap_drop(p);
	kmt_filter_add(p->addr, -1);
	WRITE_ONCE(p->addr, 0);
	p->next_free = kmt_free_head;
	kmt_free_head = idx + 1;
	atomic_dec(&kmt_ntracked);
out:
	spin_unlock_irqrestore(&kmt_pages_lock, flags);
}

void kmt_pages_set_armed(bool armed)
{
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&kmt_pages_lock, flags);
	WRITE_ONCE(kmt_armed, armed);
	for (i = 0; i < kmt_pool_size; i++) {
		struct kmt_page *p = &kmt_pool[i];

		if (!p->addr)
			continue;
		kmt_page_reconcile(p);
	}
	spin_unlock_irqrestore(&kmt_pages_lock, flags);
}

int kmt_pages_split_direct_map(void)
{
	static bool done;
	unsigned long start = PAGE_OFFSET, end = (unsigned long)high_memory, a;
	unsigned long failed = 0;

	if (done)
		return 0;
	for (a = start; a < end; a += PMD_SIZE) {
		if (kmt_set_memory_4k(a, min_t(unsigned long, PMD_SIZE, end - a) >> PAGE_SHIFT))
			failed++;
		cond_resched();
	}
	done = true;
	pr_info("split the direct map [%px, %px) to 4 KiB pages (%lu 2 MiB chunks failed)\n",
		(void *)start, (void *)end, failed);
	return 0;
}

void kmt_pages_release_all(void)
{
	unsigned long flags;

	kmt_pages_set_armed(false);
	spin_lock_irqsave(&kmt_pages_lock, flags);
	for (u32 i = 0; i < kmt_pool_size; i++) {
		kmt_pool[i].addr = 0;
		kmt_pool[i].tracked = 0;
		kmt_snap_drop(&kmt_pool[i]);
	}
	kmt_pool_reset_free_list();
	memset(kmt_hash, 0, kmt_hash_size * sizeof(*kmt_hash));
	memset(kmt_filter, 0, sizeof(*kmt_filter) << KMT_FILTER_BITS);
	atomic_set(&kmt_ntracked, 0);
	spin_unlock_irqrestore(&kmt_pages_lock, flags);
}

static unsigned int kmt_fault_budget;

void kmt_pages_set_fault_budget(unsigned int budget)
{
	WRITE_ONCE(kmt_fault_budget, budget);
}

unsigned int kmt_pages_fault_budget(void)
{
	return READ_ONCE(kmt_fault_budget);
}

bool kmt_page_count_fault(struct kmt_page *p)
{
	unsigned int budget = READ_ONCE(kmt_fault_budget);

	return budget && (u32)atomic_inc_return(&p->faults) % budget == 0;
}

static bool kmt_quiet_on = true;
static unsigned int kmt_quiet_age;

void kmt_pages_set_quiet(bool on)
{
	WRITE_ONCE(kmt_quiet_on, on);
}

void kmt_pages_set_quiet_age(unsigned int age)
{
	WRITE_ONCE(kmt_quiet_age, age);
}

/*
 * Whether @p may be quiet, and how: KMT_QUIET_FULL with every byte initialized, or (quiet_age)
 * once no state of it changed (an allocation, a free, a store into uninitialized or freed
 * bytes...) for quiet_age of its faults: KMT_QUIET_FULL with no UNINIT byte, KMT_QUIET_READ
 * otherwise (if the page is writable at all). The clock restarts when a look sees the block's
 * change count move. Called again after quiet is set and the fence: a change whose writer did
 * not see quiet is seen here, and the page is not made quiet. 0: not quiet.
 */
static u32 kmt_page_may_be_quiet(struct kmt_page *p)
{
	unsigned int age = READ_ONCE(kmt_quiet_age);
	u32 now, changes;

	if (kmt_shadow_block_all_init(&p->shadow))
		return KMT_QUIET_FULL;
	if (!age || test_bit(KMT_PAGE_WATCH_ALWAYS, &p->flags))
		return 0;
	now = atomic_read(&p->quiet_faults);
	changes = READ_ONCE(p->shadow.changes);
	if (changes != READ_ONCE(p->seen_changes)) {
		WRITE_ONCE(p->seen_changes, changes);
		WRITE_ONCE(p->unchanged_since, now);
		return 0;
	}
	if (now - READ_ONCE(p->unchanged_since) < age)
		return 0;
	if (kmt_shadow_block_no_uninit(&p->shadow))
		return KMT_QUIET_FULL;
	return pte_write(__pte(p->saved)) ? KMT_QUIET_READ : 0;
}

/*
 * A read-quiet page: no reference on the shown count (its stores still fault, and no step
 * needs it), only the PTE made read-only by kmt_page_reconcile() once quiet is set and the
 * second look agrees. Writes between the two looks fault (the page is still hidden), so they
 * are all seen; a wake meanwhile clears quiet and reconciles, and so does a failed second look.
 */
/*
 * Clears @p's quiet, once (xchg): a full quiet page's reference is dropped, a read-quiet page's
 * PTE reconciled. By whatever value it finds: between one CPU's setting quiet and its clearing
 * it after a failed second look, a wake may have cleared it and another CPU set the other kind.
 * Returns the value found.
 */
static u32 kmt_page_unquiet(struct kmt_page *p)
{
	u32 was = xchg(&p->shadow.quiet, 0);

	if (was == KMT_QUIET_FULL)
		kmt_page_drop_shown(p, false);
	else if (was == KMT_QUIET_READ)
		kmt_page_reconcile(p); /* hidden again: no reference was held */
	return was;
}

static void kmt_page_read_quiet(struct kmt_page *p)
{
	if (cmpxchg(&p->shadow.quiet, 0, KMT_QUIET_READ) != 0)
		return;
	smp_mb();
	if (!kmt_page_may_be_quiet(p)) {
		kmt_page_unquiet(p);
		return;
	}
	kmt_page_reconcile(p);
	kmt_count(KMT_CNT_PAGES_READ_QUIETED);
}

/*
 * A fully quiet page: the shown count holds one reference for it: whoever clears quiet (once,
 * by xchg) drops it. The reference is taken before quiet is set, so that a wake cannot drop one
 * that was never taken; quiet is set before the second look at the states, and a writer stores
 * its state before it looks at quiet (kmt_shadow.h), so one of the two always sees the other.
 * The PTE is made present only after the second look: shown before it, another CPU's writes to
 * the page between the two looks (a new object's initialization, whose allocation the second
 * look then finds) would go unseen, its bytes left uninitialized. That gave false reports on SMP
 * (vm.hotplug, 6.12) once aged pages (quiet_age) passed the first look often.
 */
void kmt_page_consider_quiet(struct kmt_page *p)
{
	u32 how;

	if (!READ_ONCE(kmt_quiet_on) || READ_ONCE(p->shadow.quiet))
		return;
	if (atomic_inc_return(&p->quiet_faults) % KMT_QUIET_EVERY)
		return;
	how = kmt_page_may_be_quiet(p);
	if (how == KMT_QUIET_READ) {
		kmt_page_read_quiet(p);
		return;
	}
	if (how != KMT_QUIET_FULL)
		return;
	atomic_inc(&p->shown); /* the quiet reference, the PTE left as it is for now */
	if (cmpxchg(&p->shadow.quiet, 0, KMT_QUIET_FULL) != 0) {
		kmt_page_drop_shown(p, false); /* another CPU made it quiet first */
		return;
	}
	smp_mb();
	if (kmt_page_may_be_quiet(p) != KMT_QUIET_FULL) {
		kmt_page_unquiet(p); /* found 0: the writer's wake dropped our reference */
		return;
	}
	kmt_page_reconcile(p); /* now visible (unless a wake meanwhile dropped the reference) */
	kmt_count(KMT_CNT_PAGES_QUIETED);
}

void kmt_pages_shadow_wake(void *ctx, uint64_t page_addr, struct kmt_shadow_block *block)
{
	if (kmt_page_unquiet(container_of(block, struct kmt_page, shadow)))
		kmt_count(KMT_CNT_PAGES_WOKEN);
}
