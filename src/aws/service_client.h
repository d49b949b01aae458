// A client for AWS's JSON protocols (awsJson1_0: DynamoDB, DynamoDB Streams; awsJson1_1: Secrets
// Manager): endpoint and credential resolution, SigV4, retries. One keep-alive connection.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "common/deadline.h"
#include "common/env.h"
#include "common/expected.h"
#include "http/client.h"
#include "json/json.h"
#include "tracing/tracer.h"

namespace streamcache::aws {

// What differs between JSON-protocol services.
struct ServiceInfo {
  std::string endpoint_env_suffix;  // AWS_ENDPOINT_URL_<suffix>, e.g. "DYNAMODB_STREAMS"
  std::string host_prefix;          // "dynamodb" → https://dynamodb.<region>.amazonaws.com
  std::string signing_name;         // SigV4 service name, e.g. "dynamodb"
  std::string target_prefix;        // X-Amz-Target prefix, e.g. "DynamoDB_20120810"
  std::string content_type;         // "application/x-amz-json-1.0" or "...-1.1"
};

ServiceInfo dynamodb_service();
ServiceInfo dynamodb_streams_service();
ServiceInfo secrets_manager_service();

struct ClientConfig {
  std::string region;
  Credentials credentials;
  std::string endpoint;  // http(s)://host[:port]
  http::ClientOptions http;
  RetryOptions retry;
  // Test seams: the signing clock and the backoff sleep.
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
};

// The endpoint the AWS SDKs would use: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL
// (both ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then the regional endpoint.
std::string resolve_endpoint(const EnvLookup& env, const ServiceInfo& service,
                             std::string_view region);

// Region, credentials, endpoint and AWS_MAX_ATTEMPTS from the environment; errors say what to set.
Expected<ClientConfig, std::string> load_client_config(const EnvLookup& env,
                                                       const ServiceInfo& service);

class ServiceClient {
 public:
  ServiceClient(ServiceInfo service,
                ClientConfig config);  // throws std::invalid_argument on a bad endpoint

  // POSTs `body` as operation `operation`; the parsed JSON response or a typed error. Every
  // attempt's timeout is min(http.request_timeout, what is left of `deadline`); no attempt or
  // backoff starts that the deadline cannot fit (then: unavailable, code DeadlineExceeded).
  Expected<json::Value, Error> call(std::string_view operation, std::string body,
                                    Deadline deadline = Deadline::never());

  [[nodiscard]] const ClientConfig& config() const { return config_; }

  // Sampled invocations get one X-Ray subsegment per call (namespace aws: operation, region,
  // table, retries, request id) and send X-Amzn-Trace-Id. The tracer outlives the client.
  void set_tracer(tracing::Tracer* tracer) { tracer_ = tracer; }
  [[nodiscard]] tracing::Tracer* tracer() const { return tracer_; }

 private:
  // What a traced call learns about itself.
  struct CallTrace {
    std::string header;  // X-Amzn-Trace-Id to send
    int attempts = 0;
    int status = 0;
    std::string request_id;
  };
  Expected<json::Value, Error> send_with_retries(std::string_view operation, std::string body,
                                                 Deadline deadline, CallTrace* trace);
  Expected<json::Value, Error> traced_call(std::string_view operation, std::string body,
                                           Deadline deadline);

  ServiceInfo service_;
  ClientConfig config_;
  http::Client http_;
  Signer signer_;
  RetryPolicy retry_;
  std::string host_;
  tracing::Tracer* tracer_ = nullptr;
};

}  // namespace streamcache::aws
