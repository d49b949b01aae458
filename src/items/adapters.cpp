#include "items/adapters.h"

namespace streamcache::items {

namespace {

aws::AttributeMap key_of(std::string_view id) {
  return {aws::Attribute{"id", aws::AttributeValue::string(std::string(id))}};
}

aws::AttributeValue number(Version v) {
  return aws::AttributeValue::number(std::to_string(v));
}

}  // namespace

StoreError store_error_from(const aws::Error& error) {
  using K = StoreError::Kind;
  switch (error.kind) {
    case aws::ErrorKind::conditional_check_failed:
      return {K::conflict, error.describe()};
    case aws::ErrorKind::throttled:
    case aws::ErrorKind::unavailable:
      return {K::unavailable, error.describe()};
    case aws::ErrorKind::validation:
      // DynamoDB says "Item size has exceeded the maximum allowed size" for items over 400 KB.
      if (error.message.find("size") != std::string::npos) return {K::too_large, error.message};
      return {K::invalid, error.message};
    default:
      return {K::other, error.describe()};
  }
}

Expected<std::optional<json::Value>, StoreError> DynamoItemStore::get(std::string_view id,
                                                                      Deadline deadline) {
  if (auto* tracer = client_.service().tracer()) tracer->set_item_id(id);
  auto item = client_.get_item({table_, key_of(id), true, deadline});
  if (!item) return unexpected(store_error_from(item.error()));
  if (!item->has_value()) return std::optional<json::Value>();
  return std::optional<json::Value>(aws::to_plain_json(**item));
}

namespace {

// The condition expression of each WriteCondition; `:v` is the expected or the new version.
const char* condition_expression(WriteCondition::Kind kind) {
  switch (kind) {
    case WriteCondition::Kind::creatable:
      return "attribute_not_exists(#id) OR (attribute_exists(#del) AND #ver < :v)";
    case WriteCondition::Kind::version_equals:
      return "#ver = :v";
    case WriteCondition::Kind::unversioned:
      return "attribute_exists(#id) AND attribute_not_exists(#ver)";
    case WriteCondition::Kind::live_below:
      return "attribute_exists(#id) AND attribute_not_exists(#del) AND "
             "(attribute_not_exists(#ver) OR #ver < :v)";
  }
  return "";
}

}  // namespace

Expected<void, StoreError> DynamoItemStore::put(const json::Value& row, WriteCondition condition,
                                                Deadline deadline) {
  if (auto* tracer = client_.service().tracer(); tracer != nullptr && tracer->sampled()) {
    if (const auto id = row.get_string("id")) tracer->set_item_id(*id);
  }
  auto attributes = aws::map_from_plain_json(row);
  if (!attributes) return unexpected(StoreError{StoreError::Kind::invalid, attributes.error()});
  aws::PutItemRequest request{
      table_, std::move(*attributes), {}, aws::ReturnValues::none, deadline};
  auto& c = request.conditions;
  c.condition_expression = condition_expression(condition.kind);
  c.names = {{"#id", "id"}, {"#ver", "version"}};
  if (condition.kind == WriteCondition::Kind::creatable ||
      condition.kind == WriteCondition::Kind::live_below) {
    c.names.emplace_back("#del", std::string(kDeletedAt));
  }
  if (condition.kind != WriteCondition::Kind::unversioned) {
    const Version operand = condition.kind == WriteCondition::Kind::version_equals
                                ? condition.version
                                : version_of(row).value_or(0);
    c.values = {aws::Attribute{":v", number(operand)}};
  }
  // DynamoDB rejects names the expression does not use.
  std::erase_if(c.names, [&](const auto& name) {
    return c.condition_expression.find(name.first) == std::string::npos;
  });
  c.return_old_on_condition_failure = true;
  auto written = client_.put_item(request);
  if (written) return {};
  StoreError error = store_error_from(written.error());
  if (error.kind != StoreError::Kind::conflict) return unexpected(std::move(error));
  if (auto old = aws::DynamoDbClient::item_of_failed_condition(written.error())) {
    error.current = aws::to_plain_json(*old);
    return unexpected(std::move(error));
  }
  // No item in the failure: none is stored, or the service does not return it (emulators).
  auto current = get(*row.get_string("id"), deadline);
  if (!current) return unexpected(std::move(current).error());
  error.current = std::move(*current);
  return unexpected(std::move(error));
}

Expected<ListPage, StoreError> DynamoItemStore::list(int limit,
                                                     std::optional<std::string> start_after,
                                                     Deadline deadline) {
  aws::ScanRequest request;
  request.table = table_;
  request.deadline = deadline;
  request.limit = limit;
  request.filter_expression = "attribute_not_exists(#del)";
  request.names = {{"#del", std::string(kDeletedAt)}};
  if (start_after) request.exclusive_start_key = key_of(*start_after);
  auto page = client_.scan(request);
  if (!page) return unexpected(store_error_from(page.error()));
  ListPage out;
  out.items.reserve(page->items.size());
  for (const auto& item : page->items)
    out.items.push_back(aws::to_plain_json(item));
  if (page->last_evaluated_key) {
    if (const std::string* id = aws::find_string(*page->last_evaluated_key, "id"))
      out.last_id = *id;
  }
  return out;
}

namespace {

Expected<cache::WriteResult, cache::Error> write_of(
    Expected<cache::OpResult, cache::Error>&& result) {
  if (!result) return unexpected(std::move(result).error());
  return result->write;
}

}  // namespace

namespace {

std::string_view op_name(cache::OpKind kind) {
  switch (kind) {
    case cache::OpKind::get:
      return "get";
    case cache::OpKind::apply:
      return "apply_if_newer";
    case cache::OpKind::tombstone:
      return "tombstone_if_newer";
    case cache::OpKind::negative:
      return "fill_negative";
    case cache::OpKind::fence:
      return "fence_if_newer";
    case cache::OpKind::invalidate:
      return "invalidate_above";
  }
  return "unknown";
}

// hit, not_found (a tombstone or negative entry), miss; applied or stale for writes.
std::string_view outcome_of(const cache::CacheOp& op,
                            const Expected<cache::OpResult, cache::Error>& result) {
  if (!result) return "error";
  if (op.kind != cache::OpKind::get) {
    return result->write == cache::WriteResult::applied ? "applied" : "stale";
  }
  switch (result->read.status) {
    case cache::GetResult::Status::hit:
      return "hit";
    case cache::GetResult::Status::not_found:
      return "not_found";
    case cache::GetResult::Status::miss:
      return "miss";
  }
  return "miss";
}

}  // namespace

void RedisItemCache::run_one(const cache::CacheOp& op, Deadline deadline) {
  if (tracer_ == nullptr || !tracer_->sampled()) {
    cache_.execute(std::span(&op, 1), batch_, deadline);
    return;
  }
  tracing::Segment segment = tracer_->start("Redis", "remote");
  cache_.execute(std::span(&op, 1), batch_, deadline);
  const auto& result = batch_.front();
  segment.annotations.push_back({"cache_op", std::string(op_name(op.kind))});
  segment.annotations.push_back({"cache_outcome", std::string(outcome_of(op, result))});
  if (!result) {
    segment.fault = true;
    segment.cause = result.error().message;
  }
  tracer_->set_item_id(op.id);
  tracer_->finish(segment);
}

Expected<cache::GetResult, cache::Error> RedisItemCache::get(std::string_view id,
                                                             Deadline deadline) {
  const auto op = cache::CacheOp::get(id);
  run_one(op, deadline);
  if (!batch_.front()) return unexpected(std::move(batch_.front()).error());
  return std::move(batch_.front()->read);
}
Expected<cache::WriteResult, cache::Error> RedisItemCache::apply_if_newer(std::string_view id,
                                                                          Version version,
                                                                          std::string_view body,
                                                                          Deadline deadline) {
  const auto op = cache::CacheOp::apply_if_newer(id, version, body);
  run_one(op, deadline);
  return write_of(std::move(batch_.front()));
}
Expected<cache::WriteResult, cache::Error> RedisItemCache::tombstone_if_newer(std::string_view id,
                                                                              Version version,
                                                                              Deadline deadline) {
  const auto op = cache::CacheOp::tombstone_if_newer(id, version);
  run_one(op, deadline);
  return write_of(std::move(batch_.front()));
}
Expected<cache::WriteResult, cache::Error> RedisItemCache::fill_negative(std::string_view id,
                                                                         Deadline deadline) {
  const auto op = cache::CacheOp::fill_negative(id);
  run_one(op, deadline);
  return write_of(std::move(batch_.front()));
}

void RedisItemCache::to_cache_ops(std::span<const StreamOp> ops, std::vector<cache::CacheOp>& out) {
  out.clear();
  for (const StreamOp& op : ops) {
    switch (op.kind) {
      case StreamOp::Kind::apply:
        out.push_back(cache::CacheOp::apply_if_newer(op.id, op.version, op.body));
        break;
      case StreamOp::Kind::tombstone:
        out.push_back(cache::CacheOp::tombstone_if_newer(op.id, op.version));
        break;
      case StreamOp::Kind::fence:
        out.push_back(cache::CacheOp::fence_if_newer(op.id, op.version));
        break;
      case StreamOp::Kind::invalidate:
        out.push_back(cache::CacheOp::invalidate_above(op.id, op.version));
        break;
    }
  }
}

void RedisItemCache::start_batch(Deadline budget) {
  abandon_batch();
  cache_.end_backoff();  // as in execute(): the caller paces its attempts
  if (tracer_ != nullptr && tracer_->sampled()) batch_segment_ = tracer_->start("Redis", "remote");
  batch_started_ = true;
  cache_.start_batch(budget);
}

void RedisItemCache::send_planned(std::span<const StreamOp> ops) {
  if (!batch_started_) return;
  to_cache_ops(ops, ops_);
  cache_.send_ahead(ops_);
}

void RedisItemCache::abandon_batch() {
  if (!std::exchange(batch_started_, false)) return;
  cache_.abandon_batch();
  batch_segment_.reset();
}

void RedisItemCache::execute(std::span<const StreamOp> ops, StreamResults& results,
                             Deadline budget) {
  to_cache_ops(ops, ops_);
  if (std::exchange(batch_started_, false)) {
    cache_.finish_batch(ops_, batch_, budget);
    if (batch_segment_) trace_batch(*batch_segment_, ops_.size());
    batch_segment_.reset();
  } else if (tracer_ != nullptr && tracer_->sampled()) {
    // The caller's retry loop paces the attempts: a recovered Redis is used at its next one.
    cache_.end_backoff();
    tracing::Segment segment = tracer_->start("Redis", "remote");
    cache_.execute(ops_, batch_, budget);
    trace_batch(segment, ops_.size());
  } else {
    cache_.end_backoff();
    cache_.execute(ops_, batch_, budget);
  }
  results.clear();
  results.reserve(ops.size());
  for (std::size_t k = 0; k < ops.size(); ++k) {
    if (k >= batch_.size()) {
      results.emplace_back(
          unexpected(cache::Error{cache::ErrorCode::protocol, "missing batch result"}));
    } else if (batch_[k]) {
      results.emplace_back(batch_[k]->write);
    } else {
      results.emplace_back(unexpected(batch_[k].error()));
    }
  }
}

// A stream batch is one pipelined round trip over many ids: counts instead of one outcome.
void RedisItemCache::trace_batch(tracing::Segment& segment, std::size_t ops) const {
  double applied = 0;
  double stale = 0;
  double failed = 0;
  for (const auto& result : batch_) {
    if (!result) {
      ++failed;
    } else if (result->write == cache::WriteResult::applied) {
      ++applied;
    } else {
      ++stale;
    }
  }
  segment.annotations.push_back({"cache_op", std::string("stream_batch")});
  segment.annotations.push_back({"cache_ops", static_cast<double>(ops)});
  segment.annotations.push_back({"cache_applied", applied});
  segment.annotations.push_back({"cache_stale", stale});
  segment.annotations.push_back({"cache_failed", failed});
  segment.fault = failed > 0;
  tracer_->finish(segment);
}

}  // namespace streamcache::items
