// SPDX-License-Identifier: GPL-2.0
/* ktext.c - kernel functions recognised by address (see ktext.h). */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/sort.h>
#include <linux/version.h>

#include "kmt.h"
#include "ktext.h"
#include "symbols.h"

#define KMT_ANY 0
/* A row for a function GCC often inlines: resolved if it exists, never warned about. */
#define KMT_INLINED 1
#define KMT_V(a, b) KERNEL_VERSION(a, b, 0)

struct kmt_ktext_row {
	const char *name;
	u8 kind;                    /* enum kmt_ktext_kind */
	unsigned int since, before; /* LINUX_VERSION_CODE range where it is expected; 0 = open */
				    /* (since == KMT_INLINED: never expected) */
};

/*
 * The slab and page allocators' own functions: they read and write free objects (freelist
 * words, bulk and RCU frees that have no per-object tracepoint), so their reads are never
 * reported. Their writes still mark bytes initialized.
 */
static const struct kmt_ktext_row kmt_ktext_rows[] = {
	{ "kmem_cache_alloc", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "kmem_cache_alloc_lru", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "kmem_cache_alloc_node", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "kmem_cache_alloc_bulk", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "kmem_cache_free", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_ANY },
	{ "kmem_cache_free_bulk", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_ANY },
	{ "kfree", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_ANY },
	{ "__kmalloc", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "__kmalloc_node", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "__kmalloc_node_track_caller", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "kmalloc_trace", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "kmalloc_node_trace", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "___slab_alloc", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_ANY },
	{ "__slab_free", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_ANY },
	{ "__kmem_cache_alloc_node", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 4) },
	{ "__kmem_cache_free", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 4) },
	{ "deactivate_slab", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_ANY },
	{ "get_partial_node", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_ANY },
	{ "build_detached_freelist", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	{ "__kmem_cache_free_bulk", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	{ "free_pcp_prepare", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	{ "free_pages_prepare", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	{ "free_unref_page_prepare", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	{ "kfree_bulk", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	{ "kmem_cache_alloc_node_lru", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	/* 6.10 renamed the allocation entry points *_noprof (memory allocation profiling); 6.11 turned
	 * kmalloc_trace into __kmalloc_cache. */
	{ "kmem_cache_alloc_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "kmem_cache_alloc_lru_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "kmem_cache_alloc_node_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "kmem_cache_alloc_bulk_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "__kmalloc_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "__kmalloc_node_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "__kmalloc_node_track_caller_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "kmalloc_trace_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_V(6, 11) },
	{ "kmalloc_node_trace_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_V(6, 11) },
	{ "__kmalloc_cache_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 11), KMT_ANY },
	{ "__kmalloc_cache_node_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 11), KMT_ANY },
	{ "__kmalloc_large_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "__kmalloc_large_node_noprof", KMT_KTEXT_ALLOCATOR, KMT_V(6, 10), KMT_ANY },
	{ "kmalloc_large", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "kmalloc_large_node", KMT_KTEXT_ALLOCATOR, KMT_ANY, KMT_V(6, 10) },
	{ "__kmalloc_large_node", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_V(6, 10) },
	{ "slab_update_freelist", KMT_KTEXT_ALLOCATOR, KMT_INLINED, KMT_ANY },
	/*
	 * The copy-to-user routines. For short or unaligned copies they move data through
	 * registers (movq loads and stores) rather than MOVS, so a leak of uninitialized bytes
	 * shows up as a plain read. They read kernel memory only when copying *to* user space (the
	 * source of copy_from_user is user memory, never tracked).
	 */
	{ "copy_user_generic_unrolled", KMT_KTEXT_COPY_USER, KMT_ANY, KMT_V(6, 2) },
	{ "copy_user_generic_string", KMT_KTEXT_COPY_USER, KMT_ANY, KMT_V(6, 2) },
	{ "copy_user_enhanced_fast_string", KMT_KTEXT_COPY_USER, KMT_ANY, KMT_V(6, 2) },
	{ "copy_user_short_string", KMT_KTEXT_COPY_USER, KMT_ANY, KMT_V(6, 2) },
	{ "rep_movs_alternative", KMT_KTEXT_COPY_USER, KMT_V(6, 2), KMT_ANY },
	/*
	 * The copy routines, run as whole copies (docs/design.md, "Copies"). Their names and which
	 * kernel has them (6.1.0-57, 6.12.117: /proc/kallsyms; Debian's System.map is a stub).
	 */
	{ "__memcpy", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_ANY },
	{ "memcpy_orig", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_ANY },
	{ "memcpy_erms", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_V(6, 2) },
	{ "__memmove", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_ANY },
	{ "__memset", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_ANY },
	{ "memset_orig", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_ANY },
	{ "memset_erms", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_V(6, 2) },
	{ "copy_user_generic_unrolled", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_V(6, 2) },
	{ "copy_user_generic_string", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_V(6, 2) },
	{ "copy_user_enhanced_fast_string", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_V(6, 2) },
	{ "copy_user_short_string", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_V(6, 2) },
	{ "__copy_user_nocache", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_V(6, 2) },
	{ "rep_movs_alternative", KMT_KTEXT_COPY_ROUTINE, KMT_V(6, 2), KMT_ANY },
	{ "copy_to_nontemporal", KMT_KTEXT_COPY_ROUTINE, KMT_V(6, 2), KMT_ANY },
	{ "copy_mc_fragile", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_ANY },
	{ "copy_mc_enhanced_fast_string", KMT_KTEXT_COPY_ROUTINE, KMT_ANY, KMT_ANY },
	/*
	 * Word-at-a-time name code (fs/namei.c hash_name() inlined into link_path_walk(), fs/dcache.c
	 * dentry_string_cmp() inlined into the lookups, lib/string.c strscpy()): each reads whole
	 * words past a name's NUL, by design (KMSAN turns DCACHE_WORD_ACCESS off instead).
	 */
	{ "link_path_walk", KMT_KTEXT_NUL_WORDS, KMT_ANY, KMT_ANY },
	{ "full_name_hash", KMT_KTEXT_NUL_WORDS, KMT_ANY, KMT_ANY },
	{ "hashlen_string", KMT_KTEXT_NUL_WORDS, KMT_ANY, KMT_ANY },
	{ "__d_lookup_rcu", KMT_KTEXT_NUL_WORDS, KMT_ANY, KMT_ANY },
	{ "__d_lookup_rcu_op_compare", KMT_KTEXT_NUL_WORDS, KMT_INLINED, KMT_ANY },
	{ "__d_lookup", KMT_KTEXT_NUL_WORDS, KMT_ANY, KMT_ANY },
	{ "d_same_name", KMT_KTEXT_NUL_WORDS, KMT_ANY, KMT_ANY },
	{ "strscpy", KMT_KTEXT_NUL_WORDS, KMT_ANY, KMT_V(6, 9) },
	{ "sized_strscpy", KMT_KTEXT_NUL_WORDS, KMT_V(6, 9), KMT_ANY },
	{ "_copy_to_user", KMT_KTEXT_COPY_WRAPPER, KMT_ANY, KMT_ANY },
	{ "copy_to_user_nofault", KMT_KTEXT_COPY_WRAPPER, KMT_ANY, KMT_ANY },
	/* Tracepoint dispatch between the allocator and our probe (absent when a static call is used). */
	{ "__traceiter_kmalloc", KMT_KTEXT_ALLOC_HOOK, KMT_ANY, KMT_ANY },
	{ "__traceiter_kmem_cache_alloc", KMT_KTEXT_ALLOC_HOOK, KMT_ANY, KMT_ANY },
	{ "__traceiter_kfree", KMT_KTEXT_ALLOC_HOOK, KMT_ANY, KMT_ANY },
	{ "__traceiter_kmem_cache_free", KMT_KTEXT_ALLOC_HOOK, KMT_ANY, KMT_ANY },
	/*
	 * Code a value is never followed into (docs/design.md, "Following a value"): the scheduler
	 * (a context switch would carry the trap flag to another task) and ftrace's trampolines
	 * (they run our own probe). The entry, irqentry, noinstr and kprobes sections are added by
	 * their bounds in kmt_ktext_init().
	 */
	{ "__schedule", KMT_KTEXT_UNSTEPPABLE, KMT_ANY, KMT_ANY },
	{ "schedule", KMT_KTEXT_UNSTEPPABLE, KMT_ANY, KMT_ANY },
	{ "preempt_schedule", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "preempt_schedule_notrace", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "preempt_schedule_common", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "__cond_resched", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "schedule_timeout", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "io_schedule", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "__switch_to", KMT_KTEXT_UNSTEPPABLE, KMT_ANY, KMT_ANY },
	{ "__switch_to_asm", KMT_KTEXT_UNSTEPPABLE, KMT_ANY, KMT_ANY },
	{ "ftrace_caller", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "ftrace_regs_caller", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "ftrace_stub", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "arch_rethook_trampoline", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
	{ "__kretprobe_trampoline", KMT_KTEXT_UNSTEPPABLE, KMT_INLINED, KMT_ANY },
};

/* GCC's clone suffixes: each is tried after the plain name. */
static const char *const kmt_clone_suffixes[] = { "", ".part.0", ".constprop.0", ".isra.0", ".constprop.0.isra.0",
						    ".part.0.constprop.0" };

/* Sections whose code is never single-stepped, by the symbols at their bounds. */
static const struct {
	const char *start, *end;
} kmt_unsteppable_sections[] = {
	{ "__entry_text_start", "__entry_text_end" },
	{ "__irqentry_text_start", "__irqentry_text_end" },
	{ "__softirqentry_text_start", "__softirqentry_text_end" },
	{ "__noinstr_text_start", "__noinstr_text_end" },
	{ "__kprobes_text_start", "__kprobes_text_end" },
};

#define KMT_KTEXT_MAX (ARRAY_SIZE(kmt_ktext_rows) * ARRAY_SIZE(kmt_clone_suffixes) + \
		       ARRAY_SIZE(kmt_unsteppable_sections))

struct kmt_ktext_range {
	unsigned long start, end;
	u8 kind;
};

/*
 * Resolved functions, sorted by kind, then by start address; written once at load. Ranges of one
 * kind may nest (a function inside a section): kmt_max_end[i] is the highest end of its kind's
 * ranges up to i, so that a look-up stops once no earlier range can reach @ip.
 */
static struct kmt_ktext_range kmt_ranges[KMT_KTEXT_MAX];
static unsigned long kmt_max_end[KMT_KTEXT_MAX];
static unsigned int kmt_nranges;
static unsigned int kmt_kind_first[KMT_KTEXT_KINDS + 1]; /* kind k: [first[k], first[k + 1]) */
static unsigned long kmt_kind_lo[KMT_KTEXT_KINDS], kmt_kind_hi[KMT_KTEXT_KINDS]; /* all of kind k */
static unsigned long kmt_text_start, kmt_text_end;

static bool kmt_row_expected(const struct kmt_ktext_row *row)
{
	return row->since != KMT_INLINED &&
	       (row->since == KMT_ANY || LINUX_VERSION_CODE >= row->since) &&
	       (row->before == KMT_ANY || LINUX_VERSION_CODE < row->before);
}

static int kmt_range_cmp(const void *a, const void *b)
{
	const struct kmt_ktext_range *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The per-kind index and running end maxima of the sorted ranges. */
static void kmt_ktext_index(void)
{
	unsigned int i, k = 0;

	for (i = 0; i < kmt_nranges; i++) {
		const struct kmt_ktext_range *r = &kmt_ranges[i];

		while (k <= r->kind)
			kmt_kind_first[k++] = i;
		kmt_max_end[i] = i > kmt_kind_first[r->kind] && kmt_max_end[i - 1] > r->end ? kmt_max_end[i - 1] : r->end;
	}
	while (k <= KMT_KTEXT_KINDS)
		kmt_kind_first[k++] = kmt_nranges;
	for (k = 0; k < KMT_KTEXT_KINDS; k++) {
		unsigned int first = kmt_kind_first[k], end = kmt_kind_first[k + 1];

		kmt_kind_lo[k] = first < end ? kmt_ranges[first].start : 0;
		kmt_kind_hi[k] = first < end ? kmt_max_end[end - 1] : 0;
	}
}

void kmt_ktext_init(void)
{
	char name[KSYM_NAME_LEN];
	size_t i, j;

	kmt_nranges = 0;
	for (i = 0; i < ARRAY_SIZE(kmt_ktext_rows); i++) {
		const struct kmt_ktext_row *row = &kmt_ktext_rows[i];
		unsigned int found = 0;

		for (j = 0; j < ARRAY_SIZE(kmt_clone_suffixes); j++) {
			struct kmt_ktext_range *r = &kmt_ranges[kmt_nranges];
			unsigned long addr;

			snprintf(name, sizeof(name), "%s%s", row->name, kmt_clone_suffixes[j]);
			addr = kmt_lookup_symbol(name);
			if (!addr || !kmt_function_extent(addr, &r->start, &r->end) || r->start != addr)
				continue;
			r->kind = row->kind;
			kmt_nranges++;
			found++;
		}
		if (!found && kmt_row_expected(row))
			pr_warn("expected kernel function %s not found: its accesses are not recognised\n",
				row->name);
	}
	for (i = 0; i < ARRAY_SIZE(kmt_unsteppable_sections); i++) {
		unsigned long start = kmt_lookup_symbol(kmt_unsteppable_sections[i].start);
		unsigned long end = kmt_lookup_symbol(kmt_unsteppable_sections[i].end);

		if (!start || end <= start)
			continue; /* a section this kernel does not have */
		kmt_ranges[kmt_nranges++] = (struct kmt_ktext_range){ start, end, KMT_KTEXT_UNSTEPPABLE };
	}
	sort(kmt_ranges, kmt_nranges, sizeof(kmt_ranges[0]), kmt_range_cmp, NULL);
	kmt_ktext_index();
	kmt_text_start = kmt_lookup_symbol("_stext");
	kmt_text_end = kmt_lookup_symbol("_etext");
}

bool kmt_ktext_is(enum kmt_ktext_kind kind, unsigned long ip)
{
	unsigned int first, lo, hi;

	if ((unsigned int)kind >= KMT_KTEXT_KINDS || ip < kmt_kind_lo[kind] || ip >= kmt_kind_hi[kind])
		return false; /* most code is outside all of a kind's functions: module code always is */
	/* The trap path asks on every access: a binary search, not a scan of every range. */
	first = kmt_kind_first[kind];
	lo = first;
	hi = kmt_kind_first[kind + 1];
	while (lo < hi) { /* lo: the first range of the kind that starts after @ip */
		unsigned int mid = lo + (hi - lo) / 2;

		if (kmt_ranges[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > first && kmt_max_end[lo - 1] > ip) {
		lo--;
		if (ip < kmt_ranges[lo].end)
			return true;
	}
	return false;
}

bool kmt_ktext_in_core(unsigned long ip)
{
	return ip >= kmt_text_start && ip < kmt_text_end; /* both 0 before kmt_ktext_init() */
}

bool kmt_ktext_is_code(unsigned long ip)
{
	if (!kmt_text_start || kmt_text_end <= kmt_text_start || !kmt_have_module_address())
		return true; /* cannot tell */
	return (ip >= kmt_text_start && ip < kmt_text_end) || kmt_module_address(ip);
}
