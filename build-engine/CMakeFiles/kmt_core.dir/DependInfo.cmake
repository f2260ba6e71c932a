
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/emulate/kmt_decode.cpp" "CMakeFiles/kmt_core.dir/emulate/kmt_decode.cpp.o" "gcc" "CMakeFiles/kmt_core.dir/emulate/kmt_decode.cpp.o.d"
  "/work/main/emulate/kmt_decode_format.cpp" "CMakeFiles/kmt_core.dir/emulate/kmt_decode_format.cpp.o" "gcc" "CMakeFiles/kmt_core.dir/emulate/kmt_decode_format.cpp.o.d"
  "/work/main/shadow/engine.cpp" "CMakeFiles/kmt_core.dir/shadow/engine.cpp.o" "gcc" "CMakeFiles/kmt_core.dir/shadow/engine.cpp.o.d"
  "/work/main/shadow/shadow.cpp" "CMakeFiles/kmt_core.dir/shadow/shadow.cpp.o" "gcc" "CMakeFiles/kmt_core.dir/shadow/shadow.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
