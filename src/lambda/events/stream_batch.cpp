#include "lambda/events/stream_batch.h"

#include <cmath>
#include <cstdlib>

namespace streamcache::lambda::events {

namespace {

// GetRecords gives epoch seconds as a number (moto: fractional); Lambda delivers whole seconds.
json::Value whole_seconds(const json::Value& value) {
  if (value.is_number()) {
    const double seconds = std::strtod(value.as_number().text.c_str(), nullptr);
    return json::Value::integer(static_cast<std::int64_t>(std::floor(seconds)));
  }
  return value;
}

}  // namespace

json::Value to_lambda_record(const aws::StreamRecord& record, const StreamSource& source) {
  const json::Value& raw = record.raw;
  json::Value out = json::Object{};
  out.set("eventID", raw.get_string("eventID").value_or(""));
  out.set("eventName", raw.get_string("eventName").value_or(""));
  out.set("eventVersion", raw.get_string("eventVersion").value_or("1.1"));
  out.set("eventSource", "aws:dynamodb");
  out.set("awsRegion", source.region);
  if (const json::Value* identity = raw.find("userIdentity");
      identity != nullptr && identity->is_object()) {
    out.set("userIdentity", *identity);
  }
  json::Value dynamodb = json::Object{};
  if (const json::Value* d = raw.find("dynamodb"); d != nullptr && d->is_object()) {
    for (const auto& member : d->as_object()) {
      dynamodb.set(member.name, member.name == "ApproximateCreationDateTime"
                                    ? whole_seconds(member.value)
                                    : member.value);
    }
  }
  out.set("dynamodb", std::move(dynamodb));
  out.set("eventSourceARN", source.event_source_arn);
  return out;
}

std::string build_stream_event(std::span<const aws::StreamRecord> records,
                               const StreamSource& source) {
  json::Array list;
  list.reserve(records.size());
  for (const auto& r : records)
    list.push_back(to_lambda_record(r, source));
  json::Value event = json::Object{};
  event.set("Records", std::move(list));
  return json::serialize(event);
}

}  // namespace streamcache::lambda::events
