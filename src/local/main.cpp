// streamcache-local: runs the functions' bootstraps behind a local Lambda service, HTTP API and
// DynamoDB Streams mapping, as configured in local/stack.json (see docs/local.md).
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include "common/env.h"
#include "local/config.h"
#include "local/host.h"
#include "local/log_sink.h"
#include "local/table_setup.h"

namespace {

namespace local = streamcache::local;

constexpr int kExitUsage = 2;    // bad arguments or configuration
constexpr int kExitStartup = 1;  // could not start (busy port, missing bootstrap, ...)

constexpr std::string_view kUsage =
    "usage: streamcache-local [--config FILE] [--listen HOST:PORT] [--ready-file FILE]\n"
    "                         [--create-table]\n"
    "  --config FILE      stack configuration (default: local/stack.json)\n"
    "  --listen HOST:PORT where the HTTP API listens (overrides http_api.listen; port 0: any)\n"
    "  --ready-file FILE  written with the API URL once everything is listening\n"
    "  --create-table     create table.name with its stream first, unless it exists\n"
    "Stops on SIGINT or SIGTERM, with every function instance it started.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "streamcache-local: %s\n%.*s", message.c_str(),
               static_cast<int>(kUsage.size()), kUsage.data());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_file = "local/stack.json";
  std::string listen;
  std::string ready_file;
  bool create_table = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    if (arg == "--config") {
      if (!value(config_file)) return usage_error("--config needs a file name");
    } else if (arg == "--listen") {
      if (!value(listen)) return usage_error("--listen needs HOST:PORT");
    } else if (arg == "--ready-file") {
      if (!value(ready_file)) return usage_error("--ready-file needs a file name");
    } else if (arg == "--create-table") {
      create_table = true;
    } else {
      return usage_error("unknown argument \"" + std::string(arg) + "\"");
    }
  }

  auto config = local::load_stack_config(config_file, streamcache::process_env());
  if (!config) {
    std::fprintf(stderr, "streamcache-local: %s\n", config.error().c_str());
    return kExitUsage;
  }
  if (!listen.empty()) {
    const auto colon = listen.rfind(':');
    int port = -1;
    if (colon != std::string::npos && colon > 0) {
      port = std::atoi(listen.c_str() + colon + 1);
      if (listen.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
          colon + 1 == listen.size()) {
        port = -1;
      }
    }
    if (port < 0 || port > 65535) return usage_error("--listen: expected HOST:PORT, got " + listen);
    config->http_api.host = listen.substr(0, colon);
    config->http_api.port = port;
  }

  // Signals are taken by sigwait below; threads started from here on inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  local::LogSink log;
  if (create_table) {
    auto table = local::ensure_table(*config);
    if (!table) {
      std::fprintf(stderr, "streamcache-local: %s\n", table.error().c_str());
      return kExitStartup;
    }
    log.line("streamcache-local", *table);
  }
  auto host = local::LocalHost::start(std::move(*config), log);
  if (!host) {
    std::fprintf(stderr, "streamcache-local: %s\n", host.error().c_str());
    return kExitStartup;
  }
  const std::string url = (*host)->api_url();
  log.line("streamcache-local", "ready" + (url.empty() ? std::string() : ": API " + url));
  if (!ready_file.empty()) {
    std::ofstream out(ready_file, std::ios::trunc);
    out << (url.empty() ? "ready" : url) << '\n';
  }
  int received = 0;
  sigwait(&signals, &received);
  log.line("streamcache-local",
           std::string("stopping (") + (received == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  (*host)->stop();
  return 0;
}
