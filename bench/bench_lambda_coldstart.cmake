# Included by bench/CMakeLists.txt for bench_lambda_coldstart (${name}). The Runtime API test
# double is compiled in directly, so the bench does not need the tests' targets to exist.
target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lambda/runtime_api_server.cpp)
target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(${name} PRIVATE Threads::Threads)

get_property(bench_lambda_zips GLOBAL PROPERTY STREAMCACHE_LAMBDA_ZIPS)
string(REPLACE ";" "," bench_lambda_zip_list "${bench_lambda_zips}")
get_property(bench_lambda_targets GLOBAL PROPERTY STREAMCACHE_LAMBDA_TARGETS)
foreach(t ${bench_lambda_targets})
  if(TARGET ${t}_zip)
    add_dependencies(${name} ${t}_zip)  # the sizes it reports are this build's
  endif()
endforeach()
set(bench_echo_zip "")
if(TARGET lambda_echo_zip)
  set(bench_echo_zip "${CMAKE_BINARY_DIR}/lambda/echo.zip")
endif()
target_compile_definitions(${name} PRIVATE
  STREAMCACHE_LAMBDA_ZIPS="${bench_lambda_zip_list}"
  STREAMCACHE_ECHO_ZIP="${bench_echo_zip}"
  STREAMCACHE_PYTHON="${Python3_EXECUTABLE}")
