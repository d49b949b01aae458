#include "aws/service_client.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <thread>

namespace streamcache::aws {

ServiceInfo dynamodb_service() {
  return {"DYNAMODB", "dynamodb", "dynamodb", "DynamoDB_20120810", "application/x-amz-json-1.0"};
}

ServiceInfo dynamodb_streams_service() {
  return {"DYNAMODB_STREAMS", "streams.dynamodb", "dynamodb", "DynamoDBStreams_20120810",
          "application/x-amz-json-1.0"};
}

ServiceInfo secrets_manager_service() {
  return {"SECRETS_MANAGER", "secretsmanager", "secretsmanager", "secretsmanager",
          "application/x-amz-json-1.1"};
}

std::string resolve_endpoint(const EnvLookup& env, const ServiceInfo& service,
                             std::string_view region) {
  auto ignore = non_empty(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!ignore || (*ignore != "true" && *ignore != "TRUE" && *ignore != "1")) {
    if (auto specific = non_empty(env, "AWS_ENDPOINT_URL_" + service.endpoint_env_suffix))
      return *specific;
    if (auto global = non_empty(env, "AWS_ENDPOINT_URL")) return *global;
  }
  const std::string_view suffix =
      region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  return "https://" + service.host_prefix + "." + std::string(region) + std::string(suffix);
}

Expected<ClientConfig, std::string> load_client_config(const EnvLookup& env,
                                                       const ServiceInfo& service) {
  ClientConfig config;
  auto region = resolve_region(env);
  if (!region) return unexpected(region.error());
  config.region = std::move(*region);
  auto credentials = resolve_credentials(env);
  if (!credentials) return unexpected(credentials.error());
  config.credentials = std::move(*credentials);
  config.endpoint = resolve_endpoint(env, service, config.region);
  if (auto parsed = http::parse_url(config.endpoint); !parsed) {
    return unexpected("endpoint for " + service.signing_name + ": " + parsed.error());
  }
  if (auto attempts = non_empty(env, "AWS_MAX_ATTEMPTS")) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(attempts->data(), attempts->data() + attempts->size(), value);
    if (ec != std::errc() || ptr != attempts->data() + attempts->size() || value < 1 ||
        value > 20) {
      return unexpected("AWS_MAX_ATTEMPTS must be an integer from 1 to 20, got '" + *attempts +
                        "'");
    }
    config.retry.max_attempts = value;
  }
  return config;
}

namespace {

http::Url parse_endpoint_or_throw(const std::string& endpoint) {
  auto url = http::parse_url(endpoint);
  if (!url) throw std::invalid_argument(url.error());
  return *url;
}

}  // namespace

ServiceClient::ServiceClient(ServiceInfo service, ClientConfig config)
    : service_(std::move(service)),
      config_(std::move(config)),
      http_(parse_endpoint_or_throw(config_.endpoint), config_.http),
      signer_(config_.credentials, SigningScope{config_.region, service_.signing_name}),
      retry_(config_.retry),
      host_(http_.origin().authority()) {
  if (!config_.now) config_.now = [] { return std::chrono::system_clock::now(); };
  if (!config_.sleep)
    config_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

namespace {

Error out_of_time(std::string_view operation, int attempts, Error last) {
  Error error{ErrorKind::unavailable,
              "DeadlineExceeded",
              std::string(operation) + " ran out of the invocation's time budget",
              0,
              attempts,
              ""};
  if (!last.message.empty()) error.message += " (last failure: " + last.describe() + ")";
  return error;
}

}  // namespace

Expected<json::Value, Error> ServiceClient::call(std::string_view operation, std::string body,
                                                 Deadline deadline) {
  if (tracer_ != nullptr && tracer_->sampled()) {
    return traced_call(operation, std::move(body), deadline);
  }
  return send_with_retries(operation, std::move(body), deadline, nullptr);
}

namespace {

// The request's "TableName" (our own serializer writes it without escapes); "" when absent.
std::string table_name_of(std::string_view body) {
  constexpr std::string_view kKey = "\"TableName\":\"";
  const auto at = body.find(kKey);
  if (at == std::string_view::npos) return {};
  const auto start = at + kKey.size();
  const auto end = body.find('"', start);
  return end == std::string_view::npos ? std::string()
                                       : std::string(body.substr(start, end - start));
}

}  // namespace

Expected<json::Value, Error> ServiceClient::traced_call(std::string_view operation,
                                                        std::string body, Deadline deadline) {
  tracing::Segment segment =
      tracer_->start(service_.host_prefix == "dynamodb" ? std::string_view("DynamoDB")
                                                        : std::string_view(service_.signing_name),
                     "aws");
  segment.has_aws = true;
  segment.aws.operation = operation;
  segment.aws.region = config_.region;
  segment.aws.table_name = table_name_of(body);
  CallTrace trace;
  trace.header = tracer_->downstream_header(segment);
  auto result = send_with_retries(operation, std::move(body), deadline, &trace);
  if (result) {
    segment.aws.retries = std::max(trace.attempts - 1, 0);
    segment.http_status = trace.status;
    segment.aws.request_id = std::move(trace.request_id);
  } else {
    const Error& e = result.error();
    segment.aws.retries = std::max(e.attempts - 1, 0);
    segment.http_status = e.http_status;
    segment.aws.request_id = std::move(trace.request_id);
    segment.throttle = e.kind == ErrorKind::throttled || e.http_status == 429;
    // Server and transport failures are faults; what the caller asked wrongly is an error.
    segment.fault = e.http_status >= 500 || e.http_status == 0;
    segment.error = !segment.fault;
    segment.cause = e.code.empty() ? e.message : e.code + ": " + e.message;
  }
  tracer_->finish(segment);
  return result;
}

Expected<json::Value, Error> ServiceClient::send_with_retries(std::string_view operation,
                                                              std::string body, Deadline deadline,
                                                              CallTrace* trace) {
  const std::string target = service_.target_prefix + "." + std::string(operation);
  const std::string path = http_.origin().path.empty() ? "/" : http_.origin().path + "/";
  Error last;
  for (int attempt = 1;; ++attempt) {
    auto timeout = config_.http.request_timeout;
    if (!deadline.unlimited()) {
      timeout = deadline.cap(timeout.count() > 0 ? timeout : deadline.remaining());
      // Zero means "no limit" to the HTTP client: an attempt with no time left is not sent.
      if (timeout.count() <= 0)
        return unexpected(out_of_time(operation, attempt - 1, std::move(last)));
    }
    http::Request request;
    request.method = "POST";
    request.target = path;
    request.headers = {{"Host", host_},
                       {"Content-Type", service_.content_type},
                       {"X-Amz-Target", target},
                       {"User-Agent", "streamcache/0.1"}};
    request.body = body;
    // A resend after a reused connection broke before any answer is what the retry below would
    // do anyway: reads are idempotent, and a conditional write that did commit is recognized by
    // its caller (items::ItemOperations::write_row compares the row it finds with its own).
    request.replay_safe = true;
    signer_.sign(request, config_.now());
    // Added after signing, as the SDKs leave it unsigned: proxies may rewrite the trace header.
    if (trace != nullptr) request.headers.push_back({"X-Amzn-Trace-Id", trace->header});

    Error error;
    auto response = http_.send(request, timeout);
    if (trace != nullptr) {
      trace->attempts = attempt;
      trace->status = response ? response->status : 0;
      if (response) trace->request_id = response->header("x-amzn-RequestId").value_or("");
    }
    if (response && response->status / 100 == 2) {
      retry_.on_success(attempt);
      if (response->body.empty()) return json::Value(json::Object{});
      auto parsed = json::parse(response->body);
      if (!parsed) {
        return unexpected(
            Error{ErrorKind::other, "SerializationException",
                  "unparsable " + std::string(operation) + " response: " + parsed.error().message,
                  response->status, attempt, response->body});
      }
      return std::move(*parsed);
    }
    error = response ? error_from_response(*response) : error_from_transport(response.error());
    error.attempts = attempt;
    if (deadline.expired()) return unexpected(out_of_time(operation, attempt, std::move(error)));
    auto delay = retry_.next_delay(error, attempt, deadline);
    if (!delay) return unexpected(std::move(error));
    last = error;
    config_.sleep(*delay);
  }
}

}  // namespace streamcache::aws
