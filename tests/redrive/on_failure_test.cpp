// The on-failure record as AWS documents it and as the local stack writes it; flags; report lines.
#include "lambda/events/on_failure.h"

#include <gtest/gtest.h>

#include "local/stream_event.h"
#include "redrive/redrive.h"
#include "redrive/report.h"

namespace streamcache::redrive {
namespace {

using lambda::events::parse_stream_on_failure_record;

// The example invocation record of the Lambda developer guide ("Retain discarded records for a
// DynamoDB event source in Lambda").
constexpr std::string_view kDocumented = R"({
    "requestContext": {
        "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
        "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 1
    },
    "responseContext": {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled"
    },
    "version": "1.0",
    "timestamp": "2019-11-14T00:13:49.717Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001573689847184-864758bb",
        "startSequenceNumber": "800000000003126276362",
        "endSequenceNumber": "800000000003126276362",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:13:19Z",
        "batchSize": 1,
        "streamArn": "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388"
    }
})";

TEST(OnFailureRecord, ReadsAwsDocumentedExample) {
  auto record = parse_stream_on_failure_record(kDocumented);
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ(record->condition, "RetryAttemptsExhausted");
  EXPECT_EQ(record->function_arn, "arn:aws:lambda:us-east-2:123456789012:function:myfunction");
  EXPECT_EQ(record->approximate_invoke_count, 1);
  EXPECT_EQ(record->version, "1.0");
  EXPECT_EQ(record->timestamp, "2019-11-14T00:13:49.717Z");
  EXPECT_EQ(record->batch.shard_id, "shardId-00000001573689847184-864758bb");
  EXPECT_EQ(record->batch.start_sequence_number, "800000000003126276362");
  EXPECT_EQ(record->batch.end_sequence_number, "800000000003126276362");
  EXPECT_EQ(record->batch.batch_size, 1);
  EXPECT_EQ(record->batch.approximate_arrival_of_first_record, "2019-11-14T00:13:19Z");
  EXPECT_EQ(record->batch.stream_arn,
            "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388");
}

TEST(OnFailureRecord, ReadsWhatTheLocalStackWrites) {
  auto raw = json::parse(
      R"({"eventID":"e1","eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1714000000.75,)"
      R"("Keys":{"id":{"S":"a"}},"SequenceNumber":"1100000000017454423010","SizeBytes":10}})");
  ASSERT_TRUE(raw);
  auto first = aws::stream_record_from_json(*raw);
  ASSERT_TRUE(first);
  aws::StreamRecord last = *first;
  last.sequence_number = "1100000000017454423012";
  const std::vector<aws::StreamRecord> batch = {*first, last};
  local::FailedBatch info;
  info.condition = local::FailureCondition::record_age_exceeded;
  info.shard_id = "shard-1";
  info.stream_arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024";
  const std::string line = json::serialize(local::on_failure_record(batch, info));
  auto record = parse_stream_on_failure_record(line);
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ(record->condition, "RecordAgeExceeded");
  EXPECT_EQ(record->batch.shard_id, "shard-1");
  EXPECT_EQ(record->batch.start_sequence_number, "1100000000017454423010");
  EXPECT_EQ(record->batch.end_sequence_number, "1100000000017454423012");
  EXPECT_EQ(record->batch.batch_size, 2);
  EXPECT_EQ(record->batch.stream_arn, info.stream_arn);
}

TEST(OnFailureRecord, ErrorsNameTheField) {
  auto message = [](std::string_view text) {
    auto r = parse_stream_on_failure_record(text);
    return r ? std::string("parsed") : r.error().message;
  };
  EXPECT_NE(message("not json").find("invalid JSON"), std::string::npos);
  EXPECT_EQ(message("[1]"), "event: expected an object, got an array");
  EXPECT_EQ(message(R"({"requestContext":{}})"), "DDBStreamBatchInfo: required object is missing");
  EXPECT_EQ(message(R"({"DDBStreamBatchInfo":{"shardId":"s","startSequenceNumber":"1",)"
                    R"("endSequenceNumber":"2"}})"),
            "DDBStreamBatchInfo.streamArn: required string is missing");
  EXPECT_EQ(message(R"({"DDBStreamBatchInfo":{"shardId":"s","startSequenceNumber":"12x",)"
                    R"("endSequenceNumber":"2","streamArn":"a"}})"),
            "DDBStreamBatchInfo.startSequenceNumber: expected decimal digits, got \"12x\"");
  EXPECT_EQ(message(R"({"DDBStreamBatchInfo":{"shardId":7,"startSequenceNumber":"1",)"
                    R"("endSequenceNumber":"2","streamArn":"a"}})"),
            "DDBStreamBatchInfo.shardId: expected a string, got a number");
}

TEST(Redrive, ARangeThatEndsBeforeItStartsIsInvalidBeforeAnyRead) {
  aws::ClientConfig config;
  config.region = "us-east-1";
  config.endpoint = "http://127.0.0.1:9";  // never called
  aws::DynamoDbStreamsClient streams(config);
  RedriveOptions options;
  options.dry_run = true;
  Redriver redriver(streams, nullptr, options);
  const BatchReport report = redriver.redrive(
      "line 7",
      R"({"DDBStreamBatchInfo":{"shardId":"s","startSequenceNumber":"100",)"
      R"("endSequenceNumber":"99","streamArn":"arn:aws:dynamodb:us-east-1:1:table/t/stream/x"}})");
  EXPECT_EQ(report.outcome, Outcome::invalid);
  EXPECT_EQ(format_report(report),
            "line 7: invalid: DDBStreamBatchInfo.endSequenceNumber 99 is below startSequenceNumber "
            "100");
}

TEST(Redrive, RegionComesFromTheStreamArn) {
  EXPECT_EQ(region_of_arn("arn:aws:dynamodb:eu-west-1:123:table/t/stream/x"), "eu-west-1");
  EXPECT_EQ(region_of_arn("not an arn"), "");
}

TEST(Report, LinesSayShardRangeRecordsAndOutcome) {
  BatchReport r;
  r.source = "line 2";
  r.outcome = Outcome::applied;
  r.shard_id = "shard-1";
  r.first_sequence_number = "10";
  r.last_sequence_number = "12";
  r.batch_size = 3;
  r.records = 3;
  r.applied = 2;
  r.stale = 1;
  EXPECT_EQ(format_report(r),
            "line 2: shard shard-1 sequence 10 to 12, 3 records: applied (applied 2, stale/no-op "
            "1, fenced 0, invalidated 0, failed 0)");
  r.outcome = Outcome::past_retention;
  r.detail = "GetShardIterator: TrimmedDataAccessException";
  EXPECT_EQ(format_report(r),
            "line 2: shard shard-1 sequence 10 to 12: past retention: GetShardIterator: "
            "TrimmedDataAccessException");
  Summary summary;
  summary.add(r);
  EXPECT_EQ(summary.exit_code(), kExitNotAllRedriven);
  EXPECT_NE(format_summary(summary).find("1 past retention"), std::string::npos);
  EXPECT_EQ(Summary{}.exit_code(), kExitAllRedriven);
}

}  // namespace
}  // namespace streamcache::redrive
