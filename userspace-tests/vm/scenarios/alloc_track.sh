# Allocation tracking by module: kmemtrap loaded with track_modules=kmt_bugs, then kmt_bugs
# (plain kmalloc/kmem_cache_alloc and their bulk forms, no annotations). Exactly its seeded bugs are reported, each
# with the allocation origin; nothing for its clean case. Known gaps of the kernel are skipped.
#@expect kmemtrap: split the direct map
#@expect Allocated by task sh/[0-9]+:
#@expect Freed by task sh/[0-9]+:
#@expect kmemtrap: summary: freed-read 1 kmt_bugs_use_after_free\+0x[0-9a-f]+/0x[0-9a-f]+ \[kmt_bugs\]
#@reject kmt_bugs: .*data WRONG
D=/sys/kernel/debug
kmt_load kmemtrap track_modules=kmt_bugs
kmt_load kmt_bugs

nreports() { dmesg | grep -c 'BUG: kmemtrap:'; }
total=0
run_case() {
	case=$1
	shift
	kmt_known_gap "$case" && return 0
	total=$((total + $#))
	before=$(nreports)
	echo "$case" >$D/kmt_bugs/run || kmt_fail "$case: run failed"
	cat $D/kmemtrap/reports >/dev/null
	dmesg | grep -q "kmt_bugs: $case: done" || kmt_fail "$case: did not complete"
	got=$(dmesg | grep 'BUG: kmemtrap:' | tail -n +$((before + 1)) |
		sed 's/.*BUG: kmemtrap: \([a-z-]*\) in \([A-Za-z0-9_]*\)[.a-z0-9]*+.*/\1 \2/' | sort)
	want=$(for e in "$@"; do echo "$e"; done | sort)
	if [ "$got" != "$want" ]; then
		sed "s/^/KMT-FAIL:   counters: /" $D/kmemtrap/counters
		kmt_fail "$case: reports [$got], expected [$want]"
	fi
	echo "KMT-CASE: $case ok${got:+ ($got)}"
}
run_case clean
run_case uninit_kmalloc "uninit-use kmt_bugs_uninit_kmalloc_read"
run_case partial_memcpy "uninit-use kmt_bugs_read_after_memcpy"
run_case cross_page "uninit-use kmt_bugs_cross_page_read"
run_case use_after_free "freed-read kmt_bugs_use_after_free"
run_case slack "unallocated-read kmt_bugs_slack_read"
run_case padding_leak "infoleak bugs_padding_leak"
run_case stack_leak "infoleak bugs_copy_out"
run_case stack_copy
run_case private_cache "uninit-use kmt_bugs_cache_read"
# Bulk allocation and free have no per-object tracepoint (kmemtrap probes them).
run_case bulk_uninit "uninit-use kmt_bugs_bulk_uninit_read"
run_case bulk_use_after_free "freed-read kmt_bugs_bulk_use_after_free"
run_case kfree_bulk_read "freed-read kmt_bugs_kfree_bulk_read"
run_case bulk_clean
run_case clean
grep -E '^(objects_|shadow_bytes|pages_tracked)' $D/kmemtrap/counters | sed 's/^/KMT-STATS: /'
kmt_unload kmt_bugs
kmt_unload kmemtrap
kmt_expect_dmesg "kmemtrap: summary: $total reports printed, 0 repeats, 0 dropped"
