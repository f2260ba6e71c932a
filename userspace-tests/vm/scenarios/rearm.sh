# Re-arming forgets every tracked object: writes made while kmemtrap was disarmed were not seen.
# 1. Deterministic: kmt_reports allocates objects that take every object record
#    (max_objects=4), then X; X is filled while disarmed and read after re-arming: no report.
#    (kmemtrap once tracked X without a record, which re-arming could not forget: a false
#    uninit-read in kmt_reports_rearm_read.)
# 2. Under an exec-heavy workload (every exec kmallocs its ELF program headers, a kmalloc-1k
#    object, and fills them with kernel_read), `enabled` toggled 0/1 150 times: no report.
#@expect kmt_reports: rearm_read: done
#@expect KMT-REARM: 150 cycles
#@reject BUG: kmemtrap:
#@reject kmt_reports: .*data WRONG
D=/sys/kernel/debug
kmt_load kmemtrap track_modules=kmt_reports max_objects=4
kmt_load kmt_reports
echo rearm_alloc >$D/kmt_reports/run
echo 0 >$D/kmemtrap/enabled
echo rearm_write >$D/kmt_reports/run
echo 1 >$D/kmemtrap/enabled
echo rearm_read >$D/kmt_reports/run
cat $D/kmemtrap/reports
kmt_unload kmt_reports
kmt_unload kmemtrap

kmt_load kmemtrap track_caches=kmalloc-1k max_objects=2
exec_loop() {
	while [ ! -f /tmp/stop ]; do
		/bin/true
		ls / >/dev/null
		cat /proc/self/status >/dev/null
	done
}
# Two loops, so that two execs can have their program headers live at once.
exec_loop &
w1=$!
exec_loop &
w2=$!
i=0
while [ $i -lt 150 ]; do
	echo 0 >$D/kmemtrap/enabled
	usleep 3000
	echo 1 >$D/kmemtrap/enabled
	usleep 3000
	i=$((i + 1))
done
touch /tmp/stop
wait $w1 $w2
cat $D/kmemtrap/reports
grep -E '^(objects_|errors_|reports)' $D/kmemtrap/counters | sed 's/^/KMT-COUNTERS: /'
echo "KMT-REARM: $i cycles"
kmt_unload kmemtrap
