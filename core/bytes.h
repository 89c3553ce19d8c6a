// Fixed-width big-endian integers: keys encoded this way sort by number.
#pragma once

#include <cstdint>
#include <string>

namespace lscb {

// REQUIRES: `out` has room for 8 bytes.
inline void WriteBigEndian64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xFF);
}

inline void AppendBigEndian64(std::string& out, uint64_t v) {
  char b[8];
  WriteBigEndian64(b, v);
  out.append(b, sizeof b);
}

// REQUIRES: `in` has at least 8 bytes.
inline uint64_t ReadBigEndian64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace lscb
