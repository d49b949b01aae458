#include "aws/sigv4.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace streamcache::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::size_t kDigestSize = 32;
constexpr std::size_t kBlockSize = 64;      // SHA-256 block, the HMAC pad length
constexpr std::size_t kAmzDateSize = 16;    // yyyymmddThhmmssZ
constexpr std::size_t kInlineHeaders = 16;  // more headers than this spill to the heap
using Digest = std::array<unsigned char, kDigestSize>;

// Byte -> two lowercase hex digits, so hashes are hex-encoded with one table read per byte.
constexpr std::array<char, 512> kHexPairs = [] {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::array<char, 512> table{};
  for (std::size_t i = 0; i < 256; ++i) {
    table[2 * i] = kDigits[i >> 4];
    table[2 * i + 1] = kDigits[i & 15];
  }
  return table;
}();

constexpr std::string_view kUpperHex = "0123456789ABCDEF";  // percent-encoding is uppercase

// RFC 3986 unreserved characters: the only bytes SigV4 leaves unencoded.
constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c)
    table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c)
    table[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c)
    table[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("-._~"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

void append_hex(std::string& out, std::span<const unsigned char> bytes) {
  const std::size_t start = out.size();
  out.resize(start + 2 * bytes.size());
  char* p = out.data() + start;
  for (unsigned char b : bytes) {
    std::memcpy(p, &kHexPairs[2 * std::size_t{b}], 2);
    p += 2;
  }
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// <0, 0, >0 like strcmp, on the lowercase forms (the canonical header order).
int compare_lower(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(lower(a[i]));
    const auto y = static_cast<unsigned char>(lower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

void append_lower(std::string& out, std::string_view text) {
  const std::size_t start = out.size();
  out.resize(start + text.size());
  std::transform(text.begin(), text.end(), out.begin() + static_cast<std::ptrdiff_t>(start), lower);
}

// Percent-encodes every byte but the unreserved ones (and '%' when the input is already encoded).
void append_uri_encoded(std::string& out, std::string_view text, bool keep_percent) {
  std::size_t run = 0;  // start of the pending run of bytes that stay as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (kUnreserved[c] || (keep_percent && c == '%')) continue;
    out.append(text.data() + run, i - run);
    const char escaped[3] = {'%', kUpperHex[c >> 4], kUpperHex[c & 15]};
    out.append(escaped, 3);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes then re-encodes, so "%e1", "%E1" and the raw byte all sign as "%E1".
void append_query_component(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<unsigned char>(hi * 16 + lo);
        i += 2;
      }
    }
    if (kUnreserved[c]) {
      out.push_back(static_cast<char>(c));
    } else {
      const char escaped[3] = {'%', kUpperHex[c >> 4], kUpperHex[c & 15]};
      out.append(escaped, 3);
    }
  }
}

// The canonical URI: RFC 3986 dot-segment removal plus collapsing of empty segments when
// normalizing (what every service but S3 expects), each segment URI-encoded.
void append_canonical_path(std::string& out, std::string_view path, const SigningOptions& options) {
  const bool keep_percent = !options.double_encode_path;
  if (path.empty()) {
    out.push_back('/');
    return;
  }
  if (!options.normalize_path) {
    if (path.front() != '/') out.push_back('/');
    std::size_t pos = 0;
    while (true) {
      const std::size_t slash = path.find('/', pos);
      append_uri_encoded(out, path.substr(pos, slash - pos), keep_percent);
      if (slash == std::string_view::npos) break;
      out.push_back('/');
      pos = slash + 1;
    }
    return;
  }
  const std::size_t base = out.size();
  bool trailing_slash = false;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(pos, slash - pos);
    pos = slash + 1;
    // A path ending in "/", "/." or "/.." names a directory and keeps its trailing slash.
    trailing_slash = segment.empty() || segment == "." || segment == "..";
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (out.size() > base) out.resize(out.rfind('/'));
      continue;
    }
    out.push_back('/');
    append_uri_encoded(out, segment, keep_percent);
  }
  if (out.size() == base || trailing_slash) out.push_back('/');
}

void append_canonical_query(std::string& out, std::string_view query) {
  if (query.empty()) return;
  struct Param {
    std::uint32_t key_begin, key_end, value_end;  // offsets into `encoded`
  };
  // One buffer for every encoded name and value: sorting offsets allocates nothing per parameter.
  std::string encoded;
  encoded.reserve(query.size() + query.size() / 2);
  std::vector<Param> params;
  params.reserve(static_cast<std::size_t>(std::count(query.begin(), query.end(), '&')) + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view piece = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    Param p{};
    p.key_begin = static_cast<std::uint32_t>(encoded.size());
    append_query_component(encoded, piece.substr(0, eq));
    p.key_end = static_cast<std::uint32_t>(encoded.size());
    if (eq != std::string_view::npos) append_query_component(encoded, piece.substr(eq + 1));
    p.value_end = static_cast<std::uint32_t>(encoded.size());
    params.push_back(p);
  }
  const std::string_view all = encoded;
  auto key = [&](const Param& p) { return all.substr(p.key_begin, p.key_end - p.key_begin); };
  auto value = [&](const Param& p) { return all.substr(p.key_end, p.value_end - p.key_end); };
  std::sort(params.begin(), params.end(), [&](const Param& a, const Param& b) {
    const int by_key = key(a).compare(key(b));
    return by_key != 0 ? by_key < 0 : value(a) < value(b);
  });
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out.push_back('&');
    out.append(key(params[i]));
    out.push_back('=');
    out.append(value(params[i]));
  }
}

// Header value with leading/trailing blanks trimmed and inner runs of blanks collapsed to one.
void append_trimmed_value(std::string& out, std::string_view value) {
  std::size_t begin = 0;
  std::size_t end = value.size();
  while (begin < end && is_space(value[begin]))
    ++begin;
  while (end > begin && is_space(value[end - 1]))
    --end;
  const std::string_view trimmed = value.substr(begin, end - begin);
  // Fast path (memchr speed) for the usual value without tabs or double spaces, e.g. a token.
  if (trimmed.find('\t') == std::string_view::npos &&
      trimmed.find("  ") == std::string_view::npos) {
    out.append(trimmed);
    return;
  }
  std::size_t i = begin;
  while (i < end) {
    std::size_t word_end = i;
    while (word_end < end && !is_space(value[word_end]))
      ++word_end;
    out.append(value.data() + i, word_end - i);
    if (word_end == end) break;
    out.push_back(' ');
    i = word_end;
    while (i < end && is_space(value[i]))
      ++i;
  }
}

// Headers that proxies and HTTP stacks add or rewrite in transit: signing them breaks requests.
bool is_unsigned_header(std::string_view name) {
  return iequals(name, "user-agent") || iequals(name, "x-amzn-trace-id") ||
         iequals(name, "expect") || iequals(name, "connection");
}

// "yyyymmddThhmmssZ" in UTC, from calendar arithmetic (no gmtime, no locale).
std::array<char, kAmzDateSize> format_amz_date(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(now);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  std::array<char, kAmzDateSize> out{};
  auto put = [&out](std::size_t at, unsigned value, std::size_t width) {
    for (std::size_t i = width; i > 0; --i) {
      out[at + i - 1] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  put(4, static_cast<unsigned>(ymd.month()), 2);
  put(6, static_cast<unsigned>(ymd.day()), 2);
  out[8] = 'T';
  put(9, static_cast<unsigned>(hms.hours().count()), 2);
  put(11, static_cast<unsigned>(hms.minutes().count()), 2);
  put(13, static_cast<unsigned>(hms.seconds().count()), 2);
  out[15] = 'Z';
  return out;
}

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Fetched once (immutable afterwards): OpenSSL 3's implicit fetch inside EVP_sha256() and the
// one-shot HMAC() costs more than hashing a whole canonical request.
const EVP_MD* sha256_md() {
  static const std::unique_ptr<EVP_MD, MdDeleter> fetched(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return fetched ? fetched.get() : EVP_sha256();
}

}  // namespace

// SHA-256 and HMAC-SHA256 (RFC 2104) over one reused digest context. HMAC is built on the digest
// because EVP_MAC/HMAC() set up a provider MAC per call, three times slower for short messages.
class detail::Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_) throw std::bad_alloc();
  }

  Digest digest(std::span<const unsigned char> first, std::span<const unsigned char> second = {}) {
    Digest out{};
    unsigned int size = 0;
    if (EVP_DigestInit_ex(ctx_.get(), sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx_.get(), first.data(), first.size()) != 1 ||
        (!second.empty() && EVP_DigestUpdate(ctx_.get(), second.data(), second.size()) != 1) ||
        EVP_DigestFinal_ex(ctx_.get(), out.data(), &size) != 1 || size != kDigestSize) {
      throw std::runtime_error("SigV4: OpenSSL SHA-256 failed");
    }
    return out;
  }

  Digest hmac(std::span<const unsigned char> key, std::span<const unsigned char> message) {
    std::array<unsigned char, kBlockSize> pad{};
    if (key.size() > kBlockSize) {
      const Digest hashed = digest(key);
      std::copy(hashed.begin(), hashed.end(), pad.begin());
    } else {
      std::copy(key.begin(), key.end(), pad.begin());
    }
    for (auto& b : pad)
      b ^= 0x36;
    const Digest inner = digest(pad, message);
    for (auto& b : pad)
      b ^= 0x36 ^ 0x5c;
    const Digest outer = digest(pad, inner);
    OPENSSL_cleanse(pad.data(), pad.size());  // the pad is the key in disguise
    return outer;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx_;
};

namespace {

using detail::Sha256;

std::span<const unsigned char> bytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

struct HeaderRef {
  std::string_view name;
  std::string_view value;
  std::size_t index = 0;  // original position: duplicates keep their order
};

// The headers to sign, sorted by lowercase name (duplicates in request order) into `out`, which
// must hold headers.size() entries; returns how many. Views stay valid while `headers` is
// untouched.
std::size_t collect_signed_headers(const http::Headers& headers, const SigningOptions& options,
                                   std::span<HeaderRef> out, std::size_t& header_bytes) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const http::Header& h = headers[i];
    if (is_unsigned_header(h.name)) continue;
    if (options.omit_session_token && iequals(h.name, "x-amz-security-token")) continue;
    out[count++] = HeaderRef{h.name, h.value, i};
    header_bytes += 2 * h.name.size() + h.value.size() + 3;
  }
  std::sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count),
            [](const HeaderRef& a, const HeaderRef& b) {
              const int by_name = compare_lower(a.name, b.name);
              return by_name != 0 ? by_name < 0 : a.index < b.index;
            });
  return count;
}

// "name:value\n" per header (duplicates joined by commas) and the blank line after them.
void append_canonical_headers(std::string& canonical, std::span<const HeaderRef> refs) {
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const bool same_name = i > 0 && compare_lower(refs[i - 1].name, refs[i].name) == 0;
    if (same_name) {
      canonical.push_back(',');  // duplicates join into one line, in request order
    } else {
      if (i > 0) canonical.push_back('\n');
      append_lower(canonical, refs[i].name);
      canonical.push_back(':');
    }
    append_trimmed_value(canonical, refs[i].value);
  }
  canonical.append("\n\n");
}

// "host;x-amz-date": the distinct lowercase names of the sorted headers.
void append_signed_header_names(std::string& out, std::span<const HeaderRef> refs) {
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i > 0 && compare_lower(refs[i - 1].name, refs[i].name) == 0) continue;
    if (i > 0) out.push_back(';');
    append_lower(out, refs[i].name);
  }
}

void split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  const std::size_t question = target.find('?');
  path = target.substr(0, question);
  query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  const Digest digest = Sha256().digest(bytes(data));
  std::string out;
  out.reserve(2 * kDigestSize);
  append_hex(out, digest);
  return out;
}

Signer::Signer(Credentials credentials, SigningScope scope, SigningOptions options)
    : credentials_(std::move(credentials)), scope_(std::move(scope)), options_(options) {}

void Signer::finish(Sha256& sha, SigningResult& result, std::string_view amz_date) {
  const std::string_view date = amz_date.substr(0, 8);
  std::string& to_sign = result.string_to_sign;
  to_sign.reserve(kAlgorithm.size() + amz_date.size() + date.size() + scope_.region.size() +
                  scope_.service.size() + kTerminator.size() + 2 * kDigestSize + 6);
  to_sign.append(kAlgorithm);
  to_sign.push_back('\n');
  to_sign.append(amz_date);
  to_sign.push_back('\n');
  append_scope(to_sign, date);
  to_sign.push_back('\n');
  append_hex(to_sign, sha.digest(bytes(result.canonical_request)));

  if (key_date_ != date || signing_key_.size() != kDigestSize) {
    // kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
    std::string secret;
    secret.reserve(4 + credentials_.secret_access_key.size());
    secret.append("AWS4").append(credentials_.secret_access_key);
    Digest key = sha.hmac(bytes(secret), bytes(date));
    OPENSSL_cleanse(secret.data(), secret.size());
    key = sha.hmac(key, bytes(scope_.region));
    key = sha.hmac(key, bytes(scope_.service));
    key = sha.hmac(key, bytes(kTerminator));
    signing_key_.assign(reinterpret_cast<const char*>(key.data()), key.size());
    key_date_.assign(date);
    OPENSSL_cleanse(key.data(), key.size());
  }
  result.signature.reserve(2 * kDigestSize);
  append_hex(result.signature, sha.hmac(bytes(signing_key_), bytes(to_sign)));
}

void Signer::append_scope(std::string& out, std::string_view date) const {
  out.append(date);
  out.push_back('/');
  out.append(scope_.region);
  out.push_back('/');
  out.append(scope_.service);
  out.push_back('/');
  out.append(kTerminator);
}

SigningResult Signer::sign(http::Request& request, std::chrono::system_clock::time_point now) {
  const bool with_token = !credentials_.session_token.empty();
  // Re-signing (a retry) replaces what an earlier signature added.
  std::erase_if(request.headers, [&](const http::Header& h) {
    return iequals(h.name, "authorization") || iequals(h.name, "x-amz-date") ||
           (with_token && iequals(h.name, "x-amz-security-token")) ||
           (options_.add_content_sha256 && iequals(h.name, "x-amz-content-sha256"));
  });
  const bool has_host = std::any_of(request.headers.begin(), request.headers.end(),
                                    [](const http::Header& h) { return iequals(h.name, "host"); });
  if (!has_host) throw std::invalid_argument("SigV4: the request has no Host header to sign");

  Sha256 sha;
  const std::array<char, kAmzDateSize> amz_date_chars = format_amz_date(now);
  const std::string_view amz_date(amz_date_chars.data(), amz_date_chars.size());
  const std::string_view date = amz_date.substr(0, 8);

  std::array<char, 2 * kDigestSize> payload_hash_chars{};
  {
    const Digest payload = sha.digest(bytes(request.body));
    for (std::size_t i = 0; i < kDigestSize; ++i) {
      std::memcpy(&payload_hash_chars[2 * i], &kHexPairs[2 * std::size_t{payload[i]}], 2);
    }
  }
  const std::string_view payload_hash(payload_hash_chars.data(), payload_hash_chars.size());

  // The order the AWS test suite's signed requests show: token, date, content hash, Authorization.
  request.headers.reserve(request.headers.size() + 4);
  if (with_token) request.headers.push_back({"X-Amz-Security-Token", credentials_.session_token});
  request.headers.push_back({"X-Amz-Date", std::string(amz_date)});
  if (options_.add_content_sha256) {
    request.headers.push_back({"x-amz-content-sha256", std::string(payload_hash)});
  }

  // Headers to sign, sorted by lowercase name; views stay valid until Authorization is added.
  std::array<HeaderRef, kInlineHeaders> inline_refs;
  std::vector<HeaderRef> heap_refs;
  std::span<HeaderRef> refs(inline_refs.data(), request.headers.size());
  if (request.headers.size() > kInlineHeaders) {
    heap_refs.resize(request.headers.size());
    refs = heap_refs;
  }
  std::size_t header_bytes = 0;
  refs = refs.first(collect_signed_headers(request.headers, options_, refs, header_bytes));

  std::string_view path;
  std::string_view query;
  split_target(request.target, path, query);

  SigningResult result;
  std::string& canonical = result.canonical_request;
  canonical.reserve(request.method.size() + 3 * request.target.size() + header_bytes +
                    2 * kDigestSize + 8);
  canonical.append(request.method);
  canonical.push_back('\n');
  append_canonical_path(canonical, path, options_);
  canonical.push_back('\n');
  append_canonical_query(canonical, query);
  canonical.push_back('\n');
  append_canonical_headers(canonical, refs);
  const std::size_t signed_begin = canonical.size();
  append_signed_header_names(canonical, refs);
  const std::size_t signed_size = canonical.size() - signed_begin;
  canonical.push_back('\n');
  canonical.append(payload_hash);

  finish(sha, result, amz_date);

  const std::string_view signed_headers(canonical.data() + signed_begin, signed_size);
  std::string authorization;
  authorization.reserve(kAlgorithm.size() + credentials_.access_key_id.size() + 64 +
                        signed_headers.size() + result.signature.size() + 48);
  authorization.append(kAlgorithm).append(" Credential=").append(credentials_.access_key_id);
  authorization.push_back('/');
  append_scope(authorization, date);
  authorization.append(", SignedHeaders=")
      .append(signed_headers)
      .append(", Signature=")
      .append(result.signature);
  request.headers.push_back({"Authorization", std::move(authorization)});
  return result;
}

SigningResult Signer::presign(http::Request& request, std::chrono::system_clock::time_point now,
                              std::chrono::seconds expires) {
  const bool has_host = std::any_of(request.headers.begin(), request.headers.end(),
                                    [](const http::Header& h) { return iequals(h.name, "host"); });
  if (!has_host) throw std::invalid_argument("SigV4: the request has no Host header to sign");
  if (expires.count() < 1 || expires.count() > 604800) {
    throw std::invalid_argument("SigV4: a presigned URL expires after 1 to 604800 seconds");
  }
  const std::array<char, kAmzDateSize> amz_date_chars = format_amz_date(now);
  const std::string_view amz_date(amz_date_chars.data(), amz_date_chars.size());

  std::vector<HeaderRef> all_refs(request.headers.size());
  std::size_t header_bytes = 0;
  const std::span<const HeaderRef> refs = std::span<const HeaderRef>(all_refs).first(
      collect_signed_headers(request.headers, options_, all_refs, header_bytes));

  // The signature's parameters, in the order the AWS test suite's presigned requests show.
  std::string params;
  auto add_param = [&params](std::string_view name, std::string_view value) {
    if (!params.empty()) params.push_back('&');
    params.append(name).push_back('=');
    append_uri_encoded(params, value, false);
  };
  std::string credential = credentials_.access_key_id + "/";
  append_scope(credential, amz_date.substr(0, 8));
  std::string signed_names;
  append_signed_header_names(signed_names, refs);
  add_param("X-Amz-Algorithm", kAlgorithm);
  add_param("X-Amz-Credential", credential);
  add_param("X-Amz-Date", amz_date);
  add_param("X-Amz-SignedHeaders", signed_names);
  add_param("X-Amz-Expires", std::to_string(expires.count()));
  const bool with_token = !credentials_.session_token.empty();
  // Some services want the token outside the signature (omit_session_token): added after it.
  if (with_token && !options_.omit_session_token) {
    add_param("X-Amz-Security-Token", credentials_.session_token);
  }

  std::string_view path;
  std::string_view query;
  split_target(request.target, path, query);
  std::string signed_query(query);
  if (!signed_query.empty()) signed_query.push_back('&');
  signed_query.append(params);

  SigningResult result;
  std::string& canonical = result.canonical_request;
  canonical.reserve(request.method.size() + 3 * (path.size() + signed_query.size()) + header_bytes +
                    2 * kDigestSize + 8);
  canonical.append(request.method);
  canonical.push_back('\n');
  append_canonical_path(canonical, path, options_);
  canonical.push_back('\n');
  append_canonical_query(canonical, signed_query);
  canonical.push_back('\n');
  append_canonical_headers(canonical, refs);
  canonical.append(signed_names);
  canonical.push_back('\n');
  Sha256 sha;
  append_hex(canonical, sha.digest(bytes(request.body)));

  finish(sha, result, amz_date);

  if (with_token && options_.omit_session_token) {
    add_param("X-Amz-Security-Token", credentials_.session_token);
  }
  add_param("X-Amz-Signature", result.signature);
  if (query.empty()) {
    request.target = std::string(path) + "?" + params;
  } else {
    request.target.append("&").append(params);
  }
  return result;
}

}  // namespace streamcache::aws
