# Boot-time tracking: /init loads kmemtrap first with kmemtrap.track_modules=kmt_bugs from the
# kernel command line; kmt_bugs is loaded after it and runs its cases in its init. Exactly its
# seeded bugs (those that need no user context) are reported.
#@expect KMT-GUEST: kmemtrap loaded at boot with: track_modules=kmt_bugs
#@expect BUG: kmemtrap: uninit-use in kmt_bugs_uninit_kmalloc_read
#@expect BUG: kmemtrap: uninit-use in kmt_bugs_read_after_memcpy
#@expect BUG: kmemtrap: uninit-use in kmt_bugs_cross_page_read
#@expect BUG: kmemtrap: freed-read in kmt_bugs_use_after_free
#@expect BUG: kmemtrap: unallocated-read in kmt_bugs_slack_read
#@expect BUG: kmemtrap: uninit-use in kmt_bugs_cache_read
#@reject kmt_bugs: .*data WRONG
grep -q '^kmemtrap ' /proc/modules || kmt_fail "kmemtrap was not loaded at boot"
kmt_load kmt_bugs run_at_load=1
cat /sys/kernel/debug/kmemtrap/reports >/dev/null
n=$(dmesg | grep -c 'BUG: kmemtrap:')
[ "$n" = 6 ] || kmt_fail "expected exactly 6 reports, saw $n"
kmt_unload kmt_bugs
kmt_unload kmemtrap
