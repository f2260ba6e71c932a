/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc.h - tracking real kernel allocations (alloc.c): which allocations are selected
 * (track_modules, track_caches, track_all) and the allocator hooks that track them.
 */
#ifndef KMT_ALLOC_H
#define KMT_ALLOC_H

/* Attaches the allocator hooks and applies the selection parameters. Process context. */
int kmt_alloc_init(void);
void kmt_alloc_exit(void);

#endif /* KMT_ALLOC_H */
