#include "soak/options.h"

#include <gtest/gtest.h>

namespace streamcache::soak {
namespace {

TEST(SoakOptions, Defaults) {
  auto o = parse_options({"--state-dir", "/tmp/x"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->state_dir, "/tmp/x");
  EXPECT_EQ(o->seconds, 120);
  EXPECT_FALSE(o->seed_given);
}

TEST(SoakOptions, Values) {
  auto o = parse_options({"--state-dir", "d", "--seconds", "30", "--seed", "18446744073709551615",
                          "--writers", "2", "--readers", "0", "--ids", "5"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->seconds, 30);
  EXPECT_EQ(o->seed, 18446744073709551615ULL);
  EXPECT_TRUE(o->seed_given);
  EXPECT_EQ(o->writers, 2);
  EXPECT_EQ(o->readers, 0);
  EXPECT_EQ(o->ids, 5);
}

TEST(SoakOptions, ErrorsNameTheOptionAndWhatItNeeds) {
  EXPECT_EQ(parse_options({"--seconds", "30"}).error(),
            "--state-dir is required (a running local stack's)");
  EXPECT_EQ(parse_options({"--state-dir", "d", "--seconds", "3"}).error(),
            "--seconds needs a whole number from 5 to 86400, got '3'");
  EXPECT_EQ(parse_options({"--state-dir", "d", "--seed", "-1"}).error(),
            "--seed needs a whole number from 0 to 18446744073709551615, got '-1'");
  EXPECT_EQ(parse_options({"--state-dir", "d", "--bogus", "1"}).error(),
            "unknown option '--bogus'");
  EXPECT_EQ(parse_options({"--state-dir"}).error(), "--state-dir needs a value (or is unknown)");
}

TEST(SoakOptions, RequireRedriveTakesNoValue) {
  auto o = parse_options({"--require-redrive", "--state-dir", "d"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_TRUE(o->require_redrive);
}

TEST(SoakOptions, Help) {
  auto o = parse_options({"--help"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->help);
}

}  // namespace
}  // namespace streamcache::soak
