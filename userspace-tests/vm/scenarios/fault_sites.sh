# Faults counted by the instruction that took them (fault_sites=1; docs/usage.md): off by
# default, a bad value refused; with kmt_bugs' objects tracked and two of its cases run, debugfs
# fault_sites lists the busiest instructions, kmt_bugs' own among them, each line's loads and
# stores adding up to its count and, with every site listed, the lines to the header's total,
# which counts every fault kmemtrap handled (faults_handled) and no fewer.
#@expect kmemtrap: invalid fault_sites 'maybe': use 0 or 1
#@expect KMT-FAULT-SITES: off by default
#@expect KMT-FAULT-SITES: faults=[1-9][0-9]* handled=[1-9][0-9]* sites=[1-9][0-9]* lost=0 kmt_bugs_sites=[1-9][0-9]*
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
D=/sys/kernel/debug
insmod /modules/kmemtrap.ko fault_sites=maybe 2>/dev/null && kmt_fail "fault_sites=maybe was accepted"
grep -q '^kmemtrap ' /proc/modules && kmt_fail "kmemtrap loaded after a refused parameter"
kmt_load kmemtrap track_modules=kmt_bugs
[ "$(cat $D/kmemtrap/fault_sites)" = "off (load kmemtrap with fault_sites=1)" ] ||
	kmt_fail "fault_sites by default: '$(head -n 1 $D/kmemtrap/fault_sites)'"
echo "KMT-FAULT-SITES: off by default"
kmt_unload kmemtrap

kmt_load kmemtrap track_modules=kmt_bugs fault_sites=1
kmt_load kmt_bugs
for c in clean uninit_kmalloc; do
	echo $c >$D/kmt_bugs/run || kmt_fail "$c: run failed"
done
cat $D/kmemtrap/reports >/dev/null
handled=$(kmt_counter faults_handled)
cat $D/kmemtrap/fault_sites >/tmp/sites
sed 's/^/KMT-SITE: /' /tmp/sites
set -- $(head -n 1 /tmp/sites)
[ "$1 $3 $5" = "faults sites lost" ] || kmt_fail "fault_sites header: '$(head -n 1 /tmp/sites)'"
total=$2 sites=$4 lost=$6
# Every line: COUNT loads L stores S FUNCTION+OFF/SIZE [module], COUNT = L + S, busiest first.
tail -n +2 /tmp/sites | awk -v total="$total" -v sites="$sites" '
	$2 != "loads" || $4 != "stores" || $6 !~ /\+0x[0-9a-f]+\/0x[0-9a-f]+$/ { print "bad line: " $0; bad = 1 }
	$1 != $3 + $5 { print "count is not loads + stores: " $0; bad = 1 }
	NR > 1 && $1 > prev { print "not sorted at: " $0; bad = 1 }
	{ prev = $1; sum += $1; n++ }
	END {
		if (n != (sites < 100 ? sites : 100)) { print "lines " n ", sites " sites; bad = 1 }
		if (sites <= 100 && sum != total) { print "lines sum to " sum ", header " total; bad = 1 }
		exit bad
	}' || kmt_fail "fault_sites lines (above)"
[ "$total" -ge "$handled" ] || kmt_fail "fault_sites counted $total faults, faults_handled is $handled"
nbugs=$(grep -c ' \[kmt_bugs\]$' /tmp/sites)
[ "$nbugs" -ge 1 ] || kmt_fail "no kmt_bugs function among the fault sites"
echo "KMT-FAULT-SITES: faults=$total handled=$handled sites=$sites lost=$lost kmt_bugs_sites=$nbugs"
kmt_unload kmt_bugs
kmt_unload kmemtrap
