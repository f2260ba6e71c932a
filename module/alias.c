// SPDX-License-Identifier: GPL-2.0
/*
 * alias.c - per-CPU alias mappings of tracked pages, in the manner of 32-bit x86's kmap_atomic():
 * each CPU owns a few virtual pages (per trap nesting level) whose PTEs it re-points at the frame
 * of a tracked page when the engine must read or write it without showing it. Only the owning CPU
 * ever uses (or re-points) its addresses, so a local invlpg is enough; another CPU never has a
 * reason to translate them.
 *
 * Each level has KMT_ALIAS_WAYS addresses, used in turn; a frame already mapped at one is reused
 * as it is. Re-pointing one costs an invlpg, which under QEMU TCG flushes the whole TLB (the
 * direct map's large pages make the range TCG tracks for them cover the kernel half), so the
 * ways are many: the hot pages of a whole-kernel run stay mapped.
 *
 * The addresses come from one vmap() of a dummy page at load (which also allocates their page
 * tables); their PTEs are found with lookup_address() and restored to the dummy page before
 * vunmap() at unload.
 */
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>

#include "kmt.h"
#include "alias.h"
#include "counters.h"

#define KMT_ALIAS_LEVELS 4 /* trap nesting levels per CPU (the engine's slots) */
#define KMT_ALIAS_WAYS 32  /* addresses per level, used in turn (an access spans at most two) */

struct kmt_alias_way {
	unsigned long va;
	pte_t *ptep;
	unsigned long pfn; /* mapped now; 0: the dummy page */
};

#define KMT_ALIAS_HINTS 64 /* a power of two */

struct kmt_alias_cpu {
	int level;                      /* nesting level of the running handler (0: none) */
	unsigned int next[KMT_ALIAS_LEVELS];
	struct kmt_alias_way way[KMT_ALIAS_LEVELS][KMT_ALIAS_WAYS];
	/* per level, by pfn % KMT_ALIAS_HINTS: the way that last held such a frame (a guess) */
	u8 hint[KMT_ALIAS_LEVELS][KMT_ALIAS_HINTS];
};

static struct kmt_alias_cpu __percpu *kmt_alias_cpus;
static void *kmt_alias_area;
static struct page *kmt_alias_dummy;
static pteval_t kmt_alias_dummy_pte;
static unsigned int kmt_alias_pages;

static inline void kmt_alias_invlpg(unsigned long addr)
{
	asm volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

int kmt_alias_init(void)
{
	unsigned int per_cpu = KMT_ALIAS_LEVELS * KMT_ALIAS_WAYS, i, n = 0;
	struct page **pages;
	int cpu;

	kmt_alias_pages = per_cpu * num_possible_cpus();
	kmt_alias_cpus = alloc_percpu(struct kmt_alias_cpu);
	kmt_alias_dummy = alloc_page(GFP_KERNEL | __GFP_ZERO);
	pages = kvmalloc_array(kmt_alias_pages, sizeof(*pages), GFP_KERNEL);
	if (!kmt_alias_cpus || !kmt_alias_dummy || !pages)
		goto fail;
	for (i = 0; i < kmt_alias_pages; i++)
		pages[i] = kmt_alias_dummy;
	kmt_alias_area = vmap(pages, kmt_alias_pages, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	pages = NULL;
	if (!kmt_alias_area)
		goto fail;
	for_each_possible_cpu(cpu) {
		struct kmt_alias_cpu *c = per_cpu_ptr(kmt_alias_cpus, cpu);
		unsigned int l, w;

		for (l = 0; l < KMT_ALIAS_LEVELS; l++) {
			for (w = 0; w < KMT_ALIAS_WAYS; w++) {
				struct kmt_alias_way *way = &c->way[l][w];
				unsigned int level;

				way->va = (unsigned long)kmt_alias_area + (unsigned long)n++ * PAGE_SIZE;
				way->ptep = lookup_address(way->va, &level);
				way->pfn = 0;
				if (!way->ptep || level != PG_LEVEL_4K) {
					pr_err("alias mapping: no 4 KiB PTE for %px\n", (void *)way->va);
					goto fail;
				}
			}
		}
	}
	kmt_alias_dummy_pte = pte_val(*per_cpu_ptr(kmt_alias_cpus, cpumask_first(cpu_possible_mask))->way[0][0].ptep);
	return 0;
fail:
	kvfree(pages);
	pr_err("cannot set up the alias mappings\n");
	kmt_alias_exit();
	return -ENOMEM;
}

void kmt_alias_exit(void)
{
	int cpu;

	/* Back to the dummy page; vunmap() flushes the area before its addresses are used again. */
	if (kmt_alias_area && kmt_alias_cpus) {
		for_each_possible_cpu(cpu) {
			struct kmt_alias_cpu *c = per_cpu_ptr(kmt_alias_cpus, cpu);
			unsigned int l, w;

			for (l = 0; l < KMT_ALIAS_LEVELS; l++)
				for (w = 0; w < KMT_ALIAS_WAYS; w++)
					if (c->way[l][w].ptep && c->way[l][w].pfn)
						set_pte(c->way[l][w].ptep, __pte(kmt_alias_dummy_pte));
		}
	}
	if (kmt_alias_area)
		vunmap(kmt_alias_area);
	kmt_alias_area = NULL;
	free_percpu(kmt_alias_cpus);
	kmt_alias_cpus = NULL;
	if (kmt_alias_dummy)
		__free_page(kmt_alias_dummy);
	kmt_alias_dummy = NULL;
}

bool kmt_alias_enter(void)
{
	struct kmt_alias_cpu *c;

	if (!kmt_alias_cpus)
		return false;
	c = this_cpu_ptr(kmt_alias_cpus);
	return ++c->level <= KMT_ALIAS_LEVELS;
}

void kmt_alias_exit_level(void)
{
	if (kmt_alias_cpus)
		this_cpu_ptr(kmt_alias_cpus)->level--;
}

unsigned long kmt_alias_map(unsigned long pfn)
{
	struct kmt_alias_cpu *c;
	struct kmt_alias_way *way;
	unsigned int w;
	int l;

	if (!kmt_alias_cpus || !pfn)
		return 0;
	c = this_cpu_ptr(kmt_alias_cpus);
	l = c->level - 1;
	if (l < 0 || l >= KMT_ALIAS_LEVELS)
		return 0;
	/* Every access of a trap asks: the way this frame was last seen in first, then a scan. */
	w = c->hint[l][pfn % KMT_ALIAS_HINTS] % KMT_ALIAS_WAYS;
	if (c->way[l][w].pfn == pfn)
		return c->way[l][w].va;
	for (w = 0; w < KMT_ALIAS_WAYS; w++)
		if (c->way[l][w].pfn == pfn)
			goto found;
	w = c->next[l]++ % KMT_ALIAS_WAYS;
	way = &c->way[l][w];
	set_pte(way->ptep, pfn_pte(pfn, PAGE_KERNEL));
	kmt_alias_invlpg(way->va);
	kmt_count(KMT_CNT_ALIAS_REMAPS);
	way->pfn = pfn;
found:
	c->hint[l][pfn % KMT_ALIAS_HINTS] = w;
	return c->way[l][w].va;
}
