// SPDX-License-Identifier: GPL-2.0
/*
 * api.c - the exported annotation API (include/kmemtrap/kmemtrap.h).
 */
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/mm.h>

#include <kmemtrap/kmemtrap.h>

#include "kmt.h"
#include "alloc.h"
#include "api.h"
#include "pages.h"
#include "report.h"

/* The public states are the shadow's states: no mapping between them. */
static_assert(KMEMTRAP_UNALLOCATED == (int)KMT_SHADOW_UNALLOCATED);
static_assert(KMEMTRAP_UNINITIALIZED == (int)KMT_SHADOW_UNINIT);
static_assert(KMEMTRAP_INITIALIZED == (int)KMT_SHADOW_INIT);
static_assert(KMEMTRAP_FREED == (int)KMT_SHADOW_FREED);

static bool kmt_api_open;

void kmt_api_set_open(bool open)
{
	WRITE_ONCE(kmt_api_open, open);
}

/* A non-empty range that does not wrap around. */
static bool kmt_range_valid(const void *addr, size_t len)
{
	unsigned long a = (unsigned long)addr;

	return len && a + len > a;
}

int kmemtrap_track(const void *addr, size_t len, enum kmemtrap_state state)
{
	unsigned long a = (unsigned long)addr, page, end;
	struct kmt_page *p;
	int ret;

	if (!READ_ONCE(kmt_api_open))
		return -ENODEV;
	if (!kmt_range_valid(addr, len) || (unsigned int)state > KMEMTRAP_FREED)
		return -EINVAL;
	/* A tracked range's page may hold objects: their allocations and frees must be seen. */
	ret = kmt_alloc_attach("a range tracked through the API");
	if (ret)
		return ret;
	end = a + len;
	for (page = a & PAGE_MASK; page < end; page += PAGE_SIZE) {
		p = kmt_page_get(page);
		if (IS_ERR(p)) {
			unsigned long undo;

			for (undo = a & PAGE_MASK; undo < page; undo += PAGE_SIZE)
				kmt_page_put(kmt_page_find(undo));
			return PTR_ERR(p);
		}
		/* What the caller watches stays watched: never quiet with freed or unallocated bytes. */
		set_bit(KMT_PAGE_WATCH_ALWAYS, &p->flags);
	}
	kmt_shadow_set(&kmt_shadow, a, len, (enum kmt_shadow_state)state);
	return 0;
}
EXPORT_SYMBOL_GPL(kmemtrap_track);

void kmemtrap_untrack(const void *addr, size_t len)
{
	unsigned long a = (unsigned long)addr, page, end = a + len;

	if (!kmt_range_valid(addr, len))
		return;
	kmt_shadow_set(&kmt_shadow, a, len, KMT_SHADOW_INIT);
	for (page = a & PAGE_MASK; page < end; page += PAGE_SIZE) {
		struct kmt_page *p = kmt_page_find(page);

		if (p)
			kmt_page_put(p);
	}
}
EXPORT_SYMBOL_GPL(kmemtrap_untrack);

void kmemtrap_set_state(const void *addr, size_t len, enum kmemtrap_state state)
{
	if (!kmt_range_valid(addr, len) || (unsigned int)state > KMEMTRAP_FREED)
		return;
	kmt_shadow_set(&kmt_shadow, (unsigned long)addr, len, (enum kmt_shadow_state)state);
}
EXPORT_SYMBOL_GPL(kmemtrap_set_state);

void kmemtrap_mark_initialized(const void *addr, size_t len)
{
	kmemtrap_set_state(addr, len, KMEMTRAP_INITIALIZED);
}
EXPORT_SYMBOL_GPL(kmemtrap_mark_initialized);

enum kmemtrap_state kmemtrap_get_state(const void *addr)
{
	enum kmt_shadow_state s = kmt_shadow_get(&kmt_shadow, (unsigned long)addr);

	return s == KMT_SHADOW_UNTRACKED ? KMEMTRAP_INITIALIZED : (enum kmemtrap_state)s;
}
EXPORT_SYMBOL_GPL(kmemtrap_get_state);

int kmemtrap_check(const void *addr, size_t len, size_t *bad)
{
	unsigned long a = (unsigned long)addr;
	struct kmt_error e = {};
	enum kmt_shadow_state state;
	uint64_t bad_addr;

	if (!kmt_range_valid(addr, len) || !kmt_shadow_check(&kmt_shadow, a, len, &bad_addr, &state))
		return 0;
	if (bad)
		*bad = bad_addr - a;
	e.kind = kmt_error_kind_for_state(state);
	e.bad_state = state;
	e.size = len;
	e.addr = a;
	e.bad_addr = bad_addr;
	e.rip = (unsigned long)__builtin_return_address(0);
	kmt_report_error(&e, NULL);
	return -EFAULT;
}
EXPORT_SYMBOL_GPL(kmemtrap_check);
