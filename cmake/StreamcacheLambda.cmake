# Lambda packaging (docs/packaging.md).
#
#   streamcache_add_lambda(<name> SOURCES <files...> [LIBS <targets...>] [TEST_ONLY])
#
# builds the executable target lambda_<name> as <build>/lambda/<name>/bootstrap, linked to run on
# provided.al2023 (glibc 2.34) without bundled libraries: static libstdc++/libgcc, static OpenSSL,
# and the _dl_find_object shim. Then, as part of the default build, it strips the binary, checks
# it with tools/elf-gate.py and writes the reproducible zip <build>/lambda/<name>.zip.
# `package_zips` builds every zip and copies those that are not TEST_ONLY to
# STREAMCACHE_DIST_DIR (build/dist/<name>.zip by default). Sanitizer builds make no zips.
#
# Cross-compiling for arm64 (Graviton): the release-arm64 preset (cmake/toolchains/
# aarch64-linux-gnu.cmake, STREAMCACHE_DIST_DIR build/dist/arm64); nothing here is x86-specific.
include_guard(GLOBAL)

find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(STREAMCACHE_DIST_DIR "${PROJECT_SOURCE_DIR}/build/dist" CACHE PATH
  "Directory where package_zips puts the Lambda zips that ship")
set(STREAMCACHE_LAMBDA_STATIC_LIBS "ssl;crypto" CACHE STRING
  "Shared libraries whose static archive (lib<name>.a beside the .so) replaces them in bootstraps")
option(STREAMCACHE_LAMBDA_PIE
  "Link bootstraps as PIE (default off: no 20k relative relocations at start, 0.5 MB smaller)" OFF)
set(STREAMCACHE_LAMBDA_MAX_GLIBC "2.34" CACHE STRING
  "Highest GLIBC_ symbol version a bootstrap may need (provided.al2023 ships glibc 2.34)")

set(_streamcache_lambda_tools "${CMAKE_CURRENT_LIST_DIR}/../tools")
get_filename_component(_streamcache_lambda_tools "${_streamcache_lambda_tools}" ABSOLUTE)
set(STREAMCACHE_ELF_GATE "${_streamcache_lambda_tools}/elf-gate.py" CACHE INTERNAL "")
set(STREAMCACHE_MAKE_ZIP "${_streamcache_lambda_tools}/make-zip.py" CACHE INTERNAL "")
set(STREAMCACHE_LINK_STATIC "${_streamcache_lambda_tools}/link-static.py" CACHE INTERNAL "")
set(STREAMCACHE_DL_FIND_OBJECT_SHIM
  "${CMAKE_CURRENT_LIST_DIR}/../src/lambda/dl_find_object_shim.cpp" CACHE INTERNAL "")

if(STREAMCACHE_SANITIZE)
  add_custom_target(package_zips
    COMMAND ${CMAKE_COMMAND} -E echo
      "package_zips: sanitizer builds link libasan/libubsan and cannot ship; use the release preset"
    COMMAND ${CMAKE_COMMAND} -E false)
else()
  add_custom_target(package_zips)
endif()

function(streamcache_add_lambda name)
  cmake_parse_arguments(ARG "TEST_ONLY" "" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "streamcache_add_lambda(${name}): SOURCES is required")
  endif()
  set(target lambda_${name})
  set(dir "${CMAKE_BINARY_DIR}/lambda/${name}")
  add_executable(${target} ${ARG_SOURCES} "${STREAMCACHE_DL_FIND_OBJECT_SHIM}")
  set_target_properties(${target} PROPERTIES OUTPUT_NAME bootstrap RUNTIME_OUTPUT_DIRECTORY "${dir}")
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} streamcache_lambda_runtime streamcache_options)
  set_property(GLOBAL APPEND PROPERTY STREAMCACHE_LAMBDA_TARGETS ${target})
  if(STREAMCACHE_SANITIZE)
    return()  # runnable for tests under the sanitizers, but not packaged
  endif()

  # No libstdc++.so/libgcc_s.so (Debian's need GLIBC_2.35/2.36), no libssl.so.3 at run time.
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc LINKER:--as-needed
    LINKER:-O1)
  if(NOT STREAMCACHE_LAMBDA_PIE)
    target_link_options(${target} PRIVATE -no-pie)
  endif()
  set(static_args "")
  foreach(lib ${STREAMCACHE_LAMBDA_STATIC_LIBS})
    list(APPEND static_args --static ${lib})
  endforeach()
  set_property(TARGET ${target} PROPERTY CXX_LINKER_LAUNCHER
    "${Python3_EXECUTABLE};${STREAMCACHE_LINK_STATIC};${static_args};--")

  set(stripped "${dir}/package/bootstrap")
  set(zip "${CMAKE_BINARY_DIR}/lambda/${name}.zip")
  add_custom_command(OUTPUT "${zip}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}/package"
    COMMAND ${CMAKE_STRIP} --strip-all -o "${stripped}" "$<TARGET_FILE:${target}>"
    COMMAND "${Python3_EXECUTABLE}" "${STREAMCACHE_ELF_GATE}" --quiet
      --max-glibc ${STREAMCACHE_LAMBDA_MAX_GLIBC} "${stripped}"
    COMMAND "${Python3_EXECUTABLE}" "${STREAMCACHE_MAKE_ZIP}" --output "${zip}"
      "bootstrap=${stripped}"
    DEPENDS ${target} "${STREAMCACHE_MAKE_ZIP}" "${STREAMCACHE_ELF_GATE}"
    COMMENT "Packaging ${name}.zip (strip, ELF gate, reproducible zip)"
    VERBATIM)
  add_custom_target(${target}_zip ALL DEPENDS "${zip}")
  set_property(GLOBAL APPEND PROPERTY STREAMCACHE_LAMBDA_ZIPS "${zip}")
  add_dependencies(package_zips ${target}_zip)
  if(ARG_TEST_ONLY)
    return()
  endif()

  # A target (not a file rule) so the zip's rule stays in ${target}_zip only; copying is cheap.
  add_custom_target(${target}_dist
    COMMAND ${CMAKE_COMMAND} -E make_directory "${STREAMCACHE_DIST_DIR}"
    COMMAND ${CMAKE_COMMAND} -E copy_if_different "${zip}" "${STREAMCACHE_DIST_DIR}/${name}.zip"
    VERBATIM)
  add_dependencies(${target}_dist ${target}_zip)
  add_dependencies(package_zips ${target}_dist)
endfunction()
