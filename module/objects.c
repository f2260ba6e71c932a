// SPDX-License-Identifier: GPL-2.0
/*
 * objects.c - records of tracked heap objects (see objects.h).
 *
 * Locking in this file: writers (the allocator hooks, any context but NMI, and re-arming) take
 * one raw spinlock with interrupts off. Readers (reports, in trap context) take no lock: each
 * record has a sequence count, odd while a writer changes it, and a reader keeps what it copied
 * only if the count was even and unchanged around the copy. Records live in a fixed pool and
 * move between hash chains when reused, so a lock-free walk is bounded and may miss an object
 * that is being changed at that very moment; it never returns a torn record.
 *
 * Finding the object that holds an address: every tracked page has a bitmap of object starts
 * (one bit per 8 bytes, pages.h). The start is the nearest set bit at or below the address,
 * on that page or, for objects larger than a page, on the pages before it. The record is then
 * found by start address in a chained hash.
 *
 * Recycling: a freed object's record is kept (a later freed-read names where it was allocated
 * and freed) until its address is allocated again, or until the pool runs out: then the oldest
 * freed record is reused (a queue, as KASAN's quarantine), and failing that, records of objects
 * whose page went back to the page allocator.
 */
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kmt.h"
#include "counters.h"
#include "ktext.h"
#include "objects.h"
#include "pages.h"
#include "symbols.h"

/* A full pool looks for stale records at most once per this many failed allocations. */
#define KMT_RECLAIM_INTERVAL 1024
/* Frames saved before the allocator's own are cut off (see kmt_origin_save()). */
#define KMT_RAW_DEPTH (KMT_STACK_DEPTH + 16)
/* Longest hash chain a lock-free reader walks. */
#define KMT_CHAIN_MAX 64
/* Largest object whose start a reader looks for on earlier pages (kmalloc's largest, 4 MiB). */
#define KMT_MAX_OBJECT_PAGES 1024

struct kmt_obj {
	unsigned long addr;          /* 0 = free record */
	u32 seq;                     /* odd while a writer changes the record */
	u32 next;                    /* hash chain / free list (index + 1) */
	u32 size, alloc_size;
	u32 page_epoch;              /* epoch of the first page's record when tracked */
	u32 free_gen;                /* counts frees, to tell stale queue entries */
	u32 faults_at_alloc;         /* its first page's fault count when tracked (kmt_obj_let_go()) */
	const char *cache;           /* cache name (static for kmalloc, s->name otherwise) */
	bool freed, rcu_cache;
	pid_t alloc_pid, free_pid;
	char alloc_comm[TASK_COMM_LEN], free_comm[TASK_COMM_LEN];
	kmt_stack_t alloc_stack, free_stack;
};

/* An entry of the queue of freed records: the record and its free_gen when it was queued. */
struct kmt_freed {
	u32 idx, gen;
};


static struct irq_work kmt_hot_work; /* pages let go for their faults (end of this file) */
static void kmt_hot_work_fn(struct irq_work *work);

static struct kmt_obj *kmt_objs;
static u32 *kmt_obj_hash;
static struct kmt_freed *kmt_freed_q;
static u32 kmt_obj_hash_size, kmt_nobjs, kmt_obj_free_head;
static u32 kmt_freed_head, kmt_freed_tail; /* queue positions (mod kmt_nobjs) */
static DEFINE_RAW_SPINLOCK(kmt_obj_lock);
static atomic_long_t kmt_nlive;

long kmt_objects_live(void)
{
	return atomic_long_read(&kmt_nlive);
}

static void kmt_obj_reset(void)
{
	u32 i;

	for (i = 0; i < kmt_nobjs; i++) {
		kmt_objs[i].addr = 0;
		kmt_objs[i].next = i + 2 <= kmt_nobjs ? i + 2 : 0;
	}
	kmt_obj_free_head = kmt_nobjs ? 1 : 0;
	kmt_freed_head = kmt_freed_tail = 0;
	memset(kmt_obj_hash, 0, kmt_obj_hash_size * sizeof(u32));
	atomic_long_set(&kmt_nlive, 0);
}

static u32 kmt_obj_live_size(unsigned long addr);

int kmt_objects_init(unsigned int max_objects)
{
	init_irq_work(&kmt_hot_work, kmt_hot_work_fn);
	kmt_nobjs = max_objects;
	kmt_obj_hash_size = roundup_pow_of_two(max_objects);
	kmt_objs = vzalloc(array_size(max_objects, sizeof(*kmt_objs)));
	kmt_obj_hash = vzalloc(array_size(kmt_obj_hash_size, sizeof(u32)));
	kmt_freed_q = vzalloc(array_size(max_objects, sizeof(*kmt_freed_q)));
	if (!kmt_objs || !kmt_obj_hash || !kmt_freed_q) {
		kmt_objects_exit();
		pr_err("cannot allocate %u object records (max_objects)\n", max_objects);
		return -ENOMEM;
	}
	kmt_obj_reset();
	kmt_pages_exclude(kmt_objs, array_size(max_objects, sizeof(*kmt_objs)));
	kmt_pages_exclude(kmt_obj_hash, array_size(kmt_obj_hash_size, sizeof(u32)));
	kmt_pages_exclude(kmt_freed_q, array_size(max_objects, sizeof(*kmt_freed_q)));
	WRITE_ONCE(kmt_pages_object_size, kmt_obj_live_size);
	return 0;
}

void kmt_objects_exit(void)
{
	WRITE_ONCE(kmt_pages_object_size, NULL);
	irq_work_sync(&kmt_hot_work);
	vfree(kmt_objs);
	vfree(kmt_obj_hash);
	vfree(kmt_freed_q);
	kmt_objs = NULL;
	kmt_obj_hash = NULL;
	kmt_freed_q = NULL;
}

static u32 kmt_obj_slot(unsigned long addr)
{
	return hash_long(addr, 32) & (kmt_obj_hash_size - 1);
}

/* Writers bracket every change of a record, under kmt_obj_lock. */
static void kmt_obj_write_begin(struct kmt_obj *o)
{
	WRITE_ONCE(o->seq, o->seq + 1);
	smp_wmb();
}

static void kmt_obj_write_end(struct kmt_obj *o)
{
	smp_wmb();
	WRITE_ONCE(o->seq, o->seq + 1);
}

/* The object-start bit of @addr, on the page record @p. */
static unsigned int kmt_start_bit(unsigned long addr)
{
	return (addr & ~PAGE_MASK) / KMT_OBJ_ALIGN;
}

/* Under kmt_obj_lock. */
static struct kmt_obj *kmt_obj_find(unsigned long addr, u32 **link)
{
	u32 *l = &kmt_obj_hash[kmt_obj_slot(addr)];

	while (*l) {
		struct kmt_obj *o = &kmt_objs[*l - 1];

		if (o->addr == addr) {
			if (link)
				*link = l;
			return o;
		}
		l = &o->next;
	}
	return NULL;
}

/* Under kmt_obj_lock: unhash @o, clear its start bit, and put it on the free list. */
static void kmt_obj_remove(struct kmt_obj *o, u32 *link)
{
	struct kmt_page *p = kmt_page_find(o->addr);

	if (p && p->epoch == o->page_epoch)
		clear_bit(kmt_start_bit(o->addr), p->obj_starts);
	WRITE_ONCE(*link, o->next);
	if (!o->freed)
		atomic_long_dec(&kmt_nlive);
	kmt_obj_write_begin(o);
	WRITE_ONCE(o->addr, 0);
	kmt_obj_write_end(o);
	o->next = kmt_obj_free_head;
	kmt_obj_free_head = (o - kmt_objs) + 1;
}

/* Under kmt_obj_lock: drop the record at @addr, if any. */
static void kmt_obj_drop(unsigned long addr)
{
	struct kmt_obj *o;
	u32 *link;

	o = kmt_obj_find(addr, &link);
	if (o)
		kmt_obj_remove(o, link);
}

static bool kmt_obj_stale(const struct kmt_obj *o)
{
	struct kmt_page *p = kmt_page_find(o->addr);

	return !p || p->epoch != o->page_epoch;
}

/*
 * Under kmt_obj_lock, with no free record: reuse the oldest freed record still freed, else
 * (rate-limited) free the records of objects whose page went back to the page allocator.
 */
static void kmt_obj_recycle(void)
{
	static unsigned int calls;
	u32 i;

	while (kmt_freed_tail != kmt_freed_head) {
		struct kmt_freed f = kmt_freed_q[kmt_freed_tail % kmt_nobjs];
		struct kmt_obj *o = &kmt_objs[f.idx];

		kmt_freed_tail++;
		if (o->addr && o->freed && o->free_gen == f.gen) {
			kmt_obj_drop(o->addr);
			return;
		}
	}
	if (calls++ % KMT_RECLAIM_INTERVAL)
		return;
	for (i = 0; i < kmt_nobjs; i++) {
		struct kmt_obj *o = &kmt_objs[i];

		if (o->addr && kmt_obj_stale(o))
			kmt_obj_drop(o->addr);
	}
}

/*
 * Saves the stack of an allocator event without the frames above the caller: kmemtrap's own
 * hook, the tracepoint dispatch and the allocator's functions. Which frames those are differs
 * between kernels, so they are cut by address, not by a fixed count.
 */
static kmt_stack_t kmt_origin_save(void)
{
	unsigned long raw[KMT_RAW_DEPTH];
	unsigned int n = stack_trace_save(raw, ARRAY_SIZE(raw), 0), first = 0;

	while (first < n && (kmt_own_text(raw[first]) ||
			     kmt_ktext_is(KMT_KTEXT_ALLOC_HOOK, raw[first]) ||
			     kmt_ktext_is(KMT_KTEXT_ALLOCATOR, raw[first])))
		first++;
	return kmt_stack_save(raw + first, n - first);
}

/*
 * Trap-safe, lock-free: the object size of the live tracked object that starts at @addr, or 0
 * (pages.c's windows: kmt_pages_object_size).
 */
static u32 kmt_obj_live_size(unsigned long addr)
{
	u32 v, steps;

	if (!READ_ONCE(kmt_objs) || !READ_ONCE(kmt_obj_hash))
		return 0;
	v = READ_ONCE(kmt_obj_hash[kmt_obj_slot(addr)]);
	for (steps = 0; v && v <= kmt_nobjs && steps < KMT_CHAIN_MAX; steps++) {
		const struct kmt_obj *o = &kmt_objs[v - 1];
		u32 seq = READ_ONCE(o->seq), size;
		bool freed;

		smp_rmb();
		if (!(seq & 1) && READ_ONCE(o->addr) == addr) {
			size = READ_ONCE(o->alloc_size);
			freed = READ_ONCE(o->freed);
			smp_rmb();
			return READ_ONCE(o->seq) == seq && !freed ? size : 0;
		}
		v = READ_ONCE(o->next);
	}
	return 0;
}

/* Lock-free: whether a record for @addr seems to exist (writers re-check under the lock). */
static bool kmt_obj_present(unsigned long addr)
{
	u32 v = READ_ONCE(kmt_obj_hash[kmt_obj_slot(addr)]), steps;

	for (steps = 0; v && v <= kmt_nobjs && steps < KMT_CHAIN_MAX; steps++) {
		if (READ_ONCE(kmt_objs[v - 1].addr) == addr)
			return true;
		v = READ_ONCE(kmt_objs[v - 1].next);
	}
	return steps == KMT_CHAIN_MAX; /* a chain that long: look under the lock */
}

int kmt_object_alloc(unsigned long addr, u32 size, u32 alloc_size, const char *cache,
		     bool rcu_cache)
{
	kmt_stack_t stack = kmt_origin_save();
	struct kmt_page *p = kmt_page_find(addr);
	unsigned long flags;
	struct kmt_obj *o;
	u32 idx, slot;
	int ret = 0;

	if (!p || !IS_ALIGNED(addr, KMT_OBJ_ALIGN))
		return -EINVAL;
	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	if (!kmt_obj_free_head)
		kmt_obj_recycle();
	if (!kmt_obj_free_head) {
		ret = -ENOSPC;
		goto out;
	}
	idx = kmt_obj_free_head - 1;
	slot = kmt_obj_slot(addr);
	o = &kmt_objs[idx];
	kmt_obj_free_head = o->next;
	kmt_obj_write_begin(o);
	o->size = size;
	o->alloc_size = alloc_size;
	o->page_epoch = p->epoch;
	o->faults_at_alloc = atomic_read(&p->faults);
	o->cache = cache;
	o->freed = false;
	o->rcu_cache = rcu_cache;
	o->alloc_pid = task_pid_nr(current);
	memcpy(o->alloc_comm, current->comm, TASK_COMM_LEN);
	o->alloc_stack = stack;
	o->free_stack = 0;
	o->next = kmt_obj_hash[slot];
	WRITE_ONCE(o->addr, addr);
	kmt_obj_write_end(o);
	smp_store_release(&kmt_obj_hash[slot], idx + 1);
	set_bit(kmt_start_bit(addr), p->obj_starts);
	atomic_long_inc(&kmt_nlive);
out:
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	return ret;
}

u32 kmt_object_free(unsigned long addr, bool *rcu)
{
	kmt_stack_t stack = 0;
	unsigned long flags;
	struct kmt_obj *o;
	u32 size = 0;

	if (!kmt_objs || !kmt_obj_present(addr))
		return 0; /* the common case: a free of an untracked object */
	stack = kmt_origin_save();
	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	o = kmt_objs ? kmt_obj_find(addr, NULL) : NULL;
	if (o && !o->freed) {
		kmt_obj_write_begin(o);
		o->freed = true;
		o->free_gen++;
		o->free_pid = task_pid_nr(current);
		memcpy(o->free_comm, current->comm, TASK_COMM_LEN);
		o->free_stack = stack;
		kmt_obj_write_end(o);
		kmt_freed_q[kmt_freed_head % kmt_nobjs] = (struct kmt_freed){ o - kmt_objs, o->free_gen };
		kmt_freed_head++;
		if (kmt_freed_head - kmt_freed_tail > kmt_nobjs)
			kmt_freed_tail = kmt_freed_head - kmt_nobjs;
		atomic_long_dec(&kmt_nlive);
		size = o->alloc_size;
		*rcu = o->rcu_cache;
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	return size;
}

/*
 * Trap-safe copy of a cache name that may belong to a cache being destroyed: no fault, and no
 * read past the end of the name's page (strncpy_from_kernel_nofault() is not exported).
 */
static void kmt_copy_name(char dst[KMT_CACHE_NAME_LEN], const char *src)
{
	size_t room = PAGE_SIZE - offset_in_page(src);
	size_t n = min_t(size_t, KMT_CACHE_NAME_LEN - 1, room);

	if (!src || copy_from_kernel_nofault(dst, src, n))
		n = strscpy(dst, "?", KMT_CACHE_NAME_LEN);
	dst[n] = 0;
	dst[strnlen(dst, n)] = 0;
}

/* Lock-free: copies the record of the object starting at @start into @info if it is consistent. */
static bool kmt_obj_read(unsigned long start, struct kmt_object_info *info, u32 *epoch)
{
	u32 v = READ_ONCE(kmt_obj_hash[kmt_obj_slot(start)]), steps;

	for (steps = 0; v && v <= kmt_nobjs && steps < KMT_CHAIN_MAX; steps++) {
		const struct kmt_obj *o = &kmt_objs[v - 1];
		u32 seq = READ_ONCE(o->seq);

		smp_rmb();
		if (!(seq & 1) && READ_ONCE(o->addr) == start) {
			info->start = start;
			info->size = o->size;
			info->alloc_size = o->alloc_size;
			info->freed = o->freed;
			info->alloc_pid = o->alloc_pid;
			info->free_pid = o->free_pid;
			memcpy(info->alloc_comm, o->alloc_comm, sizeof(info->alloc_comm));
			memcpy(info->free_comm, o->free_comm, sizeof(info->free_comm));
			info->alloc_stack = o->alloc_stack;
			info->free_stack = o->free_stack;
			*epoch = o->page_epoch;
			kmt_copy_name(info->cache, o->cache);
			smp_rmb();
			return READ_ONCE(o->seq) == seq;
		}
		v = READ_ONCE(o->next);
	}
	return false;
}

/* The highest set bit of @bits at or below @bit, or -1. */
static long kmt_last_bit_at_or_below(const unsigned long *bits, unsigned int bit)
{
	long w = bit / BITS_PER_LONG;
	unsigned long word = READ_ONCE(bits[w]) & (~0ul >> (BITS_PER_LONG - 1 - bit % BITS_PER_LONG));

	for (;;) {
		if (word)
			return w * BITS_PER_LONG + __fls(word);
		if (--w < 0)
			return -1;
		word = READ_ONCE(bits[w]);
	}
}

/*
 * Under kmt_obj_lock: whether a record covers some byte of the tracked page @p at @page: an
 * object starting on it, or one from the pages before it that reaches into it. When in doubt
 * (a start bit with no record), it says yes.
 */
static bool kmt_obj_covers_page(unsigned long page, struct kmt_page *p)
{
	unsigned int n;

	if (!bitmap_empty(p->obj_starts, KMT_PAGE_SIZE / KMT_OBJ_ALIGN))
		return true;
	for (n = 1; n < KMT_MAX_OBJECT_PAGES; n++) {
		unsigned long q = page - n * PAGE_SIZE;
		struct kmt_page *pq = kmt_page_find(q);
		struct kmt_obj *o;
		long b;

		if (!pq)
			return false;
		b = kmt_last_bit_at_or_below(pq->obj_starts, PAGE_SIZE / KMT_OBJ_ALIGN - 1);
		if (b < 0)
			continue;
		o = kmt_obj_find(q + b * KMT_OBJ_ALIGN, NULL);
		return !o || o->addr + o->alloc_size > page;
	}
	return true;
}

/*
 * Under kmt_obj_lock: gives back the pages of [@addr, @addr + @len) that the allocator hooks
 * track and that no record covers any more. Every byte of such a page is initialized, so it can
 * give no report: hidden, it would only make its untracked neighbours trap. The next tracked
 * allocation there tracks (and hides) the page afresh.
 */
static unsigned int kmt_obj_release_pages(unsigned long addr, u32 len)
{
	unsigned long page;
	unsigned int n = 0;

	for (page = addr & PAGE_MASK; page < addr + len; page += PAGE_SIZE) {
		struct kmt_page *p = kmt_page_find(page);

		if (p && test_bit(KMT_PAGE_ALLOC_OWNED, &p->flags) && !kmt_obj_covers_page(page, p) &&
		    test_and_clear_bit(KMT_PAGE_ALLOC_OWNED, &p->flags)) {
			kmt_page_put(p);
			n++;
		}
	}
	return n;
}

unsigned int kmt_object_reused(unsigned long addr, bool release)
{
	unsigned long flags;
	struct kmt_obj *o;
	unsigned int n = 0;
	u32 *link;

	if (!kmt_objs || !kmt_obj_present(addr))
		return 0;
	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	o = kmt_objs ? kmt_obj_find(addr, &link) : NULL;
	if (o) {
		u32 len = o->alloc_size;

		kmt_obj_remove(o, link);
		if (release)
			n = kmt_obj_release_pages(addr, len);
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	return n;
}

bool kmt_object_capture(u64 addr, struct kmt_object_info *info)
{
	unsigned long page = addr & PAGE_MASK;
	unsigned int bit = kmt_start_bit(addr), n;

	if (!kmt_objs)
		return false;
	for (n = 0; n < KMT_MAX_OBJECT_PAGES; n++, page -= PAGE_SIZE, bit = PAGE_SIZE / KMT_OBJ_ALIGN - 1) {
		struct kmt_page *p = kmt_page_find(page);
		unsigned long start;
		u32 epoch;
		long b;

		if (!p)
			return false;
		b = kmt_last_bit_at_or_below(p->obj_starts, bit);
		if (b < 0)
			continue;
		start = page + b * KMT_OBJ_ALIGN;
		if (!kmt_obj_read(start, info, &epoch) || epoch != READ_ONCE(p->epoch))
			return false;
		return addr < start + info->alloc_size;
	}
	return false;
}

void kmt_objects_forget(void)
{
	unsigned long flags;
	u32 i;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	for (i = 0; kmt_objs && i < kmt_nobjs; i++) {
		struct kmt_obj *o = &kmt_objs[i];
		struct kmt_page *p;

		if (!o->addr)
			continue;
		p = kmt_page_find(o->addr);
		if (p && p->epoch == o->page_epoch) {
			kmt_shadow_set(&kmt_shadow, o->addr, o->alloc_size, KMT_SHADOW_INIT);
			clear_bit(kmt_start_bit(o->addr), p->obj_starts);
		}
		kmt_obj_write_begin(o);
		WRITE_ONCE(o->addr, 0);
		kmt_obj_write_end(o);
	}
	if (kmt_objs)
		kmt_obj_reset();
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
}

/* ---- pages let go for their faults (sampling) -------------------------------------------- */

/* Pages waiting for kmt_hot_work (0: a free entry). Trap context fills, the irq_work empties. */
#define KMT_HOT_QUEUE 64
static unsigned long kmt_hot_pages[KMT_HOT_QUEUE];


/*
 * Under kmt_obj_lock: forgets the objects that start on the page at @page and have lived through
 * half a fault budget of it or more (their bytes become initialized, their records go), and gives
 * back the pages they covered that nothing else covers. A young object stays: it has not cost
 * much yet, and a bug just after an allocation (the common kind) is still seen on a busy page.
 */
static void kmt_obj_let_go(unsigned long page)
{
	struct kmt_page *p = kmt_page_find(page);
	unsigned long b, end = page + PAGE_SIZE;
	unsigned int nobj = 0, npages;
	u32 now, young;

	if (!p)
		return;
	now = atomic_read(&p->faults);
	young = kmt_pages_fault_budget() / 2;
	for_each_set_bit(b, p->obj_starts, KMT_PAGE_SIZE / KMT_OBJ_ALIGN) {
		unsigned long start = page + b * KMT_OBJ_ALIGN;
		struct kmt_obj *o;
		u32 *link;

		o = kmt_obj_find(start, &link);
		if (!o) {
			clear_bit(b, p->obj_starts);
			continue;
		}
		if (now - o->faults_at_alloc < young)
			continue;
		kmt_shadow_set(&kmt_shadow, start, o->alloc_size, KMT_SHADOW_INIT);
		end = max(end, start + o->alloc_size);
		kmt_obj_remove(o, link);
		nobj++;
	}
	npages = kmt_obj_release_pages(page, end - page);
	kmt_count_add(KMT_CNT_OBJECTS_LET_GO, nobj);
	kmt_count_add(KMT_CNT_PAGES_LET_GO, npages);
}

static void kmt_hot_work_fn(struct irq_work *work)
{
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	for (i = 0; i < KMT_HOT_QUEUE; i++) {
		unsigned long page = xchg(&kmt_hot_pages[i], 0);

		if (page && kmt_objs)
			kmt_obj_let_go(page);
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
}

void kmt_objects_let_go(unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < KMT_HOT_QUEUE; i++) {
		if (!cmpxchg(&kmt_hot_pages[i], 0, addr & PAGE_MASK)) {
			irq_work_queue(&kmt_hot_work);
			return;
		}
	}
}
