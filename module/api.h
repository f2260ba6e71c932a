/* SPDX-License-Identifier: GPL-2.0 */
/* api.h - the exported annotation API's switch (api.c; the API itself is include/kmemtrap/kmemtrap.h). */
#ifndef KMT_API_H
#define KMT_API_H

#include <linux/types.h>

/* Open: the API tracks memory. Closed (before load completes and once unload begins): -ENODEV. */
void kmt_api_set_open(bool open);

#endif /* KMT_API_H */
