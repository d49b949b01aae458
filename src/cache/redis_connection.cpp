#include "cache/redis_connection.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <optional>
#include <system_error>
#include <utility>

#include <poll.h>

#include "cache/transport.h"
#include "common/ca_bundle.h"
#include "common/random.h"

namespace streamcache::cache {
namespace {

using detail::Clock;
using detail::Deadline;
using detail::IoError;

constexpr std::size_t kReadBufferSize = std::size_t{16} * 1024;

Unexpected<Error> invalid(std::string message) {
  return unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
}

// A failed exchange, and whether the commands may be sent again on a new connection.
struct Failure {
  Error error;
  bool connection_lost = false;
};

std::string ms_text(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

// splitmix64: a few bits of jitter for the backoff, per connection (no shared state).
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Less than a millisecond left: an attempt could only time out, and would read as the server's
// fault.
bool spent(streamcache::Deadline budget) {
  return budget.cap(std::chrono::milliseconds(1)).count() <= 0;
}

Expected<void, Error> validate(const ConnectionOptions& options) {
  const RedisEndpoint& endpoint = options.endpoint;
  if (endpoint.host.empty()) return invalid("Redis options: the endpoint has no host");
  if (endpoint.port == 0) return invalid("Redis options: port 0 for " + endpoint.host);
  if (endpoint.db < 0) return invalid("Redis options: negative database number");
  if (!endpoint.username.empty() && !endpoint.password && !options.session_password) {
    return invalid("Redis options: user '" + endpoint.username +
                   "' has no password: add it to the URL or pass an auth token");
  }
  if (options.connect_timeout.count() <= 0 || options.command_timeout.count() <= 0) {
    return invalid("Redis options: connect_timeout and command_timeout must be positive");
  }
  if (options.max_idle.count() <= 0) return invalid("Redis options: max_idle must be positive");
  if (options.reauth_after.count() < 0) return invalid("Redis options: negative reauth_after");
  if (options.reauth_after.count() > 0 && !options.session_password) {
    return invalid("Redis options: reauth_after needs a session_password to AUTH with");
  }
  if (options.reconnect_backoff_min.count() <= 0 ||
      options.reconnect_backoff_max < options.reconnect_backoff_min) {
    return invalid("Redis options: need 0 < reconnect_backoff_min <= reconnect_backoff_max");
  }
  for (const auto& command : options.init_commands) {
    if (command.empty()) return invalid("Redis options: an empty init command");
  }
  return {};
}

}  // namespace

Expected<ConnectionOptions, Error> connection_options_from_url(
    std::string_view url, const std::optional<std::string>& auth_token, const EnvLookup& env) {
  auto endpoint = parse_redis_url(url);
  if (!endpoint) return unexpected(std::move(endpoint).error());
  ConnectionOptions options;
  options.endpoint = std::move(*endpoint);
  if (auth_token && !auth_token->empty()) options.endpoint.password = *auth_token;
  if (!options.endpoint.username.empty() && !options.endpoint.password) {
    return invalid("invalid Redis URL: user '" + options.endpoint.username +
                   "' has no password: add it to the URL or pass an auth token");
  }
  if (options.endpoint.tls) {
    if (auto bundle = find_ca_bundle(env)) options.tls.ca_file = std::move(*bundle);
  }
  return options;
}

struct RedisConnection::Impl {
  explicit Impl(ConnectionOptions o)
      : options(std::move(o)),
        read_buffer(kReadBufferSize),
        backoff(options.reconnect_backoff_min),
        random_state(random_seed()) {
    build_setup();
  }

  // AUTH, SELECT, CLIENT SETNAME and the init commands every new connection sends first.
  void build_setup() {
    setup = CommandBuffer();
    setup_names.clear();
    const RedisEndpoint& endpoint = options.endpoint;
    if (endpoint.password) {
      if (endpoint.username.empty()) {
        setup.add({"AUTH", *endpoint.password});
      } else {
        setup.add({"AUTH", endpoint.username, *endpoint.password});
      }
      setup_names.emplace_back("AUTH");
    }
    if (endpoint.db != 0) {
      setup.begin(2);
      setup.arg("SELECT");
      setup.arg(std::int64_t{endpoint.db});
      setup_names.emplace_back("SELECT");
    }
    if (!options.client_name.empty()) {
      setup.add({"CLIENT", "SETNAME", options.client_name});
      setup_names.emplace_back("CLIENT SETNAME");
    }
    for (const auto& command : options.init_commands) {
      setup.begin(command.size());
      for (const auto& arg : command)
        setup.arg(arg);
      setup_names.push_back(command.front());
    }
  }

  // After a refused password: one more try with the current one, if the source has a new one.
  Expected<void, Error> open_session_with_fresh_password(Error refused,
                                                         streamcache::Deadline budget) {
    const auto now = this->now();
    if (!options.refresh_password || now < next_refresh_at) return unexpected(std::move(refused));
    next_refresh_at = now + options.refresh_interval;
    auto fresh = options.refresh_password(budget);
    if (!fresh) {
      // Transient: the secret may be rotated and unreadable for now; a later call re-reads it.
      refused.code = ErrorCode::unavailable;
      refused.message += " (reading the current password failed: " + fresh.error() + ")";
      return unexpected(std::move(refused));
    }
    if (fresh->empty() || *fresh == options.endpoint.password) {
      refused.message += " (the password source has no other password)";
      return unexpected(std::move(refused));
    }
    options.endpoint.password = std::move(*fresh);
    build_setup();
    if (spent(budget)) return budget_spent();  // the refresh took it all
    return open_session(budget);
  }

  [[nodiscard]] std::string where() const { return "redis " + options.endpoint.address(); }

  [[nodiscard]] Clock::time_point now() const { return options.now ? options.now() : Clock::now(); }

  Failure io_failure(const IoError& io, std::size_t received, std::size_t expected,
                     std::chrono::milliseconds budget) const {
    const std::string progress =
        " (" + std::to_string(received) + " of " + std::to_string(expected) + " replies read)";
    if (io.kind == IoError::Kind::timeout) {
      return {{ErrorCode::unavailable, where() + ": no reply within " + ms_text(budget) + progress},
              false};
    }
    // A plain client on a TLS port is dropped before any reply: say what is likely wrong.
    const std::string hint =
        !answered && !options.endpoint.tls ? " (if the server expects TLS, use rediss://)" : "";
    return {{ErrorCode::unavailable, where() + ": " + io.detail + progress + hint}, true};
  }

  // One exchange in flight on this connection, in halves: begin() writes what the socket takes
  // at once; send_more() and receive_more() go on when poll() reports the socket ready.
  struct InFlight {
    bool active = false;  // begun and not yet finished
    // open_pipeline(): commands may still be appended, so having every reply does not end it.
    bool open = false;
    const CommandBuffer* commands = nullptr;
    std::size_t written = 0;  // bytes of commands->bytes() sent
    bool wrote = false;       // a write was tried (TLS may hold part of a record)
    std::vector<Reply>* replies = nullptr;
    std::size_t expected = 0;
    std::size_t received = 0;
    Deadline deadline;
    std::chrono::milliseconds timeout{0};
    std::optional<Failure> failure;

    [[nodiscard]] std::string_view unsent() const { return commands->bytes().substr(written); }
  };

  void begin(const CommandBuffer& commands, std::vector<Reply>& replies, Deadline deadline,
             std::chrono::milliseconds timeout) {
    replies.clear();
    flight.active = true;
    flight.open = false;
    flight.commands = &commands;
    flight.written = 0;
    flight.wrote = false;
    flight.replies = &replies;
    flight.expected = commands.commands();
    flight.received = 0;
    flight.deadline = deadline;
    flight.timeout = timeout;
    flight.failure.reset();
    send_more();
  }

  // The commands appended to an open flight so far are all it will have: it ends with their
  // replies, by `deadline`.
  void close_open(Deadline deadline, std::chrono::milliseconds timeout) {
    flight.open = false;
    flight.deadline = deadline;
    flight.timeout = timeout;
    if (!flight.active) return;
    flight.expected = flight.commands->commands();
    if (flight.received == flight.expected) {
      flight.active = false;
      return;
    }
    send_more();
  }

  void fail(Failure failure) {
    flight.replies->resize(flight.received);
    flight.failure = std::move(failure);
    flight.active = false;
  }

  void send_more() {
    while (flight.written < flight.commands->bytes().size()) {
      flight.wrote = true;
      auto n = transport->try_write(flight.unsent());
      if (!n) return fail(io_failure(n.error()));
      if (*n == 0) return;  // the socket is full: poll
      flight.written += *n;
    }
  }

  // Reads what has arrived and parses it: again at once while the last read filled the buffer or
  // TLS holds decrypted bytes (poll() would not report those), else it waits for poll().
  void receive_more() {
    while (true) {
      auto n = transport->try_read(read_buffer.data(), read_buffer.size());
      if (!n) return fail(io_failure(n.error()));
      if (*n == 0) return;
      if (auto fed = reader.feed({read_buffer.data(), *n}); !fed) {
        return fail(Failure{std::move(fed).error(), false});
      }
      if (!parse_replies() || !flight.active) return;
      if (*n < read_buffer.size() && !transport->buffered()) return;
    }
  }

  // Moves complete replies out of the reader; false after a protocol error.
  bool parse_replies() {
    std::vector<Reply>& replies = *flight.replies;
    while (flight.received < flight.expected) {
      if (replies.size() == flight.received) replies.emplace_back();
      auto complete = reader.next(replies.back());
      if (!complete) {
        fail(Failure{std::move(complete).error(), false});
        return false;
      }
      if (!*complete) return true;
      answered = true;
      ++flight.received;
    }
    // Every reply read means every byte written: a reply follows its command.
    if (!flight.open) flight.active = false;
    return true;
  }

  [[nodiscard]] short poll_events() const {
    return static_cast<short>((flight.unsent().empty() ? 0 : transport->write_events()) |
                              transport->read_events());
  }

  // Runs the begun exchanges of connection(0) .. connection(count - 1) until each has every
  // reply, failed, or passed its deadline: one poll() over all their sockets, each served as it
  // becomes ready. A pending write and the reads go on together, so neither side's buffers can
  // fill up and wait on the other.
  template <class ConnectionAt>
  static void run(std::size_t count, ConnectionAt connection) {
    constexpr std::size_t kOnStack = 8;
    std::array<pollfd, kOnStack> on_stack{};
    std::vector<pollfd> on_heap(count > kOnStack ? count : 0);
    pollfd* fds = count > kOnStack ? on_heap.data() : on_stack.data();
    auto any_active = [&] {
      for (std::size_t k = 0; k < count; ++k) {
        if (connection(k).flight.active) return true;
      }
      return false;
    };
    while (any_active()) {
      const auto now = Clock::now();
      auto first = Clock::time_point::max();
      for (std::size_t k = 0; k < count; ++k) {
        Impl& c = connection(k);
        fds[k] = pollfd{-1, 0, 0};  // poll() skips negative fds
        if (!c.flight.active) continue;
        if (now >= c.flight.deadline.at) {
          c.fail(c.io_failure(IoError{IoError::Kind::timeout, "timed out"}));
          continue;
        }
        fds[k] = pollfd{c.transport->fd(), c.poll_events(), 0};
        first = std::min(first, c.flight.deadline.at);
      }
      if (first == Clock::time_point::max()) return;
      // Rounded up, so it never wakes before the first deadline.
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(first - now).count();
      const int ready = ::poll(fds, count, static_cast<int>(std::min<std::int64_t>(wait, INT_MAX)));
      if (ready < 0 && errno != EINTR) {
        const IoError io{IoError::Kind::lost, "poll: " + std::system_category().message(errno)};
        for (std::size_t k = 0; k < count; ++k) {
          if (connection(k).flight.active) connection(k).fail(connection(k).io_failure(io));
        }
        return;
      }
      if (ready <= 0) continue;  // a timeout (failed at the next turn) or EINTR
      for (std::size_t k = 0; k < count; ++k) {
        const short events = fds[k].revents;
        if (events == 0) continue;
        Impl& c = connection(k);
        // POLLERR, POLLHUP: the next call says why.
        const short broken = POLLERR | POLLHUP | POLLNVAL;
        if (c.flight.active && !c.flight.unsent().empty() &&
            (events & (c.transport->write_events() | broken)) != 0) {
          c.send_more();
        }
        if (c.flight.active && (events & (c.transport->read_events() | broken)) != 0) {
          c.receive_more();
        }
      }
    }
  }

  Failure io_failure(const IoError& io) const {
    return io_failure(io, flight.received, flight.expected, flight.timeout);
  }

  // Writes every command and reads exactly one reply per command, on this connection alone.
  Expected<void, Failure> exchange(const CommandBuffer& commands, std::vector<Reply>& replies,
                                   Deadline deadline, std::chrono::milliseconds budget) {
    begin(commands, replies, deadline, budget);
    run(1, [this](std::size_t) -> Impl& { return *this; });
    if (flight.failure) return unexpected(std::move(*flight.failure));
    return {};
  }

  // A fresh password from session_password into the setup commands' AUTH.
  Expected<void, Error> make_session_password(streamcache::Deadline budget) {
    auto password = options.session_password(budget);
    if (!password) {
      return unexpected(Error{ErrorCode::auth, where() + ": no password for user '" +
                                                   options.endpoint.username +
                                                   "': " + password.error()});
    }
    options.endpoint.password = std::move(*password);
    build_setup();
    return {};
  }

  // ElastiCache ends an IAM-authenticated connection 12 h after its AUTH: AUTH again in time.
  // Any failure closes the connection, so the caller's next step opens a fresh one.
  void reauth_if_due(streamcache::Deadline budget) {
    if (!transport || options.reauth_after.count() <= 0) return;
    if (now() - authed_at < options.reauth_after) return;
    if (spent(budget)) return;  // the call fails on its budget anyway; the next one re-AUTHs
    if (auto made = make_session_password(budget); !made) {
      close();
      return;
    }
    CommandBuffer auth;
    auth.add({"AUTH", options.endpoint.username, *options.endpoint.password});
    std::vector<Reply> replies;
    const auto timeout = budget.cap(options.command_timeout);
    auto done = exchange(auth, replies, Deadline::after(timeout), timeout);
    if (!done || replies.front().is_error()) {
      close();
      return;
    }
    authed_at = now();
    idle_since = authed_at;
  }

  // TCP (+ TLS) and the setup commands (AUTH, SELECT, CLIENT SETNAME, init commands).
  Expected<void, Error> open_session(streamcache::Deadline budget) {
    if (options.session_password) {
      if (auto made = make_session_password(budget); !made) return made;
    }
    const auto timeout = budget.cap(options.connect_timeout);
    const Deadline deadline = Deadline::after(timeout);
    auto opened = detail::Transport::open(options, tls ? &*tls : nullptr, resolver, deadline);
    if (!opened) {
      Error error = std::move(opened).error();
      if (timeout < options.connect_timeout) error.message += " (cut to " + ms_text(timeout) + ")";
      return unexpected(std::move(error));
    }
    transport.emplace(std::move(*opened));
    reader.reset();
    answered = false;
    if (setup.empty()) return {};

    std::vector<Reply> replies;
    if (auto done = exchange(setup, replies, deadline, timeout); !done) {
      close();
      Error error = std::move(done).error().error;
      error.message += " during connection setup (AUTH/SELECT)";
      return unexpected(std::move(error));
    }
    for (std::size_t i = 0; i < replies.size(); ++i) {
      const Reply& reply = replies[i];
      if (!reply.is_error()) continue;
      close();
      const std::string_view prefix = reply.error_prefix();
      const bool auth = setup_names[i] == "AUTH" || prefix == "NOAUTH" || prefix == "WRONGPASS" ||
                        prefix == "NOPERM";
      if (auth) {
        std::string who = options.endpoint.username.empty()
                              ? std::string("the default user")
                              : "user '" + options.endpoint.username + "'";
        std::string hint = options.session_password
                               ? "check the user, the cache name and region the token is made "
                                 "for, and the function's elasticache:Connect permission"
                           : options.endpoint.password
                               ? "check the password or auth token"
                               : "the server requires AUTH: put a password in the URL "
                                 "(redis://:password@host) or pass an auth token";
        std::string message = where();
        message += ": authentication as " + who + " failed: ";
        message += reply.str;
        message += " (" + hint + ")";
        return unexpected(Error{ErrorCode::auth, std::move(message)});
      }
      return unexpected(Error{ErrorCode::reply, where() + ": " + setup_names[i] +
                                                    " failed while connecting: " + reply.str});
    }
    return {};
  }

  Expected<void, Error> ensure_connected(streamcache::Deadline budget) {
    if (transport) return {};
    if (spent(budget)) return budget_spent();
    const auto now = this->now();
    if (now < retry_at) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(retry_at - now);
      return unexpected(Error{last_error.code,
                              last_error.message + "; next connect attempt in " + ms_text(wait)});
    }
    auto opened = open_session(budget);
    if (!opened && opened.error().code == ErrorCode::auth) {
      opened = open_session_with_fresh_password(std::move(opened).error(), budget);
    }
    if (!opened) {
      // Equal jitter: [backoff/2, backoff], so many clients do not reconnect in lockstep.
      const auto half = backoff.count() / 2;
      const auto span = static_cast<std::uint64_t>(backoff.count() - half + 1);
      const auto wait = std::chrono::milliseconds(
          half + static_cast<std::int64_t>(next_random(random_state) % span));
      retry_at = this->now() + wait;
      backoff = std::min(backoff * 2, options.reconnect_backoff_max);
      last_error = opened.error();
      return opened;
    }
    backoff = options.reconnect_backoff_min;
    ++generation;
    idle_since = this->now();
    authed_at = idle_since;
    return {};
  }

  // An old idle socket may be dead without a FIN (frozen sandbox, NAT or server idle timeout):
  // a fresh one costs a connect, a dead one a whole command timeout.
  void close_if_idle() {
    if (transport && now() - idle_since > options.max_idle) close();
  }

  void close() {
    transport.reset();
    reader.reset();
  }

  // An open pipeline left unfinished: its replies will never be read, so the socket cannot serve
  // another exchange.
  void abandon_open() {
    if (flight.active && flight.wrote) close();
    flight.active = false;
    open_error.reset();
  }

  [[nodiscard]] Unexpected<Error> budget_spent() const {
    return unexpected(
        Error{ErrorCode::unavailable, where() + ": the caller's time budget is spent"});
  }

  ConnectionOptions options;
  std::optional<detail::TlsContext> tls;
  std::optional<detail::Transport> transport;
  dns::Resolver resolver;
  streamcache::Deadline limit = streamcache::Deadline::never();  // set_deadline
  ReplyReader reader;
  CommandBuffer setup;
  std::vector<std::string> setup_names;  // the command of each setup reply, for messages
  std::vector<char> read_buffer;
  bool answered = false;  // the current connection has read a reply
  std::uint64_t generation = 0;
  Clock::time_point retry_at{};         // no connect attempt before this
  Clock::time_point next_refresh_at{};  // no password refresh before this
  Clock::time_point idle_since{};       // the end of the connection's last exchange
  Clock::time_point authed_at{};        // the connection's last AUTH
  std::chrono::milliseconds backoff;
  std::uint64_t random_state;
  Error last_error;
  InFlight flight;
  // pipeline_each(): this connection's budget, whether it reused a kept socket, whether it runs.
  streamcache::Deadline call_budget = streamcache::Deadline::never();
  bool reused = false;
  bool selected = false;
  // open_pipeline(): a flight awaits its finish; finish_each() asked for it; its flight is
  // being finished (not begun) by pipeline_each(); the connect that failed when it opened.
  bool resume = false;
  bool finish_requested = false;
  bool finishing = false;
  std::optional<Error> open_error;
};

RedisConnection::RedisConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisConnection::~RedisConnection() = default;
RedisConnection::RedisConnection(RedisConnection&& other) noexcept = default;
RedisConnection& RedisConnection::operator=(RedisConnection&& other) noexcept = default;

Expected<RedisConnection, Error> RedisConnection::create(ConnectionOptions options) {
  if (auto valid = validate(options); !valid) return unexpected(std::move(valid).error());
  auto impl = std::make_unique<Impl>(std::move(options));
  if (impl->options.endpoint.tls) {
    auto tls = detail::TlsContext::create(impl->options.tls);
    if (!tls) return unexpected(std::move(tls).error());
    impl->tls.emplace(std::move(*tls));
  }
  return RedisConnection(std::move(impl));
}

Expected<void, Error> RedisConnection::connect(streamcache::Deadline budget) {
  budget = budget.min(impl_->limit);
  if (spent(budget)) return impl_->budget_spent();
  impl_->close_if_idle();
  impl_->reauth_if_due(budget);
  return impl_->ensure_connected(budget);
}

Expected<void, Error> RedisConnection::pipeline(const CommandBuffer& commands,
                                                std::vector<Reply>& replies, Replay replay,
                                                streamcache::Deadline budget) {
  PipelineJob job{this, &commands, &replies, {}};
  pipeline_each(std::span(&job, 1), replay, budget);
  return std::move(job.result);
}

void RedisConnection::pipeline_each(std::span<PipelineJob> jobs, Replay replay,
                                    streamcache::Deadline budget) {
  auto impl = [&](std::size_t k) -> Impl& { return *jobs[k].connection->impl_; };
  // The selected jobs: connect (one after the other), then every exchange at once.
  auto run_selected = [&] {
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      Impl& c = impl(k);
      if (!c.selected || c.finishing) continue;  // an open pipeline is connected already
      if (auto ready = c.ensure_connected(c.call_budget); !ready) {
        jobs[k].result = unexpected(std::move(ready).error());
        c.selected = false;
      } else if (spent(c.call_budget)) {
        jobs[k].result = c.budget_spent();  // the connect took it all; nothing sent
        c.selected = false;
      }
    }
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      Impl& c = impl(k);
      if (!c.selected) continue;
      // Each attempt gets the command timeout, cut to what the caller's budget has left.
      const auto timeout = c.call_budget.cap(c.options.command_timeout);
      if (std::exchange(c.finishing, false)) {
        c.close_open(Deadline::after(timeout), timeout);
      } else {
        c.begin(*jobs[k].commands, *jobs[k].replies, Deadline::after(timeout), timeout);
      }
    }
    Impl::run(jobs.size(), impl);
  };

  bool any = false;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    PipelineJob& job = jobs[k];
    Impl& c = impl(k);
    c.selected = false;
    if (std::exchange(c.resume, false)) {
      if (std::exchange(c.finish_requested, false)) {  // finish_each(): its flight goes on
        if (c.open_error) {
          job.result = unexpected(std::move(*c.open_error));
          c.open_error.reset();
          continue;
        }
        c.selected = c.finishing = true;
        any = true;
        continue;
      }
      c.abandon_open();
    }
    c.flight.active = false;
    c.flight.failure.reset();
    job.result = {};
    job.replies->clear();
    if (job.commands->empty()) continue;
    // The caller's budget and the one set_deadline gave, whichever ends first.
    c.call_budget = budget.min(c.limit);
    if (spent(c.call_budget)) {
      job.result = c.budget_spent();
      continue;
    }
    c.close_if_idle();
    c.reauth_if_due(c.call_budget);
    c.reused = c.transport.has_value();
    c.selected = true;
    any = true;
  }
  if (!any) return;
  run_selected();

  bool again = false;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    Impl& c = impl(k);
    if (!c.selected) continue;
    if (!c.flight.failure) {
      c.idle_since = c.now();
      c.selected = false;
      continue;
    }
    c.close();
    // A kept connection found dead (idle timeout, failover, frozen Lambda): one fresh try.
    c.selected = replay == Replay::idempotent && c.reused && c.flight.failure->connection_lost;
    if (!c.selected) jobs[k].result = unexpected(std::move(c.flight.failure->error));
    again = again || c.selected;
  }
  if (!again) return;
  run_selected();
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    Impl& c = impl(k);
    if (!c.selected) continue;
    c.selected = false;
    if (!c.flight.failure) {
      c.idle_since = c.now();
      continue;
    }
    c.close();
    jobs[k].result = unexpected(std::move(c.flight.failure->error));
  }
}

void RedisConnection::open_pipeline(const CommandBuffer& commands, std::vector<Reply>& replies,
                                    streamcache::Deadline budget) {
  Impl& c = *impl_;
  if (std::exchange(c.resume, false)) c.abandon_open();
  c.resume = true;
  c.open_error.reset();
  c.flight.active = false;
  c.flight.commands = &commands;
  c.flight.replies = &replies;
  replies.clear();
  c.call_budget = budget.min(c.limit);
  if (spent(c.call_budget)) {
    c.open_error = c.budget_spent().error;
    return;
  }
  c.close_if_idle();
  c.reauth_if_due(c.call_budget);
  c.reused = c.transport.has_value();
  if (auto ready = c.ensure_connected(c.call_budget); !ready) {
    c.open_error = std::move(ready).error();
    return;
  }
  // No deadline yet: nothing waits until finish_pipeline() closes the flight.
  c.begin(commands, replies, Deadline{Clock::time_point::max()}, std::chrono::milliseconds(0));
  c.flight.open = true;
}

void RedisConnection::send_available() {
  Impl& c = *impl_;
  if (!c.resume || !c.flight.active) return;
  c.flight.expected = c.flight.commands->commands();
  c.send_more();
  // Replies already in make room for more: the server never waits on us to read.
  if (c.flight.active) c.receive_more();
}

Expected<void, Error> RedisConnection::finish_pipeline(Replay replay) {
  Impl& c = *impl_;
  if (!c.resume) {
    return unexpected(Error{ErrorCode::protocol, c.where() + ": no open pipeline to finish"});
  }
  PipelineJob job{this, c.flight.commands, c.flight.replies, {}};
  finish_each(std::span(&job, 1), replay);
  return std::move(job.result);
}

void RedisConnection::finish_each(std::span<PipelineJob> jobs, Replay replay,
                                  streamcache::Deadline budget) {
  for (PipelineJob& job : jobs)
    job.connection->impl_->finish_requested = job.connection->impl_->resume;
  pipeline_each(jobs, replay, budget);
}

void RedisConnection::abandon_pipeline() {
  if (std::exchange(impl_->resume, false)) impl_->abandon_open();
}

Expected<Reply, Error> RedisConnection::command(std::initializer_list<std::string_view> args,
                                                Replay replay) {
  CommandBuffer buffer;
  buffer.add(args);
  std::vector<Reply> replies;
  if (auto done = pipeline(buffer, replies, replay); !done) {
    return unexpected(std::move(done).error());
  }
  return std::move(replies.front());
}

void RedisConnection::set_deadline(streamcache::Deadline deadline) {
  impl_->limit = deadline;
}

void RedisConnection::end_backoff() {
  impl_->retry_at = {};
}

bool RedisConnection::connected() const {
  return impl_->transport.has_value();
}
void RedisConnection::disconnect() {
  impl_->close();
}
std::uint64_t RedisConnection::generation() const {
  return impl_->generation;
}
const ConnectionOptions& RedisConnection::options() const {
  return impl_->options;
}

}  // namespace streamcache::cache
