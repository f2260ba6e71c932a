// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - kmemtrap module entry: parameters, load-time checks, arming, debugfs, unload.
 *
 * Load order: validate parameters and the machine (CPUs, FRED), self-check the C++ core, find
 * the unexported symbols and the #PF hook, set up pages, reports and traps (the traps calibrate
 * the hook), then arm. Every step is undone in reverse on failure and at unload, which first
 * shows every page again.
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
#include "kmt_alloc.h"
#include "kmt_pages.h"
#include "kmt_report.h"
#include "kmt_traps.h"

bool kmt_api_open;

/* ---- parameters ------------------------------------------------------------------------ */

static enum kmt_rep_mode kmt_rep_mode = KMT_REP_MODE_BATCH;

static int kmt_parse_rep_mode(const char *val, enum kmt_rep_mode *mode)
{
	if (sysfs_streq(val, "step"))
		*mode = KMT_REP_MODE_STEP;
	else if (sysfs_streq(val, "batch"))
		*mode = KMT_REP_MODE_BATCH;
	else
		return -EINVAL;
	return 0;
}

static const char *kmt_rep_mode_name(enum kmt_rep_mode mode)
{
	return mode == KMT_REP_MODE_STEP ? "step" : "batch";
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
	return sysfs_emit(buf, "%s\n", kmt_rep_mode_name(kmt_rep_mode));
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

/* ---- debugfs ------------------------------------------------------------------------- */

static unsigned int kmt_max_objects = 16384;
module_param_cb(max_objects, &kmt_pool_size_ops, &kmt_max_objects, 0444);
MODULE_PARM_DESC(max_objects, "Most tracked heap objects with allocation origins (1..1048576, default 16384)");

static struct dentry *kmt_debugfs;
static bool kmt_enabled;

static int kmt_counters_show(struct seq_file *m, void *v)
{
	struct kmt_engine_counters c;
	int k;

	kmt_traps_counters(&c);
	seq_printf(m, "faults_handled %llu\n", c.faults_handled);
	seq_printf(m, "faults_passed_on %llu\n", c.faults_not_ours);
	seq_printf(m, "single_steps %llu\n", c.single_steps);
	seq_printf(m, "rep_elements %llu\n", c.rep_elements);
	seq_printf(m, "batch_runs %llu\n", c.batch_runs);
	seq_printf(m, "nested_faults %llu\n", c.nested_faults);
	seq_printf(m, "errors_recorded %llu\n", c.errors_recorded);
	seq_printf(m, "internal_errors %ld\n", atomic_long_read(&kmt_internal_errors));
	seq_printf(m, "reports_suppressed_allocator %ld\n", atomic_long_read(&kmt_reports_suppressed));
	seq_printf(m, "pages_tracked %d\n", atomic_read(&kmt_pages_tracked));
	seq_printf(m, "pages_hidden %d\n", kmt_pages_hidden_count());
	seq_printf(m, "reports %ld\n", atomic_long_read(&kmt_reports_printed));
	seq_printf(m, "reports_repeated %ld\n", atomic_long_read(&kmt_reports_repeated));
	seq_printf(m, "reports_dropped %ld\n", atomic_long_read(&kmt_reports_dropped));
	seq_printf(m, "reports_over_limit %ld\n", atomic_long_read(&kmt_reports_over_limit));
	for (k = 0; k < KMT_REPORT_KINDS; k++)
		seq_printf(m, "errors_kind%d %ld\n", k, atomic_long_read(&kmt_reports_by_kind[k]));
	kmt_alloc_stats(m);
	seq_printf(m, "shadow_bytes %d\n", atomic_read(&kmt_pages_tracked) * KMT_SHADOW_BLOCK_BYTES);
	seq_printf(m, "rep_mode %s\n", kmt_rep_mode_name(kmt_rep_mode));
	seq_printf(m, "enabled %d\n", kmt_enabled);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kmt_counters);

static int kmt_reports_show(struct seq_file *m, void *v)
{
	kmt_report_flush();
	kmt_report_summary(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kmt_reports);

static ssize_t kmt_enabled_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	bool on;
	int ret = kstrtobool_from_user(ubuf, len, &on);

	if (ret)
		return ret;
	if (on && !kmt_enabled)
		kmt_alloc_forget();
	kmt_enabled = on;
	kmt_pages_set_armed(on);
	return len;
}

static ssize_t kmt_enabled_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	char buf[3] = { kmt_enabled ? '1' : '0', '\n', 0 };

	return simple_read_from_buffer(ubuf, len, off, buf, 2);
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
	kmt_traps_set_rep_mode(mode);
	return len;
}

static ssize_t kmt_rep_mode_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	const char *s = kmt_rep_mode == KMT_REP_MODE_STEP ? "step\n" : "batch\n";

	return simple_read_from_buffer(ubuf, len, off, s, strlen(s));
}

static const struct file_operations kmt_rep_mode_fops = {
	.owner = THIS_MODULE,
	.read = kmt_rep_mode_read,
	.write = kmt_rep_mode_write,
	.llseek = default_llseek,
};

static void kmt_debugfs_init(void)
{
	kmt_debugfs = debugfs_create_dir("kmemtrap", NULL);
	debugfs_create_file("counters", 0444, kmt_debugfs, NULL, &kmt_counters_fops);
	debugfs_create_file("reports", 0444, kmt_debugfs, NULL, &kmt_reports_fops);
	debugfs_create_file("enabled", 0644, kmt_debugfs, NULL, &kmt_enabled_fops);
	debugfs_create_file("rep_mode", 0644, kmt_debugfs, NULL, &kmt_rep_mode_fops);
}

void kmt_disarm_oneshot(void)
{
	if (!kmt_enabled)
		return;
	kmt_enabled = false;
	kmt_pages_set_armed(false);
	pr_info("oneshot: disarmed after the first report (echo 1 > /sys/kernel/debug/kmemtrap/enabled to re-arm)\n");
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
		pr_err("%u CPUs are online: while a page is shown for one step another CPU can touch it unseen, and re-hiding flushes only the local TLB; boot with one CPU or load with allow_smp=1\n",
		       num_online_cpus());
		return -EOPNOTSUPP;
	}
	if (num_online_cpus() > 1)
		pr_warn("allow_smp=1 with %u CPUs online: accesses by other CPUs while a page is shown, or through stale TLB entries, are missed\n",
			num_online_cpus());
	if (want_init_on_alloc(GFP_KERNEL))
		pr_warn("WARN: init_on_alloc is on: every heap allocation is zeroed, so uninitialized reads of heap memory cannot be seen; boot with init_on_alloc=0\n");
	return 0;
}

static int __init kmt_init(void)
{
	struct kmt_hook_point hook;
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
	ret = kmt_find_fault_hook(&hook);
	if (ret)
		goto err_core;
	ret = kmt_pages_init(kmt_max_pages);
	if (ret)
		goto err_core;
	ret = kmt_report_init();
	if (ret)
		goto err_pages;
	ret = kmt_traps_init(hook.name, kmt_rep_mode);
	if (ret)
		goto err_report;
	ret = kmt_alloc_init(kmt_max_objects);
	if (ret)
		goto err_traps;

	kmt_enabled = true;
	kmt_pages_set_armed(true);
	WRITE_ONCE(kmt_api_open, true);
	kmt_debugfs_init();
	pr_info("kmemtrap " KMT_VERSION " on kernel %s; #PF hook: kprobe on %s at %px; rep_mode=%s max_pages=%u\n",
		utsname()->release, hook.name, (void *)hook.addr, kmt_rep_mode_name(kmt_rep_mode),
		kmt_max_pages);
	return 0;

err_traps:
	kmt_traps_exit();
err_report:
	kmt_report_exit();
err_pages:
	kmt_pages_exit();
err_core:
	kmt_core_glue_exit();
	return ret;
}

static void __exit kmt_exit(void)
{
	struct kmt_engine_counters c;
	int restored;
	int hidden;

	WRITE_ONCE(kmt_api_open, false);
	debugfs_remove_recursive(kmt_debugfs);
	kmt_pages_set_armed(false);  /* every page shown, no new tracked objects from here on */
	kmt_traps_counters(&c);
	kmt_traps_exit();            /* waits for steps in flight, then unhooks */
	kmt_report_exit();           /* prints what is queued while allocation origins are known */
	kmt_alloc_exit();
	hidden = kmt_pages_hidden_count();
	restored = atomic_read(&kmt_pages_tracked);
	kmt_core_glue_exit();
	kmt_pages_release_all();
	pr_info("unloaded: %llu faults handled, %llu single steps, %llu REP elements, %ld reports (%ld repeats, %ld dropped), %d pages restored, %d pages still tracked, %d hidden\n",
		c.faults_handled, c.single_steps, c.rep_elements,
		atomic_long_read(&kmt_reports_printed), atomic_long_read(&kmt_reports_repeated),
		atomic_long_read(&kmt_reports_dropped), restored, atomic_read(&kmt_pages_tracked),
		hidden);
	kmt_pages_exit();
}

module_init(kmt_init);
module_exit(kmt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap: finds reads of uninitialized, freed and unallocated heap memory");
MODULE_VERSION(KMT_VERSION);
