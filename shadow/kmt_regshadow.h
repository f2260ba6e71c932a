/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_regshadow.h - following uninitialized bits through registers to where they are used
 * (shadow/regshadow.cpp). The C boundary.
 *
 * Real kernel code loads bytes it has not initialized all the time and never uses them:
 * word-at-a-time string and hash code reads past a name's NUL, bit-field updates load, mask and
 * store back the whole word, struct copies go through registers. So a load of uninitialized
 * bytes is not an error by itself. As KMSAN does at compile time, kmemtrap keeps a shadow of the
 * general-purpose registers and the status flags (one bit per bit: 1 = uninitialized), moves it
 * instruction by instruction with KMSAN's rules, and reports where uninitialized bits are
 * *used*: a conditional branch, SETcc or CMOVcc on uninitialized flags, a memory address (or an
 * indirect jump target) computed from an uninitialized register, a divisor, a value stored to
 * user memory.
 *
 * kmt_propagate() applies one instruction, before it runs, given its decoded semantics
 * (kmt_decode.h) and the register values it will run with. It reads and writes the memory
 * shadow for the instruction's memory operands. It never faults and allocates nothing.
 */
#ifndef KMT_REGSHADOW_H
#define KMT_REGSHADOW_H

#include "kmt_base.h"
#include "kmt_decode.h"
#include "kmt_shadow.h"

KMT_EXTERN_C_BEGIN

struct kmt_stack_slots;

/* Where uninitialized bits came from: the load that brought them into a register. */
struct kmt_origin {
	uint64_t rip;  /* the loading instruction */
	uint64_t addr; /* the first uninitialized byte it loaded */
};

/* The shadow of the register file. All zero: nothing uninitialized. */
struct kmt_regshadow {
	uint64_t gpr[16];              /* 1 bits: uninitialized bits of each register */
	uint8_t unalloc[16];           /* bit i: byte i of the register came from unallocated memory */
	uint16_t flags;                /* KMT_FLAG_* status flags that are uninitialized */
	uint16_t reserved[3];
	struct kmt_origin origin[16];  /* of each register's uninitialized bits */
	struct kmt_origin flags_origin;
};

/* How uninitialized bits were used. */
enum kmt_use_kind {
	KMT_USE_NONE = 0,
	KMT_USE_BRANCH,  /* a decision on uninitialized flags: Jcc, SETcc, CMOVcc, ADC/SBB, CMPXCHG */
	KMT_USE_ADDRESS, /* a memory address or an indirect jump/call target */
	KMT_USE_DIVISOR, /* the divisor of DIV/IDIV */
	KMT_USE_USER,    /* stored to user memory: an infoleak */
	KMT_USE_KINDS,
};

/* One use. The used bits count as initialized afterwards: each is reported once. */
struct kmt_use {
	uint8_t kind;      /* enum kmt_use_kind */
	uint8_t reg;       /* the register whose bits were used, KMT_REG_NONE for flags or memory */
	uint8_t bad_bytes; /* KMT_USE_USER: bytes of the store with uninitialized bits */
	uint8_t reserved[5];
	uint64_t bits;     /* the uninitialized bits used (flags: KMT_FLAG_* bits) */
	uint64_t addr;     /* KMT_USE_USER: the user address stored to; ADDRESS: the address */
	uint32_t size;     /* KMT_USE_USER: bytes stored */
	uint32_t reserved2;
	struct kmt_origin origin;
};

/* Result of kmt_propagate(). */
enum kmt_prop_result {
	KMT_PROP_OK = 0,          /* applied; *nuses uses were found */
	/*
	 * Not applied: an instruction the rules do not cover (SSE/AVX/x87, system instructions...)
	 * that reads uninitialized registers or memory, or whose register writes are not known, or
	 * one that must end the window (INT3, UD). The shadow is unchanged.
	 */
	KMT_PROP_UNSUPPORTED,
};

/*
 * What kmt_propagate() needs of memory. Values are read to be exact where KMSAN is (AND/OR with
 * known bits, equality, CMPXCHG's decision); @read may fail (return nonzero), and the rules then
 * assume nothing about those bits.
 */
struct kmt_prop_env {
	const struct kmt_shadow_map *map; /* tracked memory */
	void *ctx;
	int (*is_user)(void *ctx, uint64_t addr);
	int (*read)(void *ctx, uint64_t addr, void *buf, uint32_t size);
	/*
	 * Unallocated bytes carry into registers (copy routines keep slack as slack) if nonzero;
	 * otherwise they load as initialized (their read is reported at the load, as a bug).
	 */
	int carry_unallocated;
	/*
	 * Stack slots (kmt_slots.h), or NULL: stores of uninitialized bits to 's stack ()
	 * are remembered there, and loads of them re-taint.
	 */
	struct kmt_stack_slots *slots;
	uint64_t task;
	uint32_t window; /* the window storing (kmt_slots_new_window) */
	/*
	 * Nonzero for code that reads NUL-terminated names a word at a time (hash_name(), strscpy()):
	 * in a loaded word, the bytes after the first initialized zero byte count as initialized
	 * (kmt_nul_tail).
	 */
	int nul_words;
	int (*is_stack)(void *ctx, uint64_t addr);
};

#define KMT_MAX_USES 4

/*
 * kmt_propagate - applies @insn, about to run with registers @regs, to the register shadow @rs
 * and to the shadow of the memory it writes; reports in @uses (up to KMT_MAX_USES, *@nuses) the
 * uninitialized bits it uses, with their origin. A load of uninitialized memory records
 * @regs->rip and the address as the origin of the bits it brings in.
 * Context: any (trap context included): no allocation, no locks, no faults.
 * Returns enum kmt_prop_result.
 */
int kmt_propagate(struct kmt_regshadow *rs, const struct kmt_insn *insn, const struct kmt_regs *regs,
		  const struct kmt_prop_env *env, struct kmt_use *uses, unsigned *nuses);

/*
 * The bytes of a @size-byte little-endian word @value (bit i of the result: byte i) that come
 * after its first zero byte that is not in @bad (bit i: byte i is not initialized). 0 if none.
 */
uint8_t kmt_nul_tail(uint64_t value, unsigned size, uint8_t bad);

/* Nonzero if any register bit or flag of @rs is uninitialized. */
int kmt_regshadow_tainted(const struct kmt_regshadow *rs);

/* Short English names of enum kmt_use_kind values. Never NULL. */
const char *kmt_use_kind_str(int kind);

KMT_EXTERN_C_END

#endif /* KMT_REGSHADOW_H */
