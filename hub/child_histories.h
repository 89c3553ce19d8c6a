// Children's-services histories: for each child (a 16-byte token), the
// referrals and plan starts and ends of its records, in time order.
//
// A view holding ten million events holds a couple of million children with
// one or two entries each, so they are kept compactly: one open-addressing
// table of small slots (no node per child) and one pool of entries (no
// allocation per child), where a child's entries are a run with room for a
// power of two of them (or just those restored); a run that outgrows its
// room moves, and the room it left is reused by the next runs that fit.
//
// Not thread-safe (the view's lock guards it). A History stays valid until
// the next change.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "core/calendar.h"
#include "hub/definitions.h"
#include "hub/event_facts.h"

namespace lscb::hub {

// One referral, plan start or plan end: 24 bytes, there being millions.
class TimelineEntry final {
 public:
  TimelineEntry() = default;
  // `occurred_at` must fit in 48 bits (Unix seconds: millions of years).
  TimelineEntry(EventKind kind, int64_t occurred_at, uint64_t record, Date date, uint16_t board, uint8_t age_band,
                LabelId label)
      : at_and_board_((static_cast<uint64_t>(occurred_at) << 16) | board),
        record(record),
        date(date),
        kind(kind),
        age_band(age_band),
        label(label) {}

  int64_t occurred_at() const { return static_cast<int64_t>(at_and_board_) >> 16; }
  uint16_t board() const { return static_cast<uint16_t>(at_and_board_ & 0xFFFF); }
  auto SortKey() const { return std::make_pair(occurred_at(), record); }

 private:
  uint64_t at_and_board_ = 0;  // occurred_at << 16 | board

 public:
  uint64_t record = 0;
  Date date;
  EventKind kind{};
  uint8_t age_band = 0;
  LabelId label = kTotal;
};
static_assert(sizeof(TimelineEntry) == 24);

class ChildHistories final {
 public:
  // A child's entries, in order.
  class History final {
   public:
    using iterator = std::deque<TimelineEntry>::const_iterator;
    History(iterator first, iterator last) : first_(first), last_(last) {}
    iterator begin() const { return first_; }
    iterator end() const { return last_; }
    size_t size() const { return static_cast<size_t>(last_ - first_); }
    bool empty() const { return first_ == last_; }
    const TimelineEntry& operator[](size_t i) const { return first_[static_cast<std::ptrdiff_t>(i)]; }

   private:
    iterator first_, last_;
  };

  // The history of `child`, in (occurred_at, record) order; empty when it
  // has none.
  History Find(const ChildKey& child) const;
  // Adds `e` to the history of `child`, after the entries with the same
  // (occurred_at, record).
  void Insert(const ChildKey& child, const TimelineEntry& e);
  // Removes the entries of `record` from the history of `child`; a child
  // left with none is forgotten.
  void Remove(const ChildKey& child, uint64_t record);
  // Adds a child not held yet with its whole history, already in order (a
  // checkpoint being restored).
  void Restore(const ChildKey& child, const TimelineEntry* entries, size_t n);
  // Room for `children` children without growing the table.
  void Reserve(size_t children);
  // Asks the processor for the memory `child` will be looked up in (so
  // that a restore can have several lookups in flight).
  void Prefetch(const ChildKey& child) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Home(child)]);
  }

  size_t size() const { return children_; }
  size_t entries() const { return entries_; }
  void clear();

  // f(child, history) for every child, in key order (so that equal views
  // serialise to equal bytes).
  template <typename F>
  void ForEachInKeyOrder(F f) const {
    std::vector<std::pair<ChildKey, uint32_t>> order;
    order.reserve(children_);
    for (uint32_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].room != 0) order.emplace_back(slots_[i].key, i);
    std::sort(order.begin(), order.end());
    for (const auto& [key, i] : order) f(key, HistoryOf(slots_[i]));
  }

 private:
  struct Slot {
    ChildKey key{};
    uint32_t at = 0;    // the run's first entry in pool_
    uint32_t size = 0;  // entries held
    uint32_t room = 0;  // entries the run has room for (a power of two, or as restored); 0: an empty slot
  };

  size_t Home(const ChildKey& key) const { return HashChildKey(key) & (slots_.size() - 1); }
  // The slot holding `child`, or the empty slot where it would go.
  size_t Probe(const ChildKey& child) const;
  void Grow(size_t min_slots);
  // Grows the table when one more child would fill it past three quarters.
  void RoomForOneMore();
  void EraseSlot(size_t i);
  History HistoryOf(const Slot& s) const {
    auto first = pool_.begin() + s.at;
    return {first, first + s.size};
  }
  // A run with room for `room` entries (a power of two); its start.
  uint32_t Allocate(uint32_t room);
  // A new run of `n` entries at the end of the pool; its start.
  uint32_t Append(uint32_t n);
  // Gives back the run at `at` (any room).
  void Free(uint32_t at, uint32_t room);

  std::vector<Slot> slots_;  // a power of two, at most 3/4 used; linear probing
  std::deque<TimelineEntry> pool_;
  std::vector<std::vector<uint32_t>> free_;  // by log2(room): runs left by children that moved or went
  size_t children_ = 0;
  size_t entries_ = 0;
};

}  // namespace lscb::hub
