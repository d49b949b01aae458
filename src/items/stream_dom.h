// Internal: the stream planner over a DOM (json::Value → AttributeMap → plain → canonical). The
// SAX planner hands it what it does not plan itself: an event that is not a batch (for the exact
// error) and damaged records (for their exact reasons). Tests compare both planners with it.
#pragma once

#include <string>
#include <string_view>

#include "items/stream.h"
#include "json/json.h"

namespace streamcache::items::detail {

// Plans one element of "Records" (its sequence number, op or skip) onto the end of `plan`.
void plan_dom_record(json::Value&& raw, StreamPlan& plan, const StreamPlanOptions& options);
// The whole batch through the DOM; skips are collected in plan.skips, not logged.
Expected<StreamPlan, std::string> plan_stream_batch_dom(std::string_view event_json,
                                                        const StreamPlanOptions& options = {});

}  // namespace streamcache::items::detail
