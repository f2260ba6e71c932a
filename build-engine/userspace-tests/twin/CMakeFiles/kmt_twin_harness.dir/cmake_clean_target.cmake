file(REMOVE_RECURSE
  "libkmt_twin_harness.a"
)
