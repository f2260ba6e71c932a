/* SPDX-License-Identifier: GPL-2.0 */
/* kmt_alloc.h - tracking real kernel allocations (alloc.c). */
#ifndef KMT_ALLOC_H
#define KMT_ALLOC_H

#include <linux/seq_file.h>
#include <linux/types.h>

#define KMT_ORIGIN_DEPTH 8

/* What a report prints about the object holding its bad byte (filled in process context). */
struct kmt_alloc_info {
	u64 start;
	u32 size;          /* bytes requested */
	u32 alloc_size;    /* bytes the allocator gave (object size) */
	char cache[32];
	bool freed;
	u64 free_seq;      /* compare with kmt_report_rec.seq: freed after the access if greater */
	pid_t alloc_pid, free_pid;
	char alloc_comm[16], free_comm[16];
	u32 alloc_nr, free_nr;
	unsigned long alloc_stack[KMT_ORIGIN_DEPTH], free_stack[KMT_ORIGIN_DEPTH];
};

int kmt_alloc_init(unsigned int max_objects);
void kmt_alloc_exit(void);
/* Whether any selection is active (track_modules, track_caches or track_all). */
bool kmt_alloc_active(void);
/* Process context: the tracked object holding @addr, if any. */
bool kmt_alloc_describe(u64 addr, struct kmt_alloc_info *info);
void kmt_alloc_stats(struct seq_file *m);
unsigned long kmt_alloc_tracked_objects(void);
/* Trap-safe: the current free sequence number. */
u64 kmt_alloc_now(void);
/* Whether @addr is in kmemtrap's own object records (never tracked). */
bool kmt_alloc_owns(unsigned long addr);
/* Re-arming after a disarm: forget allocator-tracked objects (their shadow is stale). */
void kmt_alloc_forget(void);

#endif /* KMT_ALLOC_H */
