# CMake generated Testfile for 
# Source directory: /work/main/userspace-tests
# Build directory: /work/main/build-engine/userspace-tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("decode")
subdirs("shadow")
subdirs("twin")
subdirs("vm")
