# A busybox workload: file I/O on tmpfs, pipes, process creation, loopback ping. Sourced by the
# whole-kernel scenarios; prints how long it took (guest seconds).
kmt_workload() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	i=0
	while [ $i -lt ${1:-20} ]; do
		dd if=/dev/zero of=/tmp/w$i bs=4k count=32 2>/dev/null
		cat /tmp/w$i | md5sum >/dev/null
		echo "line $i" | sed 's/line/LINE/' | grep -q LINE
		ls -l /proc/self/ /tmp >/dev/null
		rm -f /tmp/w$i
		i=$((i + 1))
	done
	ip link set lo up 2>/dev/null
	ping -c 3 -i 0.2 127.0.0.1 >/dev/null 2>&1 || echo "KMT-WORKLOAD: ping failed"
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "KMT-WORKLOAD: $1 rounds in $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}') s"
}
