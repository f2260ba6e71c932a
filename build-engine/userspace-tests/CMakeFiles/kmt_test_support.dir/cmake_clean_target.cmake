file(REMOVE_RECURSE
  "libkmt_test_support.a"
)
