# Allocation tracking by module: kmemtrap loaded with track_modules=kmt_bugs, then kmt_bugs
# (plain kmalloc/kmem_cache_alloc and their bulk forms, no annotations). Exactly its seeded bugs are reported, each
# with the allocation origin; nothing for its clean case. Known gaps of the kernel are skipped.
#@expect kmemtrap: split the direct map
#@expect Allocated by task sh/[0-9]+:
#@expect Freed by task sh/[0-9]+:
#@expect kmemtrap: summary: freed-read 1 kmt_bugs_use_after_free\+0x[0-9a-f]+/0x[0-9a-f]+ \[kmt_bugs\]
#@reject kmt_bugs: .*data WRONG
#@expect KMT-QUIET: pages_quieted \+([2-9]|[1-9][0-9]+) pages_woken \+([2-9]|[1-9][0-9]+)
D=/sys/kernel/debug
kmt_load kmemtrap track_modules=kmt_bugs
kmt_load kmt_bugs

kmt_bugs_cases
grep -E '^(objects_|shadow_bytes|pages_tracked)' $D/kmemtrap/counters | sed 's/^/KMT-STATS: /'
kmt_unload kmt_bugs
kmt_unload kmemtrap
kmt_expect_dmesg "kmemtrap: summary: $KMT_BUGS_TOTAL reports printed, 0 repeats, 0 dropped"
