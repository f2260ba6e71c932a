// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - error reports.
 *
 * kmt_report_error() is the one entry for every error. It runs in trap context, so it never
 * prints. It decides what the error is (an allocator-internal read is dropped; a register copy
 * inside a copy-to-user routine is an infoleak, named after the code that called
 * copy_to_user()), and deduplicates it at once: a lock-free table of sites, keyed by (kind,
 * reason, site), counts every hit in constant time. Only the first hit of a site takes a slot
 * in this CPU's ring, and it takes it with everything it will print, captured now: the access,
 * the shadow around it, the call trace (in the stack store), and the object holding the bad
 * byte with its allocation and free origins. Nothing is looked up again when it is printed, so
 * a report stays true when its object is freed and reused before the printing.
 *
 * The ring is written only by its own CPU (a nested writer, an NMI inside a trap, reserves its
 * own slot with a local cmpxchg); the trap raises an irq_work, which is NMI-safe and schedules
 * the work item that prints, from process context:
 *   BUG: kmemtrap: <kind> in <function>+<off>/<size> [<module>]
 * then the access, the shadow, the call trace, the object and its origins, and
 * "kmemtrap: end of report". A first hit that finds the ring full is counted; its site is marked,
 * the site's next hit queues the report again, and the summary names every site that was never
 * printed. Internal errors (accesses the engine could not check) are printed on one line each,
 * once per (reason, instruction).
 */
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "kmt.h"
#include "arm.h"
#include "counters.h"
#include "ktext.h"
#include "objects.h"
#include "pages.h"
#include "report.h"
#include "stacks.h"
#include "symbols.h"

/* Report lines carry their own prefix: the first line must start with "BUG: kmemtrap:". */
#undef pr_fmt
#define pr_fmt(fmt) fmt

#define KMT_RING_SIZE 64     /* first hits queued per CPU before the worker prints; a power of two */
#define KMT_SITES 4096       /* distinct sites remembered; a power of two */

/* Everything one report prints, captured at the access. */
struct kmt_report_rec {
	u8 kind;                  /* enum kmt_error_kind */
	u8 bad_state;             /* enum kmt_shadow_state of the first bad byte */
	u8 reason;                /* enum kmt_internal_reason (KMT_ERR_INTERNAL) */
	u8 decode_status;         /* enum kmt_decode_status (KMT_REASON_DECODE) */
	u8 use;                   /* enum kmt_use_kind (UNINIT_USE, INFOLEAK found by following) */
	u8 follow_end;            /* enum kmt_follow_end: reported at the load because following stopped */
	bool has_object;
	u16 cpu;
	u32 size;                 /* bytes of the access */
	u32 bad_count;            /* bytes of the access that are not initialized */
	u32 site_idx;             /* index + 1 into kmt_sites; 0 if the table was full */
	pid_t pid;
	u64 addr;                 /* address of the access */
	u64 bad_addr;             /* first bad byte */
	u64 bad_last;             /* last bad byte */
	u64 ip;                   /* instruction that made the access */
	u64 site;                 /* what the report is named and deduplicated by */
	u64 dst;                  /* infoleak: the user address written */
	u64 origin_rip, origin_addr; /* where followed bits were loaded */
	u64 snapshot_start;
	u8 snapshot[KMT_SHADOW_SNAPSHOT_LEN];
	char comm[TASK_COMM_LEN];
	kmt_stack_t stack;        /* the access's call trace */
	struct kmt_object_info obj;
};

struct kmt_ring {
	unsigned long head;                 /* next slot to reserve (only this CPU writes) */
	unsigned long tail;                 /* next slot to print (only the worker writes) */
	unsigned long ready[KMT_RING_SIZE]; /* sequence number + 1 once the slot is filled */
	struct kmt_report_rec recs[KMT_RING_SIZE];
};

/* What became of a site's first hit. */
enum kmt_site_state {
	KMT_SITE_QUEUED = 0,  /* in a ring, or printed */
	KMT_SITE_DROPPED,     /* its ring was full: the next hit queues it again */
	KMT_SITE_OVER_LIMIT,  /* max_reports was reached when it came to be printed */
};

/* A site: written lock-free from traps, read from process context. */
struct kmt_site {
	u64 key;                  /* kmt_site_key(); 0 = empty */
	atomic_long_t hits;
	atomic_t state;           /* enum kmt_site_state */
	u8 kind;
	u64 site;
	char *sym;                /* symbolized when first printed (process context) */
};

static struct kmt_site *kmt_sites;
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

/* States in the shadow dump, by enum kmt_shadow_state. */
static const char kmt_state_chars[] = { 'a', 'u', 'i', 'f', '.' };
static_assert(ARRAY_SIZE(kmt_state_chars) == KMT_SHADOW_UNTRACKED + 1);

/* The counter of each kind. */
static const enum kmt_counter_id kmt_kind_counter[] = {
	[KMT_ERR_UNINIT_READ] = KMT_CNT_KIND_UNINIT_READ,
	[KMT_ERR_FREED_READ] = KMT_CNT_KIND_FREED_READ,
	[KMT_ERR_UNALLOCATED_READ] = KMT_CNT_KIND_UNALLOCATED_READ,
	[KMT_ERR_INFOLEAK] = KMT_CNT_KIND_INFOLEAK,
	[KMT_ERR_INTERNAL] = KMT_CNT_INTERNAL_ERRORS,
	[KMT_ERR_UNINIT_USE] = KMT_CNT_KIND_UNINIT_USE,
};

/*
 * The first frame of @entries outside the copy routines and the copy-to-user wrappers: the code
 * that called memcpy() or copy_to_user(). Reports from inside a copy (an infoleak, a freed
 * source) are named and deduplicated by it: a user is never sent to a copy routine for a bug
 * that is somewhere else, and different bugs through the same routine are different reports.
 * 0 if there is none.
 */
static unsigned long kmt_copy_caller(const unsigned long *entries, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!kmt_ktext_is(KMT_KTEXT_COPY_USER, entries[i]) &&
		    !kmt_ktext_is(KMT_KTEXT_COPY_ROUTINE, entries[i]) &&
		    !kmt_ktext_is(KMT_KTEXT_COPY_WRAPPER, entries[i]))
			return entries[i];
	return 0;
}

/*
 * Kernel text (and module) addresses share their top 16 bits, so the low 48 bits name a site
 * and the top 16 hold the kind and reason. Never 0: the kind is at least 1.
 */
static u64 kmt_site_key(u8 kind, u8 reason, u64 site)
{
	return (site & GENMASK_ULL(47, 0)) | (u64)kind << 48 | (u64)reason << 56;
}

/*
 * Trap-safe: counts a hit of @key and returns its site (NULL if the table is full, counted).
 * *@first says whether this hit is the one that should be queued: the first ever, or the next
 * after a first hit that was dropped.
 */
static struct kmt_site *kmt_site_hit(u64 key, u8 kind, u64 site, bool *first)
{
	u32 slot = hash_64(key, ilog2(KMT_SITES)), probes;

	for (probes = 0; probes < KMT_SITES; probes++, slot = (slot + 1) & (KMT_SITES - 1)) {
		struct kmt_site *s = &kmt_sites[slot];
		u64 k = READ_ONCE(s->key);

		if (!k) {
			k = cmpxchg(&s->key, 0, key);
			if (!k) {
				s->kind = kind;
				s->site = site;
				atomic_long_inc(&s->hits);
				*first = true;
				return s;
			}
		}
		if (k == key) {
			atomic_long_inc(&s->hits);
			*first = atomic_cmpxchg(&s->state, KMT_SITE_DROPPED, KMT_SITE_QUEUED) == KMT_SITE_DROPPED;
			return s;
		}
	}
	kmt_count(KMT_CNT_SITES_FULL);
	*first = true;
	return NULL;
}

/* Reserves a slot in this CPU's ring, or returns NULL when it is full. */
static struct kmt_report_rec *kmt_ring_reserve(struct kmt_ring *ring, unsigned long *seq)
{
	unsigned long head;

	do {
		head = READ_ONCE(ring->head);
		if (head - READ_ONCE(ring->tail) >= KMT_RING_SIZE)
			return NULL;
	} while (cmpxchg_local(&ring->head, head, head + 1) != head);
	*seq = head;
	return &ring->recs[head & (KMT_RING_SIZE - 1)];
}

/* The access's call trace: from @regs (at the faulting instruction) or from our caller's caller. */
static unsigned int kmt_access_trace(const struct kmt_error *e, struct pt_regs *regs,
				     unsigned long *entries, unsigned int max)
{
	struct pt_regs at;

	if (!regs)
		return stack_trace_save(entries, max, 2);
	at = *regs;
	/*
	 * Unwind from the instruction of the report (a #DB leaves ip after it; sp is the same),
	 * except for a value no longer followed: its load may be in another frame; the trace is
	 * then of where following stopped.
	 */
	if (!e->follow_end)
		at.ip = e->rip;
	return kmt_stack_trace_save_regs(&at, entries, max, 0);
}

/* Fills @rec with everything the report will print. Trap-safe. */
static void kmt_report_capture(struct kmt_report_rec *rec, const struct kmt_error *e, u8 kind,
			       u64 site, u64 dst, const unsigned long *entries, unsigned int n)
{
	rec->kind = kind;
	rec->bad_state = e->bad_state;
	rec->reason = e->reason;
	rec->decode_status = e->decode_status;
	rec->use = e->use;
	rec->follow_end = e->follow_end;
	rec->origin_rip = e->origin_rip;
	rec->origin_addr = e->origin_addr;
	rec->size = e->size;
	rec->addr = kind == KMT_ERR_INTERNAL ? e->fault_addr : e->addr;
	rec->bad_addr = e->bad_addr;
	rec->bad_count = e->bad_count ? e->bad_count : 1;
	rec->bad_last = e->bad_count ? e->bad_last : e->bad_addr;
	rec->ip = e->rip;
	rec->site = site;
	rec->dst = dst;
	rec->cpu = raw_smp_processor_id();
	/* The #DB handler counts as NMI context, so in_task() says nothing here: name the task. */
	rec->pid = task_pid_nr(current);
	memcpy(rec->comm, current->comm, sizeof(rec->comm));
	rec->comm[sizeof(rec->comm) - 1] = 0;
	rec->stack = kmt_stack_save(entries, n);
	rec->has_object = false;
	if (kind != KMT_ERR_INTERNAL) {
		rec->snapshot_start = kmt_shadow_snapshot(&kmt_shadow, e->bad_addr, rec->snapshot);
		rec->has_object = kmt_object_capture(e->bad_addr, &rec->obj);
	}
}

void kmt_report_error(const struct kmt_error *e, struct pt_regs *regs)
{
	unsigned long entries[KMT_STACK_DEPTH];
	unsigned int n = 0;
	struct kmt_report_rec *rec;
	struct kmt_ring *ring;
	struct kmt_site *s;
	unsigned long seq;
	u8 kind = e->kind;
	u64 dst = e->dst_addr, site = e->rip;
	bool first;

	if (kind < KMT_ERR_UNINIT_READ || kind >= ARRAY_SIZE(kmt_kind_counter))
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
	if (kind == KMT_ERR_INFOLEAK || (kind != KMT_ERR_INTERNAL && kmt_ktext_is(KMT_KTEXT_COPY_ROUTINE, e->rip))) {
		/* Name it by who called copy_to_user() or memcpy(), not by the shared routine. */
		unsigned long caller;

		n = kmt_access_trace(e, regs, entries, ARRAY_SIZE(entries));
		caller = kmt_copy_caller(entries, n);
		if (caller)
			site = caller;
	}
	s = kmt_site_hit(kmt_site_key(kind, e->reason, site), kind, site, &first);
	if (!first) {
		if (kind != KMT_ERR_INTERNAL)
			kmt_count(KMT_CNT_REPORTS_REPEATED);
		return;
	}
	if (!n)
		n = kmt_access_trace(e, regs, entries, ARRAY_SIZE(entries));

	/* The ring is this CPU's (a no-op in trap context; an API check may be preemptible). */
	preempt_disable_notrace();
	ring = this_cpu_ptr(kmt_rings);
	rec = kmt_ring_reserve(ring, &seq);
	if (!rec) {
		kmt_count(KMT_CNT_REPORTS_DROPPED);
		if (s)
			atomic_set(&s->state, KMT_SITE_DROPPED);
		goto out;
	}
	kmt_report_capture(rec, e, kind, site, dst, entries, n);
	rec->site_idx = s ? s - kmt_sites + 1 : 0;
	smp_store_release(&ring->ready[seq & (KMT_RING_SIZE - 1)], seq + 1);
	irq_work_queue(&kmt_report_irq_work);
out:
	preempt_enable_notrace();
}

static void kmt_report_irq_work_fn(struct irq_work *work)
{
	schedule_work(&kmt_report_work);
}

static void kmt_print_stack(kmt_stack_t handle)
{
	unsigned int i, n;
	const unsigned long *entries = kmt_stack_get(handle, &n);

	for (i = 0; i < n; i++)
		pr_err(" %pS\n", (void *)entries[i]);
}

/* The tracked heap object holding the bad byte, as it was at the access, and its origins. */
static void kmt_report_object(const struct kmt_report_rec *r)
{
	const struct kmt_object_info *o = &r->obj;

	if (!r->has_object)
		return;
	pr_err("The buggy address is %llu bytes %s a %u-byte object [%px, %px) of %u allocated bytes (cache %s)%s\n",
	       (unsigned long long)(r->bad_addr - o->start),
	       r->bad_addr - o->start < o->size ? "inside" : "from the start, in the slack of",
	       o->size, (void *)(unsigned long)o->start, (void *)(unsigned long)(o->start + o->size),
	       o->alloc_size, o->cache, o->freed ? ", freed" : "");
	pr_err("Allocated by task %s/%d:\n", o->alloc_comm, o->alloc_pid);
	kmt_print_stack(o->alloc_stack);
	if (o->freed) {
		pr_err("Freed by task %s/%d:\n", o->free_comm, o->free_pid);
		kmt_print_stack(o->free_stack);
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
	kmt_print_stack(r->stack);
}

static const char *kmt_state_name(u8 state)
{
	return state == KMT_SHADOW_UNINIT ? "uninitialized" :
	       state == KMT_SHADOW_FREED ? "freed" : "unallocated";
}

static void kmt_report_print(const struct kmt_report_rec *r)
{
	struct kmt_site *s = r->site_idx ? &kmt_sites[r->site_idx - 1] : NULL;
	char line[KMT_SHADOW_SNAPSHOT_LEN + 1];
	unsigned int i;

	if (s && !s->sym) {
		s->sym = kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
		if (s->sym)
			sprint_symbol(s->sym, (unsigned long)s->site);
	}
	if (r->kind == KMT_ERR_INTERNAL) {
		kmt_report_print_internal(r);
		return;
	}
	if (kmt_max_reports && atomic_long_read(&kmt_counters[KMT_CNT_REPORTS]) >= kmt_max_reports) {
		kmt_count(KMT_CNT_REPORTS_OVER_LIMIT);
		if (s)
			atomic_set(&s->state, KMT_SITE_OVER_LIMIT);
		return;
	}
	kmt_count(KMT_CNT_REPORTS);
	pr_err("BUG: kmemtrap: %s in %pS\n", kmt_error_kind_str(r->kind), (void *)(unsigned long)r->site);
	if (r->kind == KMT_ERR_INFOLEAK)
		pr_err("Copy of size %u from addr %px to user addr %px by task %s/%d on CPU %u\n",
		       r->size, (void *)(unsigned long)r->addr, (void *)(unsigned long)r->dst,
		       r->comm, r->pid, r->cpu);
	else if (r->kind == KMT_ERR_UNINIT_USE)
		pr_err("Use of uninitialized value at %pS: %s, by task %s/%d on CPU %u\n",
		       (void *)(unsigned long)r->ip, kmt_use_kind_str(r->use), r->comm, r->pid, r->cpu);
	else
		pr_err("Read of size %u at addr %px by task %s/%d on CPU %u\n", r->size,
		       (void *)(unsigned long)r->addr, r->comm, r->pid, r->cpu);
	if (r->kind == KMT_ERR_INFOLEAK)
		pr_err("Copied by %pS\n", (void *)(unsigned long)r->ip);
	if (r->origin_rip && !r->follow_end)
		pr_err("Uninit bytes were loaded by %pS from %px\n", (void *)(unsigned long)r->origin_rip,
		       (void *)(unsigned long)r->origin_addr);
	if (r->follow_end)
		pr_err("The value was not followed to its use: %s\n", kmt_follow_end_str(r->follow_end));
	if (r->kind == KMT_ERR_UNINIT_USE)
		pr_err("First bad byte at %px, state %s\n", (void *)(unsigned long)r->bad_addr,
		       kmt_state_name(r->bad_state));
	else if (r->bad_count > 1 && r->bad_last != r->bad_addr)
		pr_err("First bad byte at %px (+%llu), state %s; %u bad bytes in [%px, %px]\n",
		       (void *)(unsigned long)r->bad_addr, (unsigned long long)(r->bad_addr - r->addr),
		       kmt_state_name(r->bad_state), r->bad_count,
		       (void *)(unsigned long)min(r->bad_addr, r->bad_last),
		       (void *)(unsigned long)max(r->bad_addr, r->bad_last));
	else if (r->bad_count > 1)
		pr_err("First bad byte at %px (+%llu), state %s; %u bad bytes\n", (void *)(unsigned long)r->bad_addr,
		       (unsigned long long)(r->bad_addr - r->addr), kmt_state_name(r->bad_state), r->bad_count);
	else
		pr_err("First bad byte at %px (+%llu), state %s\n", (void *)(unsigned long)r->bad_addr,
		       (unsigned long long)(r->bad_addr - r->addr), kmt_state_name(r->bad_state));
	for (i = 0; i < KMT_SHADOW_SNAPSHOT_LEN; i++)
		line[i] = kmt_state_chars[min_t(u8, r->snapshot[i], KMT_SHADOW_UNTRACKED)];
	line[KMT_SHADOW_SNAPSHOT_LEN] = 0;
	pr_err("Shadow at %px (i=initialized u=uninitialized f=freed a=unallocated .=untracked):\n",
	       (void *)(unsigned long)r->snapshot_start);
	pr_err(" %s\n", line);
	pr_err(" %*s^\n", (int)(r->bad_addr - r->snapshot_start), "");
	pr_err("Call Trace:\n");
	kmt_print_stack(r->stack);
	kmt_report_object(r);
	pr_err("kmemtrap: end of report\n");
	if (kmt_oneshot && kmt_pages_armed()) {
		kmt_set_armed(false, NULL);
		pr_info("kmemtrap: oneshot: disarmed after the first report (echo 1 > /sys/kernel/debug/kmemtrap/enabled to re-arm)\n");
	}
}

void kmt_report_flush(void)
{
	static struct kmt_report_rec rec; /* under kmt_report_mutex */
	int cpu;

	mutex_lock(&kmt_report_mutex);
	for_each_possible_cpu(cpu) {
		struct kmt_ring *ring = per_cpu_ptr(kmt_rings, cpu);

		for (;;) {
			unsigned long tail = ring->tail;
			unsigned long slot = tail & (KMT_RING_SIZE - 1);

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

/* One line per site: kind, hits, function; and why a site was never printed, if it was not. */
static void kmt_site_line(struct seq_file *m, const struct kmt_site *s)
{
	static const char *const why[] = {
		[KMT_SITE_QUEUED] = "",
		[KMT_SITE_DROPPED] = " (not printed: the report ring was full)",
		[KMT_SITE_OVER_LIMIT] = " (not printed: max_reports)",
	};
	int state = atomic_read(&s->state);
	const char *note = state < ARRAY_SIZE(why) ? why[state] : "";

	if (m)
		seq_printf(m, "%-16s %6ld %pS%s\n", kmt_site_kind(s), atomic_long_read(&s->hits),
			   (void *)(unsigned long)s->site, note);
	else
		pr_info("kmemtrap: summary: %s %ld %s%s\n", kmt_site_kind(s), atomic_long_read(&s->hits),
			s->sym ? s->sym : "?", note);
}

void kmt_report_sites(struct seq_file *m)
{
	unsigned int i;

	mutex_lock(&kmt_report_mutex);
	for (i = 0; i < KMT_SITES; i++)
		if (READ_ONCE(kmt_sites[i].key))
			kmt_site_line(m, &kmt_sites[i]);
	mutex_unlock(&kmt_report_mutex);
}

int kmt_report_init(void)
{
	kmt_sites = vzalloc(array_size(KMT_SITES, sizeof(*kmt_sites)));
	kmt_rings = alloc_percpu(struct kmt_ring);
	if (!kmt_rings || !kmt_sites) {
		free_percpu(kmt_rings);
		vfree(kmt_sites);
		kmt_rings = NULL;
		kmt_sites = NULL;
		pr_err("kmemtrap: cannot allocate the report rings and site table\n");
		return -ENOMEM;
	}
	kmt_pages_exclude(kmt_sites, array_size(KMT_SITES, sizeof(*kmt_sites)));
	init_irq_work(&kmt_report_irq_work, kmt_report_irq_work_fn);
	INIT_WORK(&kmt_report_work, kmt_report_work_fn);
	return 0;
}

void kmt_report_exit(bool summary)
{
	unsigned int i;

	irq_work_sync(&kmt_report_irq_work);
	flush_work(&kmt_report_work);
	kmt_report_flush();
	mutex_lock(&kmt_report_mutex);
	if (summary) {
		pr_info("kmemtrap: summary: %ld reports printed, %ld repeats, %ld dropped\n",
			atomic_long_read(&kmt_counters[KMT_CNT_REPORTS]),
			atomic_long_read(&kmt_counters[KMT_CNT_REPORTS_REPEATED]),
			atomic_long_read(&kmt_counters[KMT_CNT_REPORTS_DROPPED]));
		for (i = 0; i < KMT_SITES; i++) {
			struct kmt_site *s = &kmt_sites[i];

			if (!s->key)
				continue;
			if (!s->sym) { /* never printed: name it now */
				s->sym = kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
				if (s->sym)
					sprint_symbol(s->sym, (unsigned long)s->site);
			}
			kmt_site_line(NULL, s);
		}
	}
	for (i = 0; i < KMT_SITES; i++)
		kfree(kmt_sites[i].sym);
	mutex_unlock(&kmt_report_mutex);
	free_percpu(kmt_rings);
	vfree(kmt_sites);
	kmt_rings = NULL;
	kmt_sites = NULL;
}
