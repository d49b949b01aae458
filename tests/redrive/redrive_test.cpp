// The redrive against real servers: a moto_server table with its stream (and SQS queue), a real
// redis-server, the stream handler's own clients (items::create_clients). On-failure lines come
// from the local stack's writer (local::on_failure_record) and from AWS's documented shape.
#include "redrive/redrive.h"

#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "aws/dynamodb_streams.h"
#include "aws/sqs.h"
#include "items/adapters.h"
#include "items/clients.h"
#include "items/stream.h"
#include "local/stream_event.h"
#include "redrive/sources.h"
#include "support/process.h"
#include "support/shared_servers.h"
#include "support/wait.h"

namespace streamcache::redrive {
namespace {

namespace fs = std::filesystem;
using aws::AttributeMap;
using aws::AttributeValue;

constexpr std::string_view kTable = "items";

class RedriveTest : public testing::WithRedisAndMoto<RedriveTest> {
 protected:
  void SetUp() override {
    reset_servers();
    dir_ = testing::make_log_dir("redrive");
    aws::ClientConfig config;
    config.region = "us-east-1";
    config.credentials = {"testing", "testing", ""};
    config.endpoint = moto_->endpoint();
    db_ = std::make_unique<aws::DynamoDbClient>(config);
    streams_ = std::make_unique<aws::DynamoDbStreamsClient>(config);
    sqs_ = std::make_unique<aws::ServiceClient>(aws::sqs_service(), config);
    aws::CreateTableRequest table;
    table.table = std::string(kTable);
    table.hash_key = {"id", 'S'};
    table.stream = aws::StreamView::new_and_old_images;
    auto created = db_->create_table(table);
    ASSERT_TRUE(created) << created.error().describe();
    auto described = db_->describe_table(std::string(kTable));
    ASSERT_TRUE(described) << described.error().describe();
    stream_arn_ = described->latest_stream_arn;
    auto stream = streams_->describe_stream(stream_arn_);
    ASSERT_TRUE(stream) << stream.error().describe();
    ASSERT_EQ(stream->shards.size(), 1U);
    shard_ = stream->shards[0].id;
    // The stream handler's clients, from the environment it reads.
    auto env = env_map();
    auto clients = items::create_clients(fixed_env({env.begin(), env.end()}));
    ASSERT_TRUE(clients) << clients.error();
    clients_ = std::move(*clients);
    cache_ = std::make_unique<items::RedisItemCache>(*clients_->cache);
  }

  std::map<std::string, std::string> env_map() const {
    const auto aws = moto_->aws_env();
    std::map<std::string, std::string> env(aws.begin(), aws.end());
    env["TABLE_NAME"] = std::string(kTable);
    env["REDIS_URL"] = redis_->url();
    return env;
  }

  void put(const std::string& id, int version, const std::string& name) {
    AttributeMap item = {aws::Attribute{"id", AttributeValue::string(id)},
                         aws::Attribute{"version", AttributeValue::number(std::to_string(version))},
                         aws::Attribute{"name", AttributeValue::string(name)}};
    auto r =
        db_->put_item(aws::PutItemRequest{std::string(kTable), item, {}, aws::ReturnValues::none});
    ASSERT_TRUE(r) << r.error().describe();
  }

  void remove(const std::string& id) {
    aws::DeleteItemRequest request;
    request.table = std::string(kTable);
    request.key = {aws::Attribute{"id", AttributeValue::string(id)}};
    auto r = db_->delete_item(request);
    ASSERT_TRUE(r) << r.error().describe();
  }

  // What the cache held before the writes whose stream records were lost.
  void cache_version(const std::string& id, int version, const std::string& name) {
    auto r = cache_->apply_if_newer(id, static_cast<cache::Version>(version),
                                    R"({"id":")" + id + R"(","name":")" + name + R"(","version":)" +
                                        std::to_string(version) + "}");
    ASSERT_TRUE(r) << r.error().message;
  }

  // Every record of the stream, oldest first.
  std::vector<aws::StreamRecord> stream_records() {
    auto it = streams_->get_shard_iterator(stream_arn_, shard_, aws::IteratorType::trim_horizon);
    EXPECT_TRUE(it);
    if (!it) return {};
    auto page = streams_->get_records(*it);
    EXPECT_TRUE(page);
    return page ? page->records : std::vector<aws::StreamRecord>{};
  }

  // The local stack's line for records [from, to].
  std::string local_line(const std::vector<aws::StreamRecord>& records, std::size_t from,
                         std::size_t to) const {
    const std::vector<aws::StreamRecord> batch(records.begin() + static_cast<long>(from),
                                               records.begin() + static_cast<long>(to) + 1);
    local::FailedBatch info;
    info.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:streamcache-stream-handler";
    info.shard_id = shard_;
    info.stream_arn = stream_arn_;
    info.request_id = "r-1";
    info.invoke_count = 101;
    info.function_error = "";
    info.time = std::chrono::system_clock::now();
    return json::serialize(local::on_failure_record(batch, info));
  }

  // The same, hand-written in the shape of AWS's documented example.
  std::string aws_line(const std::string& shard, const std::string& first, const std::string& last,
                       int size, const std::string& stream_arn) const {
    return R"({"requestContext":{"requestId":"316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",)"
           R"("functionArn":"arn:aws:lambda:us-east-1:123456789012:function:myfunction",)"
           R"("condition":"RetryAttemptsExhausted","approximateInvokeCount":1},)"
           R"("responseContext":{"statusCode":200,"executedVersion":"$LATEST",)"
           R"("functionError":"Unhandled"},"version":"1.0","timestamp":"2019-11-14T00:13:49.717Z",)"
           R"("DDBStreamBatchInfo":{"shardId":")" +
           shard + R"(","startSequenceNumber":")" + first + R"(","endSequenceNumber":")" + last +
           R"(","approximateArrivalOfFirstRecord":"2019-11-14T00:13:19Z",)"
           R"("approximateArrivalOfLastRecord":"2019-11-14T00:13:19Z","batchSize":)" +
           std::to_string(size) + R"(,"streamArn":")" + stream_arn + R"("}})";
  }

  fs::path write_file(const std::string& name, const std::vector<std::string>& lines) const {
    const fs::path file = dir_ / name;
    std::ofstream out(file);
    for (const auto& l : lines)
      out << l << '\n';
    return file;
  }

  Redriver redriver(bool dry_run = false,
                    std::chrono::milliseconds apply_timeout = std::chrono::seconds(10)) {
    RedriveOptions options;
    options.dry_run = dry_run;
    options.max_apply_age = items::max_apply_age(clients_->cache->options());
    options.apply_timeout = apply_timeout;
    return Redriver(*streams_, dry_run ? nullptr : cache_.get(), options);
  }

  // id → "version body" or "not_found version" or "miss", straight from Redis.
  std::string cached(const std::string& id) {
    auto r = cache_->get(id);
    if (!r) return "error " + r.error().message;
    switch (r->status) {
      case cache::GetResult::Status::hit:
        return std::to_string(r->version) + " " + r->body;
      case cache::GetResult::Status::not_found:
        return "not_found " + std::to_string(r->version);
      case cache::GetResult::Status::miss:
        return "miss";
    }
    return "?";
  }

  // The convergence invariant: each id's cache entry is the table's current item (version and
  // body), or a tombstone above the deleted version when the table has no item.
  void expect_converged(const std::map<std::string, std::string>& expected) {
    for (const auto& [id, entry] : expected)
      EXPECT_EQ(cached(id), entry) << id;
  }

  testing::ShellResult run_binary(const std::string& args) {
    std::string command;
    for (const auto& [k, v] : env_map())
      command += k + "='" + v + "' ";
    return testing::run_shell(command + STREAMCACHE_REDRIVE_BINARY " " + args + " 2>&1");
  }

  // SQS over the JSON protocol, for what the product client does not do (create, send, count).
  json::Value sqs_call(std::string_view operation, const std::string& body) {
    auto r = sqs_->call(operation, body);
    EXPECT_TRUE(r) << operation << ": " << r.error().describe();
    return r ? *r : json::Value{};
  }

  fs::path dir_;
  std::unique_ptr<aws::DynamoDbClient> db_;
  std::unique_ptr<aws::DynamoDbStreamsClient> streams_;
  std::unique_ptr<aws::ServiceClient> sqs_;
  std::unique_ptr<items::Clients> clients_;
  std::unique_ptr<items::RedisItemCache> cache_;
  std::string stream_arn_;
  std::string shard_;
};

constexpr const char* kA2 = R"(2 {"id":"a","name":"a2","version":2})";
constexpr const char* kB2 = R"(2 {"id":"b","name":"b2","version":2})";
constexpr const char* kC1 = R"(1 {"id":"c","name":"c1","version":1})";

TEST_F(RedriveTest, FileRedriveConvergesTheCacheAndASecondRunChangesNothing) {
  // The cache missed these writes (their batches went to the on-failure file): it still holds
  // older versions of a and b, nothing for c, and d as it was before its delete.
  cache_version("a", 1, "a1");
  cache_version("b", 1, "b1");
  cache_version("d", 1, "d1");
  put("a", 2, "a2");
  put("b", 2, "b2");
  put("c", 1, "c1");
  put("d", 1, "d1");  // the cache has it already: a no-op
  remove("d");
  const auto records = stream_records();
  ASSERT_EQ(records.size(), 5U);
  ASSERT_EQ(cached("a"), R"(1 {"id":"a","name":"a1","version":1})");  // stale before

  const fs::path file = write_file(
      "failures.jsonl",
      {local_line(records, 0, 1),
       aws_line(shard_, records[2].sequence_number, records[4].sequence_number, 3, stream_arn_)});
  std::vector<BatchReport> reports;
  auto r = redriver();
  Summary first =
      redrive_file(file, r, [&](const BatchReport& report) { reports.push_back(report); });
  EXPECT_TRUE(first.all_redriven()) << format_summary(first);
  EXPECT_EQ(first.exit_code(), 0);
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_EQ(reports[0].source, "line 1");
  EXPECT_EQ(reports[0].outcome, Outcome::applied) << format_report(reports[0]);
  EXPECT_EQ(reports[0].records, 2U);
  EXPECT_EQ(reports[1].records, 3U);
  EXPECT_EQ(first.applied, 4) << format_summary(first);  // a2, b2, c1 and d's tombstone
  EXPECT_EQ(first.stale, 1) << format_summary(first);    // d1
  expect_converged({{"a", kA2}, {"b", kB2}, {"c", kC1}, {"d", "not_found 2"}});

  // Replays are no-ops: nothing applied, every entry as it was.
  reports.clear();
  Summary second =
      redrive_file(file, r, [&](const BatchReport& report) { reports.push_back(report); });
  EXPECT_TRUE(second.all_redriven()) << format_summary(second);
  EXPECT_EQ(second.applied, 0) << format_summary(second);
  EXPECT_EQ(second.stale, 5) << format_summary(second);
  expect_converged({{"a", kA2}, {"b", kB2}, {"c", kC1}, {"d", "not_found 2"}});
}

TEST_F(RedriveTest, ABatchRedisDidNotTakeIsNotDoneAndTheNextRunAppliesIt) {
  put("a", 2, "a2");
  const auto records = stream_records();
  const fs::path file = write_file("failures.jsonl", {local_line(records, 0, 0)});
  redis_->kill();
  std::vector<BatchReport> reports;
  auto down = redriver(false, std::chrono::milliseconds(300));
  Summary failed =
      redrive_file(file, down, [&](const BatchReport& report) { reports.push_back(report); });
  EXPECT_EQ(failed.exit_code(), 1) << format_summary(failed);
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_EQ(reports[0].outcome, Outcome::apply_failed) << format_report(reports[0]);
  EXPECT_EQ(reports[0].failed, 1) << format_report(reports[0]);

  redis_->restart();
  auto up = redriver();
  Summary applied = redrive_file(file, up, [](const BatchReport&) {});
  EXPECT_TRUE(applied.all_redriven()) << format_summary(applied);
  expect_converged({{"a", kA2}});
}

TEST_F(RedriveTest, PastRetentionIsReportedNonZeroAndTheOtherBatchesStillApply) {
  put("a", 2, "a2");
  put("b", 2, "b2");
  const auto records = stream_records();
  ASSERT_EQ(records.size(), 2U);
  // The stream of a table that is gone (DeleteTable; after 24 h the stream is gone too).
  const std::string gone =
      "arn:aws:dynamodb:us-east-1:123456789012:table/gone/stream/2019-11-14T00:04:06.388";
  const fs::path file = write_file(
      "failures.jsonl",
      {aws_line(shard_, "800000000003126276362", "800000000003126276364", 3, gone),
       local_line(records, 0, 0),
       // A sequence number this stream never reached.
       aws_line(shard_, "9100000000017454423010", "9100000000017454423010", 1, stream_arn_),
       local_line(records, 1, 1)});
  const auto result = run_binary("--file " + file.string());
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_NE(result.output.find("line 1: shard " + shard_ +
                               " sequence 800000000003126276362 to 800000000003126276364: past "
                               "retention: GetShardIterator: ResourceNotFoundException"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("line 3: shard " + shard_ +
                               " sequence 9100000000017454423010 to 9100000000017454423010: not "
                               "found"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("line 2: shard " + shard_), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("redrive: 4 batches, 2 redriven, 1 past retention, 1 not found"),
            std::string::npos)
      << result.output;
  expect_converged({{"a", kA2}, {"b", kB2}});
}

TEST_F(RedriveTest, BadLinesAreNamedCountedAndTheRestApplied) {
  put("a", 2, "a2");
  put("b", 2, "b2");
  const auto records = stream_records();
  ASSERT_EQ(records.size(), 2U);
  const fs::path file =
      write_file("failures.jsonl", {local_line(records, 0, 0), "", "{not json",
                                    R"({"requestContext":{"condition":"RecordAgeExceeded"}})",
                                    local_line(records, 1, 1)});
  const auto result = run_binary("--file " + file.string());
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_NE(result.output.find("line 3: invalid: not a Lambda on-failure record for DynamoDB "
                               "Streams: invalid JSON"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("line 4: invalid: not a Lambda on-failure record for DynamoDB "
                               "Streams: DDBStreamBatchInfo: required object is missing"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("redrive: 4 batches, 2 redriven, 2 invalid"), std::string::npos)
      << result.output;
  expect_converged({{"a", kA2}, {"b", kB2}});
}

TEST_F(RedriveTest, DryRunReadsAndAppliesNothing) {
  put("a", 2, "a2");
  const auto records = stream_records();
  const fs::path file = write_file("failures.jsonl", {local_line(records, 0, 0)});
  const auto result = run_binary("--dry-run --file " + file.string());
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("1 record: fetched (dry run)"), std::string::npos) << result.output;
  EXPECT_EQ(cached("a"), "miss");
}

TEST_F(RedriveTest, BadFlagsExitTwoAndHelpExitsZero) {
  auto bad = run_binary("--file");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--file needs a value"), std::string::npos) << bad.output;
  auto missing = run_binary("--file " + (dir_ / "nope.jsonl").string());
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("nope.jsonl: no such file"), std::string::npos) << missing.output;
  auto help = run_binary("--help");
  EXPECT_EQ(help.status, 0) << help.output;
  EXPECT_NE(help.output.find("usage: streamcache-redrive"), std::string::npos) << help.output;
}

TEST_F(RedriveTest, DevRedriveUsesTheStacksEnvAndMovesItsFileAsideOnceAllIsRedriven) {
  put("a", 2, "a2");
  put("b", 2, "b2");
  const auto records = stream_records();
  ASSERT_EQ(records.size(), 2U);
  const fs::path state = dir_ / "state";
  fs::create_directories(state);
  {
    std::ofstream env(state / "stack.env");
    for (const auto& [k, v] : env_map())
      env << "export " << k << "=" << v << "\n";
  }
  const fs::path file = state / "stream-on-failure.jsonl";
  (void)write_file("state/stream-on-failure.jsonl", {local_line(records, 0, 1)});
  const std::string dev = "STREAMCACHE_REDRIVE_BINARY=" STREAMCACHE_REDRIVE_BINARY
                          " " STREAMCACHE_SOURCE_DIR "/dev redrive --state-dir " +
                          state.string() + " 2>&1";
  auto moved_aside = [&] {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(state))
      n += entry.path().filename().string().starts_with("stream-on-failure.jsonl.redriven-");
    return n;
  };

  auto first = testing::run_shell(dev);
  EXPECT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("all redriven"), std::string::npos) << first.output;
  expect_converged({{"a", kA2}, {"b", kB2}});
  EXPECT_FALSE(fs::exists(file));
  EXPECT_EQ(moved_aside(), 1);

  auto second = testing::run_shell(dev);
  EXPECT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("nothing to redrive"), std::string::npos) << second.output;

  // Not all redriven: the lines go back to the live file for the next run.
  const std::string gone = aws_line(shard_, "800000000003126276362", "800000000003126276362", 1,
                                    "arn:aws:dynamodb:us-east-1:123456789012:table/gone/stream/x");
  (void)write_file("state/stream-on-failure.jsonl", {gone});
  auto failing = testing::run_shell(dev);
  EXPECT_EQ(failing.status, 1) << failing.output;
  EXPECT_NE(failing.output.find("past retention"), std::string::npos) << failing.output;
  std::ifstream in(file);
  std::string line;
  EXPECT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, gone);
  EXPECT_EQ(moved_aside(), 1);
  for (const auto& entry : fs::directory_iterator(state))
    EXPECT_FALSE(entry.path().filename().string().starts_with("stream-on-failure.jsonl.redriving-"))
        << entry.path();
}

TEST_F(RedriveTest, QueueMessagesAreDeletedOnlyOnceTheirBatchApplied) {
  put("a", 2, "a2");
  put("b", 2, "b2");
  const auto records = stream_records();
  ASSERT_EQ(records.size(), 2U);
  const json::Value created = sqs_call("CreateQueue", R"({"QueueName":"stream-failures"})");
  const std::string url(created.get_string("QueueUrl").value_or(""));
  ASSERT_FALSE(url.empty());
  const std::string gone_arn =
      "arn:aws:dynamodb:us-east-1:123456789012:table/gone/stream/2019-11-14T00:04:06.388";
  const std::string failing =
      aws_line(shard_, "800000000003126276362", "800000000003126276362", 1, gone_arn);
  for (const std::string& body : {local_line(records, 0, 0), failing, local_line(records, 1, 1)}) {
    json::Value send{json::Object{}};
    send.set("QueueUrl", url);
    send.set("MessageBody", body);
    (void)sqs_call("SendMessage", json::serialize(send));
  }

  aws::SqsClient sqs(sqs_->config());
  std::vector<BatchReport> reports;
  auto r = redriver();
  QueueOptions options;
  options.wait = std::chrono::seconds(0);
  options.visibility_timeout = std::chrono::seconds(1);
  Summary summary = redrive_queue(sqs, url, r, options,
                                  [&](const BatchReport& report) { reports.push_back(report); });
  EXPECT_EQ(summary.exit_code(), 1) << format_summary(summary);
  EXPECT_EQ(summary.batches, 3) << format_summary(summary);
  EXPECT_EQ(summary.done, 2) << format_summary(summary);
  EXPECT_EQ(summary.past_retention, 1) << format_summary(summary);
  expect_converged({{"a", kA2}, {"b", kB2}});

  // Only the failing message is left; it is visible again after its visibility timeout.
  std::vector<std::string> left;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto received = sqs.receive_messages(url, {10, std::chrono::seconds(0), {}});
        if (!received) return false;
        for (const auto& m : *received)
          left.push_back(m.body);
        return !left.empty();
      },
      std::chrono::seconds(20), std::chrono::milliseconds(200)));
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0], failing);
}

}  // namespace
}  // namespace streamcache::redrive
