#include "redrive/options.h"

#include <charconv>

namespace streamcache::redrive {

namespace {

Expected<std::chrono::seconds, std::string> seconds(std::string_view flag, std::string_view text,
                                                    long min, long max) {
  long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < min ||
      value > max) {
    return unexpected(std::string(flag) + " must be a whole number of seconds from " +
                      std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                      std::string(text) + "'");
  }
  return std::chrono::seconds(value);
}

}  // namespace

std::string_view help_text() {
  return R"(usage: streamcache-redrive (--file PATH | --queue-url URL) [options]

Replays the DynamoDB Streams batches the stream handler's event source mapping gave up on: reads
each on-failure record (Lambda's DDBStreamBatchInfo: shard, first and last sequence number),
fetches those records from the stream, and applies them to the Redis cache through the stream
handler's own versioned path. Replays are no-ops; records too old to apply are fenced (reads then
refill from DynamoDB). Records past the stream's 24 h retention are reported.

source (exactly one):
  --file PATH              JSON lines, one on-failure record per line (the local stack's
                           stream-on-failure.jsonl)
  --queue-url URL          the SQS on-failure destination: receives until empty, deletes a message
                           only after its batch was applied; others stay in the queue

options:
  --dry-run                fetch and report, apply nothing, delete nothing
  --redis-url URL          overrides REDIS_URL
  --table NAME             overrides TABLE_NAME
  --apply-timeout SECONDS  how long a batch is retried while Redis is unavailable (default 30)
  --wait-seconds N         SQS ReceiveMessage wait, 0 to 20 (default 1)
  --visibility-timeout N   seconds a received message stays hidden (default 60)
  -h, --help               this text

environment (as the stream-handler function reads it): TABLE_NAME, REDIS_URL,
REDIS_AUTH_TOKEN or REDIS_AUTH_SECRET_ARN, CACHE_TTL_SECONDS, TOMBSTONE_TTL_SECONDS,
NEGATIVE_TTL_SECONDS, LOG_LEVEL; AWS_REGION, credentials, AWS_ENDPOINT_URL[_DYNAMODB_STREAMS|_SQS].

output: one line per batch (source, shard, sequence range, records, outcome), then a summary.
exit: 0 every batch redriven, 1 some batch or message not redriven (past retention, not found,
invalid, failed), 2 bad flags or settings (nothing done).
)";
}

Expected<CliOptions, std::string> parse_args(std::span<const std::string_view> args) {
  CliOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    auto value = [&]() -> Expected<std::string_view, std::string> {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return unexpected(std::string(flag) + " needs a value");
      }
      return args[++i];
    };
    if (flag == "-h" || flag == "--help") {
      options.help = true;
    } else if (flag == "--dry-run") {
      options.dry_run = true;
    } else if (flag == "--file" || flag == "--queue-url" || flag == "--redis-url" ||
               flag == "--table" || flag == "--apply-timeout" || flag == "--wait-seconds" ||
               flag == "--visibility-timeout") {
      auto v = value();
      if (!v) return unexpected(v.error());
      if (flag == "--file") {
        options.file = std::string(*v);
      } else if (flag == "--queue-url") {
        options.queue_url = std::string(*v);
      } else if (flag == "--redis-url") {
        options.redis_url = std::string(*v);
      } else if (flag == "--table") {
        options.table_name = std::string(*v);
      } else {
        const bool wait = flag == "--wait-seconds";
        const bool visibility = flag == "--visibility-timeout";
        auto s = seconds(flag, *v, wait ? 0 : 1, wait ? 20 : visibility ? 43200 : 900);
        if (!s) return unexpected(s.error());
        (wait         ? options.wait
         : visibility ? options.visibility_timeout
                      : options.apply_timeout) = *s;
      }
    } else {
      return unexpected("unknown option '" + std::string(flag) + "'");
    }
  }
  if (options.help) return options;
  if (options.file.empty() == options.queue_url.empty()) {
    return unexpected(std::string("give exactly one source: --file PATH or --queue-url URL"));
  }
  return options;
}

EnvLookup with_overrides(EnvLookup env, const CliOptions& options) {
  return [env = std::move(env), redis = options.redis_url,
          table = options.table_name](std::string_view name) -> std::optional<std::string> {
    if (name == "REDIS_URL" && redis) return redis;
    if (name == "TABLE_NAME" && table) return table;
    return env(name);
  };
}

}  // namespace streamcache::redrive
