// SPDX-License-Identifier: GPL-2.0
/*
 * symbols.c - the one place where kmemtrap finds kernel symbols that are not exported.
 *
 * kallsyms_lookup_name() has not been exported since Linux 5.7. Registering a kprobe on it makes
 * the kprobe core resolve its address for us (kprobes may look up any symbol); we then call it
 * directly. This works on the kernels kmemtrap targets (5.10-6.12, CONFIG_KPROBES=y and
 * CONFIG_KALLSYMS=y, which every distribution kernel has). Every look-up fails with a message
 * naming the symbol, so an unsupported kernel gets a refusal, not a crash.
 */
#include <linux/kprobes.h>
#include <linux/module.h>

#include "kmt.h"

typedef unsigned long (*kmt_kallsyms_lookup_name_t)(const char *name);
static kmt_kallsyms_lookup_name_t kmt_kallsyms_lookup_name;

int kmt_symbols_init(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret;

	if (kmt_kallsyms_lookup_name)
		return 0;
	ret = register_kprobe(&kp);
	if (ret < 0) {
		pr_err("cannot resolve kallsyms_lookup_name through a kprobe (error %d); this kernel is not supported (needs CONFIG_KPROBES and CONFIG_KALLSYMS)\n",
		       ret);
		return ret;
	}
	kmt_kallsyms_lookup_name = (kmt_kallsyms_lookup_name_t)kp.addr;
	unregister_kprobe(&kp);
	return 0;
}

/* Returns the address of @name, or 0 (with a message) if this kernel does not have it. */
unsigned long kmt_lookup_symbol(const char *name)
{
	unsigned long addr;

	if (WARN_ON_ONCE(!kmt_kallsyms_lookup_name))
		return 0;
	addr = kmt_kallsyms_lookup_name(name);
	if (!addr)
		pr_debug("symbol %s not found\n", name);
	return addr;
}

/*
 * The #PF hook: the last function of the kernel's not-present fault path for kernel addresses
 * (arch/x86/mm/fault.c), called as kernelmode_fixup_or_oops(regs, error_code, address, ...).
 * GCC may clone it with a .constprop suffix; both spellings are tried, plain name first.
 */
static const char *const kmt_fault_hook_names[] = {
	"kernelmode_fixup_or_oops",
	"kernelmode_fixup_or_oops.constprop.0",
};

int kmt_find_fault_hook(struct kmt_hook_point *hook)
{
	size_t i, found = 0;

	hook->name = NULL;
	hook->addr = 0;
	for (i = 0; i < ARRAY_SIZE(kmt_fault_hook_names); i++) {
		unsigned long addr = kmt_lookup_symbol(kmt_fault_hook_names[i]);

		if (addr && !found++) {
			hook->name = kmt_fault_hook_names[i];
			hook->addr = addr;
		}
	}
	if (found == 1)
		return 0;
	if (found > 1) {
		/* Faults through the copy we did not probe would oops instead of being handled. */
		pr_err("this kernel has both kernelmode_fixup_or_oops and a clone of it: kmemtrap can hook only one; refusing\n");
		return -EOPNOTSUPP;
	}
	pr_err("no page-fault hook point in this kernel (looked for kernelmode_fixup_or_oops and its .constprop.0 clone)\n");
	return -ENOENT;
}
