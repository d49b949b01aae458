// The Runtime API's own HTTP/1.1 connection: the response reader fed byte by byte and in one piece,
// and the connection against a scripted loopback server for keep-alive, framing and faults.
#include "lambda/runtime_connection.h"

#include <string>

#include <gtest/gtest.h>

#include "../aws/integration/scripted_server.h"
#include "lambda/response_reader.h"

namespace streamcache::lambda::detail {
namespace {

using std::chrono::milliseconds;
using testing::ScriptedServer;
using State = ResponseReader::State;

// Feeds `bytes` in pieces of `piece` bytes (0: all at once) and returns the final state.
State feed(ResponseReader& reader, std::string_view bytes, std::size_t piece = 0) {
  reader.reset();
  while (!bytes.empty() && reader.state() == State::need_more) {
    const std::span<char> space = reader.buffer();
    const std::size_t n = std::min({space.size(), bytes.size(), piece == 0 ? bytes.size() : piece});
    std::copy_n(bytes.data(), n, space.data());
    bytes.remove_prefix(n);
    reader.commit(n);
  }
  return reader.state();
}

constexpr std::string_view kNext =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    "Lambda-Runtime-Aws-Request-Id: 8476a536\r\nLambda-Runtime-Deadline-Ms:  1700000000123 \r\n"
    "Content-Length: 17\r\n\r\n{\"hello\":\"world\"}";

TEST(ResponseReader, ReadsAContentLengthResponseInAnyPieces) {
  ResponseReader reader(1024);
  for (std::size_t piece : {0, 1, 2, 3, 7, 64}) {
    ASSERT_EQ(feed(reader, kNext, piece), State::done) << piece << ": " << reader.error();
    EXPECT_TRUE(reader.keep_alive());
    http::Response r = reader.take();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"hello":"world"})");
    EXPECT_EQ(r.header("lambda-runtime-deadline-ms"), "1700000000123");  // trimmed, any case
    EXPECT_EQ(r.headers.size(), 4U);
  }
}

TEST(ResponseReader, DecodesChunkedBodiesWithExtensionsAndTrailers) {
  const std::string response =
      "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n1A\r\n, a chunk of 26 bytes.....\r\n0\r\nX-Trailer: t\r\n\r\n";
  ResponseReader reader(1024);
  for (std::size_t piece : {0, 1, 5, 13}) {
    ASSERT_EQ(feed(reader, response, piece), State::done) << piece << ": " << reader.error();
    EXPECT_TRUE(reader.keep_alive());
    EXPECT_EQ(reader.take().body, "hello, a chunk of 26 bytes.....");
  }
}

TEST(ResponseReader, ReadsABodyUntilCloseAndKnowsWhatEndsTheConnection) {
  ResponseReader reader(1024);
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\n\r\nno length"), State::need_more);
  EXPECT_EQ(reader.end_of_stream(), State::done);
  EXPECT_FALSE(reader.keep_alive());
  EXPECT_EQ(reader.take().body, "no length");

  EXPECT_EQ(feed(reader, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), State::done);
  EXPECT_FALSE(reader.keep_alive());
  EXPECT_EQ(feed(reader,
                 "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0"
                 "\r\n\r\n"),
            State::done);
  EXPECT_FALSE(reader.keep_alive());
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"), State::done);
  EXPECT_FALSE(reader.keep_alive()) << "bytes after the body must not be read as a next answer";
  EXPECT_EQ(reader.take().body, "ok");
  EXPECT_EQ(feed(reader, "HTTP/1.1 204 No Content\r\n\r\n"), State::done);
  EXPECT_TRUE(reader.keep_alive());
}

TEST(ResponseReader, RefusesMalformedOrOversizedResponsesWithAReason) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"HTTP/2 200 OK\r\n\r\n", "status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "status line"},
      {"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "header line"},
      {"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "header line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", "over 1024"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "Transfer-Encoding"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "both"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n801\r\n", "over 1024"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n", "CRLF"},
  };
  ResponseReader reader(1024);
  for (const auto& [bytes, reason] : cases) {
    EXPECT_EQ(feed(reader, bytes), State::failed) << bytes;
    EXPECT_NE(reader.error().find(reason), std::string::npos) << bytes << " → " << reader.error();
    EXPECT_FALSE(reader.keep_alive());
  }
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"), State::need_more);
  EXPECT_EQ(reader.end_of_stream(), State::failed);
  EXPECT_NE(reader.error().find("mid-response"), std::string::npos);
  EXPECT_EQ(feed(reader, std::string(70 * 1024, 'x')), State::failed);
  EXPECT_NE(reader.error().find("64 KiB"), std::string::npos);
}

http::Url url_of(const ScriptedServer& server) {
  return *http::parse_url(server.endpoint());
}

http::Request get(std::string target = "/2018-06-01/runtime/invocation/next") {
  http::Request r;
  r.target = std::move(target);
  return r;
}

http::Request post(std::string body) {
  http::Request r;
  r.method = "POST";
  r.target = "/2018-06-01/runtime/invocation/id/response";
  r.body = std::move(body);
  return r;
}

TEST(RuntimeConnection, KeepsOneConnectionAndSendsHostAndLength) {
  ScriptedServer server({{200, "first", {}}, {202, "", {}}, {200, "third", {}}});
  RuntimeConnection connection(url_of(server), {});
  auto a = connection.send(get(), milliseconds(0));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->body, "first");
  auto b = connection.send(post(std::string(300'000, 'p')), milliseconds(5000));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->status, 202);
  ASSERT_TRUE(connection.send(get(), milliseconds(0)));
  EXPECT_EQ(server.connections(), 1);
  const auto heads = server.heads();
  ASSERT_EQ(heads.size(), 3U);
  EXPECT_EQ(heads[0].substr(0, heads[0].find('\r')),
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1");
  EXPECT_NE(heads[0].find("Host: 127.0.0.1:" + std::to_string(server.port())), std::string::npos);
  EXPECT_EQ(heads[0].find("Content-Length"), std::string::npos) << "a GET without a body";
  EXPECT_NE(heads[1].find("Content-Length: 300000"), std::string::npos);
}

TEST(RuntimeConnection, ReadsChunkedAndCloseDelimitedAnswers) {
  ScriptedServer server(
      {{0, "", {}, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
       {0, "", {}, "HTTP/1.1 200 OK\r\n\r\nuntil close", true},
       {200, "after", {}}});
  RuntimeConnection connection(url_of(server), {});
  auto chunked = connection.send(get(), milliseconds(5000));
  ASSERT_TRUE(chunked) << chunked.error().message;
  EXPECT_EQ(chunked->body, "abc");
  auto until_close = connection.send(get(), milliseconds(5000));
  ASSERT_TRUE(until_close) << until_close.error().message;
  EXPECT_EQ(until_close->body, "until close");
  auto after = connection.send(get(), milliseconds(5000));
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->body, "after");
  EXPECT_EQ(server.connections(), 2);
}

TEST(RuntimeConnection, ResendsAGetOnceWhenTheKeptConnectionWasClosed) {
  // The server closes after its first answer without saying so: the next GET finds a dead socket.
  ScriptedServer server({{200, "one", {}, "", true}, {200, "two", {}}});
  RuntimeConnection connection(url_of(server), {});
  ASSERT_TRUE(connection.send(get(), milliseconds(5000)));
  auto again = connection.send(get(), milliseconds(5000));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->body, "two");
  EXPECT_EQ(server.connections(), 2);
}

TEST(RuntimeConnection, DoesNotResendAPostTheServerMayHaveSeen) {
  ScriptedServer server({{200, "one", {}, "", true}, {0, "", {}}, {202, "", {}}});
  RuntimeConnection connection(url_of(server), {});
  ASSERT_TRUE(connection.send(get(), milliseconds(5000)));
  auto lost = connection.send(post("result"), milliseconds(5000));
  // Either the write or the read fails; the post was not sent a second time by the connection.
  if (!lost) {
    EXPECT_EQ(lost.error().kind, http::ErrorKind::connection_lost) << lost.error().message;
  }
  EXPECT_LE(server.requests(), 2);
}

TEST(RuntimeConnection, TimesOutOnAStalledAnswerAndRecovers) {
  ScriptedServer server({{-1, "", {}}, {200, "fine", {}}});
  RuntimeConnection connection(url_of(server), {});
  auto stalled = connection.send(post("x"), milliseconds(200));
  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().kind, http::ErrorKind::timeout) << stalled.error().message;
  auto next = connection.send(post("y"), milliseconds(5000));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->body, "fine");
}

TEST(RuntimeConnection, RefusedConnectionsAndOversizedAnswersAreErrors) {
  http::Url nowhere;
  {
    ScriptedServer server({{200, "", {}}});
    nowhere = url_of(server);
  }  // the port is closed now
  RuntimeConnection refused(nowhere, {});
  auto failed = refused.send(get(), milliseconds(2000));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, http::ErrorKind::connect) << failed.error().message;

  ScriptedServer server({{200, std::string(4096, 'b'), {}}});
  RuntimeConnection small(url_of(server), {.max_response_bytes = 1024});
  auto big = small.send(get(), milliseconds(2000));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, http::ErrorKind::protocol);
  EXPECT_NE(big.error().message.find("4096"), std::string::npos) << big.error().message;
}

TEST(RuntimeConnection, CarriesAMultiMegabyteEventIntact) {
  std::string event(6 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < event.size(); ++i)
    event[i] = static_cast<char>('a' + i % 26);
  ScriptedServer server({{200, event, {}}});
  RuntimeConnection connection(url_of(server), {});
  auto r = connection.send(get(), milliseconds(0));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body.size(), event.size());
  EXPECT_TRUE(r->body == event);
}

}  // namespace
}  // namespace streamcache::lambda::detail
