// Running it for real: a backup taken mid-import and restored, and a
// definition change applied to the stored event log.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "hub/admin.h"
#include "lscb/v1/store.pb.h"
#include "store/store.h"
#include "testing/hub_fixture.h"

namespace lscb {
namespace {

using namespace std::chrono_literals;
using testing::RunningHub;
using testing::TempDir;

std::vector<std::string> Encode(const std::string& csv) {
  static const auto key = adapters::LinkageKey::FromSecret("operations-test-linkage-secret");
  adapters::AdapterContext ctx{BoardRegistry::Default(), &key};
  auto parsed = adapters::FindAdapter("csc-events")->Parse("f.csv", csv, ctx);
  EXPECT_TRUE(parsed.errors.empty());
  std::vector<std::string> out;
  for (const auto& e : parsed.events) out.push_back(e.SerializeAsString());
  return out;
}

void Deliver(const RunningHub& hub, const std::vector<std::string>& events) {
  client::SenderOptions o;
  o.endpoint = hub.endpoints().ingest;
  o.batch_events = 64;
  o.window = 2;
  auto r = client::Sender(o).SendAll(events);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

std::string AllSnapshots(const RunningHub& hub) {
  client::QueryOptions q;
  q.endpoint = hub.endpoints().query;
  std::string all;
  for (const char* b : {"london", "E09000011", "E09000012", "E09000022"})
    for (const char* p : {"FY2007-08", "2007-Q3", "2008-Q1", "2007-11"}) {
      auto s = client::FetchSnapshot(q, b, p);
      EXPECT_TRUE(s.ok());
      if (s.ok()) all += client::SnapshotToCsv(*s);
    }
  return all;
}

TEST(Operations, ABackupTakenMidImportRestoresThatMomentAndTheRestCompletesIt) {
  TempDir dir;
  auto events = Encode(adapters::SyntheticCscEventsCsv(4000, 21));
  hub::HubOptions o;
  o.max_group_events = 64;
  o.before_commit = [] {
    std::this_thread::sleep_for(3ms);  // a slow disk, so the backup lands mid-import
    return Status::Ok();
  };
  std::string final_view;
  uint64_t backup_position = 0;
  {
    RunningHub hub(dir / "hub", o);
    ASSERT_TRUE(hub.ok());
    std::thread import([&] { Deliver(hub, events); });
    std::this_thread::sleep_for(300ms);
    hub::HubOptions admin;
    admin.data_dir = dir / "hub";
    admin.query_endpoint = hub.endpoints().query;
    std::ostringstream out, err;
    EXPECT_EQ(hub::RunBackup(admin, dir / "backup", out, err), 0) << err.str();
    import.join();
    std::smatch m;
    std::string text = out.str();
    ASSERT_TRUE(std::regex_search(text, m, std::regex("log position (\\d+)"))) << text;
    backup_position = std::stoull(m[1]);
    EXPECT_GT(backup_position, 0u);
    EXPECT_LT(backup_position, events.size()) << "the backup was not taken mid-import";
    final_view = AllSnapshots(hub);
  }

  // The snapshot at the moment of the backup: a hub given exactly the log
  // entries up to that position, in order.
  std::vector<std::string> up_to_backup;
  {
    auto store = store::Store::Open(dir / "hub", {});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->ScanEvents(1,
                                 [&](uint64_t seq, std::string_view raw) {
                                   if (seq > backup_position) return false;
                                   lscb::v1::LogEntry e;
                                   e.ParseFromArray(raw.data(), static_cast<int>(raw.size()));
                                   up_to_backup.push_back(e.envelope());
                                   return true;
                                 })
                    .ok());
  }
  ASSERT_EQ(up_to_backup.size(), backup_position);
  std::string at_backup;
  {
    RunningHub replica(dir / "replica");
    Deliver(replica, up_to_backup);
    at_backup = AllSnapshots(replica);
  }

  hub::HubOptions admin;
  admin.data_dir = dir / "restored";
  std::ostringstream out, err;
  ASSERT_EQ(hub::RunRestore(admin, dir / "backup", out, err), 0) << err.str();
  EXPECT_NE(out.str().find("log position " + std::to_string(backup_position)), std::string::npos) << out.str();
  RunningHub restored(dir / "restored");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(AllSnapshots(restored), at_backup);
  EXPECT_NE(AllSnapshots(restored), final_view);
  // Re-sending the whole feed completes it exactly.
  Deliver(restored, events);
  EXPECT_EQ(AllSnapshots(restored), final_view);

  // Restoring over a folder in use or not empty is refused.
  std::ostringstream out2, err2;
  EXPECT_EQ(hub::RunRestore(admin, dir / "backup", out2, err2), 2);
  EXPECT_NE(err2.str().find("is not empty"), std::string::npos);
}

TEST(Operations, ADefinitionChangeIsAppliedToTheStoredLog) {
  TempDir dir;
  // Child a referred on 2007-04-10, 2007-09-20 (5 months later) and
  // 2008-03-01 (about 5 months later again): 2 re-referrals within 12
  // months, and 2 within 6 months. Child b: 2007-04-15 and 2007-12-01 (7.5
  // months): a re-referral within 12 months, not within 6.
  const char* csv =
      "record_id,record_type,borough,occurred_at,la_child_id,surname,forenames,dob,source\n"
      "R1,REFERRAL,Greenwich,2007-04-10,A,Ash,Ann,2001-01-01,police\n"
      "R2,REFERRAL,Greenwich,2007-09-20,A,Ash,Ann,2001-01-01,school\n"
      "R3,REFERRAL,Greenwich,2008-03-01,A,Ash,Ann,2001-01-01,health\n"
      "R4,REFERRAL,Greenwich,2007-04-15,B,Birch,Bob,2003-02-02,la\n"
      "R5,REFERRAL,Greenwich,2007-12-01,B,Birch,Bob,2003-02-02,la\n";
  auto rereferrals = [](const RunningHub& hub, std::string* version) {
    client::QueryOptions q;
    q.endpoint = hub.endpoints().query;
    auto s = client::FetchSnapshot(q, "Greenwich", "FY2007-08");
    EXPECT_TRUE(s.ok());
    *version = s->definitions_version();
    for (const auto& c : s->cells())
      if (c.indicator() == "CSC_REREFERRALS_12M" && c.age_band() == "all" && c.breakdown().empty())
        return c.count();
    return int64_t{0};
  };
  std::string version;
  {
    RunningHub hub(dir / "hub");
    Deliver(hub, Encode(csv));
    EXPECT_EQ(rereferrals(hub, &version), 3);
    EXPECT_EQ(version, "v1");
  }
  // The operator edits the definitions: a six-month window, a new version.
  std::string text;
  {
    std::ifstream in(std::string(LSCB_SOURCE_DIR) + "/data/definitions/v1.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  text = std::regex_replace(text, std::regex("version = \"v1\""), "version = \"v1-6m\"");
  text = std::regex_replace(text, std::regex("rereferral_months = 12"), "rereferral_months = 6");
  std::ofstream(dir / "defs.toml") << text;
  auto defs = hub::LoadDefinitionsFile(dir / "defs.toml");
  ASSERT_TRUE(defs.ok()) << defs.status().ToString();
  hub::HubOptions o;
  o.data_dir = dir / "hub";
  o.definitions = defs.value();
  std::ostringstream out, err;
  ASSERT_EQ(hub::RunRebuild(o, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("from 5 event log entries under definitions v1-6m"), std::string::npos) << out.str();
  {
    RunningHub hub(dir / "hub", o);
    EXPECT_EQ(rereferrals(hub, &version), 2);
    EXPECT_EQ(version, "v1-6m");
  }
  // Back to v1 without a rebuild command: the hub sees its view was computed
  // with other definitions and rebuilds it from the log at start.
  RunningHub hub(dir / "hub");
  EXPECT_EQ(rereferrals(hub, &version), 3);
  EXPECT_EQ(version, "v1");
}

}  // namespace
}  // namespace lscb
