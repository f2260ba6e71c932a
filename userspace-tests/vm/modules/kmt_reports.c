// SPDX-License-Identifier: GPL-2.0
/*
 * kmt_reports.ko - cases for kmemtrap's report path, with plain kmalloc (load kmemtrap with
 * track_modules=kmt_reports first). Write a case name to /sys/kernel/debug/kmt_reports/run; it
 * prints "kmt_reports: <case>: done" or "kmt_reports: <case>: data WRONG: ...".
 *
 *   reuse  an uninitialized read of an object that is then freed, and whose memory is allocated
 *          again by another function, all before the report can be printed (preemption off):
 *          the report must still name the first object's allocation, not the second's.
 *   burst_round  100 distinct report sites hit once each with preemption off: more first hits at
 *          once than a report ring holds. The scenario runs 5 rounds and lets the queue be printed
 *          (a read of kmemtrap's reports file) between them; the object is kept across rounds.
 *   rearm_alloc, rearm_write, rearm_read  an object written while kmemtrap is disarmed and read
 *          after it is re-armed (see below).
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static struct dentry *reports_dir;
static volatile u64 reports_sink;

/* ---- reuse ------------------------------------------------------------------------------ */

/* Not tail calls (barrier_data), so that each appears in its allocation stack. */
static noinline u64 *kmt_reports_alloc_first(void)
{
	u64 *p = kmalloc(64, GFP_ATOMIC);

	barrier_data(p);
	return p;
}

static noinline u64 *kmt_reports_alloc_second(void)
{
	u64 *p = kmalloc(56, GFP_ATOMIC); /* kmalloc-64 too; a body of its own: never folded */

	barrier_data(p);
	return p;
}

static noinline u64 kmt_reports_reuse_read(const u64 *p)
{
	if (READ_ONCE(p[3]) & 1) /* a use of the uninitialized word */
		reports_sink++;
	return 2;
}

static int reports_reuse(char *why)
{
	u64 *p, *q;
	int ret = 0;

	preempt_disable(); /* the report cannot be printed before the memory is reused */
	p = kmt_reports_alloc_first();
	if (!p) {
		preempt_enable();
		return sprintf(why, "no memory");
	}
	p[0] = 1;
	reports_sink = kmt_reports_reuse_read(p); /* uninit-read: queued, not printed yet */
	kfree(p);
	q = kmt_reports_alloc_second();           /* the same slot again (SLUB: LIFO; isolate=1: one slot) */
	if (q)
		memset(q, 0x5a, 64);
	preempt_enable();
	if (q != p)
		ret = sprintf(why, "the freed object was not reused (%px, then %px)", p, q);
	kfree(q);
	return ret;
}

/* ---- burst ------------------------------------------------------------------------------ */

#define KMT_SITE(n)                                                                   \
	static noinline u64 kmt_reports_site_##n(const u64 *p)                        \
	{                                                                             \
		if (READ_ONCE(p[(n) % 8]) & (1ull << ((n) % 64))) /* a use; distinct */ \
			reports_sink++;                                               \
		return 0;                                                             \
	}
#define KMT_SITES10(t) KMT_SITE(t##0) KMT_SITE(t##1) KMT_SITE(t##2) KMT_SITE(t##3)            \
	KMT_SITE(t##4) KMT_SITE(t##5) KMT_SITE(t##6) KMT_SITE(t##7) KMT_SITE(t##8) KMT_SITE(t##9)
KMT_SITE(0) KMT_SITE(1) KMT_SITE(2) KMT_SITE(3) KMT_SITE(4)
KMT_SITE(5) KMT_SITE(6) KMT_SITE(7) KMT_SITE(8) KMT_SITE(9)
KMT_SITES10(1) KMT_SITES10(2) KMT_SITES10(3) KMT_SITES10(4) KMT_SITES10(5)
KMT_SITES10(6) KMT_SITES10(7) KMT_SITES10(8) KMT_SITES10(9)

#define KMT_SITE_FN(n) kmt_reports_site_##n,
#define KMT_SITE_FNS10(t) KMT_SITE_FN(t##0) KMT_SITE_FN(t##1) KMT_SITE_FN(t##2)              \
	KMT_SITE_FN(t##3) KMT_SITE_FN(t##4) KMT_SITE_FN(t##5) KMT_SITE_FN(t##6)              \
	KMT_SITE_FN(t##7) KMT_SITE_FN(t##8) KMT_SITE_FN(t##9)
static u64 (*const reports_sites[])(const u64 *p) = {
	KMT_SITE_FN(0) KMT_SITE_FN(1) KMT_SITE_FN(2) KMT_SITE_FN(3) KMT_SITE_FN(4)
	KMT_SITE_FN(5) KMT_SITE_FN(6) KMT_SITE_FN(7) KMT_SITE_FN(8) KMT_SITE_FN(9)
	KMT_SITE_FNS10(1) KMT_SITE_FNS10(2) KMT_SITE_FNS10(3) KMT_SITE_FNS10(4)
	KMT_SITE_FNS10(5) KMT_SITE_FNS10(6) KMT_SITE_FNS10(7) KMT_SITE_FNS10(8)
	KMT_SITE_FNS10(9)
};

static u64 *reports_burst_obj; /* never written: every read is uninitialized; freed at unload */

static int reports_burst_round(char *why)
{
	int i;

	if (!reports_burst_obj)
		reports_burst_obj = kmalloc(64, GFP_KERNEL);
	if (!reports_burst_obj)
		return sprintf(why, "no memory");
	preempt_disable(); /* every site of the round at once: nothing is printed meanwhile */
	for (i = 0; i < ARRAY_SIZE(reports_sites); i++)
		reports_sink += reports_sites[i](reports_burst_obj);
	preempt_enable();
	return 0;
}

/* ---- rearm ------------------------------------------------------------------------------ */

/*
 * Three steps, with kmemtrap disarmed and re-armed by the scenario in between: rearm_alloc
 * allocates KMT_REARM_FILL objects that stay live (with max_objects as small, they take every
 * object record) and then the object X; rearm_write fills X while kmemtrap is disarmed (the write
 * is not seen); rearm_read reads X after re-arming. Re-arming forgets every tracked object, so
 * the read must not be reported, whether or not X got a record.
 */
#define KMT_REARM_FILL 4
static u64 *rearm_fill[KMT_REARM_FILL], *rearm_x;

static noinline u64 kmt_reports_rearm_read(const u64 *p)
{
	return READ_ONCE(p[5]);
}

static void rearm_free(void)
{
	int i;

	for (i = 0; i < KMT_REARM_FILL; i++) {
		kfree(rearm_fill[i]);
		rearm_fill[i] = NULL;
	}
	kfree(rearm_x);
	rearm_x = NULL;
}

static int reports_rearm_alloc(char *why)
{
	int i;

	rearm_free();
	for (i = 0; i < KMT_REARM_FILL; i++) {
		rearm_fill[i] = kmalloc(128, GFP_KERNEL);
		if (rearm_fill[i])
			memset(rearm_fill[i], 0, 128);
	}
	rearm_x = kmalloc(64, GFP_KERNEL);
	return rearm_x ? 0 : sprintf(why, "no memory");
}

static int reports_rearm_write(char *why)
{
	if (!rearm_x)
		return sprintf(why, "rearm_alloc first");
	memset(rearm_x, 0x77, 64);
	return 0;
}

static int reports_rearm_read(char *why)
{
	u64 v;

	if (!rearm_x)
		return sprintf(why, "rearm_alloc first");
	v = kmt_reports_rearm_read(rearm_x);
	rearm_free();
	return v == 0x7777777777777777ull ? 0 : sprintf(why, "read %llx", v);
}

/* ---- the run file ----------------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(char *why);
} reports_cases[] = {
	{ "reuse", reports_reuse },
	{ "burst_round", reports_burst_round },
	{ "rearm_alloc", reports_rearm_alloc },
	{ "rearm_write", reports_rearm_write },
	{ "rearm_read", reports_rearm_read },
};

static ssize_t reports_run_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char name[32], why[128] = "";
	size_t i;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = 0;
	strim(name);
	for (i = 0; i < ARRAY_SIZE(reports_cases); i++) {
		if (strcmp(name, reports_cases[i].name))
			continue;
		if (reports_cases[i].fn(why))
			pr_err("kmt_reports: %s: data WRONG: %s\n", name, why);
		else
			pr_info("kmt_reports: %s: done\n", name);
		return len;
	}
	return -EINVAL;
}

static const struct file_operations reports_run_fops = {
	.owner = THIS_MODULE,
	.write = reports_run_write,
};

static int __init reports_init(void)
{
	reports_dir = debugfs_create_dir("kmt_reports", NULL);
	debugfs_create_file("run", 0200, reports_dir, NULL, &reports_run_fops);
	return 0;
}

static void __exit reports_exit(void)
{
	rearm_free();
	debugfs_remove_recursive(reports_dir);
	kfree(reports_burst_obj);
}

module_init(reports_init);
module_exit(reports_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap test module: report-path cases");
