# With two CPUs online kmemtrap refuses to load unless allow_smp=1, and says why.
#@expect kmemtrap: 2 CPUs are online: .* load with allow_smp=1
#@expect kmemtrap: allow_smp=1 with 2 CPUs online
out=$(insmod /modules/kmemtrap.ko 2>&1) && kmt_fail "kmemtrap loaded with 2 CPUs and no allow_smp"
echo "$out" | grep -q 'not supported' || kmt_fail "expected EOPNOTSUPP, got: $out"
kmt_load kmemtrap allow_smp=1
kmt_unload kmemtrap
