# CMake generated Testfile for 
# Source directory: /work/main/userspace-tests/decode
# Build directory: /work/main/build-engine/userspace-tests/decode
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[decode_diff_capstone]=] "/work/main/build-engine/userspace-tests/decode/kmt_decode_diff" "--modules" "400" "--jobs" "2" "--work" "/work/main/build-engine/userspace-tests/decode")
set_tests_properties([=[decode_diff_capstone]=] PROPERTIES  ENVIRONMENT "" LABELS "diff" TIMEOUT "900" _BACKTRACE_TRIPLES "/work/main/userspace-tests/decode/CMakeLists.txt;20;add_test;/work/main/userspace-tests/decode/CMakeLists.txt;0;")
