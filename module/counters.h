/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counters.h - every event counter of kmemtrap, in one table (counters.c).
 *
 * The engine's own counters live in the core (struct kmt_engine_counters, per CPU and slot);
 * they come first in the table and are filled from the engine's sum when the table is read. The
 * glue's counters are atomics incremented where the event happens (trap-safe). The debugfs
 * counters file and the unload line both loop over kmt_counter_names[].
 */
#ifndef KMT_COUNTERS_H
#define KMT_COUNTERS_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "kmt_engine.h"

enum kmt_counter_id {
	/* The engine's (struct kmt_engine_counters), in its field order. */
	KMT_CNT_FAULTS_HANDLED,
	KMT_CNT_FAULTS_PASSED_ON,
	KMT_CNT_SINGLE_STEPS,
	KMT_CNT_REP_ELEMENTS,
	KMT_CNT_ERRORS_RECORDED,
	KMT_CNT_BATCH_RUNS,
	KMT_CNT_NESTED_FAULTS,
	KMT_CNT_STEPS_PASSED_ON,
	KMT_CNT_FOLLOW_WINDOWS,
	KMT_CNT_FOLLOW_STEPS,
	KMT_CNT_FOLLOW_USES,
	KMT_CNT_FOLLOW_END_LIMIT,
	KMT_CNT_FOLLOW_END_UNCOVERED,
	KMT_CNT_FOLLOW_END_UNSTEPPABLE,
	KMT_CNT_FOLLOW_END_DECODE,
	KMT_CNT_FOLLOW_END_IRQ,
	KMT_CNT_ROUTINE_RUNS,
	KMT_CNT_ROUTINE_INSNS,
	KMT_CNT_ROUTINE_STOPS,
	KMT_CNT_SLOT_STORES,
	KMT_CNT_SLOT_RELOADS,
	KMT_CNT_SLOT_STEPS,
	KMT_CNT_EMULATED,
	KMT_CNT_EMULATE_DECLINED,
	KMT_CNT_EMULATED_FAST,            /* of the emulated, faults by a clean MOV-family access (the engine's fast path) */
	KMT_CNT_EMULATED_AHEAD,           /* of the emulated, accesses after such a fault run with it (no fault of their own) */
	KMT_CNT_PUSHES_DEFERRED,          /* of the emulated, PUSHes of memory whose stack write an int3 made (pushtramp.c) */
	KMT_CNT_DECODES,
	KMT_CNT_DECODE_CACHE_HITS,
	KMT_CNT_ENGINE_COUNT,
	/* The glue's. */
	KMT_CNT_INTERNAL_ERRORS = KMT_CNT_ENGINE_COUNT, /* accesses the engine could not check */
	KMT_CNT_REPORTS,                  /* reports printed */
	KMT_CNT_REPORTS_REPEATED,         /* errors at a site already reported */
	KMT_CNT_REPORTS_DROPPED,          /* errors lost because a report ring was full */
	KMT_CNT_REPORTS_OVER_LIMIT,       /* first hits not printed because of max_reports */
	KMT_CNT_REPORTS_SUPPRESSED,       /* reads inside the slab/page allocator, never reported */
	KMT_CNT_KIND_UNINIT_READ,         /* errors by kind, repeats included */
	KMT_CNT_KIND_FREED_READ,
	KMT_CNT_KIND_UNALLOCATED_READ,
	KMT_CNT_KIND_INFOLEAK,
	KMT_CNT_KIND_UNINIT_USE,
	KMT_CNT_OBJECTS_TRACKED,          /* allocations tracked since load */
	KMT_CNT_OBJECTS_SKIPPED_UNSPLIT,  /* selected, but their page is not 4 KiB-mapped */
	KMT_CNT_OBJECTS_SKIPPED_FULL,     /* selected, but max_pages or max_objects is reached */
	KMT_CNT_OBJECTS_SKIPPED_OTHER,    /* selected, but the memory cannot be tracked */
	KMT_CNT_SLAB_PAGES_RELEASED,      /* tracked pages given back to the page allocator */
	KMT_CNT_STACKS_FULL,              /* call traces not kept: the stack store is full */
	KMT_CNT_SITES_FULL,               /* errors not deduplicated: the site table is full */
	KMT_CNT_BULK_UNREADABLE,          /* bulk allocations/frees whose pointer array could not be read */
	KMT_CNT_PAGES_RELEASED_EMPTY,     /* tracked pages given back when no tracked object was left on them */
	KMT_CNT_OBJECTS_NOT_SAMPLED,      /* selected, but not this allocation's turn (sample_interval) */
	KMT_CNT_OBJECTS_SAMPLE_FULL,      /* selected and sampled, but sample_max objects are live */
	KMT_CNT_OBJECTS_LET_GO,           /* tracked objects let go: their page took sample_page_faults faults */
	KMT_CNT_PAGES_LET_GO,             /* tracked pages given back for the same reason */
	KMT_CNT_STEPS_MIGRATED,           /* single steps finished on another CPU than they began (the task slept) */
	KMT_CNT_PAGES_QUIETED,            /* pages left visible: every byte initialized (kmt_page_consider_quiet()) */
	KMT_CNT_PAGES_READ_QUIETED,       /* pages left visible read-only: aged with UNINIT bytes (quiet_age) */
	KMT_CNT_FAULTS_READ_QUIET,        /* stores to read-quiet pages (write-protection faults) */
	KMT_CNT_PAGES_WOKEN,              /* quiet pages hidden again: a state other than INIT was written to them */
	KMT_CNT_ALIAS_REMAPS,             /* alias addresses pointed at another frame (alias.c; each an invlpg) */
	KMT_CNT_OBJECTS_ISOLATED,         /* tracked objects moved to a pool slot of their own (isolate.c) */
	KMT_CNT_ISOLATE_POOL_FULL,        /* objects to isolate tracked in place: no pool slot was free */
	KMT_CNT_OBJECTS_SKIPPED_UNHOOKED, /* selected, not movable, and the tracepoints not yet attached */
	KMT_CNT_ISOLATE_BAD_FREES,        /* frees of a pool address that holds no live object (ignored) */
	KMT_CNT_ISOLATE_CALLS_REWRITTEN,  /* kmalloc calls rewritten to reach the isolating wrapper (callsites.c) */
	KMT_CNT_SHOWN_WINDOWS,            /* pages shown for steps (0 to 1 in-flight steps): "Writes while shown" */
	KMT_CNT_SHOWN_UNSNAPPED,          /* of those, with no copy of the page kept (no buffer or alias free) */
	KMT_CNT_SHOWN_BYTES_SETTLED,      /* UNINIT bytes found changed when their page's last step ended: now INIT */
	KMT_CNT_SHOWN_UNTOUCHED_FORGOTTEN, /* UNINIT bytes of objects with no write seen, then: now INIT */
	KMT_CNT_RECONCILE_WAITS,          /* new objects whose CPU waited for another CPU's PTE update of their page */
	KMT_CNT_RECONCILE_WAIT_TIMEOUTS,  /* of those, waits given up (the object's first writes may go unseen) */
	KMT_CNT_PUSH_TRAMPS_FULL,         /* PUSHes stepped because every push trampoline was in use (pushtramp.c) */
	KMT_COUNTER_COUNT,
};

extern atomic_long_t kmt_counters[KMT_COUNTER_COUNT];
extern const char *const kmt_counter_names[KMT_COUNTER_COUNT];

/* Trap-safe. Only for the glue's counters (the engine counts its own). */
static inline void kmt_count(enum kmt_counter_id id)
{
	atomic_long_inc(&kmt_counters[id]);
}

/* Trap-safe: @n more of @id. */
static inline void kmt_count_add(enum kmt_counter_id id, long n)
{
	atomic_long_add(n, &kmt_counters[id]);
}

/* Fills @out with every counter; @engine is the engine's sum over all CPUs. */
void kmt_counters_read(u64 out[KMT_COUNTER_COUNT], const struct kmt_engine_counters *engine);

#endif /* KMT_COUNTERS_H */
