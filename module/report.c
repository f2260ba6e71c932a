// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - error reports.
 *
 * The trap path never prints: it copies an error into a per-CPU ring (lock-free: the ring is
 * only written by its own CPU, and a nested writer (an NMI inside a trap) reserves its own slot
 * with a local cmpxchg) and raises an irq_work, which is NMI-safe. The irq_work schedules a work
 * item, and the work item prints each report from process context: first line
 *   BUG: kmemtrap: <kind> in <function>+<off>/<size> [<module>]
 * then the access, the shadow around it, the call trace, and "kmemtrap: end of report".
 * One report per distinct (kind, code address); later hits are only counted.
 */
#include <linux/hashtable.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/workqueue.h>

#include "kmt.h"
#include "kmt_alloc.h"
#include "kmt_report.h"
#include "kmt_traps.h"

/* Report lines carry their own prefix: the first line must start with "BUG: kmemtrap:". */
#undef pr_fmt
#define pr_fmt(fmt) fmt

#define KMT_RING_SIZE 32 /* records per CPU; a power of two */

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

atomic_long_t kmt_reports_printed, kmt_reports_dropped, kmt_reports_repeated;
atomic_long_t kmt_reports_over_limit;

/* max_reports=N: print at most N reports, count the rest. oneshot=1: disarm after the first. */
static unsigned int kmt_max_reports;
module_param_named(max_reports, kmt_max_reports, uint, 0644);
MODULE_PARM_DESC(max_reports, "Print at most this many reports (0 = no limit); later ones are only counted");
static bool kmt_oneshot;
module_param_named(oneshot, kmt_oneshot, bool, 0644);
MODULE_PARM_DESC(oneshot, "Disarm (show every page) after the first report");
atomic_long_t kmt_reports_by_kind[KMT_REPORT_KINDS];

typedef unsigned int (*kmt_stack_trace_save_regs_t)(struct pt_regs *regs, unsigned long *store,
						    unsigned int size, unsigned int skipnr);
static kmt_stack_trace_save_regs_t kmt_stack_trace_save_regs;

/* Sites already reported (process context only, under kmt_report_mutex). */
struct kmt_site {
	struct hlist_node node;
	u64 ip;
	u8 kind;
	unsigned long hits;
	char sym[KSYM_SYMBOL_LEN]; /* symbolized when first seen: the module may be gone later */
};
static DEFINE_HASHTABLE(kmt_sites, 8);

static const char *const kmt_kind_names[KMT_REPORT_KINDS] = {
	[KMT_REPORT_UNINIT_READ] = "uninit-read",
	[KMT_REPORT_FREED_READ] = "freed-read",
	[KMT_REPORT_UNALLOCATED_READ] = "unallocated-read",
	[KMT_REPORT_INFOLEAK] = "infoleak",
};

static const char kmt_state_chars[] = { 'a', 'u', 'i', 'f', '.' };

void kmt_report_queue(const struct kmt_report_rec *rec, struct pt_regs *regs)
{
	struct kmt_ring *ring = this_cpu_ptr(kmt_rings);
	unsigned long head, slot;

	do {
		head = READ_ONCE(ring->head);
		if (head - READ_ONCE(ring->tail) >= KMT_RING_SIZE) {
			atomic_long_inc(&kmt_reports_dropped);
			return;
		}
	} while (cmpxchg_local(&ring->head, head, head + 1) != head);

	slot = head & (KMT_RING_SIZE - 1);
	ring->recs[slot] = *rec;
	if (!regs)
		ring->recs[slot].nr_entries = stack_trace_save(ring->recs[slot].entries,
								KMT_REPORT_STACK_DEPTH, 1);
	else if (kmt_stack_trace_save_regs)
		ring->recs[slot].nr_entries = kmt_stack_trace_save_regs(regs,
			ring->recs[slot].entries, KMT_REPORT_STACK_DEPTH, 0);
	else
		ring->recs[slot].nr_entries = 0;
	smp_store_release(&ring->ready[slot], head + 1);
	irq_work_queue(&kmt_report_irq_work);
}

static void kmt_report_irq_work_fn(struct irq_work *work)
{
	schedule_work(&kmt_report_work);
}

/* Returns true the first time (kind, ip) is seen; counts the repeats. */
static bool kmt_site_first(const struct kmt_report_rec *rec, u64 ip)
{
	struct kmt_site *s;

	hash_for_each_possible(kmt_sites, s, node, ip ^ rec->kind) {
		if (s->ip == ip && s->kind == rec->kind) {
			s->hits++;
			return false;
		}
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (s) {
		s->ip = ip;
		s->kind = rec->kind;
		s->hits = 1;
		sprint_symbol(s->sym, (unsigned long)ip);
		hash_add(kmt_sites, &s->node, ip ^ rec->kind);
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
	static struct kmt_alloc_info info; /* under kmt_report_mutex */

	if (!kmt_alloc_describe(r->bad_addr, &info))
		return;
	pr_err("The buggy address is %llu bytes %s a %u-byte object [%px, %px) of %u allocated bytes (cache %s)%s\n",
	       (unsigned long long)(r->bad_addr - info.start),
	       r->bad_addr - info.start < info.size ? "inside" : "from the start, in the slack of", info.size, (void *)(unsigned long)info.start,
	       (void *)(unsigned long)(info.start + info.size), info.alloc_size, info.cache,
	       !info.freed ? "" : info.free_seq > r->seq ? ", freed after the access" : ", freed");
	pr_err("Allocated by task %s/%d:\n", info.alloc_comm, info.alloc_pid);
	kmt_print_stack(info.alloc_stack, info.alloc_nr);
	if (info.freed && info.free_seq <= r->seq) { /* a free after the access is not its cause */
		pr_err("Freed by task %s/%d:\n", info.free_comm, info.free_pid);
		kmt_print_stack(info.free_stack, info.free_nr);
	}
}

static void kmt_report_print(const struct kmt_report_rec *r)
{
	u64 site = r->ip;
	char line[KMT_SHADOW_SNAPSHOT_LEN + 1];
	unsigned int i;

	atomic_long_inc(&kmt_reports_by_kind[r->kind]);
	if (r->kind == KMT_REPORT_INFOLEAK) {
		/* Name a leak by who called copy_to_user(), not by the shared copy routine. */
		unsigned long caller = kmt_copy_user_caller(r->entries, r->nr_entries);

		if (caller)
			site = caller;
	}
	if (!kmt_site_first(r, site)) {
		atomic_long_inc(&kmt_reports_repeated);
		return;
	}
	if (kmt_max_reports && atomic_long_read(&kmt_reports_printed) >= kmt_max_reports) {
		atomic_long_inc(&kmt_reports_over_limit);
		return;
	}
	atomic_long_inc(&kmt_reports_printed);
	pr_err("BUG: kmemtrap: %s in %pS\n", kmt_kind_names[r->kind], (void *)(unsigned long)site);
	if (r->kind == KMT_REPORT_INFOLEAK)
		pr_err("Copy of size %u from addr %px to user addr %px by task %s/%d on CPU %u\n",
		       r->size, (void *)(unsigned long)r->addr, (void *)(unsigned long)r->dst,
		       r->comm, r->pid, r->cpu);
	else
		pr_err("Read of size %u at addr %px by task %s/%d on CPU %u\n", r->size,
		       (void *)(unsigned long)r->addr, r->comm, r->pid, r->cpu);
	if (r->kind == KMT_REPORT_INFOLEAK)
		pr_err("Copied by %pS\n", (void *)(unsigned long)r->ip);
	pr_err("First bad byte at %px (+%llu), state %s\n", (void *)(unsigned long)r->bad_addr,
	       (unsigned long long)(r->bad_addr - r->addr),
	       r->bad_state == KMT_SHADOW_UNINIT ? "uninitialized" :
	       r->bad_state == KMT_SHADOW_FREED ? "freed" : "unallocated");
	for (i = 0; i < KMT_SHADOW_SNAPSHOT_LEN; i++)
		line[i] = kmt_state_chars[min_t(u8, r->snapshot[i], 4)];
	line[KMT_SHADOW_SNAPSHOT_LEN] = 0;
	pr_err("Shadow at %px (i=initialized u=uninitialized f=freed a=unallocated .=untracked):\n",
	       (void *)(unsigned long)r->snapshot_start);
	pr_err(" %s\n", line);
	pr_err(" %*s^\n", (int)(r->bad_addr - r->snapshot_start), "");
	pr_err("Call Trace:\n");
	for (i = 0; i < r->nr_entries; i++)
		pr_err(" %pS\n", (void *)r->entries[i]);
	kmt_report_object(r);
	pr_err("kmemtrap: end of report\n");
	if (kmt_oneshot)
		kmt_disarm_oneshot();
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

void kmt_report_summary(struct seq_file *m)
{
	struct kmt_site *s;
	unsigned int bkt;

	mutex_lock(&kmt_report_mutex);
	hash_for_each(kmt_sites, bkt, s, node)
		seq_printf(m, "%-16s %6lu %s\n", kmt_kind_names[s->kind], s->hits, s->sym);
	mutex_unlock(&kmt_report_mutex);
}

int kmt_report_init(void)
{
	kmt_rings = alloc_percpu(struct kmt_ring);
	if (!kmt_rings) {
		pr_err("kmemtrap: cannot allocate the per-CPU report rings\n");
		return -ENOMEM;
	}
	kmt_stack_trace_save_regs =
		(kmt_stack_trace_save_regs_t)kmt_lookup_symbol("stack_trace_save_regs");
	if (!kmt_stack_trace_save_regs)
		pr_warn("stack_trace_save_regs not found: reports will have no call trace\n");
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
		atomic_long_read(&kmt_reports_printed), atomic_long_read(&kmt_reports_repeated),
		atomic_long_read(&kmt_reports_dropped));
	hash_for_each(kmt_sites, bkt, s, node)
		pr_info("kmemtrap: summary: %s %lu %s\n", kmt_kind_names[s->kind], s->hits, s->sym);
	mutex_unlock(&kmt_report_mutex);
	mutex_lock(&kmt_report_mutex);
	hash_for_each_safe(kmt_sites, bkt, tmp, s, node) {
		hash_del(&s->node);
		kfree(s);
	}
	mutex_unlock(&kmt_report_mutex);
	free_percpu(kmt_rings);
	kmt_rings = NULL;
}
