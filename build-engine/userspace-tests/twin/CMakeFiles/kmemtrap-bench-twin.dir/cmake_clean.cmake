file(REMOVE_RECURSE
  "CMakeFiles/kmemtrap-bench-twin.dir/bench.cpp.o"
  "CMakeFiles/kmemtrap-bench-twin.dir/bench.cpp.o.d"
  "kmemtrap-bench-twin"
  "kmemtrap-bench-twin.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmemtrap-bench-twin.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
