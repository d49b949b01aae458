#include "items/stream.h"

#include "aws/attribute_value.h"
#include "cache/item_protocol.h"
#include "lambda/runtime.h"

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

Expected<StreamOp, std::string> plan_record(const events::DynamoDbRecord& record) {
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

  auto version_in = [](const aws::AttributeMap& image) -> std::optional<Version> {
    const std::string* text = aws::find_number(image, "version");
    if (text == nullptr) return std::nullopt;
    auto v = cache::parse_version(*text);
    if (!v) return std::nullopt;
    return *v;
  };

  if (record.event_name == events::StreamEventName::remove) {
    op.kind = StreamOp::Kind::invalidate;
    if (ddb.old_image.is_null()) return op;  // KEYS_ONLY / NEW_IMAGE: no version to tombstone
    auto old_image = decode_map(ddb.old_image, "OldImage");
    if (!old_image) return unexpected(old_image.error());
    if (auto v = version_in(*old_image); v && *v < kMaxVersion) {
      op.kind = StreamOp::Kind::tombstone;
      op.version = *v + 1;
    }
    return op;
  }
  op.kind = StreamOp::Kind::invalidate;
  if (ddb.new_image.is_null()) return op;  // KEYS_ONLY / OLD_IMAGE streams
  auto new_image = decode_map(ddb.new_image, "NewImage");
  if (!new_image) return unexpected(new_image.error());
  // DynamoDB never sends this; a damaged event must not put one item's body under another's key.
  if (const std::string* image_id = aws::find_string(*new_image, "id");
      image_id == nullptr || *image_id != op.id) {
    return unexpected(std::string("NewImage's `id` differs from the one in Keys"));
  }
  // Items written by other tools without a version cannot be ordered: drop the cached copy.
  if (auto v = version_in(*new_image)) {
    op.kind = StreamOp::Kind::apply;
    op.version = *v;
    op.body = json::serialize(canonical(aws::to_plain_json(*new_image)));
  }
  return op;
}

Expected<StreamPlan, std::string> plan_stream_batch(std::string_view event_json) {
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
      lambda::log_error("skipping a stream record that does not decode",
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
    auto op = plan_record(*record);
    if (!op) {
      ++plan.skipped;
      lambda::log_error("skipping a stream record that can never be applied",
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
        lambda::log_error("skipping a stream record the cache refuses",
                          {{"sequenceNumber", plan.sequence_numbers[op.record]},
                           {"error", cache::describe(result.error())}});
        continue;
      }
      first_failed = op.record;
      ++outcome.failed;
      lambda::log_warn("cache unavailable; reporting a batch item failure",
                       {{"sequenceNumber", plan.sequence_numbers[op.record]},
                        {"error", cache::describe(result.error())}});
      continue;
    }
    if (op.kind == StreamOp::Kind::invalidate) {
      ++outcome.invalidated;
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
