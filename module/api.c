// SPDX-License-Identifier: GPL-2.0
/*
 * api.c - the exported annotation API (include/kmemtrap/kmemtrap.h).
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <kmemtrap/kmemtrap.h>

#include "kmt.h"
#include "kmt_alloc.h"
#include "kmt_pages.h"
#include "kmt_report.h"

static const struct kmt_shadow_map kmt_map = { .lookup = kmt_pages_shadow_lookup };

static bool kmt_range_ok(const void *addr, size_t len)
{
	unsigned long a = (unsigned long)addr;

	return len && a + len > a && READ_ONCE(kmt_api_open);
}

int kmemtrap_track(const void *addr, size_t len, enum kmemtrap_state state)
{
	unsigned long a = (unsigned long)addr, page, end;
	struct kmt_page *p;

	if (!kmt_range_ok(addr, len) || (unsigned int)state > KMEMTRAP_FREED)
		return READ_ONCE(kmt_api_open) ? -EINVAL : -ENODEV;
	end = a + len;
	for (page = a & PAGE_MASK; page < end; page += PAGE_SIZE) {
		p = kmt_page_get(page);
		if (IS_ERR(p)) {
			unsigned long undo;

			for (undo = a & PAGE_MASK; undo < page; undo += PAGE_SIZE)
				kmt_page_put(kmt_page_find(undo));
			return PTR_ERR(p);
		}
	}
	kmt_shadow_set(&kmt_map, a, len, (enum kmt_shadow_state)state);
	return 0;
}
EXPORT_SYMBOL_GPL(kmemtrap_track);

void kmemtrap_untrack(const void *addr, size_t len)
{
	unsigned long a = (unsigned long)addr, page, end = a + len;

	if (!len || end < a)
		return;
	kmt_shadow_set(&kmt_map, a, len, KMT_SHADOW_INIT);
	for (page = a & PAGE_MASK; page < end; page += PAGE_SIZE) {
		struct kmt_page *p = kmt_page_find(page);

		if (p)
			kmt_page_put(p);
	}
}
EXPORT_SYMBOL_GPL(kmemtrap_untrack);

void kmemtrap_set_state(const void *addr, size_t len, enum kmemtrap_state state)
{
	if (!len || (unsigned long)addr + len < (unsigned long)addr || (unsigned int)state > KMEMTRAP_FREED)
		return;
	kmt_shadow_set(&kmt_map, (unsigned long)addr, len, (enum kmt_shadow_state)state);
}
EXPORT_SYMBOL_GPL(kmemtrap_set_state);

void kmemtrap_mark_initialized(const void *addr, size_t len)
{
	kmemtrap_set_state(addr, len, KMEMTRAP_INITIALIZED);
}
EXPORT_SYMBOL_GPL(kmemtrap_mark_initialized);

enum kmemtrap_state kmemtrap_get_state(const void *addr)
{
	enum kmt_shadow_state s = kmt_shadow_get(&kmt_map, (unsigned long)addr);

	return s == KMT_SHADOW_UNTRACKED ? KMEMTRAP_INITIALIZED : (enum kmemtrap_state)s;
}
EXPORT_SYMBOL_GPL(kmemtrap_get_state);

int kmemtrap_check(const void *addr, size_t len, size_t *bad)
{
	struct kmt_report_rec rec = {};
	enum kmt_shadow_state state;
	uint64_t bad_addr;
	unsigned long a = (unsigned long)addr;

	if (!len || a + len < a || !kmt_shadow_check(&kmt_map, a, len, &bad_addr, &state))
		return 0;
	if (bad)
		*bad = bad_addr - a;
	rec.kind = state == KMT_SHADOW_FREED ? KMT_REPORT_FREED_READ :
		   state == KMT_SHADOW_UNALLOCATED ? KMT_REPORT_UNALLOCATED_READ :
		   KMT_REPORT_UNINIT_READ;
	rec.bad_state = state;
	rec.size = len;
	rec.addr = a;
	rec.bad_addr = bad_addr;
	rec.ip = (unsigned long)__builtin_return_address(0);
	rec.cpu = raw_smp_processor_id();
	rec.pid = task_pid_nr(current);
	get_task_comm(rec.comm, current);
	rec.seq = kmt_alloc_now();
	rec.snapshot_start = kmt_shadow_snapshot(&kmt_map, bad_addr, rec.snapshot);
	preempt_disable(); /* the report ring is this CPU's */
	kmt_report_queue(&rec, NULL);
	preempt_enable();
	return -EFAULT;
}
EXPORT_SYMBOL_GPL(kmemtrap_check);
