// SPDX-License-Identifier: GPL-2.0
/*
 * kmt_smp.ko - the SMP stress of kmemtrap: one kernel thread per online CPU, each bound to its
 * CPU, hammering the same tracked kmalloc objects (this module's own allocations: load kmemtrap
 * with track_modules=kmt_smp first) for `rounds` rounds:
 *
 *  - neighbouring bytes of one object: thread t writes its own 16-byte slice of a shared object;
 *  - neighbouring objects on one page: thread t writes its own kmalloc-64 object;
 *  - reads of bytes that another CPU initialized a moment earlier: after a barrier each thread
 *    reads (and branches on) the next thread's slice and object;
 *  - atomic contention: atomic64_inc and a cmpxchg loop on counters inside the shared object;
 *  - memcpy between objects that another CPU writes: each thread copies the previous thread's
 *    slice into a private object and branches on the copy;
 *  - allocations and frees on pages the other CPUs use: every round each thread replaces its
 *    kmalloc-64 object with a new one. A page whose every byte is initialized goes quiet
 *    (visible, kmemtrap's quiet_pages) and the next allocation or free on it must hide it again:
 *    if that were lost, the thread's writes to its new object would go unseen, and the shadow
 *    check below would find the object uninitialized.
 *
 * One seeded bug: thread 0, in its first round, branches on 8 bytes that no one ever writes
 * (kmt_smp_seeded_read). Every other read is of bytes some CPU wrote before the barrier, so
 * exactly one report is right.
 *
 * Each run (at load, and for every write to /sys/kernel/debug/kmt_smp/run) ends with a check of
 * the data (the counters, every slice and object as last written) and of the shadow
 * (kmemtrap_get_state: every written byte initialized, the seeded bytes uninitialized) and a line
 * "kmt_smp: done: threads=N rounds=R data ok shadow ok", or "kmt_smp: WRONG: ..." saying what is
 * not. /sys/kernel/debug/kmt_smp/leak is the migration case (kmt_smp_leak_read()).
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <kmemtrap/kmemtrap.h>

#define SMP_MAX_THREADS 8
#define SMP_SLICE 16
#define SMP_BARRIER_SECONDS 30 /* a bound on a barrier wait: a stuck CPU fails the run */

static unsigned int rounds = 2000;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Rounds of every thread per run (default 2000)");

/* The shared object: every thread's slice, the counters, and bytes no one writes. */
struct smp_shared {
	u8 slice[SMP_MAX_THREADS][SMP_SLICE];
	atomic64_t inc_counter;
	u64 cmpxchg_counter;
	u64 never_written; /* the seeded bug reads this */
	u8 tail[40];       /* never written either, never read */
};

static struct smp_shared *shared;
static u8 *objs[SMP_MAX_THREADS];   /* kmalloc-64 neighbours, one per thread */
static u8 *priv[SMP_MAX_THREADS];   /* each thread's private copy target */
static unsigned int nthreads;
static atomic_t arrived;
static atomic_t finished;
static bool failed_barrier;
static bool failed_alloc;
static DECLARE_COMPLETION(all_done);
static struct dentry *smp_dir;
static size_t smp_len = SMP_SLICE; /* a size the compiler cannot see: memcpy stays a call */
static volatile u64 smp_used;

static u8 pattern(unsigned int t, unsigned int r)
{
	return (u8)(0x11 * (t + 1) + r);
}

static noinline void kmt_smp_seeded_read(const u64 *p)
{
	if (READ_ONCE(*p) & 0x40)
		smp_used++;
}

/* A use of another CPU's bytes: a branch on them (an uninit-use if their writes went unseen). */
static noinline void kmt_smp_use(const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (READ_ONCE(p[i]) == 0xa5)
			smp_used++;
}

/* Every thread arrives twice per round: after writing, and after reading. */
static bool smp_barrier(unsigned int target)
{
	unsigned long deadline = jiffies + SMP_BARRIER_SECONDS * HZ;

	while (atomic_read(&arrived) < target) {
		if (time_after(jiffies, deadline) || READ_ONCE(failed_barrier)) {
			WRITE_ONCE(failed_barrier, true);
			return false;
		}
		cpu_relax();
	}
	return true;
}

static int smp_thread(void *arg)
{
	unsigned int t = (unsigned long)arg, next = (t + 1) % nthreads, prev = (t + nthreads - 1) % nthreads;
	unsigned int r;

	for (r = 0; r < rounds; r++) {
		u8 *fresh = kmalloc(64, GFP_KERNEL);
		u64 old;

		if (!fresh) {
			WRITE_ONCE(failed_alloc, true);
			WRITE_ONCE(failed_barrier, true); /* the others stop at their next barrier */
			break;
		}
		kfree(objs[t]);
		objs[t] = fresh;
		memset(shared->slice[t], pattern(t, r), SMP_SLICE);
		memset(objs[t], pattern(t, r), 64);
		atomic64_inc(&shared->inc_counter);
		do {
			old = READ_ONCE(shared->cmpxchg_counter);
		} while (cmpxchg(&shared->cmpxchg_counter, old, old + 1) != old);
		atomic_inc(&arrived);
		if (!smp_barrier((2 * r + 1) * nthreads))
			break;
		kmt_smp_use(shared->slice[next], SMP_SLICE);
		kmt_smp_use(objs[next], 64);
		memcpy(priv[t], shared->slice[prev], smp_len);
		kmt_smp_use(priv[t], SMP_SLICE);
		if (t == 0 && r == 0)
			kmt_smp_seeded_read(&shared->never_written);
		/* Nobody writes round r+1 before everyone read round r. */
		atomic_inc(&arrived);
		if (!smp_barrier((2 * r + 2) * nthreads))
			break;
	}
	if (atomic_inc_return(&finished) == nthreads)
		complete(&all_done);
	return 0;
}

/* The shadow and the data after a run: what is wrong, or NULL. */
static const char *smp_check(char *buf, size_t len)
{
	u64 want = (u64)nthreads * rounds;
	unsigned int t, i;

	if (atomic64_read(&shared->inc_counter) != want || shared->cmpxchg_counter != want) {
		snprintf(buf, len, "counters %lld and %llu, expected %llu",
			 (long long)atomic64_read(&shared->inc_counter), shared->cmpxchg_counter, want);
		return buf;
	}
	for (t = 0; t < nthreads; t++) {
		for (i = 0; i < SMP_SLICE; i++)
			if (shared->slice[t][i] != pattern(t, rounds - 1)) {
				snprintf(buf, len, "slice %u byte %u is %#x", t, i, shared->slice[t][i]);
				return buf;
			}
		for (i = 0; i < 64; i++)
			if (objs[t][i] != pattern(t, rounds - 1)) {
				snprintf(buf, len, "object %u byte %u is %#x", t, i, objs[t][i]);
				return buf;
			}
	}
	/* The shadow says what the threads did: written bytes initialized, the rest not. */
	for (t = 0; t < nthreads; t++) {
		for (i = 0; i < SMP_SLICE; i++)
			if (kmemtrap_get_state(&shared->slice[t][i]) != KMEMTRAP_INITIALIZED) {
				snprintf(buf, len, "shadow: slice %u byte %u is in state %d", t, i,
					 kmemtrap_get_state(&shared->slice[t][i]));
				return buf;
			}
		for (i = 0; i < 64; i++)
			if (kmemtrap_get_state(&objs[t][i]) != KMEMTRAP_INITIALIZED) {
				snprintf(buf, len, "shadow: object %u byte %u is in state %d", t, i,
					 kmemtrap_get_state(&objs[t][i]));
				return buf;
			}
	}
	for (i = 0; i < sizeof(shared->inc_counter) + sizeof(shared->cmpxchg_counter); i++)
		if (kmemtrap_get_state((u8 *)&shared->inc_counter + i) != KMEMTRAP_INITIALIZED) {
			snprintf(buf, len, "shadow: counter byte %u is not initialized", i);
			return buf;
		}
	for (i = 0; i < sizeof(shared->never_written); i++)
		if (kmemtrap_get_state((u8 *)&shared->never_written + i) != KMEMTRAP_UNINITIALIZED) {
			snprintf(buf, len, "shadow: seeded byte %u is in state %d", i,
				 kmemtrap_get_state((u8 *)&shared->never_written + i));
			return buf;
		}
	return NULL;
}

static void smp_free(void)
{
	unsigned int t;

	for (t = 0; t < SMP_MAX_THREADS; t++) {
		kfree(objs[t]);
		kfree(priv[t]);
		objs[t] = priv[t] = NULL;
	}
	kfree(shared);
	shared = NULL;
}

static int smp_run(void)
{
	char why[96];
	const char *wrong;
	unsigned int t, cpu;

	smp_free();
	nthreads = min_t(unsigned int, num_online_cpus(), SMP_MAX_THREADS);
	shared = kmalloc(sizeof(*shared), GFP_KERNEL);
	for (t = 0; t < nthreads; t++) {
		objs[t] = kmalloc(64, GFP_KERNEL);
		priv[t] = kmalloc(SMP_SLICE, GFP_KERNEL);
		if (!objs[t] || !priv[t])
			break;
	}
	if (!shared || t < nthreads) {
		smp_free();
		return -ENOMEM;
	}
	atomic64_set(&shared->inc_counter, 0);
	shared->cmpxchg_counter = 0;
	atomic_set(&arrived, 0);
	atomic_set(&finished, 0);
	WRITE_ONCE(failed_barrier, false);
	WRITE_ONCE(failed_alloc, false);
	reinit_completion(&all_done);
	t = 0;
	for_each_online_cpu(cpu) {
		struct task_struct *k;

		if (t == nthreads)
			break;
		k = kthread_create_on_cpu(smp_thread, (void *)(unsigned long)t, cpu, "kmt_smp/%u");
		if (IS_ERR(k)) {
			pr_err("kmt_smp: WRONG: cannot start thread %u\n", t);
			WRITE_ONCE(failed_barrier, true);
			/* The started threads give up at their next barrier; count the rest as done. */
			atomic_add(nthreads - t, &finished);
			if (atomic_read(&finished) == nthreads)
				complete(&all_done);
			break;
		}
		wake_up_process(k);
		t++;
	}
	wait_for_completion(&all_done);
	if (READ_ONCE(failed_barrier)) {
		pr_err("kmt_smp: WRONG: %s\n", READ_ONCE(failed_alloc) ? "a thread could not allocate its object" :
							       "a thread never reached a barrier");
		return 0;
	}
	wrong = smp_check(why, sizeof(why));
	if (wrong)
		pr_err("kmt_smp: WRONG: %s\n", wrong);
	else
		pr_info("kmt_smp: done: threads=%u rounds=%u data ok shadow ok\n", nthreads, rounds);
	return 0;
}

static ssize_t smp_run_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	int ret = smp_run();

	return ret ? ret : len;
}

static const struct file_operations smp_run_fops = {
	.owner = THIS_MODULE,
	.write = smp_run_write,
};

/*
 * The migration case: reading /sys/kernel/debug/kmt_smp/leak copies SMP_LEAK_LEN bytes of a new
 * tracked object to the reader with copy_to_user(); every byte is 0x5a but byte SMP_LEAK_HOLE,
 * which is never written (one infoleak, named by this function). The reader (uffd_migrate) makes
 * that copy sleep in a user page fault and wake on another CPU.
 */
#define SMP_LEAK_LEN 256
#define SMP_LEAK_HOLE 200

static noinline ssize_t kmt_smp_leak_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	u8 *k = kmalloc(SMP_LEAK_LEN, GFP_KERNEL);
	size_t n = min_t(size_t, len, SMP_LEAK_LEN);
	unsigned long left;

	if (!k)
		return -ENOMEM;
	memset(k, 0x5a, SMP_LEAK_HOLE);
	memset(k + SMP_LEAK_HOLE + 1, 0x5a, SMP_LEAK_LEN - SMP_LEAK_HOLE - 1);
	left = copy_to_user(ubuf, k, n);
	kfree(k);
	return left == n ? -EFAULT : n - left;
}

static const struct file_operations smp_leak_fops = {
	.owner = THIS_MODULE,
	.read = kmt_smp_leak_read,
};

/*
 * Writes while shown (shown_window.sh): reading /sys/kernel/debug/kmt_smp/window copies the first
 * SMP_LEAK_LEN bytes of a new SMP_WINDOW_LEN-byte object to the reader, every byte 0x5a but byte
 * SMP_LEAK_HOLE. The reader (uffd_migrate with a poke file) makes that copy sleep in a user page
 * fault, in the middle of kmemtrap's step, with the object's page shown; meanwhile its other thread
 * writes /sys/kernel/debug/kmt_smp/poke, which fills the object's SMP_POKE_LEN bytes at
 * SMP_LEAK_LEN natively (the page is visible), unseen by kmemtrap, each to a value it did not
 * have (the object was written before, so only a changed byte can tell). After the copy the reader
 * branches on those bytes (kmt_smp_use()): they were written, so the one report that is right is
 * the hole's infoleak. A line "kmt_smp: window: poked P, shadow ok" or "... WRONG".
 *
 * The objects come from a cache of this module's own (smp_window_cache, used by nothing else),
 * so that poke_new below can find a free object on the window object's page.
 */
#define SMP_WINDOW_LEN 520 /* (no kmalloc size: the cache is not merged with a kmalloc cache) */
#define SMP_POKE_LEN 64
static struct kmem_cache *smp_window_cache;
static u8 *smp_window;
static int smp_window_cpu;
static u8 *smp_window_new; /* poke_new's object, below */
static int smp_poked;

static noinline ssize_t kmt_smp_window_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	u8 *k = kmem_cache_alloc(smp_window_cache, GFP_KERNEL);
	size_t n = min_t(size_t, len, SMP_LEAK_LEN), bad = 0;
	unsigned long left;
	int i;

	if (!k)
		return -ENOMEM;
	smp_window_cpu = raw_smp_processor_id(); /* (the reader is pinned there until it sleeps) */
	memset(k, 0x5a, SMP_LEAK_HOLE);
	memset(k + SMP_LEAK_HOLE + 1, 0x5a, SMP_LEAK_LEN - SMP_LEAK_HOLE - 1);
	/* Known bytes (0), uninitialized again for kmemtrap: the poke changes every one of them. */
	memset(k + SMP_LEAK_LEN, 0, SMP_POKE_LEN);
	kmemtrap_set_state(k + SMP_LEAK_LEN, SMP_POKE_LEN, KMEMTRAP_UNINITIALIZED);
	WRITE_ONCE(smp_poked, 0);
	WRITE_ONCE(smp_window, k);
	left = copy_to_user(ubuf, k, n);
	WRITE_ONCE(smp_window, NULL);
	/* Only if poked (a read that failed at once, without sleeping, was not: shown_window.sh tries again). */
	if (READ_ONCE(smp_poked))
		kmt_smp_use(k + SMP_LEAK_LEN, SMP_POKE_LEN);
	for (i = 0; i < SMP_POKE_LEN; i++)
		bad += kmemtrap_get_state(k + SMP_LEAK_LEN + i) != KMEMTRAP_INITIALIZED;
	if (!READ_ONCE(smp_poked) && !smp_window_new)
		pr_info("kmt_smp: window: not poked (the read did not sleep in the copy)\n");
	else if (READ_ONCE(smp_poked))
		pr_info("kmt_smp: window: poked %d, shadow %s (%zu of %d bytes not initialized)\n",
			READ_ONCE(smp_poked), bad ? "WRONG" : "ok", bad, SMP_POKE_LEN);
	if (smp_window_new) {
		kmt_smp_use(smp_window_new, SMP_POKE_LEN);
		for (i = 0, bad = 0; i < SMP_POKE_LEN; i++)
			bad += kmemtrap_get_state(smp_window_new + i) != KMEMTRAP_INITIALIZED;
		pr_info("kmt_smp: window: an object allocated on the shown page, shadow %s (%zu of %d bytes not initialized)\n",
			bad ? "WRONG" : "ok", bad, SMP_POKE_LEN);
		kmem_cache_free(smp_window_cache, smp_window_new);
		smp_window_new = NULL;
	}
	kmem_cache_free(smp_window_cache, k);
	return left == n ? -EFAULT : n - left;
}

static ssize_t smp_poke_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	u8 *k = READ_ONCE(smp_window);
	int i;

	if (!k)
		return -ENOENT;
	for (i = 0; i < SMP_POKE_LEN; i++)
		WRITE_ONCE(k[SMP_LEAK_LEN + i], 0x80 | i);
	WRITE_ONCE(smp_poked, SMP_POKE_LEN);
	return len;
}

/*
 * The same with an object allocated on the shown page: a write of /sys/kernel/debug/kmt_smp/
 * poke_new allocates from the window object's cache, on the CPU that allocated it (its slab is
 * that CPU's), until an object lands on the window object's page (the others are freed again),
 * and writes each of its first SMP_POKE_LEN bytes with the value it already has (as a memset of
 * zeros over zeros would): no copy of the page can tell that such bytes were written, but no
 * write to the object was seen since its allocation, which kmemtrap takes as a sign that its
 * initialization ran unseen. After the copy the reader branches on those bytes.
 */
#define SMP_POKE_NEW_TRIES 256

static long smp_poke_new_on_cpu(void *arg)
{
	u8 *k = arg, **tried = kcalloc(SMP_POKE_NEW_TRIES, sizeof(*tried), GFP_KERNEL);
	int i, n = 0;

	if (!tried)
		return -ENOMEM;
	for (i = 0; i < SMP_POKE_NEW_TRIES && !smp_window_new; i++) {
		u8 *b = kmem_cache_alloc(smp_window_cache, GFP_KERNEL);

		if (!b)
			break;
		if (((unsigned long)b & PAGE_MASK) == ((unsigned long)k & PAGE_MASK))
			smp_window_new = b;
		else
			tried[n++] = b;
	}
	while (n)
		kmem_cache_free(smp_window_cache, tried[--n]);
	kfree(tried);
	return smp_window_new ? 0 : -ENOSPC;
}

static ssize_t smp_poke_new_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	u8 *k = READ_ONCE(smp_window);
	long ret;
	int i;

	if (!k)
		return -ENOENT;
	ret = work_on_cpu(smp_window_cpu, smp_poke_new_on_cpu, k);
	if (ret)
		return ret;
	for (i = 0; i < SMP_POKE_LEN; i++)
		WRITE_ONCE(smp_window_new[i], READ_ONCE(smp_window_new[i]));
	return len;
}

static const struct file_operations smp_window_fops = {
	.owner = THIS_MODULE,
	.read = kmt_smp_window_read,
};

static const struct file_operations smp_poke_fops = {
	.owner = THIS_MODULE,
	.write = smp_poke_write,
};

static const struct file_operations smp_poke_new_fops = {
	.owner = THIS_MODULE,
	.write = smp_poke_new_write,
};

static int __init kmt_smp_init(void)
{
	int ret;

	smp_window_cache = kmem_cache_create_usercopy("kmt_smp_window", SMP_WINDOW_LEN, 8, 0, 0,
							SMP_WINDOW_LEN, NULL); /* (copied to user: hardened usercopy) */
	if (!smp_window_cache)
		return -ENOMEM;
	ret = smp_run();
	if (ret) {
		kmem_cache_destroy(smp_window_cache);
		return ret;
	}
	smp_dir = debugfs_create_dir("kmt_smp", NULL);
	debugfs_create_file("run", 0200, smp_dir, NULL, &smp_run_fops);
	debugfs_create_file("leak", 0400, smp_dir, NULL, &smp_leak_fops);
	debugfs_create_file("window", 0400, smp_dir, NULL, &smp_window_fops);
	debugfs_create_file("poke", 0200, smp_dir, NULL, &smp_poke_fops);
	debugfs_create_file("poke_new", 0200, smp_dir, NULL, &smp_poke_new_fops);
	return 0;
}

static void __exit kmt_smp_exit(void)
{
	debugfs_remove_recursive(smp_dir);
	smp_free();
	kmem_cache_destroy(smp_window_cache);
}

module_init(kmt_smp_init);
module_exit(kmt_smp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap SMP stress: threads on every CPU on the same tracked objects");
