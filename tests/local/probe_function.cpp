// A function for streamcache-local's tests (never shipped). Over HTTP (payload 2.0), the path
// says what to do: /sleep/<ms>, /crash, /throw, /malformed, /big (a 7 MB response), /plain (JSON
// without statusCode), /status/<code>, /env (Lambda's variables and the pid); anything else echoes
// the event in the body. For a stream batch it appends each record's "id" and sequence number to
// $PROBE_LOG, and reports the record whose NewImage has "fail" as a batch item failure, or throws
// when one has "crash".
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <unistd.h>

#include "json/json.h"
#include "lambda/runtime.h"

namespace {

namespace json = streamcache::json;
namespace lambda = streamcache::lambda;

lambda::Response http(const json::Value& event, const std::string& payload) {
  const std::string path(event.get_string("rawPath").value_or("/"));
  if (path.starts_with("/sleep/")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(path.c_str() + 7)));
  } else if (path == "/crash") {
    ::_exit(3);
  } else if (path == "/throw") {
    throw std::runtime_error("probe was asked to throw");
  } else if (path == "/malformed") {
    return lambda::Response::success(R"({"statusCode":"teapot"})");
  } else if (path == "/big") {
    return lambda::Response::success(R"({"statusCode":200,"body":")" +
                                     std::string(7 * 1024 * 1024, 'x') + "\"}");
  } else if (path == "/env") {
    json::Value env = json::Object{};
    for (const char* name : {"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                             "AWS_LAMBDA_FUNCTION_VERSION", "AWS_REGION", "LAMBDA_TASK_ROOT",
                             "_HANDLER", "TZ", "TABLE_NAME", "AWS_ACCESS_KEY_ID", "HOME",
                             "_X_AMZN_TRACE_ID", "AWS_XRAY_DAEMON_ADDRESS"}) {
      const char* value = std::getenv(name);
      env.set(name, value != nullptr ? json::Value(value) : json::Value());
    }
    env.set("pid", json::Value::integer(::getpid()));
    return lambda::Response::success(json::serialize(env));
  } else if (path == "/plain") {
    return lambda::Response::success(R"({"hello":"world"})");
  } else if (path.starts_with("/status/")) {
    return lambda::Response::success(R"({"statusCode":)" + path.substr(8) +
                                     R"(,"headers":{"x-probe":"yes"},"cookies":["a=1","b=2"],)"
                                     R"("body":"aGVsbG8=","isBase64Encoded":true})");
  }
  json::Value out = json::Object{};
  out.set("statusCode", json::Value::integer(200));
  out.set("body", payload);
  return lambda::Response::success(json::serialize(out));
}

lambda::Response stream(const json::Value& event) {
  const char* log_file = std::getenv("PROBE_LOG");
  std::ofstream log(log_file != nullptr ? log_file : "/dev/null", std::ios::app);
  json::Array failures;
  for (const auto& record : event.find("Records")->as_array()) {
    const json::Value* d = record.find("dynamodb");
    const std::string seq(d->get_string("SequenceNumber").value_or(""));
    const json::Value* image = d->find("NewImage");
    const json::Value* id = d->find("Keys") != nullptr ? d->find("Keys")->find("id") : nullptr;
    const std::string id_text(id != nullptr ? id->get_string("S").value_or("") : "");
    if (image != nullptr && image->find("crash") != nullptr) {
      log << "crash " << id_text << ' ' << seq << '\n';
      log.flush();
      throw std::runtime_error("record asks to crash");
    }
    if (image != nullptr && image->find("fail") != nullptr) {
      json::Value f = json::Object{};
      f.set("itemIdentifier", seq);
      failures.push_back(std::move(f));
      log << "fail " << id_text << ' ' << seq << '\n';
      continue;
    }
    log << "ok " << id_text << ' ' << seq << '\n';
  }
  json::Value out = json::Object{};
  out.set("batchItemFailures", std::move(failures));
  return lambda::Response::success(json::serialize(out));
}

lambda::Response handle(const lambda::Invocation& in) {
  auto event = json::parse(in.payload);
  if (!event || !event->is_object()) return lambda::Response::success(in.payload);
  if (event->find("Records") != nullptr) return stream(*event);
  return http(*event, in.payload);
}

}  // namespace

int main() {
  if (std::getenv("PROBE_INIT_FAIL") != nullptr) {
    return lambda::run_with_init([]() -> streamcache::Expected<lambda::Handler, lambda::ErrorInfo> {
      return streamcache::unexpected(lambda::ErrorInfo{"probe init fails", "ProbeInitError"});
    });
  }
  return lambda::run(handle);
}
