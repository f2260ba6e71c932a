// SPDX-License-Identifier: GPL-2.0
/*
 * kmemtrap_selftest.ko - deliberate bugs and clean cases run through kmemtrap's annotation API.
 *
 * Write a case name to /sys/kernel/debug/kmemtrap_selftest/run; the case runs in the writer's
 * context and prints "kmemtrap_selftest: <case>: data ok" when the data (and the shadow states
 * it can see without reading tracked bytes) are right, or "... data WRONG: <why>". Each case
 * in st_cases[] carries the reports kmemtrap must print after it; /sys/kernel/debug/
 * kmemtrap_selftest/cases lists them, and the VM scenario (userspace-tests/vm/scenarios/
 * selftest.sh) runs every listed case and checks that exactly those reports follow it.
 *
 * Each deliberate bad access is in its own noinline function, so the report names the case.
 * Memory is whole pages from the page allocator: nothing else lives on a tracked page.
 */
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kprobes.h>
#include <linux/timer.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <asm/apic.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#include <asm/nmi.h>

#include <kmemtrap/kmemtrap.h>

#define ST "kmemtrap_selftest: "

static struct dentry *st_dir;
static u8 st_ref[2 * PAGE_SIZE];  /* untracked reference copies */
static size_t st_len64 = 64;        /* a size the compiler cannot see */

/* Two contiguous pages, tracked with @state. */
static u8 *st_alloc2(enum kmemtrap_state state)
{
	u8 *p = (u8 *)__get_free_pages(GFP_KERNEL, 1);

	if (!p)
		return NULL;
	memset(p, 0x5a, 2 * PAGE_SIZE); /* untracked yet: a known pattern */
	if (kmemtrap_track(p, 2 * PAGE_SIZE, state)) {
		free_pages((unsigned long)p, 1);
		return NULL;
	}
	return p;
}

static void st_free2(u8 *p)
{
	kmemtrap_untrack(p, 2 * PAGE_SIZE);
	free_pages((unsigned long)p, 1);
}

/* Checks that every byte of [p+off, p+off+len) has @state; returns the first mismatch or -1. */
static long st_states(const u8 *p, size_t off, size_t len, enum kmemtrap_state state)
{
	size_t i;

	for (i = off; i < off + len; i++)
		if (kmemtrap_get_state(p + i) != state)
			return i;
	return -1;
}

/* ---- plain reads ---------------------------------------------------------------------- */

/*
 * The bad reads of uninitialized bytes *use* the value (a compare kmemtrap follows the bytes to):
 * a load alone is not an error, as in real code (docs/design.md, "Following a value").
 */
#define ST_MAGIC 0x6b6d656d74726170ull
static volatile u64 st_sink; /* a side effect inside the function: the branch cannot move out */

static noinline u64 kmt_st_uninit_read(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + 128)) == ST_MAGIC ? ++st_sink : 0;
}

static noinline u64 kmt_st_init_read(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + 136)); /* not +128: GCC folds identical functions */
}

/*
 * PUSH of a word of the object, POP into a register, a branch on it: how 6.1's mprotect_fixup()
 * passes vma fields to vma_merge(). The PUSH's stack write would land in the #PF handler's own
 * frame: an initialized word's push is emulated with the write made at an int3 (pushtramp.c);
 * an uninitialized one is followed through the stack slot to the branch.
 */
static noinline u64 kmt_st_push_use(const u8 *p)
{
	u64 v;

	asm volatile("pushq %1\n\tpopq %0" : "=r"(v) : "m"(*(const u64 *)(p + 144)));
	return v == ST_MAGIC ? ++st_sink : v;
}

static noinline u64 kmt_st_read_first_half(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + 24));
}

static noinline u64 kmt_st_read_second_half(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + 40)) == ST_MAGIC ? ++st_sink : 0;
}

static noinline u64 kmt_st_straddle_read(const u8 *p)
{
	/* Only bytes 4 and 5 (the uninitialized ones, on the second page) decide the compare. */
	return ((READ_ONCE(*(const u64 *)(p + PAGE_SIZE - 4)) >> 32) & 0xffff) == 0x1234 ? ++st_sink : 0;
}

static noinline u64 kmt_st_freed_read(const u8 *p)
{
	return READ_ONCE(*(const u32 *)(p + 256));
}

static noinline u64 kmt_st_unallocated_read(const u8 *p)
{
	return READ_ONCE(*(const u16 *)(p + 300));
}

static noinline u64 kmt_st_vmalloc_read(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + PAGE_SIZE + 200)) == ST_MAGIC ? ++st_sink : 0;
}

static noinline u64 kmt_st_cmpxchg(u8 *p)
{
	return cmpxchg((u64 *)(p + 512), 0, 1);
}

/*
 * Tracks two pages with every byte in @state and reads them with @read, a noinline function of
 * its own, so that the report names it.
 */
static int st_read_in_state(char *why, enum kmemtrap_state state, u64 (*read)(const u8 *p))
{
	u8 *p = st_alloc2(state);

	if (!p)
		return sprintf(why, "no memory");
	read(p);
	st_free2(p);
	return 0;
}

static int st_uninit_read(char *why)
{
	return st_read_in_state(why, KMEMTRAP_UNINITIALIZED, kmt_st_uninit_read);
}

/* Writes @value at @off of a fresh object (the rest uninitialized) and reads it back with @read. */
static int st_read_written(char *why, size_t off, u64 value, u64 (*read)(const u8 *p))
{
	u8 *p = st_alloc2(KMEMTRAP_UNINITIALIZED);
	u64 v;

	if (!p)
		return sprintf(why, "no memory");
	WRITE_ONCE(*(u64 *)(p + off), value);
	v = read(p);
	st_free2(p);
	return v == value ? 0 : sprintf(why, "read %llx", v);
}

static int st_init_read(char *why)
{
	return st_read_written(why, 136, 0x1122334455667788ull, kmt_st_init_read);
}

static int st_push_uninit(char *why)
{
	return st_read_in_state(why, KMEMTRAP_UNINITIALIZED, kmt_st_push_use);
}

static int st_push_init(char *why)
{
	return st_read_written(why, 144, 0x8877665544332211ull, kmt_st_push_use);
}

static int st_memcpy_partial(char *why)
{
	u8 *src = st_alloc2(KMEMTRAP_UNINITIALIZED), *dst = st_alloc2(KMEMTRAP_UNINITIALIZED);
	int ret = 0;
	long bad;
	u64 a;

	if (!src || !dst) {
		ret = sprintf(why, "no memory");
		goto out;
	}
	memset(src, 0x11, 32);           /* bytes 0..31 initialized, 32..63 not */
	/*
	 * Not an error by itself when the copy is a MOVS (the kernel's memcpy: rep movsb or rep
	 * movsq). A constant size would let the compiler inline it as register moves, which read the
	 * uninitialized bytes into registers: kmemtrap (like kmemcheck) reports such loads.
	 */
	memcpy(dst, src, READ_ONCE(st_len64));
	if ((bad = st_states(dst, 0, 32, KMEMTRAP_INITIALIZED)) >= 0 ||
	    (bad = st_states(dst, 32, 32, KMEMTRAP_UNINITIALIZED)) >= 0) {
		ret = sprintf(why, "dst shadow wrong at +%ld", bad);
		goto out;
	}
	a = kmt_st_read_first_half(dst); /* clean */
	kmt_st_read_second_half(dst);    /* uninit-use */
	if (a != 0x1111111111111111ull)
		ret = sprintf(why, "first half read %llx", a);
out:
	if (src)
		st_free2(src);
	if (dst)
		st_free2(dst);
	return ret;
}

static int st_memset(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_UNINITIALIZED);
	long bad;
	int ret = 0;

	if (!p)
		return sprintf(why, "no memory");
	memset(p + 100, 0x77, 3000);
	if ((bad = st_states(p, 100, 3000, KMEMTRAP_INITIALIZED)) >= 0 ||
	    (bad = st_states(p, 3100, 8, KMEMTRAP_UNINITIALIZED)) >= 0)
		ret = sprintf(why, "shadow wrong at +%ld", bad);
	else if (kmt_st_init_read(p + 1000) != 0x7777777777777777ull)
		ret = sprintf(why, "data wrong");
	st_free2(p);
	return ret;
}

static int st_straddle(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_INITIALIZED);

	if (!p)
		return sprintf(why, "no memory");
	/* The second page's first 2 bytes uninitialized: the 8-byte read at -4 takes 4+4. */
	kmemtrap_set_state(p + PAGE_SIZE, 2, KMEMTRAP_UNINITIALIZED);
	kmt_st_straddle_read(p);
	st_free2(p);
	return 0;
}

static int st_freed_read(char *why)
{
	return st_read_in_state(why, KMEMTRAP_FREED, kmt_st_freed_read);
}

static int st_unallocated_read(char *why)
{
	return st_read_in_state(why, KMEMTRAP_UNALLOCATED, kmt_st_unallocated_read);
}

/* kmemtrap_check(): a check "now" reports at its caller and says where the first bad byte is. */
static noinline int kmt_st_check_api(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_INITIALIZED);
	size_t bad = 0;
	int ret = 0;

	if (!p)
		return sprintf(why, "no memory");
	kmemtrap_set_state(p + 70, 3, KMEMTRAP_FREED);
	if (kmemtrap_check(p, 64, NULL) != 0)
		ret = sprintf(why, "an initialized range failed the check");
	else if (kmemtrap_check(p + 64, 64, &bad) != -EFAULT || bad != 6)
		ret = sprintf(why, "check gave the wrong result (first bad byte +%zu)", bad);
	st_free2(p);
	return ret;
}

/* Tracked memory outside the direct map: two vmalloc pages. */
static int st_vmalloc_read(char *why)
{
	u8 *p = vmalloc(2 * PAGE_SIZE);
	int ret = 0;

	if (!p)
		return sprintf(why, "no memory");
	if (kmemtrap_track(p, 2 * PAGE_SIZE, KMEMTRAP_UNINITIALIZED)) {
		vfree(p);
		return sprintf(why, "kmemtrap_track of vmalloc memory failed");
	}
	memset(p, 0x61, PAGE_SIZE + 100);
	if (kmt_st_init_read(p + PAGE_SIZE - 200) != 0x6161616161616161ull)
		ret = sprintf(why, "data wrong");
	kmt_st_vmalloc_read(p); /* uninitialized: uninit-use */
	kmemtrap_untrack(p, 2 * PAGE_SIZE);
	vfree(p);
	return ret;
}

static int st_cmpxchg(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_UNINITIALIZED);
	int ret = 0;

	if (!p)
		return sprintf(why, "no memory");
	/*
	 * Compares with the uninitialized word: a decision on it, reported (uninit-use). The word
	 * holds 0x5a..., not 0, so the cmpxchg fails and writes back what was there: it stays
	 * uninitialized.
	 */
	kmt_st_cmpxchg(p);
	if (st_states(p, 512, 8, KMEMTRAP_UNINITIALIZED) >= 0)
		ret = sprintf(why, "a failed cmpxchg changed the target's state");
	st_free2(p);
	return ret;
}

/* ---- REP string instructions ------------------------------------------------------------ */

static noinline void st_movsb(void *d, const void *s, unsigned long n)
{
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static noinline void st_movsw(void *d, const void *s, unsigned long n)
{
	asm volatile("rep movsw" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static noinline void st_movsl(void *d, const void *s, unsigned long n)
{
	asm volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static noinline void st_movsq(void *d, const void *s, unsigned long n)
{
	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
/* 66 f3 a5: the operand-size prefix before REP (REP not the first byte). */
static noinline void st_movsw_66first(void *d, const void *s, unsigned long n)
{
	asm volatile(".byte 0x66, 0xf3, 0xa5" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
/* Backward: DF=1, addresses of the last element. */
static noinline void st_movsq_back(void *d, const void *s, unsigned long n)
{
	asm volatile("std; rep movsq; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static noinline void st_stosb(void *d, unsigned long n)
{
	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0xa5) : "memory");
}
static noinline void st_stosw(void *d, unsigned long n)
{
	asm volatile("rep stosw" : "+D"(d), "+c"(n) : "a"(0xa5a5) : "memory");
}
static noinline void st_stosl(void *d, unsigned long n)
{
	asm volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(0xa5a5a5a5) : "memory");
}
static noinline void st_stosq(void *d, unsigned long n)
{
	asm volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0xa5a5a5a5a5a5a5a5ull) : "memory");
}

/*
 * Copies @bytes from src+soff to dst+doff with @fn (element size @size), where the source has
 * an uninitialized hole at [hole, hole+16) of the source region; checks data (after untracking)
 * and that the shadow was copied exactly.
 */
static int st_rep_movs_one(char *why, void (*fn)(void *, const void *, unsigned long), int size,
			   size_t soff, size_t doff, size_t bytes, bool backward)
{
	u8 *src = st_alloc2(KMEMTRAP_INITIALIZED), *dst = st_alloc2(KMEMTRAP_UNINITIALIZED);
	size_t i, hole = bytes / 2;
	int ret = 0;
	long bad;

	if (!src || !dst) {
		ret = sprintf(why, "no memory");
		goto out;
	}
	kmemtrap_untrack(src, 2 * PAGE_SIZE);
	for (i = 0; i < 2 * PAGE_SIZE; i++)
		src[i] = (u8)(i * 7 + 3);
	kmemtrap_track(src, 2 * PAGE_SIZE, KMEMTRAP_INITIALIZED);
	kmemtrap_set_state(src + soff + hole, 16, KMEMTRAP_UNINITIALIZED);
	if (backward)
		fn(dst + doff + bytes - size, src + soff + bytes - size, bytes / size);
	else
		fn(dst + doff, src + soff, bytes / size);
	if ((bad = st_states(dst, doff, hole, KMEMTRAP_INITIALIZED)) >= 0 ||
	    (bad = st_states(dst, doff + hole, 16, KMEMTRAP_UNINITIALIZED)) >= 0 ||
	    (bad = st_states(dst, doff + hole + 16, bytes - hole - 16, KMEMTRAP_INITIALIZED)) >= 0 ||
	    (doff && (bad = st_states(dst, doff - 1, 1, KMEMTRAP_UNINITIALIZED)) >= 0) ||
	    (bad = st_states(dst, doff + bytes, 1, KMEMTRAP_UNINITIALIZED)) >= 0) {
		ret = sprintf(why, "size %d soff %zu doff %zu bytes %zu: dst shadow wrong at +%ld",
			      size, soff, doff, bytes, bad);
		goto out;
	}
	kmemtrap_untrack(dst, 2 * PAGE_SIZE); /* read the data back untracked */
	for (i = 0; i < bytes; i++) {
		if (dst[doff + i] != (u8)((soff + i) * 7 + 3)) {
			ret = sprintf(why, "size %d: data wrong at +%zu", size, i);
			break;
		}
	}
	kmemtrap_track(dst, 2 * PAGE_SIZE, KMEMTRAP_INITIALIZED); /* balanced for st_free2 */
out:
	if (src)
		st_free2(src);
	if (dst)
		st_free2(dst);
	return ret;
}

static int st_rep_movs(char *why)
{
	static void (*const fns[])(void *, const void *, unsigned long) = {
		st_movsb, st_movsw, st_movsl, st_movsq };
	/* (source offset, destination offset, bytes): aligned, unaligned, mid-page, page ends. */
	static const size_t shapes[][3] = {
		{ 0, 0, 4096 }, { 8, 8, 4096 }, { 3000, 100, 2048 }, { 4088, 4090, 64 },
		{ 1, 4093, 4000 }, { 100, 3000, 1024 },
	};
	int s, k, ret;

	for (s = 0; s < 4; s++) {
		for (k = 0; k < ARRAY_SIZE(shapes); k++) {
			size_t bytes = shapes[k][2] & ~((size_t)(1 << s) - 1);

			ret = st_rep_movs_one(why, fns[s], 1 << s, shapes[k][0], shapes[k][1], bytes, false);
			if (ret)
				return ret;
		}
	}
	ret = st_rep_movs_one(why, st_movsw_66first, 2, 10, 4000, 2048, false);
	if (ret)
		return ret;
	return st_rep_movs_one(why, st_movsq_back, 8, 16, 4000, 4096, true);
}

static int st_rep_stos(char *why)
{
	static void (*const fns[])(void *, unsigned long) = { st_stosb, st_stosw, st_stosl, st_stosq };
	static const size_t shapes[][2] = { { 0, 4096 }, { 4000, 2048 }, { 4093, 1000 }, { 5, 8000 } };
	int s, k, ret = 0;
	size_t i;

	for (s = 0; s < 4 && !ret; s++) {
		for (k = 0; k < ARRAY_SIZE(shapes) && !ret; k++) {
			u8 *p = st_alloc2(KMEMTRAP_UNINITIALIZED);
			size_t off = shapes[k][0], bytes = shapes[k][1] & ~((size_t)(1 << s) - 1);
			long bad;

			if (!p)
				return sprintf(why, "no memory");
			fns[s](p + off, bytes >> s);
			if ((bad = st_states(p, off, bytes, KMEMTRAP_INITIALIZED)) >= 0 ||
			    (off && (bad = st_states(p, off - 1, 1, KMEMTRAP_UNINITIALIZED)) >= 0) ||
			    (off + bytes < 2 * PAGE_SIZE &&
			     (bad = st_states(p, off + bytes, 1, KMEMTRAP_UNINITIALIZED)) >= 0))
				ret = sprintf(why, "stos size %d off %zu: shadow wrong at +%ld", 1 << s, off, bad);
			kmemtrap_untrack(p, 2 * PAGE_SIZE);
			for (i = 0; i < bytes && !ret; i++)
				if (p[off + i] != 0xa5)
					ret = sprintf(why, "stos size %d: data wrong at +%zu", 1 << s, i);
			if (off && p[off - 1] != 0x5a && !ret)
				ret = sprintf(why, "stos size %d wrote before its start", 1 << s);
			kmemtrap_track(p, 2 * PAGE_SIZE, KMEMTRAP_INITIALIZED);
			st_free2(p);
		}
	}
	return ret;
}

/* The kernel's memmove with overlap, destination above source: a backward copy. */
static int st_memmove_backward(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_INITIALIZED);
	size_t i, n = 5000;
	int ret = 0;

	if (!p)
		return sprintf(why, "no memory");
	kmemtrap_untrack(p, 2 * PAGE_SIZE);
	for (i = 0; i < n; i++)
		p[i] = (u8)(i * 13);
	memcpy(st_ref, p, n);
	kmemtrap_track(p, 2 * PAGE_SIZE, KMEMTRAP_INITIALIZED);
	memmove(p + 40, p, n);
	kmemtrap_untrack(p, 2 * PAGE_SIZE);
	for (i = 0; i < n; i++)
		if (p[40 + i] != st_ref[i]) {
			ret = sprintf(why, "data wrong at +%zu", i);
			break;
		}
	kmemtrap_track(p, 2 * PAGE_SIZE, KMEMTRAP_INITIALIZED);
	st_free2(p);
	return ret;
}

/* 4 KiB memcpy and memset through the kernel's own functions (trap counts are read outside). */
/*
 * Always inlined, so that a constant @n reaches memcpy/memset: GCC then inlines them as rep movsq /
 * rep stosq. With a size it cannot see they are calls to the kernel's functions: rep movsb/stosb
 * on CPUs with ERMS, rep movsq/stosq plus a tail otherwise.
 */
static __always_inline int st_memcpy4k_n(char *why, size_t n)
{
	u8 *src = st_alloc2(KMEMTRAP_INITIALIZED), *dst = st_alloc2(KMEMTRAP_UNINITIALIZED);
	int ret = 0;

	if (!src || !dst)
		ret = sprintf(why, "no memory");
	else
		memcpy(dst, src, n);
	if (!ret && st_states(dst, 0, 4096, KMEMTRAP_INITIALIZED) >= 0)
		ret = sprintf(why, "dst not initialized");
	if (src)
		st_free2(src);
	if (dst)
		st_free2(dst);
	return ret;
}

static __always_inline int st_memset4k_n(char *why, size_t n)
{
	u8 *p = st_alloc2(KMEMTRAP_UNINITIALIZED);
	int ret = 0;

	if (!p)
		return sprintf(why, "no memory");
	memset(p, 0, n);
	if (st_states(p, 0, 4096, KMEMTRAP_INITIALIZED) >= 0)
		ret = sprintf(why, "not initialized");
	st_free2(p);
	return ret;
}

static int st_memcpy4k(char *why)
{
	return st_memcpy4k_n(why, 4096);
}

static int st_memset4k(char *why)
{
	return st_memset4k_n(why, 4096);
}

static int st_memcpy4k_call(char *why)
{
	return st_memcpy4k_n(why, READ_ONCE(st_len64) * 64);
}

static int st_memset4k_call(char *why)
{
	return st_memset4k_n(why, READ_ONCE(st_len64) * 64);
}

/* ---- user copies ---------------------------------------------------------------------- */

static int st_copy_to_user(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_INITIALIZED);
	unsigned long uaddr;
	int ret = 0, i;
	u8 back[64];

	if (!p)
		return sprintf(why, "no memory");
	/* A fresh anonymous mapping: its page is not resident until the copy faults it in. */
	uaddr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(uaddr)) {
		st_free2(p);
		return sprintf(why, "vm_mmap failed");
	}
	memset(p, 0x42, 64);
	kmemtrap_set_state(p + 20, 4, KMEMTRAP_UNINITIALIZED); /* e.g. struct padding */
	if (copy_to_user((void __user *)uaddr, p, 64))
		ret = sprintf(why, "copy_to_user failed");
	else if (copy_from_user(back, (void __user *)uaddr, 64))
		ret = sprintf(why, "copy_from_user failed");
	for (i = 0; i < 64 && !ret; i++)
		if (back[i] != 0x42)
			ret = sprintf(why, "user data wrong at +%d", i);
	vm_munmap(uaddr, PAGE_SIZE);
	st_free2(p);
	return ret;
}

static int st_copy_from_user(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_UNINITIALIZED);
	unsigned long uaddr;
	int ret = 0;
	long bad;
	u8 pattern[200];

	if (!p)
		return sprintf(why, "no memory");
	uaddr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(uaddr)) {
		st_free2(p);
		return sprintf(why, "vm_mmap failed");
	}
	memset(pattern, 0x3c, sizeof(pattern));
	if (copy_to_user((void __user *)(uaddr + 8), pattern, sizeof(pattern)) ||
	    copy_from_user(p + PAGE_SIZE - 100, (void __user *)(uaddr + 8), sizeof(pattern))) {
		ret = sprintf(why, "user copy failed");
	} else if ((bad = st_states(p, PAGE_SIZE - 100, 200, KMEMTRAP_INITIALIZED)) >= 0) {
		ret = sprintf(why, "tracked destination not initialized at +%ld", bad);
	} else if (kmt_st_init_read(p + PAGE_SIZE - 128 + 40) != 0x3c3c3c3c3c3c3c3cull) {
		ret = sprintf(why, "data wrong");
	}
	vm_munmap(uaddr, PAGE_SIZE);
	st_free2(p);
	return ret;
}

/*
 * 4 KiB copy_to_user and copy_from_user of tracked memory, into user pages made resident first
 * (clear_user), for their trap counts: the copy routine of this CPU model (rep movsb with ERMS,
 * rep movsq + tail, or a register loop) on a tracked page.
 */
static int st_user_copy4k(char *why, bool to_user)
{
	u8 *p = st_alloc2(KMEMTRAP_INITIALIZED);
	unsigned long uaddr;
	size_t n = READ_ONCE(st_len64) * 64; /* 4096, unknown to the compiler */
	int ret = 0;
	long bad;

	if (!p)
		return sprintf(why, "no memory");
	uaddr = vm_mmap(NULL, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(uaddr)) {
		st_free2(p);
		return sprintf(why, "vm_mmap failed");
	}
	if (clear_user((void __user *)uaddr, 2 * PAGE_SIZE))
		ret = sprintf(why, "clear_user failed");
	else if (to_user && copy_to_user((void __user *)uaddr, p + 8, n))
		ret = sprintf(why, "copy_to_user failed");
	else if (!to_user) {
		kmemtrap_set_state(p, 2 * PAGE_SIZE, KMEMTRAP_UNINITIALIZED);
		if (copy_from_user(p + 8, (void __user *)uaddr, n))
			ret = sprintf(why, "copy_from_user failed");
		else if ((bad = st_states(p, 8, n, KMEMTRAP_INITIALIZED)) >= 0)
			ret = sprintf(why, "copied byte +%ld not initialized", bad);
	}
	vm_munmap(uaddr, 2 * PAGE_SIZE);
	st_free2(p);
	return ret;
}

static int st_copy_to_user4k(char *why)
{
	return st_user_copy4k(why, true);
}

static int st_copy_from_user4k(char *why)
{
	return st_user_copy4k(why, false);
}

/* ---- the copy routines, each called directly ------------------------------------------ */

/*
 * "routines": every copy routine kmemtrap runs as a whole copy (module/ktext.c) that this kernel
 * has, called directly (its address from kallsyms) between tracked pages whose bytes have mixed
 * states (initialized, uninitialized and unallocated runs): for each routine, length and
 * alignment, the destination must get the source's bytes and exactly its states, byte for byte,
 * the bytes around it must be untouched, and nothing is reported (no byte is used). Each routine
 * found prints "routine <name>: <n> copies, data and states carried".
 */
enum st_abi { ST_COPY, ST_MOVE, ST_SET, ST_RCX };

static const struct {
	const char *name;
	enum st_abi abi;
} st_routines[] = {
	{ "__memcpy", ST_COPY },
	{ "memcpy_orig", ST_COPY },
	{ "memcpy_erms", ST_COPY },
	{ "__memmove", ST_MOVE },
	{ "__memset", ST_SET },
	{ "memset_orig", ST_SET },
	{ "memset_erms", ST_SET },
	{ "copy_user_generic_unrolled", ST_COPY },
	{ "copy_user_generic_string", ST_COPY },
	{ "copy_user_enhanced_fast_string", ST_COPY },
	{ "__copy_user_nocache", ST_COPY },
	{ "rep_movs_alternative", ST_RCX }, /* rdi, rsi, rcx: the registers of REP MOVS */
	{ "copy_to_nontemporal", ST_COPY },
	{ "copy_mc_fragile", ST_COPY },
	{ "copy_mc_enhanced_fast_string", ST_COPY },
};

static unsigned long (*st_kallsyms_lookup_name)(const char *name);

static int st_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret = register_kprobe(&kp);

	if (ret < 0)
		return ret;
	st_kallsyms_lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);
	return 0;
}

static void st_call_routine(unsigned long fn, enum st_abi abi, u8 *dst, const u8 *src, size_t len)
{
	switch (abi) {
	case ST_SET:
		((void *(*)(void *, int, size_t))fn)(dst, 0xa5, len);
		break;
	case ST_RCX: {
		unsigned long rax = fn;

		asm volatile(CALL_NOSPEC
			     : "+D"(dst), "+S"(src), "+c"(len), [thunk_target] "+a"(rax), ASM_CALL_CONSTRAINT
			     : : "memory");
		break;
	}
	default:
		((void *(*)(void *, const void *, size_t))fn)(dst, src, len);
		break;
	}
}

/* The state of source byte @i: runs of each, so that words are partly initialized. */
static enum kmemtrap_state st_pattern_state(size_t i)
{
	if ((i / 3) % 5 == 1)
		return KMEMTRAP_UNINITIALIZED;
	if ((i / 5) % 7 == 3)
		return KMEMTRAP_UNALLOCATED;
	return KMEMTRAP_INITIALIZED;
}

#define ST_RT_PAGES 4
static u8 st_rt_before[ST_RT_PAGES * PAGE_SIZE]; /* the bytes before the call, untracked */
static u8 st_rt_after[ST_RT_PAGES * PAGE_SIZE];  /* the destination read back */
static u8 st_rt_states[2048];

/* One call of @fn: @len bytes from p+@src_off to p+@dst_off. */
static int st_routine_once(u8 *p, const char *name, unsigned long fn, enum st_abi abi, size_t src_off,
			   size_t dst_off, size_t len, char *why)
{
	size_t i;
	int ret = 0;

	/*
	 * The source and destination with 8 bytes around each: known bytes (a copy from untracked
	 * memory initializes them), then the source's states.
	 */
	memcpy(p + src_off - 8, st_rt_before + src_off - 8, len + 16);
	memcpy(p + dst_off - 8, st_rt_before + dst_off - 8, len + 16);
	for (i = 0; i < len; i++) {
		st_rt_states[i] = abi == ST_SET ? KMEMTRAP_INITIALIZED : st_pattern_state(i);
		if (abi != ST_SET)
			kmemtrap_set_state(p + src_off + i, 1, st_pattern_state(i));
	}
	if (abi != ST_MOVE)
		kmemtrap_set_state(p + dst_off, len, KMEMTRAP_UNINITIALIZED);

	st_call_routine(fn, abi, p + dst_off, p + src_off, len);

	for (i = 0; i < len && !ret; i++) {
		enum kmemtrap_state s = kmemtrap_get_state(p + dst_off + i);

		if (s != st_rt_states[i])
			ret = sprintf(why, "%s, %zu bytes +%zu -> +%zu: byte %zu has state %d, not %d", name,
				      len, src_off, dst_off, i, s, st_rt_states[i]);
	}
	for (i = dst_off - 8; i < dst_off + len + 8 && !ret; i++) {
		/* The bytes around the destination: as they were (the source's states inside it). */
		enum kmemtrap_state want = KMEMTRAP_INITIALIZED;

		if (i >= dst_off && i < dst_off + len)
			continue;
		if (abi != ST_SET && i >= src_off && i < src_off + len)
			want = st_pattern_state(i - src_off);
		if (kmemtrap_get_state(p + i) != want)
			ret = sprintf(why, "%s, %zu bytes +%zu -> +%zu: byte +%zu outside the destination changed state",
				      name, len, src_off, dst_off, i);
	}

	/*
	 * The data, copied out to untracked memory (a copy carries uninitialized bytes without a
	 * report; reading them in place would use them).
	 */
	memcpy(st_rt_after + dst_off - 8, p + dst_off - 8, len + 16);
	for (i = dst_off - 8; i < dst_off + len + 8 && !ret; i++) {
		u8 want = st_rt_before[i];

		if (i >= dst_off && i < dst_off + len)
			want = abi == ST_SET ? 0xa5 : st_rt_before[src_off + i - dst_off];
		if (st_rt_after[i] != want)
			ret = sprintf(why, "%s, %zu bytes +%zu -> +%zu: byte +%zu is %#x, not %#x", name, len,
				      src_off, dst_off, i, st_rt_after[i], want);
	}
	return ret;
}

static int st_copy_routines(char *why)
{
	static const size_t lens[] = { 1, 7, 8, 15, 31, 33, 64, 81, 300, 1500 };
	const size_t size = ST_RT_PAGES * PAGE_SIZE;
	u8 *p;
	size_t r, l, a;
	int ret = 0, found = 0;

	if (!st_kallsyms_lookup_name && st_find_kallsyms())
		return sprintf(why, "kallsyms_lookup_name not found");
	p = (u8 *)__get_free_pages(GFP_KERNEL, 2);
	if (!p)
		return sprintf(why, "no memory");
	for (r = 0; r < size; r++)
		st_rt_before[r] = (u8)(r * 131 + 7);
	if (kmemtrap_track(p, size, KMEMTRAP_INITIALIZED)) {
		free_pages((unsigned long)p, 2);
		return sprintf(why, "kmemtrap_track failed");
	}
	for (r = 0; r < ARRAY_SIZE(st_routines) && !ret; r++) {
		unsigned long fn = st_kallsyms_lookup_name(st_routines[r].name);
		enum st_abi abi = st_routines[r].abi;
		int copies = 0;

		if (!fn)
			continue;
		/* An indirect call needs an ENDBR where the kernel enforces IBT: local routines have none. */
		if (cpu_feature_enabled(X86_FEATURE_IBT) && !is_endbr(*(u32 *)fn)) {
			pr_info(ST "routine %s: not called (IBT, no ENDBR)\n", st_routines[r].name);
			continue;
		}
		found++;
		for (l = 0; l < ARRAY_SIZE(lens) && !ret; l++) {
			for (a = 0; a < 4 && !ret; a++) {
				size_t len = lens[l];
				/* Sources and destinations straddle a page boundary once long enough. */
				size_t src = PAGE_SIZE - len / 2 + (a & 1) * 3;
				size_t dst = 3 * PAGE_SIZE - len / 2 + (a & 2) * 5 / 2;

				if (abi == ST_MOVE) /* overlapping, both directions */
					dst = a & 2 ? src + 5 : src - 5;
				ret = st_routine_once(p, st_routines[r].name, fn, abi, src, dst, len, why);
				copies++;
			}
		}
		if (!ret)
			pr_info(ST "routine %s: %d copies, data and states carried\n", st_routines[r].name, copies);
	}
	kmemtrap_untrack(p, size);
	free_pages((unsigned long)p, 2);
	if (!ret && found < 4)
		ret = sprintf(why, "only %d copy routines found", found);
	return ret;
}

/* ---- tracked memory touched from hardirq and softirq context ------------------------ */

/*
 * "hold" tracks two pages (initialized) and starts an hrtimer (hardirq context) and a timer
 * (softirq context) that read and write them every millisecond, until "release" or module
 * unload. Used by the load/unload stress scenario: traps from interrupt context while
 * userspace runs a workload and kmemtrap is loaded and unloaded.
 */
static u8 *st_held;
static struct hrtimer st_hrtimer;
static struct timer_list st_timer;
static atomic_long_t st_irq_touches;
static bool st_holding;

static enum hrtimer_restart st_hrtimer_fn(struct hrtimer *t)
{
	u64 *w = (u64 *)st_held;

	WRITE_ONCE(w[3], READ_ONCE(w[2]) + 1);
	atomic_long_inc(&st_irq_touches);
	hrtimer_forward_now(t, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

static void st_timer_fn(struct timer_list *t)
{
	u64 *w = (u64 *)(st_held + PAGE_SIZE - 4);

	WRITE_ONCE(*w, READ_ONCE(*w) + 1); /* straddles the two pages */
	atomic_long_inc(&st_irq_touches);
	mod_timer(t, jiffies + 1);
}

static void st_release(void)
{
	if (!st_holding)
		return;
	hrtimer_cancel(&st_hrtimer);
	del_timer_sync(&st_timer);
	st_free2(st_held);
	st_held = NULL;
	st_holding = false;
	pr_info(ST "released; %ld touches from interrupt context\n", atomic_long_read(&st_irq_touches));
}

static int st_hold(char *why)
{
	if (st_holding)
		return 0;
	st_held = st_alloc2(KMEMTRAP_INITIALIZED);
	if (!st_held)
		return sprintf(why, "no memory");
	st_holding = true;
	hrtimer_init(&st_hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	st_hrtimer.function = st_hrtimer_fn;
	hrtimer_start(&st_hrtimer, ms_to_ktime(1), HRTIMER_MODE_REL);
	timer_setup(&st_timer, st_timer_fn, 0);
	mod_timer(&st_timer, jiffies + 1);
	return 0;
}

static int st_release_case(char *why)
{
	st_release();
	return 0;
}

/* ---- NMI context ------------------------------------------------------------------- */

/*
 * "nmi": an NMI sent to this CPU (through the local APIC) whose handler reads a tracked
 * uninitialized word and writes a tracked word: the fault and the single step then happen in
 * NMI context. Expect one uninit-use report in kmt_st_nmi_read.
 */
static u8 *st_nmi_buf;
static atomic_t st_nmi_hits;

static noinline u64 kmt_st_nmi_read(const u8 *p)
{
	return READ_ONCE(*(const u64 *)(p + 64)) == ST_MAGIC ? ++st_sink : 0;
}

static int st_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	u8 *p = READ_ONCE(st_nmi_buf);

	if (!p)
		return NMI_DONE;
	WRITE_ONCE(*(u64 *)(p + 128), kmt_st_nmi_read(p));
	WRITE_ONCE(st_nmi_buf, NULL);
	atomic_inc(&st_nmi_hits);
	return NMI_HANDLED;
}

static int st_nmi(char *why)
{
	u8 *p = st_alloc2(KMEMTRAP_UNINITIALIZED);
	int ret = 0, i;

	if (!p)
		return sprintf(why, "no memory");
	atomic_set(&st_nmi_hits, 0);
	if (register_nmi_handler(NMI_LOCAL, st_nmi_handler, 0, "kmt_selftest")) {
		st_free2(p);
		return sprintf(why, "register_nmi_handler failed");
	}
	WRITE_ONCE(st_nmi_buf, p);
	apic->send_IPI_self(NMI_VECTOR);
	for (i = 0; i < 1000 && !atomic_read(&st_nmi_hits); i++)
		udelay(100);
	WRITE_ONCE(st_nmi_buf, NULL);
	unregister_nmi_handler(NMI_LOCAL, "kmt_selftest");
	if (!atomic_read(&st_nmi_hits))
		ret = sprintf(why, "the NMI never ran");
	else if (st_states(p, 128, 8, KMEMTRAP_INITIALIZED) >= 0)
		ret = sprintf(why, "the NMI's write did not mark the word initialized");
	st_free2(p);
	return ret;
}


/*
 * /sys/kernel/debug/kmemtrap_selftest/routines lists the copy routines this kernel has (one name
 * a line); writing a name to .../routine runs one copy of 4096 + 13 bytes with it between two
 * tracked buffers, each straddling a page boundary (two pages an operand), so that the scenario
 * can count the traps it takes ("KMT-ROUTINE-TRAPS" lines).
 */
static int st_routine_one(const char *name, char *why)
{
	const size_t size = ST_RT_PAGES * PAGE_SIZE, len = PAGE_SIZE + 13;
	unsigned long fn = 0;
	enum st_abi abi = ST_COPY;
	size_t r;
	u8 *p;

	if (!st_kallsyms_lookup_name && st_find_kallsyms())
		return sprintf(why, "kallsyms_lookup_name not found");
	for (r = 0; r < ARRAY_SIZE(st_routines); r++) {
		if (!strcmp(name, st_routines[r].name)) {
			fn = st_kallsyms_lookup_name(st_routines[r].name);
			abi = st_routines[r].abi;
		}
	}
	if (!fn)
		return sprintf(why, "no routine %s in this kernel", name);
	if (cpu_feature_enabled(X86_FEATURE_IBT) && !is_endbr(*(u32 *)fn))
		return sprintf(why, "not called (IBT, no ENDBR)");
	p = (u8 *)__get_free_pages(GFP_KERNEL, 2);
	if (!p)
		return sprintf(why, "no memory");
	memset(p, 0x3c, size);
	if (kmemtrap_track(p, size, KMEMTRAP_INITIALIZED)) {
		free_pages((unsigned long)p, 2);
		return sprintf(why, "kmemtrap_track failed");
	}
	/* Source [100, 100 + len) over pages 0-1, destination 2 pages on, over pages 2-3. */
	st_call_routine(fn, abi == ST_MOVE ? ST_COPY : abi, p + 2 * PAGE_SIZE + 50, p + 100, len);
	kmemtrap_untrack(p, size);
	free_pages((unsigned long)p, 2);
	return 0;
}

static ssize_t st_routine_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char name[48], why[160] = "";

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = 0;
	strim(name);
	if (st_routine_one(name, why)) {
		pr_err(ST "routine %s: %s\n", name, why);
		return -EINVAL;
	}
	return len;
}

static const struct file_operations st_routine_fops = {
	.owner = THIS_MODULE,
	.write = st_routine_write,
	.llseek = default_llseek,
};

static int st_routines_show(struct seq_file *m, void *unused)
{
	size_t r;

	if (!st_kallsyms_lookup_name && st_find_kallsyms())
		return 0;
	for (r = 0; r < ARRAY_SIZE(st_routines); r++)
		if (st_kallsyms_lookup_name(st_routines[r].name))
			seq_printf(m, "%s\n", st_routines[r].name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(st_routines);

/* ---- the case table ------------------------------------------------------------------ */

/*
 * Each case with what kmemtrap must report after it, and nothing else: "kind function" pairs
 * (the function without offset or GCC clone suffix). Sites are reported once per (kind, code
 * address), so a deliberate bug runs in one REP mode only; clean and REP cases run in both.
 * Cases with trap limits (step, batch) print their trap counts (KMT-TRAPS lines), and the scenario
 * fails if a count is above its limit: the limits are the counts measured (deterministic: the
 * same on every CPU model and kernel), so a rise is a regression to look at. Cases in no mode are run by
 * other scenarios (hold/release: the load/unload stress test).
 */
#define ST_STEP  0x1 /* run in rep_mode=step */
#define ST_BATCH 0x2 /* run in rep_mode=batch */
#define ST_BOTH (ST_STEP | ST_BATCH)
#define ST_MAX_EXPECT 2

static const struct st_case {
	const char *name;
	int (*fn)(char *why);
	unsigned int flags;
	const char *expect[ST_MAX_EXPECT];
	unsigned short max_traps[2]; /* step, batch; { 0, 0 }: not counted */
} st_cases[] = {
	{ "uninit_read", st_uninit_read, ST_STEP, { "uninit-use kmt_st_uninit_read" } },
	{ "memcpy_partial", st_memcpy_partial, ST_STEP, { "uninit-use kmt_st_read_second_half" } },
	{ "straddle", st_straddle, ST_STEP, { "uninit-use kmt_st_straddle_read" } },
	{ "copy_to_user", st_copy_to_user, ST_STEP, { "infoleak st_copy_to_user" } },
	{ "cmpxchg", st_cmpxchg, ST_STEP, { "uninit-use kmt_st_cmpxchg" } },
	{ "freed_read", st_freed_read, ST_STEP, { "freed-read kmt_st_freed_read" } },
	{ "unallocated_read", st_unallocated_read, ST_STEP, { "unallocated-read kmt_st_unallocated_read" } },
	{ "nmi", st_nmi, ST_STEP, { "uninit-use kmt_st_nmi_read" } },
	{ "vmalloc_read", st_vmalloc_read, ST_STEP, { "uninit-use kmt_st_vmalloc_read" } },
	{ "check_api", kmt_st_check_api, ST_STEP, { "freed-read kmt_st_check_api" } },
	{ "push_uninit", st_push_uninit, ST_STEP, { "uninit-use kmt_st_push_use" } },
	{ "init_read", st_init_read, ST_BOTH },
	{ "push_init", st_push_init, ST_BOTH, {}, { 4, 4 } }, /* the store and the push, each stepped with emulate=0 */
	{ "memset", st_memset, ST_BOTH },
	{ "rep_movs", st_rep_movs, ST_BOTH },
	{ "rep_stos", st_rep_stos, ST_BOTH },
	{ "memmove_backward", st_memmove_backward, ST_BOTH },
	{ "copy_from_user", st_copy_from_user, ST_BOTH },
	{ "memcpy4k", st_memcpy4k, ST_BOTH, {}, { 520, 9 } },
	{ "memset4k", st_memset4k, ST_BOTH, {}, { 516, 5 } },
	{ "memcpy4k_call", st_memcpy4k_call, ST_BOTH, {}, { 2, 2 } },
	{ "memset4k_call", st_memset4k_call, ST_BOTH, {}, { 2, 2 } },
	{ "copy_to_user4k", st_copy_to_user4k, ST_BOTH, {}, { 2, 2 } },
	{ "copy_from_user4k", st_copy_from_user4k, ST_BOTH, {}, { 2, 2 } },
	{ "routines", st_copy_routines, ST_BOTH },
	{ "hold", st_hold, 0 },
	{ "release", st_release_case, 0 },
};

static ssize_t st_run_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char name[32], why[160] = "";
	size_t i;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = 0;
	strim(name);
	for (i = 0; i < ARRAY_SIZE(st_cases); i++) {
		if (strcmp(name, st_cases[i].name))
			continue;
		if (st_cases[i].fn(why))
			pr_err(ST "%s: data WRONG: %s\n", name, why);
		else
			pr_info(ST "%s: data ok\n", name);
		return len;
	}
	pr_err(ST "no case named '%s'\n", name);
	return -EINVAL;
}

static const struct file_operations st_run_fops = {
	.owner = THIS_MODULE,
	.write = st_run_write,
	.llseek = default_llseek,
};

/*
 * /sys/kernel/debug/kmemtrap_selftest/cases: one line per case,
 *   <name> <modes> <traps> [<kind>:<function> ...]
 * with <modes> "step", "batch", "step,batch" or "-", and <traps> the most traps the case may take
 * in step and in batch mode ("<step>/<batch>"), or "-" if they are not counted. The scenario only loops over these lines.
 */
static int st_cases_show(struct seq_file *m, void *unused)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(st_cases); i++) {
		const struct st_case *c = &st_cases[i];
		unsigned int modes = c->flags & ST_BOTH;

		seq_printf(m, "%s %s ", c->name,
			   modes == ST_BOTH ? "step,batch" : modes == ST_STEP ? "step" :
			   modes == ST_BATCH ? "batch" : "-");
		if (c->max_traps[0] || c->max_traps[1])
			seq_printf(m, "%u/%u", c->max_traps[0], c->max_traps[1]);
		else
			seq_putc(m, '-');
		for (j = 0; j < ST_MAX_EXPECT && c->expect[j]; j++) {
			const char *sp = strchr(c->expect[j], ' ');

			seq_printf(m, " %.*s:%s", (int)(sp - c->expect[j]), c->expect[j], sp + 1);
		}
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(st_cases);

static int __init st_init(void)
{
	st_dir = debugfs_create_dir("kmemtrap_selftest", NULL);
	debugfs_create_file("run", 0200, st_dir, NULL, &st_run_fops);
	debugfs_create_file("cases", 0444, st_dir, NULL, &st_cases_fops);
	debugfs_create_file("routines", 0444, st_dir, NULL, &st_routines_fops);
	debugfs_create_file("routine", 0200, st_dir, NULL, &st_routine_fops);
	pr_info(ST "ready: %zu cases in /sys/kernel/debug/kmemtrap_selftest/run\n", ARRAY_SIZE(st_cases));
	return 0;
}

static void __exit st_exit(void)
{
	st_release();
	debugfs_remove_recursive(st_dir);
}

module_init(st_init);
module_exit(st_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemtrap self-test: deliberate bugs and clean cases");
