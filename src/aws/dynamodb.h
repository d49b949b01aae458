// DynamoDB over its JSON 1.0 protocol: the operations streamcache uses, typed, nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/attribute_value.h"
#include "aws/service_client.h"

namespace streamcache::aws {

using ExpressionNames = std::vector<std::pair<std::string, std::string>>;  // "#n" → "name"

enum class ReturnValues { none, all_old, updated_old, all_new, updated_new };

// Condition/expression parameters shared by the write operations.
struct Conditions {
  std::string condition_expression;  // empty: unconditional
  ExpressionNames names;
  AttributeMap values;                           // ":v" → value
  bool return_old_on_condition_failure = false;  // ReturnValuesOnConditionCheckFailure=ALL_OLD
};

struct GetItemRequest {
  std::string table;
  AttributeMap key;
  bool consistent_read = false;
  Deadline deadline = Deadline::never();  // every request: attempts and retries end by it
};

struct PutItemRequest {
  std::string table;
  AttributeMap item;
  Conditions conditions;
  ReturnValues return_values = ReturnValues::none;  // none or all_old
  Deadline deadline = Deadline::never();
};

struct UpdateItemRequest {
  std::string table;
  AttributeMap key;
  std::string update_expression;
  Conditions conditions;
  ReturnValues return_values = ReturnValues::none;
  Deadline deadline = Deadline::never();
};

struct DeleteItemRequest {
  std::string table;
  AttributeMap key;
  Conditions conditions;
  ReturnValues return_values = ReturnValues::none;  // none or all_old
  Deadline deadline = Deadline::never();
};

struct ScanRequest {
  std::string table;
  std::optional<int> limit;
  std::optional<AttributeMap> exclusive_start_key;
  bool consistent_read = false;
  std::string filter_expression;
  ExpressionNames names;
  AttributeMap values;
  Deadline deadline = Deadline::never();
};

struct QueryRequest {
  std::string table;
  std::string index_name;  // empty: the table itself
  std::string key_condition_expression;
  std::string filter_expression;
  ExpressionNames names;
  AttributeMap values;
  std::optional<int> limit;
  std::optional<AttributeMap> exclusive_start_key;
  bool scan_forward = true;
  bool consistent_read = false;
  Deadline deadline = Deadline::never();
};

struct Page {  // Scan and Query results
  std::vector<AttributeMap> items;
  std::optional<AttributeMap> last_evaluated_key;  // set when more pages follow
  int scanned_count = 0;
};

struct KeyAttribute {
  std::string name;
  char type = 'S';  // 'S', 'N' or 'B'
};

enum class StreamView { keys_only, new_image, old_image, new_and_old_images };

struct CreateTableRequest {
  std::string table;
  KeyAttribute hash_key;
  std::optional<KeyAttribute> range_key;
  std::optional<StreamView> stream;  // nullopt: no stream
  bool pay_per_request = true;       // else 5/5 provisioned capacity
};

struct TableDescription {
  std::string name;
  std::string arn;
  std::string status;             // CREATING, ACTIVE, DELETING, UPDATING
  std::string latest_stream_arn;  // empty without a stream
  std::optional<StreamView> stream_view;
  std::int64_t item_count = 0;
};

std::string_view to_string(StreamView view);  // "NEW_AND_OLD_IMAGES", ...
std::optional<StreamView> stream_view_from(std::string_view text);

class DynamoDbClient {
 public:
  explicit DynamoDbClient(ClientConfig config);
  // Configuration from the environment (see load_client_config).
  static Expected<DynamoDbClient, std::string> from_env(const EnvLookup& env);

  // The item, or nullopt when it does not exist.
  Expected<std::optional<AttributeMap>, Error> get_item(const GetItemRequest& request);
  // The returned attributes (ReturnValues), empty when none were asked for or existed.
  Expected<AttributeMap, Error> put_item(const PutItemRequest& request);
  Expected<AttributeMap, Error> update_item(const UpdateItemRequest& request);
  Expected<AttributeMap, Error> delete_item(const DeleteItemRequest& request);
  Expected<Page, Error> scan(const ScanRequest& request);
  Expected<Page, Error> query(const QueryRequest& request);

  Expected<TableDescription, Error> create_table(const CreateTableRequest& request);
  Expected<TableDescription, Error> describe_table(const std::string& table);
  Expected<void, Error> delete_table(const std::string& table);

  // The item a failed condition check returned (return_old_on_condition_failure), if any.
  static std::optional<AttributeMap> item_of_failed_condition(const Error& error);

  ServiceClient& service() { return client_; }

 private:
  ServiceClient client_;
};

}  // namespace streamcache::aws
