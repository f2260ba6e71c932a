file(REMOVE_RECURSE
  "CMakeFiles/kmt_core.dir/emulate/kmt_decode.cpp.o"
  "CMakeFiles/kmt_core.dir/emulate/kmt_decode.cpp.o.d"
  "CMakeFiles/kmt_core.dir/emulate/kmt_decode_format.cpp.o"
  "CMakeFiles/kmt_core.dir/emulate/kmt_decode_format.cpp.o.d"
  "CMakeFiles/kmt_core.dir/shadow/engine.cpp.o"
  "CMakeFiles/kmt_core.dir/shadow/engine.cpp.o.d"
  "CMakeFiles/kmt_core.dir/shadow/shadow.cpp.o"
  "CMakeFiles/kmt_core.dir/shadow/shadow.cpp.o.d"
  "libkmt_core.a"
  "libkmt_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
