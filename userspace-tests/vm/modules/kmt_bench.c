// SPDX-License-Identifier: GPL-2.0
/*
 * kmt_bench.ko - kmemtrap's benchmark (issue 13): what a tracked access costs, side by side in
 * one boot with the bare exceptions it is made of.
 *
 * Write a measurement's name to /sys/kernel/debug/kmt_bench/run; it runs in the writer's context
 * and leaves its result in /sys/kernel/debug/kmt_bench/result, one line:
 *	<name> <median ps/op> <min ps/op> <max ps/op> <ops per loop> <ops in all>
 * (also printed as "kmt_bench: <name>: ..."). Writing "mark" runs one profile marker and nothing
 * else (kb_profile_mark(): tools/kmt-profile's plugin counts between markers, which every
 * measurement also runs before and after itself). /sys/kernel/debug/kmt_bench/list names every
 * measurement with its kind: "plain" (kmemtrap must not trap), "tracked" (every op traps), "rep"
 * (a copy on tracked pages: run it in both rep_modes). The scenario
 * (userspace-tests/vm/scenarios/bench.sh) reads kmemtrap's counters around each run, divides by
 * <ops in all> for the traps per op, and prints the KMT-BENCH lines and the ratios.
 *
 * Method: ktime_get_ns() around a loop of n ops. One untimed op first, then n is calibrated
 * (doubled from 1 until two loops of n ops both take at least 10 ms, then scaled to about 20 ms;
 * an op slower than that runs once per loop), then 11 loops of n ops each are timed and the
 * median of their per-op times is the result. Interrupts stay enabled, as for the code kmemtrap
 * watches: a loop hit by an interrupt burst or by the host (this runs under TCG on a machine
 * shared with other guests) moves the min or the max, the median of 11 needs 6 such loops to
 * move. Every op of a measurement, the
 * calibration's included, is counted in <ops in all>, so kmemtrap's counter deltas divide exactly.
 *
 * The measurements (what each loop iteration does):
 *   untracked_load   movq (%reg),%reg of a page kmemtrap does not track
 *   tracked_load     the same on a tracked page, every byte initialized (a fault and a step)
 *   tracked_store    movq %reg,(%reg) on that page
 *   quiet_load       tracked_load with quiet_pages=1 (bench.sh sets it for this one only): the
 *                    page, every byte initialized, is left visible after a few faults, so about
 *                    0 traps per op
 *   neighbour_load   the load of untracked_load, at +2048 of a page whose first 64 bytes are
 *                    tracked: an untracked object sharing a page with a tracked one
 *   kmalloc_kfree    kmalloc(64) and kfree(): bench.sh runs it with nothing selected, with
 *                    another module selected and isolate.c's hooks on (".isolating": that
 *                    module's calls are rewritten, this one's are not, and are not tracked),
 *                    and with that selection and isolate=0 (".noisolate")
 *   kvmalloc_kvfree  the same through kvmalloc(): a kmalloc called from the core kernel
 *   kstrdup_kfree    kstrdup() of a 40-byte string and kfree(): the core kernel's call of the
 *                    track_caller entry point, which isolate.c rewrites while a module is
 *                    selected (its wrapper sends a call for an unselected caller straight on)
 *   alloc_neighbour_load  the load of untracked_load from an untracked kmalloc-64 object allocated
 *                    next to a tracked kmalloc-64 object of this module (track_modules=kmt_bench):
 *                    moved to a page of its own by default, in place with isolate=0 (".inplace")
 *   pf_fixup         get_kernel_nofault() of the guard page after a vmalloc area: a kernel
 *                    not-present fault that reaches kernelmode_fixup_or_oops() and kmemtrap's
 *                    kprobe on it (whose pre-handler finds no tracked page and returns at once),
 *                    then the exception-table fixup; the call of copy_from_kernel_nofault()
 *   db_step          pushfq; orq $TF,(%rsp); popfq; nop: one single-step #DB after the nop,
 *                    through the die notifier chain: kmemtrap's notifier (NOTIFY_DONE: no step
 *                    of its own in flight), then this module's, which clears TF and DR6.BS
 *   kprobe_ftrace    a call of a noinline function with a kprobe (empty pre-handler) on its
 *                    entry: ftrace-based, the mechanism of kmemtrap's #PF hook
 *   kprobe_int3      the same with the kprobe on an instruction inside the function: int3, the
 *                    instruction run out of line, a second int3 (an empty post-handler keeps
 *                    the probe from being optimized into a jump)
 *   memcpy4k[_untracked], memset4k[_untracked]
 *                    memcpy()/memset() of 4 KiB, page-aligned, through the kernel's functions (a
 *                    size the compiler cannot see): tracked source and destination pages, or
 *                    untracked ones
 *   ipi_roundtrip    (more than one CPU online) smp_call_function_single() of an empty function on
 *                    another CPU, waiting for it: what "parking" the other CPUs around a stepped
 *                    instruction would cost at least, per CPU and step (issue 12, design 3)
 *
 * Safety: memory is allocated, tracked, untracked and freed by each measurement in process
 * context; probes and the notifier are registered only while their measurement runs; the trap
 * handlers only count. One measurement at a time (a mutex).
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <asm/debugreg.h>
#include <asm/processor-flags.h>

#include <kmemtrap/kmemtrap.h>

#define KB "kmt_bench: "

/*
 * kmemtrap's API, reached through symbol_get() so that this module loads without kmemtrap too:
 * the measurements that track nothing then still run (bench.sh's ".unloaded" ones, the cost of
 * an allocation or a load with kmemtrap not loaded, in the same boot); the others fail with
 * -ENODEV.
 */
static typeof(&kmemtrap_track) kb_track;
static typeof(&kmemtrap_untrack) kb_untrack;
static typeof(&kmemtrap_set_state) kb_set_state;
static typeof(&kmemtrap_get_state) kb_get_state;

#define KB_REPS 11
#define KB_TARGET_NS (20 * NSEC_PER_MSEC)
#define KB_MAX_N (1ul << 28)
#define KB_COPY_BYTES 4096

struct kb_ctx {
	u64 *word;              /* the load and store loops */
	u8 *src, *dst;          /* memcpy, memset */
	size_t len;             /* their size, read with READ_ONCE: the compiler cannot see it */
	const u64 *unmapped;    /* pf_fixup */
	unsigned long failures; /* ops that did not do what they must (a nofault read that worked) */
	unsigned int cpu;       /* ipi_roundtrip: the other CPU */
};

typedef void (*kb_loop_fn)(struct kb_ctx *c, unsigned long n);

struct kb_result {
	const char *name;
	u64 median_ps, min_ps, max_ps;
	unsigned long n;  /* ops per timed loop */
	u64 ops;          /* every op run, calibration included */
};

static DEFINE_MUTEX(kb_mutex);
static struct kb_result kb_last;
static struct dentry *kb_dir;
static volatile u64 kb_sink;

#define KB_WHY 160

/* Records why a measurement failed in @why (KB_WHY bytes); returns @err. */
static __printf(3, 4) int kb_fail(char *why, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, KB_WHY, fmt, ap);
	va_end(ap);
	return err;
}

/* ---- the loops ----------------------------------------------------------------------------- */

static noinline void kb_load_loop(struct kb_ctx *c, unsigned long n)
{
	const u64 *p = c->word;
	u64 v = 0;

	for (; n; n--)
		asm volatile("movq (%1), %0" : "=r"(v) : "r"(p) : "memory");
	kb_sink = v;
}

static noinline void kb_store_loop(struct kb_ctx *c, unsigned long n)
{
	u64 *p = c->word;

	for (; n; n--)
		asm volatile("movq %1, (%0)" : : "r"(p), "r"(n) : "memory");
}

static noinline void kb_pf_loop(struct kb_ctx *c, unsigned long n)
{
	u64 v;

	for (; n; n--)
		if (!get_kernel_nofault(v, c->unmapped))
			c->failures++;
}

static noinline void kb_memcpy_loop(struct kb_ctx *c, unsigned long n)
{
	for (; n; n--)
		memcpy(c->dst, c->src, READ_ONCE(c->len));
}

static noinline void kb_memset_loop(struct kb_ctx *c, unsigned long n)
{
	for (; n; n--)
		memset(c->dst, 0, READ_ONCE(c->len));
}

/* ---- #DB: one single step of our own -------------------------------------------------------- */

/* Where the single step started by kb_tf_step() traps: just after its nop. */
static unsigned long kb_tf_ip;
static bool kb_db_armed;
static unsigned long kb_db_hits;

/*
 * Sets TF with popfq: the CPU runs the next instruction (the nop) and raises #DB after it, at
 * label 1. The address is stored first, from inside the function (objtool's IBT check refuses a
 * reference to the middle of a function from elsewhere).
 */
static noinline void kb_tf_step(void)
{
	unsigned long tmp;

	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "movq %0, %1\n\t"
		     "pushfq\n\t"
		     "orq %2, (%%rsp)\n\t"
		     "popfq\n\t"
		     "nop\n"
		     "1:"
		     : "=&r"(tmp), "=m"(kb_tf_ip)
		     : "i"(X86_EFLAGS_TF)
		     : "memory", "cc");
}

static void kb_db_loop(struct kb_ctx *c, unsigned long n)
{
	for (; n; n--)
		kb_tf_step();
}

/* Consumes exactly the step kb_tf_step() starts; anything else is someone else's. */
static int kb_db_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	unsigned long *dr6 = (unsigned long *)args->err;

	if (val != DIE_DEBUG || !READ_ONCE(kb_db_armed) || !(*dr6 & DR_STEP) ||
	    args->regs->ip != READ_ONCE(kb_tf_ip))
		return NOTIFY_DONE;
	args->regs->flags &= ~X86_EFLAGS_TF;
	*dr6 &= ~DR_STEP;
	kb_db_hits++;
	return NOTIFY_STOP;
}
NOKPROBE_SYMBOL(kb_db_notify);

/* After kmemtrap's (INT_MAX): kmemtrap sees every #DB first and must pass this one on. */
static struct notifier_block kb_db_nb = {
	.notifier_call = kb_db_notify,
	.priority = INT_MAX - 1,
};
static bool kb_db_registered;

/* ---- kprobes ----------------------------------------------------------------------------- */

static unsigned long kb_kp_pre_hits, kb_kp_post_hits;

static int kb_kp_pre(struct kprobe *p, struct pt_regs *regs)
{
	kb_kp_pre_hits++;
	return 0;
}
NOKPROBE_SYMBOL(kb_kp_pre);

static void kb_kp_post(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
	kb_kp_post_hits++;
}
NOKPROBE_SYMBOL(kb_kp_post);

/* The function probed at its entry (ftrace's call site). Its side effect keeps the calls. */
static noinline void kb_kp_entry_target(void)
{
	kb_sink++;
}

/* Where kb_kp_int3_target()'s probed instruction is (stored by the function itself). */
static unsigned long kb_kp_site;

static noinline void kb_kp_int3_target(void)
{
	unsigned long tmp;

	/* The probed instruction is at label 1: a plain move, which kprobes run out of line. */
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "movq %0, %1\n"
		     "1:\tmovl $0, %k0"
		     : "=&r"(tmp), "=m"(kb_kp_site)
		     : : "memory");
}

static void kb_kp_entry_loop(struct kb_ctx *c, unsigned long n)
{
	for (; n; n--)
		kb_kp_entry_target();
}

static void kb_kp_int3_loop(struct kb_ctx *c, unsigned long n)
{
	for (; n; n--)
		kb_kp_int3_target();
}

static struct kprobe kb_kp;
static bool kb_kp_registered;

static void kb_kp_unregister(void)
{
	if (kb_kp_registered)
		unregister_kprobe(&kb_kp);
	kb_kp_registered = false;
}

/* ---- timing ------------------------------------------------------------------------------- */

/*
 * The marker tools/kmt-profile's QEMU plugin (tools/profile/tbcount.cpp) counts between: this
 * exact instruction, "movabs $'KMTPROF1',%rax", run just before and just after every measurement.
 * Nothing else (it only clobbers rax) when no plugin is listening.
 */
static noinline void kb_profile_mark(void)
{
	asm volatile(".byte 0x48, 0xb8, 'K', 'M', 'T', 'P', 'R', 'O', 'F', '1'" ::: "rax", "memory");
}

static u64 kb_time(kb_loop_fn fn, struct kb_ctx *c, unsigned long n)
{
	u64 t0 = ktime_get_ns();

	fn(c, n);
	return ktime_get_ns() - t0;
}

static int kb_measure(struct kb_result *r, kb_loop_fn fn, struct kb_ctx *c, char *why)
{
	u64 per[KB_REPS], t, x;
	unsigned long n = 1;
	int i, j;

	r->ops = 0;
	kb_profile_mark();
	/*
	 * One op first, untimed: under TCG its first run also translates the code it runs, and
	 * for quiet_load it takes the faults before the page goes quiet. A CI run once timed that
	 * first op at over 10 ms, so n stayed 1 and 12 ops met 4 faults.
	 */
	fn(c, 1);
	r->ops++;
	for (;;) {
		t = kb_time(fn, c, n);
		r->ops += n;
		if (t >= KB_TARGET_NS / 2 && n < KB_MAX_N) {
			/* Long enough: once more, so that one loop the host stalled does not set n. */
			x = kb_time(fn, c, n);
			r->ops += n;
			t = min(t, x);
		}
		if (t >= KB_TARGET_NS / 2 || n >= KB_MAX_N)
			break;
		if (fatal_signal_pending(current)) {
			kb_profile_mark();
			return kb_fail(why, -EINTR, "interrupted");
		}
		cond_resched();
		n *= 2;
	}
	if (t < KB_TARGET_NS)
		n = clamp_t(u64, div64_u64((u64)n * KB_TARGET_NS, max_t(u64, t, 1)), 1, KB_MAX_N);
	for (i = 0; i < KB_REPS; i++) {
		if (fatal_signal_pending(current)) {
			kb_profile_mark();
			return kb_fail(why, -EINTR, "interrupted");
		}
		cond_resched();
		t = kb_time(fn, c, n);
		r->ops += n;
		x = div64_u64(t * 1000, n);
		for (j = i; j > 0 && per[j - 1] > x; j--) /* insertion sort */
			per[j] = per[j - 1];
		per[j] = x;
	}
	kb_profile_mark();
	r->n = n;
	r->median_ps = per[KB_REPS / 2];
	r->min_ps = per[0];
	r->max_ps = per[KB_REPS - 1];
	if (!r->median_ps)
		return kb_fail(why, -EIO, "a median of 0 ps per op");
	return 0;
}

/* ---- memory ------------------------------------------------------------------------------- */

/*
 * A page from the page allocator (the direct map, like the heap), filled with a pattern while
 * still untracked, then [off, off+len) tracked with every byte initialized (len 0: untracked).
 */
static u8 *kb_page(size_t off, size_t len, int *err)
{
	u8 *p = (u8 *)__get_free_page(GFP_KERNEL);

	*err = 0;
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	memset(p, 0x5a, PAGE_SIZE);
	if (len && (*err = kb_track ? kb_track(p + off, len, KMEMTRAP_INITIALIZED) : -ENODEV)) {
		free_page((unsigned long)p);
		return NULL;
	}
	return p;
}

static void kb_page_free(u8 *p, size_t off, size_t len)
{
	if (!p)
		return;
	if (len)
		kb_untrack(p + off, len); /* (tracked: kb_page() found the API) */
	free_page((unsigned long)p);
}

/* ---- the measurements --------------------------------------------------------------------- */

/* A load or store loop on one word of a page tracked at [toff, toff+tlen) (tlen 0: untracked). */
static int kb_word(struct kb_result *r, char *why, kb_loop_fn fn, size_t toff, size_t tlen,
		   size_t woff)
{
	struct kb_ctx c = {};
	u8 *p;
	int ret;

	p = kb_page(toff, tlen, &ret);
	if (!p)
		return kb_fail(why, ret, "no tracked page (%d)", ret);
	c.word = (u64 *)(p + woff);
	ret = kb_measure(r, fn, &c, why);
	kb_page_free(p, toff, tlen);
	return ret;
}

static int kb_untracked_load(struct kb_result *r, char *why)
{
	return kb_word(r, why, kb_load_loop, 0, 0, 64);
}

static int kb_tracked_load(struct kb_result *r, char *why)
{
	return kb_word(r, why, kb_load_loop, 0, PAGE_SIZE, 64);
}

static int kb_tracked_store(struct kb_result *r, char *why)
{
	return kb_word(r, why, kb_store_loop, 0, PAGE_SIZE, 128);
}

static int kb_neighbour_load(struct kb_result *r, char *why)
{
	return kb_word(r, why, kb_load_loop, 0, 64, 2048);
}

/* kmalloc(64) and kfree() of it: what an allocation costs (bench.sh: with and without isolate.c). */
static noinline void kb_kmalloc_loop(struct kb_ctx *c, unsigned long n)
{
	while (n--) {
		void *p = kmalloc(64, GFP_KERNEL);

		kb_sink += (unsigned long)p;
		kfree(p);
	}
}

static int kb_kmalloc_kfree(struct kb_result *r, char *why)
{
	struct kb_ctx c = {};

	return kb_measure(r, kb_kmalloc_loop, &c, why);
}

/* The same through kvmalloc(), whose kmalloc is called from the core kernel (mm/util.c). */
static noinline void kb_kvmalloc_loop(struct kb_ctx *c, unsigned long n)
{
	while (n--) {
		void *p = kvmalloc(64, GFP_KERNEL);

		kb_sink += (unsigned long)p;
		kvfree(p);
	}
}

static int kb_kvmalloc_kvfree(struct kb_result *r, char *why)
{
	struct kb_ctx c = {};

	return kb_measure(r, kb_kvmalloc_loop, &c, why);
}

static noinline void kb_kstrdup_loop(struct kb_ctx *c, unsigned long n)
{
	static const char s40[] = "0123456789abcdef0123456789abcdef0123456";

	while (n--) {
		char *p = kstrdup(s40, GFP_KERNEL);

		kb_sink += (unsigned long)p;
		kfree(p);
	}
}

static int kb_kstrdup_kfree(struct kb_result *r, char *why)
{
	struct kb_ctx c = {};

	return kb_measure(r, kb_kstrdup_loop, &c, why);
}

/*
 * The load of untracked_load from an untracked kmalloc-64 object (kasprintf() allocates it in
 * lib/) next to where a kmalloc-64 object of this module was born, with bench.sh setting
 * track_modules=kmt_bench: a neighbour on the object's page if there is one (the object tracked
 * where it is), else the first (the object moved to a page of its own by isolate.c).
 */
#define KB_NEIGHBOURS 128
static int kb_alloc_neighbour_load(struct kb_result *r, char *why)
{
	static const char s63[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
	struct kb_ctx c = {};
	char **q, *nb = NULL;
	u8 *owner;
	int i, ret;

	q = kvcalloc(KB_NEIGHBOURS, sizeof(*q), GFP_KERNEL); /* (allocated in mm/util.c: untracked) */
	owner = kmalloc(64, GFP_KERNEL); /* left uninitialized: its page cannot go quiet */
	if (!q || !owner) {
		kvfree(q);
		kfree(owner);
		return kb_fail(why, -ENOMEM, "no memory");
	}
	for (i = 0; i < KB_NEIGHBOURS; i++) {
		q[i] = kasprintf(GFP_KERNEL, "%s", s63);
		if (q[i] && !nb && ((unsigned long)q[i] & PAGE_MASK) == ((unsigned long)owner & PAGE_MASK))
			nb = q[i];
	}
	pr_info(KB "alloc_neighbour_load: neighbour %s the tracked object's page\n", nb ? "on" : "not on");
	if (!nb)
		nb = q[0];
	if (nb) {
		c.word = (u64 *)(nb + 8);
		ret = kb_measure(r, kb_load_loop, &c, why);
	} else {
		ret = kb_fail(why, -ENOMEM, "no memory");
	}
	for (i = 0; i < KB_NEIGHBOURS; i++)
		kfree(q[i]);
	kvfree(q);
	kfree(owner);
	return ret;
}

static int kb_pf_fixup(struct kb_result *r, char *why)
{
	struct kb_ctx c = {};
	u8 *area = vmalloc(PAGE_SIZE);
	u64 v;
	int ret;

	if (!area)
		return kb_fail(why, -ENOMEM, "no memory");
	/* A vmalloc area ends with an unmapped guard page that nothing else can map. */
	c.unmapped = (const u64 *)(area + PAGE_SIZE);
	if (!get_kernel_nofault(v, c.unmapped)) {
		vfree(area);
		return kb_fail(why, -EIO, "the guard page after a vmalloc area is mapped");
	}
	ret = kb_measure(r, kb_pf_loop, &c, why);
	vfree(area);
	if (!ret && c.failures)
		ret = kb_fail(why, -EIO, "%lu reads of the guard page did not fault", c.failures);
	return ret;
}

static int kb_db_step(struct kb_result *r, char *why)
{
	struct kb_ctx c = {};
	int ret;

	kb_db_hits = 0;
	ret = register_die_notifier(&kb_db_nb);
	if (ret)
		return kb_fail(why, ret, "register_die_notifier: %d", ret);
	kb_db_registered = true;
	WRITE_ONCE(kb_db_armed, true);
	ret = kb_measure(r, kb_db_loop, &c, why);
	WRITE_ONCE(kb_db_armed, false);
	unregister_die_notifier(&kb_db_nb);
	kb_db_registered = false;
	if (!ret && kb_db_hits != r->ops)
		ret = kb_fail(why, -EIO, "%lu single steps consumed for %llu ops", kb_db_hits, r->ops);
	return ret;
}

/* A loop of calls of a function with a kprobe at @addr; @ftrace: the probe must be ftrace-based. */
static int kb_kprobe(struct kb_result *r, char *why, void *addr, kb_loop_fn fn, bool ftrace)
{
	struct kb_ctx c = {};
	int ret;

	memset(&kb_kp, 0, sizeof(kb_kp));
	kb_kp.addr = addr;
	kb_kp.pre_handler = kb_kp_pre;
	if (!ftrace)
		kb_kp.post_handler = kb_kp_post; /* a probe with a post-handler is never optimized */
	kb_kp_pre_hits = kb_kp_post_hits = 0;
	ret = register_kprobe(&kb_kp);
	if (ret)
		return kb_fail(why, ret, "register_kprobe at %pS: %d", addr, ret);
	kb_kp_registered = true;
	if (kprobe_ftrace(&kb_kp) != ftrace) {
		ret = kb_fail(why, -EIO, "the kprobe at %pS is %sftrace-based", addr, ftrace ? "not " : "");
		goto out;
	}
	ret = kb_measure(r, fn, &c, why);
	if (ret)
		goto out;
	if (kb_kp_pre_hits != r->ops || (!ftrace && kb_kp_post_hits != r->ops))
		ret = kb_fail(why, -EIO, "%lu pre- and %lu post-handler hits for %llu calls",
			      kb_kp_pre_hits, kb_kp_post_hits, r->ops);
	else if (kprobe_optimized(&kb_kp))
		ret = kb_fail(why, -EIO, "the kprobe was optimized into a jump");
out:
	kb_kp_unregister();
	return ret;
}

static int kb_kprobe_ftrace(struct kb_result *r, char *why)
{
	return kb_kprobe(r, why, kb_kp_entry_target, kb_kp_entry_loop, true);
}

static int kb_kprobe_int3(struct kb_result *r, char *why)
{
	kb_kp_int3_target(); /* stores the probed instruction's address */
	return kb_kprobe(r, why, (void *)READ_ONCE(kb_kp_site), kb_kp_int3_loop, false);
}

/* memcpy or memset of 4 KiB at the start of a page; @tracked: both pages tracked. */
static int kb_copy(struct kb_result *r, char *why, bool is_memcpy, bool tracked)
{
	size_t tlen = tracked ? PAGE_SIZE : 0, i;
	struct kb_ctx c = { .len = KB_COPY_BYTES };
	u8 want = is_memcpy ? 0x5a : 0;
	int ret, e1, e2;

	c.src = kb_page(0, tlen, &e1);
	c.dst = kb_page(0, tlen, &e2);
	if (!c.src || !c.dst) {
		ret = kb_fail(why, e1 ? e1 : e2, "no pages (%d, %d)", e1, e2);
		goto out;
	}
	if (tracked)
		kb_set_state(c.dst, PAGE_SIZE, KMEMTRAP_UNINITIALIZED); /* as a fresh buffer */
	ret = kb_measure(r, is_memcpy ? kb_memcpy_loop : kb_memset_loop, &c, why);
	if (ret)
		goto out;
	if (tracked && kb_get_state(c.dst + KB_COPY_BYTES - 1) != KMEMTRAP_INITIALIZED) {
		ret = kb_fail(why, -EIO, "the destination's last byte is not initialized");
		goto out;
	}
	/* Read the data back untracked, then free the page. */
	if (tracked)
		kb_untrack(c.dst, PAGE_SIZE);
	for (i = 0; i < KB_COPY_BYTES; i++) {
		if (c.dst[i] != want) {
			ret = kb_fail(why, -EIO, "data wrong at +%zu", i);
			break;
		}
	}
	free_page((unsigned long)c.dst);
	c.dst = NULL;
out:
	kb_page_free(c.src, 0, tlen);
	kb_page_free(c.dst, 0, tlen);
	return ret;
}

static int kb_memcpy4k(struct kb_result *r, char *why)
{
	return kb_copy(r, why, true, true);
}

static int kb_memset4k(struct kb_result *r, char *why)
{
	return kb_copy(r, why, false, true);
}

static int kb_memcpy4k_untracked(struct kb_result *r, char *why)
{
	return kb_copy(r, why, true, false);
}

static int kb_memset4k_untracked(struct kb_result *r, char *why)
{
	return kb_copy(r, why, false, false);
}


/*
 * ipi_roundtrip (only with more than one online CPU): a synchronous call on another CPU
 * (smp_call_function_single(..., wait)), the price of "parking" the other CPUs for one stepped
 * instruction (issue 12, design 3), which needs at least one such round trip per CPU per step.
 */
static void kb_ipi_noop(void *info)
{
}

static noinline void kb_ipi_loop(struct kb_ctx *c, unsigned long n)
{
	for (; n; n--)
		if (smp_call_function_single(c->cpu, kb_ipi_noop, NULL, 1))
			c->failures++;
}

static int kb_ipi_roundtrip(struct kb_result *r, char *why)
{
	struct kb_ctx c = {};
	int ret;

	c.cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (c.cpu >= nr_cpu_ids)
		return kb_fail(why, -ENODEV, "no other online CPU");
	ret = kb_measure(r, kb_ipi_loop, &c, why);
	if (!ret && c.failures)
		ret = kb_fail(why, -EIO, "%lu calls failed", c.failures);
	return ret;
}
/* In the order the scenario runs them. */
static const struct kb_case {
	const char *name;
	const char *kind;
	int (*run)(struct kb_result *r, char *why);
} kb_cases[] = {
	{ "pf_fixup", "plain", kb_pf_fixup },
	{ "db_step", "plain", kb_db_step },
	{ "kprobe_ftrace", "plain", kb_kprobe_ftrace },
	{ "kprobe_int3", "plain", kb_kprobe_int3 },
	{ "untracked_load", "plain", kb_untracked_load },
	{ "tracked_load", "tracked", kb_tracked_load },
	{ "tracked_store", "tracked", kb_tracked_store },
	{ "quiet_load", "quiet", kb_tracked_load },
	{ "neighbour_load", "tracked", kb_neighbour_load },
	{ "kmalloc_kfree", "alloc", kb_kmalloc_kfree },
	{ "kvmalloc_kvfree", "alloc", kb_kvmalloc_kvfree },
	{ "kstrdup_kfree", "alloc", kb_kstrdup_kfree },
	{ "alloc_neighbour_load", "isolated", kb_alloc_neighbour_load },
	{ "memcpy4k_untracked", "plain", kb_memcpy4k_untracked },
	{ "memcpy4k", "rep", kb_memcpy4k },
	{ "memset4k_untracked", "plain", kb_memset4k_untracked },
	{ "memset4k", "rep", kb_memset4k },
	{ "ipi_roundtrip", "plain", kb_ipi_roundtrip }, /* listed only with more than one CPU */
};

/* ---- debugfs ------------------------------------------------------------------------------ */

static ssize_t kb_run_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char name[32], why[KB_WHY] = "";
	struct kb_result r = {};
	const struct kb_case *c = NULL;
	size_t i;
	int ret;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = 0;
	strim(name);
	if (!strcmp(name, "mark")) { /* one profile marker: tools/kmt-profile around other work */
		kb_profile_mark();
		return len;
	}
	for (i = 0; i < ARRAY_SIZE(kb_cases) && !c; i++)
		if (!strcmp(name, kb_cases[i].name))
			c = &kb_cases[i];
	if (!c) {
		pr_err(KB "no measurement named '%s'\n", name);
		return -EINVAL;
	}
	ret = mutex_lock_interruptible(&kb_mutex);
	if (ret)
		return ret;
	memset(&kb_last, 0, sizeof(kb_last));
	r.name = c->name;
	ret = c->run(&r, why);
	if (ret) {
		pr_err(KB "%s: FAILED: %s (%d)\n", c->name, why, ret);
	} else {
		kb_last = r;
		pr_info(KB "%s: median %llu.%03llu ns/op (min %llu.%03llu, max %llu.%03llu), %d loops of %lu ops, %llu ops in all\n",
			r.name, r.median_ps / 1000, r.median_ps % 1000, r.min_ps / 1000, r.min_ps % 1000,
			r.max_ps / 1000, r.max_ps % 1000, KB_REPS, r.n, r.ops);
	}
	mutex_unlock(&kb_mutex);
	return ret ? ret : len;
}

static const struct file_operations kb_run_fops = {
	.owner = THIS_MODULE,
	.write = kb_run_write,
	.llseek = default_llseek,
};

static int kb_result_show(struct seq_file *m, void *unused)
{
	mutex_lock(&kb_mutex);
	if (kb_last.name)
		seq_printf(m, "%s %llu %llu %llu %lu %llu\n", kb_last.name, kb_last.median_ps,
			   kb_last.min_ps, kb_last.max_ps, kb_last.n, kb_last.ops);
	mutex_unlock(&kb_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kb_result);

static int kb_list_show(struct seq_file *m, void *unused)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kb_cases); i++)
		if (kb_cases[i].run != kb_ipi_roundtrip || num_online_cpus() > 1)
			seq_printf(m, "%s %s\n", kb_cases[i].name, kb_cases[i].kind);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kb_list);

static void kb_api_put(void)
{
	if (kb_track)
		symbol_put(kmemtrap_track);
	if (kb_untrack)
		symbol_put(kmemtrap_untrack);
	if (kb_set_state)
		symbol_put(kmemtrap_set_state);
	if (kb_get_state)
		symbol_put(kmemtrap_get_state);
	kb_track = NULL;
	kb_untrack = NULL;
	kb_set_state = NULL;
	kb_get_state = NULL;
}

static int __init kb_init(void)
{
	kb_track = symbol_get(kmemtrap_track);
	kb_untrack = symbol_get(kmemtrap_untrack);
	kb_set_state = symbol_get(kmemtrap_set_state);
	kb_get_state = symbol_get(kmemtrap_get_state);
	if (!kb_track || !kb_untrack || !kb_set_state || !kb_get_state) {
		kb_api_put();
		pr_info(KB "kmemtrap is not loaded: the measurements that track nothing only\n");
	}
	kb_dir = debugfs_create_dir("kmt_bench", NULL);
	debugfs_create_file("run", 0200, kb_dir, NULL, &kb_run_fops);
	debugfs_create_file("result", 0444, kb_dir, NULL, &kb_result_fops);
	debugfs_create_file("list", 0444, kb_dir, NULL, &kb_list_fops);
	pr_info(KB "ready: %zu measurements in /sys/kernel/debug/kmt_bench/list\n", ARRAY_SIZE(kb_cases));
	return 0;
}

static void __exit kb_exit(void)
{
	/* Waits for a measurement in flight; each one unregisters what it registered. */
	debugfs_remove_recursive(kb_dir);
	mutex_lock(&kb_mutex);
	kb_kp_unregister();
	if (kb_db_registered)
		unregister_die_notifier(&kb_db_nb);
	kb_db_registered = false;
	mutex_unlock(&kb_mutex);
	kb_api_put();
}

module_init(kb_init);
module_exit(kb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap benchmark: tracked accesses against bare #PF, #DB and kprobe round trips");
