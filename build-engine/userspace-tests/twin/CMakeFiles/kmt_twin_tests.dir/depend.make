# Empty dependencies file for kmt_twin_tests.
# This may be replaced when dependencies are built.
