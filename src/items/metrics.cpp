#include "items/metrics.h"

#include <cmath>
#include <cstdio>

#include "json/json.h"

namespace streamcache::items {

namespace {

std::string number_text(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(value));
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", std::isfinite(value) ? value : 0.0);
  return buf;
}

}  // namespace

std::string emf_line(std::string_view function_name, std::int64_t timestamp_ms,
                     std::initializer_list<Metric> metrics) {
  json::Array definitions;
  for (const Metric& m : metrics) {
    json::Value d(json::Object{});
    d.set("Name", m.name);
    d.set("Unit", m.unit);
    definitions.push_back(std::move(d));
  }
  json::Value directive(json::Object{});
  directive.set("Namespace", kMetricsNamespace);
  directive.set("Dimensions", json::Array{json::Array{json::Value("FunctionName")}});
  directive.set("Metrics", std::move(definitions));
  json::Value aws(json::Object{});
  aws.set("Timestamp", json::Value::integer(timestamp_ms));
  aws.set("CloudWatchMetrics", json::Array{std::move(directive)});
  json::Value line(json::Object{});
  line.set("_aws", std::move(aws));
  line.set("FunctionName", function_name);
  for (const Metric& m : metrics)
    line.set(m.name, json::Number{number_text(m.value)});
  return json::serialize(line);
}

}  // namespace streamcache::items
