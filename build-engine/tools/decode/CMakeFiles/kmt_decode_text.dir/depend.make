# Empty dependencies file for kmt_decode_text.
# This may be replaced when dependencies are built.
