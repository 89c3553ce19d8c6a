// Disclosure control on hand-checked tables.
#include "hub/disclosure.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "client/query_client.h"

namespace lscb::hub {
namespace {

using lscb::v1::Cell;
using lscb::v1::Snapshot;

struct Spec {
  std::string indicator, band, breakdown;
  int64_t count = 0;
};

Snapshot Table(const std::vector<Spec>& cells) {
  Snapshot s;
  s.set_board("E09000011");
  s.set_period("2007-Q3");
  s.set_definitions_version("v1");
  for (const auto& c : cells) {
    Cell* cell = s.add_cells();
    cell->set_indicator(c.indicator);
    cell->set_age_band(c.band);
    cell->set_breakdown(c.breakdown);
    cell->set_count(c.count);
    cell->set_basis("events");
  }
  return s;
}

Cell* AddRate(Snapshot& s, const std::string& indicator, const std::string& band, const std::string& breakdown,
              int64_t num, int64_t den, const std::string& basis = "events") {
  Cell* c = s.add_cells();
  c->set_indicator(indicator);
  c->set_age_band(band);
  c->set_breakdown(breakdown);
  c->set_is_rate(true);
  c->set_numerator(num);
  c->set_denominator(den);
  c->set_basis(basis);
  return c;
}

// "INDICATOR band breakdown" -> the value as published ("c" when withheld).
std::map<std::string, std::string> Shown(const Snapshot& s) {
  std::map<std::string, std::string> out;
  for (const auto& c : s.cells()) out[c.indicator() + " " + c.age_band() + " " + c.breakdown()] = client::CellValue(c);
  return out;
}

DisclosureRule Rule(int threshold = 4) {
  DisclosureRule r;
  r.threshold = threshold;
  return r;
}

TEST(Disclosure, PrimarySuppressionOfOneToThreshold) {
  Snapshot raw = Table({
      {"CSC_ICPC", "all", "", 1},       // 1: withheld (both cells of its group are)
      {"CSC_ICPC", "5-9", "", 1},
      {"CSC_S47", "all", "", 4},        // 4: withheld
      {"CSC_S47", "5-9", "", 4},
      {"CSC_ASSESSMENTS", "all", "", 5},  // 5: shown
      {"CSC_ASSESSMENTS", "5-9", "", 5},
      {"CSC_CPP_REPEAT", "all", "", 10},  // two withheld beside a total: no secondary needed
      {"CSC_CPP_REPEAT", "under1", "", 2},
      {"CSC_CPP_REPEAT", "1-4", "", 3},
      {"CSC_CPP_REPEAT", "5-9", "", 5},
  });
  raw.mutable_cells(2)->add_flags("reconcile");
  raw.mutable_cells(2)->set_basis("both");
  Snapshot out = Suppress(raw, Rule());
  std::map<std::string, std::string> expected = {
      {"CSC_ICPC all ", "c"},         {"CSC_ICPC 5-9 ", "c"},         {"CSC_S47 all ", "c"},
      {"CSC_S47 5-9 ", "c"},          {"CSC_ASSESSMENTS all ", "5"},  {"CSC_ASSESSMENTS 5-9 ", "5"},
      {"CSC_CPP_REPEAT all ", "10"},  {"CSC_CPP_REPEAT under1 ", "c"}, {"CSC_CPP_REPEAT 1-4 ", "c"},
      {"CSC_CPP_REPEAT 5-9 ", "5"},
  };
  EXPECT_EQ(Shown(out), expected);
  // A withheld cell keeps where it is and what it is based on, not its value.
  const Cell& s47 = out.cells(2);
  EXPECT_TRUE(s47.suppressed());
  EXPECT_EQ(s47.count(), 0);
  EXPECT_EQ(s47.basis(), "both");
  ASSERT_EQ(s47.flags_size(), 1);
  EXPECT_EQ(s47.flags(0), "reconcile");
  EXPECT_FALSE(out.cells(4).suppressed());
  EXPECT_EQ(out.disclosure_rule(),
            "counts 1-4 suppressed (c); secondary suppression within each breakdown and across age bands; rates on "
            "suppressed counts suppressed");
  EXPECT_EQ(out.board(), "E09000011");
  EXPECT_EQ(out.cells_size(), raw.cells_size());
}

TEST(Disclosure, SecondaryWithinABreakdown) {
  // 30 = 20 + 7 + 3: with only the 3 withheld it would be 30 - 20 - 7.
  Snapshot out = Suppress(Table({
                              {"CSC_CONTACTS", "all", "", 30},
                              {"CSC_CONTACTS", "all", "police", 20},
                              {"CSC_CONTACTS", "all", "health", 7},
                              {"CSC_CONTACTS", "all", "school", 3},
                          }),
                          Rule());
  std::map<std::string, std::string> expected = {
      {"CSC_CONTACTS all ", "30"},
      {"CSC_CONTACTS all police", "20"},
      {"CSC_CONTACTS all health", "c"},  // the next smallest
      {"CSC_CONTACTS all school", "c"},
  };
  EXPECT_EQ(Shown(out), expected);
}

TEST(Disclosure, SecondaryAcrossAgeBands) {
  Snapshot out = Suppress(Table({
                              {"CSC_S47", "all", "", 20},
                              {"CSC_S47", "under1", "", 2},
                              {"CSC_S47", "1-4", "", 8},
                              {"CSC_S47", "5-9", "", 10},
                          }),
                          Rule());
  std::map<std::string, std::string> expected = {
      {"CSC_S47 all ", "20"},
      {"CSC_S47 under1 ", "c"},
      {"CSC_S47 1-4 ", "c"},  // 8 < 10
      {"CSC_S47 5-9 ", "10"},
  };
  EXPECT_EQ(Shown(out), expected);
}

TEST(Disclosure, SuppressionCascadesAcrossBothDimensions) {
  //            total  police  health
  //   all         60      33      27
  //   1-4         13      10       3   <- 3 is the only small count
  //   5-9         22       8      14
  //   10-15       25      15      10
  // 3 withheld -> police 1-4 (row 1-4); the health column then has one
  // withheld -> its smallest, health 10-15; the police column -> police
  // 5-9 (8); rows 5-9 and 10-15 now have one each -> health 5-9 (14) and
  // police 10-15 (15). Every inner cell is withheld, the totals are shown.
  const std::string r = "CSC_REFERRALS";
  Snapshot out = Suppress(Table({
                              {r, "all", "", 60},     {r, "all", "police", 33},   {r, "all", "health", 27},
                              {r, "1-4", "", 13},     {r, "1-4", "police", 10},   {r, "1-4", "health", 3},
                              {r, "5-9", "", 22},     {r, "5-9", "police", 8},    {r, "5-9", "health", 14},
                              {r, "10-15", "", 25},   {r, "10-15", "police", 15}, {r, "10-15", "health", 10},
                          }),
                          Rule());
  std::map<std::string, std::string> expected = {
      {r + " all ", "60"},   {r + " all police", "33"},  {r + " all health", "27"},
      {r + " 1-4 ", "13"},   {r + " 1-4 police", "c"},   {r + " 1-4 health", "c"},
      {r + " 5-9 ", "22"},   {r + " 5-9 police", "c"},   {r + " 5-9 health", "c"},
      {r + " 10-15 ", "25"}, {r + " 10-15 police", "c"}, {r + " 10-15 health", "c"},
  };
  EXPECT_EQ(Shown(out), expected);
}

TEST(Disclosure, AWithheldTotalIsNotLeftToBeAddedUp) {
  //            total  police  health
  //   all         37      12      25
  //   under1      25       5      20
  //   1-4          2       2       0   <- small
  //   5-9         10       5       5
  // The bands of the total: 1-4 withheld -> the smallest band total, 5-9
  // (10). Police: 1-4 withheld -> the first 5, under1's. Now 5-9's total is
  // withheld but its parts are not (5 + 5 would give it back): 5-9 police is
  // withheld; under1 then has one withheld -> health 20; health then has one
  // -> 5-9 health.
  const std::string r = "CSC_CONTACTS";
  Snapshot out = Suppress(Table({
                              {r, "all", "", 37},     {r, "all", "police", 12},   {r, "all", "health", 25},
                              {r, "under1", "", 25},  {r, "under1", "police", 5}, {r, "under1", "health", 20},
                              {r, "1-4", "", 2},      {r, "1-4", "police", 2},
                              {r, "5-9", "", 10},     {r, "5-9", "police", 5},    {r, "5-9", "health", 5},
                          }),
                          Rule());
  std::map<std::string, std::string> expected = {
      {r + " all ", "37"},   {r + " all police", "12"},  {r + " all health", "25"},
      {r + " under1 ", "25"}, {r + " under1 police", "c"}, {r + " under1 health", "c"},
      {r + " 1-4 ", "c"},    {r + " 1-4 police", "c"},
      {r + " 5-9 ", "c"},    {r + " 5-9 police", "c"},   {r + " 5-9 health", "c"},
  };
  EXPECT_EQ(Shown(out), expected);
}

TEST(Disclosure, ZerosAreShownAndNeverPickedAsTheSecondCell) {
  Snapshot raw = Table({
      {"CSC_CONTACTS", "all", "", 10},
      {"CSC_CONTACTS", "all", "police", 7},
      {"CSC_CONTACTS", "all", "health", 3},
      {"CSC_CONTACTS", "all", "school", 0},  // listed because it is flagged
  });
  raw.mutable_cells(3)->add_flags("reconcile");
  Snapshot out = Suppress(raw, Rule());
  std::map<std::string, std::string> expected = {
      {"CSC_CONTACTS all ", "10"},
      {"CSC_CONTACTS all police", "c"},
      {"CSC_CONTACTS all health", "c"},
      {"CSC_CONTACTS all school", "0"},
  };
  EXPECT_EQ(Shown(out), expected);
  EXPECT_FALSE(out.cells(3).suppressed());
  EXPECT_EQ(out.cells(3).flags(0), "reconcile");
}

TEST(Disclosure, WithNoOtherCellToWithholdTheTotalIsWithheld) {
  // A return: one label "not collected", one small. The only way to protect
  // the 3 is to withhold the total.
  Snapshot raw = Table({
      {"MAPPA_OFFENDERS", "all", "", 10},
      {"MAPPA_OFFENDERS", "all", "cat1_level1", 3},
      {"MAPPA_OFFENDERS", "all", "cat2_level1", 0},
  });
  raw.mutable_cells(2)->set_not_available(true);
  Snapshot out = Suppress(raw, Rule());
  std::map<std::string, std::string> expected = {
      {"MAPPA_OFFENDERS all ", "c"},
      {"MAPPA_OFFENDERS all cat1_level1", "c"},
      {"MAPPA_OFFENDERS all cat2_level1", "n/a"},
  };
  EXPECT_EQ(Shown(out), expected);
}

TEST(Disclosure, RatesOnSmallOrWithheldCountsAreWithheld) {
  Snapshot raw = Table({
      {"CSC_REFERRALS", "all", "", 12},
      {"CSC_REFERRALS", "1-4", "", 2},
      {"CSC_REFERRALS", "5-9", "", 10},  // withheld by secondary suppression
      {"CSC_CONTACTS", "all", "", 50},
      {"CSC_CONTACTS", "1-4", "", 10},
      {"CSC_CONTACTS", "5-9", "", 40},
  });
  AddRate(raw, "CSC_CONTACT_CONVERSION", "all", "", 12, 50);
  AddRate(raw, "CSC_CONTACT_CONVERSION", "1-4", "", 2, 10);
  AddRate(raw, "CSC_CONTACT_CONVERSION", "5-9", "", 10, 40);
  AddRate(raw, "DQ_NHS_TOKEN_RATE", "all", "", 2, 100);
  AddRate(raw, "DQ_NHS_TOKEN_RATE", "all", "police", 50, 60);
  AddRate(raw, "DQ_NHS_TOKEN_RATE", "all", "health", 0, 3);
  AddRate(raw, "DQ_NHS_TOKEN_RATE", "all", "csc", 0, 20);
  AddRate(raw, "DQ_CORROBORATED", "all", "", 3, 100, "return");  // a percentage from a return
  AddRate(raw, "DQ_NHS_TOKEN_RATE", "all", "board", 0, 0);
  Cell* na = AddRate(raw, "CSC_CONTACT_CONVERSION", "10-15", "", 0, 0);
  na->set_not_available(true);

  Snapshot out = Suppress(raw, Rule());
  std::map<std::string, std::string> expected = {
      {"CSC_REFERRALS all ", "12"},
      {"CSC_REFERRALS 1-4 ", "c"},
      {"CSC_REFERRALS 5-9 ", "c"},
      {"CSC_CONTACTS all ", "50"},
      {"CSC_CONTACTS 1-4 ", "10"},
      {"CSC_CONTACTS 5-9 ", "40"},
      {"CSC_CONTACT_CONVERSION all ", "24.0"},
      {"CSC_CONTACT_CONVERSION 1-4 ", "c"},  // 2 referrals
      {"CSC_CONTACT_CONVERSION 5-9 ", "c"},  // 10 referrals, but withheld: 25% of 40 would give them away
      {"CSC_CONTACT_CONVERSION 10-15 ", "n/a"},
      {"DQ_NHS_TOKEN_RATE all ", "c"},        // numerator 2
      {"DQ_NHS_TOKEN_RATE all police", "83.3"},
      {"DQ_NHS_TOKEN_RATE all health", "c"},  // denominator 3
      {"DQ_NHS_TOKEN_RATE all csc", "0.0"},
      {"DQ_NHS_TOKEN_RATE all board", "n/a"},
      {"DQ_CORROBORATED all ", "3.0"},
  };
  EXPECT_EQ(Shown(out), expected);
  for (const auto& c : out.cells()) {
    if (c.suppressed()) {
      EXPECT_EQ(c.numerator() + c.denominator(), 0) << c.indicator() << " " << c.age_band();
    }
  }
}

TEST(Disclosure, ATableWithNothingSmallIsUnchanged) {
  Snapshot raw = Table({
      {"CSC_CONTACTS", "all", "", 40},
      {"CSC_CONTACTS", "all", "police", 25},
      {"CSC_CONTACTS", "all", "health", 15},
      {"CSC_CONTACTS", "5-9", "", 40},
      {"CSC_CONTACTS", "5-9", "police", 25},
      {"CSC_CONTACTS", "5-9", "health", 15},
      {"CSC_S47", "all", "", 0},
  });
  AddRate(raw, "CSC_CONTACT_CONVERSION", "all", "", 0, 40);
  Snapshot out = Suppress(raw, Rule());
  EXPECT_FALSE(out.disclosure_rule().empty());
  out.clear_disclosure_rule();
  EXPECT_EQ(out.SerializeAsString(), raw.SerializeAsString());
}

TEST(Disclosure, TheThresholdIsConfigurable) {
  Snapshot raw = Table({
      {"CSC_ICPC", "all", "", 30},
      {"CSC_ICPC", "under1", "", 3},
      {"CSC_ICPC", "1-4", "", 6},
      {"CSC_ICPC", "5-9", "", 7},
      {"CSC_ICPC", "10-15", "", 14},
  });
  // 1-2: nothing small.
  EXPECT_EQ(Shown(Suppress(raw, Rule(2))),
            (std::map<std::string, std::string>{{"CSC_ICPC all ", "30"},
                                                {"CSC_ICPC under1 ", "3"},
                                                {"CSC_ICPC 1-4 ", "6"},
                                                {"CSC_ICPC 5-9 ", "7"},
                                                {"CSC_ICPC 10-15 ", "14"}}));
  // 1-4 (the default): 3, then the next smallest, 6.
  EXPECT_EQ(Shown(Suppress(raw, DisclosureRule{})),
            (std::map<std::string, std::string>{{"CSC_ICPC all ", "30"},
                                                {"CSC_ICPC under1 ", "c"},
                                                {"CSC_ICPC 1-4 ", "c"},
                                                {"CSC_ICPC 5-9 ", "7"},
                                                {"CSC_ICPC 10-15 ", "14"}}));
  // 1-7 (NHS practice): three small ones, no secondary needed.
  Snapshot nhs = Suppress(raw, Rule(7));
  EXPECT_EQ(Shown(nhs), (std::map<std::string, std::string>{{"CSC_ICPC all ", "30"},
                                                            {"CSC_ICPC under1 ", "c"},
                                                            {"CSC_ICPC 1-4 ", "c"},
                                                            {"CSC_ICPC 5-9 ", "c"},
                                                            {"CSC_ICPC 10-15 ", "14"}}));
  EXPECT_EQ(nhs.disclosure_rule().rfind("counts 1-7 suppressed (c);", 0), 0u) << nhs.disclosure_rule();
  EXPECT_EQ(Rule(1).Describe().rfind("counts of 1 suppressed (c);", 0), 0u);
  // 0: raw figures, no rule stated.
  Snapshot none = Suppress(raw, Rule(0));
  EXPECT_EQ(none.disclosure_rule(), "");
  EXPECT_EQ(none.SerializeAsString(), raw.SerializeAsString());
}

TEST(Disclosure, SuppressingTwiceChangesNothing) {
  const std::string r = "CSC_REFERRALS";
  Snapshot raw = Table({
      {r, "all", "", 60},   {r, "all", "police", 33},   {r, "all", "health", 27},
      {r, "1-4", "", 13},   {r, "1-4", "police", 10},   {r, "1-4", "health", 3},
      {r, "5-9", "", 22},   {r, "5-9", "police", 8},    {r, "5-9", "health", 14},
      {r, "10-15", "", 25}, {r, "10-15", "police", 15}, {r, "10-15", "health", 10},
  });
  Snapshot once = Suppress(raw, Rule());
  EXPECT_EQ(Suppress(once, Rule()).SerializeAsString(), once.SerializeAsString());
}

Snapshot InPeriod(Snapshot s, const std::string& period) {
  s.set_period(period);
  return s;
}

TEST(Disclosure, PeriodsPublishedTogetherProtectEachOther) {
  //              FY  2007-Q2  2007-Q3  2007-Q4  2008-Q1
  //   contacts   28        3        7       11        7
  //    police    20        3        7        8        2
  //    health     8        .        .        3        5
  //   on a plan   6        3        5        5        6   (children at the period's end)
  // Each quarter alone: Q2's 3s; Q4's health 3 -> its police 8; Q1's police
  // 2 -> its health 5. Over the year: contacts 28 = 3 + 7 + 11 + 7, with Q2
  // withheld -> the first smallest, Q3's 7; Q3's total is then withheld
  // and its police 7 would give it back -> withheld too. Police and health
  // over the year have two or more withheld already. Children on a plan do
  // not add up over time: only Q2's 3 is withheld.
  const std::string c = "CSC_CONTACTS", o = "CSC_CPP_OPEN";
  std::vector<Snapshot> raw = {
      InPeriod(Table({{c, "all", "", 28}, {c, "all", "police", 20}, {c, "all", "health", 8}, {o, "all", "", 6}}),
               "FY2007-08"),
      InPeriod(Table({{c, "all", "", 3}, {c, "all", "police", 3}, {o, "all", "", 3}}), "2007-Q2"),
      InPeriod(Table({{c, "all", "", 7}, {c, "all", "police", 7}, {o, "all", "", 5}}), "2007-Q3"),
      InPeriod(Table({{c, "all", "", 11}, {c, "all", "police", 8}, {c, "all", "health", 3}, {o, "all", "", 5}}),
               "2007-Q4"),
      InPeriod(Table({{c, "all", "", 7}, {c, "all", "police", 2}, {c, "all", "health", 5}, {o, "all", "", 6}}),
               "2008-Q1"),
  };
  std::vector<std::string> names;
  for (const auto& s : raw) names.push_back(s.period());
  auto sums = PeriodSums(names);
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0].total, 0u);
  EXPECT_EQ(sums[0].parts, (std::vector<size_t>{1, 2, 3, 4}));

  std::vector<Snapshot> out = SuppressTogether(raw, sums, Rule());
  ASSERT_EQ(out.size(), 5u);
  using Expected = std::map<std::string, std::string>;
  EXPECT_EQ(Shown(out[0]), (Expected{{c + " all ", "28"}, {c + " all police", "20"}, {c + " all health", "8"},
                                     {o + " all ", "6"}}));
  EXPECT_EQ(Shown(out[1]), (Expected{{c + " all ", "c"}, {c + " all police", "c"}, {o + " all ", "c"}}));
  EXPECT_EQ(Shown(out[2]), (Expected{{c + " all ", "c"}, {c + " all police", "c"}, {o + " all ", "5"}}));
  EXPECT_EQ(Shown(out[3]), (Expected{{c + " all ", "11"}, {c + " all police", "c"}, {c + " all health", "c"},
                                     {o + " all ", "5"}}));
  EXPECT_EQ(Shown(out[4]), (Expected{{c + " all ", "7"}, {c + " all police", "c"}, {c + " all health", "c"},
                                     {o + " all ", "6"}}));
  for (const auto& s : out)
    EXPECT_EQ(s.disclosure_rule(), Rule().Describe() + "; secondary suppression across the periods published together");

  // Each on its own, Q3 would be published whole.
  EXPECT_EQ(Shown(Suppress(raw[2], Rule())),
            (Expected{{c + " all ", "7"}, {c + " all police", "7"}, {o + " all ", "5"}}));
}

TEST(Disclosure, PeriodSumsAreTheCompleteOnes) {
  std::vector<std::string> year = {"FY2007-08", "2007-Q2", "2007-Q3", "2007-Q4", "2008-Q1", "2007-04",
                                   "2007-05",   "2007-06", "2007-07", "2007-08", "2007-09", "2007-10",
                                   "2007-11",   "2007-12", "2008-01", "2008-02", "2008-03"};
  auto sums = PeriodSums(year);
  // The year by quarters and by months, and each quarter by its months.
  ASSERT_EQ(sums.size(), 6u);
  EXPECT_EQ(sums[0].total, 0u);
  EXPECT_EQ(sums[0].parts, (std::vector<size_t>{1, 2, 3, 4}));
  EXPECT_EQ(sums[1].parts.size(), 12u);
  EXPECT_EQ(sums[2].total, 1u);  // 2007-Q2 = April, May, June
  EXPECT_EQ(sums[2].parts, (std::vector<size_t>{5, 6, 7}));
  EXPECT_EQ(sums[5].total, 4u);  // 2008-Q1 = January to March 2008
  EXPECT_EQ(sums[5].parts, (std::vector<size_t>{14, 15, 16}));
  // A quarter without all its months, a year without all its quarters: no sum.
  EXPECT_TRUE(PeriodSums({"2007-Q2", "2007-04", "2007-05"}).empty());
  EXPECT_TRUE(PeriodSums({"FY2007-08", "2007-Q2", "2007-Q3"}).empty());
}

TEST(Disclosure, WithheldCellsPrintAsC) {
  Snapshot raw = Table({{"CSC_ICPC", "all", "", 2}});
  AddRate(raw, "CSC_CONTACT_CONVERSION", "all", "", 1, 3);
  Snapshot out = Suppress(raw, Rule());
  std::string csv = client::SnapshotToCsv(out);
  EXPECT_NE(csv.find("E09000011,2007-Q3,CSC_ICPC,all,,c,events,,v1\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("E09000011,2007-Q3,CSC_CONTACT_CONVERSION,all,,c,events,,v1\n"), std::string::npos) << csv;
  std::string json = client::SnapshotToJson(out);
  EXPECT_NE(json.find("\"value\": \"c\""), std::string::npos) << json;
  EXPECT_EQ(json.find("\"numerator\""), std::string::npos) << "a withheld rate must not give its parts: " << json;
  EXPECT_NE(json.find("\"disclosure_rule\": \"counts 1-4 suppressed (c);"), std::string::npos) << json;
  std::string table = client::SnapshotToTable(out);
  EXPECT_NE(table.find("Disclosure control: counts 1-4"), std::string::npos) << table;
  EXPECT_NE(table.find("      c"), std::string::npos) << table;
}

}  // namespace
}  // namespace lscb::hub
