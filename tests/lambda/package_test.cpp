// The zips package_zips builds: the ELF gate passes on each (and provably fails on binaries that
// need glibc 2.36 or the system's libstdc++), each zip is reproducible, and each unzipped
// bootstrap loads nothing but glibc and runs in a chroot that holds only its own files and glibc.
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lambda/runtime_api_server.h"
#include "support/process.h"
#include "support/wait.h"

extern char** environ;  // NOLINT: POSIX

namespace streamcache::lambda::testing {
namespace {

namespace fs = std::filesystem;
using streamcache::testing::Process;

std::vector<fs::path> lambda_zips() {
  std::vector<fs::path> zips;
  std::stringstream list(STREAMCACHE_LAMBDA_ZIPS);
  for (std::string item; std::getline(list, item, ',');) {
    if (!item.empty()) zips.emplace_back(item);
  }
  return zips;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a program (looked up in PATH) and collects its output; `env` entries are added.
CommandResult run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env = {}) {
  std::array<int, 2> pipe_fds{};
  if (::pipe(pipe_fds.data()) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (env.count(entry.substr(0, entry.find('='))) == 0) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env)
    env_strings.push_back(name + "=" + value);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: POSIX API
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  CommandResult result;
  std::array<char, 4096> buffer{};
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer.data(), buffer.size())) > 0) {
    result.output.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (spawned != 0) return result;
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult gate(const std::vector<std::string>& inputs) {
  std::vector<std::string> argv = {STREAMCACHE_PYTHON, STREAMCACHE_ELF_GATE};
  argv.insert(argv.end(), inputs.begin(), inputs.end());
  return run(argv);
}

CommandResult make_zip(const fs::path& output, const std::vector<std::string>& entries) {
  std::vector<std::string> argv = {STREAMCACHE_PYTHON, STREAMCACHE_MAKE_ZIP, "--output", output};
  argv.insert(argv.end(), entries.begin(), entries.end());
  return run(argv);
}

// Extracts with the Unix permissions the zip records (Python's extractall drops them).
void unzip(const fs::path& zip, const fs::path& into) {
  const CommandResult result = run({STREAMCACHE_PYTHON, "-c",
                                    "import os, sys, zipfile\n"
                                    "with zipfile.ZipFile(sys.argv[1]) as z:\n"
                                    "    for i in z.infolist():\n"
                                    "        path = z.extract(i, sys.argv[2])\n"
                                    "        mode = (i.external_attr >> 16) & 0o777\n"
                                    "        if mode: os.chmod(path, mode)\n",
                                    zip, into});
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

// The central directory of a zip: what reproducibility depends on.
struct ZipEntry {
  std::string name;
  std::uint16_t made_by = 0;
  std::uint16_t time = 0;
  std::uint16_t date = 0;
  std::uint32_t external_attributes = 0;
  std::uint16_t extra_length = 0;
};

std::uint32_t le(const std::string& data, std::size_t at, int bytes) {
  std::uint32_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<std::uint8_t>(data.at(at + static_cast<std::size_t>(i)));
  }
  return value;
}

std::vector<ZipEntry> central_directory(const std::string& zip) {
  const std::size_t end = zip.rfind(std::string("PK\x05\x06", 4));
  EXPECT_NE(end, std::string::npos) << "no end of central directory";
  if (end == std::string::npos) return {};
  const std::size_t count = le(zip, end + 10, 2);
  std::size_t at = le(zip, end + 16, 4);
  std::vector<ZipEntry> entries;
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_EQ(le(zip, at, 4), 0x02014b50U);
    ZipEntry e;
    e.made_by = static_cast<std::uint16_t>(le(zip, at + 4, 2));
    e.time = static_cast<std::uint16_t>(le(zip, at + 12, 2));
    e.date = static_cast<std::uint16_t>(le(zip, at + 14, 2));
    const std::size_t name_length = le(zip, at + 28, 2);
    e.extra_length = static_cast<std::uint16_t>(le(zip, at + 30, 2));
    const std::size_t comment_length = le(zip, at + 32, 2);
    e.external_attributes = le(zip, at + 38, 4);
    e.name = zip.substr(at + 46, name_length);
    entries.push_back(e);
    at += 46 + name_length + e.extra_length + comment_length;
  }
  return entries;
}

class Package : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = streamcache::testing::make_log_dir(std::string("lambda_package_") + info->name());
  }
  fs::path dir_;
};

TEST(Zips, ThereIsAtLeastTheEchoZip) {
  const auto zips = lambda_zips();
  ASSERT_FALSE(zips.empty());
  for (const auto& zip : zips)
    EXPECT_TRUE(fs::is_regular_file(zip)) << zip;
  EXPECT_TRUE(std::any_of(zips.begin(), zips.end(),
                          [](const fs::path& z) { return z.filename() == "echo.zip"; }));
}

TEST(Gate, PassesOnEveryZip) {
  for (const auto& zip : lambda_zips()) {
    const CommandResult result = gate({zip});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("OK: runs with glibc 2.34"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("MISSING"), std::string::npos) << result.output;
    std::cout << result.output;
  }
}

TEST(Gate, RejectsABinaryThatNeedsGlibc236) {
  const CommandResult result = gate({STREAMCACHE_PROBE_GLIBC_2_36});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("GLIBC_2.36 from libc.so.6 is above the 2.34"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("needed by arc4random"), std::string::npos) << result.output;
}

TEST_F(Package, GateRejectsAZipWhoseBootstrapNeedsGlibc236) {
  const fs::path zip = dir_ / "probe.zip";
  ASSERT_EQ(make_zip(zip, {std::string("bootstrap=") + STREAMCACHE_PROBE_GLIBC_2_36}).exit_code, 0);
  const CommandResult result = gate({zip});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("FAIL bootstrap: GLIBC_2.36"), std::string::npos) << result.output;
}

TEST(Gate, RejectsTheSystemLibstdcxx) {
  const CommandResult result = gate({STREAMCACHE_PROBE_LIBSTDCXX});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("needs libstdc++.so.6, which is neither part of glibc nor bundled"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("GLIBCXX_3.4.30 from libstdc++.so.6 is above the 3.4.29"),
            std::string::npos)
      << result.output;
}

TEST_F(Package, GateRejectsBundlingDebiansLibstdcxx) {
  const CommandResult ldd = run({"ldd", STREAMCACHE_PROBE_LIBSTDCXX});
  const auto at = ldd.output.find("libstdc++.so.6 => ");
  ASSERT_NE(at, std::string::npos) << ldd.output;
  const auto start = at + std::string("libstdc++.so.6 => ").size();
  const std::string library = ldd.output.substr(start, ldd.output.find(' ', start) - start);
  const fs::path zip = dir_ / "bundled.zip";
  ASSERT_EQ(make_zip(zip, {std::string("bootstrap=") + STREAMCACHE_PROBE_LIBSTDCXX,
                           "lib/libstdc++.so.6=" + library})
                .exit_code,
            0);
  const CommandResult result = gate({zip});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("libstdc++.so.6 (bundled: lib/libstdc++.so.6)"), std::string::npos)
      << result.output;
  // Bundling moves the problem: Debian's libstdc++ itself needs glibc 2.36 and libgcc_s.
  EXPECT_NE(result.output.find("FAIL lib/libstdc++.so.6: GLIBC_2.36"), std::string::npos)
      << result.output;
}

TEST_F(Package, GateRequiresAnExecutableElfBootstrap) {
  const fs::path script = dir_ / "wrapper.sh";
  std::ofstream(script) << "#!/bin/sh\nexec ./real-bootstrap\n";
  fs::permissions(script, fs::perms::owner_all);
  const fs::path wrapped = dir_ / "wrapped.zip";
  ASSERT_EQ(make_zip(wrapped, {"bootstrap=" + script.string()}).exit_code, 0);
  const CommandResult wrapper = gate({wrapped});
  EXPECT_EQ(wrapper.exit_code, 1) << wrapper.output;
  EXPECT_NE(wrapper.output.find("bootstrap is not an ELF executable"), std::string::npos)
      << wrapper.output;

  const fs::path empty = dir_ / "nobootstrap.zip";
  ASSERT_EQ(make_zip(empty, {"handler=" + script.string()}).exit_code, 0);
  const CommandResult missing = gate({empty});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("no bootstrap at the root"), std::string::npos) << missing.output;
}

TEST_F(Package, ZipsAreReproducible) {
  for (const auto& zip : lambda_zips()) {
    SCOPED_TRACE(zip.string());
    const std::string original = read_file(zip);
    const auto entries = central_directory(original);
    ASSERT_FALSE(entries.empty());
    EXPECT_TRUE(
        std::is_sorted(entries.begin(), entries.end(),
                       [](const ZipEntry& a, const ZipEntry& b) { return a.name < b.name; }));
    for (const auto& e : entries) {
      EXPECT_EQ(e.made_by >> 8, 3) << e.name << ": not made on Unix, so no permissions";
      EXPECT_EQ(e.date, 0x21) << e.name << ": date is not 1980-01-01";
      EXPECT_EQ(e.time, 0) << e.name;
      EXPECT_EQ(e.extra_length, 0) << e.name << ": extra fields carry host timestamps/uids";
    }
    EXPECT_EQ(entries.front().name, "bootstrap");
    EXPECT_EQ(entries.front().external_attributes >> 16, 0100755U);

    // Re-zipping the same bytes, with other timestamps and another argument order, is identical.
    const fs::path extracted = dir_ / zip.stem();
    unzip(zip, extracted);
    std::vector<std::string> args;
    for (const auto& e : entries) {
      const fs::path file = extracted / e.name;
      fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::hours(24 * 400));
      args.push_back(e.name + "=" + file.string());
    }
    std::reverse(args.begin(), args.end());
    const fs::path again = dir_ / ("again-" + zip.filename().string());
    ASSERT_EQ(make_zip(again, args).exit_code, 0);
    EXPECT_TRUE(read_file(again) == original) << "re-zipped " << zip << " differs";
  }
}

// What the dynamic loader maps for an ELF (LD_TRACE_LOADED_OBJECTS: list, do not run).
std::map<std::string, std::string> loaded_objects(const fs::path& elf) {
  const CommandResult result =
      run({elf.string()},
          {{"LD_TRACE_LOADED_OBJECTS", "1"}, {"LD_LIBRARY_PATH", ""}, {"LD_PRELOAD", ""}});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::map<std::string, std::string> objects;  // name -> resolved path ("" for the vDSO)
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty()) continue;
    std::string name = line.substr(0, line.find(' '));
    std::string path;
    if (const auto arrow = line.find(" => "); arrow != std::string::npos) {
      path = line.substr(arrow + 4, line.find(' ', arrow + 4) - arrow - 4);
    } else if (name.front() == '/') {
      path = name;
    }
    objects[fs::path(name).filename().string()] = path;
  }
  return objects;
}

const std::set<std::string>& glibc_objects() {
  static const std::set<std::string> names = {
      "linux-vdso.so.1", "linux-vdso64.so.1",    "libc.so.6",
      "libm.so.6",       "libpthread.so.0",      "libdl.so.2",
      "librt.so.1",      "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"};
  return names;
}

TEST_F(Package, UnzippedBootstrapsLoadOnlyGlibc) {
  for (const auto& zip : lambda_zips()) {
    SCOPED_TRACE(zip.string());
    const fs::path task_root = dir_ / zip.stem();
    unzip(zip, task_root);
    const auto objects = loaded_objects(task_root / "bootstrap");
    ASSERT_FALSE(objects.empty());
    for (const auto& [name, path] : objects) {
      EXPECT_TRUE(glibc_objects().count(name) == 1) << name << " (" << path << ") is not glibc";
      std::cout << zip.filename().string() << " loads " << name << " " << path << "\n";
    }
  }
}

// How to confine a process to `root` here: a user namespace (no privileges needed), or plain
// chroot when the test runs as root. Checked by letting the loader list the bootstrap's
// libraries inside the root (LD_TRACE_LOADED_OBJECTS: the loader resolves them, then exits).
// Empty when neither works.
std::vector<std::string> chroot_command(const fs::path& root) {
  const std::map<std::string, std::string> trace = {{"LD_TRACE_LOADED_OBJECTS", "1"}};
  std::vector<std::vector<std::string>> candidates = {{"unshare", "-r", "chroot", root.string()}};
  if (::geteuid() == 0) candidates.push_back({"chroot", root.string()});
  for (auto& command : candidates) {
    auto probe = command;
    probe.emplace_back("/var/task/bootstrap");
    const CommandResult result = run(probe, trace);
    if (result.exit_code == 0 && result.output.find("libc.so.6") != std::string::npos)
      return command;
  }
  return {};
}

// A root with the bootstrap under /var/task (as on Lambda) and only the glibc files it loads.
std::vector<std::string> build_root(const fs::path& root, const fs::path& zip) {
  std::vector<std::string> copied;
  unzip(zip, root / "var" / "task");
  for (const auto& [name, path] : loaded_objects(root / "var" / "task" / "bootstrap")) {
    if (path.empty()) continue;  // the vDSO is not a file
    EXPECT_TRUE(glibc_objects().count(name) == 1) << name;
    const fs::path target = root / fs::path(path).relative_path();
    fs::create_directories(target.parent_path());
    fs::copy_file(path, target, fs::copy_options::overwrite_existing);  // follows symlinks
    copied.push_back(path);
  }
  return copied;
}

TEST_F(Package, UnzippedBootstrapsRunWithOnlyTheirFilesAndGlibc) {
  for (const auto& zip : lambda_zips()) {
    SCOPED_TRACE(zip.string());
    const fs::path root = dir_ / ("root-" + zip.stem().string());
    const std::vector<std::string> glibc_files = build_root(root, zip);
    std::vector<std::string> argv = chroot_command(root);
    if (argv.empty()) GTEST_SKIP() << "neither `unshare -r chroot` nor `chroot` works here";
    argv.emplace_back("/var/task/bootstrap");

    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) files.push_back("/" + fs::relative(entry.path(), root).string());
    }
    std::sort(files.begin(), files.end());
    std::cout << zip.filename().string() << " root holds:";
    for (const auto& f : files)
      std::cout << " " << f;
    std::cout << "\n";
    for (const auto& f : files) {
      const bool task_file = f.rfind("/var/task/", 0) == 0;
      const bool glibc = std::find(glibc_files.begin(), glibc_files.end(), f) != glibc_files.end();
      EXPECT_TRUE(task_file || glibc) << f;
    }

    RuntimeApiServer server;
    Process bootstrap(Process::Options{.argv = argv,
                                       .log_file = dir_ / (zip.stem().string() + ".log"),
                                       .env = {{"AWS_LAMBDA_RUNTIME_API", server.endpoint()},
                                               {"LAMBDA_TASK_ROOT", "/var/task"},
                                               {"LD_LIBRARY_PATH", ""},
                                               {"LD_PRELOAD", ""},
                                               {"SSL_CERT_FILE", ""}},
                                       .working_dir = std::nullopt});
    if (zip.filename() == "echo.zip") {
      QueuedInvocation hello;
      hello.request_id = "chroot-1";
      hello.payload = R"({"hello":"chroot"})";
      server.enqueue(hello);
      auto echoed = server.wait_for_post("chroot-1");
      ASSERT_TRUE(echoed.has_value()) << bootstrap.log_tail();
      EXPECT_EQ(echoed->body, R"({"hello":"chroot"})");
      QueuedInvocation boom;  // unwinding through the _dl_find_object shim, glibc only
      boom.request_id = "chroot-2";
      boom.payload = R"({"action":"throw","message":"unwound"})";
      server.enqueue(boom);
      auto thrown = server.wait_for_post("chroot-2");
      ASSERT_TRUE(thrown.has_value()) << bootstrap.log_tail();
      EXPECT_EQ(thrown->error_type_header, "std::runtime_error");
    } else {
      // The shipped functions need their settings; reaching /next or posting an init error both
      // show that the binary loaded and ran with nothing but glibc.
      const bool ran = streamcache::testing::wait_until(
          [&] { return server.next_requests() > 0 || !server.posts().empty(); });
      EXPECT_TRUE(ran) << bootstrap.log_tail();
    }
  }
}

}  // namespace
}  // namespace streamcache::lambda::testing
