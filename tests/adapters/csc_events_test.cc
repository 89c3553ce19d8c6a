#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "core/boards.h"
#include "core/calendar.h"

namespace lscb::adapters {
namespace {

using lscb::v1::Envelope;
using lscb::v1::SubjectToken;

// One csc-events row, in the column order of kHeader.
struct Row {
  std::string record_id, record_type, borough, occurred_at, la_child_id, nhs_number, surname, forenames, dob, postcode,
      source, abuse_category, missing_category, ended_at, activity, children_involved;
};

constexpr std::string_view kHeader =
    "record_id,record_type,borough,occurred_at,la_child_id,nhs_number,surname,forenames,dob,postcode,source,"
    "abuse_category,missing_category,ended_at,activity,children_involved\n";

std::string Field(const std::string& value) {
  if (value.find_first_of(",\"\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Line(const Row& r) {
  const std::string* fields[] = {
      &r.record_id,        &r.record_type, &r.borough,  &r.occurred_at,      &r.la_child_id, &r.nhs_number,
      &r.surname,          &r.forenames,   &r.dob,      &r.postcode,         &r.source,      &r.abuse_category,
      &r.missing_category, &r.ended_at,    &r.activity, &r.children_involved};
  std::string out;
  for (const std::string* f : fields) {
    if (f != fields[0]) out += ',';
    out += Field(*f);
  }
  return out + "\n";
}

std::string File(const std::vector<Row>& rows) {
  std::string out(kHeader);
  for (const Row& r : rows) out += Line(r);
  return out;
}

const SubjectToken* TokenOf(const Envelope& e, SubjectToken::Kind kind) {
  for (const SubjectToken& t : e.subject().tokens())
    if (t.kind() == kind) return &t;
  return nullptr;
}

std::vector<std::pair<int, std::string>> LinesAndFields(const ParsedFile& f) {
  std::vector<std::pair<int, std::string>> out;
  for (const RecordError& e : f.errors) out.emplace_back(e.line, e.field);
  return out;
}

class CscEventsTest : public ::testing::Test {
 protected:
  ParsedFile Parse(std::string_view csv) {
    const Adapter* adapter = FindAdapter("csc-events");
    EXPECT_NE(adapter, nullptr);
    return adapter->Parse("feed.csv", csv, AdapterContext{BoardRegistry::Default(), &key_});
  }

  LinkageKey key_ = LinkageKey::FromSecret("csc-events-test-secret-0123456");
};

// A file of good rows, one per record type, the borough given three ways.
const std::vector<Row>& GoodRows() {
  static const std::vector<Row> kRows = {
      // line 2
      {.record_id = "C1",
       .record_type = "CONTACT",
       .borough = "E09000011",
       .occurred_at = "2007-06-01T10:30",
       .la_child_id = "100001",
       .nhs_number = "943 476 5919",
       .surname = "O'Brien",
       .forenames = "Sean",
       .dob = "2000-06-02",
       .postcode = "SE10 9AB",
       .source = "Police"},
      // line 3: DfE number; the referral is on the child's 7th birthday
      {.record_id = "R1",
       .record_type = "referral",
       .borough = "203",
       .occurred_at = "2007-06-02",
       .la_child_id = "100001",
       .nhs_number = "9434765919",
       .surname = "O'Brien",
       .forenames = "Sean",
       .dob = "2000-06-02",
       .postcode = "SE10 9AB",
       .source = "school"},
      // line 4: name and dob only
      {.record_id = "A1",
       .record_type = "ASSESSMENT_COMPLETED",
       .borough = "Greenwich",
       .occurred_at = "2007-07-01",
       .la_child_id = "100002",
       .surname = "Smith",
       .forenames = "Jane",
       .dob = "2007-03-01"},
      // line 5: NHS number only
      {.record_id = "P1",
       .record_type = "CP_PLAN_STARTED",
       .borough = "lambeth",
       .occurred_at = "2007-08-01",
       .la_child_id = "200001",
       .nhs_number = "4010232137",
       .dob = "1995-01-01",
       .abuse_category = "Neglect"},
      // line 6: the plan ends; no category given
      {.record_id = "P2",
       .record_type = "CP_PLAN_ENDED",
       .borough = "E09000022",
       .occurred_at = "2008-01-10",
       .la_child_id = "200001",
       .nhs_number = "4010232137",
       .dob = "1995-01-01"},
      // line 7: an unborn child (expected date of birth after the conference)
      {.record_id = "U1",
       .record_type = "ICPC_HELD",
       .borough = "Hackney",
       .occurred_at = "2007-09-01",
       .la_child_id = "300001",
       .surname = "Jones",
       .forenames = "Amy",
       .dob = "2007-11-15"},
      // line 8
      {.record_id = "M1",
       .record_type = "MISSING_EPISODE",
       .borough = "E09000012",
       .occurred_at = "2007-12-01T22:00",
       .la_child_id = "300002",
       .surname = "Brown",
       .forenames = "Tom",
       .dob = "1992-12-02",
       .postcode = "E8 1AA",
       .missing_category = "Absent",
       .ended_at = "2007-12-02T08:00"},
      // line 9: no child
      {.record_id = "X1",
       .record_type = "PARTICIPATION",
       .borough = "Hackney",
       .occurred_at = "2008-02-01",
       .activity = "Planning",
       .children_involved = "12"},
      // line 10: "and" for "&"; 17 until tomorrow
      {.record_id = "S1",
       .record_type = "S47_STARTED",
       .borough = "Hammersmith & Fulham",
       .occurred_at = "2008-03-01",
       .la_child_id = "100001",
       .surname = "Okafor",
       .forenames = "Chidi",
       .dob = "1990-03-02"},
      // line 11: the same record id in another borough is another record
      {.record_id = "C1",
       .record_type = "CONTACT",
       .borough = "E09000012",
       .occurred_at = "2007-06-01",
       .la_child_id = "100001",
       .nhs_number = "4010232137",
       .dob = "1995-01-01",
       .source = "ANONYMOUS"},
  };
  return kRows;
}

TEST_F(CscEventsTest, IsRegistered) {
  ASSERT_NE(FindAdapter("csc-events"), nullptr);
  EXPECT_EQ(FindAdapter("csc-events")->name(), "csc-events");
  EXPECT_EQ(FindAdapter("no-such-format"), nullptr);
  std::vector<std::string> names = AdapterNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "csc-events"), names.end());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(RecordError, FormatsFileLineFieldProblem) {
  EXPECT_EQ((RecordError{"feed.csv", 12, "dob", "missing"}).ToString(), "feed.csv:12: dob: missing");
  EXPECT_EQ((RecordError{"feed.csv", 3, "", "bad record"}).ToString(), "feed.csv:3: bad record");
}

TEST_F(CscEventsTest, GoodFileBecomesEnvelopes) {
  ParsedFile f = Parse(File(GoodRows()));
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  EXPECT_TRUE(f.warnings.empty());
  ASSERT_EQ(f.events.size(), 10u);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  for (const Envelope& e : f.events) {
    EXPECT_EQ(e.schema_version(), 1u);
    EXPECT_EQ(e.agency(), "csc");
    EXPECT_EQ(e.source(), "csc:" + e.board());
  }

  const Envelope& contact = f.events[0];
  EXPECT_EQ(contact.kind(), "csc.contact");
  EXPECT_EQ(contact.board(), "E09000011");
  EXPECT_EQ(contact.source(), "csc:E09000011");
  EXPECT_EQ(contact.source_event_id(), "C1");
  EXPECT_EQ(FormatInstant(contact.occurred_at()), "2007-06-01T09:30:00Z");  // BST
  EXPECT_EQ(contact.subject().age_years(), 6);                              // 7 the next day
  EXPECT_EQ(contact.subject().age_band(), "5-9");
  ASSERT_EQ(contact.subject().tokens_size(), 3);
  Date dob = *ParseDate("2000-06-02");
  ASSERT_NE(TokenOf(contact, SubjectToken::NHS), nullptr);
  EXPECT_EQ(TokenOf(contact, SubjectToken::NHS)->value(), key_.NhsToken("9434765919"));
  ASSERT_NE(TokenOf(contact, SubjectToken::DEMO), nullptr);
  EXPECT_EQ(TokenOf(contact, SubjectToken::DEMO)->value(), key_.DemoToken("OBRIEN", "S", dob));
  ASSERT_NE(TokenOf(contact, SubjectToken::LOCAL), nullptr);
  EXPECT_EQ(TokenOf(contact, SubjectToken::LOCAL)->value(), key_.LocalToken("csc:E09000011", "100001"));
  for (const SubjectToken& t : contact.subject().tokens()) EXPECT_EQ(t.value().size(), 32u);
  ASSERT_TRUE(contact.has_contact());
  EXPECT_EQ(contact.contact().source(), "police");

  const Envelope& referral = f.events[1];
  EXPECT_EQ(referral.kind(), "csc.referral");
  EXPECT_EQ(referral.board(), "E09000011");                                  // from DfE number 203
  EXPECT_EQ(FormatInstant(referral.occurred_at()), "2007-06-01T23:00:00Z");  // local midnight, BST
  EXPECT_EQ(referral.subject().age_years(), 7);                              // the UK local date is the birthday
  EXPECT_EQ(referral.contact().source(), "school");
  // Same child, same tokens.
  EXPECT_EQ(TokenOf(referral, SubjectToken::NHS)->value(), TokenOf(contact, SubjectToken::NHS)->value());
  EXPECT_EQ(TokenOf(referral, SubjectToken::LOCAL)->value(), TokenOf(contact, SubjectToken::LOCAL)->value());

  const Envelope& assessment = f.events[2];
  EXPECT_EQ(assessment.kind(), "csc.assessment_completed");
  EXPECT_EQ(assessment.board(), "E09000011");  // from the name
  EXPECT_EQ(assessment.subject().age_band(), "under1");
  EXPECT_EQ(assessment.subject().age_years(), 0);
  EXPECT_EQ(assessment.subject().tokens_size(), 2);  // DEMO and LOCAL
  EXPECT_EQ(TokenOf(assessment, SubjectToken::NHS), nullptr);
  EXPECT_EQ(TokenOf(assessment, SubjectToken::DEMO)->value(),
            key_.DemoToken("Smith", "Jane", *ParseDate("2007-03-01")));
  EXPECT_EQ(assessment.detail_case(), Envelope::DETAIL_NOT_SET);

  const Envelope& plan = f.events[3];
  EXPECT_EQ(plan.kind(), "csc.cp_plan_started");
  EXPECT_EQ(plan.board(), "E09000022");
  EXPECT_EQ(plan.subject().age_years(), 12);
  EXPECT_EQ(plan.subject().age_band(), "10-15");
  EXPECT_EQ(plan.subject().tokens_size(), 2);  // NHS and LOCAL
  EXPECT_EQ(TokenOf(plan, SubjectToken::DEMO), nullptr);
  ASSERT_TRUE(plan.has_cp_plan());
  EXPECT_EQ(plan.cp_plan().category(), "neglect");

  const Envelope& ended = f.events[4];
  EXPECT_EQ(ended.kind(), "csc.cp_plan_ended");
  ASSERT_TRUE(ended.has_cp_plan());
  EXPECT_EQ(ended.cp_plan().category(), "");
  EXPECT_EQ(ended.subject().age_years(), 13);

  const Envelope& unborn = f.events[5];
  EXPECT_EQ(unborn.kind(), "csc.icpc_held");
  EXPECT_EQ(unborn.board(), "E09000012");
  EXPECT_EQ(unborn.subject().age_years(), -1);
  EXPECT_EQ(unborn.subject().age_band(), "unborn");
  EXPECT_NE(TokenOf(unborn, SubjectToken::DEMO), nullptr);

  const Envelope& missing = f.events[6];
  EXPECT_EQ(missing.kind(), "missing.episode");
  EXPECT_EQ(FormatInstant(missing.occurred_at()), "2007-12-01T22:00:00Z");  // GMT
  EXPECT_EQ(missing.subject().age_years(), 14);
  ASSERT_TRUE(missing.has_missing());
  EXPECT_EQ(missing.missing().category(), "absent");
  EXPECT_EQ(FormatInstant(missing.missing().ended_at()), "2007-12-02T08:00:00Z");

  const Envelope& participation = f.events[7];
  EXPECT_EQ(participation.kind(), "board.participation");
  EXPECT_EQ(participation.board(), "E09000012");
  EXPECT_FALSE(participation.has_subject());
  ASSERT_TRUE(participation.has_participation());
  EXPECT_EQ(participation.participation().activity(), "planning");
  EXPECT_EQ(participation.participation().children_involved(), 12u);

  const Envelope& s47 = f.events[8];
  EXPECT_EQ(s47.kind(), "csc.s47_started");
  EXPECT_EQ(s47.board(), "E09000013");
  EXPECT_EQ(s47.subject().age_years(), 17);
  EXPECT_EQ(s47.subject().age_band(), "16-17");
  // la_child_id 100001 in Hammersmith & Fulham is not Greenwich's 100001.
  EXPECT_NE(TokenOf(s47, SubjectToken::LOCAL)->value(), TokenOf(contact, SubjectToken::LOCAL)->value());

  const Envelope& other = f.events[9];
  EXPECT_EQ(other.source_event_id(), "C1");
  EXPECT_EQ(other.source(), "csc:E09000012");
  EXPECT_EQ(other.contact().source(), "anonymous");
}

TEST_F(CscEventsTest, ColumnsInAnyOrderAndCase) {
  ParsedFile f = Parse(
      "Borough,RECORD_TYPE,Occurred_At,Record_Id,DOB,NHS_Number,LA_Child_ID,Source\r\n"
      "Lambeth,Contact,2007-05-05T09:00,K9,2005-01-01,943 476 5919,L1,Health\r\n");
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].board(), "E09000022");
  EXPECT_EQ(f.events[0].source_event_id(), "K9");
  EXPECT_EQ(f.events[0].contact().source(), "health");
  EXPECT_EQ(f.events[0].subject().age_band(), "1-4");
}

TEST_F(CscEventsTest, EveryBadRowIsListedWithItsLineAndField) {
  const Row good{.record_id = "G1",
                 .record_type = "CONTACT",
                 .borough = "E09000011",
                 .occurred_at = "2007-06-01",
                 .la_child_id = "100001",
                 .nhs_number = "9434765919",
                 .dob = "2001-01-01",
                 .source = "police"};
  auto with = [&](auto change) {
    Row r = good;
    change(r);
    return r;
  };
  std::string csv(kHeader);
  csv += Line(good);  // 2
  csv += Line(with([](Row& r) {
    r.record_id = "B1";
    r.nhs_number = "943 476 5918";
  }));  // 3
  csv += Line(with([](Row& r) {
    r.record_id = "B2";
    r.borough = "Narnia";
    r.source = "postman";
  }));  // 4
  csv += Line(with([](Row& r) {
    r.record_id = "B3";
    r.record_type = "REFERRAL";
    r.occurred_at = "2007-13-01";
  }));
  csv += Line(with([](Row& r) {
    r.record_id = "B4";
    r.record_type = "CP_PLAN_STARTED";
  }));  // 6
  csv += Line(with([](Row& r) {
    r.record_id = "B5";
    r.record_type = "FOO";
  }));  // 7
  csv += Line(with([](Row& r) {
    r.record_id = "G2";
    r.surname = "Ann";
    r.forenames = "Mary\nAnn";
  }));                // 8-9
  csv += Line(good);  // 10
  csv += Line(with([](Row& r) {
    r.record_id = "B6";
    r.nhs_number = "";
  }));  // 11
  csv += Line(with([](Row& r) {
    r.record_id = "B7";
    r.la_child_id = "";
    r.dob = "";
  }));                           // 12
  csv += "B8,CONTACT\n";         // 13
  csv += Line(with([](Row& r) {  // 14
    r.record_id = "B9";
    r.record_type = "MISSING_EPISODE";
    r.occurred_at = "2007-06-01T10:00";
    r.missing_category = "lost";
    r.ended_at = "2007-06-01T09:00";
  }));
  csv += Line(with([](Row& r) {  // 15
    r.record_id = "B10";
    r.record_type = "PARTICIPATION";
    r.activity = "party";
    r.children_involved = "0";
  }));
  csv += Line(with([](Row& r) {
    r.record_id = "B11";
    r.dob = "2007-02-30";
  }));  // 16
  csv += Line(with([](Row& r) {
    r.record_id = "B12";
    r.nhs_number = "";
    r.surname = "-";
    r.forenames = "'";
  }));
  csv += Line(with([](Row& r) { r.record_id = ""; }));  // 18
  csv += Line(with([](Row& r) {
    r.record_id = "G3";
    r.record_type = "missing_episode";
    r.missing_category = "missing";
  }));

  ParsedFile f = Parse(csv);
  std::vector<std::pair<int, std::string>> expected = {
      {3, "nhs_number"},         {4, "borough"},        {4, "source"},
      {5, "occurred_at"},        {6, "abuse_category"}, {7, "record_type"},
      {10, "record_id"},         {11, "surname"},       {11, "forenames"},
      {12, "la_child_id"},       {12, "dob"},           {13, ""},
      {14, "missing_category"},  {14, "ended_at"},      {15, "activity"},
      {15, "children_involved"}, {16, "dob"},           {17, "surname"},
      {17, "forenames"},         {18, "record_id"},
  };
  EXPECT_EQ(LinesAndFields(f), expected);
  for (const RecordError& e : f.errors) EXPECT_EQ(e.file, "feed.csv");
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 8, 19}));
  ASSERT_EQ(f.events.size(), 3u);
  EXPECT_EQ(f.events[1].source_event_id(), "G2");
  EXPECT_EQ(f.events[2].source_event_id(), "G3");

  auto message = [&](int line, std::string_view field) {
    for (const RecordError& e : f.errors)
      if (e.line == line && e.field == field) return e.ToString();
    return std::string("(none)");
  };
  EXPECT_EQ(message(3, "nhs_number"),
            "feed.csv:3: nhs_number: not a valid NHS number (10 digits passing the modulus-11 check)");
  EXPECT_EQ(message(4, "borough"),
            "feed.csv:4: borough: 'Narnia' is not a known borough (give its ONS code, DfE number or name)");
  EXPECT_EQ(message(4, "source"),
            "feed.csv:4: source: 'postman' is not one of police, health, school, la, individual, other, anonymous");
  EXPECT_EQ(message(6, "abuse_category"), "feed.csv:6: abuse_category: missing");
  EXPECT_EQ(message(7, "record_type"),
            "feed.csv:7: record_type: 'FOO' is not one of CONTACT, REFERRAL, ASSESSMENT_COMPLETED, S47_STARTED, "
            "ICPC_HELD, CP_PLAN_STARTED, CP_PLAN_ENDED, MISSING_EPISODE, PARTICIPATION");
  EXPECT_EQ(message(10, "record_id"), "feed.csv:10: record_id: 'G1' for borough E09000011 already appears on line 2");
  EXPECT_EQ(message(13, ""), "feed.csv:13: the record has 2 fields but the header has 16 columns");
  EXPECT_EQ(message(14, "ended_at"), "feed.csv:14: ended_at: is before occurred_at");
  EXPECT_EQ(message(15, "children_involved"),
            "feed.csv:15: children_involved: '0' is not a whole number from 1 to 1000000");
  EXPECT_EQ(message(16, "dob"), "feed.csv:16: dob: not a valid date (expected YYYY-MM-DD)");
  // Person identifiers are never quoted back.
  for (const RecordError& e : f.errors) {
    EXPECT_EQ(e.problem.find("5918"), std::string::npos) << e.ToString();
    EXPECT_EQ(e.problem.find("2007-02-30"), std::string::npos) << e.ToString();
  }
}

// The hub counts at most 1,000,000 children per participation record; a
// larger number is the row's error here, not a rejection at the hub.
TEST_F(CscEventsTest, ChildrenInvolvedIsBoundedAsTheHubRequires) {
  std::string csv =
      "record_id,record_type,borough,occurred_at,activity,children_involved\n"
      "P1,PARTICIPATION,E09000011,2007-06-01,planning,1000000\n"
      "P2,PARTICIPATION,E09000011,2007-06-01,planning,1000001\n"
      "P3,PARTICIPATION,E09000011,2007-06-01,planning,99999999999\n";
  ParsedFile f = Parse(csv);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].participation().children_involved(), 1000000u);
  ASSERT_EQ(f.errors.size(), 2u);
  EXPECT_EQ(f.errors[0].ToString(), "feed.csv:3: children_involved: '1000001' is not a whole number from 1 to 1000000");
  EXPECT_EQ(f.errors[1].line, 4);
}

TEST_F(CscEventsTest, ChildOf18OrOverIsRefused) {
  Row row{.record_id = "Y1",
          .record_type = "S47_STARTED",
          .borough = "E09000011",
          .occurred_at = "2007-06-01T00:30",
          .la_child_id = "1",
          .nhs_number = "9434765919",
          .dob = "1989-06-01"};
  // 00:30 BST on 1 June is 23:30 UTC on 31 May: the age is taken on the UK
  // local date, which is the 18th birthday.
  ParsedFile f = Parse(File({row}));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "feed.csv:2: dob: the child is 18 or over at the event (age 18)");
  EXPECT_TRUE(f.events.empty());

  row.dob = "1989-06-02";
  f = Parse(File({row}));
  EXPECT_TRUE(f.errors.empty());
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].subject().age_band(), "16-17");

  row.dob = "1970-01-01";
  f = Parse(File({row}));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].problem, "the child is 18 or over at the event (age 37)");
}

TEST_F(CscEventsTest, ExpectedBirthMoreThanAYearAwayIsRefused) {
  Row row{.record_id = "U2",
          .record_type = "CONTACT",
          .borough = "E09000011",
          .occurred_at = "2007-06-01",
          .la_child_id = "1",
          .nhs_number = "9434765919",
          .dob = "2008-06-02",
          .source = "health"};
  ParsedFile f = Parse(File({row}));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].field, "dob");
  row.dob = "2008-06-01";
  EXPECT_TRUE(Parse(File({row})).errors.empty());
}

TEST_F(CscEventsTest, MissingRequiredColumnIsOneErrorOnTheHeader) {
  ParsedFile f = Parse("record_id,record_type,borough,la_child_id\nC1,CONTACT,E09000011,1\nC2,CONTACT,E09000011,2\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "feed.csv:1: occurred_at: required column is missing from the header");
  EXPECT_TRUE(f.events.empty());

  f = Parse("record_type,la_child_id\nCONTACT,1\n");
  EXPECT_EQ(LinesAndFields(f),
            (std::vector<std::pair<int, std::string>>{{1, "record_id"}, {1, "borough"}, {1, "occurred_at"}}));

  f = Parse("");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "feed.csv:1: the file is empty (a header row is required)");
}

TEST_F(CscEventsTest, AbsentOptionalColumnsAreFineUntilARowNeedsThem) {
  // Participation rows need no child columns.
  ParsedFile f = Parse(
      "record_id,record_type,borough,occurred_at,activity,children_involved\n"
      "X1,PARTICIPATION,Lambeth,2007-10-10,delivery,3\n"
      "C1,CONTACT,Lambeth,2007-10-10,,\n");
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].participation().activity(), "delivery");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_EQ(f.errors[0].ToString(), "feed.csv:3: la_child_id: missing (the file has no 'la_child_id' column)");
  for (const RecordError& e : f.errors) EXPECT_EQ(e.line, 3);
}

TEST_F(CscEventsTest, UnknownColumnsGiveOneWarningPerFile) {
  ParsedFile f = Parse(
      "record_id,record_type,borough,occurred_at,favourite_colour,activity,children_involved,Notes\n"
      "X1,PARTICIPATION,Lambeth,2007-10-10,blue,planning,3,hello\n"
      "X2,PARTICIPATION,Lambeth,2007-10-11,red,planning,4,again\n");
  EXPECT_TRUE(f.errors.empty());
  EXPECT_EQ(f.events.size(), 2u);
  EXPECT_EQ(f.warnings, (std::vector<std::string>{"feed.csv: unknown columns ignored: favourite_colour, Notes"}));
}

TEST_F(CscEventsTest, MalformedCsvRecordIsAnErrorAndTheRestIsRead) {
  ParsedFile f = Parse(
      "record_id,record_type,borough,occurred_at,activity,children_involved\n"
      "X1,PARTICIPATION,Lambeth,2007-10-10,plan\"ning,3\n"
      "X2,PARTICIPATION,Lambeth,2007-10-10,planning,3\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].line, 2);
  EXPECT_EQ(f.errors[0].field, "");
  EXPECT_EQ(f.event_lines, (std::vector<int>{3}));
}

TEST_F(CscEventsTest, RequiresBoardsAndKey) {
  ParsedFile f = FindAdapter("csc-events")->Parse("feed.csv", File(GoodRows()), AdapterContext{});
  EXPECT_TRUE(f.events.empty());
  ASSERT_EQ(f.errors.size(), 1u);
}

// No NHS number, name, date of birth or postcode reaches an Envelope, an
// error or a warning.
void ExpectNoIdentifiers(const ParsedFile& f, const std::vector<std::string>& identifiers) {
  for (size_t i = 0; i < f.events.size(); ++i) {
    std::string bytes = f.events[i].SerializeAsString();
    for (const std::string& id : identifiers)
      EXPECT_EQ(bytes.find(id), std::string::npos) << "'" << id << "' in the event from line " << f.event_lines[i];
  }
  for (const std::string& id : identifiers) {
    for (const RecordError& e : f.errors) EXPECT_EQ(e.ToString().find(id), std::string::npos) << e.ToString();
    for (const std::string& w : f.warnings) EXPECT_EQ(w.find(id), std::string::npos) << w;
  }
}

std::vector<std::string> IdentifiersOf(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (!s.empty()) out.push_back(s);
  };
  for (const Row& r : rows) {
    add(r.nhs_number);
    if (auto nhs = NormaliseNhsNumber(r.nhs_number)) add(*nhs);
    add(r.surname);
    add(DemoSurname(r.surname));
    add(r.forenames);
    add(r.dob);
    add(r.postcode);
  }
  return out;
}

TEST_F(CscEventsTest, EnvelopesCarryNoIdentifiers) {
  ParsedFile f = Parse(File(GoodRows()));
  ASSERT_EQ(f.events.size(), GoodRows().size());
  ExpectNoIdentifiers(f, IdentifiersOf(GoodRows()));

  // Rows with errors in other fields, and a bad NHS number.
  std::vector<Row> bad = GoodRows();
  for (Row& r : bad) r.occurred_at = "not a date";
  bad[0].nhs_number = "943 476 5918";
  f = Parse(File(bad));
  EXPECT_EQ(f.events.size(), 0u);
  EXPECT_FALSE(f.errors.empty());
  std::vector<std::string> ids = IdentifiersOf(bad);
  ids.push_back("5918");
  ExpectNoIdentifiers(f, ids);
}

TEST_F(CscEventsTest, SyntheticEnvelopesCarryNoIdentifiers) {
  std::string csv = SyntheticCscEventsCsv(300, 11);
  ParsedFile f = Parse(csv);
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].ToString();
  ASSERT_EQ(f.events.size(), 300u);
  // Every identifier in the file, read back independently of the adapter.
  std::vector<std::string> ids;
  size_t start = csv.find('\n') + 1;
  while (start < csv.size()) {
    size_t end = csv.find('\n', start);
    std::string line = csv.substr(start, end - start - 1);  // drop "\r"
    std::vector<std::string> cells(1);
    for (char c : line) {
      if (c == ',')
        cells.emplace_back();
      else
        cells.back() += c;
    }
    ASSERT_EQ(cells.size(), 16u) << line;
    for (size_t i : {5, 6, 7, 8, 9})  // nhs_number, surname, forenames, dob, postcode
      if (!cells[i].empty()) ids.push_back(cells[i]);
    if (auto nhs = NormaliseNhsNumber(cells[5])) ids.push_back(*nhs);
    start = end + 1;
  }
  EXPECT_GT(ids.size(), 800u);
  ExpectNoIdentifiers(f, ids);
}

}  // namespace
}  // namespace lscb::adapters
