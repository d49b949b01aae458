// Reads the records a failed batch names back from the stream: a shard iterator AT_SEQUENCE_NUMBER
// the batch's first sequence number, then GetRecords (following NextShardIterator) until its last
// sequence number is passed. Keeps the records with first <= sequence number <= last.
#pragma once

#include <string>
#include <vector>

#include "aws/dynamodb_streams.h"
#include "common/expected.h"
#include "lambda/events/on_failure.h"

namespace streamcache::redrive {

struct FetchError {
  enum class Kind {
    past_retention,  // TrimmedDataAccessException, or the stream/shard no longer exists
    not_found,       // the stream never got to the batch's last record (a wrong sequence number)
    failed,          // any other error (access denied, unavailable after the retries, ...)
  };
  Kind kind = Kind::failed;
  std::string message;
};

struct FetchOptions {
  // An open shard answers empty pages once read to its end (and, rarely, before records): this
  // many in a row without reaching the batch's last record means the record is not there.
  int max_empty_pages = 20;
  int page_limit = 1000;  // GetRecords Limit (DynamoDB Streams' maximum)
};

Expected<std::vector<aws::StreamRecord>, FetchError> fetch_batch_records(
    aws::DynamoDbStreamsClient& streams, const lambda::events::DdbStreamBatchInfo& batch,
    const FetchOptions& options = {});

}  // namespace streamcache::redrive
