// SPDX-License-Identifier: GPL-2.0
//
// engine.cpp - kmemtrap's stepping engine behind kmt_engine.h.
//
// One activation = one fault on a tracked page until the pages are hidden again. In between,
// the CPU runs with TF set (and IF cleared unless a user operand is involved) and the engine
// holds the pages it showed in kmt_engine_cpu.shown. There are four ways an activation runs:
//
//   Plain      one instruction (also a string instruction without REP) is stepped natively;
//              the shadow was checked and updated for all its operands before it runs.
//   RepTrick   kmemcheck's trick: RIP is moved past a leading F3/F2 so the CPU runs one bare element;
//              every #DB counts RCX down, checks the next element and rewinds RIP.
//   RepNative  for prefix orders the trick cannot handle (66 F3 A5) and for code that had TF
//              set itself: the REP instruction runs natively with TF, which traps after every
//              iteration with RIP still on it and RCX one lower (measured natively and under QEMU
//              TCG: docs/engine.md).
//   Batch      REP MOVS/STOS between non-user addresses in KMT_REP_MODE_BATCH: the engine does
//              every element of the window itself through platform.copy; no #DB at all.
//
// REP windows: each operand may use the two pages starting at the page of its first element
// (forward) or ending at it (DF=1). When the next element would leave a window, the engine
// hides everything and puts RIP back on the REP instruction with the remaining RCX; the next
// fault starts a new activation. Step and batch modes use the same windows, so they produce
// identical memory, shadow and reports.

#include "kmt_emulate.h"
#include "kmt_engine.h"
#include "kmt_slots.h"

namespace kmt {
namespace {

constexpr uint64_t k_page = KMT_PAGE_SIZE;
constexpr uint64_t k_flag_tf = 1ull << 8;
constexpr uint64_t k_flag_if = 1ull << 9;
constexpr uint64_t k_flag_df = 1ull << 10;
constexpr uint64_t k_flag_zf = 1ull << 6;
// Hardware error code bit 0: the fault was a protection fault on a present page.
constexpr uint64_t k_pf_present = 1ull << 0;
// Steps a window goes on for, once its registers are clean, while stack slots it stored are live
// (kmt_slots.h): their reload re-taints. Typically the rest of the function that spilled them.
constexpr uint32_t k_slot_steps = 256;

enum class StepState : uint32_t { Idle = 0, Plain, RepTrick, RepNative, Follow };
static_assert(static_cast<uint32_t>(StepState::Idle) == 0, "kmt_engine_busy() (kmt_engine.h) tests state != 0");

enum class IfPolicy { Clear, Keep };

enum class Direction { Forward, Backward };

inline uint64_t page_of(uint64_t addr) { return addr & KMT_PAGE_MASK; }

bool is_string_class(uint8_t insn_class)
{
	return insn_class >= KMT_CLASS_MOVS && insn_class <= KMT_CLASS_OUTS;
}

// Address of one operand of the current execution (the current element for strings).
struct Operand {
	uint64_t m_addr;
	uint32_t m_size;
	uint8_t m_access;
	uint8_t m_role;
};

// The engine for one event: the per-CPU state, the platform and the interrupted registers.
class Engine {
public:
	Engine(kmt_engine_cpu *cpu, const kmt_engine_platform *platform, kmt_regs *regs)
		: m_cpu(cpu), m_platform(platform), m_regs(regs), m_insn(&cpu->insn)
	{
	}

	[[nodiscard]] kmt_engine_result fault(uint64_t fault_addr, uint64_t error_code, const kmt_insn *predecoded);
	[[nodiscard]] kmt_engine_result single_step();

private:
	// Platform wrappers.
	bool is_tracked(uint64_t page) const { return m_platform->is_tracked(m_platform->ctx, page) != 0; }
	bool is_user(uint64_t addr) const
	{
		const uint64_t end = m_platform->user_end;
		return end ? addr < end : m_platform->is_user_address(m_platform->ctx, addr) != 0;
	}
	const kmt_shadow_map *shadow() const { return &m_platform->shadow; }

	void report(const kmt_error &error)
	{
		m_cpu->counters.errors_recorded++;
		m_platform->report(m_platform->ctx, &error);
	}
	void report_internal(kmt_internal_reason reason, uint64_t fault_addr, uint8_t decode_status);

	StepState state() const { return static_cast<StepState>(m_cpu->state); }
	// The instruction of this event: m_cpu->insn, or during a fault until own_insn() the decode
	// cache's entry (not copied: the fast path keeps nothing past the fault).
	const kmt_insn &insn() const { return *m_insn; }
	void own_insn()
	{
		if (m_insn != &m_cpu->insn) {
			m_cpu->insn = *m_insn;
			m_insn = &m_cpu->insn;
		}
	}

	// Pages.
	[[nodiscard]] bool show_page(uint64_t page);
	void show_range(uint64_t addr, uint64_t len);
	void hide_all();

	// Activation life cycle.
	void begin_step(StepState state, IfPolicy if_policy);
	[[nodiscard]] kmt_engine_result finish_step();
	void cancel_step();
	[[nodiscard]] bool is_our_instruction(uint64_t rip) const;

	[[nodiscard]] kmt_engine_result fault_while_busy(uint64_t fault_addr, uint64_t error_code);
	[[nodiscard]] kmt_engine_result degraded(kmt_internal_reason reason, uint64_t fault_addr, uint8_t decode_status);

	// Operands and shadow semantics.
	[[nodiscard]] Operand operand(unsigned i) const;
	// Whether a read of uninitialized bytes is reported at the load or followed to its use.
	// Reported: any bad byte. Followed: freed and unallocated ones (uninitialized ones are followed).
	// Carried (inside a copy routine): freed ones only (unallocated slack is copied as it is).
	enum class Uninit { Reported, Followed, Carried };
	// True if every byte read was initialized (false also when the operand was already reported).
	bool check_read(unsigned i, const Operand &op, Uninit uninit);
	void apply_plain();
	void apply_string_element();
	void check_leak(const Operand &s, const Operand &d);
	[[nodiscard]] bool any_user_operand() const;

	// Following uninitialized bits through registers (kmt_regshadow.h).
	[[nodiscard]] bool follow_enabled() const
	{
		return m_cpu->follow_limit > 0 && m_platform->read != nullptr;
	}
	[[nodiscard]] kmt_prop_env prop_env() const;
	// Bytes of @op after the first initialized NUL, in word-at-a-time name code (kmt_nul_tail).
	uint8_t nul_tail(const Operand &op)
	{
		if (!m_platform->nul_words || !m_platform->read || op.m_size > 8 || is_user(op.m_addr) ||
		    !m_platform->nul_words(m_platform->ctx, m_regs->rip))
			return 0;
		if (!can_emulate())
			show_range(op.m_addr, op.m_size); // shown for the step anyway
		uint64_t v = 0;
		if (m_platform->read(m_platform->ctx, op.m_addr, &v, op.m_size) != 0)
			return 0;
		uint8_t bad = 0;
		for (uint32_t i = 0; i < op.m_size; i++)
			if (kmt_shadow_get(shadow(), op.m_addr + i) != KMT_SHADOW_INIT)
				bad = static_cast<uint8_t>(bad | (1u << i));
		return kmt_nul_tail(v, op.m_size, bad);
	}
	kmt_stack_slots *slots() const
	{
		return m_platform->stack_slots ? m_platform->stack_slots(m_platform->ctx) : nullptr;
	}
	// A new window: the stack slots it stores are its own (kmt_slots_live).
	void new_window() { m_cpu->window = kmt_slots_new_window(slots()); }
	// Registers clean: whether to go on stepping for the window's stack slots still live.
	bool follow_slots()
	{
		kmt_stack_slots *t = slots();
		if (!t || !m_platform->current_task || ++m_cpu->slot_steps > k_slot_steps)
			return false;
		if (!kmt_slots_live(t, m_platform->current_task(m_platform->ctx), m_regs->gpr[KMT_REG_RSP], m_cpu->window))
			return false;
		m_cpu->counters.slot_steps++;
		return true;
	}
	// kmt_propagate() for insn(), counting the stack slots it stores and reloads.
	int propagate(kmt_regshadow *rs, const kmt_regs *regs, const kmt_prop_env &env, kmt_use *uses, unsigned *n)
	{
		const uint64_t stored = env.slots ? env.slots->stored : 0;
		const uint64_t reloaded = env.slots ? env.slots->reloaded : 0;
		const int r = kmt_propagate(rs, &insn(), regs, &env, uses, n);
		if (env.slots) {
			m_cpu->counters.slot_stores += env.slots->stored - stored;
			m_cpu->counters.slot_reloads += env.slots->reloaded - reloaded;
		}
		return r;
	}
	void settle_slots()
	{
		if (m_platform->stack_slots && m_platform->read)
			kmt_slots_settle(m_platform->stack_slots(m_platform->ctx), m_platform->read, m_platform->ctx);
	}
	[[nodiscard]] kmt_engine_result start_plain();
	[[nodiscard]] bool in_copy_routine() const
	{
		return m_platform->copy_routine && m_platform->read && m_platform->write &&
		       m_platform->copy_routine(m_platform->ctx, m_regs->rip);
	}
	[[nodiscard]] kmt_engine_result run_routine(uint64_t fault_addr, bool *ran);
	void routine_show(uint64_t addr, uint32_t size);
	static int emu_read(void *ctx, uint64_t addr, void *buf, uint32_t size);
	static int emu_write(void *ctx, uint64_t addr, const void *buf, uint32_t size);
	static int emu_cmpxchg(void *ctx, uint64_t addr, uint32_t size, const void *expected,
			       const void *desired, void *actual);
	[[nodiscard]] kmt_engine_result follow_step();
	[[nodiscard]] kmt_engine_result follow_next();
	enum class Next { Clean, End, Ready };
	[[nodiscard]] Next prepare_next(kmt_follow_end *why);
	[[nodiscard]] kmt_engine_result run_window(bool in_step);
	// @kernel_operands: the caller has seen that no operand is user memory.
	// @defer_push: a PUSH of memory may have its stack write made by platform.defer_push.
	[[nodiscard]] bool emulate_insn(bool kernel_operands = false, bool defer_push = false);
	int decode_at_rip(uint8_t (&code)[KMT_MAX_INSN_LEN], kmt_insn *out);
	int decode_fault_insn();
	[[nodiscard]] kmt_engine_result emulate_plain(const Operand *ops, bool *ran);
	[[nodiscard]] bool emulate_fast(const Operand *ops, bool ahead = false);
	void run_ahead();
	// Whether instructions may be run here instead of stepped: the hidden pages are reachable
	// without showing them (platform.cmpxchg, with read and write).
	// The source and destination operands of a MOVS (their indexes in insn().mem).
	bool string_operands(int *si, int *di) const
	{
		*si = *di = -1;
		for (unsigned i = 0; i < insn().nmem; i++) {
			if (insn().mem[i].role == KMT_ROLE_SRC)
				*si = static_cast<int>(i);
			else if (insn().mem[i].role == KMT_ROLE_DST)
				*di = static_cast<int>(i);
		}
		return *si >= 0 && *di >= 0;
	}
	// Whether insn(), run with @regs, reads no uninitialized bit: clean registers (@rs), every
	// byte of its memory reads initialized, and no read of the stack while a stack slot of this
	// task is remembered (the rules would re-taint it).
	[[nodiscard]] bool clean_insn(const kmt_regshadow &rs, const kmt_regs &regs)
	{
		return !kmt_regshadow_tainted(&rs) && clean_reads(regs, true);
	}
	// Whether the memory the instruction reads brings no uninitialized bits in: its bytes (unless
	// @check_shadow is false: the caller knows they are initialized) and no live stack slot.
	// @ops: the operands at @regs if the caller has them (their addresses are not computed again).
	[[nodiscard]] bool clean_reads(const kmt_regs &regs, bool check_shadow, const Operand *ops = nullptr)
	{
		for (unsigned i = 0; i < insn().nmem; i++) {
			const kmt_mem_operand &m = insn().mem[i];
			if (!(m.access & KMT_ACCESS_READ))
				continue;
			const uint64_t a = ops ? ops[i].m_addr : kmt_mem_address(&insn(), &m, &regs);
			if (is_user(a))
				continue;
			if (check_shadow && kmt_shadow_check(shadow(), a, m.size, nullptr, nullptr))
				return false;
			// A stack read may reload a slot of this window (kmt_slots_load() reads no
			// other window's); slots below RSP are unwound and dropped here.
			if (m_platform->is_stack && m_platform->is_stack(m_platform->ctx, a) && slots() &&
			    m_platform->current_task &&
			    kmt_slots_live(slots(), m_platform->current_task(m_platform->ctx), regs.gpr[KMT_REG_RSP],
					   m_cpu->window))
				return false;
		}
		return true;
	}
	// Whether [addr, addr+size) reaches into the stack below RSP at the fault (m_stack_guard).
	[[nodiscard]] bool below_stack_guard(uint64_t addr, uint32_t size) const
	{
		constexpr uint64_t k_stack_span = 16384; // THREAD_SIZE on x86-64
		return m_stack_guard && addr < m_stack_guard && addr + size > m_stack_guard - k_stack_span;
	}
	[[nodiscard]] bool can_emulate() const
	{
		return m_cpu->emulate && m_platform->cmpxchg && m_platform->read && m_platform->write;
	}
	[[nodiscard]] kmt_engine_result follow_from_routine();
	[[nodiscard]] kmt_engine_result end_follow(kmt_follow_end why);
	void report_uses(const kmt_use *uses, unsigned n);
	void report_not_followed(kmt_follow_end why);
	void show_operands();
	void set_step_if();

	// REP.
	Direction direction() const { return (m_regs->rflags & k_flag_df) ? Direction::Backward : Direction::Forward; }
	void set_windows();
	[[nodiscard]] bool element_in_windows() const;
	void show_element_pages();
	[[nodiscard]] kmt_engine_result start_rep(uint64_t fault_addr, bool force_batch = false);
	[[nodiscard]] bool try_batch();
	[[nodiscard]] uint64_t batch_move(uint64_t n, uint32_t size);
	[[nodiscard]] uint64_t batch_fill(uint64_t n, uint32_t size);
	[[nodiscard]] uint64_t batch_move_user(uint64_t n, uint32_t size);

	kmt_engine_cpu *m_cpu;
	const kmt_engine_platform *m_platform;
	kmt_regs *m_regs;
	const kmt_insn *m_insn; // insn(): &m_cpu->insn, or a decode cache entry (decode_fault_insn())
	kmt_follow_end m_follow_end = KMT_FOLLOW_CLEAN; // stamped on reports made at the load
	// In a fault, the handler's own frames are on the interrupted code's stack, just below its RSP
	// at the fault (a #PF taken in kernel mode does not switch stacks): an instruction run here
	// must not write there (it is stepped instead). 0 in a #DB, which has a stack of its own.
	uint64_t m_stack_guard = 0;
	// A PUSH of memory at a fault (emulate_insn()'s @defer_push): its one stack write, at
	// m_stack_guard - 8, is kept here for platform.defer_push instead of failing (emu_write).
	bool m_defer_push = false, m_push_deferred = false;
	uint64_t m_push_value = 0;
};

void Engine::report_internal(kmt_internal_reason reason, uint64_t fault_addr, uint8_t decode_status)
{
	kmt_error error = {};
	error.kind = KMT_ERR_INTERNAL;
	error.addr = fault_addr;
	error.rip = m_regs->rip;
	error.reason = static_cast<uint8_t>(reason);
	error.decode_status = decode_status;
	error.fault_addr = fault_addr;
	report(error);
}

// Records @page as shown (and shows it) unless it already is. Returns false only when there
// is no free slot; the page is then shown anyway (the access must be able to proceed) and is
// never hidden again by the engine.
bool Engine::show_page(uint64_t page)
{
	for (uint32_t i = 0; i < m_cpu->nshown; i++) {
		if (m_cpu->shown[i] == page)
			return true;
	}
	m_platform->show(m_platform->ctx, page);
	if (m_cpu->nshown >= KMT_ENGINE_MAX_SHOWN)
		return false;
	m_cpu->shown[m_cpu->nshown++] = page;
	return true;
}

// Shows every tracked page of [addr, addr+len) (len >= 1, at most two pages by construction).
void Engine::show_range(uint64_t addr, uint64_t len)
{
	for (uint64_t page = page_of(addr); page <= page_of(addr + len - 1); page += k_page) {
		if (is_tracked(page) && !show_page(page))
			report_internal(KMT_REASON_TOO_MANY_PAGES, page, 0);
	}
	if (m_platform->own)
		m_platform->own(m_platform->ctx, addr, len);
}

void Engine::hide_all()
{
	for (uint32_t i = 0; i < m_cpu->nshown; i++)
		m_platform->hide(m_platform->ctx, m_cpu->shown[i]);
	m_cpu->nshown = 0;
}

// Arms the single-step: TF on, IF off unless the step may touch user memory (a user page may
// have to be faulted in, which sleeps: the kernel's fault path decides from the IF bit of the
// interrupted regs whether it may enable interrupts, so it must see the code's own IF).
void Engine::begin_step(StepState state, IfPolicy if_policy)
{
	m_cpu->state = static_cast<uint32_t>(state);
	m_cpu->saved_flags = m_regs->rflags & (k_flag_tf | k_flag_if);
	m_regs->rflags |= k_flag_tf;
	if (if_policy == IfPolicy::Clear)
		m_regs->rflags &= ~k_flag_if;
}

// Ends an activation normally: pages hidden, TF and IF exactly as the interrupted code had
// them. If the code had TF set itself, this #DB is also its own trap: pass it on.
kmt_engine_result Engine::finish_step()
{
	hide_all();
	const uint64_t saved = m_cpu->saved_flags;
	m_regs->rflags = (m_regs->rflags & ~(k_flag_tf | k_flag_if)) | saved;
	m_cpu->state = static_cast<uint32_t>(StepState::Idle);
	m_cpu->counters.single_steps++;
	if (saved & k_flag_tf) {
		m_cpu->counters.steps_passed_on++;
		return KMT_ENGINE_PASS_ON;
	}
	return KMT_ENGINE_HANDLED;
}

// Ends an activation because the stepped instruction hit a fault that is not ours: undo every
// edit so that the kernel sees the fault exactly as it would without kmemtrap (RIP on the REP
// instruction for the trick, whose bare element is not in any exception table; RCX already
// counts the element that faulted as remaining, as the hardware would).
void Engine::cancel_step()
{
	hide_all();
	if (state() == StepState::RepTrick)
		m_regs->rip = m_cpu->insn_rip;
	m_regs->rflags = (m_regs->rflags & ~(k_flag_tf | k_flag_if)) | m_cpu->saved_flags;
	m_cpu->state = static_cast<uint32_t>(StepState::Idle);
}

bool Engine::is_our_instruction(uint64_t rip) const
{
	if (rip == m_cpu->insn_rip)
		return true;
	return state() == StepState::RepTrick && rip == m_cpu->insn_rip + 1;
}

kmt_engine_result Engine::degraded(kmt_internal_reason reason, uint64_t fault_addr, uint8_t decode_status)
{
	report_internal(reason, fault_addr, decode_status);
	m_cpu->insn_rip = m_regs->rip;
	m_cpu->fault_addr = fault_addr;
	m_cpu->nshown = 0;
	(void)show_page(page_of(fault_addr));
	// Keep IF: the engine does not know what else the instruction touches (maybe user memory).
	begin_step(StepState::Plain, IfPolicy::Keep);
	m_cpu->counters.faults_handled++;
	return KMT_ENGINE_ERROR;
}

Operand Engine::operand(unsigned i) const
{
	const kmt_mem_operand &mem = insn().mem[i];
	return Operand{kmt_mem_address(&insn(), &mem, m_regs), mem.size, mem.access, mem.role};
}

// A read of [addr, addr+size): one report for the first bad byte, at most one per operand
// and activation (a REP run over a bad buffer reports once, not once per element).
bool Engine::check_read(unsigned i, const Operand &op, Uninit uninit)
{
	if (m_cpu->reported & (1u << i))
		return false;
	uint64_t bad_addr = 0;
	kmt_shadow_state bad_state = KMT_SHADOW_INIT;
	if (!kmt_shadow_check(shadow(), op.m_addr, op.m_size, &bad_addr, &bad_state))
		return true;
	if (uninit != Uninit::Reported) {
		// Uninitialized bytes are followed to their use; freed and unallocated ones are bugs
		// whatever happens to the value: find the first of those.
		bad_addr = 0;
		// In word-at-a-time name code, not the bytes after the name's NUL (never used).
		const uint8_t tail = nul_tail(op);
		for (uint64_t a = op.m_addr; a < op.m_addr + op.m_size; a++) {
			const kmt_shadow_state s = kmt_shadow_get(shadow(), a);
			if (a - op.m_addr < 8 && (tail & (1u << (a - op.m_addr))))
				continue;
			if (s == KMT_SHADOW_FREED || (s == KMT_SHADOW_UNALLOCATED && uninit == Uninit::Followed)) {
				bad_addr = a;
				bad_state = s;
				break;
			}
		}
		if (!bad_addr)
			return false;
	}
	m_cpu->reported |= 1u << i;
	kmt_error error = {};
	error.kind = kmt_error_kind_for_state(bad_state);
	error.size = op.m_size;
	error.addr = op.m_addr;
	error.bad_addr = bad_addr;
	error.bad_count = static_cast<uint32_t>(kmt_shadow_count_bad(shadow(), op.m_addr, op.m_size, &error.bad_last));
	error.rip = m_cpu->insn_rip;
	error.bad_state = static_cast<uint8_t>(bad_state);
	error.fault_addr = m_cpu->fault_addr;
	error.follow_end = static_cast<uint8_t>(m_follow_end);
	report(error);
	return false;
}

// Ordinary instructions: all reads are checked before any write is recorded, so a
// read-modify-write (and every atomic) is a read then a write. Conditional accesses (masked
// vector forms) are neither checked nor recorded: the engine cannot know if they happen, and
// a false report is worse than a missed one.
void Engine::apply_plain()
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		if ((op.m_access & KMT_ACCESS_READ) && !(op.m_access & KMT_ACCESS_COND))
			check_read(i, op, Uninit::Reported);
	}
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		if ((op.m_access & KMT_ACCESS_WRITE) && !(op.m_access & KMT_ACCESS_COND))
			kmt_shadow_set(shadow(), op.m_addr, op.m_size, KMT_SHADOW_INIT);
	}
}

// A MOVS to user memory, at the first element of an activation: checks every source byte the
// instruction has left to copy (RCX elements for a REP) and reports the leak once, with the
// number of bad bytes. The range is remembered, so that the instruction's later windows (each
// a new activation) do not report it again.
void Engine::check_leak(const Operand &s, const Operand &d)
{
	const bool rep = insn().rep != KMT_REP_NONE;
	const uint64_t n = rep ? m_regs->gpr[KMT_REG_RCX] : 1;
	const uint64_t size = s.m_size;
	const bool forward = direction() == Direction::Forward;
	const uint64_t lo = forward ? s.m_addr : s.m_addr - (n - 1) * size;
	const uint64_t len = n * size;
	if (m_cpu->insn_rip == m_cpu->leak_rip && s.m_addr >= m_cpu->leak_lo && s.m_addr < m_cpu->leak_hi)
		return;
	uint64_t bad_addr = 0;
	kmt_shadow_state bad_state = KMT_SHADOW_INIT;
	const int found = forward ? kmt_shadow_check(shadow(), lo, len, &bad_addr, &bad_state)
				  : kmt_shadow_check_last(shadow(), lo, len, &bad_addr, &bad_state);
	if (!found)
		return;
	m_cpu->leak_rip = m_cpu->insn_rip;
	m_cpu->leak_lo = lo;
	m_cpu->leak_hi = lo + len;
	// The element holding the first bad byte in execution order, k elements after the current one.
	const uint64_t k = forward ? (bad_addr - s.m_addr) / size : (s.m_addr + size - 1 - bad_addr) / size;
	kmt_error error = {};
	error.kind = KMT_ERR_INFOLEAK;
	error.size = s.m_size;
	error.addr = forward ? s.m_addr + k * size : s.m_addr - k * size;
	error.dst_addr = forward ? d.m_addr + k * size : d.m_addr - k * size;
	error.bad_addr = bad_addr;
	error.bad_count = static_cast<uint32_t>(kmt_shadow_count_bad(shadow(), lo, len, &error.bad_last));
	error.rip = m_cpu->insn_rip;
	error.bad_state = static_cast<uint8_t>(bad_state);
	error.fault_addr = m_cpu->fault_addr;
	report(error);
}

// One element of a string instruction, before it runs. MOVS moves the shadow with the data
// (copying a partly initialized struct is not an error by itself) unless the destination is
// user memory: then bytes that are not initialized leave the kernel, an infoleak.
void Engine::apply_string_element()
{
	int src = -1, dst = -1;
	for (unsigned i = 0; i < insn().nmem; i++) {
		if (insn().mem[i].role == KMT_ROLE_SRC)
			src = static_cast<int>(i);
		else if (insn().mem[i].role == KMT_ROLE_DST)
			dst = static_cast<int>(i);
	}
	switch (insn().insn_class) {
	case KMT_CLASS_MOVS: {
		if (src < 0 || dst < 0)
			return;
		const Operand s = operand(static_cast<unsigned>(src));
		const Operand d = operand(static_cast<unsigned>(dst));
		if (is_user(d.m_addr)) {
			if (!(m_cpu->reported & (1u << dst))) {
				m_cpu->reported |= 1u << dst;
				check_leak(s, d);
			}
			return;
		}
		// An untracked (e.g. user) source copies as initialized.
		kmt_shadow_copy(shadow(), d.m_addr, s.m_addr, s.m_size);
		return;
	}
	case KMT_CLASS_STOS:
	case KMT_CLASS_INS:
		if (dst >= 0) {
			const Operand d = operand(static_cast<unsigned>(dst));
			kmt_shadow_set(shadow(), d.m_addr, d.m_size, KMT_SHADOW_INIT);
		}
		return;
	default:
		// LODS, OUTS, SCAS read their operand; CMPS reads both.
		for (unsigned i = 0; i < insn().nmem; i++)
			check_read(i, operand(i), Uninit::Reported);
		return;
	}
}

bool Engine::any_user_operand() const
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		if (is_user(operand(i).m_addr))
			return true;
	}
	return false;
}

// Window of operand i: the two pages from the page of the current element onwards (forward)
// or ending at the page of the current element's last byte (DF=1). A straddling element
// already uses both pages of its window.
void Engine::set_windows()
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		m_cpu->window_lo[i] = direction() == Direction::Forward ? page_of(op.m_addr)
									 : page_of(op.m_addr + op.m_size - 1) - k_page;
	}
}

bool Engine::element_in_windows() const
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		const uint64_t lo = m_cpu->window_lo[i];
		if (op.m_addr < lo || op.m_addr + op.m_size > lo + 2 * k_page)
			return false;
	}
	return true;
}

void Engine::show_element_pages()
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		if (!is_user(op.m_addr))
			show_range(op.m_addr, op.m_size);
	}
}

// The faulting instruction at RIP: insn() is the decode cache's entry on a hit (own_insn() copies
// it when it must outlive the fault), else m_cpu->insn decoded afresh. Returns an enum
// kmt_decode_status.
int Engine::decode_fault_insn()
{
	uint8_t code[KMT_MAX_INSN_LEN];
	const size_t n = m_platform->read_code(m_platform->ctx, m_regs->rip, code, sizeof(code));
	const size_t len = n < sizeof(code) ? n : sizeof(code);
	m_cpu->counters.decodes++;
	if (const kmt_insn *hit = kmt_decode_cache_lookup(m_platform->decode_cache, m_regs->rip, code, len)) {
		m_cpu->counters.decode_cache_hits++;
		m_insn = hit;
		return KMT_DECODE_OK;
	}
	m_insn = &m_cpu->insn;
	return kmt_decode_cached(m_platform->decode_cache, m_regs->rip, code, len, &m_cpu->insn, nullptr);
}

// The instruction at RIP as it is in memory now: @code gets its bytes, @out the decode (through
// the platform's decode cache). Returns an enum kmt_decode_status.
int Engine::decode_at_rip(uint8_t (&code)[KMT_MAX_INSN_LEN], kmt_insn *out)
{
	const size_t n = m_platform->read_code(m_platform->ctx, m_regs->rip, code, sizeof(code));
	int hit = 0;
	const int status = kmt_decode_cached(m_platform->decode_cache, m_regs->rip, code, n < sizeof(code) ? n : sizeof(code),
					     out, &hit);
	m_cpu->counters.decodes++;
	m_cpu->counters.decode_cache_hits += static_cast<uint64_t>(hit);
	return status;
}

kmt_engine_result Engine::fault(uint64_t fault_addr, uint64_t error_code, const kmt_insn *predecoded)
{
	m_stack_guard = m_regs->gpr[KMT_REG_RSP];
	if (state() != StepState::Idle)
		return fault_while_busy(fault_addr, error_code);

	if ((error_code & k_pf_present) || !is_tracked(page_of(fault_addr))) {
		m_cpu->counters.faults_not_ours++;
		return KMT_ENGINE_NOT_OURS;
	}

	if (predecoded) {
		m_cpu->insn = *predecoded;
	} else {
		const int status = decode_fault_insn();
		if (status != KMT_DECODE_OK)
			return degraded(KMT_REASON_DECODE, fault_addr, static_cast<uint8_t>(status));
	}

	// The decoded operands must explain the fault; otherwise the decoder and the hardware
	// disagree and nothing the engine would do with the operands can be trusted.
	bool explained = false;
	Operand ops[KMT_MAX_MEM_OPS]; // their addresses, once: the registers do not change before emulate_plain()
	for (unsigned i = 0; i < insn().nmem; i++) {
		const kmt_mem_operand &mem = insn().mem[i];
		if ((mem.flags & KMT_MEM_VSIB) || mem.size == 0 || mem.size > k_page) {
			own_insn();
			return degraded(KMT_REASON_OPERAND_SIZE, fault_addr, 0);
		}
		ops[i] = operand(i);
		if (fault_addr >= ops[i].m_addr && fault_addr - ops[i].m_addr < ops[i].m_size)
			explained = true;
	}
	const bool rep = insn().rep != KMT_REP_NONE && is_string_class(insn().insn_class);
	if (rep && m_regs->gpr[KMT_REG_RCX] == 0)
		explained = false; // a REP with RCX = 0 touches no memory
	if (!explained) {
		own_insn();
		return degraded(KMT_REASON_NO_OPERAND, fault_addr, 0);
	}

	m_cpu->insn_rip = m_regs->rip;
	m_cpu->fault_addr = fault_addr;
	m_cpu->nshown = 0;
	m_cpu->reported = 0;

	if (in_copy_routine()) {
		own_insn();
		bool ran = false;
		const kmt_engine_result r = run_routine(fault_addr, &ran);
		if (ran)
			return r;
		// Its first instruction could not be run by the engine: the usual path.
	}
	if (rep) {
		own_insn();
		return start_rep(fault_addr);
	}

	if (!is_string_class(insn().insn_class) && can_emulate()) {
		if (emulate_fast(ops)) {
			run_ahead();
			return KMT_ENGINE_HANDLED;
		}
		own_insn(); // from here the instruction may be needed past this fault (a step, a window)
		bool ran = false;
		const kmt_engine_result r = emulate_plain(ops, &ran);
		if (ran)
			return r;
	}
	own_insn();
	m_cpu->counters.faults_handled++;
	if (!is_string_class(insn().insn_class) && follow_enabled())
		return start_plain();
	if (is_string_class(insn().insn_class))
		apply_string_element();
	else
		apply_plain();
	show_operands();
	begin_step(StepState::Plain, any_user_operand() ? IfPolicy::Keep : IfPolicy::Clear);
	return KMT_ENGINE_HANDLED;
}

void Engine::show_operands()
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		if (!is_user(op.m_addr) && !(insn().mem[i].flags & KMT_MEM_VSIB))
			show_range(op.m_addr, op.m_size);
	}
}

kmt_engine_result Engine::start_rep(uint64_t fault_addr, bool force_batch)
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		if (insn().mem[i].flags & KMT_MEM_ADDR32)
			return degraded(KMT_REASON_ADDR32, fault_addr, 0);
	}
	set_windows();
	const bool code_tf = (m_regs->rflags & k_flag_tf) != 0;
	const bool user = any_user_operand();

	if (!code_tf && (force_batch || m_cpu->rep_mode == KMT_REP_MODE_BATCH) && try_batch()) {
		m_cpu->counters.faults_handled++;
		return KMT_ENGINE_HANDLED;
	}

	apply_string_element();
	show_element_pages();
	// The trick needs the effective REP byte to be the very first byte: RIP+1 is then the
	// bare instruction with every other prefix intact. Code with TF set of its own expects a
	// trap per iteration with RIP on the REP instruction, which only native stepping gives.
	const bool trick = insn().rep_offset == 0 && !code_tf;
	if (trick)
		m_regs->rip = m_cpu->insn_rip + 1;
	begin_step(trick ? StepState::RepTrick : StepState::RepNative, user ? IfPolicy::Keep : IfPolicy::Clear);
	m_cpu->counters.faults_handled++;
	return KMT_ENGINE_HANDLED;
}

kmt_engine_result Engine::single_step()
{
	settle_slots(); // the stores of the stepped instruction have run
	switch (state()) {
	case StepState::Idle:
		return KMT_ENGINE_NOT_OURS;
	case StepState::Plain:
		return finish_step();
	case StepState::Follow:
		return follow_step();
	case StepState::RepTrick: {
		m_cpu->counters.rep_elements++;
		if (m_regs->rip != m_cpu->insn_rip + insn().length) {
			// The bare element did not end where it should (it cannot branch): leave RIP
			// alone and stop stepping rather than guess.
			return finish_step();
		}
		uint64_t &rcx = m_regs->gpr[KMT_REG_RCX];
		rcx--;
		const bool zf = (m_regs->rflags & k_flag_zf) != 0;
		if (rcx == 0 || (insn().rep == KMT_REP_REPE && !zf) || (insn().rep == KMT_REP_REPNE && zf))
			return finish_step(); // RIP already on the next instruction
		if (!element_in_windows()) {
			m_regs->rip = m_cpu->insn_rip; // resume the REP; the next fault restarts
			return finish_step();
		}
		apply_string_element();
		show_element_pages();
		m_regs->rip = m_cpu->insn_rip + 1;
		m_cpu->counters.single_steps++;
		return KMT_ENGINE_HANDLED;
	}
	case StepState::RepNative: {
		m_cpu->counters.rep_elements++;
		// The hardware ran one iteration. Off the instruction: the REP is complete (RCX = 0
		// or the REPE/REPNE condition ended it). Still on it: RCX is one lower.
		if (m_regs->rip != m_cpu->insn_rip || m_regs->gpr[KMT_REG_RCX] == 0 ||
		    (m_cpu->saved_flags & k_flag_tf) || !element_in_windows())
			return finish_step();
		apply_string_element();
		show_element_pages();
		m_cpu->counters.single_steps++;
		return KMT_ENGINE_HANDLED;
	}
	}
	return KMT_ENGINE_NOT_OURS;
}

// A fault while a step is in flight on this CPU.
kmt_engine_result Engine::fault_while_busy(uint64_t fault_addr, uint64_t error_code)
{
	const uint64_t page = page_of(fault_addr);
	const bool ours = is_our_instruction(m_regs->rip);
	if ((error_code & k_pf_present) || !is_tracked(page)) {
		// Not a hidden page: the kernel's. If the stepped instruction caused it (e.g. the
		// user page of a copy_to_user is not resident, or bad and about to be fixed up),
		// cancel the step so the kernel sees the native state; the instruction is retried
		// or fixed up and a later fault on our page starts over.
		// In a window the step is kept (TF stays on): the kernel handles the fault, the
		// instruction runs again or its fixup runs, and the next #DB goes on from there.
		if (ours && state() != StepState::Follow)
			cancel_step();
		m_cpu->counters.faults_not_ours++;
		return KMT_ENGINE_NOT_OURS;
	}
	m_cpu->counters.nested_faults++;
	m_cpu->counters.faults_handled++;
	if (ours) {
		// A tracked page the engine did not show: the second page of an access the decoder
		// under-sized, or any page in a degraded step. Show it for the rest of this step.
		if (!show_page(page)) {
			report_internal(KMT_REASON_TOO_MANY_PAGES, fault_addr, 0);
			return KMT_ENGINE_ERROR;
		}
		return KMT_ENGINE_HANDLED;
	}
	// Other code on this CPU (an interrupt when IF was kept on, or whatever ran while a user
	// page was being faulted in) touched a tracked page, and the glue had no free slot to step it
	// in (every nesting slot of this CPU is busy): show the page until the current step ends,
	// unchecked.
	if (!show_page(page))
		report_internal(KMT_REASON_TOO_MANY_PAGES, fault_addr, 0);
	report_internal(KMT_REASON_FOREIGN_FAULT, fault_addr, 0);
	return KMT_ENGINE_ERROR;
}

// ---------------------------------------------------------------------------------------
// Following uninitialized bits (kmt_regshadow.h).
//
// A plain instruction that faults on a tracked page is applied to a fresh register shadow
// before it runs. If it leaves uninitialized bits in registers or flags, the engine keeps
// single-stepping (state Follow), one instruction at a time: at each #DB the next instruction is
// decoded, its pages shown, the rules applied, and its uses of uninitialized bits reported. The
// window ends silently when nothing is left uninitialized; at a limit, the bits still in
// registers are reported at their load, saying why they were not followed. Interrupts stay off
// in the window (but for a step with a user operand, which may have to fault a page in), as the
// followed code believed them: CLI is remembered, STI and POPF end the window, and the flags a
// PUSHF stores are given the code's own TF and IF.

kmt_prop_env Engine::prop_env() const
{
	kmt_prop_env env = {};
	env.map = shadow();
	env.ctx = m_platform->ctx;
	env.is_user = m_platform->is_user_address;
	env.read = m_platform->read;
	env.nul_words = m_platform->nul_words && m_platform->nul_words(m_platform->ctx, m_regs->rip);
	if (m_platform->stack_slots && m_platform->current_task && m_platform->is_stack) {
		env.slots = m_platform->stack_slots(m_platform->ctx);
		env.task = m_platform->current_task(m_platform->ctx);
		env.is_stack = m_platform->is_stack;
		env.window = m_cpu->window;
	}
	return env;
}

// IF for the next step: the code's own for a user operand (its page may have to be faulted in,
// which sleeps), off otherwise.
void Engine::set_step_if()
{
	m_regs->rflags &= ~k_flag_if;
	if (any_user_operand())
		m_regs->rflags |= m_cpu->code_if;
}

void Engine::report_uses(const kmt_use *uses, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const kmt_use &u = uses[i];
		m_cpu->counters.follow_uses++;
		kmt_error error = {};
		error.kind = u.kind == KMT_USE_USER ? KMT_ERR_INFOLEAK : KMT_ERR_UNINIT_USE;
		error.use = u.kind;
		error.rip = m_regs->rip;
		error.addr = u.kind == KMT_USE_USER ? u.origin.addr : u.addr;
		error.size = u.size ? u.size : 8;
		error.dst_addr = u.kind == KMT_USE_USER ? u.addr : 0;
		error.bad_addr = u.origin.addr;
		error.bad_count = u.bad_bytes;
		error.bad_last = error.bad_addr; // which bytes of the value: not known here
		error.bad_state = KMT_SHADOW_UNINIT;
		error.origin_rip = u.origin.rip;
		error.origin_addr = u.origin.addr;
		error.fault_addr = m_cpu->fault_addr;
		report(error);
	}
}

// The plain instruction that faulted, with following on.
kmt_engine_result Engine::start_plain()
{
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		if ((op.m_access & KMT_ACCESS_READ) && !(op.m_access & KMT_ACCESS_COND))
			check_read(i, op, Uninit::Followed);
	}
	show_operands();
	kmt_use uses[KMT_MAX_USES];
	unsigned n = 0;
	new_window();
	m_cpu->follow = kmt_regshadow{};
	const kmt_prop_env env = prop_env();
	const uint64_t stored = env.slots ? env.slots->stored : 0;
	if (propagate(&m_cpu->follow, m_regs, env, uses, &n) != KMT_PROP_OK) {
		// Not covered by the rules: reported at the load, as kmemcheck did.
		m_follow_end = KMT_FOLLOW_UNCOVERED;
		apply_plain();
		m_follow_end = KMT_FOLLOW_CLEAN;
		begin_step(StepState::Plain, any_user_operand() ? IfPolicy::Keep : IfPolicy::Clear);
		return KMT_ENGINE_HANDLED;
	}
	report_uses(uses, n);
	// As in emulate_plain(): uninitialized bits stored to the stack are followed to their reload.
	if (!kmt_regshadow_tainted(&m_cpu->follow) && !(env.slots && env.slots->stored != stored)) {
		begin_step(StepState::Plain, any_user_operand() ? IfPolicy::Keep : IfPolicy::Clear);
		return KMT_ENGINE_HANDLED;
	}
	begin_step(StepState::Follow, any_user_operand() ? IfPolicy::Keep : IfPolicy::Clear);
	m_cpu->code_if = m_cpu->saved_flags & k_flag_if;
	m_cpu->follow_steps = 0;
	m_cpu->pushf_pending = 0;
	m_cpu->counters.follow_windows++;
	m_cpu->slot_steps = 0;
	return KMT_ENGINE_HANDLED;
}

// The registers still uninitialized when following stops are reported at their loads.
void Engine::report_not_followed(kmt_follow_end why)
{
	const kmt_regshadow &rs = m_cpu->follow;
	kmt_origin seen[17];
	unsigned nseen = 0;
	for (unsigned r = 0; r <= 16; r++) {
		const bool tainted = r < 16 ? rs.gpr[r] != 0 : rs.flags != 0;
		const kmt_origin o = r < 16 ? rs.origin[r] : rs.flags_origin;
		if (!tainted || !o.rip)
			continue;
		bool dup = false;
		for (unsigned i = 0; i < nseen; i++)
			dup = dup || (seen[i].rip == o.rip && seen[i].addr == o.addr);
		if (dup)
			continue;
		seen[nseen++] = o;
		kmt_error error = {};
		error.kind = KMT_ERR_UNINIT_READ;
		error.rip = o.rip;
		error.addr = o.addr;
		error.size = 1;
		error.bad_addr = o.addr;
		error.bad_state = KMT_SHADOW_UNINIT;
		error.follow_end = static_cast<uint8_t>(why);
		error.origin_rip = o.rip;
		error.origin_addr = o.addr;
		error.fault_addr = m_cpu->fault_addr;
		report(error);
	}
}

kmt_engine_result Engine::end_follow(kmt_follow_end why)
{
	m_cpu->counters.follow_end[why - 1]++;
	report_not_followed(why);
	m_cpu->saved_flags = (m_cpu->saved_flags & ~k_flag_if) | m_cpu->code_if;
	return finish_step();
}

// Caller-saved registers but rAX: dead after a RET (SysV ABI; the kernel returns 128-bit values
// in rDX:rAX so rarely that rDX counts as dead: at worst a missed report).
constexpr uint16_t k_scratch_gprs = (1u << KMT_REG_RCX) | (1u << KMT_REG_RDX) | (1u << KMT_REG_RSI) |
				    (1u << KMT_REG_RDI) | (1u << KMT_REG_R8) | (1u << KMT_REG_R9) |
				    (1u << KMT_REG_R10) | (1u << KMT_REG_R11);

// Forgets the uninitialized bits of @mask's registers.
static void forget_gprs(kmt_regshadow *rs, uint16_t mask)
{
	for (unsigned r = 0; r < 16; r++) {
		if (mask & (1u << r)) {
			rs->gpr[r] = 0;
			rs->unalloc[r] = 0;
		}
	}
}

// A #DB in a window: the previous instruction ran; apply the next one.
kmt_engine_result Engine::follow_step()
{
	hide_all();
	m_cpu->counters.follow_steps++;
	m_cpu->counters.single_steps++;
	if (m_cpu->pushf_pending) {
		// PUSHF stored the flags of the step: TF on, IF forced. Give it the code's own.
		m_cpu->pushf_pending = 0;
		uint64_t f = 0;
		const uint64_t sp = m_regs->gpr[KMT_REG_RSP];
		if (m_platform->write && m_platform->read(m_platform->ctx, sp, &f, 8) == 0) {
			f = (f & ~(k_flag_tf | k_flag_if)) | (m_cpu->saved_flags & k_flag_tf) | m_cpu->code_if;
			(void)m_platform->write(m_platform->ctx, sp, &f, 8);
		}
	}
	return follow_next();
}

// The next instruction of a window (at RIP): the window is over (Clean: nothing left to follow;
// End: stopped early, why in *why), or the instruction is decoded into insn(), checked,
// propagated (its uses reported) and ready to run.
Engine::Next Engine::prepare_next(kmt_follow_end *why)
{
	if (kmt_regshadow_tainted(&m_cpu->follow))
		m_cpu->slot_steps = 0;
	else if (!follow_slots())
		return Next::Clean;
	if (++m_cpu->follow_steps >= m_cpu->follow_limit) {
		*why = KMT_FOLLOW_LIMIT;
		return Next::End;
	}
	uint8_t code[KMT_MAX_INSN_LEN];
	kmt_insn next;
	if (decode_at_rip(code, &next) != KMT_DECODE_OK) {
		*why = KMT_FOLLOW_DECODE;
		return Next::End;
	}
	// A copy routine is followed wherever it lives (memcpy and memset are noinstr code): a window
	// reaches one only from the code that called it, or from the routine itself (run_routine).
	const bool routine = in_copy_routine();
	if (!routine && m_platform->may_follow && !m_platform->may_follow(m_platform->ctx, m_regs->rip)) {
		// Code that is not followed was entered (a call): it clobbers the caller-saved registers
		// and the flags, so what is left to report are the callee-saved ones. (Arguments passed
		// into such code are not followed: docs/limits.md.)
		forget_gprs(&m_cpu->follow, k_scratch_gprs | (1u << KMT_REG_RAX));
		m_cpu->follow.flags = 0;
		if (!kmt_regshadow_tainted(&m_cpu->follow))
			return Next::Clean;
		*why = KMT_FOLLOW_UNSTEPPABLE;
		return Next::End;
	}
	const bool legacy = !(next.flags & (KMT_INSN_VEX | KMT_INSN_EVEX));
	if (next.op == KMT_OP_POPF || (legacy && next.map == 0 && next.opcode == 0xfb /* STI */)) {
		*why = KMT_FOLLOW_IRQ;
		return Next::End;
	}
	if (legacy && next.map == 0 && next.opcode == 0xfa /* CLI */)
		m_cpu->code_if = 0;
	m_cpu->insn = next;
	m_cpu->insn_rip = m_regs->rip;
	m_cpu->reported = 0;
	for (unsigned i = 0; i < insn().nmem; i++) {
		const Operand op = operand(i);
		if ((op.m_access & KMT_ACCESS_READ) && !(op.m_access & KMT_ACCESS_COND) && !is_user(op.m_addr))
			check_read(i, op, routine ? Uninit::Carried : Uninit::Followed);
	}
	if (!can_emulate())
		show_operands(); // the rules read operand values; without an alias, from the shown pages
	const bool rep_done = insn().rep != KMT_REP_NONE && m_regs->gpr[KMT_REG_RCX] == 0;
	if (!rep_done) {
		kmt_use uses[KMT_MAX_USES];
		unsigned n = 0;
		kmt_prop_env env = prop_env();
		env.carry_unallocated = routine;
		if (propagate(&m_cpu->follow, m_regs, env, uses, &n) != KMT_PROP_OK) {
			*why = KMT_FOLLOW_UNCOVERED;
			return Next::End;
		}
		report_uses(uses, n);
	}
	if (insn().op == KMT_OP_RET)
		forget_gprs(&m_cpu->follow, k_scratch_gprs);
	return Next::Ready;
}

// Runs the window on from RIP: each instruction is emulated where it can be (no #DB, nothing
// shown), else stepped natively (its pages shown for the step). @in_step: a #DB of the window
// brought us here (its step state is set up); else a fault did, with no step in flight.
kmt_engine_result Engine::run_window(bool in_step)
{
	for (;;) {
		kmt_follow_end why = KMT_FOLLOW_CLEAN;
		const Next next = prepare_next(&why);
		if (next == Next::Clean) {
			if (!in_step)
				return KMT_ENGINE_HANDLED;
			m_cpu->saved_flags = (m_cpu->saved_flags & ~k_flag_if) | m_cpu->code_if;
			return finish_step();
		}
		if (next == Next::End) {
			if (in_step)
				return end_follow(why);
			m_cpu->counters.follow_end[why - 1]++;
			report_not_followed(why);
			m_cpu->follow = kmt_regshadow{};
			return KMT_ENGINE_HANDLED;
		}
		// PUSHF would push the step's TF and IF: natively, where pushf_pending gives it the code's.
		if (insn().op != KMT_OP_PUSHF && emulate_insn())
			continue;
		if (!in_step) {
			begin_step(StepState::Follow, IfPolicy::Clear);
			in_step = true;
		}
		m_cpu->pushf_pending = insn().op == KMT_OP_PUSHF;
		show_operands();
		set_step_if();
		return KMT_ENGINE_HANDLED;
	}
}

// A #DB in a window: the previous instruction ran; go on.
kmt_engine_result Engine::follow_next()
{
	return run_window(true);
}

// Runs insn() in the handler through the emulator, the hidden pages reached without being shown
// (platform.cmpxchg). True if it ran (registers, RIP and memory updated); false if not (nothing
// changed): an operand in user memory (its page may have to be faulted in), a CPU-specific
// exclusion, or an instruction the emulator declines.
//
// With @defer_push (emulate_plain(): the PUSH that faulted, nothing uninitialized in it, so no
// stack slot to remember and nothing to follow after it), the push's one stack write, which
// would land in this handler's frame, is kept (emu_write) and made by platform.defer_push after
// the handler returns: its page is never shown, so no other CPU sees it meanwhile. If the
// platform cannot, the push is put back (it changes only RSP and RIP) and declined.
bool Engine::emulate_insn(bool kernel_operands, bool defer_push)
{
	if (!can_emulate() || (!kernel_operands && any_user_operand()) ||
	    (m_platform->may_emulate && !m_platform->may_emulate(m_platform->ctx, &insn())))
		return false;
	const kmt_emu_mem mem = { this, emu_read, emu_write, emu_cmpxchg, nullptr };
	const uint64_t rsp = m_regs->gpr[KMT_REG_RSP], rip = m_regs->rip;
	m_defer_push = defer_push && insn().op == KMT_OP_PUSH && m_stack_guard && m_platform->defer_push;
	m_push_deferred = false;
	const int status = kmt_emulate(&insn(), m_regs, &mem);
	m_defer_push = false;
	const bool deferred = status == KMT_EMU_OK && m_push_deferred;
	if (status != KMT_EMU_OK ||
	    (deferred && m_platform->defer_push(m_platform->ctx, m_regs, m_push_value) != 0)) {
		m_regs->gpr[KMT_REG_RSP] = rsp;
		m_regs->rip = rip;
		m_cpu->counters.emulate_declined++;
		return false;
	}
	m_cpu->counters.emulated++;
	m_cpu->counters.pushes_deferred += deferred;
	settle_slots();
	return true;
}

// A fault on a tracked page by a plain instruction, run in the handler (platform.cmpxchg):
// checked, propagated and emulated, then, if it left uninitialized bits in registers, its window
// run on (run_window). *ran is false when it must take the stepping path instead (the code's own
// TF is set: it expects a #DB after the instruction; an operand is user memory).
kmt_engine_result Engine::emulate_plain(const Operand *ops, bool *ran)
{
	*ran = false;
	bool user = false;
	for (unsigned i = 0; i < insn().nmem; i++)
		user = user || is_user(ops[i].m_addr);
	if ((m_regs->rflags & k_flag_tf) || user)
		return KMT_ENGINE_NOT_OURS;
	*ran = true;
	m_cpu->counters.faults_handled++;
	new_window();
	bool window = false;
	// Registers are clean at a fault (follow is reset before the rules run; the clean path below
	// never reads it): only memory brings uninitialized bits in. When every read is
	// unconditional, check_read has already looked at their bytes.
	bool reads_init = true, cond_read = false;
	for (unsigned i = 0; i < insn().nmem && follow_enabled(); i++) {
		const Operand &op = ops[i];
		if (!(op.m_access & KMT_ACCESS_READ))
			continue;
		if (op.m_access & KMT_ACCESS_COND)
			cond_read = true;
		else
			reads_init = check_read(i, op, Uninit::Followed) && reads_init;
	}
	const bool clean = follow_enabled() && reads_init && clean_reads(*m_regs, cond_read, ops);
	if (clean) {
		// Nothing uninitialized goes in, so nothing comes out: what it writes is initialized,
		// without running the rules (the common case, and half the cost of an access).
		for (unsigned i = 0; i < insn().nmem; i++) {
			const Operand &op = ops[i];
			if ((op.m_access & KMT_ACCESS_WRITE) && !(op.m_access & KMT_ACCESS_COND))
				kmt_shadow_set(shadow(), op.m_addr, op.m_size, KMT_SHADOW_INIT);
		}
	} else if (follow_enabled()) {
		kmt_use uses[KMT_MAX_USES];
		unsigned n = 0;
		const kmt_prop_env env = prop_env();
		m_cpu->follow = kmt_regshadow{};
		const uint64_t stored = env.slots ? env.slots->stored : 0;
		if (propagate(&m_cpu->follow, m_regs, env, uses, &n) != KMT_PROP_OK) {
			// Not covered by the rules: reported at the load, as kmemcheck did.
			m_follow_end = KMT_FOLLOW_UNCOVERED;
			apply_plain();
			m_follow_end = KMT_FOLLOW_CLEAN;
			m_cpu->follow = kmt_regshadow{};
		} else {
			report_uses(uses, n);
			// Uninitialized bits stored to the stack (a PUSH of memory) are followed too: the
			// window goes on while the slot is live (follow_slots()), to the POP that reloads them.
			window = kmt_regshadow_tainted(&m_cpu->follow) || (env.slots && env.slots->stored != stored);
		}
	} else {
		apply_plain();
	}
	if (!emulate_insn(true, clean && !window)) {
		// Natively: shown and stepped, as without emulation.
		show_operands();
		if (!window) {
			begin_step(StepState::Plain, IfPolicy::Clear);
			return KMT_ENGINE_HANDLED;
		}
		begin_step(StepState::Follow, IfPolicy::Clear);
		m_cpu->code_if = m_cpu->saved_flags & k_flag_if;
		m_cpu->follow_steps = 0;
		m_cpu->pushf_pending = 0;
		m_cpu->slot_steps = 0;
		m_cpu->counters.follow_windows++;
		return KMT_ENGINE_HANDLED;
	}
	if (!window)
		return KMT_ENGINE_HANDLED;
	m_cpu->code_if = m_regs->rflags & k_flag_if;
	m_cpu->follow_steps = 0;
	m_cpu->pushf_pending = 0;
	m_cpu->slot_steps = 0;
	m_cpu->counters.follow_windows++;
	return run_window(false);
}

// After a fault taken by the fast path: the instructions that follow it while each is one of
// the fast path's own (a clean MOV-family access of 1-8 bytes) on the faulting page, run here
// as well. Each would have faulted on its own (a struct's fields written or read one after the
// other); each is run exactly as if it had, and the first that is not stops the run, left to
// the CPU (and its own fault, if any). At most k_ahead_budget of them, interrupts off. A
// faulting instruction whose next one is of no such form is marked in its decode cache entry
// (k_hint_no_ahead), so that its later faults do not decode the next one again.
constexpr unsigned k_ahead_budget = 16;
constexpr uint8_t k_hint_no_ahead = 1;

void Engine::run_ahead()
{
	const uint64_t page = page_of(m_cpu->fault_addr), first_rip = m_cpu->insn_rip;
	kmt_decode_cache *const cache = m_platform->decode_cache;
	const kmt_insn *const first = m_insn != &m_cpu->insn ? m_insn : nullptr; // its cache entry
	if (const uint8_t *hint = first ? kmt_decode_cache_hint(cache, first_rip, first) : nullptr;
	    hint && *hint == k_hint_no_ahead)
		return;
	for (unsigned n = 0; n < k_ahead_budget; n++) {
		const bool decoded = decode_fault_insn() == KMT_DECODE_OK;
		const kmt_insn &in = insn();
		// Its form: the same answer at every fault (the bytes are checked by the cache). A
		// load into RSP would move the stack the guard protects.
		if (!decoded || in.op < KMT_OP_MOV || in.op > KMT_OP_MOVSXD || in.nmem != 1 ||
		    (in.mem[0].flags & KMT_MEM_VSIB) || in.mem[0].size == 0 || in.mem[0].size > 8 ||
		    (in.ops[0].kind == KMT_OPND_REG && (in.ops[0].reg & 15) == KMT_REG_RSP)) {
			uint8_t *hint = n == 0 && first ? kmt_decode_cache_hint(cache, first_rip, first) : nullptr;
			if (hint)
				*hint = k_hint_no_ahead;
			return;
		}
		const Operand op = operand(0);
		if (page_of(op.m_addr) != page || page_of(op.m_addr + op.m_size - 1) != page)
			return; // the faulting page only: tracked, and mapped in the alias
		if (!emulate_fast(&op, true))
			return;
	}
}

// The most common fault, emulate_plain()'s clean case without its generality: a MOV, MOVZX,
// MOVSX or MOVSXD with one kernel memory operand within a page, whose bytes, if it reads them,
// are all initialized (and not a live stack slot's). Nothing uninitialized goes in, so the
// result is what emulate_plain() would give: the store's bytes initialized (before the write,
// as there), the instruction run by the emulator, the stack slots settled. False, with nothing
// changed that the general path does not do again, when it does not apply or the emulator
// declines: emulate_plain() takes it from the start.
bool Engine::emulate_fast(const Operand *ops, bool ahead)
{
	const kmt_insn &in = insn();
	if (in.op < KMT_OP_MOV || in.op > KMT_OP_MOVSXD || in.nmem != 1 || (m_regs->rflags & k_flag_tf) ||
	    !follow_enabled())
		return false;
	const Operand &op = ops[0];
	if ((op.m_access & KMT_ACCESS_COND) || op.m_size == 0 || op.m_size > 8 || is_user(op.m_addr) ||
	    page_of(op.m_addr) != page_of(op.m_addr + op.m_size - 1))
		return false;
	if ((op.m_access & KMT_ACCESS_READ) &&
	    (kmt_shadow_check(shadow(), op.m_addr, op.m_size, nullptr, nullptr) ||
	     !clean_reads(*m_regs, false, ops)))
		return false;
	if (m_platform->may_emulate && !m_platform->may_emulate(m_platform->ctx, &in))
		return false;
	if ((op.m_access & KMT_ACCESS_WRITE) && below_stack_guard(op.m_addr, op.m_size))
		return false;
	if (op.m_access & KMT_ACCESS_WRITE)
		kmt_shadow_set(shadow(), op.m_addr, op.m_size, KMT_SHADOW_INIT);
	auto *page = m_platform->page_ptr ? static_cast<uint8_t *>(m_platform->page_ptr(m_platform->ctx, page_of(op.m_addr)))
					  : nullptr;
	const kmt_emu_mem mem = { this, emu_read, emu_write, emu_cmpxchg, nullptr };
	const int status = page ? kmt_emulate_move_direct(&in, m_regs, page + (op.m_addr - page_of(op.m_addr)), op.m_addr)
				: kmt_emulate(&in, m_regs, &mem);
	if (status != KMT_EMU_OK)
		return false;
	m_cpu->counters.emulated++;
	if (ahead) {
		m_cpu->counters.emulated_ahead++;
	} else {
		m_cpu->counters.faults_handled++;
		m_cpu->counters.emulated_fast++;
	}
	new_window();
	settle_slots();
	return true;
}

// ---------------------------------------------------------------------------------------
// Copy routines (platform.copy_routine): a fault inside memcpy, memmove, memset or a copy_user
// routine runs the rest of the routine here, instruction by instruction through the emulator
// (kmt_emulate.h), with the register shadow carrying every byte's state from its load to its
// store: the destination gets exactly the source's states (unallocated slack stays unallocated),
// whatever the routine's loop, overlap or direction. Nothing inside is reported but a read of
// freed bytes and a leak to user space, each once per copy, named after the routine's caller.
// A REP string instruction first in the routine is batched whatever rep_mode says. The engine
// stops, and the CPU goes on natively from an instruction boundary, at an instruction it cannot
// emulate, at a user page that is not resident, at a later REP instruction (its faults come
// back here), or after k_routine_budget instructions (interrupts are off meanwhile).
constexpr unsigned k_routine_budget = 65536;

// Tracked kernel pages of an access are shown for the rest of the run.
void Engine::routine_show(uint64_t addr, uint32_t size)
{
	if (is_user(addr))
		return;
	for (uint64_t page = page_of(addr); page <= page_of(addr + size - 1); page += k_page) {
		if (!is_tracked(page))
			continue;
		bool shown = false;
		for (uint32_t i = 0; i < m_cpu->nshown; i++)
			shown = shown || m_cpu->shown[i] == page;
		if (shown)
			continue;
		if (m_cpu->nshown >= KMT_ENGINE_MAX_SHOWN)
			hide_all();
		(void)show_page(page);
	}
	if (m_platform->own)
		m_platform->own(m_platform->ctx, addr, size);
}

int Engine::emu_read(void *ctx, uint64_t addr, void *buf, uint32_t size)
{
	auto *e = static_cast<Engine *>(ctx);
	if (!e->can_emulate())
		e->routine_show(addr, size); // else the platform reaches hidden pages itself
	return e->m_platform->read(e->m_platform->ctx, addr, buf, size);
}

int Engine::emu_write(void *ctx, uint64_t addr, const void *buf, uint32_t size)
{
	auto *e = static_cast<Engine *>(ctx);
	if (e->below_stack_guard(addr, size)) {
		if (e->m_defer_push && !e->m_push_deferred && size == 8 && addr == e->m_stack_guard - 8) {
			__builtin_memcpy(&e->m_push_value, buf, 8);
			e->m_push_deferred = true;
			return 0;
		}
		return -1; // not here: stepped natively instead
	}
	if (!e->can_emulate())
		e->routine_show(addr, size);
	return e->m_platform->write(e->m_platform->ctx, addr, buf, size);
}

// With emulation, the platform's atomic compare-exchange. Without (copy routines only), a read and
// a write: not atomic against other CPUs (docs/limits.md).
int Engine::emu_cmpxchg(void *ctx, uint64_t addr, uint32_t size, const void *expected, const void *desired,
			void *actual)
{
	auto *e = static_cast<Engine *>(ctx);
	if (e->below_stack_guard(addr, size))
		return -1;
	if (e->can_emulate())
		return e->m_platform->cmpxchg(e->m_platform->ctx, addr, size, expected, desired, actual);
	if (int r = emu_read(ctx, addr, actual, size))
		return r;
	if (__builtin_memcmp(actual, expected, size) != 0)
		return 0;
	return emu_write(ctx, addr, desired, size);
}

// LFENCE, MFENCE or SFENCE, with no prefix: 0F AE E8..FF.
static bool is_fence(const uint8_t *code, const kmt_insn &insn)
{
	return insn.length == 3 && insn.prefix_len == 0 && code[0] == 0x0f && code[1] == 0xae && code[2] >= 0xe8;
}

// Bytes of [addr, addr+size) that are freed, and the first of them.
static uint32_t freed_bytes(const kmt_shadow_map *map, uint64_t addr, uint32_t size, uint64_t *first)
{
	uint32_t n = 0;
	for (uint32_t off = 0; off < size; off += 8) {
		const uint32_t piece = size - off < 8 ? size - off : 8;
		uint8_t freed = 0;
		(void)kmt_shadow_load_bits(map, addr + off, piece, nullptr, &freed);
		for (uint32_t i = 0; i < piece; i++) {
			if (freed & (1u << i)) {
				if (!n)
					*first = addr + off + i;
				n++;
			}
		}
	}
	return n;
}

kmt_engine_result Engine::run_routine(uint64_t fault_addr, bool *ran)
{
	*ran = false;
	if (insn().rep != KMT_REP_NONE && is_string_class(insn().insn_class)) {
		*ran = true;
		return start_rep(fault_addr, true);
	}
	kmt_regshadow &rs = m_cpu->follow;
	rs = kmt_regshadow{};
	new_window();
	kmt_prop_env env = prop_env();
	env.carry_unallocated = 1;
	const kmt_emu_mem mem = { this, emu_read, emu_write, emu_cmpxchg, nullptr };
	kmt_error leak = {}, freed = {};
	bool returned = false;
	unsigned n = 0;
	m_cpu->nshown = 0;
	for (; n < k_routine_budget; n++) {
		if (n > 0) {
			uint8_t code[KMT_MAX_INSN_LEN];
			if (decode_at_rip(code, &m_cpu->insn) != KMT_DECODE_OK)
				break;
			if (insn().rep != KMT_REP_NONE && is_string_class(insn().insn_class))
				break; // natively: its faults come back here and are batched
			if (is_fence(code, insn())) {
				// LFENCE, MFENCE, SFENCE (after MOVNTI stores): one of our own, in their place.
				__atomic_thread_fence(__ATOMIC_SEQ_CST);
				m_regs->rip += insn().length;
				continue;
			}
		}
		// Freed bytes read: reported once per copy (the rest of the copy carries them as they are).
		for (unsigned i = 0; i < insn().nmem && !freed.kind; i++) {
			const Operand op = operand(i);
			if ((op.m_access & KMT_ACCESS_READ) && !is_user(op.m_addr) && op.m_size <= k_page) {
				uint64_t first = 0;
				const uint32_t nf = freed_bytes(shadow(), op.m_addr, op.m_size, &first);
				if (nf) {
					freed.kind = KMT_ERR_FREED_READ;
					freed.size = op.m_size;
					freed.addr = op.m_addr;
					freed.bad_addr = first;
					freed.bad_count = nf;
					freed.bad_last = first;
					freed.bad_state = KMT_SHADOW_FREED;
					freed.rip = m_regs->rip;
					freed.fault_addr = fault_addr;
				}
			}
		}
		const kmt_regs before = *m_regs;
		if (kmt_emulate(&insn(), m_regs, &mem) != KMT_EMU_OK)
			break;
		if (clean_insn(rs, before)) {
			// Nothing uninitialized in, nothing out: what it wrote is initialized (the common
			// case of a copy of initialized bytes), without running the rules.
			for (unsigned i = 0; i < insn().nmem; i++) {
				const kmt_mem_operand &m = insn().mem[i];
				const uint64_t a = kmt_mem_address(&insn(), &m, &before);
				if ((m.access & KMT_ACCESS_WRITE) && !(m.access & KMT_ACCESS_COND) && !is_user(a))
					kmt_shadow_set(shadow(), a, m.size, KMT_SHADOW_INIT);
			}
			if (insn().op == KMT_OP_RET) {
				returned = true;
				n++;
				break;
			}
			continue;
		}
		kmt_use uses[KMT_MAX_USES];
		unsigned nu = 0;
		if (propagate(&rs, &before, env, uses, &nu) != KMT_PROP_OK) {
			// Ran, but not covered by the rules: what it wrote counts as initialized.
			for (unsigned i = 0; i < insn().nmem; i++) {
				const kmt_mem_operand &m = insn().mem[i];
				const uint64_t a = kmt_mem_address(&insn(), &m, &before);
				if ((m.access & KMT_ACCESS_WRITE) && !is_user(a))
					kmt_shadow_set(shadow(), a, m.size, KMT_SHADOW_INIT);
			}
			for (unsigned r = 0; r < 16; r++)
				if (insn().gpr_written & (1u << r))
					rs.gpr[r] = 0;
		}
		settle_slots(); // its stores ran before the rules saw it
		for (unsigned i = 0; i < nu; i++) {
			const kmt_use &u = uses[i];
			if (u.kind != KMT_USE_USER) {
				const kmt_regs now = *m_regs;
				*m_regs = before; // reported at the using instruction
				report_uses(&u, 1);
				*m_regs = now;
				continue;
			}
			// A leak to user space: one report for the copy, with every leaked byte counted.
			if (!leak.kind) {
				leak.kind = KMT_ERR_INFOLEAK;
				leak.use = KMT_USE_USER;
				leak.rip = before.rip;
				leak.size = u.size;
				leak.addr = u.origin.addr;
				leak.dst_addr = u.addr;
				leak.bad_addr = u.origin.addr;
				leak.bad_state = KMT_SHADOW_UNINIT;
				leak.origin_rip = u.origin.rip;
				leak.origin_addr = u.origin.addr;
				leak.fault_addr = fault_addr;
			}
			leak.bad_count += u.bad_bytes;
			leak.bad_last = u.origin.addr;
		}
		if (insn().op == KMT_OP_RET) {
			returned = true;
			n++;
			break;
		}
	}
	hide_all();
	if (n == 0) {
		rs = kmt_regshadow{};
		return KMT_ENGINE_NOT_OURS; // *ran stays false: the caller takes the usual path
	}
	*ran = true;
	if (freed.kind)
		report(freed);
	if (leak.kind)
		report(leak);
	m_cpu->counters.faults_handled++;
	m_cpu->counters.routine_insns += n;
	if (returned)
		m_cpu->counters.routine_runs++;
	else
		m_cpu->counters.routine_stops++;
	if (returned)
		forget_gprs(&rs, k_scratch_gprs);
	if (!kmt_regshadow_tainted(&rs))
		return KMT_ENGINE_HANDLED;
	if (!follow_enabled()) {
		report_not_followed(KMT_FOLLOW_LIMIT);
		rs = kmt_regshadow{};
		return KMT_ENGINE_HANDLED;
	}
	return follow_from_routine();
}

// The engine stopped running a routine (or it returned) with uninitialized bits still in
// registers: follow them from here, stepping natively, as a window would.
kmt_engine_result Engine::follow_from_routine()
{
	begin_step(StepState::Follow, IfPolicy::Clear);
	m_cpu->code_if = m_cpu->saved_flags & k_flag_if;
	m_cpu->follow_steps = 0;
	m_cpu->pushf_pending = 0;
	m_cpu->counters.follow_windows++;
	m_cpu->slot_steps = 0;
	return follow_next();
}

// ---------------------------------------------------------------------------------------
// Batch mode.

// The operand addresses of a run of n elements of size @size starting at @addr.
inline uint64_t run_low(uint64_t addr, uint64_t n, uint32_t size, Direction direction)
{
	return direction == Direction::Forward ? addr : addr - (n - 1) * size;
}

// Performs REP MOVS/STOS for every element that fits in the windows, through platform.copy,
// with exactly the element-by-element result (overlap, DF=1). Returns false (nothing done)
// when batch mode cannot be used for this instruction.
bool Engine::try_batch()
{
	const uint8_t cls = insn().insn_class;
	if (insn().rep != KMT_REP_REP || (cls != KMT_CLASS_MOVS && cls != KMT_CLASS_STOS))
		return false;
	// A copy to or from user memory (copy_to_user, copy_from_user): MOVS, forward, through
	// copy_user, which never faults nor sleeps and may stop early at a user page that is not
	// resident. STOS to user memory never touches a tracked page, so it never gets here.
	const bool user = any_user_operand();
	if (user ? !m_platform->copy_user || cls != KMT_CLASS_MOVS || direction() != Direction::Forward
		 : !m_platform->copy)
		return false;
	const uint32_t size = insn().opsize;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	for (unsigned i = 0; i < insn().nmem; i++) {
		if (insn().mem[i].size != size)
			return false;
	}

	// Elements that fit in every window.
	uint64_t n = m_regs->gpr[KMT_REG_RCX];
	const Direction dir = direction();
	for (unsigned i = 0; i < insn().nmem; i++) {
		const uint64_t addr = operand(i).m_addr;
		const uint64_t lo = m_cpu->window_lo[i];
		const uint64_t fit = dir == Direction::Forward ? (lo + 2 * k_page - addr - size) / size + 1
							       : (addr - lo) / size + 1;
		n = fit < n ? fit : n;
	}

	// Show the kernel pages the run touches (at most two per operand), do it, hide them; when
	// emulating, the platform reaches hidden pages through its alias and nothing is shown.
	for (unsigned i = 0; i < insn().nmem && !can_emulate(); i++)
		if (!is_user(operand(i).m_addr))
			show_range(run_low(operand(i).m_addr, n, size, dir), n * size);
	const uint64_t done = user ? batch_move_user(n, size)
			    : cls == KMT_CLASS_MOVS ? batch_move(n, size) : batch_fill(n, size);
	hide_all();
	if (done == 0)
		return false;

	// Registers as the hardware leaves them after @done elements.
	const uint64_t delta = done * size;
	const uint64_t src_before = m_regs->gpr[KMT_REG_RSI], dst_before = m_regs->gpr[KMT_REG_RDI];
	if (dir == Direction::Forward) {
		m_regs->gpr[KMT_REG_RDI] += delta;
		if (cls == KMT_CLASS_MOVS)
			m_regs->gpr[KMT_REG_RSI] += delta;
	} else {
		m_regs->gpr[KMT_REG_RDI] -= delta;
		if (cls == KMT_CLASS_MOVS)
			m_regs->gpr[KMT_REG_RSI] -= delta;
	}
	(void)src_before;
	(void)dst_before;
	m_regs->gpr[KMT_REG_RCX] -= done;
	if (m_regs->gpr[KMT_REG_RCX] == 0)
		m_regs->rip = m_cpu->insn_rip + insn().length;
	m_cpu->counters.rep_elements += done;
	m_cpu->counters.batch_runs++;
	return true;
}

// Moves the data and the shadow of @n MOVS elements in execution order. Element-by-element
// semantics differ from memmove only when the destination overlaps the source *ahead* of it
// in execution order (forward with dst above src, or DF=1 with dst below src): then the run
// is cut into chunks no longer than the distance, each of which is a plain non-overlapping
// copy, done in execution order; a distance shorter than one element goes element by element
// through a buffer. Returns how many elements were completed (a prefix in execution order).
uint64_t Engine::batch_move(uint64_t n, uint32_t size)
{
	int si, di;
	if (!string_operands(&si, &di))
		return 0;
	const Direction dir = direction();
	const uint64_t src_lo = run_low(operand(static_cast<unsigned>(si)).m_addr, n, size, dir);
	const uint64_t dst_lo = run_low(operand(static_cast<unsigned>(di)).m_addr, n, size, dir);
	const uint64_t len = n * size;

	// Distance by which the destination runs ahead of the source in execution order.
	uint64_t ahead = 0;
	if (dir == Direction::Forward && dst_lo > src_lo && dst_lo - src_lo < len)
		ahead = dst_lo - src_lo;
	else if (dir == Direction::Backward && src_lo > dst_lo && src_lo - dst_lo < len)
		ahead = src_lo - dst_lo;
	const uint64_t chunk_elems = ahead == 0 ? n : ahead / size;

	uint64_t done = 0;
	while (done < n) {
		const uint64_t k = chunk_elems == 0 ? 1 : (chunk_elems < n - done ? chunk_elems : n - done);
		const uint64_t bytes = k * size;
		// Chunk [off, off+bytes) relative to the low ends, in execution order.
		const uint64_t off = dir == Direction::Forward ? done * size : len - done * size - bytes;
		if (chunk_elems == 0) {
			uint8_t element[8];
			const uint64_t buffer = reinterpret_cast<uintptr_t>(element);
			if (m_platform->copy(m_platform->ctx, buffer, src_lo + off, bytes) != 0 ||
			    m_platform->copy(m_platform->ctx, dst_lo + off, buffer, bytes) != 0)
				break;
		} else if (m_platform->copy(m_platform->ctx, dst_lo + off, src_lo + off, bytes) != 0) {
			break;
		}
		// The shadow follows in the same chunk order, so it ends up exactly as per element.
		kmt_shadow_copy(shadow(), dst_lo + off, src_lo + off, bytes);
		done += k;
	}
	return done;
}

// A forward REP MOVS between user and kernel memory, forward, for @n elements at most: a leak to
// user memory is checked first (once per instruction), then the bytes go through copy_user, which
// may stop early (a user page that is not resident: the CPU then faults on it natively and the
// kernel brings it in). Bytes copied from user memory become initialized. Returns how many whole
// elements were copied; a partly copied element is done again by the CPU.
uint64_t Engine::batch_move_user(uint64_t n, uint32_t size)
{
	int si, di;
	if (!string_operands(&si, &di))
		return 0;
	const Operand s = operand(static_cast<unsigned>(si));
	const Operand d = operand(static_cast<unsigned>(di));
	if (is_user(d.m_addr))
		check_leak(s, d);
	const uint64_t copied = m_platform->copy_user(m_platform->ctx, d.m_addr, s.m_addr, n * size);
	const uint64_t done = (copied < n * size ? copied : n * size) / size;
	if (is_user(s.m_addr))
		kmt_shadow_set(shadow(), d.m_addr, done * size, KMT_SHADOW_INIT);
	return done;
}

// Fills @n STOS elements with the low @size bytes of RAX: one small pattern copied from the
// engine's stack, then doubled inside the destination, in execution order. Returns how many
// elements were completed (a prefix in execution order).
uint64_t Engine::batch_fill(uint64_t n, uint32_t size)
{
	const Direction dir = direction();
	const uint64_t dst_lo = run_low(m_regs->gpr[KMT_REG_RDI], n, size, dir);
	const uint64_t len = n * size;
	const uint64_t value = m_regs->gpr[KMT_REG_RAX];
	uint8_t pattern[64];
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = static_cast<uint8_t>(value >> (8 * (i % size)));

	uint64_t filled = len < sizeof(pattern) ? len : sizeof(pattern);
	const uint64_t first = dir == Direction::Forward ? dst_lo : dst_lo + len - filled;
	if (m_platform->copy(m_platform->ctx, first, reinterpret_cast<uintptr_t>(pattern), filled) != 0)
		return 0;
	while (filled < len) {
		const uint64_t m = filled < len - filled ? filled : len - filled;
		const int status = dir == Direction::Forward
					   ? m_platform->copy(m_platform->ctx, dst_lo + filled, dst_lo, m)
					   : m_platform->copy(m_platform->ctx, dst_lo + len - filled - m,
							      dst_lo + len - filled, m);
		if (status != 0)
			break;
		filled += m;
	}
	const uint64_t done = filled / size;
	const uint64_t shadow_lo = dir == Direction::Forward ? dst_lo : dst_lo + len - done * size;
	kmt_shadow_set(shadow(), shadow_lo, done * size, KMT_SHADOW_INIT);
	return done;
}

} // namespace
} // namespace kmt

extern "C" {

void kmt_engine_cpu_init(struct kmt_engine_cpu *cpu, enum kmt_rep_mode mode)
{
	__builtin_memset(cpu, 0, sizeof(*cpu));
	cpu->rep_mode = static_cast<uint32_t>(mode);
}

void kmt_engine_set_rep_mode(struct kmt_engine_cpu *cpu, enum kmt_rep_mode mode)
{
	cpu->rep_mode = static_cast<uint32_t>(mode);
}

void kmt_engine_set_follow_limit(struct kmt_engine_cpu *cpu, uint32_t limit)
{
	cpu->follow_limit = limit;
}

void kmt_engine_set_emulate(struct kmt_engine_cpu *cpu, int on)
{
	cpu->emulate = on ? 1 : 0;
}

int kmt_engine_owns(const struct kmt_engine_cpu *cpu, uint64_t rip)
{
	if (cpu->state == static_cast<uint32_t>(kmt::StepState::Idle))
		return 0;
	if (rip == cpu->insn_rip)
		return 1;
	return cpu->state == static_cast<uint32_t>(kmt::StepState::RepTrick) && rip == cpu->insn_rip + 1;
}

int kmt_engine_fault(struct kmt_engine_cpu *cpu, const struct kmt_engine_platform *platform,
		     struct kmt_regs *regs, uint64_t fault_addr, uint64_t error_code)
{
	return kmt::Engine(cpu, platform, regs).fault(fault_addr, error_code, nullptr);
}

int kmt_engine_fault_decoded(struct kmt_engine_cpu *cpu, const struct kmt_engine_platform *platform,
			     struct kmt_regs *regs, uint64_t fault_addr, uint64_t error_code,
			     const struct kmt_insn *insn)
{
	KMT_ASSERT(insn != nullptr);
	return kmt::Engine(cpu, platform, regs).fault(fault_addr, error_code, insn);
}

int kmt_engine_single_step(struct kmt_engine_cpu *cpu, const struct kmt_engine_platform *platform,
			   struct kmt_regs *regs)
{
	return kmt::Engine(cpu, platform, regs).single_step();
}

const char *kmt_engine_result_str(int result)
{
	switch (result) {
	case KMT_ENGINE_HANDLED:
		return "handled";
	case KMT_ENGINE_NOT_OURS:
		return "not ours";
	case KMT_ENGINE_ERROR:
		return "handled unchecked (error)";
	case KMT_ENGINE_PASS_ON:
		return "handled, pass the trap on";
	default:
		return "unknown result";
	}
}

enum kmt_error_kind kmt_error_kind_for_state(enum kmt_shadow_state state)
{
	switch (state) {
	case KMT_SHADOW_FREED:
		return KMT_ERR_FREED_READ;
	case KMT_SHADOW_UNALLOCATED:
		return KMT_ERR_UNALLOCATED_READ;
	default:
		return KMT_ERR_UNINIT_READ;
	}
}

const char *kmt_follow_end_str(int end)
{
	switch (end) {
	case KMT_FOLLOW_LIMIT:
		return "the window's instruction limit (follow_limit) was reached";
	case KMT_FOLLOW_UNCOVERED:
		return "an instruction the propagation rules do not cover";
	case KMT_FOLLOW_UNSTEPPABLE:
		return "a call into code that is not single-stepped";
	case KMT_FOLLOW_DECODE:
		return "an instruction that could not be decoded";
	case KMT_FOLLOW_IRQ:
		return "interrupts were enabled";
	default:
		return "unknown";
	}
}

const char *kmt_internal_reason_str(int reason)
{
	switch (reason) {
	case KMT_REASON_DECODE:
		return "the instruction could not be decoded";
	case KMT_REASON_NO_OPERAND:
		return "no decoded operand covers the fault address";
	case KMT_REASON_OPERAND_SIZE:
		return "an operand is larger than two pages or has a vector index";
	case KMT_REASON_ADDR32:
		return "a REP string instruction with a 32-bit address size";
	case KMT_REASON_TOO_MANY_PAGES:
		return "too many pages shown at once";
	case KMT_REASON_FOREIGN_FAULT:
		return "other code touched a tracked page while every step slot was busy";
	case KMT_REASON_IN_HANDLER:
		return "a tracked page was touched inside kmemtrap's own #DB handler";
	case KMT_REASON_UNBALANCED:
		return "a page was hidden more often than shown";
	default:
		return "unknown reason";
	}
}

const char *kmt_error_kind_str(int kind)
{
	switch (kind) {
	case KMT_ERR_UNINIT_READ:
		return "uninit-read";
	case KMT_ERR_FREED_READ:
		return "freed-read";
	case KMT_ERR_UNALLOCATED_READ:
		return "unallocated-read";
	case KMT_ERR_INFOLEAK:
		return "infoleak";
	case KMT_ERR_UNINIT_USE:
		return "uninit-use";
	case KMT_ERR_INTERNAL:
		return "internal";
	default:
		return "unknown";
	}
}

} // extern "C"
