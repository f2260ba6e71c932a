/* SPDX-License-Identifier: GPL-2.0 */
/*
 * platform.h - the engine's platform callbacks in the kernel (platform.c): the shadow of tracked
 * pages, showing and hiding them, reading live code, and queuing reports.
 */
#ifndef KMT_PLATFORM_H
#define KMT_PLATFORM_H

#include "kmt_engine.h"

/* The callbacks, with ctx NULL. A copy's ctx must be the trap's struct pt_regs (for reports). */
extern const struct kmt_engine_platform kmt_platform;

#endif /* KMT_PLATFORM_H */
