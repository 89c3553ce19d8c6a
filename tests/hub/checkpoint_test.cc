// The indicator view's checkpoint in a real store: the children's histories
// (most of a large view) are saved apart from the rest, in the same write,
// so that a restart answers queries before reading them. A checkpoint of an
// earlier build (one blob) is still read; one whose children's histories
// are missing or of another log position is not used.
#include <gtest/gtest.h>

#include <shared_mutex>

#include "hub/ingest.h"
#include "hub/maintenance.h"
#include "store/store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace lscb::hub {
namespace {

using lscb::testing::MakeEvent;

constexpr const char* kView = "indicator_view";
constexpr const char* kChildren = "indicator_view_children";

std::string Position(uint64_t seq) {
  std::string header(8, '\0');
  for (int i = 0; i < 8; ++i) header[i] = static_cast<char>((seq >> (8 * i)) & 0xFF);
  return header;
}

class ViewCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Options o;
    // A failing disk, for the checkpoint named in fail_reading_.
    o.before_read_checkpoint = [this](std::string_view name) {
      return name == fail_reading_ ? Status::IoError("injected: cannot read " + std::string(name)) : Status::Ok();
    };
    auto s = store::Store::Open(dir_.path(), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    IngestProcessor processor(*store_, view_, mu_, boards_, DefaultDefinitions(), SystemClock::Instance());
    std::vector<std::string> bytes;
    for (const char* id : {"r1", "r2", "r3"})
      bytes.push_back(MakeEvent({.kind = "csc.referral", .record_id = id, .when = "2007-06-01", .child = id})
                          .SerializeAsString());
    bytes.push_back(MakeEvent({.kind = "csc.referral", .record_id = "r4", .when = "2007-09-01", .child = "r1"})
                        .SerializeAsString());
    std::vector<IncomingEvent> events;
    for (const auto& b : bytes) events.push_back({b, "test"});
    auto acks = processor.ProcessGroup(events);
    ASSERT_TRUE(acks.ok()) << acks.status().ToString();
    ASSERT_EQ(store_->last_event_seq(), 4u);
    ASSERT_GT(view_.Query("E09000011", *ParsePeriod("FY2007-08")).cells_size(), 0);
  }

  IndicatorView Empty() const { return IndicatorView(boards_, DefaultDefinitions()); }

  // The checkpoint in the store restores view_ (at log position 4): whole at
  // once, and with its children's histories later.
  void ExpectTheViewRestored() {
    IndicatorView now = Empty();
    auto seq = LoadViewCheckpoint(*store_, now);
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    EXPECT_EQ(*seq, 4u);
    EXPECT_EQ(now.Serialize(), view_.Serialize());

    IndicatorView later = Empty();
    ChildrenLoader load;
    seq = LoadViewCheckpoint(*store_, later, &load);
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, 4u);
    ASSERT_TRUE(load);
    EXPECT_EQ(later.Query("E09000011", *ParsePeriod("FY2007-08")).SerializeAsString(),
              view_.Query("E09000011", *ParsePeriod("FY2007-08")).SerializeAsString());
    auto restored = load();
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    EXPECT_EQ(restored->size(), 3u);  // children r1, r2, r3
    later.AdoptChildren(std::move(*restored));
    EXPECT_EQ(later.Serialize(), view_.Serialize());
  }

  lscb::testing::TempDir dir_;
  std::string fail_reading_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  std::shared_mutex mu_;
  IndicatorView view_{boards_, DefaultDefinitions()};
};

TEST_F(ViewCheckpointTest, IsRestoredWholeAtOnceOrWithItsChildrenLater) {
  ASSERT_TRUE(SaveViewCheckpoint(*store_, view_, 4).ok());
  // Two blobs: the rest of the view says its children's histories are apart.
  std::string rest, children;
  ASSERT_TRUE(*store_->ReadCheckpoint(kView, [&](std::string_view v) { rest.assign(v); }));
  ASSERT_TRUE(*store_->ReadCheckpoint(kChildren, [&](std::string_view v) { children.assign(v); }));
  EXPECT_FALSE(IndicatorView::HoldsChildren(std::string_view(rest).substr(8)));
  EXPECT_EQ(children.substr(0, 8), Position(4));

  ExpectTheViewRestored();
}

TEST_F(ViewCheckpointTest, ACheckpointInOneBlobAsEarlierBuildsWroteIsRead) {
  ASSERT_TRUE(store_->PutCheckpoint(kView, Position(4) + view_.Serialize()).ok());
  ExpectTheViewRestored();
}

TEST_F(ViewCheckpointTest, ACheckpointWithoutItsOwnChildrensHistoriesIsNotUsed) {
  std::string children;
  const std::string rest = view_.Serialize(Position(4), &children);
  // Missing.
  ASSERT_TRUE(store_->PutCheckpoint(kView, rest).ok());
  IndicatorView v = Empty();
  auto seq = LoadViewCheckpoint(*store_, v);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 0u);
  EXPECT_EQ(v.Serialize(), Empty().Serialize());
  IndicatorView later = Empty();
  ChildrenLoader load = [] { return Result<ChildHistories>(ChildHistories()); };  // replaced
  seq = LoadViewCheckpoint(*store_, later, &load);
  ASSERT_TRUE(seq.ok());
  ASSERT_EQ(*seq, 4u);  // found out when they are read
  ASSERT_TRUE(load);
  auto restored = load();
  ASSERT_FALSE(restored.ok());
  EXPECT_NE(restored.status().message().find("missing"), std::string::npos) << restored.status().message();

  // Of another log position (as if written by another checkpoint).
  ASSERT_TRUE(store_->PutCheckpoints({{kView, rest}, {kChildren, Position(3) + children}}).ok());
  IndicatorView other = Empty();
  seq = LoadViewCheckpoint(*store_, other);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 0u);
  EXPECT_EQ(other.Serialize(), Empty().Serialize());
  IndicatorView other_later = Empty();
  load = nullptr;
  seq = LoadViewCheckpoint(*store_, other_later, &load);
  ASSERT_TRUE(seq.ok() && load);
  restored = load();
  ASSERT_FALSE(restored.ok());
  EXPECT_NE(restored.status().message().find("log position 3, not 4"), std::string::npos)
      << restored.status().message();

  // Their own: used.
  ASSERT_TRUE(store_->PutCheckpoints({{kView, rest}, {kChildren, Position(4) + children}}).ok());
  IndicatorView own = Empty();
  seq = LoadViewCheckpoint(*store_, own);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 4u);
  EXPECT_EQ(own.Serialize(), view_.Serialize());
}

// Children's histories that cannot be read (a failing disk, not damage)
// are an error: the checkpoint is neither used without them nor taken for
// damaged, which would recompute the view from the log (or, once retention
// has shortened it, refuse to start for the wrong reason).
TEST_F(ViewCheckpointTest, ChildrensHistoriesThatCannotBeReadAreAnErrorNotDamage) {
  ASSERT_TRUE(SaveViewCheckpoint(*store_, view_, 4).ok());
  fail_reading_ = kChildren;
  IndicatorView whole = Empty();
  auto seq = LoadViewCheckpoint(*store_, whole);
  ASSERT_FALSE(seq.ok());
  EXPECT_TRUE(seq.status().IsIoError()) << seq.status().ToString();
  EXPECT_NE(seq.status().message().find("injected"), std::string::npos) << seq.status().message();
  EXPECT_EQ(whole.Serialize(), Empty().Serialize());  // nothing half-loaded

  IndicatorView later = Empty();
  ChildrenLoader load;
  seq = LoadViewCheckpoint(*store_, later, &load);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 4u);
  ASSERT_TRUE(load);
  auto restored = load();
  ASSERT_FALSE(restored.ok());
  EXPECT_TRUE(restored.status().IsIoError()) << restored.status().ToString();
  EXPECT_FALSE(restored.status().IsCorruption());

  // The rest of the view unreadable: an error too.
  fail_reading_ = kView;
  IndicatorView none = Empty();
  seq = LoadViewCheckpoint(*store_, none);
  ASSERT_FALSE(seq.ok());
  EXPECT_TRUE(seq.status().IsIoError());

  fail_reading_.clear();  // the disk recovers: the checkpoint is whole
  ExpectTheViewRestored();
}

}  // namespace
}  // namespace lscb::hub
