# Compiler settings shared by every target: warnings, sanitizers.
add_library(streamcache_options INTERFACE)
target_compile_options(streamcache_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(STREAMCACHE_WERROR)
  target_compile_options(streamcache_options INTERFACE -Werror)
endif()
if(STREAMCACHE_SANITIZE)
  target_compile_options(streamcache_options INTERFACE -fsanitize=${STREAMCACHE_SANITIZE}
    -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(streamcache_options INTERFACE -fsanitize=${STREAMCACHE_SANITIZE})
endif()
# Smaller, faster-loading binaries: unused sections are dropped at link time.
target_compile_options(streamcache_options INTERFACE -ffunction-sections -fdata-sections)
target_link_options(streamcache_options INTERFACE -Wl,--gc-sections)
# libFuzzer coverage instrumentation for every library (clang); only fuzz/ targets link the runtime.
if(STREAMCACHE_FUZZ)
  target_compile_options(streamcache_options INTERFACE -fsanitize=fuzzer-no-link
    -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/fuzz/ubsan-ignorelist.txt)
endif()
