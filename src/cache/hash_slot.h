// Redis Cluster's key -> slot mapping (cluster spec, "Keys distribution model"): CRC16/XMODEM of
// the key, or of its hash tag (the bytes between the first '{' and the next '}' when not empty),
// modulo 16384. Pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace streamcache::cache {

inline constexpr std::uint16_t kSlotCount = 16384;

// CRC16/XMODEM (polynomial 0x1021, initial 0, no reflection): "123456789" -> 0x31C3.
std::uint16_t crc16_xmodem(std::string_view bytes);

// The slot of `key`, honouring the {hash tag} rule.
std::uint16_t hash_slot(std::string_view key);

}  // namespace streamcache::cache
