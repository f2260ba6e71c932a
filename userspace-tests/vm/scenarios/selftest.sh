# kmemtrap_selftest: every case in both REP modes; after each case exactly the expected report
# (kind and function) and nothing else. Also the trap counts of a 4 KiB memcpy and memset.
#@expect kmemtrap: kmemtrap [0-9.]+ on kernel .*#PF hook: kprobe on kernelmode_fixup_or_oops
#@expect kmemtrap: unloaded: [0-9]+ faults handled, .* 0 pages still tracked, 0 hidden
#@reject kmemtrap_selftest: .*data WRONG

D=/sys/kernel/debug
kmt_load kmemtrap
kmt_load kmemtrap_selftest

nreports() { dmesg | grep -c 'BUG: kmemtrap:'; }
counter() { grep "^$1 " $D/kmemtrap/counters | cut -d' ' -f2; }

# run_case MODE CASE [EXPECTED...]: each EXPECTED is "kind function" (function without offset).
run_case() {
	mode=$1 case=$2
	shift 2
	kmt_known_gap "$case" && return 0
	echo "$mode" >$D/kmemtrap/rep_mode || kmt_fail "cannot set rep_mode $mode"
	before=$(nreports)
	echo "$case" >$D/kmemtrap_selftest/run || kmt_fail "$case: run failed"
	cat $D/kmemtrap/reports >/dev/null # prints what is queued
	dmesg | grep -q "kmemtrap_selftest: $case: data ok" || kmt_fail "$case ($mode): data not ok"
	got=$(dmesg | grep 'BUG: kmemtrap:' | tail -n +$((before + 1)) |
		sed 's/.*BUG: kmemtrap: \([a-z-]*\) in \([A-Za-z0-9_]*\)[.a-z0-9]*+.*/\1 \2/' | sort)
	want=$(for e in "$@"; do echo "$e"; done | sort)
	# GCC clone suffixes (.isra.0, .constprop.0) are dropped above.
	[ "$got" = "$want" ] || kmt_fail "$case ($mode): reports [$got], expected [$want]"
	echo "KMT-CASE: $mode $case ok${got:+ ($got)}"
}

for mode in step batch; do
	# Sites are reported once per (kind, code address), so the deliberate bugs run in the first
	# mode only; the clean and REP cases run in both.
	if [ $mode = step ]; then
		run_case $mode uninit_read "uninit-read kmt_st_uninit_read"
		run_case $mode memcpy_partial "uninit-read kmt_st_read_second_half"
		run_case $mode straddle "uninit-read kmt_st_straddle_read"
		run_case $mode copy_to_user "infoleak st_copy_to_user"
		run_case $mode cmpxchg "uninit-read kmt_st_cmpxchg"
		run_case $mode freed_read "freed-read kmt_st_freed_read"
		run_case $mode unallocated_read "unallocated-read kmt_st_unallocated_read"
		run_case $mode nmi "uninit-read kmt_st_nmi_read"
		run_case $mode vmalloc_read "uninit-read kmt_st_vmalloc_read"
		run_case $mode check_api "freed-read kmt_st_check_api"
	fi
	run_case $mode init_read
	run_case $mode memset
	run_case $mode rep_movs
	run_case $mode rep_stos
	run_case $mode memmove_backward
	run_case $mode copy_from_user

	for c in memcpy4k memset4k memcpy4k_call memset4k_call; do
		f0=$(counter faults_handled) s0=$(counter single_steps)
		run_case $mode $c
		f1=$(counter faults_handled) s1=$(counter single_steps)
		echo "KMT-TRAPS: $c $mode faults=$((f1 - f0)) steps=$((s1 - s0)) traps=$((f1 - f0 + s1 - s0))"
	done
done

cat $D/kmemtrap/counters
kmt_unload kmemtrap_selftest
kmt_unload kmemtrap
