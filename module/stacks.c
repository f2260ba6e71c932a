// SPDX-License-Identifier: GPL-2.0
/*
 * stacks.c - the call-trace store (see stacks.h).
 *
 * Locking in this file: none. Records come from a bump allocator (an atomic counter) and are
 * published in an open-addressing hash with cmpxchg; a record is written before its slot points
 * at it (release) and read after the slot is seen (acquire), and is never changed afterwards.
 * Two CPUs saving the same new trace at once may both take a record; the loser's is simply
 * left unused.
 */
#include <linux/atomic.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "kmt.h"
#include "counters.h"
#include "pages.h"
#include "stacks.h"

struct kmt_stack_rec {
	u32 hash;
	u32 nr;
	unsigned long entries[KMT_STACK_DEPTH];
};

static struct kmt_stack_rec *kmt_stack_recs;
static u32 *kmt_stack_hash;     /* record index + 1; 0 = empty */
static u32 kmt_stack_max, kmt_stack_hash_size;
static atomic_t kmt_stack_used;

int kmt_stacks_init(unsigned int max_stacks)
{
	kmt_stack_max = max_stacks;
	kmt_stack_hash_size = roundup_pow_of_two(max_stacks * 2);
	atomic_set(&kmt_stack_used, 0);
	kmt_stack_recs = vzalloc(array_size(max_stacks, sizeof(*kmt_stack_recs)));
	kmt_stack_hash = vzalloc(array_size(kmt_stack_hash_size, sizeof(u32)));
	if (!kmt_stack_recs || !kmt_stack_hash) {
		kmt_stacks_exit();
		pr_err("cannot allocate %u stack records\n", max_stacks);
		return -ENOMEM;
	}
	kmt_pages_exclude(kmt_stack_recs, array_size(max_stacks, sizeof(*kmt_stack_recs)));
	kmt_pages_exclude(kmt_stack_hash, array_size(kmt_stack_hash_size, sizeof(u32)));
	return 0;
}

void kmt_stacks_exit(void)
{
	vfree(kmt_stack_recs);
	vfree(kmt_stack_hash);
	kmt_stack_recs = NULL;
	kmt_stack_hash = NULL;
}

static bool kmt_stack_equal(const struct kmt_stack_rec *r, u32 hash, const unsigned long *e, u32 n)
{
	return r->hash == hash && r->nr == n && !memcmp(r->entries, e, n * sizeof(*e));
}

kmt_stack_t kmt_stack_save(const unsigned long *entries, unsigned int n)
{
	u32 hash, slot, probes, idx = 0;
	bool have_rec = false;

	if (!kmt_stack_hash || !n)
		return 0;
	n = min_t(unsigned int, n, KMT_STACK_DEPTH);
	hash = jhash2((const u32 *)entries, n * sizeof(*entries) / sizeof(u32), 0);
	slot = hash & (kmt_stack_hash_size - 1);
	for (probes = 0; probes < kmt_stack_hash_size; probes++) {
		u32 v = smp_load_acquire(&kmt_stack_hash[slot]);

		if (v && kmt_stack_equal(&kmt_stack_recs[v - 1], hash, entries, n))
			return v;
		if (!v) {
			if (!have_rec) {
				idx = atomic_inc_return(&kmt_stack_used);
				if (idx > kmt_stack_max) {
					kmt_count(KMT_CNT_STACKS_FULL);
					return 0;
				}
				kmt_stack_recs[idx - 1].hash = hash;
				kmt_stack_recs[idx - 1].nr = n;
				memcpy(kmt_stack_recs[idx - 1].entries, entries, n * sizeof(*entries));
				have_rec = true;
			}
			/* Publish; if another CPU filled the slot first, look at what it put there. */
			v = cmpxchg_release(&kmt_stack_hash[slot], 0, idx);
			if (!v)
				return idx;
			smp_rmb();
			if (kmt_stack_equal(&kmt_stack_recs[v - 1], hash, entries, n))
				return v;
		}
		slot = (slot + 1) & (kmt_stack_hash_size - 1);
	}
	kmt_count(KMT_CNT_STACKS_FULL);
	return 0;
}

const unsigned long *kmt_stack_get(kmt_stack_t handle, unsigned int *n)
{
	if (!handle || handle > kmt_stack_max || !kmt_stack_recs) {
		*n = 0;
		return NULL;
	}
	*n = kmt_stack_recs[handle - 1].nr;
	return kmt_stack_recs[handle - 1].entries;
}
