#include "redrive/report.h"

namespace streamcache::redrive {

void Summary::add(const BatchReport& report) {
  ++batches;
  if (report.done()) ++done;
  switch (report.outcome) {
    case Outcome::applied:
    case Outcome::fetched:
      break;
    case Outcome::invalid:
      ++invalid;
      break;
    case Outcome::past_retention:
      ++past_retention;
      break;
    case Outcome::not_found:
      ++not_found;
      break;
    case Outcome::fetch_failed:
    case Outcome::apply_failed:
      ++failed;
      break;
  }
  records += report.records;
  applied += report.applied;
  stale += report.stale;
  fenced += report.fenced;
  invalidated += report.invalidated;
  skipped += report.skipped;
  records_failed += report.failed;
}

std::string format_report(const BatchReport& r) {
  std::string out = r.source + ": ";
  if (r.outcome == Outcome::invalid) return out + "invalid: " + r.detail;
  out += "shard " + r.shard_id + " sequence " + r.first_sequence_number + " to " +
         r.last_sequence_number;
  if (r.outcome == Outcome::past_retention || r.outcome == Outcome::not_found ||
      r.outcome == Outcome::fetch_failed) {
    return out + ": " + std::string(to_string(r.outcome)) + ": " + r.detail;
  }
  out += ", " + std::to_string(r.records) + " record" + (r.records == 1 ? "" : "s");
  if (r.batch_size > 0 && static_cast<std::size_t>(r.batch_size) != r.records) {
    out += " (the on-failure record says " + std::to_string(r.batch_size) + ")";
  }
  out += ": " + std::string(to_string(r.outcome));
  if (r.outcome == Outcome::fetched) return out;
  out += " (applied " + std::to_string(r.applied) + ", stale/no-op " + std::to_string(r.stale) +
         ", fenced " + std::to_string(r.fenced) + ", invalidated " + std::to_string(r.invalidated) +
         ", failed " + std::to_string(r.failed);
  if (r.skipped > 0) out += ", skipped " + std::to_string(r.skipped);
  out += ")";
  if (!r.done()) out += ": " + r.detail;
  return out;
}

std::string format_summary(const Summary& s) {
  std::string out = "redrive: " + std::to_string(s.batches) + " batch" +
                    (s.batches == 1 ? "" : "es") + ", " + std::to_string(s.done) + " redriven";
  if (s.past_retention > 0) out += ", " + std::to_string(s.past_retention) + " past retention";
  if (s.not_found > 0) out += ", " + std::to_string(s.not_found) + " not found";
  if (s.invalid > 0) out += ", " + std::to_string(s.invalid) + " invalid";
  if (s.failed > 0) out += ", " + std::to_string(s.failed) + " failed";
  for (const auto& e : s.errors)
    out += "; error: " + e;
  out += "; records: " + std::to_string(s.records) + " read, applied " + std::to_string(s.applied) +
         ", stale/no-op " + std::to_string(s.stale) + ", fenced " + std::to_string(s.fenced) +
         ", invalidated " + std::to_string(s.invalidated) + ", failed " +
         std::to_string(s.records_failed);
  if (s.skipped > 0) out += ", skipped " + std::to_string(s.skipped);
  out += s.all_redriven() ? " — all redriven" : " — NOT all redriven (exit 1)";
  return out;
}

}  // namespace streamcache::redrive
