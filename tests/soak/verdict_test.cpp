#include <gtest/gtest.h>

#include "soak/report.h"

namespace streamcache::soak {
namespace {

SoakResult healthy() {
  SoakResult r;
  r.seed = 7;
  r.seconds = 30;
  r.operations = {{OpKind::get, 200, {}, {}, "streamcache; hit", {}},
                  {OpKind::put, 503, {}, {}, {}, "budget"},
                  {OpKind::direct_put, 0, {}, {}, {}, "moto paused"}};
  r.stream = StreamProgress{10, 10, 0, 3, 1};
  r.convergence = ConvergenceReport{24, 20, 18, {}};
  return r;
}

TEST(Verdict, A503AndADirectWriterErrorPass) {
  const Verdict v = judge(healthy());
  EXPECT_TRUE(v.passed);
  EXPECT_TRUE(v.reasons.empty());
  EXPECT_NE(render(healthy(), v).find("## Verdict: PASS"), std::string::npos);
}

TEST(Verdict, ADivergedItemFails) {
  SoakResult r = healthy();
  r.convergence->diverged.push_back({"soak-3", "the cache serves version 5, the table has 7"});
  const Verdict v = judge(r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.reasons, std::vector<std::string>{"1 item(s) diverged"});
  EXPECT_NE(render(r, v).find("`soak-3`: the cache serves version 5, the table has 7"),
            std::string::npos);
}

TEST(Verdict, A500IsExcusedOnlyByAKilledApiInstance) {
  SoakResult r = healthy();
  r.operations.push_back({OpKind::get, 500, {}, {}, {}, "Internal Server Error"});
  EXPECT_FALSE(judge(r).passed);
  r.faults.push_back({{FaultKind::api_instance_kill, {}, {}}, "killed", true, 1});
  EXPECT_TRUE(judge(r).passed);
  r.operations.push_back({OpKind::put, 502, {}, {}, {}, "Internal Server Error"});
  EXPECT_FALSE(judge(r).passed);
}

TEST(Verdict, NoAnswerUndrainedStreamAndUnredrivenRecordsFail) {
  SoakResult r = healthy();
  r.operations.push_back({OpKind::get, 0, {}, {}, {}, "connection refused"});
  EXPECT_FALSE(judge(r).passed);
  r = healthy();
  r.drain_error = "timeout";
  EXPECT_FALSE(judge(r).passed);
  r = healthy();
  r.redrive_error = "2 batch(es) and no redrive tool";
  EXPECT_FALSE(judge(r).passed);
  r = healthy();
  r.faults.push_back({{FaultKind::redis_pause, {}, {}}, "redis is not running", false, 0});
  EXPECT_FALSE(judge(r).passed);
}

TEST(Verdict, RequireRedriveFailsARunWhoseRetriesNeverRanOut) {
  SoakResult r = healthy();
  r.require_redrive = true;
  EXPECT_EQ(judge(r).reasons,
            std::vector<std::string>{
                "no batch reached the on-failure file, so redrive was not exercised"});
  r.redriven_batches = 2;
  EXPECT_TRUE(judge(r).passed);
}

}  // namespace
}  // namespace streamcache::soak
