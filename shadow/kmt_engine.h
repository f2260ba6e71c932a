/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_engine.h - the C boundary of kmemtrap's stepping engine (shadow/engine.cpp).
 *
 * The engine turns two trap events into decisions: a page fault on a hidden (tracked) page and
 * the single-step trap that follows. On a fault it decodes the instruction at RIP, checks and
 * updates the shadow for every memory operand, asks the glue to show the page(s) the
 * instruction needs, and edits the register file so that exactly one instruction (or one
 * string element) runs natively with EFLAGS.TF set; on the single-step trap it hides the pages
 * again and restores the flags. REP string instructions are handled as kmemcheck handled them:
 * only the REP part is emulated, or, in batch mode, kernel-to-kernel REP MOVS/STOS are performed
 * by the engine window by window. See docs/engine.md.
 *
 * The engine holds no globals and allocates nothing: the glue owns one struct kmt_engine_cpu
 * per CPU and one struct kmt_engine_platform. Every entry point below may be called from trap
 * context (#PF, #DB, with interrupts off, on an IST stack): it never sleeps, never allocates,
 * never prints, takes no locks, and touches memory only through the platform callbacks and the
 * shadow map. Calls for one CPU must not nest or run concurrently (the glue calls them from that
 * CPU's trap handlers only); different CPUs use different kmt_engine_cpu structs.
 */
#ifndef KMT_ENGINE_H
#define KMT_ENGINE_H

#include "kmt_base.h"
#include "kmt_decode.h"
#include "kmt_regshadow.h"
#include "kmt_shadow.h"

KMT_EXTERN_C_BEGIN

/* What the glue must do after kmt_engine_fault() / kmt_engine_single_step(). */
enum kmt_engine_result {
	/*
	 * The event was the engine's. Resume the interrupted code with *regs exactly as the
	 * engine left them (RIP, RCX, RSI, RDI and RFLAGS may have changed). For #DB: consume the
	 * single-step (clear DR6.BS) so that nobody else sees it.
	 */
	KMT_ENGINE_HANDLED = 0,
	/*
	 * Not the engine's: *regs are as the interrupted code would have them without kmemtrap
	 * (the engine may have undone its own edits, e.g. put RIP back on a REP instruction whose
	 * bare element hit an unrelated fault). Let the kernel handle the event as usual.
	 */
	KMT_ENGINE_NOT_OURS,
	/*
	 * Handled in a degraded way: the engine could not model the access (decode failed or
	 * unsupported, operand too large, decoder and fault address disagree, no room for another
	 * page). It has shown the page(s) and set TF exactly as for a normal step, without
	 * checking or updating the shadow, and queued a KMT_ERR_INTERNAL report saying why.
	 * The glue resumes the code exactly as for KMT_ENGINE_HANDLED; the access then runs
	 * natively and unchecked, and the next single-step trap hides the pages again.
	 */
	KMT_ENGINE_ERROR,
	/*
	 * kmt_engine_single_step() only: the engine's own step is over and *regs are restored,
	 * but the interrupted code itself had EFLAGS.TF set (a debugger or kprobe single-stepping
	 * it), so this #DB is also the code's own single-step trap. Do not consume it: let the
	 * kernel deliver it as if kmemtrap were not there.
	 */
	KMT_ENGINE_PASS_ON,
};

/*
 * Why following uninitialized bits stopped before they were all used or overwritten; the bits
 * still in registers are then reported at their load, saying so.
 */
enum kmt_follow_end {
	KMT_FOLLOW_CLEAN = 0,    /* (no early end: nothing uninitialized was left) */
	KMT_FOLLOW_LIMIT,        /* kmt_engine_cpu.follow_limit instructions were stepped */
	KMT_FOLLOW_UNCOVERED,    /* an instruction the propagation rules do not cover */
	KMT_FOLLOW_UNSTEPPABLE,  /* code that must not be single-stepped (may_follow) */
	KMT_FOLLOW_DECODE,       /* the next instruction could not be decoded */
	KMT_FOLLOW_IRQ,          /* STI or POPF: interrupts may be enabled */
	KMT_FOLLOW_ENDS,
};

/* How REP MOVS/STOS between two non-user addresses are handled. Selectable at run time. */
enum kmt_rep_mode {
	/* One single-step trap per element (kmemcheck's way): the reference behaviour. */
	KMT_REP_MODE_STEP = 0,
	/*
	 * The engine performs all elements that fit in the current window (two pages per
	 * operand) itself, through kmt_engine_platform.copy, and updates the shadow: no
	 * single-step at all, at most one fault per 4 KiB of each operand. Falls back to STEP for
	 * everything else (user operands, LODS/CMPS/SCAS/INS/OUTS, odd prefix orders, code that
	 * has TF set itself, or when copy is NULL or fails).
	 */
	KMT_REP_MODE_BATCH = 1,
};

/* Kinds of queued reports. The first four are the bug kinds users see (`BUG: kmemtrap: <kind>`). */
enum kmt_error_kind {
	KMT_ERR_UNINIT_READ = 1,      /* read of a byte in state KMT_SHADOW_UNINIT */
	KMT_ERR_FREED_READ = 2,       /* read of a byte in state KMT_SHADOW_FREED */
	KMT_ERR_UNALLOCATED_READ = 3, /* read of a byte in state KMT_SHADOW_UNALLOCATED */
	KMT_ERR_INFOLEAK = 4,         /* MOVS of a not-initialized byte to user memory */
	KMT_ERR_INTERNAL = 5,         /* the engine could not model the access: see reason */
	/*
	 * Uninitialized bits were used (a branch, an address, a divisor: see use) after the
	 * engine followed them from the load at origin_rip. rip is the using instruction.
	 */
	KMT_ERR_UNINIT_USE = 6,
};

/* kmt_error.reason for KMT_ERR_INTERNAL. */
enum kmt_internal_reason {
	KMT_REASON_NONE = 0,
	KMT_REASON_DECODE,        /* kmt_decode() failed: decode_status says how */
	KMT_REASON_NO_OPERAND,    /* decoded, but no memory operand covers the fault address */
	KMT_REASON_OPERAND_SIZE,  /* an operand spans more than two pages, or is VSIB */
	KMT_REASON_ADDR32,        /* a REP string instruction with a 0x67 prefix (ECX counter) */
	KMT_REASON_TOO_MANY_PAGES,/* a nested fault found no free slot: the page stays shown */
	KMT_REASON_FOREIGN_FAULT, /* a tracked page was hit by other code while a step was in flight */
	/* Reported by the glue, not the engine: */
	KMT_REASON_IN_HANDLER,    /* a tracked page was hit inside kmemtrap's own #DB handler (an NMI): shown unchecked */
	KMT_REASON_UNBALANCED,    /* a page was hidden more often than shown (a bug in kmemtrap) */
	KMT_REASON_COUNT,
};

/* One queued report, filled by the engine and handed to kmt_engine_platform.report. */
struct kmt_error {
	uint32_t kind;        /* enum kmt_error_kind */
	uint32_t size;        /* bytes of the access: the operand size (one element for strings) */
	uint64_t addr;        /* first byte of the access (the element, for strings) */
	uint64_t bad_addr;    /* first bad byte in execution order (0 for KMT_ERR_INTERNAL) */
	uint64_t rip;         /* address of the instruction (the REP instruction, not its bare part) */
	uint64_t dst_addr;    /* KMT_ERR_INFOLEAK: the user address the element was copied to */
	uint8_t bad_state;    /* enum kmt_shadow_state of bad_addr */
	uint8_t reason;       /* enum kmt_internal_reason (KMT_ERR_INTERNAL only) */
	uint8_t decode_status;/* enum kmt_decode_status (KMT_REASON_DECODE only) */
	uint8_t reserved;
	/*
	 * Bytes of the whole access that are not initialized, and the last of them: for a string
	 * instruction to user memory, of every element it has left to copy (one report per
	 * instruction, not per element or window).
	 */
	uint32_t bad_count;
	uint64_t fault_addr;  /* the fault address that started the activation */
	uint64_t bad_last;
	/* Following uninitialized bits (kmt_regshadow.h): */
	uint8_t use;          /* UNINIT_USE, INFOLEAK found by following: enum kmt_use_kind */
	uint8_t follow_end;   /* UNINIT_READ at the load because following stopped: enum kmt_follow_end */
	uint8_t reserved2[6];
	uint64_t origin_rip;  /* UNINIT_USE, INFOLEAK: the load that brought the bits in */
	uint64_t origin_addr; /* and the first uninitialized byte it loaded */
};

/*
 * Callbacks the glue implements. All are called from trap context with interrupts off (or as
 * the interrupted code had them, see docs/engine.md), must not sleep, allocate, print or take
 * a lock the interrupted code may hold, and must not fault on tracked memory.
 */
struct kmt_engine_platform {
	void *ctx;
	/* Shadow of tracked pages (the same map the allocator hooks update). */
	struct kmt_shadow_map shadow;
	/* Nonzero if @page (a multiple of KMT_PAGE_SIZE) is tracked: hidden except while shown. */
	int (*is_tracked)(void *ctx, uint64_t page);
	/* Make a tracked page present (and flush its TLB entry locally). */
	void (*show)(void *ctx, uint64_t page);
	/* Make a tracked page not present again (and flush its TLB entry locally). */
	void (*hide)(void *ctx, uint64_t page);
	/*
	 * May be NULL. The shown access this CPU is about to make natively: [addr, addr+len) of
	 * kernel memory, its shadow already updated by the engine. The glue leaves those bytes out
	 * when it accounts for other code's unseen writes to a shown page (module/pages.c, "Writes
	 * while shown").
	 */
	void (*own)(void *ctx, uint64_t addr, uint64_t len);
	/*
	 * Copy up to @len live instruction bytes at @rip into @buf without faulting; return how
	 * many were copied (fewer near the end of mapped text, 0 if none could be read).
	 */
	size_t (*read_code)(void *ctx, uint64_t rip, uint8_t *buf, size_t len);
	/*
	 * Nonzero if @addr is user memory (below the kernel/user boundary). User memory is never
	 * tracked, never shown or copied by the engine, and a MOVS into it of bytes that are not
	 * initialized is an infoleak.
	 */
	int (*is_user_address)(void *ctx, uint64_t addr);
	/*
	 * Optional: when nonzero, user memory is exactly [0, user_end), as is_user_address answers,
	 * and the engine compares instead of calling it (several times per access).
	 */
	uint64_t user_end;
	/* Queue one report; printed later from a safe context. Must not fail loudly if full. */
	void (*report)(void *ctx, const struct kmt_error *error);
	/*
	 * Batch mode only (may be NULL: batch mode then behaves as step mode). memmove @len bytes
	 * from @src to @dst, both kernel (non-user) addresses. Tracked pages among them have been
	 * shown by the engine for the duration of the call. Return 0 on success; nonzero if the
	 * copy cannot be done safely (e.g. an untracked page is not mapped), in which case it must
	 * not have written anything, and the engine falls back to step mode for this instruction.
	 */
	int (*copy)(void *ctx, uint64_t dst, uint64_t src, uint64_t len);
	/*
	 * Following uninitialized bits (NULL: reads of uninitialized bytes are reported at the
	 * load, as kmemcheck did). read: copy @size bytes at kernel or user @addr without faulting
	 * (0, or nonzero if it cannot); the engine shows tracked pages first. write: the same the
	 * other way (the stack slot a PUSHF wrote). may_follow: nonzero if the code at @rip may be
	 * single-stepped (not the scheduler, the entry code, kprobes or kmemtrap itself).
	 */
	int (*read)(void *ctx, uint64_t addr, void *buf, uint32_t size);
	int (*write)(void *ctx, uint64_t addr, const void *buf, uint32_t size);
	int (*may_follow)(void *ctx, uint64_t rip);
	/*
	 * Nonzero if @rip is inside one of the kernel's copy routines (memcpy, memmove, memset,
	 * the copy_user family...). A fault there runs the rest of the routine in the engine, as one
	 * copy: the shadow moves with the bytes, nothing inside is reported but a freed source and a
	 * leak to user space (once per copy), and it costs one fault. Needs read and write for any
	 * kernel or user address (write: without faulting, like read). May be NULL.
	 */
	int (*copy_routine)(void *ctx, uint64_t rip);
	/*
	 * Nonzero if @rip is in code that reads NUL-terminated names a word at a time (hash_name(),
	 * dentry name compares, strscpy()): there the bytes after a loaded word's first initialized
	 * zero byte count as initialized and are not reported (kmt_nul_tail). May be NULL.
	 */
	int (*nul_words)(void *ctx, uint64_t rip);
	/*
	 * Emulation (NULL: every access is shown and single-stepped). The engine then runs plain
	 * instructions, their windows and copy routines itself, through read, write and this atomic
	 * compare-exchange, all of which must reach hidden tracked pages without showing them (in the
	 * kernel: a per-CPU alias mapping). cmpxchg: at @addr, @size bytes (1 to 8), store @desired if
	 * they equal @expected, the old bytes to @actual, atomically; 0, or nonzero if it cannot
	 * (nothing done). may_emulate (may be NULL): 0 for an instruction this CPU runs differently
	 * from the emulator (TZCNT without BMI1...).
	 */
	int (*cmpxchg)(void *ctx, uint64_t addr, uint32_t size, const void *expected, const void *desired,
		       void *actual);
	int (*may_emulate)(void *ctx, const struct kmt_insn *insn);
	/*
	 * May be NULL. Where the engine may read and write the bytes of tracked page @page directly
	 * for the rest of this trap (in the kernel: this CPU's alias of its frame), or NULL (then it
	 * uses read and write). For the commonest emulated access (kmt_emulate_move_direct()).
	 */
	void *(*page_ptr)(void *ctx, uint64_t page);
	/*
	 * Batch mode only (may be NULL: such copies are stepped). Copy @len bytes from @src to
	 * @dst, of which exactly one is user memory (copy_to_user, copy_from_user), forward, without
	 * faulting and without sleeping: a user page that is not resident, or not writable, ends the
	 * copy there. Tracked kernel pages have been shown. Returns the bytes copied (a prefix).
	 */
	uint64_t (*copy_user)(void *ctx, uint64_t dst, uint64_t src, uint64_t len);
	/*
	 * Stack slots (kmt_slots.h; all three NULL: not remembered): this CPU's table, the current
	 * task, and whether @addr is on the current task's stack.
	 */
	struct kmt_stack_slots *(*stack_slots)(void *ctx);
	uint64_t (*current_task)(void *ctx);
	int (*is_stack)(void *ctx, uint64_t addr);
	/*
	 * May be NULL (such a push is stepped). In a fault only: the engine ran a PUSH of 8
	 * initialized bytes of memory except its stack write, which would land in the fault
	 * handler's own frame, just below the code's RSP at the fault. *regs is the state after the
	 * push; @value belongs at regs->gpr[KMT_REG_RSP]. The glue makes that write happen after the
	 * handler returns and edits *regs to match (in the kernel: RIP to an int3 whose handler
	 * pushes @value, the int3 entry leaving a gap below the stack for exactly this). Returns 0,
	 * or nonzero if it cannot (*regs unchanged: the engine puts the push back and steps it).
	 */
	int (*defer_push)(void *ctx, struct kmt_regs *regs, uint64_t value);
	/*
	 * Decoded instructions by address (kmt_decode.h; may be NULL: every instruction decoded
	 * afresh). Only this CPU's traps use it, never concurrently.
	 */
	struct kmt_decode_cache *decode_cache;
};

/* Per-CPU counters. Read them at any time; they only grow (wrap at 2^64). */
struct kmt_engine_counters {
	uint64_t faults_handled;   /* kmt_engine_fault() returned HANDLED or ERROR */
	uint64_t faults_not_ours;  /* kmt_engine_fault() returned NOT_OURS */
	uint64_t single_steps;     /* kmt_engine_single_step() returned HANDLED or PASS_ON */
	uint64_t rep_elements;     /* string elements run under the engine (stepped or batched) */
	uint64_t errors_recorded;  /* reports passed to platform.report (all kinds) */
	uint64_t batch_runs;       /* windows performed by batch mode */
	uint64_t nested_faults;    /* faults on tracked pages while a step was in flight */
	uint64_t steps_passed_on;  /* single steps that were also the code's own (PASS_ON) */
	uint64_t follow_windows;   /* windows started: a load brought uninitialized bits into registers */
	uint64_t follow_steps;     /* instructions stepped in windows */
	uint64_t follow_uses;      /* uses found (reported or repeated) */
	uint64_t follow_end[KMT_FOLLOW_ENDS - 1]; /* windows that ended early, by enum kmt_follow_end - 1 */
	uint64_t routine_runs;     /* faults in a copy routine that the engine ran to its end */
	uint64_t routine_insns;    /* instructions of copy routines the engine ran */
	uint64_t routine_stops;    /* copy routines left to the CPU part-way (see engine.cpp) */
	uint64_t slot_stores;      /* stores of uninitialized bits to the stack remembered (kmt_slots.h) */
	uint64_t slot_reloads;     /* loads from the stack re-tainted by a slot */
	uint64_t slot_steps;       /* steps taken with clean registers, for live slots */
	uint64_t emulated;         /* instructions run by the emulator instead of stepped (faults, windows) */
	uint64_t emulated_fast;    /* of those, faults by a clean MOV-family access (Engine::emulate_fast) */
	uint64_t emulated_ahead;   /* of those, accesses after such a fault run with it (Engine::run_ahead) */
	uint64_t emulate_declined; /* instructions the emulator declined: stepped instead */
	uint64_t pushes_deferred;  /* of the emulated, PUSHes of memory whose stack write platform.defer_push made */
	uint64_t decodes;          /* instructions decoded at a fault, a followed step or in a copy routine */
	uint64_t decode_cache_hits; /* of those, answered by platform.decode_cache */
};

/* Maximum pages shown at once: 2 per operand for 2 operands, plus room for nested faults. */
#define KMT_ENGINE_MAX_SHOWN 8

/*
 * Per-CPU engine state, owned by the glue, initialised with kmt_engine_cpu_init(). Fields
 * below "private" belong to engine.cpp; the glue reads only counters, rep_mode and busy via
 * the functions below.
 */
struct kmt_engine_cpu {
	struct kmt_engine_counters counters;
	uint32_t rep_mode;              /* enum kmt_rep_mode, applied at the next fault */
	uint32_t emulate;               /* nonzero: run plain instructions instead of stepping them (platform.cmpxchg) */

	/* private */
	uint32_t state;                 /* engine.cpp's StepState */
	uint64_t insn_rip;              /* the instruction being stepped (with its REP prefix) */
	uint64_t saved_flags;           /* TF and IF of the interrupted code */
	uint64_t fault_addr;            /* fault address that started this activation */
	uint64_t window_lo[KMT_MAX_MEM_OPS]; /* per operand: lowest page of the REP window */
	uint64_t shown[KMT_ENGINE_MAX_SHOWN];
	uint32_t nshown;
	uint32_t reported;              /* bit i: operand i already reported in this activation */
	/* The last string instruction to user memory that leaked, and the source range reported: its
	 * later windows (activations) are not reported again. */
	uint64_t leak_rip, leak_lo, leak_hi;
	struct kmt_insn insn;
	/*
	 * Following uninitialized bits: the register shadow, instructions stepped in this window,
	 * and the interrupt flag the followed code believes it has (CLI in the window clears it).
	 */
	struct kmt_regshadow follow;
	uint32_t follow_steps;
	uint32_t follow_limit;          /* set by the glue: most instructions a window steps; 0: off */
	uint64_t code_if;               /* the code's IF during a window */
	uint32_t pushf_pending;         /* the last stepped instruction was PUSHF: fix its flags */
	uint32_t slot_steps;            /* steps since the registers went clean, with stack slots live */
	uint32_t window;                /* this activation's window number for its stack slots */
};

/* Resets @cpu to idle with zero counters and the given REP mode. Any context. */
void kmt_engine_cpu_init(struct kmt_engine_cpu *cpu, enum kmt_rep_mode mode);

/*
 * Selects the REP mode from the next fault on. Safe at any time, including while a step is in
 * flight (that step finishes in the mode it started in). Any context on the owning CPU.
 */
void kmt_engine_set_rep_mode(struct kmt_engine_cpu *cpu, enum kmt_rep_mode mode);

/*
 * Follows uninitialized bits through registers for at most @limit instructions after the load
 * that brought them in, and reports where they are used; 0 reports uninitialized reads at the
 * load, as kmemcheck did. Needs platform.read. From the next fault on. Any context.
 */
void kmt_engine_set_follow_limit(struct kmt_engine_cpu *cpu, uint32_t limit);

/*
 * Runs plain instructions (and windows, copy routines) in the engine instead of showing their
 * pages and single-stepping them, when the platform can (platform.cmpxchg): @on nonzero. Off after
 * kmt_engine_cpu_init(). From the next fault on. Any context.
 */
void kmt_engine_set_emulate(struct kmt_engine_cpu *cpu, int on);

/*
 * Nonzero while a step is in flight (pages shown, TF owned by the engine). Any context. Inline:
 * the fault hook asks it of every slot on every fault. (state 0 is engine.cpp's StepState::Idle.)
 */
static inline int kmt_engine_busy(const struct kmt_engine_cpu *cpu)
{
	return cpu->state != 0;
}

/*
 * Nonzero while a step is in flight for the instruction at @rip (or, for a REP run stepped with
 * the prefix skipped, its bare element at @rip). The glue uses it to tell a fault of the stepped
 * instruction itself (a second page) from a fault of other code that runs meanwhile. Any context.
 */
int kmt_engine_owns(const struct kmt_engine_cpu *cpu, uint64_t rip);

/*
 * kmt_engine_fault - a kernel-mode page fault at @fault_addr with hardware @error_code.
 * @regs: the interrupted register file; edited in place on HANDLED, ERROR and (to undo the
 *        engine's own edits) NOT_OURS.
 * Context: #PF handler of the CPU owning @cpu, interrupts off.
 *
 * Returns HANDLED when the fault was on a tracked page (the access was checked, pages shown,
 * a step set up, or a batch window performed); NOT_OURS when the page is not tracked, the
 * error code says the page was present, or the fault belongs to a step in flight but on an
 * untracked address (the step is then cancelled and *regs restored so the kernel sees the
 * fault as it would natively: e.g. RIP back on the REP instruction, TF/IF as they were);
 * ERROR as described at KMT_ENGINE_ERROR. Never fails otherwise.
 */
int kmt_engine_fault(struct kmt_engine_cpu *cpu, const struct kmt_engine_platform *platform,
		     struct kmt_regs *regs, uint64_t fault_addr, uint64_t error_code);

/*
 * Same as kmt_engine_fault() with the instruction already decoded (tests, and glue that has
 * decoded it anyway). @insn must describe the bytes at regs->rip.
 */
int kmt_engine_fault_decoded(struct kmt_engine_cpu *cpu, const struct kmt_engine_platform *platform,
			     struct kmt_regs *regs, uint64_t fault_addr, uint64_t error_code,
			     const struct kmt_insn *insn);

/*
 * kmt_engine_single_step - a single-step trap (#DB with DR6.BS set) on the CPU owning @cpu.
 * Context: #DB handler (NMI-like, IST stack), interrupts off.
 *
 * Returns HANDLED (consume the trap), PASS_ON (engine done, let the kernel see the trap too)
 * or NOT_OURS (no step in flight: *regs untouched). Never fails otherwise.
 */
int kmt_engine_single_step(struct kmt_engine_cpu *cpu, const struct kmt_engine_platform *platform,
			   struct kmt_regs *regs);

/* Short English names, for messages. Never NULL. */
const char *kmt_engine_result_str(int result);
const char *kmt_error_kind_str(int kind);
/* Why following stopped (enum kmt_follow_end), for messages. Never NULL. */
const char *kmt_follow_end_str(int end);

/* Short English names of enum kmt_internal_reason values. Never NULL. */
const char *kmt_internal_reason_str(int reason);

/* The error kind of a read of a byte in  (UNINIT_READ for anything but FREED and UNALLOCATED). */
enum kmt_error_kind kmt_error_kind_for_state(enum kmt_shadow_state state);

KMT_EXTERN_C_END

#endif /* KMT_ENGINE_H */
