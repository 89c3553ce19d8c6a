// All five feeds over two boroughs and two quarters, with deliberate
// overlaps, imported through the real adapters into a real hub. The expected
// snapshot was worked out by hand (see the comments) and is asserted cell by
// cell; the same figures come out whatever the import order, and when the
// import is split across a hub restart. Nothing that identifies a child is
// found in what the hub stored or logged.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "store/store.h"
#include "testing/hub_fixture.h"

namespace lscb {
namespace {

// The children (all fictitious; NHS numbers in the never-issued 999 range):
//   Amy STONE  2000-03-14  999 000 0018  Greenwich (age 7)
//   Ben OKAFOR 1993-07-02  999 000 0026  Greenwich (age 14)
//   Cara LEWIS 2006-01-20  no NHS number Greenwich (age 1)
//   Dev PATEL  1991-11-30  999 000 0034  Greenwich (age 16)
//   Eve MORGAN 1995-05-05  999 000 0042  Hackney   (age 12)
const char* kCsc =
    "record_id,record_type,borough,occurred_at,la_child_id,nhs_number,surname,forenames,dob,postcode,source,"
    "abuse_category,missing_category\n"
    "C1,CONTACT,Greenwich,2007-07-05,G-AMY,999 000 0018,Stone,Amy,2000-03-14,SE10 9AA,police,,\n"
    "C2,CONTACT,Greenwich,2007-07-06,G-CARA,,Lewis,Cara,2006-01-20,SE10 9BB,health,,\n"
    "R1,REFERRAL,Greenwich,2007-07-10,G-AMY,999 000 0018,Stone,Amy,2000-03-14,SE10 9AA,police,,\n"
    "R2,REFERRAL,Greenwich,2007-10-15,G-AMY,999 000 0018,Stone,Amy,2000-03-14,SE10 9AA,school,,\n"
    "P1,CP_PLAN_STARTED,Greenwich,2007-08-01,G-CARA,,Lewis,Cara,2006-01-20,SE10 9BB,,neglect,\n"
    // Ben: children's services record him absent, the police missing (below).
    "M1,MISSING_EPISODE,Greenwich,2007-09-12T21:00,G-BEN,9990000026,Okafor,Ben,1993-07-02,SE10 9CC,,,absent\n"
    "C1,CONTACT,Hackney,2007-11-02,H-EVE,9990000042,Morgan,Eve,1995-05-05,E8 1AA,school,,\n"
    // Eve: children's services record her missing, the police absent.
    "M1,MISSING_EPISODE,Hackney,2007-11-20T18:00,H-EVE,9990000042,Morgan,Eve,1995-05-05,E8 1AA,,,missing\n";

const char* kPolice =
    "record_id,reporting_unit,record_type,borough,occurred_at,missing_category,child_role,weapon,crime_class,"
    "nhs_number,surname,forenames,dob,postcode\n"
    "P1,central,MISSING_EPISODE,Greenwich,2007-09-12T23:30,missing,,,,9990000026,Okafor,Ben,1993-07-02,SE10 9CC\n"
    "P2,central,MISSING_EPISODE,Hackney,2007-11-20T19:00,absent,,,,9990000042,Morgan,Eve,1995-05-05,E8 1AA\n"
    // Amy: the same domestic-abuse involvement from the central feed and the
    // borough unit (different record ids).
    "P3,central,DOMESTIC_ABUSE,Greenwich,2007-10-03T22:00,,victim,,,9990000018,Stone,Amy,2000-03-14,SE10 9AA\n"
    "B7,Greenwich,DOMESTIC_ABUSE,Greenwich,2007-10-04T01:00,,present,,,9990000018,Stone,Amy,2000-03-14,SE10 9AA\n"
    // Dev: a knife assault, which A&E records as accidental (below).
    "P4,central,CHILD_INJURY_CRIME,Greenwich,2007-12-01T23:00,,,knife,assault,9990000034,Patel,Dev,1991-11-30,"
    "SE10 9DD\n";

const char* kAe =
    "attendance_id,site_code,arrived_at,borough,nhs_number,surname,forenames,dob,postcode,injury,injury_intent,"
    "injury_mechanism,safeguarding_concern,cp_plan_flag\n"
    "A1,RJ224,2007-12-02T00:40,Greenwich,9990000034,Patel,Dev,1991-11-30,SE10 9DD,Y,accidental,sharp,N,\n"
    "A2,RJ224,2007-08-15T14:00,Greenwich,,Lewis,Cara,2006-01-20,SE10 9BB,Y,accidental,fall,Y,Y\n"
    "A3,RQX,2007-11-05T10:00,Hackney,9990000042,Morgan,Eve,1995-05-05,E8 1AA,Y,assault,blunt,Y,N\n";

// MAPPA counts, re-sent with revision 2 for category 1 level 1; the police
// count 2 missing episodes in Hackney where the events show 1.
const char* kCounts =
    "borough,period,measure,mappa_category,mappa_level,age_band,count,revision\n"
    "Greenwich,2007-Q3,MAPPA_OFFENDERS,1,1,,5,1\n"
    "Greenwich,2007-Q3,MAPPA_OFFENDERS,2,1,,3,1\n"
    "Hackney,2007-Q4,MISSING_EPISODES,,,all,2,1\n";
const char* kCountsRevised =
    "borough,period,measure,mappa_category,mappa_level,age_band,count,revision\n"
    "Greenwich,2007-Q3,MAPPA_OFFENDERS,1,1,,6,2\n";

// The Board's spreadsheet, sent twice: the later upload supersedes.
const char* kReturn =
    "board,period,indicator,age_band,breakdown,value,note\n"
    "E09000011,2007-Q3,PART_CHILDREN_INVOLVED,all,,12,\n"
    "E09000011,2007-Q4,CSC_ICPC,all,,,not collected this quarter\n";
const char* kReturnResent =
    "board,period,indicator,age_band,breakdown,value,note\n"
    "E09000011,2007-Q3,PART_CHILDREN_INVOLVED,all,,14,corrected\n"
    "E09000011,2007-Q4,CSC_ICPC,all,,,not collected this quarter\n";

struct Feed {
  std::string name, format, text;
  int64_t read_at;
};

std::vector<Feed> Feeds() {
  return {{"csc", "csc-events", kCsc, 0},
          {"police", "police-events", kPolice, 0},
          {"ae", "ae-attendances", kAe, 0},
          {"counts", "police-counts", kCounts, 1200000000},
          {"counts2", "police-counts", kCountsRevised, 1200000100},
          {"return", "lscb-return", kReturn, 1200000000},
          {"return2", "lscb-return", kReturnResent, 1200000100}};
}

std::vector<std::string> Identifiers() {
  return {"9990000018", "999 000 0018", "9990000026", "9990000034", "9990000042", "Stone",    "STONE",
          "Okafor",     "OKAFOR",       "Lewis",      "LEWIS",      "Patel",      "PATEL",    "Morgan",
          "MORGAN",     "2000-03-14",   "1993-07-02", "2006-01-20", "1991-11-30", "1995-05-05", "SE10 9AA",
          "SE10 9BB",   "SE10 9CC",     "SE10 9DD",   "E8 1AA",     "G-AMY",      "H-EVE",    "G-CARA"};
}

const adapters::LinkageKey& Key() {
  static const auto key = adapters::LinkageKey::FromSecret("scenario-linkage-secret-0123456789");
  return key;
}

// outcome -> count
std::map<std::string, int> Import(const testing::RunningHub& hub, const Feed& f) {
  adapters::AdapterContext ctx{BoardRegistry::Default(), &Key(), f.read_at};
  auto parsed = adapters::FindAdapter(f.format)->Parse(f.name + ".csv", f.text, ctx);
  std::map<std::string, int> out;
  for (const auto& e : parsed.errors) ADD_FAILURE() << e.ToString();
  std::vector<std::string> encoded;
  for (const auto& e : parsed.events) encoded.push_back(e.SerializeAsString());
  client::SenderOptions so;
  so.endpoint = hub.endpoints().ingest;
  auto results = client::Sender(so).SendAll(encoded);
  EXPECT_TRUE(results.ok());
  if (results.ok())
    for (const auto& r : *results) ++out[lscb::v1::Outcome_Name(r.outcome)];
  return out;
}

using Cells = std::map<std::string, std::string>;

Cells Snapshot(const testing::RunningHub& hub, const std::string& board, const std::string& period) {
  client::QueryOptions q;
  q.endpoint = hub.endpoints().query;
  auto snap = client::FetchSnapshot(q, board, period);
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  Cells out;
  if (!snap.ok()) return out;
  for (const auto& c : snap->cells()) {
    std::string v = client::CellValue(c) + " " + c.basis();
    for (const auto& f : c.flags()) v += " " + f;
    out[c.indicator() + "|" + c.age_band() + "|" + c.breakdown()] = v;
  }
  return out;
}

std::map<std::string, Cells> Everything(const testing::RunningHub& hub) {
  std::map<std::string, Cells> all;
  for (const char* b : {"E09000011", "E09000012", "london"})
    for (const char* p : {"2007-Q3", "2007-Q4", "FY2007-08"}) all[std::string(b) + " " + p] = Snapshot(hub, b, p);
  return all;
}

// Worked out by hand from the feeds above.
Cells ExpectedGreenwichQ3() {
  return {
      // Contacts: Amy (7, police) and Cara (1, health); Amy's referral.
      {"CSC_CONTACTS|all|", "2 events"},
      {"CSC_CONTACTS|all|police", "1 events"},
      {"CSC_CONTACTS|all|health", "1 events"},
      {"CSC_CONTACTS|1-4|", "1 events"},
      {"CSC_CONTACTS|1-4|health", "1 events"},
      {"CSC_CONTACTS|5-9|", "1 events"},
      {"CSC_CONTACTS|5-9|police", "1 events"},
      {"CSC_REFERRALS|all|", "1 events"},
      {"CSC_REFERRALS|all|police", "1 events"},
      {"CSC_REFERRALS|5-9|", "1 events"},
      {"CSC_REFERRALS|5-9|police", "1 events"},
      {"CSC_CONTACT_CONVERSION|all|", "50.0 events"},
      {"CSC_CONTACT_CONVERSION|1-4|", "0.0 events"},
      {"CSC_CONTACT_CONVERSION|5-9|", "100.0 events"},
      // Cara's plan (neglect) from 1 August, open on 30 September.
      {"CSC_CPP_STARTED|all|", "1 events"},
      {"CSC_CPP_STARTED|all|neglect", "1 events"},
      {"CSC_CPP_STARTED|1-4|", "1 events"},
      {"CSC_CPP_STARTED|1-4|neglect", "1 events"},
      {"CSC_CPP_OPEN|all|", "1 events"},
      {"CSC_CPP_OPEN|all|neglect", "1 events"},
      {"CSC_CPP_OPEN|1-4|", "1 events"},
      {"CSC_CPP_OPEN|1-4|neglect", "1 events"},
      // Ben's episode: reported by both, counted once, as missing.
      {"MIS_EPISODES|all|", "1 events category_conflict"},
      {"MIS_EPISODES|all|missing", "1 events"},
      {"MIS_EPISODES|10-15|", "1 events"},
      {"MIS_EPISODES|10-15|missing", "1 events"},
      {"MIS_CHILDREN|all|", "1 events"},
      {"MIS_CHILDREN|10-15|", "1 events"},
      // Cara at A&E: safeguarding concern, CP-IS flag.
      {"AE_SAFEGUARDING|all|", "1 events"},
      {"AE_SAFEGUARDING|1-4|", "1 events"},
      {"AE_CPIS_FLAGGED|all|", "1 events"},
      {"AE_CPIS_FLAGGED|1-4|", "1 events"},
      // Returns: MAPPA revision 2 replaced 5 by 6; the re-sent spreadsheet 12 by 14.
      {"MAPPA_OFFENDERS|all|cat1_level1", "6 return"},
      {"MAPPA_OFFENDERS|all|cat2_level1", "3 return"},
      {"PART_CHILDREN_INVOLVED|all|", "14 return"},
      // NHS token: csc 3 of 5 (not Cara's two), police 1 of 1, A&E 0 of 1 (Cara).
      {"DQ_NHS_TOKEN_RATE|all|", "57.1 events"},
      {"DQ_NHS_TOKEN_RATE|all|csc", "60.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|police", "100.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|health", "0.0 events"},
      // Ben's episode was reported by two agencies.
      {"DQ_CORROBORATED|all|", "100.0 events"},
  };
}

Cells ExpectedGreenwichQ4() {
  return {
      // Amy referred again within 12 months.
      {"CSC_REFERRALS|all|", "1 events"},
      {"CSC_REFERRALS|all|school", "1 events"},
      {"CSC_REFERRALS|5-9|", "1 events"},
      {"CSC_REFERRALS|5-9|school", "1 events"},
      {"CSC_REREFERRALS_12M|all|", "1 events"},
      {"CSC_REREFERRALS_12M|5-9|", "1 events"},
      {"CSC_CONTACT_CONVERSION|all|", "n/a events"},
      {"CSC_CONTACT_CONVERSION|5-9|", "n/a events"},
      {"CSC_CPP_OPEN|all|", "1 events"},
      {"CSC_CPP_OPEN|all|neglect", "1 events"},
      {"CSC_CPP_OPEN|1-4|", "1 events"},
      {"CSC_CPP_OPEN|1-4|neglect", "1 events"},
      // Not collected in the Board's return: not available, never 0.
      {"CSC_ICPC|all|", "n/a return"},
      // Amy: one involvement from the central feed and the borough unit.
      {"DA_CHILD_INCIDENTS|all|", "1 events"},
      {"DA_CHILD_INCIDENTS|all|victim", "1 events"},
      {"DA_CHILD_INCIDENTS|5-9|", "1 events"},
      {"DA_CHILD_INCIDENTS|5-9|victim", "1 events"},
      // Dev: accidental at A&E, an assault to the police.
      {"DQ_INTENT_CONFLICT|all|", "1 events intent_conflict"},
      {"DQ_INTENT_CONFLICT|16-17|", "1 events"},
      {"DQ_NHS_TOKEN_RATE|all|", "100.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|csc", "100.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|police", "100.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|health", "100.0 events"},
      // The involvement was linked but reported by one agency (the police).
      {"DQ_CORROBORATED|all|", "0.0 events"},
  };
}

Cells ExpectedHackneyQ4() {
  return {
      {"CSC_CONTACTS|all|", "1 events"},
      {"CSC_CONTACTS|all|school", "1 events"},
      {"CSC_CONTACTS|10-15|", "1 events"},
      {"CSC_CONTACTS|10-15|school", "1 events"},
      {"CSC_CONTACT_CONVERSION|all|", "0.0 events"},
      {"CSC_CONTACT_CONVERSION|10-15|", "0.0 events"},
      // Eve's episode, counted once; the police return says 2: reconcile.
      {"MIS_EPISODES|all|", "1 both category_conflict reconcile"},
      {"MIS_EPISODES|all|missing", "1 events"},
      {"MIS_EPISODES|10-15|", "1 events"},
      {"MIS_EPISODES|10-15|missing", "1 events"},
      {"MIS_CHILDREN|all|", "1 events"},
      {"MIS_CHILDREN|10-15|", "1 events"},
      {"AE_SAFEGUARDING|all|", "1 events"},
      {"AE_SAFEGUARDING|10-15|", "1 events"},
      {"AE_ASSAULT_INJURIES|all|", "1 events"},
      {"AE_ASSAULT_INJURIES|all|blunt", "1 events"},
      {"AE_ASSAULT_INJURIES|10-15|", "1 events"},
      {"AE_ASSAULT_INJURIES|10-15|blunt", "1 events"},
      {"DQ_NHS_TOKEN_RATE|all|", "100.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|csc", "100.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|police", "100.0 events"},
      {"DQ_NHS_TOKEN_RATE|all|health", "100.0 events"},
      {"DQ_CORROBORATED|all|", "100.0 events"},
  };
}

class Scenario : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("scenario", sink));
    spdlog::set_level(spdlog::level::debug);
  }
  void TearDown() override {
    spdlog::set_default_logger(previous_);
    spdlog::set_level(spdlog::level::info);
  }
  std::shared_ptr<std::ostringstream> log_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(Scenario, TheBoardsSnapshotIsAsWorkedOutByHand) {
  lscb::testing::TempDir dir;
  std::map<std::string, int> outcomes;
  {
    testing::RunningHub hub(dir / "hub");
    ASSERT_TRUE(hub.ok());
    for (const auto& f : Feeds())
      for (const auto& [o, n] : Import(hub, f)) outcomes[o] += n;
    EXPECT_EQ(Snapshot(hub, "E09000011", "2007-Q3"), ExpectedGreenwichQ3());
    EXPECT_EQ(Snapshot(hub, "E09000011", "2007-Q4"), ExpectedGreenwichQ4());
    EXPECT_EQ(Snapshot(hub, "Hackney", "2007-Q4"), ExpectedHackneyQ4());
    EXPECT_TRUE(Snapshot(hub, "Hackney", "2007-Q3").empty());
    // London adds the two boroughs.
    Cells london = Snapshot(hub, "london", "2007-Q4");
    EXPECT_EQ(london["CSC_CONTACTS|all|"], "1 events");
    EXPECT_EQ(london["CSC_REFERRALS|all|"], "1 events");
    EXPECT_EQ(london["CSC_CONTACT_CONVERSION|all|"], "100.0 events");
    EXPECT_EQ(london["MIS_EPISODES|all|"], "1 both category_conflict reconcile");
    EXPECT_EQ(london["DQ_INTENT_CONFLICT|all|"], "1 events intent_conflict");
    EXPECT_EQ(london["DQ_NHS_TOKEN_RATE|all|"], "100.0 events");
    EXPECT_EQ(london["DQ_CORROBORATED|all|"], "50.0 events");
  }
  // Ben's second report, Eve's second report and Amy's second involvement
  // were merged; the older police count and spreadsheet rows were superseded.
  EXPECT_EQ(outcomes["MERGED"], 3);
  EXPECT_EQ(outcomes["REJECTED"], 0);
  // MAPPA revision 2, and both rows of the re-sent spreadsheet (each row
  // carries the time its upload was read, so a later upload supersedes).
  EXPECT_EQ(outcomes["AMENDED"], 3);
  EXPECT_EQ(outcomes["DUPLICATE"], 0);

  // No identifier reached the store (read back through its own API, so that
  // compression cannot hide a match) or the log.
  auto store = store::Store::Open(dir / "hub", {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::string everything;
  size_t records = 0;
  ASSERT_TRUE((*store)
                  ->ScanAll([&](std::string_view family, std::string_view key, std::string_view value) {
                    everything.append(family).append(key).append(value);
                    ++records;
                    return true;
                  })
                  .ok());
  EXPECT_GT(records, 40u);
  std::string log = log_->str();
  EXPECT_NE(log.find("ready"), std::string::npos);
  for (const auto& id : Identifiers()) {
    EXPECT_EQ(everything.find(id), std::string::npos) << "the store holds '" << id << "'";
    EXPECT_EQ(log.find(id), std::string::npos) << "the log holds '" << id << "'";
  }
}

TEST_F(Scenario, ImportOrderDoesNotMatter) {
  std::map<std::string, Cells> expected;
  {
    lscb::testing::TempDir dir;
    testing::RunningHub hub(dir / "hub");
    for (const auto& f : Feeds()) Import(hub, f);
    expected = Everything(hub);
  }
  ASSERT_EQ(expected["E09000011 2007-Q3"], ExpectedGreenwichQ3());
  auto feeds = Feeds();
  std::mt19937 rng(2007);
  for (int round = 0; round < 4; ++round) {
    if (round == 0) std::reverse(feeds.begin(), feeds.end());
    else std::shuffle(feeds.begin(), feeds.end(), rng);
    lscb::testing::TempDir dir;
    testing::RunningHub hub(dir / "hub");
    for (const auto& f : feeds) Import(hub, f);
    EXPECT_EQ(Everything(hub), expected) << "round " << round;
  }
  // Split across a restart of the hub, and row by row in reverse order
  // within each file.
  lscb::testing::TempDir dir;
  std::shuffle(feeds.begin(), feeds.end(), rng);
  {
    testing::RunningHub hub(dir / "hub");
    for (size_t i = 0; i < feeds.size() / 2; ++i) Import(hub, feeds[i]);
  }
  testing::RunningHub hub(dir / "hub");
  for (size_t i = feeds.size() / 2; i < feeds.size(); ++i) {
    Feed f = feeds[i];
    std::vector<std::string> lines;
    std::stringstream ss(f.text);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
    std::reverse(lines.begin() + 1, lines.end());
    f.text.clear();
    for (const auto& l : lines) f.text += l + "\n";
    Import(hub, f);
  }
  EXPECT_EQ(Everything(hub), expected);
}

}  // namespace
}  // namespace lscb
