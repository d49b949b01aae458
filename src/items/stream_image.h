// Internal: one DynamoDB JSON image (an AttributeValue map such as {"id":{"S":"a"}}) decoded from
// SAX events straight into its canonical body: plain JSON, members sorted by name recursively,
// compact — the bytes json::serialize(canonical(aws::to_plain_json(image))) gives, without a tree.
// It also keeps what the planner reads at the top level (id, version, deletedAt). An image that is
// not valid DynamoDB JSON is refused, never repaired: the caller re-reads the record with the DOM
// planner for the exact reason. Buffers are kept across images: no allocation in steady state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streamcache::items::detail {

// The first top-level member of a name, as aws::find_string / aws::find_number see it.
enum class TopAttribute : std::uint8_t { absent, string, number, other };

struct ImageFacts {
  TopAttribute id = TopAttribute::absent;
  std::string id_text;  // when id is a string
  TopAttribute version = TopAttribute::absent;
  std::string version_text;  // when version is a number
  bool deleted = false;      // a top-level `deletedAt`
};

class ImageDecoder {
 public:
  // Starts an image whose '{' was just read; `emit`: build its body (only NewImage needs one).
  void begin(bool emit);
  // The SAX events inside the image, up to and including its closing '}'. False: not a valid
  // image; feed nothing more until the next begin().
  bool start_object();
  bool end_object();
  bool start_array();
  bool end_array();
  bool key(std::string_view name);
  bool string(std::string_view text);
  bool boolean(bool value);
  // Containers still open: what the caller skips after a refusal.
  [[nodiscard]] std::size_t open_containers() const { return frames_.size(); }
  [[nodiscard]] bool done() const { return frames_.empty(); }
  [[nodiscard]] const ImageFacts& facts() const { return facts_; }
  [[nodiscard]] std::string_view body() const { return out_; }

 private:
  enum class Kind : std::uint8_t { map, value, list, set };
  enum class Type : std::uint8_t { none, s, n, b, boolean, null, m, l, ss, ns, bs };
  enum class Role : std::uint8_t { none, id, version };
  struct Frame {
    Kind kind;
    Type type = Type::none;  // value and set frames
    Role role = Role::none;  // value frames of the top-level id and version
    bool has_value = false;  // value: its typed value was read; map: awaiting a member's value
    bool empty = true;       // map, list, set: no member yet (for commas)
    std::size_t entries_begin = 0;  // map: its first entry in entries_
    std::size_t names_mark = 0;     // map: names_ size when it opened
    std::size_t out_begin = 0;      // map: where its members' text starts in out_
  };
  struct Entry {  // one member of an open map: its decoded name and its `"name":value` text
    std::size_t name_offset, name_size, begin, end;
  };

  bool open_value(Role role);
  bool close_child();  // a map, list or set value closed: its value frame has its value
  void finish_map(const Frame& map);
  bool set_member(Type type, std::string_view text);
  bool finish_set(const Frame& set);
  void append_base64(std::string_view text);  // already validated

  std::vector<Frame> frames_;
  std::vector<Entry> entries_;
  std::string names_;
  std::string out_;
  std::string moved_;  // map members during a sort
  std::vector<std::size_t> order_;
  std::string set_text_;  // members of the open set, for the duplicate check
  std::vector<std::pair<std::size_t, std::size_t>> set_members_;
  std::vector<std::string_view> set_views_;
  ImageFacts facts_;
  bool emit_ = false;
};

}  // namespace streamcache::items::detail
