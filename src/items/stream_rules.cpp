#include "items/stream_rules.h"

#include <algorithm>
#include <chrono>

#include "cache/item_protocol.h"

namespace streamcache::items::detail {

std::int64_t clock_us(const StreamPlanOptions& options) {
  if (options.now_us != 0) return options.now_us;
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StreamOp invalidation(StreamOp op, std::optional<Version> old_version,
                      const StreamPlanOptions& options) {
  op.kind = StreamOp::Kind::invalidate;
  if (old_version && *old_version < kMaxVersion) {
    op.version = *old_version + 1;  // every fill read before the change carries this or less
  } else {
    const auto skew = std::chrono::microseconds(kClockSkewAllowance).count();
    op.version = std::min(static_cast<Version>(clock_us(options) + skew), kMaxVersion);
  }
  return op;
}

void fence_if_too_old(StreamOp& op, const std::string* created, const StreamPlanOptions& options) {
  if (options.max_apply_age.count() <= 0 || op.kind == StreamOp::Kind::invalidate) return;
  if (created == nullptr) return;
  double created_s = 0;
  try {
    created_s = std::stod(*created);
  } catch (const std::exception&) {
    return;
  }
  const double age_ms = static_cast<double>(clock_us(options)) / 1000.0 - created_s * 1000.0;
  if (age_ms > static_cast<double>(options.max_apply_age.count())) {
    op.kind = StreamOp::Kind::fence;
    op.body.clear();
  }
}

void note_creation_time(StreamPlan& plan, const std::string& created) {
  try {
    plan.newest_creation_time = std::max(plan.newest_creation_time, std::stod(created));
  } catch (const std::exception&) {
    // An unreadable timestamp only loses the age metric.
  }
}

std::optional<Version> version_from_text(std::string_view text) {
  auto v = cache::parse_version(text);
  if (!v) return std::nullopt;
  return *v;
}

}  // namespace streamcache::items::detail
