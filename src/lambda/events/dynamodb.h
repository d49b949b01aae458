// DynamoDB Streams events as the Lambda event source mapping delivers them, and the partial batch
// response. Item images stay DynamoDB JSON (AttributeValue maps such as {"id":{"S":"a"}}) as
// json::Value with exact numbers; converting them to AttributeValues is aws/'s job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "lambda/events/common.h"

namespace streamcache::lambda::events {

enum class StreamEventName { insert, modify, remove };
std::string_view to_string(StreamEventName name);  // "INSERT", "MODIFY", "REMOVE"

// The "dynamodb" member of a record.
struct StreamRecord {
  std::optional<json::Number> approximate_creation_date_time;  // epoch seconds, as written
  json::Value keys;       // DynamoDB JSON map; null when absent
  json::Value new_image;  // present for NEW_IMAGE / NEW_AND_OLD_IMAGES on INSERT and MODIFY
  json::Value old_image;  // present for OLD_IMAGE / NEW_AND_OLD_IMAGES on MODIFY and REMOVE
  std::string sequence_number;
  std::int64_t size_bytes = 0;
  std::string stream_view_type;
  bool operator==(const StreamRecord&) const = default;
};

struct StreamUserIdentity {
  std::string type;          // "Service" for TTL deletes
  std::string principal_id;  // "dynamodb.amazonaws.com" for TTL deletes
  bool operator==(const StreamUserIdentity&) const = default;
};

struct DynamoDbRecord {
  std::string event_id;
  StreamEventName event_name = StreamEventName::insert;  // required
  std::string event_version;
  std::string event_source;  // "aws:dynamodb"
  std::string aws_region;
  std::string event_source_arn;
  StreamRecord dynamodb;  // required
  std::optional<StreamUserIdentity> user_identity;
  // True for a REMOVE that DynamoDB's time-to-live made (not a client's DeleteItem).
  [[nodiscard]] bool is_ttl_delete() const;
  bool operator==(const DynamoDbRecord&) const = default;
};

struct DynamoDbEvent {
  std::vector<DynamoDbRecord> records;  // "Records", required
  bool operator==(const DynamoDbEvent&) const = default;
};

EventResult<DynamoDbEvent> read_dynamodb_event(const json::Value& event);
EventResult<DynamoDbEvent> parse_dynamodb_event(std::string_view event_json);
// One record (what an element of "Records" holds).
EventResult<DynamoDbRecord> read_dynamodb_record(const json::Value& record);
// The same, moving the images (Keys, NewImage, OldImage) out of `record` instead of copying them.
EventResult<DynamoDbRecord> read_dynamodb_record(json::Value&& record);
json::Value to_json(const DynamoDbEvent& event);
json::Value to_json(const DynamoDbRecord& record);

// Partial batch response (ReportBatchItemFailures): for DynamoDB Streams the identifier is the
// record's dynamodb.SequenceNumber; Lambda retries from the lowest failed one.
struct BatchItemFailure {
  std::string item_identifier;
  bool operator==(const BatchItemFailure&) const = default;
};

struct BatchResponse {
  std::vector<BatchItemFailure> batch_item_failures;
  bool operator==(const BatchResponse&) const = default;
};

EventResult<BatchResponse> read_batch_response(const json::Value& response);
EventResult<BatchResponse> parse_batch_response(std::string_view response_json);
json::Value to_json(const BatchResponse& response);
std::string serialize(const BatchResponse& response);

}  // namespace streamcache::lambda::events
