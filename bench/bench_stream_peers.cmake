# Included by bench/CMakeLists.txt for bench_stream_peers (${name}): the packaged stream handler
# against the Node.js peer in bench/node-peer, under the tests' Runtime API server.
target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lambda/runtime_api_server.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/stream_peers/event.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/stream_peers/null_runtime.cpp)
target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(${name} PRIVATE streamcache_cache Threads::Threads)
if(TARGET lambda_stream-handler_zip)
  add_dependencies(${name} lambda_stream-handler_zip)  # it runs this build's zip
endif()
target_compile_definitions(${name} PRIVATE
  STREAMCACHE_STREAM_HANDLER_ZIP="${CMAKE_BINARY_DIR}/lambda/stream-handler.zip"
  STREAMCACHE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
