// SPDX-License-Identifier: GPL-2.0
/* A module whose init fails: the VM harness must turn that into a readable test failure. */
#include <linux/module.h>

static int __init kmt_broken_init(void)
{
	pr_err("kmt_broken: init fails on purpose\n");
	return -EIO;
}
module_init(kmt_broken_init);
MODULE_LICENSE("GPL");
