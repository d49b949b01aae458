#include "local/stream_mapping.h"

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "aws/dynamodb.h"
#include "aws/dynamodb_streams.h"
#include "json/json.h"
#include "local/batch_retry.h"
#include "local/stream_event.h"

namespace streamcache::local {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kShardRefresh = std::chrono::seconds(5);  // new shards appear after splits
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

struct ShardState {
  aws::Shard shard;
  std::string iterator;
  bool iterator_ready = false;
  bool exhausted = false;  // closed shard fully read
  bool finished = false;   // exhausted and every record handled
  std::string last_read_sequence;
  std::deque<aws::StreamRecord> pending;
  std::optional<Clock::time_point> first_pending_at;  // batching window start
  Clock::time_point not_before{};                     // retry backoff
  std::unique_ptr<BatchRetryState> retry;
};

}  // namespace

std::optional<std::size_t> first_failed_index(
    std::string_view response, const std::vector<std::string>& batch_sequence_numbers) {
  const auto trimmed = response.find_first_not_of(" \t\r\n");
  if (trimmed == std::string_view::npos) return std::nullopt;  // empty response: success
  auto doc = json::parse(response);
  if (!doc) return 0;  // invalid JSON: the whole batch failed
  if (doc->is_null()) return std::nullopt;
  if (!doc->is_object()) return 0;
  const json::Value* failures = doc->find("batchItemFailures");
  if (failures == nullptr || failures->is_null()) return std::nullopt;
  if (!failures->is_array()) return 0;
  std::optional<std::size_t> lowest;
  for (const auto& f : failures->as_array()) {
    auto id = f.get_string("itemIdentifier");
    if (!id || id->empty()) return 0;
    std::optional<std::size_t> index;
    for (std::size_t i = 0; i < batch_sequence_numbers.size(); ++i) {
      if (batch_sequence_numbers[i] == *id) index = i;
    }
    if (!index) return 0;  // a sequence number not in the batch
    if (!lowest || *index < *lowest) lowest = index;
  }
  return lowest;
}

StreamMapping::StreamMapping(MappingConfig config, aws::ClientConfig aws, std::string function_arn,
                             std::chrono::milliseconds poll_interval, Invoker invoke, LogSink& log,
                             LocalStats* stats)
    : config_(std::move(config)),
      aws_(std::move(aws)),
      function_arn_(std::move(function_arn)),
      poll_interval_(poll_interval),
      invoke_(std::move(invoke)),
      log_(log),
      dashboard_stats_(stats) {}

StreamMapping::~StreamMapping() {
  request_stop();
  join();
}

void StreamMapping::start() {
  thread_ = std::thread([this] { run(); });
}

void StreamMapping::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void StreamMapping::join() {
  if (thread_.joinable()) thread_.join();
}

MappingStats StreamMapping::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void StreamMapping::add_stats(const MappingStats& delta) {
  std::lock_guard lock(mutex_);
  stats_.batches += delta.batches;
  stats_.records_delivered += delta.records_delivered;
  stats_.records_discarded += delta.records_discarded;
  stats_.retries += delta.retries;
}

bool StreamMapping::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [&] { return stopping_; });  // an interruptible poll interval
  return !stopping_;
}

void StreamMapping::run() {
  const std::string source = "event-source-mapping";
  aws::DynamoDbClient tables(aws_);
  aws::DynamoDbStreamsClient streams(aws_);

  // The stream: configured, or the table's latest (the table may not exist yet).
  std::string stream_arn = config_.event_source_arn;
  bool warned = false;
  while (stream_arn.empty()) {
    auto table = tables.describe_table(config_.table);
    if (table && !table->latest_stream_arn.empty()) {
      stream_arn = table->latest_stream_arn;
      break;
    }
    if (!warned) {
      log_.line(source,
                "waiting for table " + config_.table + " with a stream at " + aws_.endpoint + ": " +
                    (table ? std::string("the table has no stream") : table.error().describe()));
      warned = true;
    }
    if (!pause(std::chrono::milliseconds(500))) return;
  }
  {
    std::lock_guard lock(mutex_);
    stats_.stream_arn = stream_arn;
  }
  // Lambda's IteratorAge: how old the newest record of a batch is when the batch is handled.
  auto record_batch = [&](BatchResult result, std::size_t records,
                          const aws::StreamRecord& newest) {
    if (dashboard_stats_ == nullptr || records == 0) return;
    const double now_s =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const double age_s = newest.approximate_creation_time > 0
                             ? std::max(0.0, now_s - newest.approximate_creation_time)
                             : 0.0;
    dashboard_stats_->record_batch(result, records,
                                   std::chrono::milliseconds(static_cast<long long>(age_s * 1000)));
  };
  log_.line(source, "polling " + stream_arn + " for " + function_arn_);
  const StreamSource stream_source{stream_arn, aws_.region};
  const BatchRetryOptions retry_options{
      static_cast<std::size_t>(config_.batch_size), config_.maximum_retry_attempts,
      config_.bisect_batch_on_function_error, config_.report_batch_item_failures};

  std::map<std::string, ShardState> shards;
  std::vector<std::string> order;  // lineage order: parents first
  bool first_listing = true;
  Clock::time_point next_refresh{};

  auto discard = [&](ShardState& s, std::size_t count, FailedBatch info) {
    if (count == 0) return;
    std::vector<aws::StreamRecord> records(s.pending.begin(),
                                           s.pending.begin() + static_cast<long>(count));
    info.function_arn = function_arn_;
    info.shard_id = s.shard.id;
    info.stream_arn = stream_arn;
    info.time = std::chrono::system_clock::now();
    record_batch(BatchResult::discarded, count, records.back());
    const json::Value record = on_failure_record(records, info);
    log_.line(source, "discarded " + std::to_string(count) + " record(s) of " + s.shard.id + " (" +
                          json::serialize(*record.find("requestContext")->find("condition")) +
                          "), sequence " + records.front().sequence_number + " to " +
                          records.back().sequence_number);
    if (!config_.on_failure_file.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(config_.on_failure_file.parent_path(), ec);
      std::ofstream out(config_.on_failure_file, std::ios::app);
      out << json::serialize(record) << '\n';
    }
    s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<long>(count));
    MappingStats delta;
    delta.records_discarded = static_cast<long long>(count);
    add_stats(delta);
  };

  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    bool worked = false;
    if (Clock::now() >= next_refresh) {
      auto description = streams.describe_stream_all_shards(stream_arn);
      if (description) {
        order.clear();
        for (const auto& shard : aws::order_by_lineage(description->shards)) {
          order.push_back(shard.id);
          if (shards.contains(shard.id)) continue;
          ShardState state;
          state.shard = shard;
          state.retry = std::make_unique<BatchRetryState>(retry_options);
          // LATEST applies to the shards open when the mapping starts; later ones from the start.
          state.last_read_sequence.clear();
          state.iterator_ready = false;
          state.exhausted = false;
          if (first_listing && config_.starting_position == StartingPosition::latest) {
            state.iterator = "LATEST";
          }
          shards.emplace(shard.id, std::move(state));
        }
        first_listing = false;
      } else {
        log_.line(source, "DescribeStream failed: " + description.error().describe());
      }
      next_refresh = Clock::now() + kShardRefresh;
    }

    for (const auto& id : order) {
      ShardState& s = shards.at(id);
      if (s.finished) continue;
      if (!s.shard.parent_id.empty()) {
        auto parent = shards.find(s.shard.parent_id);
        if (parent != shards.end() && !parent->second.finished) continue;  // parents first
      }
      // Read when there is room for more records in the batch.
      if (!s.exhausted && s.pending.size() < static_cast<std::size_t>(config_.batch_size)) {
        if (!s.iterator_ready) {
          aws::IteratorType type = aws::IteratorType::trim_horizon;
          if (!s.last_read_sequence.empty()) {
            type = aws::IteratorType::after_sequence_number;
          } else if (s.iterator == "LATEST") {
            type = aws::IteratorType::latest;
          }
          auto it = streams.get_shard_iterator(stream_arn, s.shard.id, type, s.last_read_sequence);
          if (!it) {
            log_.line(source, "GetShardIterator " + s.shard.id + ": " + it.error().describe());
            continue;
          }
          s.iterator = *it;
          s.iterator_ready = true;
        }
        auto page = streams.get_records(s.iterator, std::min(config_.batch_size, 1000));
        if (!page) {
          if (page.error().kind == aws::ErrorKind::expired_iterator ||
              page.error().kind == aws::ErrorKind::trimmed_data) {
            s.iterator_ready = false;  // resume after the last record read
          } else {
            log_.line(source, "GetRecords " + s.shard.id + ": " + page.error().describe());
          }
          continue;
        }
        if (!page->records.empty()) {
          worked = true;
          if (s.pending.empty()) s.first_pending_at = Clock::now();
          s.last_read_sequence = page->records.back().sequence_number;
          for (auto& r : page->records)
            s.pending.push_back(std::move(r));
        }
        if (page->next_iterator.empty()) {
          s.exhausted = true;
        } else {
          s.iterator = page->next_iterator;
        }
      }

      // Records older than MaximumRecordAgeInSeconds go to the destination without an invocation.
      if (config_.maximum_record_age_seconds >= 0) {
        const double now_s =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        std::size_t expired = 0;
        while (expired < s.pending.size() && s.pending[expired].approximate_creation_time > 0 &&
               now_s - s.pending[expired].approximate_creation_time >
                   config_.maximum_record_age_seconds) {
          ++expired;
        }
        if (expired > 0) {
          s.retry->reset();
          FailedBatch info;
          info.condition = FailureCondition::record_age_exceeded;
          discard(s, expired, std::move(info));
        }
      }

      if (s.pending.empty()) {
        s.first_pending_at.reset();
        if (s.exhausted) s.finished = true;
        continue;
      }
      const bool full = s.pending.size() >= static_cast<std::size_t>(config_.batch_size);
      const bool window_over = !s.first_pending_at || Clock::now() - *s.first_pending_at >=
                                                          config_.maximum_batching_window;
      if (!(full || window_over || s.exhausted) || Clock::now() < s.not_before) continue;

      const std::size_t n = s.retry->next_batch_size(s.pending.size());
      const std::vector<aws::StreamRecord> batch(s.pending.begin(),
                                                 s.pending.begin() + static_cast<long>(n));
      std::vector<std::string> sequences;
      sequences.reserve(n);
      for (const auto& r : batch)
        sequences.push_back(r.sequence_number);
      InvokeResult result = invoke_(build_stream_event(batch, stream_source));
      worked = true;
      BatchOutcome outcome;
      std::string function_error;
      if (result.status == InvokeResult::Status::ok) {
        auto failed = first_failed_index(result.payload, sequences);
        if (failed) {
          outcome.kind = BatchOutcome::Kind::partial_failure;
          outcome.first_failed = *failed;
        }
      } else {
        outcome.kind = BatchOutcome::Kind::function_error;
        function_error = "Unhandled";
      }
      const BatchDecision decision = s.retry->on_outcome(n, outcome);
      if (decision.retry) {
        record_batch(BatchResult::retried, n - decision.completed, batch.back());
      } else if (decision.discarded == 0) {
        record_batch(BatchResult::delivered, decision.completed, batch.back());
      }  // discarded records are counted by discard()
      MappingStats delta;
      delta.batches = 1;
      delta.records_delivered = static_cast<long long>(decision.completed);
      delta.retries = decision.retry ? 1 : 0;
      add_stats(delta);
      s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<long>(decision.completed));
      if (decision.discarded > 0) {
        FailedBatch info;
        info.condition = FailureCondition::retry_attempts_exhausted;
        info.request_id = result.request_id;
        info.invoke_count = decision.invoke_count;
        info.function_error = function_error;
        discard(s, decision.discarded, info);
      }
      if (decision.retry) {
        const int failures = std::max(1, s.retry->failures());
        auto backoff = std::chrono::milliseconds(100) * (1 << std::min(failures - 1, 6));
        s.not_before = Clock::now() + std::min<std::chrono::milliseconds>(backoff, kMaxBackoff);
        log_.line(source,
                  std::string("batch of ") + std::to_string(n) + " record(s) from " + s.shard.id +
                      " failed (" +
                      (outcome.kind == BatchOutcome::Kind::partial_failure ? "batchItemFailures"
                                                                           : result.error_type) +
                      "); retrying");
      } else {
        s.not_before = {};
      }
      if (s.pending.empty()) s.first_pending_at.reset();
    }
    if (!worked && !pause(poll_interval_)) return;
  }
}

}  // namespace streamcache::local
