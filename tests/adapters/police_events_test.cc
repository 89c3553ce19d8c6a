#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "core/calendar.h"
#include "tests/adapters/adapter_test_util.h"

namespace lscb::adapters {
namespace {

using lscb::v1::Envelope;
using lscb::v1::SubjectToken;
using testing::CsvLine;
using testing::ExpectNoIdentifiers;
using testing::LinesAndFields;
using testing::MessageAt;
using testing::TokenOf;

constexpr std::string_view kHeader =
    "record_id,reporting_unit,record_type,borough,occurred_at,ended_at,missing_category,child_role,weapon,"
    "crime_class,nhs_number,surname,forenames,dob,postcode\n";

struct Row {
  std::string record_id, reporting_unit, record_type, borough, occurred_at, ended_at, missing_category, child_role,
      weapon, crime_class, nhs_number, surname, forenames, dob, postcode;
};

std::string Line(const Row& r) {
  return CsvLine({r.record_id, r.reporting_unit, r.record_type, r.borough, r.occurred_at, r.ended_at,
                  r.missing_category, r.child_role, r.weapon, r.crime_class, r.nhs_number, r.surname, r.forenames,
                  r.dob, r.postcode});
}

std::string File(const std::vector<Row>& rows) {
  std::string out(kHeader);
  for (const Row& r : rows) out += Line(r);
  return out;
}

class PoliceEventsTest : public ::testing::Test {
 protected:
  ParsedFile Parse(std::string_view csv) { return testing::ParseAs("police-events", "police.csv", csv, key_); }
  LinkageKey key_ = LinkageKey::FromSecret("police-events-test-secret-0123");
};

const std::vector<Row>& GoodRows() {
  static const std::vector<Row> kRows = {
      // line 2: the central feed (reporting_unit blank), borough by ONS code
      {.record_id = "P1",
       .record_type = "MISSING_EPISODE",
       .borough = "E09000011",
       .occurred_at = "2007-08-05T18:22",
       .ended_at = "2007-08-07T11:29",
       .missing_category = "Missing",
       .nhs_number = "943 476 5919",
       .surname = "Ward",
       .forenames = "Fatima",
       .dob = "1993-10-04",
       .postcode = "SE9 3XG"},
      // line 3: "central" said; borough by DfE number; name and dob only
      {.record_id = "P2",
       .reporting_unit = "central",
       .record_type = "DOMESTIC_ABUSE",
       .borough = "203",
       .occurred_at = "2007-12-01T04:08",
       .child_role = "Victim",
       .surname = "Roberts",
       .forenames = "Evie",
       .dob = "1995-12-18"},
      // line 4: the same record id from Greenwich's own unit is another record
      {.record_id = "P2",
       .reporting_unit = "Greenwich",
       .record_type = "domestic_abuse",
       .borough = "Greenwich",
       .occurred_at = "2007-12-01T04:28",
       .child_role = "present",
       .surname = "Roberts",
       .forenames = "Evie",
       .dob = "1995-12-18"},
      // line 5: NHS number only
      {.record_id = "P3",
       .reporting_unit = "CENTRAL",
       .record_type = "CHILD_INJURY_CRIME",
       .borough = "lambeth",
       .occurred_at = "2008-03-12T00:54",
       .weapon = "KNIFE",
       .crime_class = "Assault",
       .nhs_number = "4010232137",
       .dob = "1991-12-27"},
      // line 6: Lambeth's unit by DfE number, the same id as line 5
      {.record_id = "P3",
       .reporting_unit = "208",
       .record_type = "CHILD_INJURY_CRIME",
       .borough = "E09000022",
       .occurred_at = "2008-03-12T01:30",
       .weapon = "none",
       .crime_class = "robbery",
       .nhs_number = "4010232137",
       .surname = "O'Brien",
       .forenames = "Sean",
       .dob = "1991-12-27",
       .postcode = "SW2 4XD"},
      // line 7: absent, not yet returned
      {.record_id = "P4",
       .record_type = "MISSING_EPISODE",
       .borough = "Hackney",
       .occurred_at = "2008-01-02T04:04",
       .missing_category = "absent",
       .surname = "Brown",
       .forenames = "Alfie",
       .dob = "2000-01-02"},
  };
  return kRows;
}

TEST_F(PoliceEventsTest, EveryFormatIsRegistered) {
  std::vector<std::string> names = AdapterNames();
  for (const char* format : {"csc-events", "police-events", "police-counts", "ae-attendances", "lscb-return"}) {
    ASSERT_NE(FindAdapter(format), nullptr) << format;
    EXPECT_EQ(FindAdapter(format)->name(), format);
    EXPECT_NE(std::find(names.begin(), names.end(), format), names.end()) << format;
  }
  EXPECT_EQ(names.size(), 5u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST_F(PoliceEventsTest, GoodFileBecomesEnvelopes) {
  ParsedFile f = Parse(File(GoodRows()));
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  EXPECT_TRUE(f.warnings.empty());
  ASSERT_EQ(f.events.size(), 6u);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 3, 4, 5, 6, 7}));
  for (const Envelope& e : f.events) {
    EXPECT_EQ(e.schema_version(), 1u);
    EXPECT_EQ(e.agency(), "police");
    EXPECT_EQ(TokenOf(e, SubjectToken::LOCAL), nullptr);  // no local ids for police
    for (const SubjectToken& t : e.subject().tokens()) EXPECT_EQ(t.value().size(), 32u);
  }

  const Envelope& missing = f.events[0];
  EXPECT_EQ(missing.kind(), "missing.episode");
  EXPECT_EQ(missing.source(), "police:central");
  EXPECT_EQ(missing.source_event_id(), "P1");
  EXPECT_EQ(missing.board(), "E09000011");
  EXPECT_EQ(FormatInstant(missing.occurred_at()), "2007-08-05T17:22:00Z");  // BST
  EXPECT_EQ(missing.subject().age_years(), 13);
  EXPECT_EQ(missing.subject().age_band(), "10-15");
  ASSERT_EQ(missing.subject().tokens_size(), 2);
  EXPECT_EQ(TokenOf(missing, SubjectToken::NHS)->value(), key_.NhsToken("9434765919"));
  EXPECT_EQ(TokenOf(missing, SubjectToken::DEMO)->value(), key_.DemoToken("Ward", "Fatima", *ParseDate("1993-10-04")));
  ASSERT_TRUE(missing.has_missing());
  EXPECT_EQ(missing.missing().category(), "missing");
  EXPECT_EQ(FormatInstant(missing.missing().ended_at()), "2007-08-07T10:29:00Z");

  const Envelope& central = f.events[1];
  EXPECT_EQ(central.kind(), "police.domestic_abuse");
  EXPECT_EQ(central.source(), "police:central");
  EXPECT_EQ(central.source_event_id(), "P2");
  EXPECT_EQ(central.board(), "E09000011");                                  // from DfE number 203
  EXPECT_EQ(FormatInstant(central.occurred_at()), "2007-12-01T04:08:00Z");  // GMT
  EXPECT_EQ(central.subject().age_years(), 11);
  EXPECT_EQ(central.subject().age_band(), "10-15");
  ASSERT_EQ(central.subject().tokens_size(), 1);
  EXPECT_EQ(TokenOf(central, SubjectToken::DEMO)->value(), key_.DemoToken("ROBERTS", "E", *ParseDate("1995-12-18")));
  ASSERT_TRUE(central.has_domestic_abuse());
  EXPECT_EQ(central.domestic_abuse().child_role(), "victim");
  EXPECT_EQ(central.domestic_abuse().reporting_unit(), "central");

  // Greenwich's unit: another source, so the same record id is another record.
  const Envelope& unit = f.events[2];
  EXPECT_EQ(unit.kind(), "police.domestic_abuse");
  EXPECT_EQ(unit.source(), "police:E09000011");
  EXPECT_EQ(unit.source_event_id(), "P2");
  EXPECT_EQ(unit.domestic_abuse().reporting_unit(), "E09000011");
  EXPECT_EQ(unit.domestic_abuse().child_role(), "present");
  EXPECT_EQ(TokenOf(unit, SubjectToken::DEMO)->value(), TokenOf(central, SubjectToken::DEMO)->value());

  const Envelope& crime = f.events[3];
  EXPECT_EQ(crime.kind(), "police.child_injury_crime");
  EXPECT_EQ(crime.source(), "police:central");
  EXPECT_EQ(crime.board(), "E09000022");  // from the name, any case
  EXPECT_EQ(crime.subject().age_years(), 16);
  EXPECT_EQ(crime.subject().age_band(), "16-17");
  ASSERT_EQ(crime.subject().tokens_size(), 1);
  EXPECT_EQ(TokenOf(crime, SubjectToken::NHS)->value(), key_.NhsToken("4010232137"));
  ASSERT_TRUE(crime.has_injury_crime());
  EXPECT_EQ(crime.injury_crime().crime_class(), "assault");
  EXPECT_EQ(crime.injury_crime().weapon(), "knife");
  EXPECT_EQ(crime.injury_crime().reporting_unit(), "central");

  const Envelope& lambeth_unit = f.events[4];
  EXPECT_EQ(lambeth_unit.source(), "police:E09000022");  // unit given by DfE number 208
  EXPECT_EQ(lambeth_unit.source_event_id(), "P3");
  EXPECT_EQ(lambeth_unit.injury_crime().reporting_unit(), "E09000022");
  EXPECT_EQ(lambeth_unit.injury_crime().crime_class(), "robbery");
  EXPECT_EQ(lambeth_unit.injury_crime().weapon(), "none");
  EXPECT_EQ(lambeth_unit.subject().tokens_size(), 2);
  EXPECT_EQ(TokenOf(lambeth_unit, SubjectToken::NHS)->value(), TokenOf(crime, SubjectToken::NHS)->value());

  const Envelope& absent = f.events[5];
  EXPECT_EQ(absent.board(), "E09000012");
  EXPECT_EQ(absent.source(), "police:central");
  EXPECT_EQ(absent.subject().age_years(), 8);  // 8 on the day
  EXPECT_EQ(absent.subject().age_band(), "5-9");
  EXPECT_EQ(absent.missing().category(), "absent");
  EXPECT_EQ(absent.missing().ended_at(), 0);
}

TEST_F(PoliceEventsTest, ReportingUnitColumnIsOptional) {
  ParsedFile f = Parse(
      "record_id,record_type,borough,occurred_at,child_role,surname,forenames,dob\n"
      "D1,DOMESTIC_ABUSE,Hackney,2007-06-01T20:00,present,Smith,Jane,2004-02-03\n");
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].source(), "police:central");
  EXPECT_EQ(f.events[0].domestic_abuse().reporting_unit(), "central");
  EXPECT_EQ(f.events[0].subject().age_band(), "1-4");
}

TEST_F(PoliceEventsTest, EveryBadRowIsListedWithItsLineAndField) {
  const Row good{.record_id = "G1",
                 .record_type = "DOMESTIC_ABUSE",
                 .borough = "E09000012",
                 .occurred_at = "2007-06-01T21:00",
                 .child_role = "present",
                 .surname = "Mensah",
                 .forenames = "Kwame",
                 .dob = "2001-01-01"};
  auto with = [&](auto change) {
    Row r = good;
    change(r);
    return r;
  };
  std::string csv(kHeader);
  csv += Line(good);  // 2
  csv += Line(with([](Row& r) {
    r.record_id = "B1";
    r.reporting_unit = "Narnia";
  }));  // 3
  csv += Line(with([](Row& r) {
    r.record_id = "B2";
    r.record_type = "ARREST";
  }));                           // 4
  csv += Line(with([](Row& r) {  // 5
    r.record_id = "B3";
    r.record_type = "MISSING_EPISODE";
    r.ended_at = "2007-06-01T20:00";
  }));
  csv += Line(with([](Row& r) {
    r.record_id = "B4";
    r.child_role = "witness";
  }));                           // 6
  csv += Line(with([](Row& r) {  // 7
    r.record_id = "B5";
    r.record_type = "CHILD_INJURY_CRIME";
    r.weapon = "sword";
  }));
  csv += Line(with([](Row& r) {
    r.record_id = "B6";
    r.dob = "2007-06-02";
  }));  // 8
  csv += Line(with([](Row& r) {
    r.record_id = "B7";
    r.dob = "1989-06-01";
  }));                                                              // 9
  csv += Line(with([](Row& r) { r.reporting_unit = "Central"; }));  // 10
  csv += Line(with([](Row& r) {
    r.record_id = "B8";
    r.surname = "";
    r.forenames = "";
  }));  // 11
  csv += Line(with([](Row& r) {
    r.record_id = "B9";
    r.borough = "";
    r.occurred_at = "soon";
  }));                                                                // 12
  csv += Line(with([](Row& r) { r.reporting_unit = "E09000012"; }));  // 13: another unit
  csv += Line(with([](Row& r) {
    r.record_id = "B10";
    r.nhs_number = "999 123 4567";
  }));  // 14

  ParsedFile f = Parse(csv);
  std::vector<std::pair<int, std::string>> expected = {
      {3, "reporting_unit"}, {4, "record_type"},  {5, "missing_category"},
      {5, "ended_at"},       {6, "child_role"},   {7, "crime_class"},
      {7, "weapon"},         {8, "dob"},          {9, "dob"},
      {10, "record_id"},     {11, "surname"},     {11, "forenames"},
      {12, "borough"},       {12, "occurred_at"}, {14, "nhs_number"},
  };
  EXPECT_EQ(LinesAndFields(f), expected);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 13}));
  ASSERT_EQ(f.events.size(), 2u);
  EXPECT_EQ(f.events[1].source(), "police:E09000012");

  EXPECT_EQ(MessageAt(f, 3, "reporting_unit"),
            "police.csv:3: reporting_unit: 'Narnia' is not 'central' or a known borough (give its ONS code, DfE "
            "number or name)");
  EXPECT_EQ(MessageAt(f, 4, "record_type"),
            "police.csv:4: record_type: 'ARREST' is not one of MISSING_EPISODE, DOMESTIC_ABUSE, CHILD_INJURY_CRIME");
  EXPECT_EQ(MessageAt(f, 5, "missing_category"), "police.csv:5: missing_category: missing");
  EXPECT_EQ(MessageAt(f, 5, "ended_at"), "police.csv:5: ended_at: is before occurred_at");
  EXPECT_EQ(MessageAt(f, 6, "child_role"), "police.csv:6: child_role: 'witness' is not one of victim, present");
  EXPECT_EQ(MessageAt(f, 7, "weapon"),
            "police.csv:7: weapon: 'sword' is not one of knife, firearm, blunt, none, other");
  EXPECT_EQ(MessageAt(f, 7, "crime_class"), "police.csv:7: crime_class: missing");
  // Only children's services may record an unborn child.
  EXPECT_EQ(MessageAt(f, 8, "dob"), "police.csv:8: dob: is after the event (occurred_at)");
  EXPECT_EQ(MessageAt(f, 9, "dob"), "police.csv:9: dob: the child is 18 or over at the event (age 18)");
  // Blank and "Central" are the same unit.
  EXPECT_EQ(MessageAt(f, 10, "record_id"),
            "police.csv:10: record_id: 'G1' for reporting unit central already appears on line 2");
  EXPECT_EQ(MessageAt(f, 12, "borough"), "police.csv:12: borough: missing");
  EXPECT_EQ(MessageAt(f, 14, "nhs_number"),
            "police.csv:14: nhs_number: not a valid NHS number (10 digits passing the modulus-11 check)");
  for (const RecordError& e : f.errors) EXPECT_EQ(e.ToString().find("4567"), std::string::npos) << e.ToString();
}

TEST_F(PoliceEventsTest, MissingRequiredColumnIsOneErrorOnTheHeader) {
  ParsedFile f = Parse("record_id,borough,occurred_at,colour\nP1,Lambeth,2007-01-01,red\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "police.csv:1: record_type: required column is missing from the header");
  EXPECT_TRUE(f.events.empty());

  f = Parse(
      "record_id,record_type,borough,occurred_at,child_role,surname,forenames,dob,colour\n"
      "D1,DOMESTIC_ABUSE,Hackney,2007-06-01T20:00,present,Smith,Jane,2004-02-03,red\n");
  EXPECT_TRUE(f.errors.empty());
  EXPECT_EQ(f.warnings, (std::vector<std::string>{"police.csv: unknown columns ignored: colour"}));
}

TEST_F(PoliceEventsTest, EnvelopesCarryNoIdentifiers) {
  ParsedFile f = Parse(File(GoodRows()));
  ASSERT_EQ(f.events.size(), GoodRows().size());
  std::vector<std::string> ids;
  for (const Row& r : GoodRows()) {
    for (const std::string* s : {&r.nhs_number, &r.surname, &r.forenames, &r.dob, &r.postcode})
      if (!s->empty()) ids.push_back(*s);
    if (auto nhs = NormaliseNhsNumber(r.nhs_number)) ids.push_back(*nhs);
    if (!r.surname.empty()) ids.push_back(DemoSurname(r.surname));
  }
  ExpectNoIdentifiers(f, ids);
}

TEST_F(PoliceEventsTest, RequiresBoardsAndKey) {
  ParsedFile f = FindAdapter("police-events")->Parse("police.csv", File(GoodRows()), AdapterContext{});
  EXPECT_TRUE(f.events.empty());
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_NE(f.errors[0].problem.find("internal error"), std::string::npos);
}

}  // namespace
}  // namespace lscb::adapters
