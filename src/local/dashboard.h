// The live dashboard on the gateway's port: GET /_local (the page), /_local/stats (JSON, polled
// every second by the page), /_local/assets/<file> (its script and Chart.js). /_local and every
// path under it are the host's, like /__streamcache/health: they never reach the API function.
#pragma once

#include <string_view>

#include "local/http_api_event.h"
#include "local/local_stats.h"
#include "local/trace_tail.h"

namespace streamcache::local {

inline constexpr std::string_view kDashboardPath = "/_local";

// True for /_local and every path under it.
bool is_dashboard_path(std::string_view path);

// The answer to a request for a dashboard path (404 problem for an unknown one, 405 for a method
// other than GET).
GatewayResponse serve_dashboard(std::string_view method, std::string_view path,
                                const LocalStats& stats, TraceTail& traces);

}  // namespace streamcache::local
