// SigV4 header signing and presigning against the official AWS test suite (awslabs/aws-c-auth, see
// SOURCE.md in the suite folder): every case checks the canonical request, string to sign,
// signature and the signed request, once per signing method. A few cases are embedded below so a
// clone without ../shared still checks them.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aws/auth/raw_request.h"
#include "aws/sigv4.h"
#include "json/json.h"

namespace streamcache::aws {
namespace {

namespace fs = std::filesystem;

// What a suite folder holds (context.json values, request.txt and the header-* expectations).
struct SuiteCase {
  std::string name;
  std::string request;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string region;
  std::string service;
  std::string timestamp;
  bool normalize = true;
  bool sign_body = false;
  bool omit_session_token = false;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_request;
};

// The suite's credentials and time (every case uses them).
constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kTimestamp = "2015-08-30T12:36:00Z";

// Cases copied verbatim from the suite (literal facts: they must not depend on ../shared).
const std::vector<SuiteCase>& embedded_cases() {
  static const std::vector<SuiteCase> cases = {
      {
          .name = "get-vanilla",
          .request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/

host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63)txt",
          .signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
          .signed_request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31

)txt",
      },
      {
          .name = "post-x-www-form-urlencoded",
          .request = R"txt(POST / HTTP/1.1
Content-Type:application/x-www-form-urlencoded
Host:example.amazonaws.com
Content-Length:13

Param1=value1)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = true,
          .omit_session_token = false,
          .canonical_request = R"txt(POST
/

content-length:13
content-type:application/x-www-form-urlencoded
host:example.amazonaws.com
x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
x-amz-date:20150830T123600Z

content-length;content-type;host;x-amz-content-sha256;x-amz-date
9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb)txt",
          .signature = "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
          .signed_request = R"txt(POST / HTTP/1.1
Content-Type:application/x-www-form-urlencoded
Host:example.amazonaws.com
Content-Length:13
X-Amz-Date:20150830T123600Z
x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b

Param1=value1)txt",
      },
      {
          .name = "get-header-value-trim",
          .request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1: value1
My-Header2: "a   b   c"
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/

host:example.amazonaws.com
my-header1:value1
my-header2:"a b c"
x-amz-date:20150830T123600Z

host;my-header1;my-header2;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7)txt",
          .signature = "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
          .signed_request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1: value1
My-Header2: "a   b   c"
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736

)txt",
      },
      {
          .name = "get-header-value-multiline",
          .request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value1
  value2
     value3
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/

host:example.amazonaws.com
my-header1:value1 value2 value3
x-amz-date:20150830T123600Z

host;my-header1;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
e99419459a677bc11de234014be3c4e72c1ea5b454ceb58b613061f5d7a162e8)txt",
          .signature = "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd",
          .signed_request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value1
  value2
     value3
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd

)txt",
      },
      {
          .name = "get-header-key-duplicate",
          .request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value2
My-Header1:value2
My-Header1:value1
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/

host:example.amazonaws.com
my-header1:value2,value2,value1
x-amz-date:20150830T123600Z

host;my-header1;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c)txt",
          .signature = "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
          .signed_request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value2
My-Header1:value2
My-Header1:value1
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea

)txt",
      },
      {
          .name = "get-vanilla-with-session-token",
          .request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/

host:example.amazonaws.com
x-amz-date:20150830T123600Z
x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267

host;x-amz-date;x-amz-security-token
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b)txt",
          .signature = "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
          .signed_request = R"txt(GET / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8

)txt",
      },
      {
          .name = "post-sts-header-after",
          .request = R"txt(POST / HTTP/1.1
Host:example.amazonaws.com
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "AQoDYXdzEPT//////////"
                           "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSP"
                           "fIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"
                           "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75Y"
                           "U9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
                           "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = true,
          .canonical_request = R"txt(POST
/

host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87)txt",
          .signature = "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
          .signed_request = R"txt(POST / HTTP/1.1
Host:example.amazonaws.com
X-Amz-Security-Token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b

)txt",
      },
      {
          .name = "get-slashes-normalized",
          .request = R"txt(GET //example// HTTP/1.1
Host:example.amazonaws.com
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/example/

host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015)txt",
          .signature = "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
          .signed_request = R"txt(GET //example// HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84

)txt",
      },
      {
          .name = "get-relative-relative-normalized",
          .request = R"txt(GET /example1/example2/../.. HTTP/1.1
Host:example.amazonaws.com
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/

host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63)txt",
          .signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
          .signed_request = R"txt(GET /example1/example2/../.. HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31

)txt",
      },
      {
          .name = "get-vanilla-query-order-encoded",
          .request = R"txt(GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1
Host:example.amazonaws.com
)txt",
          .access_key_id = kKeyId,
          .secret_access_key = kSecret,
          .session_token = "",
          .region = "us-east-1",
          .service = "service",
          .timestamp = kTimestamp,
          .normalize = true,
          .sign_body = false,
          .omit_session_token = false,
          .canonical_request = R"txt(GET
/
%E1%88%B4=Value1&Param=Value2&Param-3=Value3
host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)txt",
          .string_to_sign = R"txt(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71)txt",
          .signature = "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
          .signed_request = R"txt(GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1
Host:example.amazonaws.com
X-Amz-Date:20150830T123600Z
Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac

)txt",
      },
  };
  return cases;
}

// "2015-08-30T12:36:00Z" (the suite's only timestamp form).
std::optional<std::chrono::system_clock::time_point> parse_timestamp(const std::string& text) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  std::istringstream in(text);
  char sep[5] = {};
  in >> y >> sep[0] >> mo >> sep[1] >> d >> sep[2] >> h >> sep[3] >> mi >> sep[4] >> s >> tail;
  if (!in || tail != 'Z' || std::string_view(sep, 5) != "--T::") return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{mo},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s};
}

// Signs the case's request as the suite's context says and compares every expected value.
void check_case(const SuiteCase& c) {
  SCOPED_TRACE("case " + c.name);
  auto raw = testing::parse_raw_request(c.request);
  ASSERT_TRUE(raw.has_value()) << raw.error();
  const auto now = parse_timestamp(c.timestamp);
  ASSERT_TRUE(now.has_value()) << c.timestamp;

  Signer signer({c.access_key_id, c.secret_access_key, c.session_token}, {c.region, c.service},
                {.normalize_path = c.normalize,
                 .double_encode_path = true,
                 .add_content_sha256 = c.sign_body,
                 .omit_session_token = c.omit_session_token});
  http::Request request = raw->request;
  const SigningResult result = signer.sign(request, *now);
  EXPECT_EQ(result.canonical_request, c.canonical_request);
  EXPECT_EQ(result.string_to_sign, c.string_to_sign);
  EXPECT_EQ(result.signature, c.signature);

  // The signer only appends: the original headers are untouched and stay first.
  ASSERT_GE(request.headers.size(), raw->request.headers.size());
  for (std::size_t i = 0; i < raw->request.headers.size(); ++i) {
    EXPECT_EQ(request.headers[i].name, raw->request.headers[i].name);
    EXPECT_EQ(request.headers[i].value, raw->request.headers[i].value);
  }
  EXPECT_EQ(request.method, raw->request.method);
  EXPECT_EQ(request.target, raw->request.target);
  EXPECT_EQ(request.body, raw->request.body);
  // The signed request as the suite writes it: the original head (multi-line values as they were
  // written), the added headers in order, a blank line, the body.
  std::string signed_request = raw->head;
  for (std::size_t i = raw->request.headers.size(); i < request.headers.size(); ++i) {
    signed_request += request.headers[i].name + ":" + request.headers[i].value + "\n";
  }
  signed_request += "\n" + request.body;
  EXPECT_EQ(signed_request, c.signed_request);
}

// The suite's presigned (query-string) expectations of one folder.
struct QueryExpectations {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_request;
  long expires_seconds = 0;
};

// Presigns the case's request and compares every query-* expectation.
void check_presigned(const SuiteCase& c, const QueryExpectations& expected) {
  SCOPED_TRACE("presigned case " + c.name);
  auto raw = testing::parse_raw_request(c.request);
  ASSERT_TRUE(raw.has_value()) << raw.error();
  const auto now = parse_timestamp(c.timestamp);
  ASSERT_TRUE(now.has_value()) << c.timestamp;
  Signer signer({c.access_key_id, c.secret_access_key, c.session_token}, {c.region, c.service},
                {.normalize_path = c.normalize,
                 .double_encode_path = true,
                 .add_content_sha256 = false,
                 .omit_session_token = c.omit_session_token});
  http::Request request = raw->request;
  const SigningResult result =
      signer.presign(request, *now, std::chrono::seconds(expected.expires_seconds));
  EXPECT_EQ(result.canonical_request, expected.canonical_request);
  EXPECT_EQ(result.string_to_sign, expected.string_to_sign);
  EXPECT_EQ(result.signature, expected.signature);
  // Headers and body are untouched; only the request line's target changes.
  ASSERT_EQ(request.headers.size(), raw->request.headers.size());
  EXPECT_EQ(request.body, raw->request.body);
  const std::string old_line = raw->request.method + " " + raw->request.target + " ";
  ASSERT_EQ(raw->head.rfind(old_line, 0), 0u) << raw->head;
  std::string signed_request = request.method + " " + request.target + " " +
                               raw->head.substr(old_line.size()) + "\n" + request.body;
  EXPECT_EQ(signed_request, expected.signed_request);
}

std::optional<fs::path> suite_dir() {
  const char* source_dir = std::getenv("STREAMCACHE_SOURCE_DIR");
  const fs::path root =
      source_dir != nullptr ? fs::path(source_dir) : fs::path(STREAMCACHE_SOURCE_DIR_DEFAULT);
  const fs::path dir = root / ".." / "shared" / "testdata" / "aws-sigv4-testsuite";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return fs::weakly_canonical(dir, ec);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

SuiteCase load_case(const fs::path& dir) {
  SuiteCase c;
  c.name = dir.filename().string();
  auto context = json::parse(read_text(dir / "context.json"));
  if (!context) throw std::runtime_error(c.name + "/context.json: " + context.error().message);
  const json::Value* credentials = context->find("credentials");
  if (credentials == nullptr) throw std::runtime_error(c.name + ": no credentials");
  c.access_key_id = std::string(credentials->get_string("access_key_id").value_or(""));
  c.secret_access_key = std::string(credentials->get_string("secret_access_key").value_or(""));
  c.session_token = std::string(credentials->get_string("token").value_or(""));
  c.region = std::string(context->get_string("region").value_or(""));
  c.service = std::string(context->get_string("service").value_or(""));
  c.timestamp = std::string(context->get_string("timestamp").value_or(""));
  c.normalize = context->get_bool("normalize").value_or(true);
  c.sign_body = context->get_bool("sign_body").value_or(false);
  c.omit_session_token = context->get_bool("omit_session_token").value_or(false);
  c.request = read_text(dir / "request.txt");
  c.canonical_request = read_text(dir / "header-canonical-request.txt");
  c.string_to_sign = read_text(dir / "header-string-to-sign.txt");
  c.signature = trimmed(read_text(dir / "header-signature.txt"));
  c.signed_request = read_text(dir / "header-signed-request.txt");
  return c;
}

QueryExpectations load_query_expectations(const fs::path& dir) {
  QueryExpectations q;
  auto context = json::parse(read_text(dir / "context.json"));
  if (!context) throw std::runtime_error(dir.string() + ": " + context.error().message);
  q.expires_seconds = static_cast<long>(context->get_int("expiration_in_seconds").value_or(0));
  q.canonical_request = read_text(dir / "query-canonical-request.txt");
  q.string_to_sign = read_text(dir / "query-string-to-sign.txt");
  q.signature = trimmed(read_text(dir / "query-signature.txt"));
  q.signed_request = read_text(dir / "query-signed-request.txt");
  return q;
}

// Every folder with a header-signing case, sorted by name; empty when the suite is absent.
std::vector<fs::path> suite_case_dirs() {
  std::vector<fs::path> dirs;
  const auto root = suite_dir();
  if (!root) return dirs;
  for (const auto& entry : fs::directory_iterator(*root)) {
    if (entry.is_directory() && fs::exists(entry.path() / "header-signature.txt")) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(SigV4Embedded, EveryEmbeddedCaseSigns) {
  for (const SuiteCase& c : embedded_cases())
    check_case(c);
}

TEST(SigV4Embedded, EmbeddedCasesMatchTheSuiteFiles) {
  const auto root = suite_dir();
  if (!root) GTEST_SKIP() << "the AWS SigV4 test suite is not at ../shared/testdata";
  for (const SuiteCase& embedded : embedded_cases()) {
    SCOPED_TRACE(embedded.name);
    const SuiteCase file = load_case(*root / embedded.name);
    EXPECT_EQ(embedded.request, file.request);
    EXPECT_EQ(embedded.session_token, file.session_token);
    EXPECT_EQ(embedded.access_key_id, file.access_key_id);
    EXPECT_EQ(embedded.secret_access_key, file.secret_access_key);
    EXPECT_EQ(embedded.region, file.region);
    EXPECT_EQ(embedded.service, file.service);
    EXPECT_EQ(embedded.timestamp, file.timestamp);
    EXPECT_EQ(embedded.normalize, file.normalize);
    EXPECT_EQ(embedded.sign_body, file.sign_body);
    EXPECT_EQ(embedded.omit_session_token, file.omit_session_token);
    EXPECT_EQ(embedded.canonical_request, file.canonical_request);
    EXPECT_EQ(embedded.string_to_sign, file.string_to_sign);
    EXPECT_EQ(embedded.signature, file.signature);
    EXPECT_EQ(embedded.signed_request, file.signed_request);
  }
}

// The suite's presence and shape; skipped (not failed) when ../shared is not there.
TEST(SigV4Suite, HasEveryHeaderSigningCase) {
  const auto root = suite_dir();
  if (!root) GTEST_SKIP() << "the AWS SigV4 test suite is not at ../shared/testdata";
  std::size_t folders = 0;
  for (const auto& entry : fs::directory_iterator(*root))
    folders += entry.is_directory() ? 1 : 0;
  const std::vector<fs::path> dirs = suite_case_dirs();
  EXPECT_EQ(dirs.size(), folders) << "every case folder has header-* expectations";
  for (const fs::path& dir : dirs) {
    EXPECT_TRUE(fs::exists(dir / "query-signature.txt")) << dir << " has no query-* expectations";
  }
  EXPECT_GE(dirs.size(), 30u) << "the suite looks truncated";
}

// One test per suite folder (SigV4Suite/Case.Signs/get_vanilla, ...); none when it is absent.
class Case : public ::testing::TestWithParam<fs::path> {};

TEST_P(Case, Signs) {
  check_case(load_case(GetParam()));
}

TEST_P(Case, Presigns) {
  check_presigned(load_case(GetParam()), load_query_expectations(GetParam()));
}

std::string case_name(const ::testing::TestParamInfo<fs::path>& param) {
  std::string name = param.param.filename().string();
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(SigV4Suite, Case, ::testing::ValuesIn(suite_case_dirs()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Case);

}  // namespace
}  // namespace streamcache::aws
