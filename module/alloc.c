// SPDX-License-Identifier: GPL-2.0
/*
 * alloc.c - tracking real kernel allocations: kmalloc and kmem_cache objects chosen by the
 * allocating module (track_modules), by cache (track_caches) or all of them (track_all).
 *
 * Events come from the kmem tracepoints (kmalloc, kmem_cache_alloc, kfree, kmem_cache_free) and
 * mm_page_free, attached with for_each_kernel_tracepoint() + tracepoint_probe_register(), and
 * from probes on the bulk allocator and bulk free, which have no tracepoint. They
 * fire in any context the allocator runs in (never NMI), so the hooks only use the atomic page
 * tracking path: the direct map is split to 4 KiB pages once, when a selection is first set
 * (process context), and an object whose page is still not 4 KiB-mapped is skipped and counted.
 *
 * Shadow of a new tracked object: [0, requested) uninitialized (initialized for __GFP_ZERO,
 * init_on_alloc, or a cache with a constructor), [requested, object size) unallocated (kmalloc
 * slack). A free marks the object freed (except SLAB_TYPESAFE_BY_RCU caches, whose freed objects
 * may be read legitimately); the allocator's own later write of its freelist pointer marks those
 * bytes initialized, so its reads of them are never reported. An untracked allocation that lands
 * on a tracked page is marked initialized. mm_page_free releases every tracked page that goes back
 * to the page allocator. Objects allocated before tracking began stay "initialized" (the default
 * of every byte on a tracked page), so they are never reported.
 *
 * Locking in this file: the selection is RCU-published (kmt_sel_mutex serialises writers); the
 * hooks read it under the tracepoint's preempt-off section.
 */
#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/version.h>

#include "compat.h"
#include "kmt.h"
#include "alloc.h"
#include "counters.h"
#include "isolate.h"
#include "objects.h"
#include "pages.h"
#include "symbols.h"

/* ---- selection ------------------------------------------------------------------------- */

#define KMT_MAX_NAMES 16
#define KMT_NAME_LEN ((int)MODULE_NAME_LEN) /* 56 on x86-64: fits module and cache names */
#define KMT_PARAM_LEN 256            /* bytes of a track_modules / track_caches value */

struct kmt_selection {
	unsigned int nmodules, ncaches;
	char modules[KMT_MAX_NAMES][KMT_NAME_LEN];
	char caches[KMT_MAX_NAMES][KMT_NAME_LEN];
	bool all;
	struct rcu_head rcu;
};

static struct kmt_selection __rcu *kmt_sel;
static DEFINE_MUTEX(kmt_sel_mutex);
static char kmt_track_modules[KMT_PARAM_LEN], kmt_track_caches[KMT_PARAM_LEN];
static bool kmt_track_all;
static bool kmt_hooks_on; /* set once the hooks are attached: parameters then apply at once */
static bool kmt_isolating(const struct kmt_selection *sel);
static unsigned long kmt_iso_mode_of(const struct kmt_selection *sel);
static void kmt_update_quiet_age(void);
static atomic_t kmt_module_gen; /* kmt_site_selected()'s cache generation */
static const struct kmt_iso_ops kmt_alloc_iso_ops;
static void kmt_alloc_needs_tracepoints(const char *name);

/*
 * Caches never tracked: task_struct is read on the way to our #PF probe (ftrace's recursion
 * check reads current->trace_recursion), so hiding one would make the fault recurse; the
 * kmem_cache structures are read by the allocator hooks themselves. Names are what the
 * tracepoint sees: a cache merged into another reports the other's name.
 */
static const char *const kmt_never_track[] = { "task_struct", "kmem_cache", "kmem_cache_node" };

/* kmalloc objects larger than the largest kmalloc cache come from the page allocator. */
#define KMT_KMALLOC_LARGE "kmalloc-large"

static bool kmt_never_tracked(const char *cache)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmt_never_track); i++)
		if (!strcmp(cache, kmt_never_track[i]))
			return true;
	return false;
}

static int kmt_parse_names(const char *val, char (*names)[KMT_NAME_LEN], unsigned int *n,
			   const char *param)
{
	char buf[KMT_PARAM_LEN], *s, *tok;

	if (strscpy(buf, val, sizeof(buf)) < 0) {
		pr_err("invalid %s: longer than %zu characters\n", param, sizeof(buf) - 1);
		return -EINVAL;
	}
	*n = 0;
	s = strim(buf);
	while ((tok = strsep(&s, ",")) != NULL) {
		tok = strim(tok);
		if (!*tok)
			continue;
		if (*n >= KMT_MAX_NAMES || strlen(tok) >= KMT_NAME_LEN) {
			pr_err("invalid %s: at most %d names of at most %d characters\n", param,
			       KMT_MAX_NAMES, KMT_NAME_LEN - 1);
			return -EINVAL;
		}
		strscpy(names[(*n)++], tok, KMT_NAME_LEN);
	}
	return 0;
}

/* Whether the slab cache @name exists: every cache (and every merged alias) is in /sys/kernel/slab. */
static int kmt_cache_exists(const char *name)
{
	char path[sizeof("/sys/kernel/slab/") + KMT_NAME_LEN];
	struct path p;

	if (kern_path("/sys/kernel/slab", LOOKUP_FOLLOW, &p))
		return -ENOENT; /* sysfs not mounted: cannot tell */
	path_put(&p);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s", name);
	if (kern_path(path, LOOKUP_FOLLOW, &p))
		return 0;
	path_put(&p);
	return 1;
}

/* Says which names of a new selection match nothing now, or never will. */
static void kmt_selection_warn(const struct kmt_selection *sel)
{
	unsigned int i;

	for (i = 0; i < sel->nmodules; i++)
		if (!kmt_module_loaded(sel->modules[i]))
			pr_info("track_modules: %s is not loaded now; its allocations are tracked once it loads\n",
				sel->modules[i]);
	for (i = 0; i < sel->ncaches; i++) {
		const char *c = sel->caches[i];

		if (kmt_never_tracked(c))
			pr_warn("track_caches: %s is never tracked (kmemtrap's own trap path reads it)\n", c);
		else if (strcmp(c, KMT_KMALLOC_LARGE) && kmt_cache_exists(c) == 0)
			pr_warn("track_caches: there is no slab cache named %s (see /sys/kernel/slab)\n", c);
	}
}

/* Builds a new selection from the three parameters and publishes it. Process context. */
static int kmt_selection_update(void)
{
	struct kmt_selection *sel, *old;
	unsigned int i;
	int ret;

	sel = kzalloc(sizeof(*sel), GFP_KERNEL);
	if (!sel)
		return -ENOMEM;
	ret = kmt_parse_names(kmt_track_modules, sel->modules, &sel->nmodules, "track_modules");
	if (!ret)
		ret = kmt_parse_names(kmt_track_caches, sel->caches, &sel->ncaches, "track_caches");
	for (i = 0; !ret && i < sel->ncaches; i++) {
		if (!kmt_kmem_cache_tracked() && strncmp(sel->caches[i], "kmalloc-", 8)) {
			pr_err("track_caches: %s cannot be tracked: kmem_cache objects are not tracked on this kernel (see the load message)\n",
			       sel->caches[i]);
			ret = -EINVAL;
		}
	}
	if (!ret && sel->nmodules && !kmt_have_module_address()) {
		pr_err("__module_address not found: track_modules cannot work on this kernel\n");
		ret = -ENOENT;
	}
	sel->all = kmt_track_all;
	/*
	 * Selecting nothing splits nothing and attaches nothing. A selection attaches the allocator
	 * hooks before it is published, so every object it tracks has its free seen.
	 */
	if (!ret && (sel->all || sel->nmodules || sel->ncaches))
		ret = kmt_pages_split_direct_map();
	/*
	 * Modules alone, isolating: their kmalloc objects are moved by the rewritten calls and
	 * isolate.c sees their frees, so no tracepoint is needed until a selected module turns out
	 * to allocate objects that cannot be moved (kmt_alloc_needs_tracepoints()), or moving is not
	 * possible (below).
	 */
	if (!ret && (sel->all || sel->ncaches || (sel->nmodules && kmt_iso_mode_of(sel) != KMT_ISO_MODULES)))
		ret = kmt_alloc_attach(sel->all ? "track_all" : sel->ncaches ? "track_caches" :
					   "track_modules with sampling");
	if (ret) {
		kfree(sel);
		return ret;
	}
	kmt_selection_warn(sel);
	mutex_lock(&kmt_sel_mutex);
	old = rcu_dereference_protected(kmt_sel, lockdep_is_held(&kmt_sel_mutex));
	rcu_assign_pointer(kmt_sel, sel);
	atomic_inc(&kmt_module_gen); /* (a new selection may have a freed one's address) */
	mutex_unlock(&kmt_sel_mutex);
	if (old)
		kfree_rcu(old, rcu);
	kmt_iso_set_mode(kmt_iso_mode_of(sel));
	if (kmt_isolating(sel))
		kmt_iso_activate(&kmt_alloc_iso_ops); /* (if it cannot, objects are tracked in place: said once) */
	if (sel->nmodules && !kmt_iso_rewrites_only())
		kmt_alloc_needs_tracepoints("track_modules, objects not moved");
	kmt_update_quiet_age();
	return 0;
}

/*
 * The three selection parameters are writable at run time through
 * /sys/module/kmemtrap/parameters/ (and at boot as kmemtrap.track_modules=...).
 */
static int kmt_names_set(const char *val, const struct kernel_param *kp)
{
	char *dst = kp->arg;
	char old[KMT_PARAM_LEN];
	int ret;

	if (strlen(val) >= KMT_PARAM_LEN) {
		pr_err("invalid %s: longer than %d characters\n", kp->name, KMT_PARAM_LEN - 1);
		return -EINVAL;
	}
	strscpy(old, dst, sizeof(old));
	strscpy(dst, val, KMT_PARAM_LEN);
	strim(dst);
	if (!kmt_hooks_on)
		return 0; /* parsed and checked by kmt_alloc_init() */
	ret = kmt_selection_update();
	if (ret)
		strscpy(dst, old, KMT_PARAM_LEN);
	return ret;
}

static int kmt_names_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", (char *)kp->arg);
}

static const struct kernel_param_ops kmt_names_ops = { .set = kmt_names_set, .get = kmt_names_get };
module_param_cb(track_modules, &kmt_names_ops, kmt_track_modules, 0644);
MODULE_PARM_DESC(track_modules, "Track kmalloc/kmem_cache objects allocated from these modules (comma-separated)");
module_param_cb(track_caches, &kmt_names_ops, kmt_track_caches, 0644);
MODULE_PARM_DESC(track_caches, "Track objects of these slab caches (comma-separated; kmalloc-N names the kmalloc caches)");

static int kmt_all_set(const char *val, const struct kernel_param *kp)
{
	bool old = kmt_track_all;
	int ret = param_set_bool(val, kp);

	if (ret) {
		pr_err("invalid track_all '%.*s': use 0 or 1\n", (int)strcspn(val, "\n"), val);
		return ret;
	}
	if (!kmt_hooks_on)
		return 0;
	ret = kmt_selection_update();
	if (ret)
		kmt_track_all = old;
	return ret;
}

static const struct kernel_param_ops kmt_all_ops = { .set = kmt_all_set, .get = param_get_bool };
module_param_cb(track_all, &kmt_all_ops, &kmt_track_all, 0644);
MODULE_PARM_DESC(track_all, "Track every kmalloc/kmem_cache object (except a few caches the trap path reads)");

/* ---- sampling --------------------------------------------------------------------------- */

/*
 * sample_interval=N: of the allocations the selection picks, one in N on average is tracked
 * (random gaps, kmt_sample_take()); 0, the default, tracks every one.
 * sample_max bounds the tracked objects live at once while sampling (KFENCE's pool holds 255
 * objects), so that a long run never hides more than about that many pages: their
 * untracked neighbours are what a tracked page costs; and a sampled page that takes
 * sample_page_faults faults lets its objects go (objects.c), so that one object on a busy page
 * cannot cost without bound. With track_all=1 this is KFENCE's idea for
 * uninitialized reads, which KFENCE does not find (docs/usage.md, "Sampling").
 */
#define KMT_SAMPLE_INTERVAL_MAX (1u << 30)
#define KMT_SAMPLE_MAX_MAX (1u << 20)
static unsigned int kmt_sample_interval;
static unsigned int kmt_sample_max = 64;
static unsigned int kmt_sample_page_faults = 500;
static atomic_t kmt_sample_gap = ATOMIC_INIT(1); /* selected allocations until the next turn */

static unsigned int kmt_fault_budget;

/* While sampling, a sampled page's budget is sample_page_faults; otherwise fault_budget's (0: none). */
static void kmt_update_fault_budget(void)
{
	kmt_pages_set_fault_budget(READ_ONCE(kmt_sample_interval) ? READ_ONCE(kmt_sample_page_faults) :
								    READ_ONCE(kmt_fault_budget));
}

static int kmt_sample_param_set(const char *val, const struct kernel_param *kp)
{
	bool interval = kp->arg == &kmt_sample_interval;
	unsigned int lo = interval || kp->arg == &kmt_fault_budget ? 0 : 1;
	unsigned int hi = kp->arg == &kmt_sample_max ? KMT_SAMPLE_MAX_MAX : KMT_SAMPLE_INTERVAL_MAX;
	unsigned int n, old = *(unsigned int *)kp->arg;

	if (kstrtouint(val, 0, &n) || n < lo || n > hi) {
		pr_err("invalid %s '%.*s': must be %u..%u\n", kp->name, (int)strcspn(val, "\n"), val,
		       lo, hi);
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	if (interval && n)
		atomic_set(&kmt_sample_gap, 1 + get_random_u32() % (2 * n - 1)); /* the first turn is random too */
	kmt_update_fault_budget();
	if (interval && kmt_hooks_on) {
		unsigned long mode;

		rcu_read_lock_sched();
		mode = kmt_iso_mode_of(rcu_dereference_sched(kmt_sel));
		rcu_read_unlock_sched();
		/* Sampling tracks kmem_cache objects in place and needs the tracepoints. */
		if (mode == KMT_ISO_SAMPLING) {
			int ret = kmt_alloc_attach("sampling");

			if (ret) {
				WRITE_ONCE(kmt_sample_interval, old);
				kmt_update_fault_budget();
				return ret;
			}
		}
		kmt_iso_set_mode(mode);
		if (mode)
			kmt_iso_activate(&kmt_alloc_iso_ops);
	}
	return 0;
}

static const struct kernel_param_ops kmt_sample_ops = {
	.set = kmt_sample_param_set,
	.get = param_get_uint,
};
module_param_cb(sample_interval, &kmt_sample_ops, &kmt_sample_interval, 0644);
MODULE_PARM_DESC(sample_interval, "Track one in N of the selected allocations (0: all of them, the default; up to 2^30)");
module_param_cb(sample_max, &kmt_sample_ops, &kmt_sample_max, 0644);
MODULE_PARM_DESC(sample_max, "While sampling, most tracked objects live at once (1..1048576, default 64)");
module_param_cb(sample_page_faults, &kmt_sample_ops, &kmt_sample_page_faults, 0644);
MODULE_PARM_DESC(sample_page_faults, "While sampling, faults a tracked page may take before its objects are let go (1..2^30, default 500)");

/*
 * fault_budget: without sampling, each time a tracked page has taken this many more faults, its
 * objects that lived through half of them are let go (as a sampled page's after
 * sample_page_faults): a busy page costs a bounded number of faults per object, and a young
 * object, with the bugs just after its allocation, stays. 0, the default, never lets go.
 */
module_param_cb(fault_budget, &kmt_sample_ops, &kmt_fault_budget, 0644);
MODULE_PARM_DESC(fault_budget, "Without sampling: each time a tracked page takes this many more faults, its objects that lived through half of them are let go (0: never, the default; up to 2^30)");

/*
 * quiet_age (pages.c): a tracked page with no uninitialized byte whose states have not changed
 * for this many of its faults is left visible, its freed and unallocated bytes no longer
 * watched. -1, the default: KMT_QUIET_AGE_ALL under track_all=1, where busy shared pages make
 * most of the faults, and 0 (off) for the narrower selections. Slots of isolate.c's pool and
 * ranges of the kmemtrap_track() API are always watched.
 */
#define KMT_QUIET_AGE_ALL 16
#define KMT_QUIET_AGE_MAX (1 << 30)
static int kmt_quiet_age = -1;

static void kmt_update_quiet_age(void)
{
	int age = READ_ONCE(kmt_quiet_age);

	kmt_pages_set_quiet_age(age >= 0 ? age : READ_ONCE(kmt_track_all) ? KMT_QUIET_AGE_ALL : 0);
}

static int kmt_quiet_age_set(const char *val, const struct kernel_param *kp)
{
	int n;

	if (kstrtoint(val, 0, &n) || n < -1 || n > KMT_QUIET_AGE_MAX) {
		pr_err("invalid quiet_age '%.*s': must be -1..%d\n", (int)strcspn(val, "\n"), val,
		       KMT_QUIET_AGE_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(kmt_quiet_age, n);
	kmt_update_quiet_age();
	return 0;
}

static const struct kernel_param_ops kmt_quiet_age_ops = {
	.set = kmt_quiet_age_set,
	.get = param_get_int,
};
module_param_cb(quiet_age, &kmt_quiet_age_ops, &kmt_quiet_age, 0644);
MODULE_PARM_DESC(quiet_age, "Also leave visible a tracked page with no uninitialized byte once it has taken this many faults with no state of it changed: its freed and unallocated bytes are no longer watched (0..2^30; 0: only pages with every byte initialized; -1, the default: " __stringify(KMT_QUIET_AGE_ALL) " with track_all=1, else 0)");

/*
 * Whether a selected allocation is tracked: its turn in the sampling, and room under sample_max.
 * The gaps between turns are random, 1..2N-1 selected allocations (N on average): with a fixed
 * gap, a loop that allocates a fixed number of objects per round would only ever meet the same
 * few of its allocations.
 */

static bool kmt_sample_take(void)
{
	unsigned int n = READ_ONCE(kmt_sample_interval);

	if (!n)
		return true;
	if (atomic_dec_return(&kmt_sample_gap) != 0) {
		kmt_count(KMT_CNT_OBJECTS_NOT_SAMPLED);
		return false;
	}
	atomic_set(&kmt_sample_gap, 1 + get_random_u32() % (2 * n - 1));
	if (kmt_objects_live() >= READ_ONCE(kmt_sample_max)) {
		kmt_count(KMT_CNT_OBJECTS_SAMPLE_FULL);
		return false;
	}
	return true;
}

static const char *const kmt_kmalloc_names[] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128", "kmalloc-256",
	"kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
};

static const char *kmt_kmalloc_cache_name(size_t bytes_alloc)
{
	if (bytes_alloc == 96)
		return "kmalloc-96";
	if (bytes_alloc == 192)
		return "kmalloc-192";
	/* Every allocation asks: the power of two's index, not a scan. */
	if (bytes_alloc >= 8 && is_power_of_2(bytes_alloc) &&
	    ilog2(bytes_alloc) - 3 < ARRAY_SIZE(kmt_kmalloc_names))
		return kmt_kmalloc_names[ilog2(bytes_alloc) - 3];
	return KMT_KMALLOC_LARGE;
}

/* Whether track_modules= names the module @name. */
static bool kmt_names_module(const struct kmt_selection *sel, const char *name)
{
	unsigned int i;

	for (i = 0; i < sel->nmodules; i++)
		if (!strcmp(name, sel->modules[i]))
			return true;
	return false;
}

/* Why an allocation is selected: a whole cache's objects are tracked in place (isolate.c). */
enum kmt_why { KMT_NOT_SELECTED, KMT_BY_ALL, KMT_BY_CACHE, KMT_BY_MODULE };

/*
 * Whether a call site is in a module that @sel names: __module_address() and a name compare per
 * allocation (about 190 instructions), so each CPU keeps its last answers by call site (a module
 * allocates from few sites). The cache is emptied when the selection or kmt_module_gen changes:
 * the module notifier below bumps it as modules come, go live (their init text freed) and go.
 * busy keeps an interrupt that allocates while this CPU writes its cache out of it.
 */
#define KMT_SITE_BITS 6

struct kmt_site_cache {
	unsigned int busy;
	unsigned int gen;
	const struct kmt_selection *sel;
	unsigned long site[1 << KMT_SITE_BITS];
	u64 selected; /* bit i: site[i] is in a selected module */
};

static DEFINE_PER_CPU(struct kmt_site_cache, kmt_site_caches);

static bool kmt_site_lookup(const struct kmt_selection *sel, unsigned long site)
{
	struct module *mod = kmt_module_address(site);

	return mod && kmt_names_module(sel, mod->name);
}

/* Preemption off (the allocation hooks' context). */
static bool kmt_site_selected(const struct kmt_selection *sel, unsigned long site)
{
	struct kmt_site_cache *c = this_cpu_ptr(&kmt_site_caches);
	unsigned int gen = atomic_read(&kmt_module_gen), i = hash_long(site, KMT_SITE_BITS);
	bool yes;

	if (READ_ONCE(c->busy))
		return kmt_site_lookup(sel, site);
	WRITE_ONCE(c->busy, 1);
	barrier();
	if (c->sel != sel || c->gen != gen) {
		memset(c->site, 0, sizeof(c->site));
		c->sel = sel;
		c->gen = gen;
	}
	if (c->site[i] == site) {
		yes = c->selected & BIT_ULL(i);
	} else {
		yes = kmt_site_lookup(sel, site);
		c->site[i] = site;
		c->selected = yes ? c->selected | BIT_ULL(i) : c->selected & ~BIT_ULL(i);
	}
	barrier();
	WRITE_ONCE(c->busy, 0);
	return yes;
}

static int kmt_module_event(struct notifier_block *nb, unsigned long ev, void *data)
{
	atomic_inc(&kmt_module_gen);
	return NOTIFY_DONE;
}

static struct notifier_block kmt_module_nb = { .notifier_call = kmt_module_event };
static bool kmt_module_nb_on;

/*
 * Whether @sel may select an allocation by @call_site at all: a selection of modules alone
 * selects only allocations whose call site is in module space. Inline in the allocation hooks:
 * most allocations are the core kernel's, and answer here.
 */
static __always_inline bool kmt_may_select(const struct kmt_selection *sel, unsigned long call_site)
{
	return sel && (sel->all || sel->ncaches ||
		       (sel->nmodules && call_site - MODULES_VADDR < MODULES_END - MODULES_VADDR));
}

/* @cache: the object's cache name, or NULL for a kmalloc object of @kmalloc_size (named if needed). */
static enum kmt_why kmt_selected_why_sized(const struct kmt_selection *sel, unsigned long call_site,
					   const char *cache, size_t kmalloc_size)
{
	enum kmt_why why = KMT_NOT_SELECTED;
	unsigned int i;

	/* Every allocation of the kernel comes here: the cheap answers first. */
	if (!kmt_may_select(sel, call_site))
		return KMT_NOT_SELECTED; /* nothing selected, or a module selection and a core site */
	if (sel->all)
		why = KMT_BY_ALL;
	if (!cache && (sel->ncaches || why != KMT_NOT_SELECTED))
		cache = kmt_kmalloc_cache_name(kmalloc_size);
	for (i = 0; i < sel->ncaches && why == KMT_NOT_SELECTED; i++)
		if (!strcmp(cache, sel->caches[i]))
			why = KMT_BY_CACHE;
	/* Only a module's call site can be in a module (the core kernel's allocations skip the cache). */
	if (sel->nmodules && why == KMT_NOT_SELECTED && call_site >= MODULES_VADDR && call_site < MODULES_END &&
	    kmt_site_selected(sel, call_site)) {
		why = KMT_BY_MODULE;
		if (!cache)
			cache = kmt_kmalloc_cache_name(kmalloc_size);
	}
	/* Never our own allocations (looked at last: most allocations are not selected). */
	return why != KMT_NOT_SELECTED && (kmt_own_text(call_site) || kmt_never_tracked(cache)) ? KMT_NOT_SELECTED
												: why;
}

static enum kmt_why kmt_selected_why(const struct kmt_selection *sel, unsigned long call_site,
				     const char *cache)
{
	return kmt_selected_why_sized(sel, call_site, cache, 0);
}

/* What isolate.c looks at for this selection (kmt_iso_set_mode()): modules chosen, or sampling. */
static unsigned long kmt_iso_mode_of(const struct kmt_selection *sel)
{
	if (!sel)
		return 0;
	if (READ_ONCE(kmt_sample_interval) && (sel->all || sel->ncaches || sel->nmodules))
		return KMT_ISO_SAMPLING;
	return sel->nmodules && !sel->all ? KMT_ISO_MODULES : 0;
}

static bool kmt_isolating(const struct kmt_selection *sel)
{
	return kmt_iso_mode_of(sel) != 0;
}

/* The rare case below: an untracked object on a tracked page. */
static noinline void kmt_untracked_alloc_tracked_page(unsigned long a, size_t alloc)
{
	kmt_shadow_set(&kmt_shadow, a, alloc, KMT_SHADOW_INIT);
	kmt_count_add(KMT_CNT_PAGES_RELEASED_EMPTY, kmt_object_reused(a, true));
}

/*
 * Whether an object of @alloc bytes at @a is on one page that the filter says is certainly not
 * tracked (inline, no call). Most objects are.
 */
static __always_inline bool kmt_on_one_untracked_page(unsigned long a, size_t alloc)
{
	return (a & PAGE_MASK) == ((a + alloc - 1) & PAGE_MASK) && !kmt_pages_maybe_tracked(a);
}

/*
 * An untracked object on a tracked page (e.g. reusing a freed tracked one): its bytes are
 * initialized, and a page left with no tracked object is given back.
 */
static __always_inline void kmt_untracked_alloc(unsigned long a, size_t alloc)
{
	/*
	 * Most objects are on untracked pages: no shadow to set, and no object record to drop (a
	 * live record holds every page it covers; a freed one left on a page given back is never
	 * used: the page's object starts are cleared when it is tracked again, and a tracked
	 * object at its address drops it).
	 */
	if (kmt_on_one_untracked_page(a, alloc) ||
	    ((a & PAGE_MASK) == ((a + alloc - 1) & PAGE_MASK) && !kmt_page_find(a)))
		return;
	kmt_untracked_alloc_tracked_page(a, alloc);
}

static void kmt_track_object(unsigned long a, size_t req, size_t alloc, gfp_t gfp,
			     const char *cache, bool ctor, bool rcu_cache);

/*
 * Common allocation hook. Tracepoint context: preemption off, any context but NMI. @cache is
 * NULL for a kmalloc object: its cache's name, by its size, is looked up only if needed. Inline
 * in each tracepoint probe: every allocation of the kernel comes here, and most answer at
 * kmt_may_select() or kmt_pages_maybe_tracked().
 */
static __always_inline void kmt_on_alloc(unsigned long call_site, const void *ptr, size_t req, size_t alloc,
					 gfp_t gfp, const char *cache, bool ctor, bool rcu_cache)
{
	const struct kmt_selection *sel = rcu_dereference_sched(kmt_sel);
	unsigned long a = (unsigned long)ptr;

	if (ZERO_OR_NULL_PTR(ptr) || !alloc)
		return;
	/*
	 * Only while armed: writes to an object allocated while its page is visible (kmemtrap
	 * disarmed, or still loading) are not seen, so tracking it would report them as
	 * uninitialized later.
	 */
	if (kmt_may_select(sel, call_site) && kmt_pages_armed() &&
	    kmt_selected_why_sized(sel, call_site, cache, alloc) != KMT_NOT_SELECTED && kmt_sample_take()) {
		kmt_track_object(a, req, alloc, gfp, cache ?: kmt_kmalloc_cache_name(alloc), ctor, rcu_cache);
		return;
	}
	kmt_untracked_alloc(a, alloc);
}

/* A selected object, tracked where the allocator put it. */
static void kmt_track_object(unsigned long a, size_t req, size_t alloc, gfp_t gfp,
			     const char *cache, bool ctor, bool rcu_cache)
{
	unsigned long page;

	kmt_object_reused(a, false);

	for (page = a & PAGE_MASK; page < a + alloc; page += PAGE_SIZE) {
		struct kmt_page *p = kmt_page_get_atomic(page);

		if (IS_ERR(p)) {
			kmt_count(PTR_ERR(p) == -EAGAIN ? KMT_CNT_OBJECTS_SKIPPED_UNSPLIT :
				  PTR_ERR(p) == -ENOSPC ? KMT_CNT_OBJECTS_SKIPPED_FULL :
				  KMT_CNT_OBJECTS_SKIPPED_OTHER);
			/* Keep what was tracked consistent: those bytes count as initialized. */
			kmt_shadow_set(&kmt_shadow, a, alloc, KMT_SHADOW_INIT);
			return;
		}
		if (test_and_set_bit(KMT_PAGE_ALLOC_OWNED, &p->flags))
			kmt_page_put(p); /* the allocator hooks hold one reference per page */
	}
	/*
	 * Every tracked object has a record: without one, its report could not say where it came
	 * from, and re-arming (which forgets objects by their records) could not reset it.
	 */
	if (kmt_object_alloc(a, req, alloc, cache, rcu_cache)) {
		kmt_count(KMT_CNT_OBJECTS_SKIPPED_FULL);
		kmt_shadow_set(&kmt_shadow, a, alloc, KMT_SHADOW_INIT);
		return;
	}
	kmt_count(KMT_CNT_OBJECTS_TRACKED);
	kmt_shadow_set(&kmt_shadow, a, req,
		       (gfp & __GFP_ZERO) || ctor || want_init_on_alloc(gfp) ?
		       KMT_SHADOW_INIT : KMT_SHADOW_UNINIT);
	if (alloc > req)
		kmt_shadow_set(&kmt_shadow, a + req, alloc - req,
			       ctor ? KMT_SHADOW_INIT : KMT_SHADOW_UNALLOCATED);
	kmt_pages_flush_local(a, alloc);
}

/*
 * The hooks attached from an allocation (any context, any locks held): an irq_work, which may
 * be queued anywhere, queues the work item that attaches them.
 */
static struct work_struct kmt_attach_work;
static struct irq_work kmt_attach_iw;

static void kmt_attach_iw_fn(struct irq_work *w)
{
	schedule_work(&kmt_attach_work);
}

/*
 * The isolating wrapper's end (isolate.c): the object the caller gets, of @req bytes asked with
 * @gfp. Any context the allocation may run in (preemptible or not).
 */
static void *kmt_alloc_isolate_finish(void *ret, unsigned long call_site, size_t req, gfp_t gfp)
{
	enum kmt_why why = KMT_NOT_SELECTED;
	const char *cache;
	void *out = ret;
	size_t alloc;

	if (ZERO_OR_NULL_PTR(ret))
		return ret;
	alloc = kmalloc_size_roundup(req); /* (what ksize() will say: the kmalloc cache's size) */
	preempt_disable_notrace(); /* the hooks' context: the selection is RCU-sched */
	kmt_untracked_alloc((unsigned long)ret, alloc); /* (what the tracepoint would have done) */
	cache = kmt_kmalloc_cache_name(alloc);
	if (kmt_pages_armed())
		why = kmt_selected_why(rcu_dereference_sched(kmt_sel), call_site, cache);
	if (why == KMT_NOT_SELECTED || !kmt_sample_take())
		goto out;
	if (why == KMT_BY_MODULE || READ_ONCE(kmt_sample_interval))
		out = kmt_iso_place(ret, req, alloc, gfp, cache) ?: ret;
	if (out != ret)
		goto out;
	/*
	 * Not moved (too large, or the pool is full): tracked where it is, which needs its free
	 * seen by the tracepoints. Without them, this one is not tracked; they are attached for
	 * the next ones.
	 */
	if (kmt_alloc_attached()) {
		kmt_track_object((unsigned long)ret, req, alloc, gfp, cache, false, false);
	} else {
		kmt_count(KMT_CNT_OBJECTS_SKIPPED_UNHOOKED);
		irq_work_queue(&kmt_attach_iw);
	}
out:
	preempt_enable_notrace();
	if (out != ret)
		kfree(ret); /* the allocator's object, never seen by the caller */
	return out;
}

/*
 * The ftrace callback's question (isolate.c), at every kmalloc while isolating: may this call
 * give an object to isolate? Cheap for the core kernel's calls (one range compare), a module
 * look-up for a module's; may say yes too often (the wrapper then tracks nothing).
 */
static bool kmt_alloc_may_isolate(unsigned long call_site)
{
	const struct kmt_selection *sel;
	bool may = false;

	if (!kmt_pages_armed())
		return false;
	preempt_disable_notrace();
	sel = rcu_dereference_sched(kmt_sel);
	if (!kmt_isolating(sel))
		may = false;
	else if (READ_ONCE(kmt_sample_interval))
		may = atomic_read(&kmt_sample_gap) <= 2; /* the next turn is near */
	else
		may = !sel->all && call_site >= MODULES_VADDR && call_site < MODULES_END &&
		      kmt_selected_why(sel, call_site, "") == KMT_BY_MODULE;
	preempt_enable_notrace();
	return may;
}

/* isolate.c's question when it rewrites a module's kmalloc calls: does the selection move them? */
static bool kmt_alloc_module_selected(const char *name)
{
	const struct kmt_selection *sel;
	bool yes;

	rcu_read_lock_sched();
	sel = rcu_dereference_sched(kmt_sel);
	yes = sel && kmt_iso_mode_of(sel) == KMT_ISO_MODULES && kmt_names_module(sel, name);
	rcu_read_unlock_sched();
	return yes;
}

static void kmt_on_free(const void *ptr);

/* A tracked object's free (kmt_on_free() found its page tracked). */
static noinline void kmt_on_free_tracked_page(const void *ptr)
{
	bool rcu = false;
	u32 size = kmt_object_free((unsigned long)ptr, &rcu);

	if (size && !rcu)
		kmt_shadow_set(&kmt_shadow, (unsigned long)ptr, size, KMT_SHADOW_FREED);
}

/* Inline in the free probes: every free of the kernel comes here. */
static __always_inline void kmt_on_free_inline(const void *ptr)
{
	/* A tracked object's record holds every page it covers: on an untracked page, nothing to do. */
	if (ZERO_OR_NULL_PTR(ptr) || !kmt_pages_maybe_tracked((unsigned long)ptr))
		return;
	kmt_on_free_tracked_page(ptr);
}

static void kmt_on_free(const void *ptr)
{
	kmt_on_free_inline(ptr);
}

/*
 * A kfree() or bulk free: a tracked object's. A moved object's slot is isolate.c's (its hook on
 * free_large_kmalloc() sees that free).
 */
static __always_inline void kmt_on_free_at(const void *ptr)
{
	if (unlikely(kmt_iso_may_own(ptr)) && kmt_iso_owns(ptr))
		return;
	kmt_on_free_inline(ptr);
}

static const struct kmt_iso_ops kmt_alloc_iso_ops = {
	.finish = kmt_alloc_isolate_finish,
	.may_isolate = kmt_alloc_may_isolate,
	.on_free = kmt_on_free,
	.module_selected = kmt_alloc_module_selected,
	.needs_tracepoints = kmt_alloc_needs_tracepoints,
};

static noinline void notrace kmt_tp_kmalloc_slow(unsigned long call_site, const void *ptr,
						  size_t bytes_req, size_t bytes_alloc, gfp_t gfp)
{
	kmt_on_alloc(call_site, ptr, bytes_req, bytes_alloc, gfp, NULL, false, false);
}

static void notrace kmt_tp_kmalloc(void *data, unsigned long call_site, const void *ptr,
				   size_t bytes_req, size_t bytes_alloc, gfp_t gfp, int node)
{
	if (unlikely(kmt_iso_is_site(call_site)))
		return; /* isolate.c's wrapper: its end decides, with the real caller */
	/*
	 * The common answer, with no call (so no register saved): not selectable, and on one page
	 * that is certainly not tracked. kmt_on_alloc() gives the same answer, slower.
	 */
	if (!kmt_may_select(rcu_dereference_sched(kmt_sel), call_site) &&
	    kmt_on_one_untracked_page((unsigned long)ptr, bytes_alloc))
		return;
	kmt_tp_kmalloc_slow(call_site, ptr, bytes_req, bytes_alloc, gfp);
}

static void notrace kmt_tp_kmem_cache_alloc(void *data, unsigned long call_site, const void *ptr,
					    struct kmem_cache *s, gfp_t gfp, int node)
{
	struct kmt_cache_fields f;

	/* The layout of struct kmem_cache is checked at load (compat.c); unchecked, not tracked. */
	if (kmt_kmem_cache_fields(s, &f))
		kmt_on_alloc(call_site, ptr, f.object_size, f.object_size, gfp, f.name, f.has_ctor,
			     f.typesafe_by_rcu);
}

static void notrace kmt_tp_kfree(void *data, unsigned long call_site, const void *ptr)
{
	kmt_on_free_at(ptr);
}

static void notrace kmt_tp_kmem_cache_free(void *data, unsigned long call_site, const void *ptr,
					   const struct kmem_cache *s)
{
	kmt_on_free_inline(ptr);
}

/* A page (2^order of them) goes back to the page allocator: release what we track there. */
static void notrace kmt_tp_mm_page_free(void *data, struct page *page, unsigned int order)
{
	unsigned long addr, i;

	if (PageHighMem(page))
		return;
	addr = (unsigned long)page_address(page);
	for (i = 0; i < (1ul << order); i++) {
		struct kmt_page *p = kmt_page_find(addr + i * PAGE_SIZE);

		if (p && test_and_clear_bit(KMT_PAGE_ALLOC_OWNED, &p->flags)) {
			kmt_shadow_set(&kmt_shadow, addr + i * PAGE_SIZE, PAGE_SIZE, KMT_SHADOW_INIT);
			kmt_page_put(p);
			kmt_count(KMT_CNT_SLAB_PAGES_RELEASED);
		}
	}
}

/* ---- bulk allocations and frees ------------------------------------------------------- */

/*
 * kmem_cache_alloc_bulk() and kmem_cache_free_bulk() (and kfree_bulk(), which calls it) fire no
 * per-object tracepoint. The maple tree allocates and frees its nodes this way (mas_alloc_nodes,
 * mas_destroy), RCU's batched kfree_rcu() frees through kfree_bulk(). Without an event, an object
 * kept the state of its previous tracked life: a node bulk-allocated again read as freed
 * (mas_destroy's freed-read in every whole-kernel run), and a bulk free went unseen. Probes on
 * both functions give each object the event its tracepoint would: kmt_on_alloc() once the
 * allocation returned, kmt_on_free() before the free, like kmem_cache_alloc/kmem_cache_free's.
 *
 * Both functions are sent, by an ftrace callback at their entry (the livepatch mechanism:
 * FTRACE_OPS_FL_IPMODIFY), to a wrapper of ours with the same arguments and the caller's return
 * address: an ordinary function that reports the objects (before a free, after an allocation)
 * and calls the real one (the callback lets calls from this module through). Kprobes were tried
 * first and oopsed: while a kprobe handler runs, kprobes are "running" on that CPU, so our own
 * #PF kprobe cannot serve a tracked page touched there or by an interrupt taken meanwhile
 * (kmem_cache_free()'s tracepoint array in an RCU softirq), and a kretprobe reads kernel
 * allocations (its instances, struct rethook) that can share a page with tracked objects. The
 * ftrace callback touches no tracked memory and leaves no such state. The pointer array can
 * itself be in a tracked object on a hidden page (the maple tree passes &node->slot[i]): it is
 * read through kmt_pages_read_unseen().
 */
#define KMT_BULK_CHUNK 16 /* pointers read at a time */

static noinline int notrace kmt_bulk_alloc_wrapper(struct kmem_cache *s, gfp_t gfp, size_t size,
						   void **p)
{
	unsigned long call_site = (unsigned long)__builtin_return_address(0);
	int n = kmt_alloc_bulk_call(s, gfp, size, p), i, j, m;
	struct kmt_cache_fields f;
	void *chunk[KMT_BULK_CHUNK];

	if (n <= 0 || !s || !kmt_kmem_cache_fields(s, &f))
		return n;
	preempt_disable_notrace(); /* the hooks' context: the selection is RCU-sched */
	for (i = 0; i < n; i += m) {
		m = min(n - i, KMT_BULK_CHUNK);
		if (!kmt_pages_read_unseen(chunk, (unsigned long)(p + i), m * sizeof(void *))) {
			kmt_count(KMT_CNT_BULK_UNREADABLE);
			break;
		}
		for (j = 0; j < m; j++)
			kmt_on_alloc(call_site, chunk[j], f.object_size, f.object_size, gfp, f.name,
				     f.has_ctor, f.typesafe_by_rcu);
	}
	preempt_enable_notrace();
	return n;
}

/* kfree_bulk() is kmem_cache_free_bulk(NULL, size, p). */
static noinline void notrace kmt_bulk_free_wrapper(struct kmem_cache *s, size_t size, void **p)
{
	void *chunk[KMT_BULK_CHUNK];
	size_t i, j, m;

	preempt_disable_notrace();
	for (i = 0; i < size; i += m) {
		m = min_t(size_t, size - i, KMT_BULK_CHUNK);
		if (!kmt_pages_read_unseen(chunk, (unsigned long)(p + i), m * sizeof(void *))) {
			kmt_count(KMT_CNT_BULK_UNREADABLE);
			break;
		}
		for (j = 0; j < m; j++)
			kmt_on_free_at(chunk[j]);
	}
	preempt_enable_notrace();
	kmem_cache_free_bulk(s, size, p);
}

static void notrace kmt_bulk_redirect(unsigned long ip, unsigned long parent_ip,
				      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && !within_module(parent_ip, THIS_MODULE))
		regs->ip = (unsigned long)op->private;
}

static struct ftrace_ops kmt_bulk_ops[] = {
	{ .func = kmt_bulk_redirect, .private = kmt_bulk_alloc_wrapper,
	  .flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_RECURSION },
	{ .func = kmt_bulk_redirect, .private = kmt_bulk_free_wrapper,
	  .flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_RECURSION },
};
static const char *const kmt_bulk_names[] = { KMT_ALLOC_BULK_SYMBOL, KMT_FREE_BULK_SYMBOL };
enum { KMT_BULK_ALLOC, KMT_BULK_FREE };
static bool kmt_bulk_on[ARRAY_SIZE(kmt_bulk_ops)];

/* One of kmt_bulk_ops (KMT_BULK_ALLOC or KMT_BULK_FREE) registered. */
static int kmt_bulk_hook(unsigned int i)
{
	const unsigned long target[] = { (unsigned long)kmt_alloc_bulk_call,
					 (unsigned long)kmem_cache_free_bulk };
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(target) != ARRAY_SIZE(kmt_bulk_ops));
	ret = ftrace_set_filter_ip(&kmt_bulk_ops[i], target[i], 0, 0);
	if (!ret)
		ret = register_ftrace_function(&kmt_bulk_ops[i]);
	if (ret) {
		pr_err("cannot hook %s through ftrace (error %d)\n", kmt_bulk_names[i], ret);
		return ret;
	}
	kmt_bulk_on[i] = true;
	return 0;
}

/* ---- tracepoints ---------------------------------------------------------------------- */

static const struct {
	const char *name;
	void *probe;
	bool alloc;
} kmt_alloc_tps[] = {
	{ "kmalloc", kmt_tp_kmalloc, true },
	{ "kmem_cache_alloc", kmt_tp_kmem_cache_alloc, true },
	{ "kfree", kmt_tp_kfree, false },
	{ "kmem_cache_free", kmt_tp_kmem_cache_free, false },
	{ "mm_page_free", kmt_tp_mm_page_free, false },
};
static struct tracepoint *kmt_alloc_tp[ARRAY_SIZE(kmt_alloc_tps)];
static bool kmt_alloc_tp_on[ARRAY_SIZE(kmt_alloc_tps)];

static void kmt_find_alloc_tp(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmt_alloc_tps); i++)
		if (!strcmp(tp->name, kmt_alloc_tps[i].name))
			kmt_alloc_tp[i] = tp;
}

/*
 * The hooks, attached when first needed: the first non-empty selection, or the first range
 * the API tracks. Until then kmemtrap costs untracked allocations and frees nothing: the
 * tracepoints stay off (goal 2 of issue 13, "nothing selected"). Once attached they stay until
 * unload (an object tracked under an old selection still needs its free seen).
 */
static DEFINE_MUTEX(kmt_attach_mutex);
static bool kmt_attached;

/* The hooks of one side (@alloc: the allocation hooks, else the free hooks) detached. */
static void kmt_alloc_detach_side(bool alloc)
{
	unsigned int i, b = alloc ? KMT_BULK_ALLOC : KMT_BULK_FREE;

	if (kmt_bulk_on[b])
		unregister_ftrace_function(&kmt_bulk_ops[b]);
	kmt_bulk_on[b] = false;
	for (i = 0; i < ARRAY_SIZE(kmt_alloc_tps); i++) {
		if (kmt_alloc_tps[i].alloc != alloc)
			continue;
		if (kmt_alloc_tp_on[i])
			tracepoint_probe_unregister(kmt_alloc_tp[i], kmt_alloc_tps[i].probe, NULL);
		kmt_alloc_tp_on[i] = false;
	}
	tracepoint_synchronize_unregister();
}

/* One side's hooks attached (those not on yet); on an error, the ones it attached stay. */
static int kmt_alloc_attach_side(bool alloc)
{
	unsigned int i, b = alloc ? KMT_BULK_ALLOC : KMT_BULK_FREE;
	int ret;

	/* (the bulk allocator's redirect first: the hook most likely to be refused, by a livepatch) */
	if (!kmt_bulk_on[b]) {
		ret = kmt_bulk_hook(b);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(kmt_alloc_tps); i++) {
		if (kmt_alloc_tps[i].alloc != alloc || kmt_alloc_tp_on[i])
			continue;
		ret = tracepoint_probe_register(kmt_alloc_tp[i], kmt_alloc_tps[i].probe, NULL);
		if (ret) {
			pr_err("cannot attach to tracepoint %s (%d)\n", kmt_alloc_tps[i].name, ret);
			return ret;
		}
		kmt_alloc_tp_on[i] = true;
	}
	return 0;
}

/*
 * Process context. 0 once every hook is attached. The free hooks go first, so that an object an
 * allocation hook tracks always has its free seen; on an error the allocation hooks are taken off
 * again and the free hooks that are on stay (an object tracked earlier, by a hook that is off
 * now, may still need them). @why: for the log.
 */
int kmt_alloc_attach(const char *why)
{
	int ret = 0;

	if (smp_load_acquire(&kmt_attached))
		return 0;
	mutex_lock(&kmt_attach_mutex);
	if (kmt_attached)
		goto out;
	ret = kmt_alloc_attach_side(false);
	if (!ret)
		ret = kmt_alloc_attach_side(true);
	if (ret) {
		kmt_alloc_detach_side(true);
		goto out;
	}
	smp_store_release(&kmt_attached, true);
	pr_info("allocator hooks attached: %s\n", why);
out:
	mutex_unlock(&kmt_attach_mutex);
	return ret;
}

bool kmt_alloc_attached(void)
{
	return smp_load_acquire(&kmt_attached);
}

/* An object that needed them was met where they cannot be attached (kmt_alloc_isolate_finish()). */
static void kmt_attach_fn(struct work_struct *w)
{
	kmt_alloc_attach("a selected object could not be moved (too large, or the pool full)");
}

static void kmt_alloc_needs_tracepoints(const char *why)
{
	if (kmt_alloc_attach(why))
		pr_err("track_modules: the allocator hooks cannot be attached (%s): objects that are not moved are not tracked\n",
		       why);
}

int kmt_alloc_init(void)
{
	unsigned int i;
	int ret;

	/* The probes have the tracepoints' prototypes, which compat.h checks against the kernel. */
	BUILD_BUG_ON(!__same_type(&kmt_tp_kmalloc, kmt_tp_kmalloc_t));
	BUILD_BUG_ON(!__same_type(&kmt_tp_kmem_cache_alloc, kmt_tp_kmem_cache_alloc_t));
	BUILD_BUG_ON(!__same_type(&kmt_tp_kfree, kmt_tp_kfree_t));
	BUILD_BUG_ON(!__same_type(&kmt_tp_kmem_cache_free, kmt_tp_kmem_cache_free_t));
	BUILD_BUG_ON(!__same_type(&kmt_tp_mm_page_free, kmt_tp_mm_page_free_t));
	ret = kmt_kmem_cache_layout_init();
	if (ret)
		return ret;
	/* Found now, attached later: a kernel without them is refused at load. */
	for_each_kernel_tracepoint(kmt_find_alloc_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(kmt_alloc_tps); i++) {
		if (!kmt_alloc_tp[i]) {
			pr_err("tracepoint %s not found: cannot track allocations\n", kmt_alloc_tps[i].name);
			return -ENOENT;
		}
	}
	ret = register_module_notifier(&kmt_module_nb);
	if (ret) {
		pr_err("cannot register a module notifier (%d)\n", ret);
		return ret;
	}
	kmt_module_nb_on = true;
	INIT_WORK(&kmt_attach_work, kmt_attach_fn);
	init_irq_work(&kmt_attach_iw, kmt_attach_iw_fn);
	ret = kmt_selection_update(); /* (attaches the hooks if it selects anything) */
	if (ret)
		goto fail;
	kmt_hooks_on = true;
	return 0;
fail:
	kmt_alloc_exit();
	return ret;
}

void kmt_alloc_exit(void)
{
	struct kmt_selection *old;

	kmt_hooks_on = false;
	kmt_iso_exit(); /* first: no wrapper left to queue the work */
	if (kmt_attach_work.func) {
		irq_work_sync(&kmt_attach_iw);
		cancel_work_sync(&kmt_attach_work);
	}
	mutex_lock(&kmt_attach_mutex);
	kmt_alloc_detach_side(true);
	kmt_alloc_detach_side(false);
	WRITE_ONCE(kmt_attached, false);
	mutex_unlock(&kmt_attach_mutex);
	mutex_lock(&kmt_sel_mutex);
	old = rcu_dereference_protected(kmt_sel, lockdep_is_held(&kmt_sel_mutex));
	RCU_INIT_POINTER(kmt_sel, NULL);
	mutex_unlock(&kmt_sel_mutex);
	synchronize_rcu();
	kfree(old);
	if (kmt_module_nb_on)
		unregister_module_notifier(&kmt_module_nb);
	kmt_module_nb_on = false;
}
