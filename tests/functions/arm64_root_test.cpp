// arm64 zips in a root that holds only the zip's files, the aarch64 glibc files its loader maps
// and qemu-user (the emulated CPU, a static binary): no /etc, no CA bundle, no libstdc++, no
// OpenSSL. There the api serves a write and a cached read against a real moto_server and
// redis-server, and the test function echo throws and catches: on arm64 too they need nothing from
// the system but glibc.
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "aws/dynamodb.h"
#include "json/json.h"
#include "lambda/events/common.h"
#include "lambda/events/http.h"
#include "lambda/runtime_api_server.h"
#include "support/aarch64_emulation.h"
#include "support/process.h"
#include "support/shared_servers.h"

namespace {

namespace fs = std::filesystem;
using namespace streamcache;
using lambda::testing::Post;
using lambda::testing::QueuedInvocation;
using lambda::testing::RuntimeApiServer;
using streamcache::testing::Process;

constexpr const char* kTable = "items";
constexpr const char* kEmulatorInRoot = "/qemu-aarch64-static";

const std::set<std::string>& aarch64_glibc() {
  static const std::set<std::string> names = {"ld-linux-aarch64.so.1", "libc.so.6",  "libm.so.6",
                                              "libpthread.so.0",       "libdl.so.2", "librt.so.1"};
  return names;
}

std::string http_event(std::string_view method, std::string_view path,
                       std::optional<std::string> body = std::nullopt) {
  json::Value http(json::Object{});
  http.set("method", method);
  http.set("path", path);
  json::Value context(json::Object{});
  context.set("stage", "$default");
  context.set("http", std::move(http));
  json::Value headers(json::Object{});
  headers.set("content-type", "application/json");
  json::Value event(json::Object{});
  event.set("version", "2.0");
  event.set("routeKey", "$default");
  event.set("rawPath", path);
  event.set("rawQueryString", "");
  event.set("headers", std::move(headers));
  event.set("requestContext", std::move(context));
  event.set("isBase64Encoded", false);
  if (body) event.set("body", *body);
  return json::serialize(event);
}

// How to confine a process to `root`: a user namespace (no privileges needed), or plain chroot
// when running as root. Probed by letting the emulated loader list the bootstrap's libraries
// inside the root. Empty when neither works.
std::vector<std::string> chroot_command(const fs::path& root) {
  std::vector<std::vector<std::string>> candidates = {{"unshare", "-r", "chroot", root.string()}};
  if (::geteuid() == 0) candidates.push_back({"chroot", root.string()});
  for (auto& command : candidates) {
    std::string probe = "env LD_TRACE_LOADED_OBJECTS=1";
    for (const auto& arg : command)
      probe += " '" + arg + "'";
    probe += std::string(" ") + kEmulatorInRoot + " /var/task/bootstrap";
    const auto result = streamcache::testing::run_shell(probe);
    if (result.status == 0 && result.output.find("libc.so.6") != std::string::npos) return command;
  }
  return {};
}

class Arm64Root : public streamcache::testing::WithRedisAndMoto<Arm64Root> {
 protected:
  void SetUp() override {
    reset_servers();
    dir_ = streamcache::testing::make_log_dir("arm64_root");
  }

  // Builds dir_/<name>: the zip under /var/task, the aarch64 glibc files its loader maps and the
  // emulator, nothing else (checked). Returns the command that runs the bootstrap confined to it,
  // or nothing when this machine cannot confine (the caller skips).
  std::vector<std::string> build_root(const std::string& name, const fs::path& zip) {
    const fs::path root = dir_ / name;
    const fs::path bootstrap = streamcache::testing::unzip_bootstrap(zip, root / "var" / "task");
    std::vector<std::string> allowed = {kEmulatorInRoot};
    for (const auto& file : streamcache::testing::loaded_objects(emulation_, bootstrap)) {
      const std::string library = fs::path(file.guest_path).filename().string();
      EXPECT_EQ(aarch64_glibc().count(library), 1u) << file.guest_path << " is not glibc";
      const fs::path target = root / fs::path(file.guest_path).relative_path();
      fs::create_directories(target.parent_path());
      fs::copy_file(file.host_path, target, fs::copy_options::overwrite_existing);  // follows links
      allowed.push_back(file.guest_path);
    }
    fs::copy_file(emulation_.qemu, root / fs::path(kEmulatorInRoot).relative_path());

    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_directory()) files.push_back("/" + fs::relative(entry.path(), root).string());
    }
    std::sort(files.begin(), files.end());
    std::string listing;
    for (const auto& f : files) {
      listing += " " + f;
      const bool task_file = f.rfind("/var/task/", 0) == 0;
      EXPECT_TRUE(task_file || std::find(allowed.begin(), allowed.end(), f) != allowed.end()) << f;
    }
    std::cout << name << " root holds:" << listing << "\n";

    std::vector<std::string> argv = chroot_command(root);
    if (!argv.empty()) argv.insert(argv.end(), {kEmulatorInRoot, "/var/task/bootstrap"});
    return argv;
  }

  // Runs one invocation and returns what the bootstrap posted (an empty Post when nothing came).
  static Post invoke(RuntimeApiServer& server, const std::string& id, std::string payload) {
    QueuedInvocation invocation;
    invocation.request_id = id;
    invocation.payload = std::move(payload);
    server.enqueue(std::move(invocation));
    auto post = server.wait_for_post(id, std::chrono::seconds(60));
    EXPECT_TRUE(post) << "no answer to " << id;
    return post.value_or(Post{});
  }

  const streamcache::testing::Aarch64Emulation emulation_{STREAMCACHE_QEMU_AARCH64,
                                                          STREAMCACHE_AARCH64_SYSROOT};
  fs::path dir_;
};

// A throw unwinds through the _dl_find_object shim (libgcc_eh on glibc-2.34 systems), with only
// glibc present. No shipped function throws, so the test function echo.zip does it.
TEST_F(Arm64Root, EchoThrowsAndCatchesWithOnlyItsZipAndGlibc) {
  std::vector<std::string> argv = build_root("echo", STREAMCACHE_ARM64_ECHO_ZIP);
  if (argv.empty()) GTEST_SKIP() << "neither `unshare -r chroot` nor `chroot` works here";
  RuntimeApiServer server;
  Process echo(Process::Options{.argv = argv,
                                .log_file = dir_ / "echo.log",
                                .env = {{"AWS_LAMBDA_RUNTIME_API", server.endpoint()},
                                        {"LAMBDA_TASK_ROOT", "/var/task"},
                                        {"LD_LIBRARY_PATH", ""},
                                        {"LD_PRELOAD", ""}},
                                .working_dir = std::nullopt});
  const Post echoed = invoke(server, "hello", R"({"hello":"graviton"})");
  EXPECT_EQ(echoed.kind, Post::Kind::response) << echo.log_tail();
  EXPECT_EQ(echoed.body, R"({"hello":"graviton"})");
  const Post thrown = invoke(server, "boom", R"({"action":"throw","message":"unwound"})");
  EXPECT_EQ(thrown.kind, Post::Kind::error) << echo.log_tail();
  EXPECT_EQ(thrown.error_type_header, "std::runtime_error") << thrown.body;
  EXPECT_NE(thrown.body.find("unwound"), std::string::npos) << thrown.body;
}

TEST_F(Arm64Root, ApiServesWithOnlyItsZipAndGlibc) {
  std::vector<std::string> argv = build_root("api", STREAMCACHE_API_BOOTSTRAP);
  if (argv.empty()) GTEST_SKIP() << "neither `unshare -r chroot` nor `chroot` works here";

  auto client = aws::DynamoDbClient::from_env(fixed_env(moto_->aws_env()));
  ASSERT_TRUE(client) << client.error();
  aws::CreateTableRequest create;
  create.table = kTable;
  create.hash_key = {"id", 'S'};
  ASSERT_TRUE(client->create_table(create));

  RuntimeApiServer server;
  std::map<std::string, std::string> env = {{"AWS_LAMBDA_RUNTIME_API", server.endpoint()},
                                            {"AWS_LAMBDA_FUNCTION_NAME", "api"},
                                            {"LAMBDA_TASK_ROOT", "/var/task"},
                                            {"TABLE_NAME", kTable},
                                            {"REDIS_URL", redis_->url()},
                                            {"LD_LIBRARY_PATH", ""},
                                            {"LD_PRELOAD", ""},
                                            {"SSL_CERT_FILE", ""}};
  for (const auto& [k, v] : moto_->aws_env())
    env[k] = v;
  Process api(Process::Options{.argv = argv,
                               .log_file = dir_ / "api.log",
                               .env = std::move(env),
                               .working_dir = std::nullopt});

  auto call = [&](const std::string& id, std::string payload) {
    const Post post = invoke(server, id, std::move(payload));
    EXPECT_EQ(post.kind, Post::Kind::response) << post.body << "\n" << api.log_tail();
    auto response = lambda::events::parse_http_response(post.body);
    EXPECT_TRUE(response) << post.body << "\n" << api.log_tail();
    return response ? *response : lambda::events::HttpResponse{};
  };
  auto created = call("create", http_event("POST", "/items", R"({"id":"g1","cpu":"graviton"})"));
  ASSERT_EQ(created.status_code, 201) << created.body << "\n" << api.log_tail();
  auto read = call("read", http_event("GET", "/items/g1"));
  EXPECT_EQ(read.status_code, 200);
  EXPECT_EQ(read.body, created.body);
  auto cache_status = lambda::events::find_header(read.headers, "cache-status");
  EXPECT_EQ(cache_status.value_or(""), "streamcache; hit");
}

}  // namespace
