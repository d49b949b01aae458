#include "common/random.h"

#include <cerrno>
#include <chrono>

#include <sys/random.h>

namespace streamcache {

void fill_random(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      break;
    }
  }
  if (done == out.size()) return;
  // No kernel entropy (seccomp, ancient kernel): a clock-seeded splitmix64 keeps ids distinct.
  auto state = static_cast<std::uint64_t>(
      std::chrono::high_resolution_clock::now().time_since_epoch().count());
  for (; done < out.size(); ++done) {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    out[done] = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
}

std::uint64_t random_seed() {
  std::uint8_t bytes[8];
  fill_random(bytes);
  std::uint64_t seed = 0;
  for (std::uint8_t b : bytes)
    seed = (seed << 8) | b;
  return seed;
}

}  // namespace streamcache
