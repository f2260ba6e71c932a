file(REMOVE_RECURSE
  "CMakeFiles/kmemtrap-decode.dir/main.cpp.o"
  "CMakeFiles/kmemtrap-decode.dir/main.cpp.o.d"
  "kmemtrap-decode"
  "kmemtrap-decode.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmemtrap-decode.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
