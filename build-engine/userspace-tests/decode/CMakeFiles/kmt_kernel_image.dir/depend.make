# Empty dependencies file for kmt_kernel_image.
# This may be replaced when dependencies are built.
