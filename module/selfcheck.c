// SPDX-License-Identifier: GPL-2.0
/*
 * selfcheck.c - a load-time check that the C++ core (emulate/ and shadow/) is linked in and
 * gives the expected answers: one decode and one shadow check, on kmemtrap's own memory.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "kmt.h"
#include "kmt_decode.h"
#include "kmt_shadow.h"
#include "selfcheck.h"

static struct kmt_shadow_block kmt_selfcheck_block;
static u8 kmt_selfcheck_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static struct kmt_shadow_block *kmt_selfcheck_lookup(void *ctx, uint64_t page_addr)
{
	return page_addr == (uint64_t)(unsigned long)kmt_selfcheck_page ? &kmt_selfcheck_block : NULL;
}

int kmt_core_selfcheck(void)
{
	/* rep movsq with REX.W after the REP prefix: the instruction the REP logic is built for. */
	static const u8 rep_movsq[] = { 0xf3, 0x48, 0xa5 };
	const struct kmt_shadow_map map = { .lookup = kmt_selfcheck_lookup, .ctx = NULL };
	uint64_t base = (uint64_t)(unsigned long)kmt_selfcheck_page;
	struct kmt_insn insn;
	enum kmt_shadow_state state;
	uint64_t bad = 0;
	int st;

	st = kmt_decode(rep_movsq, sizeof(rep_movsq), &insn);
	if (st != KMT_DECODE_OK || insn.length != 3 || insn.insn_class != KMT_CLASS_MOVS ||
	    insn.nmem != 2 || insn.rep != KMT_REP_REP || insn.rep_offset != 0 || insn.opsize != 8) {
		pr_err("core self-check: decoder gave status %d (%s), length %u, class %u for f3 48 a5\n",
		       st, kmt_decode_status_str(st), insn.length, insn.insn_class);
		return -EINVAL;
	}

	kmt_shadow_block_init(&kmt_selfcheck_block, KMT_SHADOW_UNALLOCATED);
	kmt_shadow_set(&map, base, 64, KMT_SHADOW_INIT);
	kmt_shadow_set(&map, base + 40, 8, KMT_SHADOW_UNINIT);
	if (!kmt_shadow_check(&map, base, 64, &bad, &state) || bad != base + 40 ||
	    state != KMT_SHADOW_UNINIT || kmt_shadow_check(&map, base, 40, NULL, NULL)) {
		pr_err("core self-check: shadow check gave the wrong first bad byte (+%llu, state %d)\n",
		       (unsigned long long)(bad - base), state);
		return -EINVAL;
	}
	return 0;
}
