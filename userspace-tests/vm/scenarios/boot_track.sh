# Boot-time tracking: /init loads kmemtrap first with kmemtrap.track_modules=kmt_bugs from the
# kernel command line; kmt_bugs is loaded after it and runs its cases in its init. Exactly its
# seeded bugs (those that need no user context) are reported. Known gaps of the kernel are not run.
# aged_free's late read and aged_uninit's late use are reported too: quiet_age is off by default
# without track_all=1.
#@expect KMT-GUEST: kmemtrap loaded at boot with: track_modules=kmt_bugs
#@reject kmt_bugs: .*data WRONG
grep -q '^kmemtrap ' /proc/modules || kmt_fail "kmemtrap was not loaded at boot"
kmt_load kmt_bugs run_at_load=1 skip="$(kmt_known_gaps)"
cat /sys/kernel/debug/kmemtrap/reports >/dev/null
want=0
for e in "uninit_kmalloc uninit-use kmt_bugs_uninit_kmalloc_read" \
	"partial_memcpy uninit-use kmt_bugs_read_after_memcpy" \
	"cross_page uninit-use kmt_bugs_cross_page_read" \
	"use_after_free freed-read kmt_bugs_use_after_free" \
	"slack unallocated-read kmt_bugs_slack_read" \
	"stack_leak infoleak bugs_copy_out" \
	"private_cache uninit-use kmt_bugs_cache_read" \
	"bulk_uninit uninit-use kmt_bugs_bulk_uninit_read" \
	"bulk_use_after_free freed-read kmt_bugs_bulk_use_after_free" \
	"kfree_bulk_read freed-read kmt_bugs_kfree_bulk_read" \
	"quiet_free freed-read kmt_bugs_quiet_free_read" \
	"quiet_copy uninit-use kmt_bugs_quiet_copy_read" \
	"aged_free freed-read kmt_bugs_aged_early_read" \
	"aged_free freed-read kmt_bugs_aged_late_read" \
	"aged_uninit uninit-use kmt_bugs_aged_uninit_early" \
	"aged_uninit uninit-use kmt_bugs_aged_uninit_late"; do
	set -- $e
	kmt_known_gap "$1" && continue
	kmt_expect_dmesg "BUG: kmemtrap: $2 in $3"
	want=$((want + 1))
done
kmt_known_gap clean || true
n=$(dmesg | grep -c 'BUG: kmemtrap:')
[ "$n" = "$want" ] || kmt_fail "expected exactly $want reports, saw $n"
kmt_unload kmt_bugs
kmt_unload kmemtrap
