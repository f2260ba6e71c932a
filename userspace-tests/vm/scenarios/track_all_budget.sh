# Whole kernel within a fault budget (issue 13, goal 4): in one boot the busybox workload runs
# untracked, then with track_all=1 fault_budget=N (kmt.budget=N on the kernel command line,
# default 50: each time a tracked page has taken another N faults, its objects that lived
# through N/2 of them are let go; quiet pages on, the default); then, with kmemtrap still loaded that way, kmt_bugs'
# seeded bugs must all be found, exactly as with track_modules=kmt_bugs (vm.alloc_track).
#   KMT-TRACK-ALL-BUDGET: budget=<N> untracked=<s> tracked=<s> ratio=<tracked/untracked>
#                         faults=<n> steps=<n> objects_let_go=<n> pages_quieted=<n>
#@expect KMT-WORKLOAD: 20 rounds in .* s
#@expect KMT-TRACK-ALL-BUDGET: budget=[0-9]+ untracked=[0-9.]+ tracked=[0-9.]+ ratio=[0-9.]+ faults=[1-9][0-9]* steps=[0-9]+ objects_let_go=[1-9][0-9]* pages_quieted=[1-9][0-9]*
#@expect KMT-CASE: quiet_copy ok
#@expect KMT-QUIET: pages_quieted
#@reject kmt_bugs: .*data WRONG
#@expect kmemtrap: unloaded: .* 0 internal errors, .* 0 pages still tracked, 0 hidden
. /root/workload.sh
D=/sys/kernel/debug
B=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^kmt\.budget=//p')
[ -n "$B" ] || B=50
w=$(kmt_workload 20)
echo "$w"
untracked=$(kmt_workload_seconds "$w")
echo "KMT-PHASE: tracked, fault budget $B"
kmt_load kmemtrap track_all=1 fault_budget=$B max_pages=65536 max_objects=65536
[ "$(cat /sys/module/kmemtrap/parameters/fault_budget)" = "$B" ] || kmt_fail "fault_budget not set"
w=$(kmt_workload 20)
echo "$w"
tracked=$(kmt_workload_seconds "$w")
[ -n "$untracked" ] && [ -n "$tracked" ] || kmt_fail "no workload time (untracked '$untracked', tracked '$tracked')"
echo "$untracked $tracked" | awk -v b=$B -v f="$(kmt_counter faults_handled)" -v s="$(kmt_counter single_steps)" \
	-v l="$(kmt_counter objects_let_go)" -v q="$(kmt_counter pages_quieted)" \
	'{ printf "KMT-TRACK-ALL-BUDGET: budget=%s untracked=%s tracked=%s ratio=%.1f faults=%s steps=%s objects_let_go=%s pages_quieted=%s\n",
		b, $1, $2, ($1 > 0 ? $2 / $1 : 0), f, s, l, q }'
# Whole-kernel reports are classified by vm.track_all; here only kmt_bugs' are checked.
cat $D/kmemtrap/reports >/dev/null
echo "KMT-PHASE: kmt_bugs under track_all"
kmt_load kmt_bugs
kmt_bugs_cases
kmt_unload kmt_bugs
kmt_unload kmemtrap
