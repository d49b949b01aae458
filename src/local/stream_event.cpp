#include "local/stream_event.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace streamcache::local {

namespace {

std::string iso8601_of_seconds(double seconds) {
  const auto ms = static_cast<std::int64_t>(std::llround(seconds * 1000));
  return iso8601(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point time) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[96];  // room for any int the compiler cannot rule out
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buffer;
}

json::Value on_failure_record(std::span<const aws::StreamRecord> records, const FailedBatch& info) {
  json::Value request = json::Object{};
  request.set("requestId", info.request_id);
  request.set("functionArn", info.function_arn);
  request.set("condition", info.condition == FailureCondition::retry_attempts_exhausted
                               ? "RetryAttemptsExhausted"
                               : "RecordAgeExceeded");
  request.set("approximateInvokeCount", json::Value::integer(info.invoke_count));

  json::Value response = json::Object{};
  response.set("statusCode", json::Value::integer(200));
  response.set("executedVersion", "$LATEST");
  if (!info.function_error.empty()) response.set("functionError", info.function_error);

  json::Value batch = json::Object{};
  batch.set("shardId", info.shard_id);
  if (!records.empty()) {
    batch.set("startSequenceNumber", records.front().sequence_number);
    batch.set("endSequenceNumber", records.back().sequence_number);
    batch.set("approximateArrivalOfFirstRecord",
              iso8601_of_seconds(records.front().approximate_creation_time));
    batch.set("approximateArrivalOfLastRecord",
              iso8601_of_seconds(records.back().approximate_creation_time));
  }
  batch.set("batchSize", json::Value::integer(static_cast<std::int64_t>(records.size())));
  batch.set("streamArn", info.stream_arn);

  json::Value out = json::Object{};
  out.set("requestContext", std::move(request));
  out.set("responseContext", std::move(response));
  out.set("version", "1.0");
  out.set("timestamp", iso8601(info.time));
  out.set("DDBStreamBatchInfo", std::move(batch));
  return out;
}

}  // namespace streamcache::local
