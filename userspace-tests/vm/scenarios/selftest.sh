# kmemtrap_selftest: every case of the module's table (/sys/kernel/debug/kmemtrap_selftest/cases,
# which carries each case's REP modes and expected reports) in each of its modes; after each,
# exactly the expected reports (kind and function) and nothing else. Cases with a trap limit also
# print their trap counts (faults + single steps) and fail above the limit.
#@expect kmemtrap: kmemtrap [0-9.]+ on kernel .*#PF hook: kprobe on kernelmode_fixup_or_oops
#@expect kmemtrap: unloaded: [1-9][0-9]* faults handled, [1-9][0-9]* single steps, .* 0 internal errors, .* 0 pages still tracked, 0 hidden
#@expect KMT-SELFTEST: emulate=1: [0-9]+ case runs, all ok
#@expect KMT-SELFTEST: emulate=0: [0-9]+ case runs, all ok
#@expect KMT-PUSH: pushes_deferred=1 faults=[1-9][0-9]* steps=0
#@reject kmemtrap_selftest: .*data WRONG
#@expect kmemtrap_selftest: routine (__memcpy|memcpy_orig): [0-9]+ copies, data and states carried
#@expect kmemtrap_selftest: routine (__memmove): [0-9]+ copies, data and states carried
#@expect kmemtrap_selftest: routine (memset_orig|__memset): [0-9]+ copies, data and states carried
#@expect kmemtrap_selftest: routine (copy_user_generic_unrolled|rep_movs_alternative): [0-9]+ copies, data and states carried

D=/sys/kernel/debug

nreports() { dmesg | grep -c 'BUG: kmemtrap:'; }

# run_case MODE CASE [EXPECTED...]: each EXPECTED is "kind:function" (function without offset).
run_case() {
	mode=$1 case=$2
	shift 2
	kmt_known_gap "$case" && return 0
	echo "$mode" >$D/kmemtrap/rep_mode || kmt_fail "cannot set rep_mode $mode"
	before=$(nreports)
	echo "$case" >$D/kmemtrap_selftest/run || kmt_fail "$case: run failed"
	cat $D/kmemtrap/reports >/dev/null # prints what is queued
	dmesg | grep -q "kmemtrap_selftest: $case: data ok" || kmt_fail "$case ($mode): data not ok"
	# GCC clone suffixes (.isra.0, .constprop.0) are dropped.
	got=$(dmesg | grep 'BUG: kmemtrap:' | tail -n +$((before + 1)) |
		sed 's/.*BUG: kmemtrap: \([a-z-]*\) in \([A-Za-z0-9_]*\)[.a-z0-9]*+.*/\1:\2/' | sort)
	want=$(for e in "$@"; do echo "$e"; done | sort)
	[ "$got" = "$want" ] || kmt_fail "$case ($mode, emulate=$emulate): reports [$got], expected [$want]"
	echo "KMT-CASE: emulate=$emulate $mode $case ok${got:+ ($got)}"
}

# Every case with accesses emulated in the handler (the default), then stepped (emulate=0), each
# in a fresh load (reports are per site and load).
for emulate in 1 0; do
kmt_load kmemtrap emulate=$emulate
kmt_load kmemtrap_selftest
runs=0
for mode in step batch; do
	while read -r name modes traps expect; do
		case ",$modes," in *",$mode,"*) ;; *) continue ;; esac
		f0=$(kmt_counter faults_handled) s0=$(kmt_counter single_steps)
		# shellcheck disable=SC2086 # one word per expected report
		run_case "$mode" "$name" $expect
		f1=$(kmt_counter faults_handled) s1=$(kmt_counter single_steps)
		if [ "$traps" != - ]; then
			n=$((f1 - f0 + s1 - s0))
			if [ "$mode" = step ]; then max=${traps%/*}; else max=${traps#*/}; fi
			echo "KMT-TRAPS: emulate=$emulate $name $mode faults=$((f1 - f0)) steps=$((s1 - s0)) traps=$n max=$max"
			[ "$n" -le "$max" ] || kmt_fail "$name ($mode): $n traps, more than $max"
		fi
		runs=$((runs + 1))
	done <$D/kmemtrap_selftest/cases
done
# Every copy routine of this kernel, one 4 KiB + 13-byte copy between operands of two pages each:
# at most one trap per page of each operand (issue 10's target), in both REP modes.
nr=0
for mode in step batch; do
	echo "$mode" >$D/kmemtrap/rep_mode
	while read -r routine; do
		f0=$(kmt_counter faults_handled) s0=$(kmt_counter single_steps)
		echo "$routine" >$D/kmemtrap_selftest/routine || kmt_fail "routine $routine failed"
		f1=$(kmt_counter faults_handled) s1=$(kmt_counter single_steps)
		n=$((f1 - f0 + s1 - s0))
		echo "KMT-ROUTINE-TRAPS: emulate=$emulate $mode $routine faults=$((f1 - f0)) steps=$((s1 - s0)) traps=$n max=4"
		[ "$n" -le 4 ] || kmt_fail "$routine ($mode, emulate=$emulate): $n traps for 4 pages"
		nr=$((nr + 1))
	done <$D/kmemtrap_selftest/routines
done
[ "$nr" -ge 8 ] || kmt_fail "only $nr routine runs: the routine list was not read"
[ "$runs" -gt 20 ] || kmt_fail "only $runs case runs: the case table was not read"
echo "KMT-SELFTEST: emulate=$emulate: $runs case runs, all ok"

# A PUSH of initialized tracked memory, emulated: its stack write is made at an int3 after the
# #PF handler (module/pushtramp.c), nothing is shown or stepped.
if [ "$emulate" = 1 ]; then
	p0=$(kmt_counter pushes_deferred) f0=$(kmt_counter faults_handled) s0=$(kmt_counter single_steps)
	echo push_init >$D/kmemtrap_selftest/run || kmt_fail "push_init: run failed"
	p1=$(kmt_counter pushes_deferred) f1=$(kmt_counter faults_handled) s1=$(kmt_counter single_steps)
	echo "KMT-PUSH: pushes_deferred=$((p1 - p0)) faults=$((f1 - f0)) steps=$((s1 - s0))"
	[ $((p1 - p0)) = 1 ] && [ $((s1 - s0)) = 0 ] ||
		kmt_fail "push_init: a PUSH of initialized tracked memory must be emulated, its stack write deferred"
fi

cat $D/kmemtrap/counters
kmt_unload kmemtrap_selftest
kmt_unload kmemtrap
done
