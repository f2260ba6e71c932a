/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_slots.h - uninitialized bits stored to the stack (shadow/slots.cpp). The C boundary.
 *
 * The stack is not tracked: a store of uninitialized register bits there (a spill, a struct
 * copied to a local) would lose them. While following a value (kmt_regshadow.h), such a store is
 * remembered in a small table of stack slots, each with the bytes it held and where its
 * uninitialized bits were loaded. A later load of the slot in a window re-taints the register
 * if the slot still holds those bytes and was stored in the same window, so a copy_to_user() of
 * the local that the window steps into stores them to user memory: an infoleak (the
 * stack-struct copy_to_user leak). The engine
 * keeps a window going while slots it stored are live (kmt_slots_live). A store of initialized
 * bits over a slot forgets the bytes it overwrites; a slot below the stack pointer has been
 * unwound and is dropped when next looked at; the oldest slot makes room for a new one.
 *
 * One table per CPU, keyed by task (a window runs on one CPU with interrupts off). Freestanding:
 * no allocation, no locks.
 */
#ifndef KMT_SLOTS_H
#define KMT_SLOTS_H

#include "kmt_base.h"
#include "kmt_regshadow.h"

KMT_EXTERN_C_BEGIN

#define KMT_STACK_SLOTS 64

struct kmt_stack_slot {
	uint64_t task;    /* the owning task; 0: a free slot */
	uint64_t addr;    /* first byte */
	uint64_t value;   /* the bytes as stored (once settled) */
	struct kmt_origin origin;
	uint8_t size;     /* 1..8 bytes */
	uint8_t uninit;   /* bit i: byte i holds uninitialized bits */
	uint8_t settled;  /* value read back after the store ran */
	uint8_t reserved;
	uint32_t window;  /* the window that stored it (kmt_slots_new_window) */
};

struct kmt_stack_slots {
	struct kmt_stack_slot slot[KMT_STACK_SLOTS];
	uint32_t next;    /* the slot the next store takes (round robin: the oldest) */
	uint32_t pending; /* slots not settled yet */
	uint64_t dropped;  /* slots overwritten while still holding uninitialized bytes */
	uint64_t stored;   /* stores remembered */
	uint64_t reloaded; /* loads re-tainted */
	uint32_t window_seq; /* the last window number handed out (kmt_slots_new_window) */
	uint32_t reserved;
};

/* A memory reader that never faults: 0 on success. */
typedef int (*kmt_slots_read_fn)(void *ctx, uint64_t addr, void *buf, uint32_t size);

/*
 * A store of @size (1..8) bytes at @addr by @task, about to run, whose uninitialized bits are
 * @shadow (bit-per-bit, as in a register): bytes it overwrites are forgotten, and if @shadow has
 * any bit set the store is remembered, unsettled: kmt_slots_settle() reads the bytes once the
 * store has run.
 */
void kmt_slots_store(struct kmt_stack_slots *t, uint64_t task, uint64_t addr, uint32_t size, uint64_t shadow,
		     const struct kmt_origin *origin, uint32_t window);

/* A number for a new window (never 0), to tell its slots from older ones. */
uint32_t kmt_slots_new_window(struct kmt_stack_slots *t);

/* Reads back the bytes of every unsettled slot (after the stores ran); an unreadable slot is freed. */
void kmt_slots_settle(struct kmt_stack_slots *t, kmt_slots_read_fn read, void *ctx);

/*
 * A load of @size (1..8) bytes at @addr by @task in @window (0: any) that read @value: the
 * shadow (0xff per byte) of the bytes a settled slot of @task stored in that window says are
 * uninitialized and that still hold what was stored, and in *@origin where the first of them
 * came from. 0 if none. Only the window's own slots: an older window's slot may have been
 * overwritten since by code no window saw (a frame reused by a deeper call that cleared it
 * natively: the stack is not tracked), and equal bytes (zeros, most often) do not show it.
 */
uint64_t kmt_slots_load(struct kmt_stack_slots *t, uint64_t task, uint32_t window, uint64_t addr, uint32_t size,
			uint64_t value, struct kmt_origin *origin);

/*
 * Slots of @task stored in @window (0: in any) still live: at or above @sp (those below have
 * been unwound and are dropped).
 */
uint32_t kmt_slots_live(struct kmt_stack_slots *t, uint64_t task, uint64_t sp, uint32_t window);

/* Forgets every slot of @task (it exits), or every slot if @task is 0. */
void kmt_slots_forget(struct kmt_stack_slots *t, uint64_t task);

KMT_EXTERN_C_END

#endif /* KMT_SLOTS_H */
