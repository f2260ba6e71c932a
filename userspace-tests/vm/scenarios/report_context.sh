# Report context is captured at the access: an object read uninitialized, then freed, and its
# memory allocated again by another function before the report is printed. The report must
# name the first allocation (kmt_reports_alloc_first), say nothing of the later one, and not
# call the object freed (it was live at the access).
#@expect kmt_reports: reuse: done
#@reject kmt_reports: .*data WRONG
D=/sys/kernel/debug
kmt_load kmemtrap track_modules=kmt_reports
kmt_load kmt_reports
echo reuse >$D/kmt_reports/run || kmt_fail "reuse: run failed"
cat $D/kmemtrap/reports >/dev/null
report=$(dmesg | awk '/BUG: kmemtrap: uninit-use in kmt_reports_reuse_read/ { on = 1 } on { print } /kmemtrap: end of report/ { on = 0 }')
[ -n "$report" ] || kmt_fail "no report for kmt_reports_reuse_read"
echo "$report" | sed 's/^/KMT-REPORT: /'
first=$(echo "$report" | grep -A1 'Allocated by task' | tail -n 1)
echo "$first" | grep -q 'kmt_reports_alloc_first' ||
	kmt_fail "the report names the wrong allocation: $first"
echo "$report" | grep -q 'kmt_reports_alloc_second' && kmt_fail "the report names the later allocation"
echo "$report" | grep -q 'The buggy address is 24 bytes inside a 64-byte object' ||
	kmt_fail "the report has no object line or the wrong one"
echo "$report" | grep -q ', freed$\|Freed by' && kmt_fail "the object was live at the access"
kmt_unload kmt_reports
kmt_unload kmemtrap
