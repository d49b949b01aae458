// The RESP reply parser against hostile server bytes (deep nesting, huge lengths, truncation):
// it never crashes or over-allocates, and bytes fed in small pieces give the very replies (or the
// same protocol error) that the whole buffer gives. The first input byte picks the piece size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cache/resp.h"
#include "fuzz_check.h"

using namespace streamcache;
using cache::Reply;

namespace {

// Keeps reading replies after each piece, as the connection does; stops at the first error.
struct Transcript {
  std::vector<Reply> replies;
  bool failed = false;
};

Transcript read_in_pieces(std::string_view bytes, std::size_t piece) {
  Transcript out;
  cache::ReplyReader reader;
  for (std::size_t at = 0; at < bytes.size() && !out.failed; at += piece) {
    if (!reader.feed(bytes.substr(at, piece))) {
      out.failed = true;
      break;
    }
    for (;;) {
      Reply reply;
      auto more = reader.next(reply);
      if (!more) {
        out.failed = true;
        break;
      }
      if (!*more) break;
      out.replies.push_back(std::move(reply));
    }
  }
  return out;
}

bool same(const Reply& a, const Reply& b) {
  if (a.type != b.type || a.str != b.str || a.integer != b.integer) return false;
  return std::equal(a.elements.begin(), a.elements.end(), b.elements.begin(), b.elements.end(),
                    same);
}

bool same(const Transcript& a, const Transcript& b) {
  return a.failed == b.failed &&
         std::equal(a.replies.begin(), a.replies.end(), b.replies.begin(), b.replies.end(),
                    [](const Reply& x, const Reply& y) { return same(x, y); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Transcript whole = read_in_pieces(bytes, std::max<std::size_t>(bytes.size(), 1));
  const Transcript pieces = read_in_pieces(bytes, piece);
  FUZZ_CHECK(same(whole, pieces), "feeding in pieces changed the replies");
  for (const Reply& reply : whole.replies) {
    if (reply.is_error()) (void)reply.error_prefix();
  }
  return 0;
}
