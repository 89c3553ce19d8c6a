// Hostile input: regressions for what the fuzzers (tests/fuzz/) found, and
// the limits on sizes.
#include <gtest/gtest.h>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "core/boards.h"
#include "hub/event_facts.h"
#include "hub/ingest.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace lscb {
namespace {

class FixedClock final : public Clock {
 public:
  int64_t NowSeconds() const override { return 1199145600; }
  std::chrono::steady_clock::time_point Steady() const override { return std::chrono::steady_clock::now(); }
};

adapters::ParsedFile Parse(const std::string& format, const std::string& text) {
  static const auto key = adapters::LinkageKey::FromSecret("hostile-input-test-secret-0123456789");
  adapters::AdapterContext ctx{BoardRegistry::Default(), &key, 1199145600};
  return adapters::FindAdapter(format)->Parse("f.csv", text, ctx);
}

// Found by adapter_csc_events_fuzzer and adapter_ae_attendances_fuzzer: a
// record id over 128 characters became an event the hub rejects. Now the
// adapter reports the row.
TEST(HostileInput, AnOverlongRecordIdIsABadRowNotAnEventTheHubRejects) {
  const std::string long_id(129, 'X');
  struct Case {
    std::string format, header, row;
  };
  std::vector<Case> cases = {
      {"csc-events",
       "record_id,record_type,borough,occurred_at,la_child_id,nhs_number,surname,forenames,dob,postcode,source,"
       "abuse_category,missing_category,ended_at,activity,children_involved",
       ",PARTICIPATION,E09000022,2007-04-10,,,,,,,,,,,planning,13"},
      {"police-events",
       "record_id,reporting_unit,record_type,borough,occurred_at,ended_at,missing_category,child_role,weapon,"
       "crime_class,nhs_number,surname,forenames,dob,postcode",
       ",central,DOMESTIC_ABUSE,E09000011,2007-04-13T07:18,,,present,,,999 146 9265,Robinson,Sophie,2002-08-22,"
       "SE9 8JZ"},
      {"ae-attendances",
       "attendance_id,site_code,arrived_at,borough,nhs_number,surname,forenames,dob,postcode,injury,injury_intent,"
       "injury_mechanism,safeguarding_concern,cp_plan_flag",
       ",RJ122,2007-04-01T00:17,E09000012,9998983045,Van der Berg,Jacob,1996-12-27,N16 8UX,Y,accidental,blunt,N,"},
  };
  for (const auto& c : cases) {
    auto ok = Parse(c.format, c.header + "\nR1" + c.row + "\n");
    ASSERT_EQ(ok.events.size(), 1u) << c.format << ": " << (ok.errors.empty() ? "" : ok.errors[0].ToString());
    EXPECT_TRUE(hub::ValidateEvent(ok.events[0], *BoardRegistry::Default(), INT64_MAX / 4).ok());
    auto bad = Parse(c.format, c.header + "\n" + long_id + c.row + "\n");
    EXPECT_TRUE(bad.events.empty()) << c.format;
    ASSERT_FALSE(bad.errors.empty()) << c.format;
    EXPECT_NE(bad.errors[0].ToString().find("longer than 128 characters"), std::string::npos)
        << bad.errors[0].ToString();
  }
}

// Found by adapter_police_counts_fuzzer: a period before 1990 became a
// return the hub rejects ("before 1990"). Event times likewise.
TEST(HostileInput, APeriodOrEventTimeBefore1990IsABadRow) {
  auto counts = Parse("police-counts",
                      "borough,period,measure,mappa_category,mappa_level,age_band,count,revision\n"
                      "Greenwich,2007-Q2,MAPPA_OFFENDERS,1,1,,113,\nGreenwich,1939-Q2,MAPPA_OFFENDERS,1,3,,2,\n");
  EXPECT_EQ(counts.events.size(), 1u);
  ASSERT_EQ(counts.errors.size(), 1u);
  EXPECT_NE(counts.errors[0].ToString().find("starts before 1990"), std::string::npos) << counts.errors[0].ToString();
  auto csc = Parse("csc-events",
                   "record_id,record_type,borough,occurred_at,la_child_id,nhs_number,surname,forenames,dob,postcode,"
                   "source,abuse_category,missing_category,ended_at,activity,children_involved\n"
                   "X1,PARTICIPATION,E09000022,1989-12-31,,,,,,,,,,,planning,13\n");
  EXPECT_TRUE(csc.events.empty());
  ASSERT_FALSE(csc.errors.empty());
  EXPECT_NE(csc.errors[0].ToString().find("is before 1990"), std::string::npos) << csc.errors[0].ToString();
}

// An event larger than the hub's limit is rejected with a clear reason, and
// the dead letter keeps no more than the limit of it.
TEST(HostileInput, AnOversizedEventIsRejectedWithItsSize) {
  testing::TempDir dir;
  auto store = std::move(store::Store::Open(dir / "s", {}).value());
  auto boards = BoardRegistry::Default();
  auto defs = hub::DefaultDefinitions();
  hub::IndicatorView view(boards, defs);
  std::shared_mutex mu;
  FixedClock clock;
  hub::IngestProcessor p(*store, view, mu, boards, defs, clock);
  p.set_max_event_bytes(1000);
  std::string small = testing::MakeEvent({.record_id = "s1"}).SerializeAsString();
  std::string big = testing::MakeEvent({.record_id = std::string(2000, 'b')}).SerializeAsString();
  auto acks = p.ProcessGroup({{small, "anonymous"}, {big, "anonymous"}});
  ASSERT_TRUE(acks.ok()) << acks.status().ToString();
  EXPECT_EQ((*acks)[0].outcome(), lscb::v1::ACCEPTED);
  EXPECT_EQ((*acks)[1].outcome(), lscb::v1::REJECTED);
  EXPECT_EQ((*acks)[1].reason(),
            "event too large: " + std::to_string(big.size()) + " bytes (the hub accepts up to 1000)");
  size_t largest = 0;
  ASSERT_TRUE(store
                  ->ScanDeadLetters([&](uint64_t, std::string_view v) {
                    largest = std::max(largest, v.size());
                    return true;
                  })
                  .ok());
  EXPECT_GT(largest, 0u);
  EXPECT_LT(largest, 1200u);
}

}  // namespace
}  // namespace lscb
