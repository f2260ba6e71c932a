#!/usr/bin/env bash
# The project's whole test run, from a fresh machine: install what is needed and set up every
# test kernel (tools/setup.sh; KMT_KERNELS, default "6.1 6.12"), build the modules for each
# kernel and the userspace side, run every CTest test (unit, twin, diff, kbuild, dkms, and the vm
# matrix on every kernel), then the fuzz and unit tests again in an ASan/UBSan build. Exits
# non-zero if anything fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)
# KMT_TEST_JOBS: how many tests CTest runs at once (default: one per core); 1 on a machine shared
# with other QEMU users.
test_jobs=${KMT_TEST_JOBS:-$jobs}
start=$(date +%s)
phase_start=$start
phase() { # phase NAME: print how long the previous phase took
	local now
	now=$(date +%s)
	echo "run-tests: $1 done in $((now - phase_start))s"
	phase_start=$now
}

bash tools/setup.sh
phase setup
make -j"$jobs"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKMT_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
phase build

rc=0
echo "== all tests (build/)"
(cd build && ctest -j"$test_jobs" -LE fuzz --output-on-failure) || rc=1
# The benchmark's numbers (vm.bench.*, label bench; docs/results.md), printed on every run: it
# fails only when a number is missing or unsound, never on speed.
for l in build/vm-logs/bench-*.log; do
	[ -f "$l" ] || continue
	echo "== benchmark: $(basename "$l" .log)"
	grep -a -E '^KMT-BENCH(-RATIO)?:' "$l" | tr -d '\r' || true
done
# Guest instructions and blocks per operation (vm.profile.*, label bench; tools/kmt-profile).
for l in build/vm-logs/profile-*.txt; do
	[ -f "$l" ] || continue
	echo "== profile: $(basename "$l" .txt)"
	grep -E '^KMT-PROFILE(-RATIO)?:' "$l" || true
done
phase "tests (build/)"
echo "== unit and fuzz tests under ASan/UBSan (build-asan/)"
(cd build-asan && ctest -j"$test_jobs" -L 'unit|fuzz' --output-on-failure) || rc=1
phase "tests (build-asan/)"
echo "run-tests: $( [ $rc = 0 ] && echo passed || echo FAILED ) in $(( $(date +%s) - start ))s"
exit $rc
