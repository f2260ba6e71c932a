// SPDX-License-Identifier: GPL-2.0
/*
 * platform.c - the engine's platform callbacks (shadow/kmt_engine.h) in the kernel. All are
 * trap-safe: no locks, no allocation, no printk. ctx is the trap's struct pt_regs.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/task_stack.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/asm.h>
#include <asm/vsyscall.h>

#include "kmt.h"
#include "counters.h"
#include "alias.h"
#include "ktext.h"
#include "stackslots.h"
#include "pages.h"
#include "pushtramp.h"
#include "platform.h"
#include "report.h"

static int kmt_pf_is_tracked(void *ctx, uint64_t page)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page);

	return p && READ_ONCE(p->tracked);
}

static void kmt_pf_show(void *ctx, uint64_t page)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page);

	if (p)
		kmt_page_show_step(p);
}

static void kmt_pf_own(void *ctx, uint64_t addr, uint64_t len)
{
	kmt_pages_own_access((unsigned long)addr, (unsigned long)len);
}

static void kmt_pf_report(void *ctx, const struct kmt_error *e)
{
	kmt_report_error(e, ctx);
}

static void kmt_pf_hide(void *ctx, uint64_t page)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page);

	if (p && !kmt_page_hide_step(p)) {
		const struct kmt_error e = {
			.kind = KMT_ERR_INTERNAL, .reason = KMT_REASON_UNBALANCED,
			.fault_addr = page, .rip = ctx ? ((struct pt_regs *)ctx)->ip : 0,
		};

		kmt_report_error(&e, ctx);
	}
}

/*
 * Reads for the engine (an operand, the instruction bytes: every emulated access does both), never
 * faulting: copy_from_kernel_nofault() inline. The addresses it refuses are refused first, as it
 * does (user space and its guard page, non-canonical addresses, the vsyscall page); then the
 * kernel's __get_kernel_nofault() (an exception-table entry of our own), a unit at a time.
 */
static int kmt_get_kernel_nofault(void *dst, unsigned long src, size_t size)
{
	if (src < TASK_SIZE_MAX + PAGE_SIZE ||
	    (boot_cpu_data.x86_virt_bits && !__is_canonical_address(src, boot_cpu_data.x86_virt_bits)) ||
	    (src & PAGE_MASK) == (VSYSCALL_ADDR & PAGE_MASK))
		return -ERANGE;
	pagefault_disable();
	if (size > 8 && size < 16) { /* the instruction bytes: two words that overlap */
		__get_kernel_nofault(dst, (const void *)src, u64, fault);
		__get_kernel_nofault(dst + size - 8, (const void *)(src + size - 8), u64, fault);
		size = 0;
	}
	for (; size >= 8; dst += 8, src += 8, size -= 8)
		__get_kernel_nofault(dst, (const void *)src, u64, fault);
	if (size >= 4) {
		__get_kernel_nofault(dst, (const void *)src, u32, fault);
		dst += 4, src += 4, size -= 4;
	}
	if (size >= 2) {
		__get_kernel_nofault(dst, (const void *)src, u16, fault);
		dst += 2, src += 2, size -= 2;
	}
	if (size)
		__get_kernel_nofault(dst, (const void *)src, u8, fault);
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}

static size_t kmt_pf_read_code(void *ctx, uint64_t rip, uint8_t *buf, size_t len)
{
	size_t first = min_t(size_t, len, PAGE_SIZE - (rip & ~PAGE_MASK));

	/*
	 * The common case: every byte asked for is on one page of the core kernel's text, which
	 * is always mapped: two plain loads that overlap.
	 */
	if (len > 8 && len <= 16 && first == len && kmt_ktext_in_core(rip)) {
		memcpy(buf, (const void *)rip, 8);
		memcpy(buf + len - 8, (const void *)(rip + len - 8), 8);
		return len;
	}

	if (kmt_get_kernel_nofault(buf, (unsigned long)rip, first))
		return 0;
	if (first < len && !kmt_get_kernel_nofault(buf + first, (unsigned long)(rip + first), len - first))
		return len;
	return first;
}

static int kmt_pf_is_user_address(void *ctx, uint64_t addr)
{
	return addr < TASK_SIZE_MAX;
}

/*
 * Whether every page of [addr, addr+len) is mapped (and writable if @write) in the kernel page
 * tables, so that the batch copy cannot fault inside the trap handler, where a fault would oops
 * (the kprobe is running). Tracked pages among them have just been shown by the engine.
 */
static bool kmt_range_mapped(unsigned long addr, unsigned long len, bool write)
{
	unsigned long page, end = addr + len;

	if (!len || end < addr)
		return !len;
	for (page = addr & PAGE_MASK; page < end; page += PAGE_SIZE) {
		unsigned int level;
		pte_t *pte = lookup_address(page, &level);

		if (!virt_addr_valid((void *)page) && !is_vmalloc_addr((void *)page))
			return false; /* not plain RAM (e.g. I/O mappings): let the CPU do it */
		if (!pte || !pte_present(*pte) || (write && !pte_write(*pte)))
			return false;
	}
	return true;
}

/*
 * Whether every page of [addr, addr+len) can be reached by the engine: mapped now (writable for
 * @write), or a hidden tracked page (reached through the alias; its saved PTE says whether it
 * is writable).
 */
static bool kmt_range_reachable(unsigned long addr, unsigned long len, bool write)
{
	unsigned long page, end = addr + len;

	if (!len || end < addr)
		return !len;
	for (page = addr & PAGE_MASK; page < end; page += PAGE_SIZE) {
		struct kmt_page *p = kmt_page_find(page);

		if (p && kmt_page_needs_alias(p)) {
			if (write && !pte_write(__pte(p->saved)))
				return false;
			continue;
		}
		if (!kmt_range_mapped(page, PAGE_SIZE, write))
			return false;
	}
	return true;
}

static int kmt_kernel_io(unsigned long addr, void *buf, uint32_t size, bool write);
static unsigned long kmt_pf_reach(unsigned long addr);

/* Bytes a batch copy moves at a time through a buffer on the (exception) stack. */
#define KMT_COPY_CHUNK 128

/*
 * Batch mode: a run of MOVS elements between kernel addresses, with memmove's semantics. Hidden
 * tracked pages are reached through the alias, never shown (shown, another CPU could use them
 * unchecked meanwhile), a chunk at a time through a buffer, in the order that keeps memmove's
 * semantics for overlapping ranges.
 */
static int kmt_pf_copy(void *ctx, uint64_t dst, uint64_t src, uint64_t len)
{
	u8 buf[KMT_COPY_CHUNK];
	bool backward = dst > src && dst < src + len;
	uint64_t done = 0;

	if (!kmt_range_reachable(src, len, false) || !kmt_range_reachable(dst, len, true))
		return -EFAULT;
	while (done < len) {
		uint32_t n = min_t(uint64_t, len - done, sizeof(buf));
		uint64_t off = backward ? len - done - n : done;

		if (kmt_kernel_io(src + off, buf, n, false) || kmt_kernel_io(dst + off, buf, n, true))
			return -EFAULT;
		done += n;
	}
	return 0;
}

/*
 * Batch mode, copy_to_user or copy_from_user of tracked kernel memory: the user side through the
 * kernel's raw user copies with page faults disabled (a user page that is not resident is not
 * brought in here, where we must not sleep: the exception table stops the copy, and the CPU
 * faults on that page natively afterwards). Raw: no hardened-usercopy check, which may take the
 * vmap_area lock for a vmalloc address. The kernel side a page at a time, hidden tracked pages
 * through the alias. Returns the bytes copied.
 */
static uint64_t kmt_pf_copy_user(void *ctx, uint64_t dst, uint64_t src, uint64_t len)
{
	bool to_user = dst < TASK_SIZE_MAX;
	unsigned long kaddr = to_user ? src : dst;
	uint64_t done = 0;

	if (!kmt_range_reachable(kaddr, len, !to_user))
		return 0;
	pagefault_disable();
	while (done < len) {
		uint64_t n = min_t(uint64_t, len - done, PAGE_SIZE - ((kaddr + done) & ~PAGE_MASK));
		unsigned long at = kmt_pf_reach(kaddr + done), left;

		if (!at)
			break;
		if (to_user)
			left = raw_copy_to_user((void __user *)(unsigned long)(dst + done), (const void *)at, n);
		else
			left = raw_copy_from_user((void *)at, (const void __user *)(unsigned long)(src + done), n);
		done += n - left;
		if (left)
			break;
	}
	pagefault_enable();
	return done;
}

/*
 * User memory for the engine: raw user copies with page faults disabled, after access_ok (as
 * copy_*_user_nofault() do, but without their hardened-usercopy check of our buffer, which lives
 * on an exception stack). The engine touches a user address only for the instruction it is
 * running, in the context that runs it, so the loaded mm is the one that instruction uses.
 */
static int kmt_user_io(void *kbuf, uint64_t uaddr, uint32_t size, bool to_user)
{
	void __user *u = (void __user *)(unsigned long)uaddr;
	unsigned long left;

	if (!access_ok(u, size))
		return -EFAULT;
	pagefault_disable();
	left = to_user ? raw_copy_to_user(u, kbuf, size) : raw_copy_from_user(kbuf, u, size);
	pagefault_enable();
	return left ? -EFAULT : 0;
}


/*
 * Writes for the engine (a PUSHF's stack slot, the stores of a copy routine it runs), never
 * faulting: copy_to_kernel_nofault() is not exported, so the same with the kernel's
 * __put_kernel_nofault() (an exception-table entry of our own), a unit at a time.
 */
static int kmt_put_kernel_nofault(unsigned long dst, const void *src, size_t size)
{
	int ret = 0;

	pagefault_disable();
	while (size >= 8 && !ret) {
		__put_kernel_nofault((u64 *)dst, (const u64 *)src, u64, fault);
		dst += 8, src += 8, size -= 8;
	}
	while (size >= 1 && !ret) {
		__put_kernel_nofault((u8 *)dst, (const u8 *)src, u8, fault);
		dst += 1, src += 1, size -= 1;
	}
	pagefault_enable();
	return ret;
fault:
	pagefault_enable();
	return -EFAULT;
}

/*
 * Where the engine reaches the byte at kernel address @addr: a hidden (or kmemtrap's read-only)
 * tracked page through this CPU's alias of its frame (alias.c), anything else directly. 0 if it
 * cannot.
 */
static unsigned long kmt_pf_reach(unsigned long addr)
{
	struct kmt_page *p = kmt_page_find(addr);
	unsigned long va;

	if (!p || !kmt_page_needs_alias(p))
		return addr;
	va = kmt_alias_map(p->pfn);
	return va ? va + (addr & ~PAGE_MASK) : 0;
}

/* Kernel memory for the engine, a page at a time, never faulting. */
static int kmt_kernel_io(unsigned long addr, void *buf, uint32_t size, bool write)
{
	while (size) {
		uint32_t chunk = min_t(uint32_t, size, PAGE_SIZE - (addr & ~PAGE_MASK));
		unsigned long at = kmt_pf_reach(addr);

		if (!at)
			return -EFAULT;
		if (write ? kmt_put_kernel_nofault(at, buf, chunk) : kmt_get_kernel_nofault(buf, at, chunk))
			return -EFAULT;
		addr += chunk;
		buf += chunk;
		size -= chunk;
	}
	return 0;
}

/*
 * Reads and writes of the engine: operand values, the stack, the instructions it emulates (an
 * access of it, a copy routine it runs, a PUSHF's stack slot). Tracked pages that are hidden are
 * reached through the alias: they are never shown for an emulated access.
 */
static int kmt_pf_read(void *ctx, uint64_t addr, void *buf, uint32_t size)
{
	if (addr < TASK_SIZE_MAX)
		return kmt_user_io(buf, addr, size, false);
	return kmt_kernel_io(addr, buf, size, false);
}

static int kmt_pf_write(void *ctx, uint64_t addr, const void *buf, uint32_t size)
{
	if (addr < TASK_SIZE_MAX)
		return kmt_user_io((void *)buf, addr, size, true);
	return kmt_kernel_io(addr, (void *)buf, size, true);
}

/*
 * LOCK CMPXCHG that gives -EFAULT instead of an oops if it faults: the page was mapped when
 * looked at, but another CPU may hide it (a new tracked object on it, a quiet page woken) before
 * the instruction runs, and a fault inside our own kprobe handler does not reach that kprobe
 * again (kprobes do not nest), so the exception table entry ends it. *@old: the expected value
 * in, the value found out.
 */
#define kmt_cmpxchg_nofault(ptr, old, new)                                                 \
	({                                                                                 \
		int __err = 0;                                                             \
		typeof(*(ptr)) __o = *(old);                                               \
		asm volatile("1: lock cmpxchg %[nv], %[mem]\n"                             \
			     "2:\n"                                                        \
			     _ASM_EXTABLE_TYPE_REG(1b, 2b, EX_TYPE_EFAULT_REG, %[err])      \
			     : [err] "+r"(__err), [mem] "+m"(*(ptr)), "+a"(__o)            \
			     : [nv] "q"(new)                                               \
			     : "memory");                                                  \
		*(old) = __o;                                                              \
		__err;                                                                     \
	})

/*
 * An atomic compare-exchange for an emulated LOCK instruction, XCHG, XADD or CMPXCHG: the real
 * LOCK CMPXCHG on the same memory (the alias of a hidden page maps the same frame), so it stays
 * atomic against the other CPUs. Kernel memory, 1 to 8 bytes within one page, mapped and writable.
 */
static int kmt_pf_cmpxchg(void *ctx, uint64_t addr, uint32_t size, const void *expected, const void *desired,
			  void *actual)
{
	unsigned long at;

	if (addr < TASK_SIZE_MAX || (addr & ~PAGE_MASK) + size > PAGE_SIZE)
		return -EFAULT;
	at = kmt_pf_reach(addr);
	if (!at || (at == addr && !kmt_range_mapped(addr, size, true)))
		return -EFAULT;
	memcpy(actual, expected, size);
	switch (size) {
	case 1:
		return kmt_cmpxchg_nofault((u8 *)at, (u8 *)actual, *(const u8 *)desired);
	case 2:
		return kmt_cmpxchg_nofault((u16 *)at, (u16 *)actual, *(const u16 *)desired);
	case 4:
		return kmt_cmpxchg_nofault((u32 *)at, (u32 *)actual, *(const u32 *)desired);
	case 8:
		return kmt_cmpxchg_nofault((u64 *)at, (u64 *)actual, *(const u64 *)desired);
	}
	return -EFAULT;
}

/*
 * The engine's direct access to a tracked page (the commonest emulated access): always through
 * this CPU's alias of its frame, never at its own address, which another CPU may hide meanwhile
 * (kmt_cmpxchg_nofault()'s reason); the alias stays mapped until the hook leaves its level.
 */
static void *kmt_pf_page_ptr(void *ctx, uint64_t page)
{
	struct kmt_page *p = kmt_page_find((unsigned long)page);
	unsigned long va;

	if (!p || page & ~PAGE_MASK)
		return NULL;
	va = kmt_alias_map(p->pfn);
	return va ? (void *)va : NULL;
}

/* Instructions the emulator may run on this CPU: F3 0F BC/BD are BSF/BSR without BMI1/LZCNT. */
static int kmt_pf_may_emulate(void *ctx, const struct kmt_insn *insn)
{
	if (insn->op == KMT_OP_TZCNT)
		return boot_cpu_has(X86_FEATURE_BMI1);
	if (insn->op == KMT_OP_LZCNT)
		return boot_cpu_has(X86_FEATURE_ABM);
	return 1;
}

/* Stack slots (stackslots.c): this CPU's table, the current task and its stack. */
static struct kmt_stack_slots *kmt_pf_stack_slots(void *ctx)
{
	return kmt_stackslots_this_cpu();
}

static uint64_t kmt_pf_current_task(void *ctx)
{
	return (uint64_t)(unsigned long)current;
}

static int kmt_pf_is_stack(void *ctx, uint64_t addr)
{
	unsigned long stack = (unsigned long)task_stack_page(current);

	return addr >= stack && addr - stack < THREAD_SIZE;
}

static int kmt_pf_copy_routine(void *ctx, uint64_t rip)
{
	return kmt_ktext_is(KMT_KTEXT_COPY_ROUTINE, rip);
}

static int kmt_pf_nul_words(void *ctx, uint64_t rip)
{
	return kmt_ktext_is(KMT_KTEXT_NUL_WORDS, rip);
}

/* Never step kmemtrap itself, the scheduler, ftrace, the entry and noinstr code, or code made at run time. */
static int kmt_pf_may_follow(void *ctx, uint64_t rip)
{
	return !within_module(rip, THIS_MODULE) && !kmt_ktext_is(KMT_KTEXT_UNSTEPPABLE, rip) &&
	       kmt_ktext_is_code(rip);
}

const struct kmt_engine_platform kmt_platform = {
	.shadow = KMT_SHADOW_MAP,
	.is_tracked = kmt_pf_is_tracked,
	.show = kmt_pf_show,
	.own = kmt_pf_own,
	.hide = kmt_pf_hide,
	.read_code = kmt_pf_read_code,
	.is_user_address = kmt_pf_is_user_address,
	.report = kmt_pf_report,
	.copy = kmt_pf_copy,
	.copy_user = kmt_pf_copy_user,
	.read = kmt_pf_read,
	.write = kmt_pf_write,
	.may_follow = kmt_pf_may_follow,
	.copy_routine = kmt_pf_copy_routine,
	.nul_words = kmt_pf_nul_words,
	.cmpxchg = kmt_pf_cmpxchg,
	.may_emulate = kmt_pf_may_emulate,
	.page_ptr = kmt_pf_page_ptr,
	.defer_push = kmt_push_defer,
	.stack_slots = kmt_pf_stack_slots,
	.current_task = kmt_pf_current_task,
	.is_stack = kmt_pf_is_stack,
};
