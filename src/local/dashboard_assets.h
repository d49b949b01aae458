// The dashboard's static files (src/local/dashboard and the pinned Chart.js of
// tools/dashboard/node_modules), compiled into streamcache-local so the page needs no install path.
#pragma once

#include <optional>
#include <string_view>

namespace streamcache::local {

struct DashboardAsset {
  std::string_view content_type;
  std::string_view body;
};

// "index.html", "dashboard.js", "chart.umd.js"; nullopt for any other name.
std::optional<DashboardAsset> dashboard_asset(std::string_view name);

}  // namespace streamcache::local
