/* SPDX-License-Identifier: GPL-2.0 */
/* kmt_pages.h - tracked pages (pages.c). */
#ifndef KMT_PAGES_H
#define KMT_PAGES_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <asm/pgtable_types.h>

#include "kmt_shadow.h"

#define KMT_PAGE_ALLOC_OWNED 0

struct kmt_page {
	unsigned long addr;   /* page address; 0 while the record is free */
	pte_t *ptep;          /* its 4 KiB PTE */
	pteval_t saved;       /* the PTE value while hidden */
	u32 tracked;          /* tracking references (annotation ranges, objects) */
	atomic_t shown;       /* in-flight steps that need it visible (atomic: NMI steps nest) */
	u32 next_free;        /* free list link (index + 1) */
	unsigned long flags;  /* KMT_PAGE_ALLOC_OWNED: the allocator hooks hold one reference */
	u32 epoch;            /* changes each time the record is (re)created */
	struct kmt_shadow_block shadow;
};

int kmt_pages_hidden_count(void);
extern atomic_t kmt_pages_tracked;
extern bool kmt_pages_armed;

int kmt_pages_init(unsigned int max_pages);
void kmt_pages_exit(void);
struct kmt_page *kmt_page_find(unsigned long addr);
struct kmt_page *kmt_page_get(unsigned long addr);
struct kmt_page *kmt_page_get_atomic(unsigned long addr);
void kmt_page_put(struct kmt_page *p);
void kmt_page_hide(struct kmt_page *p);
void kmt_page_show(struct kmt_page *p);
void kmt_pages_set_armed(bool armed);
void kmt_pages_release_all(void);
struct kmt_shadow_block *kmt_pages_shadow_lookup(void *ctx, uint64_t page_addr);

#endif /* KMT_PAGES_H */
