// SigV4 signer behaviour beyond the AWS suite: URI and query canonicalization edge cases, the
// per-day key cache, re-signing, header selection, and HMAC checked against OpenSSL's HMAC().
#include "aws/sigv4.h"

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace streamcache::aws {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;
using ::testing::Not;

const Credentials example_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                      ""};
constexpr system_clock::time_point kSuiteTime =
    sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36};

http::Request get(std::string target) {
  http::Request request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = {{"Host", "example.amazonaws.com"}};
  return request;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t end = text.find('\n', pos);
    out.push_back(text.substr(pos, end - pos));
    if (end == std::string::npos) return out;
    pos = end + 1;
  }
}

// Line 1 of the canonical request is the URI, line 2 the query string.
std::string canonical_uri(const std::string& target, SigningOptions options = {}) {
  http::Request request = get(target);
  return lines(Signer(example_credentials, {"us-east-1", "service"}, options)
                   .sign(request, kSuiteTime)
                   .canonical_request)[1];
}

std::string canonical_query(const std::string& target) {
  http::Request request = get(target);
  return lines(Signer(example_credentials, {"us-east-1", "service"})
                   .sign(request, kSuiteTime)
                   .canonical_request)[2];
}

std::size_t count_headers(const http::Request& request, const std::string& name) {
  std::size_t n = 0;
  for (const auto& h : request.headers)
    n += h.name == name ? 1 : 0;
  return n;
}

std::string header(const http::Request& request, const std::string& name) {
  for (const auto& h : request.headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

// The SigV4 key chain and signature with OpenSSL's one-shot HMAC(), as an independent reference.
std::string reference_signature(const std::string& secret, const std::string& date,
                                const std::string& region, const std::string& service,
                                const std::string& string_to_sign) {
  std::string key = "AWS4" + secret;
  for (const std::string& message : {date, region, service, std::string("aws4_request")}) {
    std::array<unsigned char, 32> out{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &size);
    key.assign(reinterpret_cast<const char*>(out.data()), size);
  }
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(),
       out.data(), &size);
  return hex(out.data(), size);
}

TEST(Sha256Hex, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

// The worked example of the AWS SigV4 documentation (IAM ListUsers).
TEST(Signer, DocumentationExample) {
  http::Request request;
  request.method = "GET";
  request.target = "/?Action=ListUsers&Version=2010-05-08";
  request.headers = {{"Host", "iam.amazonaws.com"},
                     {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  const SigningResult result =
      Signer(example_credentials, {"us-east-1", "iam"}).sign(request, kSuiteTime);
  EXPECT_EQ(result.canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(result.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(header(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

// Secrets shorter and longer than the 64-byte HMAC block (longer keys are hashed first).
TEST(Signer, MatchesOpenSslHmacForEverySecretLength) {
  for (std::size_t length : {0u, 1u, 40u, 59u, 60u, 61u, 64u, 100u, 200u}) {
    SCOPED_TRACE(length);
    const std::string secret(length, 'k');
    http::Request request = get("/");
    request.body = std::string(300, 'b');
    const SigningResult result =
        Signer({"AKID", secret, ""}, {"eu-west-1", "dynamodb"}).sign(request, kSuiteTime);
    EXPECT_EQ(result.signature, reference_signature(secret, "20150830", "eu-west-1", "dynamodb",
                                                    result.string_to_sign));
  }
}

TEST(Signer, KeyCacheFollowsTheDate) {
  Signer cached(example_credentials, {"us-east-1", "dynamodb"});
  const auto day1 = kSuiteTime;
  const auto day2 = kSuiteTime + hours{24};
  for (const auto& when : {day1, day1, day2, day2, day1}) {
    http::Request a = get("/");
    http::Request b = get("/");
    const SigningResult warm = cached.sign(a, when);
    const SigningResult fresh =
        Signer(example_credentials, {"us-east-1", "dynamodb"}).sign(b, when);
    EXPECT_EQ(warm.signature, fresh.signature);
    EXPECT_EQ(header(a, "Authorization"), header(b, "Authorization"));
  }
}

TEST(Signer, DateIsUtcAndFloorsSubSeconds) {
  http::Request request = get("/");
  const auto when =
      sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{59} + milliseconds{999};
  const SigningResult result = Signer(example_credentials, {"us-east-1", "s"}).sign(request, when);
  EXPECT_EQ(header(request, "X-Amz-Date"), "20240229T235959Z");
  EXPECT_THAT(result.string_to_sign, HasSubstr("\n20240229/us-east-1/s/aws4_request\n"));
}

TEST(Signer, ResigningReplacesEarlierSigningHeaders) {
  Signer signer({"AKID", "secret", "token-1"}, {"us-east-1", "dynamodb"},
                {.add_content_sha256 = true});
  http::Request request = get("/");
  signer.sign(request, kSuiteTime);
  const SigningResult second = signer.sign(request, kSuiteTime + seconds{5});
  for (const char* name :
       {"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256", "Host"}) {
    EXPECT_EQ(count_headers(request, name), 1u) << name;
  }
  http::Request fresh = get("/");
  EXPECT_EQ(
      Signer({"AKID", "secret", "token-1"}, {"us-east-1", "dynamodb"}, {.add_content_sha256 = true})
          .sign(fresh, kSuiteTime + seconds{5})
          .signature,
      second.signature);
}

TEST(Signer, RequiresHost) {
  http::Request request;
  EXPECT_THROW(Signer(example_credentials, {"us-east-1", "s"}).sign(request, kSuiteTime),
               std::invalid_argument);
}

TEST(Signer, LeavesTransitHeadersUnsigned) {
  http::Request request = get("/");
  request.headers.push_back({"User-Agent", "streamcache/0.1"});
  request.headers.push_back({"X-Amzn-Trace-Id", "Root=1-abc"});
  request.headers.push_back({"X-Amz-Target", "DynamoDB_20120810.GetItem"});
  Signer(example_credentials, {"us-east-1", "dynamodb"}).sign(request, kSuiteTime);
  EXPECT_THAT(header(request, "Authorization"),
              HasSubstr("SignedHeaders=host;x-amz-date;x-amz-target,"));
  EXPECT_EQ(header(request, "User-Agent"), "streamcache/0.1");
}

TEST(Signer, SessionTokenSignedUnlessOmitted) {
  const Credentials temporary{"AKID", "secret", "the-token"};
  http::Request signed_token = get("/");
  Signer(temporary, {"us-east-1", "s"}).sign(signed_token, kSuiteTime);
  EXPECT_EQ(header(signed_token, "X-Amz-Security-Token"), "the-token");
  EXPECT_THAT(header(signed_token, "Authorization"),
              HasSubstr("SignedHeaders=host;x-amz-date;x-amz-security-token,"));

  http::Request unsigned_token = get("/");
  Signer(temporary, {"us-east-1", "s"}, {.omit_session_token = true})
      .sign(unsigned_token, kSuiteTime);
  EXPECT_EQ(header(unsigned_token, "X-Amz-Security-Token"), "the-token");
  EXPECT_THAT(header(unsigned_token, "Authorization"), HasSubstr("SignedHeaders=host;x-amz-date,"));
}

TEST(Signer, ContentSha256HeaderOnRequest) {
  http::Request request = get("/");
  request.body = "abc";
  const SigningResult result =
      Signer(example_credentials, {"us-east-1", "s3"}, {.add_content_sha256 = true})
          .sign(request, kSuiteTime);
  const std::string hash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(header(request, "x-amz-content-sha256"), hash);
  EXPECT_THAT(result.canonical_request, HasSubstr("\nx-amz-content-sha256:" + hash + "\n"));
  EXPECT_TRUE(result.canonical_request.ends_with("\n" + hash));
}

TEST(Signer, TrimsAndCollapsesHeaderValues) {
  http::Request request = get("/");
  request.headers.push_back({"X-Spaced", " \t a \t  b   c\t "});
  request.headers.push_back({"x-empty", ""});
  request.headers.push_back({"X-SPACED", "D"});
  const SigningResult result =
      Signer(example_credentials, {"us-east-1", "s"}).sign(request, kSuiteTime);
  EXPECT_THAT(result.canonical_request, HasSubstr("\nx-empty:\n"));
  EXPECT_THAT(result.canonical_request, HasSubstr("\nx-spaced:a b c,D\n"));
  EXPECT_THAT(result.canonical_request, HasSubstr("\nhost;x-amz-date;x-empty;x-spaced\n"));
}

TEST(Signer, ManyHeadersSortedBeyondTheInlineBuffer) {
  http::Request request = get("/");
  for (int i = 39; i >= 0; --i) {
    request.headers.push_back({"X-H" + std::to_string(100 + i), std::to_string(i)});
  }
  const SigningResult result =
      Signer(example_credentials, {"us-east-1", "s"}).sign(request, kSuiteTime);
  std::string expected_signed = "host;x-amz-date";
  for (int i = 0; i < 40; ++i)
    expected_signed += ";x-h" + std::to_string(100 + i);
  EXPECT_THAT(result.canonical_request, HasSubstr("\n\n" + expected_signed + "\n"));
  EXPECT_THAT(result.canonical_request, HasSubstr("\nx-h100:0\nx-h101:1\n"));
}

TEST(CanonicalUri, NormalizesDotSegmentsAndSlashes) {
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("?a=b"), "/");
  EXPECT_EQ(canonical_uri("/a/b/../c/./d"), "/a/c/d");
  EXPECT_EQ(canonical_uri("/a/b/.."), "/a/");
  EXPECT_EQ(canonical_uri("/a/b/."), "/a/b/");
  EXPECT_EQ(canonical_uri("/../../a"), "/a");
  EXPECT_EQ(canonical_uri("//a///b//"), "/a/b/");
  EXPECT_EQ(canonical_uri("/a..b/.c/"), "/a..b/.c/");
  EXPECT_EQ(canonical_uri("relative/x"), "/relative/x");
}

TEST(CanonicalUri, KeepsThePathWhenNotNormalizing) {
  const SigningOptions s3{.normalize_path = false, .double_encode_path = false};
  EXPECT_EQ(canonical_uri("//a/./b/../", s3), "//a/./b/../");
  EXPECT_EQ(canonical_uri("", s3), "/");
}

TEST(CanonicalUri, EncodesSegments) {
  EXPECT_EQ(canonical_uri("/a b/c+d/e=f/~_-."), "/a%20b/c%2Bd/e%3Df/~_-.");
  EXPECT_EQ(canonical_uri("/\xE1\x88\xB4"), "/%E1%88%B4");
  // Already-encoded paths are encoded again, except for S3 (double_encode_path = false).
  EXPECT_EQ(canonical_uri("/a%20b"), "/a%2520b");
  EXPECT_EQ(canonical_uri("/a%20b", {.double_encode_path = false}), "/a%20b");
  EXPECT_EQ(canonical_uri("/a b", {.double_encode_path = false}), "/a%20b");
}

TEST(CanonicalQuery, SortsByEncodedKeyThenValue) {
  EXPECT_EQ(canonical_query("/?b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
  EXPECT_EQ(canonical_query("/?Z=1&a=1&_=1&~=1&-=1"), "-=1&Z=1&_=1&a=1&~=1");
  EXPECT_EQ(canonical_query("/"), "");
  EXPECT_EQ(canonical_query("/?"), "");
  EXPECT_EQ(canonical_query("/?&&x=1&"), "x=1");
}

TEST(CanonicalQuery, DecodesThenEncodesEachComponent) {
  EXPECT_EQ(canonical_query("/?a=%2f&b=x+y&c=%7e&d=%e1%88%b4"), "a=%2F&b=x%2By&c=~&d=%E1%88%B4");
  EXPECT_EQ(canonical_query("/?k=v=w&sp=a b"), "k=v%3Dw&sp=a%20b");
  EXPECT_EQ(canonical_query("/?bad=%zz&cut=%4"), "bad=%25zz&cut=%254");
}

TEST(Signer, AuthorizationHasNoSecret) {
  http::Request request = get("/");
  const SigningResult result =
      Signer(example_credentials, {"us-east-1", "s"}).sign(request, kSuiteTime);
  for (const auto& h : request.headers)
    EXPECT_THAT(h.value, Not(HasSubstr("wJalrXUtnFEMI")));
  EXPECT_THAT(result.canonical_request + result.string_to_sign, Not(HasSubstr("wJalrXUtnFEMI")));
}

}  // namespace
}  // namespace streamcache::aws
