/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - the one report path (report.c): every error, from the engine or from the
 * annotation API, goes to kmt_report_error() unchanged; report.c decides what it is, queues it
 * lock-free and prints it later from process context.
 */
#ifndef KMT_REPORT_H
#define KMT_REPORT_H

#include <linux/types.h>

#include "kmt_engine.h"

struct pt_regs;
struct seq_file;

int kmt_report_init(void);
/*
 * Prints what is still queued and, if @summary (a load that succeeded), the summary of every
 * site, then frees everything.
 */
void kmt_report_exit(bool summary);

/*
 * Trap-safe (any context, NMI included): one error. @regs are the registers of the access (the
 * call trace is unwound from them, with ip = error->rip), or NULL for a check made by a caller
 * in process context (the trace is its own).
 */
void kmt_report_error(const struct kmt_error *error, struct pt_regs *regs);

/* Process context: print everything queued so far. */
void kmt_report_flush(void);
/* Process context: one line per reported site (kind, hits, function). */
void kmt_report_sites(struct seq_file *m);

#endif /* KMT_REPORT_H */
