// harness.h - the userspace twin of kmemtrap's trap glue.
//
// It plays the kernel module's part for the engine (shadow/kmt_engine.h) inside one test
// process: tracked "heap" pages are hidden with mprotect(PROT_NONE); SIGSEGV (si_addr, and the
// hardware error code from REG_ERR) stands for #PF; EFLAGS.TF in the signal context plus
// SIGTRAP stands for #DB. Real instructions (inline assembly in the tests) run against it.
//
// Memory layout (one mapping, page aligned):
//   [ kernel_low: 2 untracked pages ][ tracked: N pages ][ kernel_high: 2 untracked pages ]
// plus a separate "user" mapping of 4 pages, which is_user_address() says is user memory.
// Untracked pages sit right next to tracked ones so that REP runs can enter tracked memory
// part-way (a fault with RCX already lower).
#pragma once

#include <cstddef>
#include <csignal>
#include <cstdint>
#include <memory>
#include <vector>

#include "kmt_engine.h"
#include "kmt_slots.h"

namespace twin {

constexpr size_t k_page = KMT_PAGE_SIZE;
constexpr size_t k_kernel_pages = 2; // untracked pages on each side of the tracked ones
constexpr size_t k_user_pages = 4;
constexpr size_t k_max_reports = 1024;

struct Counters {
	uint64_t segv = 0;        // SIGSEGV delivered (page faults)
	uint64_t trap = 0;        // SIGTRAP delivered (single steps)
	uint64_t code_traps = 0;  // SIGTRAPs that belonged to the code itself (NOT_OURS / PASS_ON)
	uint64_t shows = 0;
	uint64_t hides = 0;
	uint64_t copies = 0;
	uint64_t user_copies = 0; // copy_user calls (batch copies to or from user memory)
	uint64_t user_faults = 0; // user pages "faulted in" (made accessible) after a native fault
	uint64_t engine_errors = 0; // KMT_ENGINE_ERROR results
	uint64_t push_traps = 0;    // int3s at the push trampoline (platform.defer_push), pushes made
};

class Twin {
public:
	// Maps the arena with @tracked_pages tracked pages; only one Twin may exist at a time.
	explicit Twin(size_t tracked_pages);
	~Twin();
	Twin(const Twin &) = delete;
	Twin &operator=(const Twin &) = delete;

	uint8_t *tracked() const { return m_tracked; }
	size_t tracked_bytes() const { return m_tracked_pages * k_page; }
	uint8_t *kernel_low() const { return m_tracked - k_kernel_pages * k_page; }
	uint8_t *kernel_high() const { return m_tracked + tracked_bytes(); }
	uint8_t *user() const { return m_user; }
	size_t user_bytes() const { return k_user_pages * k_page; }

	const kmt_shadow_map *shadow() const { return &m_platform.shadow; }
	kmt_engine_cpu &cpu() { return m_cpu; }
	kmt_stack_slots &slots() { return m_slots; }
	// Code in [start, end) reads NUL-terminated names a word at a time (platform.nul_words).
	void set_nul_words(uint64_t start, uint64_t end) { m_nul_lo = start; m_nul_hi = end; }
	// Decodes through a decode cache of its own (platform.decode_cache), as the module does.
	void use_decode_cache()
	{
		if (!m_dcache)
			m_dcache.reset(new kmt_decode_cache{});
		kmt_decode_cache_clear(m_dcache.get());
		m_platform.decode_cache = m_dcache.get();
	}
	const Counters &counters() const { return m_counters; }
	std::vector<kmt_error> reports() const;

	// Hides every tracked page and installs the signal handlers; resets counters and reports.
	// @follow_limit: follow uninitialized bits through registers for up to that many
	// instructions (0: report them at the load, as kmemcheck).
	// @emulate: the engine runs plain instructions itself instead of stepping them (platform.cmpxchg).
	void arm(kmt_rep_mode mode, uint32_t follow_limit = 0, bool emulate = false);
	// Shows every tracked page again and restores the previous handlers. Fails the test (abort)
	// if the engine is still busy: a step left in flight is a bug.
	void disarm();

	// Fills whole arena (all three parts and user) with a byte pattern, shadow with @state.
	void reset(uint8_t seed, kmt_shadow_state state);

	// Makes user page @index not resident, as a page not yet faulted in: copy_user stops at it,
	// and a native access faults; the harness then brings it in (as the kernel would) and the
	// access is retried.
	void evict_user_page(size_t index);

private:
	static void on_segv(int, siginfo_t *, void *);
	static void on_trap(int, siginfo_t *, void *);
	static kmt_shadow_block *lookup(void *ctx, uint64_t page);
	static int is_tracked(void *ctx, uint64_t page);
	static void show(void *ctx, uint64_t page);
	static void hide(void *ctx, uint64_t page);
	static size_t read_code(void *ctx, uint64_t rip, uint8_t *buf, size_t len);
	static int is_user_address(void *ctx, uint64_t addr);
	static void report(void *ctx, const kmt_error *error);
	static int copy(void *ctx, uint64_t dst, uint64_t src, uint64_t len);
	static uint64_t copy_user(void *ctx, uint64_t dst, uint64_t src, uint64_t len);
	static int read(void *ctx, uint64_t addr, void *buf, uint32_t size);
	static int write(void *ctx, uint64_t addr, const void *buf, uint32_t size);
	static int may_follow(void *ctx, uint64_t rip);
	static int cmpxchg(void *ctx, uint64_t addr, uint32_t size, const void *expected, const void *desired,
			   void *actual);
	bool in_tracked(uint64_t addr, uint32_t size) const;
	static kmt_stack_slots *stack_slots(void *ctx);
	static uint64_t current_task(void *ctx);
	static int is_stack(void *ctx, uint64_t addr);
	static int nul_words(void *ctx, uint64_t rip);
	static int defer_push(void *ctx, kmt_regs *regs, uint64_t value);
	bool user_page_absent(uint64_t addr) const;

	size_t m_tracked_pages;
	uint8_t *m_mapping = nullptr;
	size_t m_mapping_bytes = 0;
	uint8_t *m_tracked = nullptr;
	uint8_t *m_user = nullptr;
	std::vector<kmt_shadow_block> m_blocks;
	kmt_engine_platform m_platform = {};
	kmt_engine_cpu m_cpu = {};
	Counters m_counters;
	kmt_stack_slots m_slots = {};
	std::unique_ptr<kmt_decode_cache> m_dcache;
	uint64_t m_stack_lo = 0, m_stack_hi = 0; // this thread's stack
	uint64_t m_nul_lo = 0, m_nul_hi = 0;
	kmt_error m_reports[k_max_reports];
	size_t m_nreports = 0;
	bool m_armed = false;
	int m_mem_fd = -1;
	std::vector<uint8_t> m_altstack;
	bool m_user_absent[k_user_pages] = {};
	// A push deferred by platform.defer_push: made by the SIGTRAP of the trampoline's int3.
	bool m_push_pending = false;
	uint64_t m_push_value = 0, m_push_rip = 0;
	bool m_refuse_push = false;

public:
	// platform.defer_push answers "cannot" (the push is then stepped).
	void refuse_push(bool refuse) { m_refuse_push = refuse; }
};

} // namespace twin
