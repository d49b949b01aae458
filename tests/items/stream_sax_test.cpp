// The SAX stream planner against the DOM one it replaced: for the test events, the robustness
// corpus and a seeded generator of valid and damaged records, plan_stream_batch gives the very plan
// (ops, bodies byte for byte, sequence numbers, skips and their reasons, creation time) that
// plan_stream_batch_dom gives, and valid records never need the DOM.
#include "items/stream_sax.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "items/stream.h"
#include "items/stream_dom.h"
#include "stream_corpus.h"
#include "support/json_mutator.h"

namespace streamcache::items {
namespace {

using streamcache::testing::JsonMutator;

const StreamPlanOptions kOptions{.now_us = 1'700'000'100'000'000,
                                 .max_apply_age = std::chrono::seconds(50)};

::testing::AssertionResult same_plan(const std::string& event, const StreamPlanOptions& options,
                                     std::size_t* reread = nullptr) {
  auto dom = detail::plan_stream_batch_dom(event, options);
  auto sax = plan_stream_batch(event, options);
  auto fail = [&](const std::string& what) {
    return ::testing::AssertionFailure() << what << "; event: " << event;
  };
  if (dom.has_value() != sax.has_value())
    return fail(dom ? "only the SAX planner refused it: " + sax.error()
                    : "only the DOM planner refused it: " + dom.error());
  if (!dom)
    return dom.error() == sax.error() ? ::testing::AssertionSuccess()
                                      : fail(dom.error() + " != " + sax.error());
  if (dom->sequence_numbers != sax->sequence_numbers) return fail("sequence numbers differ");
  if (dom->skipped != sax->skipped) return fail("skipped counts differ");
  if (dom->newest_creation_time != sax->newest_creation_time) return fail("creation time differs");
  if (dom->skips != sax->skips) {
    std::string reasons;
    for (const auto& s : sax->skips)
      reasons += " [" + std::to_string(s.record) + "] " + s.reason;
    return fail("skips differ:" + reasons);
  }
  if (dom->ops.size() != sax->ops.size()) return fail("op counts differ");
  for (std::size_t i = 0; i < dom->ops.size(); ++i) {
    const StreamOp& a = dom->ops[i];
    const StreamOp& b = sax->ops[i];
    if (a.kind != b.kind || a.id != b.id || a.version != b.version || a.record != b.record)
      return fail("op " + std::to_string(i) + " differs");
    if (a.body != b.body)
      return fail("body " + std::to_string(i) + ": " + a.body + " != " + b.body);
  }
  if (reread != nullptr) {
    StreamPlan plan;
    if (!detail::plan_stream_batch_sax(event, options, plan, reread)) return fail("SAX refused");
  }
  return ::testing::AssertionSuccess();
}

// Records in the DynamoDB JSON the stream delivers, valid unless `damage` is set.
class RecordGenerator {
 public:
  explicit RecordGenerator(std::uint32_t seed, bool damage) : rng_(seed), damage_(damage) {}

  std::string batch(int records) {
    std::string out = R"({"Records":[)";
    for (int i = 0; i < records; ++i)
      out += (i > 0 ? "," : "") + record(i);
    return out + "]}";
  }

 private:
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool one_in(int n) { return below(n) == 0; }
  bool damaged(int n) { return damage_ && one_in(n); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(below(static_cast<int>(v.size())))];
  }

  std::string string_literal() {
    static const std::vector<std::string> kStrings = {
        R"("lamp")",           R"("")",
        R"("q\"uote")",        R"("back\\slash")",
        R"("\u00e9t\u00e9!")", "\"\xc3\xa9t\xc3\xa9\"",
        R"("\/slash")",        R"("tab\tnl\n")",
        R"("\u0001ctl")",      R"("\ud83d\ude00")",
        R"("\u007f")",         R"("a b c d e f g h")"};
    return pick(kStrings);
  }
  std::string number_text() {
    static const std::vector<std::string> kValid = {
        "1",         "1.50",    "-0",
        "+3",        ".5",      "1E+3",
        "-1.2300E2", "0.000",   "12345678901234567890123456789012345678",
        "1e-130",    "9.9e125", "1700000000000001"};
    static const std::vector<std::string> kInvalid = {
        "0e1000", "abc", "1e126", "", "1.2.3", "123456789012345678901234567890123456789"};
    return damaged(30) ? pick(kInvalid) : pick(kValid);
  }
  std::string base64_text() {
    static const std::vector<std::string> kValid = {"AAEC", "QR==", "", "AA==", "/+9z", "QUI="};
    static const std::vector<std::string> kInvalid = {"AA=", "!!!!", "A===", "AA=A"};
    return damaged(30) ? pick(kInvalid) : pick(kValid);
  }
  std::string name() {
    static const std::vector<std::string> kNames = {
        R"("a")",    R"("b")",  R"("B")",     R"("zeta")", R"("")",  "\"\xc3\xa9\"", R"("\u00e9")",
        R"("a\"b")", R"("aa")", R"("price")", R"("tags")", R"("Z")", R"("_")",       R"("~")"};
    return pick(kNames);
  }

  std::string set_of(const std::string& type) {
    std::string out = "[";
    const int n = damaged(20) ? 0 : 1 + below(3);
    std::vector<std::string> members;
    for (int i = 0; i < n; ++i) {
      std::string m = type == "SS"   ? string_literal()
                      : type == "NS" ? "\"" + number_text() + "\""
                                     : "\"" + base64_text() + "\"";
      if (!damaged(10)) {
        bool dup = false;
        for (const auto& seen : members)
          dup = dup || seen == m;
        if (dup) continue;
      }
      members.push_back(m);
      out += (members.size() > 1 ? "," : "") + m;
    }
    return out + "]";
  }

  std::string value(int depth) {
    if (damaged(60)) {
      static const std::vector<std::string> kBroken = {"{}",
                                                       R"({"S":"a","N":"1"})",
                                                       R"({"X":"a"})",
                                                       R"({"N":5})",
                                                       R"({"BOOL":"x"})",
                                                       R"({"NULL":false})",
                                                       R"({"NULL":null})",
                                                       R"({"M":[]})",
                                                       R"({"L":{}})",
                                                       "null",
                                                       R"("S")",
                                                       R"({"S":null})",
                                                       R"({"SS":["a",1]})",
                                                       R"({"BS":["AA==","AP=="]})",
                                                       R"({"L":[1]})",
                                                       R"({"M":{"a":1}})"};
      return pick(kBroken);
    }
    switch (below(depth < 4 ? 10 : 7)) {
      case 0:
        return R"({"S":)" + string_literal() + "}";
      case 1:
        return R"({"N":")" + number_text() + "\"}";
      case 2:
        return R"({"B":")" + base64_text() + "\"}";
      case 3:
        return one_in(2) ? R"({"BOOL":true})" : R"({"BOOL":false})";
      case 4:
        return R"({"NULL":true})";
      case 5: {
        static const std::vector<std::string> kTypes = {"SS", "NS", "BS"};
        const std::string& type = pick(kTypes);
        return "{\"" + type + "\":" + set_of(type) + "}";
      }
      case 6:
        return R"({"S":)" + string_literal() + "}";
      case 7:
      case 8:
        return R"({"M":)" + map(depth + 1, "") + "}";
      default: {
        std::string out = R"({"L":[)";
        for (int n = below(4), i = 0; i < n; ++i)
          out += (i > 0 ? "," : "") + value(depth + 1);
        return out + "]}";
      }
    }
  }

  // A map whose members come in random order; `fixed` members are shuffled in.
  std::string map(int depth, const std::string& fixed) {
    std::vector<std::string> members;
    if (!fixed.empty()) members.push_back(fixed);
    for (int n = below(depth == 0 ? 6 : 4), i = 0; i < n; ++i)
      members.push_back(name() + ":" + value(depth));
    std::shuffle(members.begin(), members.end(), rng_);
    std::string out = "{";
    for (std::size_t i = 0; i < members.size(); ++i)
      out += (i > 0 ? "," : "") + members[i];
    return out + "}";
  }

  std::string image(const std::string& id, std::int64_t version) {
    std::string fixed;
    auto add = [&](const std::string& member) { fixed += (fixed.empty() ? "" : ",") + member; };
    if (!damaged(25)) {
      add(R"("id":{"S":")" + (damaged(25) ? "other" : id) + "\"}");
    } else if (one_in(2)) {
      add(R"("id":{"N":"1"})");
    }
    if (one_in(12)) {
      // no version: written by another tool
    } else if (damaged(10)) {
      static const std::vector<std::string> kVersions = {
          R"("version":{"N":"9007199254740992"})", R"("version":{"N":"-1"})",
          R"("version":{"N":"1.0"})", R"("version":{"S":"5"})",
          R"("version":{"N":"9007199254740991"})"};
      add(pick(kVersions));
    } else {
      add(R"("version":{"N":")" + std::to_string(version) + "\"}");
    }
    if (one_in(15)) add(R"("deletedAt":{"S":"2026-11-24T10:00:00.000Z"})");
    if (damaged(40)) add(R"("id":{"S":"second"})");
    // `fixed` stays one comma-joined chunk inside the shuffled members: that is valid JSON.
    return map(0, fixed);
  }

  std::string record(int index) {
    const std::string id = damaged(40) ? std::string(200, 'x') : "item-" + std::to_string(below(8));
    const std::int64_t version = 1'700'000'000'000'000 + below(1000);
    static const std::vector<std::string> kNames = {"INSERT", "MODIFY", "REMOVE"};
    const std::string& name = pick(kNames);
    std::vector<std::string> db;
    if (!damaged(30)) {
      db.push_back(one_in(10)  ? R"("ApproximateCreationDateTime":1700000090.5)"
                   : one_in(3) ? R"("ApproximateCreationDateTime":1700000000)"
                               : R"("ApproximateCreationDateTime":1700000080)");
    } else {
      static const std::vector<std::string> kTimes = {R"("ApproximateCreationDateTime":null)",
                                                      R"("ApproximateCreationDateTime":"1")",
                                                      R"("ApproximateCreationDateTime":1e999)"};
      db.push_back(pick(kTimes));
    }
    const int view = below(4);  // KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES
    // Without Keys the id comes from an image: NEW_AND_OLD_IMAGES always has one.
    if (!one_in(20) || (view != 3 && !damage_)) {
      db.push_back(damaged(30) ? R"("Keys":{"id":{"N":"1"}})"
                               : R"("Keys":{"id":{"S":")" + id + "\"}}");
    }
    if (name != "REMOVE" && (view == 1 || view == 3))
      db.push_back(R"("NewImage":)" + image(id, version));
    if (name != "INSERT" && (view == 2 || view == 3))
      db.push_back(R"("OldImage":)" + image(id, version - 1));
    if (damaged(30)) db.push_back(R"("NewImage":null)");
    db.push_back(damaged(40) ? R"("SequenceNumber":12)"
                             : R"("SequenceNumber":")" + std::to_string(100000000 + index) + "\"");
    db.push_back(damaged(40) ? R"("SizeBytes":1.5)" : R"("SizeBytes":420)");
    db.push_back(R"("StreamViewType":"NEW_AND_OLD_IMAGES")");
    if (one_in(10)) db.push_back(R"("Extra":{"nested":[1,{"a":null}]})");
    std::shuffle(db.begin(), db.end(), rng_);
    std::string dynamodb = "{";
    for (std::size_t i = 0; i < db.size(); ++i)
      dynamodb += (i > 0 ? "," : "") + db[i];
    dynamodb += "}";

    std::vector<std::string> r = {
        R"("eventID":"e)" + std::to_string(index) + "\"",
        damaged(40) ? R"("eventName":"BOGUS")" : R"("eventName":")" + name + "\"",
        R"("eventVersion":"1.1")",
        R"("eventSource":"aws:dynamodb")",
        R"("awsRegion":null)",
        R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:1:table/t/stream/x")",
        R"("dynamodb":)" + dynamodb};
    if (one_in(8))
      r.push_back(R"("userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"})");
    if (damaged(40)) r.push_back(R"("userIdentity":"x")");
    if (damaged(40)) r.push_back(R"("eventID":7)");
    if (one_in(10)) r.push_back(R"("unknown":[{"deep":{"er":[true]}}])");
    std::shuffle(r.begin(), r.end(), rng_);
    std::string out = "{";
    for (std::size_t i = 0; i < r.size(); ++i)
      out += (i > 0 ? "," : "") + r[i];
    return out + "}";
  }

  std::mt19937 rng_;
  bool damage_;
};

TEST(StreamSax, ValidGeneratedRecordsPlanAsTheDomDoesWithoutIt) {
  RecordGenerator generate(20261130, false);
  for (int i = 0; i < 300; ++i) {
    std::size_t reread = 0;
    const std::string event = generate.batch(1 + i % 7);
    ASSERT_TRUE(same_plan(event, kOptions, &reread)) << "case " << i;
    ASSERT_EQ(reread, 0u) << "a valid record went to the DOM planner: " << event;
    ASSERT_TRUE(same_plan(event, {.now_us = 1'700'000'000'000'000})) << "case " << i;
  }
}

TEST(StreamSax, DamagedGeneratedRecordsGetTheDomsOpsAndReasons) {
  RecordGenerator generate(20261201, true);
  std::size_t reread_total = 0;
  for (int i = 0; i < 1500; ++i) {
    std::size_t reread = 0;
    ASSERT_TRUE(same_plan(generate.batch(1 + i % 5), kOptions, &reread)) << "case " << i;
    reread_total += reread;
  }
  EXPECT_GT(reread_total, 100u) << "the damage should reach the DOM planner often";
}

TEST(StreamSax, RobustnessCorpusPlansAsTheDomDoes) {
  const std::string seed_text = corpus::stream_batch_seed();
  const json::Value seed = *json::parse(seed_text);
  for (std::uint32_t seed_offset : {1u, 2u, 3u}) {
    JsonMutator mutate(20261124 + seed_offset);  // +1 is robustness_test's own corpus
    for (int i = 0; i < 1500; ++i) {
      const std::string input = mutate.damage(seed_text, seed);
      ASSERT_TRUE(same_plan(input, {.now_us = 1'700'000'000'000'000})) << "case " << i;
      ASSERT_TRUE(same_plan(input, kOptions)) << "case " << i;
    }
  }
}

TEST(StreamSax, EventsThatAreNotBatchesFailAsBefore) {
  for (const std::string& event : std::vector<std::string>{
           "nope",
           // Raw control characters, 0x1A-0x1F too (RapidJSON 1.1.0's SSE2 scan misses those).
           "{\"Records\":[{\"even\x1etID\":\"e1\"}]}", "{\"Records\":[{\"eventID\":\"\x1a\"}]}",
           "{\"Records\":[{\"eventID\":\"\x01\"}]}", R"({"Records":3})", R"({"Records":null})",
           R"([])", R"({})", R"({"Records":[1]})", R"({"Records":[]} x)",
           R"({"Records":[],"Records":3})", R"({"a":1,"Records":[{}]})",
           "{\"Records\":[{\"eventID\":\"\xff\"}]}", R"({"Records":[{"eventID":"\udc00"}]})",
           std::string(200, '[') + std::string(200, ']'),
           R"({"Records":[{"x":)" + std::string(130, '[') + std::string(130, ']') + "}]}",
           R"({"Records":[{"x":)" + std::string(120, '[') + std::string(120, ']') + "}]}"}) {
    EXPECT_TRUE(same_plan(event, kOptions));
  }
  // Deep inside long strings, where the SSE2 scan reads whole 16-byte blocks.
  for (char c = 0x1a; c <= 0x1f; ++c) {
    for (std::size_t at : {17u, 40u, 63u}) {
      std::string text(80, 'a');
      text[at] = c;
      EXPECT_TRUE(same_plan("{\"Records\":[{\"eventID\":\"" + text + "\"}]}", kOptions))
          << int{c} << " at " << at;
    }
  }
}

TEST(StreamSax, BodiesAreCanonical) {
  const std::string event =
      R"({"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"id":{"S":"a"}},"NewImage":)"
      R"({"z":{"M":{"y":{"N":"1"},"b":{"L":[{"M":{"d":{"S":"\u00e9"},"c":{"B":"QR=="}}}]}}},)"
      R"("id":{"S":"a"},"version":{"N":"7"},"s":{"NS":["2","1"]},"n":{"NULL":true}},)"
      R"("SequenceNumber":"1"}}]})";
  auto plan = plan_stream_batch(event);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->ops.size(), 1u);
  EXPECT_EQ(plan->ops[0].body,
            "{\"id\":\"a\",\"n\":null,\"s\":[2,1],\"version\":7,"
            "\"z\":{\"b\":[{\"c\":\"QQ==\",\"d\":\"\xc3\xa9\"}],\"y\":1}}");
  EXPECT_TRUE(same_plan(event, kOptions));
}

// "AP==" reads as the byte "AA==" holds: two texts, one value, a set DynamoDB would refuse.
TEST(StreamSax, BinarySetDuplicatesAreJudgedOnTheirBytes) {
  const std::string event =
      R"({"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"id":{"S":"a"}},"NewImage":)"
      R"({"id":{"S":"a"},"version":{"N":"7"},"b":{"BS":["AA==","AP=="]}},)"
      R"("SequenceNumber":"1"}}]})";
  std::size_t reread = 0;
  EXPECT_TRUE(same_plan(event, kOptions, &reread));
  EXPECT_EQ(reread, 1u) << "the SAX pass must not accept the set itself";
  auto plan = plan_stream_batch(event, kOptions);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->skips.size(), 1u);
  EXPECT_NE(plan->skips[0].reason.find("duplicate member"), std::string::npos)
      << plan->skips[0].reason;
}

TEST(StreamSax, FixtureEventPlansAsTheDomDoes) {
  const char* source = std::getenv("STREAMCACHE_SOURCE_DIR");
  std::ifstream in(std::filesystem::path(source ? source : "/nonexistent") / ".." / "shared" /
                   "testdata" / "lambda-events" / "example-dynamodb-event.json");
  if (!in) GTEST_SKIP() << "no fixtures";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(same_plan(text.str(), kOptions));
}

}  // namespace
}  // namespace streamcache::items
