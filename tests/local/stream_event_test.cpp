#include "local/stream_event.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "lambda/events/dynamodb.h"
#include "local/function_pool.h"
#include "local/stream_mapping.h"

namespace streamcache::local {
namespace {

// What moto's GetRecords returns (fractional ApproximateCreationDateTime, eventVersion 1.0).
constexpr const char* kGetRecordsRecord = R"({"eventID":"e1","eventName":"MODIFY",
  "eventSource":"aws:dynamodb","eventVersion":"1.0","awsRegion":"us-east-1",
  "dynamodb":{"StreamViewType":"NEW_AND_OLD_IMAGES","ApproximateCreationDateTime":1714000000.75,
  "SequenceNumber":"1100000000017454423010","SizeBytes":40,"Keys":{"id":{"S":"a"}},
  "NewImage":{"id":{"S":"a"},"version":{"N":"2"}},"OldImage":{"id":{"S":"a"},"version":{"N":"1"}}}})";

aws::StreamRecord record_from(const char* text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v);
  auto r = aws::stream_record_from_json(*v);
  EXPECT_TRUE(r) << r.error();
  return *r;
}

const StreamSource kSource{"arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024",
                           "us-east-1"};

TEST(StreamEvent, RecordsCarryTheSourceAndNumericSeconds) {
  const auto record = record_from(kGetRecordsRecord);
  const std::vector<aws::StreamRecord> batch = {record};
  const std::string text = build_stream_event(batch, kSource);
  auto event = lambda::events::parse_dynamodb_event(text);
  ASSERT_TRUE(event) << event.error().message;
  ASSERT_EQ(event->records.size(), 1U);
  const auto& r = event->records[0];
  EXPECT_EQ(r.event_source, "aws:dynamodb");
  EXPECT_EQ(r.event_source_arn, kSource.event_source_arn);
  EXPECT_EQ(r.aws_region, "us-east-1");
  EXPECT_EQ(r.event_name, lambda::events::StreamEventName::modify);
  EXPECT_EQ(r.dynamodb.sequence_number, "1100000000017454423010");
  ASSERT_TRUE(r.dynamodb.approximate_creation_date_time);
  EXPECT_EQ(r.dynamodb.approximate_creation_date_time->text, "1714000000");
  EXPECT_EQ(r.dynamodb.stream_view_type, "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(json::serialize(r.dynamodb.keys), R"({"id":{"S":"a"}})");
}

// Our records have the same members, in the same order, as a record Lambda delivered.
TEST(StreamEvent, MembersMatchTheRealFixture) {
  const char* root = std::getenv("STREAMCACHE_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "STREAMCACHE_SOURCE_DIR is not set";
  std::ifstream in(std::string(root) +
                   "/../shared/testdata/lambda-events/example-dynamodb-event.json");
  if (!in) GTEST_SKIP() << "../shared/testdata is not present";
  std::stringstream text;
  text << in.rdbuf();
  auto fixture = json::parse(text.str());
  ASSERT_TRUE(fixture);
  // The fixture's second record has no userIdentity, like an ordinary write.
  const json::Value& theirs = fixture->find("Records")->as_array()[1];
  const json::Value ours = to_lambda_record(record_from(kGetRecordsRecord), kSource);
  std::vector<std::string> their_names;
  std::vector<std::string> our_names;
  for (const auto& m : theirs.as_object())
    their_names.push_back(m.name);
  for (const auto& m : ours.as_object())
    our_names.push_back(m.name);
  EXPECT_EQ(our_names, their_names);
  EXPECT_EQ(ours.find("dynamodb")->find("ApproximateCreationDateTime")->type(),
            theirs.find("dynamodb")->find("ApproximateCreationDateTime")->type());
}

TEST(StreamEvent, OnFailureRecordPointsToTheBatch) {
  const std::vector<aws::StreamRecord> batch = {record_from(kGetRecordsRecord)};
  FailedBatch info;
  info.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
  info.shard_id = "shard-1";
  info.stream_arn = kSource.event_source_arn;
  info.request_id = "r1";
  info.invoke_count = 3;
  info.function_error = "Unhandled";
  info.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714000000042));
  EXPECT_EQ(json::serialize(on_failure_record(batch, info)),
            R"({"requestContext":{"requestId":"r1","functionArn":"arn:aws:lambda:us-east-1:)"
            R"(000000000000:function:f","condition":"RetryAttemptsExhausted",)"
            R"("approximateInvokeCount":3},"responseContext":{"statusCode":200,)"
            R"("executedVersion":"$LATEST","functionError":"Unhandled"},"version":"1.0",)"
            R"("timestamp":"2024-04-24T23:06:40.042Z","DDBStreamBatchInfo":{"shardId":"shard-1",)"
            R"("startSequenceNumber":"1100000000017454423010","endSequenceNumber":)"
            R"("1100000000017454423010","approximateArrivalOfFirstRecord":)"
            R"("2024-04-24T23:06:40.750Z","approximateArrivalOfLastRecord":)"
            R"("2024-04-24T23:06:40.750Z","batchSize":1,"streamArn":)"
            R"("arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024"}})");
}

TEST(BatchResponse, LowestFailedSequenceNumberWins) {
  const std::vector<std::string> seqs = {"100", "200", "300"};
  EXPECT_EQ(first_failed_index(R"({"batchItemFailures":[]})", seqs), std::nullopt);
  EXPECT_EQ(first_failed_index(R"({"batchItemFailures":null})", seqs), std::nullopt);
  EXPECT_EQ(first_failed_index("", seqs), std::nullopt);
  EXPECT_EQ(first_failed_index("null", seqs), std::nullopt);
  EXPECT_EQ(first_failed_index("{}", seqs), std::nullopt);
  EXPECT_EQ(
      first_failed_index(
          R"({"batchItemFailures":[{"itemIdentifier":"300"},{"itemIdentifier":"200"}]})", seqs),
      1U);
  // Anything Lambda cannot use fails the whole batch.
  EXPECT_EQ(first_failed_index("not json", seqs), 0U);
  EXPECT_EQ(first_failed_index(R"({"batchItemFailures":[{"itemIdentifier":""}]})", seqs), 0U);
  EXPECT_EQ(first_failed_index(R"({"batchItemFailures":[{"itemIdentifier":"999"}]})", seqs), 0U);
  EXPECT_EQ(first_failed_index(R"({"batchItemFailures":[{"id":"200"}]})", seqs), 0U);
  EXPECT_EQ(first_failed_index(R"({"batchItemFailures":"200"})", seqs), 0U);
}

TEST(SequenceNumbers, CompareNumerically) {
  EXPECT_TRUE(sequence_less("99", "100"));
  EXPECT_FALSE(sequence_less("100", "99"));
  EXPECT_TRUE(sequence_less("0100", "101"));
}

TEST(ReportLine, HasLambdasFields) {
  using std::chrono::microseconds;
  EXPECT_EQ(report_line("id-1", microseconds(12'345), 256, 18, std::nullopt),
            "REPORT RequestId: id-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\t"
            "Memory Size: 256 MB\tMax Memory Used: 18 MB");
  EXPECT_EQ(report_line("id-2", microseconds(1'000), 128, 3, microseconds(5'120)),
            "REPORT RequestId: id-2\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
            "Memory Size: 128 MB\tMax Memory Used: 3 MB\tInit Duration: 5.12 ms");
}

}  // namespace
}  // namespace streamcache::local
