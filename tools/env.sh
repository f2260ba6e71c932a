# Shared paths for kmemtrap's scripts. Sourced, not run.
# KMT_CACHE: where the test kernel and other downloads are unpacked (outside the clone, so that
# fresh clones on one machine share them).
: "${KMT_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kmemtrap}"
export KMT_CACHE
