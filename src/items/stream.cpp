#include "items/stream.h"

#include <algorithm>

#include "aws/attribute_value.h"
#include "cache/item_protocol.h"
#include "common/log.h"

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

StreamOutcome apply_stream_plan(const StreamPlan& plan, StreamCachePort& cache) {
  StreamOutcome outcome;
  outcome.skipped = plan.skipped;
  outcome.newest_creation_time = plan.newest_creation_time;
  if (plan.ops.empty()) return outcome;
  StreamResults results;
  cache.execute(plan.ops, results);
  std::optional<std::size_t> first_failed;
  for (std::size_t i = 0; i < plan.ops.size(); ++i) {
    const StreamOp& op = plan.ops[i];
    const auto& result = i < results.size()
                             ? results[i]
                             : Expected<cache::WriteResult, cache::Error>(unexpected(cache::Error{
                                   cache::ErrorCode::unavailable, "no result for the op"}));
    if (first_failed) {
      ++outcome.failed;
      continue;
    }
    if (!result) {
      if (result.error().code == cache::ErrorCode::invalid_argument) {
        ++outcome.skipped;  // retrying cannot help: log and move on
        logging::error("skipping a stream record the cache refuses",
                       {{"sequenceNumber", plan.sequence_numbers[op.record]},
                        {"error", cache::describe(result.error())}});
        continue;
      }
      first_failed = op.record;
      ++outcome.failed;
      logging::warn("cache unavailable; reporting a batch item failure",
                    {{"sequenceNumber", plan.sequence_numbers[op.record]},
                     {"error", cache::describe(result.error())}});
      continue;
    }
    if (op.kind == StreamOp::Kind::invalidate) {
      ++outcome.invalidated;
    } else if (op.kind == StreamOp::Kind::fence) {
      ++outcome.fenced;
    } else if (*result == cache::WriteResult::applied) {
      ++outcome.applied;
    } else {
      ++outcome.stale;
    }
  }
  if (first_failed) {
    outcome.response.batch_item_failures.push_back({plan.sequence_numbers[*first_failed]});
  }
  return outcome;
}

}  // namespace streamcache::items
