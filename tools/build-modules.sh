#!/usr/bin/env bash
# Builds kmemtrap.ko and the VM test modules (kmemtrap_selftest.ko among them) for one or more kernels, each
# in its own build folder, and fails on any compiler, objtool or modpost warning.
#
#   tools/build-modules.sh [VERSION...]     for each set-up kernel (tools/setup.sh) named by
#                                           series (6.1, 6.12) or ABI; default: $KMT_KERNELS.
#                                           Output: build/kmod/<abi>/kmemtrap.ko
#                                           and build/kmod/<abi>/vm-modules/*.ko
#   tools/build-modules.sh --kdir DIR [--out DIR]
#                                           against any kernel headers directory; default output:
#                                           the source tree itself (what `make KDIR=...` does)
#   tools/build-modules.sh --clean [VERSION...]
#   --no-vm-modules                         only kmemtrap.ko (DKMS)
#
# Kbuild builds an external module inside its M= directory, so a per-kernel folder is a mirror
# of the sources made of symbolic links (refreshed on every run), with the objects next to them.
# The log of each build is kept in <out>/build.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/env.sh"

die() { echo "build-modules: $*" >&2; exit 1; }

kdir="" out="" clean=0 vm_modules=1 versions=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) kdir=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--clean) clean=1; shift ;;
	--no-vm-modules) vm_modules=0; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) versions+=("$1"); shift ;;
	esac
done

# The sources of the modules, relative to the top: what a build folder mirrors.
mirror_sources() {
	(cd "$top" && find Kbuild module emulate shadow include tools/check-core-object.sh \
		-type f \( -name Kbuild -o -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.sh' \) \
		! -name '*.mod.c' | sort)
}

# mirror OUT: make OUT a tree of links to the sources (kmemtrap) and OUT/vm-modules (test modules).
mirror() {
	local o=$1 f
	mkdir -p "$o/vm-modules"
	# Drop links whose source is gone (a file was removed or renamed).
	find "$o" -type l ! -exec test -e {} \; -delete
	while IFS= read -r f; do
		mkdir -p "$o/$(dirname "$f")"
		ln -sfn "$top/$f" "$o/$f"
	done < <(mirror_sources)
	for f in "$top"/userspace-tests/vm/modules/Kbuild "$top"/userspace-tests/vm/modules/*.[ch]; do
		ln -sfn "$f" "$o/vm-modules/$(basename "$f")"
	done
}

# kbuild KDIR OUT VMDIR LOG: build kmemtrap in OUT and the test modules in VMDIR against KDIR;
# fail on any warning.
kbuild() {
	local k=$1 o=$2 vm=$3 logf=$4 rc=0 warn
	[ -f "$k/Makefile" ] || die "$k is not a kernel headers directory (no Makefile): run tools/setup.sh or pass --kdir"
	echo "build-modules: $(basename "$(cd "$k" && pwd -P)") -> $o"
	{
		# The test modules use kmemtrap's exports (the self-test) and its API header.
		make -C "$k" M="$o" modules && { [ $vm_modules = 0 ] ||
			make -C "$k" M="$vm" KBUILD_EXTRA_SYMBOLS="$o/Module.symvers" KMT_TOP="$top" modules; }
	} >"$logf" 2>&1 || rc=$?
	[ $rc = 0 ] || { cat "$logf" >&2; die "build against $k failed (log: $logf)"; }
	# -Werror already stops the compilers; objtool and modpost only warn: treat it as an error.
	warn=$(grep -i warning "$logf" || true)
	[ -z "$warn" ] || { echo "$warn" >&2; die "build against $k printed warnings (log: $logf)"; }
}

if [ -n "$kdir" ]; then
	[ $clean = 0 ] || die "--clean takes versions, not --kdir"
	if [ -z "$out" ] || [ "$(cd "$out" && pwd -P)" = "$(cd "$top" && pwd -P)" ]; then
		# In place, in the source tree (make KDIR=..., DKMS): the test modules build in their own
		# directory.
		kbuild "$kdir" "$top" "$top/userspace-tests/vm/modules" "$top/build.log"
		echo "build-modules: $top/kmemtrap.ko for $(modinfo -F vermagic "$top/kmemtrap.ko" | cut -d" " -f1)"
		exit 0
	fi
	mkdir -p "$out"
	out=$(cd "$out" && pwd -P)
	mirror "$out"
	kbuild "$kdir" "$out" "$out/vm-modules" "$out/build.log"
	exit 0
fi

[ ${#versions[@]} -gt 0 ] || read -r -a versions <<<"$KMT_KERNELS"
for v in "${versions[@]}"; do
	d=$(kmt_kernel_dir "$v") || die "kernel $v is not set up in $KMT_CACHE (run tools/setup.sh; KMT_KERNELS=\"$v\" for a series not set up by default)"
	abi=$(cat "$d/.complete")
	[ -f "$d/.headers-complete" ] || die "the headers of $abi are not unpacked: run tools/setup.sh"
	o="$top/build/kmod/$abi"
	if [ $clean = 1 ]; then
		rm -rf "$o"
		continue
	fi
	mirror "$o"
	kbuild "$d/headers" "$o" "$o/vm-modules" "$o/build.log"
done
