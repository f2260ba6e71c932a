file(REMOVE_RECURSE
  "libkmt_kernel_image.a"
)
