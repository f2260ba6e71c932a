// SPDX-License-Identifier: GPL-2.0
/*
 * kmt_bugs.ko - a module with seeded heap bugs and clean cases, and no kmemtrap annotations: it
 * only allocates with kmalloc/kmem_cache_alloc like any driver. Loaded after
 * `insmod kmemtrap.ko track_modules=kmt_bugs`, exactly its seeded bugs must be reported.
 *
 * Write a case name to /sys/kernel/debug/kmt_bugs/run; it prints "kmt_bugs: <case>: done" or
 * "kmt_bugs: <case>: data WRONG: ...". With run_at_load=1 every case runs in module init (the
 * boot-time test).
 */
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static bool run_at_load;
module_param(run_at_load, bool, 0444);
/* Cases run_at_load leaves out (comma-separated): the known gaps of a kernel (tools/kmt-vm --known-gap). */
static char *skip = "";
module_param(skip, charp, 0444);

static struct dentry *bugs_dir;
static struct kmem_cache *bugs_cache;
static size_t bugs_len = 64; /* sizes the compiler cannot see (so memcpy is a call) */
static volatile u64 bugs_sink;

#define BUG_CASE(name) static noinline int bugs_##name(char *why)

/* ---- seeded bugs (each bad access in its own noinline function) ------------------------- */

/*
 * Each seeded uninitialized read *uses* the value: a branch on it, as real buggy code would (a
 * load alone is not an error for kmemtrap: docs/design.md, "Following a value").
 */
#define BUGS_FLAG 0x40ull
static volatile u64 bugs_used; /* a side effect in the branch: it cannot move to the caller */

static noinline u64 kmt_bugs_uninit_kmalloc_read(const u64 *p)
{
	if (READ_ONCE(p[2]) & BUGS_FLAG)
		bugs_used++;
	return 2;
}

BUG_CASE(uninit_kmalloc)
{
	u64 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	p[0] = 1;
	bugs_sink = kmt_bugs_uninit_kmalloc_read(p);
	kfree(p);
	return 0;
}

static noinline u64 kmt_bugs_read_after_memcpy(const u8 *p)
{
	if (READ_ONCE(*(const u64 *)(p + 40)) & BUGS_FLAG)
		bugs_used += 3;
	return 4;
}

static noinline u64 kmt_bugs_clean_read_after_memcpy(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + 8));
}

BUG_CASE(partial_memcpy)
{
	u8 *src = kmalloc(64, GFP_KERNEL), *dst = kmalloc(64, GFP_KERNEL);
	int ret = 0;

	if (!src || !dst) {
		ret = sprintf(why, "no memory");
		goto out;
	}
	memset(src, 0x21, 32);
	memcpy(dst, src, READ_ONCE(bugs_len));
	if (kmt_bugs_clean_read_after_memcpy(dst) != 0x2121212121212121ull)
		ret = sprintf(why, "copied data wrong");
	bugs_sink = kmt_bugs_read_after_memcpy(dst);
out:
	kfree(src);
	kfree(dst);
	return ret;
}

static noinline u64 kmt_bugs_cross_page_read(const u8 *p)
{
	/* The bit tested lies in the uninitialized second half (bytes 4..7 of the word). */
	if (READ_ONCE(*(const u64 *)(p + PAGE_SIZE - 4)) & (BUGS_FLAG << 40))
		bugs_used += 5;
	return 6;
}

BUG_CASE(cross_page)
{
	/* kmalloc-8k objects are page-aligned and span two pages. */
	u8 *p = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	memset(p, 0x33, PAGE_SIZE);
	bugs_sink = kmt_bugs_cross_page_read(p); /* 4 bytes initialized, 4 not */
	kfree(p);
	return 0;
}

static noinline u64 kmt_bugs_use_after_free(const u64 *p)
{
	return READ_ONCE(p[0]);
}

BUG_CASE(use_after_free)
{
	u64 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	memset(p, 0, 64);
	kfree(p);
	bugs_sink = kmt_bugs_use_after_free(p);
	return 0;
}

static noinline u64 kmt_bugs_slack_read(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + 48));
}

BUG_CASE(slack)
{
	u8 *p = kmalloc(40, GFP_KERNEL); /* kmalloc-64: bytes 40..63 are slack */

	if (!p)
		return sprintf(why, "no memory");
	memset(p, 0, 40);
	bugs_sink = kmt_bugs_slack_read(p);
	kfree(p);
	return 0;
}

struct bugs_padded {
	u8 tag;     /* 7 bytes of padding follow */
	u64 value;
};

BUG_CASE(padding_leak)
{
	struct bugs_padded *p = kmalloc(sizeof(*p), GFP_KERNEL);
	unsigned long uaddr;
	int ret = 0;

	if (!p)
		return sprintf(why, "no memory");
	p->tag = 1;
	p->value = 2;
	uaddr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(uaddr))
		ret = sprintf(why, "vm_mmap failed");
	else if (copy_to_user((void __user *)uaddr, p, READ_ONCE(bugs_len) / 4))
		ret = sprintf(why, "copy_to_user failed");
	if (!IS_ERR_VALUE(uaddr))
		vm_munmap(uaddr, PAGE_SIZE);
	kfree(p);
	return ret;
}

/*
 * A struct copied field by field (through registers) to a local, then copy_to_user()'d: its
 * uninitialized field leaks from the stack. "stack_copy" is the same with every field set.
 */
struct bugs_rec {
	long id;
	long secret;
	long flags;
};

static noinline int bugs_copy_out(const struct bugs_rec *o)
{
	struct bugs_rec local;
	unsigned long uaddr;
	int ret = 0;

	uaddr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(uaddr))
		return -ENOMEM;
	local.id = READ_ONCE(o->id);
	local.secret = READ_ONCE(o->secret);
	local.flags = READ_ONCE(o->flags);
	barrier(); /* the stores to the local happen here, before the copy */
	if (copy_to_user((void __user *)uaddr, &local, sizeof(local)))
		ret = -EFAULT;
	vm_munmap(uaddr, PAGE_SIZE);
	return ret;
}

static int bugs_stack_copy_common(char *why, bool set_secret)
{
	struct bugs_rec *o = kmalloc(sizeof(*o), GFP_KERNEL);
	int ret;

	if (!o)
		return sprintf(why, "no memory");
	o->id = 7;
	o->flags = 3;
	if (set_secret)
		o->secret = 9;
	ret = bugs_copy_out(o);
	kfree(o);
	return ret ? sprintf(why, "copy out failed (%d)", ret) : 0;
}

BUG_CASE(stack_leak)
{
	return bugs_stack_copy_common(why, false);
}

static int bugs_stack_copy(char *why)
{
	return bugs_stack_copy_common(why, true);
}

static noinline u64 kmt_bugs_cache_read(const u8 *p)
{
	if (READ_ONCE(*(const u64 *)(p + 24)) & BUGS_FLAG) /* an offset of its own: never folded */
		bugs_used += 7;
	return 8;
}

BUG_CASE(private_cache)
{
	u8 *p = kmem_cache_alloc(bugs_cache, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	p[0] = 1;
	bugs_sink = kmt_bugs_cache_read(p);
	kmem_cache_free(bugs_cache, p);
	return 0;
}

/*
 * Bulk allocation and free (kmem_cache_alloc_bulk, kmem_cache_free_bulk, kfree_bulk): no
 * per-object tracepoint; kmemtrap probes the functions. The object freed by bugs_freed_object()
 * is what the next allocation gets back (SLUB's per-CPU freelist is LIFO), so a bulk allocation
 * that went unseen would leave it "freed".
 */
#define BUGS_BULK 4

static void *bugs_freed_object(void)
{
	void *o = kmem_cache_alloc(bugs_cache, GFP_KERNEL);

	if (o) {
		memset(o, 0x11, 100);
		kmem_cache_free(bugs_cache, o);
	}
	return o;
}

/* Allocates BUGS_BULK objects in bulk; which of them is @old (-1: none). */
static int bugs_bulk_alloc(void **p, const void *old, char *why)
{
	int n = kmem_cache_alloc_bulk(bugs_cache, GFP_KERNEL, BUGS_BULK, p), i;

	if (n != BUGS_BULK) {
		if (n > 0)
			kmem_cache_free_bulk(bugs_cache, n, p);
		return -sprintf(why, "kmem_cache_alloc_bulk returned %d", n) - 1;
	}
	for (i = 0; i < n; i++)
		if (p[i] == old)
			return i;
	return BUGS_BULK;
}

static noinline u64 kmt_bugs_bulk_uninit_read(const u64 *p)
{
	if (READ_ONCE(p[3]) & BUGS_FLAG) /* never written in this life */
		bugs_used += 9;
	return 10;
}

BUG_CASE(bulk_uninit)
{
	void *p[BUGS_BULK], *old = bugs_freed_object();
	int r, i;

	if (!old)
		return sprintf(why, "no memory");
	r = bugs_bulk_alloc(p, old, why);
	if (r < 0)
		return -r - 1;
	for (i = 0; i < BUGS_BULK; i++)
		*(u64 *)p[i] = 1;
	bugs_sink = kmt_bugs_bulk_uninit_read(p[r == BUGS_BULK ? 0 : r]);
	kmem_cache_free_bulk(bugs_cache, BUGS_BULK, p);
	return r == BUGS_BULK ? sprintf(why, "the bulk allocation did not reuse the freed object") : 0;
}

static noinline u64 kmt_bugs_bulk_use_after_free(const u64 *p)
{
	return READ_ONCE(p[7]); /* an offset of its own: never folded with another reader */
}

BUG_CASE(bulk_use_after_free)
{
	void *p[BUGS_BULK];
	int r, i;

	r = bugs_bulk_alloc(p, NULL, why);
	if (r < 0)
		return -r - 1;
	for (i = 0; i < BUGS_BULK; i++)
		memset(p[i], 0, 100);
	kmem_cache_free_bulk(bugs_cache, BUGS_BULK, p);
	bugs_sink = kmt_bugs_bulk_use_after_free(p[2]);
	return 0;
}

static noinline u64 kmt_bugs_kfree_bulk_read(const u64 *p)
{
	return READ_ONCE(p[5]); /* an offset of its own */
}

BUG_CASE(kfree_bulk_read)
{
	void *p[2] = { kmalloc(64, GFP_KERNEL), kmalloc(64, GFP_KERNEL) };

	if (!p[0] || !p[1]) {
		kfree(p[0]);
		kfree(p[1]);
		return sprintf(why, "no memory");
	}
	memset(p[0], 0, 64);
	memset(p[1], 0, 64);
	kfree_bulk(2, p);
	bugs_sink = kmt_bugs_kfree_bulk_read(p[1]);
	return 0;
}

/* ---- clean cases ---------------------------------------------------------------------- */

/*
 * A bulk-allocated object that reuses a freed one: its written bytes are read and used, and a
 * field it never wrote is loaded and only stored (a load is not a use): no report. The maple
 * tree's mas_destroy() loads node->slot[0] of a bulk-allocated node that way.
 */
static noinline u64 kmt_bugs_bulk_clean_read(const u64 *p)
{
	bugs_sink = READ_ONCE(p[9]); /* bytes 72..79: not written in this life */
	return READ_ONCE(p[1]);
}

BUG_CASE(bulk_clean)
{
	void *p[BUGS_BULK], *old = bugs_freed_object();
	int r, i, ret = 0;

	if (!old)
		return sprintf(why, "no memory");
	r = bugs_bulk_alloc(p, old, why);
	if (r < 0)
		return -r - 1;
	for (i = 0; i < BUGS_BULK; i++)
		memset(p[i], 0x22, 64);
	for (i = 0; i < BUGS_BULK; i++)
		if (kmt_bugs_bulk_clean_read(p[i]) != 0x2222222222222222ull)
			ret = sprintf(why, "bulk object %d: data wrong", i);
	kmem_cache_free_bulk(bugs_cache, BUGS_BULK, p);
	if (r == BUGS_BULK)
		ret = sprintf(why, "the bulk allocation did not reuse the freed object");
	return ret;
}

BUG_CASE(clean)
{
	u8 *a = kzalloc(100, GFP_KERNEL), *b = kmalloc(100, GFP_KERNEL), *c = NULL, *d = NULL;
	u8 *e = kmem_cache_alloc(bugs_cache, GFP_KERNEL), *f = NULL;
	int ret = 0;
	u64 sum = 0;

	if (!a || !b || !e) {
		ret = sprintf(why, "no memory");
		goto out;
	}
	sum += READ_ONCE(*(u64 *)(a + 8));          /* kzalloc: initialized */
	memset(b, 7, 100);
	sum += READ_ONCE(*(u64 *)(b + 64));         /* written first */
	c = kmemdup(b, 100, GFP_KERNEL);            /* copies initialized bytes */
	if (!c) {
		ret = sprintf(why, "no memory");
		goto out;
	}
	sum += READ_ONCE(*(u64 *)(c + 32));
	d = krealloc(c, 300, GFP_KERNEL);           /* grows; the old 100 bytes move along */
	if (!d) {
		ret = sprintf(why, "no memory");
		goto out;
	}
	c = NULL;
	sum += READ_ONCE(*(u64 *)(d + 88));
	memset(e, 0, 100);
	sum += READ_ONCE(*(u64 *)(e + 16));
	f = kmalloc(200, GFP_KERNEL);
	if (f) {
		unsigned long uaddr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
					      MAP_ANONYMOUS | MAP_PRIVATE, 0);

		if (!IS_ERR_VALUE(uaddr)) {
			if (clear_user((void __user *)uaddr, 200) ||
			    copy_from_user(f, (void __user *)uaddr, READ_ONCE(bugs_len) * 3))
				ret = sprintf(why, "user copy failed");
			else
				sum += READ_ONCE(*(u64 *)(f + 128)); /* copied from user: initialized */
			vm_munmap(uaddr, PAGE_SIZE);
		}
	}
	if (sum != 2 * 0x0707070707070707ull + 0x0707070707070707ull)
		ret = sprintf(why, "sum %llx", sum);
out:
	kfree(a);
	kfree(b);
	kfree(c);
	kfree(d);
	kfree(f);
	if (e)
		kmem_cache_free(bugs_cache, e);
	return ret;
}


/*
 * Quiet pages: a page-sized kmalloc object (kmalloc-4k: page-aligned, alone on its page) with
 * every byte written goes quiet after a few accesses and is left visible (kmemtrap's
 * quiet_pages); a free on it, or uninitialized bytes copied into it, must hide it again, so that
 * the read after is still seen. The reads before are enough for the page to go quiet (the
 * scenario checks pages_quieted and pages_woken).
 */
#define BUGS_QUIET_READS 64

static noinline u64 bugs_quiet_reads(const u64 *p)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < BUGS_QUIET_READS; i++)
		sum += READ_ONCE(p[i]);
	return sum;
}

static noinline u64 kmt_bugs_quiet_free_read(const u64 *p)
{
	return READ_ONCE(p[3]);
}

BUG_CASE(quiet_free)
{
	u64 *p = kmalloc(PAGE_SIZE, GFP_KERNEL);

	if (!p)
		return sprintf(why, "no memory");
	memset(p, 0x11, PAGE_SIZE);
	bugs_sink = bugs_quiet_reads(p);
	kfree(p);
	bugs_sink = kmt_bugs_quiet_free_read(p);
	return 0;
}

static noinline u64 kmt_bugs_quiet_copy_read(const u64 *p)
{
	if (READ_ONCE(p[5]) & BUGS_FLAG)
		bugs_used += 9;
	return 10;
}

BUG_CASE(quiet_copy)
{
	u64 *p = kmalloc(PAGE_SIZE, GFP_KERNEL), *fresh = kmalloc(64, GFP_KERNEL);
	int ret = 0;

	if (!p || !fresh) {
		ret = sprintf(why, "no memory");
		goto out;
	}
	memset(p, 0, PAGE_SIZE);
	bugs_sink = bugs_quiet_reads(p);
	memcpy(p, fresh, READ_ONCE(bugs_len)); /* 64 bytes never written */
	bugs_sink = kmt_bugs_quiet_copy_read(p);
out:
	kfree(fresh);
	kfree(p);
	return ret;
}
/*
 * Aged quiet pages (kmemtrap's quiet_age): two objects of the private cache on one page, every
 * byte written. One is freed and read at once: reported. The other is then read many times, no
 * state changing, so that with quiet_age the page goes quiet with the freed object's bytes no
 * longer watched; then the freed one is read again, from another function: reported only with
 * quiet_age=0. The scenario (quiet_age.sh) checks both, and counts the page made quiet.
 */
#define BUGS_AGED_OBJS 40
#define BUGS_AGED_READS 256

static noinline u64 kmt_bugs_aged_early_read(const u64 *p)
{
	return READ_ONCE(p[2]);
}

static noinline u64 kmt_bugs_aged_late_read(const u64 *p)
{
	return READ_ONCE(p[7]) * 3; /* (unlike any other function here: GCC folds identical ones) */
}

/*
 * Two objects of the private cache on one page (the aged cases): allocates up to
 * BUGS_AGED_OBJS, writes @fill bytes of each, keeps in *a and *b the first two that share a
 * page and frees the others. Returns how many were allocated; *a stays NULL if no two did.
 */
static int bugs_two_on_a_page(u64 **a, u64 **b, size_t fill)
{
	u64 *objs[BUGS_AGED_OBJS] = {};
	int i, j, n;

	*a = *b = NULL;
	for (n = 0; n < BUGS_AGED_OBJS; n++) {
		objs[n] = kmem_cache_alloc(bugs_cache, GFP_KERNEL);
		if (!objs[n])
			break;
		memset(objs[n], 0x22, fill);
	}
	for (i = 0; i < n && !*a; i++)
		for (j = i + 1; j < n && !*a; j++)
			if (((unsigned long)objs[i] & PAGE_MASK) == ((unsigned long)objs[j] & PAGE_MASK)) {
				*a = objs[i];
				*b = objs[j];
			}
	for (i = 0; i < n; i++)
		if (objs[i] != *a && objs[i] != *b)
			kmem_cache_free(bugs_cache, objs[i]);
	return n;
}

BUG_CASE(aged_free)
{
	u64 *a, *b;
	int i, n = bugs_two_on_a_page(&a, &b, 100);

	if (!a)
		return sprintf(why, "no two objects on one page in %d", n);
	kmem_cache_free(bugs_cache, a);
	bugs_sink = kmt_bugs_aged_early_read(a);
	for (i = 0; i < BUGS_AGED_READS; i++)
		bugs_sink += READ_ONCE(b[i % 12]);
	bugs_sink = kmt_bugs_aged_late_read(a);
	kmem_cache_free(bugs_cache, b);
	return 0;
}

/*
 * Read-quiet pages (quiet_age on a page with uninitialized bytes): two objects of the private
 * cache on one page; a's first 64 bytes written, the rest not. A use of a never-written word
 * at once: reported. Then the page is read many times, no state changing, so that with
 * quiet_age it goes quiet read-only; a store into a never-written word of a still faults and is
 * seen; another never-written word is used: reported only with quiet_age=0. Then b is freed
 * (the page is hidden again) and the stored word is used: never reported, the store was seen.
 */
static noinline u64 kmt_bugs_aged_uninit_early(const u64 *p)
{
	if (READ_ONCE(p[9]) & BUGS_FLAG)
		bugs_used += 11;
	return 12;
}

static noinline u64 kmt_bugs_aged_uninit_late(const u64 *p)
{
	if (READ_ONCE(p[10]) & BUGS_FLAG)
		bugs_used += 13;
	return 14;
}

static noinline u64 kmt_bugs_aged_stored_use(const u64 *p)
{
	if (READ_ONCE(p[11]) & BUGS_FLAG)
		bugs_used += 15;
	return 16;
}

BUG_CASE(aged_uninit)
{
	u64 *a, *b;
	int i, n = bugs_two_on_a_page(&a, &b, 0);

	if (!a)
		return sprintf(why, "no two objects on one page in %d", n);
	memset(a, 0x22, 64);
	memset(b, 0x22, 100);
	bugs_sink = kmt_bugs_aged_uninit_early(a);
	for (i = 0; i < BUGS_AGED_READS; i++)
		bugs_sink += READ_ONCE(b[i % 12]) + READ_ONCE(a[i % 8]);
	WRITE_ONCE(a[11], 0x44);
	b[0] = 0x5555;
	memcpy(a, b, READ_ONCE(bugs_len)); /* a copy routine's stores to the read-only page */
	bugs_sink = kmt_bugs_aged_uninit_late(a);
	kmem_cache_free(bugs_cache, b);
	bugs_sink = kmt_bugs_aged_stored_use(a);
	if (READ_ONCE(a[11]) != 0x44 || READ_ONCE(a[0]) != 0x5555 || READ_ONCE(a[7]) != 0x2222222222222222ull) {
		i = sprintf(why, "the stored words read %llx %llx %llx", READ_ONCE(a[11]), READ_ONCE(a[0]),
			    READ_ONCE(a[7]));
		kmem_cache_free(bugs_cache, a);
		return i;
	}
	kmem_cache_free(bugs_cache, a);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(char *why);
} bugs_cases[] = {
	{ "uninit_kmalloc", bugs_uninit_kmalloc },
	{ "partial_memcpy", bugs_partial_memcpy },
	{ "cross_page", bugs_cross_page },
	{ "use_after_free", bugs_use_after_free },
	{ "slack", bugs_slack },
	{ "padding_leak", bugs_padding_leak },
	{ "stack_leak", bugs_stack_leak },
	{ "stack_copy", bugs_stack_copy },
	{ "private_cache", bugs_private_cache },
	{ "bulk_uninit", bugs_bulk_uninit },
	{ "bulk_use_after_free", bugs_bulk_use_after_free },
	{ "kfree_bulk_read", bugs_kfree_bulk_read },
	{ "quiet_free", bugs_quiet_free },
	{ "quiet_copy", bugs_quiet_copy },
	{ "aged_free", bugs_aged_free },
	{ "aged_uninit", bugs_aged_uninit },
	{ "bulk_clean", bugs_bulk_clean },
	{ "clean", bugs_clean },
};

static void bugs_run(const char *name)
{
	char why[128] = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bugs_cases); i++) {
		if (strcmp(name, bugs_cases[i].name))
			continue;
		if (bugs_cases[i].fn(why))
			pr_err("kmt_bugs: %s: data WRONG: %s\n", name, why);
		else
			pr_info("kmt_bugs: %s: done\n", name);
		return;
	}
	pr_err("kmt_bugs: no case named '%s'\n", name);
}

static ssize_t bugs_run_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char name[32];

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = 0;
	bugs_run(strim(name));
	return len;
}

static const struct file_operations bugs_run_fops = {
	.owner = THIS_MODULE,
	.write = bugs_run_write,
};

static bool bugs_skipped(const char *name)
{
	size_t n = strlen(name);
	const char *s = skip;

	while ((s = strstr(s, name)) != NULL) {
		if ((s == skip || s[-1] == ',') && (s[n] == ',' || !s[n]))
			return true;
		s += n;
	}
	return false;
}

static int __init bugs_init(void)
{
	size_t i;

	bugs_cache = kmem_cache_create("kmt_bugs_cache", 100, 0, 0, NULL);
	if (!bugs_cache)
		return -ENOMEM;
	bugs_dir = debugfs_create_dir("kmt_bugs", NULL);
	debugfs_create_file("run", 0200, bugs_dir, NULL, &bugs_run_fops);
	if (run_at_load)
		for (i = 0; i < ARRAY_SIZE(bugs_cases); i++)
			if (strcmp(bugs_cases[i].name, "padding_leak") && /* needs a user context */
			    !bugs_skipped(bugs_cases[i].name))
				bugs_run(bugs_cases[i].name);
	return 0;
}

static void __exit bugs_exit(void)
{
	debugfs_remove_recursive(bugs_dir);
	kmem_cache_destroy(bugs_cache);
}

module_init(bugs_init);
module_exit(bugs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap test module with seeded heap bugs");
