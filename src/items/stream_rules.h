// Internal: the per-record rules both stream planners share (the DOM one for damaged records, the
// SAX one for the rest), so a record gets the same op whichever path decodes it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "items/stream.h"

namespace streamcache::items::detail {

// The handler's clock (microseconds since the epoch): options.now_us, or the system clock.
std::int64_t clock_us(const StreamPlanOptions& options);
// The op for a change without a readable new version: fence above everything a fill could carry.
StreamOp invalidation(StreamOp op, std::optional<Version> old_version,
                      const StreamPlanOptions& options);
// Too old to apply (ApproximateCreationDateTime, as written): the version becomes a fence.
void fence_if_too_old(StreamOp& op, const std::string* created, const StreamPlanOptions& options);
// Keeps the newest ApproximateCreationDateTime for the age metric; unreadable text is ignored.
void note_creation_time(StreamPlan& plan, const std::string& created);
// The version an image's `version` N text carries; nullopt when it is not one.
std::optional<Version> version_from_text(std::string_view text);

}  // namespace streamcache::items::detail
