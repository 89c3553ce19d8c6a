#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "core/calendar.h"
#include "tests/adapters/adapter_test_util.h"

namespace lscb::adapters {
namespace {

using lscb::v1::Envelope;
using testing::LinesAndFields;
using testing::MessageAt;

constexpr int64_t kReadAt = 1200000000;  // 2008-01-10T21:20:00Z

class PoliceCountsTest : public ::testing::Test {
 protected:
  ParsedFile Parse(std::string_view csv, int64_t read_at = kReadAt) {
    return testing::ParseAs("police-counts", "counts.csv", csv, key_, read_at);
  }
  LinkageKey key_ = LinkageKey::FromSecret("police-counts-test-secret-012");
};

constexpr std::string_view kGood =
    "borough,period,measure,mappa_category,mappa_level,age_band,count,revision\n"
    "E09000011,2007-Q3,MAPPA_OFFENDERS,2,3,,14,\n"    // 2
    "204,2007-Q3,mappa_offenders,1,1,all,0,2\n"       // 3
    "Lambeth,2007-11,MISSING_EPISODES,,,10-15,23,\n"  // 4
    "Lambeth,2007-11,Missing_Children,,,ALL,9,1\n"    // 5
    "Lambeth,2007-11,MISSING_CHILDREN,,,10-15,7,\n"   // 6
    "Greenwich,2008-Q1,MAPPA_OFFENDERS,4,1,,2,\n";    // 7

TEST_F(PoliceCountsTest, GoodFileBecomesReturns) {
  ParsedFile f = Parse(kGood);
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  EXPECT_TRUE(f.warnings.empty());
  ASSERT_EQ(f.events.size(), 6u);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 3, 4, 5, 6, 7}));
  for (const Envelope& e : f.events) {
    EXPECT_EQ(e.schema_version(), 1u);
    EXPECT_EQ(e.agency(), "police");
    EXPECT_EQ(e.kind(), "return");
    EXPECT_EQ(e.source(), "police:counts");
    EXPECT_FALSE(e.has_subject());
    ASSERT_TRUE(e.has_return_value());
    EXPECT_EQ(e.return_value().read_at(), kReadAt);
    EXPECT_FALSE(e.return_value().not_collected());
  }

  const Envelope& mappa = f.events[0];
  EXPECT_EQ(mappa.board(), "E09000011");
  EXPECT_EQ(mappa.source_event_id(), "MAPPA_OFFENDERS|E09000011|2007-Q3|all|cat2_level3");
  EXPECT_EQ(FormatInstant(mappa.occurred_at()), "2007-06-30T23:00:00Z");  // 1 July, local midnight (BST)
  EXPECT_EQ(mappa.return_value().indicator(), "MAPPA_OFFENDERS");
  EXPECT_EQ(mappa.return_value().period(), "2007-Q3");
  EXPECT_EQ(mappa.return_value().age_band(), "all");
  EXPECT_EQ(mappa.return_value().breakdown(), "cat2_level3");
  EXPECT_EQ(mappa.return_value().value(), 14);
  EXPECT_EQ(mappa.return_value().revision(), 1u);  // the default

  const Envelope& hackney = f.events[1];
  EXPECT_EQ(hackney.board(), "E09000012");  // DfE 204
  EXPECT_EQ(hackney.source_event_id(), "MAPPA_OFFENDERS|E09000012|2007-Q3|all|cat1_level1");
  EXPECT_EQ(hackney.return_value().value(), 0);
  EXPECT_EQ(hackney.return_value().revision(), 2u);

  const Envelope& episodes = f.events[2];
  EXPECT_EQ(episodes.board(), "E09000022");
  EXPECT_EQ(episodes.source_event_id(), "MIS_EPISODES|E09000022|2007-11|10-15|");
  EXPECT_EQ(FormatInstant(episodes.occurred_at()), "2007-11-01T00:00:00Z");  // GMT
  EXPECT_EQ(episodes.return_value().indicator(), "MIS_EPISODES");
  EXPECT_EQ(episodes.return_value().period(), "2007-11");
  EXPECT_EQ(episodes.return_value().age_band(), "10-15");
  EXPECT_EQ(episodes.return_value().breakdown(), "");
  EXPECT_EQ(episodes.return_value().value(), 23);

  EXPECT_EQ(f.events[3].source_event_id(), "MIS_CHILDREN|E09000022|2007-11|all|");
  EXPECT_EQ(f.events[3].return_value().indicator(), "MIS_CHILDREN");
  EXPECT_EQ(f.events[3].return_value().revision(), 1u);
  EXPECT_EQ(f.events[4].source_event_id(), "MIS_CHILDREN|E09000022|2007-11|10-15|");
  EXPECT_EQ(f.events[5].source_event_id(), "MAPPA_OFFENDERS|E09000011|2008-Q1|all|cat4_level1");
}

TEST_F(PoliceCountsTest, ReadAtDefaultsToNow) {
  const int64_t before = std::time(nullptr);
  ParsedFile f = Parse(kGood, 0);
  const int64_t after = std::time(nullptr);
  ASSERT_EQ(f.events.size(), 6u);
  for (const Envelope& e : f.events) {
    EXPECT_GE(e.return_value().read_at(), before);
    EXPECT_LE(e.return_value().read_at(), after);
  }
}

TEST_F(PoliceCountsTest, EveryBadRowIsListedWithItsLineAndField) {
  ParsedFile f = Parse(
      "borough,period,measure,mappa_category,mappa_level,age_band,count,revision\n"
      "E09000011,2007-Q3,MAPPA_OFFENDERS,2,3,,14,\n"      // 2 good
      "E09000011,FY2007-08,MAPPA_OFFENDERS,2,3,,14,\n"    // 3
      "E09000011,2007-Q3,MAPPA_OFFENDERS,5,3,,14,\n"      // 4
      "E09000011,2007-Q3,MAPPA_OFFENDERS,2,,,14,\n"       // 5
      "E09000011,2007-Q2,MAPPA_OFFENDERS,2,3,10-15,1,\n"  // 6
      "E09000011,2007-Q3,MISSING_EPISODES,,,,4,\n"        // 7
      "E09000011,2007-Q3,MISSING_CHILDREN,1,,all,4,\n"    // 8
      "E09000011,2007-Q3,MISSING_CHILDREN,,,5-9,-1,0\n"   // 9
      "E09000011,2007-Q3,MISSING_CHILDREN,,,1-4,1.5,\n"   // 10
      "E09000011,2007-13,ARRESTS,,,all,3,\n"              // 11
      "Greenwich,2007-Q3,MAPPA_OFFENDERS,2,3,all,15,2\n"  // 12: the key of line 2
      "Narnia,2007-Q3,MISSING_CHILDREN,,,all,,\n"         // 13
      "E09000011,2007-Q4,MISSING_CHILDREN,,,all,3,\n"     // 14 good
  );
  std::vector<std::pair<int, std::string>> expected = {
      {3, "period"},   {4, "mappa_category"}, {5, "mappa_level"}, {6, "age_band"},
      {7, "age_band"}, {8, "mappa_category"}, {9, "count"},       {9, "revision"},
      {10, "count"},   {11, "period"},        {11, "measure"},    {12, ""},
      {13, "borough"}, {13, "count"},
  };
  EXPECT_EQ(LinesAndFields(f), expected);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 14}));

  EXPECT_EQ(MessageAt(f, 3, "period"),
            "counts.csv:3: period: 'FY2007-08' is a financial year: police counts are by month (YYYY-MM) or quarter "
            "(YYYY-Qn)");
  EXPECT_EQ(MessageAt(f, 4, "mappa_category"), "counts.csv:4: mappa_category: '5' is not one of 1, 2, 3, 4");
  EXPECT_EQ(MessageAt(f, 5, "mappa_level"), "counts.csv:5: mappa_level: missing");
  EXPECT_EQ(MessageAt(f, 6, "age_band"),
            "counts.csv:6: age_band: '10-15': MAPPA counts are not by age (leave it blank or write all)");
  EXPECT_EQ(MessageAt(f, 7, "age_band"), "counts.csv:7: age_band: missing");
  EXPECT_EQ(MessageAt(f, 8, "mappa_category"),
            "counts.csv:8: mappa_category: is only for MAPPA_OFFENDERS (leave it blank)");
  EXPECT_EQ(MessageAt(f, 9, "count"), "counts.csv:9: count: '-1' is not a whole number of at least 0");
  EXPECT_EQ(MessageAt(f, 9, "revision"), "counts.csv:9: revision: '0' is not a whole number of at least 1");
  EXPECT_EQ(MessageAt(f, 11, "period"),
            "counts.csv:11: period: '2007-13' is not a period (YYYY-MM, YYYY-Qn or FYyyyy-yy, e.g. 2007-09, "
            "2007-Q3, FY2007-08)");
  EXPECT_EQ(MessageAt(f, 11, "measure"),
            "counts.csv:11: measure: 'ARRESTS' is not one of MAPPA_OFFENDERS, MISSING_EPISODES, MISSING_CHILDREN");
  EXPECT_EQ(MessageAt(f, 12, ""),
            "counts.csv:12: the same count (MAPPA_OFFENDERS, borough E09000011, period 2007-Q3, age band all, "
            "cat2_level3) already appears on line 2");
  EXPECT_EQ(MessageAt(f, 13, "count"), "counts.csv:13: count: missing");
}

TEST_F(PoliceCountsTest, MissingRequiredColumnsAreErrorsOnTheHeader) {
  ParsedFile f = Parse("borough,period,measure\nLambeth,2007-11,MISSING_EPISODES\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "counts.csv:1: count: required column is missing from the header");
  // MAPPA rows need the MAPPA columns, MISSING rows the age band.
  f = Parse("borough,period,measure,count\nLambeth,2007-11,MAPPA_OFFENDERS,3\nLambeth,2007-11,MISSING_EPISODES,3\n");
  EXPECT_EQ(LinesAndFields(f),
            (std::vector<std::pair<int, std::string>>{{2, "mappa_category"}, {2, "mappa_level"}, {3, "age_band"}}));
  EXPECT_EQ(f.errors[0].problem, "missing (the file has no 'mappa_category' column)");
}

TEST_F(PoliceCountsTest, NeedsNoLinkageKey) {
  AdapterContext ctx{BoardRegistry::Default(), nullptr};
  ctx.read_at = kReadAt;
  ParsedFile f = FindAdapter("police-counts")->Parse("counts.csv", kGood, ctx);
  EXPECT_TRUE(f.errors.empty());
  EXPECT_EQ(f.events.size(), 6u);
}

}  // namespace
}  // namespace lscb::adapters
