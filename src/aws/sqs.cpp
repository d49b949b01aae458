#include "aws/sqs.h"

namespace streamcache::aws {

ServiceInfo sqs_service() {
  return {"SQS", "sqs", "sqs", "AmazonSQS", "application/x-amz-json-1.0"};
}

SqsClient::SqsClient(ClientConfig config) : client_(sqs_service(), std::move(config)) {}

Expected<SqsClient, std::string> SqsClient::from_env(const EnvLookup& env) {
  auto config = load_client_config(env, sqs_service());
  if (!config) return unexpected(std::move(config).error());
  return SqsClient(std::move(*config));
}

Expected<std::vector<SqsMessage>, Error> SqsClient::receive_messages(
    const std::string& queue_url, const ReceiveOptions& options) {
  json::Value body{json::Object{}};
  body.set("QueueUrl", queue_url);
  body.set("MaxNumberOfMessages", json::Value::integer(options.max_messages));
  body.set("WaitTimeSeconds", json::Value::integer(options.wait.count()));
  if (options.visibility_timeout.count() > 0) {
    body.set("VisibilityTimeout", json::Value::integer(options.visibility_timeout.count()));
  }
  auto response = client_.call("ReceiveMessage", json::serialize(body));
  if (!response) return unexpected(std::move(response).error());
  std::vector<SqsMessage> out;
  const json::Value* messages = response->find("Messages");
  if (messages == nullptr || messages->is_null()) return out;
  if (!messages->is_array()) return unexpected(malformed_response("ReceiveMessage: Messages"));
  for (const auto& m : messages->as_array()) {
    auto id = m.get_string("MessageId");
    auto handle = m.get_string("ReceiptHandle");
    auto text = m.get_string("Body");
    if (!id || !handle || !text) {
      return unexpected(
          malformed_response("ReceiveMessage: a message without MessageId, ReceiptHandle or Body"));
    }
    out.push_back(SqsMessage{std::string(*id), std::string(*handle), std::string(*text)});
  }
  return out;
}

Expected<void, Error> SqsClient::delete_message(const std::string& queue_url,
                                                const std::string& receipt_handle) {
  json::Value body{json::Object{}};
  body.set("QueueUrl", queue_url);
  body.set("ReceiptHandle", receipt_handle);
  auto response = client_.call("DeleteMessage", json::serialize(body));
  if (!response) return unexpected(std::move(response).error());
  return {};
}

}  // namespace streamcache::aws
