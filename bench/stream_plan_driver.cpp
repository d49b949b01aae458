// Plans bench_items' 1000-record stream batch N times, with the SAX planner or the DOM one, for
// instruction counts: valgrind --tool=callgrind build/release/bench/stream_plan_driver sax 5.
// Instructions per record = (Ir(N) - Ir(1)) / ((N - 1) * 1000): the event's construction cancels.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "items/stream.h"
#include "items/stream_dom.h"

namespace {

constexpr int kBatchSize = 1000;

// The same event as bench_items.cpp's stream_event(1): MODIFY records with NEW_AND_OLD_IMAGES.
std::string stream_event() {
  std::string out = R"({"Records":[)";
  for (int i = 0; i < kBatchSize; ++i) {
    const std::string id = "item-" + std::to_string(i);
    const std::string image =
        R"({"id":{"S":")" + id +
        R"("},"version":{"N":"1"},"name":{"S":"A typical item"},)"
        R"("price":{"N":"1999"},"tags":{"L":[{"S":"red"},{"S":"small"},{"S":"sale"}]},)"
        R"("description":{"S":"Some text so the body has the size of a real item in the table."},)"
        R"("createdAt":{"S":"2026-11-24T10:00:00.000Z"},"updatedAt":{"S":"2026-11-24T10:00:00.000Z"}})";
    if (i > 0) out += ',';
    out +=
        R"({"eventID":"e)" + std::to_string(i) +
        R"(","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb",)"
        R"("awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1700000000,)"
        R"("Keys":{"id":{"S":")" +
        id + R"("}},"NewImage":)" + image + R"(,"OldImage":)" + image + R"(,"SequenceNumber":")" +
        std::to_string(100000000 + i) +
        R"(","SizeBytes":420,"StreamViewType":"NEW_AND_OLD_IMAGES"},)"
        R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/bench-items/stream/x"})";
  }
  return out + "]}";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace streamcache::items;
  const std::string_view mode = argc > 1 ? argv[1] : "sax";
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 1;
  const std::string event = stream_event();
  std::size_t ops = 0;
  for (int i = 0; i < iterations; ++i) {
    auto plan = mode == "dom" ? detail::plan_stream_batch_dom(event) : plan_stream_batch(event);
    if (!plan) return 1;
    ops += plan->ops.size();
  }
  std::printf("%s: %zu ops from %d batches of %zu bytes\n", std::string(mode).c_str(), ops,
              iterations, event.size());
  return ops == static_cast<std::size_t>(iterations) * kBatchSize ? 0 : 1;
}
