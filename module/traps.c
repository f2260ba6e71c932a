// SPDX-License-Identifier: GPL-2.0
/*
 * traps.c - catching the page fault and the single-step trap, and running the engine.
 *
 * #PF: a kprobe on the last stage of the kernel's not-present fault path for kernel addresses,
 * kernelmode_fixup_or_oops(regs, error_code, address, ...) (arch/x86/mm/fault.c). Everything
 * earlier (exc_page_fault, do_kern_addr_fault) is noinstr or NOKPROBE. The probe is
 * ftrace-based: its pre-handler gets the probed function's registers, so rdi/rsi/rdx are the
 * faulting pt_regs, the error code and the address. When the engine handles the fault the
 * pre-handler points the probe's ip at kmt_fault_return (a plain return) and returns 1: the
 * probed function returns at once to its caller and the fault path irets to the edited regs.
 * At load the argument registers are checked by a calibration fault (kmt_calibrate) and the
 * module refuses to arm if they are not what this code assumes.
 *
 * #DB: a die notifier (DIE_DEBUG); args->err points at DR6. A single step that is ours is
 * consumed (DR6.BS cleared, NOTIFY_STOP).
 *
 * Engine state: a few kmt_engine_cpu slots per CPU (see struct kmt_cpu): nested steps for code
 * that runs while a step is in flight, and one for NMI code.
 */
#include <linux/delay.h>
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/trap_pf.h>

#include "kmt.h"
#include "kmt_alloc.h"
#include "kmt_engine.h"
#include "kmt_pages.h"
#include "kmt_report.h"
#include "kmt_traps.h"

/*
 * Engine slots per CPU. Slots 0..KMT_TASK_SLOTS-1 nest for non-NMI code: slot 0 steps an
 * instruction; when other code runs while that step is in flight (an interrupt, or another task
 * while a user-memory step sleeps in a user page fault) and touches a tracked page, its access is
 * stepped in the next slot. The last slot is for NMI code. Each slot records the task whose code
 * it steps: a single-step trap goes to the innermost busy slot of the current task.
 */
#define KMT_TASK_SLOTS 3
#define KMT_NMI_SLOT KMT_TASK_SLOTS
#define KMT_SLOTS (KMT_TASK_SLOTS + 1)

struct kmt_cpu {
	struct kmt_engine_cpu slot[KMT_SLOTS];
	struct kmt_engine_platform plat[KMT_SLOTS]; /* the same callbacks, ctx = that slot's regs */
	struct task_struct *owner[KMT_SLOTS];
	/*
	 * Set while one of our own handlers runs on this CPU. A fault that comes in then can only be
	 * an NMI's inside our #DB handler (a #PF handler cannot be re-entered: kprobes skip nested
	 * hits). Stepping it would raise a #DB on the #DB stack that is in use, so its page is shown
	 * unchecked and hidden again when the outer handler ends.
	 */
	int in_handler;
	unsigned int ndeferred;
	unsigned long deferred[KMT_ENGINE_MAX_SHOWN];
};
static struct kmt_cpu __percpu *kmt_cpus;

static struct kprobe kmt_fault_kprobe;
static struct notifier_block kmt_die_nb;
static bool kmt_kprobe_registered, kmt_die_registered;
static bool kmt_traps_on;            /* faults on tracked pages are handled */

/* Calibration of the probe's argument registers (see kmt_calibrate()). */
static unsigned long kmt_calib_addr;
static struct {
	bool seen;
	unsigned long regs_ip, error_code, sp_delta;
} kmt_calib;

atomic_long_t kmt_foreign_faults; /* faults on tracked pages the hook could not take */

/* ---------------------------------------------------------------------------------------- */
/* Platform callbacks for the engine. All trap-safe: no locks, no allocation, no printk.     */

static int kmt_pf_is_tracked(void *ctx, uint64_t page)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page);

	return p && READ_ONCE(p->tracked);
}

/*
 * show/hide are reference counted: an NMI's step may need a page the outer step shows, and
 * must not hide it under the outer step.
 */
static void kmt_pf_show(void *ctx, uint64_t page)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page);

	if (!p)
		return;
	if (atomic_inc_return(&p->shown) == 1)
		kmt_page_show(p);
}

static void kmt_pf_hide(void *ctx, uint64_t page)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page);

	if (!p)
		return;
	if (unlikely(atomic_read(&p->shown) <= 0)) {
		atomic_long_inc(&kmt_internal_errors); /* unbalanced: no printk in a trap */
		return;
	}
	if (atomic_dec_return(&p->shown) == 0 && p->tracked)
		kmt_page_hide(p);
}

static size_t kmt_pf_read_code(void *ctx, uint64_t rip, uint8_t *buf, size_t len)
{
	size_t first = min_t(size_t, len, PAGE_SIZE - (rip & ~PAGE_MASK));

	if (copy_from_kernel_nofault(buf, (void *)(unsigned long)rip, first))
		return 0;
	if (first < len &&
	    !copy_from_kernel_nofault(buf + first, (void *)(unsigned long)(rip + first), len - first))
		return len;
	return first;
}

static int kmt_pf_is_user_address(void *ctx, uint64_t addr)
{
	return addr < TASK_SIZE_MAX;
}

struct kmt_text_range {
	unsigned long start, end;
};

/*
 * The kernel's copy-to-user routines. For short or unaligned copies they move data through
 * registers (movq loads and stores) rather than MOVS, so a leak of uninitialized bytes shows up
 * as a plain read. These routines read kernel memory only when copying *to* user space (the
 * source of copy_from_user is user memory, which is never tracked), so a bad read inside them
 * is reported as an infoleak. Names for 6.1 and for 6.2+ (rep_movs_alternative).
 */
static const char *const kmt_copy_user_names[] = {
	"copy_user_generic_unrolled", "copy_user_generic_string", "copy_user_enhanced_fast_string",
	"copy_user_short_string", "rep_movs_alternative",
};
static struct kmt_text_range kmt_copy_user[ARRAY_SIZE(kmt_copy_user_names)];

/*
 * The slab and page allocators themselves: they read and write free objects (freelist words,
 * bulk and RCU frees that have no per-object tracepoint), so their reads are never reported.
 * Their writes still mark bytes initialized.
 */
static const char *const kmt_allocator_names[] = {
	"kmem_cache_alloc", "kmem_cache_alloc_lru", "kmem_cache_alloc_node", "kmem_cache_alloc_bulk",
	"kmem_cache_free", "kmem_cache_free_bulk", "kfree", "__kmalloc", "__kmalloc_node",
	"__kmalloc_node_track_caller", "kmalloc_trace", "kmalloc_node_trace", "___slab_alloc",
	"__slab_free", "__kmem_cache_alloc_node", "__kmem_cache_free", "deactivate_slab",
	"get_partial_node", "build_detached_freelist", "__kmem_cache_free_bulk", "free_pcp_prepare",
	"free_pages_prepare", "free_unref_page_prepare", "kfree_bulk", "kmem_cache_alloc_node_lru",
};
static struct kmt_text_range kmt_allocator[ARRAY_SIZE(kmt_allocator_names)];
atomic_long_t kmt_reports_suppressed;

/* Finds [start, end) of each named kernel function that exists (process context). */
static void kmt_find_ranges(const char *const *names, struct kmt_text_range *ranges, unsigned int n)
{
	typedef int (*size_offset_t)(unsigned long addr, unsigned long *size, unsigned long *off);
	size_offset_t size_offset = (size_offset_t)kmt_lookup_symbol("kallsyms_lookup_size_offset");
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned long addr = kmt_lookup_symbol(names[i]), size = 0, off = 0;

		if (!addr || !size_offset || !size_offset(addr, &size, &off) || off)
			continue;
		ranges[i].start = addr;
		ranges[i].end = addr + size;
	}
}

static bool kmt_in_ranges(const struct kmt_text_range *ranges, unsigned int n, unsigned long ip)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ip >= ranges[i].start && ip < ranges[i].end)
			return true;
	return false;
}

static bool kmt_in_copy_user(unsigned long ip)
{
	return kmt_in_ranges(kmt_copy_user, ARRAY_SIZE(kmt_copy_user), ip);
}

/* The wrappers above them, skipped too when naming who leaked (see kmt_copy_user_caller()). */
static const char *const kmt_copy_wrapper_names[] = { "_copy_to_user", "copy_to_user_nofault" };
static struct kmt_text_range kmt_copy_wrapper[ARRAY_SIZE(kmt_copy_wrapper_names)];

/*
 * The first frame of @entries outside the copy-to-user routines and their wrappers: the code that
 * called copy_to_user(). Infoleak reports are named and deduplicated by it, so that different
 * leaks through the same copy routine are different reports. Returns 0 if there is none.
 */
unsigned long kmt_copy_user_caller(const unsigned long *entries, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!kmt_in_copy_user(entries[i]) &&
		    !kmt_in_ranges(kmt_copy_wrapper, ARRAY_SIZE(kmt_copy_wrapper), entries[i]))
			return entries[i];
	return 0;
}

static void kmt_pf_report(void *ctx, const struct kmt_error *e)
{
	static const u8 kinds[] = {
		[KMT_ERR_UNINIT_READ] = KMT_REPORT_UNINIT_READ,
		[KMT_ERR_FREED_READ] = KMT_REPORT_FREED_READ,
		[KMT_ERR_UNALLOCATED_READ] = KMT_REPORT_UNALLOCATED_READ,
		[KMT_ERR_INFOLEAK] = KMT_REPORT_INFOLEAK,
	};
	struct pt_regs regs = *(struct pt_regs *)ctx;
	struct kmt_report_rec rec = {};

	if (e->kind == KMT_ERR_INTERNAL || e->kind >= ARRAY_SIZE(kinds)) {
		atomic_long_inc(&kmt_internal_errors);
		return;
	}
	if (kmt_in_ranges(kmt_allocator, ARRAY_SIZE(kmt_allocator), e->rip)) {
		atomic_long_inc(&kmt_reports_suppressed);
		return;
	}
	rec.kind = kinds[e->kind];
	if (e->kind != KMT_ERR_INFOLEAK && kmt_in_copy_user(e->rip)) {
		/* A register copy to user space: rdi is where it is storing. */
		rec.kind = KMT_REPORT_INFOLEAK;
		rec.dst = regs.di;
	} else {
		rec.dst = e->dst_addr;
	}
	rec.bad_state = e->bad_state;
	rec.size = e->size;
	rec.addr = e->addr;
	rec.bad_addr = e->bad_addr;
	rec.ip = e->rip;
	rec.cpu = raw_smp_processor_id();
	/* The #DB handler counts as NMI context, so in_task() says nothing here: name the task. */
	rec.pid = task_pid_nr(current);
	memcpy(rec.comm, current->comm, sizeof(rec.comm));
	rec.comm[sizeof(rec.comm) - 1] = 0;
	rec.seq = kmt_alloc_now();
	rec.snapshot_start = kmt_shadow_snapshot(&kmt_engine_platform.shadow, e->bad_addr,
						 rec.snapshot);
	/* Unwind from the faulting instruction itself (a #DB leaves ip after it; sp is the same). */
	regs.ip = e->rip;
	kmt_report_queue(&rec, &regs);
}

/*
 * Whether every page of [addr, addr+len) is mapped (and writable if @write) in the kernel page
 * tables, so that the batch copy cannot fault inside the trap handler, where a fault would oops
 * (the kprobe is running). Tracked pages among them have just been shown by the engine.
 */
static bool kmt_range_mapped(unsigned long addr, unsigned long len, bool write)
{
	unsigned long page, end = addr + len;

	if (!len || end < addr)
		return !len;
	for (page = addr & PAGE_MASK; page < end; page += PAGE_SIZE) {
		unsigned int level;
		pte_t *pte = lookup_address(page, &level);

		if (!virt_addr_valid((void *)page) && !is_vmalloc_addr((void *)page))
			return false; /* not plain RAM (e.g. I/O mappings): let the CPU do it */
		if (!pte || !pte_present(*pte) || (write && !pte_write(*pte)))
			return false;
	}
	return true;
}

/*
 * Batch mode: both ranges are kernel memory, tracked pages among them shown by the engine. If a
 * page is not mapped (or the destination not writable), nothing is written and the engine steps
 * the instruction instead, so the CPU raises the fault natively.
 */
static int kmt_pf_copy(void *ctx, uint64_t dst, uint64_t src, uint64_t len)
{
	if (!kmt_range_mapped(src, len, false) || !kmt_range_mapped(dst, len, true))
		return -EFAULT;
	memmove((void *)(unsigned long)dst, (const void *)(unsigned long)src, len);
	return 0;
}

struct kmt_engine_platform kmt_engine_platform = {
	.shadow = { .lookup = kmt_pages_shadow_lookup },
	.is_tracked = kmt_pf_is_tracked,
	.show = kmt_pf_show,
	.hide = kmt_pf_hide,
	.read_code = kmt_pf_read_code,
	.is_user_address = kmt_pf_is_user_address,
	.report = kmt_pf_report,
	.copy = kmt_pf_copy,
};
atomic_long_t kmt_internal_errors;

/* ---------------------------------------------------------------------------------------- */

static void kmt_regs_in(struct kmt_regs *r, const struct pt_regs *p)
{
	r->gpr[KMT_REG_RAX] = p->ax;
	r->gpr[KMT_REG_RCX] = p->cx;
	r->gpr[KMT_REG_RDX] = p->dx;
	r->gpr[KMT_REG_RBX] = p->bx;
	r->gpr[KMT_REG_RSP] = p->sp;
	r->gpr[KMT_REG_RBP] = p->bp;
	r->gpr[KMT_REG_RSI] = p->si;
	r->gpr[KMT_REG_RDI] = p->di;
	r->gpr[KMT_REG_R8] = p->r8;
	r->gpr[KMT_REG_R9] = p->r9;
	r->gpr[KMT_REG_R10] = p->r10;
	r->gpr[KMT_REG_R11] = p->r11;
	r->gpr[KMT_REG_R12] = p->r12;
	r->gpr[KMT_REG_R13] = p->r13;
	r->gpr[KMT_REG_R14] = p->r14;
	r->gpr[KMT_REG_R15] = p->r15;
	r->rip = p->ip;
	r->rflags = p->flags;
	/* Kernel mode: GS base is this CPU's per-cpu base, FS base the task's (rarely used). */
	rdmsrl(MSR_FS_BASE, r->fs_base);
	rdmsrl(MSR_GS_BASE, r->gs_base);
}

/* The engine only ever moves RIP, RFLAGS, RCX, RSI and RDI. */
static void kmt_regs_out(struct pt_regs *p, const struct kmt_regs *r)
{
	p->ip = r->rip;
	p->flags = r->rflags;
	p->cx = r->gpr[KMT_REG_RCX];
	p->si = r->gpr[KMT_REG_RSI];
	p->di = r->gpr[KMT_REG_RDI];
}

/*
 * The slot for a fault at @ip: the slot stepping that very instruction (a second page, or an
 * unrelated fault of it), else a fresh slot above the innermost busy one (other code running
 * while a step is in flight). With every task slot busy, the innermost takes it (the engine then
 * lets the access through unchecked).
 */
static int kmt_slot_for_fault(struct kmt_cpu *c, unsigned long ip)
{
	int i, top = -1, idle = -1;
	bool mine = false;

	if (in_nmi())
		return KMT_NMI_SLOT;
	for (i = KMT_TASK_SLOTS - 1; i >= 0; i--) {
		if (!kmt_engine_busy(&c->slot[i])) {
			idle = i;
			continue;
		}
		if (top < 0)
			top = i;
		if (c->owner[i] == current) {
			if (kmt_engine_owns(&c->slot[i], ip))
				return i;
			mine = true;
		}
	}
	if (top + 1 < KMT_TASK_SLOTS)
		return top + 1;
	/*
	 * The top slot is taken. A lower idle slot is fine for a task with no step in flight here
	 * (its single step finds it by owner); otherwise the innermost activation lets the access
	 * through unchecked (the engine's foreign-fault path), without changing its owner.
	 */
	return idle >= 0 && !mine ? idle : top;
}

/* The slot a single-step trap belongs to, or -1: the innermost busy one of this task. */
static int kmt_slot_for_step(struct kmt_cpu *c)
{
	int i;

	if (kmt_engine_busy(&c->slot[KMT_NMI_SLOT]))
		return KMT_NMI_SLOT; /* an NMI's step nests inside everything and completes first */
	for (i = KMT_TASK_SLOTS - 1; i >= 0; i--)
		if (kmt_engine_busy(&c->slot[i]) && c->owner[i] == current)
			return i;
	return -1;
}

/*
 * Bookkeeping when slot @i starts or ends an activation: the owner is set only when it starts
 * (a foreign access let through by a busy slot never takes it over), and the module is pinned
 * while any step is in flight, so that rmmod cannot pull the handlers from under a step that
 * sleeps in a user page fault.
 */
static void kmt_slot_transition(struct kmt_cpu *c, int i, bool was_busy)
{
	bool busy = kmt_engine_busy(&c->slot[i]);

	if (!was_busy && busy) {
		c->owner[i] = current;
		__module_get(THIS_MODULE);
	} else if (was_busy && !busy) {
		c->owner[i] = NULL;
		module_put(THIS_MODULE);
	}
}

static void kmt_pf_show(void *ctx, uint64_t page);
static void kmt_pf_hide(void *ctx, uint64_t page);

/* A fault inside our own handler (see struct kmt_cpu): show the page, hide it afterwards. */
static bool kmt_defer_show(struct kmt_cpu *c, unsigned long address)
{
	unsigned long page = address & PAGE_MASK;

	if (!kmt_page_find(page) || c->ndeferred >= ARRAY_SIZE(c->deferred))
		return false;
	kmt_pf_show(NULL, page);
	c->deferred[c->ndeferred++] = page;
	atomic_long_inc(&kmt_internal_errors);
	return true;
}

static void kmt_handler_exit(struct kmt_cpu *c)
{
	if (--c->in_handler)
		return;
	while (c->ndeferred)
		kmt_pf_hide(NULL, c->deferred[--c->ndeferred]);
}

/* Slot @i's platform, with ctx pointing at the trap's regs for reports. */
static struct kmt_engine_platform *kmt_plat_for(struct kmt_cpu *c, int i, struct pt_regs *regs)
{
	c->plat[i].ctx = regs;
	return &c->plat[i];
}

/* A plain return for the probed function (see the header comment). */
static noinline notrace void kmt_fault_return(void)
{
	barrier();
}
NOKPROBE_SYMBOL(kmt_fault_return);

/* Pre-handler at the entry of kernelmode_fixup_or_oops(regs, error_code, address, ...). */
static int notrace kmt_fault_pre(struct kprobe *kp, struct pt_regs *kregs)
{
	struct pt_regs *regs = (struct pt_regs *)kregs->di;
	unsigned long error_code = kregs->si, address = kregs->dx;
	struct kmt_cpu *c;
	struct kmt_regs r;
	bool was_busy;
	int res, i;

	if (unlikely(address == READ_ONCE(kmt_calib_addr) && address)) {
		/* Calibration: record what we see and let the kernel's fixup run. */
		kmt_calib.seen = true;
		kmt_calib.regs_ip = regs->ip;
		kmt_calib.error_code = error_code;
		return 0;
	}
	c = this_cpu_ptr(kmt_cpus);
	if (unlikely(c->in_handler)) {
		if (!kmt_defer_show(c, address))
			return 0;
		kregs->ip = (unsigned long)kmt_fault_return;
		return 1;
	}
	i = kmt_slot_for_fault(c, regs->ip);
	was_busy = kmt_engine_busy(&c->slot[i]);
	/* While unloading, steps in flight still finish (or cancel); nothing new starts. */
	if (!was_busy && (!READ_ONCE(kmt_traps_on) || !kmt_page_find(address)))
		return 0;

	c->in_handler++;
	kmt_regs_in(&r, regs);
	res = kmt_engine_fault(&c->slot[i], kmt_plat_for(c, i, regs), &r, address, error_code);
	kmt_regs_out(regs, &r);
	kmt_slot_transition(c, i, was_busy);
	kmt_handler_exit(c);
	if (res == KMT_ENGINE_NOT_OURS)
		return 0;
	/* Handled: make kernelmode_fixup_or_oops() return to its caller right away. */
	kregs->ip = (unsigned long)kmt_fault_return;
	return 1;
}
NOKPROBE_SYMBOL(kmt_fault_pre);

static int notrace kmt_die_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	unsigned long *dr6 = (unsigned long *)args->err;
	struct kmt_cpu *c;
	struct kmt_regs r;
	int res, i;

	if (val != DIE_DEBUG || !(*dr6 & DR_STEP) || user_mode(args->regs))
		return NOTIFY_DONE; /* kmemtrap only ever steps kernel code */
	c = this_cpu_ptr(kmt_cpus);
	i = kmt_slot_for_step(c);
	if (i < 0)
		return NOTIFY_DONE;
	c->in_handler++;
	kmt_regs_in(&r, args->regs);
	res = kmt_engine_single_step(&c->slot[i], kmt_plat_for(c, i, args->regs), &r);
	kmt_regs_out(args->regs, &r);
	kmt_slot_transition(c, i, true);
	kmt_handler_exit(c);
	if (res == KMT_ENGINE_HANDLED) {
		*dr6 &= ~DR_STEP;
		return NOTIFY_STOP;
	}
	return NOTIFY_DONE;
}
NOKPROBE_SYMBOL(kmt_die_notify);

/*
 * Calibration: fault on a hidden page of our own through get_kernel_nofault() (an access with
 * an exception-table fixup) and check that the probe saw the address in
 * rdx, a not-present kernel read in rsi and, through rdi, a pt_regs whose ip is in copy_from_kernel_nofault()
 * (where get_kernel_nofault() makes the access).
 */
static noinline int kmt_calibrate(void)
{
	unsigned long page = __get_free_page(GFP_KERNEL);
	struct kmt_page *p;
	unsigned long val = 0;
	unsigned long here = (unsigned long)copy_from_kernel_nofault;
	int ret = 0, err;

	if (!page)
		return -ENOMEM;
	p = kmt_page_get(page);
	if (IS_ERR(p)) {
		free_page(page);
		pr_err("calibration: cannot track a page of our own (%ld)\n", PTR_ERR(p));
		return PTR_ERR(p);
	}
	kmt_pages_set_armed(true);
	memset(&kmt_calib, 0, sizeof(kmt_calib));
	WRITE_ONCE(kmt_calib_addr, page + 64);
	barrier();
	err = get_kernel_nofault(val, (unsigned long *)(page + 64));
	barrier();
	WRITE_ONCE(kmt_calib_addr, 0);
	kmt_pages_set_armed(false);
	kmt_page_put(p);
	free_page(page);

	if (!err) {
		pr_err("calibration: a read of a hidden page did not fault; refusing to arm\n");
		ret = -EINVAL;
	} else if (!kmt_calib.seen) {
		pr_err("calibration: the fault did not reach the probe with the address in rdx; this kernel's %s differs from what kmemtrap expects; refusing to arm\n",
		       kmt_fault_kprobe.symbol_name);
		ret = -EINVAL;
	} else if (kmt_calib.error_code & (X86_PF_PROT | X86_PF_USER | X86_PF_WRITE) ||
		   kmt_calib.regs_ip < here || kmt_calib.regs_ip >= here + 1024) {
		pr_err("calibration: unexpected probe arguments (error code %#lx, regs->ip %pS); refusing to arm\n",
		       kmt_calib.error_code, (void *)kmt_calib.regs_ip);
		ret = -EINVAL;
	}
	return ret;
}

int kmt_traps_init(const char *hook_symbol, enum kmt_rep_mode mode)
{
	int cpu, ret;

	kmt_cpus = alloc_percpu(struct kmt_cpu);
	if (!kmt_cpus) {
		pr_err("cannot allocate per-CPU engine state\n");
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		int i;

		for (i = 0; i < KMT_SLOTS; i++) {
			kmt_engine_cpu_init(&c->slot[i], mode);
			c->plat[i] = kmt_engine_platform;
			c->owner[i] = NULL;
		}
	}

	kmt_find_ranges(kmt_copy_user_names, kmt_copy_user, ARRAY_SIZE(kmt_copy_user));
	kmt_find_ranges(kmt_allocator_names, kmt_allocator, ARRAY_SIZE(kmt_allocator));
	kmt_find_ranges(kmt_copy_wrapper_names, kmt_copy_wrapper, ARRAY_SIZE(kmt_copy_wrapper));
	kmt_fault_kprobe.symbol_name = hook_symbol;
	kmt_fault_kprobe.pre_handler = kmt_fault_pre;
	ret = register_kprobe(&kmt_fault_kprobe);
	if (ret) {
		pr_err("cannot register a kprobe on %s (error %d)\n", hook_symbol, ret);
		free_percpu(kmt_cpus);
		kmt_cpus = NULL;
		return ret;
	}
	kmt_kprobe_registered = true;

	kmt_die_nb.notifier_call = kmt_die_notify;
	kmt_die_nb.priority = INT_MAX;
	ret = register_die_notifier(&kmt_die_nb);
	if (ret) {
		pr_err("cannot register the die notifier (error %d)\n", ret);
		goto fail;
	}
	kmt_die_registered = true;

	ret = kmt_calibrate();
	if (ret)
		goto fail;
	WRITE_ONCE(kmt_traps_on, true);
	return 0;
fail:
	kmt_traps_exit();
	return ret;
}

/* True while any CPU has a step in flight. */
static bool kmt_any_busy(void)
{
	int cpu;

	if (!kmt_cpus)
		return false;
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		int i;

		for (i = 0; i < KMT_SLOTS; i++)
			if (kmt_engine_busy(&c->slot[i]))
				return true;
	}
	return false;
}

void kmt_traps_exit(void)
{
	int tries;

	/* Pages are already shown (disarmed): no new activations can start on them. */
	WRITE_ONCE(kmt_traps_on, false);
	for (tries = 0; tries < 1000 && kmt_any_busy(); tries++)
		msleep(1);
	if (kmt_any_busy())
		pr_warn("a step is still in flight at unload\n");
	if (kmt_kprobe_registered) {
		unregister_kprobe(&kmt_fault_kprobe);
		kmt_kprobe_registered = false;
	}
	if (kmt_die_registered) {
		unregister_die_notifier(&kmt_die_nb);
		kmt_die_registered = false;
	}
	free_percpu(kmt_cpus);
	kmt_cpus = NULL;
}

void kmt_traps_set_rep_mode(enum kmt_rep_mode mode)
{
	int cpu;

	if (!kmt_cpus)
		return;
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		int i;

		for (i = 0; i < KMT_SLOTS; i++)
			kmt_engine_set_rep_mode(&c->slot[i], mode);
	}
}

void kmt_traps_counters(struct kmt_engine_counters *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	if (!kmt_cpus)
		return;
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		for (i = 0; i < KMT_SLOTS; i++) {
			const struct kmt_engine_counters *k = &c->slot[i].counters;

			sum->faults_handled += READ_ONCE(k->faults_handled);
			sum->faults_not_ours += READ_ONCE(k->faults_not_ours);
			sum->single_steps += READ_ONCE(k->single_steps);
			sum->rep_elements += READ_ONCE(k->rep_elements);
			sum->errors_recorded += READ_ONCE(k->errors_recorded);
			sum->batch_runs += READ_ONCE(k->batch_runs);
			sum->nested_faults += READ_ONCE(k->nested_faults);
			sum->steps_passed_on += READ_ONCE(k->steps_passed_on);
		}
	}
}
