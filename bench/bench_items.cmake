# Included by bench/CMakeLists.txt for bench_items: the handlers as the bootstraps wire them.
target_link_libraries(bench_items PRIVATE streamcache_items)
