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

  // The children's-services kinds and board participation (kinds with and
  // without a detail message).
  static std::vector<std::string> CscKinds() {
    return {"csc.contact",   "csc.referral",        "csc.assessment_completed", "csc.s47_started",
            "csc.icpc_held", "csc.cp_plan_started", "csc.cp_plan_ended",        "board.participation"};
  }

  // A group of `n` new records of `kinds` in turn, for 32 children, on dates
  // that repeat from group to group; every tenth event re-sends the record
  // sent just before it.
  std::vector<std::string> Group(size_t n, const std::vector<std::string>& kinds = CscKinds()) {
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
      if (i % 10 == 9) {
        out.push_back(out.back());
        continue;
      }
      EventSpec s;
      s.kind = kinds[i % kinds.size()];
      s.record_id = "rec-" + std::to_string(next_id_++) + "-0123456789abcdef0123456789";
      s.child = fresh_children_ ? "lchild-" + std::to_string(next_id_ / 2) : "child-" + std::to_string(i % 32);
      s.age = static_cast<int>(i % 17);
      char when[32];
      std::snprintf(when, sizeof when, "2007-%02zu-%02zuT10:00", 4 + i % 9, 1 + i % 28);
      s.when = when;
      out.push_back(MakeEvent(s).SerializeAsString());
    }
    return out;
  }

  struct Counts {
    uint64_t decided = 0;  // deciding and committing
    uint64_t applied = 0;  // applying to the view
    uint64_t total() const { return decided + applied; }
  };

  // The allocations made on this thread deciding, committing and applying
  // `encoded`, as the hub does (the view's update deferred, then applied).
  Counts Ingest(const std::vector<std::string>& encoded) {
    std::vector<IncomingEvent> in;
    for (const auto& e : encoded) in.push_back({e, "anonymous"});
    std::vector<ViewUpdate> updates(1);
    Counts n;
    const uint64_t before = lscb::testing::AllocationsCounted();
    lscb::testing::CountAllocations(true);
    auto acks = processor_->ProcessGroup(in, &updates[0]);
    n.decided = lscb::testing::AllocationsCounted() - before;
    processor_->ApplyToView(updates);
    lscb::testing::CountAllocations(false);
    n.applied = lscb::testing::AllocationsCounted() - before - n.decided;
    EXPECT_TRUE(acks.ok()) << acks.status().ToString();
    if (acks.ok()) {
      for (size_t i = 0; i < acks->size(); ++i) {
        if (i % 10 == 9) EXPECT_EQ((*acks)[i].outcome(), lscb::v1::DUPLICATE) << i;
        else EXPECT_NE((*acks)[i].outcome(), lscb::v1::REJECTED) << i << ": " << (*acks)[i].reason();
      }
    }
    return n;
  }

  lscb::testing::TempDir dir_;
  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<IndicatorView> view_;
  std::shared_mutex mutex_;
  std::unique_ptr<IngestProcessor> processor_;
  size_t next_id_ = 0;
  bool fresh_children_ = false;
};

TEST_F(AllocationTest, AGroupCostsAboutTheSameAllocationsWhateverItsSize) {
  // Warm: the view holds these children, boards and periods; the store,
  // the group's buffers and the decoder have held groups this size.
  for (int round = 0; round < 4; ++round) {
    Ingest(Group(64));
    Ingest(Group(256));
  }
  const Counts small = Ingest(Group(64));
  const Counts large = Ingest(Group(256));
  // 192 more events; each allocating once would be 192 more. What is left
  // grows with the data, not with each event: a child's history, the
  // store's memory tables, RocksDB's log (a few for each 32 KiB written).
  EXPECT_LT(large.total(), small.total() + 192 / 4)
      << "a group of 64 events: " << small.total() << " allocations, of 256: " << large.total();
  // And a group costs a few dozen allocations in all (RocksDB's write among
  // them), not a few per event.
  EXPECT_LT(small.total(), 64u);
}

// Amending records: the version held is read back from the log and
// decoded, and the view takes it out and puts the new one in.
TEST_F(AllocationTest, AmendmentsCostAboutTheSameAllocationsWhateverTheGroupsSize) {
  // The same records an hour later.
  auto amended = [](std::vector<std::string> group) {
    for (auto& bytes : group) {
      lscb::v1::Envelope e;
      EXPECT_TRUE(e.ParseFromString(bytes));
      e.set_occurred_at(e.occurred_at() + 3600);
      bytes = e.SerializeAsString();
    }
    return group;
  };
  auto amend = [&](size_t n) {
    auto group = Group(n);
    Ingest(group);
    return Ingest(amended(group));
  };
  for (int round = 0; round < 4; ++round) {
    amend(64);
    amend(256);
  }
  const Counts small = amend(64);
  const Counts large = amend(256);
  EXPECT_LT(large.total(), small.total() + 192 / 4)
      << "amending 64 records: " << small.total() << " allocations, 256: " << large.total();
}

TEST_F(AllocationTest, LinkingEventsAllocateOnlyWhatTheViewHoldsOfThem) {
  // Injuries reported by the police and by A&E, missing episodes and
  // domestic abuse, for new children, each child in two events: each writes
  // linkage keys, looks for the same incident reported before (in the group
  // and in the store), and forms or joins a cluster in the view.
  const std::vector<std::string> kinds = {"police.child_injury_crime", "health.ae_attendance", "missing.episode",
                                          "police.domestic_abuse"};
  fresh_children_ = true;
  for (int round = 0; round < 4; ++round) {
    Ingest(Group(64, kinds));
    Ingest(Group(256, kinds));
  }
  const Counts small = Ingest(Group(64, kinds));
  const Counts large = Ingest(Group(256, kinds));
  // Deciding and committing: per group (and RocksDB's log, as above).
  EXPECT_LT(large.decided, small.decided + 192 / 4)
      << "a group of 64 events: " << small.decided << " allocations, of 256: " << large.decided;
  // The view keeps each linkable record (a map entry and its list of
  // tokens), a new child's token in its index (an entry and a list) and a
  // missing episode: up to five allocations for each new record, none for
  // working out its cluster.
  EXPECT_LT(large.applied - small.applied, 192u * 5)
      << "a group of 64 events: " << small.applied << " allocations, of 256: " << large.applied;
}

// A group's list of view updates (a few hundred bytes an event, a few MB
// for a large group) is the list of a group applied before, not memory
// allocated (and, fresh from the system, faulted in) for each group.
size_t large_allocations = 0;
size_t large_bytes = 0;

TEST_F(AllocationTest, AGroupsViewUpdatesReuseTheListOfAnAppliedGroup) {
  for (int round = 0; round < 4; ++round) Ingest(Group(256));
  large_bytes = 256 * sizeof(ViewUpdate::Op);
  large_allocations = 0;
  lscb::testing::SetAllocationHook([](std::size_t bytes) {
    if (bytes >= large_bytes) ++large_allocations;
  });
  Ingest(Group(256));
  Ingest(Group(256));
  lscb::testing::SetAllocationHook(nullptr);
  EXPECT_EQ(large_allocations, 0u) << "allocations of at least " << large_bytes << " bytes";
}

}  // namespace
}  // namespace lscb::hub
