// Linkage across agencies and aggregate returns, on hand-checked data.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "client/query_client.h"
#include "hub/indicator_view.h"
#include "hub/ingest.h"
#include "store/store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace lscb::hub {
namespace {

using lscb::testing::EventSpec;
using lscb::testing::MakeEvent;

constexpr const char* kGreenwich = "E09000011";
constexpr const char* kHackney = "E09000012";

class LinkageTest : public ::testing::Test {
 protected:
  EventFacts Facts(const EventSpec& s) {
    auto f = ValidateEvent(MakeEvent(s), *boards_, INT64_MAX / 2);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return *f;
  }
  void Add(const EventSpec& s) { view_.Apply(Facts(s)); }
  // indicator|age_band|breakdown -> "value basis flags"
  std::map<std::string, std::string> Cells(IndicatorView& view, const std::string& board, const std::string& period) {
    std::map<std::string, std::string> out;
    auto snap = view.Query(board, *ParsePeriod(period));
    for (const auto& c : snap.cells()) {
      std::string v = client::CellValue(c) + " " + c.basis();
      for (const auto& f : c.flags()) v += " " + f;
      out[c.indicator() + "|" + c.age_band() + "|" + c.breakdown()] = v;
    }
    return out;
  }
  std::string Cell(const std::string& board, const std::string& period, const std::string& key) {
    auto cells = Cells(view_, board, period);
    auto it = cells.find(key);
    return it == cells.end() ? "-" : it->second;
  }

  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  IndicatorView view_{boards_, DefaultDefinitions()};
};

// One child (NHS token "k") reported missing by the police at 22:00 and by
// children's services (as absent) at 09:00 the next morning.
std::vector<EventSpec> OneEpisodeTwoAgencies() {
  return {
      {.kind = "missing.episode", .record_id = "P1", .when = "2007-10-03T22:00", .child = "k", .age = 14,
       .label = "missing", .agency = "police", .token = "nhs"},
      {.kind = "missing.episode", .record_id = "C1", .when = "2007-10-04T09:00", .child = "k", .age = 14,
       .label = "absent", .token = "nhs"},
  };
}

TEST_F(LinkageTest, AMissingEpisodeFromTwoAgenciesCountsOnceAsMissing) {
  for (const auto& e : OneEpisodeTwoAgencies()) Add(e);
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "1 events category_conflict");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|missing"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|10-15|missing"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|absent"), "-");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|all|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "DQ_CORROBORATED|all|"), "100.0 events");
}

TEST_F(LinkageTest, WhicheverArrivesFirstTheResultIsTheSame) {
  auto data = OneEpisodeTwoAgencies();
  data.push_back({.kind = "missing.episode", .record_id = "P2", .when = "2007-10-20T10:00", .child = "k", .age = 14,
                  .token = "nhs"});
  data.push_back({.kind = "police.domestic_abuse", .record_id = "D1", .when = "2007-10-05T01:00", .child = "k",
                  .age = 14, .label = "present", .token = "nhs"});
  data.push_back({.kind = "police.domestic_abuse", .record_id = "D1", .when = "2007-10-05T02:00", .child = "k",
                  .age = 14, .label = "victim", .source = "police:E09000011", .token = "nhs"});
  for (const auto& e : data) Add(e);
  auto expected = Cells(view_, kGreenwich, "2007-Q4");
  std::mt19937 rng(3);
  for (int i = 0; i < 12; ++i) {
    std::shuffle(data.begin(), data.end(), rng);
    IndicatorView v(boards_, DefaultDefinitions());
    for (const auto& e : data) v.Apply(Facts(e));
    EXPECT_EQ(Cells(v, kGreenwich, "2007-Q4"), expected);
  }
  EXPECT_EQ(expected["MIS_EPISODES|all|"], "2 events category_conflict");
  EXPECT_EQ(expected["DA_CHILD_INCIDENTS|all|"], "1 events");
  EXPECT_EQ(expected["DA_CHILD_INCIDENTS|all|victim"], "1 events");
  // Two linked incidents (the episode and the involvement); only the episode
  // was reported by two agencies.
  EXPECT_EQ(expected["DQ_CORROBORATED|all|"], "50.0 events");
}

TEST_F(LinkageTest, ReportsTooFarApartOrInAnotherBoardAreSeparate) {
  Add({.kind = "missing.episode", .record_id = "P1", .when = "2007-10-03T22:00", .child = "k", .token = "nhs"});
  Add({.kind = "missing.episode", .record_id = "C1", .when = "2007-10-05T09:00", .child = "k", .token = "nhs"});
  Add({.kind = "missing.episode", .board = kHackney, .record_id = "C1", .when = "2007-10-03T23:00", .child = "k",
       .token = "nhs"});
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "2 events");
  EXPECT_EQ(Cell(kHackney, "2007-10", "MIS_EPISODES|all|"), "1 events");
  EXPECT_EQ(Cell("E12000007", "2007-10", "MIS_EPISODES|all|"), "3 events");
}

TEST_F(LinkageTest, LinkageIsTransitive) {
  // A-B 20 h apart, B-C 20 h apart: one episode, though A and C are 40 h apart.
  Add({.kind = "missing.episode", .record_id = "A", .when = "2007-10-01T00:00", .child = "k", .token = "nhs"});
  Add({.kind = "missing.episode", .record_id = "C", .when = "2007-10-02T16:00", .child = "k", .token = "nhs"});
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "2 events");
  Add({.kind = "missing.episode", .record_id = "B", .when = "2007-10-01T20:00", .child = "k",
       .agency = "police", .token = "nhs"});
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "1 events");
}

TEST_F(LinkageTest, DistinctAndRepeatMissingChildren) {
  // Child k: three separate episodes in October; child j: one.
  for (const char* day : {"2007-10-01", "2007-10-10", "2007-10-20"})
    Add({.kind = "missing.episode", .record_id = std::string("k") + day, .when = day, .child = "k", .age = 12,
         .token = "nhs"});
  Add({.kind = "missing.episode", .record_id = "j1", .when = "2007-10-05", .child = "j", .age = 3, .token = "nhs"});
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "4 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|all|"), "2 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|10-15|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|1-4|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_REPEAT_CHILDREN|all|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_REPEAT_CHILDREN|10-15|"), "1 events");
}

TEST_F(LinkageTest, EpisodesChainedByTheirTokensAreOneChild) {
  // Three separate episodes: A holds token a, B holds a and b, C holds b.
  // A and C share no token, yet through B they are one child, counted in the
  // band of the earliest episode (A's).
  auto missing = [&](const std::string& id, const std::string& day, int age, std::vector<std::string> tokens) {
    auto e = MakeEvent({.kind = "missing.episode", .record_id = id, .when = day, .child = tokens[0], .age = age,
                        .token = "nhs"});
    for (size_t i = 1; i < tokens.size(); ++i) {
      auto* t = e.mutable_subject()->add_tokens();
      *t = e.subject().tokens(0);
      std::string v = tokens[i];
      v.resize(32, '#');
      t->set_value(v);
    }
    auto f = ValidateEvent(e, *boards_, INT64_MAX / 2);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    view_.Apply(*f);
  };
  missing("C", "2007-10-20", 3, {"b"});
  missing("A", "2007-10-01", 12, {"a"});
  missing("B", "2007-10-10", 7, {"a", "b"});
  missing("D", "2007-10-05", 16, {"d"});  // another child
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "4 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|all|"), "2 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|10-15|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|16-17|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|5-9|"), "-");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|1-4|"), "-");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_REPEAT_CHILDREN|all|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_REPEAT_CHILDREN|10-15|"), "1 events");
  // In November's figures none of them is missing.
  EXPECT_EQ(Cell(kGreenwich, "2007-11", "MIS_CHILDREN|all|"), "-");
}

TEST_F(LinkageTest, AnAccidentalAeInjuryLinkedToAPoliceAssaultIsAConflict) {
  Add({.kind = "health.ae_attendance", .board = kHackney, .record_id = "A1", .when = "2007-11-02T01:30",
       .child = "k", .age = 15, .label = "sharp", .token = "nhs", .intent = "accidental"});
  EXPECT_EQ(Cell(kHackney, "2007-11", "DQ_INTENT_CONFLICT|all|"), "-");
  Add({.kind = "police.child_injury_crime", .board = kGreenwich, .record_id = "X1", .when = "2007-11-01T23:50",
       .child = "k", .age = 15, .token = "nhs", .crime_class = "assault"});
  EXPECT_EQ(Cell(kHackney, "2007-11", "DQ_INTENT_CONFLICT|all|"), "1 events intent_conflict");
  EXPECT_EQ(Cell(kHackney, "2007-11", "DQ_INTENT_CONFLICT|10-15|"), "1 events");
  // Not an assault-injury attendance: A&E said accidental.
  EXPECT_EQ(Cell(kHackney, "2007-11", "AE_ASSAULT_INJURIES|all|"), "-");
  // A robbery is not an assault: no conflict.
  view_.Replace(Facts({.kind = "police.child_injury_crime", .board = kGreenwich, .record_id = "X1",
                       .when = "2007-11-01T23:50", .child = "k", .age = 15, .token = "nhs",
                       .crime_class = "assault"}),
                Facts({.kind = "police.child_injury_crime", .board = kGreenwich, .record_id = "X1",
                       .when = "2007-11-01T23:50", .child = "k", .age = 15, .token = "nhs",
                       .crime_class = "robbery"}));
  EXPECT_EQ(Cell(kHackney, "2007-11", "DQ_INTENT_CONFLICT|all|"), "-");
}

TEST_F(LinkageTest, AeCountsBySafeguardingIntentAndFlag) {
  Add({.kind = "health.ae_attendance", .record_id = "A1", .child = "a", .label = "blunt", .intent = "assault",
       .safeguarding = true});
  Add({.kind = "health.ae_attendance", .record_id = "A2", .child = "b", .injury = false, .cpis = true});
  Add({.kind = "health.ae_attendance", .record_id = "A3", .child = "c", .label = "fall", .intent = "accidental",
       .safeguarding = true, .cpis = true});
  EXPECT_EQ(Cell(kGreenwich, "2007-05", "AE_SAFEGUARDING|all|"), "2 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-05", "AE_ASSAULT_INJURIES|all|"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-05", "AE_ASSAULT_INJURIES|all|blunt"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-05", "AE_CPIS_FLAGGED|5-9|"), "2 events");
  // No A&E record here carries an NHS token; all three are about a child.
  EXPECT_EQ(Cell(kGreenwich, "2007-05", "DQ_NHS_TOKEN_RATE|all|health"), "0.0 events");
}

TEST_F(LinkageTest, AnAmendedRecordThatNoLongerMatchesIsUnmerged) {
  auto data = OneEpisodeTwoAgencies();
  for (const auto& e : data) Add(e);
  EventSpec moved = data[1];
  moved.when = "2007-10-09T09:00";
  view_.Replace(Facts(data[1]), Facts(moved));
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "2 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|absent"), "1 events");
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_CHILDREN|all|"), "1 events");
  view_.Replace(Facts(moved), Facts(data[1]));
  EXPECT_EQ(Cell(kGreenwich, "2007-10", "MIS_EPISODES|all|"), "1 events category_conflict");
}

TEST_F(LinkageTest, ReturnsGiveValuesWhereNoEventsExist) {
  Add({.kind = "return", .record_id = "m1", .label = "cat1_level1", .agency = "police", .source = "police:counts",
       .indicator = "MAPPA_OFFENDERS", .period = "2007-Q3", .value = 12});
  Add({.kind = "return", .record_id = "m2", .indicator = "CSC_S47", .period = "2007-Q3", .value = 3});
  Add({.kind = "return", .record_id = "m3", .indicator = "CSC_ICPC", .period = "2007-Q3", .not_collected = true});
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "MAPPA_OFFENDERS|all|cat1_level1"), "12 return");
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_S47|all|"), "3 return");
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_ICPC|all|"), "n/a return");
  // A return is for its own period only.
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_S47|all|"), "-");
  // Events of the indicator take over; a different return value is flagged.
  Add({.kind = "csc.s47_started", .record_id = "s1", .when = "2007-08-01"});
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_S47|all|"), "1 both reconcile");
  Add({.kind = "csc.s47_started", .record_id = "s2", .when = "2007-08-02", .child = "b"});
  Add({.kind = "csc.s47_started", .record_id = "s3", .when = "2007-08-03", .child = "c"});
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_S47|all|"), "3 both");
  // London sums the boroughs; a borough's "not collected" makes it partial.
  Add({.kind = "return", .board = kHackney, .record_id = "m3", .indicator = "CSC_ICPC", .period = "2007-Q3",
       .value = 4});
  EXPECT_EQ(Cell("E12000007", "2007-Q3", "CSC_ICPC|all|"), "4 return partial");
  EXPECT_EQ(Cell("E12000007", "2007-Q3", "CSC_S47|all|"), "3 both");
}

// Ingest decides MERGED from the store's linkage index, whichever report
// arrives first, across restarts, and un-merges an amended report.
class MergeIngestTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    processor_.reset();
    store_.reset();
    store_ = std::move(store::Store::Open(dir_.path(), {}).value());
    view_ = std::make_unique<IndicatorView>(boards_, DefaultDefinitions());
    processor_ = std::make_unique<IngestProcessor>(*store_, *view_, mutex_, boards_, DefaultDefinitions(),
                                                   SystemClock::Instance());
    uint64_t n = 0;
    ASSERT_TRUE(processor_->ReplayLog(0, &n).ok());
  }
  lscb::v1::Outcome Send(const EventSpec& s) {
    std::string bytes = MakeEvent(s).SerializeAsString();
    auto acks = processor_->ProcessGroup({{bytes, "test"}});
    EXPECT_TRUE(acks.ok());
    return acks.ok() ? (*acks)[0].outcome() : lscb::v1::OUTCOME_UNSPECIFIED;
  }
  std::string Episodes() {
    auto snap = view_->Query(kGreenwich, *ParsePeriod("2007-10"));
    for (const auto& c : snap.cells())
      if (c.indicator() == "MIS_EPISODES" && c.age_band() == "all" && c.breakdown().empty())
        return std::to_string(c.count());
    return "0";
  }

  lscb::testing::TempDir dir_;
  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  std::shared_mutex mutex_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<IndicatorView> view_;
  std::unique_ptr<IngestProcessor> processor_;
};

TEST_F(MergeIngestTest, TheSecondReportIsMergedInEitherOrderAndAfterARestart) {
  auto data = OneEpisodeTwoAgencies();
  data[0].agency = "police";
  EXPECT_EQ(Send(data[1]), lscb::v1::ACCEPTED);
  Open();  // restart between the two reports
  EXPECT_EQ(Send(data[0]), lscb::v1::MERGED);
  EXPECT_EQ(Episodes(), "1");
  EXPECT_EQ(Send(data[0]), lscb::v1::DUPLICATE);

  // The other order, another child.
  for (auto& e : data) {
    e.child = "other";
    e.record_id += "b";
  }
  EXPECT_EQ(Send(data[0]), lscb::v1::ACCEPTED);
  EXPECT_EQ(Send(data[1]), lscb::v1::MERGED);
  EXPECT_EQ(Episodes(), "2");

  // Amended to three days later: un-merged and counted again.
  EventSpec moved = data[1];
  moved.when = "2007-10-07T09:00";
  EXPECT_EQ(Send(moved), lscb::v1::AMENDED);
  EXPECT_EQ(Episodes(), "3");
  // A new report near the moved one merges with it, not with the old time.
  EventSpec near = moved;
  near.record_id = "P9";
  near.agency = "police";
  near.source = "police:central";
  near.when = "2007-10-07T12:00";
  EXPECT_EQ(Send(near), lscb::v1::MERGED);
  EXPECT_EQ(Episodes(), "3");
}

// The linkage index holds the reports that merge (missing episodes,
// domestic abuse), not injuries, which the view links in memory: an
// accidental A&E injury and a police assault on the same child are still a
// conflict, after a restart too.
TEST_F(MergeIngestTest, OnlyReportsThatMergeAreKeptInTheLinkageIndex) {
  auto linkage_keys = [&] {
    size_t n = 0;
    EXPECT_TRUE(store_->ScanAll([&](std::string_view family, std::string_view, std::string_view) {
                         n += family == "linkage";
                         return true;
                       }).ok());
    return n;
  };
  EXPECT_EQ(Send({.kind = "health.ae_attendance", .board = kHackney, .record_id = "A1", .when = "2007-11-02T01:30",
                  .child = "k", .age = 15, .label = "sharp", .token = "nhs", .intent = "accidental"}),
            lscb::v1::ACCEPTED);
  EXPECT_EQ(Send({.kind = "police.child_injury_crime", .board = kGreenwich, .record_id = "X1",
                  .when = "2007-11-01T23:50", .child = "k", .age = 15, .agency = "police", .token = "nhs",
                  .crime_class = "assault"}),
            lscb::v1::ACCEPTED);
  EXPECT_EQ(linkage_keys(), 0u);
  auto conflict = [&] {
    auto snap = view_->Query(kHackney, *ParsePeriod("2007-11"));
    for (const auto& c : snap.cells())
      if (c.indicator() == "DQ_INTENT_CONFLICT" && c.age_band() == "all") return c.count();
    return int64_t{0};
  };
  EXPECT_EQ(conflict(), 1);
  EXPECT_EQ(Send({.kind = "police.domestic_abuse", .record_id = "D1", .when = "2007-10-05T01:00", .child = "k",
                  .age = 14, .label = "present", .agency = "police", .token = "nhs"}),
            lscb::v1::ACCEPTED);
  for (const auto& e : OneEpisodeTwoAgencies()) Send(e);
  EXPECT_EQ(linkage_keys(), 3u);  // one token each
  Open();
  EXPECT_EQ(conflict(), 1);
  EXPECT_EQ(Episodes(), "1");
}

TEST_F(MergeIngestTest, AnOlderRevisionOfAReturnChangesNothing) {
  EventSpec r{.kind = "return", .record_id = "k", .indicator = "CSC_S47", .period = "2007-Q3", .value = 5,
              .revision = 2};
  EXPECT_EQ(Send(r), lscb::v1::ACCEPTED);
  EventSpec older = r;
  older.value = 9;
  older.revision = 1;
  older.read_at += 100;
  EXPECT_EQ(Send(older), lscb::v1::DUPLICATE);
  EventSpec newer = r;
  newer.value = 7;
  newer.revision = 3;
  EXPECT_EQ(Send(newer), lscb::v1::AMENDED);
  auto snap = view_->Query(kGreenwich, *ParsePeriod("2007-Q3"));
  const auto& cells = snap.cells();
  ASSERT_EQ(cells.size(), 1);
  EXPECT_EQ(cells[0].count(), 7);
  EXPECT_EQ(cells[0].basis(), "return");
}

}  // namespace
}  // namespace lscb::hub
