// SPDX-License-Identifier: GPL-2.0
/*
 * kmt_iso.ko - what moving tracked kmalloc objects to pages of their own (module/isolate.c) must
 * keep: the object's contents and size as the kernel's functions see them (ksize, krealloc,
 * kfree_rcu), a read past its end reported, an untracked neighbour of its birthplace not
 * trapping, and an object still live at kmemtrap's unload freed by the kernel afterwards.
 * No kmemtrap annotations: loaded after `insmod kmemtrap.ko track_modules=kmt_iso`.
 *
 * Write a case name to /sys/kernel/debug/kmt_iso/run; it prints "kmt_iso: <case>: done" or
 * "kmt_iso: <case>: WRONG: ...".
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static struct dentry *iso_dir;
static volatile u64 iso_sink;
static volatile u64 iso_used;
static u8 *iso_kept, *iso_owner;
static char *iso_nb;

#define ISO_CASE(name) static noinline int iso_##name(char *why)

/*
 * A read of word @w of a 64-byte object (8 words: 9 and up are past its end), used in a branch.
 * One function per case, each reading another word (identical ones would be merged), so that
 * each case's report has a site of its own.
 */
#define ISO_OOB_READER(name, w)                          \
	static noinline u64 name(const u64 *p)           \
	{                                                \
		if (READ_ONCE(p[w]) & 1)                 \
			iso_used++;                      \
		return 1;                                \
	}
ISO_OOB_READER(kmt_iso_oob_read, 9)
ISO_OOB_READER(kmt_iso_kmemdup_oob_read, 10)
ISO_OOB_READER(kmt_iso_init_oob_read, 11)
ISO_OOB_READER(kmt_iso_big_read, 100)

/*
 * A 12,000-byte kmalloc object (a run-time size: __kmalloc, not kmalloc_large), left
 * uninitialized and read in a branch. Too large for a pool slot, so never moved: tracked where
 * the allocator put it once kmemtrap's allocator hooks are attached, not at all before.
 */
static volatile size_t iso_big_size = 12000;
ISO_CASE(big)
{
	u64 *p = kmalloc(iso_big_size, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	iso_sink = kmt_iso_big_read(p);
	kfree(p);
	return 0;
}

ISO_CASE(oob_read)
{
	u64 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	memset(p, 0, 64);
	iso_sink = kmt_iso_oob_read(p);
	kfree(p);
	return 0;
}

/*
 * A read past a 64-byte object made by kmemdup(): the core kernel's kmemdup() allocates
 * it (kmalloc_track_caller), on behalf of this module.
 */
ISO_CASE(kmemdup_oob)
{
	static const u64 src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	u64 *p = kmemdup(src, sizeof(src), GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	if (p[7] != 8) {
		kfree(p);
		return sprintf(why, "kmemdup copied %llu as the last word, not 8", p[7]);
	}
	iso_sink = kmt_iso_kmemdup_oob_read(p);
	kfree(p);
	return 0;
}

/*
 * kvmalloc() of 64 bytes: the kernel's kvmalloc_node() ends (6.1) with a tail jump to
 * __kmalloc_node(), whose caller is then this module (isolate.sh checks nothing is tracked in place).
 */
ISO_CASE(kvmalloc)
{
	u64 *p = kvmalloc(64, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	memset(p, 1, 64);
	iso_sink = p[7];
	kvfree(p);
	return 0;
}

/* A 64-byte object allocated by this module's init function (init text), read past its end. */
static u64 *iso_init_obj;

ISO_CASE(init_oob)
{
	if (!iso_init_obj)
		return sprintf(why, "no object from init");
	iso_sink = kmt_iso_init_oob_read(iso_init_obj);
	kfree(iso_init_obj);
	iso_init_obj = NULL;
	return 0;
}

ISO_CASE(ksize_krealloc)
{
	size_t len = 50, i;
	u8 *p = kmalloc(len, GFP_KERNEL), *q;

	if (!p)
		return sprintf(why, "no memory");
	for (i = 0; i < len; i++)
		p[i] = i;
	if (ksize(p) != 64) {
		i = ksize(p);
		kfree(p);
		return sprintf(why, "ksize of a 50-byte kmalloc object is %zu, not 64", i);
	}
	q = krealloc(p, 60, GFP_KERNEL); /* fits: the same object */
	if (q != p) {
		kfree(q ? q : p);
		return sprintf(why, "krealloc to 60 bytes moved the object (ksize 64)");
	}
	for (i = len; i < 60; i++)
		q[i] = i;
	p = krealloc(q, 300, GFP_KERNEL); /* a new object, the 60 bytes copied */
	if (!p) {
		kfree(q);
		return sprintf(why, "no memory");
	}
	for (i = 0; i < 60; i++) {
		if (p[i] != i) {
			kfree(p);
			return sprintf(why, "byte %zu after krealloc is %u, not %zu", i, p[i], i);
		}
	}
	kfree(p);
	return 0;
}

/*
 * A double free: only with the object moved (kmemtrap says so and ignores it); the slab allocator
 * would stop the kernel.
 */
ISO_CASE(double_free)
{
	void *volatile p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	kfree(p);
	kfree(p);
	return 0;
}

/*
 * More objects than the pool has slots, freed and allocated again: slots go through quarantine
 * and back many times (each a large kmalloc allocation the kernel frees with kfree()). The
 * contents of every live object are checked.
 */
#define ISO_CHURN_LIVE 16
ISO_CASE(churn)
{
	u64 *live[ISO_CHURN_LIVE] = {};
	int i, j, ret = 0;

	for (i = 0; i < 2000 && !ret; i++) {
		j = i % ISO_CHURN_LIVE;
		if (live[j]) {
			if (live[j][0] != (u64)(i - ISO_CHURN_LIVE) || live[j][7] != ~(u64)(i - ISO_CHURN_LIVE))
				ret = sprintf(why, "object %d changed while live", i - ISO_CHURN_LIVE);
			kfree(live[j]);
		}
		live[j] = kmalloc(64 << (i % 4), GFP_KERNEL);
		if (!live[j])
			ret = sprintf(why, "no memory");
		else {
			live[j][0] = i;
			live[j][7] = ~(u64)i;
		}
	}
	for (j = 0; j < ISO_CHURN_LIVE; j++)
		kfree(live[j]);
	return ret;
}

struct iso_rcu_obj {
	u64 data[6];
	struct rcu_head rcu;
};

/* kfree_rcu() frees in batches through kfree_bulk() a few seconds later. */
ISO_CASE(kfree_rcu)
{
	int i;

	for (i = 0; i < 8; i++) {
		struct iso_rcu_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

		if (!o)
			return sprintf(why, "no memory");
		o->data[0] = i;
		kfree_rcu(o, rcu);
	}
	return 0;
}

/* An object kept until "release", which may run after kmemtrap is unloaded. */
ISO_CASE(keep)
{
	if (iso_kept)
		return sprintf(why, "already kept");
	iso_kept = kmalloc(64, GFP_KERNEL);
	if (!iso_kept)
		return sprintf(why, "no memory");
	memset(iso_kept, 0xab, 64);
	return 0;
}

ISO_CASE(release)
{
	size_t i;

	if (!iso_kept)
		return sprintf(why, "nothing kept");
	if (ksize(iso_kept) < 64)
		return sprintf(why, "ksize of the kept object is %zu", ksize(iso_kept));
	for (i = 0; i < 64; i++)
		if (iso_kept[i] != 0xab)
			return sprintf(why, "byte %zu of the kept object changed", i);
	kfree(iso_kept);
	iso_kept = NULL;
	return 0;
}

/*
 * A tracked kmalloc-64 object of this module, then untracked kmalloc-64 objects allocated by the
 * core kernel (kasprintf() allocates from lib/); the neighbour is one of them on the tracked
 * object's page if there is one (objects tracked where they are), else the first (with the
 * object moved, likely where it was born).
 */
#define ISO_NEIGHBOURS 128
ISO_CASE(neighbour)
{
	static const char s63[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
	char **q;
	int i;

	if (iso_owner)
		return sprintf(why, "already set up");
	q = kcalloc(ISO_NEIGHBOURS, sizeof(*q), GFP_KERNEL);
	iso_owner = kmalloc(64, GFP_KERNEL);
	if (!q || !iso_owner) {
		kfree(q);
		kfree(iso_owner);
		iso_owner = NULL;
		return sprintf(why, "no memory");
	}
	/* iso_owner stays uninitialized: its page (if shared) can never be left visible (quiet) */
	for (i = 0; i < ISO_NEIGHBOURS; i++) {
		q[i] = kasprintf(GFP_KERNEL, "%s", s63);
		if (q[i] && !iso_nb &&
		    ((unsigned long)q[i] & PAGE_MASK) == ((unsigned long)iso_owner & PAGE_MASK))
			iso_nb = q[i];
	}
	if (!iso_nb)
		iso_nb = q[0];
	for (i = 0; i < ISO_NEIGHBOURS; i++)
		if (q[i] != iso_nb)
			kfree(q[i]);
	kfree(q);
	if (!iso_nb) {
		kfree(iso_owner);
		iso_owner = NULL;
		return sprintf(why, "no memory");
	}
	pr_info("kmt_iso: neighbour %s the tracked object's page\n",
		((unsigned long)iso_nb & PAGE_MASK) == ((unsigned long)iso_owner & PAGE_MASK) ?
		"on" : "not on");
	return 0;
}

ISO_CASE(neighbour_read)
{
	int i;

	if (!iso_nb)
		return sprintf(why, "no neighbour");
	for (i = 0; i < 1000; i++)
		iso_sink += READ_ONCE(((u64 *)iso_nb)[i & 7]);
	return 0;
}

ISO_CASE(neighbour_free)
{
	kfree(iso_nb);
	kfree(iso_owner);
	iso_nb = NULL;
	iso_owner = NULL;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(char *why);
} iso_cases[] = {
	{ "oob_read", iso_oob_read },
	{ "kmemdup_oob", iso_kmemdup_oob },
	{ "init_oob", iso_init_oob },
	{ "kvmalloc", iso_kvmalloc },
	{ "ksize_krealloc", iso_ksize_krealloc },
	{ "kfree_rcu", iso_kfree_rcu },
	{ "double_free", iso_double_free },
	{ "churn", iso_churn },
	{ "keep", iso_keep },
	{ "release", iso_release },
	{ "neighbour", iso_neighbour },
	{ "neighbour_read", iso_neighbour_read },
	{ "neighbour_free", iso_neighbour_free },
	{ "big", iso_big },
};

static ssize_t iso_run_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char name[32], why[128] = "";
	size_t i;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = 0;
	strim(name);
	for (i = 0; i < ARRAY_SIZE(iso_cases); i++) {
		if (strcmp(name, iso_cases[i].name))
			continue;
		if (iso_cases[i].fn(why))
			pr_err("kmt_iso: %s: WRONG: %s\n", name, why);
		else
			pr_info("kmt_iso: %s: done\n", name);
		return len;
	}
	pr_err("kmt_iso: no case named '%s'\n", name);
	return -EINVAL;
}

static const struct file_operations iso_run_fops = {
	.owner = THIS_MODULE,
	.write = iso_run_write,
};

static int __init iso_init(void)
{
	iso_init_obj = kmalloc(64, GFP_KERNEL);
	if (iso_init_obj)
		memset(iso_init_obj, 0, 64);
	iso_dir = debugfs_create_dir("kmt_iso", NULL);
	debugfs_create_file("run", 0200, iso_dir, NULL, &iso_run_fops);
	return 0;
}

static void __exit iso_exit(void)
{
	debugfs_remove_recursive(iso_dir);
	kfree(iso_init_obj);
	kfree(iso_kept);
	kfree(iso_nb);
	kfree(iso_owner);
}

module_init(iso_init);
module_exit(iso_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap test: tracked kmalloc objects moved to pages of their own");
