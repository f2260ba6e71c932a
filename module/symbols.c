// SPDX-License-Identifier: GPL-2.0
/*
 * symbols.c - the one place where kmemtrap finds kernel symbols that are not exported.
 *
 * kallsyms_lookup_name() has not been exported since Linux 5.7. Registering a kprobe on it makes
 * the kprobe core resolve its address for us (kprobes may look up any symbol); we then call it
 * directly. This needs CONFIG_KPROBES and CONFIG_KALLSYMS (Kbuild refuses a kernel without
 * them). Every look-up that fails says which symbol is missing, so an unsupported kernel gets a
 * refusal, not a crash.
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/set_memory.h>
#include <linux/stacktrace.h>

#include "kmt.h"
#include "compat.h"
#include "symbols.h"

typedef unsigned long (*kmt_kallsyms_lookup_name_t)(const char *name);
static kmt_kallsyms_lookup_name_t kmt_kallsyms_lookup_name;

static typeof(&set_memory_4k) kmt_set_memory_4k_fn;
static typeof(&kallsyms_lookup_size_offset) kmt_size_offset_fn;
static typeof(&__module_address) kmt_module_address_fn;
static typeof(&find_module) kmt_find_module_fn;
static struct list_head *kmt_modules_head;
static struct mutex *kmt_module_mutex;
#ifdef CONFIG_STACKTRACE
static typeof(&stack_trace_save_regs) kmt_stack_trace_save_regs_fn;
#endif

unsigned long kmt_lookup_symbol(const char *name)
{
	if (WARN_ON_ONCE(!kmt_kallsyms_lookup_name))
		return 0;
	return kmt_kallsyms_lookup_name(name);
}

/* Looks @name up into *@fn; a missing required symbol is an error with its name. */
#define kmt_resolve(fn, name, required)                                                      \
	({                                                                                     \
		*(unsigned long *)&(fn) = kmt_lookup_symbol(name);                           \
		if (!(fn))                                                                     \
			pr_warn("%s not found in this kernel%s\n", name,                       \
				(required) ? ": kmemtrap cannot work without it" : "");        \
		(fn) || !(required) ? 0 : -ENOENT;                                             \
	})

/*
 * The module list, for kmt_for_each_module(): its head and lock are data symbols. The head is
 * checked by walking our own module's ring to it (a symbol of the same name elsewhere would not
 * be on it).
 */
static void kmt_modules_init(void)
{
	struct list_head *head = (struct list_head *)kmt_lookup_symbol("modules"), *p;
	struct mutex *lock = (struct mutex *)kmt_lookup_symbol("module_mutex");
	unsigned int n = 0;

	if (!head || !lock)
		return;
	mutex_lock(lock);
	for (p = THIS_MODULE->list.next; p != head && p != &THIS_MODULE->list && n < 100000; p = p->next)
		n++;
	mutex_unlock(lock);
	if (p != head) {
		pr_warn("the module list found through kallsyms is not this module's: modules loaded before kmemtrap are not searched for call sites\n");
		return;
	}
	kmt_modules_head = head;
	kmt_module_mutex = lock;
}

int kmt_for_each_module(void (*fn)(struct module *mod, void *arg), void *arg)
{
	struct module *mod;

	if (!kmt_modules_head)
		return -ENOENT;
	mutex_lock(kmt_module_mutex);
	list_for_each_entry(mod, kmt_modules_head, list)
		if (mod->state == MODULE_STATE_COMING || mod->state == MODULE_STATE_LIVE)
			fn(mod, arg);
	mutex_unlock(kmt_module_mutex);
	return 0;
}

int kmt_symbols_init(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret;

	ret = register_kprobe(&kp);
	if (ret < 0) {
		pr_err("cannot resolve kallsyms_lookup_name through a kprobe (error %d); this kernel is not supported (needs CONFIG_KPROBES and CONFIG_KALLSYMS)\n",
		       ret);
		return ret;
	}
	kmt_kallsyms_lookup_name = (kmt_kallsyms_lookup_name_t)kp.addr;
	unregister_kprobe(&kp);

	ret = kmt_resolve(kmt_set_memory_4k_fn, "set_memory_4k", true);
	if (!ret)
		ret = kmt_resolve(kmt_size_offset_fn, "kallsyms_lookup_size_offset", true);
	if (ret)
		return ret;
	kmt_resolve(kmt_module_address_fn, "__module_address", false);
	kmt_resolve(kmt_find_module_fn, "find_module", false);
	kmt_modules_init();
#ifdef CONFIG_STACKTRACE
	kmt_resolve(kmt_stack_trace_save_regs_fn, "stack_trace_save_regs", false);
#endif
	return 0;
}

bool kmt_function_extent(unsigned long addr, unsigned long *start, unsigned long *end)
{
	unsigned long size = 0, off = 0;

	if (!addr || !kmt_size_offset_fn(addr, &size, &off))
		return false;
	*start = addr - off;
	*end = addr - off + size;
	return true;
}

int kmt_set_memory_4k(unsigned long addr, int numpages)
{
	return kmt_set_memory_4k_fn(addr, numpages);
}

bool kmt_own_text(unsigned long addr)
{
	unsigned long start, end;

	if (addr < MODULES_VADDR || addr >= MODULES_END)
		return false;
	kmt_module_text(THIS_MODULE, false, &start, &end);
	if (addr - start < end - start)
		return true;
	kmt_module_text(THIS_MODULE, true, &start, &end);
	return addr - start < end - start;
}

unsigned int kmt_stack_trace_save_regs(struct pt_regs *regs, unsigned long *store,
				       unsigned int size, unsigned int skipnr)
{
#ifdef CONFIG_STACKTRACE
	if (kmt_stack_trace_save_regs_fn)
		return kmt_stack_trace_save_regs_fn(regs, store, size, skipnr);
#endif
	return 0;
}

struct module *kmt_module_address(unsigned long addr)
{
	/*
	 * x86-64 puts every module's memory in [MODULES_VADDR, MODULES_END): any other address (the
	 * core kernel's code: most allocation sites) without the module tree's walk.
	 */
	if (addr < MODULES_VADDR || addr >= MODULES_END)
		return NULL;
	return kmt_module_address_fn ? kmt_module_address_fn(addr) : NULL;
}

bool kmt_have_module_address(void)
{
	return kmt_module_address_fn != NULL;
}

bool kmt_module_loaded(const char *name)
{
	bool loaded;

	if (!kmt_find_module_fn)
		return true; /* cannot tell: say nothing */
	preempt_disable();
	loaded = kmt_find_module_fn(name) != NULL;
	preempt_enable();
	return loaded;
}

/* GCC may clone the hook with a .constprop suffix; both spellings are tried, plain name first. */
static const char *const kmt_fault_hook_names[] = {
	"kernelmode_fixup_or_oops",
	"kernelmode_fixup_or_oops.constprop.0",
};

int kmt_find_fault_hook(const char **name, unsigned long *addr)
{
	size_t i, found = 0;

	*name = NULL;
	*addr = 0;
	for (i = 0; i < ARRAY_SIZE(kmt_fault_hook_names); i++) {
		unsigned long a = kmt_lookup_symbol(kmt_fault_hook_names[i]);

		if (a && !found++) {
			*name = kmt_fault_hook_names[i];
			*addr = a;
		}
	}
	if (found == 1)
		return 0;
	if (found > 1) {
		pr_err("this kernel has both kernelmode_fixup_or_oops and a clone of it: kmemtrap can hook only one; refusing\n");
		return -EOPNOTSUPP;
	}
	pr_err("no page-fault hook point in this kernel (looked for kernelmode_fixup_or_oops and its .constprop.0 clone)\n");
	return -ENOENT;
}
