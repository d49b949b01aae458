// arm64 (Graviton) bootstraps on this x86_64 machine: unzipped from the zips that ship
// (build/dist/arm64) and run by qemu-user with an aarch64 glibc, Debian's cross sysroot by default.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace streamcache::testing {

struct Aarch64Emulation {
  std::filesystem::path qemu;  // qemu-aarch64-static: a static binary, so it also runs in a chroot
  std::filesystem::path sysroot;  // aarch64 glibc (lib/ld-linux-aarch64.so.1, lib/libc.so.6)
};

// Unzips `zip` into `dir` (keeping the modes the zip records) and returns the bootstrap's path.
// Throws std::runtime_error naming what is missing and how to build it.
std::filesystem::path unzip_bootstrap(const std::filesystem::path& zip,
                                      const std::filesystem::path& dir);

// The command line that runs an aarch64 executable under qemu-user with `emulation.sysroot` as
// its library prefix (qemu -L). Throws std::runtime_error when qemu is missing.
std::vector<std::string> emulated_command(const Aarch64Emulation& emulation,
                                          const std::filesystem::path& program);

// The glibc files the aarch64 loader maps for `program` (LD_TRACE_LOADED_OBJECTS under qemu), as
// the guest names them ("/lib/aarch64-linux-gnu/libc.so.6"), each with the host file behind it.
struct GuestFile {
  std::string guest_path;
  std::filesystem::path host_path;
};
std::vector<GuestFile> loaded_objects(const Aarch64Emulation& emulation,
                                      const std::filesystem::path& program);

}  // namespace streamcache::testing
