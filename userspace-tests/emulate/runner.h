// runner.h - one differential case of the emulator: an instruction, a register file and the
// arena's contents, run natively (native.h) and through kmt_emulate() on a copy of the arena,
// then compared: all 16 GPRs, RIP, the flags the SDM defines, and the arena byte for byte.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "forms.h"
#include "native.h"

extern "C" {
#include "kmt_decode.h"
#include "kmt_emulate.h"
}

namespace emu {

struct Stats {
	uint64_t m_generated = 0;    // instructions generated
	uint64_t m_not_decoded = 0;  // bytes the decoder refused (LOCK on a register form...)
	uint64_t m_unsolved = 0;     // operands could not be aimed at the arena (regenerated)
	uint64_t m_compared = 0;     // run natively and emulated, compared
	uint64_t m_expected_exception = 0; // UNSUPPORTED and the CPU raised the exception too
	uint64_t m_unsupported_by_rule = 0; // UNSUPPORTED by a documented rule, not run natively
	uint64_t m_fault_injected = 0;     // a callback failed: FAULT, nothing changed
	uint64_t m_races = 0;              // a compare-exchange lost to an injected store, retried
	uint64_t m_native_retried = 0;     // a native run disagreed, a rerun of the same case agreed
	std::string m_retry_text;          // the first such disagreement
	uint64_t m_failures = 0;
	uint64_t m_undefined_differ = 0;   // compared cases where an undefined flag differed
	uint64_t m_direct_compared = 0;    // kmt_emulate_move_direct() agreed with kmt_emulate()
	std::map<std::string, uint64_t> m_by_form;
	std::map<std::string, uint64_t> m_by_op;       // compared, by kmt_op_str()
	std::map<std::string, uint64_t> m_undef_by_op; // undefined flags differing, by op
	std::vector<std::string> m_failure_text;       // the first few failures
};

class Runner {
public:
	explicit Runner(uint64_t seed);

	// One random case of @form (regenerated until it decodes and its operands can be aimed).
	void run_form(const Form &form);

	// A given instruction with given registers (memory operands must already point into the
	// arena). Returns "" when emulation and the CPU agree, else what differs.
	std::string run_bytes(const std::vector<uint8_t> &bytes, const NativeState &state);

	NativeCpu &cpu() { return m_cpu; }
	Stats &stats() { return m_stats; }
	Rng &rng() { return m_rng; }

private:
	// Runs one decoded case; @fault_at >= 0 fails that memory callback, @race injects a
	// concurrent store before the first compare-exchange. Returns "" or a failure.
	std::string check(const uint8_t *bytes, size_t len, const kmt_insn &insn, NativeState state,
			  int fault_at, bool race, const char *form);
	void fail(const std::string &what);
	std::string compare_native(const uint8_t *bytes, size_t len, const kmt_insn &insn, const NativeState &st,
				   const kmt_regs &er, NativeState *ns, uint64_t *nrip, const std::string &what);
	std::string check_direct(const kmt_insn &insn, const kmt_regs &before, const kmt_regs &after, int status,
				 const std::vector<uint8_t> &pre, uint64_t arena);

	NativeCpu m_cpu;
	Rng m_rng;
	Stats m_stats;
	std::vector<uint8_t> m_copy; // the emulator's arena
	uint64_t m_fs_base = 0, m_gs_base = 0;
};

} // namespace emu
