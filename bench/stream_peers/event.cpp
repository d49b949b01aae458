#include "stream_peers/event.h"

namespace streamcache::bench {

namespace {

std::string id_of(int n) {
  return "item-" + std::to_string(n);
}

// The item in DynamoDB JSON, as the stream's images carry it.
std::string image(int n, std::int64_t version) {
  const std::string num = std::to_string(n);
  return R"({"id":{"S":")" + id_of(n) + R"("},"version":{"N":")" + std::to_string(version) +
         R"("},"name":{"S":"Desk lamp )" + num + R"("},"price":{"N":"24.5"},"stock":{"N":")" +
         std::to_string(n % 97) +
         R"("},"tags":{"L":[{"S":"lighting"},{"S":"office"},{"S":"sale"}]},)"
         R"("dimensions":{"M":{"width":{"N":"12.5"},"height":{"N":"40"},"unit":{"S":"cm"}}},)"
         R"("attributes":{"M":{"color":{"S":"black"},"bulbs":{"L":[{"N":"1"},{"N":"2"}]},)"
         R"("warranty":{"M":{"years":{"N":"2"},"region":{"S":"EU"}}}}},)"
         R"("active":{"BOOL":true},"createdAt":{"S":"2026-11-24T10:00:00.000Z"},)"
         R"("updatedAt":{"S":"2026-11-30T09:00:00.000Z"}})";
}

}  // namespace

std::string item_body(int n, std::int64_t version) {
  const std::string num = std::to_string(n);
  return R"({"active":true,"attributes":{"bulbs":[1,2],"color":"black","warranty":{"region":"EU",)"
         R"("years":2}},"createdAt":"2026-11-24T10:00:00.000Z","dimensions":{"height":40,"unit":"cm",)"
         R"("width":12.5},"id":")" +
         id_of(n) + R"(","name":"Desk lamp )" + num + R"(","price":24.5,"stock":)" +
         std::to_string(n % 97) +
         R"(,"tags":["lighting","office","sale"],)"
         R"("updatedAt":"2026-11-30T09:00:00.000Z","version":)" +
         std::to_string(version) + "}";
}

std::string stream_batch_event(const StreamBatchOptions& options) {
  std::string out = R"({"Records":[)";
  for (int i = 0; i < options.records; ++i) {
    const std::int64_t version = options.first_version + i;
    // 1 in 20 a new item, 1 in 20 a delete, the rest updates.
    const char* name = i % 20 == 0 ? "INSERT" : i % 20 == 1 ? "REMOVE" : "MODIFY";
    std::string images;
    if (i % 20 != 1) images += R"(,"NewImage":)" + image(i, version);
    if (i % 20 != 0) images += R"(,"OldImage":)" + image(i, version - 1000);
    if (i > 0) out += ',';
    out += R"({"eventID":"e)" + std::to_string(i) + R"(","eventName":")" + name +
           R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
           R"("dynamodb":{"ApproximateCreationDateTime":)" +
           std::to_string(options.created_s) + R"(,"Keys":{"id":{"S":")" + id_of(i) + R"("}})" +
           images + R"(,"SequenceNumber":")" + std::to_string(100000000000 + i) +
           R"(","SizeBytes":)" + std::to_string(images.size()) +
           R"(,"StreamViewType":"NEW_AND_OLD_IMAGES"},)"
           R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/items/stream/)"
           R"(2026-11-30T00:00:00.000"})";
  }
  return out + "]}";
}

}  // namespace streamcache::bench
