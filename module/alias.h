/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alias.h - per-CPU alias mappings of tracked pages (alias.c): the engine reads and writes a
 * hidden page through a second virtual address that only this CPU uses, so the page itself is
 * never shown for an emulated access.
 */
#ifndef KMT_ALIAS_H
#define KMT_ALIAS_H

#include <linux/types.h>

/* Reserves the alias addresses of every possible CPU. Process context. */
int kmt_alias_init(void);
/* Unmaps them; call once no trap handler can run. */
void kmt_alias_exit(void);

/*
 * A trap handler of this CPU starts (enter) and ends (exit): each nesting level (an NMI inside a
 * #DB...) has alias addresses of its own. Interrupts off. Returns false when nested too deep
 * (kmt_alias_map() then fails).
 */
bool kmt_alias_enter(void);
void kmt_alias_exit_level(void);

/*
 * The address of page frame @pfn through one of this CPU's alias addresses at the current level,
 * valid until the level maps KMT_ALIAS_WAYS other frames or exits; 0 if none is available.
 * Trap-safe (interrupts off): a local invlpg when the address is re-pointed.
 */
unsigned long kmt_alias_map(unsigned long pfn);

#endif /* KMT_ALIAS_H */
