#include "cache/redis_url.h"

#include <charconv>
#include <limits>

namespace streamcache::cache {
namespace {

Unexpected<Error> bad_url(std::string message) {
  return unexpected(Error{ErrorCode::invalid_argument, "invalid Redis URL: " + std::move(message)});
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool is_ipv6_char(char c) {
  return hex_value(c) >= 0 || c == ':' || c == '.';
}

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), and short enough to quote.
bool is_scheme(std::string_view text) {
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (text.empty() || text.size() > 16 || !alpha(text.front())) return false;
  for (char c : text) {
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

template <class Int>
std::optional<Int> parse_decimal(std::string_view text) {
  Int value{};
  if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string RedisEndpoint::address() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Expected<RedisEndpoint, Error> parse_redis_url(std::string_view url) {
  RedisEndpoint endpoint;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return bad_url("expected redis://host[:port] or rediss://host[:port]");
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (iequals(scheme, "rediss")) {
    endpoint.tls = true;
  } else if (!iequals(scheme, "redis")) {
    // Named only when it is one: text before "://" that is not a scheme may hold credentials.
    if (!is_scheme(scheme)) return bad_url("expected it to start with redis:// or rediss://");
    return bad_url("unknown scheme '" + std::string(scheme) +
                   "': use redis:// for TCP or rediss:// for TLS");
  }
  std::string_view rest = url.substr(scheme_end + 3);

  // The last '@' ends the credentials: host, port and db never contain one.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    if (!user) return bad_url("malformed %-escape in the user name");
    endpoint.username = std::move(*user);
    if (colon != std::string_view::npos) {
      auto password = percent_decode(userinfo.substr(colon + 1));
      if (!password) return bad_url("malformed %-escape in the password");
      if (!password->empty()) endpoint.password = std::move(*password);
    }
  }

  if (const auto extra = rest.find_first_of("?#"); extra != std::string_view::npos) {
    return bad_url("query strings and fragments are not supported; set options in code");
  }
  const auto slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      auto number = parse_decimal<int>(db);
      if (!number) {
        return bad_url("bad database '/" + std::string(db) + "': expected a number such as /0");
      }
      endpoint.db = *number;
    }
  }

  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return bad_url("unterminated '[' in the IPv6 host");
    const std::string_view ip = hostport.substr(1, close - 1);
    for (char c : ip) {
      if (!is_ipv6_char(c)) return bad_url("bad IPv6 host '" + std::string(ip) + "'");
    }
    endpoint.host = std::string(ip);
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url("expected ':port' after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) return bad_url("empty port after ':'");
    }
  } else {
    const auto colon = hostport.find(':');
    endpoint.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
      if (port_text.empty()) return bad_url("empty port after ':'");
    }
    for (char c : endpoint.host) {
      if (!is_host_char(c)) return bad_url("bad host '" + endpoint.host + "'");
    }
  }
  if (endpoint.host.empty()) return bad_url("missing host, as in redis://localhost:6379");
  if (!port_text.empty()) {
    auto port = parse_decimal<unsigned>(port_text);
    if (!port || *port == 0 || *port > std::numeric_limits<std::uint16_t>::max()) {
      return bad_url("bad port '" + std::string(port_text) + "': expected 1-65535");
    }
    endpoint.port = static_cast<std::uint16_t>(*port);
  }
  return endpoint;
}

}  // namespace streamcache::cache
