#include "items/stream.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fakes.h"

namespace streamcache::items {
namespace {

using testing::FakeCache;

// One Lambda DynamoDB stream record (NEW_AND_OLD_IMAGES unless images are null).
json::Value record(std::string_view name, std::string_view seq, std::string_view id,
                   std::optional<std::string> new_image, std::optional<std::string> old_image) {
  std::string d = R"({"ApproximateCreationDateTime":1700000000,"Keys":{"id":{"S":")" +
                  std::string(id) + R"("}},"SequenceNumber":")" + std::string(seq) +
                  R"(","SizeBytes":10,"StreamViewType":"NEW_AND_OLD_IMAGES")";
  if (new_image) d += R"(,"NewImage":)" + *new_image;
  if (old_image) d += R"(,"OldImage":)" + *old_image;
  d += "}";
  std::string r =
      R"({"eventID":"e","eventName":")" + std::string(name) +
      R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
      R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:1:table/t/stream/x","dynamodb":)" +
      d + "}";
  return *json::parse(r);
}

std::string image(std::string_view id, std::optional<int> version, std::string_view extra = "") {
  std::string s = R"({"id":{"S":")" + std::string(id) + "\"}";
  if (version) s += R"(,"version":{"N":")" + std::to_string(*version) + "\"}";
  if (!extra.empty()) s += "," + std::string(extra);
  return s + "}";
}

std::string batch(std::initializer_list<json::Value> records) {
  json::Value e(json::Object{});
  e.set("Records", json::Array(records));
  return json::serialize(e);
}

StreamOutcome run(const std::string& event, FakeCache& cache) {
  auto plan = plan_stream_batch(event);
  EXPECT_TRUE(plan) << (plan ? "" : plan.error());
  return plan ? apply_stream_plan(*plan, cache) : StreamOutcome{};
}

TEST(StreamApply, InsertModifyRemoveBecomeVersionedOps) {
  FakeCache cache;
  auto out = run(batch({record("INSERT", "1", "a", image("a", 5, R"("n":{"N":"1.50"})"), {}),
                        record("MODIFY", "2", "a", image("a", 7), image("a", 5)),
                        record("INSERT", "3", "b", image("b", 3), {}),
                        record("REMOVE", "4", "b", {}, image("b", 3))}),
                 cache);
  EXPECT_EQ(out.applied, 4);  // three sets and one tombstone
  EXPECT_EQ(out.stale, 0);
  EXPECT_TRUE(out.response.batch_item_failures.empty());
  EXPECT_EQ(cache.entries["a"].version, 7u);
  EXPECT_EQ(cache.entries["a"].body, R"({"id":"a","version":7})");
  EXPECT_EQ(cache.entries["b"].kind, 'T');
  EXPECT_EQ(cache.entries["b"].version, 4u);
  EXPECT_EQ(cache.batches, 1);  // one round trip for the whole batch
  EXPECT_EQ(out.newest_creation_time, 1700000000.0);
}

TEST(StreamApply, BodyIsCanonicalPlainJson) {
  FakeCache cache;
  run(batch({record("INSERT", "1", "a",
                    image("a", 5, R"("z":{"M":{"b":{"N":"2"},"a":{"L":[{"BOOL":true}]}}})"), {})}),
      cache);
  EXPECT_EQ(cache.entries["a"].body, R"({"id":"a","version":5,"z":{"a":[true],"b":2}})");
}

TEST(StreamApply, DuplicatesAndOutOfOrderRecordsAreHarmless) {
  FakeCache cache;
  std::string event = batch({record("MODIFY", "2", "a", image("a", 9), image("a", 5)),
                             record("MODIFY", "1", "a", image("a", 5), image("a", 3))});
  auto first = run(event, cache);
  EXPECT_EQ(first.applied, 1);
  EXPECT_EQ(first.stale, 1);
  auto replay = run(event, cache);
  EXPECT_EQ(replay.applied, 0);
  EXPECT_EQ(replay.stale, 2);
  EXPECT_EQ(cache.entries["a"].version, 9u);
}

TEST(StreamApply, UnversionedAndKeysOnlyRecordsInvalidate) {
  FakeCache cache;
  cache.entries["u"] = {'I', 4, "{}"};
  cache.entries["k"] = {'I', 4, "{}"};
  cache.entries["r"] = {'I', 4, "{}"};
  auto out = run(batch({record("MODIFY", "1", "u", image("u", std::nullopt), {}),
                        record("MODIFY", "2", "k", {}, {}), record("REMOVE", "3", "r", {}, {})}),
                 cache);
  EXPECT_EQ(out.invalidated, 3);
  // Fenced above what was cached: a fill that read before the change can never land.
  for (const char* id : {"u", "k", "r"}) {
    EXPECT_EQ(cache.entries[id].kind, 'F') << id;
    EXPECT_GE(cache.entries[id].version, 5u) << id;
    EXPECT_EQ(cache.apply_if_newer(id, 4, "{}").value(), cache::WriteResult::stale) << id;
    EXPECT_EQ(cache.get(id)->status, cache::GetResult::Status::miss) << id;
  }
}

TEST(StreamApply, DeletedMarkersTombstoneAtTheirOwnVersion) {
  FakeCache cache;
  cache.entries["d"] = {'I', 4, "{}"};
  auto out = run(batch({record("MODIFY", "1", "d",
                               image("d", 9, R"("deletedAt":{"S":"x"},"expiresAt":{"N":"1"})"),
                               image("d", 4))}),
                 cache);
  EXPECT_EQ(out.applied, 1);
  EXPECT_EQ(cache.entries["d"].kind, 'T');
  EXPECT_EQ(cache.entries["d"].version, 9u);
}

TEST(StreamApply, VersionlessChangesFenceAboveTheOldVersion) {
  FakeCache cache;  // nothing cached: the old image alone says what a stale fill could carry
  auto out =
      run(batch({record("MODIFY", "1", "u", image("u", std::nullopt), image("u", 41))}), cache);
  EXPECT_EQ(out.invalidated, 1);
  EXPECT_EQ(cache.entries["u"].kind, 'F');
  EXPECT_EQ(cache.entries["u"].version, 42u);
}

TEST(StreamApply, VersionlessChangesWithoutAnOldVersionFenceAboveTheClockPlusSkew) {
  FakeCache cache;
  const std::int64_t now_us = 1'700'000'000'000'000;
  auto plan = plan_stream_batch(batch({record("MODIFY", "1", "u", image("u", std::nullopt), {})}),
                                {.now_us = now_us});
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->ops.size(), 1u);
  EXPECT_EQ(plan->ops[0].kind, StreamOp::Kind::invalidate);
  EXPECT_EQ(plan->ops[0].version,
            static_cast<Version>(now_us) +
                std::chrono::duration_cast<std::chrono::microseconds>(kClockSkewAllowance).count());
}

TEST(StreamApply, RecordsOlderThanTheShortestEntryLifetimeFenceInsteadOfApplying) {
  // Created at 1700000000 s; read 400 s later with entries living at least 270 s.
  const StreamPlanOptions late{.now_us = 1'700'000'400'000'000,
                               .max_apply_age = std::chrono::seconds(268)};
  auto plan = plan_stream_batch(batch({record("INSERT", "1", "a", image("a", 5), {}),
                                       record("REMOVE", "2", "b", {}, image("b", 3))}),
                                late);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->ops.size(), 2u);
  EXPECT_EQ(plan->ops[0].kind, StreamOp::Kind::fence);
  EXPECT_EQ(plan->ops[0].version, 5u);
  EXPECT_TRUE(plan->ops[0].body.empty());
  EXPECT_EQ(plan->ops[1].kind, StreamOp::Kind::fence);
  EXPECT_EQ(plan->ops[1].version, 4u);

  FakeCache cache;
  cache.entries["a"] = {'I', 7, "newer"};  // still cached: the fence leaves it alone
  auto out = apply_stream_plan(*plan, cache);
  EXPECT_EQ(out.fenced, 2);  // records too old to apply, whether their fence landed or not
  EXPECT_EQ(cache.entries["a"].body, "newer");
  EXPECT_EQ(cache.entries["b"].kind, 'F');

  const StreamPlanOptions prompt{.now_us = 1'700'000'100'000'000,
                                 .max_apply_age = std::chrono::seconds(268)};
  auto fresh = plan_stream_batch(batch({record("INSERT", "1", "a", image("a", 5), {})}), prompt);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->ops[0].kind, StreamOp::Kind::apply);
}

TEST(StreamApply, MaxApplyAgeAllowsForJitterAndWholeSeconds) {
  cache::ItemCacheOptions options;
  options.item_ttl = std::chrono::seconds(300);
  options.tombstone_ttl = std::chrono::seconds(7200);
  options.ttl_jitter = 0.1;
  EXPECT_EQ(max_apply_age(options), std::chrono::milliseconds(268'000));
}

TEST(StreamApply, TtlDeletesLeaveTombstonesToo) {
  FakeCache cache;
  json::Value ttl = record("REMOVE", "1", "t", {}, image("t", 6));
  ttl.set("userIdentity",
          *json::parse(R"({"type":"Service","principalId":"dynamodb.amazonaws.com"})"));
  auto out = run(batch({ttl}), cache);
  EXPECT_EQ(out.applied, 1);
  EXPECT_EQ(cache.entries["t"].kind, 'T');
  EXPECT_EQ(cache.entries["t"].version, 7u);
}

TEST(StreamApply, FirstRedisFailureIsTheBatchItemFailure) {
  FakeCache cache;
  cache.fail_from = 1;
  auto out = run(batch({record("INSERT", "10", "a", image("a", 1), {}),
                        record("INSERT", "11", "b", image("b", 1), {}),
                        record("INSERT", "12", "c", image("c", 1), {})}),
                 cache);
  ASSERT_EQ(out.response.batch_item_failures.size(), 1u);
  EXPECT_EQ(out.response.batch_item_failures[0].item_identifier, "11");
  EXPECT_EQ(out.applied, 1);
  EXPECT_EQ(out.failed, 2);
  EXPECT_EQ(lambda::events::serialize(out.response),
            R"({"batchItemFailures":[{"itemIdentifier":"11"}]})");
}

// A Redis outage is ridden out inside the invocation: the batch is sent again after a capped,
// jittered backoff until it applies, instead of spending one of the mapping's retries per failure.
TEST(StreamRetry, AnOutageIsRetriedInsideTheBudgetUntilTheBatchApplies) {
  FakeCache cache;
  cache.unavailable_batches = 3;
  std::vector<std::chrono::milliseconds> waits;
  const StreamRetryOptions retry{.until = Deadline::after(std::chrono::minutes(10)),
                                 .backoff_min = std::chrono::milliseconds(100),
                                 .backoff_max = std::chrono::milliseconds(300),
                                 .sleep = [&](std::chrono::milliseconds w) { waits.push_back(w); },
                                 .seed = 42};
  auto plan = plan_stream_batch(batch({record("INSERT", "10", "a", image("a", 1), {}),
                                       record("REMOVE", "11", "b", {}, image("b", 4))}));
  ASSERT_TRUE(plan);
  auto out = apply_stream_plan(*plan, cache, retry);
  EXPECT_TRUE(out.response.batch_item_failures.empty());
  EXPECT_EQ(out.attempts, 4);
  EXPECT_EQ(out.applied, 2);
  EXPECT_EQ(out.failed, 0);
  EXPECT_EQ(cache.entries["b"].kind, 'T');
  ASSERT_EQ(waits.size(), 3u);
  // Equal jitter in [b/2, b], b doubling from 100 ms and capped at 300 ms.
  const std::int64_t caps[] = {100, 200, 300};
  for (std::size_t i = 0; i < waits.size(); ++i) {
    EXPECT_GE(waits[i].count(), caps[i] / 2) << i;
    EXPECT_LE(waits[i].count(), caps[i]) << i;
  }
  // Every attempt's Redis timeouts were cut to the same budget.
  for (const Deadline& d : cache.budgets)
    EXPECT_EQ(d.when(), retry.until.when());
}

TEST(StreamRetry, ASpentBudgetReportsTheFirstRecordNotApplied) {
  FakeCache cache;
  cache.unavailable_batches = 1'000'000;  // down for longer than any budget
  const StreamRetryOptions retry{.until = Deadline::after(std::chrono::milliseconds(200)),
                                 .backoff_min = std::chrono::milliseconds(10),
                                 .backoff_max = std::chrono::milliseconds(40),
                                 .sleep = {},
                                 .seed = 7};
  auto plan = plan_stream_batch(batch({record("INSERT", "20", "a", image("a", 1), {}),
                                       record("INSERT", "21", "b", image("b", 1), {})}));
  ASSERT_TRUE(plan);
  auto out = apply_stream_plan(*plan, cache, retry);  // returns: the budget ends the retries
  ASSERT_EQ(out.response.batch_item_failures.size(), 1u);
  EXPECT_EQ(out.response.batch_item_failures[0].item_identifier, "20");
  EXPECT_GT(out.attempts, 1);
  EXPECT_EQ(out.failed, 2);
  EXPECT_TRUE(cache.entries.empty());
}

TEST(StreamRetry, WithoutABudgetThereIsOneAttempt) {
  FakeCache cache;
  cache.unavailable_batches = 1;
  auto out = run(batch({record("INSERT", "30", "a", image("a", 1), {})}), cache);
  ASSERT_EQ(out.response.batch_item_failures.size(), 1u);
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(cache.batches, 1);
}

// WRONGTYPE, NOPERM, NOAUTH or a script error will not heal by waiting: the record is reported at
// once, so the mapping's retry, bisect and on-failure policy takes it, and no budget is spent.
TEST(StreamRetry, PermanentErrorsAreReportedAtOnceWithoutRetrying) {
  FakeCache cache;
  cache.refused.insert("b");
  const StreamRetryOptions retry{
      .until = Deadline::after(std::chrono::minutes(10)),
      .backoff_min = std::chrono::milliseconds(100),
      .backoff_max = std::chrono::milliseconds(1000),
      .sleep = [](std::chrono::milliseconds) { ADD_FAILURE() << "retried a permanent error"; },
      .seed = 1};
  auto plan = plan_stream_batch(batch({record("INSERT", "40", "a", image("a", 1), {}),
                                       record("INSERT", "41", "b", image("b", 1), {}),
                                       record("INSERT", "42", "c", image("c", 1), {})}));
  ASSERT_TRUE(plan);
  auto out = apply_stream_plan(*plan, cache, retry);
  ASSERT_EQ(out.response.batch_item_failures.size(), 1u);
  EXPECT_EQ(out.response.batch_item_failures[0].item_identifier, "41");
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(out.permanent, 1);
  EXPECT_EQ(out.applied, 1);
  EXPECT_EQ(out.failed, 2);                   // b and c: Lambda delivers both again
  EXPECT_EQ(cache.entries["c"].version, 1u);  // sent in the same round trip: its replay is a no-op
}

TEST(StreamRetry, AnOutageBeforeAPermanentErrorRetriesOnlyTheRecordsBeforeIt) {
  FakeCache cache;
  cache.unavailable_times["a"] = 1;  // a transient error on its own op (BUSY, OOM)
  cache.refused.insert("b");
  const StreamRetryOptions retry{.until = Deadline::after(std::chrono::minutes(10)),
                                 .backoff_min = std::chrono::milliseconds(1),
                                 .backoff_max = std::chrono::milliseconds(1),
                                 .sleep = [](std::chrono::milliseconds) {},
                                 .seed = 1};
  auto plan = plan_stream_batch(batch({record("INSERT", "50", "a", image("a", 1), {}),
                                       record("INSERT", "51", "b", image("b", 1), {}),
                                       record("INSERT", "52", "c", image("c", 1), {})}));
  ASSERT_TRUE(plan);
  auto out = apply_stream_plan(*plan, cache, retry);
  ASSERT_EQ(out.response.batch_item_failures.size(), 1u);
  EXPECT_EQ(out.response.batch_item_failures[0].item_identifier, "51");
  EXPECT_EQ(out.attempts, 2);
  EXPECT_EQ(cache.batch_sizes, (std::vector<std::size_t>{3, 1}));  // the retry sent `a` alone
  EXPECT_EQ(out.applied, 1);
  EXPECT_EQ(out.permanent, 1);
  EXPECT_EQ(out.failed, 2);  // b and c: Lambda delivers both again (c's replay is a no-op)
}

TEST(StreamRetry, TheInvocationBudgetLeavesAMarginToAnswer) {
  using std::chrono::milliseconds;
  auto left = [](Deadline d) { return std::chrono::duration_cast<milliseconds>(d.remaining()); };
  // 10 % of a 30 s timeout; at least 1 s; at most half of what is left.
  EXPECT_LE(left(invocation_budget(milliseconds(30'000))), milliseconds(27'000));
  EXPECT_GT(left(invocation_budget(milliseconds(30'000))), milliseconds(26'000));
  EXPECT_LE(left(invocation_budget(milliseconds(5'000))), milliseconds(4'000));
  EXPECT_GT(left(invocation_budget(milliseconds(5'000))), milliseconds(3'000));
  EXPECT_LE(left(invocation_budget(milliseconds(1'000))), milliseconds(500));
  EXPECT_GT(left(invocation_budget(milliseconds(1'000))), milliseconds(0));
  EXPECT_TRUE(invocation_budget(milliseconds(0)).expired());
  EXPECT_TRUE(invocation_budget(milliseconds(-5)).expired());
}

TEST(StreamApply, PoisonRecordsAreSkippedNotBlocking) {
  FakeCache cache;
  json::Value bad_type = record("INSERT", "2", "x", image("x", 1), {});
  bad_type.set("eventName", json::Value::integer(42));
  auto out = run(batch({record("INSERT", "1", "a", R"({"id":{"S":"a"},"bad":{"Q":"1"}})", {}),
                        bad_type, record("INSERT", "3", "", image("", 1), {}),
                        record("MODIFY", "4", "a", image("b", 2), {}),  // ids disagree
                        record("INSERT", "5", "ok", image("ok", 1), {})}),
                 cache);
  EXPECT_EQ(out.skipped, 4);
  EXPECT_EQ(out.applied, 1);
  EXPECT_TRUE(out.response.batch_item_failures.empty());
  EXPECT_FALSE(cache.entries.contains("a"));
}

TEST(StreamApply, UndecodableEventIsAnError) {
  EXPECT_FALSE(plan_stream_batch("nope"));
  EXPECT_FALSE(plan_stream_batch(R"({"Records":3})"));
  auto empty = plan_stream_batch(R"({"Records":[]})");
  ASSERT_TRUE(empty);
  FakeCache cache;
  EXPECT_TRUE(apply_stream_plan(*empty, cache).response.batch_item_failures.empty());
  EXPECT_EQ(cache.batches, 0);
}

// apply_stream_batch hands each record's op to the cache as soon as it is planned, so Redis works
// while the rest is decoded; the first execute() then carries the whole plan, those ops first.
TEST(StreamSendAhead, EachOpGoesToTheCacheAsSoonAsItsRecordIsPlanned) {
  FakeCache cache;
  const std::string event = batch({record("INSERT", "1", "a", image("a", 5), {}),
                                   record("INSERT", "2", "", image("", 1), {}),  // poison: no op
                                   record("MODIFY", "3", "b", image("b", 7), image("b", 6)),
                                   record("REMOVE", "4", "c", {}, image("c", 2))});
  auto out = apply_stream_batch(event, {}, cache);
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(cache.started, 1);
  EXPECT_EQ(cache.abandoned, 0);
  EXPECT_EQ(cache.sent_ahead, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(cache.ahead_prefix_matches);
  EXPECT_EQ(cache.batches, 1);
  EXPECT_EQ(out->applied, 3);
  EXPECT_EQ(out->skipped, 1);
  EXPECT_EQ(cache.entries["c"].kind, 'T');
}

TEST(StreamSendAhead, AnOutageIsRetriedWithTheOpsNotApplied) {
  FakeCache cache;
  cache.unavailable_batches = 1;
  StreamRetryOptions retry;
  retry.until = Deadline::after(std::chrono::minutes(1));
  retry.sleep = [](std::chrono::milliseconds) {};
  auto out = apply_stream_batch(batch({record("INSERT", "1", "a", image("a", 5), {}),
                                       record("INSERT", "2", "b", image("b", 3), {})}),
                                {}, cache, retry);
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(cache.batches, 2);
  EXPECT_EQ(cache.sent_ahead.size(), 2u);  // sent ahead once, by the first attempt only
  EXPECT_EQ(out->applied, 2);
  EXPECT_EQ(out->attempts, 2);
  EXPECT_TRUE(out->response.batch_item_failures.empty());
}

TEST(StreamSendAhead, AnEventThatIsNotABatchOrHasNoOpAbandonsTheStartedBatch) {
  FakeCache cache;
  EXPECT_FALSE(apply_stream_batch("nope", {}, cache));
  EXPECT_FALSE(apply_stream_batch(R"({"Records":3})", {}, cache));
  auto empty = apply_stream_batch(R"({"Records":[]})", {}, cache);
  ASSERT_TRUE(empty);
  EXPECT_EQ(cache.started, 3);
  EXPECT_EQ(cache.abandoned, 3);
  EXPECT_FALSE(cache.open);
  EXPECT_EQ(cache.batches, 0);
}

TEST(StreamApply, SixMegabyteBatchIsOneRoundTrip) {
  FakeCache cache;
  json::Array records;
  std::string padding(60 * 1024, 'p');
  for (int i = 0; i < 100; ++i) {
    std::string id = "i" + std::to_string(i);
    records.push_back(record("INSERT", std::to_string(1000 + i), id,
                             image(id, i + 1, R"("pad":{"S":")" + padding + "\"}"), {}));
  }
  json::Value e(json::Object{});
  e.set("Records", std::move(records));
  std::string event = json::serialize(e);
  ASSERT_GT(event.size(), 6'000'000u);
  auto out = run(event, cache);
  EXPECT_EQ(out.applied, 100);
  EXPECT_EQ(cache.batches, 1);
}

TEST(StreamApply, FixtureRecordsWithoutAnIdAreSkipped) {
  const char* source = std::getenv("STREAMCACHE_SOURCE_DIR");
  std::ifstream in(std::filesystem::path(source ? source : "/nonexistent") / ".." / "shared" /
                   "testdata" / "lambda-events" / "example-dynamodb-event.json");
  if (!in) GTEST_SKIP() << "no fixtures";
  std::stringstream text;
  text << in.rdbuf();
  auto plan = plan_stream_batch(text.str());
  ASSERT_TRUE(plan);
  // The AWS sample table is keyed by `key`/`val`, not `id`: every record is a logged skip.
  EXPECT_EQ(static_cast<std::size_t>(plan->skipped), plan->sequence_numbers.size());
  EXPECT_TRUE(plan->ops.empty());
}

}  // namespace
}  // namespace streamcache::items
