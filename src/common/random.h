// Randomness from the kernel (getrandom(2), glibc 2.25). std::random_device is avoided on
// purpose: GCC 12's static libstdc++ implements it with arc4random@GLIBC_2.36, which
// provided.al2023 (glibc 2.34) lacks.
#pragma once

#include <cstdint>
#include <span>

namespace streamcache {

// Fills `out` with random bytes; falls back to a time-based mix if the kernel refuses.
void fill_random(std::span<std::uint8_t> out);

// A 64-bit seed for a per-object generator (TTL jitter, retry jitter).
std::uint64_t random_seed();

}  // namespace streamcache
