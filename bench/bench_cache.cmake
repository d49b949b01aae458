# Included by bench/CMakeLists.txt for bench_cache (which already links benchmark and the
# test support that starts redis-server).
target_link_libraries(bench_cache PRIVATE streamcache_cache)
