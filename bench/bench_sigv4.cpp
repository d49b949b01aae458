// SigV4 signing of a typical DynamoDB GetItem request (POST /, Lambda-style temporary
// credentials, ~200-byte JSON body): warm (the day's signing key cached, the per-request cost)
// and cold (each sign derives the key: four more HMACs, what the first request of a day pays).
// Each iteration signs a fresh copy of the request, as the DynamoDB client builds one per call;
// copy_request is that copy alone, to read the signing cost net of it.
//
//   bench_sigv4 [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <chrono>
#include <string>

#include <benchmark/benchmark.h>

#include "aws/sigv4.h"

namespace {

using namespace std::chrono;
using streamcache::aws::Credentials;
using streamcache::aws::Signer;
using streamcache::http::Request;

const Credentials lambda_credentials{
    "ASIAQEXAMPLEKEYID123", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    // Lambda's session tokens run to several hundred bytes.
    std::string(
        "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6EXAMPLETOKENvalueAAAAAAAAAAAAAA") +
        std::string(700, 'T')};
constexpr system_clock::time_point kNow = sys_days{year{2025} / 3 / 14} + hours{9} + minutes{26};

Request get_item_request() {
  // Built in place: assigning literals to its strings trips GCC 12 -O2 -Wrestrict (bug 105651).
  return Request{
      .method = "POST",
      .target = "/",
      .headers = {{"Host", "dynamodb.us-east-1.amazonaws.com"},
                  {"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
                  {"User-Agent", "streamcache/0.1"}},
      .body = R"({"TableName":"streamcache-items","Key":{"id":{"S":"item-000000000000000042"}},)"
              R"("ConsistentRead":true,"ProjectionExpression":"#i,#v,#b",)"
              R"("ExpressionAttributeNames":{"#i":"id","#v":"version","#b":"body"}})",
  };
}

void sign_get_item_warm(benchmark::State& state) {
  const Request base = get_item_request();
  Signer signer(lambda_credentials, {"us-east-1", "dynamodb"});
  Request first = base;
  signer.sign(first, kNow);  // derive the day's key once, outside the timing
  for (auto _ : state) {
    Request request = base;
    benchmark::DoNotOptimize(signer.sign(request, kNow));
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("body " + std::to_string(base.body.size()) + " B");
}
BENCHMARK(sign_get_item_warm);

// Long-term keys (no X-Amz-Security-Token): what signing against moto or LocalStack costs.
void sign_get_item_warm_no_token(benchmark::State& state) {
  const Request base = get_item_request();
  Signer signer({lambda_credentials.access_key_id, lambda_credentials.secret_access_key, ""},
                {"us-east-1", "dynamodb"});
  Request first = base;
  signer.sign(first, kNow);
  for (auto _ : state) {
    Request request = base;
    benchmark::DoNotOptimize(signer.sign(request, kNow));
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(sign_get_item_warm_no_token);

void sign_get_item_cold(benchmark::State& state) {
  const Request base = get_item_request();
  Signer signer(lambda_credentials, {"us-east-1", "dynamodb"});
  bool next_day = false;
  for (auto _ : state) {
    Request request = base;
    // Alternating days invalidates the cached key on every sign.
    benchmark::DoNotOptimize(signer.sign(request, next_day ? kNow + days{1} : kNow));
    benchmark::DoNotOptimize(request);
    next_day = !next_day;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(sign_get_item_cold);

void copy_request(benchmark::State& state) {
  const Request base = get_item_request();
  for (auto _ : state) {
    Request request = base;
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(copy_request);

void sha256_body(benchmark::State& state) {
  const std::string body = get_item_request().body;
  for (auto _ : state)
    benchmark::DoNotOptimize(streamcache::aws::sha256_hex(body));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(sha256_body);

}  // namespace

BENCHMARK_MAIN();
