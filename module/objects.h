/* SPDX-License-Identifier: GPL-2.0 */
/*
 * objects.h - records of tracked heap objects: bounds, cache, and where they were allocated and
 * freed (objects.c). The allocator hooks write them; reports capture them at trap time.
 */
#ifndef KMT_OBJECTS_H
#define KMT_OBJECTS_H

#include <linux/sched.h>
#include <linux/types.h>

#include "stacks.h"

#define KMT_CACHE_NAME_LEN 32

/* What a report prints about the object holding its bad byte, as it was at the access. */
struct kmt_object_info {
	u64 start;
	u32 size;          /* bytes requested */
	u32 alloc_size;    /* bytes the allocator gave (object size) */
	char cache[KMT_CACHE_NAME_LEN];
	bool freed;
	pid_t alloc_pid, free_pid;
	char alloc_comm[TASK_COMM_LEN], free_comm[TASK_COMM_LEN];
	kmt_stack_t alloc_stack, free_stack;
};

int kmt_objects_init(unsigned int max_objects);
void kmt_objects_exit(void);

/*
 * A tracked allocation of @size requested bytes at @addr, @alloc_size given (any context but
 * NMI). Returns 0, or -ENOSPC when no record can be had (the caller must then not track it:
 * every tracked object has a record).
 */
int kmt_object_alloc(unsigned long addr, u32 size, u32 alloc_size, const char *cache,
		     bool rcu_cache);
/*
 * The allocator handed out @addr again: drop whatever record it had. With @release (the new
 * object is not tracked), also give back the pages of the old object that no record covers any
 * more (kmt_page_put() of the allocator hooks' reference). Returns the number of pages given back.
 */
unsigned int kmt_object_reused(unsigned long addr, bool release);
/*
 * A free of @addr. Returns the object's size if it was a tracked live object (its record is
 * marked freed), 0 otherwise; *@rcu says whether its cache is SLAB_TYPESAFE_BY_RCU.
 */
u32 kmt_object_free(unsigned long addr, bool *rcu);

/*
 * Trap-safe (any context, NMI included; no locks): the tracked object holding @addr now. Found
 * through the per-page object-start bits and a hash, in time bounded by the object's size in
 * pages, never by the number of objects.
 */
/*
 * Trap-safe: lets go of the objects that start on the page of @addr (soon after, from an
 * irq_work): their bytes count as initialized, their records go, and pages nothing else covers
 * are given back. For a sampled page that took its fault budget (pages.h).
 */
void kmt_objects_let_go(unsigned long addr);

bool kmt_object_capture(u64 addr, struct kmt_object_info *info);
/* Records of objects allocated and not freed. */
long kmt_objects_live(void);
/*
 * Re-arming after a disarm: writes made while disarmed were not seen, so every allocator-tracked
 * object's bytes become initialized and its record is dropped. Process context.
 */
void kmt_objects_forget(void);

#endif /* KMT_OBJECTS_H */
