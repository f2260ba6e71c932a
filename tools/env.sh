# Shared paths and kernel look-ups for kmemtrap's scripts. Sourced, not run.
#
# KMT_CACHE: where the test kernels and other downloads are unpacked (outside the clone, so that
# fresh clones on one machine share them). Layout (written by tools/setup.sh):
#   $KMT_CACHE/kernel/<abi>/           one Debian kernel: vmlinuz, System.map, config, modules,
#                                      headers (the unpacked linux-headers-<abi>, a KDIR), root/
#   $KMT_CACHE/series/<series>         -> ../kernel/<abi>: the kernel set up for a series (6.1, 6.12)
#   $KMT_CACHE/current                 -> kernel/<abi> of the first series of KMT_KERNELS
# KMT_KERNELS: the kernel series kmemtrap is set up, built and tested for (default: "6.1 6.12").
: "${KMT_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kmemtrap}"
: "${KMT_KERNELS:=6.1 6.12}"
export KMT_CACHE KMT_KERNELS

# kmt_series ABI: the series of a Debian kernel ABI (6.1.0-57-amd64 -> 6.1, 6.12.117+deb12-amd64 -> 6.12).
kmt_series() {
	printf '%s\n' "$1" | sed -n 's/^\([0-9]*\.[0-9]*\)[.-].*/\1/p'
}

# kmt_kernel_dir VERSION: the cache directory of a set-up kernel, by series (6.1, 6.12) or full
# ABI (6.12.117+deb12-amd64). Prints nothing and fails if that kernel is not set up.
kmt_kernel_dir() {
	local v=$1 d
	case "$v" in
	*-*) d="$KMT_CACHE/kernel/$v" ;;
	*) d="$KMT_CACHE/series/$v" ;;
	esac
	[ -f "$d/.complete" ] || return 1
	(cd "$d" && pwd -P)
}
