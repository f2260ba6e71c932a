file(REMOVE_RECURSE
  "CMakeFiles/kmt_kernel_image.dir/kernel_image.cpp.o"
  "CMakeFiles/kmt_kernel_image.dir/kernel_image.cpp.o.d"
  "libkmt_kernel_image.a"
  "libkmt_kernel_image.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/kmt_kernel_image.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
