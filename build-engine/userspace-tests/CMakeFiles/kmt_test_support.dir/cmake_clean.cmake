file(REMOVE_RECURSE
  "CMakeFiles/kmt_test_support.dir/support/assert.cpp.o"
  "CMakeFiles/kmt_test_support.dir/support/assert.cpp.o.d"
  "libkmt_test_support.a"
  "libkmt_test_support.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_test_support.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
