/* SPDX-License-Identifier: GPL-2.0 */
/* kmt.h - what every C glue file of kmemtrap shares: the message prefix and the version. */
#ifndef KMT_GLUE_H
#define KMT_GLUE_H

#define KMT_VERSION "0.2.0"

#undef pr_fmt
#define pr_fmt(fmt) "kmemtrap: " fmt

#endif /* KMT_GLUE_H */
