# The README's main command: load kmemtrap and the self-test module, run a workload with known
# bugs (the self-test's deliberate cases) and clean cases, print the counters, unload.
#@expect kmemtrap: kmemtrap [0-9.]+ on kernel .*#PF hook: kprobe on kernelmode_fixup_or_oops
#@expect BUG: kmemtrap: uninit-read in kmt_st_uninit_read
#@expect BUG: kmemtrap: infoleak in copy_user_
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
D=/sys/kernel/debug
kmt_load kmemtrap
kmt_load kmemtrap_selftest
for c in uninit_read init_read memcpy_partial straddle rep_movs copy_to_user copy_from_user \
	cmpxchg freed_read unallocated_read; do
	echo $c >$D/kmemtrap_selftest/run || kmt_fail "case $c failed"
done
cat $D/kmemtrap/reports >/dev/null
echo "KMT-DEMO: counters:"
sed 's/^/KMT-DEMO:   /' $D/kmemtrap/counters
kmt_unload kmemtrap_selftest
kmt_unload kmemtrap
