// Seeded mutation tests for what streamcache-local reads from users and functions: a damaged
// local/stack.json gets a specific error (never a crash or a half-read config), and a damaged
// function response becomes a gateway response or a 502 reason.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "local/config.h"
#include "local/http_api_event.h"
#include "support/json_mutator.h"

namespace streamcache::local {
namespace {

using streamcache::testing::JsonMutator;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LocalRobustness, DamagedStackConfigIsRefusedWithAReasonOrReadWhole) {
  const char* root = std::getenv("STREAMCACHE_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "STREAMCACHE_SOURCE_DIR is not set";
  const std::filesystem::path dir = std::filesystem::path(root) / "local";
  const std::string seed = read_file(dir / "stack.json");
  const EnvLookup env = fixed_env({});
  ASSERT_TRUE(parse_stack_config(seed, dir, env));
  const json::Value seed_tree = *json::parse(seed);
  JsonMutator mutate(11);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string text = mutate.damage(seed, seed_tree);
    auto config = parse_stack_config(text, dir, env);
    if (config) {
      // Whatever was accepted is usable: ranges hold and every function has code to run.
      EXPECT_GE(config->mapping.batch_size, 1) << text;
      EXPECT_GE(config->local.max_concurrency, 1) << text;
      EXPECT_GE(config->http_api.port, 0) << text;
      EXPECT_LE(config->http_api.port, 65535) << text;
      continue;
    }
    ++refused;
    EXPECT_FALSE(config.error().empty()) << text;
  }
  EXPECT_GT(refused, 200);  // the damage is real, not cosmetic
}

TEST(LocalRobustness, DamagedFunctionResponsesBecomeResponsesOrA502Reason) {
  const std::string seed =
      R"({"statusCode":201,"headers":{"content-type":"application/json","etag":"\"1\""},)"
      R"("cookies":["a=1; Path=/"],"body":"eyJpZCI6ImEifQ==","isBase64Encoded":true})";
  const json::Value seed_tree = *json::parse(seed);
  JsonMutator mutate(12);
  for (int i = 0; i < 2000; ++i) {
    const std::string payload = mutate.damage(seed, seed_tree);
    auto response = response_from_function(payload);
    if (!response) {
      EXPECT_FALSE(response.error().empty()) << payload;
      continue;
    }
    EXPECT_GE(response->status, 100) << payload;
    EXPECT_LE(response->status, 599) << payload;
  }
}

}  // namespace
}  // namespace streamcache::local
