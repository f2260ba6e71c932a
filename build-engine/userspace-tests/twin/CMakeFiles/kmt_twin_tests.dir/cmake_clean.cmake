file(REMOVE_RECURSE
  "CMakeFiles/kmt_twin_tests.dir/twin_test.cpp.o"
  "CMakeFiles/kmt_twin_tests.dir/twin_test.cpp.o.d"
  "kmt_twin_tests"
  "kmt_twin_tests.pdb"
  "kmt_twin_tests[1]_tests.cmake"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_twin_tests.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
