// The stream batch the robustness corpora damage: an INSERT, a MODIFY and a REMOVE of one item
// whose image has every DynamoDB type. Shared so the SAX planner's differential test damages
// exactly what robustness_test.cpp damages.
#pragma once

#include <string>

namespace streamcache::items::corpus {

inline std::string stream_batch_seed() {
  const std::string image =
      R"({"id":{"S":"a"},"version":{"N":"1700000000000001"},"name":{"S":"lamp"},)"
      R"("price":{"N":"19.90"},"tags":{"SS":["x","y"]},"raw":{"B":"AAEC"},)"
      R"("dims":{"M":{"w":{"N":"1"},"l":{"L":[{"BOOL":true},{"NULL":true},{"NS":["1","2"]}]}}}})";
  auto record = [&](const std::string& name, const std::string& seq, bool new_image,
                    bool old_image) {
    std::string d = R"({"ApproximateCreationDateTime":1700000000,"Keys":{"id":{"S":"a"}},)";
    if (new_image) d += R"("NewImage":)" + image + ",";
    if (old_image) d += R"("OldImage":)" + image + ",";
    d += R"("SequenceNumber":")" + seq +
         R"(","SizeBytes":120,"StreamViewType":"NEW_AND_OLD_IMAGES"})";
    return R"({"eventID":"e)" + seq + R"(","eventName":")" + name +
           R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
           R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:1:table/t/stream/x","dynamodb":)" +
           d + "}";
  };
  return R"({"Records":[)" + record("INSERT", "1", true, false) + "," +
         record("MODIFY", "2", true, true) + "," + record("REMOVE", "3", false, true) + "]}";
}

}  // namespace streamcache::items::corpus
