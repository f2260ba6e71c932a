// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - error reports.
 *
 * kmt_report_error() is the one entry for every error. It runs in trap context, so it never
 * prints: it decides what the error is (an allocator-internal read is dropped; a register copy
 * inside a copy-to-user routine is an infoleak, named after the code that called
 * copy_to_user()), takes the call trace, and copies the record into this CPU's ring
 * (lock-free: only its own CPU writes a ring, and a nested writer, an NMI inside a trap,
 * reserves its own slot with a local cmpxchg), then raises an irq_work, which is NMI-safe. The
 * irq_work schedules a work item, and the work item prints from process context: first line
 *   BUG: kmemtrap: <kind> in <function>+<off>/<size> [<module>]
 * then the access, the shadow around it, the call trace, the object and its origins, and
 * "kmemtrap: end of report". One report per distinct (kind, site); later hits are counted.
 * Internal errors (accesses the engine could not check) are printed on one line each, once per
 * (reason, instruction).
 */
#include <linux/hashtable.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/workqueue.h>

#include "kmt.h"
#include "arm.h"
#include "counters.h"
#include "ktext.h"
#include "objects.h"
#include "pages.h"
#include "report.h"
#include "symbols.h"

/* Report lines carry their own prefix: the first line must start with "BUG: kmemtrap:". */
#undef pr_fmt
#define pr_fmt(fmt) fmt

#define KMT_RING_SIZE 32 /* records per CPU; a power of two */
#define KMT_REPORT_STACK_DEPTH 16

struct kmt_report_rec {
	u8 kind;                  /* enum kmt_error_kind */
	u8 bad_state;             /* enum kmt_shadow_state of the first bad byte */
	u8 reason;                /* enum kmt_internal_reason (KMT_ERR_INTERNAL) */
	u8 decode_status;         /* enum kmt_decode_status (KMT_REASON_DECODE) */
	u16 cpu;
	u32 size;                 /* bytes of the access */
	pid_t pid;
	u64 addr;                 /* address of the access */
	u64 bad_addr;             /* first byte that is not initialized */
	u64 ip;                   /* instruction that made the access */
	u64 site;                 /* what the report is named and deduplicated by */
	u64 dst;                  /* infoleak: the user address written */
	u64 seq;                  /* kmt_objects_now() at the access */
	u64 snapshot_start;
	u8 snapshot[KMT_SHADOW_SNAPSHOT_LEN];
	char comm[TASK_COMM_LEN];
	u32 nr_entries;
	unsigned long entries[KMT_REPORT_STACK_DEPTH];
};

struct kmt_ring {
	unsigned long head;                 /* next slot to reserve (only this CPU writes) */
	unsigned long tail;                 /* next slot to print (only the worker writes) */
	unsigned long ready[KMT_RING_SIZE]; /* sequence number + 1 once the slot is filled */
	struct kmt_report_rec recs[KMT_RING_SIZE];
};

/* Dynamic per-CPU memory: a module's static per-CPU area is only a few KiB. */
static struct kmt_ring __percpu *kmt_rings;
static struct irq_work kmt_report_irq_work;
static struct work_struct kmt_report_work;
static DEFINE_MUTEX(kmt_report_mutex);

/* max_reports=N: print at most N reports, count the rest. oneshot=1: disarm after the first. */
static unsigned int kmt_max_reports;
module_param_named(max_reports, kmt_max_reports, uint, 0644);
MODULE_PARM_DESC(max_reports, "Print at most this many reports (0 = no limit); later ones are only counted");
static bool kmt_oneshot;
module_param_named(oneshot, kmt_oneshot, bool, 0644);
MODULE_PARM_DESC(oneshot, "Disarm (show every page) after the first report");

/* Sites already reported (process context only, under kmt_report_mutex). */
struct kmt_site {
	struct hlist_node node;
	u64 site;
	u8 kind;
	u8 reason;
	unsigned long hits;
	char sym[KSYM_SYMBOL_LEN]; /* symbolized when first seen: the module may be gone later */
};
#define KMT_SITE_HASH_BITS 8
static DEFINE_HASHTABLE(kmt_sites, KMT_SITE_HASH_BITS);

/* States in the shadow dump, by enum kmt_shadow_state. */
static const char kmt_state_chars[] = { 'a', 'u', 'i', 'f', '.' };
static_assert(ARRAY_SIZE(kmt_state_chars) == KMT_SHADOW_UNTRACKED + 1);

/*
 * The first frame of @entries outside the copy-to-user routines and their wrappers: the code
 * that called copy_to_user(). Infoleak reports are named and deduplicated by it, so that
 * different leaks through the same copy routine are different reports. 0 if there is none.
 */
static unsigned long kmt_copy_user_caller(const unsigned long *entries, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!kmt_ktext_is(KMT_KTEXT_COPY_USER, entries[i]) &&
		    !kmt_ktext_is(KMT_KTEXT_COPY_WRAPPER, entries[i]))
			return entries[i];
	return 0;
}

/* The counter of each bug kind. */
static const enum kmt_counter_id kmt_kind_counter[] = {
	[KMT_ERR_UNINIT_READ] = KMT_CNT_KIND_UNINIT_READ,
	[KMT_ERR_FREED_READ] = KMT_CNT_KIND_FREED_READ,
	[KMT_ERR_UNALLOCATED_READ] = KMT_CNT_KIND_UNALLOCATED_READ,
	[KMT_ERR_INFOLEAK] = KMT_CNT_KIND_INFOLEAK,
	[KMT_ERR_INTERNAL] = KMT_CNT_INTERNAL_ERRORS,
};

/* Reserves a slot in this CPU's ring, or returns NULL (counted) when it is full. */
static struct kmt_report_rec *kmt_ring_reserve(struct kmt_ring *ring, unsigned long *seq)
{
	unsigned long head;

	do {
		head = READ_ONCE(ring->head);
		if (head - READ_ONCE(ring->tail) >= KMT_RING_SIZE) {
			kmt_count(KMT_CNT_REPORTS_DROPPED);
			return NULL;
		}
	} while (cmpxchg_local(&ring->head, head, head + 1) != head);
	*seq = head;
	return &ring->recs[head & (KMT_RING_SIZE - 1)];
}

void kmt_report_error(const struct kmt_error *e, struct pt_regs *regs)
{
	struct kmt_ring *ring;
	struct kmt_report_rec *rec;
	unsigned long seq;
	u8 kind = e->kind;
	u64 dst = e->dst_addr;

	if (kind < KMT_ERR_UNINIT_READ || kind > KMT_ERR_INTERNAL)
		kind = KMT_ERR_INTERNAL;
	if (kind != KMT_ERR_INTERNAL) {
		if (kmt_ktext_is(KMT_KTEXT_ALLOCATOR, e->rip)) {
			kmt_count(KMT_CNT_REPORTS_SUPPRESSED);
			return;
		}
		if (kind != KMT_ERR_INFOLEAK && regs && kmt_ktext_is(KMT_KTEXT_COPY_USER, e->rip)) {
			/* A register copy to user space: rdi is where it is storing. */
			kind = KMT_ERR_INFOLEAK;
			dst = regs->di;
		}
	}
	kmt_count(kmt_kind_counter[kind]);

	/* The ring is this CPU's (a no-op in trap context; an API check may be preemptible). */
	preempt_disable_notrace();
	ring = this_cpu_ptr(kmt_rings);
	rec = kmt_ring_reserve(ring, &seq);
	if (!rec)
		goto out;
	rec->kind = kind;
	rec->bad_state = e->bad_state;
	rec->reason = e->reason;
	rec->decode_status = e->decode_status;
	rec->size = e->size;
	rec->addr = kind == KMT_ERR_INTERNAL ? e->fault_addr : e->addr;
	rec->bad_addr = e->bad_addr;
	rec->ip = e->rip;
	rec->dst = dst;
	rec->cpu = raw_smp_processor_id();
	/* The #DB handler counts as NMI context, so in_task() says nothing here: name the task. */
	rec->pid = task_pid_nr(current);
	memcpy(rec->comm, current->comm, sizeof(rec->comm));
	rec->comm[sizeof(rec->comm) - 1] = 0;
	rec->seq = kmt_objects_now();
	rec->snapshot_start = kind == KMT_ERR_INTERNAL ? 0 :
			      kmt_shadow_snapshot(&kmt_shadow, e->bad_addr, rec->snapshot);
	if (regs) {
		/* Unwind from the faulting instruction itself (a #DB leaves ip after it; sp is the same). */
		struct pt_regs at = *regs;

		at.ip = e->rip;
		rec->nr_entries = kmt_stack_trace_save_regs(&at, rec->entries, KMT_REPORT_STACK_DEPTH, 0);
	} else {
		rec->nr_entries = stack_trace_save(rec->entries, KMT_REPORT_STACK_DEPTH, 1);
	}
	rec->site = e->rip;
	if (kind == KMT_ERR_INFOLEAK) {
		/* Name a leak by who called copy_to_user(), not by the shared copy routine. */
		unsigned long caller = kmt_copy_user_caller(rec->entries, rec->nr_entries);

		if (caller)
			rec->site = caller;
	}
	smp_store_release(&ring->ready[seq & (KMT_RING_SIZE - 1)], seq + 1);
	irq_work_queue(&kmt_report_irq_work);
out:
	preempt_enable_notrace();
}

static void kmt_report_irq_work_fn(struct irq_work *work)
{
	schedule_work(&kmt_report_work);
}

/* Returns true the first time (kind, reason, site) is seen; counts the repeats. */
static bool kmt_site_first(const struct kmt_report_rec *r)
{
	u64 key = r->site ^ r->kind ^ ((u64)r->reason << 8);
	struct kmt_site *s;

	hash_for_each_possible(kmt_sites, s, node, key) {
		if (s->site == r->site && s->kind == r->kind && s->reason == r->reason) {
			s->hits++;
			return false;
		}
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (s) {
		s->site = r->site;
		s->kind = r->kind;
		s->reason = r->reason;
		s->hits = 1;
		sprint_symbol(s->sym, (unsigned long)r->site);
		hash_add(kmt_sites, &s->node, key);
	}
	return true;
}

static void kmt_print_stack(const unsigned long *entries, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		pr_err(" %pS\n", (void *)entries[i]);
}

/* The tracked heap object holding the bad byte, and where it was allocated and freed. */
static void kmt_report_object(const struct kmt_report_rec *r)
{
	static struct kmt_object_info info; /* under kmt_report_mutex */

	if (!kmt_object_describe(r->bad_addr, &info))
		return;
	pr_err("The buggy address is %llu bytes %s a %u-byte object [%px, %px) of %u allocated bytes (cache %s)%s\n",
	       (unsigned long long)(r->bad_addr - info.start),
	       r->bad_addr - info.start < info.size ? "inside" : "from the start, in the slack of",
	       info.size, (void *)(unsigned long)info.start,
	       (void *)(unsigned long)(info.start + info.size), info.alloc_size, info.cache,
	       !info.freed ? "" : info.free_seq > r->seq ? ", freed after the access" : ", freed");
	pr_err("Allocated by task %s/%d:\n", info.alloc_comm, info.alloc_pid);
	kmt_print_stack(info.alloc_stack, info.alloc_nr);
	if (info.freed && info.free_seq <= r->seq) { /* a free after the access is not its cause */
		pr_err("Freed by task %s/%d:\n", info.free_comm, info.free_pid);
		kmt_print_stack(info.free_stack, info.free_nr);
	}
}

/* An access the engine could not check: one line, and the code that made it. */
static void kmt_report_print_internal(const struct kmt_report_rec *r)
{
	pr_warn("kmemtrap: internal error: %s at %pS (fault address %px%s%s) by task %s/%d on CPU %u; the access ran unchecked\n",
		kmt_internal_reason_str(r->reason), (void *)(unsigned long)r->ip,
		(void *)(unsigned long)r->addr, r->reason == KMT_REASON_DECODE ? ", decoder: " : "",
		r->reason == KMT_REASON_DECODE ? kmt_decode_status_str(r->decode_status) : "",
		r->comm, r->pid, r->cpu);
	pr_warn("kmemtrap: internal error: stack:\n");
	kmt_print_stack(r->entries, r->nr_entries);
}

static void kmt_report_print(const struct kmt_report_rec *r)
{
	char line[KMT_SHADOW_SNAPSHOT_LEN + 1];
	unsigned int i;

	if (!kmt_site_first(r)) {
		if (r->kind != KMT_ERR_INTERNAL)
			kmt_count(KMT_CNT_REPORTS_REPEATED);
		return;
	}
	if (r->kind == KMT_ERR_INTERNAL) {
		kmt_report_print_internal(r);
		return;
	}
	if (kmt_max_reports && atomic_long_read(&kmt_counters[KMT_CNT_REPORTS]) >= kmt_max_reports) {
		kmt_count(KMT_CNT_REPORTS_OVER_LIMIT);
		return;
	}
	kmt_count(KMT_CNT_REPORTS);
	pr_err("BUG: kmemtrap: %s in %pS\n", kmt_error_kind_str(r->kind), (void *)(unsigned long)r->site);
	if (r->kind == KMT_ERR_INFOLEAK)
		pr_err("Copy of size %u from addr %px to user addr %px by task %s/%d on CPU %u\n",
		       r->size, (void *)(unsigned long)r->addr, (void *)(unsigned long)r->dst,
		       r->comm, r->pid, r->cpu);
	else
		pr_err("Read of size %u at addr %px by task %s/%d on CPU %u\n", r->size,
		       (void *)(unsigned long)r->addr, r->comm, r->pid, r->cpu);
	if (r->kind == KMT_ERR_INFOLEAK)
		pr_err("Copied by %pS\n", (void *)(unsigned long)r->ip);
	pr_err("First bad byte at %px (+%llu), state %s\n", (void *)(unsigned long)r->bad_addr,
	       (unsigned long long)(r->bad_addr - r->addr),
	       r->bad_state == KMT_SHADOW_UNINIT ? "uninitialized" :
	       r->bad_state == KMT_SHADOW_FREED ? "freed" : "unallocated");
	for (i = 0; i < KMT_SHADOW_SNAPSHOT_LEN; i++)
		line[i] = kmt_state_chars[min_t(u8, r->snapshot[i], KMT_SHADOW_UNTRACKED)];
	line[KMT_SHADOW_SNAPSHOT_LEN] = 0;
	pr_err("Shadow at %px (i=initialized u=uninitialized f=freed a=unallocated .=untracked):\n",
	       (void *)(unsigned long)r->snapshot_start);
	pr_err(" %s\n", line);
	pr_err(" %*s^\n", (int)(r->bad_addr - r->snapshot_start), "");
	pr_err("Call Trace:\n");
	kmt_print_stack(r->entries, r->nr_entries);
	kmt_report_object(r);
	pr_err("kmemtrap: end of report\n");
	if (kmt_oneshot && kmt_pages_armed()) {
		kmt_set_armed(false, NULL);
		pr_info("kmemtrap: oneshot: disarmed after the first report (echo 1 > /sys/kernel/debug/kmemtrap/enabled to re-arm)\n");
	}
}

void kmt_report_flush(void)
{
	int cpu;

	mutex_lock(&kmt_report_mutex);
	for_each_possible_cpu(cpu) {
		struct kmt_ring *ring = per_cpu_ptr(kmt_rings, cpu);

		for (;;) {
			unsigned long tail = ring->tail;
			unsigned long slot = tail & (KMT_RING_SIZE - 1);
			struct kmt_report_rec rec;

			if (smp_load_acquire(&ring->ready[slot]) != tail + 1)
				break;
			rec = ring->recs[slot];
			smp_store_release(&ring->tail, tail + 1);
			kmt_report_print(&rec);
		}
	}
	mutex_unlock(&kmt_report_mutex);
}

static void kmt_report_work_fn(struct work_struct *work)
{
	kmt_report_flush();
}

static const char *kmt_site_kind(const struct kmt_site *s)
{
	return s->kind == KMT_ERR_INTERNAL ? "internal-error" : kmt_error_kind_str(s->kind);
}

void kmt_report_sites(struct seq_file *m)
{
	struct kmt_site *s;
	unsigned int bkt;

	mutex_lock(&kmt_report_mutex);
	hash_for_each(kmt_sites, bkt, s, node)
		seq_printf(m, "%-16s %6lu %s\n", kmt_site_kind(s), s->hits, s->sym);
	mutex_unlock(&kmt_report_mutex);
}

int kmt_report_init(void)
{
	kmt_rings = alloc_percpu(struct kmt_ring);
	if (!kmt_rings) {
		pr_err("kmemtrap: cannot allocate the per-CPU report rings\n");
		return -ENOMEM;
	}
	init_irq_work(&kmt_report_irq_work, kmt_report_irq_work_fn);
	INIT_WORK(&kmt_report_work, kmt_report_work_fn);
	return 0;
}

void kmt_report_exit(void)
{
	struct kmt_site *s;
	struct hlist_node *tmp;
	unsigned int bkt;

	irq_work_sync(&kmt_report_irq_work);
	flush_work(&kmt_report_work);
	kmt_report_flush();
	mutex_lock(&kmt_report_mutex);
	pr_info("kmemtrap: summary: %ld reports printed, %ld repeats, %ld dropped\n",
		atomic_long_read(&kmt_counters[KMT_CNT_REPORTS]),
		atomic_long_read(&kmt_counters[KMT_CNT_REPORTS_REPEATED]),
		atomic_long_read(&kmt_counters[KMT_CNT_REPORTS_DROPPED]));
	hash_for_each(kmt_sites, bkt, s, node)
		pr_info("kmemtrap: summary: %s %lu %s\n", kmt_site_kind(s), s->hits, s->sym);
	hash_for_each_safe(kmt_sites, bkt, tmp, s, node) {
		hash_del(&s->node);
		kfree(s);
	}
	mutex_unlock(&kmt_report_mutex);
	free_percpu(kmt_rings);
	kmt_rings = NULL;
}
