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

# kmt_load MODULE [PARAMS...]: insmod /modules/MODULE.ko; fail with its dmesg tail if it fails.
kmt_load() {
	mod=$1
	shift
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
