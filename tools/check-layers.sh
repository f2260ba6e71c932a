#!/usr/bin/env bash
# check-layers.sh - the C glue's files form layers: no file uses (by symbol) a file that uses it
# back, directly or through others. Reads the built objects, so it checks what is really linked:
# for every module/*.o, the global symbols it defines and the ones it uses; the C++ core
# (emulate/*.o, shadow/*.o) is one node, "core". Prints the files bottom-up with what each uses,
# and exits 1 naming the cycle if there is one.
#
# Usage: tools/check-layers.sh [DIR]   (DIR: where `make` built the objects: a build folder
#        build/kmod/<abi>, or a tree holding several of them, each checked; default build/kmod)
set -euo pipefail
dir=${1:-build/kmod}
if [ ! -f "$dir/kmemtrap.mod" ]; then
	found=0
	for d in "$dir"/*/; do
		[ -f "$d/kmemtrap.mod" ] || continue
		echo "check-layers: $d"
		"$0" "$d"
		found=1
	done
	[ $found = 1 ] || { echo "check-layers: no kmemtrap.mod under $dir: run make first" >&2; exit 2; }
	exit 0
fi
cd "$dir"
# The objects linked into kmemtrap.ko, as Kbuild listed them (stale objects of removed files
# are not looked at).
[ -f kmemtrap.mod ] || { echo "check-layers: no kmemtrap.mod under $top: run make first" >&2; exit 2; }
objs=() core=()
while read -r o; do
	o=${o#"$PWD/"}
	case "$o" in module/*) objs+=("$o") ;; *) core+=("$o") ;; esac
done < <(tr " " "\n" <kmemtrap.mod | grep "\.o$")

node_of() { case "$1" in emulate/*|shadow/*) echo core ;; *) basename "$1" .o ;; esac; }

declare -A owner
for o in "${objs[@]}" "${core[@]}"; do
	n=$(node_of "$o")
	while read -r sym; do owner[$sym]=$n; done < <(nm --defined-only -g "$o" | awk '{ print $3 }')
done

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
declare -A uses
for o in "${objs[@]}" "${core[@]}"; do
	n=$(node_of "$o")
	while read -r sym; do
		d=${owner[$sym]:-}
		[ -n "$d" ] && [ "$d" != "$n" ] || continue
		echo "$d $n" >>"$edges"
		case " ${uses[$n]:-} " in *" $d "*) ;; *) uses[$n]="${uses[$n]:-} $d" ;; esac
	done < <(nm -u "$o" | awk '{ print $2 }')
	echo "$n $n" >>"$edges"
done

if ! order=$(tsort "$edges" 2>/tmp/check-layers.$$); then
	echo "check-layers: the module's files use each other in a cycle:" >&2
	sed 's/^/  /' /tmp/check-layers.$$ >&2
	rm -f /tmp/check-layers.$$
	exit 1
fi
rm -f /tmp/check-layers.$$
echo "check-layers: no cycle; files bottom-up, each with the files it uses:"
for n in $order; do
	printf '  %-10s uses:%s\n' "$n" "${uses[$n]:- (nothing of ours)}"
done
