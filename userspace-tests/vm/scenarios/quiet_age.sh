# Aged quiet pages (quiet_age, docs/design.md "Quiet pages"): kmt_bugs' aged_free case (two
# objects of its private cache on one page, one freed and read at once, the other then read 256
# times, the freed one read again from another function). With quiet_age=8 the page goes quiet
# with the freed bytes no longer watched: the first read is reported, the late one is not. With
# quiet_age=0 the page stays hidden and the late read is reported too. The default (-1) is 0
# unless track_all=1. Bad values are refused and change nothing.
#@expect KMT-AGED: quiet_age=8 freed_reads=1 quieted=[1-9][0-9]*
#@expect KMT-AGED: quiet_age=0 freed_reads=2
#@expect kmemtrap: invalid quiet_age '-2': must be -1\.\.1073741824
#@expect kmemtrap: invalid quiet_age '1073741825': must be -1\.\.1073741824
#@expect kmemtrap: invalid quiet_age 'soon': must be -1\.\.1073741824
#@expect BUG: kmemtrap: freed-read in kmt_bugs_aged_early_read\+
#@expect BUG: kmemtrap: freed-read in kmt_bugs_aged_late_read\+
#@expect kmemtrap: unloaded: .* 0 pages still tracked, 0 hidden
D=/sys/kernel/debug
P=/sys/module/kmemtrap/parameters
kmt_load kmemtrap track_modules=kmt_bugs
kmt_load kmt_bugs
[ "$(cat $P/quiet_age)" = -1 ] || kmt_fail "quiet_age default is '$(cat $P/quiet_age)', not -1"
aged_run() {
	f0=$(kmt_counter errors_freed_read)
	q0=$(kmt_counter pages_quieted)
	d0=$(dmesg | grep -c "kmt_bugs: aged_free: done")
	echo aged_free >$D/kmt_bugs/run || kmt_fail "aged_free: run failed"
	cat $D/kmemtrap/reports >/dev/null
	[ "$(dmesg | grep -c "kmt_bugs: aged_free: done")" = $((d0 + 1)) ] || kmt_fail "aged_free did not complete"
	echo "KMT-AGED: quiet_age=$(cat $P/quiet_age) freed_reads=$(($(kmt_counter errors_freed_read) - f0)) quieted=$(($(kmt_counter pages_quieted) - q0))"
}
echo 8 >$P/quiet_age || kmt_fail "quiet_age=8 refused"
aged_run
dmesg | grep -q "freed-read in kmt_bugs_aged_late_read" && kmt_fail "the late read was reported with quiet_age=8"
for bad in -2 1073741825 soon; do
	echo "$bad" >$P/quiet_age 2>/dev/null && kmt_fail "quiet_age=$bad accepted"
	[ "$(cat $P/quiet_age)" = 8 ] || kmt_fail "quiet_age changed by the refused $bad"
done
echo 0 >$P/quiet_age || kmt_fail "quiet_age=0 refused"
aged_run
kmt_unload kmt_bugs
kmt_unload kmemtrap
