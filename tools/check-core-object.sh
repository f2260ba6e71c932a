#!/bin/sh
# Checks that a C++ core object is fit for the kernel: no static constructors or destructors, no
# exception tables, and no calls into anything but the few symbols the core may use.
# Core symbols are the C boundary (kmt_*) and C++ functions in namespace kmt (_ZN3kmt...).
# Usage: check-core-object.sh FILE.o
set -eu
obj=$1
fail() { echo "check-core-object: $obj: $*" >&2; exit 1; }
sections=$(objdump -h "$obj" | awk '{print $2}')
for s in .init_array .fini_array .ctors .dtors .eh_frame .gcc_except_table; do
	echo "$sections" | grep -qx -- "$s" && fail "has section $s (static constructors or exceptions)"
done
undef=$(nm -u "$obj" | awk '{print $2}' | grep -v -E \
	'^(memcpy|memset|memmove|memcmp|kmt_[a-z0-9_]+|_ZN3kmt[A-Za-z0-9_]+|__x86_return_thunk|__x86_indirect_thunk_[a-z0-9]+|__fentry__)$' || true)
[ -z "$undef" ] || fail "calls symbols the core may not use: $(echo $undef)"
exit 0
