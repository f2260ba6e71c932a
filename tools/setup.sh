#!/usr/bin/env bash
# Installs everything kmemtrap needs on a Debian 12 (or similar) x86-64 host and unpacks every
# supported test kernel, with its headers, into a cache. Idempotent: a second run only prints what
# it has.
#
#   tools/setup.sh            install packages, fetch the test kernels, print what is there
#   tools/setup.sh --print    only print the kernels set up in the cache (no installs, no network)
#
# Kernels: KMT_KERNELS (default "6.1 6.12") lists Debian kernel series; each is resolved at run
# time to the newest package of that series in Debian's archive for bookworm:
#   6.1  -> linux-image-6.1.0-N-amd64          (bookworm, bookworm-security)
#   6.12 -> linux-image-6.12.N+deb12-amd64     (bookworm-security only; the source is added to
#                                               apt if the host lacks it)
# KMT_KERNEL_ABI="6.1.0-55-amd64 6.12.100+deb12-amd64" pins one or more ABIs instead (each
# replaces the newest of its series; a series not in KMT_KERNELS is added).
#
# Each kernel is unpacked into $KMT_CACHE/kernel/<abi>/ (see tools/env.sh): the image package
# (vmlinuz, System.map, config, modules) and its headers (linux-headers-<abi>, its -common part
# and linux-kbuild), unpacked rather than installed, because the 6.12 headers package depends on
# the 6.12 image package, which would install a kernel into the host's /boot. The headers'
# other dependencies (gcc-12, pahole, libraries) are installed with apt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/env.sh
. "$here/env.sh"

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

print_kernels() {
	local s d abi
	for s in $KMT_KERNELS; do
		d=$(kmt_kernel_dir "$s") || { log "kernel $s: not set up"; continue; }
		abi=$(cat "$d/.complete")
		log "kernel $s: $abi"
		log "  image:          $d/vmlinuz"
		log "  System.map:     $d/System.map"
		log "  config:         $d/config"
		log "  modules:        $d/modules"
		log "  headers (KDIR): $d/headers"
	done
	[ -L "$KMT_CACHE/current" ] && log "default kernel (current): $(basename "$(readlink "$KMT_CACHE/current")")"
	return 0
}

if [ "${1:-}" = --print ]; then
	print_kernels
	exit 0
fi

[ "$(uname -m)" = x86_64 ] || die "kmemtrap needs an x86-64 host (this is $(uname -m))"
command -v apt-get >/dev/null || die "apt-get not found: kmemtrap's setup needs a Debian-based host"

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "run as root or install sudo: apt-get needs root"
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive

# apt and dpkg may be busy (another apt run, unattended upgrades): wait for their locks, up to
# 20 minutes, instead of failing. `apt-get install` waits by itself (DPkg::Lock::Timeout); the
# lists lock of `apt-get update` is retried here.
apt_locked_retry() {
	local tries=0 err
	err=$(mktemp)
	while ! "$@" 2>"$err"; do
		if grep -q -i -E 'could not get lock|unable to lock|is another process using it' "$err" &&
			[ $tries -lt 120 ]; then
			tries=$((tries + 1))
			[ $tries = 1 ] && log "apt is locked by another process; waiting"
			sleep 10
			continue
		fi
		cat "$err" >&2
		rm -f "$err"
		return 1
	done
	rm -f "$err"
}
apt_update() {
	log "apt-get update"
	apt_locked_retry $SUDO apt-get update -qq
	touch "$KMT_CACHE/apt-updated"
}
apt_install() {
	log "installing: $*"
	$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=1200 --no-install-recommends "$@" >/dev/null
}

mkdir -p "$KMT_CACHE"
# apt-get update once per setup run unless it ran in the last hour (keeps repeated runs fast).
if [ -z "$(find "$KMT_CACHE/apt-updated" -mmin -60 2>/dev/null)" ]; then
	apt_update
fi

# ---- which kernels ----------------------------------------------------------------------

# newest_abi SERIES: the ABI of the newest linux-image-SERIES.*-amd64 package apt knows.
newest_abi() {
	local re
	re="^linux-image-$(printf '%s' "$1" | sed 's/\./\\./g')\.[0-9]+(-[0-9]+|\+deb[0-9]+)-amd64\$"
	apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$re" | sed 's/^linux-image-//' | sort -V | tail -n 1
}

# Debian 12 has the 6.12 kernels only in bookworm-security (source package linux-6.12). A host
# whose apt sources lack that suite gets it added, only when a requested series is not found.
ensure_series_available() {
	local s=$1 codename
	[ -n "$(newest_abi "$s")" ] && return 0
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	if [ "$codename" = bookworm ] &&
		! grep -rqs -E 'bookworm-security' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "no linux-image-$s.* package in the apt sources: adding Debian's bookworm-security suite (where Debian 12 ships it)"
		$SUDO tee /etc/apt/sources.list.d/kmemtrap-bookworm-security.sources >/dev/null <<-'EOF'
		# Added by kmemtrap's tools/setup.sh: Debian 12 ships its 6.12 kernels here.
		Types: deb
		URIs: http://deb.debian.org/debian-security
		Suites: bookworm-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		apt_update
	fi
	[ -n "$(newest_abi "$s")" ] ||
		die "no linux-image-$s.*-amd64 package in the apt sources (Debian 12 ships 6.1 in bookworm and bookworm-security, 6.12 in bookworm-security)"
}

series_list=$KMT_KERNELS
pins=${KMT_KERNEL_ABI:-}
for abi in $pins; do
	s=$(kmt_series "$abi")
	[ -n "$s" ] || die "KMT_KERNEL_ABI: cannot tell the series of '$abi' (expected e.g. 6.1.0-57-amd64)"
	case " $series_list " in *" $s "*) ;; *) series_list="$series_list $s" ;; esac
done

declare -A abi_of
for s in $series_list; do
	case "$s" in [0-9]*.[0-9]*) ;; *) die "KMT_KERNELS: '$s' is not a kernel series (e.g. 6.1, 6.12)" ;; esac
	for abi in $pins; do
		[ "$(kmt_series "$abi")" = "$s" ] && abi_of[$s]=$abi
	done
	if [ -z "${abi_of[$s]:-}" ]; then
		ensure_series_available "$s"
		abi_of[$s]=$(newest_abi "$s")
	fi
	log "kernel $s: linux-image-${abi_of[$s]}"
done

# ---- packages ---------------------------------------------------------------------------

# The first version constraint of a Depends group ("pkg (= 1.2)") or nothing.
pkg_field() { apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n "s/^$2: //p" | head -n 1; }

# headers_parts ABI: the packages unpacked as that kernel's headers, as name=version.
headers_parts() {
	local abi=$1 hdr="linux-headers-$1" ver group
	ver=$(pkg_field "$hdr" Version)
	[ -n "$ver" ] || die "no package $hdr in the apt sources"
	echo "$hdr=$ver"
	pkg_field "$hdr" Depends | tr ',' '\n' | while IFS= read -r group; do
		group=$(printf '%s' "$group" | sed 's/^ *//')
		case "$group" in
		linux-headers-*-common* | linux-kbuild-*)
			printf '%s\n' "$group" | sed -n 's/^\([^ |]*\) *(= *\([^)]*\)).*/\1=\2/p; t; s/^\([^ |]*\).*/\1/p' ;;
		esac
	done
}

# headers_deps ABI: what the headers need at build time, from the Depends of the unpacked parts
# minus the kernel packages themselves (image, headers, kbuild, linux-base).
headers_deps() {
	local p group first
	for p in $(headers_parts "$1"); do
		pkg_field "${p%%=*}" Depends | tr ',' '\n' | while IFS= read -r group; do
			case "$group" in *linux-image-* | *linux-headers-* | *linux-kbuild-* | *linux-base*) continue ;; esac
			first=$(printf '%s' "$group" | sed 's/^ *//; s/[ |(].*//')
			[ -n "$first" ] && echo "$first"
		done
	done
}

host_pkgs=(build-essential make gcc g++ cmake pkg-config libelf-dev
	libgtest-dev libgmock-dev googletest libbenchmark-dev libcapstone-dev
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd binutils file
	pahole dkms)
for s in $series_list; do
	while IFS= read -r p; do host_pkgs+=("$p"); done < <(headers_deps "${abi_of[$s]}" | sort -u)
done

missing=()
for p in $(printf '%s\n' "${host_pkgs[@]}" | sort -u); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# ---- kernels ----------------------------------------------------------------------------

download() { # download DIR PKG[=VERSION]...
	local dir=$1
	shift
	# As root, apt fetches as the _apt user: let it write there (no "unsandboxed" warning).
	[ "$(id -u)" != 0 ] || ! id _apt >/dev/null 2>&1 || chown _apt "$dir"
	(cd "$dir" && apt-get download -qq "$@" >/dev/null) || die "apt-get download $* failed"
}

for s in $series_list; do
	abi=${abi_of[$s]}
	kdir="$KMT_CACHE/kernel/$abi"
	if [ ! -f "$kdir/.complete" ]; then
		log "downloading linux-image-$abi"
		tmp=$(mktemp -d); chmod 755 "$tmp"
		download "$tmp" "linux-image-$abi"
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
	if [ ! -f "$kdir/.headers-complete" ]; then
		mapfile -t parts < <(headers_parts "$abi")
		log "downloading ${parts[*]}"
		tmp=$(mktemp -d); chmod 755 "$tmp"
		download "$tmp" "${parts[@]}"
		for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$kdir/root"; done
		rm -rf "$tmp"
		hdr="$kdir/root/usr/src/linux-headers-$abi"
		[ -f "$hdr/Makefile" ] || die "linux-headers-$abi has no Makefile"
		# The arch part's Makefile includes the -common part by absolute path: point it at the
		# unpacked copy. Symlinks inside the packages (scripts, tools) are relative.
		sed -i "s|^include /usr/src/|include $kdir/root/usr/src/|" "$hdr/Makefile"
		ln -sfn "root/usr/src/linux-headers-$abi" "$kdir/headers"
		echo "$abi" >"$kdir/.headers-complete"
	fi
	mkdir -p "$KMT_CACHE/series"
	ln -sfn "../kernel/$abi" "$KMT_CACHE/series/$s"
done
first=$(set -- $series_list; echo "$1")
ln -sfn "kernel/${abi_of[$first]}" "$KMT_CACHE/current"

log "qemu:           $(qemu-system-x86_64 --version | head -n1)"
log "busybox:        $(busybox | head -n1)"
log "pahole:         $(pahole --version)"
KMT_KERNELS=$series_list print_kernels
