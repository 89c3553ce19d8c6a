// A table of string keys to values: open addressing (linear probing) over
// one buffer of key bytes, so that putting a key costs no allocation of its
// own (the buffers grow, or are reserved). Entries stay in the order their
// keys were first put. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lscb {

template <typename V>
class KeyTable {
 public:
  // `slots`: a power of two.
  explicit KeyTable(size_t slots = 16) : slots_(slots, kEmpty) {}

  size_t size() const { return entries_.size(); }

  // Room for `n` entries and `key_bytes` bytes of keys without growing.
  void Reserve(size_t n, size_t key_bytes) {
    size_t want = slots_.size();
    while (want * 3 < n * 4) want *= 2;
    if (want > slots_.size()) Rehash(want);
    entries_.reserve(n);
    bytes_.reserve(key_bytes);
  }

  // The value held for `key`, or null; valid until the next Put.
  const V* Find(std::string_view key) const {
    const uint64_t h = Hash(key);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const uint32_t e = slots_[i];
      if (e == kEmpty) return nullptr;
      if (entries_[e].hash == h && Key(e) == key) return &entries_[e].value;
    }
  }

  // Holds `value` for `key`, replacing what was held.
  void Put(std::string_view key, const V& value) {
    if ((entries_.size() + 1) * 4 > slots_.size() * 3) Rehash(slots_.size() * 2);
    const uint64_t h = Hash(key);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const uint32_t e = slots_[i];
      if (e == kEmpty) {
        slots_[i] = static_cast<uint32_t>(entries_.size());
        entries_.push_back({h, bytes_.size(), static_cast<uint32_t>(key.size()), value});
        bytes_.append(key);
        return;
      }
      if (entries_[e].hash == h && Key(e) == key) {
        entries_[e].value = value;
        return;
      }
    }
  }

  // Empties the table, keeping its memory: filling it again up to what it
  // held before allocates nothing and touches no new page.
  void Clear() {
    std::fill(slots_.begin(), slots_.end(), kEmpty);
    entries_.clear();
    bytes_.clear();
  }
  // Calls fn(key, value) for each entry, in the order first put.
  template <typename F>
  void ForEach(F fn) const {
    for (uint32_t e = 0; e < entries_.size(); ++e) fn(Key(e), entries_[e].value);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Entry {
    uint64_t hash;
    size_t key_at;
    uint32_t key_size;
    V value;
  };
  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }
  std::string_view Key(uint32_t e) const { return {bytes_.data() + entries_[e].key_at, entries_[e].key_size}; }
  void Rehash(size_t size) {
    std::vector<uint32_t> slots(size, kEmpty);
    for (uint32_t e = 0; e < entries_.size(); ++e)
      for (size_t i = entries_[e].hash & (size - 1);; i = (i + 1) & (size - 1))
        if (slots[i] == kEmpty) {
          slots[i] = e;
          break;
        }
    slots_ = std::move(slots);
  }

  std::vector<uint32_t> slots_;  // entry index or kEmpty; at most 3/4 used
  std::vector<Entry> entries_;
  std::string bytes_;
};

}  // namespace lscb
