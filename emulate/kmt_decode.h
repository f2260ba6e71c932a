/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_decode.h - the C boundary of kmemtrap's x86-64 instruction decoder (emulate/).
 *
 * The decoder works out, for one instruction in 64-bit mode, its length and every explicit or
 * string memory operand: how to compute its address from a register file, how many bytes it
 * touches and whether it reads, writes or both. It is freestanding C++ behind this C header:
 * it allocates nothing, holds no globals, never reads code[len] or beyond, and never crashes
 * on any byte sequence.
 *
 * Implicit stack accesses (PUSH/POP/CALL/RET/ENTER/LEAVE, interrupts) are not listed: kmemtrap
 * never tracks stack memory. Address-only forms (LEA, NOP r/m, PREFETCH*, CLFLUSH*, CLWB,
 * BNDMK...) list no memory operand.
 */
#ifndef KMT_DECODE_H
#define KMT_DECODE_H

#include "kmt_base.h"

KMT_EXTERN_C_BEGIN

/* Architectural limit: an x86 instruction is at most 15 bytes. */
#define KMT_MAX_INSN_LEN 15
/* String instructions have two memory operands; nothing kmemtrap cares about has more. */
#define KMT_MAX_MEM_OPS 2

/* Result of kmt_decode(). Converted to -errno by the glue in one place. */
enum kmt_decode_status {
	KMT_DECODE_OK = 0,
	/* The buffer ended before the instruction did (len too small; read more and retry). */
	KMT_DECODE_TRUNCATED,
	/* The instruction would be longer than 15 bytes (#GP on hardware). */
	KMT_DECODE_TOO_LONG,
	/* Undefined or #UD in 64-bit mode (e.g. 0x06 PUSH ES, a VEX.L=1 form that does not exist). */
	KMT_DECODE_INVALID,
	/*
	 * A valid instruction kmemtrap does not model (VIA PadLock XCRYPT/XSHA/XSTORE/MONTMUL,
	 * whose memory extent depends on registers). insn->length is set, nothing else.
	 */
	KMT_DECODE_UNSUPPORTED,
};

/* General-purpose registers in encoding order, as indices into kmt_regs.gpr[]. */
enum kmt_reg {
	KMT_REG_RAX = 0, KMT_REG_RCX, KMT_REG_RDX, KMT_REG_RBX,
	KMT_REG_RSP, KMT_REG_RBP, KMT_REG_RSI, KMT_REG_RDI,
	KMT_REG_R8, KMT_REG_R9, KMT_REG_R10, KMT_REG_R11,
	KMT_REG_R12, KMT_REG_R13, KMT_REG_R14, KMT_REG_R15,
	KMT_REG_RIP = 16,   /* base of a RIP-relative operand */
	KMT_REG_NONE = 0xff,
};

/* Segment of a memory operand. Only FS and GS have a base in 64-bit mode. */
enum kmt_seg {
	KMT_SEG_NONE = 0, KMT_SEG_ES, KMT_SEG_CS, KMT_SEG_SS, KMT_SEG_DS, KMT_SEG_FS, KMT_SEG_GS,
};

/* kmt_mem_operand.access bits. */
#define KMT_ACCESS_READ  0x1u
#define KMT_ACCESS_WRITE 0x2u
/* The access may not happen: REP string element (RCX may be 0), masked AVX-512 / VMASKMOV. */
#define KMT_ACCESS_COND  0x4u

/* kmt_mem_operand.flags bits. */
#define KMT_MEM_RIPREL   0x1u /* base is KMT_REG_RIP: address = next instruction + disp */
#define KMT_MEM_VSIB     0x2u /* gather/scatter: index is a vector register, address unknown */
#define KMT_MEM_ADDR32   0x4u /* 0x67 prefix: the effective address is truncated to 32 bits */
/*
 * XLAT: the index is AL zero-extended (index == KMT_REG_RAX, scale 1), not all of RAX.
 * kmt_mem_address() handles it.
 */
#define KMT_MEM_XLAT     0x8u
/*
 * BT/BTS/BTR/BTC with a register bit offset (0F A3/AB/B3/BB) on memory: the CPU accesses
 * `size` bytes at EA + size * floor(bitoffset / (8 * size)), where bitoffset is the signed
 * value of register `bit_reg` at operand size. kmt_mem_address() returns that address (the
 * unit actually touched), not EA. The decoder cannot bound it: the offset may be far away.
 */
#define KMT_MEM_BITOFFSET 0x10u
/*
 * `size` is a lower bound, not the exact extent: XSAVE/XRSTOR family, whose area size
 * depends on XCR0/IA32_XSS and EDX:EAX. size is then 576 (legacy region + XSAVE header).
 */
#define KMT_MEM_SIZE_MIN 0x20u
/*
 * The operand is not named by ModRM but by a register alone (MASKMOVQ/MASKMOVDQU: [rDI];
 * MOVDIR64B/ENQCMD destination: ES:[reg]). base says which register.
 */
#define KMT_MEM_IMPLICIT 0x40u

/* Role of an operand of a string instruction; PLAIN for everything else. */
enum kmt_mem_role { KMT_ROLE_PLAIN = 0, KMT_ROLE_SRC, KMT_ROLE_DST };

/* What the shadow logic must do with the instruction. */
enum kmt_insn_class {
	KMT_CLASS_NOMEM = 0, /* no memory operand at all (including address-only forms) */
	KMT_CLASS_PLAIN,     /* ordinary load, store or read-modify-write */
	KMT_CLASS_ATOMIC,    /* LOCK-prefixed RMW, XCHG with memory, CMPXCHG8B/16B */
	KMT_CLASS_MOVS,      /* string copy: source read, destination written */
	KMT_CLASS_STOS,      /* string store: destination written from rAX */
	KMT_CLASS_LODS,      /* string load: source read into rAX */
	KMT_CLASS_CMPS,      /* string compare: both read */
	KMT_CLASS_SCAS,      /* string scan: destination (ES:rDI) read */
	KMT_CLASS_INS,       /* port to memory: destination written */
	KMT_CLASS_OUTS,      /* memory to port: source read */
};

/* Which repeat prefix governs a string instruction. */
enum kmt_rep_kind {
	KMT_REP_NONE = 0,
	KMT_REP_REP,   /* F3 on MOVS/STOS/LODS/INS/OUTS: repeat RCX times */
	KMT_REP_REPE,  /* F3 on CMPS/SCAS: repeat while equal (ZF=1) and RCX != 0 */
	KMT_REP_REPNE, /* F2 on CMPS/SCAS: repeat while not equal (ZF=0) and RCX != 0 */
};

/* kmt_insn.flags bits. */
#define KMT_INSN_LOCK   0x01u /* F0 prefix present */
#define KMT_INSN_VEX    0x02u
#define KMT_INSN_EVEX   0x04u
#define KMT_INSN_REX_W  0x08u
#define KMT_INSN_DF_DEP 0x10u /* string instruction: addresses move by -size when DF=1 */

struct kmt_mem_operand {
	uint8_t access;  /* KMT_ACCESS_* bits */
	uint8_t role;    /* enum kmt_mem_role */
	uint8_t segment; /* enum kmt_seg: the override, else the architectural default */
	uint8_t base;    /* enum kmt_reg, KMT_REG_RIP or KMT_REG_NONE */
	uint8_t index;   /* enum kmt_reg or KMT_REG_NONE (VSIB: the vector register number) */
	uint8_t scale;   /* 1, 2, 4 or 8 */
	uint8_t flags;   /* KMT_MEM_* bits */
	uint8_t bit_reg; /* enum kmt_reg holding the bit offset when KMT_MEM_BITOFFSET, else 0 */
	uint32_t size;   /* bytes touched by one execution (one element for string instructions) */
	int64_t disp;    /* sign-extended displacement */
};

struct kmt_insn {
	uint8_t length;      /* total bytes, 1..15 */
	uint8_t nmem;        /* valid entries in mem[] */
	uint8_t insn_class;  /* enum kmt_insn_class */
	uint8_t rep;         /* enum kmt_rep_kind */
	uint8_t rep_offset;  /* index of the effective F2/F3 byte when rep != KMT_REP_NONE */
	uint8_t prefix_len;  /* legacy prefixes + REX, i.e. index of the opcode (or VEX/EVEX) byte */
	uint8_t opsize;      /* operand (string element) size in bytes: 1, 2, 4 or 8 */
	uint8_t flags;       /* KMT_INSN_* bits */
	uint8_t map;         /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A (VEX/EVEX: their mmmmm map) */
	uint8_t opcode;      /* the opcode byte within that map */
	uint8_t modrm;       /* ModRM byte if any, else 0 */
	uint8_t reserved;
	struct kmt_mem_operand mem[KMT_MAX_MEM_OPS];
};

/* Register file the addresses are computed from. gpr[] in enum kmt_reg order. */
struct kmt_regs {
	uint64_t gpr[16];
	uint64_t rip;     /* address of the first byte of the instruction */
	uint64_t rflags;
	uint64_t fs_base;
	uint64_t gs_base;
};

/*
 * kmt_decode - decode the 64-bit-mode instruction at code[0].
 * @code: instruction bytes as they are in memory now (live, patched text).
 * @len:  bytes readable at @code; at most KMT_MAX_INSN_LEN are ever read.
 * @insn: filled on KMT_DECODE_OK; zeroed on any failure, except that KMT_DECODE_UNSUPPORTED
 *        sets insn->length (the instruction is valid, only its memory is not modelled).
 *
 * Returns an enum kmt_decode_status. Never reads past @len.
 */
int kmt_decode(const uint8_t *code, size_t len, struct kmt_insn *insn);

/*
 * kmt_mem_address - effective linear address of @op for the register state @regs
 * (segment base for FS/GS included, 32-bit truncation for 0x67). For string operands this is
 * the address of the current element (RSI/RDI as they are now). Returns 0 for VSIB operands,
 * whose address the decoder cannot know.
 */
uint64_t kmt_mem_address(const struct kmt_insn *insn, const struct kmt_mem_operand *op,
			 const struct kmt_regs *regs);

/* A short English name for a kmt_decode_status, for messages. Never NULL. */
const char *kmt_decode_status_str(int status);

KMT_EXTERN_C_END

#endif /* KMT_DECODE_H */
