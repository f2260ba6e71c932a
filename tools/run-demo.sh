#!/usr/bin/env bash
# The main job, from a fresh machine: install what is needed, build kmemtrap, boot the default
# test image (-cpu max), load kmemtrap, run the demo scenario and print kmemtrap's kernel lines.
#   tools/run-demo.sh [kmt-vm options, e.g. --cpu Skylake-Client]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash tools/setup.sh >/dev/null
make -j"$(nproc)" >/dev/null
log=build/vm-logs/demo.log
rc=0
tools/kmt-vm --quiet --log "$log" "$@" userspace-tests/vm/scenarios/demo.sh || rc=$?
echo "---- kmemtrap lines from the guest's kernel log ($log):"
grep -a -E 'kmemtrap|KMT-GUEST-VERDICT' "$log" || true
exit $rc
