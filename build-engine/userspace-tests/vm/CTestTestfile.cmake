# CMake generated Testfile for 
# Source directory: /work/main/userspace-tests/vm
# Build directory: /work/main/build-engine/userspace-tests/vm
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[vm.load_unload.max]=] "/work/main/tools/kmt-vm" "--quiet" "--cpu" "max" "--log" "/work/main/build-engine/vm-logs/load_unload-max.log" "/work/main/userspace-tests/vm/scenarios/load_unload.sh")
set_tests_properties([=[vm.load_unload.max]=] PROPERTIES  LABELS "vm" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/userspace-tests/vm/CMakeLists.txt;19;add_test;/work/main/userspace-tests/vm/CMakeLists.txt;26;kmt_vm_test;/work/main/userspace-tests/vm/CMakeLists.txt;0;")
add_test([=[vm.load_unload.qemu64]=] "/work/main/tools/kmt-vm" "--quiet" "--cpu" "qemu64" "--log" "/work/main/build-engine/vm-logs/load_unload-qemu64.log" "/work/main/userspace-tests/vm/scenarios/load_unload.sh")
set_tests_properties([=[vm.load_unload.qemu64]=] PROPERTIES  LABELS "vm" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/userspace-tests/vm/CMakeLists.txt;19;add_test;/work/main/userspace-tests/vm/CMakeLists.txt;26;kmt_vm_test;/work/main/userspace-tests/vm/CMakeLists.txt;0;")
add_test([=[vm.load_unload.Skylake-Client]=] "/work/main/tools/kmt-vm" "--quiet" "--cpu" "Skylake-Client" "--log" "/work/main/build-engine/vm-logs/load_unload-Skylake-Client.log" "/work/main/userspace-tests/vm/scenarios/load_unload.sh")
set_tests_properties([=[vm.load_unload.Skylake-Client]=] PROPERTIES  LABELS "vm" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/userspace-tests/vm/CMakeLists.txt;19;add_test;/work/main/userspace-tests/vm/CMakeLists.txt;26;kmt_vm_test;/work/main/userspace-tests/vm/CMakeLists.txt;0;")
add_test([=[vm.harness.broken_module]=] "/work/main/tools/kmt-vm" "--quiet" "--log" "/work/main/build-engine/vm-logs/broken_module.log" "/work/main/userspace-tests/vm/scenarios/broken_module.sh")
set_tests_properties([=[vm.harness.broken_module]=] PROPERTIES  LABELS "vm" PASS_REGULAR_EXPRESSION "kmt-vm: FAIL broken_module.*the guest scenario failed.*KMT-FAIL: insmod kmt_broken failed: insmod: can't insert '/modules/kmt_broken.ko': Input/output error" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/userspace-tests/vm/CMakeLists.txt;30;add_test;/work/main/userspace-tests/vm/CMakeLists.txt;0;")
add_test([=[vm.selftest.max]=] "/work/main/tools/kmt-vm" "--quiet" "--cpu" "max" "--log" "/work/main/build-engine/vm-logs/selftest-max.log" "/work/main/userspace-tests/vm/scenarios/selftest.sh")
set_tests_properties([=[vm.selftest.max]=] PROPERTIES  LABELS "vm" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/userspace-tests/vm/CMakeLists.txt;19;add_test;/work/main/userspace-tests/vm/CMakeLists.txt;36;kmt_vm_test;/work/main/userspace-tests/vm/CMakeLists.txt;0;")
add_test([=[vm.selftest.qemu64]=] "/work/main/tools/kmt-vm" "--quiet" "--cpu" "qemu64" "--log" "/work/main/build-engine/vm-logs/selftest-qemu64.log" "/work/main/userspace-tests/vm/scenarios/selftest.sh")
set_tests_properties([=[vm.selftest.qemu64]=] PROPERTIES  LABELS "vm" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/userspace-tests/vm/CMakeLists.txt;19;add_test;/work/main/userspace-tests/vm/CMakeLists.txt;36;kmt_vm_test;/work/main/userspace-tests/vm/CMakeLists.txt;0;")
add_test([=[vm.selftest.Skylake-Client]=] "/work/main/tools/kmt-vm" "--quiet" "--cpu" "Skylake-Client" "--log" "/work/main/build-engine/vm-logs/selftest-Skylake-Client.log" "/work/main/userspace-tests/vm/scenarios/selftest.sh")
set_tests_properties([=[vm.selftest.Skylake-Client]=] PROPERTIES  LABELS "vm" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/userspace-tests/vm/CMakeLists.txt;19;add_test;/work/main/userspace-tests/vm/CMakeLists.txt;36;kmt_vm_test;/work/main/userspace-tests/vm/CMakeLists.txt;0;")
