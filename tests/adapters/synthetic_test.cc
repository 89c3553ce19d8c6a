#include "adapters/testing/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "core/boards.h"

#ifndef LSCB_SOURCE_DIR
#error "LSCB_SOURCE_DIR must name the repository root"
#endif

namespace lscb::adapters {
namespace {

using lscb::v1::Envelope;
using lscb::v1::SubjectToken;

class SyntheticTest : public ::testing::Test {
 protected:
  ParsedFile Parse(std::string_view csv, std::string_view name = "synthetic.csv") {
    return FindAdapter("csc-events")->Parse(name, csv, AdapterContext{BoardRegistry::Default(), &key_});
  }
  static std::string LocalToken(const Envelope& e) {
    for (const SubjectToken& t : e.subject().tokens())
      if (t.kind() == SubjectToken::LOCAL) return t.value();
    return "";
  }
  static bool HasToken(const Envelope& e, SubjectToken::Kind kind) {
    for (const SubjectToken& t : e.subject().tokens())
      if (t.kind() == kind) return true;
    return false;
  }

  LinkageKey key_ = LinkageKey::FromSecret("synthetic-test-secret-000000");
};

TEST_F(SyntheticTest, IsDeterministic) {
  EXPECT_EQ(SyntheticCscEventsCsv(200, 42), SyntheticCscEventsCsv(200, 42));
  EXPECT_NE(SyntheticCscEventsCsv(200, 42), SyntheticCscEventsCsv(200, 43));
  std::string empty = SyntheticCscEventsCsv(0, 1);
  EXPECT_EQ(empty.find("record_id,record_type,borough,occurred_at,"), 0u);
  EXPECT_EQ(std::count(empty.begin(), empty.end(), '\n'), 1);
}

TEST_F(SyntheticTest, IsValidForManySeeds) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    ParsedFile f = Parse(SyntheticCscEventsCsv(400, seed));
    EXPECT_TRUE(f.errors.empty()) << "seed " << seed << ": " << f.errors[0].ToString();
    EXPECT_TRUE(f.warnings.empty());
    EXPECT_EQ(f.events.size(), 400u);
  }
}

TEST_F(SyntheticTest, HasARealisticMix) {
  ParsedFile f = Parse(SyntheticCscEventsCsv(3000, 7));
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].ToString();
  ASSERT_EQ(f.events.size(), 3000u);

  std::map<std::string, int> kinds, boards, bands;
  std::map<std::string, int> referrals_per_child;
  std::map<std::string, std::set<std::string>> plan_kinds_per_child;
  int with_subject = 0, with_nhs = 0, demo_only = 0, nhs_only = 0, max_age = -2;
  Date first = *ParseDate("2007-04-01"), last = *ParseDate("2008-03-31");
  for (const Envelope& e : f.events) {
    ++kinds[e.kind()];
    ++boards[e.board()];
    Date local = UkLocalDate(e.occurred_at());
    EXPECT_TRUE(first <= local && local <= last) << FormatDate(local);
    if (!e.has_subject()) continue;
    ++with_subject;
    ++bands[e.subject().age_band()];
    max_age = std::max(max_age, e.subject().age_years());
    bool nhs = HasToken(e, SubjectToken::NHS), demo = HasToken(e, SubjectToken::DEMO);
    with_nhs += nhs;
    demo_only += demo && !nhs;
    nhs_only += nhs && !demo;
    if (e.kind() == "csc.referral") ++referrals_per_child[LocalToken(e)];
    if (e.has_cp_plan()) plan_kinds_per_child[LocalToken(e)].insert(e.kind());
  }

  // Every record type, contacts most common, the child protection funnel
  // narrowing.
  EXPECT_EQ(kinds.size(), 9u);
  EXPECT_GT(kinds["csc.contact"], kinds["csc.referral"]);
  EXPECT_GT(kinds["csc.referral"], kinds["csc.assessment_completed"]);
  EXPECT_GT(kinds["csc.assessment_completed"], kinds["csc.s47_started"]);
  EXPECT_GT(kinds["csc.s47_started"], kinds["csc.icpc_held"]);
  EXPECT_GE(kinds["csc.icpc_held"], kinds["csc.cp_plan_started"]);
  for (const char* k : {"csc.cp_plan_ended", "missing.episode", "board.participation"}) EXPECT_GT(kinds[k], 10) << k;
  EXPECT_GT(kinds["csc.contact"], 3000 / 4);

  // Three boroughs, each well represented.
  ASSERT_EQ(boards.size(), 3u);
  for (const char* b : {"E09000011", "E09000012", "E09000022"}) EXPECT_GT(boards[b], 600) << b;

  // Every age band, a few unborn, nobody 18 or over.
  EXPECT_EQ(bands.size(), 6u);
  EXPECT_GT(bands["unborn"], 0);
  EXPECT_LT(bands["unborn"], with_subject / 20);
  EXPECT_LE(max_age, 17);

  // Most children by NHS number, some by name and date of birth only.
  EXPECT_GT(with_nhs, with_subject * 7 / 10);
  EXPECT_LT(with_nhs, with_subject * 95 / 100);
  EXPECT_GT(demo_only, 0);
  EXPECT_GT(nhs_only, 0);

  // Children recur: re-referrals and plans that start and end in the file.
  int rereferred = 0, start_and_end = 0;
  for (const auto& [child, n] : referrals_per_child) rereferred += n >= 2;
  for (const auto& [child, k] : plan_kinds_per_child) start_and_end += k.size() == 2;
  EXPECT_GT(rereferred, 10);
  EXPECT_GT(start_and_end, 5);
}

TEST_F(SyntheticTest, OptionsChooseBoroughsAndDates) {
  SyntheticOptions options;
  options.boroughs = {"Camden", "203"};
  options.first = *ParseDate("2010-01-01");
  options.last = *ParseDate("2010-06-30");
  ParsedFile f = Parse(SyntheticCscEventsCsv(500, 5, options));
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].ToString();
  std::set<std::string> boards;
  for (const Envelope& e : f.events) {
    boards.insert(e.board());
    Date local = UkLocalDate(e.occurred_at());
    EXPECT_TRUE(options.first <= local && local <= options.last) << FormatDate(local);
  }
  EXPECT_EQ(boards, (std::set<std::string>{"E09000007", "E09000011"}));
}

TEST_F(SyntheticTest, AmendEveryChangesOnlyThoseRows) {
  SyntheticOptions amend;
  amend.amend_every = 7;
  ParsedFile base = Parse(SyntheticCscEventsCsv(400, 3));
  ParsedFile amended = Parse(SyntheticCscEventsCsv(400, 3, amend));
  ASSERT_TRUE(base.errors.empty()) << base.errors[0].ToString();
  ASSERT_TRUE(amended.errors.empty()) << amended.errors[0].ToString();
  ASSERT_EQ(base.events.size(), amended.events.size());
  for (size_t i = 0; i < base.events.size(); ++i) {
    const Envelope& a = base.events[i];
    const Envelope& b = amended.events[i];
    EXPECT_EQ(a.source(), b.source());
    EXPECT_EQ(a.source_event_id(), b.source_event_id());
    EXPECT_EQ(a.kind(), b.kind());
    if (i % 7 == 0) {
      EXPECT_NE(a.SerializeAsString(), b.SerializeAsString()) << "row " << i << " " << a.kind();
    } else {
      EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString()) << "row " << i;
    }
  }
}

TEST_F(SyntheticTest, CommittedSampleIsValid) {
  const std::string path = std::string(LSCB_SOURCE_DIR) + "/data/samples/csc-events-sample.csv";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::stringstream buf;
  buf << in.rdbuf();
  ParsedFile f = Parse(buf.str(), "csc-events-sample.csv");
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  EXPECT_TRUE(f.warnings.empty());
  EXPECT_GE(f.events.size(), 150u);
  EXPECT_LE(f.events.size(), 300u);
}

}  // namespace
}  // namespace lscb::adapters
