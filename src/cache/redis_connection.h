// One connection to one Redis server over TCP or TLS, with AUTH, deadlines, pipelining and
// reconnect with bounded exponential backoff. Not thread-safe: one per thread (a Lambda instance
// serves one invocation at a time, so each process keeps one and reuses it across invocations).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/error.h"
#include "cache/redis_url.h"
#include "cache/resp.h"
#include "common/deadline.h"
#include "common/env.h"
#include "common/expected.h"

namespace streamcache::cache {

struct TlsOptions {
  // Verify the server's chain against ca_file and its name against server_name. Turn off only for
  // self-signed local setups: without it anyone on the path can read the cache and the AUTH token.
  bool verify_peer = true;
  std::string ca_file;      // PEM bundle; empty: OpenSSL's default paths
  std::string server_name;  // SNI and the name verified; empty: the endpoint's host
};

struct ConnectionOptions {
  RedisEndpoint endpoint;
  TlsOptions tls;  // used when endpoint.tls
  // DNS lookup + TCP connect + TLS handshake + AUTH/SELECT/init commands.
  std::chrono::milliseconds connect_timeout{1000};
  // One call: sending its commands and reading every reply.
  std::chrono::milliseconds command_timeout{500};
  // After a failed connect, calls fail fast until the backoff passes; it doubles from min to max,
  // with jitter in [backoff/2, backoff]. A broken established connection reconnects at once. A
  // caller that paces its own retries skips it with RedisConnection::end_backoff().
  std::chrono::milliseconds reconnect_backoff_min{50};
  std::chrono::milliseconds reconnect_backoff_max{2000};
  // A connection idle longer than this is closed and reopened before the next call instead of
  // reused: a Lambda sandbox frozen for minutes wakes with sockets that NAT or ElastiCache may
  // have dropped silently, and a silently dropped socket costs a whole command timeout.
  std::chrono::milliseconds max_idle{30000};
  std::string client_name;  // CLIENT SETNAME on connect, when not empty
  // Sent after AUTH/SELECT on every new connection (e.g. SCRIPT LOAD); an error reply fails it.
  std::vector<std::vector<std::string>> init_commands;
  // Asked for the current password when the server refuses ours (a rotated AUTH token); a different
  // one is tried at once. Gets the call's budget, which it must not outlast; an error says why the
  // password could not be read. At most once per refresh_interval, so a wrong secret cannot flood
  // its store.
  std::function<Expected<std::string, std::string>(Deadline)> refresh_password;
  std::chrono::milliseconds refresh_interval{10000};
  // Makes the password of each new connection, replacing endpoint.password (an ElastiCache IAM
  // token, accepted for 15 minutes), and of each re-AUTH. Gets the call's budget; an error says
  // why no password could be made.
  std::function<Expected<std::string, std::string>(Deadline)> session_password;
  // With session_password: a connection this long past its last AUTH sends AUTH again with a
  // fresh password before its next call (ElastiCache closes IAM connections 12 h after AUTH);
  // if that fails, the connection is replaced. 0: never.
  std::chrono::milliseconds reauth_after{0};
  // Test seam: the clock of the reconnect backoff, max_idle, refresh_interval and reauth_after (I/O
  // timeouts always use the steady clock). Empty: std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
};

// Options from a URL; `auth_token`, when set and not empty, replaces the URL's password (the
// ElastiCache AUTH token or RBAC password from REDIS_AUTH_TOKEN or Secrets Manager). For rediss://,
// tls.ca_file is find_ca_bundle(env). Fails on a bad URL or a user name without any password.
Expected<ConnectionOptions, Error> connection_options_from_url(
    std::string_view url, const std::optional<std::string>& auth_token = std::nullopt,
    const EnvLookup& env = process_env());

// Whether a batch may be sent again on a fresh connection when the reused one turns out broken
// (reset or closed by the server, e.g. idle timeout or a Lambda thawed after minutes). Only for
// commands whose repetition is harmless, because the server may have run them once already.
enum class Replay : std::uint8_t { never, idempotent };

class RedisConnection {
 public:
  // Checks the options and prepares TLS (loads the CA bundle); does not connect.
  static Expected<RedisConnection, Error> create(ConnectionOptions options);
  ~RedisConnection();
  RedisConnection(RedisConnection&& other) noexcept;
  RedisConnection& operator=(RedisConnection&& other) noexcept;
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects now unless connected; calls below connect on demand, so this is optional.
  Expected<void, Error> connect(Deadline budget = Deadline::never());
  // Sends every command of `commands` and reads one reply each into `replies` (cleared first),
  // reading replies while the rest is still written, so a pipeline may exceed the socket buffers.
  // Error replies are replies; an Error means the exchange failed, and then the connection is
  // closed. Takes at most connect_timeout (when it must connect) + command_timeout,
  // twice that with Replay::idempotent; each of those is cut to what `budget` has left, and a
  // spent budget fails at once (unavailable) without touching the socket.
  Expected<void, Error> pipeline(const CommandBuffer& commands, std::vector<Reply>& replies,
                                 Replay replay = Replay::never,
                                 Deadline budget = Deadline::never());
  // One connection's share of pipeline_each(): its commands, where its replies go, the outcome.
  struct PipelineJob {
    RedisConnection* connection = nullptr;
    const CommandBuffer* commands = nullptr;
    std::vector<Reply>* replies = nullptr;
    Expected<void, Error> result;
  };
  // pipeline() on several distinct connections at once, without threads: each connects if needed
  // (one after the other), then every pipeline is written and every reply read under one poll()
  // over all their sockets, each served as soon as it is ready, reading while still writing (a
  // pipeline larger than the socket buffers never waits for its own replies to be read). A slow
  // or silent server costs its own job only: the others finish, and it fails at its deadline.
  // Deadlines, budget and replay are pipeline()'s, per job; a connection replayed after finding
  // its kept socket dead runs again with the others that need it, after the first pass.
  static void pipeline_each(std::span<PipelineJob> jobs, Replay replay = Replay::never,
                            Deadline budget = Deadline::never());
  // A pipeline written while its commands are still being appended to `commands` (kept alive and
  // only appended to until finished), so the server works on the first ones meanwhile:
  // open_pipeline() connects if needed; send_available() writes what the socket takes at once of
  // what was appended since and reads replies already in, never waiting; finish_pipeline() ends it
  // like pipeline() with every command: it writes the rest and reads every reply into `replies`,
  // within command_timeout from then, and reports a failure met on the way (a connect that failed,
  // a dead kept socket, replayed as pipeline() replays it). The budget is open_pipeline()'s. Any
  // other call on this connection before finish_pipeline() abandons it (abandon_pipeline()).
  void open_pipeline(const CommandBuffer& commands, std::vector<Reply>& replies,
                     Deadline budget = Deadline::never());
  void send_available();
  Expected<void, Error> finish_pipeline(Replay replay = Replay::never);
  // Drops an open pipeline: its replies are never read, so the connection is closed if it sent.
  void abandon_pipeline();
  // pipeline_each() where a job's connection has an open pipeline: that one is finished (the
  // job names its commands and replies), under its own budget; the others run as pipeline_each()
  // runs them, under `budget`. Every job at once, under one poll().
  static void finish_each(std::span<PipelineJob> jobs, Replay replay = Replay::never,
                          Deadline budget = Deadline::never());

  // One command, one reply.
  Expected<Reply, Error> command(std::initializer_list<std::string_view> args,
                                 Replay replay = Replay::never);

  // Until set again, every call also ends by `deadline` (an invocation's budget): connect and
  // command timeouts are cut to what is left, and with nothing left a call fails at once
  // (unavailable) without touching the connection. Deadline::never() by default.
  void set_deadline(Deadline deadline);

  // Ends the reconnect backoff: the next call that needs a connection tries to connect, even
  // right after a failed connect. For callers that pace their own retries (the stream handler's
  // retry loop), so a recovered server is used at their next attempt; the API's hot path keeps
  // the backoff, which spares a dead server a connect per request.
  void end_backoff();

  [[nodiscard]] bool connected() const;
  void disconnect();
  // Counts successful connects: a change means a new server-side session (scripts may be gone).
  [[nodiscard]] std::uint64_t generation() const;
  [[nodiscard]] const ConnectionOptions& options() const;

 private:
  struct Impl;
  explicit RedisConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamcache::cache
