// The local X-Ray daemon's datagram rule: the daemon header line, then one JSON object.
#include "local/trace_receiver.h"

#include <gtest/gtest.h>

namespace streamcache::local {
namespace {

TEST(DaemonDocument, IsTheObjectAfterTheHeaderLine) {
  EXPECT_EQ(daemon_document("{\"format\": \"json\", \"version\": 1}\n{\"id\":\"a\"}"),
            "{\"id\":\"a\"}");
  EXPECT_EQ(daemon_document("{\"format\":\"json\",\"version\":1}\n{\"id\":\"a\"}\n"),
            "{\"id\":\"a\"}");  // a trailing newline never splits the line it becomes
  // A pretty-printed document becomes one line.
  EXPECT_EQ(daemon_document("{\"format\": \"json\"}\n{\n  \"id\": \"a\",\n  \"n\": 1.50\n}"),
            "{\"id\":\"a\",\"n\":1.50}");
}

TEST(DaemonDocument, AnythingElseIsDropped) {
  for (const char* bad : {"{\"id\":\"a\"}", "{\"format\": \"xml\"}\n{\"id\":\"a\"}",
                          "not json\n{\"id\":\"a\"}", "{\"format\": \"json\"}\n[1,2]",
                          "{\"format\": \"json\"}\n{\"id\":", "{\"format\": \"json\"}\n{}\n{}"}) {
    EXPECT_FALSE(daemon_document(bad)) << bad;
  }
}

}  // namespace
}  // namespace streamcache::local
