/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symbols.h - the one place for kernel functions kmemtrap needs that are not exported (symbols.c).
 *
 * Each is found once, at load, through kallsyms, and cached. Function pointers are typed with
 * typeof() of the kernel's own declaration, so a changed prototype breaks the build instead of
 * misbehaving at run time (lttng-modules' prototype canaries).
 */
#ifndef KMT_SYMBOLS_H
#define KMT_SYMBOLS_H

#include <linux/types.h>

struct module;
struct pt_regs;

/*
 * Resolves every symbol below. Returns 0, or -ENOENT with a message naming the first required
 * symbol this kernel lacks. Optional ones (stack_trace_save_regs, __module_address) only warn:
 * their callers degrade (no call trace; track_modules refused).
 */
int kmt_symbols_init(void);

/* Address of any kernel symbol, or 0. */
unsigned long kmt_lookup_symbol(const char *name);

/* [start, end) of the kernel function at @addr (its exact start); false if unknown. */
bool kmt_function_extent(unsigned long addr, unsigned long *start, unsigned long *end);

/* set_memory_4k(): splits the direct-map large page holding @addr. Process context only. */
int kmt_set_memory_4k(unsigned long addr, int numpages);

/* stack_trace_save_regs(), or 0 entries if this kernel lacks it. Trap-safe. */
unsigned int kmt_stack_trace_save_regs(struct pt_regs *regs, unsigned long *store,
				       unsigned int size, unsigned int skipnr);

/*
 * Whether @addr is in kmemtrap's own text (core or init): two range compares, where
 * within_module() looks at every memory type of the module (seven on 6.12).
 */
bool kmt_own_text(unsigned long addr);

/* __module_address() (preemption off), or NULL if this kernel lacks it. */
struct module *kmt_module_address(unsigned long addr);
bool kmt_have_module_address(void);

/* Whether a module named @name is loaded now (find_module(), under preemption off). */
bool kmt_module_loaded(const char *name);

/*
 * Calls @fn for every module that is loaded and not going away (COMING or LIVE), under the
 * kernel's module_mutex (so none is freed meanwhile; @fn may sleep). Returns -ENOENT if this
 * kernel's module list (modules, module_mutex) was not found, else 0.
 */
int kmt_for_each_module(void (*fn)(struct module *mod, void *arg), void *arg);

/*
 * The #PF hook point: the last function of the kernel's not-present fault path for kernel
 * addresses, kernelmode_fixup_or_oops(regs, error_code, address, ...), under the one name this
 * kernel has it (GCC may clone it as .constprop.0). Returns 0, -ENOENT (none) or -EOPNOTSUPP
 * (both: faults through the copy that is not probed would oops).
 */
int kmt_find_fault_hook(const char **name, unsigned long *addr);

#endif /* KMT_SYMBOLS_H */
