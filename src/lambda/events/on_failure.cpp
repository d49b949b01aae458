#include "lambda/events/on_failure.h"

#include <algorithm>

#include "lambda/events/json_reader.h"

namespace streamcache::lambda::events {

namespace {

using detail::ErrorSink;
using detail::ObjectReader;

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

EventResult<StreamOnFailureRecord> read_stream_on_failure_record(const json::Value& record) {
  ErrorSink sink;
  ObjectReader root(&record, "", sink, false);
  StreamOnFailureRecord r;
  if (ObjectReader context = root.object("requestContext"); context.present()) {
    r.request_id = context.string("requestId");
    r.function_arn = context.string("functionArn");
    r.condition = context.string("condition");
    r.approximate_invoke_count = context.integer("approximateInvokeCount");
  }
  r.version = root.string("version");
  r.timestamp = root.string("timestamp");
  ObjectReader info = root.object("DDBStreamBatchInfo", false);
  auto& b = r.batch;
  b.shard_id = info.required_string("shardId");
  b.start_sequence_number = info.required_string("startSequenceNumber");
  b.end_sequence_number = info.required_string("endSequenceNumber");
  b.stream_arn = info.required_string("streamArn");
  b.batch_size = info.integer("batchSize");
  b.approximate_arrival_of_first_record = info.string("approximateArrivalOfFirstRecord");
  b.approximate_arrival_of_last_record = info.string("approximateArrivalOfLastRecord");
  if (!all_digits(b.start_sequence_number)) {
    sink.fail(info.path_of("startSequenceNumber"),
              "expected decimal digits, got \"" + b.start_sequence_number + "\"");
  }
  if (!all_digits(b.end_sequence_number)) {
    sink.fail(info.path_of("endSequenceNumber"),
              "expected decimal digits, got \"" + b.end_sequence_number + "\"");
  }
  if (b.batch_size < 0) sink.fail(info.path_of("batchSize"), "must not be negative");
  if (sink.failed()) return unexpected(sink.error());
  return r;
}

EventResult<StreamOnFailureRecord> parse_stream_on_failure_record(std::string_view record_json) {
  auto parsed = json::parse(record_json);
  if (!parsed) {
    return unexpected(EventError{"", "invalid JSON (" + parsed.error().message + ")"});
  }
  return read_stream_on_failure_record(*parsed);
}

}  // namespace streamcache::lambda::events
