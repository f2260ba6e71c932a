#!/usr/bin/env bash
# The main job, from a fresh machine: install what is needed, build kmemtrap and the host tools,
# boot a test image (default: the 6.1 kernel, -cpu max), load kmemtrap tracking the allocations
# of kmt_bugs.ko (a module with seeded heap bugs) plus the self-test module, run their cases as
# the workload (userspace-tests/vm/scenarios/demo.sh), then print the first reports as the kernel
# printed them and the kmemtrap-report summary of the whole log, symbolized to file:line.
#   tools/run-demo.sh [--kernel 6.1|6.12|ABI] [other kmt-vm options, e.g. --cpu Skylake-Client]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tools/env.sh

kernel=$(set -- $KMT_KERNELS; echo "$1")
prev=
for a in "$@"; do
	[ "$prev" = --kernel ] && kernel=$a
	prev=$a
done
series=$kernel
case "$kernel" in *-*) series=$(kmt_series "$kernel"); export KMT_KERNEL_ABI="${KMT_KERNEL_ABI:+$KMT_KERNEL_ABI }$kernel" ;; esac
# Set up (at least) the demo's kernel, and build for it.
case " $KMT_KERNELS " in *" $series "*) ;; *) export KMT_KERNELS="$KMT_KERNELS $series" ;; esac
bash tools/setup.sh >/dev/null
make -j"$(nproc)" KMT_KERNELS="$kernel" >/dev/null
abi=$(cat "$(kmt_kernel_dir "$kernel")/.complete")
kmod="build/kmod/$abi"
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" --target kmemtrap-report >/dev/null
log="build/vm-logs/demo-k$series.log"
rc=0
tools/kmt-vm --quiet --log "$log" --kernel "$kernel" "$@" userspace-tests/vm/scenarios/demo.sh || rc=$?
echo
echo "---- the first two reports, as the guest's kernel ($abi) printed them ($log has all):"
awk '/BUG: kmemtrap:/ { n++; inrep = (n <= 2) } inrep { print } /kmemtrap: end of report/ { if (inrep) print ""; inrep = 0 }' "$log" | tr -d '\r'
echo "---- kmemtrap-report summary:"
build/tools/report/kmemtrap-report "$log" \
	--module "kmt_bugs=$kmod/vm-modules/kmt_bugs.ko" \
	--module "kmemtrap_selftest=$kmod/vm-modules/kmemtrap_selftest.ko" || rc=$?
exit $rc
