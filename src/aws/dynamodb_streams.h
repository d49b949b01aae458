// DynamoDB Streams over its JSON 1.0 protocol: list, describe (shard lineage), iterate, read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/attribute_value.h"
#include "aws/service_client.h"

namespace streamcache::aws {

struct StreamSummary {
  std::string arn;
  std::string table;
  std::string label;
};

struct Shard {
  std::string id;
  std::string parent_id;  // empty for a root shard
  std::string starting_sequence_number;
  std::string ending_sequence_number;  // empty while the shard is open
};

struct StreamDescription {
  std::string arn;
  std::string label;
  std::string status;     // ENABLING, ENABLED, DISABLING, DISABLED
  std::string view_type;  // e.g. NEW_AND_OLD_IMAGES
  std::string table;
  std::vector<Shard> shards;
  std::string last_evaluated_shard_id;  // non-empty: call again from here for more shards
};

enum class IteratorType { trim_horizon, latest, at_sequence_number, after_sequence_number };

// One change, as GetRecords returns it. The raw JSON is kept for forwarding unchanged.
struct StreamRecord {
  std::string event_id;
  std::string event_name;  // INSERT, MODIFY, REMOVE
  std::string sequence_number;
  double approximate_creation_time = 0;  // seconds since the epoch
  std::optional<AttributeMap> keys;
  std::optional<AttributeMap> new_image;
  std::optional<AttributeMap> old_image;
  std::int64_t size_bytes = 0;
  json::Value raw;
};

struct RecordsPage {
  std::vector<StreamRecord> records;
  std::string next_iterator;  // empty: the shard is closed and fully read
};

// Decodes one GetRecords record (also the `dynamodb` part of a Lambda stream event record).
Expected<StreamRecord, std::string> stream_record_from_json(const json::Value& record);

class DynamoDbStreamsClient {
 public:
  explicit DynamoDbStreamsClient(ClientConfig config);
  static Expected<DynamoDbStreamsClient, std::string> from_env(const EnvLookup& env);

  Expected<std::vector<StreamSummary>, Error> list_streams(const std::string& table);
  // One page of shards, from `exclusive_start_shard_id` when not empty.
  Expected<StreamDescription, Error> describe_stream(
      const std::string& stream_arn, const std::string& exclusive_start_shard_id = {});
  // Every shard, following pagination, ordered so parents come before their children.
  Expected<StreamDescription, Error> describe_stream_all_shards(const std::string& stream_arn);
  Expected<std::string, Error> get_shard_iterator(const std::string& stream_arn,
                                                  const std::string& shard_id, IteratorType type,
                                                  const std::string& sequence_number = {});
  Expected<RecordsPage, Error> get_records(const std::string& iterator,
                                           std::optional<int> limit = std::nullopt);

 private:
  ServiceClient client_;
};

// Orders shards so that every parent precedes its children (Lambda's processing order).
std::vector<Shard> order_by_lineage(std::vector<Shard> shards);

// Numeric comparison of stream sequence numbers (decimal strings of any length).
bool sequence_less(std::string_view a, std::string_view b);

}  // namespace streamcache::aws
