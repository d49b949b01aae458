// The two functions' handlers in process, wired exactly as the bootstraps wire them (create_clients
// over a real redis-server and moto_server), each figure beside a baseline from the same run:
//   cache-hit GET through the whole API handler (event JSON in, response JSON out)
//     vs  a bare Redis GET of the same key on a plain connection         goal: ratio <= 1.3
//   a 1000-record stream batch through the stream handler (parse, plan, one pipelined round trip)
//     vs  the same 1000 apply_if_newer ops handed straight to ItemCache::execute
//   POST / PUT / DELETE through the whole API handler (DynamoDB write, cache write-through)
//     vs  one bare PutItem of the same item on the same moto_server, alternating
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "cache/redis_connection.h"
#include "items/adapters.h"
#include "items/api.h"
#include "items/clients.h"
#include "items/stream.h"
#include "json/json.h"
#include "stream_event.h"
#include "support/servers.h"

namespace {

using namespace streamcache;
using Clock = std::chrono::steady_clock;

constexpr int kBatchSize = 1000;
constexpr const char* kTable = "bench-items";

double median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return *middle;
}

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// An API Gateway HTTP API (payload 2.0) event, as the gateway sends it.
std::string http_event(const std::string& method, const std::string& path,
                       const std::string& body) {
  json::Value http(json::Object{});
  http.set("method", method);
  http.set("path", path);
  http.set("protocol", "HTTP/1.1");
  http.set("sourceIp", "127.0.0.1");
  http.set("userAgent", "bench");
  json::Value context(json::Object{});
  context.set("accountId", "123456789012");
  context.set("apiId", "bench");
  context.set("domainName", "bench.execute-api.us-east-1.amazonaws.com");
  context.set("http", std::move(http));
  context.set("requestId", "bench");
  context.set("routeKey", "$default");
  context.set("stage", "$default");
  context.set("timeEpoch", json::Value::integer(1700000000000));
  json::Value headers(json::Object{});
  headers.set("content-type", "application/json");
  json::Value event(json::Object{});
  event.set("version", "2.0");
  event.set("routeKey", "$default");
  event.set("rawPath", path);
  event.set("rawQueryString", "");
  event.set("headers", std::move(headers));
  event.set("requestContext", std::move(context));
  if (!body.empty()) event.set("body", body);
  event.set("isBase64Encoded", false);
  return json::serialize(event);
}

// A typical small item (~200 bytes of user attributes).
std::string user_document(int n) {
  return R"({"id":"item-)" + std::to_string(n) +
         R"(","name":"A typical item","price":1999,"tags":["red","small","sale"],)"
         R"("description":"Some text so the body has the size of a real item in the table."})";
}

// Lambda's DynamoDB Streams event: kBatchSize MODIFY records with NEW_AND_OLD_IMAGES.
std::string stream_event(std::int64_t version) {
  return bench::stream_event(kBatchSize, version);
}

struct Figures {
  double handler_get_p50_us = 0;
  double bare_get_p50_us = 0;
  double paired_handler_p50_us = 0;
  double paired_bare_p50_us = 0;
  double stream_records_per_s = 0;
  double stream_batch_p50_ms = 0;
  double execute_records_per_s = 0;
  double plan_batch_p50_ms = 0;
  double execute_batch_p50_ms = 0;
  double write_handler_p50_us[3] = {0, 0, 0};  // POST, PUT, DELETE
  double write_bare_p50_us[3] = {0, 0, 0};
};

constexpr const char* kWriteMethods[] = {"POST", "PUT", "DELETE"};

class Context {
 public:
  Context(const testing::RedisServer& redis, const testing::MotoServer& moto) {
    auto variables = moto.aws_env();
    variables.insert({{"TABLE_NAME", kTable},
                      {"REDIS_URL", redis.url()},
                      {"AWS_LAMBDA_FUNCTION_NAME", "bench"}});
    const EnvLookup env = fixed_env(std::move(variables));
    auto clients = items::create_clients(env);
    if (!clients) throw std::runtime_error("create_clients: " + clients.error());
    clients_ = std::move(*clients);
    aws::CreateTableRequest create;
    create.table = kTable;
    create.hash_key = {"id", 'S'};
    if (auto made = clients_->dynamodb.create_table(create); !made) {
      throw std::runtime_error("create_table: " + made.error().describe());
    }
    store_ = std::make_unique<items::DynamoItemStore>(clients_->dynamodb, kTable);
    cache_ = std::make_unique<items::RedisItemCache>(*clients_->cache);
    api_ = std::make_unique<items::ItemsApi>(*store_, cache_.get(), items::ApiOptions{true, {}});

    // The hit item goes in through the API's own write path (DynamoDB, then write-through).
    const std::string created = api_->handle_event(http_event("POST", "/items", user_document(0)));
    if (created.find("\"statusCode\":201") == std::string::npos) {
      throw std::runtime_error("could not create the hit item: " + created);
    }
    get_event_ = http_event("GET", "/items/item-0", "");

    cache::ConnectionOptions options;
    options.endpoint.host = "127.0.0.1";
    options.endpoint.port = static_cast<std::uint16_t>(redis.port());
    auto raw = cache::RedisConnection::create(options);
    if (!raw) throw std::runtime_error("cannot connect to redis-server");
    raw_ = std::make_unique<cache::RedisConnection>(std::move(*raw));
    bare_get_.add({"GET", cache::item_key("item-0")});
  }

  void handler_get(benchmark::State& state) {
    std::vector<double> samples;
    for (auto _ : state) {
      const auto start = Clock::now();
      std::string response = api_->handle_event(get_event_);
      samples.push_back(micros(Clock::now() - start));
      if (response.find("streamcache; hit") == std::string::npos) {
        state.SkipWithError("GET did not hit the cache");
        return;
      }
      benchmark::DoNotOptimize(response);
    }
    figures.handler_get_p50_us = median(std::move(samples));
    state.counters["p50_us"] = figures.handler_get_p50_us;
  }

  void bare_get(benchmark::State& state) {
    std::vector<double> samples;
    for (auto _ : state) {
      const auto start = Clock::now();
      auto done = raw_->pipeline(bare_get_, replies_);
      samples.push_back(micros(Clock::now() - start));
      if (!done || replies_.front().type != cache::Reply::Type::string) {
        state.SkipWithError("GET failed");
        return;
      }
    }
    figures.bare_get_p50_us = median(std::move(samples));
    state.counters["p50_us"] = figures.bare_get_p50_us;
  }

  // Both alternating in one loop, so other load on the machine hits them alike: the fair ratio.
  void paired(benchmark::State& state) {
    std::vector<double> handler, bare;
    for (auto _ : state) {
      const auto start = Clock::now();
      std::string response = api_->handle_event(get_event_);
      const auto middle = Clock::now();
      auto done = raw_->pipeline(bare_get_, replies_);
      const auto end = Clock::now();
      if (!done || response.find("streamcache; hit") == std::string::npos) {
        state.SkipWithError("GET failed");
        return;
      }
      handler.push_back(micros(middle - start));
      bare.push_back(micros(end - middle));
    }
    figures.paired_handler_p50_us = median(std::move(handler));
    figures.paired_bare_p50_us = median(std::move(bare));
    state.counters["handler_p50_us"] = figures.paired_handler_p50_us;
    state.counters["bare_get_p50_us"] = figures.paired_bare_p50_us;
  }

  // The stream handler's work for one invocation: parse the event, plan, one pipelined batch.
  void stream_batch(benchmark::State& state) {
    std::vector<double> samples;
    std::int64_t records = 0;
    for (auto _ : state) {
      state.PauseTiming();
      const std::string event = stream_event(++version_);  // newer each time: every op writes
      state.ResumeTiming();
      const auto start = Clock::now();
      auto plan = items::plan_stream_batch(event);
      if (!plan) {
        state.SkipWithError("the batch did not plan");
        return;
      }
      items::StreamOutcome outcome = items::apply_stream_plan(*plan, *cache_);
      samples.push_back(micros(Clock::now() - start));
      if (outcome.applied != kBatchSize) {
        state.SkipWithError("not every record applied");
        return;
      }
      records += kBatchSize;
    }
    state.SetItemsProcessed(records);
    figures.stream_batch_p50_ms = median(samples) / 1000.0;
    figures.stream_records_per_s = kBatchSize / (figures.stream_batch_p50_ms / 1000.0);
  }

  // The decoding half alone (no Redis): where the handler's CPU goes.
  void plan_batch(benchmark::State& state) {
    const std::string event = stream_event(1);
    std::vector<double> samples;
    for (auto _ : state) {
      const auto start = Clock::now();
      auto plan = items::plan_stream_batch(event);
      samples.push_back(micros(Clock::now() - start));
      if (!plan || plan->ops.size() != kBatchSize) {
        state.SkipWithError("the batch did not plan");
        return;
      }
      benchmark::DoNotOptimize(plan);
    }
    figures.plan_batch_p50_ms = median(samples) / 1000.0;
  }

  // Baseline: the same 1000 writes already decoded, straight into the pipelined cache batch.
  void execute_batch(benchmark::State& state) {
    std::vector<std::string> ids, bodies;
    for (int i = 0; i < kBatchSize; ++i) {
      ids.push_back("item-" + std::to_string(i));
      bodies.push_back(user_document(i));
    }
    std::vector<cache::CacheOp> ops(kBatchSize);
    cache::BatchResults results;
    std::vector<double> samples;
    for (auto _ : state) {
      ++version_;
      for (int i = 0; i < kBatchSize; ++i) {
        ops[i] = cache::CacheOp::apply_if_newer(ids[i], static_cast<cache::Version>(version_),
                                                bodies[i]);
      }
      const auto start = Clock::now();
      clients_->cache->execute(ops, results, Deadline::never());
      samples.push_back(micros(Clock::now() - start));
      if (!results.front() || !results.back()) {
        state.SkipWithError("batch failed");
        return;
      }
    }
    figures.execute_batch_p50_ms = median(samples) / 1000.0;
    figures.execute_records_per_s = kBatchSize / (figures.execute_batch_p50_ms / 1000.0);
  }

  // One write through the whole handler, then one bare PutItem of the same size, alternating.
  // POST creates a new id; PUT replaces it (read + conditional write); DELETE removes it.
  void paired_write(benchmark::State& state, int method) {
    std::vector<double> handler, bare;
    for (auto _ : state) {
      state.PauseTiming();
      const std::string id = "w-" + std::to_string(++write_ids_);
      if (method > 0) (void)api_->handle_event(http_event("POST", "/items", document(id)));
      const std::string event = method == 0   ? http_event("POST", "/items", document(id))
                                : method == 1 ? http_event("PUT", "/items/" + id, document(id))
                                              : http_event("DELETE", "/items/" + id, "");
      aws::PutItemRequest put;
      put.table = kTable;
      put.item = *aws::map_from_plain_json(*json::parse(document("bare-" + id)));
      state.ResumeTiming();
      const auto start = Clock::now();
      const std::string response = api_->handle_event(event);
      const auto middle = Clock::now();
      auto written = clients_->dynamodb.put_item(put);
      const auto end = Clock::now();
      if (!written || response.find("\"statusCode\":2") == std::string::npos) {
        state.SkipWithError("write failed");
        return;
      }
      handler.push_back(micros(middle - start));
      bare.push_back(micros(end - middle));
    }
    figures.write_handler_p50_us[method] = median(std::move(handler));
    figures.write_bare_p50_us[method] = median(std::move(bare));
    state.counters["handler_p50_us"] = figures.write_handler_p50_us[method];
    state.counters["bare_put_p50_us"] = figures.write_bare_p50_us[method];
  }

  Figures figures;

 private:
  static std::string document(const std::string& id) {
    return R"({"id":")" + id +
           R"(","name":"A typical item","price":19.90,"tags":["red","small","sale"],)"
           R"("description":"Some text so the body has the size of a real item in the table."})";
  }
  int write_ids_ = 0;

  std::unique_ptr<items::Clients> clients_;
  std::unique_ptr<items::DynamoItemStore> store_;
  std::unique_ptr<items::RedisItemCache> cache_;
  std::unique_ptr<items::ItemsApi> api_;
  std::string get_event_;
  std::unique_ptr<cache::RedisConnection> raw_;
  cache::CommandBuffer bare_get_;
  std::vector<cache::Reply> replies_;
  std::int64_t version_ = 4'000'000'000'000'000;  // above the API's microsecond versions
};

void print_ratio(const char* what, double ours, double theirs, const char* goal) {
  if (ours <= 0 || theirs <= 0) {
    std::printf("  %-60s n/a (a benchmark was filtered out or failed)\n", what);
    return;
  }
  std::printf("  %-60s %.2f  (%s)\n", what, ours / theirs, goal);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  testing::RedisServer redis;
  testing::MotoServer moto;
  Context context(redis, moto);
  benchmark::RegisterBenchmark("api/get_hit_full_handler", [&](benchmark::State& s) {
    context.handler_get(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("redis/bare_get_same_key", [&](benchmark::State& s) {
    context.bare_get(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("paired/handler_get_then_bare_get", [&](benchmark::State& s) {
    context.paired(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("stream/batch_1000_records_full_handler", [&](benchmark::State& s) {
    context.stream_batch(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("stream/plan_1000_records_no_redis", [&](benchmark::State& s) {
    context.plan_batch(s);
  })->UseRealTime();
  benchmark::RegisterBenchmark("cache/execute_1000_apply_if_newer", [&](benchmark::State& s) {
    context.execute_batch(s);
  })->UseRealTime();
  for (int method = 0; method < 3; ++method) {
    benchmark::RegisterBenchmark(
        (std::string("paired/") + kWriteMethods[method] + "_handler_then_bare_put_item").c_str(),
        [&context, method](benchmark::State& s) { context.paired_write(s, method); })
        ->UseRealTime()
        ->Iterations(150);
  }
  benchmark::RunSpecifiedBenchmarks();

  const Figures& f = context.figures;
  std::printf("\nstreamcache figures (same redis-server, same run)\n");
  std::printf("  %-60s p50 %8.1f us\n", "cache-hit GET through the API handler",
              f.handler_get_p50_us);
  std::printf("  %-60s p50 %8.1f us\n", "bare Redis GET, same key", f.bare_get_p50_us);
  std::printf("  %-60s p50 %8.1f us / %.1f us\n", "alternating handler GET / bare GET",
              f.paired_handler_p50_us, f.paired_bare_p50_us);
  std::printf("  %-60s p50 %8.2f ms  %10.0f records/s\n",
              "stream batch of 1000 records through the handler", f.stream_batch_p50_ms,
              f.stream_records_per_s);
  std::printf("  %-60s p50 %8.2f ms  %10.0f records/s\n",
              "the same 1000 writes straight into ItemCache::execute", f.execute_batch_p50_ms,
              f.execute_records_per_s);
  std::printf("  %-60s p50 %8.2f ms\n", "decoding and planning the 1000 records alone",
              f.plan_batch_p50_ms);
  std::printf("\nratios\n");
  print_ratio("handler GET p50 / bare GET p50 (alternating)", f.paired_handler_p50_us,
              f.paired_bare_p50_us, "goal <= 1.3");
  print_ratio("stream handler records/s / bare execute records/s", f.stream_records_per_s,
              f.execute_records_per_s, "the cost of decoding the event");
  for (int method = 0; method < 3; ++method) {
    const std::string what = std::string(kWriteMethods[method]) +
                             " through the handler p50 / bare PutItem p50 (alternating)";
    std::printf("  %-60s %.2f  (%.0f us / %.0f us)\n", what.c_str(),
                f.write_bare_p50_us[method] > 0
                    ? f.write_handler_p50_us[method] / f.write_bare_p50_us[method]
                    : 0.0,
                f.write_handler_p50_us[method], f.write_bare_p50_us[method]);
  }
  benchmark::Shutdown();
  return 0;
}
