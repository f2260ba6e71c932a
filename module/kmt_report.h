/* SPDX-License-Identifier: GPL-2.0 */
/* kmt_report.h - error reports: queued lock-free from traps, printed later (report.c). */
#ifndef KMT_REPORT_H
#define KMT_REPORT_H

#include <linux/types.h>
#include <linux/sched.h>

#include "kmt_shadow.h"

enum kmt_report_kind {
	KMT_REPORT_UNINIT_READ = 0,
	KMT_REPORT_FREED_READ,
	KMT_REPORT_UNALLOCATED_READ,
	KMT_REPORT_INFOLEAK,
	KMT_REPORT_KINDS,
};

#define KMT_REPORT_STACK_DEPTH 16

struct kmt_report_rec {
	u8 kind;                  /* enum kmt_report_kind */
	u8 bad_state;             /* enum kmt_shadow_state of the first bad byte */
	u16 cpu;
	u32 size;                 /* bytes of the access */
	pid_t pid;
	u64 addr;                 /* address of the access */
	u64 bad_addr;             /* first byte that is not initialized */
	u64 ip;                   /* instruction that made the access */
	u64 dst;                  /* infoleak: the user address written */
	u64 seq;                  /* kmt_alloc_now() at the access */
	u64 snapshot_start;
	u8 snapshot[KMT_SHADOW_SNAPSHOT_LEN];
	char comm[TASK_COMM_LEN];
	u32 nr_entries;
	unsigned long entries[KMT_REPORT_STACK_DEPTH];
};

int kmt_report_init(void);
void kmt_report_exit(void);
/* Trap-safe: queue one error (copied). The stack is taken from @regs, or from the caller if NULL. */
void kmt_report_queue(const struct kmt_report_rec *rec, struct pt_regs *regs);
/* Process context: print everything queued so far. */
void kmt_report_flush(void);
void kmt_report_summary(struct seq_file *m);

extern atomic_long_t kmt_reports_printed, kmt_reports_dropped, kmt_reports_repeated, kmt_reports_over_limit;
extern atomic_long_t kmt_reports_by_kind[KMT_REPORT_KINDS];

#endif /* KMT_REPORT_H */
