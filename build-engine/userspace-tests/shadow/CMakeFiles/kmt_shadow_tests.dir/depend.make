# Empty dependencies file for kmt_shadow_tests.
# This may be replaced when dependencies are built.
