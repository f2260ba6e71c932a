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
 * It also describes what the instruction does (struct kmt_insn, "Instruction semantics"): for
 * the general-purpose integer subset the operation, every operand in Intel order (registers,
 * memory, immediates, branch targets), the GPRs and flags read and written, so that register
 * shadow propagation and the emulator (kmt_emulate.h) need not decode anything themselves.
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

/*
 * The operation of an instruction of the general-purpose integer subset (64-bit mode), for
 * register shadow propagation and the emulator (kmt_emulate.h). KMT_OP_OTHER is everything
 * else: SSE/AVX/x87, system and I/O instructions, rare integer forms (LOOP, XLAT, LAHF...).
 * The per-operation flag rules are in docs/decoder.md ("Instruction semantics").
 */
enum kmt_op {
	KMT_OP_OTHER = 0,
	/* data movement */
	KMT_OP_MOV, KMT_OP_MOVZX, KMT_OP_MOVSX, KMT_OP_MOVSXD, KMT_OP_LEA, KMT_OP_XCHG,
	KMT_OP_BSWAP,
	KMT_OP_CBW,     /* CBW / CWDE / CDQE by operand size: rAX = sign-extended lower half */
	KMT_OP_CWD,     /* CWD / CDQ / CQO: rDX = sign of rAX */
	KMT_OP_CMOVCC, KMT_OP_SETCC,
	/* arithmetic and logic */
	KMT_OP_ADD, KMT_OP_OR, KMT_OP_ADC, KMT_OP_SBB, KMT_OP_AND, KMT_OP_SUB, KMT_OP_XOR,
	KMT_OP_CMP, KMT_OP_TEST, KMT_OP_INC, KMT_OP_DEC, KMT_OP_NEG, KMT_OP_NOT,
	/* shifts and rotates */
	KMT_OP_SHL, KMT_OP_SHR, KMT_OP_SAR, KMT_OP_ROL, KMT_OP_ROR, KMT_OP_RCL, KMT_OP_RCR,
	KMT_OP_SHLD, KMT_OP_SHRD,
	/* multiply and divide (IMUL: the one-, two- and three-operand forms) */
	KMT_OP_IMUL, KMT_OP_MUL, KMT_OP_DIV, KMT_OP_IDIV,
	/* atomics */
	KMT_OP_CMPXCHG,
	KMT_OP_CMPXCHG8B16B, /* CMPXCHG8B, or CMPXCHG16B with REX.W (memory operand size 16) */
	KMT_OP_XADD,
	/* bits */
	KMT_OP_BT, KMT_OP_BTS, KMT_OP_BTR, KMT_OP_BTC, KMT_OP_BSF, KMT_OP_BSR, KMT_OP_TZCNT,
	KMT_OP_LZCNT, KMT_OP_POPCNT,
	/* control flow */
	KMT_OP_JCC, KMT_OP_JMP, KMT_OP_JMP_INDIRECT, KMT_OP_CALL, KMT_OP_CALL_INDIRECT, KMT_OP_RET,
	/* stack */
	KMT_OP_PUSH, KMT_OP_POP, KMT_OP_PUSHF, KMT_OP_POPF, KMT_OP_LEAVE,
	/* strings (one element; rep says whether it repeats) */
	KMT_OP_MOVS, KMT_OP_STOS, KMT_OP_LODS, KMT_OP_CMPS, KMT_OP_SCAS,
	/* flags */
	KMT_OP_CLC, KMT_OP_STC, KMT_OP_CMC, KMT_OP_CLD, KMT_OP_STD,
	/* no effect, or a trap */
	KMT_OP_NOP,     /* 90, 66 90, NOP r/m, the 0F 19-1F hint space (ENDBR64...) */
	KMT_OP_PAUSE,
	KMT_OP_INT3,
	KMT_OP_UD,      /* UD0, UD1, UD2: raise #UD on purpose (BUG(), WARN()) */
	KMT_OP_COUNT
};

/*
 * Flag bits of kmt_insn.flags_read/_written/_undefined: the RFLAGS bit positions, so a mask
 * applies to kmt_regs.rflags directly. Only the six status flags and DF are described.
 */
#define KMT_FLAG_CF 0x0001u
#define KMT_FLAG_PF 0x0004u
#define KMT_FLAG_AF 0x0010u
#define KMT_FLAG_ZF 0x0040u
#define KMT_FLAG_SF 0x0080u
#define KMT_FLAG_DF 0x0400u
#define KMT_FLAG_OF 0x0800u
#define KMT_FLAGS_STATUS (KMT_FLAG_CF | KMT_FLAG_PF | KMT_FLAG_AF | KMT_FLAG_ZF | KMT_FLAG_SF | \
			  KMT_FLAG_OF)

/* Up to four explicit operands (IMUL r, r/m, imm; SHLD r/m, r, CL); Intel order. */
#define KMT_MAX_OPERANDS 4

enum kmt_operand_kind {
	KMT_OPND_NONE = 0,
	KMT_OPND_REG,  /* a general-purpose register: reg (with KMT_OPND_HIGH8: AH, CH, DH, BH) */
	KMT_OPND_MEM,  /* memory: mem[operand.mem] */
	KMT_OPND_AGEN, /* an address computed, nothing accessed: kmt_insn.agen (LEA, NOP r/m...) */
	KMT_OPND_IMM,  /* an immediate (or SHL's implicit 1): imm */
	KMT_OPND_REL,  /* a relative branch target: next instruction + imm */
};

/* kmt_operand.flags bits. */
#define KMT_OPND_HIGH8  0x01u /* AH/CH/DH/BH: bits 15:8 of register reg (0-3) */
#define KMT_OPND_ZEXT32 0x02u /* written 4-byte register: bits 63:32 become 0 */
#define KMT_OPND_MERGE  0x04u /* written 1- or 2-byte register: the other bits keep their value */

struct kmt_operand {
	uint8_t kind;    /* enum kmt_operand_kind */
	uint8_t access;  /* KMT_ACCESS_READ/WRITE for REG and MEM; 0 for IMM, REL, AGEN */
	uint8_t reg;     /* REG: enum kmt_reg, 0-15 */
	uint8_t mem;     /* MEM: index into kmt_insn.mem[] */
	uint8_t flags;   /* KMT_OPND_* bits */
	uint8_t reserved;
	uint16_t size;   /* bytes: register width, memory size, immediate width as used, REL 1 or 4 */
	/*
	 * IMM: the value the CPU computes with at `size` bytes (sign-extended from the encoding
	 * where the instruction sign-extends, e.g. imm8 of ADD r/m32, imm8), bits above `size`
	 * zero. REL: the displacement from the next instruction, sign-extended to 64 bits.
	 */
	uint64_t imm;
};

/* kmt_insn.sem_flags bits. */
/*
 * The operands and gpr_read/gpr_written describe every general-purpose register the
 * instruction reads or writes. Always set when op != KMT_OP_OTHER; for KMT_OP_OTHER only for
 * the instructions the decoder describes (docs/decoder.md), else the masks hold only the
 * registers it knows (memory addresses, listed operands).
 */
#define KMT_SEM_GPRS       0x01u
/*
 * flags_written are only written when the count is not 0 (shifts and rotates by CL; REP
 * CMPS/SCAS with RCX = 0); otherwise RFLAGS is unchanged.
 */
#define KMT_SEM_FLAGS_COND 0x02u
/* 0x67: implicit pointer and counter registers (string rSI/rDI/rCX) are 32-bit. */
#define KMT_SEM_ADDR32     0x04u

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

	/*
	 * Instruction semantics (see docs/decoder.md). Zeroed for KMT_OP_OTHER except what the
	 * decoder describes (sem_flags, operands, GPR masks).
	 */
	uint8_t op;          /* enum kmt_op */
	uint8_t cond;        /* JCC/SETCC/CMOVCC: the condition code (opcode bits 3:0), else 0 */
	uint8_t nops;        /* valid entries in ops[] */
	uint8_t sem_flags;   /* KMT_SEM_* bits */
	/*
	 * Width in bytes of the implicit GPR writes that are not pointers or counters (rAX/rDX of
	 * MUL, DIV, CBW, CWD, CMPXCHG(8B/16B), rAX..rDX of CPUID...): 4 zero-extends, 1 and 2
	 * merge. Implicit rSP/rBP writes are 8 bytes; rSI/rDI/rCX of strings 8 (4 with
	 * KMT_SEM_ADDR32). 0 when there is none.
	 */
	uint8_t implicit_size;
	uint8_t reserved2;
	uint16_t gpr_read;   /* bit i: GPR i is read (operands, memory addresses, implicit) */
	uint16_t gpr_written; /* bit i: GPR i may be written (operands, implicit) */
	uint16_t flags_read; /* KMT_FLAG_* the instruction reads */
	uint16_t flags_written; /* KMT_FLAG_* it may change (including undefined ones) */
	uint16_t flags_undefined; /* KMT_FLAG_* whose value is undefined afterwards (SDM) */
	/*
	 * The address of an address-only operand (LEA's source, NOP r/m, PREFETCH*, CLFLUSH...),
	 * which mem[] never lists: access 0, size 0. Valid when an operand has kind AGEN.
	 */
	struct kmt_mem_operand agen;
	struct kmt_operand ops[KMT_MAX_OPERANDS];
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

/* The lower-case name of an enum kmt_op ("add", "cmovcc", "other"), for messages. Never NULL:
 * "?" for a value out of range. */
const char *kmt_op_str(int op);

/*
 * A decode cache: the last instructions decoded, by address. Kernel text can be patched while
 * kmemtrap runs (static keys, alternatives, kprobes, ftrace), so an entry is used only when the
 * live bytes still equal the ones it was decoded from: decoding reads the bytes in order and
 * stops after insn.length of them, so equal bytes give an equal result. Only successful decodes
 * are kept. Not thread-safe: one per CPU, used with interrupts off and never from NMI context
 * (or one for NMIs of its own).
 */
#define KMT_DECODE_CACHE_ENTRIES 4096 /* a power of two */
#define KMT_DECODE_CACHE_WAYS 2       /* entries per set: an address may be in either */

struct kmt_decode_cache_entry {
	uint64_t rip;                      /* 0: empty */
	uint8_t bytes[KMT_MAX_INSN_LEN];   /* the first insn.length are the instruction's */
	uint8_t hint;                      /* the user's, about this instruction: 0 when (re)filled */
	struct kmt_insn insn;
};

struct kmt_decode_cache {
	struct kmt_decode_cache_entry entry[KMT_DECODE_CACHE_ENTRIES]; /* set s: entries 2s, 2s + 1 */
	uint8_t victim[KMT_DECODE_CACHE_ENTRIES / KMT_DECODE_CACHE_WAYS]; /* the way a miss replaces */
};

/* The set of @rip's entries (its two ways: entry[2 * set], entry[2 * set + 1]); for the tests. */
unsigned kmt_decode_cache_set(uint64_t rip);

/* Empties @cache (all zero is empty too). */
void kmt_decode_cache_clear(struct kmt_decode_cache *cache);

/*
 * kmt_decode() of @code (@len bytes readable, the live bytes at @rip), through @cache: the
 * cached decode when the entry for @rip was decoded from the same bytes, else a fresh decode,
 * kept if it succeeds. Same results as kmt_decode(); @cache may be NULL (no caching). *@hit
 * (may be NULL) tells whether the cache answered.
 */
int kmt_decode_cached(struct kmt_decode_cache *cache, uint64_t rip, const uint8_t *code, size_t len,
		      struct kmt_insn *insn, int *hit);

/*
 * The cached decode of @code at @rip, as kmt_decode_cached() would answer from @cache, without
 * copying it out: NULL on a miss (nothing decoded, nothing kept). The pointer is good until the
 * next kmt_decode_cached() or kmt_decode_cache_clear() on @cache.
 */
const struct kmt_insn *kmt_decode_cache_lookup(struct kmt_decode_cache *cache, uint64_t rip,
					       const uint8_t *code, size_t len);

/*
 * The hint byte of the entry of @cache whose decode @cached is (a pointer kmt_decode_cache_lookup()
 * returned for @rip), NULL if that entry holds another address by now. The user's byte: 0 when
 * the entry is (re)filled.
 */
uint8_t *kmt_decode_cache_hint(struct kmt_decode_cache *cache, uint64_t rip, const struct kmt_insn *cached);

KMT_EXTERN_C_END

#endif /* KMT_DECODE_H */
