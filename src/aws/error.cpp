#include "aws/error.h"

#include <array>

#include "json/json.h"

namespace streamcache::aws {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::conditional_check_failed:
      return "conditional_check_failed";
    case ErrorKind::resource_not_found:
      return "resource_not_found";
    case ErrorKind::resource_in_use:
      return "resource_in_use";
    case ErrorKind::validation:
      return "validation";
    case ErrorKind::throttled:
      return "throttled";
    case ErrorKind::unavailable:
      return "unavailable";
    case ErrorKind::access_denied:
      return "access_denied";
    case ErrorKind::expired_iterator:
      return "expired_iterator";
    case ErrorKind::trimmed_data:
      return "trimmed_data";
    case ErrorKind::other:
      return "other";
  }
  return "other";
}

std::string Error::describe() const {
  std::string out = code.empty() ? std::string(to_string(kind)) : code;
  if (!message.empty()) out += ": " + message;
  out += " (";
  if (http_status != 0) out += "HTTP " + std::to_string(http_status) + ", ";
  out += std::to_string(attempts) + (attempts == 1 ? " attempt)" : " attempts)");
  return out;
}

bool is_throttling_code(std::string_view code) {
  static constexpr std::array<std::string_view, 15> kCodes = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
      "ThrottlingError",
  };
  for (auto c : kCodes) {
    if (c == code) return true;
  }
  return false;
}

bool is_transient_code(std::string_view code) {
  return code == "RequestTimeout" || code == "RequestTimeoutException" ||
         code == "InternalServerError" || code == "InternalFailure" ||
         code == "ServiceUnavailable" || code == "InternalServerErrorException";
}

namespace {

// "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException:http://..." →
// "ResourceNotFoundException"
std::string clean_code(std::string_view raw) {
  if (auto colon = raw.find(':'); colon != std::string_view::npos) raw = raw.substr(0, colon);
  if (auto hash = raw.rfind('#'); hash != std::string_view::npos) raw = raw.substr(hash + 1);
  return std::string(raw);
}

ErrorKind kind_for(std::string_view code, int status) {
  if (code == "ConditionalCheckFailedException") return ErrorKind::conditional_check_failed;
  // QueueDoesNotExist: SQS's JSON protocol (AWS.SimpleQueueService.NonExistentQueue in Query).
  if (code == "ResourceNotFoundException" || code == "QueueDoesNotExist") {
    return ErrorKind::resource_not_found;
  }
  if (code == "ResourceInUseException") return ErrorKind::resource_in_use;
  if (code == "ValidationException" || code == "SerializationException" ||
      code == "InvalidParameterException" || code == "InvalidRequestException" ||
      code == "ItemCollectionSizeLimitExceededException") {
    return ErrorKind::validation;
  }
  if (code == "ExpiredIteratorException") return ErrorKind::expired_iterator;
  if (code == "TrimmedDataAccessException") return ErrorKind::trimmed_data;
  if (code == "AccessDeniedException" || code == "UnrecognizedClientException" ||
      code == "InvalidSignatureException" || code == "MissingAuthenticationTokenException" ||
      code == "ExpiredTokenException" || status == 403) {
    return ErrorKind::access_denied;
  }
  if (is_throttling_code(code) || status == 429) return ErrorKind::throttled;
  if (is_transient_code(code) || status >= 500) return ErrorKind::unavailable;
  return ErrorKind::other;
}

}  // namespace

Error error_from_response(const http::Response& response) {
  Error error;
  error.http_status = response.status;
  error.body = response.body;
  if (auto header = response.header("X-Amzn-ErrorType")) error.code = clean_code(*header);
  if (auto parsed = json::parse(response.body); parsed && parsed->is_object()) {
    if (error.code.empty()) {
      if (auto type = parsed->get_string("__type"))
        error.code = clean_code(*type);
      else if (auto code = parsed->get_string("code"))
        error.code = clean_code(*code);
    }
    if (auto message = parsed->get_string("message"))
      error.message = *message;
    else if (auto upper = parsed->get_string("Message"))
      error.message = *upper;
  } else if (!response.body.empty() && response.body.size() < 512) {
    error.message = response.body;
  }
  if (error.code.empty() && error.message.empty())
    error.message = "HTTP " + std::to_string(response.status);
  error.kind = kind_for(error.code, response.status);
  return error;
}

Error malformed_response(std::string message) {
  Error error;
  error.code = "SerializationException";
  error.message = std::move(message);
  return error;
}

Error error_from_transport(const http::Error& transport) {
  Error error;
  error.kind = ErrorKind::unavailable;
  error.code = transport.kind == http::ErrorKind::timeout ? "RequestTimeout" : "NetworkingError";
  error.message = transport.message;
  return error;
}

}  // namespace streamcache::aws
