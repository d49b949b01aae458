# Included by bench/CMakeLists.txt for bench_sigv4: the signer and nothing of the network stack.
target_link_libraries(bench_sigv4 PRIVATE streamcache_aws_auth)
