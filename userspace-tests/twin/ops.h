// ops.h - the real instructions the twin runs, as inline assembly. Each runner takes the string
// registers in and gives them back as the hardware left them; none touches memory otherwise.
#pragma once

#include <cstdint>

namespace twin {

enum class Op {
	RepMovs,     // f3 [48] a4/a5
	RepStos,     // f3 [48] aa/ab
	OddRepMovs,  // 66 f3 a5: REP not the first byte (element size 2 only)
	OddRepStos,  // 66 f3 ab (element size 2 only)
};

enum class Dir { Forward, Backward };

struct StringRegs {
	uint64_t rdi = 0, rsi = 0, rcx = 0, rax = 0;
};

#define TWIN_STRING(insn)                                                                          \
	do {                                                                                       \
		if (dir == Dir::Forward)                                                           \
			asm volatile(insn : "+D"(r.rdi), "+S"(r.rsi), "+c"(r.rcx) : "a"(r.rax) : "memory", "cc"); \
		else                                                                               \
			asm volatile("std\n\t" insn "\n\tcld"                                     \
				     : "+D"(r.rdi), "+S"(r.rsi), "+c"(r.rcx) : "a"(r.rax) : "memory", "cc"); \
	} while (0)

// Not inlined so that every test runs the very same instruction bytes.
[[gnu::noinline]] inline void run_string(Op op, unsigned size, Dir dir, StringRegs &r)
{
	switch (op) {
	case Op::RepMovs:
		switch (size) {
		case 1: TWIN_STRING("rep movsb"); return;
		case 2: TWIN_STRING("rep movsw"); return;
		case 4: TWIN_STRING("rep movsl"); return;
		default: TWIN_STRING("rep movsq"); return;
		}
	case Op::RepStos:
		switch (size) {
		case 1: TWIN_STRING("rep stosb"); return;
		case 2: TWIN_STRING("rep stosw"); return;
		case 4: TWIN_STRING("rep stosl"); return;
		default: TWIN_STRING("rep stosq"); return;
		}
	case Op::OddRepMovs:
		TWIN_STRING(".byte 0x66, 0xf3, 0xa5");
		return;
	case Op::OddRepStos:
		TWIN_STRING(".byte 0x66, 0xf3, 0xab");
		return;
	}
}

#undef TWIN_STRING

} // namespace twin
