# Cross-compiling for arm64 Lambda (Graviton, provided.al2023 on arm64) from a Debian x86_64 host.
#
#   ./dev package --arch arm64     # installs what is missing, then builds build/dist/arm64/*.zip
#
# which is the preset `release-arm64` (CMakePresets.json) over this file. By hand:
#
#   sudo dpkg --add-architecture arm64 && sudo apt-get update
#   sudo apt-get install g++-aarch64-linux-gnu libssl-dev:arm64 libhiredis-dev:arm64
#   cmake --preset release-arm64 && cmake --build --preset release-arm64
#
# Boost and RapidJSON are header-only, so the host's headers serve. OpenSSL's and hiredis' static
# archives come from the arm64 multiarch directory (/usr/lib/aarch64-linux-gnu). With a sysroot
# instead (for example one unpacked from Amazon Linux 2023 arm64), set STREAMCACHE_SYSROOT. Every
# packaging rule (static libstdc++/libgcc/OpenSSL, the _dl_find_object shim, the ELF gate with its
# glibc 2.34 limit) applies unchanged; the gate reads aarch64 ELF files on any host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(STREAMCACHE_CROSS_PREFIX "aarch64-linux-gnu-" CACHE STRING "Prefix of the cross tools")
set(CMAKE_C_COMPILER "${STREAMCACHE_CROSS_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${STREAMCACHE_CROSS_PREFIX}g++")
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

if(DEFINED ENV{STREAMCACHE_SYSROOT})
  set(CMAKE_SYSROOT "$ENV{STREAMCACHE_SYSROOT}")
  set(CMAKE_FIND_ROOT_PATH "$ENV{STREAMCACHE_SYSROOT}")
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
else()
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)  # multiarch: arm64 libraries live under /usr/lib
  # FindOpenSSL asks pkg-config first, which would answer with the host's x86_64 libraries.
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
  # Boost is used header-only (Boost::headers): the host's arch-independent CMake package serves.
  if(NOT DEFINED Boost_DIR)
    file(GLOB _streamcache_boost_dirs LIST_DIRECTORIES true "/usr/lib/*-linux-gnu/cmake/Boost-*")
    if(_streamcache_boost_dirs)
      list(GET _streamcache_boost_dirs 0 _streamcache_boost_dir)
      set(Boost_DIR "${_streamcache_boost_dir}" CACHE PATH "Boost's CMake package (headers only)")
    endif()
  endif()
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # python3, the gate and the zip tool run on the host
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# Runs arm64 test binaries through qemu when it is installed (qemu-user-static); optional.
find_program(STREAMCACHE_QEMU_AARCH64 qemu-aarch64-static)
if(STREAMCACHE_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${STREAMCACHE_QEMU_AARCH64};-L;/usr/aarch64-linux-gnu")
endif()
