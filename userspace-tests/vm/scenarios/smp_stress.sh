# SMP stress (issue 12): kmt_smp.ko runs one thread per online CPU, each bound to its CPU, on the
# same tracked objects (neighbouring bytes and objects on one page, reads of bytes another CPU
# wrote a moment earlier, atomic64_inc and cmpxchg contention, memcpy from another CPU's bytes,
# an object replaced every round: quiet pages woken by allocations and frees on other CPUs),
# with one seeded bug. Exactly the seeded bug is reported, and the data and the shadow after each
# run are what the threads wrote (kmt_smp checks both). Then load/unload cycles under the stress:
# every page restored each time, alternately with the objects where the allocator put them
# (isolate=0: shared pages that go quiet and wake) and moved to pages of their own (isolate.c).
# Run with --smp 2 and 4 (kmemtrap loaded with allow_smp=1).
#@expect KMT-GUEST: boot ok .* cpus=[2-9]
#@expect kmt_smp: done: threads=[2-9] rounds=100 data ok shadow ok
#@reject kmt_smp: WRONG
#@expect KMT-SMP-QUIET: [1-9][0-9]* quiet pages woken
#@expect KMT-SMP-ISOLATED: [1-9][0-9]* objects moved
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
D=/sys/kernel/debug
CYCLES=${KMT_SMP_CYCLES:-20}
i=0
woken=0
isolated=0
while [ $i -lt $CYCLES ]; do
	kmt_load kmemtrap track_modules=kmt_smp allow_smp=1 isolate=$((i % 2 * 128))
	kmt_load kmt_smp rounds=100
	echo run >$D/kmt_smp/run || kmt_fail "cycle $i: second run failed"
	cat $D/kmemtrap/reports >/dev/null
	n=$(dmesg | grep -c 'kmt_smp: done:')
	[ "$n" = $((2 * (i + 1))) ] || kmt_fail "cycle $i: $n runs done, expected $((2 * (i + 1)))"
	grep -E '^(faults_handled|single_steps|emulated|tlb_shootdowns|errors_recorded|internal_errors|pages_quieted|pages_woken|objects_isolated) ' $D/kmemtrap/counters |
		tr '\n' ' ' | sed "s/^/KMT-SMP: cycle $i: /; s/ \$/\n/"
	woken=$((woken + $(kmt_counter pages_woken)))
	isolated=$((isolated + $(kmt_counter objects_isolated)))
	kmt_unload kmt_smp
	kmt_unload kmemtrap
	dmesg | tail -n 3 | grep -q 'kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden' ||
		kmt_fail "cycle $i: unload did not restore every page: $(dmesg | grep 'kmemtrap: unloaded' | tail -n 1)"
	i=$((i + 1))
done
got=$(kmt_report_sites)
[ "$got" = "uninit-use kmt_smp_seeded_read" ] || kmt_fail "report sites [$got], expected [uninit-use kmt_smp_seeded_read]"
echo "KMT-SMP: $CYCLES cycles, $(dmesg | grep -c 'kmt_smp: done:') runs, report sites: $got"
# The objects replaced every round make pages go quiet and wake them again, on every CPU.
[ "$woken" -gt 0 ] || kmt_fail "no quiet page was woken in $CYCLES cycles: the stress did not exercise quiet pages"
echo "KMT-SMP-QUIET: $woken quiet pages woken in $CYCLES cycles"
echo "KMT-SMP-ISOLATED: $isolated objects moved to pages of their own in $CYCLES cycles"
