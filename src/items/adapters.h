// The ports of ports.h over the real clients: DynamoDB (aws/dynamodb.h) and the Redis item cache
// (cache/item_cache.h). Tested against moto_server and redis-server.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/dynamodb.h"
#include "cache/cache_op.h"
#include "items/ports.h"
#include "tracing/tracer.h"

namespace streamcache::items {

class DynamoItemStore : public ItemStore {
 public:
  DynamoItemStore(aws::DynamoDbClient& client, std::string table)
      : client_(client), table_(std::move(table)) {}

  Expected<std::optional<json::Value>, StoreError> get(
      std::string_view id, Deadline deadline = Deadline::never()) override;
  Expected<void, StoreError> put(const json::Value& row, WriteCondition condition,
                                 Deadline deadline = Deadline::never()) override;
  Expected<ListPage, StoreError> list(int limit, std::optional<std::string> start_after,
                                      Deadline deadline = Deadline::never()) override;

 private:
  aws::DynamoDbClient& client_;
  std::string table_;
};

// Maps the AWS layer's errors onto what the API answers (409, 413, 400, 503, 500).
StoreError store_error_from(const aws::Error& error);

class RedisItemCache : public ItemCachePort, public StreamCachePort {
 public:
  // With a tracer, sampled invocations get one X-Ray subsegment per Redis round trip.
  explicit RedisItemCache(cache::ItemCacheClient& cache, tracing::Tracer* tracer = nullptr)
      : cache_(cache), tracer_(tracer) {}

  // Each call is cut to its own deadline.
  Expected<cache::GetResult, cache::Error> get(std::string_view id,
                                               Deadline deadline = Deadline::never()) override;
  Expected<cache::WriteResult, cache::Error> apply_if_newer(
      std::string_view id, Version version, std::string_view body,
      Deadline deadline = Deadline::never()) override;
  Expected<cache::WriteResult, cache::Error> tombstone_if_newer(
      std::string_view id, Version version, Deadline deadline = Deadline::never()) override;
  Expected<cache::WriteResult, cache::Error> fill_negative(
      std::string_view id, Deadline deadline = Deadline::never()) override;
  // Every op is versioned (invalidations too), so the whole batch is one pipelined round trip.
  // Each call connects when it must, whatever the connections' reconnect backoff: the stream
  // handler's retry loop paces its attempts (ItemCacheClient::end_backoff).
  void execute(std::span<const StreamOp> ops, StreamResults& results, Deadline budget) override;
  void start_batch(Deadline budget) override;
  void send_planned(std::span<const StreamOp> ops) override;
  void abandon_batch() override;

 private:
  // ops as the cache's ops (views into them) in `out`.
  static void to_cache_ops(std::span<const StreamOp> ops, std::vector<cache::CacheOp>& out);
  // One op as one round trip, traced when the invocation is sampled.
  void run_one(const cache::CacheOp& op, Deadline deadline);
  void trace_batch(tracing::Segment& segment, std::size_t ops) const;

  cache::ItemCacheClient& cache_;
  tracing::Tracer* tracer_;
  std::vector<cache::CacheOp> ops_;
  cache::BatchResults batch_;
  // start_batch(): the batch's trace segment, from its first op sent (when sampled).
  bool batch_started_ = false;
  std::optional<tracing::Segment> batch_segment_;
};

}  // namespace streamcache::items
