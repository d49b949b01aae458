#include "aws/dynamodb_streams.h"

#include <set>
#include <unordered_set>

namespace streamcache::aws {

namespace {

json::Value body_with(std::string_view name, const std::string& value) {
  json::Value body{json::Object{}};
  body.set(name, value);
  return body;
}

Error bad_response(const std::string& what) {
  return malformed_response("bad DynamoDB Streams response: " + what);
}

Expected<std::optional<AttributeMap>, std::string> optional_map(const json::Value& parent,
                                                                std::string_view name) {
  const json::Value* wire = parent.find(name);
  if (wire == nullptr || wire->is_null()) return std::optional<AttributeMap>();
  auto map = map_from_dynamodb_json(*wire);
  if (!map) return unexpected(std::string(name) + ": " + map.error());
  return std::optional<AttributeMap>(std::move(*map));
}

std::string_view strip_zeros(std::string_view s) {
  while (s.size() > 1 && s.front() == '0')
    s.remove_prefix(1);
  return s;
}

}  // namespace

bool sequence_less(std::string_view a, std::string_view b) {
  a = strip_zeros(a);
  b = strip_zeros(b);
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

Expected<StreamRecord, std::string> stream_record_from_json(const json::Value& record) {
  if (!record.is_object()) return unexpected(std::string("record is not an object"));
  StreamRecord out;
  out.event_id = std::string(record.get_string("eventID").value_or(""));
  out.event_name = std::string(record.get_string("eventName").value_or(""));
  const json::Value* dynamodb = record.find("dynamodb");
  if (dynamodb == nullptr || !dynamodb->is_object())
    return unexpected(std::string("record has no dynamodb object"));
  auto sequence = dynamodb->get_string("SequenceNumber");
  if (!sequence) return unexpected(std::string("record has no dynamodb.SequenceNumber"));
  out.sequence_number = std::string(*sequence);
  if (const json::Value* t = dynamodb->find("ApproximateCreationDateTime");
      t != nullptr && t->is_number()) {
    out.approximate_creation_time = std::strtod(t->as_number().text.c_str(), nullptr);
  }
  out.size_bytes = dynamodb->get_int("SizeBytes").value_or(0);
  auto keys = optional_map(*dynamodb, "Keys");
  if (!keys) return unexpected(std::move(keys).error());
  out.keys = std::move(*keys);
  auto new_image = optional_map(*dynamodb, "NewImage");
  if (!new_image) return unexpected(std::move(new_image).error());
  out.new_image = std::move(*new_image);
  auto old_image = optional_map(*dynamodb, "OldImage");
  if (!old_image) return unexpected(std::move(old_image).error());
  out.old_image = std::move(*old_image);
  out.raw = record;
  return out;
}

std::vector<Shard> order_by_lineage(std::vector<Shard> shards) {
  std::unordered_set<std::string> known;
  for (const auto& s : shards)
    known.insert(s.id);
  std::vector<Shard> ordered;
  ordered.reserve(shards.size());
  std::unordered_set<std::string> placed;
  // Repeatedly place shards whose parent is placed or unknown (expired): O(n^2) worst, n is small.
  while (ordered.size() < shards.size()) {
    bool progress = false;
    for (auto& s : shards) {
      if (placed.contains(s.id)) continue;
      if (s.parent_id.empty() || !known.contains(s.parent_id) || placed.contains(s.parent_id)) {
        placed.insert(s.id);
        ordered.push_back(s);
        progress = true;
      }
    }
    if (!progress) break;  // a cycle cannot happen in DynamoDB; stop rather than loop
  }
  return ordered;
}

DynamoDbStreamsClient::DynamoDbStreamsClient(ClientConfig config)
    : client_(dynamodb_streams_service(), std::move(config)) {}

Expected<DynamoDbStreamsClient, std::string> DynamoDbStreamsClient::from_env(const EnvLookup& env) {
  auto config = load_client_config(env, dynamodb_streams_service());
  if (!config) return unexpected(std::move(config).error());
  return DynamoDbStreamsClient(std::move(*config));
}

Expected<std::vector<StreamSummary>, Error> DynamoDbStreamsClient::list_streams(
    const std::string& table) {
  std::vector<StreamSummary> out;
  std::string start;
  do {
    json::Value body = body_with("TableName", table);
    if (!start.empty()) body.set("ExclusiveStartStreamArn", start);
    auto response = client_.call("ListStreams", json::serialize(body));
    if (!response) return unexpected(std::move(response).error());
    if (const auto* streams = response->find("Streams");
        streams != nullptr && streams->is_array()) {
      for (const auto& s : streams->as_array()) {
        out.push_back(StreamSummary{std::string(s.get_string("StreamArn").value_or("")),
                                    std::string(s.get_string("TableName").value_or("")),
                                    std::string(s.get_string("StreamLabel").value_or(""))});
      }
    }
    start = std::string(response->get_string("LastEvaluatedStreamArn").value_or(""));
  } while (!start.empty());
  return out;
}

Expected<StreamDescription, Error> DynamoDbStreamsClient::describe_stream(
    const std::string& stream_arn, const std::string& exclusive_start_shard_id) {
  json::Value body = body_with("StreamArn", stream_arn);
  if (!exclusive_start_shard_id.empty())
    body.set("ExclusiveStartShardId", exclusive_start_shard_id);
  auto response = client_.call("DescribeStream", json::serialize(body));
  if (!response) return unexpected(std::move(response).error());
  const json::Value* d = response->find("StreamDescription");
  if (d == nullptr || !d->is_object()) return unexpected(bad_response("no StreamDescription"));
  StreamDescription out;
  out.arn = std::string(d->get_string("StreamArn").value_or(""));
  out.label = std::string(d->get_string("StreamLabel").value_or(""));
  out.status = std::string(d->get_string("StreamStatus").value_or(""));
  out.view_type = std::string(d->get_string("StreamViewType").value_or(""));
  out.table = std::string(d->get_string("TableName").value_or(""));
  out.last_evaluated_shard_id = std::string(d->get_string("LastEvaluatedShardId").value_or(""));
  if (const auto* shards = d->find("Shards"); shards != nullptr && shards->is_array()) {
    for (const auto& s : shards->as_array()) {
      Shard shard;
      shard.id = std::string(s.get_string("ShardId").value_or(""));
      shard.parent_id = std::string(s.get_string("ParentShardId").value_or(""));
      if (const auto* range = s.find("SequenceNumberRange")) {
        shard.starting_sequence_number =
            std::string(range->get_string("StartingSequenceNumber").value_or(""));
        shard.ending_sequence_number =
            std::string(range->get_string("EndingSequenceNumber").value_or(""));
      }
      out.shards.push_back(std::move(shard));
    }
  }
  return out;
}

Expected<StreamDescription, Error> DynamoDbStreamsClient::describe_stream_all_shards(
    const std::string& stream_arn) {
  auto first = describe_stream(stream_arn);
  if (!first) return first;
  StreamDescription all = std::move(*first);
  std::set<std::string> seen_pages;
  while (!all.last_evaluated_shard_id.empty() &&
         seen_pages.insert(all.last_evaluated_shard_id).second) {
    auto next = describe_stream(stream_arn, all.last_evaluated_shard_id);
    if (!next) return next;
    for (auto& s : next->shards)
      all.shards.push_back(std::move(s));
    all.last_evaluated_shard_id = next->last_evaluated_shard_id;
  }
  all.last_evaluated_shard_id.clear();
  all.shards = order_by_lineage(std::move(all.shards));
  return all;
}

Expected<std::string, Error> DynamoDbStreamsClient::get_shard_iterator(
    const std::string& stream_arn, const std::string& shard_id, IteratorType type,
    const std::string& sequence_number) {
  json::Value body = body_with("StreamArn", stream_arn);
  body.set("ShardId", shard_id);
  switch (type) {
    case IteratorType::trim_horizon:
      body.set("ShardIteratorType", "TRIM_HORIZON");
      break;
    case IteratorType::latest:
      body.set("ShardIteratorType", "LATEST");
      break;
    case IteratorType::at_sequence_number:
      body.set("ShardIteratorType", "AT_SEQUENCE_NUMBER");
      break;
    case IteratorType::after_sequence_number:
      body.set("ShardIteratorType", "AFTER_SEQUENCE_NUMBER");
      break;
  }
  if (type == IteratorType::at_sequence_number || type == IteratorType::after_sequence_number) {
    body.set("SequenceNumber", sequence_number);
  }
  auto response = client_.call("GetShardIterator", json::serialize(body));
  if (!response) return unexpected(std::move(response).error());
  auto iterator = response->get_string("ShardIterator");
  if (!iterator) return unexpected(bad_response("no ShardIterator"));
  return std::string(*iterator);
}

Expected<RecordsPage, Error> DynamoDbStreamsClient::get_records(const std::string& iterator,
                                                                std::optional<int> limit) {
  json::Value body = body_with("ShardIterator", iterator);
  if (limit) body.set("Limit", json::Value::integer(*limit));
  auto response = client_.call("GetRecords", json::serialize(body));
  if (!response) return unexpected(std::move(response).error());
  RecordsPage page;
  if (const auto* records = response->find("Records"); records != nullptr && records->is_array()) {
    page.records.reserve(records->as_array().size());
    for (const auto& r : records->as_array()) {
      auto record = stream_record_from_json(r);
      if (!record) return unexpected(bad_response(record.error()));
      page.records.push_back(std::move(*record));
    }
  }
  page.next_iterator = std::string(response->get_string("NextShardIterator").value_or(""));
  return page;
}

}  // namespace streamcache::aws
