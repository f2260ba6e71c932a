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
/*
 * Attaches the allocator hooks (the kmem tracepoints' probes and the bulk hooks) if they are not
 * yet: before anything is tracked. Process context; 0 or the error of the hook that failed.
 */
int kmt_alloc_attach(const char *why);
bool kmt_alloc_attached(void);

#endif /* KMT_ALLOC_H */
