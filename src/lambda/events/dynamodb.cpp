#include "lambda/events/dynamodb.h"

#include <array>
#include <utility>

#include "lambda/events/json_reader.h"

namespace streamcache::lambda::events {

namespace {

using detail::ErrorSink;
using detail::ObjectReader;

EventError parse_error(const json::ParseError& error) {
  return EventError{"", "event is not valid JSON: " + error.message};
}

StreamEventName read_event_name(ObjectReader& record, ErrorSink& sink) {
  const std::string name = record.required_string("eventName");
  if (name == "INSERT") return StreamEventName::insert;
  if (name == "MODIFY") return StreamEventName::modify;
  if (name == "REMOVE") return StreamEventName::remove;
  if (!sink.failed()) {
    sink.fail(record.path_of("eventName"),
              "expected INSERT, MODIFY or REMOVE, got \"" + name + "\"");
  }
  return StreamEventName::insert;
}

DynamoDbRecord read_record(const json::Value* value, std::string path, ErrorSink& sink) {
  ObjectReader root(value, std::move(path), sink, false);
  DynamoDbRecord r;
  r.event_id = root.string("eventID");
  r.event_name = read_event_name(root, sink);
  r.event_version = root.string("eventVersion");
  r.event_source = root.string("eventSource");
  r.aws_region = root.string("awsRegion");
  r.event_source_arn = root.string("eventSourceARN");
  if (ObjectReader identity = root.object("userIdentity"); identity.present()) {
    r.user_identity = StreamUserIdentity{identity.string("type"), identity.string("principalId")};
  }
  ObjectReader db = root.object("dynamodb", false);
  auto& s = r.dynamodb;
  s.approximate_creation_date_time = db.number("ApproximateCreationDateTime");
  s.keys = db.object_value("Keys");
  s.new_image = db.object_value("NewImage");
  s.old_image = db.object_value("OldImage");
  s.sequence_number = db.string("SequenceNumber");
  s.size_bytes = db.integer("SizeBytes");
  s.stream_view_type = db.string("StreamViewType");
  return r;
}

}  // namespace

std::string_view to_string(StreamEventName name) {
  switch (name) {
    case StreamEventName::insert:
      return "INSERT";
    case StreamEventName::modify:
      return "MODIFY";
    case StreamEventName::remove:
      return "REMOVE";
  }
  return "INSERT";
}

bool DynamoDbRecord::is_ttl_delete() const {
  return event_name == StreamEventName::remove && user_identity &&
         user_identity->type == "Service" &&
         user_identity->principal_id == "dynamodb.amazonaws.com";
}

EventResult<DynamoDbRecord> read_dynamodb_record(const json::Value& record) {
  ErrorSink sink;
  DynamoDbRecord r = read_record(&record, "", sink);
  if (sink.failed()) return unexpected(sink.error());
  return r;
}

EventResult<DynamoDbRecord> read_dynamodb_record(json::Value&& record) {
  // The images are most of a record's bytes: move them out and let the reader see them absent.
  // Anything that is not an object stays in place, for the reader to report.
  constexpr std::array<std::string_view, 3> kImageNames = {"Keys", "NewImage", "OldImage"};
  std::array<json::Value, 3> images;
  if (json::Value* db = record.find("dynamodb"); db != nullptr && db->is_object()) {
    for (std::size_t i = 0; i < 3; ++i) {
      json::Value* image = db->find(kImageNames[i]);
      if (image != nullptr && image->is_object()) images[i] = std::exchange(*image, json::Value());
    }
  }
  auto read = read_dynamodb_record(std::as_const(record));
  if (!read) return read;
  read->dynamodb.keys = std::move(images[0]);
  read->dynamodb.new_image = std::move(images[1]);
  read->dynamodb.old_image = std::move(images[2]);
  return read;
}

EventResult<DynamoDbEvent> read_dynamodb_event(const json::Value& event) {
  ErrorSink sink;
  ObjectReader root(&event, "", sink, false);
  DynamoDbEvent out;
  if (const json::Array* records = root.array("Records", false)) {
    out.records.reserve(records->size());
    for (std::size_t i = 0; i < records->size() && !sink.failed(); ++i) {
      out.records.push_back(
          read_record(&(*records)[i], "Records[" + std::to_string(i) + "]", sink));
    }
  }
  if (sink.failed()) return unexpected(sink.error());
  return out;
}

EventResult<DynamoDbEvent> parse_dynamodb_event(std::string_view event_json) {
  auto value = json::parse(event_json);
  if (!value) return unexpected(parse_error(value.error()));
  return read_dynamodb_event(*value);
}

json::Value to_json(const DynamoDbRecord& r) {
  const auto& s = r.dynamodb;
  json::Value db = json::Object{};
  if (s.approximate_creation_date_time) {
    db.set("ApproximateCreationDateTime", *s.approximate_creation_date_time);
  }
  if (!s.keys.is_null()) db.set("Keys", s.keys);
  if (!s.new_image.is_null()) db.set("NewImage", s.new_image);
  if (!s.old_image.is_null()) db.set("OldImage", s.old_image);
  db.set("SequenceNumber", s.sequence_number);
  db.set("SizeBytes", json::Value::integer(s.size_bytes));
  db.set("StreamViewType", s.stream_view_type);

  json::Value out = json::Object{};
  out.set("eventID", r.event_id);
  out.set("eventName", to_string(r.event_name));
  out.set("eventVersion", r.event_version);
  out.set("eventSource", r.event_source);
  out.set("awsRegion", r.aws_region);
  out.set("dynamodb", std::move(db));
  out.set("eventSourceARN", r.event_source_arn);
  if (r.user_identity) {
    json::Value identity = json::Object{};
    identity.set("type", r.user_identity->type);
    identity.set("principalId", r.user_identity->principal_id);
    out.set("userIdentity", std::move(identity));
  }
  return out;
}

json::Value to_json(const DynamoDbEvent& event) {
  json::Array records;
  records.reserve(event.records.size());
  for (const auto& r : event.records)
    records.push_back(to_json(r));
  json::Value out = json::Object{};
  out.set("Records", std::move(records));
  return out;
}

EventResult<BatchResponse> read_batch_response(const json::Value& response) {
  ErrorSink sink;
  ObjectReader root(&response, "", sink, false);
  BatchResponse out;
  if (const json::Array* failures = root.array("batchItemFailures")) {
    for (std::size_t i = 0; i < failures->size() && !sink.failed(); ++i) {
      ObjectReader failure(&(*failures)[i], "batchItemFailures[" + std::to_string(i) + "]", sink,
                           false);
      out.batch_item_failures.push_back(
          BatchItemFailure{failure.required_string("itemIdentifier")});
    }
  }
  if (sink.failed()) return unexpected(sink.error());
  return out;
}

EventResult<BatchResponse> parse_batch_response(std::string_view response_json) {
  auto value = json::parse(response_json);
  if (!value) return unexpected(parse_error(value.error()));
  return read_batch_response(*value);
}

json::Value to_json(const BatchResponse& response) {
  json::Array failures;
  failures.reserve(response.batch_item_failures.size());
  for (const auto& f : response.batch_item_failures) {
    json::Value item = json::Object{};
    item.set("itemIdentifier", f.item_identifier);
    failures.push_back(std::move(item));
  }
  json::Value out = json::Object{};
  out.set("batchItemFailures", std::move(failures));
  return out;
}

std::string serialize(const BatchResponse& response) {
  return json::serialize(to_json(response));
}

}  // namespace streamcache::lambda::events
