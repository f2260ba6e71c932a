# Bad parameters fail the load with -EINVAL and a message naming the parameter; nothing stays
# loaded or hidden. Good values load.
#@expect kmemtrap: invalid rep_mode 'sideways': use step or batch
#@expect kmemtrap: invalid max_pages '0': must be 1\.\.1048576
#@expect kmemtrap: invalid max_pages 'lots': must be 1\.\.1048576
#@expect kmemtrap: kmemtrap .*rep_mode=step max_pages=16\b
expect_einval() {
	out=$(insmod /modules/kmemtrap.ko "$@" 2>&1) && kmt_fail "insmod with $* succeeded"
	echo "$out" | grep -q 'Invalid argument' || kmt_fail "insmod with $*: expected EINVAL, got: $out"
	grep -q '^kmemtrap ' /proc/modules && kmt_fail "kmemtrap loaded after a failed insmod ($*)"
	echo "KMT-PARAM: $* refused"
}
expect_einval rep_mode=sideways
expect_einval max_pages=0
expect_einval max_pages=lots
expect_einval allow_smp=maybe
kmt_load kmemtrap rep_mode=step max_pages=16
grep -q '^step' /sys/kernel/debug/kmemtrap/rep_mode || kmt_fail "rep_mode not step"
echo sideways >/sys/kernel/debug/kmemtrap/rep_mode 2>/dev/null && kmt_fail "debugfs accepted a bad rep_mode"
echo batch >/sys/kernel/debug/kmemtrap/rep_mode || kmt_fail "debugfs refused rep_mode batch"
grep -q '^batch' /sys/kernel/debug/kmemtrap/rep_mode || kmt_fail "rep_mode not batch after the write"
kmt_unload kmemtrap
