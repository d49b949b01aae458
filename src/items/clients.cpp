#include "items/clients.h"

#include <unistd.h>

#include "cache/item_cache_factory.h"
#include "items/redis_options.h"

namespace streamcache::items {

Expected<std::unique_ptr<Clients>, std::string> create_clients(const EnvLookup& env) {
  auto config = load_config(env);
  if (!config) return unexpected(config.error());
  auto connection = redis_connection_options(*config, env);
  if (!connection) return unexpected(connection.error());
  auto mode = cache::parse_cluster_mode(non_empty(env, "REDIS_CLUSTER").value_or("auto"));
  if (!mode) return unexpected("REDIS_CLUSTER: " + mode.error().message);
  auto item_cache = cache::make_item_cache(std::move(*connection), config->cache_options(), *mode);
  if (!item_cache) return unexpected("Redis cache: " + item_cache.error().message);
  auto dynamodb = aws::DynamoDbClient::from_env(env);
  if (!dynamodb) return unexpected("DynamoDB: " + dynamodb.error());
  auto tracer = tracing::Tracer::from_env(env);
  if (!tracer) return unexpected("X-Ray: " + tracer.error());
  dynamodb->service().set_tracer(tracer->get());
  std::string name = non_empty(env, "AWS_LAMBDA_FUNCTION_NAME").value_or("streamcache");
  return std::make_unique<Clients>(Clients{std::move(*config), std::move(*dynamodb),
                                           std::move(*item_cache), std::move(name),
                                           std::move(*tracer)});
}

void write_stdout_line(std::string_view line) {
  std::string out(line);
  out.push_back('\n');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(1, out.data() + done, out.size() - done);
    if (n <= 0) return;  // stdout gone: metrics are best effort
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace streamcache::items
