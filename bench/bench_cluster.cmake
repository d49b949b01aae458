# Included by bench/CMakeLists.txt for bench_cluster: the cluster item cache on a local cluster
# started by the cache tests' fixture (tests/cache/redis_cluster.h).
target_link_libraries(bench_cluster PRIVATE streamcache_cache cache_test_fixtures)
target_include_directories(bench_cluster PRIVATE ${PROJECT_SOURCE_DIR}/tests/cache)
