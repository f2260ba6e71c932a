# Selection set at run time through /sys/module/kmemtrap/parameters, max_reports, oneshot and
# re-arming through debugfs.
#@expect kmemtrap: split the direct map
#@expect kmemtrap: oneshot: disarmed after the first report
#@expect kmemtrap: invalid track_all 'perhaps': use 0 or 1
#@expect kmemtrap: allocator hooks attached: kmt_bugs allocates kmem_cache or large kmalloc objects
#@reject BUG: kmemtrap: unallocated-read in kmt_bugs_slack_read
#@reject BUG: kmemtrap: uninit-use in kmt_bugs_cross_page_read
P=/sys/module/kmemtrap/parameters
D=/sys/kernel/debug
kmt_load kmemtrap
kmt_load kmt_bugs
nreports() { cat $D/kmemtrap/reports >/dev/null; dmesg | grep -c 'BUG: kmemtrap:'; }

echo uninit_kmalloc >$D/kmt_bugs/run
[ "$(nreports)" = 0 ] || kmt_fail "a report although nothing is selected"
# Nothing selected, nothing tracked: the allocator hooks are not attached (they cost nothing).
[ "$(kmt_counter alloc_hooks)" = 0 ] || kmt_fail "allocator hooks attached with nothing selected"
echo "" >$P/track_caches || kmt_fail "cannot set an empty track_caches"
[ "$(kmt_counter alloc_hooks)" = 0 ] || kmt_fail "an empty selection attached the allocator hooks"
printf "m%070d" 0 >$P/track_modules 2>/dev/null && kmt_fail "track_modules accepted a 71-character name"
[ "$(kmt_counter alloc_hooks)" = 0 ] || kmt_fail "a refused selection attached the allocator hooks"

echo kmt_bugs >$P/track_modules || kmt_fail "cannot set track_modules at run time"
[ "$(kmt_counter alloc_hooks)" = 1 ] || kmt_fail "selecting kmt_bugs did not attach the allocator hooks"
echo uninit_kmalloc >$D/kmt_bugs/run
[ "$(nreports)" = 1 ] || kmt_fail "no report after selecting kmt_bugs at run time"

echo 1 >$P/max_reports
echo slack >$D/kmt_bugs/run
[ "$(nreports)" = 1 ] || kmt_fail "max_reports=1 printed a second report"
[ "$(kmt_counter reports_over_limit)" = 1 ] || kmt_fail "the report over the limit was not counted"

echo 0 >$P/max_reports
echo 1 >$P/oneshot
echo use_after_free >$D/kmt_bugs/run
[ "$(nreports)" = 2 ] || kmt_fail "no report for use_after_free"
[ "$(kmt_counter enabled)" = 0 ] || kmt_fail "oneshot did not disarm"
echo cross_page >$D/kmt_bugs/run
[ "$(nreports)" = 2 ] || kmt_fail "a report while disarmed"
[ "$(kmt_counter pages_hidden)" = 0 ] || kmt_fail "pages hidden while disarmed"
echo 1 >$D/kmemtrap/enabled || kmt_fail "cannot re-arm"
[ "$(kmt_counter enabled)" = 1 ] || kmt_fail "not armed after echo 1 > enabled"
if ! kmt_known_gap clean; then
	echo clean >$D/kmt_bugs/run
	[ "$(nreports)" = 2 ] || kmt_fail "a report for the clean case after re-arming"
fi

echo perhaps >$P/track_all 2>/dev/null && kmt_fail "track_all accepted 'perhaps'"
echo "" >$P/track_modules || kmt_fail "cannot clear track_modules"
# Objects tracked under the old selection still need their frees seen: the hooks stay.
[ "$(kmt_counter alloc_hooks)" = 1 ] || kmt_fail "clearing the selection detached the allocator hooks"
kmt_unload kmt_bugs
kmt_unload kmemtrap
