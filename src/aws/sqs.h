// Amazon SQS over its JSON 1.0 protocol (X-Amz-Target AmazonSQS.<Operation>, the protocol of
// botocore's current sqs/2012-11-05 model): only what the redrive command uses, receive and delete.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace streamcache::aws {

ServiceInfo sqs_service();

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;  // what DeleteMessage takes (the latest receive's)
  std::string body;
};

struct ReceiveOptions {
  int max_messages = 10;                       // 1..10
  std::chrono::seconds wait{0};                // 0: short poll; up to 20 s long poll
  std::chrono::seconds visibility_timeout{0};  // 0: the queue's own
};

class SqsClient {
 public:
  explicit SqsClient(ClientConfig config);
  // Region, credentials and endpoint (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, regional) as the
  // SDKs resolve them.
  static Expected<SqsClient, std::string> from_env(const EnvLookup& env);

  // An empty list when no message was available.
  Expected<std::vector<SqsMessage>, Error> receive_messages(const std::string& queue_url,
                                                            const ReceiveOptions& options = {});
  Expected<void, Error> delete_message(const std::string& queue_url,
                                       const std::string& receipt_handle);

 private:
  ServiceClient client_;
};

}  // namespace streamcache::aws
