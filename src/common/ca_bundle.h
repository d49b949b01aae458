// Where to find trusted CA certificates at run time, on Debian and on Lambda's Amazon Linux.
#pragma once

#include <optional>
#include <string>

#include "common/env.h"

namespace streamcache {

// SSL_CERT_FILE when set, then Amazon Linux's bundle, then Debian's; nullopt when none exists.
std::optional<std::string> find_ca_bundle(const EnvLookup& env);

}  // namespace streamcache
