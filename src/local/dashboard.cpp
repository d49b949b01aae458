#include "local/dashboard.h"

#include "json/json.h"
#include "local/dashboard_assets.h"

namespace streamcache::local {

namespace {

GatewayResponse problem(int status, std::string_view title, std::string_view detail) {
  json::Value body = json::Object{};
  body.set("type", "about:blank");
  body.set("title", title);
  body.set("status", json::Value::integer(status));
  body.set("detail", detail);
  GatewayResponse out;
  out.status = status;
  out.headers.emplace_back("content-type", "application/problem+json");
  out.body = json::serialize(body);
  return out;
}

GatewayResponse asset(std::string_view name) {
  auto file = dashboard_asset(name);
  if (!file) {
    return problem(404, "Not Found",
                   "no dashboard file " + std::string(name) +
                       " (the page is at /_local, its data at /_local/stats)");
  }
  GatewayResponse out;
  out.headers.emplace_back("content-type", std::string(file->content_type));
  out.headers.emplace_back("cache-control", "no-cache");
  out.body = std::string(file->body);
  return out;
}

}  // namespace

bool is_dashboard_path(std::string_view path) {
  return path == kDashboardPath ||
         (path.starts_with(kDashboardPath) && path.size() > kDashboardPath.size() &&
          path[kDashboardPath.size()] == '/');
}

GatewayResponse serve_dashboard(std::string_view method, std::string_view path,
                                const LocalStats& stats, TraceTail& traces) {
  if (method != "GET") {
    GatewayResponse out = problem(405, "Method Not Allowed", "the dashboard only answers GET");
    out.headers.emplace_back("allow", "GET");
    return out;
  }
  const std::string_view rest = path.substr(kDashboardPath.size());
  if (rest.empty() || rest == "/") return asset("index.html");
  if (rest == "/stats") {
    json::Value body = stats.snapshot();
    body.set("traces", traces.latest());
    GatewayResponse out;
    out.headers.emplace_back("content-type", "application/json");
    out.headers.emplace_back("cache-control", "no-store");
    out.body = json::serialize(body);
    return out;
  }
  constexpr std::string_view kAssets = "/assets/";
  if (rest.starts_with(kAssets)) return asset(rest.substr(kAssets.size()));
  return problem(404, "Not Found",
                 "no dashboard path " + std::string(path) +
                     " (the page is at /_local, its data at /_local/stats)");
}

}  // namespace streamcache::local
