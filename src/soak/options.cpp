#include "soak/options.h"

#include <charconv>

namespace streamcache::soak {

namespace {

template <class T>
Expected<T, std::string> number(const std::string& option, const std::string& text, T low, T high) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return unexpected(option + " needs a whole number from " + std::to_string(low) + " to " +
                      std::to_string(high) + ", got '" + text + "'");
  }
  return value;
}

}  // namespace

std::string usage() {
  return "usage: streamcache-soak --state-dir DIR [--seconds N] [--seed S] [--writers N]\n"
         "                        [--readers N] [--ids N] [--drain-timeout N] [--redrive PATH]\n"
         "                        [--require-redrive]\n"
         "\n"
         "Drives a running local stack (tools/local-stack.sh run --detach --state-dir DIR) with\n"
         "API writers and readers, a direct DynamoDB writer and a seeded fault schedule (Redis\n"
         "killed and restarted, Redis and moto_server paused, an API instance killed mid-request,\n"
         "the stream handler killed mid-batch), then drains the stream and checks every item's\n"
         "cache entry and API answer against the table. Exit 0: no item diverged and no 5xx but\n"
         "503 (beyond one per API instance killed); 1: the run failed; 2: bad options.\n"
         "--require-redrive also fails the run when no batch reached the on-failure file (to\n"
         "test the redrive path with a configuration whose retries run out).\n";
}

Expected<SoakOptions, std::string> parse_options(const std::vector<std::string>& args) {
  SoakOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      o.help = true;
      return o;
    }
    if (a == "--require-redrive") {
      o.require_redrive = true;
      continue;
    }
    if (i + 1 >= args.size()) return unexpected(a + " needs a value (or is unknown)");
    const std::string& v = args[++i];
    Expected<int, std::string> n = 0;
    if (a == "--state-dir") {
      o.state_dir = v;
    } else if (a == "--redrive") {
      o.redrive = v;
    } else if (a == "--seed") {
      auto seed = number<std::uint64_t>(a, v, 0, UINT64_MAX);
      if (!seed) return unexpected(seed.error());
      o.seed = *seed;
      o.seed_given = true;
    } else if (a == "--seconds") {
      if (!(n = number(a, v, 5, 86400))) return unexpected(n.error());
      o.seconds = *n;
    } else if (a == "--writers") {
      if (!(n = number(a, v, 0, 64))) return unexpected(n.error());
      o.writers = *n;
    } else if (a == "--readers") {
      if (!(n = number(a, v, 0, 64))) return unexpected(n.error());
      o.readers = *n;
    } else if (a == "--ids") {
      if (!(n = number(a, v, 1, 100000))) return unexpected(n.error());
      o.ids = *n;
    } else if (a == "--drain-timeout") {
      if (!(n = number(a, v, 1, 86400))) return unexpected(n.error());
      o.drain_timeout_seconds = *n;
    } else {
      return unexpected("unknown option '" + a + "'");
    }
  }
  if (o.state_dir.empty()) return unexpected("--state-dir is required (a running local stack's)");
  return o;
}

}  // namespace streamcache::soak
