#!/usr/bin/env bash
# Checks the DKMS package (dkms.conf) the way docs/usage.md tells users to use it: `dkms add`,
# then `dkms build -k <kernel>` against that kernel's headers, in a scratch DKMS tree, and that
# the module it built is for that kernel. Nothing is written to /var/lib/dkms, /usr/src or
# /lib/modules (the scratch trees are removed; the test fails if /var/lib/dkms changed).
#
#   tools/check-dkms.sh [VERSION]     a kernel set up by tools/setup.sh (default: 6.12)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/env.sh"

die() { echo "check-dkms: $*" >&2; exit 1; }

v=${1:-6.12}
command -v dkms >/dev/null || die "dkms is not installed (tools/setup.sh installs it)"
d=$(kmt_kernel_dir "$v") || die "kernel $v is not set up in $KMT_CACHE: run tools/setup.sh"
abi=$(cat "$d/.complete")
headers=$(cd "$d/headers" && pwd -P)

pv=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
kv=$(sed -n 's/^#define KMT_VERSION "\(.*\)"$/\1/p' "$top/module/kmt.h")
[ -n "$pv" ] && [ "$pv" = "$kv" ] ||
	die "dkms.conf PACKAGE_VERSION ($pv) differs from KMT_VERSION in module/kmt.h ($kv)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src="$tmp/src/kmemtrap-$pv"
mkdir -p "$src" "$tmp/dkms" "$tmp/install"
# The package source: the files git tracks (what `git archive` would give a user), from the
# working tree; every source file when this is not a git checkout.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | xargs -0 tar -c --ignore-failed-read 2>/dev/null) | tar -x -C "$src"
else
	(cd "$top" && tar -c --exclude='./build*' .) | tar -x -C "$src"
fi

state() { find /var/lib/dkms -printf '%p %s %T@\n' 2>/dev/null | sort | md5sum; }
before=$(state)

# DKMS signs modules when it finds the kernel's sign-file, and then creates a signing key under
# /var/lib/dkms: never sign here.
export sign_file=/nonexistent/sign-file
opts=(--dkmstree "$tmp/dkms" --sourcetree "$tmp/src" --installtree "$tmp/install")
log="$tmp/dkms.log"
run() {
	echo "+ dkms $*" >>"$log"
	dkms "$@" >>"$log" 2>&1 || { cat "$log" >&2; find "$tmp/dkms" -name make.log -exec cat {} + >&2 2>/dev/null; die "dkms $1 failed"; }
}
run add -m kmemtrap -v "$pv" "${opts[@]}"
run build -m kmemtrap -v "$pv" -k "$abi" --kernelsourcedir "$headers" "${opts[@]}"
for m in kmemtrap; do
	ko=$(find "$tmp/dkms/kmemtrap/$pv/$abi" -name "$m.ko*" | head -n 1)
	[ -n "$ko" ] || { cat "$log" >&2; die "dkms build left no $m.ko for $abi"; }
	case "$ko" in *.xz) xz -dkc "$ko" >"$tmp/$m.ko"; ko="$tmp/$m.ko" ;; *.zst) zstd -qdc "$ko" >"$tmp/$m.ko"; ko="$tmp/$m.ko" ;; esac
	got=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$got" = "$abi" ] || die "$m.ko from dkms build is for '$got', not $abi"
done
run status -m kmemtrap -v "$pv" -k "$abi" "${opts[@]}"
grep -q "kmemtrap/$pv, $abi, x86_64: built" "$log" || { cat "$log" >&2; die "dkms status does not say built"; }
run remove -m kmemtrap -v "$pv" -k "$abi" "${opts[@]}"

[ "$(state)" = "$before" ] || die "/var/lib/dkms changed during the check"
echo "check-dkms: dkms add/build/status/remove of kmemtrap/$pv for $abi: ok"
