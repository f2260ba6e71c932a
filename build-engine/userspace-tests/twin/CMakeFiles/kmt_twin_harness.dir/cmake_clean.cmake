file(REMOVE_RECURSE
  "CMakeFiles/kmt_twin_harness.dir/harness.cpp.o"
  "CMakeFiles/kmt_twin_harness.dir/harness.cpp.o.d"
  "libkmt_twin_harness.a"
  "libkmt_twin_harness.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_twin_harness.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
