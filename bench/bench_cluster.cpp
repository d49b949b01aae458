// The cluster item cache on a local Redis Cluster (3 primaries, 3 replicas), each figure beside a
// baseline taken in the same run, the two alternating in one loop:
//   cache-hit get through ClusterItemCache  vs  a bare GET of the same key on the node serving it
//   a batch of 1000 apply_if_newer across the cluster  vs  the same batch through ItemCache on one
//   standalone redis-server
// Goals (issue 15): get <= 1.3x the bare GET; the batch ratio is reported (the three nodes' round
// trips run at once, each carrying a third of the batch).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "cache/cluster_item_cache.h"
#include "cache/hash_slot.h"
#include "cache/item_cache.h"
#include "cache_fixtures.h"
#include "redis_cluster.h"

namespace {

using namespace streamcache::cache;
using Clock = std::chrono::steady_clock;

constexpr int kBatchSize = 1000;
constexpr const char* kHitId = "bench-hit";

double median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return *middle;
}

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

std::string sample_body(int n) {
  return R"({"id":"item-)" + std::to_string(n) +
         R"(","name":"A typical item","price":1999,"tags":["red","small","sale"],)"
         R"("description":"Some text so the body has the size of a real item in the table."})";
}

template <class T>
T created(streamcache::Expected<T, Error> value) {
  if (!value) throw std::runtime_error(describe(value.error()));
  return std::move(*value);
}

struct Figures {
  double get_p50_us = 0;
  double bare_p50_us = 0;
  double cluster_batch_p50_us = 0;
  double single_batch_p50_us = 0;
};

// A batch of 1000 fresh versions, timed per execute.
template <class Cache>
double time_batch(Cache& cache, Version version, const std::vector<std::string>& ids,
                  const std::vector<std::string>& bodies, std::vector<CacheOp>& ops,
                  BatchResults& results) {
  for (int i = 0; i < kBatchSize; ++i)
    ops[i] = CacheOp::apply_if_newer(ids[i], version, bodies[i]);
  const auto start = Clock::now();
  cache.execute(ops, results, streamcache::Deadline::never());
  const double us = micros(Clock::now() - start);
  return results.front() && results.back() ? us : -1;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  testing::RedisCluster cluster;
  streamcache::testing::RedisServer single;
  auto cluster_cache =
      created(ClusterItemCache::create(testing::local_options(cluster.port(0)), {}, {}));
  auto single_cache = created(ItemCache::create(testing::local_options(single.port())));
  const std::string hit_key = item_key(kHitId);
  auto bare = created(RedisConnection::create(
      testing::local_options(cluster.port(cluster.primary_of_slot(hash_slot(hit_key))))));
  if (!cluster_cache.apply_if_newer(kHitId, 1, sample_body(0))) return 1;

  std::vector<std::string> ids, bodies;
  for (int i = 0; i < kBatchSize; ++i) {
    ids.push_back(testing::numbered("batch-", i));
    bodies.push_back(sample_body(i));
  }
  Figures f;
  Version version = 1000;

  // Alternating in one loop, so load from other processes hits both alike.
  benchmark::RegisterBenchmark("paired/cluster_get_then_bare_get", [&](benchmark::State& state) {
    CommandBuffer command;
    command.add({"GET", hit_key});
    std::vector<Reply> replies;
    std::vector<double> gets, bares;
    for (auto _ : state) {
      const auto start = Clock::now();
      auto result = cluster_cache.get(kHitId);
      const auto middle = Clock::now();
      auto done = bare.pipeline(command, replies);
      const auto end = Clock::now();
      if (!result || result->status != GetResult::Status::hit || !done) {
        state.SkipWithError("get failed");
        return;
      }
      gets.push_back(micros(middle - start));
      bares.push_back(micros(end - middle));
    }
    f.get_p50_us = median(std::move(gets));
    f.bare_p50_us = median(std::move(bares));
    state.counters["get_p50_us"] = f.get_p50_us;
    state.counters["bare_get_p50_us"] = f.bare_p50_us;
  })->UseRealTime();
  // Alternating too: the load of other processes swings the single node's figure by 2x between
  // runs, which a cluster phase followed by a single-node phase would read as a ratio.
  benchmark::RegisterBenchmark(
      "paired/cluster_batch_then_single_batch_1000_apply_if_newer",
      [&](benchmark::State& state) {
        std::vector<CacheOp> ops(kBatchSize);
        BatchResults results;
        std::vector<double> on_cluster, on_single;
        for (auto _ : state) {
          ++version;
          const double cluster_us = time_batch(cluster_cache, version, ids, bodies, ops, results);
          const double single_us = time_batch(single_cache, version, ids, bodies, ops, results);
          if (cluster_us < 0 || single_us < 0) {
            state.SkipWithError("batch failed");
            return;
          }
          on_cluster.push_back(cluster_us);
          on_single.push_back(single_us);
        }
        f.cluster_batch_p50_us = median(std::move(on_cluster));
        f.single_batch_p50_us = median(std::move(on_single));
        state.counters["cluster_p50_us"] = f.cluster_batch_p50_us;
        state.counters["single_p50_us"] = f.single_batch_p50_us;
      })
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();

  std::printf("\nratios\n");
  auto ratio = [](const char* what, double ours, double theirs, const char* goal) {
    if (ours <= 0 || theirs <= 0) {
      std::printf("  %-58s n/a (a benchmark was filtered out or failed)\n", what);
    } else {
      std::printf("  %-58s %.2f  (%s)\n", what, ours / theirs, goal);
    }
  };
  ratio("cluster get p50 / bare GET p50 on the same node", f.get_p50_us, f.bare_p50_us,
        "goal <= 1.3");
  ratio("cluster batch p50 / single-node batch p50 (1000 ops)", f.cluster_batch_p50_us,
        f.single_batch_p50_us, "3 round trips at once, a third each");
  benchmark::Shutdown();
  return 0;
}
