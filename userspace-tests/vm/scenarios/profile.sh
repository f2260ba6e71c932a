# profile: kmt_bench's measurements under tools/kmt-profile (its QEMU plugin counts the guest
# kernel's blocks and instructions between the markers kmt_bench runs around each measurement).
# Prints one KMT-PROFILE-CASE line per measurement, in the order they ran, and the kernel's text
# symbols (KMT-PROFILE-KALLSYMS-BEGIN ... -END) that tools/kmt-profile attributes the counts to.
# The measurements: kmt.profile=a,b,... from the kernel command line, else the bare exceptions
# and the tracked access. A case NAME:PARAM=VALUE runs NAME with kmemtrap's parameter PARAM set to
# VALUE (/sys/module/kmemtrap/parameters), and puts it back afterwards; it is printed as given.
#@expect KMT-PROFILE-CASE: [^ ]+ ops=[0-9]+ faults=[0-9]+ steps=[0-9]+
#@expect KMT-PROFILE-KALLSYMS-END
#@expect kmemtrap: unloaded: .* 0 internal errors, .* 0 pages still tracked, 0 hidden
#@reject BUG: kmemtrap:
#@reject kmt_bench: .*FAILED

D=/sys/kernel/debug
# quiet_pages=0: the tracked page, every byte initialized, must keep trapping (as in bench.sh).
kmt_load kmemtrap quiet_pages=0
kmt_load kmt_bench
cases=$(sed -n 's/.*kmt\.profile=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
P=/sys/module/kmemtrap/parameters
for label in ${cases:-pf_fixup db_step tracked_load tracked_store untracked_load}; do
	name=${label%%:*} param="" old=""
	if [ "$name" != "$label" ]; then
		param=${label#*:}
		old=$(cat "$P/${param%%=*}") || kmt_fail "$label: no parameter ${param%%=*}"
		echo "${param#*=}" >"$P/${param%%=*}" || kmt_fail "$label: cannot set $param"
	fi
	f0=$(kmt_counter faults_handled) s0=$(kmt_counter single_steps)
	echo "$name" >$D/kmt_bench/run || kmt_fail "$label: the measurement failed"
	f1=$(kmt_counter faults_handled) s1=$(kmt_counter single_steps)
	set -- $(cat $D/kmt_bench/result)
	[ "$1" = "$name" ] && [ $# = 6 ] || kmt_fail "$label: no result (read: $*)"
	echo "KMT-PROFILE-CASE: $label ops=$6 faults=$((f1 - f0)) steps=$((s1 - s0)) ns=$(($2 / 1000))"
	[ -z "$param" ] || echo "$old" >"$P/${param%%=*}" || kmt_fail "$label: cannot put ${param%%=*} back"
done
# With both modules still loaded: their functions are in the counts too.
echo KMT-PROFILE-KALLSYMS-BEGIN
grep ' [tT] ' /proc/kallsyms
echo KMT-PROFILE-KALLSYMS-END
kmt_unload kmt_bench
kmt_unload kmemtrap
