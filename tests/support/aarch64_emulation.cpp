#include "support/aarch64_emulation.h"

#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "support/process.h"

namespace streamcache::testing {

namespace fs = std::filesystem;

namespace {

// Joins pieces; GCC 12 at -O2 reports "literal" + std::string&& as overlapping memcpy (bug 105651).
std::string concat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (std::string_view piece : pieces)
    out.append(piece);
  return out;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

}  // namespace

fs::path unzip_bootstrap(const fs::path& zip, const fs::path& dir) {
  if (!fs::is_regular_file(zip))
    throw std::runtime_error(concat({zip.string(),
                                     " is missing: build the arm64 zips with `./dev package --arch "
                                     "arm64` (`./dev test` does it before the tests)"}));
  fs::create_directories(dir);
  // unzip(1) restores the Unix modes the zip records (the bootstrap's 0755).
  const ShellResult result =
      run_shell(concat({"unzip -o -q ", quoted(zip.string()), " -d ", quoted(dir.string())}));
  if (result.status != 0)
    throw std::runtime_error(concat({"unzip ", zip.string(), " failed: ", result.output}));
  return dir / "bootstrap";
}

std::vector<std::string> emulated_command(const Aarch64Emulation& emulation,
                                          const fs::path& program) {
  if (!fs::exists(emulation.qemu))
    throw std::runtime_error(concat(
        {emulation.qemu.string(), " not found: install qemu-user-static (`./dev test` does)"}));
  if (!fs::exists(emulation.sysroot / "lib" / "ld-linux-aarch64.so.1"))
    throw std::runtime_error(concat({"no aarch64 glibc in ", emulation.sysroot.string(),
                                     ": install g++-aarch64-linux-gnu (`./dev test` does)"}));
  return {emulation.qemu.string(), "-L", emulation.sysroot.string(), program.string()};
}

std::vector<GuestFile> loaded_objects(const Aarch64Emulation& emulation, const fs::path& program) {
  std::string command = "env LD_TRACE_LOADED_OBJECTS=1 LD_LIBRARY_PATH= LD_PRELOAD=";
  for (const auto& arg : emulated_command(emulation, program)) {
    command.push_back(' ');
    command += quoted(arg);
  }
  const ShellResult result = run_shell(command);
  if (result.status != 0)
    throw std::runtime_error(
        concat({"listing the libraries of ", program.string(), " failed: ", result.output}));
  std::vector<GuestFile> files;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    // "libc.so.6 => /lib/aarch64-linux-gnu/libc.so.6 (0x...)" or "/lib/ld-linux-aarch64.so.1
    // (0x...)"
    const auto arrow = line.find(" => ");
    const auto start = arrow == std::string::npos ? line.find('/') : arrow + 4;
    if (start == std::string::npos || line.compare(start, 1, "/") != 0) continue;  // the vDSO
    GuestFile file;
    file.guest_path = line.substr(start, line.find(' ', start) - start);
    // qemu -L looks under the prefix first and falls back to the host's path (multiarch
    // libc6:arm64).
    const fs::path in_sysroot = emulation.sysroot / fs::path(file.guest_path).relative_path();
    file.host_path = fs::exists(in_sysroot) ? in_sysroot : fs::path(file.guest_path);
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace streamcache::testing
