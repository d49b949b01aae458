#include "support/tls_files.h"

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>

#include "support/process.h"

namespace streamcache::testing {
namespace {

void run(const std::vector<std::string>& argv, const std::filesystem::path& dir) {
  Process process({argv, dir / "openssl.log", {}, std::optional<std::filesystem::path>(dir)});
  auto status = process.wait_for_exit(std::chrono::seconds(60));
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    throw std::runtime_error("openssl failed: " + argv.at(1) + "\n" + process.log_tail());
  }
}

}  // namespace

TlsFiles make_tls_files(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                       "-nodes"};
  auto with = [&](std::vector<std::string> argv, const std::vector<std::string>& more) {
    argv.insert(argv.begin() + 2, more.begin(), more.end());
    return argv;
  };
  run(with({"openssl", "req", "-x509", "-days", "2", "-keyout", "ca.key", "-out", "ca.crt", "-subj",
            "/CN=streamcache test CA"},
           ec),
      dir);
  run(with({"openssl", "req", "-x509", "-days", "2", "-keyout", "other-ca.key", "-out",
            "other-ca.crt", "-subj", "/CN=streamcache other CA"},
           ec),
      dir);
  run(with({"openssl", "req", "-keyout", "server.key", "-out", "server.csr", "-subj",
            "/CN=localhost"},
           ec),
      dir);
  std::ofstream(dir / "server.ext") << "basicConstraints=CA:FALSE\n"
                                       "keyUsage=digitalSignature,keyEncipherment\n"
                                       "extendedKeyUsage=serverAuth\n"
                                       "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  run({"openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
       "-CAcreateserial", "-days", "2", "-out", "server.crt", "-extfile", "server.ext"},
      dir);
  return {dir / "ca.crt", dir / "server.crt", dir / "server.key", dir / "other-ca.crt"};
}

}  // namespace streamcache::testing
