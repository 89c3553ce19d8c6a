#include "store/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace lscb::store {
namespace {

TEST(Store, CommitsAtomicallyAndReadsBack) {
  lscb::testing::TempDir dir;
  {
    auto s = Store::Open(dir.path(), {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto& store = *s.value();
    WriteSet w;
    w.PutEvent(1, "one");
    w.PutEvent(2, "two");
    IdempotencyRecord rec;
    rec.content_hash[0] = 42;
    rec.seq = 2;
    w.PutIdempotency(IdempotencyKey("csc:E09000011", "r1"), rec);
    w.PutDeadLetter(1, "bad");
    ASSERT_TRUE(store.Commit(w).ok());
    EXPECT_EQ(store.last_event_seq(), 2u);
    ASSERT_TRUE(store.PutCheckpoint("view", "blob").ok());
  }
  auto s = Store::Open(dir.path(), {});
  ASSERT_TRUE(s.ok());
  auto& store = *s.value();
  EXPECT_EQ(store.last_event_seq(), 2u);
  EXPECT_EQ(store.last_dead_letter_id(), 1u);
  auto rec = store.GetIdempotency(IdempotencyKey("csc:E09000011", "r1"));
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->seq, 2u);
  EXPECT_EQ((*rec)->content_hash[0], 42);
  EXPECT_FALSE(store.GetIdempotency(IdempotencyKey("csc:E09000012", "r1"))->has_value());
  EXPECT_EQ(**store.GetEvent(1), "one");
  std::vector<std::string> seen;
  ASSERT_TRUE(store.ScanEvents(2, [&](uint64_t, std::string_view v) {
                     seen.emplace_back(v);
                     return true;
                   }).ok());
  EXPECT_EQ(seen, std::vector<std::string>{"two"});
  EXPECT_EQ(**store.GetCheckpoint("view"), "blob");
}

TEST(Store, AFailedCommitWritesNothing) {
  lscb::testing::TempDir dir;
  Options o;
  o.before_commit = [] { return Status::IoError("injected"); };
  auto s = Store::Open(dir.path(), o);
  ASSERT_TRUE(s.ok());
  WriteSet w;
  w.PutEvent(1, "one");
  EXPECT_TRUE((*s)->Commit(w).IsIoError());
  EXPECT_EQ((*s)->last_event_seq(), 0u);
  EXPECT_FALSE((*s)->GetEvent(1)->has_value());
}

TEST(Store, RefusesAFolderInUse) {
  lscb::testing::TempDir dir;
  auto first = Store::Open(dir.path(), {});
  ASSERT_TRUE(first.ok());
  auto second = Store::Open(dir.path(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsFailedPrecondition());
  EXPECT_NE(second.status().message().find("already in use by another hub"), std::string::npos);
}

TEST(Store, RefusesAStoreFromANewerSchema) {
  lscb::testing::TempDir dir;
  { ASSERT_TRUE(Store::Open(dir.path(), {}).ok()); }
  {
    // Rewrite the schema version as a future build would.
    rocksdb::Options o;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* n : {"default", "events", "idempotency", "dead_letters", "checkpoints", "linkage"})
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> h;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.path(), cfs, &h, &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[0], "schema_version", "99").ok());
    for (auto* x : h) db->DestroyColumnFamilyHandle(x);
    delete db;
  }
  auto s = Store::Open(dir.path(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("newer lscb-hub (schema 99"), std::string::npos) << s.status().message();
}

TEST(Store, RefusesAFileAsDataFolder) {
  lscb::testing::TempDir dir;
  std::ofstream(dir / "file") << "x";
  auto s = Store::Open(dir / "file", {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("is not a folder"), std::string::npos);
}

}  // namespace
}  // namespace lscb::store
