// Typed Lambda events: every shared fixture parses (and round-trips), embedded fixtures keep the
// parsers checked without ../shared, and wrong types are errors that name the field.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "json/json.h"
#include "lambda/events/dynamodb.h"
#include "lambda/events/http.h"

namespace streamcache::lambda::events {
namespace {

namespace fs = std::filesystem;

json::Value parse_json(std::string_view text) {
  auto value = json::parse(text);
  EXPECT_TRUE(value.has_value()) << (value ? "" : value.error().message);
  return value ? *value : json::Value();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Parse, serialize, parse again: the typed value must survive unchanged.
template <class Parse>
void expect_round_trip(const json::Value& event, Parse parse) {
  auto first = parse(event);
  ASSERT_TRUE(first) << first.error().message;
  const json::Value written = to_json(*first);
  auto second = parse(parse_json(json::serialize(written)));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(written, to_json(*second));
}

// ---- Embedded fixtures (from the aws-lambda-rust-runtime fixtures, Apache-2.0) ----

constexpr std::string_view kHttpApiMinimal = R"({
  "headers": {"accept": "*/*", "content-length": "0", "host": "xxx.execute-api.us-east-1.amazonaws.com",
              "x-amzn-trace-id": "Root=1-5eb33c07-de25b420912dee103a5db434"},
  "isBase64Encoded": false, "rawPath": "/", "rawQueryString": "",
  "requestContext": {"accountId": "123456789012", "apiId": "xxx",
    "domainName": "xxx.execute-api.us-east-1.amazonaws.com", "domainPrefix": "xxx",
    "http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "65.78.31.245",
             "userAgent": "curl/7.64.1"},
    "requestId": "MIZRNhJtIAMEMDw=", "routeKey": "$default", "stage": "$default",
    "time": "06/May/2020:22:36:55 +0000", "timeEpoch": 1588804615616},
  "routeKey": "$default", "version": "2.0"})";

constexpr std::string_view kHttpApiWithJwt = R"({
  "version": "2.0", "routeKey": "$default", "rawPath": "/my/path",
  "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
  "cookies": ["cookie1=value1", "cookie2=value2"],
  "headers": {"Header1": "value1", "Header2": "value2"},
  "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
  "requestContext": {"accountId": "123456789012", "apiId": "api-id",
    "authorizer": {"jwt": {"claims": {"claim1": "value1"}, "scopes": ["scope1", "scope2"]}},
    "domainName": "id.execute-api.us-east-1.amazonaws.com", "domainPrefix": "id",
    "http": {"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1", "sourceIp": "IP",
             "userAgent": "agent"},
    "requestId": "id", "routeKey": "$default", "stage": "$default",
    "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1583348638390},
  "body": "Hello from Lambda", "pathParameters": {"parameter1": "value1"},
  "isBase64Encoded": false, "stageVariables": {"stageVariable1": "value1"}})";

constexpr std::string_view kRestApiConsoleTest = R"({
  "body": "{\r\n\t\"a\": 1\r\n}", "headers": null, "httpMethod": "POST", "isBase64Encoded": false,
  "multiValueHeaders": null, "multiValueQueryStringParameters": null, "path": "/myPath",
  "pathParameters": null, "queryStringParameters": null,
  "requestContext": {"accountId": "xxxxx", "apiId": "xxxxx", "httpMethod": "POST",
    "identity": {"accessKey": "xxxxx", "cognitoIdentityId": null, "sourceIp": "test-invoke-source-ip",
                 "userArn": "arn:aws:sts::xxxxx:assumed-role/xxxxx/xxxxx"},
    "path": "/myPath", "requestId": "e5488776-afe4-4e5e-92b1-37bd23f234d6",
    "requestTimeEpoch": 1645190592806, "resourcePath": "/myPath", "stage": "test-invoke-stage"},
  "resource": "/myPath", "stageVariables": null})";

constexpr std::string_view kRestApiMultiValue = R"({
  "resource": "/{proxy+}", "path": "/hello/world", "httpMethod": "POST",
  "headers": {"Accept": "*/*", "headerName": "headerValue2"},
  "multiValueHeaders": {"Accept": ["*/*"], "headerName": ["headerValue", "headerValue2"]},
  "queryStringParameters": {"name": "me"},
  "multiValueQueryStringParameters": {"name": ["me", "me2"]},
  "pathParameters": {"proxy": "hello/world"},
  "stageVariables": {"stageVariableName": "stageVariableValue"},
  "requestContext": {"accountId": "12345678912", "resourceId": "roq9wj", "stage": "testStage",
    "requestId": "deef4878-7910-11e6-8f14-25afc3e9ae33",
    "identity": {"sourceIp": "192.168.196.186", "userAgent": "PostmanRuntime/2.4.5"},
    "authorizer": {"principalId": "admin", "clientId": 1, "clientName": "Exata"},
    "resourcePath": "/{proxy+}", "httpMethod": "POST", "requestTimeEpoch": 1589522469693,
    "apiId": "gy415nuibc"},
  "body": "{\r\n\t\"a\": 1\r\n}"})";

constexpr std::string_view kDynamoDbBatch = R"({"Records": [
  {"eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
   "awsRegion": "us-east-1",
   "dynamodb": {"ApproximateCreationDateTime": 1480642020,
     "Keys": {"id": {"S": "a"}},
     "NewImage": {"id": {"S": "a"}, "version": {"N": "1714000000000001"},
                  "price": {"N": "12345678901234567890.123456789"}},
     "SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"},
   "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/items/stream/2024-01-01T00:00:00.000"},
  {"eventID": "2", "eventName": "MODIFY", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
   "awsRegion": "us-east-1",
   "dynamodb": {"ApproximateCreationDateTime": 1480642021, "Keys": {"id": {"S": "a"}},
     "NewImage": {"id": {"S": "a"}, "version": {"N": "2"}},
     "OldImage": {"id": {"S": "a"}, "version": {"N": "1"}},
     "SequenceNumber": "222", "SizeBytes": 40, "StreamViewType": "NEW_AND_OLD_IMAGES"},
   "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/items/stream/2024-01-01T00:00:00.000"},
  {"eventID": "3", "eventName": "REMOVE", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
   "awsRegion": "us-east-1",
   "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
   "dynamodb": {"ApproximateCreationDateTime": 1480642022, "Keys": {"id": {"S": "a"}},
     "OldImage": {"id": {"S": "a"}, "version": {"N": "2"}},
     "SequenceNumber": "333", "SizeBytes": 20, "StreamViewType": "NEW_AND_OLD_IMAGES"},
   "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/items/stream/2024-01-01T00:00:00.000"}
]})";

TEST(HttpApiRequest, ParsesTheMinimalEvent) {
  auto request = parse_http_api_request(kHttpApiMinimal);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->version, "2.0");
  EXPECT_EQ(request->raw_path, "/");
  EXPECT_EQ(request->request_context.http.method, "GET");
  EXPECT_EQ(request->request_context.time_epoch, 1588804615616);
  EXPECT_EQ(request->request_context.request_id, "MIZRNhJtIAMEMDw=");
  EXPECT_FALSE(request->body.has_value());
  EXPECT_TRUE(request->cookies.empty());
  EXPECT_TRUE(request->request_context.authorizer.is_null());
  EXPECT_EQ(find_header(request->headers, "X-Amzn-Trace-Id"),
            std::optional<std::string_view>("Root=1-5eb33c07-de25b420912dee103a5db434"));
  EXPECT_EQ(find_header(request->headers, "missing"), std::nullopt);
}

TEST(HttpApiRequest, KeepsCookiesQueryAndAuthorizer) {
  auto request = parse_http_api_request(kHttpApiWithJwt);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->cookies, (std::vector<std::string>{"cookie1=value1", "cookie2=value2"}));
  EXPECT_EQ(request->query_string_parameters.at("parameter1"), "value1,value2");
  EXPECT_EQ(request->path_parameters.at("parameter1"), "value1");
  EXPECT_EQ(request->stage_variables.at("stageVariable1"), "value1");
  EXPECT_EQ(request->body, std::optional<std::string>("Hello from Lambda"));
  const json::Value* jwt = request->request_context.authorizer.find("jwt");
  ASSERT_NE(jwt, nullptr);
  EXPECT_EQ(jwt->find("scopes")->as_array().size(), 2U);
  expect_round_trip(parse_json(kHttpApiWithJwt),
                    [](const json::Value& v) { return read_http_api_request(v); });
}

TEST(HttpApiRequest, DecodesBase64Bodies) {
  HttpApiRequest request;
  request.body =
      encode_base64(std::string("\x00\x01\xFF"
                                "binary",
                                9));
  request.is_base64_encoded = true;
  auto body = decoded_body(request);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, std::string("\x00\x01\xFF"
                               "binary",
                               9));
  request.body = "not base64!";
  auto bad = decoded_body(request);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "body");
  request.is_base64_encoded = false;
  EXPECT_EQ(*decoded_body(request), "not base64!");
}

TEST(RestApiRequest, AcceptsNullMapsAndBody) {
  auto request = parse_rest_api_request(kRestApiConsoleTest);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->http_method, "POST");
  EXPECT_EQ(request->path, "/myPath");
  EXPECT_TRUE(request->headers.empty());
  EXPECT_TRUE(request->multi_value_headers.empty());
  EXPECT_TRUE(request->path_parameters.empty());
  EXPECT_EQ(request->body, std::optional<std::string>("{\r\n\t\"a\": 1\r\n}"));
  EXPECT_EQ(request->request_context.identity.source_ip, "test-invoke-source-ip");
  EXPECT_EQ(request->request_context.identity.cognito_identity_id, "");
  EXPECT_EQ(request->request_context.request_time_epoch, 1645190592806);

  json::Value no_body = parse_json(kRestApiConsoleTest);
  no_body.set("body", nullptr);
  auto without = read_rest_api_request(no_body);
  ASSERT_TRUE(without);
  EXPECT_FALSE(without->body.has_value());
  EXPECT_EQ(*decoded_body(*without), "");
  expect_round_trip(no_body, [](const json::Value& v) { return read_rest_api_request(v); });
}

TEST(RestApiRequest, KeepsMultiValueHeadersAndQuery) {
  auto request = parse_rest_api_request(kRestApiMultiValue);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->multi_value_headers.at("headerName"),
            (std::vector<std::string>{"headerValue", "headerValue2"}));
  EXPECT_EQ(request->headers.at("headerName"), "headerValue2");
  EXPECT_EQ(request->multi_value_query_string_parameters.at("name"),
            (std::vector<std::string>{"me", "me2"}));
  EXPECT_EQ(request->request_context.authorizer.find("clientId")->as_number().text, "1");
  expect_round_trip(parse_json(kRestApiMultiValue),
                    [](const json::Value& v) { return read_rest_api_request(v); });
}

TEST(HttpResponse, SerializesBothFormats) {
  HttpResponse response;
  response.status_code = 201;
  response.headers = {{"content-type", "application/json"}};
  response.cookies = {"a=1; Secure", "b=2"};
  response.body = R"({"id":"a"})";
  EXPECT_EQ(serialize(response),
            R"({"statusCode":201,"headers":{"content-type":"application/json"},)"
            R"("cookies":["a=1; Secure","b=2"],"body":"{\"id\":\"a\"}","isBase64Encoded":false})");
  HttpResponse v1;
  v1.status_code = 404;
  v1.multi_value_headers = {{"Set-Cookie", {"a=1", "b=2"}}};
  EXPECT_EQ(serialize(v1), R"({"statusCode":404,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},)"
                           R"("body":"","isBase64Encoded":false})");
  for (const auto& r : {response, v1}) {
    auto back = parse_http_response(serialize(r));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, r);
  }
}

TEST(HttpResponse, SerializesAsItsJsonTreeDoes) {
  HttpResponse all;
  all.status_code = 599;
  all.headers = {{"b\"q", "v\\1\n"}, {"a", ""}, {"etag", "\"17\""}};
  all.multi_value_headers = {{"x", {}}, {"y", {"1", "\x01"}}};
  all.cookies = {"c=\t"};
  all.body = std::string("{\"k\":\"\x1f\\u00e9\"}\r") + "\xc3\xa9";
  all.is_base64_encoded = true;
  for (const HttpResponse& r : {HttpResponse{}, all}) {
    EXPECT_EQ(serialize(r), json::serialize(to_json(r)));
  }
}

TEST(DynamoDbEvent, ParsesInsertModifyRemoveWithExactNumbers) {
  auto event = parse_dynamodb_event(kDynamoDbBatch);
  ASSERT_TRUE(event) << event.error().message;
  ASSERT_EQ(event->records.size(), 3U);
  const auto& insert = event->records[0];
  EXPECT_EQ(insert.event_name, StreamEventName::insert);
  EXPECT_EQ(insert.dynamodb.sequence_number, "111");
  EXPECT_EQ(insert.dynamodb.size_bytes, 26);
  EXPECT_EQ(insert.dynamodb.approximate_creation_date_time, json::Number{"1480642020"});
  EXPECT_EQ(insert.dynamodb.new_image.find("price")->find("N")->as_string(),
            "12345678901234567890.123456789");
  EXPECT_TRUE(insert.dynamodb.old_image.is_null());
  EXPECT_FALSE(insert.is_ttl_delete());
  EXPECT_EQ(event->records[1].event_name, StreamEventName::modify);
  EXPECT_FALSE(event->records[1].dynamodb.old_image.is_null());
  const auto& remove = event->records[2];
  EXPECT_EQ(remove.event_name, StreamEventName::remove);
  EXPECT_TRUE(remove.dynamodb.new_image.is_null());
  EXPECT_TRUE(remove.is_ttl_delete());
  expect_round_trip(parse_json(kDynamoDbBatch),
                    [](const json::Value& v) { return read_dynamodb_event(v); });
}

TEST(DynamoDbEvent, ToleratesMissingOptionalMembers) {
  auto record = read_dynamodb_record(parse_json(
      R"({"eventName": "REMOVE", "userIdentity": null, "dynamodb": {"Keys": {"id": {"S": "x"}}}})"));
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_FALSE(record->user_identity.has_value());
  EXPECT_FALSE(record->dynamodb.approximate_creation_date_time.has_value());
  EXPECT_EQ(record->dynamodb.sequence_number, "");
  EXPECT_FALSE(record->is_ttl_delete());
}

TEST(DynamoDbEvent, MovingReaderTakesTheImagesAndReadsTheSame) {
  const json::Value batch = parse_json(kDynamoDbBatch);
  for (const json::Value& record : batch.find("Records")->as_array()) {
    auto copied = read_dynamodb_record(record);
    json::Value owned = record;
    auto moved = read_dynamodb_record(std::move(owned));
    ASSERT_TRUE(copied && moved);
    EXPECT_EQ(*moved, *copied);
    const json::Value& db = *owned.find("dynamodb");  // left with everything but the images
    EXPECT_EQ(db.get_string("SequenceNumber"), copied->dynamodb.sequence_number);
    for (const char* image : {"Keys", "NewImage", "OldImage"}) {
      EXPECT_TRUE(db.find(image) == nullptr || db.find(image)->is_null()) << image;
    }
  }
  auto bad =
      read_dynamodb_record(parse_json(R"({"eventName":"INSERT","dynamodb":{"OldImage":[]}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "dynamodb.OldImage: expected an object, got an array");
}

TEST(BatchResponse, SerializesAndParses) {
  BatchResponse response{{{"111"}, {"333"}}};
  EXPECT_EQ(serialize(response),
            R"({"batchItemFailures":[{"itemIdentifier":"111"},{"itemIdentifier":"333"}]})");
  EXPECT_EQ(serialize(BatchResponse{}), R"({"batchItemFailures":[]})");
  auto back = parse_batch_response(serialize(response));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, response);
  auto bad = parse_batch_response(R"({"batchItemFailures":[{"itemIdentifier":7}]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "batchItemFailures[0].itemIdentifier: expected a string, got a number");
}

// ---- Strict about types: the error names the field ----

struct BadEvent {
  std::string name;
  std::string json;
  std::string expected_message;
};

void PrintTo(const BadEvent& bad, std::ostream* out) {
  *out << bad.name;
}

class HttpApiTypeErrors : public ::testing::TestWithParam<BadEvent> {};

TEST_P(HttpApiTypeErrors, NameTheField) {
  auto request = parse_http_api_request(GetParam().json);
  ASSERT_FALSE(request);
  EXPECT_EQ(request.error().message, GetParam().expected_message);
}

INSTANTIATE_TEST_SUITE_P(
    Events, HttpApiTypeErrors,
    ::testing::Values(
        BadEvent{"method_number", R"({"rawPath":"/","requestContext":{"http":{"method":7}}})",
                 "requestContext.http.method: expected a string, got a number"},
        BadEvent{"headers_string",
                 R"({"rawPath":"/","headers":"a","requestContext":{"http":{"method":"GET"}}})",
                 "headers: expected an object, got a string"},
        BadEvent{"header_value_number",
                 R"({"rawPath":"/","headers":{"x":1},"requestContext":{"http":{"method":"GET"}}})",
                 "headers.x: expected a string, got a number"},
        BadEvent{"context_string", R"({"rawPath":"/","requestContext":"ctx"})",
                 "requestContext: expected an object, got a string"},
        BadEvent{"no_context", R"({"rawPath":"/"})", "requestContext: required object is missing"},
        BadEvent{"no_path", R"({"requestContext":{"http":{"method":"GET"}}})",
                 "rawPath: required string is missing"},
        BadEvent{"cookies_object",
                 R"({"rawPath":"/","cookies":{},"requestContext":{"http":{"method":"GET"}}})",
                 "cookies: expected an array, got an object"},
        BadEvent{
            "base64_flag_string",
            R"({"rawPath":"/","isBase64Encoded":"no","requestContext":{"http":{"method":"GET"}}})",
            "isBase64Encoded: expected a boolean, got a string"},
        BadEvent{"time_epoch_fraction",
                 R"({"rawPath":"/","requestContext":{"timeEpoch":1.5,"http":{"method":"GET"}}})",
                 "requestContext.timeEpoch: expected an integer, got 1.5"},
        BadEvent{"rest_event", R"({"version":"1.0","path":"/","httpMethod":"GET"})",
                 "version: expected \"2.0\" (HTTP API payload format 2.0), got \"1.0\"; a REST API "
                 "event needs parse_rest_api_request"},
        BadEvent{"not_an_object", R"(["a"])", "event: expected an object, got an array"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(EventErrors, InvalidJsonSaysSo) {
  auto request = parse_http_api_request(std::string_view(R"({"rawPath":)"));
  ASSERT_FALSE(request);
  EXPECT_EQ(request.error().message.rfind("event is not valid JSON: ", 0), 0U)
      << request.error().message;
}

TEST(EventErrors, RestApiFieldsAreTyped) {
  auto multi = parse_rest_api_request(
      std::string_view(R"({"path":"/","httpMethod":"GET","multiValueHeaders":{"a":"b"}})"));
  ASSERT_FALSE(multi);
  EXPECT_EQ(multi.error().message,
            "multiValueHeaders.a: expected an array of strings, got a string");
  auto identity = parse_rest_api_request(std::string_view(
      R"({"path":"/","httpMethod":"GET","requestContext":{"identity":{"sourceIp":1}}})"));
  ASSERT_FALSE(identity);
  EXPECT_EQ(identity.error().field, "requestContext.identity.sourceIp");
  auto v2 = parse_rest_api_request(std::string_view(kHttpApiMinimal));
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().field, "version");
}

TEST(EventErrors, DynamoDbFieldsAreTyped) {
  auto image = parse_dynamodb_event(std::string_view(
      R"({"Records":[{"eventName":"INSERT","dynamodb":{}},{"eventName":"INSERT","dynamodb":{"NewImage":"x"}}]})"));
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message,
            "Records[1].dynamodb.NewImage: expected an object, got a string");
  auto name = parse_dynamodb_event(
      std::string_view(R"({"Records":[{"eventName":"UPSERT","dynamodb":{}}]})"));
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().message,
            "Records[0].eventName: expected INSERT, MODIFY or REMOVE, got \"UPSERT\"");
  auto records = parse_dynamodb_event(std::string_view(R"({"Records":{}})"));
  ASSERT_FALSE(records);
  EXPECT_EQ(records.error().message, "Records: expected an array, got an object");
  auto missing = parse_dynamodb_event(std::string_view(R"({})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "Records: required array is missing");
  auto no_db = read_dynamodb_record(parse_json(R"({"eventName":"INSERT"})"));
  ASSERT_FALSE(no_db);
  EXPECT_EQ(no_db.error().message, "dynamodb: required object is missing");
  auto size =
      read_dynamodb_record(parse_json(R"({"eventName":"INSERT","dynamodb":{"SizeBytes":"9"}})"));
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().message, "dynamodb.SizeBytes: expected a number, got a string");
}

TEST(EventErrors, ResponseStatusIsRequiredAndValid) {
  auto missing = parse_http_response(std::string_view(R"({"body":"x"})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "statusCode: required integer is missing");
  auto range = parse_http_response(std::string_view(R"({"statusCode":42})"));
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().message,
            "statusCode: expected an HTTP status between 100 and 599, got 42");
  auto body = parse_http_response(std::string_view(R"({"statusCode":200,"body":{}})"));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().message, "body: expected a string, got an object");
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (std::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(decode_base64(encode_base64(text)), std::optional<std::string>(text));
  }
  EXPECT_EQ(encode_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encode_base64("fo"), "Zm8=");
  EXPECT_EQ(decode_base64("AAEqQQ=="), std::optional<std::string>(std::string("\x00\x01"
                                                                              "*A",
                                                                              4)));
  EXPECT_EQ(decode_base64("Zm9=v"), std::nullopt);
  EXPECT_EQ(decode_base64("Zm=v"), std::nullopt);
  EXPECT_EQ(decode_base64("Zm9"), std::nullopt);
  EXPECT_EQ(decode_base64("Zm9*"), std::nullopt);
}

// ---- The shared fixtures: every file must parse as what it is, and round-trip ----

enum class Kind { http_api, rest_api, response, dynamodb_event, dynamodb_record };

// What a fixture is, from its content (the files are named by their origin, not their type).
std::optional<Kind> classify(const json::Value& event) {
  if (!event.is_object()) return std::nullopt;
  if (event.find("Records") != nullptr) return Kind::dynamodb_event;
  if (event.find("eventName") != nullptr && event.find("dynamodb") != nullptr) {
    return Kind::dynamodb_record;
  }
  if (event.find("statusCode") != nullptr) return Kind::response;
  if (event.get_string("version") == std::optional<std::string_view>("2.0")) return Kind::http_api;
  if (event.find("httpMethod") != nullptr) return Kind::rest_api;
  return std::nullopt;
}

fs::path fixtures_dir() {
  const char* source = std::getenv("STREAMCACHE_SOURCE_DIR");
  if (source == nullptr) return {};
  return fs::path(source) / ".." / "shared" / "testdata" / "lambda-events";
}

TEST(SharedFixtures, EveryFileParsesAndRoundTrips) {
  const fs::path dir = fixtures_dir();
  if (dir.empty() || !fs::is_directory(dir)) {
    GTEST_SKIP() << "no fixture directory at " << dir << " (STREAMCACHE_SOURCE_DIR/../shared)";
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 24U) << "fixtures missing from " << dir;
  std::map<Kind, int> counts;
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const json::Value event = parse_json(read_file(file));
    const auto kind = classify(event);
    ASSERT_TRUE(kind.has_value()) << "unrecognised event shape";
    ++counts[*kind];
    switch (*kind) {
      case Kind::http_api:
        expect_round_trip(event, [](const json::Value& v) { return read_http_api_request(v); });
        break;
      case Kind::rest_api:
        expect_round_trip(event, [](const json::Value& v) { return read_rest_api_request(v); });
        break;
      case Kind::response:
        expect_round_trip(event, [](const json::Value& v) { return read_http_response(v); });
        break;
      case Kind::dynamodb_event:
        expect_round_trip(event, [](const json::Value& v) { return read_dynamodb_event(v); });
        break;
      case Kind::dynamodb_record:
        expect_round_trip(event, [](const json::Value& v) { return read_dynamodb_record(v); });
        break;
    }
  }
  EXPECT_GE(counts[Kind::http_api], 10);
  EXPECT_GE(counts[Kind::rest_api], 8);
  EXPECT_EQ(counts[Kind::response], 1);
  EXPECT_EQ(counts[Kind::dynamodb_event], 1);
  EXPECT_EQ(counts[Kind::dynamodb_record], 1);
}

TEST(SharedFixtures, SpotChecks) {
  const fs::path dir = fixtures_dir();
  if (dir.empty() || !fs::is_directory(dir)) GTEST_SKIP() << "no fixture directory";

  auto url = parse_http_api_request(read_file(dir / "lambda_function_url_request.json"));
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->request_context.domain_name, "id.lambda-url.eu-west-2.on.aws");
  EXPECT_EQ(url->cookies, std::vector<std::string>{"test=hi"});

  auto iam = parse_http_api_request(read_file(dir / "example-apigw-v2-request-iam.json"));
  ASSERT_TRUE(iam) << iam.error().message;
  EXPECT_EQ(iam->request_context.authorizer.find("iam")->get_string("userId"),
            std::optional<std::string_view>("AROA2ZJZYVRE7Y3TUXHH6"));
  EXPECT_FALSE(iam->request_context.authentication.is_null());

  auto sam = parse_http_api_request(read_file(dir / "apigw_v2_sam_local.json"));
  ASSERT_TRUE(sam) << sam.error().message;
  EXPECT_TRUE(sam->stage_variables.empty());
  EXPECT_EQ(sam->body, std::optional<std::string>(""));

  auto rest = parse_rest_api_request(read_file(dir / "example-apigw-sam-rest-request.json"));
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_FALSE(rest->body.has_value());
  EXPECT_TRUE(rest->path_parameters.empty());
  EXPECT_EQ(rest->multi_value_headers.at("Host"), std::vector<std::string>{"127.0.0.1:3000"});

  auto streams = parse_dynamodb_event(read_file(dir / "example-dynamodb-event.json"));
  ASSERT_TRUE(streams) << streams.error().message;
  ASSERT_EQ(streams->records.size(), 2U);
  EXPECT_EQ(
      streams->records[0].user_identity,
      (std::optional<StreamUserIdentity>(StreamUserIdentity{"Service", "dynamodb.amazonaws.com"})));
  EXPECT_EQ(streams->records[1]
                .dynamodb.new_image.find("Map")
                ->find("M")
                ->find("Age")
                ->find("N")
                ->as_string(),
            "35");

  auto response = parse_http_response(read_file(dir / "example-apigw-response.json"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status_code, 200);
  EXPECT_EQ(response->body, "Hello World");
  EXPECT_EQ(response->multi_value_headers.at("Accept-Language"),
            std::vector<std::string>{"en-US,en;q=0.8"});
}

}  // namespace
}  // namespace streamcache::lambda::events
