file(REMOVE_RECURSE
  "CMakeFiles/kmt_decode_text.dir/decode_text.cpp.o"
  "CMakeFiles/kmt_decode_text.dir/decode_text.cpp.o.d"
  "libkmt_decode_text.a"
  "libkmt_decode_text.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_decode_text.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
