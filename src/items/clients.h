// Init-time wiring both functions share: configuration, the DynamoDB client and the Redis item
// cache, created once per process and reused across invocations.
#pragma once

#include <memory>
#include <string>

#include "aws/dynamodb.h"
#include "cache/cache_op.h"
#include "common/env.h"
#include "common/expected.h"
#include "items/config.h"
#include "tracing/tracer.h"

namespace streamcache::items {

struct Clients {
  Config config;
  aws::DynamoDbClient dynamodb;
  // One node or a Redis Cluster: REDIS_CLUSTER (auto, on, off; auto asks the server).
  std::unique_ptr<cache::ItemCacheClient> cache;
  std::string function_name;  // AWS_LAMBDA_FUNCTION_NAME, the metrics dimension
  // X-Ray (AWS_XRAY_DAEMON_ADDRESS): the DynamoDB client traces through it; the handler begins
  // and ends each invocation on it and hands it to the Redis adapter.
  std::unique_ptr<tracing::Tracer> tracer;
};

// Reads the configuration and creates the clients; does not connect to Redis (the first call
// does, so a function starts while Redis is down). The error is the init error's message.
Expected<std::unique_ptr<Clients>, std::string> create_clients(const EnvLookup& env);

// Writes one line to stdout in one write(2), like the runtime's log lines (EMF metrics).
void write_stdout_line(std::string_view line);

}  // namespace streamcache::items
