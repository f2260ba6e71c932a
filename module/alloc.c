// SPDX-License-Identifier: GPL-2.0
/*
 * alloc.c - tracking real kernel allocations: kmalloc and kmem_cache objects chosen by the
 * allocating module (track_modules), by cache (track_caches) or all of them (track_all).
 *
 * Events come from the kmem tracepoints (kmalloc, kmem_cache_alloc, kfree, kmem_cache_free) and
 * mm_page_free, attached with for_each_kernel_tracepoint() + tracepoint_probe_register(). They
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
 * Each tracked object keeps its call site, task and a short stack (and, once freed, the same for
 * the free) in a fixed pool of records (max_objects) for the reports' "Allocated by" lines.
 */
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0) && defined(CONFIG_SLUB)
/*
 * 6.1: struct kmem_cache is public in slub_def.h (it moved into mm/slab.h in 6.2). Its inline
 * helpers nearest_obj() and obj_to_index() need struct slab and slab_address() from mm/slab.h,
 * which the headers package does not ship; kmemtrap never calls them, so minimal stand-ins let
 * the header compile. Only struct kmem_cache's fields are used (name, object_size, ctor, flags).
 */
struct slab {
	unsigned int objects;
};

static inline void *slab_address(const struct slab *slab)
{
	return NULL;
}
#include <linux/slub_def.h>
#define KMT_HAVE_KMEM_CACHE_LAYOUT 1
#endif

#include "compat.h"
#include "kmt.h"
#include "kmt_alloc.h"
#include "kmt_pages.h"

/* ---- selection ------------------------------------------------------------------------- */

#define KMT_MAX_NAMES 16
#define KMT_NAME_LEN MODULE_NAME_LEN /* 56 on x86-64: fits module and cache names */

struct kmt_selection {
	unsigned int nmodules, ncaches;
	char modules[KMT_MAX_NAMES][KMT_NAME_LEN];
	char caches[KMT_MAX_NAMES][KMT_NAME_LEN];
	bool all;
	struct rcu_head rcu;
};

static struct kmt_selection __rcu *kmt_sel;
static DEFINE_MUTEX(kmt_sel_mutex);
static char kmt_track_modules[256], kmt_track_caches[256];
static bool kmt_track_all;
static bool kmt_alloc_ready;

typedef struct module *(*kmt_module_address_t)(unsigned long addr);
static kmt_module_address_t kmt_module_address;

/*
 * Caches never tracked: task_struct is read on the way to our #PF probe (ftrace's recursion
 * check reads current->trace_recursion), so hiding one would make the fault recurse; the
 * kmem_cache structures are read by the allocator hooks themselves. Names are what the
 * tracepoint sees: a cache merged into another reports the other's name.
 */
static const char *const kmt_never_track[] = { "task_struct", "kmem_cache", "kmem_cache_node" };

static int kmt_parse_names(const char *val, char (*names)[KMT_NAME_LEN], size_t namelen, unsigned int *n,
			   const char *param)
{
	char buf[256], *s, *tok;

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
		if (*n >= KMT_MAX_NAMES || strlen(tok) >= namelen) {
			pr_err("invalid %s: at most %d names of at most %zu characters\n", param,
			       KMT_MAX_NAMES, namelen - 1);
			return -EINVAL;
		}
		strscpy(names[(*n)++], tok, namelen);
	}
	return 0;
}

static int kmt_split_direct_map(void);

/* Builds a new selection from the three parameters and publishes it. Process context. */
static int kmt_selection_update(void)
{
	struct kmt_selection *sel, *old;
	int ret;

	sel = kzalloc(sizeof(*sel), GFP_KERNEL);
	if (!sel)
		return -ENOMEM;
	ret = kmt_parse_names(kmt_track_modules, sel->modules, sizeof(sel->modules[0]),
			      &sel->nmodules, "track_modules");
	if (!ret)
		ret = kmt_parse_names(kmt_track_caches, sel->caches, sizeof(sel->caches[0]),
				      &sel->ncaches, "track_caches");
	if (ret) {
		kfree(sel);
		return ret;
	}
	sel->all = kmt_track_all;
	if ((sel->all || sel->nmodules || sel->ncaches) && kmt_alloc_ready) {
		ret = kmt_split_direct_map();
		if (ret) {
			kfree(sel);
			return ret;
		}
	}
	mutex_lock(&kmt_sel_mutex);
	old = rcu_dereference_protected(kmt_sel, lockdep_is_held(&kmt_sel_mutex));
	rcu_assign_pointer(kmt_sel, sel);
	mutex_unlock(&kmt_sel_mutex);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/*
 * The three selection parameters are writable at run time through
 * /sys/module/kmemtrap/parameters/ (and at boot as kmemtrap.track_modules=...).
 */
static int kmt_names_set(const char *val, const struct kernel_param *kp)
{
	char *dst = kp->arg;
	char old[256];
	int ret;

	if (strlen(val) >= 256) {
		pr_err("invalid %s: longer than 255 characters\n", kp->name);
		return -EINVAL;
	}
	strscpy(old, dst, sizeof(old));
	strscpy(dst, val, 256);
	strim(dst);
	if (!kmt_alloc_ready)
		return 0; /* parsed and checked by kmt_alloc_init() */
	ret = kmt_selection_update();
	if (ret)
		strscpy(dst, old, 256);
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
	if (!kmt_alloc_ready)
		return 0;
	ret = kmt_selection_update();
	if (ret)
		kmt_track_all = old;
	return ret;
}

static const struct kernel_param_ops kmt_all_ops = { .set = kmt_all_set, .get = param_get_bool };
module_param_cb(track_all, &kmt_all_ops, &kmt_track_all, 0644);
MODULE_PARM_DESC(track_all, "Track every kmalloc/kmem_cache object (except a few caches the trap path reads)");

/* ---- object records ------------------------------------------------------------------- */

struct kmt_obj {
	unsigned long addr;          /* 0 = free record */
	u32 size, alloc_size;
	u32 page_epoch;              /* epoch of the first page's record when tracked */
	u32 next;                    /* hash chain / free list (index + 1) */
	const char *cache;           /* cache name (static for kmalloc, s->name otherwise) */
	bool freed, rcu_cache;
	u64 free_seq;                /* kmt_alloc_seq when it was freed */
	pid_t alloc_pid, free_pid;
	char alloc_comm[TASK_COMM_LEN], free_comm[TASK_COMM_LEN];
	u8 alloc_nr, free_nr;
	unsigned long alloc_stack[KMT_ORIGIN_DEPTH], free_stack[KMT_ORIGIN_DEPTH];
};

static struct kmt_obj *kmt_objs;
static u32 *kmt_obj_hash, kmt_obj_hash_size, kmt_nobjs, kmt_obj_free_head;
static DEFINE_RAW_SPINLOCK(kmt_obj_lock);
/* Counts frees, so that a report can tell whether its object was freed before or after the access. */
static atomic64_t kmt_alloc_seq = ATOMIC64_INIT(0);

u64 kmt_alloc_now(void)
{
	return atomic64_read(&kmt_alloc_seq);
}
static atomic_long_t kmt_objs_live, kmt_objs_tracked_total, kmt_objs_skipped_unsplit,
	kmt_objs_skipped_full, kmt_objs_skipped_nopage, kmt_pages_released;

static const struct kmt_shadow_map kmt_alloc_map = { .lookup = kmt_pages_shadow_lookup };

static u32 kmt_obj_slot(unsigned long addr)
{
	return hash_long(addr, 32) & (kmt_obj_hash_size - 1);
}

/* Under kmt_obj_lock. */
static struct kmt_obj *kmt_obj_find(unsigned long addr, u32 **link)
{
	u32 *l = &kmt_obj_hash[kmt_obj_slot(addr)];

	while (*l) {
		struct kmt_obj *o = &kmt_objs[*l - 1];

		if (o->addr == addr) {
			if (link)
				*link = l;
			return o;
		}
		l = &o->next;
	}
	return NULL;
}

/* Under kmt_obj_lock. */
static void kmt_obj_remove(struct kmt_obj *o, u32 *link)
{
	*link = o->next;
	o->addr = 0;
	o->next = kmt_obj_free_head;
	kmt_obj_free_head = (o - kmt_objs) + 1;
	atomic_long_dec(&kmt_objs_live);
}

/*
 * The pool is full: free the records of objects whose page went back to the page allocator (a
 * record is otherwise only dropped when its address is allocated again). At most once per 1024
 * full-pool allocations, so that a pool full of live objects does not cost a scan each time.
 * Under kmt_obj_lock.
 */
static void kmt_obj_reclaim(void)
{
	static unsigned int calls;
	u32 i;

	if (calls++ % 1024)
		return;
	for (i = 0; i < kmt_nobjs; i++) {
		struct kmt_obj *o = &kmt_objs[i];
		struct kmt_page *p;
		u32 *link;

		if (!o->addr)
			continue;
		p = kmt_page_find(o->addr);
		if (p && p->epoch == o->page_epoch)
			continue;
		if (kmt_obj_find(o->addr, &link) == o)
			kmt_obj_remove(o, link);
	}
}

static const char *const kmt_kmalloc_names[] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128", "kmalloc-256",
	"kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
};

static const char *kmt_kmalloc_cache_name(size_t bytes_alloc)
{
	unsigned int i;

	if (bytes_alloc == 96)
		return "kmalloc-96";
	if (bytes_alloc == 192)
		return "kmalloc-192";
	for (i = 0; i < ARRAY_SIZE(kmt_kmalloc_names); i++)
		if (bytes_alloc == (8u << i))
			return kmt_kmalloc_names[i];
	return "kmalloc-large";
}

static bool kmt_selected(const struct kmt_selection *sel, unsigned long call_site, const char *cache)
{
	unsigned int i;

	if (!sel)
		return false;
	for (i = 0; i < ARRAY_SIZE(kmt_never_track); i++)
		if (!strcmp(cache, kmt_never_track[i]))
			return false;
	if (kmt_module_core_contains(THIS_MODULE, call_site))
		return false; /* never our own allocations */
	if (sel->all)
		return true;
	for (i = 0; i < sel->ncaches; i++)
		if (!strcmp(cache, sel->caches[i]))
			return true;
	if (sel->nmodules && kmt_module_address) {
		struct module *mod = kmt_module_address(call_site);

		if (mod)
			for (i = 0; i < sel->nmodules; i++)
				if (!strcmp(mod->name, sel->modules[i]))
					return true;
	}
	return false;
}

/* Common allocation hook. Tracepoint context: preemption off, any context but NMI. */
static void kmt_on_alloc(unsigned long call_site, const void *ptr, size_t req, size_t alloc,
			 gfp_t gfp, const char *cache, bool ctor, bool rcu_cache)
{
	unsigned long a = (unsigned long)ptr, page, flags;
	const struct kmt_selection *sel;
	struct kmt_obj *o;
	u32 *link;
	bool selected;

	if (ZERO_OR_NULL_PTR(ptr) || !alloc)
		return;
	sel = rcu_dereference_sched(kmt_sel);
	/*
	 * Only while armed: writes to an object allocated while its page is visible (kmemtrap
	 * disarmed, or still loading) are not seen, so tracking it would report them as
	 * uninitialized later.
	 */
	selected = READ_ONCE(kmt_pages_armed) && kmt_selected(sel, call_site, cache);

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	o = kmt_obj_find(a, &link);
	if (o)
		kmt_obj_remove(o, link); /* the address was reused */
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);

	if (!selected) {
		/* An untracked object on a tracked page (e.g. reusing a freed tracked one). */
		kmt_shadow_set(&kmt_alloc_map, a, alloc, KMT_SHADOW_INIT);
		return;
	}

	for (page = a & PAGE_MASK; page < a + alloc; page += PAGE_SIZE) {
		struct kmt_page *p = kmt_page_get_atomic(page);

		if (IS_ERR(p)) {
			atomic_long_inc(PTR_ERR(p) == -EAGAIN ? &kmt_objs_skipped_unsplit :
					PTR_ERR(p) == -ENOSPC ? &kmt_objs_skipped_full :
					&kmt_objs_skipped_nopage);
			/* Keep what was tracked consistent: those bytes count as initialized. */
			kmt_shadow_set(&kmt_alloc_map, a, alloc, KMT_SHADOW_INIT);
			return;
		}
		if (test_and_set_bit(KMT_PAGE_ALLOC_OWNED, &p->flags))
			kmt_page_put(p); /* the allocator hooks hold one reference per page */
	}
	kmt_shadow_set(&kmt_alloc_map, a, req,
		       (gfp & __GFP_ZERO) || ctor || want_init_on_alloc(gfp) ?
		       KMT_SHADOW_INIT : KMT_SHADOW_UNINIT);
	if (alloc > req)
		kmt_shadow_set(&kmt_alloc_map, a + req, alloc - req,
			       ctor ? KMT_SHADOW_INIT : KMT_SHADOW_UNALLOCATED);

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	if (!kmt_obj_free_head)
		kmt_obj_reclaim();
	if (kmt_obj_free_head) {
		struct kmt_page *p = kmt_page_find(a);
		u32 idx = kmt_obj_free_head - 1, slot = kmt_obj_slot(a);

		o = &kmt_objs[idx];
		kmt_obj_free_head = o->next;
		o->addr = a;
		o->size = req;
		o->alloc_size = alloc;
		o->page_epoch = p ? p->epoch : 0;
		o->cache = cache;
		o->freed = false;
		o->rcu_cache = rcu_cache;
		o->alloc_pid = task_pid_nr(current);
		memcpy(o->alloc_comm, current->comm, TASK_COMM_LEN);
		o->alloc_nr = stack_trace_save(o->alloc_stack, KMT_ORIGIN_DEPTH, 3);
		o->free_nr = 0;
		o->next = kmt_obj_hash[slot];
		kmt_obj_hash[slot] = idx + 1;
		atomic_long_inc(&kmt_objs_live);
		atomic_long_inc(&kmt_objs_tracked_total);
	} else {
		atomic_long_inc(&kmt_objs_skipped_full);
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
}

static void kmt_on_free(unsigned long call_site, const void *ptr)
{
	unsigned long a = (unsigned long)ptr, flags;
	struct kmt_obj *o;
	u32 alloc = 0;
	bool rcu = false;

	if (ZERO_OR_NULL_PTR(ptr))
		return;
	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	o = kmt_obj_find(a, NULL);
	if (o && !o->freed) {
		o->freed = true;
		o->free_seq = atomic64_inc_return(&kmt_alloc_seq);
		alloc = o->alloc_size;
		rcu = o->rcu_cache;
		o->free_pid = task_pid_nr(current);
		memcpy(o->free_comm, current->comm, TASK_COMM_LEN);
		o->free_nr = stack_trace_save(o->free_stack, KMT_ORIGIN_DEPTH, 3);
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	if (alloc && !rcu)
		kmt_shadow_set(&kmt_alloc_map, a, alloc, KMT_SHADOW_FREED);
}

static void notrace kmt_tp_kmalloc(void *data, unsigned long call_site, const void *ptr,
				   size_t bytes_req, size_t bytes_alloc, gfp_t gfp, int node)
{
	kmt_on_alloc(call_site, ptr, bytes_req, bytes_alloc, gfp, kmt_kmalloc_cache_name(bytes_alloc),
		     false, false);
}

static void notrace kmt_tp_kmem_cache_alloc(void *data, unsigned long call_site, const void *ptr,
					    struct kmem_cache *s, gfp_t gfp, int node)
{
#ifdef KMT_HAVE_KMEM_CACHE_LAYOUT
	kmt_on_alloc(call_site, ptr, s->object_size, s->object_size, gfp, s->name, s->ctor != NULL,
		     s->flags & SLAB_TYPESAFE_BY_RCU);
#endif
}

static void notrace kmt_tp_kfree(void *data, unsigned long call_site, const void *ptr)
{
	kmt_on_free(call_site, ptr);
}

static void notrace kmt_tp_kmem_cache_free(void *data, unsigned long call_site, const void *ptr,
					   const struct kmem_cache *s)
{
	kmt_on_free(call_site, ptr);
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
			kmt_shadow_set(&kmt_alloc_map, addr + i * PAGE_SIZE, PAGE_SIZE, KMT_SHADOW_INIT);
			kmt_page_put(p);
			atomic_long_inc(&kmt_pages_released);
		}
	}
}

/* ---- tracepoints ---------------------------------------------------------------------- */

static const struct {
	const char *name;
	void *probe;
} kmt_alloc_tps[] = {
	{ "kmalloc", kmt_tp_kmalloc },
	{ "kmem_cache_alloc", kmt_tp_kmem_cache_alloc },
	{ "kfree", kmt_tp_kfree },
	{ "kmem_cache_free", kmt_tp_kmem_cache_free },
	{ "mm_page_free", kmt_tp_mm_page_free },
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
 * Splits the whole direct map to 4 KiB pages (once), so that the allocator hooks can hide any
 * object's page from atomic context. Costs one page-table page per 2 MiB of RAM.
 */
static int kmt_split_direct_map(void)
{
	static bool done;
	unsigned long start = PAGE_OFFSET, end = (unsigned long)high_memory, a;
	unsigned long failed = 0;
	typedef int (*set_memory_4k_t)(unsigned long addr, int numpages);
	set_memory_4k_t split = (set_memory_4k_t)kmt_lookup_symbol("set_memory_4k");

	if (done)
		return 0;
	if (!split) {
		pr_err("set_memory_4k not found: cannot track allocations\n");
		return -ENOENT;
	}
	for (a = start; a < end; a += PMD_SIZE) {
		if (split(a, min_t(unsigned long, PMD_SIZE, end - a) >> PAGE_SHIFT))
			failed++;
		cond_resched();
	}
	done = true;
	pr_info("split the direct map [%px, %px) to 4 KiB pages (%lu 2 MiB chunks failed)\n",
		(void *)start, (void *)end, failed);
	return 0;
}

bool kmt_alloc_active(void)
{
	return kmt_track_all || kmt_track_modules[0] || kmt_track_caches[0];
}

int kmt_alloc_init(unsigned int max_objects)
{
	unsigned int i;
	int ret;

	kmt_module_address = (kmt_module_address_t)kmt_lookup_symbol("__module_address");
	if (!kmt_module_address && kmt_track_modules[0]) {
		pr_err("__module_address not found: track_modules cannot work on this kernel\n");
		return -ENOENT;
	}
#ifndef KMT_HAVE_KMEM_CACHE_LAYOUT
	pr_warn("kmem_cache objects are not tracked on this kernel (struct kmem_cache is private)\n");
#endif
	kmt_nobjs = max_objects;
	kmt_obj_hash_size = roundup_pow_of_two(max_objects);
	kmt_objs = __vmalloc(array_size(max_objects, sizeof(*kmt_objs)), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	kmt_obj_hash = __vmalloc(array_size(kmt_obj_hash_size, sizeof(u32)), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!kmt_objs || !kmt_obj_hash) {
		pr_err("cannot allocate %u object records (max_objects)\n", max_objects);
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < max_objects; i++)
		kmt_objs[i].next = i + 2 <= max_objects ? i + 2 : 0;
	kmt_obj_free_head = 1;

	kmt_alloc_ready = true;
	ret = kmt_selection_update();
	if (ret)
		goto fail;

	for_each_kernel_tracepoint(kmt_find_alloc_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(kmt_alloc_tps); i++) {
		if (!kmt_alloc_tp[i]) {
			pr_err("tracepoint %s not found: cannot track allocations\n", kmt_alloc_tps[i].name);
			ret = -ENOENT;
			goto fail;
		}
		ret = tracepoint_probe_register(kmt_alloc_tp[i], kmt_alloc_tps[i].probe, NULL);
		if (ret) {
			pr_err("cannot attach to tracepoint %s (%d)\n", kmt_alloc_tps[i].name, ret);
			goto fail;
		}
		kmt_alloc_tp_on[i] = true;
	}
	return 0;
fail:
	kmt_alloc_exit();
	return ret;
}

void kmt_alloc_exit(void)
{
	struct kmt_selection *old;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmt_alloc_tps); i++) {
		if (kmt_alloc_tp_on[i])
			tracepoint_probe_unregister(kmt_alloc_tp[i], kmt_alloc_tps[i].probe, NULL);
		kmt_alloc_tp_on[i] = false;
	}
	tracepoint_synchronize_unregister();
	kmt_alloc_ready = false;
	mutex_lock(&kmt_sel_mutex);
	old = rcu_dereference_protected(kmt_sel, lockdep_is_held(&kmt_sel_mutex));
	RCU_INIT_POINTER(kmt_sel, NULL);
	mutex_unlock(&kmt_sel_mutex);
	synchronize_rcu();
	kfree(old);
	{
		struct kmt_obj *objs;
		u32 *hash;
		unsigned long flags;

		raw_spin_lock_irqsave(&kmt_obj_lock, flags);
		objs = kmt_objs;
		hash = kmt_obj_hash;
		kmt_objs = NULL;
		kmt_obj_hash = NULL;
		raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
		vfree(objs);
		vfree(hash);
	}
}

bool kmt_alloc_describe(u64 addr, struct kmt_alloc_info *info)
{
	unsigned long flags;
	bool found = false;
	u32 i;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	for (i = 0; kmt_objs && i < kmt_nobjs && !found; i++) {
		struct kmt_obj *o = &kmt_objs[i];
		struct kmt_page *p;

		if (!o->addr || addr < o->addr || addr >= o->addr + o->alloc_size)
			continue;
		p = kmt_page_find(o->addr);
		if (!p || p->epoch != o->page_epoch)
			continue; /* a stale record: its page went back to the page allocator */
		info->start = o->addr;
		info->size = o->size;
		info->alloc_size = o->alloc_size;
		strscpy(info->cache, o->cache ? o->cache : "?", sizeof(info->cache));
		info->freed = o->freed;
		info->free_seq = o->free_seq;
		info->alloc_pid = o->alloc_pid;
		info->free_pid = o->free_pid;
		memcpy(info->alloc_comm, o->alloc_comm, sizeof(info->alloc_comm));
		memcpy(info->free_comm, o->free_comm, sizeof(info->free_comm));
		info->alloc_nr = o->alloc_nr;
		info->free_nr = o->free_nr;
		memcpy(info->alloc_stack, o->alloc_stack, sizeof(info->alloc_stack));
		memcpy(info->free_stack, o->free_stack, sizeof(info->free_stack));
		found = true;
	}
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
	return found;
}

unsigned long kmt_alloc_tracked_objects(void)
{
	return atomic_long_read(&kmt_objs_live);
}

void kmt_alloc_stats(struct seq_file *m)
{
	seq_printf(m, "objects_live %ld\n", atomic_long_read(&kmt_objs_live));
	seq_printf(m, "objects_tracked_total %ld\n", atomic_long_read(&kmt_objs_tracked_total));
	seq_printf(m, "objects_skipped_unsplit %ld\n", atomic_long_read(&kmt_objs_skipped_unsplit));
	seq_printf(m, "objects_skipped_full %ld\n", atomic_long_read(&kmt_objs_skipped_full));
	seq_printf(m, "objects_skipped_other %ld\n", atomic_long_read(&kmt_objs_skipped_nopage));
	seq_printf(m, "slab_pages_released %ld\n", atomic_long_read(&kmt_pages_released));
}

bool kmt_alloc_owns(unsigned long addr)
{
	unsigned long objs = (unsigned long)kmt_objs, hash = (unsigned long)kmt_obj_hash;

	return (objs && addr >= objs && addr < objs + (unsigned long)kmt_nobjs * sizeof(*kmt_objs)) ||
	       (hash && addr >= hash && addr < hash + (unsigned long)kmt_obj_hash_size * sizeof(u32));
}

/*
 * Called when kmemtrap is armed again after being disarmed: while the pages were visible, writes
 * to tracked objects were not seen, so their shadow is stale. Forget every allocator-tracked
 * object (its bytes count as initialized); objects allocated from now on are tracked afresh.
 * Ranges tracked through the annotation API keep their states. Process context.
 */
void kmt_alloc_forget(void)
{
	unsigned long flags;
	u32 i;

	raw_spin_lock_irqsave(&kmt_obj_lock, flags);
	for (i = 0; kmt_objs && i < kmt_nobjs; i++) {
		struct kmt_obj *o = &kmt_objs[i];

		if (o->addr && o->page_epoch)
			kmt_shadow_set(&kmt_alloc_map, o->addr, o->alloc_size, KMT_SHADOW_INIT);
		o->addr = 0;
		o->next = i + 2 <= kmt_nobjs ? i + 2 : 0;
	}
	if (kmt_obj_hash)
		memset(kmt_obj_hash, 0, kmt_obj_hash_size * sizeof(u32));
	kmt_obj_free_head = kmt_nobjs ? 1 : 0;
	atomic_long_set(&kmt_objs_live, 0);
	raw_spin_unlock_irqrestore(&kmt_obj_lock, flags);
}
