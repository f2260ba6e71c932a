# Whole-kernel run: the workload untracked, then with track_all=1; the guest must stay up and
# finish, and kmemtrap must unload cleanly. Reports are printed for classification (docs/).
#@expect KMT-WORKLOAD: 20 rounds in .* s
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
. /root/workload.sh
kmt_workload 20
echo "KMT-PHASE: tracked"
kmt_load kmemtrap track_all=1 max_pages=65536 max_objects=65536
kmt_workload 20
cat /sys/kernel/debug/kmemtrap/reports
sed 's/^/KMT-COUNTERS: /' /sys/kernel/debug/kmemtrap/counters
kmt_unload kmemtrap
