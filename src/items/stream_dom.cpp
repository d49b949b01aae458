#include "items/stream_dom.h"

#include "aws/attribute_value.h"
#include "cache/item_protocol.h"
#include "items/stream_rules.h"

namespace streamcache::items {

namespace events = lambda::events;

namespace {

Expected<aws::AttributeMap, std::string> decode_map(const json::Value& wire,
                                                    std::string_view what) {
  auto map = aws::map_from_dynamodb_json(wire);
  if (!map) return unexpected(std::string(what) + ": " + map.error());
  return map;
}

std::optional<Version> version_in(const aws::AttributeMap& image) {
  const std::string* text = aws::find_number(image, "version");
  if (text == nullptr) return std::nullopt;
  return detail::version_from_text(*text);
}

const std::string* creation_text(const events::DynamoDbRecord& record) {
  const auto& created = record.dynamodb.approximate_creation_date_time;
  return created ? &created->text : nullptr;
}

}  // namespace

Expected<StreamOp, std::string> plan_record(const events::DynamoDbRecord& record,
                                            const StreamPlanOptions& options) {
  using detail::invalidation;
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
    detail::fence_if_too_old(op, creation_text(record), options);
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
  detail::fence_if_too_old(op, creation_text(record), options);
  return op;
}

namespace detail {

void plan_dom_record(json::Value&& raw, StreamPlan& plan, const StreamPlanOptions& options) {
  const std::size_t index = plan.sequence_numbers.size();
  auto record = events::read_dynamodb_record(std::move(raw));  // takes only the images
  std::string sequence;
  if (record) {
    sequence = record->dynamodb.sequence_number;
  } else if (const json::Value* d = raw.find("dynamodb")) {
    sequence = std::string(d->get_string("SequenceNumber").value_or(""));
  }
  plan.sequence_numbers.push_back(std::move(sequence));
  if (!record) {
    ++plan.skipped;
    plan.skips.push_back({index, true, record.error().message});
    return;
  }
  if (const auto& t = record->dynamodb.approximate_creation_date_time)
    note_creation_time(plan, t->text);
  auto op = plan_record(*record, options);
  if (!op) {
    ++plan.skipped;
    plan.skips.push_back({index, false, std::move(op).error()});
    return;
  }
  op->record = index;
  plan.ops.push_back(std::move(*op));
}

Expected<StreamPlan, std::string> plan_stream_batch_dom(std::string_view event_json,
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
  for (json::Value& raw : records->as_array())
    plan_dom_record(std::move(raw), plan, options);
  return plan;
}

}  // namespace detail
}  // namespace streamcache::items
