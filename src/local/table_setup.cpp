#include "local/table_setup.h"

#include <thread>

#include "aws/dynamodb.h"

namespace streamcache::local {

aws::ClientConfig local_aws_config(const StackConfig& config) {
  aws::ClientConfig aws;
  aws.region = config.region;
  aws.credentials = {config.local.access_key_id, config.local.secret_access_key,
                     config.local.session_token};
  aws.endpoint = config.local.aws_endpoint_url;
  aws.http.request_timeout = std::chrono::seconds(10);
  return aws;
}

Expected<std::string, std::string> ensure_table(const StackConfig& config,
                                                std::chrono::milliseconds timeout) {
  const std::string& name = config.mapping.table;
  if (name.empty()) return unexpected(std::string("table.name is empty: nothing to create"));
  if (config.local.aws_endpoint_url.empty()) {
    return unexpected(std::string("local.aws_endpoint_url is required to create the table"));
  }
  aws::DynamoDbClient client(local_aws_config(config));
  std::string action = "table " + name + " exists";
  auto described = client.describe_table(name);
  if (!described && described.error().kind == aws::ErrorKind::resource_not_found) {
    aws::CreateTableRequest create;
    create.table = name;
    create.hash_key = {"id", 'S'};
    create.stream = aws::StreamView::new_and_old_images;
    auto created = client.create_table(create);
    // Another starter may have won the race: that table is as good as ours.
    if (!created && created.error().kind != aws::ErrorKind::resource_in_use) {
      return unexpected("cannot create table " + name + ": " + created.error().describe());
    }
    action = "created table " + name;
    described = client.describe_table(name);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (described && described->status != "ACTIVE" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // DynamoDB's own poll pace
    described = client.describe_table(name);
  }
  if (!described) {
    return unexpected("cannot describe table " + name + " at " + config.local.aws_endpoint_url +
                      ": " + described.error().describe());
  }
  if (described->status != "ACTIVE") {
    return unexpected("table " + name + " is still " + described->status + " after " +
                      std::to_string(timeout.count()) + " ms");
  }
  if (described->latest_stream_arn.empty()) {
    return unexpected("table " + name +
                      " exists without a stream; enable one (NEW_AND_OLD_IMAGES) or delete the "
                      "table so it is created with one");
  }
  return action + ", stream " + described->latest_stream_arn;
}

}  // namespace streamcache::local
