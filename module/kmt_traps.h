/* SPDX-License-Identifier: GPL-2.0 */
/* kmt_traps.h - #PF and #DB hooks (traps.c). */
#ifndef KMT_TRAPS_H
#define KMT_TRAPS_H

#include <linux/atomic.h>

#include "kmt_engine.h"

extern struct kmt_engine_platform kmt_engine_platform;
extern atomic_long_t kmt_internal_errors;
extern atomic_long_t kmt_reports_suppressed;

int kmt_traps_init(const char *hook_symbol, enum kmt_rep_mode mode);
void kmt_traps_exit(void);
void kmt_traps_set_rep_mode(enum kmt_rep_mode mode);
void kmt_traps_counters(struct kmt_engine_counters *sum);
unsigned long kmt_copy_user_caller(const unsigned long *entries, unsigned int n);

#endif /* KMT_TRAPS_H */
