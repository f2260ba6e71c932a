# The README's main command: load kmemtrap tracking kmt_bugs (a module with seeded heap bugs and
# no annotations) and the self-test module, run their bug and clean cases as a workload, print the
# counters, unload. The host then summarises the log with kmemtrap-report.
#@expect kmemtrap: kmemtrap [0-9.]+ on kernel .*#PF hook: kprobe on kernelmode_fixup_or_oops
#@expect BUG: kmemtrap: uninit-use in kmt_bugs_uninit_kmalloc_read
#@expect BUG: kmemtrap: freed-read in kmt_bugs_use_after_free
#@expect BUG: kmemtrap: infoleak in bugs_copy_out
#@expect BUG: kmemtrap: uninit-use in kmt_st_uninit_read
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
D=/sys/kernel/debug
kmt_load kmemtrap track_modules=kmt_bugs
kmt_load kmt_bugs
kmt_load kmemtrap_selftest
for c in clean uninit_kmalloc partial_memcpy cross_page use_after_free slack padding_leak stack_leak \
	private_cache; do
	echo $c >$D/kmt_bugs/run || kmt_fail "kmt_bugs case $c failed"
done
for c in uninit_read init_read memcpy_partial straddle rep_movs copy_to_user copy_from_user \
	cmpxchg freed_read unallocated_read; do
	echo $c >$D/kmemtrap_selftest/run || kmt_fail "self-test case $c failed"
done
cat $D/kmemtrap/reports >/dev/null
echo "KMT-DEMO: counters:"
sed 's/^/KMT-DEMO:   /' $D/kmemtrap/counters
kmt_unload kmemtrap_selftest
kmt_unload kmt_bugs
kmt_unload kmemtrap
