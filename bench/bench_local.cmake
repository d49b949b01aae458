# Included by bench/CMakeLists.txt for bench_local: it drives the stack tools/local-stack.sh
# starts, so it needs that stack's parts built (the zips and streamcache-local).
if(TARGET streamcache-local AND TARGET lambda_api_zip)
  add_dependencies(${name} streamcache-local lambda_api_zip lambda_stream-handler_zip)
endif()
target_compile_definitions(${name} PRIVATE STREAMCACHE_BUILD_DIR="${CMAKE_BINARY_DIR}"
  STREAMCACHE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
