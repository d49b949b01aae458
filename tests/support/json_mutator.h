// Seeded damage for JSON texts and trees, for robustness tests: byte flips, cuts, repeats,
// splices of tricky tokens, truncation; values of the wrong type, removed and duplicated members.
// The same seed gives the same damage, so a failure names a reproducible case.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "json/json.h"

namespace streamcache::testing {

// Fragments that reach edge cases sooner than random bytes do.
// clang-format off
inline const std::vector<std::string> kMutationTokens = {
    "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "-0", "1e999", "0.0000001",
    "123456789012345678901234567890123456789012", "\"\\ud800\"", "\"\\u0000\"", "\xff", "\xc0\xaf",
    "\xed\xa0\x80", "\"id\"", "\"version\"", "\"createdAt\"", "\"body\"", "\"isBase64Encoded\"",
    "\"headers\"", "\"If-Match\"", "\"*\"", "\"W/\\\"1\\\"\"", "\"%2F\"", "\"/items/\"", "\"N\"",
    "\"S\"", "\"M\"", "\"L\"", "\"SS\"", "\"NS\"", "\"B\"", "\"BOOL\"", "\"NULL\"", "\"REMOVE\"",
    "\"Keys\"", "\"NewImage\"", "\"OldImage\"", "\"=\"", "\"AAAA\"", "\"\""};
// clang-format on

class JsonMutator {
 public:
  explicit JsonMutator(std::uint32_t seed) : rng_(seed) {}

  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool coin() { return below(2) == 0; }

  // Byte-level damage: flips, cuts, repeats, splices of tokens, truncation.
  std::string bytes(std::string text) {
    for (int n = 1 + below(4); n > 0; --n) {
      const std::size_t at = text.empty() ? 0 : static_cast<std::size_t>(below(int(text.size())));
      switch (below(5)) {
        case 0:
          if (!text.empty()) text[at] = static_cast<char>(below(256));
          break;
        case 1:
          text.erase(at, static_cast<std::size_t>(below(16)));
          break;
        case 2:
          text.insert(at, text.substr(at, static_cast<std::size_t>(below(32))));
          break;
        case 3:
          text.insert(
              at, kMutationTokens[static_cast<std::size_t>(below(int(kMutationTokens.size())))]);
          break;
        default:
          text.resize(at);
      }
    }
    return text;
  }

  // Either kind of damage, half the time each; `parsed` is `text` parsed.
  std::string damage(const std::string& text, const json::Value& parsed) {
    if (coin()) return bytes(text);
    json::Value copy = parsed;
    tree(copy);
    return json::serialize(copy);
  }

  // Tree-level damage: a value of another type, a removed member, a duplicated member.
  void tree(json::Value& root) {
    std::vector<json::Value*> nodes;
    collect(root, nodes);
    json::Value& target = *nodes[static_cast<std::size_t>(below(int(nodes.size())))];
    if (target.is_object() && !target.as_object().empty() && coin()) {
      auto& members = target.as_object();
      const auto i = static_cast<std::size_t>(below(int(members.size())));
      if (coin()) {
        members.erase(members.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        members.push_back(json::Member{members[i].name, any_value()});
      }
      return;
    }
    target = any_value();
  }

  json::Value any_value() {
    switch (below(9)) {
      case 0:
        return json::Value();
      case 1:
        return json::Value(coin());
      case 2:
        return json::Value(json::Number{coin() ? "1e400" : "-12345678901234567890.5"});
      case 3:
        return json::Value(
            kMutationTokens[static_cast<std::size_t>(below(int(kMutationTokens.size())))]);
      case 4:
        return json::Value(std::string(static_cast<std::size_t>(below(300)), 'x'));
      case 5:
        return json::Value(json::Object{});
      case 6:
        return json::Value(json::Array{json::Value(1), json::Value("a")});
      case 7: {
        json::Value deep(json::Array{});
        for (int i = 0; i < 140; ++i)
          deep = json::Value(json::Array{std::move(deep)});
        return deep;
      }
      default:
        return json::Value(std::string("\0x", 2));
    }
  }

 private:
  static void collect(json::Value& v, std::vector<json::Value*>& out) {
    out.push_back(&v);
    if (v.is_object()) {
      for (auto& m : v.as_object())
        collect(m.value, out);
    } else if (v.is_array()) {
      for (auto& e : v.as_array())
        collect(e, out);
    }
  }

  std::mt19937 rng_;
};

}  // namespace streamcache::testing
