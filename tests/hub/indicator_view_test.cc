// Each indicator's definition on small hand-checked datasets.
#include "hub/indicator_view.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>

#include "client/query_client.h"
#include "testing/events.h"

namespace lscb::hub {
namespace {

using lscb::testing::EventSpec;
using lscb::testing::MakeEvent;

constexpr const char* kGreenwich = "E09000011";
constexpr const char* kHackney = "E09000012";

// A board and period's cells against a std::map doing the same sums: cells
// that come back to 0 are not listed, and are dropped when the table grows.
TEST(CellMapTest, HoldsTheSumsOfItsAddsAndListsThoseOtherThanZeroInKeyOrder) {
  CellMap cells;
  std::map<uint32_t, int64_t> expected;
  std::mt19937 rng(11);
  auto check = [&] {
    std::vector<std::pair<uint32_t, int64_t>> want;
    for (const auto& [k, v] : expected)
      if (v != 0) want.emplace_back(k, v);
    EXPECT_EQ(cells.Sorted(), want);
    EXPECT_EQ(cells.size(), want.size());
    EXPECT_EQ(cells.empty(), want.empty());
  };
  for (int round = 0; round < 40; ++round) {
    // Keys of a few indicators, bands and labels, as the view makes them.
    for (int i = 0; i < 200; ++i) {
      const uint32_t key = (rng() % 12) << 16 | (rng() % 6) << 8 | rng() % 9;
      const int64_t amount = static_cast<int64_t>(rng() % 5) - 2;
      cells.Add(key, amount);
      expected[key] += amount;
    }
    check();
    // Everything back to 0 now and then: the map is empty but may be refilled.
    if (round % 10 == 9) {
      for (const auto& [k, v] : expected) cells.Add(k, -v);
      expected.clear();
      check();
      EXPECT_TRUE(cells.empty());
    }
  }
}

class ViewTest : public ::testing::Test {
 protected:
  EventFacts Facts(const EventSpec& s) {
    auto f = ValidateEvent(MakeEvent(s), *boards_, INT64_MAX / 2);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return *f;
  }
  void Add(const EventSpec& s) { view_.Apply(Facts(s)); }

  // `restored` gives view_'s snapshots of Greenwich for `periods`, and stays
  // equal to it when `later` is applied to both.
  void ExpectSameView(IndicatorView& restored, std::initializer_list<const char*> periods, const EventSpec& later) {
    for (const char* p : periods)
      EXPECT_EQ(restored.Query(kGreenwich, *ParsePeriod(p)).SerializeAsString(),
                view_.Query(kGreenwich, *ParsePeriod(p)).SerializeAsString());
    EventFacts f = Facts(later);
    restored.Apply(f);
    view_.Apply(f);
    EXPECT_EQ(restored.Serialize(), view_.Serialize());
  }

  // indicator|age_band|breakdown -> printed value
  std::map<std::string, std::string> Cells(const std::string& board, const std::string& period) {
    std::map<std::string, std::string> out;
    auto snap = view_.Query(board, *ParsePeriod(period));
    for (const auto& c : snap.cells())
      out[c.indicator() + "|" + c.age_band() + "|" + c.breakdown()] = client::CellValue(c);
    return out;
  }
  std::string Cell(const std::string& board, const std::string& period, const std::string& key) {
    auto cells = Cells(board, period);
    auto it = cells.find(key);
    return it == cells.end() ? "0" : it->second;
  }

  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  IndicatorView view_{boards_, DefaultDefinitions()};
};

TEST_F(ViewTest, ContactsAndReferralsBySourceAgeAndPeriod) {
  Add({.kind = "csc.contact", .record_id = "c1", .when = "2007-05-10", .child = "a", .age = 7, .label = "police"});
  Add({.kind = "csc.contact", .record_id = "c2", .when = "2007-05-11", .child = "b", .age = 3, .label = "police"});
  Add({.kind = "csc.contact", .record_id = "c3", .when = "2007-06-01", .child = "c", .age = 7, .label = "school"});
  Add({.kind = "csc.referral", .record_id = "r1", .when = "2007-05-12", .child = "a", .age = 7, .label = "police"});

  auto may = Cells(kGreenwich, "2007-05");
  EXPECT_EQ(may["CSC_CONTACTS|all|"], "2");
  EXPECT_EQ(may["CSC_CONTACTS|all|police"], "2");
  EXPECT_EQ(may["CSC_CONTACTS|5-9|"], "1");
  EXPECT_EQ(may["CSC_CONTACTS|1-4|police"], "1");
  EXPECT_EQ(may.count("CSC_CONTACTS|all|school"), 0u);
  EXPECT_EQ(may["CSC_REFERRALS|all|"], "1");
  EXPECT_EQ(may["CSC_CONTACT_CONVERSION|all|"], "50.0");
  EXPECT_EQ(may["CSC_CONTACT_CONVERSION|5-9|"], "100.0");
  EXPECT_EQ(may["CSC_CONTACT_CONVERSION|1-4|"], "0.0");

  auto q2 = Cells(kGreenwich, "2007-Q2");
  EXPECT_EQ(q2["CSC_CONTACTS|all|"], "3");
  EXPECT_EQ(q2["CSC_CONTACTS|all|school"], "1");
  EXPECT_EQ(q2["CSC_CONTACT_CONVERSION|all|"], "33.3");
  EXPECT_EQ(Cells(kGreenwich, "FY2007-08")["CSC_CONTACTS|all|"], "3");
  EXPECT_TRUE(Cells(kGreenwich, "2007-Q3").empty());
  EXPECT_TRUE(Cells(kHackney, "2007-Q2").empty());
}

TEST_F(ViewTest, ConversionWithoutContactsIsNotAvailable) {
  Add({.kind = "csc.referral", .record_id = "r1", .when = "2007-05-12", .child = "a"});
  EXPECT_EQ(Cell(kGreenwich, "2007-05", "CSC_CONTACT_CONVERSION|all|"), "n/a");
}

TEST_F(ViewTest, SimpleCountsOfAssessmentsS47AndConferences) {
  Add({.kind = "csc.assessment_completed", .record_id = "a1", .when = "2007-07-01"});
  Add({.kind = "csc.assessment_completed", .record_id = "a2", .when = "2007-07-02", .child = "b", .age = 16});
  Add({.kind = "csc.s47_started", .record_id = "s1", .when = "2007-07-03"});
  Add({.kind = "csc.icpc_held", .record_id = "i1", .when = "2007-08-03"});
  auto q3 = Cells(kGreenwich, "2007-Q3");
  EXPECT_EQ(q3["CSC_ASSESSMENTS|all|"], "2");
  EXPECT_EQ(q3["CSC_ASSESSMENTS|16-17|"], "1");
  EXPECT_EQ(q3["CSC_S47|all|"], "1");
  EXPECT_EQ(q3["CSC_ICPC|all|"], "1");
  EXPECT_EQ(Cell(kGreenwich, "2007-07", "CSC_ICPC|all|"), "0");
}

// Child a: referrals 2007-01-10, 2007-11-10 (within 12 months: a re-referral)
// and 2009-01-01 (14 months later: not). Child b: 2007-06-01 and 2008-06-01
// (exactly 12 months: a re-referral).
std::vector<EventSpec> RereferralData() {
  return {
      {.kind = "csc.referral", .record_id = "r1", .when = "2007-01-10", .child = "a"},
      {.kind = "csc.referral", .record_id = "r2", .when = "2007-11-10", .child = "a"},
      {.kind = "csc.referral", .record_id = "r3", .when = "2009-01-01", .child = "a", .age = 8},
      {.kind = "csc.referral", .record_id = "r4", .when = "2007-06-01", .child = "b", .age = 12},
      {.kind = "csc.referral", .record_id = "r5", .when = "2008-06-01", .child = "b", .age = 13},
  };
}

TEST_F(ViewTest, RereferralsWithinTwelveMonths) {
  for (const auto& e : RereferralData()) Add(e);
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_REREFERRALS_12M|all|"), "1");
  EXPECT_EQ(Cell(kGreenwich, "2007-11", "CSC_REREFERRALS_12M|5-9|"), "1");
  EXPECT_EQ(Cell(kGreenwich, "FY2008-09", "CSC_REREFERRALS_12M|all|"), "1");  // r5, not r3
  EXPECT_EQ(Cell(kGreenwich, "2009-01", "CSC_REREFERRALS_12M|all|"), "0");
  EXPECT_EQ(Cell(kGreenwich, "2008-06", "CSC_REREFERRALS_12M|10-15|"), "1");
}

TEST_F(ViewTest, RereferralsDoNotDependOnArrivalOrder) {
  auto data = RereferralData();
  for (const auto& e : data) Add(e);
  auto expected = Cells(kGreenwich, "FY2008-09");
  auto expected_fy07 = Cells(kGreenwich, "FY2007-08");
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(data.begin(), data.end(), rng);
    IndicatorView fresh(boards_, DefaultDefinitions());
    for (const auto& e : data) fresh.Apply(Facts(e));
    view_.Clear();
    for (const auto& e : data) view_.Apply(Facts(e));
    EXPECT_EQ(Cells(kGreenwich, "FY2008-09"), expected);
    EXPECT_EQ(Cells(kGreenwich, "FY2007-08"), expected_fy07);
  }
}

// Child a: plan (neglect) 2007-05-01 to 2007-09-30, a second plan (physical)
// from 2008-02-01. Child b: plan (emotional) from 2007-06-15, still open.
TEST_F(ViewTest, PlansStartedOpenAndRepeat) {
  Add({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "a", .label = "neglect"});
  Add({.kind = "csc.cp_plan_ended", .record_id = "p2", .when = "2007-09-30", .child = "a"});
  Add({.kind = "csc.cp_plan_started", .record_id = "p3", .when = "2008-02-01", .child = "a", .label = "physical"});
  Add({.kind = "csc.cp_plan_started", .record_id = "p4", .when = "2007-06-15", .child = "b", .age = 2,
       .label = "emotional"});

  EXPECT_EQ(Cell(kGreenwich, "2007-Q2", "CSC_CPP_OPEN|all|"), "2");
  EXPECT_EQ(Cell(kGreenwich, "2007-Q2", "CSC_CPP_OPEN|all|neglect"), "1");
  EXPECT_EQ(Cell(kGreenwich, "2007-Q2", "CSC_CPP_OPEN|1-4|emotional"), "1");
  // A plan ended on the last day of the period is not open at its end.
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_CPP_OPEN|all|"), "1");
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_CPP_OPEN|all|neglect"), "0");
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CPP_OPEN|all|"), "2");
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CPP_OPEN|all|physical"), "1");
  EXPECT_EQ(Cell(kGreenwich, "FY2008-09", "CSC_CPP_OPEN|all|"), "2");  // both still open
  EXPECT_EQ(Cell(kGreenwich, "2007-04", "CSC_CPP_OPEN|all|"), "0");

  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CPP_STARTED|all|"), "3");
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CPP_STARTED|all|neglect"), "1");
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CPP_REPEAT|all|"), "1");
  EXPECT_EQ(Cell(kGreenwich, "2008-02", "CSC_CPP_REPEAT|5-9|"), "1");
  EXPECT_EQ(Cell(kGreenwich, "2007-Q2", "CSC_CPP_REPEAT|all|"), "0");
}

TEST_F(ViewTest, AnEndArrivingBeforeItsStartStillClosesThePlan) {
  Add({.kind = "csc.cp_plan_ended", .record_id = "p2", .when = "2007-09-30", .child = "a"});
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_CPP_OPEN|all|"), "0");
  Add({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "a"});
  EXPECT_EQ(Cell(kGreenwich, "2007-Q2", "CSC_CPP_OPEN|all|"), "1");
  EXPECT_EQ(Cell(kGreenwich, "2007-Q3", "CSC_CPP_OPEN|all|"), "0");
}

TEST_F(ViewTest, ParticipationCountsChildrenInvolvedWithoutAges) {
  Add({.kind = "board.participation", .record_id = "x1", .when = "2007-10-01", .label = "planning",
       .children_involved = 5});
  Add({.kind = "board.participation", .record_id = "x2", .when = "2007-10-20", .label = "delivery",
       .children_involved = 3});
  auto cells = Cells(kGreenwich, "2007-10");
  EXPECT_EQ(cells["PART_CHILDREN_INVOLVED|all|"], "8");
  EXPECT_EQ(cells["PART_CHILDREN_INVOLVED|all|planning"], "5");
  EXPECT_EQ(cells["PART_CHILDREN_INVOLVED|all|delivery"], "3");
  EXPECT_EQ(cells.size(), 3u);  // no age-band cells
}

TEST_F(ViewTest, AmendmentCorrectsCountsInsteadOfAdding) {
  EventSpec c{.kind = "csc.contact", .record_id = "c1", .when = "2007-05-10", .label = "police"};
  EventFacts before = Facts(c);
  view_.Apply(before);
  c.label = "school";
  c.when = "2007-07-02";
  view_.Replace(before, Facts(c));
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CONTACTS|all|"), "1");
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CONTACTS|all|police"), "0");
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_CONTACTS|all|school"), "1");
  EXPECT_EQ(Cell(kGreenwich, "2007-05", "CSC_CONTACTS|all|"), "0");
  EXPECT_EQ(Cell(kGreenwich, "2007-07", "CSC_CONTACTS|all|"), "1");
}

TEST_F(ViewTest, AmendingAReferralsDateRecomputesReReferrals) {
  Add({.kind = "csc.referral", .record_id = "r1", .when = "2007-01-10", .child = "a"});
  EventSpec r2{.kind = "csc.referral", .record_id = "r2", .when = "2007-11-10", .child = "a"};
  EventFacts before = Facts(r2);
  view_.Apply(before);
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_REREFERRALS_12M|all|"), "1");
  r2.when = "2008-03-10";  // now 14 months after r1
  view_.Replace(before, Facts(r2));
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_REREFERRALS_12M|all|"), "0");
  EXPECT_EQ(Cell(kGreenwich, "FY2007-08", "CSC_REFERRALS|all|"), "1");
}

TEST_F(ViewTest, LondonIsTheSumOfItsBoroughs) {
  Add({.kind = "csc.contact", .board = kGreenwich, .record_id = "c1", .when = "2007-05-10"});
  Add({.kind = "csc.contact", .board = kHackney, .record_id = "c1", .when = "2007-05-11", .child = "z"});
  Add({.kind = "csc.referral", .board = kHackney, .record_id = "r1", .when = "2007-05-11", .child = "z"});
  Add({.kind = "csc.cp_plan_started", .board = kHackney, .record_id = "p1", .when = "2007-05-11", .child = "z"});
  auto london = Cells(std::string(kLondonRegion), "2007-05");
  EXPECT_EQ(london["CSC_CONTACTS|all|"], "2");
  EXPECT_EQ(london["CSC_REFERRALS|all|"], "1");
  EXPECT_EQ(london["CSC_CONTACT_CONVERSION|all|"], "50.0");
  EXPECT_EQ(london["CSC_CPP_OPEN|all|"], "1");
}

TEST_F(ViewTest, CheckpointRoundTripGivesTheSameView) {
  for (const auto& e : RereferralData()) Add(e);
  Add({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "a"});
  Add({.kind = "board.participation", .record_id = "x1", .when = "2007-10-01", .children_involved = 4});
  std::string blob = view_.Serialize();
  IndicatorView restored(boards_, DefaultDefinitions());
  ASSERT_TRUE(restored.Deserialize(blob).ok());
  EXPECT_EQ(restored.Serialize(), blob);
  // A new event after restoring behaves as on the original.
  ExpectSameView(restored, {"FY2007-08", "FY2008-09", "2007-Q2"},
                 {.kind = "csc.referral", .record_id = "r9", .when = "2009-06-01", .child = "a"});
  EXPECT_FALSE(restored.Deserialize(blob.substr(0, blob.size() / 2)).ok());
}

// Serialised with the children's histories apart, the rest of the view
// holds none of them, answers queries alone, and with them back is whole.
TEST_F(ViewTest, ChildrenKeptApartComeBackWhole) {
  for (const auto& e : RereferralData()) Add(e);
  Add({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "a"});
  const std::string whole = view_.Serialize();
  std::string children = "C";
  const std::string rest = view_.Serialize("R", &children);
  ASSERT_EQ(rest[0], 'R');
  ASSERT_EQ(children[0], 'C');
  EXPECT_TRUE(IndicatorView::HoldsChildren(whole));
  EXPECT_FALSE(IndicatorView::HoldsChildren(std::string_view(rest).substr(1)));
  // The same bytes, split: the whole has the children's length besides.
  EXPECT_EQ(rest.size() - 1 + children.size() - 1 + 8, whole.size());
  EXPECT_NE(whole.find(children.substr(1)), std::string::npos);

  IndicatorView restored(boards_, DefaultDefinitions());
  // Each form is restored only by what expects it.
  EXPECT_FALSE(restored.Deserialize(std::string_view(rest).substr(1)).ok());
  EXPECT_FALSE(restored.DeserializeWithoutChildren(whole).ok());
  ASSERT_TRUE(restored.DeserializeWithoutChildren(std::string_view(rest).substr(1)).ok());
  EXPECT_EQ(restored.Query(kGreenwich, *ParsePeriod("FY2007-08")).SerializeAsString(),
            view_.Query(kGreenwich, *ParsePeriod("FY2007-08")).SerializeAsString());
  auto decoded = IndicatorView::DecodeChildren(std::string_view(children).substr(1));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->size(), 2u);  // children a and b
  restored.AdoptChildren(std::move(*decoded));
  EXPECT_EQ(restored.Serialize(), whole);
  ExpectSameView(restored, {"FY2007-08", "FY2008-09", "2007-Q2"},
                 {.kind = "csc.referral", .record_id = "r9", .when = "2009-06-01", .child = "a"});
}

// The children's histories can be restored after the rest of the view:
// the figures are there at once, and the whole view once they are adopted.
TEST_F(ViewTest, ChildrenDeferredAtRestoreComeBackWhole) {
  for (const auto& e : RereferralData()) Add(e);
  Add({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "a"});
  const std::string blob = view_.Serialize();
  IndicatorView restored(boards_, DefaultDefinitions());
  std::string deferred;
  ASSERT_TRUE(restored.Deserialize(blob, &deferred).ok());
  ASSERT_FALSE(deferred.empty());
  EXPECT_EQ(restored.Query(kGreenwich, *ParsePeriod("FY2007-08")).SerializeAsString(),
            view_.Query(kGreenwich, *ParsePeriod("FY2007-08")).SerializeAsString());
  auto children = IndicatorView::DecodeChildren(deferred);
  ASSERT_TRUE(children.ok()) << children.status().ToString();
  EXPECT_EQ(children->size(), 2u);  // children a and b
  restored.AdoptChildren(std::move(*children));
  EXPECT_EQ(restored.Serialize(), blob);
  // Damage is found: a count beyond what follows, keys out of order.
  std::string damaged = deferred;
  damaged[7] = '\x7f';
  EXPECT_FALSE(IndicatorView::DecodeChildren(damaged).ok());
  EXPECT_FALSE(IndicatorView::DecodeChildren(deferred.substr(0, deferred.size() - 3)).ok());
}

// A checkpoint of the previous format (fixed-width children, written by
// the previous release for the same events) is read: after retention, the
// log could not rebuild the view.
TEST_F(ViewTest, ACheckpointOfThePreviousFormatIsRead) {
  for (const auto& e : RereferralData()) Add(e);
  Add({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "a"});
  Add({.kind = "csc.cp_plan_ended", .record_id = "p2", .when = "2008-01-15", .child = "a"});
  Add({.kind = "csc.cp_plan_started", .record_id = "p3", .when = "2008-03-01", .child = "b"});
  Add({.kind = "board.participation", .record_id = "x1", .when = "2007-10-01", .children_involved = 4});
  std::ifstream in(std::string(LSCB_SOURCE_DIR) + "/tests/hub/data/view-checkpoint-v2.hex");
  ASSERT_TRUE(in) << "tests/hub/data/view-checkpoint-v2.hex";
  std::string blob, line;
  while (std::getline(in, line))
    for (size_t i = 0; i + 1 < line.size(); i += 2) blob.push_back(static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16)));
  ASSERT_EQ(blob.substr(8, 9), "LSCBVIEW2");
  IndicatorView old(boards_, DefaultDefinitions());
  ASSERT_TRUE(old.Deserialize(blob).ok());
  EXPECT_EQ(old.Serialize(), view_.Serialize());
  // The children's histories came through: a later referral is a re-referral on both.
  ExpectSameView(old, {"FY2007-08", "FY2008-09", "2008-03"},
                 {.kind = "csc.referral", .record_id = "r9", .when = "2008-06-01", .child = "a"});
  // A damaged one is refused.
  EXPECT_FALSE(old.Deserialize(blob.substr(0, blob.size() - 40)).ok());
}

TEST(Validation, RejectsWhatIsNotAValidChildEvent) {
  auto boards = BoardRegistry::Default();
  auto check = [&](lscb::v1::Envelope e) { return ValidateEvent(e, *boards, 1300000000).status().message(); };
  auto base = MakeEvent({});
  ASSERT_TRUE(ValidateEvent(base, *boards, 1300000000).ok());

  auto e = base;
  e.set_kind("csc.teleport");
  EXPECT_EQ(check(e), "unknown event kind 'csc.teleport'");
  e = base;
  e.clear_source_event_id();
  EXPECT_EQ(check(e), "missing field: source_event_id");
  e = base;
  e.set_board("E09000099");
  EXPECT_EQ(check(e), "unknown board 'E09000099'");
  e = MakeEvent({.age = 17});
  e.mutable_subject()->set_age_years(18);
  EXPECT_EQ(check(e), "subject is 18, not a child (18 or over)");
  e = base;
  e.mutable_subject()->set_age_band("16-17");
  EXPECT_NE(check(e).find("does not match age 7"), std::string::npos);
  e = base;
  e.clear_subject();
  EXPECT_EQ(check(e), "missing field: subject.tokens");
  e = base;
  e.mutable_contact()->set_source("pigeon");
  EXPECT_NE(check(e).find("not a contact source"), std::string::npos);
  e = base;
  e.set_occurred_at(1300000000 + 3 * 86400);
  EXPECT_NE(check(e).find("in the future"), std::string::npos);
}

}  // namespace
}  // namespace lscb::hub

namespace lscb::hub {
namespace {

// What the live feed is told to recompute after each change.
TEST_F(ViewTest, ChangesNameOnlyTheAffectedPeriods) {
  (void)view_.TakeChanges();  // a new view: everything
  const uint16_t greenwich = boards_->Find(kGreenwich)->index;
  auto bp = [&](const std::string& period) { return (uint64_t{greenwich} << 32) | ParsePeriod(period)->Code(); };
  const std::vector<uint64_t> may = [&] {
    std::vector<uint64_t> v = {bp("2007-05"), bp("2007-Q2"), bp("FY2007-08")};
    std::sort(v.begin(), v.end());
    return v;
  }();

  Add({.kind = "csc.contact", .record_id = "c1", .when = "2007-05-10", .child = "a", .label = "police"});
  auto c = view_.TakeChanges();
  EXPECT_FALSE(c.all);
  EXPECT_EQ(c.board_periods, may);
  EXPECT_TRUE(c.ends.empty());
  EXPECT_TRUE(view_.TakeChanges().empty());

  // A plan changes the number open at the end of every later period.
  Add({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "a", .label = "neglect"});
  c = view_.TakeChanges();
  EXPECT_EQ(c.board_periods, may);
  ASSERT_EQ(c.ends.size(), 1u);
  EXPECT_EQ(c.ends[0].board, greenwich);
  EXPECT_EQ(c.ends[0].from, ParseDate("2007-05-01")->days);
  EXPECT_EQ(c.ends[0].to, INT32_MAX);

  // Ending it: only the periods ending from its end on.
  Add({.kind = "csc.cp_plan_ended", .record_id = "p2", .when = "2007-09-30", .child = "a"});
  c = view_.TakeChanges();
  ASSERT_EQ(c.ends.size(), 1u);
  EXPECT_EQ(c.ends[0].from, ParseDate("2007-09-30")->days);

  // A referral re-derives the child's history; the plan's figures net to
  // nothing, so only the referral's own periods change.
  Add({.kind = "csc.referral", .record_id = "r1", .when = "2007-05-12", .child = "a", .label = "police"});
  c = view_.TakeChanges();
  EXPECT_EQ(c.board_periods, may);
  EXPECT_TRUE(c.ends.empty());

  // Whatever was listed, the figures of every other period are unchanged:
  // the snapshots of a view built from scratch agree with this one.
  IndicatorView fresh{boards_, DefaultDefinitions()};
  ASSERT_TRUE(fresh.Deserialize(view_.Serialize()).ok());
  EXPECT_TRUE(fresh.TakeChanges().all);
}

// The running totals of children on a plan agree with summing the changes
// day by day, whatever order the changes come in, and a day whose changes
// cancel out is dropped.
TEST(OpenSeriesTest, AgreesWithSummingTheChangesDayByDay) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> day(0, 60);
  std::uniform_int_distribution<int> sign(0, 1);
  OpenSeries series;
  std::map<int32_t, int64_t> changes;
  for (int i = 0; i < 2000; ++i) {
    const int32_t d = day(rng);
    const int64_t delta = sign(rng) ? 1 : -1;
    series.Add(d, delta);
    if ((changes[d] += delta) == 0) changes.erase(d);
    if (i % 97 != 0) continue;
    for (int32_t q = -1; q <= 61; ++q) {
      int64_t expected = 0;
      for (const auto& [cd, c] : changes)
        if (cd <= q) expected += c;
      ASSERT_EQ(series.At(q), expected) << "day " << q << " after " << i + 1 << " changes";
    }
  }
  std::map<int32_t, int64_t> listed;
  series.ForEach([&](int32_t d, int64_t c) { listed[d] = c; });
  EXPECT_EQ(listed, changes);
  EXPECT_EQ(series.size(), changes.size());
}

}  // namespace
}  // namespace lscb::hub
