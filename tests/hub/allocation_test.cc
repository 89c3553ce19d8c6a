// The ingest path allocates per group, not per event: deciding, committing
// and applying a group of events the hub has seen the like of costs about
// the same number of heap allocations whatever the group's size.
//
// It counts the allocations made on the test's thread with a replaced
// operator new (testing/counted_new.h), which is why it is a test program of
// its own.
#include <gtest/gtest.h>

#include <shared_mutex>

#include "hub/ingest.h"
#include "store/store.h"
#include "testing/counted_new.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace lscb::hub {
namespace {

using lscb::testing::EventSpec;
using lscb::testing::MakeEvent;

class AllocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(dir_.path(), store::Options{});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s.value());
    view_ = std::make_unique<IndicatorView>(boards_, DefaultDefinitions());
    processor_ = std::make_unique<IngestProcessor>(*store_, *view_, mutex_, boards_, DefaultDefinitions(),
                                                   SystemClock::Instance());
  }

  // A group of `n` new records of the children's-services kinds and board
  // participation (every kind with and without a detail message), for 32
  // children, on dates that repeat from group to group; every tenth event
  // re-sends the record sent just before it.
  std::vector<std::string> Group(size_t n) {
    static const char* kKinds[] = {"csc.contact",      "csc.referral",          "csc.assessment_completed",
                                   "csc.s47_started",  "csc.icpc_held",         "csc.cp_plan_started",
                                   "csc.cp_plan_ended", "board.participation"};
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
      if (i % 10 == 9) {
        out.push_back(out.back());
        continue;
      }
      EventSpec s;
      s.kind = kKinds[i % 8];
      s.record_id = "rec-" + std::to_string(next_id_++) + "-0123456789abcdef0123456789";
      s.child = "child-" + std::to_string(i % 32);
      s.age = static_cast<int>(i % 17);
      char when[32];
      std::snprintf(when, sizeof when, "2007-%02zu-%02zuT10:00", 4 + i % 9, 1 + i % 28);
      s.when = when;
      out.push_back(MakeEvent(s).SerializeAsString());
    }
    return out;
  }

  // The allocations made on this thread deciding, committing and applying
  // `encoded`, as the hub does (the view's update deferred, then applied).
  uint64_t Ingest(const std::vector<std::string>& encoded) {
    std::vector<IncomingEvent> in;
    for (const auto& e : encoded) in.push_back({e, "anonymous"});
    std::vector<ViewUpdate> updates(1);
    const uint64_t before = lscb::testing::AllocationsCounted();
    lscb::testing::CountAllocations(true);
    auto acks = processor_->ProcessGroup(in, &updates[0]);
    processor_->ApplyToView(updates);
    lscb::testing::CountAllocations(false);
    EXPECT_TRUE(acks.ok()) << acks.status().ToString();
    if (acks.ok()) {
      for (size_t i = 0; i < acks->size(); ++i)
        EXPECT_EQ((*acks)[i].outcome(), i % 10 == 9 ? lscb::v1::DUPLICATE : lscb::v1::ACCEPTED)
            << i << ": " << (*acks)[i].reason();
    }
    return lscb::testing::AllocationsCounted() - before;
  }

  lscb::testing::TempDir dir_;
  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<IndicatorView> view_;
  std::shared_mutex mutex_;
  std::unique_ptr<IngestProcessor> processor_;
  size_t next_id_ = 0;
};

TEST_F(AllocationTest, AGroupCostsAboutTheSameAllocationsWhateverItsSize) {
  // Warm: the view holds these children, boards and periods; the store,
  // the group's buffers and the decoder have held groups this size.
  for (int round = 0; round < 4; ++round) {
    Ingest(Group(64));
    Ingest(Group(256));
  }
  const uint64_t small = Ingest(Group(64));
  const uint64_t large = Ingest(Group(256));
  // 192 more events; each allocating once would be 192 more. What is left
  // grows with the data held, not with each event: a child's history, the
  // store's memory tables.
  EXPECT_LT(large, small + 192 / 8) << "a group of 64 events: " << small << " allocations, of 256: " << large;
  // And a group costs a few dozen allocations in all (RocksDB's write among
  // them), not a few per event.
  EXPECT_LT(small, 64u) << small;
}

}  // namespace
}  // namespace lscb::hub
