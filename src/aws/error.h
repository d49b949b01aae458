// The AWS layer's one error type: what went wrong, typed so callers decide without parsing text.
#pragma once

#include <string>
#include <string_view>

#include "http/client.h"

namespace streamcache::aws {

enum class ErrorKind {
  conditional_check_failed,  // ConditionalCheckFailedException: the write's condition was false
  resource_not_found,        // table, stream, shard or secret does not exist
  resource_in_use,           // e.g. CreateTable on an existing table
  validation,                // the request is invalid; retrying cannot help
  throttled,                 // throttling codes, after the retries
  unavailable,               // 5xx, connection errors and timeouts, after the retries
  access_denied,             // credentials or permissions
  expired_iterator,          // ExpiredIteratorException (Streams): get a new iterator
  trimmed_data,              // TrimmedDataAccessException (Streams): the records are past retention
  other,                     // any other service error (see code)
};

struct Error {
  ErrorKind kind = ErrorKind::other;
  std::string code;     // the service's error code, e.g. "ProvisionedThroughputExceededException"
  std::string message;  // the service's (or transport's) message
  int http_status = 0;  // 0 when no response arrived
  int attempts = 1;     // how many times the request was sent
  std::string body;     // the raw error body (e.g. ALL_OLD item of a failed condition)

  // "ConditionalCheckFailedException: The conditional request failed (HTTP 400, 1 attempt)"
  [[nodiscard]] std::string describe() const;
};

std::string_view to_string(ErrorKind kind);

// Maps an HTTP error response of a JSON-protocol service to an Error: the code comes from
// X-Amzn-ErrorType or `__type` (the part after '#', before ':'), the message from message/Message.
Error error_from_response(const http::Response& response);

// A response the client could not decode (code SerializationException).
Error malformed_response(std::string message);

// Maps a transport failure (no HTTP response) to an Error of kind unavailable.
Error error_from_transport(const http::Error& error);

// Error codes the AWS SDKs treat as throttling (retried with backoff, kind throttled).
bool is_throttling_code(std::string_view code);
// Error codes the AWS SDKs treat as transient (retried, kind unavailable).
bool is_transient_code(std::string_view code);

}  // namespace streamcache::aws
