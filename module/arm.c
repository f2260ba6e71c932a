// SPDX-License-Identifier: GPL-2.0
/*
 * arm.c - arming and disarming (see arm.h). Whether kmemtrap is armed is kept by pages.c
 * (kmt_pages_armed()), which hides pages; this is the one place that changes it.
 */
#include <linux/mutex.h>

#include "kmt.h"
#include "arm.h"
#include "objects.h"
#include "pages.h"

static DEFINE_MUTEX(kmt_arm_mutex);

void kmt_set_armed(bool armed, const char *why)
{
	bool was;

	mutex_lock(&kmt_arm_mutex);
	was = kmt_pages_armed();
	if (armed && !was)
		kmt_objects_forget();
	kmt_pages_set_armed(armed);
	mutex_unlock(&kmt_arm_mutex);
	if (why && armed != was)
		pr_info("%s: %s\n", armed ? "armed" : "disarmed", why);
}
