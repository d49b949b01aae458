#include "cache/item_protocol.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <openssl/evp.h>

namespace streamcache::cache {
namespace {

Unexpected<Error> invalid(std::string message) {
  return unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
}

std::string_view type_name(Reply::Type type) {
  switch (type) {
    case Reply::Type::nil:
      return "nil";
    case Reply::Type::status:
      return "a status";
    case Reply::Type::error:
      return "an error";
    case Reply::Type::integer:
      return "an integer";
    case Reply::Type::string:
      return "a string";
    case Reply::Type::array:
      return "an array";
  }
  return "an unknown type";
}

bool is_kind(char c) {
  return c == 'I' || c == 'T' || c == 'N' || c == 'F';
}

}  // namespace

Expected<void, Error> validate_version(Version version) {
  if (version > kMaxVersion) {
    return invalid("version " + std::to_string(version) +
                   " is out of range: versions are integers in [0, 2^53)");
  }
  return {};
}

Expected<Version, Error> parse_version(std::string_view text) {
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  Version version = 0;
  if (digits_only) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (ec == std::errc() && end == text.data() + text.size() && version <= kMaxVersion) {
      return version;
    }
  }
  std::string shown(text.substr(0, 40));
  return invalid("version '" + shown + "' is not an integer in [0, 2^53)");
}

Expected<void, Error> validate_id(std::string_view id) {
  if (id.empty()) return invalid("empty item id");
  if (id.size() > kMaxIdBytes) {
    return invalid("item id of " + std::to_string(id.size()) + " bytes is over the " +
                   std::to_string(kMaxIdBytes) + "-byte limit");
  }
  return {};
}

void append_item_key(std::string& out, std::string_view id) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  out.append("item:{");
  for (char c : id) {
    if (c == '%' || c == '{' || c == '}') {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('}');
}

std::string item_key(std::string_view id) {
  std::string key;
  key.reserve(id.size() + 8);
  append_item_key(key, id);
  return key;
}

std::array<char, kHeaderSize> encode_header(EntryKind kind, Version version) {
  std::array<char, kHeaderSize> header{};
  header[0] = static_cast<char>(kind);
  for (std::size_t i = kHeaderSize - 1; i >= 1; --i) {
    header[i] = static_cast<char>('0' + version % 10);
    version /= 10;
  }
  return header;
}

std::optional<DecodedEntry> decode_entry(std::string_view value) {
  if (value.size() < kHeaderSize || !is_kind(value[0])) return std::nullopt;
  Version version = 0;
  for (std::size_t i = 1; i < kHeaderSize; ++i) {
    const char c = value[i];
    if (c < '0' || c > '9') return std::nullopt;
    version = version * 10 + static_cast<Version>(c - '0');
  }
  if (version > kMaxVersion) return std::nullopt;
  return DecodedEntry{static_cast<EntryKind>(value[0]), version, value.substr(kHeaderSize)};
}

std::chrono::milliseconds jittered_ttl(std::chrono::milliseconds base, double jitter,
                                       std::uint64_t random) {
  constexpr std::chrono::milliseconds kFloor{1};
  if (!(jitter > 0.0) || base <= kFloor) return std::max(base, kFloor);
  const auto spread =
      static_cast<std::int64_t>(static_cast<double>(base.count()) * std::min(jitter, 1.0));
  const auto choices = static_cast<std::uint64_t>(2 * spread + 1);
  const auto offset = static_cast<std::int64_t>(random % choices) - spread;
  return std::max(base + std::chrono::milliseconds(offset), kFloor);
}

const std::string& set_if_newer_sha() {
  static const std::string sha = [] {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(kSetIfNewerScript.data(), kSetIfNewerScript.size(), digest, &length, EVP_sha1(),
                   nullptr) != 1) {
      throw std::runtime_error("SHA-1 is unavailable in this OpenSSL");
    }
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 0x0f]);
    }
    return hex;
  }();
  return sha;
}

Error error_from_reply(const Reply& reply) {
  const std::string_view prefix = reply.error_prefix();
  ErrorCode code = ErrorCode::reply;
  if (prefix == "NOAUTH" || prefix == "WRONGPASS" || prefix == "NOPERM") {
    code = ErrorCode::auth;
  } else if (prefix == "LOADING" || prefix == "READONLY" || prefix == "MASTERDOWN" ||
             prefix == "BUSY" || prefix == "TRYAGAIN" || prefix == "CLUSTERDOWN" ||
             prefix == "OOM" || prefix == "NOREPLICAS" || prefix == "MISCONF") {
    // The server cannot serve now but will: a load, a failover, a script, expiring keys.
    code = ErrorCode::unavailable;
  }
  return Error{code, "redis replied: " + reply.str};
}

Expected<GetResult, Error> get_result_from_reply(Reply&& reply) {
  GetResult result;
  switch (reply.type) {
    case Reply::Type::nil:
      return result;
    case Reply::Type::error:
      return unexpected(error_from_reply(reply));
    case Reply::Type::string:
      break;
    default:
      return unexpected(
          Error{ErrorCode::protocol, "GET returned " + std::string(type_name(reply.type))});
  }
  const auto entry = decode_entry(reply.str);
  if (!entry) return result;  // not ours: a fill will overwrite it
  result.version = entry->version;
  result.kind = entry->kind;
  if (entry->kind == EntryKind::fence) return result;  // a miss: only the table knows
  if (entry->kind != EntryKind::item) {
    result.status = GetResult::Status::not_found;
    return result;
  }
  result.status = GetResult::Status::hit;
  result.body = std::move(reply.str);
  result.body.erase(0, kHeaderSize);  // in place: no second allocation for the body
  return result;
}

Expected<WriteResult, Error> write_result_from_reply(const Reply& reply) {
  if (reply.type == Reply::Type::integer && (reply.integer == 0 || reply.integer == 1)) {
    return reply.integer == 1 ? WriteResult::applied : WriteResult::stale;
  }
  if (reply.is_error()) return unexpected(error_from_reply(reply));
  return unexpected(Error{
      ErrorCode::protocol,
      "set-if-newer script returned " + std::string(type_name(reply.type)) + " instead of 0 or 1"});
}

}  // namespace streamcache::cache
