# Whole-kernel run: the workload untracked, then with track_all=1; the guest must stay up and
# finish, and kmemtrap must unload cleanly. Reports are printed for classification (docs/).
# One line sums it up (issue 13), both times from this boot:
#   KMT-TRACK-ALL: untracked=<s> tracked=<s> ratio=<tracked/untracked> faults=<n> steps=<n>
#                  rep_elements=<n> pages_tracked=<n> pages_hidden=<n> reports=<n>
#   (pages: at the end; reports: printed while tracked, each a false one unless docs/results.md
#   says otherwise)
#@expect KMT-WORKLOAD: 20 rounds in .* s
#@expect KMT-TRACK-ALL: untracked=[0-9.]+ tracked=[0-9.]+ ratio=[0-9.]+ faults=[1-9][0-9]* steps=[1-9][0-9]* rep_elements=[0-9]+ pages_tracked=[0-9]+ pages_hidden=[0-9]+ reports=[0-9]+
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
. /root/workload.sh
w=$(kmt_workload 20)
echo "$w"
untracked=$(kmt_workload_seconds "$w")
echo "KMT-PHASE: tracked"
kmt_load kmemtrap track_all=1 max_pages=65536 max_objects=65536
w=$(kmt_workload 20)
echo "$w"
tracked=$(kmt_workload_seconds "$w")
cat /sys/kernel/debug/kmemtrap/reports
sed 's/^/KMT-COUNTERS: /' /sys/kernel/debug/kmemtrap/counters
[ -n "$untracked" ] && [ -n "$tracked" ] || kmt_fail "no workload time (untracked '$untracked', tracked '$tracked')"
echo "$untracked $tracked" | awk -v f="$(kmt_counter faults_handled)" -v s="$(kmt_counter single_steps)" \
	-v r="$(kmt_counter rep_elements)" -v t="$(kmt_counter pages_tracked)" -v h="$(kmt_counter pages_hidden)" -v n="$(kmt_counter reports)" \
	'{ printf "KMT-TRACK-ALL: untracked=%s tracked=%s ratio=%.1f faults=%s steps=%s rep_elements=%s pages_tracked=%s pages_hidden=%s reports=%s\n",
		$1, $2, ($1 > 0 ? $2 / $1 : 0), f, s, r, t, h, n }'
kmt_unload kmemtrap
