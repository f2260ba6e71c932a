// SPDX-License-Identifier: GPL-2.0
/*
 * hooks.c - catching the page fault and the single-step trap, and running the engine on them.
 *
 * #PF: a kprobe on the last stage of the kernel's not-present fault path for kernel addresses,
 * kernelmode_fixup_or_oops(regs, error_code, address, ...) (arch/x86/mm/fault.c). Everything
 * earlier (exc_page_fault, do_kern_addr_fault) is noinstr or NOKPROBE. The probe is
 * ftrace-based: its pre-handler gets the probed function's registers, so rdi/rsi/rdx are the
 * faulting pt_regs, the error code and the address. When the engine handles the fault the
 * pre-handler points the probe's ip at kmt_fault_return (a plain return) and returns 1: the
 * probed function returns at once to its caller and the fault path irets to the edited regs.
 * At load the argument registers are checked by a calibration fault (kmt_calibrate()), and
 * kmemtrap refuses to arm if they are not what this code assumes.
 *
 * #DB: a die notifier (DIE_DEBUG); args->err points at DR6. A single step that is ours is
 * consumed (DR6.BS cleared, NOTIFY_STOP).
 *
 * #BP: the same notifier (DIE_INT3), for the push trampolines only (pushtramp.c).
 *
 * Engine state: a few kmt_engine_cpu slots per CPU (see struct kmt_cpu): nested steps for code
 * that runs while a step is in flight, and one for NMI code.
 *
 * SMP (allow_smp=1): every possible CPU has its slots from the load, so CPUs may come and go. A
 * task that sleeps in the middle of a step (a user page fault) may take its single-step trap on
 * another CPU: kmt_migrated_step() finds its slot. Without allow_smp=1, a CPU coming online is
 * refused: a page shown for one CPU's step is visible to the others (docs/limits.md, SMP).
 */
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/fsgsbase.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>

#include "kmt.h"
#include "alias.h"
#include "counters.h"
#include "faultsites.h"
#include "hooks.h"
#include "objects.h"
#include "pages.h"
#include "platform.h"
#include "pushtramp.h"
#include "report.h"
#include "symbols.h"

/*
 * Engine slots per CPU. Slots 0..KMT_TASK_SLOTS-1 nest for non-NMI code: slot 0 steps an
 * instruction; when other code runs while that step is in flight (an interrupt, or another task
 * while a user-memory step sleeps in a user page fault) and touches a tracked page, its access
 * is stepped in the next slot. The last slot is for NMI code. Each slot records the task whose
 * code it steps: a single-step trap goes to the innermost busy slot of the current task.
 */
#define KMT_TASK_SLOTS 3
#define KMT_NMI_SLOT KMT_TASK_SLOTS
#define KMT_SLOTS (KMT_TASK_SLOTS + 1)

/* How long unload waits for steps in flight (a step that sleeps in a user page fault). */
#define KMT_UNLOAD_WAIT_MS 1000
/* Where in its page the calibration reads: any offset that is not 0 proves rdx is the address. */
#define KMT_CALIB_OFFSET 64

struct kmt_cpu {
	struct kmt_engine_cpu slot[KMT_SLOTS];
	struct kmt_engine_platform plat[KMT_SLOTS]; /* kmt_platform, ctx = that slot's regs */
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
	/*
	 * Instructions decoded by this CPU's task-slot handlers (interrupts are off in them, so they
	 * never use it at once); an NMI's slot decodes without it.
	 */
	struct kmt_decode_cache *dcache;
};
static struct kmt_cpu __percpu *kmt_cpus;
static struct kmt_decode_cache *kmt_dcaches; /* one per possible CPU (vmalloc: too big for per-CPU memory) */

static struct kprobe kmt_fault_kprobe;
static struct notifier_block kmt_die_nb;
static bool kmt_kprobe_registered, kmt_die_registered;
static enum cpuhp_state kmt_cpuhp_state, kmt_cpuhp_online_state;
static bool kmt_smp_allowed;
/* The engine's counters as they were when the hooks went away (read by the unload line). */
static struct kmt_engine_counters kmt_final_counters;

/* Calibration of the probe's argument registers (see kmt_calibrate()). */
static unsigned long kmt_calib_addr;
static struct {
	bool seen;
	unsigned long regs_ip, error_code;
} kmt_calib;

static bool kmt_gs_is_this_cpu_off;

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
	/*
	 * Kernel mode: GS base is this CPU's per-cpu base (this_cpu_off, checked against the MSR at
	 * load: no RDMSR on the hot path), FS base the task's (kernel code does not use it).
	 */
	if (static_cpu_has(X86_FEATURE_FSGSBASE))
		r->fs_base = rdfsbase(); /* CR4.FSGSBASE is on whenever the kernel has this feature */
	else
		rdmsrl(MSR_FS_BASE, r->fs_base);
	if (likely(kmt_gs_is_this_cpu_off))
		r->gs_base = this_cpu_read(this_cpu_off);
	else
		rdmsrl(MSR_GS_BASE, r->gs_base);
}

/* Every register the engine may have changed (it runs whole copy routines: any GPR). */
static void kmt_regs_out(struct pt_regs *p, const struct kmt_regs *r)
{
	p->ax = r->gpr[KMT_REG_RAX];
	p->cx = r->gpr[KMT_REG_RCX];
	p->dx = r->gpr[KMT_REG_RDX];
	p->bx = r->gpr[KMT_REG_RBX];
	p->sp = r->gpr[KMT_REG_RSP];
	p->bp = r->gpr[KMT_REG_RBP];
	p->si = r->gpr[KMT_REG_RSI];
	p->di = r->gpr[KMT_REG_RDI];
	p->r8 = r->gpr[KMT_REG_R8];
	p->r9 = r->gpr[KMT_REG_R9];
	p->r10 = r->gpr[KMT_REG_R10];
	p->r11 = r->gpr[KMT_REG_R11];
	p->r12 = r->gpr[KMT_REG_R12];
	p->r13 = r->gpr[KMT_REG_R13];
	p->r14 = r->gpr[KMT_REG_R14];
	p->r15 = r->gpr[KMT_REG_R15];
	p->ip = r->rip;
	p->flags = r->rflags;
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

/* A fault inside our own handler (see struct kmt_cpu): show the page, hide it afterwards. */
static bool kmt_defer_show(struct kmt_cpu *c, struct pt_regs *regs, unsigned long address)
{
	struct kmt_page *p = kmt_page_find(address);
	const struct kmt_error e = {
		.kind = KMT_ERR_INTERNAL, .reason = KMT_REASON_IN_HANDLER,
		.fault_addr = address, .rip = regs->ip,
	};

	if (!p || c->ndeferred >= ARRAY_SIZE(c->deferred))
		return false;
	kmt_page_show_step(p);
	c->deferred[c->ndeferred++] = address & PAGE_MASK;
	kmt_report_error(&e, regs);
	return true;
}

static void kmt_handler_exit(struct kmt_cpu *c)
{
	if (--c->in_handler)
		return;
	while (c->ndeferred) {
		struct kmt_page *p = kmt_page_find(c->deferred[--c->ndeferred]);

		if (p)
			kmt_page_hide_step(p);
	}
}

/*
 * Slot @i of @sc's platform, with ctx pointing at the trap's regs for reports, and the decode
 * cache of @c, the CPU running the handler (@sc is another CPU's record for a migrated step).
 */
static struct kmt_engine_platform *kmt_plat_for(struct kmt_cpu *c, struct kmt_cpu *sc, int i, struct pt_regs *regs)
{
	sc->plat[i].ctx = regs;
	sc->plat[i].decode_cache = i == KMT_NMI_SLOT ? NULL : c->dcache;
	return &sc->plat[i];
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
	unsigned long error_code = kregs->si, address = kregs->dx, ip = regs->ip;
	struct kmt_cpu *c;
	struct kmt_regs r KMT_UNINITIALIZED; /* kmt_regs_in() sets every field */
	struct kmt_page *p;
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
		if (!kmt_defer_show(c, regs, address))
			return 0;
		kregs->ip = (unsigned long)kmt_fault_return;
		return 1;
	}
	i = kmt_slot_for_fault(c, ip);
	was_busy = kmt_engine_busy(&c->slot[i]);
	/* Steps in flight still finish (or cancel) while disarmed; nothing new starts on an untracked page. */
	p = kmt_page_find(address);
	if (!was_busy && !p)
		return 0;
	if (unlikely(error_code & X86_PF_PROT) && p && kmt_page_write_fault_ours(p, error_code)) {
		error_code &= ~X86_PF_PROT; /* a store to a read-quiet page: as if hidden */
		kmt_count(KMT_CNT_FAULTS_READ_QUIET);
	}
	if (p && kmt_page_count_fault(p))
		kmt_objects_let_go(address); /* sampling: the page took its fault budget */

	c->in_handler++;
	kmt_regs_in(&r, regs);
	kmt_alias_enter();
	res = kmt_engine_fault(&c->slot[i], kmt_plat_for(c, c, i, regs), &r, address, error_code);
	kmt_alias_exit_level();
	kmt_regs_out(regs, &r);
	kmt_slot_transition(c, i, was_busy);
	kmt_handler_exit(c);
	if (res == KMT_ENGINE_NOT_OURS)
		return 0;
	kmt_fault_site(ip, error_code & X86_PF_WRITE);
	if (p)
		kmt_page_consider_quiet(p);
	/* Handled: make kernelmode_fixup_or_oops() return to its caller right away. */
	kregs->ip = (unsigned long)kmt_fault_return;
	return 1;
}
NOKPROBE_SYMBOL(kmt_fault_pre);

/*
 * A single step of this task whose slot is on another CPU: the task slept in a user page fault
 * in the middle of the step (copy_to_user() into a page that had to be brought in) and woke up
 * here. Its slot there is busy and owned by this task, and nothing on that CPU touches it but to
 * read it (a fault there takes a fresh slot above it, or, with every slot busy, lets its access
 * through unchecked without changing the slot); the engine finishes the step in it from here.
 * Returns that CPU's record and sets *@slot, or NULL.
 */
static struct kmt_cpu *kmt_migrated_step(int *slot)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		if (c == this_cpu_ptr(kmt_cpus))
			continue;
		for (i = KMT_TASK_SLOTS - 1; i >= 0; i--) {
			if (READ_ONCE(c->owner[i]) == current && kmt_engine_busy(&c->slot[i])) {
				*slot = i;
				return c;
			}
		}
	}
	return NULL;
}

static int notrace kmt_die_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	unsigned long *dr6 = (unsigned long *)args->err;
	struct kmt_cpu *c;
	struct kmt_cpu *sc; /* the CPU record of the step's slot: this CPU's, or where the task slept */
	struct kmt_regs r;
	int res, i;

	if (val == DIE_INT3)
		return kmt_push_int3(args->regs) ? NOTIFY_STOP : NOTIFY_DONE;
	if (val != DIE_DEBUG || !(*dr6 & DR_STEP) || user_mode(args->regs))
		return NOTIFY_DONE; /* kmemtrap only ever steps kernel code */
	c = this_cpu_ptr(kmt_cpus);
	sc = c;
	i = kmt_slot_for_step(c);
	if (i < 0)
		sc = kmt_migrated_step(&i);
	if (i < 0 || !sc)
		return NOTIFY_DONE;
	if (sc != c)
		kmt_count(KMT_CNT_STEPS_MIGRATED);
	c->in_handler++;
	kmt_regs_in(&r, args->regs);
	kmt_alias_enter(); /* this handler's own alias addresses (alias.c) */
	res = kmt_engine_single_step(&sc->slot[i], kmt_plat_for(c, sc, i, args->regs), &r);
	kmt_alias_exit_level();
	kmt_regs_out(args->regs, &r);
	kmt_slot_transition(sc, i, true);
	kmt_handler_exit(c);
	if (res == KMT_ENGINE_HANDLED) {
		*dr6 &= ~DR_STEP;
		return NOTIFY_STOP;
	}
	return NOTIFY_DONE;
}
NOKPROBE_SYMBOL(kmt_die_notify);

/*
 * Calibration: fault on a hidden page of our own through get_kernel_nofault() (an access with an
 * exception-table fixup) and check that the probe saw the address in rdx, a not-present kernel
 * read in rsi and, through rdi, a pt_regs whose ip is in copy_from_kernel_nofault() (where
 * get_kernel_nofault() makes the access). The page is vmalloc'd: it is mapped by a 4 KiB PTE,
 * so calibrating never splits the direct map.
 */
static noinline int kmt_calibrate(void)
{
	unsigned long start = 0, end = 0, val = 0;
	struct kmt_page *p;
	u8 *page = vmalloc(PAGE_SIZE);
	int ret = 0, err;

	if (!page)
		return -ENOMEM;
	if (!kmt_function_extent((unsigned long)copy_from_kernel_nofault, &start, &end)) {
		pr_err("calibration: cannot find the extent of copy_from_kernel_nofault\n");
		vfree(page);
		return -ENOENT;
	}
	p = kmt_page_get((unsigned long)page);
	if (IS_ERR(p)) {
		vfree(page);
		pr_err("calibration: cannot track a page of our own (%ld)\n", PTR_ERR(p));
		return PTR_ERR(p);
	}
	kmt_page_hide_unarmed(p);
	memset(&kmt_calib, 0, sizeof(kmt_calib));
	WRITE_ONCE(kmt_calib_addr, (unsigned long)page + KMT_CALIB_OFFSET);
	barrier();
	err = get_kernel_nofault(val, (unsigned long *)(page + KMT_CALIB_OFFSET));
	barrier();
	WRITE_ONCE(kmt_calib_addr, 0);
	kmt_page_put(p);
	vfree(page);

	if (!err) {
		pr_err("calibration: a read of a hidden page did not fault; refusing to arm\n");
		ret = -EINVAL;
	} else if (!kmt_calib.seen) {
		pr_err("calibration: the fault did not reach the probe with the address in rdx; this kernel's %s differs from what kmemtrap expects; refusing to arm\n",
		       kmt_fault_kprobe.symbol_name);
		ret = -EINVAL;
	} else if (kmt_calib.error_code & (X86_PF_PROT | X86_PF_USER | X86_PF_WRITE) ||
		   kmt_calib.regs_ip < start || kmt_calib.regs_ip >= end) {
		pr_err("calibration: unexpected probe arguments (error code %#lx, regs->ip %pS); refusing to arm\n",
		       kmt_calib.error_code, (void *)kmt_calib.regs_ip);
		ret = -EINVAL;
	}
	return ret;
}

/* A CPU is about to come online (runs on the CPU that brings it up, process context). */
static int kmt_cpu_prepare(unsigned int cpu)
{
	if (READ_ONCE(kmt_smp_allowed))
		return 0;
	pr_err("refusing to bring CPU %u online: kmemtrap is loaded for one CPU (a page shown for one CPU's step would be visible to the other unchecked); unload kmemtrap first, or load it with allow_smp=1\n",
	       cpu);
	return -EBUSY;
}

/*
 * A CPU that came online (runs on it): flush its TLB. While it was being brought up it was not
 * yet in cpu_online_mask, so pages hidden meanwhile sent it no shootdown, and it may have cached
 * some of them then.
 */
static int kmt_cpu_online(unsigned int cpu)
{
	preempt_disable();
	__flush_tlb_all();
	preempt_enable();
	return 0;
}

int kmt_hooks_init(const char *hook_symbol, enum kmt_rep_mode mode, unsigned int follow_limit, bool emulate,
		   bool smp_allowed)
{
	int cpu, ret, i;

	BUILD_BUG_ON(sizeof(struct kmt_cpu) > PCPU_MIN_UNIT_SIZE); /* alloc_percpu()'s limit */
	kmt_cpus = alloc_percpu(struct kmt_cpu);
	kmt_dcaches = vzalloc(array_size(nr_cpu_ids, sizeof(*kmt_dcaches)));
	if (!kmt_cpus || !kmt_dcaches) {
		pr_err("cannot allocate per-CPU engine state\n");
		free_percpu(kmt_cpus);
		kmt_cpus = NULL;
		vfree(kmt_dcaches);
		kmt_dcaches = NULL;
		return -ENOMEM;
	}
	kmt_pages_exclude(kmt_dcaches, array_size(nr_cpu_ids, sizeof(*kmt_dcaches)));
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		c->dcache = &kmt_dcaches[cpu];
		for (i = 0; i < KMT_SLOTS; i++) {
			kmt_engine_cpu_init(&c->slot[i], mode);
			kmt_engine_set_follow_limit(&c->slot[i], follow_limit);
			kmt_engine_set_emulate(&c->slot[i], emulate);
			c->plat[i] = kmt_platform;
			c->plat[i].user_end = TASK_SIZE_MAX; /* kmt_pf_is_user_address(), as a compare */
			c->owner[i] = NULL;
		}
	}

	{
		unsigned long gs;

		rdmsrl(MSR_GS_BASE, gs);
		kmt_gs_is_this_cpu_off = gs == this_cpu_read(this_cpu_off);
	}
	kmt_smp_allowed = smp_allowed;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "kmemtrap:prepare", kmt_cpu_prepare, NULL);
	if (ret < 0) {
		pr_err("cannot register a CPU hotplug callback (error %d)\n", ret);
		goto fail;
	}
	kmt_cpuhp_state = ret;
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "kmemtrap:online", kmt_cpu_online, NULL);
	if (ret < 0) {
		pr_err("cannot register a CPU hotplug callback (error %d)\n", ret);
		goto fail;
	}
	kmt_cpuhp_online_state = ret;

	kmt_fault_kprobe.symbol_name = hook_symbol;
	kmt_fault_kprobe.pre_handler = kmt_fault_pre;
	ret = register_kprobe(&kmt_fault_kprobe);
	if (ret) {
		pr_err("cannot register a kprobe on %s (error %d)\n", hook_symbol, ret);
		goto fail;
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
	return 0;
fail:
	kmt_hooks_exit();
	return ret;
}

/* True while any CPU has a step in flight. */
static bool kmt_any_busy(void)
{
	int cpu, i;

	if (!kmt_cpus)
		return false;
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		for (i = 0; i < KMT_SLOTS; i++)
			if (kmt_engine_busy(&c->slot[i]))
				return true;
	}
	return false;
}

void kmt_hooks_exit(void)
{
	int waited;

	/* Pages are already shown (disarmed): no new activations can start on them. */
	for (waited = 0; waited < KMT_UNLOAD_WAIT_MS && kmt_any_busy(); waited++)
		msleep(1);
	if (kmt_any_busy())
		pr_warn("a step is still in flight at unload\n");
	if (kmt_kprobe_registered) {
		unregister_kprobe(&kmt_fault_kprobe);
		kmt_kprobe_registered = false;
	}
	/*
	 * No new push is deferred now; one in flight is made at its int3, through the die notifier
	 * and from this module's text: wait for it, however long (a task preempted at the int3).
	 */
	kmt_push_wait_idle();
	if (kmt_die_registered) {
		unregister_die_notifier(&kmt_die_nb);
		kmt_die_registered = false;
	}
	if (kmt_cpuhp_state > 0) {
		cpuhp_remove_state_nocalls(kmt_cpuhp_state);
		kmt_cpuhp_state = 0;
	}
	if (kmt_cpuhp_online_state > 0) {
		cpuhp_remove_state_nocalls(kmt_cpuhp_online_state);
		kmt_cpuhp_online_state = 0;
	}
	kmt_hooks_engine_counters(&kmt_final_counters);
	free_percpu(kmt_cpus);
	kmt_cpus = NULL;
	vfree(kmt_dcaches);
	kmt_dcaches = NULL;
}

/* Applies a setting to every engine slot of every CPU (from its next fault on). */
static void kmt_hooks_set_all(void (*set)(struct kmt_engine_cpu *cpu, int value), int value)
{
	int cpu, i;

	if (!kmt_cpus)
		return;
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		for (i = 0; i < KMT_SLOTS; i++)
			set(&c->slot[i], value);
	}
}

static void kmt_set_rep_mode_int(struct kmt_engine_cpu *cpu, int mode)
{
	kmt_engine_set_rep_mode(cpu, (enum kmt_rep_mode)mode);
}

void kmt_hooks_set_rep_mode(enum kmt_rep_mode mode)
{
	kmt_hooks_set_all(kmt_set_rep_mode_int, mode);
}

void kmt_hooks_set_emulate(bool on)
{
	kmt_hooks_set_all(kmt_engine_set_emulate, on);
}

void kmt_hooks_engine_counters(struct kmt_engine_counters *sum)
{
	int cpu, i;

	if (!kmt_cpus) {
		*sum = kmt_final_counters;
		return;
	}
	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct kmt_cpu *c = per_cpu_ptr(kmt_cpus, cpu);

		for (i = 0; i < KMT_SLOTS; i++) {
			/* Every field is a u64 counter (counters.h asserts it). */
			const u64 *k = (const u64 *)&c->slot[i].counters;
			u64 *s = (u64 *)sum;
			int n;

			for (n = 0; n < KMT_CNT_ENGINE_COUNT; n++)
				s[n] += READ_ONCE(k[n]);
		}
	}
}
