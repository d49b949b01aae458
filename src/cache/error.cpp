#include "cache/error.h"

namespace streamcache::cache {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::unavailable:
      return "unavailable";
    case ErrorCode::auth:
      return "auth";
    case ErrorCode::tls:
      return "tls";
    case ErrorCode::protocol:
      return "protocol";
    case ErrorCode::reply:
      return "reply";
  }
  return "unknown";
}

std::string describe(const Error& error) {
  std::string out(to_string(error.code));
  out += ": ";
  out += error.message;
  return out;
}

}  // namespace streamcache::cache
