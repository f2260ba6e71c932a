# Empty dependencies file for kmt_test_support.
# This may be replaced when dependencies are built.
