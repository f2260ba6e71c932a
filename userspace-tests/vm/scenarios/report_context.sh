# Report context is captured at the access: an object read uninitialized, then freed, and its
# memory allocated again by another function before the report is printed. The report must
# name the first allocation (kmt_reports_alloc_first), say nothing of the later one, and not
# call the object freed (it was live at the access).
#@expect kmt_reports: reuse: done
#@reject kmt_reports: .*data WRONG
# Twice: with the object where the allocator put it (isolate=0: SLUB's freelist hands the freed
# object out again at once), and moved to a pool of one slot (isolate=1: that slot is the one
# reused).
D=/sys/kernel/debug
for iso in 0 1; do
	kmt_load kmemtrap track_modules=kmt_reports isolate=$iso
	kmt_load kmt_reports
	echo reuse >$D/kmt_reports/run || kmt_fail "reuse: run failed"
	cat $D/kmemtrap/reports >/dev/null
	n=$(dmesg | grep -c 'BUG: kmemtrap: uninit-use in kmt_reports_reuse_read')
	[ "$n" = $((iso + 1)) ] || kmt_fail "isolate=$iso: $n reports for kmt_reports_reuse_read in all, expected $((iso + 1))"
	# The last one.
	report=$(dmesg | awk '/BUG: kmemtrap: uninit-use in kmt_reports_reuse_read/ { on = 1; r = "" }
		on { r = r $0 "\n" } /kmemtrap: end of report/ { on = 0 } END { printf "%s", r }')
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
done
