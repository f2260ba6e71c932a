# CMake generated Testfile for 
# Source directory: /work/main/userspace-tests/twin
# Build directory: /work/main/build-engine/userspace-tests/twin
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-engine/userspace-tests/twin/kmt_twin_tests[1]_include.cmake")
