/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stacks.h - a store of call traces, deduplicated, addressed by small handles (stacks.c).
 *
 * KASAN keeps allocation and free stacks in the kernel's stack depot; kmemtrap cannot:
 * stack_depot_save() may allocate, and kmemtrap saves stacks in trap context (reports) and from
 * allocator hooks. This store is fixed-size (allocated at load), lock-free and trap-safe,
 * NMI included. Stacks are never freed before unload; when it is full, saving returns 0.
 */
#ifndef KMT_STACKS_H
#define KMT_STACKS_H

#include <linux/types.h>

#define KMT_STACK_DEPTH 16 /* frames kept per stack */

typedef u32 kmt_stack_t; /* 0: no stack */

int kmt_stacks_init(unsigned int max_stacks);
void kmt_stacks_exit(void);

/* Trap-safe: the handle of @entries[0..@n) (the same handle for the same trace). */
kmt_stack_t kmt_stack_save(const unsigned long *entries, unsigned int n);
/* The frames of @handle (NULL and 0 for handle 0 or a bad handle). */
const unsigned long *kmt_stack_get(kmt_stack_t handle, unsigned int *n);

#endif /* KMT_STACKS_H */
