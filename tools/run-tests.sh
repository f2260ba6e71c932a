#!/usr/bin/env bash
# The project's whole test run, from a fresh machine: install what is needed (tools/setup.sh),
# build the module and the userspace side, run every CTest test (unit, twin, diff, vm), then the
# fuzz and unit tests again in an ASan/UBSan build. Exits non-zero if anything fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)
start=$(date +%s)

bash tools/setup.sh
make -j"$jobs"

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKMT_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

rc=0
echo "== all tests (build/)"
(cd build && ctest -j"$jobs" -LE fuzz --output-on-failure) || rc=1
echo "== unit and fuzz tests under ASan/UBSan (build-asan/)"
(cd build-asan && ctest -j"$jobs" -L 'unit|fuzz' --output-on-failure) || rc=1
echo "run-tests: $( [ $rc = 0 ] && echo passed || echo FAILED ) in $(( $(date +%s) - start ))s"
exit $rc
