# 50 load/unload cycles of kmemtrap while a userspace workload runs and tracked pages are read
# and written from hardirq (hrtimer) and softirq (timer) context every millisecond. Every unload
# must leave no page tracked or hidden; the log must stay free of oopses and warnings.
#@expect kmemtrap_selftest: released; [1-9][0-9]* touches from interrupt context
#@reject kmemtrap: unloaded: .* [1-9][0-9]* pages still tracked
#@reject kmemtrap: unloaded: .* [1-9][0-9]* hidden
#@reject BUG: kmemtrap:

D=/sys/kernel/debug
(
	i=0
	while [ ! -f /tmp/stop ]; do
		echo "$i" | cat >/tmp/f$((i % 10))
		dd if=/dev/zero of=/tmp/big bs=4k count=16 2>/dev/null
		ls /proc >/dev/null
		i=$((i + 1))
	done
) &
workload=$!

i=0
while [ $i -lt 50 ]; do
	kmt_load kmemtrap
	kmt_load kmemtrap_selftest
	echo hold >$D/kmemtrap_selftest/run || kmt_fail "cycle $i: hold failed"
	usleep 20000
	handled=$(grep '^faults_handled ' $D/kmemtrap/counters | cut -d' ' -f2)
	hidden=$(grep '^pages_hidden ' $D/kmemtrap/counters | cut -d' ' -f2)
	[ "$handled" -gt 0 ] || kmt_fail "cycle $i: no fault handled while holding tracked pages"
	kmt_unload kmemtrap_selftest
	kmt_unload kmemtrap
	i=$((i + 1))
done
touch /tmp/stop
wait $workload

n=$(dmesg | grep -c 'kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden')
[ "$n" = 50 ] || kmt_fail "expected 50 clean unloads, saw $n"
echo "KMT-STRESS: 50 cycles, last cycle handled $handled faults"
