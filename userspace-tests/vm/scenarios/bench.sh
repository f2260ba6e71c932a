# bench: kmt_bench.ko's measurements in one boot (issue 13; docs/results.md, "Benchmark").
# Each measurement runs alone (/sys/kernel/debug/kmt_bench/run); kmemtrap's counters are read
# around it and divided by the ops it ran: faults and single steps per op. Then one line per
# measurement and the ratios, all from this boot:
#   KMT-BENCH: <name> ns=<median ns/op> x_pfdb=<ns / (pf_fixup + db_step)> traps=<per op>
#              faults=<per op> steps=<per op> min=<ns> max=<ns> n=<ops per loop> ops=<in all>
#   KMT-BENCH-RATIO: <what>=<value>
# Passes when every number was printed and is sound (not a pass/fail on speed): a time is never
# 0, a tracked access faults (emulated: no single step; with emulation off, "<name>.stepped": a
# fault and a step at least), and nothing else traps.
#@expect KMT-BENCH: pf_fixup ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0 faults=0 steps=0
#@expect KMT-BENCH: db_step ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kprobe_ftrace ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kprobe_int3 ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: untracked_load ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: tracked_load ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH: tracked_store ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH: quiet_load ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0(\.0[0-9]*)? faults
#@expect KMT-BENCH: neighbour_load ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH: kmalloc_kfree ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kmalloc_kfree.isolating ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kvmalloc_kvfree ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kvmalloc_kvfree.isolating ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kmalloc_kfree.noisolate ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kvmalloc_kvfree.noisolate ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kstrdup_kfree ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kstrdup_kfree.isolating ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kstrdup_kfree.noisolate ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: alloc_neighbour_load ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: alloc_neighbour_load.inplace ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[0-9]
#@expect KMT-BENCH: tracked_load.stepped ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH-RATIO: tracked_load.stepped/tracked_load=[0-9.]+
#@expect KMT-BENCH: memcpy4k_untracked ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: memcpy4k.step ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH: memcpy4k.batch ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH: memset4k_untracked ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: memset4k.step ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH: memset4k.batch ns=[0-9.]+ x_pfdb=[0-9.]+ traps=[1-9]
#@expect KMT-BENCH-RATIO: tracked_load/\(pf_fixup\+db_step\)=[0-9.]+
#@expect KMT-BENCH-RATIO: tracked_store/\(pf_fixup\+db_step\)=[0-9.]+
#@expect KMT-BENCH-RATIO: quiet_load/untracked_load=[0-9.]+
#@expect KMT-BENCH-RATIO: neighbour_load/untracked_load=[0-9.]+
#@expect KMT-BENCH-RATIO: neighbour_load/tracked_load=[0-9.]+
#@expect KMT-BENCH-RATIO: alloc_neighbour_load/untracked_load=[0-9.]+
#@expect KMT-BENCH-RATIO: alloc_neighbour_load.inplace/untracked_load=[0-9.]+
#@expect KMT-BENCH-RATIO: kmalloc_kfree.isolating/kmalloc_kfree.noisolate=[0-9.]+
#@expect KMT-BENCH-RATIO: kvmalloc_kvfree.isolating/kvmalloc_kvfree.noisolate=[0-9.]+
#@expect KMT-BENCH-RATIO: kmalloc_kfree.isolating/kmalloc_kfree=[0-9.]+
#@expect KMT-BENCH-RATIO: kvmalloc_kvfree.isolating/kvmalloc_kvfree=[0-9.]+
#@expect KMT-BENCH-RATIO: kstrdup_kfree.isolating/kstrdup_kfree.noisolate=[0-9.]+
#@expect KMT-BENCH-RATIO: memcpy4k.step/memcpy4k.batch=[0-9.]+
#@expect KMT-BENCH-RATIO: memset4k.step/memset4k.batch=[0-9.]+
#@expect KMT-BENCH: kmalloc_kfree.unloaded ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kvmalloc_kvfree.unloaded ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: kstrdup_kfree.unloaded ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH: untracked_load.unloaded ns=[0-9.]+ x_pfdb=[0-9.]+ traps=0
#@expect KMT-BENCH-RATIO: kmalloc_kfree/kmalloc_kfree.unloaded=[0-9.]+
#@expect KMT-BENCH-RATIO: kmalloc_kfree.isolating/kmalloc_kfree.unloaded=[0-9.]+
#@expect KMT-BENCH-RATIO: kvmalloc_kvfree.isolating/kvmalloc_kvfree.unloaded=[0-9.]+
#@expect KMT-BENCH-RATIO: kstrdup_kfree.isolating/kstrdup_kfree.unloaded=[0-9.]+
#@expect KMT-BENCH-RATIO: untracked_load/untracked_load.unloaded=[0-9.]+
#@expect KMT-BENCH-RATIO: alloc_neighbour_load/untracked_load.unloaded=[0-9.]+
#@expect KMT-BENCH-DONE: (33|34) measurements
#   (the .unloaded ones run first, with kmt_bench loaded alone; ipi_roundtrip with more than one CPU)
#@expect kmemtrap: unloaded: .* 0 internal errors, .* 0 pages still tracked, 0 hidden
#@reject BUG: kmemtrap:
#@reject kmt_bench: .*FAILED

D=/sys/kernel/debug
P=/sys/module/kmemtrap/parameters
R=/tmp/bench.results # one line per measurement: label median_ps min_ps max_ps n ops faults steps
# First without kmemtrap (kmt_bench reaches its API through symbol_get()): what an allocation
# and a plain load cost with kmemtrap not loaded, in this boot (".unloaded": goal 2's baseline).
: >$R
kmt_load kmt_bench
grep -q '^kmemtrap ' /proc/modules && kmt_fail "kmemtrap is loaded already"
for name in $(awk '$2 == "alloc" { print $1 }' $D/kmt_bench/list) untracked_load; do
	echo "$name" >$D/kmt_bench/run || kmt_fail "$name.unloaded: the measurement failed"
	set -- $(cat $D/kmt_bench/result)
	[ "$1" = "$name" ] && [ $# = 6 ] && [ "$2" -gt 0 ] && [ "$6" -gt 0 ] ||
		kmt_fail "$name.unloaded: no result (read: $*)"
	echo "$name.unloaded $2 $3 $4 $5 $6 0 0" >>$R
	echo "KMT-BENCH-RUN: $name.unloaded done"
done
kmt_unload kmt_bench
# quiet_pages=0: a tracked page every byte of which is initialized would stop trapping after a few
# faults, and there would be nothing to measure; quiet_load turns it on for itself.
kmt_load kmemtrap quiet_pages=0
kmt_load kmt_bench
[ "$(cat $D/kmemtrap/enabled)" = 1 ] || kmt_fail "kmemtrap is not armed"


# measure NAME LABEL KIND: run one measurement, record it in $R and check its trap counts.
measure() {
	name=$1 label=$2 kind=$3
	f0=$(kmt_counter faults_handled) s0=$(kmt_counter single_steps)
	echo "$name" >$D/kmt_bench/run ||
		kmt_fail "$label: the measurement failed: $(dmesg | grep 'kmt_bench: .*FAILED' | tail -n 1)"
	f1=$(kmt_counter faults_handled) s1=$(kmt_counter single_steps)
	set -- $(cat $D/kmt_bench/result)
	[ "$1" = "$name" ] && [ $# = 6 ] || kmt_fail "$label: no result (read: $*)"
	[ "$2" -gt 0 ] && [ "$6" -gt 0 ] || kmt_fail "$label: a zero time or op count ($*)"
	faults=$((f1 - f0)) steps=$((s1 - s0))
	case $kind in
	plain) [ $faults = 0 ] && [ $steps = 0 ] ||
		kmt_fail "$label: kmemtrap trapped ($faults faults, $steps steps in $6 ops) where nothing is tracked" ;;
	tracked) [ $faults -ge "$6" ] && [ $steps = 0 ] ||
		kmt_fail "$label: $faults faults and $steps steps in $6 ops: an emulated tracked access must fault, and not step" ;;
	stepped) [ $faults -ge "$6" ] && [ $steps -ge "$6" ] ||
		kmt_fail "$label: $faults faults and $steps steps in $6 ops: a stepped tracked access must fault and step" ;;
	rep) [ $((faults + steps)) -ge "$6" ] ||
		kmt_fail "$label: $faults faults and $steps steps in $6 ops: a copy on tracked pages must trap" ;;
	quiet) [ $steps = 0 ] && [ $((faults * 100)) -le "$6" ] ||
		kmt_fail "$label: $faults faults and $steps steps in $6 ops: a quiet page must stop trapping" ;;
	isolated) [ $steps = 0 ] && [ $((faults * 10000)) -le "$6" ] ||
		kmt_fail "$label: $faults faults and $steps steps in $6 ops: an untracked neighbour trapped" ;;
	inplace) # the neighbour shares the tracked object's page only if kasprintf() put it there
		if dmesg | tail -n 5 | grep -q "alloc_neighbour_load: neighbour on the tracked"; then
			[ $faults -ge "$6" ] ||
				kmt_fail "$label: $faults faults in $6 ops: a neighbour on a tracked page must fault"
		fi ;;
	esac
	echo "$label $2 $3 $4 $5 $6 $faults $steps" >>$R
	echo "KMT-BENCH-RUN: $label done"
}

# Allocation costs first, before isolate.c's hooks are on; selecting a module (absent here)
# rewrites the kernel's track_caller calls for good (kstrdup() then goes through the wrapper,
# which sends it straight on); this module's own kmalloc calls are not rewritten (not selected).
# "Nothing selected" is kmemtrap with its allocator hooks not attached (they attach with the first
# selection or API-tracked range, and stay).
alloc_cases=$(awk '$2 == "alloc" { print $1 }' $D/kmt_bench/list)
[ "$(kmt_counter alloc_hooks)" = 0 ] || kmt_fail "allocator hooks attached before anything was selected"
for name in $alloc_cases; do measure "$name" "$name" plain; done
echo kmt_bench_absent >$P/track_modules || kmt_fail "cannot set track_modules"
# (a module selection that moves its objects needs no tracepoint: the kernel's other allocations
# and frees still pay nothing but the rewritten track_caller calls' wrapper)
[ "$(kmt_counter alloc_hooks)" = 0 ] || kmt_fail "selecting a module attached the allocator hooks"
for name in $alloc_cases; do measure "$name" "$name.isolating" plain; done
echo "" >$P/track_modules
while read -r name kind; do
	case $kind in
	rep)
		for mode in step batch; do
			echo $mode >$D/kmemtrap/rep_mode || kmt_fail "cannot set rep_mode $mode"
			measure "$name" "$name.$mode" rep
		done
		echo batch >$D/kmemtrap/rep_mode ;;
	tracked)
		# Emulated in the handler (the default), then shown and single-stepped (emulate=0).
		measure "$name" "$name" tracked
		echo 0 >$D/kmemtrap/emulate || kmt_fail "cannot turn emulation off"
		measure "$name" "$name.stepped" stepped
		echo 1 >$D/kmemtrap/emulate ;;
	quiet)
		echo 1 >$D/kmemtrap/quiet_pages || kmt_fail "cannot turn quiet pages on"
		measure "$name" "$name" quiet
		echo 0 >$D/kmemtrap/quiet_pages ;;
	alloc) ;; # above
	isolated)
		# The tracked object is moved away: its neighbour must never trap (the faults counted
		# are the set-up's, on the tracked object's slot).
		echo kmt_bench >$P/track_modules || kmt_fail "cannot set track_modules"
		measure "$name" "$name" isolated
		echo "" >$P/track_modules ;;
	*) measure "$name" "$name" "$kind" ;;
	esac
done <$D/kmt_bench/list

# With isolate=0: the allocations with another module selected but no isolation hooks (what
# ".isolating" adds to a selection), and the same neighbour with the tracked object where the
# allocator put it.
kmt_unload kmt_bench
kmt_unload kmemtrap
kmt_load kmemtrap quiet_pages=0 isolate=0
kmt_load kmt_bench
echo kmt_bench_absent >$P/track_modules || kmt_fail "cannot set track_modules"
for name in $alloc_cases; do measure "$name" "$name.noisolate" plain; done
echo kmt_bench >$P/track_modules || kmt_fail "cannot set track_modules"
measure alloc_neighbour_load alloc_neighbour_load.inplace inplace
echo "" >$P/track_modules

# The lines and the ratios (busybox awk: floating point). A missing measurement fails here.
awk '
	{ ps[$1] = $2; mn[$1] = $3; mx[$1] = $4; n[$1] = $5; ops[$1] = $6; f[$1] = $7; s[$1] = $8; order[++k] = $1 }
	function need(m) { if (!(m in ps)) { print "KMT-FAIL: no result for " m; bad = 1 } }
	# Plain decimals, never an exponent: whole numbers from 100, 3 decimals from 1, else 6.
	function fmt(v) { return v >= 100 ? sprintf("%.0f", v) : v >= 1 ? sprintf("%.3f", v) : sprintf("%.6f", v) }
	# Traps per op: whole numbers as such, else 3 decimals.
	function per(v) { return v == int(v) ? sprintf("%d", v) : sprintf("%.3f", v) }
	function ratio(what, a, b) { printf "KMT-BENCH-RATIO: %s=%s\n", what, fmt(a / b) }
	END {
		need("pf_fixup"); need("db_step"); need("untracked_load"); need("tracked_load")
		need("tracked_store"); need("neighbour_load"); need("tracked_load.stepped"); need("tracked_store.stepped"); need("quiet_load")
		need("memcpy4k.step"); need("memcpy4k.batch"); need("memset4k.step"); need("memset4k.batch")
		need("kmalloc_kfree"); need("kmalloc_kfree.isolating"); need("kvmalloc_kvfree"); need("kvmalloc_kvfree.isolating"); need("kmalloc_kfree.noisolate"); need("kvmalloc_kvfree.noisolate"); need("alloc_neighbour_load"); need("alloc_neighbour_load.inplace")
		need("kstrdup_kfree"); need("kstrdup_kfree.isolating"); need("kstrdup_kfree.noisolate")
		need("kmalloc_kfree.unloaded"); need("kvmalloc_kvfree.unloaded"); need("kstrdup_kfree.unloaded"); need("untracked_load.unloaded")
		if (bad) exit 1
		pfdb = ps["pf_fixup"] + ps["db_step"]
		for (i = 1; i <= k; i++) {
			m = order[i]
			printf "KMT-BENCH: %s ns=%.3f x_pfdb=%s traps=%s faults=%s steps=%s min=%.3f max=%.3f n=%d ops=%d\n",
				m, ps[m] / 1000, fmt(ps[m] / pfdb),
				per((f[m] + s[m]) / ops[m]), per(f[m] / ops[m]), per(s[m] / ops[m]),
				mn[m] / 1000, mx[m] / 1000, n[m], ops[m]
		}
		ratio("tracked_load/(pf_fixup+db_step)", ps["tracked_load"], pfdb)
		ratio("tracked_store/(pf_fixup+db_step)", ps["tracked_store"], pfdb)
		ratio("tracked_load.stepped/(pf_fixup+db_step)", ps["tracked_load.stepped"], pfdb)
		ratio("tracked_store.stepped/(pf_fixup+db_step)", ps["tracked_store.stepped"], pfdb)
		ratio("tracked_load.stepped/tracked_load", ps["tracked_load.stepped"], ps["tracked_load"])
		ratio("quiet_load/untracked_load", ps["quiet_load"], ps["untracked_load"])
		ratio("neighbour_load/untracked_load", ps["neighbour_load"], ps["untracked_load"])
		ratio("neighbour_load/tracked_load", ps["neighbour_load"], ps["tracked_load"])
		ratio("alloc_neighbour_load/untracked_load", ps["alloc_neighbour_load"], ps["untracked_load"])
		ratio("alloc_neighbour_load.inplace/untracked_load", ps["alloc_neighbour_load.inplace"], ps["untracked_load"])
		ratio("kmalloc_kfree.isolating/kmalloc_kfree.noisolate", ps["kmalloc_kfree.isolating"], ps["kmalloc_kfree.noisolate"])
		ratio("kvmalloc_kvfree.isolating/kvmalloc_kvfree.noisolate", ps["kvmalloc_kvfree.isolating"], ps["kvmalloc_kvfree.noisolate"])
		ratio("kmalloc_kfree.isolating/kmalloc_kfree", ps["kmalloc_kfree.isolating"], ps["kmalloc_kfree"])
		ratio("kvmalloc_kvfree.isolating/kvmalloc_kvfree", ps["kvmalloc_kvfree.isolating"], ps["kvmalloc_kvfree"])
		ratio("kstrdup_kfree.isolating/kstrdup_kfree.noisolate", ps["kstrdup_kfree.isolating"], ps["kstrdup_kfree.noisolate"])
		# Against kmemtrap not loaded: loaded with nothing selected, then with another module selected.
		ratio("kmalloc_kfree/kmalloc_kfree.unloaded", ps["kmalloc_kfree"], ps["kmalloc_kfree.unloaded"])
		ratio("kmalloc_kfree.isolating/kmalloc_kfree.unloaded", ps["kmalloc_kfree.isolating"], ps["kmalloc_kfree.unloaded"])
		ratio("kvmalloc_kvfree/kvmalloc_kvfree.unloaded", ps["kvmalloc_kvfree"], ps["kvmalloc_kvfree.unloaded"])
		ratio("kvmalloc_kvfree.isolating/kvmalloc_kvfree.unloaded", ps["kvmalloc_kvfree.isolating"], ps["kvmalloc_kvfree.unloaded"])
		ratio("kstrdup_kfree/kstrdup_kfree.unloaded", ps["kstrdup_kfree"], ps["kstrdup_kfree.unloaded"])
		ratio("kstrdup_kfree.isolating/kstrdup_kfree.unloaded", ps["kstrdup_kfree.isolating"], ps["kstrdup_kfree.unloaded"])
		ratio("untracked_load/untracked_load.unloaded", ps["untracked_load"], ps["untracked_load.unloaded"])
		ratio("alloc_neighbour_load/untracked_load.unloaded", ps["alloc_neighbour_load"], ps["untracked_load.unloaded"])
		ratio("memcpy4k.step/memcpy4k.batch", ps["memcpy4k.step"], ps["memcpy4k.batch"])
		ratio("memset4k.step/memset4k.batch", ps["memset4k.step"], ps["memset4k.batch"])
		if ("memcpy4k_untracked" in ps)
			ratio("memcpy4k.batch/memcpy4k_untracked", ps["memcpy4k.batch"], ps["memcpy4k_untracked"])
		if ("memset4k_untracked" in ps)
			ratio("memset4k.batch/memset4k_untracked", ps["memset4k.batch"], ps["memset4k_untracked"])
		printf "KMT-BENCH-DONE: %d measurements\n", k
	}' $R >/tmp/bench.out || { cat /tmp/bench.out; kmt_fail "the benchmark's results are incomplete"; }
cat /tmp/bench.out
grep -q '^KMT-FAIL' /tmp/bench.out && kmt_fail "the benchmark's results are incomplete"

sed 's/^/KMT-COUNTERS: /' $D/kmemtrap/counters
kmt_unload kmt_bench
kmt_unload kmemtrap
