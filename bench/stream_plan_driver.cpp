// Plans bench_items' 1000-record stream batch N times, with the SAX planner or the DOM one, for
// instruction counts: valgrind --tool=callgrind build/release/bench/stream_plan_driver sax 5.
// Instructions per record = (Ir(N) - Ir(1)) / ((N - 1) * 1000): the event's construction cancels.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "items/stream.h"
#include "items/stream_dom.h"
#include "stream_event.h"

namespace {

constexpr int kBatchSize = 1000;

}  // namespace

int main(int argc, char** argv) {
  using namespace streamcache::items;
  const std::string_view mode = argc > 1 ? argv[1] : "sax";
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 1;
  const std::string event = streamcache::bench::stream_event(kBatchSize, 1);  // bench_items' batch
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
