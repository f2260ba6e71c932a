/* SPDX-License-Identifier: GPL-2.0 */
/*
 * faultsites.h - where the faults come from (module parameter fault_sites=1): every fault
 * kmemtrap handles is counted by its instruction, and debugfs `fault_sites` lists the busiest.
 */
#ifndef KMT_FAULTSITES_H
#define KMT_FAULTSITES_H

#include <linux/compiler.h>
#include <linux/seq_file.h>
#include <linux/types.h>

extern struct kmt_fault_site *kmt_fault_sites; /* NULL: counting off */

/* Allocates the table and turns counting on, if @on (process context, at load, before the hooks). */
int kmt_fault_sites_init(bool on);
/* Frees it (after the hooks are gone: no handler can be counting). */
void kmt_fault_sites_exit(void);
/* Trap-safe, lock-free (NMI too): counts a fault of the instruction at @ip, a store if @write. */
void kmt_fault_site_count(unsigned long ip, bool write);

static inline void kmt_fault_site(unsigned long ip, bool write)
{
	if (unlikely(READ_ONCE(kmt_fault_sites)))
		kmt_fault_site_count(ip, write);
}

/* The debugfs file: the busiest sites first, or a line saying counting is off. */
int kmt_fault_sites_show(struct seq_file *m, void *unused);

#endif
