/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the kernels kmemtrap builds for, in one place.
 *
 * Supported (built and tested in CI): Debian 12's 6.1 (linux-image-6.1.0-N-amd64) and 6.12 LTS
 * (linux-image-6.12.N+deb12-amd64). In the manner of lttng-modules' include/wrapper/: one typed
 * wrapper per version-dependent kernel function or structure layout, selected by
 * LINUX_VERSION_CODE, each with a comment saying what changed and in which kernel. Callers use
 * the kmt_* wrapper, never the kernel interface directly, so a new kernel is ported here.
 *
 * Where a kernel interface that kmemtrap attaches to without the compiler's help (tracepoint
 * probes are registered through void pointers) could change its signature, a canary below makes
 * the build fail instead of the module misbehaving.
 */
#ifndef KMT_COMPAT_H
#define KMT_COMPAT_H

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/version.h>
#include <trace/events/kmem.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#warning "kmemtrap is built and tested for Linux 6.1 and 6.12 only: check module/compat.h for this kernel"
#endif

/*
 * Tracepoint prototype canaries. alloc.c attaches its probes with tracepoint_probe_register()
 * through void pointers, so the compiler cannot check them; here each expected probe type is
 * passed to the kernel's typed register_trace_<name>() in code that is never run (if (0): no
 * reference to the unexported __tracepoint_<name> remains). If a kernel changes a prototype, the
 * pointer types differ and the build fails (-Werror=incompatible-pointer-types).
 * The five prototypes are the same in 6.1 and 6.12 (include/trace/events/kmem.h).
 */
typedef void (*kmt_tp_kmalloc_t)(void *data, unsigned long call_site, const void *ptr,
				 size_t bytes_req, size_t bytes_alloc, gfp_t gfp, int node);
typedef void (*kmt_tp_kmem_cache_alloc_t)(void *data, unsigned long call_site, const void *ptr,
					  struct kmem_cache *s, gfp_t gfp, int node);
typedef void (*kmt_tp_kfree_t)(void *data, unsigned long call_site, const void *ptr);
typedef void (*kmt_tp_kmem_cache_free_t)(void *data, unsigned long call_site, const void *ptr,
					 const struct kmem_cache *s);
typedef void (*kmt_tp_mm_page_free_t)(void *data, struct page *page, unsigned int order);

/*
 * struct kmem_cache (public in 6.1, private from 6.2): the fields kmemtrap reads, through offsets
 * checked at load (compat.c). kmt_kmem_cache_layout_init() runs the check (process context);
 * kmt_kmem_cache_fields() returns false when it failed: the object is then not tracked.
 */
struct kmem_cache;
struct kmt_cache_fields {
	const char *name;
	unsigned int object_size;
	bool has_ctor;
	bool typesafe_by_rcu;
};
int kmt_kmem_cache_layout_init(void);
bool kmt_kmem_cache_tracked(void);
bool kmt_kmem_cache_fields(const struct kmem_cache *s, struct kmt_cache_fields *f);

/*
 * The bulk allocator (no per-object tracepoint; alloc.c redirects it): 6.10 renamed the allocation
 * entry point kmem_cache_alloc_bulk_noprof (memory allocation profiling); kmem_cache_free_bulk
 * (also behind kfree_bulk) kept its name. The arguments are the same in 6.1 and 6.12:
 * (struct kmem_cache *s, gfp_t flags, size_t size, void **p) -> int, and (s, size, p).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define KMT_ALLOC_BULK_SYMBOL "kmem_cache_alloc_bulk_noprof"
#else
#define KMT_ALLOC_BULK_SYMBOL "kmem_cache_alloc_bulk"
#endif
#define KMT_FREE_BULK_SYMBOL "kmem_cache_free_bulk"
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define kmt_alloc_bulk_call kmem_cache_alloc_bulk_noprof
#else
#define kmt_alloc_bulk_call kmem_cache_alloc_bulk
#endif

/*
 * A module's text, core or init (callsites.c rewrites calls in it): 6.4 replaced core_layout /
 * init_layout (text first, text_size bytes of it) with mem[MOD_TEXT] / mem[MOD_INIT_TEXT].
 */
static inline void kmt_module_text(const struct module *mod, bool init, unsigned long *start,
				   unsigned long *end)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	const struct module_memory *m = &mod->mem[init ? MOD_INIT_TEXT : MOD_TEXT];

	*start = (unsigned long)m->base;
	*end = *start + (m->base ? m->size : 0);
#else
	const struct module_layout *l = init ? &mod->init_layout : &mod->core_layout;

	*start = (unsigned long)l->base;
	*end = *start + (l->base ? l->text_size : 0);
#endif
}

static inline void __maybe_unused kmt_compat_tracepoint_canaries(void)
{
	if (0) {
		register_trace_kmalloc((kmt_tp_kmalloc_t)NULL, NULL);
		register_trace_kmem_cache_alloc((kmt_tp_kmem_cache_alloc_t)NULL, NULL);
		register_trace_kfree((kmt_tp_kfree_t)NULL, NULL);
		register_trace_kmem_cache_free((kmt_tp_kmem_cache_free_t)NULL, NULL);
		register_trace_mm_page_free((kmt_tp_mm_page_free_t)NULL, NULL);
	}
	/* The bulk functions' prototypes: alloc.c's wrappers take their place with the same ones. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	BUILD_BUG_ON(!__same_type(&kmem_cache_alloc_bulk_noprof,
				  int (*)(struct kmem_cache *, gfp_t, size_t, void **)));
#else
	BUILD_BUG_ON(!__same_type(&kmem_cache_alloc_bulk,
				  int (*)(struct kmem_cache *, gfp_t, size_t, void **)));
#endif
	BUILD_BUG_ON(!__same_type(&kmem_cache_free_bulk, void (*)(struct kmem_cache *, size_t, void **)));
}

#endif /* KMT_COMPAT_H */
