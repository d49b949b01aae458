// The table the stack serves, created when missing the way infra/modules/table makes it: partition
// key `id` (S), on-demand capacity, a NEW_AND_OLD_IMAGES stream. `--create-table` runs it once at
// start, so `./dev run` works against a fresh moto_server and is harmless on later runs.
#pragma once

#include <chrono>
#include <string>

#include "aws/service_client.h"
#include "common/expected.h"
#include "local/config.h"

namespace streamcache::local {

// The AWS client settings of the local stack (local.aws_endpoint_url, its credentials, region).
aws::ClientConfig local_aws_config(const StackConfig& config);

// Creates the table unless it exists; waits until it is ACTIVE. The message says what was done
// ("created table t with stream arn:..." / "table t exists, stream arn:..."); an existing table
// without a stream is an error, since the mapping would have nothing to read.
Expected<std::string, std::string> ensure_table(
    const StackConfig& config, std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace streamcache::local
