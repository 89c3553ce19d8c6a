#include "hub/child_histories.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace lscb::hub {

size_t ChildHistories::Probe(const ChildKey& child) const {
  const size_t mask = slots_.size() - 1;
  size_t i = Home(child);
  while (slots_[i].room != 0 && slots_[i].key != child) i = (i + 1) & mask;
  return i;
}

ChildHistories::History ChildHistories::Find(const ChildKey& child) const {
  if (slots_.empty()) return {pool_.end(), pool_.end()};
  const Slot& s = slots_[Probe(child)];
  if (s.room == 0) return {pool_.end(), pool_.end()};
  return HistoryOf(s);
}

void ChildHistories::Reserve(size_t children) {
  size_t want = 16;
  while (want * 3 / 4 < children) want *= 2;
  if (want > slots_.size()) Grow(want);
}

void ChildHistories::Grow(size_t min_slots) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(min_slots, 16), Slot{});
  for (const Slot& s : old)
    if (s.room != 0) slots_[Probe(s.key)] = s;
}

uint32_t ChildHistories::Allocate(uint32_t room) {
  const auto cls = static_cast<size_t>(std::countr_zero(room));
  if (cls < free_.size() && !free_[cls].empty()) {
    uint32_t at = free_[cls].back();
    free_[cls].pop_back();
    return at;
  }
  return Append(room);
}

uint32_t ChildHistories::Append(uint32_t n) {
  const auto at = static_cast<uint32_t>(pool_.size());
  pool_.resize(pool_.size() + n);
  return at;
}

void ChildHistories::RoomForOneMore() {
  if ((children_ + 1) * 4 > slots_.size() * 3) Grow(slots_.empty() ? 16 : slots_.size() * 2);
}

void ChildHistories::Free(uint32_t at, uint32_t room) {
  // A restored run has the room it needed: it is freed as runs of powers of two.
  while (room != 0) {
    const uint32_t piece = std::bit_floor(room);
    const auto cls = static_cast<size_t>(std::countr_zero(piece));
    if (free_.size() <= cls) free_.resize(cls + 1);
    free_[cls].push_back(at);
    at += piece;
    room -= piece;
  }
}

void ChildHistories::Insert(const ChildKey& child, const TimelineEntry& e) {
  RoomForOneMore();
  size_t i = Probe(child);
  Slot& s = slots_[i];
  if (s.room == 0) {
    s.key = child;
    s.room = 1;
    s.size = 0;
    s.at = Allocate(1);
    ++children_;
  } else if (s.size == s.room) {
    const uint32_t room = std::bit_ceil(s.room + 1);
    const uint32_t at = Allocate(room);
    std::copy(pool_.begin() + s.at, pool_.begin() + s.at + s.size, pool_.begin() + at);
    Free(s.at, s.room);
    s.at = at;
    s.room = room;
  }
  auto first = pool_.begin() + s.at;
  auto last = first + s.size;
  auto pos = std::upper_bound(first, last, e, [](const TimelineEntry& a, const TimelineEntry& b) {
    return a.SortKey() < b.SortKey();
  });
  std::move_backward(pos, last, last + 1);
  *pos = e;
  ++s.size;
  ++entries_;
}

void ChildHistories::Remove(const ChildKey& child, uint64_t record) {
  if (slots_.empty()) return;
  const size_t i = Probe(child);
  Slot& s = slots_[i];
  if (s.room == 0) return;
  auto first = pool_.begin() + s.at;
  auto last = first + s.size;
  auto kept = std::remove_if(first, last, [&](const TimelineEntry& x) { return x.record == record; });
  const auto removed = static_cast<uint32_t>(last - kept);
  s.size -= removed;
  entries_ -= removed;
  if (s.size == 0) {
    Free(s.at, s.room);
    EraseSlot(i);
    --children_;
  }
}

void ChildHistories::Restore(const ChildKey& child, const TimelineEntry* entries, size_t n) {
  if (n == 0) return;
  RoomForOneMore();
  Slot& s = slots_[Probe(child)];
  s.key = child;
  // Exactly the room it needs (most children never change again).
  s.room = static_cast<uint32_t>(n);
  s.size = static_cast<uint32_t>(n);
  s.at = Append(s.room);
  std::copy(entries, entries + n, pool_.begin() + s.at);
  ++children_;
  entries_ += n;
}

// Linear probing without tombstones: the slots after the one emptied move
// back when their home allows it.
void ChildHistories::EraseSlot(size_t i) {
  const size_t mask = slots_.size() - 1;
  size_t j = i;
  while (true) {
    j = (j + 1) & mask;
    if (slots_[j].room == 0) break;
    const size_t home = Home(slots_[j].key);
    // Slot j may fill the hole at i unless its home lies cyclically in (i, j].
    const bool home_between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!home_between) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = Slot{};
}

void ChildHistories::clear() {
  slots_.clear();
  pool_.clear();
  free_.clear();
  children_ = 0;
  entries_ = 0;
}

}  // namespace lscb::hub
