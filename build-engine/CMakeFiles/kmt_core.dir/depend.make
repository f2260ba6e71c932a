# Empty dependencies file for kmt_core.
# This may be replaced when dependencies are built.
