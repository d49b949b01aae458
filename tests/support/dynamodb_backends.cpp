#include "support/dynamodb_backends.h"

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "aws/service_client.h"
#include "support/wait.h"

namespace streamcache::testing {
namespace {

// CTest sets STREAMCACHE_SOURCE_DIR; the compiled-in default covers a binary run by hand.
std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("STREAMCACHE_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return STREAMCACHE_SOURCE_DIR_DEFAULT;
}

aws::ClientConfig local_client_config(const std::string& endpoint) {
  aws::ClientConfig config;
  config.region = "us-east-1";
  config.credentials = {"testing", "testing", ""};
  config.endpoint = endpoint;
  config.http.request_timeout = std::chrono::seconds(10);
  return config;
}

json::Value table_request(const std::string& table) {
  json::Value body{json::Object{}};
  body.set("TableName", table);
  return body;
}

// Every table name, following ListTables' pages.
Expected<std::vector<std::string>, aws::Error> list_tables(aws::ServiceClient& client) {
  std::vector<std::string> names;
  std::string start;
  do {
    json::Value body{json::Object{}};
    if (!start.empty()) body.set("ExclusiveStartTableName", start);
    auto page = client.call("ListTables", json::serialize(body));
    if (!page) return unexpected(std::move(page).error());
    if (const auto* list = page->find("TableNames"); list != nullptr && list->is_array()) {
      for (const auto& name : list->as_array())
        names.push_back(name.as_string());
    }
    start = std::string(page->get_string("LastEvaluatedTableName").value_or(""));
  } while (!start.empty());
  return names;
}

}  // namespace

std::filesystem::path DynaliteServer::program() {
  return source_dir() / "tools" / "node" / "node_modules" / ".bin" / "dynalite";
}

bool DynaliteServer::available() {
  std::error_code ignored;
  return std::filesystem::exists(program(), ignored) && find_program("node").has_value();
}

DynaliteServer::DynaliteServer() : dir_(make_log_dir("dynalite")) {
  if (!available()) throw std::runtime_error(std::string(kNotInstalled));
  for (int attempt = 0; attempt < 3; ++attempt) {  // another process may take the free port first
    port_ = free_port();
    // In memory (no --path); 0 ms in CREATING/DELETING/UPDATING, so tests wait for nothing.
    std::vector<std::string> argv = {program().string(),
                                     "--host",
                                     "127.0.0.1",
                                     "--port",
                                     std::to_string(port_),
                                     "--createTableMs",
                                     "0",
                                     "--deleteTableMs",
                                     "0",
                                     "--updateTableMs",
                                     "0"};
    process_ = std::make_unique<Process>(
        Process::Options{argv, dir_ / "dynalite.log", {{"AWS_REGION", "us-east-1"}}, std::nullopt});
    if (wait_until([&] { return !process_->running() || port_open(port_); }) &&
        process_->running()) {
      return;
    }
    std::cerr << "dynalite failed to start on port " << port_ << ":\n"
              << process_->log_tail() << "\n";
  }
  throw std::runtime_error("dynalite did not start (see log above)");
}

DynaliteServer::~DynaliteServer() {
  if (process_) {
    process_->stop();
    report_log_if_failed("dynalite", *process_);
  }
  if (all_tests_passed()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::map<std::string, std::string, std::less<>> DynaliteServer::aws_env() const {
  return {{"AWS_ENDPOINT_URL", endpoint()},
          {"AWS_REGION", "us-east-1"},
          {"AWS_ACCESS_KEY_ID", "testing"},
          {"AWS_SECRET_ACCESS_KEY", "testing"}};
}

void DynaliteServer::reset() const {
  aws::ServiceClient client(aws::dynamodb_service(), local_client_config(endpoint()));
  std::string problem;
  // A deleted table stays DELETING for a moment, and one still CREATING refuses DeleteTable:
  // delete whatever is listed until nothing is.
  const bool empty = wait_until([&] {
    auto tables = list_tables(client);
    if (!tables) {
      problem = tables.error().describe();
      return false;
    }
    for (const auto& table : *tables) {
      auto deleted = client.call("DeleteTable", json::serialize(table_request(table)));
      if (!deleted) problem = table + ": " + deleted.error().describe();
    }
    return tables->empty();
  });
  if (!empty) throw std::runtime_error("dynalite reset left tables behind: " + problem);
}

std::string_view to_string(DynamoBackend backend) {
  switch (backend) {
    case DynamoBackend::moto:
      return "moto";
    case DynamoBackend::dynalite:
      return "dynalite";
  }
  return "unknown";
}

std::optional<std::string> missing(DynamoBackend backend, DynamoFeature feature) {
  const std::string see = " (docs/dynamodb-emulators.md)";
  if (backend == DynamoBackend::dynalite) {
    switch (feature) {
      case DynamoFeature::streams:
        return "dynalite has no DynamoDB Streams" + see;
      case DynamoFeature::failed_condition_item:
        return "dynalite ignores ReturnValuesOnConditionCheckFailure" + see;
      case DynamoFeature::number_normalization:
      case DynamoFeature::asynchronous_table_status:
        return std::nullopt;
    }
  }
  if (backend == DynamoBackend::moto) {
    switch (feature) {
      case DynamoFeature::number_normalization:
        return "moto stores numbers as sent, unchecked" + see;
      case DynamoFeature::asynchronous_table_status:
        return "moto's CreateTable answers ACTIVE at once" + see;
      case DynamoFeature::streams:
      case DynamoFeature::failed_condition_item:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

std::vector<DynamoBackend> dynamo_backends_with(DynamoFeature feature) {
  std::vector<DynamoBackend> backends;
  for (auto backend : {DynamoBackend::moto, DynamoBackend::dynalite}) {
    if (!missing(backend, feature)) backends.push_back(backend);
  }
  return backends;
}

Expected<aws::TableDescription, aws::Error> create_active_table(
    aws::DynamoDbClient& client, const aws::CreateTableRequest& request) {
  auto created = client.create_table(request);
  if (!created || created->status == "ACTIVE") return created;
  Expected<aws::TableDescription, aws::Error> described = *created;
  wait_until([&] {
    described = client.describe_table(request.table);
    return !described || described->status == "ACTIVE";
  });
  return described;
}

}  // namespace streamcache::testing
