#include "hub/child_histories.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace lscb::hub {
namespace {

// Keys that differ in one byte only, as plain test tokens do.
ChildKey Key(uint32_t n) {
  ChildKey k{};
  k[14] = static_cast<uint8_t>(n >> 8);
  k[15] = static_cast<uint8_t>(n);
  return k;
}

TimelineEntry Entry(int64_t at, uint64_t record, uint16_t board = 3) {
  return TimelineEntry(EventKind::kCscReferral, at, record, Date{static_cast<int32_t>(at / 86400)}, board, 2, kTotal);
}

using Reference = std::map<ChildKey, std::vector<std::pair<int64_t, uint64_t>>>;  // sorted by (at, record)

void ExpectSame(const ChildHistories& h, const Reference& ref) {
  ASSERT_EQ(h.size(), ref.size());
  size_t entries = 0;
  for (const auto& [key, want] : ref) {
    std::vector<std::pair<int64_t, uint64_t>> got;
    for (const TimelineEntry& e : h.Find(key)) got.emplace_back(e.occurred_at(), e.record);
    ASSERT_EQ(got, want);
    entries += want.size();
  }
  EXPECT_EQ(h.entries(), entries);
  std::vector<ChildKey> order;
  h.ForEachInKeyOrder([&](const ChildKey& k, ChildHistories::History t) {
    order.push_back(k);
    EXPECT_FALSE(t.empty());
  });
  std::vector<ChildKey> want_order;
  for (const auto& [k, v] : ref) want_order.push_back(k);
  EXPECT_EQ(order, want_order);
}

// Thousands of children coming and going (the table grows, and places
// freed by children that went are filled again), checked against a map of
// sorted vectors.
TEST(ChildHistoriesTest, AgreesWithAMapOfSortedVectors) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<uint32_t> child(0, 3000);
  std::uniform_int_distribution<int64_t> at(0, 50);
  ChildHistories h;
  Reference ref;
  uint64_t next_record = 1;
  for (int round = 0; round < 40000; ++round) {
    const ChildKey k = Key(child(rng));
    auto& want = ref[k];
    if (want.empty() || rng() % 3 != 0) {
      const int64_t t = at(rng) * 86400;
      const uint64_t record = next_record++;
      h.Insert(k, Entry(t, record));
      want.insert(std::upper_bound(want.begin(), want.end(), std::make_pair(t, record)), {t, record});
    } else {
      const uint64_t record = want[rng() % want.size()].second;
      h.Remove(k, record);
      want.erase(std::find_if(want.begin(), want.end(), [&](const auto& p) { return p.second == record; }));
    }
    if (want.empty()) ref.erase(k);
    if (round % 5000 == 0) ExpectSame(h, ref);
  }
  ExpectSame(h, ref);
  // Everyone goes.
  for (const auto& [k, v] : ref)
    for (const auto& [t, record] : v) h.Remove(k, record);
  ExpectSame(h, {});
  EXPECT_TRUE(h.Find(Key(1)).empty());
}

TEST(ChildHistoriesTest, EntriesWithTheSameTimeKeepTheirRecordOrder) {
  ChildHistories h;
  h.Insert(Key(1), Entry(100, 9));
  h.Insert(Key(1), Entry(100, 4));
  h.Insert(Key(1), Entry(50, 7, 12));
  std::vector<uint64_t> records;
  for (const TimelineEntry& e : h.Find(Key(1))) records.push_back(e.record);
  EXPECT_EQ(records, (std::vector<uint64_t>{7, 4, 9}));
  EXPECT_EQ(h.Find(Key(1)).begin()->board(), 12);
  // Removing a record another child holds changes nothing.
  h.Remove(Key(2), 4);
  EXPECT_EQ(h.entries(), 3u);
}

TEST(ChildHistoriesTest, ARestoredChildIsLikeOneInsertedEntryByEntry) {
  const std::vector<TimelineEntry> history = {Entry(-86400, 1), Entry(0, 2), Entry(86400 * 365, 3)};
  ChildHistories restored, inserted;
  restored.Reserve(10);
  restored.Restore(Key(7), history.data(), history.size());
  for (const TimelineEntry& e : history) inserted.Insert(Key(7), e);
  auto a = restored.Find(Key(7)), b = inserted.Find(Key(7));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].occurred_at(), b[i].occurred_at());
    EXPECT_EQ(a[i].record, b[i].record);
  }
  EXPECT_EQ(a[0].occurred_at(), -86400);  // times before 1970 survive the packing
  // It grows past the room it was restored with (3): the room it leaves is
  // reused, a run of 2 and a run of 1, by children that come later.
  restored.Insert(Key(7), Entry(5, 4));
  restored.Insert(Key(8), Entry(10, 5));
  restored.Insert(Key(8), Entry(11, 6));
  restored.Insert(Key(9), Entry(12, 7));
  auto records = [&](uint32_t child) {
    std::vector<uint64_t> out;
    for (const TimelineEntry& e : restored.Find(Key(child))) out.push_back(e.record);
    return out;
  };
  EXPECT_EQ(records(7), (std::vector<uint64_t>{1, 2, 4, 3}));
  EXPECT_EQ(records(8), (std::vector<uint64_t>{5, 6}));
  EXPECT_EQ(records(9), (std::vector<uint64_t>{7}));
  EXPECT_EQ(restored.entries(), 7u);
}

}  // namespace
}  // namespace lscb::hub
