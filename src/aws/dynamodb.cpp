#include "aws/dynamodb.h"

namespace streamcache::aws {

std::string_view to_string(StreamView view) {
  switch (view) {
    case StreamView::keys_only:
      return "KEYS_ONLY";
    case StreamView::new_image:
      return "NEW_IMAGE";
    case StreamView::old_image:
      return "OLD_IMAGE";
    case StreamView::new_and_old_images:
      return "NEW_AND_OLD_IMAGES";
  }
  return "NEW_AND_OLD_IMAGES";
}

std::optional<StreamView> stream_view_from(std::string_view text) {
  if (text == "KEYS_ONLY") return StreamView::keys_only;
  if (text == "NEW_IMAGE") return StreamView::new_image;
  if (text == "OLD_IMAGE") return StreamView::old_image;
  if (text == "NEW_AND_OLD_IMAGES") return StreamView::new_and_old_images;
  return std::nullopt;
}

namespace {

std::string_view return_values_text(ReturnValues rv) {
  switch (rv) {
    case ReturnValues::none:
      return "NONE";
    case ReturnValues::all_old:
      return "ALL_OLD";
    case ReturnValues::updated_old:
      return "UPDATED_OLD";
    case ReturnValues::all_new:
      return "ALL_NEW";
    case ReturnValues::updated_new:
      return "UPDATED_NEW";
  }
  return "NONE";
}

void add_names_values(json::Value& body, const ExpressionNames& names, const AttributeMap& values) {
  if (!names.empty()) {
    json::Object object;
    for (const auto& [placeholder, name] : names)
      object.push_back(json::Member{placeholder, json::Value(name)});
    body.set("ExpressionAttributeNames", std::move(object));
  }
  if (!values.empty()) body.set("ExpressionAttributeValues", to_dynamodb_json(values));
}

void add_conditions(json::Value& body, const Conditions& c) {
  if (!c.condition_expression.empty()) body.set("ConditionExpression", c.condition_expression);
  add_names_values(body, c.names, c.values);
  if (c.return_old_on_condition_failure) body.set("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
}

json::Value table_body(const std::string& table) {
  json::Value body{json::Object{}};
  body.set("TableName", table);
  return body;
}

// A map member of a response decoded as attributes; an undecodable one is a service error.
Expected<std::optional<AttributeMap>, Error> attributes_in(const json::Value& response,
                                                           std::string_view member) {
  const json::Value* wire = response.find(member);
  if (wire == nullptr || wire->is_null()) return std::optional<AttributeMap>();
  auto map = map_from_dynamodb_json(*wire);
  if (!map)
    return unexpected(malformed_response("bad " + std::string(member) + ": " + map.error()));
  return std::optional<AttributeMap>(std::move(*map));
}

Expected<AttributeMap, Error> returned_attributes(Expected<json::Value, Error> response) {
  if (!response) return unexpected(std::move(response).error());
  auto attributes = attributes_in(*response, "Attributes");
  if (!attributes) return unexpected(std::move(attributes).error());
  return attributes->value_or(AttributeMap{});
}

Expected<Page, Error> page_of(Expected<json::Value, Error> response) {
  if (!response) return unexpected(std::move(response).error());
  Page page;
  if (const auto* items = response->find("Items"); items != nullptr && items->is_array()) {
    page.items.reserve(items->as_array().size());
    for (const auto& wire : items->as_array()) {
      auto item = map_from_dynamodb_json(wire);
      if (!item) return unexpected(malformed_response("bad item: " + item.error()));
      page.items.push_back(std::move(*item));
    }
  }
  auto last = attributes_in(*response, "LastEvaluatedKey");
  if (!last) return unexpected(std::move(last).error());
  page.last_evaluated_key = std::move(*last);
  page.scanned_count = static_cast<int>(response->get_int("ScannedCount").value_or(0));
  return page;
}

TableDescription describe(const json::Value& table) {
  TableDescription d;
  d.name = std::string(table.get_string("TableName").value_or(""));
  d.arn = std::string(table.get_string("TableArn").value_or(""));
  d.status = std::string(table.get_string("TableStatus").value_or(""));
  d.latest_stream_arn = std::string(table.get_string("LatestStreamArn").value_or(""));
  d.item_count = table.get_int("ItemCount").value_or(0);
  if (const auto* spec = table.find("StreamSpecification")) {
    if (spec->get_bool("StreamEnabled").value_or(false)) {
      d.stream_view = stream_view_from(spec->get_string("StreamViewType").value_or(""));
    }
  }
  return d;
}

Expected<TableDescription, Error> table_in(Expected<json::Value, Error> response,
                                           std::string_view member) {
  if (!response) return unexpected(std::move(response).error());
  const json::Value* table = response->find(member);
  if (table == nullptr)
    return unexpected(malformed_response("response without " + std::string(member)));
  return describe(*table);
}

}  // namespace

DynamoDbClient::DynamoDbClient(ClientConfig config)
    : client_(dynamodb_service(), std::move(config)) {}

Expected<DynamoDbClient, std::string> DynamoDbClient::from_env(const EnvLookup& env) {
  auto config = load_client_config(env, dynamodb_service());
  if (!config) return unexpected(std::move(config).error());
  return DynamoDbClient(std::move(*config));
}

Expected<std::optional<AttributeMap>, Error> DynamoDbClient::get_item(
    const GetItemRequest& request) {
  json::Value body = table_body(request.table);
  body.set("Key", to_dynamodb_json(request.key));
  if (request.consistent_read) body.set("ConsistentRead", true);
  auto response = client_.call("GetItem", json::serialize(body), request.deadline);
  if (!response) return unexpected(std::move(response).error());
  return attributes_in(*response, "Item");
}

Expected<AttributeMap, Error> DynamoDbClient::put_item(const PutItemRequest& request) {
  json::Value body = table_body(request.table);
  body.set("Item", to_dynamodb_json(request.item));
  add_conditions(body, request.conditions);
  if (request.return_values != ReturnValues::none)
    body.set("ReturnValues", return_values_text(request.return_values));
  return returned_attributes(client_.call("PutItem", json::serialize(body), request.deadline));
}

Expected<AttributeMap, Error> DynamoDbClient::update_item(const UpdateItemRequest& request) {
  json::Value body = table_body(request.table);
  body.set("Key", to_dynamodb_json(request.key));
  body.set("UpdateExpression", request.update_expression);
  add_conditions(body, request.conditions);
  if (request.return_values != ReturnValues::none)
    body.set("ReturnValues", return_values_text(request.return_values));
  return returned_attributes(client_.call("UpdateItem", json::serialize(body), request.deadline));
}

Expected<AttributeMap, Error> DynamoDbClient::delete_item(const DeleteItemRequest& request) {
  json::Value body = table_body(request.table);
  body.set("Key", to_dynamodb_json(request.key));
  add_conditions(body, request.conditions);
  if (request.return_values != ReturnValues::none)
    body.set("ReturnValues", return_values_text(request.return_values));
  return returned_attributes(client_.call("DeleteItem", json::serialize(body), request.deadline));
}

Expected<Page, Error> DynamoDbClient::scan(const ScanRequest& request) {
  json::Value body = table_body(request.table);
  if (request.limit) body.set("Limit", json::Value::integer(*request.limit));
  if (request.exclusive_start_key)
    body.set("ExclusiveStartKey", to_dynamodb_json(*request.exclusive_start_key));
  if (request.consistent_read) body.set("ConsistentRead", true);
  if (!request.filter_expression.empty()) body.set("FilterExpression", request.filter_expression);
  add_names_values(body, request.names, request.values);
  return page_of(client_.call("Scan", json::serialize(body), request.deadline));
}

Expected<Page, Error> DynamoDbClient::query(const QueryRequest& request) {
  json::Value body = table_body(request.table);
  if (!request.index_name.empty()) body.set("IndexName", request.index_name);
  body.set("KeyConditionExpression", request.key_condition_expression);
  if (!request.filter_expression.empty()) body.set("FilterExpression", request.filter_expression);
  add_names_values(body, request.names, request.values);
  if (request.limit) body.set("Limit", json::Value::integer(*request.limit));
  if (request.exclusive_start_key)
    body.set("ExclusiveStartKey", to_dynamodb_json(*request.exclusive_start_key));
  if (!request.scan_forward) body.set("ScanIndexForward", false);
  if (request.consistent_read) body.set("ConsistentRead", true);
  return page_of(client_.call("Query", json::serialize(body), request.deadline));
}

Expected<TableDescription, Error> DynamoDbClient::create_table(const CreateTableRequest& request) {
  json::Value body = table_body(request.table);
  json::Array definitions;
  json::Array schema;
  auto add_key = [&](const KeyAttribute& key, std::string_view role) {
    json::Value definition{json::Object{}};
    definition.set("AttributeName", key.name);
    definition.set("AttributeType", std::string(1, key.type));
    definitions.push_back(std::move(definition));
    json::Value element{json::Object{}};
    element.set("AttributeName", key.name);
    element.set("KeyType", role);
    schema.push_back(std::move(element));
  };
  add_key(request.hash_key, "HASH");
  if (request.range_key) add_key(*request.range_key, "RANGE");
  body.set("AttributeDefinitions", std::move(definitions));
  body.set("KeySchema", std::move(schema));
  if (request.pay_per_request) {
    body.set("BillingMode", "PAY_PER_REQUEST");
  } else {
    json::Value throughput{json::Object{}};
    throughput.set("ReadCapacityUnits", json::Value::integer(5));
    throughput.set("WriteCapacityUnits", json::Value::integer(5));
    body.set("ProvisionedThroughput", std::move(throughput));
  }
  if (request.stream) {
    json::Value spec{json::Object{}};
    spec.set("StreamEnabled", true);
    spec.set("StreamViewType", to_string(*request.stream));
    body.set("StreamSpecification", std::move(spec));
  }
  return table_in(client_.call("CreateTable", json::serialize(body)), "TableDescription");
}

Expected<TableDescription, Error> DynamoDbClient::describe_table(const std::string& table) {
  return table_in(client_.call("DescribeTable", json::serialize(table_body(table))), "Table");
}

Expected<void, Error> DynamoDbClient::delete_table(const std::string& table) {
  auto response = client_.call("DeleteTable", json::serialize(table_body(table)));
  if (!response) return unexpected(std::move(response).error());
  return {};
}

std::optional<AttributeMap> DynamoDbClient::item_of_failed_condition(const Error& error) {
  if (error.kind != ErrorKind::conditional_check_failed || error.body.empty()) return std::nullopt;
  auto parsed = json::parse(error.body);
  if (!parsed) return std::nullopt;
  auto item = attributes_in(*parsed, "Item");
  if (!item) return std::nullopt;
  return std::move(*item);
}

}  // namespace streamcache::aws
