// X-Ray segment documents (the documented JSON format, schema v1.0.0) and the daemon's datagram:
// `{"format": "json", "version": 1}` + "\n" + document, at most 64 KB. Pure: no I/O, no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamcache::tracing {

inline constexpr std::size_t kMaxDatagramBytes = 64 * 1024;  // the daemon's UDP limit
inline constexpr std::string_view kDaemonHeader = "{\"format\": \"json\", \"version\": 1}\n";

// X-Ray indexes annotations for filter expressions: keys are letters, digits and '_' (others are
// refused by the service), values a string, a number or a boolean.
struct Annotation {
  std::string key;
  std::variant<std::string, double, bool> value;
};

// The `aws` object of a subsegment for an AWS SDK call.
struct AwsCall {
  std::string operation;   // "GetItem"
  std::string region;      // "us-east-1"
  std::string request_id;  // x-amzn-RequestId of the answer; empty when none arrived
  std::string table_name;  // DynamoDB calls
  int retries = -1;        // attempts after the first; negative: left out
};

// A segment, or a subsegment sent on its own (`type: "subsegment"` with trace_id and parent_id).
struct Segment {
  std::string name;  // up to 200 characters (letters, digits, spaces, _.:/%&#=+\-@)
  std::string id;    // 16 hex digits
  std::string trace_id;
  std::string parent_id;  // the caller's segment (subsegments: required)
  bool subsegment = true;
  std::string origin;          // segments only, e.g. "AWS::Lambda::Function"
  std::string namespace_name;  // subsegments: "aws" for AWS SDK calls, "remote" for others
  double start_time = 0;       // epoch seconds with fractions
  double end_time = 0;
  bool error = false;     // a 4xx-like failure of the call
  bool throttle = false;  // throttled (429 or a throttling code); implies error
  bool fault = false;     // a 5xx-like failure (the service or the transport)
  int http_status = 0;    // http.response.status; 0: left out
  std::string cause;      // cause.exceptions[0].message when the call failed
  bool has_aws = false;
  AwsCall aws;
  std::vector<Annotation> annotations;
  std::vector<std::pair<std::string, std::string>> metadata;  // metadata.default, string values
};

// Whether `key` may be an annotation key: 1 to 500 characters, letters, digits and '_'.
bool is_annotation_key(std::string_view key);

// The segment document as one JSON object (no newline). Annotations with invalid keys are left
// out; names are cut to 200 characters.
std::string segment_document(const Segment& segment);

// The UDP payload for the daemon; empty when it would be over kMaxDatagramBytes.
std::string daemon_datagram(std::string_view document);

// Epoch seconds with microseconds, the documented time format (1.478293361271E9 style).
double epoch_seconds(std::chrono::system_clock::time_point t);

}  // namespace streamcache::tracing
