// SPDX-License-Identifier: GPL-2.0
/*
 * objects.c - records of tracked heap objects (see objects.h).
 *
 * Locking in this file: one raw spinlock, taken with interrupts off by the allocator hooks (any
 * context but NMI) and by the process-context readers. The trap path never takes it.
 *
 * Storage: a fixed pool of max_objects records, allocated at load, and a chained hash from
 * object start address to record. A record is dropped when its address is allocated again, on
 * re-arm, or, when the pool is full, if its page went back to the page allocator meanwhile
 * (the page record's epoch changed).
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "kmt.h"
#include "ktext.h"
#include "objects.h"
#include "pages.h"

/* A full pool looks for stale records at most once per this many failed allocations. */
#define KMT_RECLAIM_INTERVAL 1024
/* Frames saved before the allocator's own are cut off (see kmt_origin_save()). */
#define KMT_RAW_DEPTH (KMT_ORIGIN_DEPTH + 16)

struct kmt_obj {
	unsigned long addr;          /* 0 = free record */
	u32 size, alloc_size;
	u32 page_epoch;              /* epoch of the first page's record when tracked */
	u32 next;                    /* hash chain / free list (index + 1) */
	const char *cache;           /* cache name (static for kmalloc, s->name otherwise) */
	bool freed, rcu_cache;
	u64 free_seq;                /* kmt_free_seq when it was freed */
	pid_t alloc_pid, free_pid;
	char alloc_comm[TASK_COMM_LEN], free_comm[TASK_COMM_LEN];
	u8 alloc_nr, free_nr;
	unsigned long alloc_stack[KMT_ORIGIN_DEPTH], free_stack[KMT_ORIGIN_DEPTH];
};

static struct kmt_obj *kmt_objs;
static u32 *kmt_obj_hash, kmt_obj_hash_size, kmt_nobjs, kmt_obj_free_head;
static DEFINE_RAW_SPINLOCK(kmt_obj_lock);
/* Counts frees, so that a report can tell whether its object was freed before or after the access. */
static atomic64_t kmt_free_seq = ATOMIC64_INIT(0);
static atomic_long_t kmt_nlive;

u64 kmt_objects_now(void)
{
	return atomic64_read(&kmt_free_seq);
}

long kmt_objects_live(void)
{
	return atomic_long_read(&kmt_nlive);
}

static void kmt_obj_reset_free_list(void)
{
	u32 i;

	for (i = 0; i < kmt_nobjs; i++)
		kmt_objs[i].next = i + 2 <= kmt_nobjs ? i + 2 : 0;
	kmt_obj_free_head = kmt_nobjs ? 1 : 0;
}

int kmt_objects_init(unsigned int max_objects)
{
	kmt_nobjs = max_objects;
	kmt_obj_hash_size = roundup_pow_of_two(max_objects);
	kmt_objs = __vmalloc(array_size(max_objects, sizeof(*kmt_objs)), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	kmt_obj_hash = __vmalloc(array_size(kmt_obj_hash_size, sizeof(u32)), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!kmt_objs || !kmt_obj_hash) {
		kmt_objects_exit();
		pr_err("cannot allocate %u object records (max_objects)\n", max_objects);
		return -ENOMEM;
	}
	kmt_obj_reset_free_list();
	atomic_long_set(&kmt_nlive, 0);
	kmt_pages_exclude(kmt_objs, array_size(max_objects, sizeof(*kmt_objs)));
	kmt_pages_exclude(kmt_obj_hash, array_size(kmt_obj_hash_size, sizeof(u32)));
	return 0;
}

void kmt_objects_exit(void)
{
	vfree(kmt_objs);
	vfree(kmt_obj_hash);
	kmt_objs = NULL;
	kmt_obj_hash = NULL;
}

static u32 kmt_obj_slot(unsigned long addr)
{
	return hash_long(addr, 32) & (kmt_obj_hash_size - 1);
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

/* Under kmt_obj_lock. */
static void kmt_obj_remove(struct kmt_obj *o, u32 *link)
{
	*link = o->next;
	if (!o->freed)
		atomic_long_dec(&kmt_nlive);
	o->addr = 0;
	o->next = kmt_obj_free_head;
	kmt_obj_free_head = (o - kmt_objs) + 1;
}

/* Whether @o's page went back to the page allocator since it was recorded. */
static bool kmt_obj_stale(const struct kmt_obj *o)
{
	struct kmt_page *p = kmt_page_find(o->addr);

	return !p || p->epoch != o->page_epoch;
}

/*
 * The pool is full: free the records of objects whose page went back to the page allocator (a
 * record is otherwise only dropped when its address is allocated again). Rate-limited, so that
 * a pool full of live objects does not cost a scan on every allocation. Under kmt_obj_lock.
 */
static void kmt_obj_reclaim(void)
{
	static unsigned int calls;
	u32 i;

	if (calls++ % KMT_RECLAIM_INTERVAL)
		return;
	for (i = 0; i < kmt_nobjs; i++) {
		struct kmt_obj *o = &kmt_objs[i];
		u32 *link;

		if (o->addr && kmt_obj_stale(o) && kmt_obj_find(o->addr, &link) == o)
			kmt_obj_remove(o, link);
	}
}

/*
 * Saves the stack of an allocator event without the frames above the caller: kmemtrap's own
 * hook, the tracepoint dispatch and the allocator's functions. Which frames those are differs
 * between kernels, so they are cut by address, not by a fixed count.
 */
static u8 kmt_origin_save(unsigned long *stack)
{
	unsigned long raw[KMT_RAW_DEPTH];
	unsigned int n = stack_trace_save(raw, ARRAY_SIZE(raw), 0), first = 0, i;

	while (first < n && (within_module(raw[first], THIS_MODULE) ||
			     kmt_ktext_is(KMT_KTEXT_ALLOC_HOOK, raw[first]) ||
			     kmt_ktext_is(KMT_KTEXT_ALLOCATOR, raw[first])))
		first++;
	for (i = 0; first + i < n && i < KMT_ORIGIN_DEPTH; i++)
		stack[i] = raw[first + i];
	return i;
}

void kmt_object_reused(unsigned long addr)
{
	unsigned long flags;
	struct kmt_obj *o;
	u32 *link;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	o = kmt_objs ? kmt_obj_find(addr, &link) : NULL;
	if (o)
		kmt_obj_remove(o, link);
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
}

int kmt_object_alloc(unsigned long addr, u32 size, u32 alloc_size, const char *cache,
		     bool rcu_cache)
{
	struct kmt_page *p = kmt_page_find(addr);
	unsigned long flags;
	struct kmt_obj *o;
	u32 idx, slot;
	int ret = 0;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	if (!kmt_obj_free_head)
		kmt_obj_reclaim();
	if (!kmt_obj_free_head) {
		ret = -ENOSPC;
		goto out;
	}
	idx = kmt_obj_free_head - 1;
	slot = kmt_obj_slot(addr);
	o = &kmt_objs[idx];
	kmt_obj_free_head = o->next;
	o->addr = addr;
	o->size = size;
	o->alloc_size = alloc_size;
	o->page_epoch = p ? p->epoch : 0;
	o->cache = cache;
	o->freed = false;
	o->rcu_cache = rcu_cache;
	o->alloc_pid = task_pid_nr(current);
	memcpy(o->alloc_comm, current->comm, TASK_COMM_LEN);
	o->alloc_nr = kmt_origin_save(o->alloc_stack);
	o->free_nr = 0;
	o->next = kmt_obj_hash[slot];
	kmt_obj_hash[slot] = idx + 1;
	atomic_long_inc(&kmt_nlive);
out:
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	return ret;
}

u32 kmt_object_free(unsigned long addr, bool *rcu)
{
	unsigned long flags;
	struct kmt_obj *o;
	u32 size = 0;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	o = kmt_objs ? kmt_obj_find(addr, NULL) : NULL;
	if (o && !o->freed) {
		o->freed = true;
		o->free_seq = atomic64_inc_return(&kmt_free_seq);
		o->free_pid = task_pid_nr(current);
		memcpy(o->free_comm, current->comm, TASK_COMM_LEN);
		o->free_nr = kmt_origin_save(o->free_stack);
		atomic_long_dec(&kmt_nlive);
		size = o->alloc_size;
		*rcu = o->rcu_cache;
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	return size;
}

bool kmt_object_describe(u64 addr, struct kmt_object_info *info)
{
	unsigned long flags;
	bool found = false;
	u32 i;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	for (i = 0; kmt_objs && i < kmt_nobjs && !found; i++) {
		struct kmt_obj *o = &kmt_objs[i];

		if (!o->addr || addr < o->addr || addr >= o->addr + o->alloc_size || kmt_obj_stale(o))
			continue;
		info->start = o->addr;
		info->size = o->size;
		info->alloc_size = o->alloc_size;
		strscpy(info->cache, o->cache ? o->cache : "?", sizeof(info->cache));
		info->freed = o->freed;
		info->free_seq = o->free_seq;
		info->alloc_pid = o->alloc_pid;
		info->free_pid = o->free_pid;
		memcpy(info->alloc_comm, o->alloc_comm, sizeof(info->alloc_comm));
		memcpy(info->free_comm, o->free_comm, sizeof(info->free_comm));
		info->alloc_nr = o->alloc_nr;
		info->free_nr = o->free_nr;
		memcpy(info->alloc_stack, o->alloc_stack, sizeof(info->alloc_stack));
		memcpy(info->free_stack, o->free_stack, sizeof(info->free_stack));
		found = true;
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	return found;
}

void kmt_objects_forget(void)
{
	unsigned long flags;
	u32 i;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	for (i = 0; kmt_objs && i < kmt_nobjs; i++) {
		struct kmt_obj *o = &kmt_objs[i];

		if (o->addr && o->page_epoch)
			kmt_shadow_set(&kmt_shadow, o->addr, o->alloc_size, KMT_SHADOW_INIT);
		o->addr = 0;
	}
	if (kmt_objs) {
		memset(kmt_obj_hash, 0, kmt_obj_hash_size * sizeof(u32));
		kmt_obj_reset_free_list();
	}
	atomic_long_set(&kmt_nlive, 0);
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
}
