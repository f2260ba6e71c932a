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
