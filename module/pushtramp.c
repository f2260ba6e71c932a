// SPDX-License-Identifier: GPL-2.0
/*
 * pushtramp.c - the push trampolines.
 *
 * A PUSH of tracked memory cannot be emulated in the #PF handler, whose own frame is just below
 * the code's RSP (a #PF in kernel mode does not switch stacks). The engine emulates it all but
 * the stack write (platform.defer_push, kmt_push_defer()): the fault returns to one of
 * KMT_PUSH_TRAMPS int3 bytes, which holds the value and the next RIP; the int3's handler (the die
 * notifier of hooks.c, DIE_INT3: kmt_push_int3()) pushes the value with int3_emulate_push() (the
 * kernel's int3 entry leaves a gap below the interrupted stack for exactly this: it is how static
 * calls and text_poke_bp() emulate a CALL) and goes on at that RIP. No page is shown, nothing is
 * stepped. The trampolines are global, not per CPU: a task preempted at one (an interrupt at the
 * int3's boundary) may take the int3 on another CPU.
 */
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/objtool.h>
#include <linux/printk.h>
#include <linux/stringify.h>
#include <asm/ptrace.h>
#include <asm/text-patching.h>

#include "kmt.h"
#include "counters.h"
#include "pushtramp.h"

#define KMT_PUSH_TRAMPS BITS_PER_LONG
/* How long unload waits, with a warning, before it waits on for a trampoline in use. */
#define KMT_PUSH_WAIT_WARN_MS 1000

extern const u8 kmt_push_tramp[KMT_PUSH_TRAMPS];
/* Reached by the #PF's return, never by an indirect branch: no ENDBR (IBT), and objtool told so. */
asm(".pushsection .text, \"ax\"\n"
    "kmt_push_tramp:\n"
    ANNOTATE_NOENDBR
    ".fill " __stringify(KMT_PUSH_TRAMPS) ", 1, 0xcc\n"
    ".popsection\n");

static unsigned long kmt_push_busy; /* bit i: trampoline i holds a push not yet made */
static struct {
	unsigned long value, ip;
} kmt_push_slot[KMT_PUSH_TRAMPS];

int notrace kmt_push_defer(void *ctx, struct kmt_regs *r, uint64_t value)
{
	unsigned long busy = READ_ONCE(kmt_push_busy);
	unsigned int i;

	do {
		if (busy == ~0UL) {
			kmt_count(KMT_CNT_PUSH_TRAMPS_FULL);
			return -EBUSY;
		}
		i = ffz(busy);
	} while (!try_cmpxchg(&kmt_push_busy, &busy, busy | BIT(i)));
	kmt_push_slot[i].value = value;
	kmt_push_slot[i].ip = r->rip;
	r->rip = (unsigned long)&kmt_push_tramp[i];
	r->gpr[KMT_REG_RSP] += 8; /* the int3's handler moves it back down */
	return 0;
}
NOKPROBE_SYMBOL(kmt_push_defer);

bool notrace kmt_push_int3(struct pt_regs *regs)
{
	unsigned long at = regs->ip - INT3_INSN_SIZE, base = (unsigned long)kmt_push_tramp;
	unsigned long value, ip;
	unsigned int i;

	OPTIMIZER_HIDE_VAR(base); /* no base + n folded into a relocation (objtool: not an ENDBR) */
	if (user_mode(regs) || at - base >= KMT_PUSH_TRAMPS)
		return false;
	i = at - base;
	value = READ_ONCE(kmt_push_slot[i].value);
	ip = READ_ONCE(kmt_push_slot[i].ip);
	smp_mb__before_atomic(); /* the slot is read before another push may take it */
	clear_bit(i, &kmt_push_busy);
	int3_emulate_push(regs, value);
	regs->ip = ip;
	return true;
}
NOKPROBE_SYMBOL(kmt_push_int3);

void kmt_push_wait_idle(void)
{
	unsigned int waited;

	for (waited = 0; READ_ONCE(kmt_push_busy); waited++) {
		if (waited == KMT_PUSH_WAIT_WARN_MS)
			pr_warn("waiting for a task to leave a push trampoline (%#lx)\n", READ_ONCE(kmt_push_busy));
		msleep(1);
	}
}
