/* SPDX-License-Identifier: GPL-2.0 */
/* arm.h - turning kmemtrap on and off: the one path every caller goes through (arm.c). */
#ifndef KMT_ARM_H
#define KMT_ARM_H

#include <linux/types.h>

/*
 * Arms (every tracked page hidden) or disarms (every page shown) kmemtrap; @why is said in
 * dmesg when it changes anything (NULL: quietly). Re-arming after a disarm forgets the
 * allocator-tracked objects first: their writes while disarmed were not seen. Process context.
 */
void kmt_set_armed(bool armed, const char *why);

#endif /* KMT_ARM_H */
