// SPDX-License-Identifier: GPL-2.0
/* counters.c - the names and storage of kmemtrap's event counters (see counters.h). */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/stddef.h>

#include "counters.h"

atomic_long_t kmt_counters[KMT_COUNTER_COUNT];

const char *const kmt_counter_names[KMT_COUNTER_COUNT] = {
	[KMT_CNT_FAULTS_HANDLED] = "faults_handled",
	[KMT_CNT_FAULTS_PASSED_ON] = "faults_passed_on",
	[KMT_CNT_SINGLE_STEPS] = "single_steps",
	[KMT_CNT_REP_ELEMENTS] = "rep_elements",
	[KMT_CNT_ERRORS_RECORDED] = "errors_recorded",
	[KMT_CNT_BATCH_RUNS] = "batch_runs",
	[KMT_CNT_NESTED_FAULTS] = "nested_faults",
	[KMT_CNT_STEPS_PASSED_ON] = "steps_passed_on",
	[KMT_CNT_FOLLOW_WINDOWS] = "follow_windows",
	[KMT_CNT_FOLLOW_STEPS] = "follow_steps",
	[KMT_CNT_FOLLOW_USES] = "follow_uses",
	[KMT_CNT_FOLLOW_END_LIMIT] = "follow_end_limit",
	[KMT_CNT_FOLLOW_END_UNCOVERED] = "follow_end_uncovered",
	[KMT_CNT_FOLLOW_END_UNSTEPPABLE] = "follow_end_unsteppable",
	[KMT_CNT_FOLLOW_END_DECODE] = "follow_end_decode",
	[KMT_CNT_FOLLOW_END_IRQ] = "follow_end_irq",
	[KMT_CNT_ROUTINE_RUNS] = "copy_routines_run",
	[KMT_CNT_ROUTINE_INSNS] = "copy_routine_insns",
	[KMT_CNT_ROUTINE_STOPS] = "copy_routines_stopped",
	[KMT_CNT_SLOT_STORES] = "stack_slot_stores",
	[KMT_CNT_SLOT_RELOADS] = "stack_slot_reloads",
	[KMT_CNT_SLOT_STEPS] = "stack_slot_steps",
	[KMT_CNT_EMULATED] = "emulated",
	[KMT_CNT_EMULATE_DECLINED] = "emulate_declined",
	[KMT_CNT_EMULATED_FAST] = "emulated_fast",
	[KMT_CNT_EMULATED_AHEAD] = "emulated_ahead",
	[KMT_CNT_PUSHES_DEFERRED] = "pushes_deferred",
	[KMT_CNT_DECODES] = "decodes",
	[KMT_CNT_DECODE_CACHE_HITS] = "decode_cache_hits",
	[KMT_CNT_INTERNAL_ERRORS] = "internal_errors",
	[KMT_CNT_REPORTS] = "reports",
	[KMT_CNT_REPORTS_REPEATED] = "reports_repeated",
	[KMT_CNT_REPORTS_DROPPED] = "reports_dropped",
	[KMT_CNT_REPORTS_OVER_LIMIT] = "reports_over_limit",
	[KMT_CNT_REPORTS_SUPPRESSED] = "reports_suppressed_allocator",
	[KMT_CNT_KIND_UNINIT_READ] = "errors_uninit_read",
	[KMT_CNT_KIND_FREED_READ] = "errors_freed_read",
	[KMT_CNT_KIND_UNALLOCATED_READ] = "errors_unallocated_read",
	[KMT_CNT_KIND_INFOLEAK] = "errors_infoleak",
	[KMT_CNT_KIND_UNINIT_USE] = "errors_uninit_use",
	[KMT_CNT_OBJECTS_TRACKED] = "objects_tracked_total",
	[KMT_CNT_OBJECTS_SKIPPED_UNSPLIT] = "objects_skipped_unsplit",
	[KMT_CNT_OBJECTS_SKIPPED_FULL] = "objects_skipped_full",
	[KMT_CNT_OBJECTS_SKIPPED_OTHER] = "objects_skipped_other",
	[KMT_CNT_SLAB_PAGES_RELEASED] = "slab_pages_released",
	[KMT_CNT_STACKS_FULL] = "stacks_full",
	[KMT_CNT_SITES_FULL] = "sites_full",
	[KMT_CNT_BULK_UNREADABLE] = "bulk_unreadable",
	[KMT_CNT_PAGES_RELEASED_EMPTY] = "pages_released_empty",
	[KMT_CNT_OBJECTS_NOT_SAMPLED] = "objects_not_sampled",
	[KMT_CNT_OBJECTS_SAMPLE_FULL] = "objects_sample_full",
	[KMT_CNT_OBJECTS_LET_GO] = "objects_let_go",
	[KMT_CNT_PAGES_LET_GO] = "pages_let_go",
	[KMT_CNT_STEPS_MIGRATED] = "steps_migrated",
	[KMT_CNT_PAGES_QUIETED] = "pages_quieted",
	[KMT_CNT_PAGES_READ_QUIETED] = "pages_read_quieted",
	[KMT_CNT_FAULTS_READ_QUIET] = "faults_read_quiet",
	[KMT_CNT_PAGES_WOKEN] = "pages_woken",
	[KMT_CNT_ALIAS_REMAPS] = "alias_remaps",
	[KMT_CNT_OBJECTS_ISOLATED] = "objects_isolated",
	[KMT_CNT_ISOLATE_POOL_FULL] = "isolate_pool_full",
	[KMT_CNT_OBJECTS_SKIPPED_UNHOOKED] = "objects_skipped_unhooked",
	[KMT_CNT_ISOLATE_BAD_FREES] = "isolate_bad_frees",
	[KMT_CNT_ISOLATE_CALLS_REWRITTEN] = "isolate_calls_rewritten",
	[KMT_CNT_SHOWN_WINDOWS] = "shown_windows",
	[KMT_CNT_SHOWN_UNSNAPPED] = "shown_unsnapped",
	[KMT_CNT_SHOWN_BYTES_SETTLED] = "shown_bytes_settled",
	[KMT_CNT_SHOWN_UNTOUCHED_FORGOTTEN] = "shown_untouched_forgotten",
	[KMT_CNT_RECONCILE_WAITS] = "reconcile_waits",
	[KMT_CNT_RECONCILE_WAIT_TIMEOUTS] = "reconcile_wait_timeouts",
	[KMT_CNT_PUSH_TRAMPS_FULL] = "push_tramps_full",
};

/* Where each engine counter is in struct kmt_engine_counters, in enum order. */
static const size_t kmt_engine_offsets[KMT_CNT_ENGINE_COUNT] = {
	[KMT_CNT_FAULTS_HANDLED] = offsetof(struct kmt_engine_counters, faults_handled),
	[KMT_CNT_FAULTS_PASSED_ON] = offsetof(struct kmt_engine_counters, faults_not_ours),
	[KMT_CNT_SINGLE_STEPS] = offsetof(struct kmt_engine_counters, single_steps),
	[KMT_CNT_REP_ELEMENTS] = offsetof(struct kmt_engine_counters, rep_elements),
	[KMT_CNT_ERRORS_RECORDED] = offsetof(struct kmt_engine_counters, errors_recorded),
	[KMT_CNT_BATCH_RUNS] = offsetof(struct kmt_engine_counters, batch_runs),
	[KMT_CNT_NESTED_FAULTS] = offsetof(struct kmt_engine_counters, nested_faults),
	[KMT_CNT_STEPS_PASSED_ON] = offsetof(struct kmt_engine_counters, steps_passed_on),
	[KMT_CNT_FOLLOW_WINDOWS] = offsetof(struct kmt_engine_counters, follow_windows),
	[KMT_CNT_FOLLOW_STEPS] = offsetof(struct kmt_engine_counters, follow_steps),
	[KMT_CNT_FOLLOW_USES] = offsetof(struct kmt_engine_counters, follow_uses),
	[KMT_CNT_FOLLOW_END_LIMIT] = offsetof(struct kmt_engine_counters, follow_end[0]),
	[KMT_CNT_FOLLOW_END_UNCOVERED] = offsetof(struct kmt_engine_counters, follow_end[1]),
	[KMT_CNT_FOLLOW_END_UNSTEPPABLE] = offsetof(struct kmt_engine_counters, follow_end[2]),
	[KMT_CNT_FOLLOW_END_DECODE] = offsetof(struct kmt_engine_counters, follow_end[3]),
	[KMT_CNT_FOLLOW_END_IRQ] = offsetof(struct kmt_engine_counters, follow_end[4]),
	[KMT_CNT_ROUTINE_RUNS] = offsetof(struct kmt_engine_counters, routine_runs),
	[KMT_CNT_ROUTINE_INSNS] = offsetof(struct kmt_engine_counters, routine_insns),
	[KMT_CNT_ROUTINE_STOPS] = offsetof(struct kmt_engine_counters, routine_stops),
	[KMT_CNT_SLOT_STORES] = offsetof(struct kmt_engine_counters, slot_stores),
	[KMT_CNT_SLOT_RELOADS] = offsetof(struct kmt_engine_counters, slot_reloads),
	[KMT_CNT_SLOT_STEPS] = offsetof(struct kmt_engine_counters, slot_steps),
	[KMT_CNT_EMULATED] = offsetof(struct kmt_engine_counters, emulated),
	[KMT_CNT_EMULATE_DECLINED] = offsetof(struct kmt_engine_counters, emulate_declined),
	[KMT_CNT_EMULATED_FAST] = offsetof(struct kmt_engine_counters, emulated_fast),
	[KMT_CNT_EMULATED_AHEAD] = offsetof(struct kmt_engine_counters, emulated_ahead),
	[KMT_CNT_PUSHES_DEFERRED] = offsetof(struct kmt_engine_counters, pushes_deferred),
	[KMT_CNT_DECODES] = offsetof(struct kmt_engine_counters, decodes),
	[KMT_CNT_DECODE_CACHE_HITS] = offsetof(struct kmt_engine_counters, decode_cache_hits),
};
static_assert(sizeof(struct kmt_engine_counters) == KMT_CNT_ENGINE_COUNT * sizeof(u64),
	      "every engine counter has a row in enum kmt_counter_id");

void kmt_counters_read(u64 out[KMT_COUNTER_COUNT], const struct kmt_engine_counters *engine)
{
	int i;

	for (i = 0; i < KMT_CNT_ENGINE_COUNT; i++)
		out[i] = *(const u64 *)((const char *)engine + kmt_engine_offsets[i]);
	for (; i < KMT_COUNTER_COUNT; i++)
		out[i] = atomic_long_read(&kmt_counters[i]);
}
