#include "soak/convergence.h"

#include <thread>

#include "aws/dynamodb.h"
#include "aws/dynamodb_streams.h"
#include "cache/item_cache.h"
#include "cache/redis_url.h"
#include "common/env.h"
#include "http/client.h"
#include "items/adapters.h"
#include "items/item.h"
#include "json/json.h"

namespace streamcache::soak {

namespace {

using namespace std::chrono_literals;

EnvLookup aws_env(const LocalStack& stack) {
  const std::string region = stack.env("AWS_REGION");
  return fixed_env({{"AWS_ENDPOINT_URL", stack.env("AWS_ENDPOINT_URL")},
                    {"AWS_REGION", region.empty() ? "us-east-1" : region},
                    {"AWS_ACCESS_KEY_ID", "testing"},
                    {"AWS_SECRET_ACCESS_KEY", "testing"}});
}

Expected<http::Client, std::string> api_client(const LocalStack& stack) {
  auto origin = http::parse_url(stack.env("API_URL"));
  if (!origin) return unexpected("API_URL: " + origin.error());
  http::ClientOptions options;
  options.request_timeout = 35s;
  return http::Client(*origin, options);
}

// Records in every shard of the table's stream, read from TRIM_HORIZON.
Expected<long long, std::string> count_stream_records(aws::DynamoDbStreamsClient& streams,
                                                      const std::string& arn) {
  auto description = streams.describe_stream_all_shards(arn);
  if (!description) return unexpected("DescribeStream: " + description.error().describe());
  long long count = 0;
  for (const auto& shard : description->shards) {
    auto iterator = streams.get_shard_iterator(arn, shard.id, aws::IteratorType::trim_horizon);
    if (!iterator) return unexpected("GetShardIterator: " + iterator.error().describe());
    std::string next = *iterator;
    while (!next.empty()) {
      auto page = streams.get_records(next);
      if (!page) return unexpected("GetRecords: " + page.error().describe());
      count += static_cast<long long>(page->records.size());
      if (page->records.empty()) break;  // an open shard's end: nothing more for now
      next = page->next_iterator;
    }
  }
  return count;
}

Expected<StreamProgress, std::string> mapping_progress(http::Client& api) {
  http::Request request;
  request.target = "/__streamcache/health";
  auto response = api.send(request);
  if (!response) return unexpected("health: " + response.error().message);
  auto doc = json::parse(response->body);
  const json::Value* m = doc ? doc->find("eventSourceMapping") : nullptr;
  if (m == nullptr) return unexpected("health has no eventSourceMapping: " + response->body);
  auto number = [&](const char* name) -> long long { return m->get_int(name).value_or(0); };
  StreamProgress p;
  p.delivered = number("recordsDelivered");
  p.discarded = number("recordsDiscarded");
  p.batches = number("batches");
  p.retries = number("retries");
  return p;
}

}  // namespace

Expected<StreamProgress, std::string> drain_stream(const LocalStack& stack,
                                                   std::chrono::seconds timeout) {
  auto tables = aws::DynamoDbClient::from_env(aws_env(stack));
  auto streams = aws::DynamoDbStreamsClient::from_env(aws_env(stack));
  if (!tables || !streams) return unexpected(std::string("AWS clients: check stack.env"));
  auto table = tables->describe_table(stack.env("TABLE_NAME"));
  if (!table) return unexpected("DescribeTable: " + table.error().describe());
  auto api = api_client(stack);
  if (!api) return unexpected(api.error());
  const Deadline deadline = Deadline::after(timeout);
  StreamProgress last;
  while (true) {
    auto total = count_stream_records(*streams, table->latest_stream_arn);
    if (!total) return unexpected(total.error());
    auto progress = mapping_progress(*api);
    if (!progress) return unexpected(progress.error());
    // Counted again after the mapping's figures: the stream must not have grown meanwhile.
    auto again = count_stream_records(*streams, table->latest_stream_arn);
    if (!again) return unexpected(again.error());
    progress->records_in_stream = *again;
    last = *progress;
    if (*again == *total && last.delivered + last.discarded >= last.records_in_stream) return last;
    if (deadline.expired()) {
      return unexpected("the stream did not drain in " + std::to_string(timeout.count()) +
                        " s: " + std::to_string(last.delivered) + " delivered + " +
                        std::to_string(last.discarded) + " discarded of " +
                        std::to_string(last.records_in_stream) + " records");
    }
    std::this_thread::sleep_for(250ms);  // polling interval, with the deadline above
  }
}

Expected<ConvergenceReport, std::string> check_convergence(const LocalStack& stack,
                                                           const std::vector<std::string>& ids) {
  auto tables = aws::DynamoDbClient::from_env(aws_env(stack));
  if (!tables) return unexpected("DynamoDB client: " + tables.error());
  items::DynamoItemStore store(*tables, stack.env("TABLE_NAME"));
  auto endpoint = cache::parse_redis_url(stack.env("REDIS_URL"));
  if (!endpoint) return unexpected("REDIS_URL: " + endpoint.error().message);
  cache::ConnectionOptions connection;
  connection.endpoint = *endpoint;
  connection.command_timeout = 5s;
  auto cache = cache::ItemCache::create(connection);
  if (!cache) return unexpected("Redis: " + cache.error().message);
  auto api = api_client(stack);
  if (!api) return unexpected(api.error());

  ConvergenceReport report;
  for (const auto& id : ids) {
    ++report.ids_checked;
    auto row = store.get(id);
    if (!row) return unexpected("GetItem " + id + ": " + row.error().message);
    const bool live = row->has_value() && !items::is_deleted_marker(**row);
    const std::string body = live ? json::serialize(items::canonical(**row)) : std::string();
    const auto row_version = live ? items::version_of(**row) : std::nullopt;
    // Plain values: GCC 12 -O2 misreads the optional's state here (-Wmaybe-uninitialized).
    const bool has_version = row_version.has_value();
    const cache::Version version = row_version.value_or(0);
    if (live) ++report.live;
    auto diverged = [&](std::string what) { report.diverged.push_back({id, std::move(what)}); };

    // Before the API reads it: the entry exactly as the stream and the writers left it.
    auto entry = cache->get(id);
    if (!entry) return unexpected("Redis GET " + id + ": " + entry.error().message);
    using Status = cache::GetResult::Status;
    if (entry->status == Status::hit) {
      ++report.cache_hits;
      if (!live) {
        diverged("the cache serves version " + std::to_string(entry->version) +
                 " of an item the table does not have (resurrected)");
      } else if (!has_version || entry->version != version) {
        diverged("the cache serves version " + std::to_string(entry->version) + ", the table has " +
                 (has_version ? std::to_string(version) : std::string("a row without version")));
      } else if (entry->body != body) {
        diverged("same version " + std::to_string(version) + ", different body: cache " +
                 entry->body + ", table " + body);
      }
    } else if (entry->status == Status::not_found && live) {
      diverged("the cache answers 404 (tombstone or negative entry) for a live item");
    }

    http::Request request;
    request.target = "/items/" + id;
    auto answer = api->send(request);
    if (!answer) return unexpected("GET " + request.target + ": " + answer.error().message);
    if (live) {
      auto parsed = json::parse(answer->body);
      const std::string got =
          answer->status == 200 && parsed ? json::serialize(items::canonical(*parsed)) : "";
      if (got != body) {
        diverged("the API answers " + std::to_string(answer->status) + " " + answer->body +
                 ", the table has " + body);
      }
    } else if (answer->status != 404) {
      diverged("the API answers " + std::to_string(answer->status) + " for an item the table " +
               "does not have: " + answer->body);
    }
  }
  return report;
}

}  // namespace streamcache::soak
