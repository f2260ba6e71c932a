// harness.cpp - the userspace twin's glue: signals in, engine decisions out. See harness.h.
#include "harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

// The push trampoline (Twin::defer_push): an int3, as the module's (module/pushtramp.c).
extern "C" const uint8_t twin_push_tramp[];
__asm__(".text\n"
	".globl twin_push_tramp\n"
	"twin_push_tramp:\n"
	"	int3\n"
	"	ud2\n");

namespace twin {
namespace {

Twin *g_twin = nullptr; // the signal handlers' way back to the one live Twin
struct sigaction g_old_segv, g_old_trap;

// Async-signal-safe fatal error: the test must fail loudly, never hang or continue.
[[noreturn]] void die(const char *message)
{
	ssize_t ignored = write(2, message, std::strlen(message));
	(void)ignored;
	std::abort();
}

// The kmt_regs <-> signal context mapping. gpr[] is in encoding order.
const int k_greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
			   REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

void regs_from_context(const ucontext_t *uc, kmt_regs *regs)
{
	for (int i = 0; i < 16; i++)
		regs->gpr[i] = static_cast<uint64_t>(uc->uc_mcontext.gregs[k_greg_of[i]]);
	regs->rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
	regs->rflags = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_EFL]);
	regs->fs_base = 0; // the code under test uses no segment overrides
	regs->gs_base = 0;
}

void regs_to_context(const kmt_regs *regs, ucontext_t *uc)
{
	for (int i = 0; i < 16; i++)
		uc->uc_mcontext.gregs[k_greg_of[i]] = static_cast<greg_t>(regs->gpr[i]);
	uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(regs->rip);
	// The kernel ignores IF (user code always runs with IF=1) and takes TF and DF as given.
	uc->uc_mcontext.gregs[REG_EFL] = static_cast<greg_t>(regs->rflags);
}

void protect(uint64_t page, int prot)
{
	if (mprotect(reinterpret_cast<void *>(page), k_page, prot) != 0)
		die("twin: mprotect failed\n");
}

} // namespace

Twin::Twin(size_t tracked_pages) : m_tracked_pages(tracked_pages), m_blocks(tracked_pages)
{
	if (g_twin)
		die("twin: only one Twin at a time\n");
	m_mapping_bytes = (tracked_pages + 2 * k_kernel_pages) * k_page;
	void *mapping = mmap(nullptr, m_mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *user = mmap(nullptr, k_user_pages * k_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mapping == MAP_FAILED || user == MAP_FAILED)
		die("twin: mmap failed\n");
	m_mapping = static_cast<uint8_t *>(mapping);
	m_tracked = m_mapping + k_kernel_pages * k_page;
	m_user = static_cast<uint8_t *>(user);
	m_mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (m_mem_fd < 0)
		die("twin: cannot open /proc/self/mem\n");
	m_altstack.resize(1 << 16);
	stack_t ss = {};
	ss.ss_sp = m_altstack.data();
	ss.ss_size = m_altstack.size();
	if (sigaltstack(&ss, nullptr) != 0)
		die("twin: sigaltstack failed\n");
	m_platform.ctx = this;
	m_platform.shadow.lookup = lookup;
	m_platform.shadow.ctx = this;
	m_platform.is_tracked = is_tracked;
	m_platform.show = show;
	m_platform.hide = hide;
	m_platform.read_code = read_code;
	m_platform.is_user_address = is_user_address;
	m_platform.report = report;
	m_platform.copy = copy;
	m_platform.copy_user = copy_user;
	m_platform.read = read;
	m_platform.write = write;
	m_platform.may_follow = may_follow;
	m_platform.stack_slots = stack_slots;
	m_platform.current_task = current_task;
	m_platform.is_stack = is_stack;
	m_platform.nul_words = nul_words;
	for (auto &b : m_blocks)
		kmt_shadow_block_init(&b, KMT_SHADOW_UNALLOCATED);
	kmt_engine_cpu_init(&m_cpu, KMT_REP_MODE_STEP);
	g_twin = this;
}

Twin::~Twin()
{
	if (m_armed)
		disarm();
	stack_t ss = {};
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, nullptr);
	close(m_mem_fd);
	munmap(m_mapping, m_mapping_bytes);
	munmap(m_user, k_user_pages * k_page);
	g_twin = nullptr;
}

std::vector<kmt_error> Twin::reports() const
{
	return std::vector<kmt_error>(m_reports, m_reports + m_nreports);
}

void Twin::reset(uint8_t seed, kmt_shadow_state state)
{
	for (size_t i = 0; i < m_mapping_bytes; i++)
		m_mapping[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
	for (size_t i = 0; i < user_bytes(); i++)
		m_user[i] = static_cast<uint8_t>(seed * 3 + i * 5);
	kmt_shadow_set(shadow(), reinterpret_cast<uint64_t>(m_tracked), tracked_bytes(), state);
}

void Twin::arm(kmt_rep_mode mode, uint32_t follow_limit, bool emulate)
{
	kmt_engine_cpu_init(&m_cpu, mode);
	kmt_engine_set_follow_limit(&m_cpu, follow_limit);
	kmt_engine_set_emulate(&m_cpu, emulate);
	m_platform.cmpxchg = emulate ? cmpxchg : nullptr;
	m_platform.defer_push = emulate ? defer_push : nullptr;
	m_push_pending = false;
	m_slots = kmt_stack_slots{};
	pthread_attr_t attr;
	void *stack = nullptr;
	size_t stack_size = 0;
	if (pthread_getattr_np(pthread_self(), &attr) != 0 || pthread_attr_getstack(&attr, &stack, &stack_size) != 0)
		die("twin: cannot find this thread's stack\n");
	pthread_attr_destroy(&attr);
	m_stack_lo = reinterpret_cast<uint64_t>(stack);
	m_stack_hi = m_stack_lo + stack_size;
	m_counters = Counters{};
	m_nreports = 0;
	struct sigaction sa = {};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &g_old_segv);
	// The #DB handler has a stack of its own, as the kernel's (IST); the #PF handler does not.
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGTRAP, &sa, &g_old_trap);
	if (mprotect(m_tracked, tracked_bytes(), PROT_NONE) != 0)
		die("twin: mprotect(PROT_NONE) failed\n");
	m_armed = true;
}

void Twin::evict_user_page(size_t index)
{
	m_user_absent[index] = true;
	protect(reinterpret_cast<uint64_t>(m_user) + index * k_page, PROT_NONE);
}

bool Twin::user_page_absent(uint64_t addr) const
{
	const uint64_t base = reinterpret_cast<uint64_t>(m_user);
	return addr >= base && addr < base + user_bytes() && m_user_absent[(addr - base) / k_page];
}

void Twin::disarm()
{
	if (kmt_engine_busy(&m_cpu))
		die("twin: disarm with a step still in flight\n");
	if (mprotect(m_tracked, tracked_bytes(), PROT_READ | PROT_WRITE) != 0)
		die("twin: mprotect(RW) failed\n");
	for (size_t i = 0; i < k_user_pages; i++) {
		if (m_user_absent[i])
			protect(reinterpret_cast<uint64_t>(m_user) + i * k_page, PROT_READ | PROT_WRITE);
		m_user_absent[i] = false;
	}
	sigaction(SIGSEGV, &g_old_segv, nullptr);
	sigaction(SIGTRAP, &g_old_trap, nullptr);
	m_armed = false;
}

void Twin::on_segv(int, siginfo_t *info, void *context)
{
	Twin *self = g_twin;
	auto *uc = static_cast<ucontext_t *>(context);
	self->m_counters.segv++;
	kmt_regs regs;
	regs_from_context(uc, &regs);
	const int result = kmt_engine_fault(&self->m_cpu, &self->m_platform, &regs,
					    reinterpret_cast<uint64_t>(info->si_addr),
					    static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_ERR]));
	regs_to_context(&regs, uc);
	const uint64_t addr = reinterpret_cast<uint64_t>(info->si_addr);
	if (result == KMT_ENGINE_NOT_OURS && self->user_page_absent(addr)) {
		// What the kernel does for a user page not yet resident: bring it in, retry.
		const size_t index = (addr - reinterpret_cast<uint64_t>(self->m_user)) / k_page;
		self->m_user_absent[index] = false;
		self->m_counters.user_faults++;
		protect(reinterpret_cast<uint64_t>(self->m_user) + index * k_page, PROT_READ | PROT_WRITE);
		return;
	}
	if (result == KMT_ENGINE_NOT_OURS)
		die("twin: SIGSEGV the engine says is not ours: a real crash in the code under test\n");
	if (result == KMT_ENGINE_ERROR)
		self->m_counters.engine_errors++;
}

void Twin::on_trap(int, siginfo_t *, void *context)
{
	Twin *self = g_twin;
	auto *uc = static_cast<ucontext_t *>(context);
	if (self->m_push_pending &&
	    static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]) == reinterpret_cast<uint64_t>(twin_push_tramp) + 1) {
		// The kernel's int3 entry leaves a gap below the code's stack (int3_emulate_push());
		// here this handler runs on the alternate stack.
		const uint64_t rsp = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RSP]) - 8;
		std::memcpy(reinterpret_cast<void *>(rsp), &self->m_push_value, 8);
		uc->uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(rsp);
		uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(self->m_push_rip);
		self->m_push_pending = false;
		self->m_counters.push_traps++;
		return;
	}
	self->m_counters.trap++;
	kmt_regs regs;
	regs_from_context(uc, &regs);
	const int result = kmt_engine_single_step(&self->m_cpu, &self->m_platform, &regs);
	if (result == KMT_ENGINE_NOT_OURS || result == KMT_ENGINE_PASS_ON)
		self->m_counters.code_traps++;
	if (result != KMT_ENGINE_NOT_OURS)
		regs_to_context(&regs, uc);
}

// As the module (module/pushtramp.c): the push is made after the handler returns, by an int3's
// handler, at the code's RSP.
int Twin::defer_push(void *ctx, kmt_regs *regs, uint64_t value)
{
	auto *self = static_cast<Twin *>(ctx);
	if (self->m_refuse_push || self->m_push_pending)
		return -1;
	self->m_push_pending = true;
	self->m_push_value = value;
	self->m_push_rip = regs->rip;
	regs->rip = reinterpret_cast<uint64_t>(twin_push_tramp);
	regs->gpr[KMT_REG_RSP] += 8;
	return 0;
}

kmt_shadow_block *Twin::lookup(void *ctx, uint64_t page)
{
	auto *self = static_cast<Twin *>(ctx);
	const uint64_t base = reinterpret_cast<uint64_t>(self->m_tracked);
	if (page < base || page >= base + self->tracked_bytes())
		return nullptr;
	return &self->m_blocks[(page - base) / k_page];
}

int Twin::is_tracked(void *ctx, uint64_t page)
{
	return lookup(ctx, page) != nullptr;
}

void Twin::show(void *ctx, uint64_t page)
{
	static_cast<Twin *>(ctx)->m_counters.shows++;
	protect(page, PROT_READ | PROT_WRITE);
}

void Twin::hide(void *ctx, uint64_t page)
{
	static_cast<Twin *>(ctx)->m_counters.hides++;
	protect(page, PROT_NONE);
}

size_t Twin::read_code(void *, uint64_t rip, uint8_t *buf, size_t len)
{
	// Test code lives in this binary's text, which is followed by more text: always readable.
	std::memcpy(buf, reinterpret_cast<const void *>(rip), len);
	return len;
}

int Twin::is_user_address(void *ctx, uint64_t addr)
{
	auto *self = static_cast<Twin *>(ctx);
	const uint64_t base = reinterpret_cast<uint64_t>(self->m_user);
	return addr >= base && addr < base + self->user_bytes();
}

void Twin::report(void *ctx, const kmt_error *error)
{
	auto *self = static_cast<Twin *>(ctx);
	if (self->m_nreports < k_max_reports)
		self->m_reports[self->m_nreports++] = *error;
}

int Twin::copy(void *ctx, uint64_t dst, uint64_t src, uint64_t len)
{
	static_cast<Twin *>(ctx)->m_counters.copies++;
	std::memmove(reinterpret_cast<void *>(dst), reinterpret_cast<const void *>(src), len);
	return 0;
}

// The kernel's raw user copies with page faults disabled: byte by byte up to the first absent
// user page.
uint64_t Twin::copy_user(void *ctx, uint64_t dst, uint64_t src, uint64_t len)
{
	auto *self = static_cast<Twin *>(ctx);
	self->m_counters.user_copies++;
	uint64_t done = 0;
	while (done < len && !self->user_page_absent(dst + done) && !self->user_page_absent(src + done)) {
		*reinterpret_cast<uint8_t *>(dst + done) = *reinterpret_cast<const uint8_t *>(src + done);
		done++;
	}
	return done;
}

} // namespace twin

namespace twin {

// Reads and writes that cannot fault, as copy_from_kernel_nofault() in the kernel: through the
// process's own memory, which reports unmapped or protected addresses as errors.
// Tracked pages, hidden or not, through /proc/self/mem (it reaches PROT_NONE pages, as the
// kernel's alias mapping reaches hidden ones); everything else as the process sees it.
bool Twin::in_tracked(uint64_t addr, uint32_t size) const
{
	return addr >= reinterpret_cast<uint64_t>(m_tracked) && addr + size <= reinterpret_cast<uint64_t>(m_tracked) + tracked_bytes();
}

int Twin::read(void *ctx, uint64_t addr, void *buf, uint32_t size)
{
	const auto *t = static_cast<Twin *>(ctx);
	if (t->in_tracked(addr, size))
		return pread(t->m_mem_fd, buf, size, static_cast<off_t>(addr)) == static_cast<ssize_t>(size) ? 0 : -1;
	struct iovec local = { buf, size }, remote = { reinterpret_cast<void *>(addr), size };
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size) ? 0 : -1;
}

int Twin::write(void *ctx, uint64_t addr, const void *buf, uint32_t size)
{
	const auto *t = static_cast<Twin *>(ctx);
	if (t->in_tracked(addr, size))
		return pwrite(t->m_mem_fd, buf, size, static_cast<off_t>(addr)) == static_cast<ssize_t>(size) ? 0 : -1;
	struct iovec local = { const_cast<void *>(buf), size }, remote = { reinterpret_cast<void *>(addr), size };
	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size) ? 0 : -1;
}

// One thread: a read, a compare and a write are atomic enough.
int Twin::cmpxchg(void *ctx, uint64_t addr, uint32_t size, const void *expected, const void *desired, void *actual)
{
	if (read(ctx, addr, actual, size) != 0)
		return -1;
	if (std::memcmp(actual, expected, size) != 0)
		return 0;
	return write(ctx, addr, desired, size);
}

// The followed code may be stepped while it stays in this program's own text (the C library,
// the dynamic loader and the vDSO are what the kernel's "unsteppable" code is to the module).
extern "C" char __executable_start[], etext[];

int Twin::may_follow(void *, uint64_t rip)
{
	return rip >= reinterpret_cast<uint64_t>(__executable_start) && rip < reinterpret_cast<uint64_t>(etext);
}

// Stack slots: one table (one CPU, one task), the thread's stack.
kmt_stack_slots *Twin::stack_slots(void *ctx)
{
	return &static_cast<Twin *>(ctx)->m_slots;
}

uint64_t Twin::current_task(void *)
{
	return 1;
}

int Twin::is_stack(void *ctx, uint64_t addr)
{
	const auto *t = static_cast<Twin *>(ctx);
	return addr >= t->m_stack_lo && addr < t->m_stack_hi;
}

int Twin::nul_words(void *ctx, uint64_t rip)
{
	const auto *t = static_cast<Twin *>(ctx);
	return rip >= t->m_nul_lo && rip < t->m_nul_hi;
}

} // namespace twin
