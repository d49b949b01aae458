#include "items/stream_image.h"

#include <algorithm>
#include <numeric>

#include "aws/attribute_value.h"
#include "common/json_string.h"

namespace streamcache::items::detail {

void ImageDecoder::begin(bool emit) {
  emit_ = emit;
  frames_.clear();
  entries_.clear();
  names_.clear();
  facts_.id = TopAttribute::absent;
  facts_.id_text.clear();
  facts_.version = TopAttribute::absent;
  facts_.version_text.clear();
  facts_.deleted = false;
  if (emit_) {
    out_.clear();
    out_.push_back('{');
  }
  frames_.push_back(Frame{.kind = Kind::map, .out_begin = out_.size()});
}

bool ImageDecoder::key(std::string_view name) {
  Frame& top = frames_.back();
  if (top.kind == Kind::value && top.type == Type::none) {
    static constexpr std::pair<std::string_view, Type> kTypes[] = {
        {"S", Type::s},       {"N", Type::n},  {"B", Type::b}, {"BOOL", Type::boolean},
        {"NULL", Type::null}, {"M", Type::m},  {"L", Type::l}, {"SS", Type::ss},
        {"NS", Type::ns},     {"BS", Type::bs}};
    for (const auto& [text, type] : kTypes) {
      if (name == text) {
        top.type = type;
        return true;
      }
    }
    return false;  // an unknown type
  }
  if (top.kind != Kind::map || top.has_value) return false;  // e.g. a second type key
  top.role = Role::none;
  if (frames_.size() == 1) {
    // aws::find returns the first member of a name: later ones take no role.
    if (name == "id" && facts_.id == TopAttribute::absent) {
      top.role = Role::id;
      facts_.id = TopAttribute::other;
    } else if (name == "version" && facts_.version == TopAttribute::absent) {
      top.role = Role::version;
      facts_.version = TopAttribute::other;
    } else if (name == "deletedAt") {
      facts_.deleted = true;
    }
  }
  if (emit_) {
    if (!top.empty) out_.push_back(',');
    const std::size_t begin = out_.size();
    entries_.push_back(Entry{names_.size(), name.size(), begin, begin});
    names_.append(name);
    append_json_string(out_, name);
    out_.push_back(':');
  }
  top.empty = false;
  top.has_value = true;  // a map frame: awaiting the member's value
  return true;
}

bool ImageDecoder::open_value(Role role) {
  frames_.push_back(Frame{.kind = Kind::value, .role = role});
  return true;
}

bool ImageDecoder::start_object() {
  Frame& top = frames_.back();
  if (top.kind == Kind::map && top.has_value) return open_value(top.role);
  if (top.kind == Kind::list) {
    if (emit_ && !top.empty) out_.push_back(',');
    top.empty = false;
    return open_value(Role::none);
  }
  if (top.kind == Kind::value && top.type == Type::m && !top.has_value) {
    if (emit_) out_.push_back('{');
    frames_.push_back(Frame{.kind = Kind::map,
                            .entries_begin = entries_.size(),
                            .names_mark = names_.size(),
                            .out_begin = out_.size()});
    return true;
  }
  return false;
}

bool ImageDecoder::end_object() {
  const Frame top = frames_.back();
  if (top.kind == Kind::map && !top.has_value) {
    finish_map(top);
    frames_.pop_back();
    return frames_.empty() || close_child();
  }
  if (top.kind != Kind::value || !top.has_value) return false;  // {} or a type without a value
  frames_.pop_back();
  Frame& parent = frames_.back();
  if (parent.kind == Kind::map) {
    if (emit_) entries_.back().end = out_.size();
    parent.has_value = false;
  }
  return true;
}

bool ImageDecoder::close_child() {
  Frame& value = frames_.back();
  value.has_value = true;
  return true;
}

bool ImageDecoder::start_array() {
  Frame& top = frames_.back();
  if (top.kind != Kind::value || top.has_value) return false;
  if (top.type == Type::l) {
    if (emit_) out_.push_back('[');
    frames_.push_back(Frame{.kind = Kind::list});
    return true;
  }
  if (top.type == Type::ss || top.type == Type::ns || top.type == Type::bs) {
    if (emit_) out_.push_back('[');
    set_text_.clear();
    set_members_.clear();
    frames_.push_back(Frame{.kind = Kind::set, .type = top.type});
    return true;
  }
  return false;
}

bool ImageDecoder::end_array() {
  const Frame top = frames_.back();
  if (top.kind == Kind::set && !finish_set(top)) return false;
  if (top.kind != Kind::list && top.kind != Kind::set) return false;
  if (emit_) out_.push_back(']');
  frames_.pop_back();
  return close_child();
}

bool ImageDecoder::string(std::string_view text) {
  Frame& top = frames_.back();
  if (top.kind == Kind::set) return set_member(top.type, text);
  if (top.kind != Kind::value || top.has_value) return false;
  switch (top.type) {
    case Type::s:
      if (emit_) append_json_string(out_, text);
      if (top.role == Role::id) {
        facts_.id = TopAttribute::string;
        facts_.id_text.assign(text);
      }
      break;
    case Type::n:
      if (!aws::validate_number(text)) return false;
      if (emit_) out_.append(text);  // as written: stream images carry DynamoDB's own text
      if (top.role == Role::version) {
        facts_.version = TopAttribute::number;
        facts_.version_text.assign(text);
      }
      break;
    case Type::b: {
      auto bytes = aws::base64_decode(text);
      if (!bytes) return false;
      // Re-encoded, as the DOM path does: padding bits that are not zero do not survive.
      if (emit_) append_json_string(out_, aws::base64_encode(*bytes));
      break;
    }
    default:
      return false;
  }
  top.has_value = true;
  return true;
}

bool ImageDecoder::boolean(bool value) {
  Frame& top = frames_.back();
  if (top.kind != Kind::value || top.has_value) return false;
  if (top.type == Type::boolean) {
    if (emit_) out_.append(value ? "true" : "false");
  } else if (top.type == Type::null && value) {
    if (emit_) out_.append("null");
  } else {
    return false;
  }
  top.has_value = true;
  return true;
}

bool ImageDecoder::set_member(Type type, std::string_view text) {
  Frame& set = frames_.back();
  std::string encoded;
  if (type == Type::ns) {
    if (!aws::validate_number(text)) return false;
  } else if (type == Type::bs) {
    auto bytes = aws::base64_decode(text);
    if (!bytes) return false;
    encoded = aws::base64_encode(*bytes);
  }
  // BS members are judged by their canonical text (one per value), as the tree reader judges bytes.
  const std::string_view judged = type == Type::bs ? std::string_view(encoded) : text;
  set_members_.emplace_back(set_text_.size(), judged.size());
  set_text_.append(judged);
  if (!emit_) return true;
  if (!set.empty) out_.push_back(',');
  set.empty = false;
  if (type == Type::ns) {
    out_.append(text);
  } else {
    append_json_string(out_, type == Type::bs ? std::string_view(encoded) : text);
  }
  return true;
}

bool ImageDecoder::finish_set(const Frame& /*set*/) {
  if (set_members_.empty()) return false;
  if (set_members_.size() == 1) return true;
  set_views_.clear();
  for (const auto& [offset, size] : set_members_)
    set_views_.push_back(std::string_view(set_text_).substr(offset, size));
  std::sort(set_views_.begin(), set_views_.end());
  return std::adjacent_find(set_views_.begin(), set_views_.end()) == set_views_.end();
}

void ImageDecoder::finish_map(const Frame& map) {
  if (!emit_) return;
  const std::size_t count = entries_.size() - map.entries_begin;
  const std::string_view names(names_);
  auto name_of = [&](std::size_t i) {
    const Entry& e = entries_[map.entries_begin + i];
    return names.substr(e.name_offset, e.name_size);
  };
  bool sorted = true;
  for (std::size_t i = 1; i < count && sorted; ++i)
    sorted = !(name_of(i) < name_of(i - 1));
  if (!sorted) {
    // Stable, as canonical()'s std::stable_sort: duplicate names keep their written order.
    // Insertion sort: items have few members, and it needs no buffer.
    order_.resize(count);
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    for (std::size_t i = 1; i < count; ++i) {
      const std::size_t moving = order_[i];
      std::size_t j = i;
      for (; j > 0 && name_of(moving) < name_of(order_[j - 1]); --j)
        order_[j] = order_[j - 1];
      order_[j] = moving;
    }
    moved_.assign(out_, map.out_begin);
    out_.resize(map.out_begin);
    for (std::size_t k = 0; k < count; ++k) {
      if (k > 0) out_.push_back(',');
      const Entry& e = entries_[map.entries_begin + order_[k]];
      out_.append(moved_, e.begin - map.out_begin, e.end - e.begin);
    }
  }
  out_.push_back('}');
  entries_.resize(map.entries_begin);
  names_.resize(map.names_mark);
}

}  // namespace streamcache::items::detail
