#include "http/client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/ca_bundle.h"
#include "common/deadline.h"
#include "common/dns.h"

namespace streamcache::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::string Url::authority() const {
  const bool default_port = (tls() && port == 443) || (!tls() && port == 80);
  return default_port ? host : host + ":" + std::to_string(port);
}

Expected<Url, std::string> parse_url(std::string_view text) {
  Url url;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return unexpected("URL '" + std::string(text) +
                      "' has no scheme (expected http:// or https://)");
  }
  url.scheme = std::string(text.substr(0, scheme_end));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme != "http" && url.scheme != "https") {
    return unexpected("URL '" + std::string(text) + "' has scheme '" + url.scheme +
                      "' (expected http or https)");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) url.path = std::string(rest.substr(path_start));
  while (!url.path.empty() && url.path.back() == '/')
    url.path.pop_back();
  if (authority.find('@') != std::string_view::npos) {
    return unexpected("URL '" + std::string(text) + "' must not carry credentials");
  }
  url.port = url.tls() ? 443 : 80;
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return unexpected("URL '" + std::string(text) + "' has an unclosed '['");
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') {
      return unexpected("URL '" + std::string(text) + "' has text after the IPv6 address");
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority.remove_prefix(colon);
  } else {
    authority = {};
  }
  if (!authority.empty()) {  // ":port"
    std::string_view port = authority.substr(1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      return unexpected("URL '" + std::string(text) + "' has an invalid port '" +
                        std::string(port) + "'");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  if (host.empty()) return unexpected("URL '" + std::string(text) + "' has no host");
  url.host = std::string(host);
  return url;
}

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::tls:
      return "tls";
    case ErrorKind::connection_lost:
      return "connection_lost";
    case ErrorKind::protocol:
      return "protocol";
  }
  return "unknown";
}

namespace {

constexpr std::uint32_t kHeaderLimit = 64 * 1024;  // Runtime API client context can be large

bool is_timeout(const error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

bool is_connection_lost(const error_code& ec) {
  return ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
         ec == bhttp::error::partial_message || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::ssl::error::stream_truncated || ec == asio::error::not_connected ||
         ec == asio::error::bad_descriptor || ec == asio::error::operation_aborted;
}

}  // namespace

struct Client::Impl {
  Url origin;
  ClientOptions options;
  asio::io_context io{1};
  std::optional<asio::ssl::context>
      tls_context;  // made on the first TLS connect: cold starts stay fast
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::string host_header;
  dns::Resolver resolver;
  Clock::time_point idle_since;  // when the kept-alive connection last finished an exchange

  Impl(Url u, ClientOptions o)
      : origin(std::move(u)), options(std::move(o)), host_header(origin.authority()) {}

  [[nodiscard]] bool connected() const { return plain.has_value() || secure.has_value(); }
  [[nodiscard]] Clock::time_point now() const { return options.now ? options.now() : Clock::now(); }

  beast::tcp_stream& tcp_layer() { return secure ? secure->next_layer() : *plain; }

  void drop() {
    error_code ignored;
    if (secure) secure->next_layer().socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    secure.reset();
    plain.reset();
    buffer.clear();
  }

  // Runs one async operation to completion on the private io_context; returns its error.
  template <class Start>
  error_code run(Start&& start) {
    error_code result;
    start([&result](error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  Expected<void, Error> make_tls_context() {
    try {
      tls_context.emplace(asio::ssl::context::tls_client);
      tls_context->set_options(asio::ssl::context::default_workarounds |
                               asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                               asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      if (options.verify_tls) {
        std::string ca = options.ca_file;
        if (ca.empty()) {
          auto found = find_ca_bundle(process_env());
          if (!found) {
            tls_context.reset();
            return unexpected(
                Error{ErrorKind::tls,
                      "no CA bundle found: set SSL_CERT_FILE to a PEM file of trusted CAs"});
          }
          ca = *found;
        }
        error_code ec;
        tls_context->load_verify_file(ca, ec);
        if (ec) {
          tls_context.reset();
          return unexpected(
              Error{ErrorKind::tls, "cannot load CA bundle " + ca + ": " + ec.message()});
        }
        tls_context->set_verify_mode(asio::ssl::verify_peer);
      } else {
        tls_context->set_verify_mode(asio::ssl::verify_none);
      }
    } catch (const std::exception& e) {
      tls_context.reset();
      return unexpected(Error{ErrorKind::tls, std::string("TLS setup failed: ") + e.what()});
    }
    return {};
  }

  Expected<void, Error> connect(Clock::time_point request_deadline) {
    drop();
    auto deadline = Clock::now() + options.connect_timeout;
    if (request_deadline < deadline) deadline = request_deadline;
    const std::string where = origin.host + ":" + std::to_string(origin.port);

    error_code ec;
    auto found = resolver.resolve(origin.host, std::to_string(origin.port),
                                  streamcache::Deadline::at(deadline));
    if (!found) {
      return unexpected(Error{found.error().timed_out ? ErrorKind::timeout : ErrorKind::connect,
                              found.error().message});
    }
    std::vector<tcp::endpoint> endpoints;
    for (const addrinfo* a = found->get(); a != nullptr; a = a->ai_next) {
      if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
      tcp::endpoint endpoint;
      std::memcpy(endpoint.data(), a->ai_addr, a->ai_addrlen);
      endpoint.resize(a->ai_addrlen);
      endpoints.push_back(endpoint);
    }
    if (endpoints.empty())
      return unexpected(Error{ErrorKind::connect, "no TCP address for " + origin.host});

    beast::tcp_stream stream(io);
    stream.expires_at(deadline);
    ec = run([&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
    if (ec) {
      if (is_timeout(ec))
        return unexpected(Error{ErrorKind::timeout, "connect to " + where + " timed out"});
      return unexpected(
          Error{ErrorKind::connect, "cannot connect to " + where + ": " + ec.message()});
    }
    stream.socket().set_option(tcp::no_delay(true), ec);

    if (!origin.tls()) {
      plain.emplace(std::move(stream));
      return {};
    }
    if (!tls_context) {
      if (auto made = make_tls_context(); !made) return made;
    }
    secure.emplace(std::move(stream), *tls_context);
    // SNI; SSL_set_tlsext_host_name is a macro with a C cast, so call what it expands to.
    if (SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 origin.host.data()) != 1) {
      drop();
      return unexpected(Error{ErrorKind::tls, "cannot set TLS server name " + origin.host});
    }
    if (options.verify_tls)
      secure->set_verify_callback(asio::ssl::host_name_verification(origin.host));
    secure->next_layer().expires_at(deadline);
    ec = run([&](auto handler) {
      secure->async_handshake(asio::ssl::stream_base::client, std::move(handler));
    });
    if (ec) {
      std::string detail = ec.message();
      const long verify = SSL_get_verify_result(secure->native_handle());
      if (verify != X509_V_OK)
        detail += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
      drop();
      if (is_timeout(ec))
        return unexpected(Error{ErrorKind::timeout, "TLS handshake with " + where + " timed out"});
      return unexpected(
          Error{ErrorKind::tls, "TLS handshake with " + where + " failed: " + detail});
    }
    return {};
  }

  // One exchange on the current connection. `sent_nothing` tells whether the failure happened
  // before the peer could have seen the request's first byte of a response.
  Expected<Response, Error> exchange(bhttp::request<bhttp::string_body>& message,
                                     Clock::time_point deadline, bool has_deadline,
                                     bool& may_resend) {
    may_resend = false;
    auto& layer = tcp_layer();
    if (has_deadline) {
      layer.expires_at(deadline);
    } else {
      layer.expires_never();
    }
    error_code ec = secure
                        ? run([&](auto h) { bhttp::async_write(*secure, message, std::move(h)); })
                        : run([&](auto h) { bhttp::async_write(*plain, message, std::move(h)); });
    if (!ec) {
      bhttp::response_parser<bhttp::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(options.max_response_bytes);
      ec = secure ? run([&](auto h) { bhttp::async_read(*secure, buffer, parser, std::move(h)); })
                  : run([&](auto h) { bhttp::async_read(*plain, buffer, parser, std::move(h)); });
      if (!ec) {
        auto& r = parser.get();
        Response response;
        response.status = static_cast<int>(r.result_int());
        response.headers.reserve(16);
        for (const auto& field : r) {
          response.headers.push_back(
              Header{std::string(field.name_string()), std::string(field.value())});
        }
        const bool keep_alive = r.keep_alive();
        response.body = std::move(r.body());
        if (!keep_alive) drop();
        idle_since = now();
        return response;
      }
      may_resend = !parser.got_some() && is_connection_lost(ec);
    } else {
      may_resend = is_connection_lost(ec);
    }
    drop();
    const std::string where = origin.host + ":" + std::to_string(origin.port);
    if (is_timeout(ec))
      return unexpected(Error{ErrorKind::timeout, "request to " + where + " timed out"});
    if (is_connection_lost(ec)) {
      return unexpected(
          Error{ErrorKind::connection_lost, "connection to " + where + " lost: " + ec.message()});
    }
    return unexpected(
        Error{ErrorKind::protocol, "bad response from " + where + ": " + ec.message()});
  }
};

Client::Client(Url origin, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(origin), std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const Url& Client::origin() const {
  return impl_->origin;
}

void Client::close() {
  impl_->drop();
}

Expected<Response, Error> Client::send(const Request& request,
                                       std::optional<std::chrono::milliseconds> timeout) {
  Impl& impl = *impl_;
  const auto limit = timeout.value_or(impl.options.request_timeout);
  const bool has_deadline = limit.count() > 0;
  const auto deadline = has_deadline ? Clock::now() + limit : Clock::time_point::max();

  bhttp::request<bhttp::string_body> message;
  message.method_string(request.method);
  message.target(request.target);
  message.version(11);
  bool has_host = false;
  for (const auto& h : request.headers) {
    if (iequals(h.name, "host")) has_host = true;
    message.insert(h.name, h.value);
  }
  if (!has_host) message.set(bhttp::field::host, impl.host_header);
  message.body() = request.body;
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    message.content_length(request.body.size());
  }

  // Idempotent by definition (RFC 9110, 9.2.2): a second copy changes nothing.
  const bool replay_safe = request.replay_safe || request.method == "GET" ||
                           request.method == "HEAD" || request.method == "PUT" ||
                           request.method == "DELETE" || request.method == "OPTIONS";
  // Old idle sockets are likely dead (frozen sandbox, NAT/ELB idle timeout): do not trust them.
  if (impl.connected() && impl.now() - impl.idle_since > impl.options.max_idle) impl.drop();
  // A reused connection may have been closed by the peer while idle: resend once on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl.connected();
    if (!reused) {
      if (auto connected = impl.connect(deadline); !connected) return unexpected(connected.error());
    }
    bool may_resend = false;
    auto response = impl.exchange(message, deadline, has_deadline, may_resend);
    if (response || !(reused && may_resend && replay_safe)) return response;
  }
  return unexpected(Error{ErrorKind::connection_lost, "connection lost twice"});
}

}  // namespace streamcache::http
