// The event source mapping against a real moto_server stream, delivering to the probe bootstrap,
// which logs every record it sees to $PROBE_LOG. The records are written before the host starts,
// so TRIM_HORIZON reads them as one batch and the retry paths are deterministic.
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>

#include "aws/dynamodb.h"
#include "json/json.h"
#include "local/host.h"
#include "support/process.h"
#include "support/shared_servers.h"
#include "support/wait.h"

namespace streamcache::local {
namespace {

namespace fs = std::filesystem;
using aws::AttributeMap;
using aws::AttributeValue;

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

class StreamMappingTest : public testing::WithMoto<StreamMappingTest> {
 protected:
  void SetUp() override {
    moto_->reset();
    dir_ = testing::make_log_dir("local_stream");
    aws::ClientConfig config;
    config.region = "us-east-1";
    config.credentials = {"testing", "testing", ""};
    config.endpoint = moto_->endpoint();
    db_ = std::make_unique<aws::DynamoDbClient>(config);
    aws::CreateTableRequest table;
    table.table = "items";
    table.hash_key = {"id", 'S'};
    table.stream = aws::StreamView::new_and_old_images;
    auto created = db_->create_table(table);
    ASSERT_TRUE(created) << created.error().describe();
  }

  void put(const std::string& id, const std::string& flag = {}) {
    AttributeMap item = {aws::Attribute{"id", AttributeValue::string(id)}};
    if (!flag.empty()) item.push_back(aws::Attribute{flag, AttributeValue(true)});
    auto r = db_->put_item(aws::PutItemRequest{"items", item, {}, aws::ReturnValues::none});
    ASSERT_TRUE(r) << r.error().describe();
  }

  void start(const std::string& mapping_json) {
    const std::string text = R"({"name":"t","table":{"name":"items"},
      "code":{"stream_handler":{"path":")" STREAMCACHE_PROBE_BOOTSTRAP R"("}},
      "environment_variables":{"PROBE_LOG":")" +
                             (dir_ / "probe.log").string() + R"("},
      "event_source_mapping":)" +
                             mapping_json + R"(,
      "local":{"aws_endpoint_url":")" +
                             moto_->endpoint() + R"(","stream_poll_interval_ms":50}})";
    auto config = parse_stack_config(text, dir_, fixed_env({}));
    ASSERT_TRUE(config) << config.error();
    config->mapping.on_failure_file = dir_ / "failures.jsonl";
    auto host = LocalHost::start(std::move(*config), sink_);
    ASSERT_TRUE(host) << host.error();
    host_ = std::move(*host);
  }

  // "ok a", "fail b", ... without the sequence numbers.
  std::vector<std::string> deliveries() const {
    std::vector<std::string> out;
    for (const auto& line : read_lines(dir_ / "probe.log"))
      out.push_back(line.substr(0, line.rfind(' ')));
    return out;
  }

  void TearDown() override {
    host_.reset();
    if (HasFailure()) {
      std::lock_guard lock(mutex_);
      for (const auto& l : lines_)
        std::fprintf(stderr, "%s\n", l.c_str());
    }
  }

  fs::path dir_;
  std::unique_ptr<aws::DynamoDbClient> db_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
  LogSink sink_{[this](std::string_view line) {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }};
  std::unique_ptr<LocalHost> host_;
};

TEST_F(StreamMappingTest, DeliversRecordsInOrder) {
  put("a");
  put("b");
  start(R"({"batch_size":2})");
  put("c");  // written while polling: delivered too
  ASSERT_TRUE(testing::wait_until([&] { return deliveries().size() >= 3; }));
  EXPECT_EQ(deliveries(), (std::vector<std::string>{"ok a", "ok b", "ok c"}));
  const auto lines = read_lines(dir_ / "probe.log");
  std::vector<std::string> seqs;
  for (const auto& l : lines)
    seqs.push_back(l.substr(l.rfind(' ') + 1));
  EXPECT_LT(seqs[0], seqs[1]);
  EXPECT_FALSE(fs::exists(dir_ / "failures.jsonl"));
  // The counter moves when the invocation's result is in, a moment after the probe logged it.
  std::optional<json::Value> health;
  EXPECT_TRUE(testing::wait_until([&] {
    auto h = json::parse(host_->health());
    if (!h) return false;
    health = std::move(*h);
    return health->find("eventSourceMapping")->get_int("recordsDelivered") == 3;
  })) << (health ? json::serialize(*health) : std::string("no health document"));
  ASSERT_TRUE(health);
  EXPECT_NE(health->find("eventSourceMapping")->get_string("streamArn")->find("table/items/stream"),
            std::string::npos);
}

TEST_F(StreamMappingTest, PartialFailureRetriesFromTheFailedRecordThenGoesToTheDestination) {
  put("x");
  put("y", "fail");
  put("z");
  start(R"({"batch_size":10,"maximum_retry_attempts":1})");
  // The file may exist a moment before its line is complete: wait for the line.
  ASSERT_TRUE(testing::wait_until([&] {
    const auto lines = read_lines(dir_ / "failures.jsonl");
    return !lines.empty() && json::parse(lines.front()).has_value();
  }));
  // x is checkpointed after the first attempt; the retry starts at y; then y and z are given up.
  EXPECT_EQ(deliveries(), (std::vector<std::string>{"ok x", "fail y", "ok z", "fail y", "ok z"}));
  const auto failures = read_lines(dir_ / "failures.jsonl");
  ASSERT_EQ(failures.size(), 1U);
  auto record = json::parse(failures[0]);
  ASSERT_TRUE(record) << failures[0];
  EXPECT_EQ(*record->find("requestContext")->get_string("condition"), "RetryAttemptsExhausted");
  EXPECT_EQ(*record->find("requestContext")->get_string("functionArn"),
            "arn:aws:lambda:us-east-1:000000000000:function:t-stream-handler");
  EXPECT_EQ(record->find("DDBStreamBatchInfo")->get_int("batchSize"), 2);
  const auto lines = read_lines(dir_ / "probe.log");
  EXPECT_EQ(*record->find("DDBStreamBatchInfo")->get_string("startSequenceNumber"),
            lines[1].substr(lines[1].rfind(' ') + 1));
}

TEST_F(StreamMappingTest, FunctionErrorBisectsToThePoisonRecord) {
  put("p1");
  put("p2", "crash");
  put("p3");
  put("p4");
  start(R"({"batch_size":4,"maximum_retry_attempts":0,"bisect_batch_on_function_error":true})");
  ASSERT_TRUE(testing::wait_until([&] {
    const auto d = deliveries();
    return !d.empty() && d.back() == "ok p4";
  }));
  // [p1..p4] fails at p2; [p1,p2] fails; [p1] succeeds; [p2] fails and is given up; [p3,p4].
  EXPECT_EQ(deliveries(), (std::vector<std::string>{"ok p1", "crash p2", "ok p1", "crash p2",
                                                    "ok p1", "crash p2", "ok p3", "ok p4"}));
  const auto failures = read_lines(dir_ / "failures.jsonl");
  ASSERT_EQ(failures.size(), 1U);
  auto record = json::parse(failures[0]);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->find("DDBStreamBatchInfo")->get_int("batchSize"), 1);
  EXPECT_EQ(*record->find("responseContext")->get_string("functionError"), "Unhandled");
}

}  // namespace
}  // namespace streamcache::local
