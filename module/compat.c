// SPDX-License-Identifier: GPL-2.0
/*
 * compat.c - the version-dependent wrappers of compat.h that need code.
 *
 * struct kmem_cache. kmemtrap reads four fields of the cache an object comes from: its name,
 * object size, constructor and flags (SLAB_TYPESAFE_BY_RCU). 6.1 declares the structure in
 * <linux/slub_def.h>; from 6.2 on it is private to mm/slab.h, which no headers package ships. So
 * the offsets are taken from the header where there is one and from Debian's 6.12 configuration
 * otherwise (pahole of the 6.12.117 vmlinux: flags +8, object_size +28, ctor +72, name +96), and
 * on every kernel they are checked at load against two caches of our own whose fields we know:
 * if any field reads wrong, kmem_cache objects are not tracked (kmalloc objects still are) and
 * the load says why.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0) && defined(CONFIG_SLUB)
/*
 * 6.1: slub_def.h's inline helpers nearest_obj() and obj_to_index() need struct slab and
 * slab_address() from mm/slab.h, which the headers package does not ship; they are never called,
 * so minimal stand-ins let the header compile.
 */
struct slab {
	unsigned int objects;
};

static inline void *slab_address(const struct slab *slab)
{
	return NULL;
}
#include <linux/slub_def.h>
#define KMT_CACHE_OFF_FLAGS offsetof(struct kmem_cache, flags)
#define KMT_CACHE_OFF_OBJECT_SIZE offsetof(struct kmem_cache, object_size)
#define KMT_CACHE_OFF_CTOR offsetof(struct kmem_cache, ctor)
#define KMT_CACHE_OFF_NAME offsetof(struct kmem_cache, name)
#else
/* 6.2 and later (SLUB), as built by Debian's 6.12 configuration; checked at load. */
#define KMT_CACHE_OFF_FLAGS 8
#define KMT_CACHE_OFF_OBJECT_SIZE 28
#define KMT_CACHE_OFF_CTOR 72
#define KMT_CACHE_OFF_NAME 96
#endif

#include "compat.h"
#include "kmt.h"

static bool kmt_cache_layout_ok;

/* Test hook: shift every offset by this many bytes, so that the check fails (params scenario). */
static int kmt_cache_layout_skew;
module_param_named(debug_cache_layout_skew, kmt_cache_layout_skew, int, 0444);
MODULE_PARM_DESC(debug_cache_layout_skew, "Testing only: misread struct kmem_cache by this many bytes");

static size_t kmt_off(size_t off)
{
	return off + kmt_cache_layout_skew;
}

bool kmt_kmem_cache_fields(const struct kmem_cache *s, struct kmt_cache_fields *f)
{
	const char *base = (const char *)s;

	if (!READ_ONCE(kmt_cache_layout_ok) || !s)
		return false;
	f->name = *(const char *const *)(base + kmt_off(KMT_CACHE_OFF_NAME));
	f->object_size = *(const unsigned int *)(base + kmt_off(KMT_CACHE_OFF_OBJECT_SIZE));
	f->has_ctor = *(void *const *)(base + kmt_off(KMT_CACHE_OFF_CTOR)) != NULL;
	f->typesafe_by_rcu = (*(const slab_flags_t *)(base + kmt_off(KMT_CACHE_OFF_FLAGS)) &
			      SLAB_TYPESAFE_BY_RCU) != 0;
	return true;
}

bool kmt_kmem_cache_tracked(void)
{
	return READ_ONCE(kmt_cache_layout_ok);
}

static void kmt_probe_ctor_a(void *p)
{
	memset(p, 0x11, 8);
}

static void kmt_probe_ctor_b(void *p)
{
	memset(p, 0x22, 8);
}

/*
 * Reads @s's four fields as the hooks will, never faulting (a wrong offset may hold anything),
 * and compares them with what the cache was created with. Returns NULL or what was wrong.
 */
static const char *kmt_probe_check(const struct kmem_cache *s, const char *name, unsigned int size,
				   void (*ctor)(void *), bool rcu)
{
	const char *base = (const char *)s;
	const char *name_ptr;
	char buf[32];
	unsigned int object_size;
	void *ctor_ptr;
	slab_flags_t flags;

	if (copy_from_kernel_nofault(&name_ptr, base + kmt_off(KMT_CACHE_OFF_NAME), sizeof(name_ptr)) ||
	    copy_from_kernel_nofault(&object_size, base + kmt_off(KMT_CACHE_OFF_OBJECT_SIZE),
				     sizeof(object_size)) ||
	    copy_from_kernel_nofault(&ctor_ptr, base + kmt_off(KMT_CACHE_OFF_CTOR), sizeof(ctor_ptr)) ||
	    copy_from_kernel_nofault(&flags, base + kmt_off(KMT_CACHE_OFF_FLAGS), sizeof(flags)))
		return "a field is outside the structure";
	if (copy_from_kernel_nofault(buf, name_ptr, sizeof(buf)) || strnlen(buf, sizeof(buf)) == sizeof(buf) ||
	    strcmp(buf, name))
		return "name";
	if (object_size != size || object_size != kmem_cache_size((struct kmem_cache *)s))
		return "object_size";
	if (ctor_ptr != (void *)ctor)
		return "ctor";
	if (!!(flags & SLAB_TYPESAFE_BY_RCU) != rcu)
		return "flags (SLAB_TYPESAFE_BY_RCU)";
	return NULL;
}

int kmt_kmem_cache_layout_init(void)
{
	/* Constructors make both unmergeable: kmem_cache_create() returns them, not an alias. */
	struct kmem_cache *a = kmem_cache_create("kmt_probe_a", 136, 0, SLAB_TYPESAFE_BY_RCU, kmt_probe_ctor_a);
	struct kmem_cache *b = kmem_cache_create("kmt_probe_b", 200, 0, 0, kmt_probe_ctor_b);
	const char *bad = NULL;

	kmt_cache_layout_ok = false;
	if (!a || !b) {
		kmem_cache_destroy(a);
		kmem_cache_destroy(b);
		return -ENOMEM;
	}
	bad = kmt_probe_check(a, "kmt_probe_a", 136, kmt_probe_ctor_a, true);
	if (!bad)
		bad = kmt_probe_check(b, "kmt_probe_b", 200, kmt_probe_ctor_b, false);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	if (bad) {
		pr_err("struct kmem_cache does not have the layout kmemtrap expects on this kernel (%s read wrong): kmem_cache objects are not tracked, kmalloc objects are\n",
		       bad);
		return 0;
	}
	kmt_cache_layout_ok = true;
	pr_info("struct kmem_cache layout checked: kmem_cache objects are tracked\n");
	return 0;
}
