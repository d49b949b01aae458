// RedisConnection's open pipeline (open_pipeline / send_available / finish_pipeline) against a
// real redis-server: commands reach the server before the finish, a pipeline far larger than the
// socket buffers, replies all read before the finish, and the faults: a dead kept socket, a server
// that is down or silent, a spent budget, and an open pipeline abandoned by another call.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

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

RedisConnection connect_to(ConnectionOptions options) {
  auto connection = RedisConnection::create(std::move(options));
  if (!connection) throw std::runtime_error(describe(connection.error()));
  return std::move(*connection);
}

// SET key<i> to a 1 KB value for i in [from, to).
void add_sets(CommandBuffer& commands, int from, int to) {
  const std::string value(1024, 'v');
  for (int i = from; i < to; ++i)
    commands.add({"SET", numbered("key", i), value});
}

// An open pipeline of `count` SETs, sent ahead in one go, then finished.
Expected<void, Error> sets_sent_ahead(RedisConnection& connection, std::vector<Reply>& replies,
                                      int count, Replay replay,
                                      Deadline budget = Deadline::never()) {
  CommandBuffer commands;
  connection.open_pipeline(commands, replies, budget);
  add_sets(commands, 0, count);
  connection.send_available();
  return connection.finish_pipeline(replay);
}

TEST(OpenPipeline, CommandsReachTheServerBeforeTheFinish) {
  RedisServer server;
  auto connection = connect_to(testing::local_options(server.port()));
  CommandBuffer commands;
  std::vector<Reply> replies;
  connection.open_pipeline(commands, replies);
  add_sets(commands, 0, 64);
  connection.send_available();
  // The server applies what was sent while the caller is still making the rest.
  EXPECT_TRUE(wait_until([&] { return server.cli({"EXISTS", "key0"}) == "1"; }));
  add_sets(commands, 64, 128);
  connection.send_available();
  add_sets(commands, 128, 130);  // never sent ahead: the finish writes it
  auto done = connection.finish_pipeline();
  ASSERT_TRUE(done) << describe(done.error());
  ASSERT_EQ(replies.size(), 130u);
  for (const Reply& reply : replies)
    EXPECT_EQ(reply.str, "OK");
  EXPECT_EQ(server.cli({"DBSIZE"}), "130");
  EXPECT_EQ(connection.generation(), 1u);
}

TEST(OpenPipeline, FarLargerThanTheSocketBuffersWithErrorRepliesInOrder) {
  RedisServer server;
  auto connection = connect_to(testing::local_options(server.port()));
  CommandBuffer commands;
  std::vector<Reply> replies;
  connection.open_pipeline(commands, replies);
  constexpr int kCommands = 20'000;  // 20 MB of SETs, and their replies left unread at times
  for (int i = 0; i < kCommands; ++i) {
    add_sets(commands, i, i + 1);
    if (i % 1000 == 999) commands.add({"INCR", "key0"});  // an error reply among them
    if (i % 7 == 0) connection.send_available();
  }
  auto done = connection.finish_pipeline();
  ASSERT_TRUE(done) << describe(done.error());
  ASSERT_EQ(replies.size(), kCommands + kCommands / 1000u);
  EXPECT_EQ(replies[0].str, "OK");
  EXPECT_EQ(replies[1000].error_prefix(), "ERR");
  EXPECT_EQ(replies.back().error_prefix(), "ERR");
  EXPECT_EQ(server.cli({"DBSIZE"}), std::to_string(kCommands));
}

TEST(OpenPipeline, RepliesAllReadBeforeTheFinishEndItAtOnce) {
  RedisServer server;
  auto options = testing::local_options(server.port());
  options.command_timeout = std::chrono::seconds(20);  // waiting for a reply already read: a hang
  auto connection = connect_to(options);
  CommandBuffer commands;
  std::vector<Reply> replies;
  connection.open_pipeline(commands, replies);
  commands.add({"PING"});
  ASSERT_TRUE(wait_until([&] {
    connection.send_available();
    return replies.size() == 1 && replies[0].str == "PONG";
  }));
  auto done = connection.finish_pipeline();
  ASSERT_TRUE(done) << describe(done.error());
  EXPECT_EQ(replies.size(), 1u);
  // The connection serves the next call.
  EXPECT_EQ(connection.command({"ECHO", "next"})->str, "next");
}

TEST(OpenPipeline, DeadKeptSocketIsReplayedWholeOnAFreshOneWhenIdempotent) {
  RedisServer server;
  auto connection = connect_to(testing::local_options(server.port()));
  ASSERT_TRUE(connection.command({"PING"}));
  for (Replay replay : {Replay::idempotent, Replay::never}) {
    ASSERT_EQ(server.cli({"FLUSHALL"}), "OK");
    EXPECT_NE(server.cli({"CLIENT", "KILL", "TYPE", "normal"}), "0");
    CommandBuffer commands;
    std::vector<Reply> replies;
    connection.open_pipeline(commands, replies);
    add_sets(commands, 0, 40);
    connection.send_available();
    add_sets(commands, 40, 50);
    auto done = connection.finish_pipeline(replay);
    if (replay == Replay::never) {
      ASSERT_FALSE(done);
      EXPECT_EQ(done.error().code, ErrorCode::unavailable);
      continue;
    }
    ASSERT_TRUE(done) << describe(done.error());
    EXPECT_EQ(replies.size(), 50u);
    EXPECT_EQ(server.cli({"DBSIZE"}), "50");
    EXPECT_EQ(connection.generation(), 2u);
  }
}

TEST(OpenPipeline, ServerDownIsReportedByTheFinish) {
  RedisServer server;
  auto connection = connect_to(testing::local_options(server.port()));
  server.kill();
  std::vector<Reply> replies;
  auto done = sets_sent_ahead(connection, replies, 40, Replay::idempotent);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::unavailable);
  EXPECT_FALSE(connection.connected());

  server.restart();
  connection.end_backoff();
  done = sets_sent_ahead(connection, replies, 40, Replay::idempotent);
  ASSERT_TRUE(done) << describe(done.error());
  EXPECT_EQ(replies.size(), 40u);
}

TEST(OpenPipeline, SilentServerFailsTheFinishAtTheCommandTimeout) {
  RedisServer server;
  auto options = testing::local_options(server.port());
  options.command_timeout = milliseconds(300);
  auto connection = connect_to(options);
  ASSERT_TRUE(connection.command({"PING"}));
  server.pause();
  std::vector<Reply> replies;
  auto done = sets_sent_ahead(connection, replies, 40, Replay::idempotent);
  server.resume();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::unavailable);
  EXPECT_NE(done.error().message.find("no reply within 300 ms"), std::string::npos)
      << done.error().message;
}

TEST(OpenPipeline, SpentBudgetSendsNothing) {
  RedisServer server;
  auto connection = connect_to(testing::local_options(server.port()));
  std::vector<Reply> replies;
  auto done =
      sets_sent_ahead(connection, replies, 40, Replay::never, Deadline::after(milliseconds(0)));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::unavailable);
  EXPECT_EQ(server.cli({"DBSIZE"}), "0");
  EXPECT_FALSE(connection.connected());
}

TEST(OpenPipeline, AnotherCallAbandonsItAndClosesTheSocketOnlyIfItWrote) {
  RedisServer server;
  auto connection = connect_to(testing::local_options(server.port()));
  CommandBuffer commands;
  std::vector<Reply> replies;
  connection.open_pipeline(commands, replies);
  ASSERT_TRUE(connection.connected());
  // Nothing written: the socket has no replies pending and is kept.
  EXPECT_EQ(connection.command({"ECHO", "a"})->str, "a");
  EXPECT_EQ(connection.generation(), 1u);
  auto finished = connection.finish_pipeline();
  ASSERT_FALSE(finished);  // the call above abandoned it
  EXPECT_EQ(finished.error().code, ErrorCode::protocol);

  connection.open_pipeline(commands, replies);
  add_sets(commands, 0, 40);
  connection.send_available();
  // Its replies would come before ECHO's: a fresh socket answers.
  EXPECT_EQ(connection.command({"ECHO", "b"})->str, "b");
  EXPECT_EQ(connection.generation(), 2u);

  connection.open_pipeline(commands, replies);
  connection.send_available();
  connection.abandon_pipeline();
  EXPECT_EQ(connection.command({"ECHO", "c"})->str, "c");
  EXPECT_EQ(connection.generation(), 3u);
}

}  // namespace
}  // namespace streamcache::cache
