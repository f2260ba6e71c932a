// SPDX-License-Identifier: GPL-2.0
/*
 * faultsites.c - faults counted by instruction (fault_sites=1; see faultsites.h).
 *
 * A fixed open-addressing table, allocated at load and never resized: an entry is claimed for
 * an instruction address with cmpxchg and never given back, and its counts are atomic, so the
 * fault handler (any context, NMI included) takes no lock and allocates nothing. A fault whose
 * instruction finds no entry within KMT_SITES_PROBES slots is counted as lost. The debugfs
 * file copies the table and sorts the copy, in process context.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "kmt.h"
#include "faultsites.h"
#include "pages.h"

#define KMT_SITES_BITS 13 /* 8,192 instructions */
#define KMT_SITES (1u << KMT_SITES_BITS)
#define KMT_SITES_PROBES 32
#define KMT_SITES_SHOWN 100

struct kmt_fault_site {
	unsigned long ip;
	atomic_long_t loads, stores;
};

struct kmt_fault_site *kmt_fault_sites;
static atomic_long_t kmt_sites_lost;

int kmt_fault_sites_init(bool on)
{
	struct kmt_fault_site *t;

	if (!on)
		return 0;
	t = vzalloc(array_size(KMT_SITES, sizeof(*t)));
	if (!t) {
		pr_err("cannot allocate the fault_sites table\n");
		return -ENOMEM;
	}
	/* The trap path must never fault on its own data (vmalloc space is not tracked anyway). */
	kmt_pages_exclude(t, array_size(KMT_SITES, sizeof(*t)));
	atomic_long_set(&kmt_sites_lost, 0);
	WRITE_ONCE(kmt_fault_sites, t);
	return 0;
}

void kmt_fault_sites_exit(void)
{
	struct kmt_fault_site *t = kmt_fault_sites;

	WRITE_ONCE(kmt_fault_sites, NULL);
	vfree(t);
}

void kmt_fault_site_count(unsigned long ip, bool write)
{
	u32 h = hash_long(ip, KMT_SITES_BITS), i;

	for (i = 0; i < KMT_SITES_PROBES; i++, h = (h + 1) & (KMT_SITES - 1)) {
		struct kmt_fault_site *e = &kmt_fault_sites[h];
		unsigned long have = READ_ONCE(e->ip);

		if (!have)
			have = cmpxchg(&e->ip, 0, ip) ?: ip;
		if (have == ip) {
			atomic_long_inc(write ? &e->stores : &e->loads);
			return;
		}
	}
	atomic_long_inc(&kmt_sites_lost);
}

struct kmt_site_copy {
	unsigned long ip;
	long loads, stores;
};

static int kmt_site_cmp(const void *a, const void *b)
{
	const struct kmt_site_copy *x = a, *y = b;
	long nx = x->loads + x->stores, ny = y->loads + y->stores;

	return nx < ny ? 1 : nx > ny ? -1 : 0;
}

int kmt_fault_sites_show(struct seq_file *m, void *unused)
{
	struct kmt_site_copy *c;
	long total = 0;
	u32 i, n = 0;

	if (!kmt_fault_sites) {
		seq_puts(m, "off (load kmemtrap with fault_sites=1)\n");
		return 0;
	}
	c = kvmalloc_array(KMT_SITES, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	for (i = 0; i < KMT_SITES; i++) {
		unsigned long ip = READ_ONCE(kmt_fault_sites[i].ip);

		if (!ip)
			continue;
		c[n].ip = ip;
		c[n].loads = atomic_long_read(&kmt_fault_sites[i].loads);
		c[n].stores = atomic_long_read(&kmt_fault_sites[i].stores);
		total += c[n].loads + c[n].stores;
		n++;
	}
	sort(c, n, sizeof(*c), kmt_site_cmp, NULL);
	seq_printf(m, "faults %ld sites %u lost %ld\n", total, n, atomic_long_read(&kmt_sites_lost));
	for (i = 0; i < n && i < KMT_SITES_SHOWN; i++)
		seq_printf(m, "%ld loads %ld stores %ld %pS\n", c[i].loads + c[i].stores, c[i].loads, c[i].stores,
			   (void *)c[i].ip);
	kvfree(c);
	return 0;
}
