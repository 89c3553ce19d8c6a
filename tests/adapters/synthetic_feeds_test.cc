// The synthetic police and A&E feeds, the committed samples of every format,
// and the overlaps between agencies that they are made to contain.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "core/boards.h"
#include "core/calendar.h"
#include "tests/adapters/adapter_test_util.h"

namespace lscb::adapters {
namespace {

using lscb::v1::Envelope;
using lscb::v1::SubjectToken;

bool HasToken(const Envelope& e, SubjectToken::Kind kind) { return testing::TokenOf(e, kind) != nullptr; }

// True when the two events are about the same child: a token in common.
bool SameChild(const Envelope& a, const Envelope& b) {
  for (const SubjectToken& x : a.subject().tokens())
    for (const SubjectToken& y : b.subject().tokens())
      if (x.kind() == y.kind() && x.value() == y.value()) return true;
  return false;
}

std::vector<const Envelope*> OfKind(const ParsedFile& f, std::string_view kind) {
  std::vector<const Envelope*> out;
  for (const Envelope& e : f.events)
    if (e.kind() == kind) out.push_back(&e);
  return out;
}

class SyntheticFeedsTest : public ::testing::Test {
 protected:
  ParsedFile Parse(std::string_view format, std::string_view contents, std::string_view name = "synthetic.csv") {
    return testing::ParseAs(format, name, contents, key_, 1210000000);
  }
  void ExpectValid(const ParsedFile& f, size_t rows) {
    for (size_t i = 0; i < f.errors.size() && i < 5; ++i) ADD_FAILURE() << f.errors[i].ToString();
    EXPECT_TRUE(f.warnings.empty());
    EXPECT_EQ(f.events.size(), rows);
  }

  LinkageKey key_ = LinkageKey::FromSecret("synthetic-feeds-test-secret-0");
};

TEST_F(SyntheticFeedsTest, AreDeterministic) {
  EXPECT_EQ(SyntheticPoliceEventsCsv(200, 4), SyntheticPoliceEventsCsv(200, 4));
  EXPECT_NE(SyntheticPoliceEventsCsv(200, 4), SyntheticPoliceEventsCsv(200, 5));
  EXPECT_EQ(SyntheticAeAttendancesCsv(200, 4), SyntheticAeAttendancesCsv(200, 4));
  EXPECT_NE(SyntheticAeAttendancesCsv(200, 4), SyntheticAeAttendancesCsv(200, 5));
  std::string empty = SyntheticPoliceEventsCsv(0, 1);
  EXPECT_EQ(empty.find("record_id,reporting_unit,record_type,borough,occurred_at,"), 0u);
  EXPECT_EQ(std::count(empty.begin(), empty.end(), '\n'), 1);
  empty = SyntheticAeAttendancesCsv(0, 1);
  EXPECT_EQ(empty.find("attendance_id,site_code,arrived_at,borough,"), 0u);
  EXPECT_EQ(std::count(empty.begin(), empty.end(), '\n'), 1);
}

TEST_F(SyntheticFeedsTest, AreValidForManySeeds) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ExpectValid(Parse("police-events", SyntheticPoliceEventsCsv(400, seed)), 400);
    ExpectValid(Parse("ae-attendances", SyntheticAeAttendancesCsv(400, seed)), 400);
  }
}

TEST_F(SyntheticFeedsTest, PoliceHaveARealisticMix) {
  const std::string csv = SyntheticPoliceEventsCsv(2000, 7);
  ParsedFile f = Parse("police-events", csv);
  ExpectValid(f, 2000);
  std::map<std::string, int> kinds, boards, sources, weapons;
  int with_nhs = 0;
  Date first = *ParseDate("2007-04-01"), last = *ParseDate("2008-03-31");
  for (const Envelope& e : f.events) {
    ++kinds[e.kind()];
    ++boards[e.board()];
    ++sources[e.source()];
    Date local = UkLocalDate(e.occurred_at());
    EXPECT_TRUE(first <= local && local <= last) << FormatDate(local);
    EXPECT_TRUE(HasToken(e, SubjectToken::DEMO));  // the police always have a name here
    with_nhs += HasToken(e, SubjectToken::NHS);
    if (e.kind() != "police.domestic_abuse") {
      EXPECT_GE(e.subject().age_years(), 10) << e.kind();
    }
    if (e.has_injury_crime()) ++weapons[e.injury_crime().weapon()];
  }
  EXPECT_EQ(kinds.size(), 3u);
  for (const auto& [kind, n] : kinds) EXPECT_GT(n, 300) << kind;
  EXPECT_EQ(boards.size(), 3u);
  EXPECT_GT(with_nhs, 2000 / 5);
  EXPECT_LT(with_nhs, 2000 / 2);
  EXPECT_EQ(weapons.size(), 5u);
  // Mostly the central feed; each borough's unit re-records some domestic abuse.
  EXPECT_GT(sources["police:central"], 1700);
  for (const char* unit : {"police:E09000011", "police:E09000012", "police:E09000022"}) EXPECT_GT(sources[unit], 5);
  // The central feed's rows say "central" or leave it blank.
  EXPECT_NE(csv.find(",central,"), std::string::npos);
  int blank_unit = 0;
  for (size_t at = csv.find("\r\nMPS"); at != std::string::npos; at = csv.find("\r\nMPS", at + 1))
    blank_unit += csv.compare(at + 2 + 11, 2, ",,") == 0;  // "MPS" + 8 digits, then an empty reporting_unit
  EXPECT_GT(blank_unit, 200);
}

TEST_F(SyntheticFeedsTest, AeHaveARealisticMix) {
  ParsedFile f = Parse("ae-attendances", SyntheticAeAttendancesCsv(2000, 7));
  ExpectValid(f, 2000);
  std::map<std::string, int> intents, mechanisms, bands, sites;
  int injuries = 0, concerns = 0, flagged = 0, with_nhs = 0;
  for (const Envelope& e : f.events) {
    const lscb::v1::AeAttendanceDetail& a = e.ae_attendance();
    ++sites[a.site_code()];
    ++bands[e.subject().age_band()];
    with_nhs += HasToken(e, SubjectToken::NHS);
    injuries += a.injury();
    concerns += a.safeguarding_concern();
    flagged += a.cp_is_flag();
    if (a.injury()) {
      ++intents[a.intent()];
      ++mechanisms[a.mechanism()];
    }
  }
  EXPECT_EQ(sites.size(), 4u);
  EXPECT_EQ(bands.size(), 5u);  // every band but unborn
  EXPECT_EQ(bands.count("unborn"), 0u);
  EXPECT_GT(bands["under1"], 100);
  EXPECT_GT(injuries, 2000 / 2);
  EXPECT_LT(injuries, 2000 * 8 / 10);
  EXPECT_EQ(intents.size(), 4u);
  EXPECT_GT(intents["accidental"], intents["assault"] * 4);
  EXPECT_EQ(mechanisms.size(), 6u);
  EXPECT_GT(concerns, 40);
  EXPECT_LT(concerns, 2000 / 5);
  EXPECT_GT(flagged, 10);
  EXPECT_LT(flagged, 2000 / 10);
  EXPECT_GT(with_nhs, 2000 * 8 / 10);
}

// What the police and A&E feeds made from one csc-events file share with it.
struct Overlaps {
  int police_missing_matched = 0;  // police missing episodes of a csc child, same board and day
  int knife_pairs = 0;             // police knife assault + A&E "accidental" sharp injury, same child, < 24 h
  int knife_children_in_csc = 0;   // of those, children known to children's services
};

Overlaps FindOverlaps(const ParsedFile& csc, const ParsedFile& police, const ParsedFile& ae) {
  Overlaps out;
  for (const Envelope* p : OfKind(police, "missing.episode")) {
    for (const Envelope* c : OfKind(csc, "missing.episode")) {
      if (SameChild(*p, *c) && p->board() == c->board() &&
          UkLocalDate(p->occurred_at()) == UkLocalDate(c->occurred_at()) && p->occurred_at() >= c->occurred_at()) {
        ++out.police_missing_matched;
        break;
      }
    }
  }
  for (const Envelope* p : OfKind(police, "police.child_injury_crime")) {
    if (p->injury_crime().crime_class() != "assault" || p->injury_crime().weapon() != "knife") continue;
    for (const Envelope* a : OfKind(ae, "health.ae_attendance")) {
      const lscb::v1::AeAttendanceDetail& d = a->ae_attendance();
      int64_t gap = a->occurred_at() - p->occurred_at();
      if (d.injury() && d.intent() == "accidental" && d.mechanism() == "sharp" && SameChild(*p, *a) && gap > 0 &&
          gap <= 4 * 3600) {
        ++out.knife_pairs;
        for (const Envelope& c : csc.events) {
          if (SameChild(*p, c)) {
            ++out.knife_children_in_csc;
            break;
          }
        }
        break;
      }
    }
  }
  return out;
}

TEST_F(SyntheticFeedsTest, SharedChildrenLinkAcrossAgencies) {
  SyntheticOptions options;
  options.shared_csc_events = SyntheticCscEventsCsv(800, 3);
  ParsedFile csc = Parse("csc-events", options.shared_csc_events);
  ExpectValid(csc, 800);
  ParsedFile police = Parse("police-events", SyntheticPoliceEventsCsv(400, 9, options));
  ExpectValid(police, 400);
  ParsedFile ae = Parse("ae-attendances", SyntheticAeAttendancesCsv(400, 10, options));
  ExpectValid(ae, 400);

  const size_t csc_missing = OfKind(csc, "missing.episode").size();
  ASSERT_GT(csc_missing, 10u);
  Overlaps overlaps = FindOverlaps(csc, police, ae);
  EXPECT_EQ(overlaps.police_missing_matched, static_cast<int>((csc_missing + 1) / 2));
  EXPECT_GE(overlaps.knife_pairs, 3);
  EXPECT_EQ(overlaps.knife_children_in_csc, overlaps.knife_pairs);

  // Without the shared file, nothing links.
  ParsedFile alone = Parse("police-events", SyntheticPoliceEventsCsv(400, 9));
  EXPECT_EQ(FindOverlaps(csc, alone, ae).police_missing_matched, 0);
  EXPECT_EQ(FindOverlaps(csc, alone, ae).knife_pairs, 0);

  // The shared rows do not depend on the seed.
  ParsedFile police2 = Parse("police-events", SyntheticPoliceEventsCsv(400, 99, options));
  EXPECT_EQ(FindOverlaps(csc, police2, ae).knife_pairs, overlaps.knife_pairs);
}

// ---- The committed samples -----------------------------------------------

const std::set<std::string> kSampleBoards = {"E09000011", "E09000012", "E09000022"};

void ExpectInFinancialYear2007(const ParsedFile& f) {
  Date first = *ParseDate("2007-04-01"), last = *ParseDate("2008-03-31");
  std::set<std::string> boards;
  for (const Envelope& e : f.events) {
    boards.insert(e.board());
    Date local = UkLocalDate(e.occurred_at());
    EXPECT_TRUE(first <= local && local <= last) << FormatDate(local) << " " << e.source_event_id();
  }
  EXPECT_EQ(boards, kSampleBoards);
}

TEST_F(SyntheticFeedsTest, CommittedEventSamplesAreValidAndOverlap) {
  ParsedFile csc = Parse("csc-events", testing::ReadSourceFile("data/samples/csc-events-sample.csv"));
  ParsedFile police = Parse("police-events", testing::ReadSourceFile("data/samples/police-events-sample.csv"));
  ParsedFile ae = Parse("ae-attendances", testing::ReadSourceFile("data/samples/ae-attendances-sample.csv"));
  for (const ParsedFile* f : {&csc, &police, &ae}) {
    for (const RecordError& e : f->errors) ADD_FAILURE() << e.ToString();
    EXPECT_TRUE(f->warnings.empty());
    EXPECT_GE(f->events.size(), 100u);
    EXPECT_LE(f->events.size(), 300u);
    ExpectInFinancialYear2007(*f);
  }
  Overlaps overlaps = FindOverlaps(csc, police, ae);
  // The same child reported missing by the police and children's services
  // on the same day; a knife injury A&E recorded as accidental and the
  // police as an assault, a few hours apart.
  EXPECT_GE(overlaps.police_missing_matched, 3);
  EXPECT_GE(overlaps.knife_pairs, 2);
  EXPECT_EQ(overlaps.knife_children_in_csc, overlaps.knife_pairs);
}

TEST_F(SyntheticFeedsTest, CommittedReturnSamplesAreValid) {
  ParsedFile counts = Parse("police-counts", testing::ReadSourceFile("data/samples/police-counts-sample.csv"));
  ParsedFile csv = Parse("lscb-return", testing::ReadSourceFile("data/samples/lscb-return-sample.csv"));
  ParsedFile xlsx =
      Parse("lscb-return", testing::ReadSourceFile("data/samples/lscb-return-sample.xlsx"), "lscb-return-sample.xlsx");
  for (const ParsedFile* f : {&counts, &csv, &xlsx}) {
    for (const RecordError& e : f->errors) ADD_FAILURE() << e.ToString();
    EXPECT_TRUE(f->warnings.empty());
    EXPECT_GE(f->events.size(), 20u);
    ExpectInFinancialYear2007(*f);
  }
  std::set<std::string> indicators;
  bool not_collected = false;
  for (const Envelope& e : counts.events) indicators.insert(e.return_value().indicator());
  EXPECT_EQ(indicators, (std::set<std::string>{"MAPPA_OFFENDERS", "MIS_EPISODES", "MIS_CHILDREN"}));
  for (const Envelope& e : csv.events) not_collected = not_collected || e.return_value().not_collected();
  EXPECT_TRUE(not_collected);
  // The workbook holds the same return as the CSV.
  ASSERT_EQ(xlsx.events.size(), csv.events.size());
  for (size_t i = 0; i < csv.events.size(); ++i)
    EXPECT_EQ(xlsx.events[i].SerializeAsString(), csv.events[i].SerializeAsString()) << csv.events[i].source_event_id();
}

}  // namespace
}  // namespace lscb::adapters
