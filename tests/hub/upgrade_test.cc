// A store written by the previous format (schema 1, no linkage index) is
// upgraded in place: its events become linkable, and a new report of an
// incident already in it is merged.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "hub/hub.h"
#include "hub/ingest.h"
#include "hub/maintenance.h"
#include "lscb/v1/store.pb.h"
#include "store/store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace lscb::hub {
namespace {

using lscb::testing::EventSpec;
using lscb::testing::MakeEvent;

// Writes what schema 1 held: meta, events, idempotency, dead letters and
// checkpoints, and nothing else.
void WriteSchema1Store(const std::string& dir, const std::vector<lscb::v1::Envelope>& events) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* n : {"default", "events", "idempotency", "dead_letters", "checkpoints"})
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> h;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir, cfs, &h, &db).ok());
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[0], "schema_version", "1").ok());
  uint64_t seq = 0;
  for (const auto& e : events) {
    ++seq;
    lscb::v1::LogEntry entry;
    entry.set_envelope(e.SerializeAsString());
    entry.set_received_at(1200000000);
    std::string key(8, '\0');
    for (int i = 0; i < 8; ++i) key[7 - i] = static_cast<char>((seq >> (8 * i)) & 0xFF);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[1], key, entry.SerializeAsString()).ok());
    auto hash = LegacyContentHash(entry.envelope());  // as earlier builds hashed
    std::string rec(reinterpret_cast<const char*>(hash.data()), 16);
    rec += key;
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), h[2], store::IdempotencyKey(e.source(), e.source_event_id()), rec).ok());
  }
  for (auto* x : h) db->DestroyColumnFamilyHandle(x);
  delete db;
}

TEST(Upgrade, ASchema1StoreIsUpgradedInPlace) {
  lscb::testing::TempDir dir;
  const EventSpec csc_report{.kind = "missing.episode", .record_id = "C1", .when = "2007-10-03T21:00",
                             .child = "k", .age = 13, .token = "nhs"};
  WriteSchema1Store(dir.path(), {MakeEvent(csc_report), MakeEvent({.record_id = "c9"})});

  auto boards = BoardRegistry::Default();
  {
    auto store = store::Store::Open(dir.path(), {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->schema_version_found(), 1u);
    ASSERT_TRUE(UpgradeStore(**store, *boards).ok());
  }
  auto store = store::Store::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->schema_version_found(), store::kSchemaVersion);

  IndicatorView view(boards, DefaultDefinitions());
  std::shared_mutex mu;
  IngestProcessor processor(**store, view, mu, boards, DefaultDefinitions(), SystemClock::Instance());
  uint64_t n = 0;
  ASSERT_TRUE(processor.ReplayLog(0, &n).ok());
  EXPECT_EQ(n, 2u);
  // The police report the same episode: recognised through the index the
  // upgrade built.
  EventSpec police = csc_report;
  police.record_id = "P1";
  police.agency = "police";
  police.when = "2007-10-03T23:00";
  std::string bytes = MakeEvent(police).SerializeAsString();
  auto acks = processor.ProcessGroup({{bytes, "test"}});
  ASSERT_TRUE(acks.ok());
  EXPECT_EQ((*acks)[0].outcome(), lscb::v1::MERGED);
  // And the old records are still recognised when sent again.
  std::string again = MakeEvent({.record_id = "c9"}).SerializeAsString();
  acks = processor.ProcessGroup({{again, "test"}});
  ASSERT_TRUE(acks.ok());
  EXPECT_EQ((*acks)[0].outcome(), lscb::v1::DUPLICATE);
}

TEST(Upgrade, AStoreFromANewerSchemaIsRefusedByTheHub) {
  lscb::testing::TempDir dir;
  {
    auto s = store::Store::Open(dir.path(), {});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->SetSchemaVersion(store::kSchemaVersion + 1).ok());
  }
  HubOptions o;
  o.data_dir = dir.path();
  o.ingest_endpoint = o.feed_endpoint = o.query_endpoint = "tcp://127.0.0.1:*";
  auto hub = Hub::Open(o);
  ASSERT_FALSE(hub.ok());
  EXPECT_NE(hub.status().message().find("newer lscb-hub"), std::string::npos) << hub.status().message();
}

}  // namespace
}  // namespace lscb::hub
