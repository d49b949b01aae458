#include "items/stream_sax.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

#include <rapidjson/reader.h>

#include "cache/item_protocol.h"
#include "common/utf8.h"
#include "items/stream_dom.h"
#include "items/stream_image.h"
#include "items/stream_rules.h"
#include "json/json.h"

namespace streamcache::items::detail {

namespace {

namespace events = lambda::events;
using rapidjson::SizeType;

// Where the next value goes (set by the member's key).
enum class Slot : std::uint8_t {
  skip,        // a member nobody reads: any value, skipped
  records,     // the event's Records
  text,        // a string member that is only type-checked (eventID, StreamViewType, ...)
  event_name,  // required: INSERT, MODIFY or REMOVE
  identity,    // userIdentity
  dynamodb,    // required object
  creation,    // ApproximateCreationDateTime
  keys,        // the three images
  new_image,
  old_image,
  sequence,    // SequenceNumber
  size_bytes,  // an integer
};

enum class Scope : std::uint8_t { root, records, record, identity, dynamodb };

struct Member {
  std::string_view name;
  Slot slot;
};

// The members the DOM reader knows, each with its bit in Record::seen: a repeated one goes to the
// DOM planner, which reads the first as json::Value::find does.
constexpr Member kRecordMembers[] = {
    {"eventID", Slot::text},          {"eventName", Slot::event_name},
    {"eventVersion", Slot::text},     {"eventSource", Slot::text},
    {"awsRegion", Slot::text},        {"eventSourceARN", Slot::text},
    {"userIdentity", Slot::identity}, {"dynamodb", Slot::dynamodb}};
constexpr Member kDynamoDbMembers[] = {{"ApproximateCreationDateTime", Slot::creation},
                                       {"Keys", Slot::keys},
                                       {"NewImage", Slot::new_image},
                                       {"OldImage", Slot::old_image},
                                       {"SequenceNumber", Slot::sequence},
                                       {"SizeBytes", Slot::size_bytes},
                                       {"StreamViewType", Slot::text}};
constexpr Member kIdentityMembers[] = {{"type", Slot::text}, {"principalId", Slot::text}};
constexpr std::uint32_t kDynamoDbBit = 1U << 7;

// What the pass keeps of the record it is in; reset (capacity kept) for each record.
struct Record {
  std::size_t begin = 0;  // offset of its '{' in the event
  bool bad = false;       // the DOM planner decides this one
  std::uint32_t seen = 0;
  std::optional<events::StreamEventName> name;
  bool has_creation = false;
  std::string creation;
  std::string sequence;
  bool has_keys = false, has_new = false, has_old = false;
  ImageFacts keys, old_image;

  void reset(std::size_t at) {
    begin = at;
    bad = false;
    seen = 0;
    name.reset();
    has_creation = false;
    creation.clear();
    sequence.clear();
    has_keys = has_new = has_old = false;
  }
};

class BatchHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, BatchHandler> {
 public:
  BatchHandler(std::string_view event, rapidjson::InsituStringStream& stream, StreamPlan& plan,
               const StreamPlanOptions& options, std::size_t* reread, const OnPlanned& on_planned)
      : event_(event),
        reread_(reread),
        on_planned_(on_planned),
        stream_(stream),
        plan_(plan),
        options_(options),
        // Only non-ASCII bytes or \u escapes can decode to text that is not UTF-8 (as json::parse).
        check_strings_(event.find("\\u") != std::string_view::npos ||
                       ascii_prefix_length(event) != event.size()) {}

  // True once the event's Records array was read whole.
  [[nodiscard]] bool complete() const { return records_read_; }

  bool Null() {
    if (skip_ > 0) return true;
    if (image_ != nullptr) return image_result(false, 0);
    if (scope_.empty() || scope_.back() == Scope::records) return false;
    switch (slot_) {
      case Slot::records:
        return false;
      case Slot::event_name:
      case Slot::dynamodb:
        record_.bad = true;  // required
        return true;
      default:
        return true;  // absent, as the DOM reader treats null
    }
  }

  bool Bool(bool value) {
    if (skip_ > 0) return true;
    if (image_ != nullptr) return image_result(image_->boolean(value), 0);
    return scalar_of_wrong_type();
  }

  bool RawNumber(const char* str, SizeType length, bool /*copy*/) {
    if (skip_ > 0) return true;
    if (image_ != nullptr) return image_result(false, 0);  // AttributeValues carry text
    if (scope_.empty() || scope_.back() == Scope::records) return false;
    const std::string_view text(str, length);
    if (slot_ == Slot::creation) {
      record_.has_creation = true;
      record_.creation.assign(text);
      return true;
    }
    if (slot_ == Slot::size_bytes) {
      std::int64_t n = 0;  // as json::to_int64
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size()) record_.bad = true;
      return true;
    }
    return scalar_of_wrong_type();
  }

  bool String(const char* str, SizeType length, bool /*copy*/) {
    const std::string_view text(str, length);
    if (!valid(text)) return false;
    if (skip_ > 0) return true;
    if (image_ != nullptr) return image_result(image_->string(text), 0);
    if (scope_.empty() || scope_.back() == Scope::records) return false;
    switch (slot_) {
      case Slot::text:
      case Slot::skip:
        return true;
      case Slot::event_name:
        if (text == "INSERT") {
          record_.name = events::StreamEventName::insert;
        } else if (text == "MODIFY") {
          record_.name = events::StreamEventName::modify;
        } else if (text == "REMOVE") {
          record_.name = events::StreamEventName::remove;
        } else {
          record_.bad = true;
        }
        return true;
      case Slot::sequence:
        record_.sequence.assign(text);
        return true;
      default:
        return scalar_of_wrong_type();
    }
  }

  bool Key(const char* str, SizeType length, bool /*copy*/) {
    const std::string_view name(str, length);
    if (!valid(name)) return false;
    if (skip_ > 0) return true;
    if (image_ != nullptr) return image_result(image_->key(name), 0);
    switch (scope_.back()) {
      case Scope::root:
        slot_ = Slot::skip;
        if (name == "Records" && !records_seen_) {
          records_seen_ = true;  // the first one, as json::Value::find
          slot_ = Slot::records;
        }
        return true;
      case Scope::record:
        return member_key(name, kRecordMembers, 0);
      case Scope::dynamodb:
        return member_key(name, kDynamoDbMembers, 8);
      case Scope::identity:
        return member_key(name, kIdentityMembers, 15);
      case Scope::records:
        return false;
    }
    return false;
  }

  bool StartObject() {
    if (depth_ >= json::kMaxDepth) return false;  // json::parse refuses it: so does the event
    ++depth_;
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    if (image_ != nullptr) return image_result(image_->start_object(), 1);
    if (scope_.empty()) {
      scope_.push_back(Scope::root);
      return true;
    }
    if (scope_.back() == Scope::records) {
      record_.reset(stream_.Tell() - 1);
      scope_.push_back(Scope::record);
      return true;
    }
    switch (slot_) {
      case Slot::identity:
        scope_.push_back(Scope::identity);
        return true;
      case Slot::dynamodb:
        scope_.push_back(Scope::dynamodb);
        return true;
      case Slot::keys:
      case Slot::old_image:
        image_ = &other_image_;
        image_slot_ = slot_;
        image_->begin(false);
        return true;
      case Slot::new_image:
        image_ = &new_image_;
        image_slot_ = slot_;
        image_->begin(true);
        return true;
      case Slot::records:
        return false;
      case Slot::skip:
        skip_ = 1;
        return true;
      default:
        record_.bad = true;
        skip_ = 1;
        return true;
    }
  }

  bool EndObject(SizeType /*count*/) {
    --depth_;
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (image_ != nullptr) return image_result(image_->end_object(), -1);
    const Scope scope = scope_.back();
    scope_.pop_back();
    if (scope == Scope::record) return finish_record(stream_.Tell());
    if (scope == Scope::root) return records_read_;
    return true;
  }

  bool StartArray() {
    if (depth_ >= json::kMaxDepth) return false;
    ++depth_;
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    if (image_ != nullptr) return image_result(image_->start_array(), 1);
    if (scope_.empty() || scope_.back() == Scope::records) return false;
    if (slot_ == Slot::records) {
      scope_.push_back(Scope::records);
      return true;
    }
    if (slot_ != Slot::skip) record_.bad = true;
    skip_ = 1;
    return true;
  }

  bool EndArray(SizeType /*count*/) {
    --depth_;
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (image_ != nullptr) return image_result(image_->end_array(), -1);
    scope_.pop_back();  // only Records is an array this pass enters
    records_read_ = true;
    return true;
  }

  // Numbers arrive as RawNumber (kParseNumbersAsStringsFlag); nothing else is called.
  bool Default() { return false; }

 private:
  template <std::size_t N>
  bool member_key(std::string_view name, const Member (&members)[N], unsigned first_bit) {
    slot_ = Slot::skip;
    for (std::size_t i = 0; i < N; ++i) {
      if (members[i].name != name) continue;
      const std::uint32_t bit = 1U << (first_bit + i);
      if ((record_.seen & bit) != 0) record_.bad = true;
      record_.seen |= bit;
      slot_ = members[i].slot;
      break;
    }
    return true;
  }

  // A string, number or boolean where the slot wants something else.
  bool scalar_of_wrong_type() {
    if (scope_.empty() || scope_.back() == Scope::records || slot_ == Slot::records) return false;
    if (slot_ != Slot::skip) record_.bad = true;
    return true;
  }

  // After an event inside an image; `opened`: +1 when it opened a container, -1 when it closed
  // one. A refused image is skipped to its end and its record left to the DOM planner.
  bool image_result(bool ok, int opened) {
    if (!ok) {
      record_.bad = true;
      skip_ = static_cast<std::size_t>(static_cast<long>(image_->open_containers()) + opened);
      image_ = nullptr;
      return true;
    }
    if (!image_->done()) return true;
    switch (image_slot_) {
      case Slot::keys:
        record_.has_keys = true;
        record_.keys = image_->facts();
        break;
      case Slot::old_image:
        record_.has_old = true;
        record_.old_image = image_->facts();
        break;
      default:
        record_.has_new = true;
        break;
    }
    image_ = nullptr;
    return true;
  }

  bool valid(std::string_view decoded) const {
    return !check_strings_ || is_valid_utf8(decoded);  // RapidJSON lets lone surrogates through
  }

  bool finish_record(std::size_t end) {
    const std::size_t before = plan_.ops.size();
    if (record_.bad || !plan_record()) {
      auto raw = json::parse(event_.substr(record_.begin, end - record_.begin));
      if (!raw) return false;  // cannot happen: this pass has just read it
      if (reread_ != nullptr) ++*reread_;
      plan_dom_record(std::move(*raw), plan_, options_);
    }
    if (on_planned_ && plan_.ops.size() > before) {
      on_planned_(std::span<const StreamOp>(plan_.ops).subspan(before));
    }
    return true;
  }

  // plan_record's rules over what the pass kept; false leaves the record to the DOM planner.
  bool plan_record() {
    const Record& r = record_;
    if (!r.name || (r.seen & kDynamoDbBit) == 0) return false;
    const ImageFacts& new_facts = new_image_.facts();
    const ImageFacts* source = r.has_keys  ? &r.keys
                               : r.has_new ? &new_facts
                               : r.has_old ? &r.old_image
                                           : nullptr;
    if (source == nullptr || source->id != TopAttribute::string) return false;
    if (!cache::validate_id(source->id_text)) return false;
    StreamOp op;
    op.id = source->id_text;
    std::optional<Version> old_version;
    if (r.has_old && r.old_image.version == TopAttribute::number)
      old_version = version_from_text(r.old_image.version_text);
    const std::string* created = r.has_creation ? &r.creation : nullptr;
    if (*r.name == events::StreamEventName::remove) {
      if (!old_version || *old_version >= kMaxVersion) {
        op = invalidation(std::move(op), {}, options_);
      } else {
        op.kind = StreamOp::Kind::tombstone;
        op.version = *old_version + 1;
        fence_if_too_old(op, created, options_);
      }
    } else if (!r.has_new) {
      op = invalidation(std::move(op), old_version, options_);
    } else {
      if (new_facts.id != TopAttribute::string || new_facts.id_text != op.id) return false;
      std::optional<Version> version;
      if (new_facts.version == TopAttribute::number)
        version = version_from_text(new_facts.version_text);
      if (!version) {
        op = invalidation(std::move(op), old_version, options_);
      } else {
        op.version = *version;
        if (new_facts.deleted) {
          op.kind = StreamOp::Kind::tombstone;
        } else {
          op.kind = StreamOp::Kind::apply;
          op.body.assign(new_image_.body());
        }
        fence_if_too_old(op, created, options_);
      }
    }
    op.record = plan_.sequence_numbers.size();
    plan_.sequence_numbers.push_back(r.sequence);
    if (created != nullptr) note_creation_time(plan_, *created);
    plan_.ops.push_back(std::move(op));
    return true;
  }

  std::string_view event_;
  std::size_t* reread_;
  const OnPlanned& on_planned_;
  rapidjson::InsituStringStream& stream_;
  StreamPlan& plan_;
  const StreamPlanOptions& options_;
  bool check_strings_;
  std::vector<Scope> scope_;
  Slot slot_ = Slot::skip;
  std::size_t depth_ = 0;
  std::size_t skip_ = 0;  // containers still open in a value being skipped
  bool records_seen_ = false;
  bool records_read_ = false;
  Record record_;
  ImageDecoder new_image_;
  ImageDecoder other_image_;  // Keys and OldImage: checked, not serialized
  ImageDecoder* image_ = nullptr;
  Slot image_slot_ = Slot::skip;
};

}  // namespace

bool plan_stream_batch_sax(std::string_view event_json, const StreamPlanOptions& options,
                           StreamPlan& plan, std::size_t* reread, const OnPlanned& on_planned) {
  constexpr std::size_t kBytesPerRecordAtLeast = 256;
  const std::size_t expected = std::min<std::size_t>(event_json.size() / kBytesPerRecordAtLeast,
                                                     10'000);  // Lambda's largest batch
  plan.ops.reserve(expected);
  plan.sequence_numbers.reserve(expected);
  // In situ over a copy: strings are decoded in place rather than copied to the reader's stack.
  // std::string's own NUL ends the text for InsituStringStream; reused across batches.
  thread_local std::string buffer;
  buffer.assign(event_json);
  rapidjson::InsituStringStream stream(buffer.data());
  BatchHandler handler(event_json, stream, plan, options, reread, on_planned);
  rapidjson::Reader reader;
  // Recursive descent (faster than the iterative parser): StartObject/StartArray refuse nesting
  // beyond json::kMaxDepth before it descends, so the C++ stack stays bounded.
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag;
  const rapidjson::ParseResult result = reader.Parse<kFlags>(stream, handler);
  return !result.IsError() && handler.complete();
}

}  // namespace streamcache::items::detail
