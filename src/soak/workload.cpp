#include "soak/workload.h"

#include <random>

#include "aws/dynamodb.h"
#include "common/env.h"
#include "http/client.h"

namespace streamcache::soak {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The gateway's integration timeout is 30 s: a request never waits longer for its answer.
http::Client api_client(const std::string& url) {
  auto origin = http::parse_url(url);
  http::ClientOptions options;
  options.request_timeout = 35s;
  return http::Client(origin ? *origin : http::Url{"http", "127.0.0.1", 8080, ""}, options);
}

std::string id_of(int n) {
  return "soak-" + std::to_string(n);
}

// Decimal prices with trailing zeros: the API stores DynamoDB's canonical text ("12.5").
std::string price(std::mt19937_64& random) {
  return std::to_string(random() % 100) + "." + std::to_string(10 + random() % 90) + "0";
}

}  // namespace

std::string_view to_string(OpKind kind) {
  switch (kind) {
    case OpKind::get:
      return "GET";
    case OpKind::put:
      return "PUT";
    case OpKind::patch:
      return "PATCH";
    case OpKind::post:
      return "POST";
    case OpKind::del:
      return "DELETE";
    case OpKind::direct_put:
      return "direct PutItem";
    case OpKind::direct_delete:
      return "direct DeleteItem";
  }
  return "?";
}

Workload::Workload(WorkloadOptions options) : options_(std::move(options)) {}

Workload::~Workload() {
  stop();
}

void Workload::start() {
  started_ = Clock::now();
  for (int i = 0; i < options_.writers; ++i)
    threads_.emplace_back([this, i] { api_writer(i); });
  for (int i = 0; i < options_.readers; ++i)
    threads_.emplace_back([this, i] { reader(i); });
  for (int i = 0; i < options_.direct_writers; ++i)
    threads_.emplace_back([this, i] { direct_writer(i); });
}

void Workload::stop() {
  stopping_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

std::vector<OpRecord> Workload::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

std::vector<std::string> Workload::ids() const {
  std::vector<std::string> out;
  for (int i = 0; i < options_.ids; ++i)
    out.push_back(id_of(i));
  return out;
}

void Workload::add(OpRecord record) {
  std::lock_guard lock(mutex_);
  records_.push_back(std::move(record));
}

OpRecord Workload::send_timed(http::Client& client, const http::Request& request, OpKind kind) {
  OpRecord record;
  record.kind = kind;
  const auto begin = Clock::now();
  record.at = std::chrono::duration_cast<std::chrono::milliseconds>(begin - started_);
  auto response = client.send(request);
  record.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begin);
  if (response) {
    record.status = response->status;
    if (auto status = response->header("cache-status")) record.cache_status = *status;
    if (record.status >= 500) record.error = response->body;
  } else {
    record.error = response.error().message;
    client.close();  // a fresh connection for the next request
  }
  return record;
}

void Workload::api_writer(int index) {
  std::mt19937_64 random(options_.seed * 1000 + static_cast<std::uint64_t>(index));
  http::Client client = api_client(options_.api_url);
  long long n = 0;
  while (!stopping_) {
    const std::string id = id_of(static_cast<int>(random() % options_.ids));
    const std::string name = "w" + std::to_string(index) + "-" + std::to_string(++n);
    http::Request request;
    OpKind kind = OpKind::put;
    switch (random() % 10) {
      case 0:
      case 1:
        kind = OpKind::post;
        request.method = "POST";
        request.target = "/items";
        request.body =
            R"({"id":")" + id + R"(","name":")" + name + R"(","price":)" + price(random) + "}";
        request.headers.push_back({"content-type", "application/json"});
        break;
      case 2:
      case 3:
        kind = OpKind::patch;
        request.method = "PATCH";
        request.target = "/items/" + id;
        request.body = R"({"name":")" + name + R"(","price":)" + price(random) + "}";
        request.headers.push_back({"content-type", "application/merge-patch+json"});
        break;
      case 4:
        kind = OpKind::del;
        request.method = "DELETE";
        request.target = "/items/" + id;
        break;
      default:
        request.method = "PUT";
        request.target = "/items/" + id;
        request.body =
            R"({"name":")" + name + R"(","price":)" + price(random) + R"(,"tags":["soak"]})";
        request.headers.push_back({"content-type", "application/json"});
        break;
    }
    add(send_timed(client, request, kind));
  }
}

void Workload::reader(int index) {
  std::mt19937_64 random(options_.seed * 1000 + 500 + static_cast<std::uint64_t>(index));
  http::Client client = api_client(options_.api_url);
  while (!stopping_) {
    http::Request request;
    request.target = "/items/" + id_of(static_cast<int>(random() % options_.ids));
    add(send_timed(client, request, OpKind::get));
  }
}

// Another tool writing the table: rows without `version` (the stream handler fences them) and
// deletes, at a tenth of the API writers' rate.
void Workload::direct_writer(int index) {
  std::mt19937_64 random(options_.seed * 1000 + 900 + static_cast<std::uint64_t>(index));
  auto client =
      aws::DynamoDbClient::from_env(fixed_env({{"AWS_ENDPOINT_URL", options_.aws_endpoint},
                                               {"AWS_REGION", options_.region},
                                               {"AWS_ACCESS_KEY_ID", "testing"},
                                               {"AWS_SECRET_ACCESS_KEY", "testing"}}));
  if (!client) {
    add(OpRecord{OpKind::direct_put, 0, {}, {}, {}, client.error()});
    return;
  }
  long long n = 0;
  while (!stopping_) {
    const auto pause_until = Clock::now() + std::chrono::milliseconds(100 + random() % 200);
    while (!stopping_ && Clock::now() < pause_until)
      std::this_thread::sleep_for(10ms);  // pacing, not synchronization
    if (stopping_) break;
    const std::string id = id_of(static_cast<int>(random() % options_.ids));
    OpRecord record;
    const auto begin = Clock::now();
    record.at = std::chrono::duration_cast<std::chrono::milliseconds>(begin - started_);
    bool ok = false;
    std::string error;
    if (random() % 3 == 0) {
      record.kind = OpKind::direct_delete;
      aws::DeleteItemRequest request;
      request.table = options_.table;
      request.key = {{"id", aws::AttributeValue::string(id)}};
      auto done = client->delete_item(request);
      ok = done.has_value();
      if (!ok) error = done.error().describe();
    } else {
      record.kind = OpKind::direct_put;
      aws::PutItemRequest request;
      request.table = options_.table;
      request.item = {{"id", aws::AttributeValue::string(id)},
                      {"name", aws::AttributeValue::string("direct-" + std::to_string(++n))}};
      auto done = client->put_item(request);
      ok = done.has_value();
      if (!ok) error = done.error().describe();
    }
    record.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begin);
    record.status = ok ? 200 : 0;
    record.error = std::move(error);
    add(std::move(record));
  }
}

}  // namespace streamcache::soak
