/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_emulate.h - the C boundary of kmemtrap's instruction emulator (emulate/).
 *
 * kmt_emulate() executes one instruction decoded by kmt_decode() on a register file, with every
 * memory access going through the caller's callbacks, exactly as the CPU would (the integer
 * subset of docs/emulator.md; proven against the CPU by userspace-tests/emulate/). It is all or
 * nothing: all reads happen first, then the one memory write an instruction may have, then the
 * registers change. A callback that reports a fault, or an instruction outside the subset,
 * leaves registers and memory exactly as they were.
 *
 * Locked read-modify-writes (LOCK prefix, XCHG with memory, CMPXCHG, CMPXCHG8B/16B, XADD) go
 * through the cmpxchg callback in a read/compute/compare-exchange loop, so they stay atomic
 * against other CPUs when the callback uses a real LOCK CMPXCHG.
 *
 * Freestanding C++ behind this C header: no allocation, no globals, no floating point.
 */
#ifndef KMT_EMULATE_H
#define KMT_EMULATE_H

#include "kmt_decode.h"

KMT_EXTERN_C_BEGIN

enum kmt_emu_status {
	/* Executed: registers (RIP past the instruction or at the branch target) and memory updated. */
	KMT_EMU_OK = 0,
	/*
	 * Not in the emulated subset, or an exception the CPU would raise (#DE of DIV/IDIV,
	 * a misaligned CMPXCHG16B): nothing changed; execute the instruction natively.
	 */
	KMT_EMU_UNSUPPORTED,
	/* A callback reported a fault: nothing changed; kmt_emu_mem.fault says where. */
	KMT_EMU_FAULT,
};

/* What faulted (filled on KMT_EMU_FAULT when kmt_emu_mem.fault is set). */
enum kmt_emu_access { KMT_EMU_READ = 0, KMT_EMU_WRITE, KMT_EMU_CMPXCHG };

struct kmt_emu_fault {
	uint64_t addr;   /* first byte of the access that faulted */
	uint32_t size;   /* its size in bytes */
	uint8_t access;  /* enum kmt_emu_access */
	int code;        /* the callback's return value */
};

/*
 * Memory callbacks. Each returns 0 on success or a nonzero fault code of the caller's choice,
 * and accesses exactly @size bytes (1, 2, 4, 8 or 16) at @addr, little-endian, in one piece
 * (the emulator never splits an access). Addresses are linear: FS/GS bases are applied.
 */
struct kmt_emu_mem {
	void *ctx;
	int (*read)(void *ctx, uint64_t addr, void *buf, uint32_t size);
	int (*write)(void *ctx, uint64_t addr, const void *buf, uint32_t size);
	/*
	 * Atomically: copy the @size bytes at @addr to @actual; if they equal @expected, store
	 * @desired there. The success of the exchange is (actual == expected).
	 */
	int (*cmpxchg)(void *ctx, uint64_t addr, uint32_t size, const void *expected,
		       const void *desired, void *actual);
	struct kmt_emu_fault *fault; /* optional: where the fault was, on KMT_EMU_FAULT */
};

/*
 * kmt_emulate - execute @insn (decoded with KMT_DECODE_OK from the bytes at regs->rip).
 * @regs: the register file, updated on KMT_EMU_OK only (gpr[], rip, rflags; fs_base/gs_base
 *        are only read).
 * @mem:  the memory callbacks; all three must be set.
 *
 * Returns KMT_EMU_OK, KMT_EMU_UNSUPPORTED (nothing changed) or KMT_EMU_FAULT (nothing changed,
 * mem->fault filled if set). Never fails otherwise; undefined flags are set as documented in
 * docs/emulator.md.
 */
int kmt_emulate(const struct kmt_insn *insn, struct kmt_regs *regs, const struct kmt_emu_mem *mem);

/*
 * kmt_emulate_move_direct - the commonest forms only (MOV, MOVZX, MOVSX, MOVSXD between a general
 * register and 1, 2, 4 or 8 bytes of memory; MOV of an immediate to memory), with the memory
 * operand's bytes at @ptr, which the caller has mapped for the operand. @addr is that operand's
 * address, as the caller computed it (kmt_mem_address() with these registers): it is not
 * computed again. The same result as kmt_emulate(). Returns KMT_EMU_OK, or KMT_EMU_UNSUPPORTED
 * (another form: nothing changed).
 */
int kmt_emulate_move_direct(const struct kmt_insn *insn, struct kmt_regs *regs, uint8_t *ptr, uint64_t addr);

/* A short English name for an enum kmt_emu_status, for messages. Never NULL. */
const char *kmt_emu_status_str(int status);

KMT_EXTERN_C_END

#endif /* KMT_EMULATE_H */
