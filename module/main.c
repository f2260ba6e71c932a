// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - kmemtrap module entry: parameters, load-time checks, debugfs, load and unload.
 *
 * Load order: validate parameters and the machine (CPUs, FRED), self-check the C++ core, find
 * the unexported symbols and the #PF hook, set up pages, object records, reports and hooks (the
 * hooks calibrate the #PF hook), the allocator hooks, then arm. Every step is undone in reverse
 * on failure and at unload, which first shows every page again.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/utsname.h>

#include "kmt.h"
#include "alias.h"
#include "alloc.h"
#include "api.h"
#include "arm.h"
#include "assert.h"
#include "selfcheck.h"
#include "stacks.h"
#include "counters.h"
#include "faultsites.h"
#include "hooks.h"
#include "ktext.h"
#include "stackslots.h"
#include "objects.h"
#include "pages.h"
#include "report.h"
#include "symbols.h"

/* ---- parameters ------------------------------------------------------------------------ */

static enum kmt_rep_mode kmt_rep_mode = KMT_REP_MODE_BATCH;

static const char *const kmt_rep_mode_names[] = {
	[KMT_REP_MODE_STEP] = "step",
	[KMT_REP_MODE_BATCH] = "batch",
};

static int kmt_parse_rep_mode(const char *val, enum kmt_rep_mode *mode)
{
	int i = sysfs_match_string(kmt_rep_mode_names, val);

	if (i < 0)
		return -EINVAL;
	*mode = i;
	return 0;
}

static int kmt_rep_mode_set(const char *val, const struct kernel_param *kp)
{
	enum kmt_rep_mode mode;

	if (kmt_parse_rep_mode(val, &mode)) {
		pr_err("invalid rep_mode '%s': use step or batch\n", val);
		return -EINVAL;
	}
	kmt_rep_mode = mode;
	return 0;
}

static int kmt_rep_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", kmt_rep_mode_names[kmt_rep_mode]);
}

static const struct kernel_param_ops kmt_rep_mode_ops = {
	.set = kmt_rep_mode_set,
	.get = kmt_rep_mode_get,
};
module_param_cb(rep_mode, &kmt_rep_mode_ops, NULL, 0444);
MODULE_PARM_DESC(rep_mode, "REP MOVS/STOS handling: step (one trap per element) or batch (default)");

static bool kmt_allow_smp;
module_param_named(allow_smp, kmt_allow_smp, bool, 0444);
MODULE_PARM_DESC(allow_smp, "Arm with more than one online CPU (accesses by other CPUs may be missed)");

/* Sizes of the fixed pools: 1..KMT_POOL_LIMIT, a message naming the parameter otherwise. */
#define KMT_POOL_LIMIT (1u << 20)

static int kmt_pool_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n < 1 || n > KMT_POOL_LIMIT) {
		pr_err("invalid %s '%s': must be 1..%u\n", kp->name, val, KMT_POOL_LIMIT);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops kmt_pool_size_ops = {
	.set = kmt_pool_size_set,
	.get = param_get_uint,
};

static unsigned int kmt_max_pages = 4096;
module_param_cb(max_pages, &kmt_pool_size_ops, &kmt_max_pages, 0444);
MODULE_PARM_DESC(max_pages, "Most 4 KiB pages tracked at once (1..1048576, default 4096; 1 KiB of shadow each)");

/*
 * Following uninitialized bits to their use (docs/design.md): the longest window, in
 * instructions single-stepped after a load of uninitialized bytes; 0 turns following off.
 */
#define KMT_FOLLOW_MAX 100000
static unsigned int kmt_follow_limit = 2000;

static int kmt_follow_limit_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > KMT_FOLLOW_MAX) {
		pr_err("invalid follow_limit '%s': must be 0..%u\n", val, KMT_FOLLOW_MAX);
		return -EINVAL;
	}
	kmt_follow_limit = n;
	return 0;
}

static const struct kernel_param_ops kmt_follow_limit_ops = {
	.set = kmt_follow_limit_set,
	.get = param_get_uint,
};
module_param_cb(follow_limit, &kmt_follow_limit_ops, &kmt_follow_limit, 0444);
MODULE_PARM_DESC(follow_limit, "Follow uninitialized bits through registers for at most this many instructions and report where they are used (default 2000; 0: report uninitialized reads at the load, as kmemcheck did)");

static bool kmt_emulate = true;
static int kmt_bool_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret)
		pr_err("invalid %s '%.*s': use 0 or 1\n", kp->name, (int)strcspn(val, "\n"), val);
	return ret;
}

static const struct kernel_param_ops kmt_bool_ops = { .set = kmt_bool_set, .get = param_get_bool };
module_param_cb(emulate, &kmt_bool_ops, &kmt_emulate, 0444);
MODULE_PARM_DESC(emulate, "Run plain accesses to tracked pages in the handler through an alias mapping instead of showing the page and single-stepping (default 1; 0: kmemcheck's way, every access stepped)");

static bool kmt_quiet_pages = true;
module_param_cb(quiet_pages, &kmt_bool_ops, &kmt_quiet_pages, 0444);
MODULE_PARM_DESC(quiet_pages, "Leave a tracked page visible while every byte of it is initialized, until an allocation, a free or uninitialized data lands on it (default 1; 0: every tracked page always hidden)");

static bool kmt_fault_sites_param;
module_param_cb(fault_sites, &kmt_bool_ops, &kmt_fault_sites_param, 0444);
MODULE_PARM_DESC(fault_sites, "Count the faults handled by the instruction that took them, for debugfs fault_sites (default 0)");

static unsigned int kmt_max_objects = 16384;
module_param_cb(max_objects, &kmt_pool_size_ops, &kmt_max_objects, 0444);
MODULE_PARM_DESC(max_objects, "Most tracked heap objects with allocation origins (1..1048576, default 16384)");

/* Call traces kept (allocation, free and access stacks, deduplicated): 144 bytes each. */
#define KMT_MAX_STACKS 32768

/* ---- debugfs --------------------------------------------------------------------------- */

static struct dentry *kmt_debugfs;

static void kmt_counters_now(u64 v[KMT_COUNTER_COUNT])
{
	struct kmt_engine_counters engine;

	kmt_hooks_engine_counters(&engine);
	kmt_counters_read(v, &engine);
}

static int kmt_counters_show(struct seq_file *m, void *unused)
{
	u64 v[KMT_COUNTER_COUNT];
	int i;

	kmt_counters_now(v);
	for (i = 0; i < KMT_COUNTER_COUNT; i++)
		seq_printf(m, "%s %llu\n", kmt_counter_names[i], v[i]);
	/* Gauges: what is the case now. */
	seq_printf(m, "objects_live %ld\n", kmt_objects_live());
	seq_printf(m, "pages_tracked %d\n", kmt_pages_tracked());
	seq_printf(m, "pages_hidden %d\n", kmt_pages_hidden());
	seq_printf(m, "shadow_bytes %d\n", kmt_pages_tracked() * KMT_SHADOW_BLOCK_BYTES);
	seq_printf(m, "tlb_shootdowns %ld\n", kmt_pages_shootdowns());
	seq_printf(m, "rep_mode %s\n", kmt_rep_mode_names[kmt_rep_mode]);
	seq_printf(m, "emulate %d\n", kmt_emulate);
	seq_printf(m, "enabled %d\n", kmt_pages_armed());
	seq_printf(m, "alloc_hooks %d\n", kmt_alloc_attached());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kmt_counters);

static int kmt_reports_show(struct seq_file *m, void *unused)
{
	kmt_report_flush();
	kmt_report_sites(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kmt_reports);
DEFINE_SHOW_ATTRIBUTE(kmt_fault_sites);

static ssize_t kmt_enabled_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	bool on;
	int ret = kstrtobool_from_user(ubuf, len, &on);

	if (ret)
		return ret;
	kmt_set_armed(on, NULL);
	return len;
}

static ssize_t kmt_enabled_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	char buf[2] = { kmt_pages_armed() ? '1' : '0', '\n' };

	return simple_read_from_buffer(ubuf, len, off, buf, sizeof(buf));
}

static const struct file_operations kmt_enabled_fops = {
	.owner = THIS_MODULE,
	.read = kmt_enabled_read,
	.write = kmt_enabled_write,
	.llseek = default_llseek,
};

static ssize_t kmt_rep_mode_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[16];
	enum kmt_rep_mode mode;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (kmt_parse_rep_mode(buf, &mode))
		return -EINVAL;
	kmt_rep_mode = mode;
	kmt_hooks_set_rep_mode(mode);
	return len;
}

static ssize_t kmt_rep_mode_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%s\n", kmt_rep_mode_names[kmt_rep_mode]);

	return simple_read_from_buffer(ubuf, len, off, buf, n);
}

static const struct file_operations kmt_rep_mode_fops = {
	.owner = THIS_MODULE,
	.read = kmt_rep_mode_read,
	.write = kmt_rep_mode_write,
	.llseek = default_llseek,
};

/* A boolean setting that can change while loaded: its parameter's variable and what applies it. */
struct kmt_bool_knob {
	bool *val;
	void (*apply)(bool on);
};
static const struct kmt_bool_knob kmt_emulate_knob = { &kmt_emulate, kmt_hooks_set_emulate };
static const struct kmt_bool_knob kmt_quiet_pages_knob = { &kmt_quiet_pages, kmt_pages_set_quiet };

static ssize_t kmt_bool_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	const struct kmt_bool_knob *k = f->private_data;
	bool on;
	int ret = kstrtobool_from_user(ubuf, len, &on);

	if (ret)
		return ret;
	*k->val = on;
	k->apply(on);
	return len;
}

static ssize_t kmt_bool_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	const struct kmt_bool_knob *k = f->private_data;

	return simple_read_from_buffer(ubuf, len, off, *k->val ? "1\n" : "0\n", 2);
}

static const struct file_operations kmt_bool_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = kmt_bool_read,
	.write = kmt_bool_write,
	.llseek = default_llseek,
};

static void kmt_debugfs_init(void)
{
	kmt_debugfs = debugfs_create_dir("kmemtrap", NULL);
	debugfs_create_file("counters", 0444, kmt_debugfs, NULL, &kmt_counters_fops);
	debugfs_create_file("reports", 0444, kmt_debugfs, NULL, &kmt_reports_fops);
	debugfs_create_file("fault_sites", 0444, kmt_debugfs, NULL, &kmt_fault_sites_fops);
	debugfs_create_file("enabled", 0644, kmt_debugfs, NULL, &kmt_enabled_fops);
	debugfs_create_file("rep_mode", 0644, kmt_debugfs, NULL, &kmt_rep_mode_fops);
	debugfs_create_file("emulate", 0644, kmt_debugfs, (void *)&kmt_emulate_knob, &kmt_bool_fops);
	debugfs_create_file("quiet_pages", 0644, kmt_debugfs, (void *)&kmt_quiet_pages_knob, &kmt_bool_fops);
}

/* ---- load and unload ------------------------------------------------------------------- */

static int kmt_check_machine(void)
{
#ifdef X86_FEATURE_FRED
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		pr_err("FRED is enabled: kmemtrap's #PF/#DB hooks assume IDT-based entry; refusing to load\n");
		return -EOPNOTSUPP;
	}
#endif
	if (num_online_cpus() > 1 && !kmt_allow_smp) {
		pr_err("%u CPUs are online: a page shown for a stepped instruction (one not emulated) is visible to every CPU while it runs, and other CPUs drop a hidden page's TLB entry only when they take the shootdown interrupt (docs/limits.md, SMP); boot with one CPU or load with allow_smp=1\n",
		       num_online_cpus());
		return -EOPNOTSUPP;
	}
	if (num_online_cpus() > 1)
		pr_warn("allow_smp=1 with %u CPUs online: other CPUs' accesses to a page shown for a stepped instruction, or through a TLB entry not yet shot down, are not checked%s\n",
			num_online_cpus(), kmt_emulate ? "" : " (emulate=0: every access is stepped)");
	if (want_init_on_alloc(GFP_KERNEL))
		pr_warn("WARN: init_on_alloc is on: every heap allocation is zeroed, so uninitialized reads of heap memory cannot be seen; boot with init_on_alloc=0\n");
	return 0;
}

static int __init kmt_init(void)
{
	const char *hook_name;
	unsigned long hook_addr;
	int ret;

	ret = kmt_check_machine();
	if (ret)
		return ret;
	ret = kmt_core_selfcheck();
	if (ret)
		goto err_core;
	ret = kmt_symbols_init();
	if (ret)
		goto err_core;
	ret = kmt_find_fault_hook(&hook_name, &hook_addr);
	if (ret)
		goto err_core;
	kmt_ktext_init();
	ret = kmt_pages_init(kmt_max_pages);
	kmt_pages_set_quiet(kmt_quiet_pages);
	if (ret)
		goto err_core;
	ret = kmt_stacks_init(KMT_MAX_STACKS);
	if (ret)
		goto err_pages;
	ret = kmt_objects_init(kmt_max_objects);
	if (ret)
		goto err_stacks;
	ret = kmt_report_init();
	if (ret)
		goto err_objects;
	ret = kmt_stackslots_init();
	if (ret)
		goto err_report;
	ret = kmt_alias_init();
	if (ret)
		goto err_stackslots;
	ret = kmt_fault_sites_init(kmt_fault_sites_param);
	if (ret)
		goto err_alias;
	ret = kmt_hooks_init(hook_name, kmt_rep_mode, kmt_follow_limit, kmt_emulate, kmt_allow_smp);
	if (ret)
		goto err_sites;
	ret = kmt_alloc_init();
	if (ret)
		goto err_hooks;

	kmt_set_armed(true, NULL);
	kmt_api_set_open(true);
	kmt_debugfs_init();
	pr_info("kmemtrap " KMT_VERSION " on kernel %s; #PF hook: kprobe on %s at %px; rep_mode=%s max_pages=%u follow_limit=%u\n",
		utsname()->release, hook_name, (void *)hook_addr, kmt_rep_mode_names[kmt_rep_mode],
		kmt_max_pages, kmt_follow_limit);
	return 0;

err_hooks:
	kmt_hooks_exit();
err_sites:
	kmt_fault_sites_exit();
err_alias:
	kmt_alias_exit();
err_stackslots:
	kmt_stackslots_exit();
err_report:
	kmt_report_exit(false);
err_objects:
	kmt_objects_exit();
err_stacks:
	kmt_stacks_exit();
err_pages:
	kmt_pages_exit();
err_core:
	kmt_assert_exit();
	return ret;
}

static void __exit kmt_exit(void)
{
	u64 v[KMT_COUNTER_COUNT];
	int tracked, left_hidden;
	long live;

	kmt_api_set_open(false);
	debugfs_remove_recursive(kmt_debugfs);
	kmt_set_armed(false, NULL);  /* every page shown, no new tracked objects from here on */
	kmt_hooks_exit();            /* waits for steps in flight, then unhooks */
	kmt_fault_sites_exit();
	kmt_alias_exit();
	kmt_stackslots_exit();
	kmt_alloc_exit();
	kmt_report_exit(true);       /* prints what is queued, and the summary */
	kmt_counters_now(v);
	/* Numbers that can show a fault: pages the disarm left unmapped, objects still live. */
	left_hidden = kmt_pages_not_present();
	tracked = kmt_pages_tracked();
	live = kmt_objects_live();
	kmt_objects_exit();
	kmt_stacks_exit();
	kmt_assert_exit();
	kmt_pages_release_all();
	pr_info("unloaded: %llu faults handled, %llu single steps, %llu REP elements, %llu reports (%llu repeats, %llu dropped), %llu internal errors, %ld objects live, %d pages restored, %d pages still tracked, %d hidden\n",
		v[KMT_CNT_FAULTS_HANDLED], v[KMT_CNT_SINGLE_STEPS], v[KMT_CNT_REP_ELEMENTS],
		v[KMT_CNT_REPORTS], v[KMT_CNT_REPORTS_REPEATED], v[KMT_CNT_REPORTS_DROPPED],
		v[KMT_CNT_INTERNAL_ERRORS], live, tracked, kmt_pages_tracked() + kmt_pages_not_present(),
		left_hidden);
	kmt_pages_exit();
}

module_init(kmt_init);
module_exit(kmt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap: finds reads of uninitialized, freed and unallocated heap memory");
MODULE_VERSION(KMT_VERSION);
