/* SPDX-License-Identifier: GPL-2.0 */
/* assert.h - the C++ core's assertion hook in the kernel (assert.c). */
#ifndef KMT_ASSERT_GLUE_H
#define KMT_ASSERT_GLUE_H

/* Waits for a deferred assertion warning to be printed (unload). */
void kmt_assert_exit(void);

#endif /* KMT_ASSERT_GLUE_H */
