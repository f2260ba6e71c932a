# profile_track_all: 5 rounds of the busybox workload under track_all=1 between two profile
# markers (kmt_bench's "mark"), for tools/profile's plugin: guest instructions per fault handled.
# By hand (docs/results.md, "The whole kernel (goal 4), after"):
#   KMT_QEMU_ARGS="-plugin build/tools/profile/kmt-tbcount.so,arg=out=/tmp/counts" \
#     tools/kmt-vm --kernel 6.1 --file userspace-tests/vm/scenarios/workload.sh:/root/workload.sh \
#     --log /tmp/wl.log userspace-tests/vm/scenarios/profile_track_all.sh
#   build/tools/profile/kmemtrap-profile /tmp/wl.log /tmp/counts 20
#@expect KMT-WORKLOAD: 5 rounds in .* s
#@expect KMT-PROFILE-CASE: workload ops=[1-9][0-9]* faults=
#@expect KMT-PROFILE-KALLSYMS-END
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
. /root/workload.sh
D=/sys/kernel/debug
kmt_load kmemtrap track_all=1 max_pages=65536 max_objects=65536
kmt_load kmt_bench
f0=$(kmt_counter faults_handled) s0=$(kmt_counter single_steps)
echo mark >$D/kmt_bench/run || kmt_fail "no profile marker"
w=$(kmt_workload 5)
echo mark >$D/kmt_bench/run || kmt_fail "no profile marker"
f1=$(kmt_counter faults_handled) s1=$(kmt_counter single_steps)
echo "$w"
# Per fault handled: the counts divide by the faults of the workload.
echo "KMT-PROFILE-CASE: workload ops=$((f1 - f0)) faults=$((f1 - f0)) steps=$((s1 - s0))"
sed 's/^/KMT-COUNTERS: /' $D/kmemtrap/counters
echo KMT-PROFILE-KALLSYMS-BEGIN
grep ' [tT] ' /proc/kallsyms
echo KMT-PROFILE-KALLSYMS-END
kmt_unload kmt_bench
kmt_unload kmemtrap
