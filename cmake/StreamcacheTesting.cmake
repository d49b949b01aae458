# streamcache_add_test(<name> LABEL <unit|integration|e2e> SOURCES ... LIBS ...)
# One CTest test per binary: integration binaries start their servers once per binary.
function(streamcache_add_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
    streamcache_options)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "STREAMCACHE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
