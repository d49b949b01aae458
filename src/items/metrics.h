// CloudWatch Embedded Metric Format: one JSON log line per invocation that CloudWatch turns into
// metrics (namespace `streamcache`, dimension FunctionName), no API calls needed.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace streamcache::items {

inline constexpr std::string_view kMetricsNamespace = "streamcache";

struct Metric {
  std::string_view name;
  double value = 0;
  std::string_view unit = "Count";  // Count, Milliseconds, Seconds
};

// {"_aws":{"Timestamp":ms,"CloudWatchMetrics":[{"Namespace":"streamcache",
//  "Dimensions":[["FunctionName"]],"Metrics":[{"Name":..,"Unit":..}]}]},"FunctionName":..,...}
std::string emf_line(std::string_view function_name, std::int64_t timestamp_ms,
                     std::initializer_list<Metric> metrics);

}  // namespace streamcache::items
