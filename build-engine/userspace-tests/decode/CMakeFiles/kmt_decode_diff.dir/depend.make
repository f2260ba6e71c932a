# Empty dependencies file for kmt_decode_diff.
# This may be replaced when dependencies are built.
