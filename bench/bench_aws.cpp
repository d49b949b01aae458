// AttributeValue parsing and serialization, against RapidJSON's own DOM parse of the same bytes
// as the in-run baseline (the cost of JSON alone, without exact numbers or typed attributes).
#include <string>

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include "aws/attribute_value.h"
#include "aws/dynamodb_streams.h"

namespace {

using namespace streamcache;

// A typical item as DynamoDB returns it: ~1 KB, a nested map, a list, numbers and strings.
std::string wire_item(int i) {
  std::string id = "item-" + std::to_string(i);
  return R"({"id":{"S":")" + id +
         R"("},"version":{"N":"1732460000000123"},"createdAt":{"S":"2026-11-24T14:00:00Z"},)"
         R"("updatedAt":{"S":"2026-11-24T14:00:01Z"},"name":{"S":"A reasonably descriptive product name"},)"
         R"("price":{"N":"1234.5678"},"tags":{"L":[{"S":"alpha"},{"S":"beta"},{"S":"gamma"}]},)"
         R"("dimensions":{"M":{"w":{"N":"10"},"h":{"N":"20.5"},"d":{"N":"3"}}},"active":{"BOOL":true},)"
         R"("description":{"S":")" +
         std::string(600, 'x') +
         R"("},"rating":{"N":"4.75"},"stock":{"N":"12345678901234567890123456789012345678"}})";
}

std::string stream_batch(int records) {
  std::string out = R"({"Records":[)";
  for (int i = 0; i < records; ++i) {
    if (i > 0) out += ",";
    out +=
        R"({"eventID":"e)" + std::to_string(i) +
        R"(","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
        R"("dynamodb":{"ApproximateCreationDateTime":1732460000,"Keys":{"id":{"S":"item-)" +
        std::to_string(i) + R"("}},"NewImage":)" + wire_item(i) + R"(,"OldImage":)" + wire_item(i) +
        R"(,"SequenceNumber":")" + std::to_string(100000000000000000LL + i) +
        R"(","SizeBytes":2100,"StreamViewType":"NEW_AND_OLD_IMAGES"}})";
  }
  return out + "]}";
}

void BM_Baseline_RapidJsonDom_Item(benchmark::State& state) {
  const std::string text = wire_item(1);
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    benchmark::DoNotOptimize(doc.IsObject());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Baseline_RapidJsonDom_Item);

void BM_ParseItem_ToAttributeMap(benchmark::State& state) {
  const std::string text = wire_item(1);
  for (auto _ : state) {
    auto value = json::parse(text);
    auto map = aws::map_from_dynamodb_json(*value);
    benchmark::DoNotOptimize(map.has_value());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseItem_ToAttributeMap);

void BM_SerializeItem_ToWire(benchmark::State& state) {
  auto map = *aws::map_from_dynamodb_json(*json::parse(wire_item(1)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    aws::append_dynamodb_json(map, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_SerializeItem_ToWire);

void BM_ItemToPlainJson(benchmark::State& state) {
  auto map = *aws::map_from_dynamodb_json(*json::parse(wire_item(1)));
  for (auto _ : state) {
    std::string out = json::serialize(aws::to_plain_json(map));
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ItemToPlainJson);

void BM_Baseline_RapidJsonDom_StreamBatch(benchmark::State& state) {
  const std::string text = stream_batch(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    benchmark::DoNotOptimize(doc.IsObject());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Baseline_RapidJsonDom_StreamBatch)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ParseStreamBatch_ToRecords(benchmark::State& state) {
  const std::string text = stream_batch(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto value = json::parse(text);
    std::size_t n = 0;
    for (const auto& r : value->find("Records")->as_array())
      n += aws::stream_record_from_json(r).has_value();
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseStreamBatch_ToRecords)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
