file(REMOVE_RECURSE
  "libkmt_decode_text.a"
)
