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

Expected<std::optional<json::Value>, StoreError> DynamoItemStore::get(std::string_view id) {
  auto item = client_.get_item({table_, key_of(id), true});
  if (!item) return unexpected(store_error_from(item.error()));
  if (!item->has_value()) return std::optional<json::Value>();
  return std::optional<json::Value>(aws::to_plain_json(**item));
}

Expected<void, StoreError> DynamoItemStore::put(const json::Value& item, WriteCondition condition) {
  auto attributes = aws::map_from_plain_json(item);
  if (!attributes) return unexpected(StoreError{StoreError::Kind::invalid, attributes.error()});
  aws::PutItemRequest request{table_, std::move(*attributes), {}, aws::ReturnValues::none};
  request.conditions.names = {{"#id", "id"}};
  switch (condition.kind) {
    case WriteCondition::Kind::absent:
      request.conditions.condition_expression = "attribute_not_exists(#id)";
      break;
    case WriteCondition::Kind::version_equals:
      request.conditions.condition_expression = "#ver = :v";
      request.conditions.names = {{"#ver", "version"}};
      request.conditions.values = {aws::Attribute{":v", number(condition.version)}};
      break;
    case WriteCondition::Kind::unversioned:
      request.conditions.condition_expression =
          "attribute_exists(#id) AND attribute_not_exists(#ver)";
      request.conditions.names.emplace_back("#ver", "version");
      break;
  }
  auto written = client_.put_item(request);
  if (!written) return unexpected(store_error_from(written.error()));
  return {};
}

Expected<json::Value, StoreError> DynamoItemStore::remove(std::string_view id,
                                                          std::optional<Version> expected_version) {
  aws::DeleteItemRequest request{table_, key_of(id), {}, aws::ReturnValues::all_old};
  if (expected_version) {
    request.conditions.condition_expression = "#ver = :v";
    request.conditions.names = {{"#ver", "version"}};
    request.conditions.values = {aws::Attribute{":v", number(*expected_version)}};
  } else {
    request.conditions.condition_expression = "attribute_exists(#id)";
    request.conditions.names = {{"#id", "id"}};
  }
  auto old = client_.delete_item(request);
  if (!old) return unexpected(store_error_from(old.error()));
  return aws::to_plain_json(*old);
}

Expected<ListPage, StoreError> DynamoItemStore::list(int limit,
                                                     std::optional<std::string> start_after) {
  aws::ScanRequest request;
  request.table = table_;
  request.limit = limit;
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

Expected<cache::GetResult, cache::Error> RedisItemCache::get(std::string_view id) {
  return cache_.get(id);
}
Expected<cache::WriteResult, cache::Error> RedisItemCache::apply_if_newer(std::string_view id,
                                                                          Version version,
                                                                          std::string_view body) {
  return cache_.apply_if_newer(id, version, body);
}
Expected<cache::WriteResult, cache::Error> RedisItemCache::tombstone_if_newer(std::string_view id,
                                                                              Version version) {
  return cache_.tombstone_if_newer(id, version);
}
Expected<cache::WriteResult, cache::Error> RedisItemCache::fill_negative(std::string_view id) {
  return cache_.fill_negative(id);
}

void RedisItemCache::execute(std::span<const StreamOp> ops, StreamResults& results) {
  results.clear();
  results.reserve(ops.size());
  std::size_t i = 0;
  while (i < ops.size()) {
    if (ops[i].kind == StreamOp::Kind::invalidate) {
      // ItemCache has no versioned delete; a plain DEL is safe here because a later fill reads
      // the table consistently and carries whatever version (or none) the item has now.
      auto reply = cache_.connection().command({"DEL", cache::item_key(ops[i].id)});
      if (!reply) {
        results.emplace_back(unexpected(reply.error()));
      } else if (reply->is_error()) {
        results.emplace_back(unexpected(cache::error_from_reply(*reply)));
      } else {
        results.emplace_back(cache::WriteResult::applied);
      }
      ++i;
      continue;
    }
    ops_.clear();
    std::size_t start = i;
    for (; i < ops.size() && ops[i].kind != StreamOp::Kind::invalidate; ++i) {
      const StreamOp& op = ops[i];
      ops_.push_back(op.kind == StreamOp::Kind::apply
                         ? cache::CacheOp::apply_if_newer(op.id, op.version, op.body)
                         : cache::CacheOp::tombstone_if_newer(op.id, op.version));
    }
    cache_.execute(ops_, batch_);
    for (std::size_t k = 0; k < i - start; ++k) {
      if (k < batch_.size() && batch_[k]) {
        results.emplace_back(batch_[k]->write);
      } else if (k < batch_.size()) {
        results.emplace_back(unexpected(batch_[k].error()));
      } else {
        results.emplace_back(
            unexpected(cache::Error{cache::ErrorCode::protocol, "missing batch result"}));
      }
    }
  }
}

}  // namespace streamcache::items
