// Internal: the stream planner without a DOM. One RapidJSON SAX pass over the event decodes each
// record straight into its op; NewImage goes through ImageDecoder to its canonical body. A record
// it cannot vouch for (any type, shape or value the DOM planner might judge differently) is
// re-read on its own by plan_dom_record, so the reasons and rules stay exactly the DOM's.
#pragma once

#include <cstddef>
#include <string_view>

#include "items/stream.h"

namespace streamcache::items::detail {

// Plans the batch into `plan`. False when the event is not a batch this pass can read (not JSON,
// no Records array, a record that is not an object, too deep, not UTF-8): the caller then runs
// plan_stream_batch_dom for the exact error.
// `reread` (optional) counts the records handed to the DOM planner.
bool plan_stream_batch_sax(std::string_view event_json, const StreamPlanOptions& options,
                           StreamPlan& plan, std::size_t* reread = nullptr,
                           const OnPlanned& on_planned = {});

}  // namespace streamcache::items::detail
