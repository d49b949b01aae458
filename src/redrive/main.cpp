// streamcache-redrive: replays the stream handler's failed batches (see redrive.h and --help).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "aws/dynamodb_streams.h"
#include "aws/sqs.h"
#include "items/adapters.h"
#include "items/clients.h"
#include "items/stream.h"
#include "redrive/options.h"
#include "redrive/redrive.h"
#include "redrive/report.h"
#include "redrive/sources.h"

namespace {

using namespace streamcache;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "streamcache-redrive: %s (see --help)\n", message.c_str());
  return redrive::kExitUsage;
}

int setup_error(const std::string& message) {
  std::fprintf(stderr, "streamcache-redrive: %s\n", message.c_str());
  return redrive::kExitUsage;
}

void print_line(const std::string& line) {
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  auto options = redrive::parse_args(args);
  if (!options) return usage_error(options.error());
  if (options->help) {
    std::fputs(std::string(redrive::help_text()).c_str(), stdout);
    return 0;
  }
  if (!options->file.empty() && !std::filesystem::is_regular_file(options->file)) {
    return usage_error("--file " + options->file.string() + ": no such file");
  }
  const EnvLookup env = redrive::with_overrides(process_env(), *options);

  auto streams = aws::DynamoDbStreamsClient::from_env(env);
  if (!streams) return setup_error("DynamoDB Streams: " + streams.error());

  // The stream handler's own clients and settings; --dry-run applies nothing, so needs no Redis.
  std::unique_ptr<items::Clients> clients;
  std::unique_ptr<items::RedisItemCache> cache;
  redrive::RedriveOptions redrive_options;
  redrive_options.dry_run = options->dry_run;
  redrive_options.apply_timeout = options->apply_timeout;
  if (!options->dry_run) {
    auto created = items::create_clients(env);
    if (!created) return setup_error(created.error());
    clients = std::move(*created);
    cache = std::make_unique<items::RedisItemCache>(*clients->cache);
    redrive_options.max_apply_age = items::max_apply_age(clients->cache->options());
  }
  redrive::Redriver redriver(*streams, cache.get(), redrive_options);
  const redrive::ReportSink print = [](const redrive::BatchReport& report) {
    print_line(redrive::format_report(report));
  };

  redrive::Summary summary;
  if (!options->file.empty()) {
    summary = redrive::redrive_file(options->file, redriver, print);
  } else {
    auto sqs = aws::SqsClient::from_env(env);
    if (!sqs) return setup_error("SQS: " + sqs.error());
    const redrive::QueueOptions queue{options->wait, options->visibility_timeout,
                                      !options->dry_run};
    summary = redrive::redrive_queue(*sqs, options->queue_url, redriver, queue, print);
  }
  print_line(redrive::format_summary(summary));
  return summary.exit_code();
}
