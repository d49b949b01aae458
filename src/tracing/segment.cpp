#include "tracing/segment.h"

#include <cmath>
#include <cstdio>

#include "common/json_string.h"

namespace streamcache::tracing {

namespace {

constexpr std::size_t kMaxNameCharacters = 200;

// Times with microseconds: what the SDKs send, and exact in a double for centuries to come.
void append_time(std::string& out, double seconds) {
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof buffer, "%.6f", seconds);
  out.append(buffer, static_cast<std::size_t>(n));
}

void append_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "0";
    return;
  }
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof buffer, "%.17g", value);
  out.append(buffer, static_cast<std::size_t>(n));
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value);
}

// The first `limit` UTF-8 characters of `text` (continuation bytes do not count).
std::string_view cut_characters(std::string_view text, std::size_t limit) {
  std::size_t characters = 0;
  for (std::size_t k = 0; k < text.size(); ++k) {
    if ((static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) continue;
    if (characters++ == limit) return text.substr(0, k);
  }
  return text;
}

void append_aws(std::string& out, const AwsCall& aws) {
  out += ",\"aws\":{\"operation\":";
  append_json_string(out, aws.operation);
  if (!aws.region.empty()) append_field(out, "region", aws.region);
  if (!aws.request_id.empty()) append_field(out, "request_id", aws.request_id);
  if (!aws.table_name.empty()) append_field(out, "table_name", aws.table_name);
  if (aws.retries >= 0) {
    out += ",\"retries\":";
    out += std::to_string(aws.retries);
  }
  out += '}';
}

void append_annotations(std::string& out, const std::vector<Annotation>& annotations) {
  bool first = true;
  for (const Annotation& a : annotations) {
    if (!is_annotation_key(a.key)) continue;
    out += first ? ",\"annotations\":{" : ",";
    first = false;
    append_json_string(out, a.key);
    out += ':';
    if (const auto* text = std::get_if<std::string>(&a.value)) {
      append_json_string(out, *text);
    } else if (const auto* number = std::get_if<double>(&a.value)) {
      append_number(out, *number);
    } else {
      out += std::get<bool>(a.value) ? "true" : "false";
    }
  }
  if (!first) out += '}';
}

}  // namespace

bool is_annotation_key(std::string_view key) {
  if (key.empty() || key.size() > 500) return false;
  for (const char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

double epoch_seconds(std::chrono::system_clock::time_point t) {
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return static_cast<double>(us) / 1e6;
}

std::string segment_document(const Segment& s) {
  std::string out;
  out.reserve(512);
  out += "{\"name\":";
  append_json_string(out, cut_characters(s.name, kMaxNameCharacters));
  append_field(out, "id", s.id);
  append_field(out, "trace_id", s.trace_id);
  if (!s.parent_id.empty()) append_field(out, "parent_id", s.parent_id);
  if (s.subsegment) append_field(out, "type", "subsegment");
  if (!s.origin.empty()) append_field(out, "origin", s.origin);
  if (!s.namespace_name.empty()) append_field(out, "namespace", s.namespace_name);
  out += ",\"start_time\":";
  append_time(out, s.start_time);
  out += ",\"end_time\":";
  append_time(out, s.end_time);
  if (s.fault) out += ",\"fault\":true";
  if (s.error || s.throttle) out += ",\"error\":true";
  if (s.throttle) out += ",\"throttle\":true";
  if (!s.cause.empty()) {
    out += ",\"cause\":{\"exceptions\":[{\"id\":";
    append_json_string(out, s.id);  // one exception per segment: the segment's id is unique
    out += ",\"message\":";
    append_json_string(out, s.cause);
    out += "}]}";
  }
  if (s.http_status != 0) {
    out += ",\"http\":{\"response\":{\"status\":";
    out += std::to_string(s.http_status);
    out += "}}";
  }
  if (s.has_aws) append_aws(out, s.aws);
  append_annotations(out, s.annotations);
  if (!s.metadata.empty()) {
    out += ",\"metadata\":{\"default\":{";
    bool first = true;
    for (const auto& [key, value] : s.metadata) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, key);
      out += ':';
      append_json_string(out, value);
    }
    out += "}}";
  }
  out += '}';
  return out;
}

std::string daemon_datagram(std::string_view document) {
  if (kDaemonHeader.size() + document.size() > kMaxDatagramBytes) return {};
  std::string out;
  out.reserve(kDaemonHeader.size() + document.size());
  out += kDaemonHeader;
  out += document;
  return out;
}

}  // namespace streamcache::tracing
