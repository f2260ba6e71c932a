# Booted with init_on_alloc=1 (Debian's default), kmemtrap loads but warns loudly.
#@expect kmemtrap: WARN: init_on_alloc is on
kmt_load kmemtrap
kmt_unload kmemtrap
