#!/usr/bin/env bash
# The main job, from a fresh machine: install what is needed, build kmemtrap and the host tools,
# boot the default test image (-cpu max), load kmemtrap tracking the allocations of kmt_bugs.ko (a
# module with seeded heap bugs) plus the self-test module, run their cases as the workload
# (userspace-tests/vm/scenarios/demo.sh), then print the first reports as the kernel printed them
# and the kmemtrap-report summary of the whole log, symbolized to file:line.
#   tools/run-demo.sh [kmt-vm options, e.g. --cpu Skylake-Client]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash tools/setup.sh >/dev/null
make -j"$(nproc)" >/dev/null
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" --target kmemtrap-report >/dev/null
log=build/vm-logs/demo.log
rc=0
tools/kmt-vm --quiet --log "$log" "$@" userspace-tests/vm/scenarios/demo.sh || rc=$?
echo
echo "---- the first two reports, as the guest's kernel printed them ($log has all):"
awk '/BUG: kmemtrap:/ { n++; inrep = (n <= 2) } inrep { print } /kmemtrap: end of report/ { if (inrep) print ""; inrep = 0 }' "$log" | tr -d '\r'
echo "---- kmemtrap-report summary:"
build/tools/report/kmemtrap-report "$log" \
	--module kmt_bugs=userspace-tests/vm/modules/kmt_bugs.ko \
	--module kmemtrap_selftest=userspace-tests/vm/modules/kmemtrap_selftest.ko || rc=$?
exit $rc
