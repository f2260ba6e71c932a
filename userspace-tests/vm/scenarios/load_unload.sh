# Load kmemtrap, check its banner, unload it.
#@expect kmemtrap: kmemtrap [0-9]+\.[0-9]+\.[0-9]+ on kernel 6\.[0-9]+\.[0-9]+(-[0-9]+|\+deb[0-9]+)-amd64; #PF hook: kprobe on kernelmode_fixup_or_oops
#@expect kmemtrap: unloaded
kmt_load kmemtrap
# The release is a regex here: escape its dots and the + of 6.12.N+deb12.
kmt_expect_dmesg 'kmemtrap: kmemtrap .* on kernel '"$(uname -r | sed 's/[.+]/\\&/g')"
grep -q '^kmemtrap ' /proc/modules || kmt_fail "kmemtrap not in /proc/modules after insmod"
kmt_unload kmemtrap
grep -q '^kmemtrap ' /proc/modules && kmt_fail "kmemtrap still loaded after rmmod"
true
