#include "redrive/options.h"

#include <gtest/gtest.h>

namespace streamcache::redrive {
namespace {

Expected<CliOptions, std::string> parse(std::vector<std::string_view> args) {
  return parse_args(args);
}

TEST(RedriveFlags, OneSourceAndItsSettings) {
  auto o = parse({"--file", "f.jsonl", "--dry-run", "--redis-url", "redis://h:1", "--table", "t",
                  "--apply-timeout", "5"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->file, "f.jsonl");
  EXPECT_TRUE(o->dry_run);
  EXPECT_EQ(o->apply_timeout, std::chrono::seconds(5));
  const EnvLookup env = with_overrides(fixed_env({{"REDIS_URL", "redis://x:2"}, {"A", "b"}}), *o);
  EXPECT_EQ(env("REDIS_URL"), "redis://h:1");
  EXPECT_EQ(env("TABLE_NAME"), "t");
  EXPECT_EQ(env("A"), "b");
  auto q = parse({"--queue-url", "http://q", "--wait-seconds", "0", "--visibility-timeout", "9"});
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(q->queue_url, "http://q");
  EXPECT_EQ(q->wait, std::chrono::seconds(0));
  EXPECT_EQ(q->visibility_timeout, std::chrono::seconds(9));
  EXPECT_TRUE(parse({"--help"})->help);
}

TEST(RedriveFlags, BadFlagsSayWhatIsWrong) {
  EXPECT_EQ(parse({}).error(), "give exactly one source: --file PATH or --queue-url URL");
  EXPECT_EQ(parse({"--file", "a", "--queue-url", "b"}).error(),
            "give exactly one source: --file PATH or --queue-url URL");
  EXPECT_EQ(parse({"--file"}).error(), "--file needs a value");
  EXPECT_EQ(parse({"--file", "a", "--bogus"}).error(), "unknown option '--bogus'");
  EXPECT_EQ(parse({"--queue-url", "q", "--wait-seconds", "21"}).error(),
            "--wait-seconds must be a whole number of seconds from 0 to 20, got '21'");
  EXPECT_EQ(parse({"--file", "a", "--apply-timeout", "x"}).error(),
            "--apply-timeout must be a whole number of seconds from 1 to 900, got 'x'");
}

}  // namespace
}  // namespace streamcache::redrive
