/* SPDX-License-Identifier: GPL-2.0 */
/* kmt.h - declarations shared by kmemtrap's C glue files. */
#ifndef KMT_GLUE_H
#define KMT_GLUE_H

#include <linux/types.h>

#define KMT_VERSION "0.1.0"

#undef pr_fmt
#define pr_fmt(fmt) "kmemtrap: " fmt

/* symbols.c: every look-up of an unexported kernel symbol goes through here. */
int kmt_symbols_init(void);
unsigned long kmt_lookup_symbol(const char *name);

/* The #PF hook point: the name found in this kernel and its address (0 if none). */
struct kmt_hook_point {
	const char *name;
	unsigned long addr;
};
int kmt_find_fault_hook(struct kmt_hook_point *hook);

/* core_glue.c: runs the C++ core once at load to prove it is linked and sane. */
int kmt_core_selfcheck(void);
void kmt_core_glue_exit(void);

/* main.c: false once unload has begun; the API then refuses new tracking. */
extern bool kmt_api_open;
/* main.c: oneshot=1 after the first report: disarm and say so (process context). */
void kmt_disarm_oneshot(void);

#endif /* KMT_GLUE_H */
