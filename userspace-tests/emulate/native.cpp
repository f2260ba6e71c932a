// native.cpp - see native.h.
#include "native.h"

#include <sys/mman.h>
#include <unistd.h>

#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace emu {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kSlot = 15;

// Offsets of the stub's variables in the data page.
constexpr size_t kHostRsp = 0;  // the C stack pointer while the instruction runs
constexpr size_t kOutRsp = 8;   // RSP right after the instruction
constexpr size_t kOutTop = 16;  // where the save sequence starts pushing (end of kOut)
constexpr size_t kMarker = 24;  // 1: pad A reached, 2: pad B
constexpr size_t kOut = 64;     // 16 GPRs and RFLAGS, pushed by the save sequence

sigjmp_buf g_jump;
volatile sig_atomic_t g_running = 0;
bool g_handlers = false;
uint8_t g_altstack[64 * 1024];

void on_signal(int sig)
{
	if (g_running) {
		g_running = 0;
		siglongjmp(g_jump, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void install_handlers()
{
	if (g_handlers)
		return;
	stack_t ss = {};
	ss.ss_sp = g_altstack;
	ss.ss_size = sizeof(g_altstack);
	if (sigaltstack(&ss, nullptr) != 0) {
		std::perror("sigaltstack");
		std::abort();
	}
	struct sigaction sa = {};
	sa.sa_handler = on_signal;
	// On the alternate stack: the instruction's RSP may be anything. NODEFER: the handler
	// leaves by siglongjmp without restoring the mask, and the next fault must still arrive.
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (int sig : { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP })
		sigaction(sig, &sa, nullptr);
	g_handlers = true;
}

// A little x86 assembler: bytes, and RIP-relative 32-bit displacements.
class Emitter {
public:
	explicit Emitter(uint8_t *p) : m_p(p) {}
	uint64_t here() const { return reinterpret_cast<uint64_t>(m_p); }
	void bytes(std::initializer_list<uint8_t> b)
	{
		for (uint8_t x : b)
			*m_p++ = x;
	}
	// A disp32 to @target from the end of the instruction, which ends @tail bytes after it.
	void rel32(uint64_t target, unsigned tail = 0)
	{
		int64_t d = static_cast<int64_t>(target - (here() + 4 + tail));
		int32_t v = static_cast<int32_t>(d);
		std::memcpy(m_p, &v, 4);
		m_p += 4;
	}
	void pad_to(uint64_t addr, uint8_t fill)
	{
		while (here() < addr)
			*m_p++ = fill;
	}

private:
	uint8_t *m_p;
};

} // namespace

NativeCpu::NativeCpu()
{
	// At a fixed address when it is free, so that a seed replays the same addresses (only the
	// FS base, glibc's TLS, still moves with ASLR); else anywhere below 2 GiB.
	void *p = mmap(reinterpret_cast<void *>(0x40000000), 4 * kPage, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || p != reinterpret_cast<void *>(0x40000000))
		p = mmap(nullptr, 4 * kPage, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (p == MAP_FAILED) {
		std::perror("mmap");
		std::abort();
	}
	m_map = static_cast<uint8_t *>(p);
	m_code = m_map;
	m_data = m_map + kPage;
	m_arena = m_map + 2 * kPage;
	static_assert(kArenaBytes == 2 * kPage, "the arena is the last two pages");
	install_handlers();

	const uint64_t data = reinterpret_cast<uint64_t>(m_data);
	const uint64_t out_top = data + kOut + 17 * 8;
	std::memcpy(m_data + kOutTop, &out_top, 8);

	Emitter e(m_code);
	m_entry = e.here();
	// Save the C callee-saved registers and the C stack pointer.
	e.bytes({ 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 });
	e.bytes({ 0x48, 0x89, 0x25 }); // mov [rip + host_rsp], rsp
	e.rel32(data + kHostRsp);
	// RFLAGS from state->rflags (offset 128), then every GPR, RDI (the state pointer) last.
	e.bytes({ 0xff, 0xb7, 0x80, 0x00, 0x00, 0x00, 0x9d }); // push [rdi + 128]; popfq
	e.bytes({ 0x48, 0x8b, 0x07 });                       // mov rax, [rdi]
	e.bytes({ 0x48, 0x8b, 0x4f, 0x08 });                 // mov rcx, [rdi + 8]
	e.bytes({ 0x48, 0x8b, 0x57, 0x10 });                 // rdx
	e.bytes({ 0x48, 0x8b, 0x5f, 0x18 });                 // rbx
	e.bytes({ 0x48, 0x8b, 0x67, 0x20 });                 // rsp
	e.bytes({ 0x48, 0x8b, 0x6f, 0x28 });                 // rbp
	e.bytes({ 0x48, 0x8b, 0x77, 0x30 });                 // rsi
	e.bytes({ 0x4c, 0x8b, 0x47, 0x40 });                 // r8
	e.bytes({ 0x4c, 0x8b, 0x4f, 0x48 });                 // r9
	e.bytes({ 0x4c, 0x8b, 0x57, 0x50 });                 // r10
	e.bytes({ 0x4c, 0x8b, 0x5f, 0x58 });                 // r11
	e.bytes({ 0x4c, 0x8b, 0x67, 0x60 });                 // r12
	e.bytes({ 0x4c, 0x8b, 0x6f, 0x68 });                 // r13
	e.bytes({ 0x4c, 0x8b, 0x77, 0x70 });                 // r14
	e.bytes({ 0x4c, 0x8b, 0x7f, 0x78 });                 // r15
	e.bytes({ 0x48, 0x8b, 0x7f, 0x38 });                 // mov rdi, [rdi + 56]
	// The slot: NOPs, then the instruction, which ends at pad A.
	m_slot = e.here();
	e.pad_to(m_slot + kSlot, 0x90);
	m_pad_a = e.here();
	// Pad A: marker = 1; pad B (A + 12): marker = 2. MOV does not touch the flags.
	const uint64_t save = m_pad_a + 24;
	e.bytes({ 0xc6, 0x05 });
	e.rel32(data + kMarker, 1);
	e.bytes({ 0x01, 0xe9 });
	e.rel32(save);
	m_pad_b = e.here();
	e.bytes({ 0xc6, 0x05 });
	e.rel32(data + kMarker, 1);
	e.bytes({ 0x02, 0xe9 });
	e.rel32(save);
	if (m_pad_b != m_pad_a + 12 || e.here() != save) {
		std::fprintf(stderr, "native stub layout broken\n");
		std::abort();
	}
	// Save: RSP first, then push RFLAGS and the GPRs downwards into kOut (RAX lowest).
	e.bytes({ 0x48, 0x89, 0x25 }); // mov [rip + out_rsp], rsp
	e.rel32(data + kOutRsp);
	e.bytes({ 0x48, 0x8b, 0x25 }); // mov rsp, [rip + out_top]
	e.rel32(data + kOutTop);
	e.bytes({ 0x9c });             // pushfq
	e.bytes({ 0x41, 0x57, 0x41, 0x56, 0x41, 0x55, 0x41, 0x54, 0x41, 0x53, 0x41, 0x52, 0x41,
		  0x51, 0x41, 0x50 }); // push r15 .. r8
	e.bytes({ 0x57, 0x56, 0x55, 0x54, 0x53, 0x52, 0x51, 0x50 }); // push rdi .. rax
	e.bytes({ 0xfc });             // cld: the C code expects DF = 0
	e.bytes({ 0x48, 0x8b, 0x25 }); // mov rsp, [rip + host_rsp]
	e.rel32(data + kHostRsp);
	e.bytes({ 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 });
}

NativeCpu::~NativeCpu()
{
	munmap(m_map, 4 * kPage);
}

int NativeCpu::run(const uint8_t *code, size_t len, NativeState *state, uint64_t *rip)
{
	if (len == 0 || len > kSlot)
		return -1;
	std::memset(m_code + (m_slot - m_entry), 0x90, kSlot);
	std::memcpy(m_code + (m_pad_a - len - m_entry), code, len);
	m_data[kMarker] = 0;
	using Entry = void (*)(NativeState *);
	Entry entry = reinterpret_cast<Entry>(m_entry);
	static NativeState in;
	in = *state;
	int sig = sigsetjmp(g_jump, 0);
	if (sig) {
		g_running = 0;
		return sig;
	}
	g_running = 1;
	entry(&in);
	g_running = 0;
	std::memcpy(state, m_data + kOut, sizeof(*state));
	std::memcpy(&state->gpr[4], m_data + kOutRsp, 8); // the pushed RSP was the save area's
	*rip = m_data[kMarker] == 2 ? m_pad_b : m_pad_a;
	return 0;
}

} // namespace emu
