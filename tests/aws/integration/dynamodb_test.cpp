// The DynamoDB and DynamoDB Streams clients over HTTP against each backend the tests have
// (moto_server, dynalite). Assertions follow AWS's documentation; a backend that departs from it
// skips that test with the reason (docs/dynamodb-emulators.md).
#include "aws/dynamodb.h"

#include <optional>
#include <set>

#include <gtest/gtest.h>

#include "aws/dynamodb_streams.h"
#include "support/dynamodb_backends.h"
#include "support/wait.h"
#include "test_config.h"

namespace streamcache::aws {
namespace {

using testing::DynamoFeature;

AttributeMap key(const std::string& id) {
  return {{"id", AttributeValue::string(id)}};
}

AttributeMap item(const std::string& id, int version, const std::string& body) {
  return {{"id", AttributeValue::string(id)},
          {"version", AttributeValue::number(std::to_string(version))},
          {"body", AttributeValue::string(body)}};
}

class DynamoDb : public testing::WithDynamo<DynamoDb> {
 protected:
  void SetUp() override {
    WithDynamo::SetUp();
    if (IsSkipped()) return;
    db_.emplace(testing::local_config(dynamo().endpoint()));
    auto created = testing::create_active_table(
        *db_, CreateTableRequest{"items", {"id", 'S'}, std::nullopt, std::nullopt, true});
    ASSERT_TRUE(created) << created.error().describe();
    table_ = *created;
  }

  std::optional<DynamoDbClient> db_;  // made in SetUp: the server starts on first use
  TableDescription table_;
};

TEST_P(DynamoDb, CreateTableAndDescribeIt) {
  EXPECT_EQ(table_.name, "items");
  EXPECT_FALSE(table_.arn.empty());
  auto described = db_->describe_table("items");
  ASSERT_TRUE(described) << described.error().describe();
  EXPECT_EQ(described->status, "ACTIVE");
  EXPECT_FALSE(described->stream_view);
  auto again =
      db_->create_table(CreateTableRequest{"items", {"id", 'S'}, std::nullopt, std::nullopt, true});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::resource_in_use);
  auto missing = db_->describe_table("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::resource_not_found);
}

// CreateTable is asynchronous: it answers CREATING, and DescribeTable later shows ACTIVE.
TEST_P(DynamoDb, CreateTableAnswersCreatingThenBecomesActive) {
  if (auto why = lacks(DynamoFeature::asynchronous_table_status)) GTEST_SKIP() << *why;
  auto created =
      db_->create_table(CreateTableRequest{"fresh", {"id", 'S'}, std::nullopt, std::nullopt, true});
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(created->status, "CREATING");
  auto active = testing::create_active_table(
      *db_, CreateTableRequest{"later", {"id", 'S'}, std::nullopt, std::nullopt, true});
  ASSERT_TRUE(active) << active.error().describe();
  EXPECT_EQ(active->status, "ACTIVE");
}

TEST_P(DynamoDb, PutThenConsistentGetKeepsExactNumbers) {
  AttributeMap stored = item("a", 1, "hello");
  stored.push_back({"big", AttributeValue::number("12345678901234567890123456789012345678")});
  stored.push_back({"nested", AttributeMap{{"list", std::vector<AttributeValue>{
                                                        AttributeValue::string("x"), true}}}});
  ASSERT_TRUE(db_->put_item(PutItemRequest{"items", stored, {}, ReturnValues::none}));
  auto got = db_->get_item(GetItemRequest{"items", key("a"), true});
  ASSERT_TRUE(got) << got.error().describe();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(*find_number(**got, "big"), "12345678901234567890123456789012345678");
  EXPECT_EQ(*find_string(**got, "body"), "hello");
  auto absent = db_->get_item(GetItemRequest{"items", key("zz"), true});
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());
}

// "Leading and trailing zeroes are trimmed" (DynamoDB's Number type): what is read back differs
// from what was written.
TEST_P(DynamoDb, NumbersComeBackWithoutLeadingOrTrailingZeros) {
  if (auto why = lacks(DynamoFeature::number_normalization)) GTEST_SKIP() << *why;
  AttributeMap stored = item("n", 1, "numbers");
  stored.push_back({"price", AttributeValue::number("1.50")});
  stored.push_back({"padded", AttributeValue::number("007")});
  stored.push_back({"negative", AttributeValue::number("-0.250")});
  stored.push_back({"hundred", AttributeValue::number("100")});
  ASSERT_TRUE(db_->put_item(PutItemRequest{"items", stored, {}, ReturnValues::none}));
  auto got = db_->get_item(GetItemRequest{"items", key("n"), true});
  ASSERT_TRUE(got) << got.error().describe();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(*find_number(**got, "price"), "1.5");
  EXPECT_EQ(*find_number(**got, "padded"), "7");
  EXPECT_EQ(*find_number(**got, "negative"), "-0.25");
  EXPECT_EQ(*find_number(**got, "hundred"), "100");

  UpdateItemRequest add{"items", key("n"), "SET #p = #p + :p", {}, ReturnValues::updated_new};
  add.conditions.names = {{"#p", "price"}};
  add.conditions.values = {{":p", AttributeValue::number("1.00")}};
  auto updated = db_->update_item(add);
  ASSERT_TRUE(updated) << updated.error().describe();
  EXPECT_EQ(*find_number(*updated, "price"), "2.5");
}

// Numbers have at most 38 significant digits, magnitude 1E-130 to 9.99...E+125; others are a
// ValidationException.
TEST_P(DynamoDb, NumbersBeyondDynamoDbsLimitsAreRejected) {
  if (auto why = lacks(DynamoFeature::number_normalization)) GTEST_SKIP() << *why;
  for (const char* number : {"123456789012345678901234567890123456789", "1E+126", "1E-131"}) {
    AttributeMap stored = item("big", 1, "b");
    stored.push_back({"n", AttributeValue::number(number)});
    auto put = db_->put_item(PutItemRequest{"items", stored, {}, ReturnValues::none});
    ASSERT_FALSE(put) << number;
    EXPECT_EQ(put.error().kind, ErrorKind::validation) << number << ": " << put.error().describe();
  }
}

TEST_P(DynamoDb, ConditionalUpdateSucceedsThenFails) {
  ASSERT_TRUE(db_->put_item(PutItemRequest{"items", item("a", 1, "v1"), {}, ReturnValues::none}));
  UpdateItemRequest update{
      "items",
      key("a"),
      "SET #b = :b, #v = :new",
      {"#v < :new",
       {{"#v", "version"}, {"#b", "body"}},
       {{":new", AttributeValue::number("2")}, {":b", AttributeValue::string("v2")}}},
      ReturnValues::all_new};
  auto updated = db_->update_item(update);
  ASSERT_TRUE(updated) << updated.error().describe();
  EXPECT_EQ(*find_string(*updated, "body"), "v2");
  EXPECT_EQ(*find_number(*updated, "version"), "2");

  auto stale = db_->update_item(update);  // version 2 < 2 is false now
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, ErrorKind::conditional_check_failed);
  EXPECT_EQ(stale.error().attempts, 1);
  EXPECT_FALSE(DynamoDbClient::item_of_failed_condition(stale.error()));  // not asked for

  auto create_only = db_->put_item(PutItemRequest{
      "items", item("a", 9, "x"), {"attribute_not_exists(id)", {}, {}, false}, ReturnValues::none});
  ASSERT_FALSE(create_only);
  EXPECT_EQ(create_only.error().kind, ErrorKind::conditional_check_failed);
}

// ReturnValuesOnConditionCheckFailure=ALL_OLD: the failure carries the item as it is.
TEST_P(DynamoDb, FailedConditionReturnsTheCurrentItemWhenAsked) {
  if (auto why = lacks(DynamoFeature::failed_condition_item)) GTEST_SKIP() << *why;
  ASSERT_TRUE(db_->put_item(PutItemRequest{"items", item("a", 4, "now"), {}, ReturnValues::none}));
  auto put = db_->put_item(PutItemRequest{
      "items", item("a", 9, "x"), {"attribute_not_exists(id)", {}, {}, true}, ReturnValues::none});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, ErrorKind::conditional_check_failed);
  auto current = DynamoDbClient::item_of_failed_condition(put.error());
  ASSERT_TRUE(current) << put.error().body;
  EXPECT_EQ(*find_number(*current, "version"), "4");
  EXPECT_EQ(*find_string(*current, "body"), "now");

  auto removed = db_->delete_item(DeleteItemRequest{
      "items",
      key("a"),
      {"#v = :v", {{"#v", "version"}}, {{":v", AttributeValue::number("3")}}, true},
      ReturnValues::none});
  ASSERT_FALSE(removed);
  current = DynamoDbClient::item_of_failed_condition(removed.error());
  ASSERT_TRUE(current) << removed.error().body;
  EXPECT_EQ(*find_number(*current, "version"), "4");
}

TEST_P(DynamoDb, DeleteReturnsAllOld) {
  ASSERT_TRUE(db_->put_item(PutItemRequest{"items", item("a", 3, "bye"), {}, ReturnValues::none}));
  auto old = db_->delete_item(DeleteItemRequest{"items", key("a"), {}, ReturnValues::all_old});
  ASSERT_TRUE(old) << old.error().describe();
  EXPECT_EQ(*find_number(*old, "version"), "3");
  auto again = db_->delete_item(DeleteItemRequest{"items", key("a"), {}, ReturnValues::all_old});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  auto conditional = db_->delete_item(DeleteItemRequest{
      "items", key("a"), {"attribute_exists(id)", {}, {}, false}, ReturnValues::none});
  ASSERT_FALSE(conditional);
  EXPECT_EQ(conditional.error().kind, ErrorKind::conditional_check_failed);
}

TEST_P(DynamoDb, ScanPaginatesOverMoreItemsThanOnePage) {
  constexpr int kItems = 57;
  for (int i = 0; i < kItems; ++i) {
    ASSERT_TRUE(db_->put_item(
        PutItemRequest{"items", item("id-" + std::to_string(i), 1, "b"), {}, ReturnValues::none}));
  }
  std::set<std::string> seen;
  std::optional<AttributeMap> start;
  int pages = 0;
  do {
    ScanRequest scan{"items", 10, start, false, "", {}, {}};
    auto page = db_->scan(scan);
    ASSERT_TRUE(page) << page.error().describe();
    ASSERT_LE(page->items.size(), 10U);
    for (const auto& it : page->items)
      EXPECT_TRUE(seen.insert(*find_string(it, "id")).second);
    start = page->last_evaluated_key;
    ++pages;
    ASSERT_LT(pages, 20);
  } while (start);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kItems));
  EXPECT_GE(pages, 6);
}

TEST_P(DynamoDb, QueryByKeyWithFilter) {
  ASSERT_TRUE(
      db_->put_item(PutItemRequest{"items", item("q", 4, "match"), {}, ReturnValues::none}));
  ASSERT_TRUE(
      db_->put_item(PutItemRequest{"items", item("r", 4, "other"), {}, ReturnValues::none}));
  QueryRequest query;
  query.table = "items";
  query.key_condition_expression = "#id = :id";
  query.filter_expression = "#v >= :min";
  query.names = {{"#id", "id"}, {"#v", "version"}};
  query.values = {{":id", AttributeValue::string("q")}, {":min", AttributeValue::number("4")}};
  query.consistent_read = true;
  auto page = db_->query(query);
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 1U);
  EXPECT_EQ(*find_string(page->items[0], "body"), "match");
  query.values[1].value = AttributeValue::number("5");
  page = db_->query(query);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->items.empty());
}

TEST_P(DynamoDb, WrongTableIsResourceNotFound) {
  auto got = db_->get_item(GetItemRequest{"missing-table", key("a"), true});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::resource_not_found);
  EXPECT_EQ(got.error().attempts, 1);
}

// DeleteTable is asynchronous: the table is DELETING until it is gone.
TEST_P(DynamoDb, DeleteTable) {
  ASSERT_TRUE(db_->delete_table("items"));
  std::string last_status;
  EXPECT_TRUE(testing::wait_until([&] {
    auto described = db_->describe_table("items");
    if (described) last_status = described->status;
    return !described && described.error().kind == ErrorKind::resource_not_found;
  })) << "still "
      << last_status;
  EXPECT_TRUE(last_status.empty() || last_status == "DELETING") << last_status;
}

INSTANTIATE_TEST_SUITE_P(Backends, DynamoDb, testing::all_dynamo_backends(),
                         testing::DynamoBackendName{});

// Streams exist on moto only (dynalite has none).
class DynamoDbStreams : public testing::WithDynamo<DynamoDbStreams> {
 protected:
  void SetUp() override {
    WithDynamo::SetUp();
    if (IsSkipped()) return;
    db_.emplace(testing::local_config(dynamo().endpoint()));
    streams_.emplace(testing::local_config(dynamo().endpoint()));
    auto created = testing::create_active_table(
        *db_, CreateTableRequest{
                  "items", {"id", 'S'}, std::nullopt, StreamView::new_and_old_images, true});
    ASSERT_TRUE(created) << created.error().describe();
    table_ = *created;
  }

  std::optional<DynamoDbClient> db_;
  std::optional<DynamoDbStreamsClient> streams_;
  TableDescription table_;
};

TEST_P(DynamoDbStreams, CreateTableWithStreamDescribesIt) {
  EXPECT_FALSE(table_.latest_stream_arn.empty());
  auto described = db_->describe_table("items");
  ASSERT_TRUE(described) << described.error().describe();
  EXPECT_EQ(described->stream_view, StreamView::new_and_old_images);
  EXPECT_EQ(described->latest_stream_arn, table_.latest_stream_arn);
}

TEST_P(DynamoDbStreams, DeliverInsertModifyRemoveInOrderWithBothImages) {
  ASSERT_TRUE(db_->put_item(PutItemRequest{"items", item("s", 1, "one"), {}, ReturnValues::none}));
  ASSERT_TRUE(db_->put_item(PutItemRequest{"items", item("s", 2, "two"), {}, ReturnValues::none}));
  ASSERT_TRUE(db_->delete_item(DeleteItemRequest{"items", key("s"), {}, ReturnValues::none}));

  auto listed = streams_->list_streams("items");
  ASSERT_TRUE(listed) << listed.error().describe();
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ(listed->front().arn, table_.latest_stream_arn);

  auto description = streams_->describe_stream_all_shards(table_.latest_stream_arn);
  ASSERT_TRUE(description) << description.error().describe();
  EXPECT_EQ(description->view_type, "NEW_AND_OLD_IMAGES");
  ASSERT_FALSE(description->shards.empty());

  std::vector<StreamRecord> records;
  for (const auto& shard : description->shards) {
    auto iterator = streams_->get_shard_iterator(table_.latest_stream_arn, shard.id,
                                                 IteratorType::trim_horizon);
    ASSERT_TRUE(iterator) << iterator.error().describe();
    std::string it = *iterator;
    for (int reads = 0; !it.empty() && reads < 10; ++reads) {
      auto page = streams_->get_records(it, 100);
      ASSERT_TRUE(page) << page.error().describe();
      for (auto& r : page->records)
        records.push_back(std::move(r));
      if (page->records.empty()) break;
      it = page->next_iterator;
    }
  }
  ASSERT_EQ(records.size(), 3U);
  EXPECT_EQ(records[0].event_name, "INSERT");
  EXPECT_FALSE(records[0].old_image);
  EXPECT_EQ(*find_string(*records[0].new_image, "body"), "one");
  EXPECT_EQ(records[1].event_name, "MODIFY");
  EXPECT_EQ(*find_number(*records[1].old_image, "version"), "1");
  EXPECT_EQ(*find_number(*records[1].new_image, "version"), "2");
  EXPECT_EQ(records[2].event_name, "REMOVE");
  EXPECT_EQ(*find_number(*records[2].old_image, "version"), "2");
  EXPECT_FALSE(records[2].new_image);
  EXPECT_LT(records[0].sequence_number.size() == records[1].sequence_number.size()
                ? records[0].sequence_number.compare(records[1].sequence_number)
                : static_cast<int>(records[0].sequence_number.size()) -
                      static_cast<int>(records[1].sequence_number.size()),
            0);

  // AFTER_SEQUENCE_NUMBER resumes after the first record.
  auto after =
      streams_->get_shard_iterator(table_.latest_stream_arn, description->shards.front().id,
                                   IteratorType::after_sequence_number, records[0].sequence_number);
  ASSERT_TRUE(after) << after.error().describe();
  auto rest = streams_->get_records(*after, 100);
  ASSERT_TRUE(rest);
  ASSERT_FALSE(rest->records.empty());
  EXPECT_EQ(rest->records.front().event_name, "MODIFY");
}

INSTANTIATE_TEST_SUITE_P(Backends, DynamoDbStreams,
                         ::testing::ValuesIn(testing::dynamo_backends_with(DynamoFeature::streams)),
                         testing::DynamoBackendName{});

}  // namespace
}  // namespace streamcache::aws
