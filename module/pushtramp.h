/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pushtramp.h - PUSHes of tracked memory emulated in the #PF handler, their stack write made at
 * an int3 after it (pushtramp.c).
 */
#ifndef KMT_PUSHTRAMP_H
#define KMT_PUSHTRAMP_H

#include <linux/types.h>

#include "kmt_engine.h"

struct pt_regs;

/* platform.defer_push, in a #PF: *r is past the PUSH; its value belongs at r's RSP. */
int kmt_push_defer(void *ctx, struct kmt_regs *r, uint64_t value);
/* An int3 in kernel mode (the die notifier, DIE_INT3): true if it was a trampoline's, now done. */
bool kmt_push_int3(struct pt_regs *regs);
/* Unload, after the #PF hook is gone: waits until no push is in flight (no time limit). */
void kmt_push_wait_idle(void);

#endif /* KMT_PUSHTRAMP_H */
