#include "items/stream.h"

#include <algorithm>
#include <thread>

#include "aws/attribute_value.h"
#include "cache/item_protocol.h"
#include "common/log.h"
#include "common/random.h"

namespace streamcache::items {

namespace events = lambda::events;

namespace {

Expected<aws::AttributeMap, std::string> decode_map(const json::Value& wire,
                                                    std::string_view what) {
  auto map = aws::map_from_dynamodb_json(wire);
  if (!map) return unexpected(std::string(what) + ": " + map.error());
  return map;
}

}  // namespace

std::chrono::milliseconds max_apply_age(const cache::ItemCacheOptions& cache) {
  const auto shortest = std::min(cache.item_ttl, cache.tombstone_ttl);
  const auto lived = std::chrono::duration_cast<std::chrono::milliseconds>(
      shortest * (1.0 - std::clamp(cache.ttl_jitter, 0.0, 1.0)));
  // ApproximateCreationDateTime may be rounded down to the second; clocks differ a little.
  const std::chrono::milliseconds margin = std::chrono::seconds(2);
  return std::max(lived - margin, std::chrono::milliseconds(1));
}

namespace {

std::int64_t clock_us(const StreamPlanOptions& options) {
  if (options.now_us != 0) return options.now_us;
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<Version> version_in(const aws::AttributeMap& image) {
  const std::string* text = aws::find_number(image, "version");
  if (text == nullptr) return std::nullopt;
  auto v = cache::parse_version(*text);
  if (!v) return std::nullopt;
  return *v;
}

// No readable version: fence above everything a fill could carry.
StreamOp invalidation(StreamOp op, std::optional<Version> old_version,
                      const StreamPlanOptions& options) {
  op.kind = StreamOp::Kind::invalidate;
  if (old_version && *old_version < kMaxVersion) {
    op.version = *old_version + 1;  // every fill read before the change carries this or less
  } else {
    const auto skew = std::chrono::microseconds(kClockSkewAllowance).count();
    op.version = std::min(static_cast<Version>(clock_us(options) + skew), kMaxVersion);
  }
  return op;
}

// Too old to apply: the record's version becomes a fence, and reads go to the table.
void fence_if_too_old(StreamOp& op, const lambda::events::DynamoDbRecord& record,
                      const StreamPlanOptions& options) {
  if (options.max_apply_age.count() <= 0 || op.kind == StreamOp::Kind::invalidate) return;
  const auto& created = record.dynamodb.approximate_creation_date_time;
  if (!created) return;
  double created_s = 0;
  try {
    created_s = std::stod(created->text);
  } catch (const std::exception&) {
    return;
  }
  const double age_ms = static_cast<double>(clock_us(options)) / 1000.0 - created_s * 1000.0;
  if (age_ms > static_cast<double>(options.max_apply_age.count())) {
    op.kind = StreamOp::Kind::fence;
    op.body.clear();
  }
}

}  // namespace

Expected<StreamOp, std::string> plan_record(const events::DynamoDbRecord& record,
                                            const StreamPlanOptions& options) {
  const auto& ddb = record.dynamodb;
  StreamOp op;
  // The id comes from Keys; images repeat it, but KEYS_ONLY streams have only Keys.
  const json::Value* key_source = !ddb.keys.is_null()        ? &ddb.keys
                                  : !ddb.new_image.is_null() ? &ddb.new_image
                                                             : &ddb.old_image;
  if (key_source->is_null()) return unexpected(std::string("the record has no Keys"));
  auto keys = decode_map(*key_source, "Keys");
  if (!keys) return unexpected(keys.error());
  const std::string* id = aws::find_string(*keys, "id");
  if (id == nullptr) return unexpected(std::string("Keys has no string `id`"));
  if (auto valid = cache::validate_id(*id); !valid) return unexpected(valid.error().message);
  op.id = *id;

  std::optional<Version> old_version;
  if (!ddb.old_image.is_null()) {
    auto old_image = decode_map(ddb.old_image, "OldImage");
    if (!old_image) return unexpected(old_image.error());
    old_version = version_in(*old_image);
  }
  if (record.event_name == events::StreamEventName::remove) {
    if (!old_version || *old_version >= kMaxVersion)
      return invalidation(std::move(op), {}, options);
    op.kind = StreamOp::Kind::tombstone;
    op.version = *old_version + 1;
    fence_if_too_old(op, record, options);
    return op;
  }
  // KEYS_ONLY / OLD_IMAGE streams carry no new version.
  if (ddb.new_image.is_null()) return invalidation(std::move(op), old_version, options);
  auto new_image = decode_map(ddb.new_image, "NewImage");
  if (!new_image) return unexpected(new_image.error());
  // DynamoDB never sends this; a damaged event must not put one item's body under another's key.
  if (const std::string* image_id = aws::find_string(*new_image, "id");
      image_id == nullptr || *image_id != op.id) {
    return unexpected(std::string("NewImage's `id` differs from the one in Keys"));
  }
  auto version = version_in(*new_image);
  // Items written by other tools without a version cannot be ordered: fence them off.
  if (!version) return invalidation(std::move(op), old_version, options);
  op.version = *version;
  if (aws::find(*new_image, kDeletedAt) != nullptr) {
    op.kind = StreamOp::Kind::tombstone;  // the API's delete: the marker's version
  } else {
    op.kind = StreamOp::Kind::apply;
    op.body = json::serialize(canonical(aws::to_plain_json(*new_image)));
  }
  fence_if_too_old(op, record, options);
  return op;
}

Expected<StreamPlan, std::string> plan_stream_batch(std::string_view event_json,
                                                    const StreamPlanOptions& options) {
  auto parsed = json::parse(event_json);
  if (!parsed) return unexpected("the event is not JSON: " + parsed.error().message);
  json::Value* records = parsed->find("Records");
  if (records == nullptr || !records->is_array()) {
    return unexpected(std::string("the event has no Records array"));
  }
  StreamPlan plan;
  plan.sequence_numbers.reserve(records->as_array().size());
  plan.ops.reserve(records->as_array().size());
  for (json::Value& raw : records->as_array()) {
    std::size_t index = plan.sequence_numbers.size();
    auto record = events::read_dynamodb_record(std::move(raw));  // takes only the images
    std::string sequence;
    if (record) {
      sequence = record->dynamodb.sequence_number;
    } else if (const json::Value* d = raw.find("dynamodb")) {
      sequence = std::string(d->get_string("SequenceNumber").value_or(""));
    }
    plan.sequence_numbers.push_back(sequence);
    if (!record) {
      ++plan.skipped;
      logging::error("skipping a stream record that does not decode",
                     {{"sequenceNumber", sequence}, {"error", record.error().message}});
      continue;
    }
    if (const auto& t = record->dynamodb.approximate_creation_date_time) {
      try {
        plan.newest_creation_time = std::max(plan.newest_creation_time, std::stod(t->text));
      } catch (const std::exception&) {
        // An unreadable timestamp only loses the age metric.
      }
    }
    auto op = plan_record(*record, options);
    if (!op) {
      ++plan.skipped;
      logging::error("skipping a stream record that can never be applied",
                     {{"sequenceNumber", sequence}, {"error", op.error()}});
      continue;
    }
    op->record = index;
    plan.ops.push_back(std::move(*op));
  }
  return plan;
}

Deadline invocation_budget(std::chrono::milliseconds remaining) {
  using std::chrono::milliseconds;
  if (remaining <= milliseconds::zero()) return Deadline::after(milliseconds::zero());
  const milliseconds margin = std::min(std::max(milliseconds(1000), remaining / 10), remaining / 2);
  return Deadline::after(remaining - margin);
}

namespace {

enum class OpState : std::uint8_t { pending, done, skipped, permanent };

// splitmix64, for the backoff's jitter.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Equal jitter: [b/2, b], so instances retrying after one outage do not reconnect in lockstep.
std::chrono::milliseconds jittered(std::chrono::milliseconds backoff, std::uint64_t& state) {
  const auto half = backoff.count() / 2;
  const auto span = static_cast<std::uint64_t>(backoff.count() - half + 1);
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(next_random(state) % span));
}

}  // namespace

StreamOutcome apply_stream_plan(const StreamPlan& plan, StreamCachePort& cache,
                                const StreamRetryOptions& retry) {
  StreamOutcome outcome;
  outcome.skipped = plan.skipped;
  outcome.newest_creation_time = plan.newest_creation_time;
  if (plan.ops.empty()) return outcome;

  const std::size_t n = plan.ops.size();
  std::vector<OpState> state(n, OpState::pending);
  std::vector<cache::WriteResult> written(n, cache::WriteResult::stale);
  std::vector<cache::Error> last_error(n);
  std::uint64_t random_state = retry.seed != 0 ? retry.seed : random_seed();
  auto backoff = std::max(retry.backoff_min, std::chrono::milliseconds(1));

  std::vector<std::size_t> sent;  // op index of each op of this attempt
  std::vector<StreamOp> resend;   // the ops of a retry: copies, but only during an outage
  StreamResults results;
  for (std::size_t i = 0; i < n; ++i)
    sent.push_back(i);

  // Ops in record order: the first op not applied is the first record Lambda must deliver again.
  auto first_unapplied = [&]() -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < n; ++i) {
      if (state[i] == OpState::pending || state[i] == OpState::permanent) return i;
    }
    return std::nullopt;
  };

  while (true) {
    ++outcome.attempts;
    std::span<const StreamOp> ops = plan.ops;
    if (sent.size() != n) {
      resend.clear();
      for (std::size_t i : sent)
        resend.push_back(plan.ops[i]);
      ops = resend;
    }
    cache.execute(ops, results, retry.until);
    for (std::size_t k = 0; k < sent.size(); ++k) {
      const std::size_t i = sent[k];
      const StreamOp& op = plan.ops[i];
      const auto& result = k < results.size()
                               ? results[k]
                               : Expected<cache::WriteResult, cache::Error>(unexpected(cache::Error{
                                     cache::ErrorCode::unavailable, "no result for the op"}));
      if (result) {
        state[i] = OpState::done;
        written[i] = *result;
      } else if (result.error().code == cache::ErrorCode::invalid_argument) {
        state[i] = OpState::skipped;  // retrying cannot help: log and move on
        logging::error("skipping a stream record the cache refuses",
                       {{"sequenceNumber", plan.sequence_numbers[op.record]},
                        {"error", cache::describe(result.error())}});
      } else {
        // Permanent ones are not sent again; the first is logged below, where it is reported.
        if (result.error().permanent()) {
          state[i] = OpState::permanent;
          ++outcome.permanent;
        }
        last_error[i] = result.error();
      }
    }

    const auto first = first_unapplied();
    if (!first || state[*first] == OpState::permanent) break;
    if (retry.until.unlimited() || retry.until.expired()) break;
    const auto wait =
        std::min(jittered(backoff, random_state),
                 std::chrono::duration_cast<std::chrono::milliseconds>(retry.until.remaining()));
    logging::warn("cache unavailable; retrying the batch",
                  {{"attempt", std::to_string(outcome.attempts)},
                   {"sequenceNumber", plan.sequence_numbers[plan.ops[*first].record]},
                   {"backoffMs", std::to_string(wait.count())},
                   {"error", cache::describe(last_error[*first])}});
    if (retry.sleep) {
      retry.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
    if (retry.until.expired()) break;
    backoff = std::min(backoff * 2, std::max(retry.backoff_max, backoff));
    // Only what is still unavailable, and nothing after a record refused for good: Lambda
    // delivers that one and all that follow it again anyway.
    sent.clear();
    for (std::size_t i = *first; i < n && state[i] != OpState::permanent; ++i) {
      if (state[i] == OpState::pending) sent.push_back(i);
    }
  }

  const auto first = first_unapplied();
  for (std::size_t i = 0; i < n; ++i) {
    const StreamOp& op = plan.ops[i];
    if (state[i] == OpState::skipped) {
      ++outcome.skipped;
    } else if (first && i >= *first) {
      ++outcome.failed;  // Lambda delivers it again from the first unapplied record
    } else if (op.kind == StreamOp::Kind::invalidate) {
      ++outcome.invalidated;
    } else if (op.kind == StreamOp::Kind::fence) {
      ++outcome.fenced;
    } else if (written[i] == cache::WriteResult::applied) {
      ++outcome.applied;
    } else {
      ++outcome.stale;
    }
  }
  if (first) {
    const StreamOp& op = plan.ops[*first];
    if (state[*first] == OpState::permanent) {
      // One line per batch, for the record Lambda delivers next; the rest come with it then.
      logging::error("redis refused a stream record for good; reporting it at once",
                     {{"sequenceNumber", plan.sequence_numbers[op.record]},
                      {"key", cache::item_key(op.id)},
                      {"reason", cache::describe(last_error[*first])},
                      {"refusedInBatch", std::to_string(outcome.permanent)}});
    } else {
      logging::warn("cache unavailable; reporting a batch item failure",
                    {{"sequenceNumber", plan.sequence_numbers[op.record]},
                     {"attempts", std::to_string(outcome.attempts)},
                     {"error", cache::describe(last_error[*first])}});
    }
    outcome.response.batch_item_failures.push_back({plan.sequence_numbers[op.record]});
  }
  return outcome;
}

}  // namespace streamcache::items
