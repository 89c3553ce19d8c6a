// KeyTable against a std::map doing the same puts: through growth, and
// emptied and filled again in the memory it kept.
#include "core/key_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace lscb {
namespace {

void ExpectSame(const KeyTable<int>& table, const std::map<std::string, int>& model, int keys) {
  ASSERT_EQ(table.size(), model.size());
  for (int k = 0; k < keys; ++k) {
    const std::string key = "source:" + std::to_string(k);
    auto it = model.find(key);
    const int* v = table.Find(key);
    if (it == model.end()) {
      EXPECT_EQ(v, nullptr) << key;
    } else {
      ASSERT_NE(v, nullptr) << key;
      EXPECT_EQ(*v, it->second) << key;
    }
  }
}

TEST(KeyTableTest, HoldsTheLastValuePutForEachKeyAndForgetsThemWhenCleared) {
  constexpr int kKeys = 5000;
  std::mt19937 rng(3);
  KeyTable<int> table(16);  // grows many times
  for (int round = 0; round < 3; ++round) {
    std::map<std::string, int> model;
    for (int i = 0; i < 4000; ++i) {
      const std::string key = "source:" + std::to_string(rng() % kKeys);
      const int value = static_cast<int>(rng());
      table.Put(key, value);
      model[key] = value;
    }
    ExpectSame(table, model, kKeys);
    // In the order first put, each once.
    size_t seen = 0;
    table.ForEach([&](std::string_view key, int value) {
      ++seen;
      EXPECT_EQ(model.at(std::string(key)), value);
    });
    EXPECT_EQ(seen, model.size());
    table.Clear();
    ExpectSame(table, {}, kKeys);
  }
}

TEST(KeyTableTest, AReservedTableHoldsWhatItWasReservedFor) {
  KeyTable<int> table(16);
  table.Reserve(1000, 1000 * 12);
  std::map<std::string, int> model;
  for (int k = 0; k < 1000; ++k) {
    table.Put("source:" + std::to_string(k), k);
    model["source:" + std::to_string(k)] = k;
  }
  ExpectSame(table, model, 2000);
}

}  // namespace
}  // namespace lscb
