// RedisConnection against real servers: commands and pipelines, AUTH (password and ACL users),
// SELECT, reconnect and backoff, and the faults: a server killed mid-use, a server that never
// answers, a connection closed by the server, garbage on the wire, and writes into a dead socket.
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "cache/item_cache.h"
#include "cache/redis_connection.h"
#include "cache_fixtures.h"
#include "support/servers.h"
#include "support/wait.h"

namespace streamcache::cache {
namespace {

using std::chrono::milliseconds;
using streamcache::testing::RedisServer;
using streamcache::testing::wait_until;
using testing::numbered;
using Clock = std::chrono::steady_clock;

RedisConnection connect_to(ConnectionOptions options) {
  auto connection = RedisConnection::create(std::move(options));
  if (!connection) throw std::runtime_error(describe(connection.error()));
  return std::move(*connection);
}

ItemCache cache_for(ConnectionOptions options) {
  auto cache = ItemCache::create(std::move(options));
  if (!cache) throw std::runtime_error(describe(cache.error()));
  return std::move(*cache);
}

TEST(RedisConnection, CommandsAndPipelines) {
  RedisServer server;
  auto connection = connect_to(testing::local_options(server.port()));
  EXPECT_FALSE(connection.connected());  // lazy
  auto pong = connection.command({"PING"});
  ASSERT_TRUE(pong) << describe(pong.error());
  EXPECT_EQ(pong->type, Reply::Type::status);
  EXPECT_EQ(pong->str, "PONG");
  EXPECT_TRUE(connection.connected());
  EXPECT_EQ(connection.generation(), 1u);

  CommandBuffer commands;
  for (int i = 0; i < 2000; ++i)
    commands.add({"SET", testing::numbered("k", i), std::to_string(i)});
  for (int i = 0; i < 2000; ++i)
    commands.add({"GET", testing::numbered("k", i)});
  commands.add({"INCR", "k1"});
  commands.add({"INCR", "not-a-number-key"});
  std::vector<Reply> replies;
  ASSERT_TRUE(connection.pipeline(commands, replies));
  ASSERT_EQ(replies.size(), 4002u);
  EXPECT_EQ(replies[0].str, "OK");
  EXPECT_EQ(replies[2000 + 1234].str, "1234");
  EXPECT_EQ(replies[4000].integer, 2);
  EXPECT_EQ(replies[4001].integer, 1);

  // An error reply is a reply: the connection stays usable.
  ASSERT_TRUE(connection.command({"SET", "s", "text"}));
  auto wrong = connection.command({"INCR", "s"});
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(wrong->is_error());
  EXPECT_EQ(wrong->error_prefix(), "ERR");
  EXPECT_EQ(connection.command({"GET", "s"})->str, "text");
  EXPECT_EQ(connection.generation(), 1u);
}

// pipeline_each: every connection's pipeline under one poll(), each reply on its own job, and a
// silent server failing its own job alone at its deadline.
TEST(RedisConnection, PipelineEachAnswersEveryJobAndASilentServerFailsAlone) {
  RedisServer first;
  RedisServer second;
  testing::BlackHole hole;
  auto a = connect_to(testing::local_options(first.port()));
  auto b = connect_to(testing::local_options(second.port()));
  auto silent_options = testing::local_options(hole.port());
  silent_options.command_timeout = milliseconds(300);
  auto silent = connect_to(silent_options);
  CommandBuffer to_a;
  CommandBuffer to_b;
  CommandBuffer to_silent;
  for (int i = 0; i < 500; ++i) {
    to_a.add({"SET", numbered("a", i), numbered("first-", i)});
    to_b.add({"SET", numbered("b", i), numbered("second-", i)});
  }
  for (int i = 0; i < 500; ++i) {
    to_a.add({"GET", numbered("a", i)});
    to_b.add({"GET", numbered("b", i)});
  }
  to_silent.add({"PING"});
  std::vector<Reply> from_a;
  std::vector<Reply> from_b;
  std::vector<Reply> from_silent;
  std::vector<RedisConnection::PipelineJob> jobs = {
      {&a, &to_a, &from_a, {}}, {&silent, &to_silent, &from_silent, {}}, {&b, &to_b, &from_b, {}}};
  RedisConnection::pipeline_each(jobs, Replay::idempotent,
                                 Deadline::after(std::chrono::seconds(30)));
  ASSERT_TRUE(jobs[0].result) << describe(jobs[0].result.error());
  ASSERT_TRUE(jobs[2].result) << describe(jobs[2].result.error());
  ASSERT_EQ(from_a.size(), 1000u);
  ASSERT_EQ(from_b.size(), 1000u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(from_a[500 + i].str, numbered("first-", i));
    EXPECT_EQ(from_b[500 + i].str, numbered("second-", i));
  }
  ASSERT_FALSE(jobs[1].result);
  EXPECT_EQ(jobs[1].result.error().code, ErrorCode::unavailable);
  EXPECT_NE(jobs[1].result.error().message.find("no reply within 300 ms (0 of 1 replies read)"),
            std::string::npos)
      << describe(jobs[1].result.error());
  EXPECT_TRUE(from_silent.empty());
  EXPECT_FALSE(silent.connected());  // a late reply must not be read as the next one's
  EXPECT_TRUE(a.connected());
  EXPECT_EQ(first.cli({"DBSIZE"}), "500");
  EXPECT_EQ(second.cli({"DBSIZE"}), "500");
}

// Kept connections closed by their servers: with Replay::idempotent each job runs again on a
// fresh connection in the same call; without it, each fails.
TEST(RedisConnection, PipelineEachReplaysEveryDeadKeptConnection) {
  RedisServer first;
  RedisServer second;
  auto a = connect_to(testing::local_options(first.port()));
  auto b = connect_to(testing::local_options(second.port()));
  CommandBuffer ping;
  ping.add({"PING"});
  std::vector<Reply> from_a;
  std::vector<Reply> from_b;
  std::vector<RedisConnection::PipelineJob> jobs = {{&a, &ping, &from_a, {}},
                                                    {&b, &ping, &from_b, {}}};
  RedisConnection::pipeline_each(jobs);
  ASSERT_TRUE(jobs[0].result && jobs[1].result);
  EXPECT_NE(first.cli({"CLIENT", "KILL", "TYPE", "normal"}), "0");
  EXPECT_NE(second.cli({"CLIENT", "KILL", "TYPE", "normal"}), "0");
  RedisConnection::pipeline_each(jobs, Replay::idempotent);
  for (const auto& job : jobs)
    ASSERT_TRUE(job.result) << describe(job.result.error());
  EXPECT_EQ(from_a.at(0).str, "PONG");
  EXPECT_EQ(from_b.at(0).str, "PONG");
  EXPECT_EQ(a.generation(), 2u);
  EXPECT_EQ(b.generation(), 2u);

  EXPECT_NE(first.cli({"CLIENT", "KILL", "TYPE", "normal"}), "0");
  RedisConnection::pipeline_each(jobs, Replay::never);
  ASSERT_FALSE(jobs[0].result);
  EXPECT_EQ(jobs[0].result.error().code, ErrorCode::unavailable);
  ASSERT_TRUE(jobs[1].result);  // its connection was alive
  EXPECT_EQ(b.generation(), 2u);
}

TEST(RedisConnection, SelectsTheDatabaseAndNamesTheClient) {
  RedisServer server;
  auto options = testing::local_options(server.port());
  options.endpoint.db = 3;
  options.client_name = "streamcache-test";
  auto connection = connect_to(options);
  ASSERT_TRUE(connection.command({"SET", "where", "db3"}));
  EXPECT_EQ(server.cli({"-n", "3", "GET", "where"}), "db3");
  EXPECT_EQ(server.cli({"GET", "where"}), "");
  EXPECT_EQ(connection.command({"CLIENT", "GETNAME"})->str, "streamcache-test");
}

TEST(RedisConnection, PasswordAuth) {
  RedisServer server({.extra_args = {"--requirepass", "s3cret"}});
  auto options = testing::local_options(server.port());
  options.endpoint.password = "s3cret";
  auto good = connect_to(options);
  EXPECT_EQ(good.command({"PING"})->str, "PONG");

  options.endpoint.password = "wrong";
  auto bad = connect_to(options);
  auto failed = bad.command({"PING"});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::auth);
  EXPECT_NE(failed.error().message.find("WRONGPASS"), std::string::npos) << failed.error().message;
  EXPECT_EQ(failed.error().message.find("wrong"), std::string::npos) << "leaks the password";

  // Without a password a plain connection gets NOAUTH replies; the item cache fails to connect
  // (its script load needs AUTH) with an auth error that says what to do.
  options.endpoint.password.reset();
  auto anonymous = connect_to(options);
  auto noauth = anonymous.command({"PING"});
  ASSERT_TRUE(noauth);
  EXPECT_EQ(noauth->error_prefix(), "NOAUTH");
  auto cache = cache_for(options);
  auto read = cache.get("x");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::auth);
  EXPECT_NE(read.error().message.find("requires AUTH"), std::string::npos) << read.error().message;
}

TEST(RedisConnection, AclUserWithTheLeastPrivilegesTheCacheNeeds) {
  RedisServer server;
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "cache", "on", ">user-pw", "~item:*", "+get", "+evalsha",
                        "+script|load", "+getrange", "+set"}),
            "OK");
  auto options = connection_options_from_url(
      "redis://cache:user-pw@127.0.0.1:" + std::to_string(server.port()), std::nullopt);
  ASSERT_TRUE(options);
  auto cache = cache_for(*options);
  auto applied = cache.apply_if_newer("a", 1, "x");
  ASSERT_TRUE(applied) << describe(applied.error());
  EXPECT_EQ(cache.get("a")->body, "x");
  auto denied = cache.connection().command({"DEL", "item:{a}"});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->error_prefix(), "NOPERM");

  auto wrong = connection_options_from_url(
      "redis://cache:nope@127.0.0.1:" + std::to_string(server.port()), std::nullopt);
  auto rejected = cache_for(*wrong).get("a");
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, ErrorCode::auth);
  EXPECT_NE(rejected.error().message.find("user 'cache'"), std::string::npos);
}

// IAM-style AUTH: every new connection gets a fresh password from session_password (an
// ElastiCache token lives 15 minutes), and a live connection AUTHs again before its 12 h limit.
TEST(RedisConnection, SessionPasswordIsMadeForEveryNewConnection) {
  RedisServer server;
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "app", "on", ">token-1", ">token-2", "~*", "+@all"}),
            "OK");
  int made = 0;
  auto options = testing::local_options(server.port());
  options.endpoint.username = "app";
  options.session_password = [&made](Deadline) -> Expected<std::string, std::string> {
    return numbered("token-", ++made);
  };
  auto connection = connect_to(options);
  auto first = connection.command({"ACL", "WHOAMI"});
  ASSERT_TRUE(first) << describe(first.error());
  EXPECT_EQ(first->str, "app");
  EXPECT_EQ(made, 1);
  connection.disconnect();
  auto second = connection.command({"ACL", "WHOAMI"});
  ASSERT_TRUE(second) << describe(second.error());
  EXPECT_EQ(made, 2);

  // A password that cannot be made is an auth error that names the user and says why.
  options.session_password = [](Deadline) -> Expected<std::string, std::string> {
    return unexpected(std::string("no AWS credentials"));
  };
  auto without = connect_to(options).command({"PING"});
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code, ErrorCode::auth);
  EXPECT_NE(without.error().message.find("user 'app': no AWS credentials"), std::string::npos)
      << without.error().message;
}

TEST(RedisConnection, LiveConnectionAuthenticatesAgainBeforeItsLimit) {
  RedisServer server;
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "app", "on", ">token-1", ">token-2", "~*", "+@all"}),
            "OK");
  auto now = Clock::now();
  int made = 0;
  auto options = testing::local_options(server.port());
  options.endpoint.username = "app";
  options.max_idle = std::chrono::hours(48);  // this test is about AUTH age, not idleness
  options.reauth_after = std::chrono::hours(11);
  options.now = [&now] { return now; };
  options.session_password = [&made](Deadline) -> Expected<std::string, std::string> {
    return numbered("token-", ++made);
  };
  auto connection = connect_to(options);
  auto first = connection.command({"CLIENT", "ID"});
  ASSERT_TRUE(first) << describe(first.error());
  // The first token stops working; the authenticated connection is not affected.
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "app", "<token-1"}), "OK");

  now += std::chrono::hours(11) - std::chrono::seconds(1);
  auto before = connection.command({"CLIENT", "ID"});
  ASSERT_TRUE(before) << describe(before.error());
  EXPECT_EQ(made, 1);  // not due yet

  now += std::chrono::seconds(2);
  auto after = connection.command({"CLIENT", "ID"});
  ASSERT_TRUE(after) << describe(after.error());
  EXPECT_EQ(made, 2);                         // a fresh password for the re-AUTH
  EXPECT_EQ(after->integer, first->integer);  // on the same server-side client
  EXPECT_EQ(connection.generation(), 1u);     // no reconnect

  // A refused re-AUTH replaces the connection; when the new one is refused too, the call fails
  // with an auth error instead of using a connection ElastiCache is about to close.
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "app", "resetpass", ">token-9"}), "OK");
  now += std::chrono::hours(11);
  auto refused = connection.command({"CLIENT", "ID"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::auth);
  EXPECT_NE(refused.error().message.find("elasticache:Connect"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(made, 4);  // the re-AUTH's and the new connection's
}

TEST(RedisConnection, FailedConnectBacksOffInsteadOfRetryingEveryCall) {
  const int port = streamcache::testing::free_port();
  auto options = testing::local_options(port);
  options.reconnect_backoff_min = std::chrono::seconds(30);
  options.reconnect_backoff_max = std::chrono::seconds(60);
  auto connection = connect_to(options);
  auto first = connection.command({"PING"});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::unavailable);
  EXPECT_NE(first.error().message.find("refused"), std::string::npos) << first.error().message;
  auto second = connection.command({"PING"});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::unavailable);
  EXPECT_NE(second.error().message.find("next connect attempt in"), std::string::npos)
      << second.error().message;

  // A caller that paces its own retries ends the backoff: its next call tries for real.
  connection.end_backoff();
  auto third = connection.command({"PING"});
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().message.find("refused"), std::string::npos) << third.error().message;
  auto fourth = connection.command({"PING"});  // other calls still skip the dead server
  ASSERT_FALSE(fourth);
  EXPECT_NE(fourth.error().message.find("next connect attempt in"), std::string::npos)
      << fourth.error().message;
}

// A sandbox frozen for minutes wakes with sockets that may be dead without a FIN: past max_idle
// the connection is replaced before the next call; within it, reused.
TEST(RedisConnection, IdleConnectionPastTheBoundIsReplaced) {
  RedisServer server;
  auto now = Clock::now();
  auto options = testing::local_options(server.port());
  options.max_idle = std::chrono::seconds(30);
  options.now = [&now] { return now; };
  auto connection = connect_to(options);
  auto first = connection.command({"CLIENT", "ID"});
  ASSERT_TRUE(first) << describe(first.error());
  now += std::chrono::seconds(29);
  auto second = connection.command({"CLIENT", "ID"});
  ASSERT_TRUE(second) << describe(second.error());
  EXPECT_EQ(second->integer, first->integer);  // idle within the bound: reused
  now += std::chrono::seconds(31);
  auto third = connection.command({"CLIENT", "ID"});
  ASSERT_TRUE(third) << describe(third.error());
  EXPECT_NE(third->integer, second->integer);  // idle past the bound: a new server-side client
  EXPECT_EQ(connection.generation(), 2u);
}

TEST(RedisFaults, ServerKilledMidUseIsUnavailableThenTheSameObjectRecovers) {
  RedisServer server;
  auto cache = cache_for(testing::local_options(server.port()));
  ASSERT_TRUE(cache.apply_if_newer("a", 1, "before"));
  const auto generation = cache.connection().generation();

  server.kill();
  const auto started = Clock::now();
  auto read = cache.get("a");
  const auto elapsed = Clock::now() - started;
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::unavailable) << describe(read.error());
  EXPECT_LT(elapsed, std::chrono::seconds(30)) << "hung instead of failing";
  auto write = cache.apply_if_newer("a", 2, "during");
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code, ErrorCode::unavailable);
  auto batch = cache.execute(std::vector<CacheOp>{CacheOp::get("a"), CacheOp::get("b")});
  for (const auto& result : batch) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::unavailable);
  }

  server.restart();
  ASSERT_TRUE(wait_until([&] { return cache.apply_if_newer("a", 3, "after").has_value(); }));
  EXPECT_GT(cache.connection().generation(), generation);
  EXPECT_EQ(cache.get("a")->body, "after");  // the script was loaded again on the new server
}

TEST(RedisFaults, KillDuringConcurrentUseNeverCrashesOrHangs) {
  RedisServer server;
  std::atomic<bool> stop{false};
  std::atomic<int> phase{0};  // 0 before the kill, 1 after it, 2 after the restart
  std::atomic<int> unavailable_after_kill{0}, ok_after_restart{0}, other_errors{0};
  std::string other_error;
  std::thread worker([&] {
    auto cache = cache_for(testing::local_options(server.port()));
    std::vector<std::string> ids;
    for (int i = 0; i < 200; ++i)
      ids.push_back(testing::numbered("k", i));
    Version version = 1;
    while (!stop) {
      std::vector<CacheOp> ops;
      for (const auto& id : ids)
        ops.push_back(CacheOp::apply_if_newer(id, version, "x"));
      ++version;
      const int seen_phase = phase;
      for (const auto& result : cache.execute(ops)) {
        if (result) {
          if (seen_phase == 2) ++ok_after_restart;
        } else if (result.error().code == ErrorCode::unavailable) {
          if (seen_phase >= 1) ++unavailable_after_kill;
        } else if (other_errors++ == 0) {
          other_error = describe(result.error());
        }
      }
    }
  });
  ASSERT_TRUE(wait_until([&] { return server.cli({"DBSIZE"}) == "200"; }));
  phase = 1;
  server.kill();
  EXPECT_TRUE(wait_until([&] { return unavailable_after_kill > 0; }));
  server.restart();
  phase = 2;
  EXPECT_TRUE(wait_until([&] { return ok_after_restart > 0; }));
  stop = true;
  worker.join();
  EXPECT_EQ(other_errors, 0) << other_error;
}

TEST(RedisFaults, ServerThatNeverAnswersTimesOutAsUnavailable) {
  testing::BlackHole hole;
  auto options = testing::local_options(hole.port());
  options.command_timeout = milliseconds(300);
  auto connection = connect_to(options);
  const auto started = Clock::now();
  auto reply = connection.command({"PING"}, Replay::idempotent);
  const auto elapsed = Clock::now() - started;
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::unavailable);
  EXPECT_NE(reply.error().message.find("no reply within 300 ms"), std::string::npos)
      << reply.error().message;
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, std::chrono::seconds(30)) << "hung past the command timeout";
  EXPECT_FALSE(connection.connected());  // a late reply must not be read as the next one's

  // The item cache loads its script while connecting, so there the connect timeout applies.
  options.connect_timeout = milliseconds(200);
  auto cache = cache_for(options);
  auto read = cache.get("a");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::unavailable);
  EXPECT_NE(read.error().message.find("no reply within 200 ms"), std::string::npos)
      << read.error().message;
}

// A caller with a deadline (the stream handler's invocation) never waits past it: the connect
// and command timeouts are cut to what its budget has left, and a spent budget fails at once.
TEST(RedisFaults, TimeoutsAreCutToTheCallersBudget) {
  testing::BlackHole hole;
  auto options = testing::local_options(hole.port());
  options.connect_timeout = std::chrono::seconds(60);
  options.command_timeout = std::chrono::seconds(60);
  auto cache = cache_for(options);
  const std::vector<CacheOp> ops = {CacheOp::get("a")};
  auto results = cache.execute(ops, Deadline::after(milliseconds(300)));
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error().code, ErrorCode::unavailable);
  // The message names the cut timeout (<= 300 ms), never the 60 s the options ask for.
  EXPECT_NE(results[0].error().message.find("no reply within"), std::string::npos)
      << results[0].error().message;
  EXPECT_EQ(results[0].error().message.find("60000 ms"), std::string::npos)
      << results[0].error().message;

  auto spent = cache.execute(ops, Deadline::after(milliseconds(0)));
  ASSERT_FALSE(spent[0]);
  EXPECT_EQ(spent[0].error().code, ErrorCode::unavailable);
  EXPECT_NE(spent[0].error().message.find("budget is spent"), std::string::npos)
      << spent[0].error().message;

  // Connected, then silent: the command timeout is cut the same way.
  auto connection = connect_to(options);
  ASSERT_TRUE(connection.connect());  // no setup commands: the kernel's backlog completes it
  CommandBuffer ping;
  ping.add({"PING"});
  std::vector<Reply> replies;
  auto done = connection.pipeline(ping, replies, Replay::never, Deadline::after(milliseconds(200)));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::unavailable);
  EXPECT_EQ(done.error().message.find("60000 ms"), std::string::npos) << done.error().message;
  EXPECT_NE(done.error().message.find("no reply within"), std::string::npos)
      << done.error().message;
}

TEST(RedisFaults, ConnectionClosedByTheServerIsReplacedTransparently) {
  RedisServer server;
  auto cache = cache_for(testing::local_options(server.port()));
  ASSERT_TRUE(cache.apply_if_newer("a", 1, "x"));
  ASSERT_EQ(cache.connection().generation(), 1u);
  EXPECT_NE(server.cli({"CLIENT", "KILL", "TYPE", "normal"}), "0");
  auto read = cache.get("a");  // idempotent: replayed once on a fresh connection
  ASSERT_TRUE(read) << describe(read.error());
  EXPECT_EQ(read->body, "x");
  EXPECT_EQ(cache.connection().generation(), 2u);

  // Commands that are not declared idempotent are not replayed: the caller decides.
  EXPECT_NE(server.cli({"CLIENT", "KILL", "TYPE", "normal"}), "0");
  auto once = cache.connection().command({"INCR", "counter"});
  ASSERT_FALSE(once);
  EXPECT_EQ(once.error().code, ErrorCode::unavailable);
  EXPECT_EQ(cache.connection().command({"INCR", "counter"})->integer, 1);
}

TEST(RedisFaults, GarbageFromTheServerIsAProtocolError) {
  testing::FakeServer fake("this is not RESP\r\n");
  auto connection = connect_to(testing::local_options(fake.port()));
  auto reply = connection.command({"PING"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::protocol);
  EXPECT_FALSE(connection.connected());
}

TEST(RedisFaults, WritingIntoADeadSocketDoesNotRaiseSigpipe) {
  RedisServer server;
  auto cache = cache_for(testing::local_options(server.port()));
  ASSERT_TRUE(cache.get("warm-up"));
  server.kill();
  // Megabytes into a socket whose peer is gone: EPIPE, which would be SIGPIPE without
  // MSG_NOSIGNAL and end this test binary.
  const std::string body(64 * 1024, 'b');
  std::vector<std::string> ids;
  for (int i = 0; i < 256; ++i)
    ids.push_back(testing::numbered("id", i));
  std::vector<CacheOp> ops;
  for (const auto& id : ids)
    ops.push_back(CacheOp::apply_if_newer(id, 1, body));
  for (int attempt = 0; attempt < 3; ++attempt) {
    for (const auto& result : cache.execute(ops)) {
      ASSERT_FALSE(result);
      EXPECT_EQ(result.error().code, ErrorCode::unavailable);
    }
  }
}

}  // namespace
}  // namespace streamcache::cache
