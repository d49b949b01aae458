// Environment lookup as a value, so configuration code is testable without touching the process.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace streamcache {

// Returns the variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv). Empty values count as set.
EnvLookup process_env();

// A fixed environment, for tests.
EnvLookup fixed_env(std::map<std::string, std::string, std::less<>> values);

// The value when set and non-empty, else nullopt (the AWS SDKs ignore empty variables).
std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name);

}  // namespace streamcache
