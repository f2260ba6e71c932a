# A burst of first hits: 100 distinct sites hit 5 times each, in rounds of 100 at once (more than
# a report ring holds); the queue is printed between rounds (a read of the reports file). Every site must be printed exactly once, and the counts must add up:
# errors = reports printed + repeats + first hits dropped (a dropped first hit is queued again
# at its site's next hit).
#@expect kmt_reports: burst_round: done
#@reject kmt_reports: .*data WRONG
D=/sys/kernel/debug
kmt_load kmemtrap track_modules=kmt_reports
kmt_load kmt_reports
for round in 1 2 3 4 5; do
	echo burst_round >$D/kmt_reports/run || kmt_fail "burst round $round: run failed"
	cat $D/kmemtrap/reports >/dev/null # prints what is queued
done
# The sites file (kind, hits, site, and a note if the site was never printed); dmesg itself
# would have wrapped around 100 reports.
cat $D/kmemtrap/reports >/tmp/sites
i=0
while [ $i -lt 100 ]; do
	line=$(grep -F " kmt_reports_site_$i+" /tmp/sites)
	echo "$line" | grep -q "^uninit-use *5 kmt_reports_site_$i+0x[0-9a-f]*/0x[0-9a-f]* \[kmt_reports\]$" ||
		kmt_fail "site $i: [$line], expected 5 hits, printed"
	i=$((i + 1))
done
[ "$(grep -c . /tmp/sites)" = 100 ] || kmt_fail "other sites were reported: $(grep -v kmt_reports_site /tmp/sites)"
errors=$(kmt_counter errors_uninit_use) printed=$(kmt_counter reports) repeated=$(kmt_counter reports_repeated)
dropped=$(kmt_counter reports_dropped)
echo "KMT-BURST: errors=$errors printed=$printed repeated=$repeated dropped=$dropped"
[ "$errors" = 500 ] || kmt_fail "expected 500 errors, counted $errors"
[ "$printed" = 100 ] || kmt_fail "expected 100 reports printed, counted $printed"
[ $((printed + repeated + dropped)) = "$errors" ] || kmt_fail "the counts do not add up"
[ "$dropped" -gt 0 ] || kmt_fail "the burst did not fill the ring: it tests nothing"
kmt_unload kmt_reports
kmt_unload kmemtrap
