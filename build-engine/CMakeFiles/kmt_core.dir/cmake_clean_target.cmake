file(REMOVE_RECURSE
  "libkmt_core.a"
)
