# Sampling (issue 13, goal 5): track_all=1 with sample_interval=N tracks one in N of all the
# kernel's allocations (N on average; at most sample_max live at once). In one boot the busybox
# workload runs untracked, then sampled at each interval of KMT_SAMPLE_COSTS; then kmt_bugs'
# seeded uninitialized read is repeated until sampling at interval KMT_SAMPLE_INTERVAL catches it
# (bound: 20 intervals), and its clean twin as often with no error at all. Printed:
#   KMT-SAMPLE-COST: interval=<N> untracked=<s> sampled=<s> ratio=<sampled/untracked>
#                    objects_tracked=<n> not_sampled=<n> sample_full=<n> pages_released_empty=<n>
#                    faults=<n> pages_tracked=<n>    (one line per interval)
#   KMT-SAMPLE: interval=<N> caught_after=<K> repetitions (bound <B>)
#@expect KMT-WORKLOAD: 20 rounds in .* s
#@expect KMT-SAMPLE-COST: interval=100 untracked=[0-9.]+ sampled=[0-9.]+ ratio=[0-9.]+ objects_tracked=[1-9][0-9]* not_sampled=[1-9][0-9]* sample_full=[0-9]+ pages_released_empty=[1-9][0-9]* faults=[0-9]+ pages_tracked=[0-9]+
#@expect KMT-SAMPLE-COST: interval=1000 untracked=[0-9.]+ sampled=[0-9.]+ ratio=[0-9.]+ objects_tracked=[1-9][0-9]* not_sampled=[1-9][0-9]*
#@expect KMT-SAMPLE: interval=[0-9]+ caught_after=[0-9]+ repetitions
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
. /root/workload.sh
D=/sys/kernel/debug
N=${KMT_SAMPLE_INTERVAL:-100}
COSTS=${KMT_SAMPLE_COSTS:-1073741824 100 1000 10000}
BOUND=$((20 * N))

w=$(kmt_workload 20)
echo "$w"
untracked=$(kmt_workload_seconds "$w")
[ -n "$untracked" ] || kmt_fail "no untracked workload time"
for n in $COSTS; do
	echo "KMT-PHASE: sampled, interval $n"
	kmt_load kmemtrap track_all=1 sample_interval=$n max_pages=65536 max_objects=65536
	[ "$(cat /sys/module/kmemtrap/parameters/sample_interval)" = "$n" ] || kmt_fail "sample_interval not set"
	w=$(kmt_workload 20)
	echo "$w"
	sampled=$(kmt_workload_seconds "$w")
	[ -n "$sampled" ] || kmt_fail "no sampled workload time (interval $n)"
	echo "$untracked $sampled" | awk -v n=$n -v o="$(kmt_counter objects_tracked_total)" \
		-v ns="$(kmt_counter objects_not_sampled)" -v sf="$(kmt_counter objects_sample_full)" \
		-v r="$(kmt_counter pages_released_empty)" -v f="$(kmt_counter faults_handled)" -v t="$(kmt_counter pages_tracked)" \
		'{ printf "KMT-SAMPLE-COST: interval=%s untracked=%s sampled=%s ratio=%.2f objects_tracked=%s not_sampled=%s sample_full=%s pages_released_empty=%s faults=%s pages_tracked=%s\n",
			n, $1, $2, ($1 > 0 ? $2 / $1 : 0), o, ns, sf, r, f, t }'
	# Whole-kernel reports are classified by vm.track_all; here they are only shown.
	cat $D/kmemtrap/reports
	kmt_unload kmemtrap
done

echo "KMT-PHASE: catch, interval $N"
kmt_load kmemtrap track_all=1 sample_interval=$N max_pages=65536 max_objects=65536
kmt_load kmt_bugs
# The clean twin, as many times as the bound: no error at all (from it or anything else).
e0=$(kmt_counter errors_recorded)
i=0
while [ $i -lt $BOUND ]; do echo clean >$D/kmt_bugs/run; i=$((i + 1)); done
[ "$(kmt_counter errors_recorded)" = "$e0" ] || kmt_fail "$(( $(kmt_counter errors_recorded) - e0 )) errors while the clean case ran"
before=$(dmesg | grep -c 'BUG: kmemtrap:')
# The seeded bug until it is caught (errors are counted at the access; reports come later).
u0=$(kmt_counter errors_uninit_use)
i=0
while [ $i -lt $BOUND ] && [ "$(kmt_counter errors_uninit_use)" = "$u0" ]; do
	echo uninit_kmalloc >$D/kmt_bugs/run
	i=$((i + 1))
done
[ "$(kmt_counter errors_uninit_use)" != "$u0" ] || kmt_fail "not caught in $BOUND repetitions (interval $N; sample_full $(kmt_counter objects_sample_full))"
echo "KMT-SAMPLE: interval=$N caught_after=$i repetitions (bound $BOUND)"
cat $D/kmemtrap/reports >/dev/null
got=$(kmt_report_sites $before)
[ "$got" = "uninit-use kmt_bugs_uninit_kmalloc_read" ] || kmt_fail "reports while the bug was repeated: [$got], expected [uninit-use kmt_bugs_uninit_kmalloc_read]"
kmt_unload kmt_bugs
kmt_unload kmemtrap
