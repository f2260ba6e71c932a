# Aged quiet pages (quiet_age, docs/design.md "Quiet pages"): kmt_bugs' aged_free case (two
# objects of its private cache on one page, one freed and read at once, the other then read 256
# times, the freed one read again from another function). With quiet_age=8 the page goes quiet
# with the freed bytes no longer watched: the first read is reported, the late one is not. With
# quiet_age=0 the page stays hidden and the late read is reported too. kmt_bugs' aged_uninit
# case is the same with a never-written word (a page with uninitialized bytes goes quiet
# read-only): its early use is reported, its late use only with quiet_age=0, and a word stored
# while the page is read-only is seen (its use after the page is hidden again is never
# reported). The default (-1) is 0 unless track_all=1. Bad values are refused and change nothing.
#@expect KMT-AGED: quiet_age=8 freed_reads=1 quieted=[1-9][0-9]*
#@expect KMT-AGED: quiet_age=0 freed_reads=2
#@expect KMT-AGED-UNINIT: quiet_age=8 uninit_uses=1 read_quieted=[1-9][0-9]*
#@expect KMT-AGED-UNINIT: quiet_age=0 uninit_uses=2 read_quieted=0
#@expect KMT-READ-QUIET-STORES: quiet_age=8 stores=[1-9][0-9]*
#@expect KMT-READ-QUIET-STORES: quiet_age=0 stores=0
#@expect BUG: kmemtrap: uninit-use in kmt_bugs_aged_uninit_early\+
#@expect BUG: kmemtrap: uninit-use in kmt_bugs_aged_uninit_late\+
#@reject kmemtrap: .* in kmt_bugs_aged_stored_use\+
#@reject kmt_bugs: .*data WRONG
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
# aged CASE LABEL ERRORS QUIETED E Q: runs kmt_bugs' CASE once and prints LABEL, quiet_age, and
# the growth of the counters ERRORS and QUIETED as E= and Q=.
aged() {
	e0=$(kmt_counter $3)
	q0=$(kmt_counter $4)
	d0=$(dmesg | grep -c "kmt_bugs: $1: done")
	echo $1 >$D/kmt_bugs/run || kmt_fail "$1: run failed"
	cat $D/kmemtrap/reports >/dev/null
	[ "$(dmesg | grep -c "kmt_bugs: $1: done")" = $((d0 + 1)) ] || kmt_fail "$1 did not complete"
	echo "$2: quiet_age=$(cat $P/quiet_age) $5=$(($(kmt_counter $3) - e0)) $6=$(($(kmt_counter $4) - q0))"
}
aged_run() { aged aged_free KMT-AGED errors_freed_read pages_quieted freed_reads quieted; }
# The stores into the read-only page fault as write-protection faults (faults_read_quiet).
aged_uninit_run() {
	w0=$(kmt_counter faults_read_quiet)
	aged aged_uninit KMT-AGED-UNINIT errors_uninit_use pages_read_quieted uninit_uses read_quieted
	echo "KMT-READ-QUIET-STORES: quiet_age=$(cat $P/quiet_age) stores=$(($(kmt_counter faults_read_quiet) - w0))"
}
echo 8 >$P/quiet_age || kmt_fail "quiet_age=8 refused"
aged_run
aged_uninit_run
dmesg | grep -q "uninit-use in kmt_bugs_aged_uninit_late" && kmt_fail "the late use was reported with quiet_age=8"
dmesg | grep -q "freed-read in kmt_bugs_aged_late_read" && kmt_fail "the late read was reported with quiet_age=8"
for bad in -2 1073741825 soon; do
	echo "$bad" >$P/quiet_age 2>/dev/null && kmt_fail "quiet_age=$bad accepted"
	[ "$(cat $P/quiet_age)" = 8 ] || kmt_fail "quiet_age changed by the refused $bad"
done
echo 0 >$P/quiet_age || kmt_fail "quiet_age=0 refused"
aged_run
aged_uninit_run
kmt_unload kmt_bugs
kmt_unload kmemtrap
