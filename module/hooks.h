/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hooks.h - the trap mechanism (hooks.c): the #PF kprobe, the #DB die notifier, the per-CPU
 * engine slots, the load-time calibration of the hook, and CPU hotplug.
 */
#ifndef KMT_HOOKS_H
#define KMT_HOOKS_H

#include <linux/types.h>

#include "kmt_engine.h"

/*
 * Hooks the #PF path at @hook_symbol (see symbols.h) and #DB, then checks the hook's argument
 * registers with a calibration fault. @follow_limit: see kmt_engine_set_follow_limit(). @emulate: see
 * kmt_engine_set_emulate() (alias.c must be set up). @smp_allowed: without it, a CPU coming online while
 * kmemtrap is loaded is refused (kmemtrap is not SMP-correct). Returns 0 or -errno with a message;
 * on failure nothing stays registered.
 */
int kmt_hooks_init(const char *hook_symbol, enum kmt_rep_mode mode, unsigned int follow_limit, bool emulate,
		   bool smp_allowed);
/* Waits for steps in flight (pages must already be shown), then unhooks everything. */
void kmt_hooks_exit(void);
void kmt_hooks_set_rep_mode(enum kmt_rep_mode mode);
/* Emulation on or off for every CPU and slot, from the next fault on. */
void kmt_hooks_set_emulate(bool on);
/* The engine's counters summed over every CPU and slot (after kmt_hooks_exit(): their last values). */
void kmt_hooks_engine_counters(struct kmt_engine_counters *sum);

#endif /* KMT_HOOKS_H */
