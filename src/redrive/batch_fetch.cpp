#include "redrive/batch_fetch.h"

namespace streamcache::redrive {

namespace {

FetchError from_aws(std::string_view operation, const aws::Error& error) {
  const bool gone = error.kind == aws::ErrorKind::trimmed_data ||
                    error.kind == aws::ErrorKind::resource_not_found;
  return FetchError{gone ? FetchError::Kind::past_retention : FetchError::Kind::failed,
                    std::string(operation) + ": " + error.describe()};
}

}  // namespace

Expected<std::vector<aws::StreamRecord>, FetchError> fetch_batch_records(
    aws::DynamoDbStreamsClient& streams, const lambda::events::DdbStreamBatchInfo& batch,
    const FetchOptions& options) {
  const std::string& first = batch.start_sequence_number;
  const std::string& last = batch.end_sequence_number;
  auto iterator = streams.get_shard_iterator(batch.stream_arn, batch.shard_id,
                                             aws::IteratorType::at_sequence_number, first);
  if (!iterator) return unexpected(from_aws("GetShardIterator", iterator.error()));

  std::vector<aws::StreamRecord> records;
  std::string next = std::move(*iterator);
  int empty_pages = 0;
  int renewed = 0;
  while (true) {
    auto page = streams.get_records(next, options.page_limit);
    if (!page && page.error().kind == aws::ErrorKind::expired_iterator && renewed++ < 3) {
      // A slow read outlived the iterator (15 minutes): continue after the last record kept.
      const bool resume = !records.empty();
      auto again = streams.get_shard_iterator(
          batch.stream_arn, batch.shard_id,
          resume ? aws::IteratorType::after_sequence_number : aws::IteratorType::at_sequence_number,
          resume ? records.back().sequence_number : first);
      if (!again) return unexpected(from_aws("GetShardIterator", again.error()));
      next = std::move(*again);
      continue;
    }
    if (!page) return unexpected(from_aws("GetRecords", page.error()));
    for (auto& record : page->records) {
      if (aws::sequence_less(last, record.sequence_number)) return records;  // passed the batch
      if (!aws::sequence_less(record.sequence_number, first)) records.push_back(std::move(record));
    }
    if (!records.empty() && !aws::sequence_less(records.back().sequence_number, last)) {
      return records;  // the batch's last record
    }
    if (page->next_iterator.empty()) {
      return unexpected(FetchError{FetchError::Kind::not_found,
                                   "the shard is closed and ends before sequence number " + last});
    }
    empty_pages = page->records.empty() ? empty_pages + 1 : 0;
    if (empty_pages >= options.max_empty_pages) {
      return unexpected(FetchError{FetchError::Kind::not_found,
                                   "no record up to sequence number " + last +
                                       " in the shard after " + std::to_string(empty_pages) +
                                       " empty reads (" + std::to_string(records.size()) +
                                       " found from " + first + ")"});
    }
    next = std::move(page->next_iterator);
  }
}

}  // namespace streamcache::redrive
