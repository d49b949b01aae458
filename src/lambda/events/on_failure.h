// The record Lambda sends to a DynamoDB Streams event source mapping's on-failure destination (an
// SQS message body, an SNS message; the local stack's JSON-lines file): it says where the discarded
// batch lies in the stream (shard, first and last sequence number), it does not carry the records.
// Shape documented in the Lambda developer guide ("Retain discarded records for a DynamoDB event
// source"): requestContext, responseContext, version, timestamp, DDBStreamBatchInfo.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "json/json.h"
#include "lambda/events/common.h"

namespace streamcache::lambda::events {

struct DdbStreamBatchInfo {
  std::string shard_id;                             // required
  std::string start_sequence_number;                // required: decimal digits
  std::string end_sequence_number;                  // required: decimal digits
  std::string stream_arn;                           // required
  std::int64_t batch_size = 0;                      // records in the batch; 0 when absent
  std::string approximate_arrival_of_first_record;  // ISO 8601; "" when absent
  std::string approximate_arrival_of_last_record;
  bool operator==(const DdbStreamBatchInfo&) const = default;
};

struct StreamOnFailureRecord {
  // requestContext (absent in EventBridge Pipes' variant, which has "context"): informative only.
  std::string request_id;
  std::string function_arn;
  std::string condition;  // RetryAttemptsExhausted, RecordAgeExceeded, ...
  std::int64_t approximate_invoke_count = 0;
  std::string version;       // "1.0"
  std::string timestamp;     // when Lambda gave the batch up
  DdbStreamBatchInfo batch;  // "DDBStreamBatchInfo": required, what a redrive needs
  bool operator==(const StreamOnFailureRecord&) const = default;
};

// Only DDBStreamBatchInfo's shard, sequence numbers and stream ARN are required; the error names
// the field ("DDBStreamBatchInfo.startSequenceNumber: expected decimal digits, got \"x\"").
EventResult<StreamOnFailureRecord> read_stream_on_failure_record(const json::Value& record);
EventResult<StreamOnFailureRecord> parse_stream_on_failure_record(std::string_view record_json);

}  // namespace streamcache::lambda::events
