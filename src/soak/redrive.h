// Redrives the local stack's on-failure file with streamcache-redrive, so the soak's check sees
// the cache as an operator would leave it after an incident.
#pragma once

#include <filesystem>
#include <string>

#include "common/expected.h"
#include "soak/stack.h"

namespace streamcache::soak {

// The number of batches redriven; an error when the tool is missing or did not apply them all.
Expected<int, std::string> redrive_on_failure_file(const LocalStack& stack,
                                                   const std::filesystem::path& tool);

}  // namespace streamcache::soak
