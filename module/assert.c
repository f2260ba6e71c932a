// SPDX-License-Identifier: GPL-2.0
/*
 * assert.c - the kernel side of the C++ core's assertion hook (kmt_base.h): the one core
 * function the glue provides, so it sits below everything else.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>

#include "kmt.h"
#include "assert.h"
#include "kmt_base.h"

/*
 * A broken core invariant. The core may call this from trap context, where printing is not
 * allowed: remember the first failure, count all of them, and warn later from an irq_work.
 */
static struct {
	const char *file, *expr;
	int line;
} kmt_assert_first;
static atomic_t kmt_assert_count = ATOMIC_INIT(0);

static void kmt_assert_report(struct irq_work *work)
{
	WARN_ONCE(1, "kmemtrap: core assertion failed: %s at %s:%d (%d failures)\n",
		  kmt_assert_first.expr, kmt_assert_first.file, kmt_assert_first.line,
		  atomic_read(&kmt_assert_count));
}
static DEFINE_IRQ_WORK(kmt_assert_work, kmt_assert_report);

void kmt_assert_failed(const char *file, int line, const char *expr)
{
	if (atomic_inc_return(&kmt_assert_count) == 1) {
		kmt_assert_first.file = file;
		kmt_assert_first.line = line;
		kmt_assert_first.expr = expr;
		irq_work_queue(&kmt_assert_work);
	}
}

void kmt_assert_exit(void)
{
	irq_work_sync(&kmt_assert_work);
}
