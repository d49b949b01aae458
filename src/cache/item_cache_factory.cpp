#include "cache/item_cache_factory.h"

#include "cache/item_cache.h"

namespace streamcache::cache {
namespace {

// Becomes an ItemCache or a ClusterItemCache at its first call that reaches the server.
class DetectingItemCache final : public ItemCacheClient {
 public:
  DetectingItemCache(ItemCache single, ConnectionOptions connection, ItemCacheOptions options,
                     ClusterOptions cluster)
      : single_(std::move(single)),
        connection_(std::move(connection)),
        options_(options),
        cluster_(cluster) {}

  void execute(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) override {
    if (!chosen_) {
      if (auto detected = detect(budget); !detected) {
        results.assign(ops.size(), unexpected(detected.error()));
        return;
      }
    }
    chosen_->execute(ops, results, budget);
  }

  // A batch started before detection detects first (one round trip), then sends ahead.
  void start_batch(Deadline budget) override {
    if (!chosen_ && !detect(budget)) return;  // finish_batch() reports it, as execute()
    chosen_->start_batch(budget);
  }
  void send_ahead(std::span<const CacheOp> ops) override {
    if (chosen_) chosen_->send_ahead(ops);
  }
  void finish_batch(std::span<const CacheOp> ops, BatchResults& results, Deadline budget) override {
    if (!chosen_) return execute(ops, results, budget);
    chosen_->finish_batch(ops, results, budget);
  }
  void abandon_batch() override {
    if (chosen_) chosen_->abandon_batch();
  }

  void end_backoff() override {
    if (chosen_) {
      chosen_->end_backoff();
    } else {
      single_->end_backoff();
    }
  }

  [[nodiscard]] const ItemCacheOptions& options() const override { return options_; }

  Expected<std::vector<std::string>, Error> random_keys(std::size_t count,
                                                        Deadline budget) override {
    if (!chosen_) {
      if (auto detected = detect(budget); !detected) return unexpected(detected.error());
    }
    return chosen_->random_keys(count, budget);
  }

 private:
  Expected<void, Error> detect(Deadline budget) {
    // CLUSTER INFO, not INFO: ElastiCache users are often "-@dangerous", which takes INFO away.
    CommandBuffer probe;
    probe.add({"CLUSTER", "INFO"});
    std::vector<Reply> replies;
    if (auto done = single_->connection().pipeline(probe, replies, Replay::idempotent, budget);
        !done) {
      return done;
    }
    const Reply& reply = replies.front();
    const bool cluster_disabled =
        reply.is_error() && reply.str.find("cluster support disabled") != std::string::npos;
    if (reply.is_error() && !cluster_disabled) return unexpected(error_from_reply(reply));
    if (cluster_disabled) {
      chosen_ = std::make_unique<ItemCache>(std::move(*single_));  // its connection is warm
      single_.reset();
      return {};
    }
    auto cluster = ClusterItemCache::create(connection_, options_, cluster_);
    if (!cluster) return unexpected(std::move(cluster).error());
    chosen_ = std::make_unique<ClusterItemCache>(std::move(*cluster));
    single_.reset();
    return {};
  }

  std::optional<ItemCache> single_;  // until detected: the probe's connection
  ConnectionOptions connection_;
  ItemCacheOptions options_;
  ClusterOptions cluster_;
  std::unique_ptr<ItemCacheClient> chosen_;
};

}  // namespace

Expected<ClusterMode, Error> parse_cluster_mode(std::string_view text) {
  if (text == "auto") return ClusterMode::detect;
  if (text == "on") return ClusterMode::on;
  if (text == "off") return ClusterMode::off;
  std::string shown(text.substr(0, 40));
  return unexpected(Error{ErrorCode::invalid_argument,
                          "cluster mode '" + shown + "' is not one of auto, on, off"});
}

Expected<std::unique_ptr<ItemCacheClient>, Error> make_item_cache(ConnectionOptions connection,
                                                                  ItemCacheOptions options,
                                                                  ClusterMode mode,
                                                                  ClusterOptions cluster) {
  if (mode == ClusterMode::on) {
    auto created = ClusterItemCache::create(std::move(connection), options, cluster);
    if (!created) return unexpected(std::move(created).error());
    return std::unique_ptr<ItemCacheClient>(
        std::make_unique<ClusterItemCache>(std::move(*created)));
  }
  auto single = ItemCache::create(connection, options);
  if (!single) return unexpected(std::move(single).error());
  if (mode == ClusterMode::off) {
    return std::unique_ptr<ItemCacheClient>(std::make_unique<ItemCache>(std::move(*single)));
  }
  if (connection.endpoint.db != 0) {
    // Only one node can serve another database: detection would pick it anyway.
    return std::unique_ptr<ItemCacheClient>(std::make_unique<ItemCache>(std::move(*single)));
  }
  return std::unique_ptr<ItemCacheClient>(std::make_unique<DetectingItemCache>(
      std::move(*single), std::move(connection), options, cluster));
}

}  // namespace streamcache::cache
