// The DynamoDB Streams event Lambda's event source mapping builds from the records GetRecords
// returned. Pure functions; shared by the local stack's mapping (src/local) and the redrive command
// (src/redrive), which replays failed batches through the stream handler's path.
#pragma once

#include <span>
#include <string>

#include "aws/dynamodb_streams.h"
#include "json/json.h"

namespace streamcache::lambda::events {

struct StreamSource {
  std::string event_source_arn;  // the stream ARN
  std::string region;
};

// One element of "Records": GetRecords' record with eventSource "aws:dynamodb", awsRegion,
// eventSourceARN and a numeric dynamodb.ApproximateCreationDateTime (whole epoch seconds).
json::Value to_lambda_record(const aws::StreamRecord& record, const StreamSource& source);

// {"Records":[...]} as JSON text.
std::string build_stream_event(std::span<const aws::StreamRecord> records,
                               const StreamSource& source);

}  // namespace streamcache::lambda::events
