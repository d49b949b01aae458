// DynamoDB Streams events as Lambda's event source mapping builds them
// (lambda/events/stream_batch.h, shared with the redrive command), and the record Lambda sends to
// an on-failure destination. Pure functions over the records GetRecords returned.
#pragma once

#include <chrono>
#include <span>
#include <string>

#include "aws/dynamodb_streams.h"
#include "json/json.h"
#include "lambda/events/stream_batch.h"

namespace streamcache::local {

using lambda::events::build_stream_event;
using lambda::events::StreamSource;
using lambda::events::to_lambda_record;

// Why a batch went to the on-failure destination (Lambda's requestContext.condition).
enum class FailureCondition { retry_attempts_exhausted, record_age_exceeded };

struct FailedBatch {
  FailureCondition condition = FailureCondition::retry_attempts_exhausted;
  std::string function_arn;
  std::string shard_id;
  std::string stream_arn;
  std::string request_id;      // of the last invocation; empty when none was made
  int invoke_count = 0;        // approximateInvokeCount
  std::string function_error;  // "Unhandled" for errors and timeouts; empty for partial failures
  std::chrono::system_clock::time_point time;
};

// The on-failure record for DynamoDB Streams (version 1.0 with DDBStreamBatchInfo): it points to
// the records (shard, first and last sequence number), it does not carry them.
json::Value on_failure_record(std::span<const aws::StreamRecord> records, const FailedBatch& info);

// "2024-05-01T12:00:00.042Z"
std::string iso8601(std::chrono::system_clock::time_point time);

}  // namespace streamcache::local
