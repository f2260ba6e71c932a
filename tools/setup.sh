#!/usr/bin/env bash
# Installs everything kmemtrap needs on a Debian 12 (or similar) x86-64 host and unpacks the
# project's test kernel into a cache. Idempotent: a second run only prints what it has.
#
#   tools/setup.sh            install packages, fetch the test kernel, print what is there
#   tools/setup.sh --print    only print the resolved kernel and cache paths (no installs)
#
# The test kernel is Debian's current linux-image-amd64 resolved to its versioned package
# (linux-image-6.1.0-N-amd64); N is never hard-coded. Override with KMT_KERNEL_ABI=6.1.0-N-amd64.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/env.sh
. "$here/env.sh"

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -m)" = x86_64 ] || die "kmemtrap needs an x86-64 host (this is $(uname -m))"
command -v apt-get >/dev/null || die "apt-get not found: kmemtrap's setup needs a Debian-based host"

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "run as root or install sudo: apt-get needs root"
	SUDO=sudo
fi

export DEBIAN_FRONTEND=noninteractive
stamp="$KMT_CACHE/apt-updated"
mkdir -p "$KMT_CACHE"
# apt-get update once per setup run unless it ran in the last hour (keeps repeated runs fast).
if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
	log "apt-get update"
	$SUDO apt-get update -qq
	touch "$stamp"
fi

resolve_abi() {
	if [ -n "${KMT_KERNEL_ABI:-}" ]; then
		echo "$KMT_KERNEL_ABI"
		return
	fi
	local dep
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][0-9.]*-[0-9]*-amd64\)$/\1/p' | head -n1)
	[ -n "$dep" ] || die "cannot resolve linux-image-amd64 to a versioned package (apt-cache depends printed nothing useful)"
	echo "$dep"
}

abi=$(resolve_abi)
log "test kernel: linux-image-$abi"

host_pkgs=(build-essential make gcc g++ cmake pkg-config libelf-dev
	libgtest-dev libgmock-dev googletest libbenchmark-dev libcapstone-dev
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd binutils file
	"linux-headers-$abi")

missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

kdir="$KMT_CACHE/kernel/$abi"
if [ ! -f "$kdir/.complete" ]; then
	log "downloading linux-image-$abi"
	tmp=$(mktemp -d); chmod 755 "$tmp"
	(cd "$tmp" && apt-get download -qq "linux-image-$abi") ||
		die "apt-get download linux-image-$abi failed"
	rm -rf "$kdir"
	mkdir -p "$kdir/root"
	dpkg-deb -x "$tmp"/linux-image-"$abi"_*.deb "$kdir/root"
	rm -rf "$tmp"
	cp "$kdir/root/boot/vmlinuz-$abi" "$kdir/vmlinuz"
	cp "$kdir/root/boot/System.map-$abi" "$kdir/System.map"
	cp "$kdir/root/boot/config-$abi" "$kdir/config"
	[ -d "$kdir/root/lib/modules/$abi" ] || die "modules tree missing in linux-image-$abi"
	ln -sfn "root/lib/modules/$abi" "$kdir/modules"
	echo "$abi" >"$kdir/.complete"
fi
ln -sfn "kernel/$abi" "$KMT_CACHE/current"

[ -d "/usr/src/linux-headers-$abi" ] || die "headers for $abi not installed"

log "kernel image:   $kdir/vmlinuz"
log "System.map:     $kdir/System.map"
log "config:         $kdir/config"
log "modules:        $kdir/modules"
log "headers (KDIR): /usr/src/linux-headers-$abi"
log "qemu:           $(qemu-system-x86_64 --version | head -n1)"
log "busybox:        $(busybox | head -n1)"
