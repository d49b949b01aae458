// The test-side parser for the suite's request.txt files.
#include "aws/auth/raw_request.h"

#include <gtest/gtest.h>

namespace streamcache::aws::testing {
namespace {

TEST(RawRequest, RequestLineHeadersAndBody) {
  auto raw = parse_raw_request("POST /a b/?x=1 HTTP/1.1\nHost:h\nX-A: 1\n\nbody\nmore");
  ASSERT_TRUE(raw.has_value()) << raw.error();
  EXPECT_EQ(raw->request.method, "POST");
  EXPECT_EQ(raw->request.target, "/a b/?x=1");
  ASSERT_EQ(raw->request.headers.size(), 2u);
  EXPECT_EQ(raw->request.headers[1].name, "X-A");
  EXPECT_EQ(raw->request.headers[1].value, " 1");
  EXPECT_EQ(raw->request.body, "body\nmore");
  EXPECT_EQ(raw->head, "POST /a b/?x=1 HTTP/1.1\nHost:h\nX-A: 1\n");
}

TEST(RawRequest, DuplicatesKeptInOrderAndFoldedLinesJoined) {
  auto raw = parse_raw_request("GET / HTTP/1.1\r\nH:2\r\nH:1\r\nM:v1\r\n  v2\r\n\tv3\r\n");
  ASSERT_TRUE(raw.has_value()) << raw.error();
  ASSERT_EQ(raw->request.headers.size(), 3u);
  EXPECT_EQ(raw->request.headers[0].value, "2");
  EXPECT_EQ(raw->request.headers[1].value, "1");
  EXPECT_EQ(raw->request.headers[2].value, "v1 v2 v3");
  EXPECT_EQ(raw->request.body, "");
  EXPECT_EQ(raw->head, "GET / HTTP/1.1\nH:2\nH:1\nM:v1\n  v2\n\tv3\n");
}

TEST(RawRequest, RejectsMalformedInput) {
  EXPECT_FALSE(parse_raw_request("").has_value());
  EXPECT_FALSE(parse_raw_request("GET\n").has_value());
  EXPECT_FALSE(parse_raw_request("GET / HTTP/1.1\n  folded-first\n").has_value());
  EXPECT_FALSE(parse_raw_request("GET / HTTP/1.1\nno-colon\n").has_value());
}

}  // namespace
}  // namespace streamcache::aws::testing
