file(REMOVE_RECURSE
  "CMakeFiles/kmt_decode_diff.dir/decode_diff.cpp.o"
  "CMakeFiles/kmt_decode_diff.dir/decode_diff.cpp.o.d"
  "kmt_decode_diff"
  "kmt_decode_diff.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_decode_diff.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
