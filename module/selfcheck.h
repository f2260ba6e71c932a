/* SPDX-License-Identifier: GPL-2.0 */
/* selfcheck.h - a load-time check of the C++ core (selfcheck.c). */
#ifndef KMT_SELFCHECK_H
#define KMT_SELFCHECK_H

/* Runs the core once to prove it is linked and gives the expected answers. 0 or -EINVAL. */
int kmt_core_selfcheck(void);

#endif /* KMT_SELFCHECK_H */
