# A second busybox workload, for kernel paths workload.sh does not reach: name handling (every
# name length 1..40 and near 255 bytes, deep trees, rename/link/symlink/unlink), truncate and
# append, find/ls -R/stat, /proc and /sys reads, ps/dmesg, sort/tar/gzip, pipes and FIFOs,
# TCP, UDP and unix sockets on loopback (nc, httpd/wget, nslookup, traceroute, syslogd/logger),
# ip/ifconfig, signals and timers, process
# creation, chmod/chown/touch -t, df, a tmpfs mount, /dev/urandom, xargs, and (when the guest
# has the modules in /root/kmods) ext2 and vfat on a loop device; namespaces, IPv6, a packet
# socket, tc, ptys, direct I/O, archives (kmt_w2_more). Sourced by the whole-kernel
# scenarios; kmt_workload2 ROUNDS prints how long it took (guest seconds).

# kmt_w2_setup: once per boot, untimed: load the block and file system modules if present.
kmt_w2_setup() {
	[ -d /root/kmods ] || return 0
	for m in loop crc32c_generic crc16 mbcache jbd2 ext4 fat vfat nls_cp437 nls_iso8859-1 nls_ascii; do
		[ -f /root/kmods/$m.ko ] && insmod /root/kmods/$m.ko 2>/dev/null
	done
	return 0
}

# kmt_w2_names DIR: create, stat, rename, link and remove names of every length 1..40 and a few
# near 255 bytes (the word-at-a-time name hash and compare, dentry names inline and external).
kmt_w2_names() {
	d=$1
	mkdir -p "$d"
	n=""
	l=1
	while [ $l -le 40 ]; do
		n="${n}$(printf '%x' $((l % 16)))"
		echo "$l" >"$d/$n"
		l=$((l + 1))
	done
	ls "$d" | wc -l >/dev/null
	for f in "$d"/*; do
		mv "$f" "$f.r"
		ln "$f.r" "$f.h" 2>/dev/null
		ln -s "$f.r" "$f.s" 2>/dev/null
		readlink "$f.s" >/dev/null
		cat "$f.r" "$f.s" "$f.h" >/dev/null 2>&1
		rm -f "$f.h"
	done
	stat "$d"/* >/dev/null
	long=$(printf 'L%.0s' $(seq 1 250))
	for s in a bc def ghij; do
		echo "$s" >"$d/$long$s"
		mv "$d/$long$s" "$d/${long}X"
		cat "$d/${long}X" >/dev/null
		rm -f "$d/${long}X"
	done
	[ -e "$d/${long}nonexistent" ] && echo "KMT-WORKLOAD: impossible name exists"
	rm -rf "$d"
}

# kmt_w2_tree DIR: a deep directory tree, find, ls -lR, tar and gzip of it, untar elsewhere.
kmt_w2_tree() {
	d=$1
	p=$d
	i=0
	while [ $i -lt 12 ]; do
		p="$p/level$i"
		i=$((i + 1))
	done
	mkdir -p "$p"
	for s in 1 22 333 4444; do
		echo "leaf $s" >"$p/f$s"
		echo "mid $s" >"$d/level0/m$s"
	done
	find "$d" -type f | sort >/dev/null
	find "$d" -name 'f*' -exec cat {} + >/dev/null
	ls -lR "$d" >/dev/null
	(cd "$d" && tar cf - . | gzip -c >/tmp/w2tree.tgz)
	mkdir -p "$d.x"
	gunzip -c /tmp/w2tree.tgz | (cd "$d.x" && tar xf -)
	diff -r "$d" "$d.x" >/dev/null || echo "KMT-WORKLOAD: tar round trip differs"
	rm -rf "$d" "$d.x" /tmp/w2tree.tgz
}

# kmt_w2_files DIR: truncate, append, chmod/chown/touch -t, fallocate, sparse files, cmp.
kmt_w2_files() {
	d=$1
	mkdir -p "$d"
	f=$d/data
	seq 1 2000 >"$f"
	i=0
	while [ $i -lt 20 ]; do
		echo "append $i" >>"$f"
		i=$((i + 1))
	done
	truncate -s 3000 "$f"
	truncate -s 70000 "$f"
	truncate -s 100 "$f"
	dd if=/dev/urandom of="$d/rnd" bs=1k count=16 2>/dev/null
	dd if="$d/rnd" of="$d/sparse" bs=1k seek=200 count=4 2>/dev/null
	cmp "$d/rnd" "$d/rnd" || echo "KMT-WORKLOAD: cmp failed"
	fallocate -l 65536 "$d/falloc" 2>/dev/null
	chmod 640 "$f"
	chmod u+x,g-w "$d/rnd"
	chown 1000:1000 "$f" 2>/dev/null
	touch -t 202001020304.05 "$f"
	stat -c '%s %a %u %g %Y' "$f" "$d/sparse" >/dev/null
	md5sum "$d"/* | sort >/dev/null
	sha256sum "$d/rnd" >/dev/null
	df "$d" >/dev/null
	rm -rf "$d"
}

# kmt_w2_fs: a tmpfs mount with options, and ext2/vfat images on a loop device if available.
kmt_w2_fs() {
	mkdir -p /mnt/t
	mount -t tmpfs -o size=4m,mode=0755 w2tmp /mnt/t || echo "KMT-WORKLOAD: tmpfs mount failed"
	kmt_w2_names /mnt/t/names
	df /mnt/t >/dev/null
	umount /mnt/t
	grep -q ext2 /proc/filesystems || return 0
	[ -e /dev/loop0 ] || return 0
	for t in ext2 vfat; do
		grep -qw $t /proc/filesystems || continue
		dd if=/dev/zero of=/tmp/w2img bs=1k count=2048 2>/dev/null
		losetup /dev/loop0 /tmp/w2img || { echo "KMT-WORKLOAD: losetup failed"; return 0; }
		case $t in
		ext2) mke2fs -q /dev/loop0 >/dev/null 2>&1 ;;
		vfat) mkdosfs /dev/loop0 >/dev/null 2>&1 ;;
		esac
		mkdir -p /mnt/$t
		if mount -t $t /dev/loop0 /mnt/$t; then
			kmt_w2_names /mnt/$t/names
			kmt_w2_files /mnt/$t/files
			mkdir -p /mnt/$t/a/b/c && echo x >/mnt/$t/a/b/c/y && ls -lR /mnt/$t >/dev/null
			dd if=/dev/urandom of=/mnt/$t/direct bs=4k count=4 oflag=direct conv=fsync 2>/dev/null
			dd if=/mnt/$t/direct of=/dev/null bs=4k iflag=direct 2>/dev/null
			fstrim /mnt/$t 2>/dev/null
			blockdev --getsize64 /dev/loop0 >/dev/null 2>&1
			sync
			umount /mnt/$t
		else
			echo "KMT-WORKLOAD: mount $t failed"
		fi
		losetup -d /dev/loop0
		rm -f /tmp/w2img
	done
}

# kmt_w2_procsys: read many /proc and /sys files, ps, dmesg, ls -lR of parts of both.
kmt_w2_procsys() {
	for f in /proc/meminfo /proc/stat /proc/vmstat /proc/slabinfo /proc/interrupts /proc/modules \
		/proc/mounts /proc/self/maps /proc/self/status /proc/self/stat /proc/self/smaps \
		/proc/self/environ /proc/self/cmdline /proc/self/limits /proc/self/mountinfo \
		/proc/net/dev /proc/net/tcp /proc/net/udp /proc/net/unix /proc/net/route \
		/proc/sys/kernel/random/uuid /proc/loadavg /proc/uptime /proc/version \
		/proc/filesystems /proc/partitions /proc/zoneinfo /proc/buddyinfo /proc/cpuinfo; do
		cat "$f" >/dev/null 2>&1
	done
	cat /proc/[0-9]*/stat >/dev/null 2>&1
	cat /proc/[0-9]*/status >/dev/null 2>&1
	ls -l /proc/[0-9]*/fd/ >/dev/null 2>&1
	ls -lR /sys/kernel/mm /sys/class/net /sys/devices/system/cpu >/dev/null 2>&1
	find /sys/class/net/lo/ -type f 2>/dev/null | head -n 40 | xargs cat >/dev/null 2>&1
	find /proc/sys/vm /proc/sys/net/ipv4/conf/lo -type f 2>/dev/null | xargs cat >/dev/null 2>&1
	ps >/dev/null
	ps -o pid,ppid,comm,args >/dev/null 2>&1
	dmesg | tail -n 50 >/dev/null
	free >/dev/null
	uptime >/dev/null
	sysctl -a >/dev/null 2>&1
}

# kmt_w2_pipes: pipes, FIFOs, sort, xargs, /dev/urandom.
kmt_w2_pipes() {
	seq 1 3000 | sort -r | sort -n | uniq | tail -n 3 >/dev/null
	head -c 65536 /dev/urandom | od -A x -t x1 | tail -n 1 >/dev/null
	seq 1 200 | xargs -n 7 echo | wc -l >/dev/null
	rm -f /tmp/w2fifo
	mkfifo /tmp/w2fifo
	(seq 1 500 >/tmp/w2fifo) &
	wc -l </tmp/w2fifo >/dev/null
	wait
	rm -f /tmp/w2fifo
	yes hello | head -n 2000 | tr a-z A-Z | rev | sort | uniq -c >/dev/null
}

# kmt_w2_net: loopback TCP, UDP and unix sockets through nc, ip and ifconfig.
kmt_w2_net() {
	ip link set lo up 2>/dev/null
	ip addr show lo >/dev/null
	ip -s link >/dev/null 2>&1
	ip route show >/dev/null 2>&1
	ifconfig lo >/dev/null 2>&1
	ifconfig -a >/dev/null 2>&1
	netstat -an >/dev/null 2>&1
	# TCP: a small nc message (busybox's nc closes on EOF), then a bulk transfer through httpd and
	# wget.
	nc -l -p 12345 >/tmp/w2recv &
	lp=$!
	sleep 0.2
	echo "tcp message" | nc 127.0.0.1 12345 || true
	wait $lp 2>/dev/null
	mkdir -p /tmp/w2www
	seq 1 6000 >/tmp/w2www/index.html
	httpd -p 127.0.0.1:8080 -h /tmp/w2www
	wget -q -O /tmp/w2recv http://127.0.0.1:8080/index.html || echo "KMT-WORKLOAD: wget failed"
	cmp -s /tmp/w2recv /tmp/w2www/index.html || echo "KMT-WORKLOAD: HTTP transfer differs"
	wget -q -O /dev/null http://127.0.0.1:8080/missing 2>/dev/null
	killall httpd 2>/dev/null
	# UDP: busybox's nc has none. A DNS query to a closed port (ICMP port unreachable back to the
	# socket), traceroute's UDP probes, syslogd forwarding to a UDP port.
	timeout 3 nslookup localhost 127.0.0.1 >/dev/null 2>&1
	timeout 5 traceroute -m 2 -w 1 127.0.0.1 >/dev/null 2>&1
	# unix sockets: logger to syslogd's /dev/log (datagram), syslogd also forwarding over UDP.
	syslogd -n -O /tmp/w2syslog -R 127.0.0.1:5140 -L &
	sp=$!
	sleep 0.2
	logger -t kmtw2 "unix socket message" 2>/dev/null
	sleep 0.2
	kill $sp 2>/dev/null
	wait $sp 2>/dev/null
	ping -c 2 -i 0.2 -s 1000 127.0.0.1 >/dev/null 2>&1 || echo "KMT-WORKLOAD: ping failed"
	rm -rf /tmp/w2recv /tmp/w2www /tmp/w2syslog
}

# kmt_w2_procs: process creation, signals, timers.
kmt_w2_procs() {
	i=0
	while [ $i -lt 10 ]; do
		sh -c 'exit 0'
		sh -c 'echo $$ >/dev/null; true' &
		i=$((i + 1))
	done
	wait
	sleep 5 &
	sp=$!
	kill -STOP $sp
	kill -CONT $sp
	kill -TERM $sp
	wait $sp 2>/dev/null
	sh -c 'trap "exit 0" USR1; while :; do sleep 0.1; done' &
	sp=$!
	sleep 0.3
	kill -USR1 $sp
	wait $sp 2>/dev/null
	timeout 1 sleep 0.2 2>/dev/null
	usleep 10000
	true
}

# kmt_w2_more: namespaces (unshare), IPv6 loopback TCP, a packet socket (udhcpc), traffic control,
# ptys (telnetd/telnet over devpts), direct and synced I/O, top, archive formats, shred.
kmt_w2_more() {
	unshare -n sh -c 'ip link set lo up; ip addr show lo >/dev/null; ping -c 1 127.0.0.1 >/dev/null' 2>/dev/null
	unshare -u sh -c 'hostname kmtw2; hostname >/dev/null' 2>/dev/null
	unshare -m sh -c 'mount -t tmpfs none /mnt && echo ns >/mnt/f && cat /mnt/f >/dev/null' 2>/dev/null
	unshare -p -f sh -c 'echo $$ >/dev/null' 2>/dev/null
	unshare -i true 2>/dev/null
	ip -6 addr show lo >/dev/null 2>&1
	ping6 -c 1 ::1 >/dev/null 2>&1
	nc -l -p 12347 >/dev/null 2>&1 &
	lp=$!
	sleep 0.2
	echo "tcp6 message" | nc ::1 12347 >/dev/null 2>&1 || true
	kill $lp 2>/dev/null
	wait $lp 2>/dev/null
	timeout 2 udhcpc -i lo -n -q -t 1 -T 1 -s /bin/true >/dev/null 2>&1
	tc qdisc add dev lo root netem delay 1ms 2>/dev/null || tc qdisc add dev lo root pfifo 2>/dev/null
	tc qdisc show dev lo >/dev/null 2>&1
	tc qdisc del dev lo root 2>/dev/null
	route -n >/dev/null 2>&1
	arp -an >/dev/null 2>&1
	mkdir -p /dev/pts
	grep -q devpts /proc/mounts || mount -t devpts devpts /dev/pts 2>/dev/null
	telnetd -p 2323 -l /bin/sh 2>/dev/null &&
		{ (sleep 0.5; echo "echo pty ok; exit") | timeout 3 telnet 127.0.0.1 2323 >/dev/null 2>&1; }
	killall telnetd 2>/dev/null
	dd if=/dev/urandom of=/tmp/w2d bs=4k count=8 conv=fsync 2>/dev/null
	dd if=/tmp/w2d of=/dev/null bs=4k iflag=direct 2>/dev/null
	sync /tmp/w2d 2>/dev/null
	top -b -n 1 >/dev/null 2>&1
	(cd /tmp && echo w2d | cpio -o -H newc 2>/dev/null | cpio -t >/dev/null 2>&1)
	bzip2 -c /tmp/w2d | bunzip2 -c | cmp -s - /tmp/w2d || echo "KMT-WORKLOAD: bzip2 round trip differs"
	shred -n 1 -u /tmp/w2d 2>/dev/null
	rm -f /tmp/w2d
	taskset -p 1 $$ >/dev/null 2>&1
	renice -n 1 -p $$ >/dev/null 2>&1
	ionice -c 3 true 2>/dev/null
	chroot / true 2>/dev/null
	mdev -s 2>/dev/null
}

kmt_workload2() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	r=0
	while [ $r -lt ${1:-1} ]; do
		kmt_w2_names /tmp/w2names
		kmt_w2_tree /tmp/w2tree
		kmt_w2_files /tmp/w2files
		kmt_w2_fs
		kmt_w2_procsys
		kmt_w2_pipes
		kmt_w2_net
		kmt_w2_procs
		kmt_w2_more
		r=$((r + 1))
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "KMT-WORKLOAD2: $1 rounds in $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}') s"
}
