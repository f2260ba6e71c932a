# Whole-kernel run with the second workload (workload2.sh): untracked once, then under kmemtrap
# with track_all=1, or with the parameters given as kmt.w2=PARAMS on the kernel command line
# (semicolons for spaces: kmt.w2=track_caches=dentry,filp;rep_mode=step). kmt.w2rounds=N sets the
# rounds (default 1).
# The guest must stay up and finish, and kmemtrap must unload cleanly. Reports are printed for
# classification (docs/results.md, "Second whole-kernel workload"). One line sums it up:
#   KMT-TRACK-ALL2: untracked=<s> tracked=<s> ratio=<tracked/untracked> faults=<n> steps=<n>
#                   rep_elements=<n> pages_tracked=<n> pages_hidden=<n> reports=<n>
#@expect KMT-WORKLOAD2: [0-9]+ rounds in .* s
#@expect KMT-TRACK-ALL2: untracked=[0-9.]+ tracked=[0-9.]+ ratio=[0-9.]+ faults=[1-9][0-9]* steps=[0-9]+ rep_elements=[0-9]+ pages_tracked=[0-9]+ pages_hidden=[0-9]+ reports=[0-9]+
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
#@reject KMT-WORKLOAD: 
. /root/workload2.sh
params=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^kmt\.w2=//p' | tr ';' ' ')
[ -n "$params" ] || params="track_all=1"
rounds=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^kmt\.w2rounds=//p')
[ -n "$rounds" ] || rounds=1
kmt_w2_setup
echo "KMT-W2-MODULES: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
echo "KMT-W2-FS: $(grep -E -w 'ext2|vfat|tmpfs' /proc/filesystems | tr -s '\t\n' '  ')"
w=$(kmt_workload2 $rounds)
echo "$w"
untracked=$(kmt_workload_seconds "$w")
echo "KMT-PHASE: tracked ($params)"
kmt_load kmemtrap $params max_pages=65536 max_objects=65536
w=$(kmt_workload2 $rounds)
echo "$w"
tracked=$(kmt_workload_seconds "$w")
cat /sys/kernel/debug/kmemtrap/reports
sed 's/^/KMT-COUNTERS: /' /sys/kernel/debug/kmemtrap/counters
[ -n "$untracked" ] && [ -n "$tracked" ] || kmt_fail "no workload time (untracked '$untracked', tracked '$tracked')"
echo "$untracked $tracked" | awk -v f="$(kmt_counter faults_handled)" -v s="$(kmt_counter single_steps)" \
	-v r="$(kmt_counter rep_elements)" -v t="$(kmt_counter pages_tracked)" -v h="$(kmt_counter pages_hidden)" -v n="$(kmt_counter reports)" \
	'{ printf "KMT-TRACK-ALL2: untracked=%s tracked=%s ratio=%.1f faults=%s steps=%s rep_elements=%s pages_tracked=%s pages_hidden=%s reports=%s\n",
		$1, $2, ($1 > 0 ? $2 / $1 : 0), f, s, r, t, h, n }'
kmt_unload kmemtrap
