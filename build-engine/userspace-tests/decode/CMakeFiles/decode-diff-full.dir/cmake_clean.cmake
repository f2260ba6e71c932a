file(REMOVE_RECURSE
  "CMakeFiles/decode-diff-full"
)

# Per-language clean rules from dependency scanning.
foreach(lang )
  include(CMakeFiles/decode-diff-full.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
