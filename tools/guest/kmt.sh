# Helpers for VM scenarios (busybox sh). Sourced before /scenario.sh.

# kmt_fail MESSAGE: record a failure line for the host and stop the scenario.
kmt_fail() {
	echo "KMT-FAIL: $*"
	exit 1
}

# kmt_check DESCRIPTION COMMAND...: run COMMAND; fail with DESCRIPTION if it fails.
kmt_check() {
	desc=$1
	shift
	"$@" || kmt_fail "$desc"
}

# kmt.kmemtrap_args=A,B on the kernel command line: more parameters for every kmt_load of kmemtrap
# (the SMP runs of the VM matrix pass allow_smp=1 this way).
kmt_kmemtrap_args() {
	tr " " "\n" </proc/cmdline | sed -n "s/^kmt\.kmemtrap_args=//p" | tr "," " "
}

# kmt_load MODULE [PARAMS...]: insmod /modules/MODULE.ko; fail with its dmesg tail if it fails.
kmt_load() {
	mod=$1
	shift
	[ "$mod" = kmemtrap ] && set -- "$@" $(kmt_kmemtrap_args)
	if ! out=$(insmod "/modules/$mod.ko" "$@" 2>&1); then
		echo "KMT-FAIL: insmod $mod${*:+ $*} failed: $out"
		dmesg | tail -n 5 | sed 's/^/KMT-FAIL:   dmesg: /'
		exit 1
	fi
}

# kmt_unload MODULE: rmmod; fail if it fails.
kmt_unload() {
	rmmod "$1" || kmt_fail "rmmod $1 failed"
}

# kmt_expect_dmesg REGEX: the kernel log must match REGEX now.
kmt_expect_dmesg() {
	dmesg | grep -q -E -- "$1" || kmt_fail "dmesg does not match: $1"
}

# Known gaps: cases that cannot pass on this kernel for a reason another issue owns. The host
# lists them (tools/kmt-vm --known-gap CASE, from userspace-tests/vm/CMakeLists.txt) and passes
# them as kmt.known_gaps=CASE,CASE on the kernel command line.
# kmt_known_gaps: the list, comma-separated (empty if none).
kmt_known_gaps() {
	tr ' ' '\n' </proc/cmdline | sed -n 's/^kmt\.known_gaps=//p'
}
# kmt_known_gap CASE: true, with a KMT-KNOWN-GAP line, if CASE is a known gap here (skip it).
kmt_known_gap() {
	case ",$(kmt_known_gaps)," in
	*",$1,"*)
		echo "KMT-KNOWN-GAP: $1 not run on $(uname -r)"
		return 0 ;;
	esac
	return 1
}

# kmt_report_sites [N]: the distinct "kind function" pairs of kmemtrap's reports in the kernel log
# after its first N report lines (default 0), sorted, one per line.
kmt_report_sites() {
	dmesg | grep 'BUG: kmemtrap:' | tail -n +$((${1:-0} + 1)) |
		sed 's/.*BUG: kmemtrap: \([a-z-]*\) in \([A-Za-z0-9_]*\)[.a-z0-9]*+.*/\1 \2/' | sort -u
}

# kmt_bugs_cases: with kmt_bugs.ko loaded and its allocations tracked, runs its cases and checks
# that each reports exactly its seeded bugs, no more (KMT-CASE lines); checks that its quiet-page
# cases made pages go quiet and woke them (KMT-QUIET). Known gaps of the kernel are skipped.
# KMT_BUGS_TOTAL: the reports expected, for the summary line.
kmt_bugs_cases() {
	D=/sys/kernel/debug
	nreports() { dmesg | grep -c 'BUG: kmemtrap:'; }
	KMT_BUGS_TOTAL=0
	run_case() {
		case=$1
		shift
		kmt_known_gap "$case" && return 0
		KMT_BUGS_TOTAL=$((KMT_BUGS_TOTAL + $#))
		before=$(nreports)
		echo "$case" >$D/kmt_bugs/run || kmt_fail "$case: run failed"
		cat $D/kmemtrap/reports >/dev/null
		dmesg | grep -q "kmt_bugs: $case: done" || kmt_fail "$case: did not complete"
		got=$(dmesg | grep 'BUG: kmemtrap:' | tail -n +$((before + 1)) |
			sed 's/.*BUG: kmemtrap: \([a-z-]*\) in \([A-Za-z0-9_]*\)[.a-z0-9]*+.*/\1 \2/' | sort)
		want=$(for e in "$@"; do echo "$e"; done | sort)
		if [ "$got" != "$want" ]; then
			sed "s/^/KMT-FAIL:   counters: /" $D/kmemtrap/counters
			kmt_fail "$case: reports [$got], expected [$want]"
		fi
		echo "KMT-CASE: $case ok${got:+ ($got)}"
	}
	run_case clean
	run_case uninit_kmalloc "uninit-use kmt_bugs_uninit_kmalloc_read"
	run_case partial_memcpy "uninit-use kmt_bugs_read_after_memcpy"
	run_case cross_page "uninit-use kmt_bugs_cross_page_read"
	run_case use_after_free "freed-read kmt_bugs_use_after_free"
	run_case slack "unallocated-read kmt_bugs_slack_read"
	run_case padding_leak "infoleak bugs_padding_leak"
	run_case stack_leak "infoleak bugs_copy_out"
	run_case stack_copy
	run_case private_cache "uninit-use kmt_bugs_cache_read"
	# Bulk allocation and free have no per-object tracepoint (kmemtrap probes them).
	run_case bulk_uninit "uninit-use kmt_bugs_bulk_uninit_read"
	run_case bulk_use_after_free "freed-read kmt_bugs_bulk_use_after_free"
	run_case kfree_bulk_read "freed-read kmt_bugs_kfree_bulk_read"
	run_case bulk_clean
	# Quiet pages (a page every byte of which is initialized is left visible): a free on one, and
	# uninitialized bytes copied into one, are still seen; both pages did go quiet and were woken.
	q0=$(kmt_counter pages_quieted)
	w0=$(kmt_counter pages_woken)
	run_case quiet_free "freed-read kmt_bugs_quiet_free_read"
	run_case quiet_copy "uninit-use kmt_bugs_quiet_copy_read"
	q1=$(kmt_counter pages_quieted)
	w1=$(kmt_counter pages_woken)
	[ $((q1 - q0)) -ge 2 ] && [ $((w1 - w0)) -ge 2 ] ||
		kmt_fail "quiet cases: pages_quieted +$((q1 - q0)), pages_woken +$((w1 - w0)); expected 2 or more each"
	echo "KMT-QUIET: pages_quieted +$((q1 - q0)) pages_woken +$((w1 - w0))"
	run_case clean
}

# kmt_counter NAME: the value of one of kmemtrap's counters (debugfs).
kmt_counter() {
	grep "^$1 " /sys/kernel/debug/kmemtrap/counters | cut -d' ' -f2
}

# kmt_workload_seconds LINE: the seconds of a KMT-WORKLOAD or KMT-WORKLOAD2 line.
kmt_workload_seconds() {
	echo "$1" | sed -n 's/^KMT-WORKLOAD[2]*: .* rounds in \([0-9.]*\) s$/\1/p'
}
