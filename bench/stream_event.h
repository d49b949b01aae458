// The stream benches' event: Lambda's DynamoDB Streams batch of `records` MODIFY records with
// NEW_AND_OLD_IMAGES of a typical ~400-byte item at `version` (bench_items, stream_plan_driver).
#pragma once

#include <cstdint>
#include <string>

namespace streamcache::bench {

inline std::string stream_event(int records, std::int64_t version) {
  std::string out = R"({"Records":[)";
  for (int i = 0; i < records; ++i) {
    const std::string id = "item-" + std::to_string(i);
    const std::string image =
        R"({"id":{"S":")" + id + R"("},"version":{"N":")" + std::to_string(version) +
        R"("},"name":{"S":"A typical item"},"price":{"N":"1999"},)"
        R"("tags":{"L":[{"S":"red"},{"S":"small"},{"S":"sale"}]},)"
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

}  // namespace streamcache::bench
