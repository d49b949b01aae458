#include <gtest/gtest.h>

#include "aws/dynamodb_streams.h"
#include "aws/service_client.h"

namespace streamcache::aws {
namespace {

TEST(Endpoints, ServiceSpecificThenGlobalThenRegional) {
  auto svc = dynamodb_service();
  EXPECT_EQ(resolve_endpoint(fixed_env({}), svc, "eu-west-1"),
            "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(fixed_env({{"AWS_ENDPOINT_URL", "http://localhost:4566"}}), svc, "x"),
            "http://localhost:4566");
  EXPECT_EQ(resolve_endpoint(fixed_env({{"AWS_ENDPOINT_URL", "http://a:1"},
                                        {"AWS_ENDPOINT_URL_DYNAMODB", "http://b:2"}}),
                             svc, "x"),
            "http://b:2");
  EXPECT_EQ(resolve_endpoint(fixed_env({{"AWS_ENDPOINT_URL_DYNAMODB", "http://b:2"},
                                        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}),
                             svc, "us-east-1"),
            "https://dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(fixed_env({}), dynamodb_streams_service(), "us-east-1"),
            "https://streams.dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(fixed_env({{"AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "http://s:3"}}),
                             dynamodb_streams_service(), "us-east-1"),
            "http://s:3");
  EXPECT_EQ(resolve_endpoint(fixed_env({}), svc, "cn-north-1"),
            "https://dynamodb.cn-north-1.amazonaws.com.cn");
}

TEST(Endpoints, ConfigFromEnvironmentNamesWhatIsMissing) {
  auto no_region = load_client_config(
      fixed_env({{"AWS_ACCESS_KEY_ID", "a"}, {"AWS_SECRET_ACCESS_KEY", "b"}}), dynamodb_service());
  ASSERT_FALSE(no_region);
  EXPECT_NE(no_region.error().find("AWS_REGION"), std::string::npos) << no_region.error();
  auto bad_attempts = load_client_config(fixed_env({{"AWS_ACCESS_KEY_ID", "a"},
                                                    {"AWS_SECRET_ACCESS_KEY", "b"},
                                                    {"AWS_REGION", "us-east-1"},
                                                    {"AWS_MAX_ATTEMPTS", "zero"}}),
                                         dynamodb_service());
  ASSERT_FALSE(bad_attempts);
  EXPECT_NE(bad_attempts.error().find("AWS_MAX_ATTEMPTS"), std::string::npos);
  auto bad_url = load_client_config(fixed_env({{"AWS_ACCESS_KEY_ID", "a"},
                                               {"AWS_SECRET_ACCESS_KEY", "b"},
                                               {"AWS_REGION", "us-east-1"},
                                               {"AWS_ENDPOINT_URL", "localhost:4566"}}),
                                    dynamodb_service());
  ASSERT_FALSE(bad_url);
  EXPECT_NE(bad_url.error().find("no scheme"), std::string::npos) << bad_url.error();
}

TEST(Streams, ShardsOrderedParentsFirst) {
  std::vector<Shard> shards = {
      {"c", "b", "", ""}, {"b", "a", "", ""}, {"a", "", "", ""}, {"x", "gone", "", ""}};
  auto ordered = order_by_lineage(shards);
  ASSERT_EQ(ordered.size(), 4U);
  auto pos = [&](const std::string& id) {
    return std::find_if(ordered.begin(), ordered.end(),
                        [&](const Shard& s) { return s.id == id; }) -
           ordered.begin();
  };
  EXPECT_LT(pos("a"), pos("b"));
  EXPECT_LT(pos("b"), pos("c"));
}

TEST(Streams, DecodesAGetRecordsRecord) {
  auto raw = json::parse(
      R"({"eventID":"1","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb",
    "awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1700000000.5,"Keys":{"id":{"S":"a"}},
    "NewImage":{"id":{"S":"a"},"version":{"N":"2"}},"OldImage":{"id":{"S":"a"},"version":{"N":"1"}},
    "SequenceNumber":"100","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"}})");
  ASSERT_TRUE(raw);
  auto record = stream_record_from_json(*raw);
  ASSERT_TRUE(record) << record.error();
  EXPECT_EQ(record->event_name, "MODIFY");
  EXPECT_EQ(record->sequence_number, "100");
  EXPECT_DOUBLE_EQ(record->approximate_creation_time, 1700000000.5);
  EXPECT_EQ(*find_number(*record->new_image, "version"), "2");
  EXPECT_EQ(*find_number(*record->old_image, "version"), "1");
  auto bad = json::parse(R"({"eventName":"INSERT","dynamodb":{"NewImage":{"id":{"S":"a"}}}})");
  EXPECT_FALSE(stream_record_from_json(*bad));
}

}  // namespace
}  // namespace streamcache::aws
