/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktext.h - kernel functions kmemtrap must recognise by address (ktext.c): the slab and page
 * allocators, and the copy-to-user routines with their wrappers.
 *
 * The names differ between kernels (6.12 renamed most allocator entry points to *_noprof) and
 * GCC may clone a function (.part.0, .constprop.0, .isra.0): every row lists the kernels it is
 * expected on, all clones are resolved at load, and each expected name that is missing is
 * named once in dmesg. Look-ups are trap-safe (a scan of a small sorted table, no locks).
 */
#ifndef KMT_KTEXT_H
#define KMT_KTEXT_H

#include <linux/types.h>

enum kmt_ktext_kind {
	/* Reads and writes free objects (freelists, bulk and RCU frees): never reported. */
	KMT_KTEXT_ALLOCATOR,
	/* Copies kernel memory to user space through registers: a bad read there is an infoleak. */
	KMT_KTEXT_COPY_USER,
	/* Calls a copy-to-user routine for its caller: skipped when naming who leaked. */
	KMT_KTEXT_COPY_WRAPPER,
	/* Between an allocator and kmemtrap's tracepoint probe: skipped in allocation stacks. */
	KMT_KTEXT_ALLOC_HOOK,
	/* Must never be single-stepped while following a value: the scheduler, ftrace. */
	KMT_KTEXT_UNSTEPPABLE,
	/* A copy routine: a fault inside runs the whole rest of it in the engine, as one copy. */
	KMT_KTEXT_COPY_ROUTINE,
	/*
	 * Reads NUL-terminated names a word at a time: the bytes after a word's first initialized zero
	 * byte are never used, so they count as initialized there (not reported if freed or
	 * unallocated).
	 */
	KMT_KTEXT_NUL_WORDS,
	KMT_KTEXT_KINDS,
};

/* Resolves every row (process context). Never fails: a missing name is only a warning. */
void kmt_ktext_init(void);

/* Whether @ip is in a function of @kind. Trap-safe. */
bool kmt_ktext_is(enum kmt_ktext_kind kind, unsigned long ip);

/*
 * Whether @ip is in the kernel's text or in a module: not in code made at run time (ftrace and
 * kprobe trampolines, BPF), which is never single-stepped. Trap-safe.
 */
bool kmt_ktext_is_code(unsigned long ip);

/* Whether @ip is in the core kernel's text (_stext.._etext), which is always mapped. */
bool kmt_ktext_in_core(unsigned long ip);

#endif /* KMT_KTEXT_H */
