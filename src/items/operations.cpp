#include "items/operations.h"

#include <chrono>

#include "common/log.h"

namespace streamcache::items {

namespace {

using Status = Outcome::Status;

// Rounds of a write that meets other writers (or a deleted marker above its clock) before 409.
constexpr int kWriteAttempts = 3;

constexpr std::string_view kHitStatus = "streamcache; hit";
constexpr std::string_view kUnavailableStatus = "streamcache; fwd=miss; detail=cache-unavailable";

Outcome failure(Status status, std::string detail) {
  Outcome out;
  out.status = status;
  out.detail = std::move(detail);
  return out;
}

Outcome from_store_error(const StoreError& error) {
  switch (error.kind) {
    case StoreError::Kind::unavailable:
      if (error.message.find("DeadlineExceeded") != std::string::npos) {
        return failure(Status::unavailable,
                       "DynamoDB did not answer within the request's time budget; retry later");
      }
      return failure(Status::unavailable, "DynamoDB is throttling or unavailable; retry later");
    case StoreError::Kind::too_large:
      return failure(Status::too_large, "the item exceeds DynamoDB's 400 KB item size limit");
    case StoreError::Kind::invalid:
      return failure(Status::invalid, "DynamoDB refused the item: " + error.message);
    case StoreError::Kind::conflict:
      return failure(Status::conflict, "the item was changed concurrently; retry the request");
    case StoreError::Kind::other:
      break;
  }
  logging::error("storage error", {{"error", error.message}});
  return failure(Status::internal, "internal storage error");
}

Outcome written(Status status, std::string body, Version version) {
  Outcome out;
  out.status = status;
  out.body = std::move(body);
  out.version = version;
  return out;
}

Outcome not_found(const std::string& id) {
  return failure(Status::not_found, "item " + id + " does not exist");
}

Outcome concurrently_changed(const std::string& id) {
  return failure(Status::conflict,
                 "item " + id + " is being changed concurrently; retry the request");
}

Outcome if_match_failed(const std::string& id) {
  return failure(Status::precondition_failed,
                 "If-Match does not match the current ETag of item " + id);
}

Outcome changed_since_if_match(const std::string& id) {
  return failure(Status::precondition_failed,
                 "item " + id + " changed; If-Match no longer matches");
}

// Unversioned items (written by other tools) count as version 0 for ETags and the version rule.
Version current_version(const json::Value& row) {
  return version_of(row).value_or(0);
}

bool is_live(const std::optional<json::Value>& row) {
  return row && !is_deleted_marker(*row);
}

// The condition that the row read before a write still holds.
WriteCondition unchanged(const std::optional<json::Value>& row) {
  if (!row) return {WriteCondition::Kind::creatable, 0};
  if (auto v = version_of(*row)) return {WriteCondition::Kind::version_equals, *v};
  return {WriteCondition::Kind::unversioned, 0};
}

// The row as stored and answered: DynamoDB's number text, members sorted, within the size limit.
Expected<std::string, Outcome> storable_text(json::Value& row) {
  // Every number was validated with the same rules before; this only rewrites their text.
  if (auto numbers = canonicalize_numbers(row); !numbers) {
    return unexpected(failure(Status::invalid, numbers.error()));
  }
  row = canonical(std::move(row));
  std::string text = json::serialize(row);
  if (text.size() > kMaxItemBytes) {
    return unexpected(
        failure(Status::too_large, "the item exceeds DynamoDB's 400 KB item size limit"));
  }
  return text;
}

}  // namespace

ItemOperations::ItemOperations(ItemStore& store, ItemCachePort* cache, ApiOptions options)
    : store_(store), cache_(cache), options_(std::move(options)) {}

std::int64_t ItemOperations::now_us() const {
  if (options_.now_us) return options_.now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Outcome ItemOperations::read(const std::string& id, Deadline deadline) {
  bool cache_ok = cache_ != nullptr;
  if (cache_ != nullptr) {
    // At most half of what is left: a cache that cannot answer in time is a miss, and the
    // DynamoDB read that follows needs the other half.
    const Deadline cache_deadline =
        deadline.unlimited() ? deadline : deadline.min(Deadline::after(deadline.remaining() / 2));
    auto cached = cache_->get(id, cache_deadline);
    if (!cached) {
      cache_ok = false;
      ++stats_.cache_errors;
      logging::warn("cache read failed; reading DynamoDB",
                    {{"id", id}, {"error", cache::describe(cached.error())}});
    } else if (cached->status == cache::GetResult::Status::hit) {
      ++stats_.cache_hits;
      Outcome out = written(Status::ok, std::move(cached->body), cached->version);
      out.cache_status = kHitStatus;
      return out;
    } else if (cached->status == cache::GetResult::Status::not_found) {
      ++stats_.cache_hits;
      Outcome out = not_found(id);
      out.cache_status = kHitStatus;
      return out;
    }
  }
  ++stats_.cache_misses;
  auto started = std::chrono::steady_clock::now();
  auto stored = store_.get(id, deadline);
  stats_.dynamodb_ms +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!stored) return from_store_error(stored.error());

  std::string status = cache_ == nullptr ? "streamcache; fwd=uri-miss"
                       : cache_ok        ? "streamcache; fwd=miss"
                                         : std::string(kUnavailableStatus);
  auto fill = [&](const Expected<cache::WriteResult, cache::Error>& result) {
    if (!result) {
      ++stats_.cache_errors;
      status = kUnavailableStatus;
      logging::warn("cache fill failed", {{"id", id}, {"error", cache::describe(result.error())}});
    } else if (*result == cache::WriteResult::applied) {
      ++stats_.cache_fills;
      status += "; stored";
    } else {
      ++stats_.stale_fills;  // a newer write landed in the cache meanwhile: it wins
    }
  };
  // Out of time: answer now, without the fill; the next read fills.
  if (deadline.expired()) cache_ok = false;
  Outcome out;
  if (!stored->has_value()) {
    if (cache_ok) fill(cache_->fill_negative(id, deadline));
    out = not_found(id);
  } else if (is_deleted_marker(**stored)) {
    // The marker's version beats every fill that read the item before its delete.
    if (auto v = version_of(**stored); cache_ok && v)
      fill(cache_->tombstone_if_newer(id, *v, deadline));
    out = not_found(id);
  } else {
    auto version = version_of(**stored);
    std::string body = json::serialize(canonical(std::move(**stored)));
    // Unversioned items (written by other tools) are served but not cached: nothing orders them.
    if (cache_ok && version) fill(cache_->apply_if_newer(id, *version, body, deadline));
    out = written(Status::ok, std::move(body), version.value_or(0));
  }
  out.cache_status = std::move(status);
  return out;
}

void ItemOperations::write_through(const std::string& id, Version version, const std::string& body,
                                   Deadline deadline) {
  if (cache_ == nullptr || !options_.write_through) return;
  if (deadline.expired()) {
    logging::info("no time left for the write-through; the stream handler will apply it",
                  {{"id", id}});
    return;
  }
  auto result = cache_->apply_if_newer(id, version, body, deadline);
  if (!result) {
    ++stats_.cache_errors;
    logging::warn("cache write-through failed; the stream handler will apply it",
                  {{"id", id}, {"error", cache::describe(result.error())}});
  }
}

void ItemOperations::tombstone_through(const std::string& id, Version version, Deadline deadline) {
  if (cache_ == nullptr) return;
  if (deadline.expired()) {
    logging::info("no time left for the cache tombstone; the stream handler will apply it",
                  {{"id", id}});
    return;
  }
  auto result = cache_->tombstone_if_newer(id, version, deadline);
  if (!result) {
    ++stats_.cache_errors;
    logging::warn("cache tombstone failed; the stream handler will apply it",
                  {{"id", id}, {"error", cache::describe(result.error())}});
  }
}

Expected<void, StoreError> ItemOperations::write_row(const json::Value& row,
                                                     const std::string& text,
                                                     WriteCondition condition, Deadline deadline) {
  auto done = store_.put(row, condition, deadline);
  if (done || done.error().kind != StoreError::Kind::conflict) return done;
  const auto& current = done.error().current;
  if (current && json::serialize(canonical(*current)) == text) {
    logging::info("a retried write found its own first attempt committed",
                  {{"id", std::string(*row.get_string("id"))}});
    return {};
  }
  return done;
}

Outcome ItemOperations::create(const json::Value& document, Deadline deadline) {
  const std::string id =
      document.get_string("id") ? std::string(*document.get_string("id")) : random_uuid();
  std::optional<Version> floor;  // a deleted marker's version, once one is met
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::int64_t now = now_us();
    Version version = next_version(floor, now);
    json::Value item = document;
    item.set("id", id);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    item.set("createdAt", format_timestamp(now));
    item.set("updatedAt", format_timestamp(now));
    auto text = storable_text(item);
    if (!text) return std::move(text.error());
    auto done = write_row(item, *text, {WriteCondition::Kind::creatable, 0}, deadline);
    if (done) {
      write_through(id, version, *text, deadline);
      Outcome out = written(Status::created, std::move(*text), version);
      out.id = id;
      return out;
    }
    if (done.error().kind != StoreError::Kind::conflict) return from_store_error(done.error());
    const auto& current = done.error().current;
    if (is_live(current)) {
      return failure(Status::exists, "item " + id + " already exists; use PUT to replace it");
    }
    // A deleted marker at or above this writer's clock: versions must keep increasing.
    if (current) floor = current_version(*current);
  }
  return concurrently_changed(id);
}

Outcome ItemOperations::replace(const std::string& id, const json::Value& document,
                                const std::string* if_match, Deadline deadline) {
  auto current = store_.get(id, deadline);
  if (!current) return from_store_error(current.error());
  std::optional<json::Value> row = std::move(*current);
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    const bool live = is_live(row);
    // A deleted marker's version is the floor of the re-create.
    std::optional<Version> previous;
    if (row) previous = current_version(*row);
    if (if_match != nullptr && !if_match_matches(*if_match, live ? previous : std::nullopt)) {
      return if_match_failed(id);
    }
    std::int64_t now = now_us();
    Version version = next_version(previous, now);
    json::Value item = document;
    item.set("id", id);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    std::string created = format_timestamp(now);
    if (live) {
      if (auto c = row->get_string("createdAt")) created = *c;
    }
    item.set("createdAt", created);
    item.set("updatedAt", format_timestamp(now));
    auto text = storable_text(item);
    if (!text) return std::move(text.error());
    auto done = write_row(item, *text, unchanged(row), deadline);
    if (done) {
      write_through(id, version, *text, deadline);
      return written(live ? Status::ok : Status::created, std::move(*text), version);
    }
    if (done.error().kind != StoreError::Kind::conflict) return from_store_error(done.error());
    if (if_match != nullptr) return changed_since_if_match(id);
    row = std::move(done.error().current);  // another writer won this round: go again on theirs
  }
  return concurrently_changed(id);
}

Outcome ItemOperations::patch(const std::string& id, const json::Value& patch,
                              const std::string* if_match, Deadline deadline) {
  auto current = store_.get(id, deadline);
  if (!current) return from_store_error(current.error());
  std::optional<json::Value> row = std::move(*current);
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    if (!is_live(row)) return not_found(id);
    Version previous = current_version(*row);
    if (if_match != nullptr && !if_match_matches(*if_match, previous)) return if_match_failed(id);
    const WriteCondition condition = unchanged(row);
    json::Value item = merge_patch(*row, patch);
    if (auto valid = validate_storable(item); !valid) {
      return failure(Status::invalid, valid.error());
    }
    std::int64_t now = now_us();
    Version version = next_version(previous, now);
    item.set("version", json::Value::integer(static_cast<std::int64_t>(version)));
    item.set("updatedAt", format_timestamp(now));
    if (!item.get_string("createdAt")) item.set("createdAt", format_timestamp(now));
    auto text = storable_text(item);
    if (!text) return std::move(text.error());
    auto done = write_row(item, *text, condition, deadline);
    if (done) {
      write_through(id, version, *text, deadline);
      return written(Status::ok, std::move(*text), version);
    }
    if (done.error().kind != StoreError::Kind::conflict) return from_store_error(done.error());
    if (if_match != nullptr) return changed_since_if_match(id);
    row = std::move(done.error().current);
  }
  return concurrently_changed(id);
}

Outcome ItemOperations::remove(const std::string& id, const std::string* if_match,
                               Deadline deadline) {
  std::optional<Version> floor;  // the live item's version, once known
  WriteCondition condition{WriteCondition::Kind::live_below, 0};
  if (if_match != nullptr) {
    auto current = store_.get(id, deadline);
    if (!current) return from_store_error(current.error());
    if (!is_live(*current)) return not_found(id);
    floor = current_version(**current);
    if (!if_match_matches(*if_match, floor)) return if_match_failed(id);
    condition = unchanged(*current);
  }
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::int64_t now = now_us();
    // Above the deleted version: it beats every fill that read the item before the delete.
    Version version = next_version(floor, now);
    json::Value marker = deleted_marker(id, version, now);
    const std::string text = json::serialize(marker);  // members already in canonical order
    auto done = write_row(marker, text, condition, deadline);
    if (done) {
      tombstone_through(id, version, deadline);
      Outcome out;
      out.status = Status::deleted;
      return out;
    }
    if (done.error().kind != StoreError::Kind::conflict) return from_store_error(done.error());
    const auto& current = done.error().current;
    if (!is_live(current)) return not_found(id);
    if (if_match != nullptr) return changed_since_if_match(id);
    floor = current_version(*current);  // a version at or above this writer's clock
  }
  return concurrently_changed(id);
}

ListOutcome ItemOperations::list(int limit, std::optional<std::string> start_after,
                                 Deadline deadline) {
  ListOutcome out;
  auto page = store_.list(limit, std::move(start_after), deadline);
  if (!page) {
    Outcome error = from_store_error(page.error());
    out.status = error.status;
    out.detail = std::move(error.detail);
    return out;
  }
  out.items.reserve(page->items.size());
  for (auto& item : page->items)
    out.items.push_back(canonical(std::move(item)));
  out.last_id = std::move(page->last_id);
  return out;
}

}  // namespace streamcache::items
