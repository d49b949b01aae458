// The local stack's stack.json reader: any text gives a configuration or an error naming what was
// wrong, never a crash; ${NAME} / ${NAME:-default} expansion included.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/env.h"
#include "fuzz_check.h"
#include "local/config.h"

using namespace streamcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const EnvLookup env =
      fixed_env({{"HOME", "/home/fuzz"}, {"PORT", "8080"}, {"EMPTY", ""}, {"NAME", "fuzz"}});
  auto config = local::parse_stack_config(text, "/nonexistent/base", env);
  if (!config) {
    FUZZ_CHECK(!config.error().empty(), text);
  } else {
    if (config->api) {
      FUZZ_CHECK(config->api->concurrency_limit(config->local.max_concurrency) >= 0, text);
    }
  }
  (void)local::expand_variables(text, env);
  return 0;
}
