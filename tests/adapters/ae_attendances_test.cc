#include <gtest/gtest.h>

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
    "attendance_id,site_code,arrived_at,borough,nhs_number,surname,forenames,dob,postcode,injury,injury_intent,"
    "injury_mechanism,safeguarding_concern,cp_plan_flag\n";

struct Row {
  std::string attendance_id, site_code, arrived_at, borough, nhs_number, surname, forenames, dob, postcode, injury,
      injury_intent, injury_mechanism, safeguarding_concern, cp_plan_flag;
};

std::string Line(const Row& r) {
  return CsvLine({r.attendance_id, r.site_code, r.arrived_at, r.borough, r.nhs_number, r.surname, r.forenames, r.dob,
                  r.postcode, r.injury, r.injury_intent, r.injury_mechanism, r.safeguarding_concern, r.cp_plan_flag});
}

std::string File(const std::vector<Row>& rows) {
  std::string out(kHeader);
  for (const Row& r : rows) out += Line(r);
  return out;
}

class AeAttendancesTest : public ::testing::Test {
 protected:
  ParsedFile Parse(std::string_view csv) { return testing::ParseAs("ae-attendances", "ae.csv", csv, key_); }
  LinkageKey key_ = LinkageKey::FromSecret("ae-attendances-test-secret-01");
};

const std::vector<Row>& GoodRows() {
  static const std::vector<Row> kRows = {
      // line 2
      {.attendance_id = "A1",
       .site_code = "RJ224",
       .arrived_at = "2007-12-09T21:33",
       .borough = "Hackney",
       .nhs_number = "9434765919",
       .surname = "Evans",
       .forenames = "Noah",
       .dob = "1994-05-06",
       .postcode = "N16 6WA",
       .injury = "Y",
       .injury_intent = "Accidental",
       .injury_mechanism = "SHARP",
       .safeguarding_concern = "N"},
      // line 3: the same attendance id at another site is another record
      {.attendance_id = "A1",
       .site_code = "RQX01",
       .arrived_at = "2007-07-07T03:29",
       .borough = "204",
       .surname = "Davies",
       .forenames = "Leo",
       .dob = "2005-09-25",
       .injury = "N",
       .safeguarding_concern = "Y",
       .cp_plan_flag = "Y"},
      // line 4: lower-case y/n
      {.attendance_id = "A2",
       .site_code = "RJ224",
       .arrived_at = "2007-06-01T10:00",
       .borough = "E09000022",
       .nhs_number = "4010232137",
       .dob = "2007-05-20",
       .injury = "y",
       .injury_intent = "assault",
       .injury_mechanism = "blunt",
       .safeguarding_concern = "y",
       .cp_plan_flag = "n"},
      // line 5
      {.attendance_id = "A3",
       .site_code = "RJ224",
       .arrived_at = "2008-01-17T00:51",
       .borough = "Lambeth",
       .nhs_number = "401 023 2137",
       .dob = "1995-05-28",
       .injury = "Y",
       .injury_intent = "self-harm",
       .injury_mechanism = "poisoning",
       .safeguarding_concern = "Y"},
  };
  return kRows;
}

TEST_F(AeAttendancesTest, GoodFileBecomesEnvelopes) {
  ParsedFile f = Parse(File(GoodRows()));
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  EXPECT_TRUE(f.warnings.empty());
  ASSERT_EQ(f.events.size(), 4u);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 3, 4, 5}));
  for (const Envelope& e : f.events) {
    EXPECT_EQ(e.schema_version(), 1u);
    EXPECT_EQ(e.agency(), "health");
    EXPECT_EQ(e.kind(), "health.ae_attendance");
    EXPECT_EQ(TokenOf(e, SubjectToken::LOCAL), nullptr);
    ASSERT_TRUE(e.has_ae_attendance());
  }

  const Envelope& knife = f.events[0];
  EXPECT_EQ(knife.source(), "health:RJ224");
  EXPECT_EQ(knife.source_event_id(), "A1");
  EXPECT_EQ(knife.board(), "E09000012");
  EXPECT_EQ(FormatInstant(knife.occurred_at()), "2007-12-09T21:33:00Z");
  EXPECT_EQ(knife.subject().age_years(), 13);
  EXPECT_EQ(knife.subject().age_band(), "10-15");
  ASSERT_EQ(knife.subject().tokens_size(), 2);
  EXPECT_EQ(TokenOf(knife, SubjectToken::NHS)->value(), key_.NhsToken("9434765919"));
  EXPECT_EQ(TokenOf(knife, SubjectToken::DEMO)->value(), key_.DemoToken("EVANS", "N", *ParseDate("1994-05-06")));
  const lscb::v1::AeAttendanceDetail& a = knife.ae_attendance();
  EXPECT_TRUE(a.injury());
  EXPECT_EQ(a.intent(), "accidental");
  EXPECT_EQ(a.mechanism(), "sharp");
  EXPECT_FALSE(a.safeguarding_concern());
  EXPECT_FALSE(a.cp_is_flag());  // blank
  EXPECT_EQ(a.site_code(), "RJ224");

  const Envelope& other_site = f.events[1];
  EXPECT_EQ(other_site.source(), "health:RQX01");
  EXPECT_EQ(other_site.source_event_id(), "A1");
  EXPECT_EQ(other_site.board(), "E09000012");                                  // DfE 204
  EXPECT_EQ(FormatInstant(other_site.occurred_at()), "2007-07-07T02:29:00Z");  // BST
  EXPECT_EQ(other_site.subject().age_band(), "1-4");
  ASSERT_EQ(other_site.subject().tokens_size(), 1);
  EXPECT_NE(TokenOf(other_site, SubjectToken::DEMO), nullptr);
  const lscb::v1::AeAttendanceDetail& b = other_site.ae_attendance();
  EXPECT_FALSE(b.injury());
  EXPECT_EQ(b.intent(), "");
  EXPECT_EQ(b.mechanism(), "");
  EXPECT_TRUE(b.safeguarding_concern());
  EXPECT_TRUE(b.cp_is_flag());
  EXPECT_EQ(b.site_code(), "RQX01");

  const Envelope& baby = f.events[2];
  EXPECT_EQ(baby.board(), "E09000022");
  EXPECT_EQ(baby.subject().age_years(), 0);
  EXPECT_EQ(baby.subject().age_band(), "under1");
  EXPECT_TRUE(baby.ae_attendance().injury());
  EXPECT_EQ(baby.ae_attendance().intent(), "assault");
  EXPECT_EQ(baby.ae_attendance().mechanism(), "blunt");
  EXPECT_TRUE(baby.ae_attendance().safeguarding_concern());
  EXPECT_FALSE(baby.ae_attendance().cp_is_flag());

  const Envelope& self_harm = f.events[3];
  EXPECT_EQ(self_harm.subject().age_years(), 12);
  EXPECT_EQ(self_harm.ae_attendance().intent(), "self-harm");
  EXPECT_EQ(self_harm.ae_attendance().mechanism(), "poisoning");
  EXPECT_EQ(TokenOf(self_harm, SubjectToken::NHS)->value(), TokenOf(baby, SubjectToken::NHS)->value());
}

TEST_F(AeAttendancesTest, EveryBadRowIsListedWithItsLineAndField) {
  const Row good{.attendance_id = "G1",
                 .site_code = "RJ224",
                 .arrived_at = "2007-06-01T10:00",
                 .borough = "E09000011",
                 .nhs_number = "9434765919",
                 .dob = "2001-01-01",
                 .injury = "N",
                 .safeguarding_concern = "N"};
  auto with = [&](auto change) {
    Row r = good;
    change(r);
    return r;
  };
  std::string csv(kHeader);
  csv += Line(good);  // 2
  csv += Line(with([](Row& r) {
    r.attendance_id = "B1";
    r.site_code = "rj224";
  }));  // 3
  csv += Line(with([](Row& r) {
    r.attendance_id = "B2";
    r.site_code = "RJ2245";
  }));  // 4
  csv += Line(with([](Row& r) {
    r.attendance_id = "B3";
    r.injury = "Y";
  }));  // 5
  csv += Line(with([](Row& r) {
    r.attendance_id = "B4";
    r.injury_intent = "accidental";
  }));  // 6
  csv += Line(with([](Row& r) {
    r.attendance_id = "B5";
    r.injury = "maybe";
  }));                           // 7
  csv += Line(with([](Row& r) {  // 8
    r.attendance_id = "B6";
    r.safeguarding_concern = "";
    r.cp_plan_flag = "X";
  }));
  csv += Line(with([](Row& r) {
    r.attendance_id = "B7";
    r.dob = "2007-06-02";
  }));                                                       // 9
  csv += Line(with([](Row& r) { r.site_code = "RJ224"; }));  // 10
  csv += Line(with([](Row& r) {                              // 11
    r.attendance_id = "B8";
    r.arrived_at = "2007-02-30";
    r.borough = "Atlantis";
  }));
  csv += Line(with([](Row& r) { r.site_code = "RQX01"; }));  // 12
  csv += Line(with([](Row& r) {                              // 13
    r.attendance_id = "B9";
    r.injury = "Y";
    r.injury_intent = "fight";
    r.injury_mechanism = "bite";
  }));

  ParsedFile f = Parse(csv);
  std::vector<std::pair<int, std::string>> expected = {
      {3, "site_code"},
      {4, "site_code"},
      {5, "injury_intent"},
      {5, "injury_mechanism"},
      {6, "injury_intent"},
      {7, "injury"},
      {8, "safeguarding_concern"},
      {8, "cp_plan_flag"},
      {9, "dob"},
      {10, "attendance_id"},
      {11, "arrived_at"},
      {11, "borough"},
      {13, "injury_intent"},
      {13, "injury_mechanism"},
  };
  EXPECT_EQ(LinesAndFields(f), expected);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 12}));

  EXPECT_EQ(MessageAt(f, 3, "site_code"),
            "ae.csv:3: site_code: 'rj224' is not a site code (3 to 5 upper-case letters and digits, e.g. RJ224)");
  EXPECT_EQ(MessageAt(f, 5, "injury_intent"), "ae.csv:5: injury_intent: missing");
  EXPECT_EQ(MessageAt(f, 6, "injury_intent"), "ae.csv:6: injury_intent: must be blank when injury is N");
  EXPECT_EQ(MessageAt(f, 7, "injury"), "ae.csv:7: injury: 'maybe' is not Y or N");
  EXPECT_EQ(MessageAt(f, 8, "safeguarding_concern"), "ae.csv:8: safeguarding_concern: missing");
  EXPECT_EQ(MessageAt(f, 8, "cp_plan_flag"), "ae.csv:8: cp_plan_flag: 'X' is not Y or N");
  EXPECT_EQ(MessageAt(f, 9, "dob"), "ae.csv:9: dob: is after the event (occurred_at)");
  EXPECT_EQ(MessageAt(f, 10, "attendance_id"),
            "ae.csv:10: attendance_id: 'G1' for site RJ224 already appears on line 2");
  EXPECT_EQ(MessageAt(f, 13, "injury_intent"),
            "ae.csv:13: injury_intent: 'fight' is not one of accidental, assault, self-harm, unknown");
  EXPECT_EQ(MessageAt(f, 13, "injury_mechanism"),
            "ae.csv:13: injury_mechanism: 'bite' is not one of sharp, blunt, burn, fall, poisoning, other");
}

TEST_F(AeAttendancesTest, EnvelopesCarryNoIdentifiers) {
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

TEST_F(AeAttendancesTest, MissingRequiredColumnsAreErrorsOnTheHeader) {
  ParsedFile f = Parse("attendance_id,arrived_at,borough,injury\nA1,2007-01-01,Lambeth,N\n");
  EXPECT_EQ(LinesAndFields(f),
            (std::vector<std::pair<int, std::string>>{{1, "site_code"}, {1, "safeguarding_concern"}}));
  EXPECT_TRUE(f.events.empty());
}

}  // namespace
}  // namespace lscb::adapters
