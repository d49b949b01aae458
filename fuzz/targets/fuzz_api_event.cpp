// The API function's whole path for one event (HTTP API v2, REST v1 or Function URL) against
// in-memory ports: every answer is a well-formed response, never a crash and never a 5xx (with
// the ports healthy and no deadline, nothing may fail on the server's side).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "items/api.h"
#include "items/fakes.h"
#include "json/json.h"
#include "lambda/events/http.h"

using namespace streamcache;
namespace events = streamcache::lambda::events;

namespace {

events::HttpResponse must_succeed(items::ItemsApi& api, std::string method, std::string path,
                                  std::string body = {}) {
  items::ApiRequest request{std::move(method),
                            std::move(path),
                            {{"content-type", "application/json"}},
                            {},
                            std::move(body)};
  return api.handle(request);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view event(reinterpret_cast<const char*>(data), size);
  items::testing::FakeStore store;
  items::testing::FakeCache cache;
  std::int64_t now = 1'700'000'000'000'000;
  items::ItemsApi api(store, &cache, items::ApiOptions{true, [&now] { return now += 1000; }});
  // A live item "a" and a deleted "b", so reads, writes and conditions meet both.
  must_succeed(api, "PUT", "/items/a", R"({"name":"first","n":1.50,"tags":["x"]})");
  must_succeed(api, "PUT", "/items/b", R"({"name":"gone"})");
  must_succeed(api, "DELETE", "/items/b");

  const std::string answer = api.handle_event(event);
  auto response = events::parse_http_response(answer);
  FUZZ_CHECK(response.has_value(), answer);
  FUZZ_CHECK(response->status_code >= 200 && response->status_code < 500, answer);
  const auto type = events::find_header(response->headers, "content-type");
  if (type && (*type == "application/json" || *type == "application/problem+json")) {
    auto body = json::parse(response->body);
    FUZZ_CHECK(body.has_value(), answer);
    if (*type == "application/problem+json") {
      FUZZ_CHECK(body->get_int("status") == response->status_code, answer);
    }
  }
  return 0;
}
