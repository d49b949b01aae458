// Client configuration pointing at a local endpoint with fixed test credentials.
#pragma once

#include "aws/service_client.h"

namespace streamcache::testing {

inline aws::ClientConfig local_config(const std::string& endpoint) {
  aws::ClientConfig config;
  config.region = "us-east-1";
  config.credentials = {"testing", "testing", ""};
  config.endpoint = endpoint;
  config.http.request_timeout = std::chrono::seconds(10);
  return config;
}

}  // namespace streamcache::testing
