#!/usr/bin/env bash
# The main job, from a fresh machine: install what is needed, build kmemtrap, boot the default
# test image (-cpu max), load kmemtrap and its self-test module, run the workload with known bugs
# (userspace-tests/vm/scenarios/demo.sh) and print kmemtrap's reports and counters.
#   tools/run-demo.sh [kmt-vm options, e.g. --cpu Skylake-Client]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash tools/setup.sh >/dev/null
make -j"$(nproc)" >/dev/null
log=build/vm-logs/demo.log
rc=0
tools/kmt-vm --quiet --log "$log" "$@" userspace-tests/vm/scenarios/demo.sh || rc=$?
echo "---- kmemtrap's output in the guest's kernel log ($log):"
# Banner, every report (from "BUG: kmemtrap:" to its end marker), counters, unload summary.
awk '/BUG: kmemtrap:/ { inrep = 1 }
	inrep || /kmemtrap: kmemtrap |kmemtrap: unloaded|kmemtrap: WARN|KMT-DEMO|KMT-GUEST-VERDICT/ { print }
	/kmemtrap: end of report/ { inrep = 0; print "" }' "$log" | tr -d '\r'
exit $rc
