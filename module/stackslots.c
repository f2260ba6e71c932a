// SPDX-License-Identifier: GPL-2.0
/*
 * stackslots.c - one table of stack slots (kmt_slots.h) per CPU: uninitialized bits a window
 * stored to the current task's stack (a spill, a struct copied to a local). A reload of them in
 * the window re-taints, and a window goes on while they are live (up to a budget), so that a
 * copy_to_user() of the local is seen by the window: its copy of those bytes to user memory is an
 * infoleak, reported at the copy and named after the caller (the stack-struct leak that kmemcheck
 * could not see). Only the window's engine touches a table (trap context, interrupts off).
 */
#include <linux/percpu.h>

#include "kmt.h"
#include "stackslots.h"

static struct kmt_stack_slots __percpu *kmt_slot_tables;

struct kmt_stack_slots *kmt_stackslots_this_cpu(void)
{
	struct kmt_stack_slots __percpu *t = READ_ONCE(kmt_slot_tables);

	return t ? this_cpu_ptr(t) : NULL;
}

int kmt_stackslots_init(void)
{
	kmt_slot_tables = alloc_percpu(struct kmt_stack_slots);
	if (!kmt_slot_tables) {
		pr_err("cannot allocate the per-CPU stack slot tables\n");
		return -ENOMEM;
	}
	return 0;
}

void kmt_stackslots_exit(void)
{
	free_percpu(kmt_slot_tables);
	kmt_slot_tables = NULL;
}
