#!/usr/bin/env bash
# Checks of the module build that the normal per-kernel builds do not cover:
#
#   tools/check-kbuild.sh any-kdir VERSION
#       `make KDIR=DIR` in a copy of the source tree, with DIR a copy of that kernel's headers
#       at an arbitrary path (as a user with their own headers directory would build): the build
#       succeeds without warnings and kmemtrap.ko is for that kernel.
#   tools/check-kbuild.sh refuse VERSION CONFIG_NAME
#       the same with CONFIG_NAME switched off in the copy's configuration: the build stops with
#       kmemtrap's own $(error) naming CONFIG_NAME (Kbuild refuses kernels without CONFIG_KPROBES,
#       CONFIG_KALLSYMS or CONFIG_DYNAMIC_FTRACE).
#
# VERSION is a kernel set up by tools/setup.sh (6.1, 6.12 or a full ABI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/env.sh"

die() { echo "check-kbuild: $*" >&2; exit 1; }

mode=${1:-}
v=${2:-}
[ -n "$v" ] || die "usage: $0 any-kdir|refuse VERSION [CONFIG_NAME]"
d=$(kmt_kernel_dir "$v") || die "kernel $v is not set up in $KMT_CACHE: run tools/setup.sh"
abi=$(cat "$d/.complete")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The headers at another path: a tree of links to the real files (cheap), so single files can be
# replaced by edited copies.
cp -rs "$(cd "$d/headers" && pwd -P)" "$tmp/headers"
mkdir -p "$tmp/src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | xargs -0 tar -c --ignore-failed-read 2>/dev/null) | tar -x -C "$tmp/src"
else
	(cd "$top" && tar -c --exclude='./build*' .) | tar -x -C "$tmp/src"
fi

case "$mode" in
any-kdir)
	make -C "$tmp/src" KDIR="$tmp/headers" >"$tmp/make.out" 2>&1 ||
		{ cat "$tmp/make.out" "$tmp/src/build.log" >&2 2>/dev/null; die "make KDIR=<copy of the $abi headers> failed"; }
	got=$(modinfo -F vermagic "$tmp/src/kmemtrap.ko" | cut -d' ' -f1)
	[ "$got" = "$abi" ] || die "kmemtrap.ko is for '$got', not $abi"
	[ -f "$tmp/src/userspace-tests/vm/modules/kmt_bugs.ko" ] || die "the VM test modules were not built"
	echo "check-kbuild: make KDIR=<copy of the $abi headers>: kmemtrap.ko for $abi, no warnings"
	;;
refuse)
	name=${3:-}
	case "$name" in CONFIG_[A-Z0-9_]*) ;; *) die "refuse needs a CONFIG_ name" ;; esac
	conf="$tmp/headers/include/config/auto.conf"
	[ -e "$conf" ] || die "no include/config/auto.conf in the $abi headers"
	grep -q "^$name=" "$conf" || die "$name is not set in the $abi headers to begin with"
	cp --remove-destination "$(readlink -f "$conf")" "$conf"
	sed -i "/^$name=/d" "$conf"
	if make -C "$tmp/src" KDIR="$tmp/headers" >"$tmp/make.out" 2>&1; then
		die "the build succeeded against $abi headers without $name"
	fi
	grep -q "kmemtrap: this kernel has $name off" "$tmp/make.out" ||
		{ cat "$tmp/make.out" >&2; die "the build failed without kmemtrap's message about $name"; }
	echo "check-kbuild: without $name the build stops: $(grep -o "kmemtrap: this kernel has $name off[^.]*" "$tmp/make.out" | head -n 1)"
	;;
*) die "unknown mode '$mode' (any-kdir or refuse)" ;;
esac
