// The tracing library against the documented formats: trace headers, segment documents, the
// daemon datagram and address, and the tracer's sampled and unsampled paths.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json/json.h"
#include "tracing/emitter.h"
#include "tracing/segment.h"
#include "tracing/segment_format.h"
#include "tracing/trace_header.h"
#include "tracing/tracer.h"

namespace {

using namespace streamcache;
using namespace streamcache::tracing;
using streamcache::tracing::testing::format_violations;
using streamcache::tracing::testing::number_of;

constexpr std::string_view kRoot = "1-5759e988-bd862e3fe1be46a994272793";
constexpr std::string_view kParent = "53995c3f42cd8ad8";

json::Value parsed(const std::string& document) {
  auto v = json::parse(document);
  EXPECT_TRUE(v) << document;
  return v ? *v : json::Value();
}

TEST(TraceHeader, ReadsRootParentAndSampledWhateverTheOrderAndExtraFields) {
  const auto h = parse_trace_header(
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:0");
  EXPECT_EQ(h.root, kRoot);
  EXPECT_EQ(h.parent, kParent);
  EXPECT_TRUE(h.sampled);
  // The header's fields are views into the text: it must outlive them.
  const std::string text = "Sampled=1; Parent=53995c3f42cd8ad8; Root=" + std::string(kRoot);
  const auto reordered = parse_trace_header(text);
  EXPECT_EQ(reordered.root, kRoot);
  EXPECT_EQ(reordered.parent, kParent);
  EXPECT_TRUE(reordered.sampled);
}

TEST(TraceHeader, OnlySampledOneIsSampled) {
  EXPECT_FALSE(parse_trace_header("Root=" + std::string(kRoot) + ";Sampled=0").sampled);
  EXPECT_FALSE(parse_trace_header("Root=" + std::string(kRoot) + ";Sampled=?").sampled);
  EXPECT_FALSE(parse_trace_header("Root=" + std::string(kRoot)).sampled);
  EXPECT_FALSE(parse_trace_header("").sampled);
  EXPECT_FALSE(parse_trace_header("garbage;;==").sampled);
}

TEST(TraceHeader, NewIdsHaveTheDocumentedShapeAndDiffer) {
  std::set<std::string> ids;
  for (int k = 0; k < 100; ++k) {
    const std::string id = new_segment_id();
    EXPECT_TRUE(is_segment_id(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
  // The trace id's first part is the epoch time in seconds, in 8 hex digits.
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1478293361));
  const std::string trace = new_trace_id(now);
  EXPECT_TRUE(is_trace_id(trace)) << trace;
  EXPECT_EQ(trace.substr(0, 11), "1-581cf771-");
  EXPECT_NE(new_trace_id(now), trace);
  EXPECT_FALSE(is_trace_id("1-581cf771-a006649127e371903a2de97"));   // 23 digits
  EXPECT_FALSE(is_trace_id("2-581cf771-a006649127e371903a2de979"));  // version
  EXPECT_FALSE(is_segment_id("70DE5B6F19FF9A0A"));                   // lowercase only
}

TEST(TraceHeader, DownstreamHeaderNamesTheCallersSubsegment) {
  EXPECT_EQ(format_trace_header(kRoot, "70de5b6f19ff9a0c", true),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=70de5b6f19ff9a0c;Sampled=1");
}

Segment dynamodb_subsegment() {
  Segment s;
  s.name = "DynamoDB";
  s.id = "70de5b6f19ff9a0c";
  s.trace_id = std::string(kRoot);
  s.parent_id = std::string(kParent);
  s.namespace_name = "aws";
  s.start_time = 1478293361.271;
  s.end_time = 1478293361.449;
  s.has_aws = true;
  s.aws = {"GetItem", "us-east-1", "RID123", "items", 2};
  s.http_status = 200;
  s.annotations = {{"item_id", std::string("lamp-1")},
                   {"cache_outcome", std::string("miss")},
                   {"bytes", 12.0},
                   {"hit", false}};
  return s;
}

TEST(SegmentDocument, AnIndependentSubsegmentCarriesTypeTraceAndParent) {
  const json::Value doc = parsed(segment_document(dynamodb_subsegment()));
  EXPECT_EQ(format_violations(doc), std::vector<std::string>{});
  EXPECT_EQ(doc.get_string("type"), "subsegment");
  EXPECT_EQ(doc.get_string("trace_id"), kRoot);
  EXPECT_EQ(doc.get_string("parent_id"), kParent);
  EXPECT_EQ(doc.get_string("namespace"), "aws");
  EXPECT_DOUBLE_EQ(number_of(*doc.find("start_time")), 1478293361.271);
  EXPECT_DOUBLE_EQ(number_of(*doc.find("end_time")), 1478293361.449);
  const json::Value* aws = doc.find("aws");
  ASSERT_NE(aws, nullptr);
  EXPECT_EQ(aws->get_string("operation"), "GetItem");
  EXPECT_EQ(aws->get_string("table_name"), "items");
  EXPECT_EQ(aws->get_string("region"), "us-east-1");
  EXPECT_EQ(aws->get_string("request_id"), "RID123");
  EXPECT_EQ(aws->get_int("retries"), 2);
  EXPECT_EQ(doc.find("http")->find("response")->get_int("status"), 200);
  const json::Value* a = doc.find("annotations");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->get_string("item_id"), "lamp-1");
  EXPECT_EQ(a->get_string("cache_outcome"), "miss");
  EXPECT_TRUE(a->find("bytes")->is_number());
  EXPECT_EQ(a->get_bool("hit"), false);
  EXPECT_EQ(doc.find("fault"), nullptr);  // flags only when set
}

TEST(SegmentDocument, AnnotationKeysOutsideTheCharsetAreLeftOut) {
  Segment s = dynamodb_subsegment();
  s.annotations = {{"item-id", std::string("x")},
                   {"ok_key_1", std::string("y")},
                   {"", std::string("z")},
                   {"dot.key", true}};
  const json::Value doc = parsed(segment_document(s));
  EXPECT_EQ(format_violations(doc), std::vector<std::string>{});
  ASSERT_NE(doc.find("annotations"), nullptr);
  EXPECT_EQ(doc.find("annotations")->as_object().size(), 1u);
  EXPECT_EQ(doc.find("annotations")->get_string("ok_key_1"), "y");
  EXPECT_FALSE(is_annotation_key("a b"));
  EXPECT_TRUE(is_annotation_key("cache_outcome"));
}

TEST(SegmentDocument, FailuresAreFlaggedWithTheirCauseAndStringsEscaped) {
  Segment s = dynamodb_subsegment();
  s.throttle = true;
  s.http_status = 400;
  s.cause = "ProvisionedThroughputExceededException: \"slow\"\n down";
  s.annotations = {{"item_id", std::string("quote\"and\\slash")}};
  const json::Value doc = parsed(segment_document(s));
  EXPECT_EQ(format_violations(doc), std::vector<std::string>{});
  EXPECT_EQ(doc.get_bool("throttle"), true);
  EXPECT_EQ(doc.get_bool("error"), true);  // a throttle is an error
  EXPECT_EQ(doc.find("fault"), nullptr);
  const auto& exceptions = doc.find("cause")->find("exceptions")->as_array();
  ASSERT_EQ(exceptions.size(), 1u);
  EXPECT_EQ(exceptions[0].get_string("message"), s.cause);
  EXPECT_EQ(doc.find("annotations")->get_string("item_id"), "quote\"and\\slash");
}

TEST(SegmentDocument, AFunctionSegmentHasNoTypeAndItsOrigin) {
  Segment s;
  s.name = std::string(300, 'n');
  s.id = std::string(kParent);
  s.trace_id = std::string(kRoot);
  s.subsegment = false;
  s.origin = "AWS::Lambda::Function";
  s.start_time = 1.5e9;
  s.end_time = 1.5e9 + 0.25;
  const json::Value doc = parsed(segment_document(s));
  EXPECT_EQ(format_violations(doc), std::vector<std::string>{});
  EXPECT_EQ(doc.find("type"), nullptr);
  EXPECT_EQ(doc.find("parent_id"), nullptr);
  EXPECT_EQ(doc.get_string("origin"), "AWS::Lambda::Function");
  EXPECT_EQ(doc.get_string("name")->size(), 200u);  // the documented maximum
}

TEST(DaemonDatagram, IsTheHeaderLineThenTheDocumentUpTo64KB) {
  EXPECT_EQ(daemon_datagram("{\"a\":1}"), "{\"format\": \"json\", \"version\": 1}\n{\"a\":1}");
  const std::string big(kMaxDatagramBytes, 'x');
  EXPECT_EQ(daemon_datagram(big), "");
  const std::string fits(kMaxDatagramBytes - kDaemonHeader.size(), 'x');
  EXPECT_EQ(daemon_datagram(fits).size(), kMaxDatagramBytes);
}

TEST(DaemonAddress, HostPortAndTheTcpUdpPair) {
  auto plain = parse_daemon_address("169.254.79.129:2000");
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(ntohs(plain->sin_port), 2000);
  auto pair = parse_daemon_address("tcp:127.0.0.1:2000 udp:127.0.0.2:2001");
  ASSERT_TRUE(pair) << pair.error();
  EXPECT_EQ(ntohs(pair->sin_port), 2001);
  char ip[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &pair->sin_addr, ip, sizeof ip);
  EXPECT_STREQ(ip, "127.0.0.2");
  for (const char* bad :
       {"2000", "127.0.0.1:", "127.0.0.1:99999", "xray.example:2000", "tcp:127.0.0.1:2000"}) {
    auto r = parse_daemon_address(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find("AWS_XRAY_DAEMON_ADDRESS"), std::string::npos) << r.error();
  }
}

TEST(Tracer, UnsampledInvocationsSendNothing) {
  std::vector<std::string> sent;
  Tracer tracer([&](std::string_view d) { sent.emplace_back(d); });
  for (const std::string& header :
       {std::string(),
        "Root=" + std::string(kRoot) + ";Parent=" + std::string(kParent) + ";Sampled=0",
        "Root=bad;Parent=" + std::string(kParent) + ";Sampled=1"}) {
    tracer.begin_invocation(header);
    EXPECT_FALSE(tracer.sampled()) << header;
    tracer.end_invocation();
  }
  EXPECT_TRUE(sent.empty());
  Tracer disabled;
  disabled.begin_invocation("Root=" + std::string(kRoot) + ";Parent=" + std::string(kParent) +
                            ";Sampled=1");
  EXPECT_FALSE(disabled.sampled());
}

TEST(Tracer, SubsegmentsOfASampledInvocationHangUnderTheFunctionSegment) {
  std::vector<std::string> sent;
  Tracer tracer([&](std::string_view d) { sent.emplace_back(d); });
  {
    InvocationScope scope(
        tracer, "Root=" + std::string(kRoot) + ";Parent=" + std::string(kParent) + ";Sampled=1");
    ASSERT_TRUE(tracer.sampled());
    tracer.set_item_id("lamp-1");
    Segment s = tracer.start("Redis", "remote");
    EXPECT_EQ(tracer.downstream_header(s),
              "Root=" + std::string(kRoot) + ";Parent=" + s.id + ";Sampled=1");
    tracer.finish(s);
  }
  EXPECT_FALSE(tracer.sampled());  // the scope ended the invocation
  ASSERT_EQ(sent.size(), 1u);
  const json::Value doc = parsed(sent[0]);
  EXPECT_EQ(format_violations(doc), std::vector<std::string>{});
  EXPECT_EQ(doc.get_string("parent_id"), kParent);
  EXPECT_EQ(doc.get_string("trace_id"), kRoot);
  EXPECT_EQ(doc.find("annotations")->get_string("item_id"), "lamp-1");
  EXPECT_LE(number_of(*doc.find("start_time")), number_of(*doc.find("end_time")));
}

TEST(UdpEmitter, SendsOneDatagramTheReceiverCanSplit) {
  const int receiver = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(receiver, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  ::getsockname(receiver, reinterpret_cast<sockaddr*>(&address), &size);
  auto emitter = UdpEmitter::connect(address);
  ASSERT_TRUE(emitter) << emitter.error();
  const std::string document = segment_document(dynamodb_subsegment());
  ASSERT_TRUE(emitter->send(document));
  EXPECT_FALSE(emitter->send(std::string(kMaxDatagramBytes, 'x')));  // over the limit: dropped
  pollfd p{receiver, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  std::string buffer(kMaxDatagramBytes, '\0');
  const ssize_t n = ::recv(receiver, buffer.data(), buffer.size(), 0);
  ::close(receiver);
  ASSERT_GT(n, 0);
  buffer.resize(static_cast<std::size_t>(n));
  const auto newline = buffer.find('\n');
  ASSERT_NE(newline, std::string::npos);
  auto header = json::parse(std::string_view(buffer).substr(0, newline));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->get_string("format"), "json");
  EXPECT_EQ(header->get_int("version"), 1);
  EXPECT_EQ(buffer.substr(newline + 1), document);
}

}  // namespace
