file(REMOVE_RECURSE
  "CMakeFiles/kmt_shadow_tests.dir/engine_unit_test.cpp.o"
  "CMakeFiles/kmt_shadow_tests.dir/engine_unit_test.cpp.o.d"
  "CMakeFiles/kmt_shadow_tests.dir/shadow_test.cpp.o"
  "CMakeFiles/kmt_shadow_tests.dir/shadow_test.cpp.o.d"
  "kmt_shadow_tests"
  "kmt_shadow_tests.pdb"
  "kmt_shadow_tests[1]_tests.cmake"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_shadow_tests.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
