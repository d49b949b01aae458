// A raw HTTP/1.1 request as the AWS SigV4 test suite writes it (request.txt): request line,
// header lines (duplicates kept in order, obs-fold continuation lines unfolded), blank line, body.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.h"
#include "http/client.h"

namespace streamcache::aws::testing {

struct RawRequest {
  http::Request request;
  std::string head;  // request line and header lines exactly as written, each ending in "\n"
};

// Accepts "\n" or "\r\n" line ends. The target may contain spaces (the suite's get-space case):
// the method ends at the first space and the version starts after the last one.
Expected<RawRequest, std::string> parse_raw_request(std::string_view text);

}  // namespace streamcache::aws::testing
