#include "redrive/redrive.h"

#include "items/stream.h"
#include "lambda/events/on_failure.h"
#include "lambda/events/stream_batch.h"

namespace streamcache::redrive {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::applied:
      return "applied";
    case Outcome::fetched:
      return "fetched (dry run)";
    case Outcome::invalid:
      return "invalid";
    case Outcome::past_retention:
      return "past retention";
    case Outcome::not_found:
      return "not found";
    case Outcome::fetch_failed:
      return "fetch failed";
    case Outcome::apply_failed:
      return "apply failed";
  }
  return "invalid";
}

std::string region_of_arn(std::string_view arn) {
  // arn:partition:service:region:...
  std::size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    const auto colon = arn.find(':', start);
    if (colon == std::string_view::npos) return {};
    start = colon + 1;
  }
  const auto end = arn.find(':', start);
  if (end == std::string_view::npos) return {};
  return std::string(arn.substr(start, end - start));
}

Redriver::Redriver(aws::DynamoDbStreamsClient& streams, items::StreamCachePort* cache,
                   RedriveOptions options)
    : streams_(streams), cache_(cache), options_(options) {}

BatchReport Redriver::redrive(std::string source, std::string_view record_json) {
  BatchReport report;
  report.source = std::move(source);
  auto record = lambda::events::parse_stream_on_failure_record(record_json);
  if (!record) {
    report.outcome = Outcome::invalid;
    report.detail =
        "not a Lambda on-failure record for DynamoDB Streams: " + record.error().message;
    return report;
  }
  const auto& batch = record->batch;
  report.shard_id = batch.shard_id;
  report.first_sequence_number = batch.start_sequence_number;
  report.last_sequence_number = batch.end_sequence_number;
  report.batch_size = batch.batch_size;
  if (aws::sequence_less(batch.end_sequence_number, batch.start_sequence_number)) {
    report.outcome = Outcome::invalid;
    report.detail = "DDBStreamBatchInfo.endSequenceNumber " + batch.end_sequence_number +
                    " is below startSequenceNumber " + batch.start_sequence_number;
    return report;
  }

  auto records = fetch_batch_records(streams_, batch, options_.fetch);
  if (!records) {
    switch (records.error().kind) {
      case FetchError::Kind::past_retention:
        report.outcome = Outcome::past_retention;
        break;
      case FetchError::Kind::not_found:
        report.outcome = Outcome::not_found;
        break;
      case FetchError::Kind::failed:
        report.outcome = Outcome::fetch_failed;
        break;
    }
    report.detail = records.error().message;
    return report;
  }
  report.records = records->size();
  if (options_.dry_run || cache_ == nullptr) {
    report.outcome = Outcome::fetched;
    return report;
  }

  // Exactly the stream handler's path: the event Lambda would deliver, planned and applied.
  const lambda::events::StreamSource stream{batch.stream_arn, region_of_arn(batch.stream_arn)};
  const std::string event = lambda::events::build_stream_event(*records, stream);
  const items::StreamPlanOptions plan_options{.now_us = 0, .max_apply_age = options_.max_apply_age};
  auto plan = items::plan_stream_batch(event, plan_options);
  if (!plan) {
    report.outcome = Outcome::apply_failed;
    report.detail = "the stream handler refused the batch: " + plan.error();
    return report;
  }
  items::StreamRetryOptions retry;
  retry.until = Deadline::after(options_.apply_timeout);
  const items::StreamOutcome outcome = items::apply_stream_plan(*plan, *cache_, retry);
  report.applied = outcome.applied;
  report.stale = outcome.stale;
  report.fenced = outcome.fenced;
  report.invalidated = outcome.invalidated;
  report.skipped = outcome.skipped;
  report.failed = outcome.failed;
  if (!outcome.response.batch_item_failures.empty()) {
    report.outcome = Outcome::apply_failed;
    report.detail = std::to_string(outcome.failed) +
                    " record(s) not applied from sequence number " +
                    outcome.response.batch_item_failures.front().item_identifier +
                    " (the handler's log lines above say why)";
    return report;
  }
  report.outcome = Outcome::applied;
  return report;
}

}  // namespace streamcache::redrive
