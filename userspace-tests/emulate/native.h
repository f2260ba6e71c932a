// native.h - runs one x86-64 instruction natively on a chosen register file, for the
// emulator's differential test.
//
// One mapping below 2 GiB (MAP_32BIT, so that absolute disp32 and moffs addresses can reach
// it) holds, page by page:
//   code:  a stub that loads all 16 GPRs and RFLAGS from a NativeState, a 15-byte slot whose
//          instruction ends at landing pad A, a second landing pad B 12 bytes later (the target
//          of every taken branch), and a save sequence that stores the GPRs and RFLAGS back;
//   data:  the stub's variables;
//   arena: the test memory that memory operands, the stack and branch tables point into.
// A fault inside the instruction (SIGSEGV, SIGFPE, SIGILL, SIGBUS) is caught on an alternate
// signal stack and reported as the signal number.
#pragma once

#include <cstddef>
#include <cstdint>

namespace emu {

// Register file of a native run: gpr[] in enum kmt_reg order, then RFLAGS.
struct NativeState {
	uint64_t gpr[16];
	uint64_t rflags;
};

constexpr size_t kArenaBytes = 8192;

class NativeCpu {
public:
	NativeCpu();
	~NativeCpu();
	NativeCpu(const NativeCpu &) = delete;
	NativeCpu &operator=(const NativeCpu &) = delete;

	uint8_t *arena() const { return m_arena; }
	// Address the instruction will have for @len bytes (it ends at pad A).
	uint64_t insn_address(size_t len) const { return m_pad_a - len; }
	uint64_t pad_a() const { return m_pad_a; }
	uint64_t pad_b() const { return m_pad_b; }

	// Runs @len bytes of @code with *@state; on return *@state holds the registers after it,
	// *@rip where execution went (pad A or B). Returns 0, or the signal that stopped it.
	int run(const uint8_t *code, size_t len, NativeState *state, uint64_t *rip);

private:
	uint8_t *m_map = nullptr;
	uint8_t *m_code = nullptr;
	uint8_t *m_data = nullptr;
	uint8_t *m_arena = nullptr;
	uint64_t m_entry = 0;
	uint64_t m_slot = 0;  // first byte of the 15-byte instruction slot
	uint64_t m_pad_a = 0; // = m_slot + 15
	uint64_t m_pad_b = 0;
};

} // namespace emu
