// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - kmemtrap module entry: parameters, load-time checks, banner.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/utsname.h>

#include "kmt.h"

static int __init kmt_init(void)
{
	struct kmt_hook_point hook;
	int ret;

	ret = kmt_core_selfcheck();
	if (ret)
		return ret;
	ret = kmt_symbols_init();
	if (ret)
		return ret;
	ret = kmt_find_fault_hook(&hook);
	if (ret)
		return ret;

	pr_info("kmemtrap " KMT_VERSION " on kernel %s; #PF hook: kprobe on %s at %px\n",
		utsname()->release, hook.name, (void *)hook.addr);
	return 0;
}

static void __exit kmt_exit(void)
{
	pr_info("unloaded\n");
}

module_init(kmt_init);
module_exit(kmt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap: finds reads of uninitialized, freed and unallocated heap memory");
MODULE_VERSION(KMT_VERSION);
