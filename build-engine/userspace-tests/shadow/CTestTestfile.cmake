# CMake generated Testfile for 
# Source directory: /work/main/userspace-tests/shadow
# Build directory: /work/main/build-engine/userspace-tests/shadow
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-engine/userspace-tests/shadow/kmt_shadow_tests[1]_include.cmake")
