# Empty compiler generated dependencies file for kmt_twin_harness.
# This may be replaced when dependencies are built.
