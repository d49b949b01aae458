#include "local/config.h"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "json/json.h"

namespace streamcache::local {

namespace {

using json::Value;

std::string type_name(const Value& v) {
  return std::string(json::type_name(v.type()));
}

// Reads one JSON object; the first error wins and names its path. Unknown members are errors too
// (a typo such as "batchsize" must not be silently ignored).
class Reader {
 public:
  Reader(const Value* object, std::string path, const EnvLookup& env, std::string& error)
      : object_(object), path_(std::move(path)), env_(env), error_(error) {
    if (object_ != nullptr && !object_->is_object()) {
      fail_at(path_, "expected an object, got " + type_name(*object_));
      object_ = nullptr;
    }
  }
  ~Reader() {
    if (object_ == nullptr || !error_.empty()) return;
    for (const auto& member : object_->as_object()) {
      if (!known_.contains(member.name)) {
        fail_at(child(member.name), "unknown setting (check the spelling; see docs/local.md)");
        return;
      }
    }
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  [[nodiscard]] bool present() const { return object_ != nullptr; }
  [[nodiscard]] std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  void fail(std::string_view key, const std::string& message) { fail_at(child(key), message); }

  const Value* member(std::string_view key) {
    known_.insert(std::string(key));
    if (object_ == nullptr) return nullptr;
    const Value* v = object_->find(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  void string(std::string_view key, std::string& out) {
    const Value* v = member(key);
    if (v == nullptr) return;
    if (!v->is_string()) return fail(key, "expected a string, got " + type_name(*v));
    auto expanded = expand_variables(v->as_string(), env_);
    if (!expanded) return fail(key, expanded.error());
    out = std::move(*expanded);
  }

  void boolean(std::string_view key, bool& out) {
    const Value* v = member(key);
    if (v == nullptr) return;
    if (v->is_bool()) {
      out = v->as_bool();
      return;
    }
    if (v->is_string()) {  // "${VAR:-true}" comes in as a string
      std::string text;
      string(key, text);
      if (text == "true" || text == "false") {
        out = text == "true";
        return;
      }
    }
    fail(key, "expected true or false");
  }

  // A whole number in [min, max]; strings holding numbers are accepted for ${VAR} expansion.
  void integer(std::string_view key, int& out, long long min, long long max) {
    const Value* v = member(key);
    if (v == nullptr) return;
    std::string text;
    if (v->is_number()) {
      text = v->as_number().text;
    } else if (v->is_string()) {
      string(key, text);
    } else {
      return fail(key, "expected a number, got " + type_name(*v));
    }
    long long n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return fail(key, "expected a whole number, got \"" + text + "\"");
    }
    if (n < min || n > max) {
      return fail(key, "must be from " + std::to_string(min) + " to " + std::to_string(max) +
                           ", got " + text);
    }
    out = static_cast<int>(n);
  }

  void string_map(std::string_view key, std::map<std::string, std::string>& out) {
    const Value* v = member(key);
    if (v == nullptr) return;
    if (!v->is_object()) return fail(key, "expected an object of strings, got " + type_name(*v));
    for (const auto& m : v->as_object()) {
      if (!m.value.is_string()) {
        return fail_at(child(key) + "." + m.name, "expected a string, got " + type_name(m.value));
      }
      auto expanded = expand_variables(m.value.as_string(), env_);
      if (!expanded) return fail_at(child(key) + "." + m.name, expanded.error());
      out[m.name] = std::move(*expanded);
    }
  }

  void string_list(std::string_view key, std::vector<std::string>& out) {
    const Value* v = member(key);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(key, "expected an array of strings, got " + type_name(*v));
    out.clear();
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
      const Value& e = v->as_array()[i];
      if (!e.is_string()) {
        return fail_at(child(key) + "[" + std::to_string(i) + "]",
                       "expected a string, got " + type_name(e));
      }
      out.push_back(e.as_string());
    }
  }

 private:
  void fail_at(const std::string& path, const std::string& message) {
    if (error_.empty()) error_ = path + ": " + message;
  }

  const Value* object_;
  std::string path_;
  const EnvLookup& env_;
  std::string& error_;
  std::set<std::string, std::less<>> known_;
};

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& text) {
  if (text.empty()) return {};
  std::filesystem::path p(text);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

bool valid_route_key(const std::string& key) {
  if (key == "$default") return true;
  static constexpr std::string_view kMethods[] = {"ANY",   "GET",  "HEAD", "OPTIONS",
                                                  "PATCH", "POST", "PUT",  "DELETE"};
  const auto space = key.find(' ');
  if (space == std::string::npos || space + 1 >= key.size() || key[space + 1] != '/') return false;
  const std::string_view method(key.data(), space);
  bool known = false;
  for (auto m : kMethods)
    known = known || m == method;
  return known && key.find_first_of(" \t", space + 1) == std::string::npos;
}

// The monitor's own settings beside its sizing (infra/modules/monitor's `check`).
struct MonitorSettings {
  int schedule_seconds = 60;
  int sample_size = 50;
  int grace_seconds = 30;
};

void read_function(Reader& root, const std::string& key, const std::string& name,
                   const std::filesystem::path& base, int default_timeout,
                   std::optional<FunctionConfig>& out, const EnvLookup& env, std::string& error,
                   MonitorSettings* monitor = nullptr) {
  std::string code_path;
  {
    Reader code(root.member("code"), root.child("code"), env, error);
    code.member("api");  // both keys are known to each pass
    code.member("stream_handler");
    code.member("monitor");
    Reader fn(code.member(key), code.child(key), env, error);
    fn.string("path", code_path);
    std::string ignored;  // Terraform's S3 fields may be copied in; they mean nothing locally
    fn.string("s3_bucket", ignored);
    fn.string("s3_key", ignored);
    fn.string("s3_object_version", ignored);
    fn.string("source_code_hash", ignored);
    // The monitor is optional: an empty path (an unset ${STREAMCACHE_MONITOR_CODE:-}) leaves it
    // out.
    if (fn.present() && code_path.empty() && error.empty() && monitor == nullptr) {
      fn.fail("path", "required: the function's zip, bootstrap, or directory");
    }
  }
  FunctionConfig f;
  f.key = key;
  f.name = name;
  int timeout_seconds = default_timeout;
  Reader sizing(root.member(key), key, env, error);
  sizing.integer("memory_size", f.memory_size, 128, 10240);
  sizing.integer("timeout", timeout_seconds, 1, 900);
  sizing.integer("reserved_concurrency", f.reserved_concurrency, -1, 1000);
  sizing.string("handler", f.handler);
  if (monitor != nullptr) {
    sizing.integer("schedule_seconds", monitor->schedule_seconds, 1, 86400);
    sizing.integer("sample_size", monitor->sample_size, 1, 1000);
    sizing.integer("grace_seconds", monitor->grace_seconds, 0, 600);
  }
  f.timeout = std::chrono::seconds(timeout_seconds);
  if (code_path.empty()) return;
  f.code = resolve(base, code_path);
  out = std::move(f);
}

}  // namespace

Expected<std::string, std::string> expand_variables(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {
      out += '$';
      continue;
    }
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return unexpected("unterminated ${ in \"" + std::string(text) + "\"");
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const auto sep = inner.find(":-");
    const std::string_view name = inner.substr(0, sep);
    if (name.empty()) return unexpected("empty variable name in \"" + std::string(text) + "\"");
    auto value = non_empty(env, name);
    if (value) {
      out += *value;
    } else if (sep != std::string_view::npos) {
      out += inner.substr(sep + 2);
    } else {
      return unexpected("${" + std::string(name) +
                        "} is not set (set it, or write ${NAME:-default})");
    }
    i = close;
  }
  return out;
}

Expected<StackConfig, std::string> parse_stack_config(std::string_view json_text,
                                                      const std::filesystem::path& base_dir,
                                                      const EnvLookup& env) {
  auto doc = json::parse(json_text);
  if (!doc) return unexpected("not valid JSON: " + doc.error().message);
  StackConfig c;
  std::string error;
  {
    Reader root(&*doc, "", env, error);
    root.string("name", c.name);
    root.string("region", c.region);
    root.string("account_id", c.account_id);
    if (error.empty() && c.name.empty()) root.fail("name", "must not be empty");

    std::string table_name;
    std::string redis_url;
    std::string redis_auth_token;
    {
      Reader table(root.member("table"), "table", env, error);
      table.string("name", table_name);
      std::string ignored;  // Terraform passes ARNs too; locally they come from the endpoint
      table.string("arn", ignored);
      table.string("stream_arn", c.mapping.event_source_arn);
      table.string("kms_key_arn", ignored);
    }
    {
      Reader cache(root.member("cache"), "cache", env, error);
      cache.string("redis_url", redis_url);
      cache.string("auth_token", redis_auth_token);
      std::string ignored;
      cache.string("auth_secret_arn", ignored);
      cache.string("auth_secret_kms_key_arn", ignored);
    }
    read_function(root, "api", c.name + "-api", base_dir, 10, c.api, env, error);
    read_function(root, "stream_handler", c.name + "-stream-handler", base_dir, 30,
                  c.stream_handler, env, error);
    MonitorSettings monitor;
    read_function(root, "monitor", c.name + "-monitor", base_dir, 90, c.monitor, env, error,
                  &monitor);
    c.monitor_schedule = std::chrono::seconds(monitor.schedule_seconds);

    // The environment both functions read, exactly as the functions module builds it.
    std::map<std::string, std::string> common;
    root.string_map("environment_variables", common);
    for (const auto& [k, v] : common) {
      if (k.starts_with("AWS_LAMBDA_") || k == "AWS_REGION" || k == "AWS_ACCESS_KEY_ID" ||
          k == "AWS_SECRET_ACCESS_KEY" || k == "AWS_SESSION_TOKEN" || k == "LAMBDA_TASK_ROOT" ||
          k == "_HANDLER" || k == "TABLE_NAME" || k == "REDIS_URL") {
        root.fail("environment_variables." + k,
                  "reserved (set by Lambda or by a dedicated setting such as table.name)");
      }
    }
    int cache_ttl = 300;
    int tombstone_ttl = 7200;
    int negative_ttl = 30;
    bool write_through = true;
    std::string log_level = "info";
    {
      Reader settings(root.member("settings"), "settings", env, error);
      settings.integer("cache_ttl_seconds", cache_ttl, 1, 1LL << 31);
      settings.integer("tombstone_ttl_seconds", tombstone_ttl, 1, 1LL << 31);
      settings.integer("negative_ttl_seconds", negative_ttl, 1, 1LL << 31);
      settings.boolean("cache_write_through", write_through);
      settings.string("log_level", log_level);
      if (error.empty() && log_level != "trace" && log_level != "debug" && log_level != "info" &&
          log_level != "warn" && log_level != "error") {
        settings.fail("log_level",
                      "must be trace, debug, info, warn or error, got \"" + log_level + "\"");
      }
    }
    if (!table_name.empty()) common["TABLE_NAME"] = table_name;
    if (!redis_url.empty()) common["REDIS_URL"] = redis_url;
    if (!redis_auth_token.empty()) common["REDIS_AUTH_TOKEN"] = redis_auth_token;
    common["CACHE_TTL_SECONDS"] = std::to_string(cache_ttl);
    common["TOMBSTONE_TTL_SECONDS"] = std::to_string(tombstone_ttl);
    common["NEGATIVE_TTL_SECONDS"] = std::to_string(negative_ttl);
    common["CACHE_WRITE_THROUGH"] = write_through ? "true" : "false";
    common["LOG_LEVEL"] = log_level;

    {
      Reader m(root.member("event_source_mapping"), "event_source_mapping", env, error);
      auto& mc = c.mapping;
      mc.table = table_name;
      m.boolean("create", mc.create);
      m.boolean("enabled", mc.enabled);
      m.integer("batch_size", mc.batch_size, 1, 10000);
      int window = 0;
      m.integer("maximum_batching_window_in_seconds", window, 0, 300);
      mc.maximum_batching_window = std::chrono::seconds(window);
      int parallelization = 1;  // accepted for the Terraform shape; locally one poller per shard
      m.integer("parallelization_factor", parallelization, 1, 10);
      m.integer("maximum_retry_attempts", mc.maximum_retry_attempts, -1, 10000);
      m.integer("maximum_record_age_in_seconds", mc.maximum_record_age_seconds, -1, 604800);
      if (error.empty() && mc.maximum_record_age_seconds >= 0 &&
          mc.maximum_record_age_seconds < 60) {
        m.fail("maximum_record_age_in_seconds", "must be -1 or from 60 to 604800, got " +
                                                    std::to_string(mc.maximum_record_age_seconds));
      }
      std::string position = "TRIM_HORIZON";
      m.string("starting_position", position);
      if (position == "LATEST") {
        mc.starting_position = StartingPosition::latest;
      } else if (position != "TRIM_HORIZON" && error.empty()) {
        m.fail("starting_position", "must be TRIM_HORIZON or LATEST, got \"" + position + "\"");
      }
      std::vector<std::string> types = {"ReportBatchItemFailures"};
      m.string_list("function_response_types", types);
      mc.report_batch_item_failures = false;
      for (const auto& t : types) {
        if (t == "ReportBatchItemFailures") {
          mc.report_batch_item_failures = true;
        } else if (error.empty()) {
          m.fail("function_response_types",
                 "only ReportBatchItemFailures exists, got \"" + t + "\"");
        }
      }
      m.boolean("bisect_batch_on_function_error", mc.bisect_batch_on_function_error);
      std::string on_failure;
      m.string("on_failure_destination", on_failure);
      mc.on_failure_file = resolve(base_dir, on_failure);
    }
    {
      Reader h(root.member("http_api"), "http_api", env, error);
      std::string listen = "127.0.0.1:8080";
      h.string("listen", listen);
      const auto colon = listen.rfind(':');
      int port = -1;
      if (colon != std::string::npos) {
        const auto [end, ec] =
            std::from_chars(listen.data() + colon + 1, listen.data() + listen.size(), port);
        if (ec != std::errc() || end != listen.data() + listen.size()) port = -1;
      }
      if (error.empty() && (colon == std::string::npos || colon == 0 || port < 0 || port > 65535)) {
        h.fail("listen", "expected host:port such as 127.0.0.1:8080, got \"" + listen + "\"");
      } else {
        c.http_api.host = listen.substr(0, colon);
        c.http_api.port = port;
      }
      // Like Terraform's HTTP API: every request reaches the function, which answers 404/405.
      c.http_api.routes = {"$default"};
      h.string_list("routes", c.http_api.routes);
      std::set<std::string> seen;
      for (const auto& r : c.http_api.routes) {
        if (!error.empty()) break;
        if (!valid_route_key(r)) {
          h.fail("routes", "\"" + r + "\" is not a route key such as \"GET /items/{id}\"");
        } else if (!seen.insert(r).second) {
          h.fail("routes", "\"" + r + "\" is listed twice");
        }
      }
      int integration_ms = 30000;
      h.integer("integration_timeout_ms", integration_ms, 50, 30000);
      c.http_api.integration_timeout = std::chrono::milliseconds(integration_ms);
    }
    {
      Reader l(root.member("local"), "local", env, error);
      l.string("aws_endpoint_url", c.local.aws_endpoint_url);
      l.string("access_key_id", c.local.access_key_id);
      l.string("secret_access_key", c.local.secret_access_key);
      l.string("session_token", c.local.session_token);
      l.integer("max_concurrency", c.local.max_concurrency, 1, 1000);
      int init_s = 10;
      l.integer("init_timeout_seconds", init_s, 1, 900);
      c.local.init_timeout = std::chrono::seconds(init_s);
      int poll_ms = 250;
      l.integer("stream_poll_interval_ms", poll_ms, 10, 60000);
      c.local.stream_poll_interval = std::chrono::milliseconds(poll_ms);
      std::string work_dir = ".local";
      l.string("work_dir", work_dir);
      c.local.work_dir = resolve(base_dir, work_dir);
      l.integer("trace_sampling_percent", c.local.trace_sampling_percent, 0, 100);
    }
    if (!c.local.aws_endpoint_url.empty() && !common.contains("AWS_ENDPOINT_URL")) {
      common["AWS_ENDPOINT_URL"] = c.local.aws_endpoint_url;
    }
    if (c.api) c.api->environment = common;
    if (c.stream_handler) c.stream_handler->environment = common;
    if (c.monitor) {
      c.monitor->environment = common;
      c.monitor->environment["MONITOR_SAMPLE_SIZE"] = std::to_string(monitor.sample_size);
      c.monitor->environment["MONITOR_GRACE_SECONDS"] = std::to_string(monitor.grace_seconds);
    }
    if (error.empty() && c.stream_handler && c.mapping.create && c.mapping.table.empty() &&
        c.mapping.event_source_arn.empty()) {
      root.fail("table", "table.name (or table.stream_arn) is required for event_source_mapping");
    }
  }
  if (!error.empty()) return unexpected(std::move(error));
  return c;
}

Expected<StackConfig, std::string> load_stack_config(const std::filesystem::path& file,
                                                     const EnvLookup& env) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return unexpected(file.string() + ": cannot open (does it exist?)");
  std::ostringstream text;
  text << in.rdbuf();
  auto base = std::filesystem::absolute(file).parent_path();
  auto config = parse_stack_config(text.str(), base, env);
  if (!config) return unexpected(file.string() + ": " + config.error());
  return config;
}

}  // namespace streamcache::local
