/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stackslots.h - the per-CPU stack slot tables of kmt_slots.h (stackslots.c).
 */
#ifndef KMT_STACKSLOTS_H
#define KMT_STACKSLOTS_H

#include "kmt_slots.h"

/* Allocates the tables. Process context. */
int kmt_stackslots_init(void);
/* Frees them; call after the trap hooks are gone. */
void kmt_stackslots_exit(void);
/* This CPU's table, or NULL. Trap-safe. */
struct kmt_stack_slots *kmt_stackslots_this_cpu(void);

#endif /* KMT_STACKSLOTS_H */
