// Unit tests of the emulator (emulate/kmt_emulate.h): hand-picked cases run natively and
// emulated through the differential runner (edge cases of the SDM and of the CPU the random
// test may hit rarely), and the all-or-nothing contract with faults, races and declines,
// checked directly on the API.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "runner.h"

extern "C" {
#include "kmt_decode.h"
#include "kmt_emulate.h"
}

namespace {

using emu::NativeState;

std::vector<uint8_t> hex(const char *s)
{
	std::vector<uint8_t> b;
	unsigned v;
	int n;
	while (std::sscanf(s, " %2x%n", &v, &n) == 1) {
		b.push_back(static_cast<uint8_t>(v));
		s += n;
	}
	return b;
}

// Natively against emulated, through the differential runner.
class Native : public ::testing::Test {
protected:
	Native() : m_runner(0x1234) {}

	uint64_t arena(uint64_t off) { return reinterpret_cast<uint64_t>(m_runner.cpu().arena()) + off; }
	NativeState state(uint64_t rflags = 0x202)
	{
		NativeState s;
		for (int i = 0; i < 16; i++)
			s.gpr[i] = 0x1111111111111111ull * static_cast<uint64_t>(i + 1);
		s.gpr[KMT_REG_RSP] = arena(0x1800);
		s.rflags = rflags;
		return s;
	}
	void agree(const char *bytes, const NativeState &s)
	{
		EXPECT_EQ(m_runner.run_bytes(hex(bytes), s), "") << bytes;
	}

	emu::Runner m_runner;
};

TEST_F(Native, CmovccWritesTheDestinationEvenWhenFalse)
{
	agree("0f 44 c1", state(0x202));      // cmove eax, ecx, ZF = 0: RAX[63:32] cleared
	agree("48 0f 44 c1", state(0x202));   // cmove rax, rcx, ZF = 0: RAX kept
	agree("0f 44 c1", state(0x242));      // ZF = 1: moved
	NativeState s = state(0x202);
	s.gpr[KMT_REG_RDI] = arena(0x100);
	agree("0f 45 07", s);                 // cmovne eax, [rdi]: loaded
}

TEST_F(Native, CmpxchgRegisterMismatchKeepsTheDestination)
{
	NativeState s = state();
	agree("0f b1 ce", s); // cmpxchg esi, ecx with EAX != ESI: RSI untouched, EAX loaded
	s.gpr[KMT_REG_RAX] = s.gpr[KMT_REG_RSI] & 0xffffffff;
	agree("0f b1 ce", s); // equal: ESI = ECX (zero-extended)
}

TEST_F(Native, StackPointerSpecialCases)
{
	agree("5c", state());             // pop rsp
	agree("54", state());             // push rsp: the old value
	agree("8f 44 24 08", state());    // pop [rsp + 8]: addressed with the new RSP
	agree("ff 74 24 08", state());    // push [rsp + 8]: addressed with the old RSP
	agree("66 50", state());          // push ax
	agree("66 48 50", state());       // REX.W wins over 0x66: push rax
	agree("66 48 6a ff", state());    // push imm8 sign-extended to 64 bits
	agree("66 48 68 00 00 00 80", state()); // REX.W push imm32 (7 bytes)
	NativeState s = state();
	s.gpr[KMT_REG_RBP] = arena(0x1700);
	agree("c9", s);                   // leave
}

TEST_F(Native, ExchangeAndNop)
{
	agree("87 c0", state()); // xchg eax, eax zero-extends RAX
	agree("90", state());    // nop does not
	agree("41 90", state()); // xchg r8d, eax
	agree("86 e0", state()); // xchg al, ah
}

TEST_F(Native, AddressingForms)
{
	NativeState s = state();
	const uint64_t rip = m_runner.cpu().insn_address(7);
	const int32_t disp = static_cast<int32_t>(arena(0x200) - (rip + 7));
	char bytes[64];
	std::snprintf(bytes, sizeof(bytes), "48 8b 05 %02x %02x %02x %02x", disp & 0xff, (disp >> 8) & 0xff,
		      (disp >> 16) & 0xff, (disp >> 24) & 0xff);
	agree(bytes, s); // mov rax, [rip + disp]
	const uint32_t abs = static_cast<uint32_t>(arena(0x300));
	std::snprintf(bytes, sizeof(bytes), "65 48 8b 04 25 %02x %02x %02x %02x", abs & 0xff, (abs >> 8) & 0xff,
		      (abs >> 16) & 0xff, abs >> 24);
	agree(bytes, s); // mov rax, gs:[abs32] (the GS base is 0 in this process)
	agree("64 48 8d 04 25 10 00 00 00", s); // lea rax, fs:[0x10]: no segment base
	s.gpr[KMT_REG_RDI] = (0xdeadbeefull << 32) | static_cast<uint32_t>(arena(0x400));
	agree("67 8b 07", s); // 32-bit address: RDI's upper half ignored
	agree("67 48 8d 47 10", s); // lea with 0x67: a 32-bit result, zero-extended
}

TEST_F(Native, StringsMoveBothWays)
{
	NativeState s = state();
	s.gpr[KMT_REG_RSI] = arena(0x500);
	s.gpr[KMT_REG_RDI] = arena(0x900);
	agree("48 a5", s);           // movsq, DF = 0
	s.rflags |= KMT_FLAG_DF;
	agree("48 a5", s);           // DF = 1: both move back
	agree("66 af", s);           // scasw
	agree("a6", s);              // cmpsb
	agree("ac", s);              // lodsb
	agree("aa", s);              // stosb
	s.gpr[KMT_REG_RSI] |= 0xabcd000000000000ull;
	s.gpr[KMT_REG_RDI] |= 0x1234000000000000ull;
	agree("67 a4", s);           // 32-bit ESI/EDI: upper halves dropped on update
}

TEST_F(Native, BitsAndCounts)
{
	NativeState s = state();
	s.gpr[KMT_REG_RDI] = arena(0x600);
	s.gpr[KMT_REG_RAX] = static_cast<uint64_t>(-70); // bit -70: the qword below
	agree("48 0f a3 07", s);     // bt [rdi], rax
	agree("f0 48 0f ab 07", s);  // lock bts [rdi], rax
	s.gpr[KMT_REG_RAX] = 0xffffffff00000021ull; // 32-bit offset 33: the next dword
	agree("0f b3 07", s);        // btr [rdi], eax
	s.gpr[KMT_REG_RCX] = 0;
	agree("48 0f bc c1", s);     // bsf rax, rcx with a zero source: RAX kept
	agree("0f bd c1", s);        // bsr eax, ecx with a zero source: RAX kept (no zero-extension)
	agree("f3 0f bc c1", s);     // tzcnt eax, ecx of 0: 32
	agree("c1 e0 00", s);        // shl eax, 0: flags kept, but a 32-bit write: RAX[63:32] cleared
	agree("66 0f a4 c8 10", s);  // shld ax, cx, 16
}

TEST_F(Native, Exceptions)
{
	NativeState s = state();
	s.gpr[KMT_REG_RCX] = 0;
	agree("48 f7 f1", s);        // div rcx by 0: UNSUPPORTED and #DE natively
	s.gpr[KMT_REG_RAX] = 0;
	s.gpr[KMT_REG_RDX] = 0x80000000ull;
	s.gpr[KMT_REG_RCX] = 0xffffffffull;
	agree("f7 f9", s);           // idiv ecx: 0x80000000_00000000 / -1 overflows
	s.gpr[KMT_REG_RDI] = arena(0x708);
	agree("48 0f c7 0f", s);     // cmpxchg16b on an 8-byte aligned address: #GP
}

// ---- The contract, on the API ----

struct Memory {
	uint64_t m_base = 0x10000;
	uint8_t m_bytes[256] = {};
	int m_fail_read = 0, m_fail_write = 0, m_fail_cmpxchg = 0; // fail that many calls first
	int m_reads = 0, m_writes = 0, m_cmpxchgs = 0;
	int m_races = 0;     // compare-exchanges that find a racing store first
	uint8_t m_race_value = 0x40;

	uint8_t *at(uint64_t a) { return a >= m_base && a < m_base + sizeof(m_bytes) ? m_bytes + (a - m_base) : nullptr; }
};

int t_read(void *ctx, uint64_t a, void *buf, uint32_t size)
{
	Memory *m = static_cast<Memory *>(ctx);
	m->m_reads++;
	if (m->m_fail_read-- > 0 || !m->at(a))
		return 14;
	std::memcpy(buf, m->at(a), size);
	return 0;
}

int t_write(void *ctx, uint64_t a, const void *buf, uint32_t size)
{
	Memory *m = static_cast<Memory *>(ctx);
	m->m_writes++;
	if (m->m_fail_write-- > 0 || !m->at(a))
		return 14;
	std::memcpy(m->at(a), buf, size);
	return 0;
}

int t_cmpxchg(void *ctx, uint64_t a, uint32_t size, const void *expected, const void *desired, void *actual)
{
	Memory *m = static_cast<Memory *>(ctx);
	m->m_cmpxchgs++;
	if (m->m_fail_cmpxchg-- > 0 || !m->at(a))
		return 14;
	if (m->m_races > 0) {
		m->m_races--;
		m->at(a)[0] += m->m_race_value; // another CPU adds to the low byte
	}
	std::memcpy(actual, m->at(a), size);
	if (std::memcmp(actual, expected, size) == 0)
		std::memcpy(m->at(a), desired, size);
	return 0;
}

class Api : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::memset(&m_regs, 0, sizeof(m_regs));
		for (int i = 0; i < 16; i++)
			m_regs.gpr[i] = 0x100 + i;
		m_regs.gpr[KMT_REG_RDI] = m_mem.m_base + 0x40;
		m_regs.gpr[KMT_REG_RSP] = m_mem.m_base + 0x80;
		m_regs.rip = 0xffffffff81000000ull;
		m_regs.rflags = 0x202;
		for (unsigned i = 0; i < sizeof(m_mem.m_bytes); i++)
			m_mem.m_bytes[i] = static_cast<uint8_t>(i);
	}
	int emulate(const char *bytes)
	{
		std::vector<uint8_t> b = hex(bytes);
		EXPECT_EQ(kmt_decode(b.data(), b.size(), &m_insn), KMT_DECODE_OK) << bytes;
		const kmt_emu_mem mem = { &m_mem, t_read, t_write, t_cmpxchg, &m_fault };
		return kmt_emulate(&m_insn, &m_regs, &mem);
	}
	void expect_unchanged(const kmt_regs &before, const Memory &mem_before)
	{
		EXPECT_EQ(std::memcmp(&m_regs, &before, sizeof(before)), 0);
		EXPECT_EQ(std::memcmp(m_mem.m_bytes, mem_before.m_bytes, sizeof(m_mem.m_bytes)), 0);
	}

	kmt_regs m_regs;
	Memory m_mem;
	kmt_insn m_insn;
	kmt_emu_fault m_fault = {};
};

TEST_F(Api, WriteFaultChangesNothing)
{
	const kmt_regs before = m_regs;
	const Memory mem_before = m_mem;
	m_mem.m_fail_write = 1;
	EXPECT_EQ(emulate("89 07"), KMT_EMU_FAULT); // mov [rdi], eax
	expect_unchanged(before, mem_before);
	EXPECT_EQ(m_fault.addr, m_mem.m_base + 0x40);
	EXPECT_EQ(m_fault.size, 4u);
	EXPECT_EQ(m_fault.access, KMT_EMU_WRITE);
	EXPECT_EQ(m_fault.code, 14);
}

TEST_F(Api, ReadFaultChangesNothing)
{
	const kmt_regs before = m_regs;
	const Memory mem_before = m_mem;
	m_mem.m_fail_read = 1;
	EXPECT_EQ(emulate("48 03 07"), KMT_EMU_FAULT); // add rax, [rdi]
	expect_unchanged(before, mem_before);
	EXPECT_EQ(m_fault.access, KMT_EMU_READ);
}

TEST_F(Api, CallWithFaultingStackChangesNothing)
{
	const kmt_regs before = m_regs;
	const Memory mem_before = m_mem;
	m_mem.m_fail_write = 1;
	EXPECT_EQ(emulate("ff 17"), KMT_EMU_FAULT); // call [rdi]: target read, return push faults
	expect_unchanged(before, mem_before);
	EXPECT_EQ(m_fault.addr, m_mem.m_base + 0x80 - 8);
}

TEST_F(Api, LockedAddRetriesAfterARacingStore)
{
	m_mem.m_races = 1;
	const uint32_t old = 0x43424140; // bytes 0x40..0x43
	EXPECT_EQ(emulate("f0 01 07"), KMT_EMU_OK); // lock add [rdi], eax
	uint32_t now;
	std::memcpy(&now, m_mem.m_bytes + 0x40, 4);
	EXPECT_EQ(now, old + m_mem.m_race_value + 0x100); // computed again from the raced value
	EXPECT_EQ(m_mem.m_cmpxchgs, 2);
	EXPECT_EQ(m_mem.m_writes, 0); // never a plain write
}

TEST_F(Api, XaddReturnsTheRacedValue)
{
	m_mem.m_races = 1;
	EXPECT_EQ(emulate("48 0f c1 07"), KMT_EMU_OK); // xadd [rdi], rax
	uint64_t raced = 0x4746454443424140ull + m_mem.m_race_value;
	EXPECT_EQ(m_regs.gpr[KMT_REG_RAX], raced);
}

TEST_F(Api, ExchangeThatAlwaysLosesGivesUp)
{
	const kmt_regs before = m_regs;
	m_mem.m_races = 1 << 20;
	m_mem.m_race_value = 1;
	Memory mem_before = m_mem;
	EXPECT_EQ(emulate("87 07"), KMT_EMU_UNSUPPORTED); // xchg [rdi], eax
	EXPECT_EQ(std::memcmp(&m_regs, &before, sizeof(before)), 0);
	EXPECT_GT(m_mem.m_cmpxchgs, 1000);
	(void)mem_before;
}

TEST_F(Api, CmpxchgIsOneCompareExchange)
{
	m_regs.gpr[KMT_REG_RAX] = 0x43424140;
	EXPECT_EQ(emulate("0f b1 0f"), KMT_EMU_OK); // cmpxchg [rdi], ecx (not locked)
	EXPECT_EQ(m_mem.m_cmpxchgs, 1);
	EXPECT_TRUE(m_regs.rflags & KMT_FLAG_ZF);
	uint32_t now;
	std::memcpy(&now, m_mem.m_bytes + 0x40, 4);
	EXPECT_EQ(now, 0x101u);
}

TEST_F(Api, Declines)
{
	const kmt_regs before = m_regs;
	const Memory mem_before = m_mem;
	for (const char *b : { "f3 a4", "0f a2", "cc", "0f 0b", "66 0f c8", "9d", "0f 05", "66 c3",
			       "66 e9 00 00 00 00", "f3 48 ab" }) {
		EXPECT_EQ(emulate(b), KMT_EMU_UNSUPPORTED) << b;
		expect_unchanged(before, mem_before);
	}
	m_regs.gpr[KMT_REG_RCX] = 0;
	EXPECT_EQ(emulate("f7 f1"), KMT_EMU_UNSUPPORTED); // div ecx by 0
	m_regs.gpr[KMT_REG_RCX] = ~0ull;
	m_regs.gpr[KMT_REG_RAX] = 0;
	m_regs.gpr[KMT_REG_RDX] = 0x8000000000000000ull;
	EXPECT_EQ(emulate("48 f7 f9"), KMT_EMU_UNSUPPORTED); // idiv rcx: INT128_MIN / -1
	m_regs.gpr[KMT_REG_RDX] = 0xffffffff;
	m_regs.gpr[KMT_REG_RAX] = 0x80000000;
	EXPECT_EQ(emulate("f7 f9"), KMT_EMU_UNSUPPORTED); // idiv ecx: INT64_MIN / -1 in 32 bits
}

TEST_F(Api, BadArguments)
{
	std::vector<uint8_t> b = hex("90");
	ASSERT_EQ(kmt_decode(b.data(), b.size(), &m_insn), KMT_DECODE_OK);
	kmt_emu_mem none = {};
	EXPECT_EQ(kmt_emulate(&m_insn, &m_regs, &none), KMT_EMU_UNSUPPORTED);
	EXPECT_EQ(kmt_emulate(nullptr, &m_regs, &none), KMT_EMU_UNSUPPORTED);
	const kmt_emu_mem mem = { &m_mem, t_read, t_write, t_cmpxchg, nullptr }; // no fault record
	m_mem.m_fail_write = 1;
	ASSERT_EQ(kmt_decode(hex("50").data(), 1, &m_insn), KMT_DECODE_OK);
	EXPECT_EQ(kmt_emulate(&m_insn, &m_regs, &mem), KMT_EMU_FAULT);
	EXPECT_STREQ(kmt_emu_status_str(KMT_EMU_OK), "ok");
	EXPECT_STREQ(kmt_emu_status_str(KMT_EMU_UNSUPPORTED), "not emulated");
	EXPECT_STREQ(kmt_emu_status_str(KMT_EMU_FAULT), "memory fault");
	EXPECT_NE(kmt_emu_status_str(42), nullptr);
}

TEST_F(Api, RipMovesOrBranches)
{
	const uint64_t rip = m_regs.rip;
	EXPECT_EQ(emulate("90"), KMT_EMU_OK);
	EXPECT_EQ(m_regs.rip, rip + 1);
	m_regs.rip = rip;
	EXPECT_EQ(emulate("eb fe"), KMT_EMU_OK); // jmp $
	EXPECT_EQ(m_regs.rip, rip);
	m_regs.rflags |= KMT_FLAG_ZF;
	EXPECT_EQ(emulate("0f 84 00 10 00 00"), KMT_EMU_OK); // je +0x1000
	EXPECT_EQ(m_regs.rip, rip + 6 + 0x1000);
}

} // namespace
