// Fixed-width big-endian integers (keys encoded this way sort by number) and
// LEB128 variable-length integers (7 bits a byte, low bits first).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

inline void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads a varint from the front of `in` and removes it; false when `in`
// does not start with one.
inline bool ReadVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    v |= uint64_t{b & 0x7Fu} << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace lscb
