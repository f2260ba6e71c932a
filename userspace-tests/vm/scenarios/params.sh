# Bad parameters fail the load with -EINVAL and a message naming the parameter; nothing stays
# loaded or hidden. Good values load.
#@expect kmemtrap: invalid rep_mode 'sideways': use step or batch
#@expect kmemtrap: invalid max_pages '0': must be 1\.\.1048576
#@expect kmemtrap: invalid max_pages 'lots': must be 1\.\.1048576
#@expect kmemtrap: invalid emulate 'maybe': use 0 or 1
#@expect kmemtrap: invalid quiet_pages 'sometimes': use 0 or 1
#@expect kmemtrap: invalid sample_interval .-1.: must be 0\.\.1073741824
#@expect kmemtrap: invalid sample_max .0.: must be 1\.\.1048576
#@expect kmemtrap: invalid sample_page_faults .0.: must be 1\.\.1073741824
#@expect kmemtrap: invalid fault_budget .-3.: must be 0\.\.1073741824
#@expect kmemtrap: cannot allocate 1048576 page records \(max_pages\)
#@expect kmemtrap: kmemtrap .*rep_mode=step max_pages=16\b
#@expect kmemtrap: track_modules: kmt_nosuchmod is not loaded now; its allocations are tracked once it loads
#@expect kmemtrap: track_caches: there is no slab cache named kmt_nosuchcache
#@expect kmemtrap: track_caches: task_struct is never tracked
#@reject kmemtrap: track_caches: there is no slab cache named kmalloc-64
#@expect kmemtrap: struct kmem_cache layout checked: kmem_cache objects are tracked
#@expect kmemtrap: struct kmem_cache does not have the layout kmemtrap expects on this kernel \(name read wrong\): kmem_cache objects are not tracked, kmalloc objects are
#@expect kmemtrap: track_caches: dentry cannot be tracked: kmem_cache objects are not tracked on this kernel
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
expect_einval emulate=maybe
expect_einval quiet_pages=sometimes
expect_einval sample_interval=-1
expect_einval sample_max=0
expect_einval sample_page_faults=0
expect_einval fault_budget=-3
expect_einval isolate=70000
# An error in the middle of init (after the symbols, before the traps) unwinds: 1 GiB of page
# records cannot be had in a 512 MiB guest, and a normal load afterwards still works.
out=$(insmod /modules/kmemtrap.ko max_pages=1048576 2>&1) && kmt_fail "max_pages=1048576 loaded in 512 MiB"
grep -q "^kmemtrap " /proc/modules && kmt_fail "kmemtrap loaded after a failed init"
echo "KMT-PARAM: max_pages=1048576 refused: $out"
kmt_load kmemtrap rep_mode=step max_pages=16
grep -q '^step' /sys/kernel/debug/kmemtrap/rep_mode || kmt_fail "rep_mode not step"
echo sideways >/sys/kernel/debug/kmemtrap/rep_mode 2>/dev/null && kmt_fail "debugfs accepted a bad rep_mode"
echo batch >/sys/kernel/debug/kmemtrap/rep_mode || kmt_fail "debugfs refused rep_mode batch"
grep -q '^batch' /sys/kernel/debug/kmemtrap/rep_mode || kmt_fail "rep_mode not batch after the write"
echo 0 >/sys/kernel/debug/kmemtrap/emulate || kmt_fail "debugfs refused emulate 0"
grep -q '^0' /sys/kernel/debug/kmemtrap/emulate || kmt_fail "emulate not 0 after the write"
echo sometimes >/sys/kernel/debug/kmemtrap/emulate 2>/dev/null && kmt_fail "debugfs accepted a bad emulate"
echo 1 >/sys/kernel/debug/kmemtrap/emulate || kmt_fail "debugfs refused emulate 1"
P=/sys/module/kmemtrap/parameters
echo 5000000000 >$P/sample_interval 2>/dev/null && kmt_fail "sample_interval accepted 5000000000"
[ "$(cat $P/sample_interval)" = 0 ] || kmt_fail "sample_interval changed by a refused write"
echo 1000 >$P/sample_interval || kmt_fail "sample_interval=1000 refused at run time"
[ "$(cat $P/sample_interval)" = 1000 ] || kmt_fail "sample_interval not 1000 after the write"
kmt_unload kmemtrap
# Names that match nothing are said, once each; a cache that exists is not complained about.
kmt_load kmemtrap track_modules=kmt_nosuchmod track_caches=kmt_nosuchcache,task_struct,kmalloc-64
kmt_unload kmemtrap
# struct kmem_cache read wrong (the test hook shifts every offset): the load says so, kmem_cache
# objects are not tracked and track_caches refuses a cache that is not a kmalloc one; the rest works.
kmt_load kmemtrap debug_cache_layout_skew=8
P=/sys/module/kmemtrap/parameters
echo dentry >$P/track_caches 2>/dev/null && kmt_fail "track_caches=dentry accepted with the layout check failed"
[ -z "$(cat $P/track_caches)" ] || kmt_fail "track_caches changed by a refused write: $(cat $P/track_caches)"
echo kmalloc-64 >$P/track_caches || kmt_fail "track_caches=kmalloc-64 refused"
echo "KMT-PARAM: layout check failed: cache tracking refused, kmalloc tracking kept"
kmt_unload kmemtrap
