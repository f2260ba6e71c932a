// SPDX-License-Identifier: GPL-2.0
/*
 * callsites.c - direct calls to a kernel function sent to another one by rewriting the call
 * instructions (text_poke_bp(), as static_call and jump labels patch text).
 *
 * isolate.c's use: an ftrace callback on kmalloc is paid by every kmalloc in the kernel (under
 * QEMU TCG, 400-1,100 ns each), while only the calls of the selected modules need to reach the
 * isolating wrapper. Rewriting those calls alone costs the others nothing.
 *
 * Finding the calls: the text is scanned for E8/E9 rel32 whose target is one of the functions;
 * a candidate counts only if decoding its function (kallsyms' extent) from its start with
 * kmt_decode() lands on it, as kprobes checks an address before it probes it. Under text_mutex,
 * the bytes are checked again and rewritten (int3 first, as text_poke_bp() does for every live
 * patch, so other CPUs running the code see either call).
 */
#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/text-patching.h>

#include "kmt.h"
#include "callsites.h"
#include "kmt_decode.h"
#include "symbols.h"

struct kmt_cs_site {
	unsigned long addr;
	const void *owner;
	s32 old_rel, new_rel;
	u8 op; /* 0xe8 CALL, 0xe9 JMP */
	bool init;
};

static typeof(&text_poke_bp) kmt_poke_bp;
static struct mutex *kmt_text_mutex;
static struct kmt_cs_site *kmt_cs;
static unsigned int kmt_cs_n, kmt_cs_cap;

int kmt_cs_init(void)
{
	*(unsigned long *)&kmt_poke_bp = kmt_lookup_symbol("text_poke_bp");
	kmt_text_mutex = (struct mutex *)kmt_lookup_symbol("text_mutex");
	if (!kmt_poke_bp || !kmt_text_mutex) {
		kmt_poke_bp = NULL;
		return -ENOENT;
	}
	return 0;
}

/* The instruction after the one at @s (of a function ending at @e), or 0 if it cannot be decoded. */
static unsigned long kmt_cs_next(unsigned long s, unsigned long e)
{
	struct kmt_insn insn;
	int st = kmt_decode((const uint8_t *)s, min(e - s, (unsigned long)KMT_MAX_INSN_LEN), &insn);

	if ((st != KMT_DECODE_OK && st != KMT_DECODE_UNSUPPORTED) || !insn.length)
		return 0;
	return s + insn.length;
}

static s32 kmt_cs_rel(const void *p)
{
	s32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Whether an instruction of the function that holds @p starts at @p. */
static bool kmt_cs_boundary(unsigned long p)
{
	unsigned long s, e;

	if (!kmt_function_extent(p, &s, &e) || p >= e)
		return false;
	while (s && s < p)
		s = kmt_cs_next(s, e);
	return s == p;
}

bool kmt_cs_jumps_to(unsigned long fn, unsigned long target)
{
	unsigned long s, e, next;

	if (!kmt_function_extent(fn, &s, &e))
		return false;
	for (; s < e && (next = kmt_cs_next(s, e)); s = next)
		if (next - s == 5 && *(const u8 *)s == 0xe9 &&
		    next + (long)kmt_cs_rel((const void *)(s + 1)) == target)
			return true;
	return false;
}

static int kmt_cs_add(const struct kmt_cs_site *s)
{
	if (kmt_cs_n == kmt_cs_cap) {
		unsigned int cap = max(64u, 2 * kmt_cs_cap);
		struct kmt_cs_site *n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL);

		if (!n)
			return -ENOMEM;
		if (kmt_cs_n)
			memcpy(n, kmt_cs, kmt_cs_n * sizeof(*n));
		kvfree(kmt_cs);
		kmt_cs = n;
		kmt_cs_cap = cap;
	}
	kmt_cs[kmt_cs_n++] = *s;
	return 0;
}

/* Under text_mutex: @s's rel32 from @from to @to, if the bytes are still what we expect. */
static bool kmt_cs_write(const struct kmt_cs_site *s, s32 from, s32 to)
{
	u8 cur[5], want[5];

	memcpy(cur, (const void *)s->addr, sizeof(cur));
	if (cur[0] != s->op || kmt_cs_rel(cur + 1) != from)
		return false;
	want[0] = s->op;
	memcpy(want + 1, &to, sizeof(to));
	kmt_poke_bp((void *)s->addr, want, sizeof(want), NULL);
	return true;
}

/*
 * Whether the bytes at @p (in text starting at @start) are a CALL/JMP rel32 to one of @t's
 * functions, of a kind it names: its index, or @nt. (Not yet whether an instruction starts there.)
 */
static unsigned int kmt_cs_match(unsigned long p, unsigned long start, const struct kmt_cs_target *t,
				 unsigned int nt, unsigned long *dst)
{
	u8 op = *(const u8 *)p;
	unsigned int j;

	if (!((p - start) & 0xfffff))
		cond_resched();
	if (op != 0xe8 && op != 0xe9)
		return nt;
	*dst = p + 5 + (long)kmt_cs_rel((const void *)(p + 1));
	for (j = 0; j < nt; j++)
		if (*dst == t[j].fn && (t[j].kinds & (op == 0xe8 ? KMT_CS_CALL : KMT_CS_JMP)))
			break;
	return j;
}

int kmt_cs_count(unsigned long start, unsigned long end, const struct kmt_cs_target *t, unsigned int nt)
{
	unsigned long p, dst;
	int n = 0;

	for (p = start; p + 5 <= end; p++)
		if (kmt_cs_match(p, start, t, nt, &dst) < nt && kmt_cs_boundary(p))
			n++;
	return n;
}

int kmt_cs_redirect(unsigned long start, unsigned long end, const struct kmt_cs_target *t,
		    unsigned int nt, const void *owner, bool init)
{
	unsigned int first = kmt_cs_n, i, j;
	unsigned long p;

	if (!kmt_poke_bp)
		return -ENOENT;
	for (p = start; p + 5 <= end; p++) {
		struct kmt_cs_site s;
		unsigned long dst;
		long rel;
		u8 op = *(const u8 *)p;

		j = kmt_cs_match(p, start, t, nt, &dst);
		if (j == nt)
			continue;
		rel = (long)t[j].repl - (long)(p + 5);
		if (rel != (s32)rel || !kmt_cs_boundary(p))
			continue;
		s = (struct kmt_cs_site){ .addr = p, .owner = owner, .op = op, .init = init,
					  .old_rel = (s32)(dst - (p + 5)), .new_rel = (s32)rel };
		if (kmt_cs_add(&s)) {
			kmt_cs_n = first;
			return -ENOMEM;
		}
	}
	mutex_lock(kmt_text_mutex);
	for (i = first; i < kmt_cs_n;) {
		if (kmt_cs_write(&kmt_cs[i], kmt_cs[i].old_rel, kmt_cs[i].new_rel))
			i++;
		else
			kmt_cs[i] = kmt_cs[--kmt_cs_n]; /* changed meanwhile (a probe): left alone */
	}
	mutex_unlock(kmt_text_mutex);
	return kmt_cs_n - first;
}

bool kmt_cs_has(const void *owner)
{
	unsigned int i;

	for (i = 0; i < kmt_cs_n; i++)
		if (kmt_cs[i].owner == owner)
			return true;
	return false;
}

/* Removes @owner's sites (every owner's for NULL; @init_only: init text's), restored if @put_back. */
static void kmt_cs_drop(const void *owner, bool init_only, bool put_back)
{
	unsigned int i;

	if (put_back)
		mutex_lock(kmt_text_mutex);
	for (i = 0; i < kmt_cs_n;) {
		struct kmt_cs_site *s = &kmt_cs[i];

		if ((owner && s->owner != owner) || (init_only && !s->init)) {
			i++;
			continue;
		}
		if (put_back && !kmt_cs_write(s, s->new_rel, s->old_rel))
			pr_err("call site %pS (%px) was changed by someone else: not restored\n",
			       (void *)s->addr, (void *)s->addr);
		*s = kmt_cs[--kmt_cs_n];
	}
	if (put_back)
		mutex_unlock(kmt_text_mutex);
}

void kmt_cs_restore(const void *owner)
{
	if (kmt_poke_bp)
		kmt_cs_drop(owner, false, true);
}

void kmt_cs_forget(const void *owner, bool init_only)
{
	kmt_cs_drop(owner, init_only, false);
}

void kmt_cs_exit(void)
{
	kmt_cs_restore(NULL);
	kvfree(kmt_cs);
	kmt_cs = NULL;
	kmt_cs_n = kmt_cs_cap = 0;
}
