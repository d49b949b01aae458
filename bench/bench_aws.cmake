target_link_libraries(bench_aws PRIVATE streamcache_aws)
target_include_directories(bench_aws SYSTEM PRIVATE ${RAPIDJSON_INCLUDE_DIR})
