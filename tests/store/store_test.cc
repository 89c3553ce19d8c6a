#include "store/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

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
  std::string entry;
  EXPECT_TRUE(*store.GetEvent(1, entry));
  EXPECT_EQ(entry, "one");
  std::vector<std::string> seen;
  ASSERT_TRUE(store.ScanEvents(2, [&](uint64_t, std::string_view v) {
                     seen.emplace_back(v);
                     return true;
                   }).ok());
  EXPECT_EQ(seen, std::vector<std::string>{"two"});
  std::string checkpoint;
  ASSERT_TRUE(*store.ReadCheckpoint("view", [&](std::string_view v) { checkpoint.assign(v); }));
  EXPECT_EQ(checkpoint, "blob");
}

// Look-ups of keys never committed are answered by the filter in front of
// the idempotency keys; every key committed is still found, in the same
// session and after a reopen (when the filter is refilled from the store),
// including keys committed while it is being refilled.
TEST(Store, TheIdempotencyFilterNeverHidesAKeyTheStoreHolds) {
  lscb::testing::TempDir dir;
  auto key = [](const std::string& prefix, int i) { return IdempotencyKey("csc:E09000011", prefix + std::to_string(i)); };
  auto commit_keys = [&](Store& store, const std::string& prefix, int n) {
    WriteSet w;
    for (int i = 0; i < n; ++i) w.PutIdempotency(key(prefix, i), IdempotencyRecord{{}, static_cast<uint64_t>(i + 1)});
    ASSERT_TRUE(store.Commit(w).ok());
  };
  auto wait_ready = [](Store& store) {
    for (int i = 0; i < 5000 && !store.Stats().idempotency_filter_ready; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(store.Stats().idempotency_filter_ready);
  };
  auto expect_all_found = [&](Store& store, const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
      auto rec = store.GetIdempotency(key(prefix, i));
      ASSERT_TRUE(rec.ok() && rec->has_value()) << prefix << i;
      EXPECT_EQ((*rec)->seq, static_cast<uint64_t>(i + 1));
    }
  };
  // Keys never committed: not found, and nearly all answered by the filter
  // (a false positive is read from the store).
  auto expect_new_skipped = [&](Store& store, int n) {
    const uint64_t before = store.Stats().idempotency_filter_skips;
    for (int i = 0; i < n; ++i) EXPECT_FALSE(store.GetIdempotency(key("new", i))->has_value());
    EXPECT_GE(store.Stats().idempotency_filter_skips - before, static_cast<uint64_t>(n - n / 100));
  };
  {
    auto s = Store::Open(dir.path(), {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Store& store = **s;
    EXPECT_FALSE(store.GetIdempotency(key("none", 0))->has_value());  // starts the filter
    wait_ready(store);
    commit_keys(store, "a", 20000);
    expect_all_found(store, "a", 20000);
    expect_new_skipped(store, 20000);
  }
  auto s = Store::Open(dir.path(), {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Store& store = **s;
  EXPECT_FALSE(store.GetIdempotency(key("none", 1))->has_value());  // starts the refill
  commit_keys(store, "b", 5000);  // most likely while it is refilled
  wait_ready(store);
  expect_all_found(store, "a", 20000);
  expect_all_found(store, "b", 5000);
  expect_new_skipped(store, 1000);
}

// Idempotency records are journalled with their commit and held in memory,
// then written to the idempotency family in sorted files: a record is found
// at every step, with its last version, and after a reopen.
TEST(Store, IdempotencyRecordsAreFoundBeforeWhileAndAfterTheyAreIndexed) {
  lscb::testing::TempDir dir;
  Options o;
  o.index_every_keys = 1000;
  // Keys of a few sources, whose ids share no fixed length (the files are
  // written in byte order, which RocksDB checks).
  auto key = [](int i) {
    const char* source = i % 3 == 0 ? "csc:E09000011" : i % 3 == 1 ? "csc:E09000012" : "police:central";
    return IdempotencyKey(source, "r" + std::to_string(i));
  };
  std::map<int, uint64_t> expected;  // key -> seq of its last version
  uint64_t seq = 0;
  auto check_all = [&](Store& store) {
    for (const auto& [i, want] : expected) {
      auto rec = store.GetIdempotency(key(i));
      ASSERT_TRUE(rec.ok() && rec->has_value()) << i;
      ASSERT_EQ((*rec)->seq, want) << i;
      ASSERT_EQ((*rec)->content_hash[0], static_cast<uint8_t>(want)) << i;
    }
  };
  {
    auto s = Store::Open(dir.path(), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Store& store = **s;
    for (int round = 0; round < 20; ++round) {
      WriteSet w;
      // 300 new records, and 20 earlier ones again (some twice in one
      // commit): the last version written is the one held.
      for (int i = 0; i < 300; ++i) {
        IdempotencyRecord r{{static_cast<uint8_t>(++seq)}, seq};
        w.PutIdempotency(key(round * 300 + i), r);
        expected[round * 300 + i] = seq;
      }
      for (int i = 0; i < 20 && round > 0; ++i) {
        const int k = (round * 37 + i * 11) % (round * 300);
        for (int twice = 0; twice < 2; ++twice) {
          IdempotencyRecord r{{static_cast<uint8_t>(++seq)}, seq};
          w.PutIdempotency(key(k), r);
          expected[k] = seq;
        }
      }
      ASSERT_TRUE(store.Commit(w).ok());
      check_all(store);
    }
    // Written in the background until fewer than 1000 are left in memory
    // (how many files that takes depends on how fast each is written).
    for (int i = 0; i < 5000 && store.Stats().idempotency_journalled >= 1000; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_LT(store.Stats().idempotency_journalled, 1000u);
    EXPECT_GE(store.Stats().idempotency_files_written, 2u);
    check_all(store);
  }
  // A clean close wrote every record to the family: the journal is empty.
  auto s = Store::Open(dir.path(), o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->Stats().idempotency_journalled, 0u);
  size_t in_family = 0, in_journal = 0;
  ASSERT_TRUE((*s)->ScanAll([&](std::string_view family, std::string_view, std::string_view) {
                    in_family += family == "idempotency";
                    in_journal += family == "idempotency_journal";
                    return true;
                  }).ok());
  EXPECT_EQ(in_family, expected.size());
  EXPECT_EQ(in_journal, 0u);
  check_all(**s);
}

// Without a clean close (here: a copy of the store taken while it is open,
// as a backup is), the records still only in the journal are read back at
// open, and the key filter, filled afterwards, does not hide them.
TEST(Store, JournalledRecordsAreReadBackWithoutACleanClose) {
  lscb::testing::TempDir dir;
  auto key = [](int i) { return IdempotencyKey("police:central", "inc-" + std::to_string(i)); };
  auto s = Store::Open(dir / "live", {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  for (int c = 0; c < 3; ++c) {
    WriteSet w;
    for (int i = 0; i < 100; ++i)
      w.PutIdempotency(key(i), IdempotencyRecord{{static_cast<uint8_t>(c)}, static_cast<uint64_t>(c * 100 + i + 1)});
    ASSERT_TRUE((*s)->Commit(w).ok());
  }
  EXPECT_EQ((*s)->Stats().idempotency_journalled, 100u);
  EXPECT_EQ((*s)->Stats().idempotency_files_written, 0u);
  ASSERT_TRUE((*s)->CreateCheckpoint(dir / "copy").ok());

  auto copy = Store::Open(dir / "copy", {});
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  Store& store = **copy;
  EXPECT_EQ(store.Stats().idempotency_journalled, 100u);
  EXPECT_FALSE(store.GetIdempotency(key(1000))->has_value());  // starts the filter
  for (int i = 0; i < 5000 && !store.Stats().idempotency_filter_ready; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(store.Stats().idempotency_filter_ready);
  for (int i = 0; i < 100; ++i) {
    auto rec = store.GetIdempotency(key(i));
    ASSERT_TRUE(rec.ok() && rec->has_value()) << i;
    EXPECT_EQ((*rec)->seq, static_cast<uint64_t>(200 + i + 1));
    EXPECT_EQ((*rec)->content_hash[0], 2);
  }
}

// Opens the store in `dir` with RocksDB alone and default options, as
// another build or tool would, and calls fn with it and its families in the
// store's order.
void WithRocksDb(const std::string& dir,
                 const std::function<void(rocksdb::DB&, const std::vector<rocksdb::ColumnFamilyHandle*>&)>& fn) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* n : {"default", "events", "idempotency", "dead_letters", "checkpoints", "linkage",
                        "idempotency_journal", "audit"})
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> h;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir, cfs, &h, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  fn(*db, h);
  for (auto* x : h) db->DestroyColumnFamilyHandle(x);
}

// A linkage key: `prefix` repeated to fill the prefix, then `rest`.
std::string Link(char prefix, std::string_view rest = {}) {
  return std::string(kLinkPrefixBytes, prefix) + std::string(rest);
}

// The keys a scan of [from, to) calls back with, the callback stopping it
// after `stop_after`; the scan must succeed.
std::vector<std::string> ScanKeys(LinkCursor& c, std::string_view from, std::string_view to,
                                  size_t stop_after = SIZE_MAX) {
  std::vector<std::string> keys;
  Status st = c.Scan(from, to, [&](std::string_view k) {
    keys.emplace_back(k);
    return keys.size() < stop_after;
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return keys;
}

// A cursor scans [from, to) within one prefix in key order, several times,
// and reads the linkage index as it was at its first scan.
TEST(Store, ALinkCursorScansRangesOfTheIndexAsItWasAtItsFirstScan) {
  lscb::testing::TempDir dir;
  auto s = Store::Open(dir.path(), {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto& store = *s.value();
  WriteSet w;
  for (const std::string& k : {Link('a', "1"), Link('a', "3"), Link('b', "1"), Link('b', "2"), Link('c', "1"),
                               Link('c', "\xff" "1"), Link('d')})
    w.PutLinkKey(k);
  ASSERT_TRUE(store.Commit(w).ok());

  auto cursor = store.NewLinkCursor();
  EXPECT_EQ(ScanKeys(*cursor, Link('b'), Link('b', "\xff")), (std::vector<std::string>{Link('b', "1"), Link('b', "2")}));
  // Committed after the first scan: not seen by this cursor.
  WriteSet later;
  later.PutLinkKey(Link('a', "2"));
  later.DeleteLinkKey(Link('b', "1"));
  ASSERT_TRUE(store.Commit(later).ok());
  EXPECT_EQ(ScanKeys(*cursor, Link('a'), Link('a', "\xff")), (std::vector<std::string>{Link('a', "1"), Link('a', "3")}));
  EXPECT_EQ(ScanKeys(*cursor, Link('b'), Link('b', "2")), (std::vector<std::string>{Link('b', "1")}));
  EXPECT_EQ(ScanKeys(*cursor, Link('a', "2"), Link('a', "4")), (std::vector<std::string>{Link('a', "3")}));
  EXPECT_EQ(ScanKeys(*cursor, Link('a'), Link('a', "\xff"), 1), (std::vector<std::string>{Link('a', "1")}));  // fn stops it
  EXPECT_EQ(ScanKeys(*cursor, Link('c'), Link('c', "\xff" "2")),
            (std::vector<std::string>{Link('c', "1"), Link('c', "\xff" "1")}));  // bytes compare unsigned
  EXPECT_EQ(ScanKeys(*cursor, Link('d'), Link('d', "\xff")), (std::vector<std::string>{Link('d')}));
  EXPECT_TRUE(ScanKeys(*cursor, Link('e'), Link('e', "\xff")).empty());
  // A new cursor sees both commits.
  auto fresh = store.NewLinkCursor();
  EXPECT_EQ(ScanKeys(*fresh, Link('a'), Link('a', "\xff")),
            (std::vector<std::string>{Link('a', "1"), Link('a', "2"), Link('a', "3")}));
  EXPECT_EQ(ScanKeys(*fresh, Link('b'), Link('b', "\xff")), (std::vector<std::string>{Link('b', "2")}));
}

// A scan never crosses from one prefix into another: asked to, it fails.
TEST(Store, ALinkCursorRefusesAScanAcrossPrefixes) {
  lscb::testing::TempDir dir;
  auto s = Store::Open(dir.path(), {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  WriteSet w;
  w.PutLinkKey(Link('a', "1"));
  w.PutLinkKey(Link('b', "1"));
  ASSERT_TRUE((*s)->Commit(w).ok());
  auto cursor = (*s)->NewLinkCursor();
  size_t seen = 0;
  auto count = [&](std::string_view) { return ++seen, true; };
  EXPECT_TRUE(cursor->Scan(Link('a'), Link('c'), count).IsInvalidArgument());
  EXPECT_TRUE(cursor->Scan("a", "b", count).IsInvalidArgument());
  EXPECT_EQ(seen, 0u);
}

// The index reads the same from table files (a checkpoint flushes the
// memtables into them) as from memory, and after a restart.
TEST(Store, TheLinkageIndexReadsTheSameFromTableFiles) {
  lscb::testing::TempDir dir;
  const std::string copy = dir.path() + "/copy";
  std::vector<std::string> keys;
  {
    auto s = Store::Open(dir.path() + "/store", {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    WriteSet w;
    for (int p = 0; p < 200; p += 2)
      for (int t = 0; t < 3; ++t) keys.push_back(Link(static_cast<char>(p), std::string(1, static_cast<char>('0' + t))));
    for (const auto& k : keys) w.PutLinkKey(k);
    ASSERT_TRUE((*s)->Commit(w).ok());
    ASSERT_TRUE((*s)->CreateCheckpoint(copy).ok());
  }
  for (const std::string& where : {copy, dir.path() + "/store"}) {
    auto s = Store::Open(where, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto cursor = (*s)->NewLinkCursor();
    std::vector<std::string> seen;
    for (int p = 0; p < 200; ++p) {
      auto found = ScanKeys(*cursor, Link(static_cast<char>(p)), Link(static_cast<char>(p), "\xff"));
      seen.insert(seen.end(), found.begin(), found.end());
    }
    EXPECT_EQ(seen, keys) << where;
    size_t linkage = 0;
    ASSERT_TRUE((*s)->ScanAll([&](std::string_view family, std::string_view, std::string_view) {
      linkage += family == "linkage";
      return true;
    }).ok());
    EXPECT_EQ(linkage, keys.size()) << where;
  }
}

// Many prefixes (so that the memtable's hash buckets are shared), some keys
// in table files and some, with deletions of older ones, in memory: one
// cursor reads each prefix as a sorted set of its keys would. The store's
// size on disk counts what is in memory too (through the log).
TEST(Store, ManyPrefixesInMemoryAndInTableFilesReadAsOneIndex) {
  lscb::testing::TempDir dir;
  auto s = Store::Open(dir.path() + "/store", {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Store& store = **s;
  std::mt19937_64 rng(7);
  std::vector<std::string> prefixes(20000);
  for (auto& p : prefixes) {
    p.resize(kLinkPrefixBytes);
    for (auto& c : p) c = static_cast<char>(rng());
  }
  std::map<std::string, std::set<std::string>> model;
  auto put = [&](WriteSet& w, size_t i, char suffix) {
    std::string k = prefixes[i] + std::string(1, suffix);
    w.PutLinkKey(k);
    model[prefixes[i]].insert(k);
  };
  WriteSet first;
  for (size_t i = 0; i < prefixes.size(); ++i) put(first, i, static_cast<char>('a' + rng() % 3));
  ASSERT_TRUE(store.Commit(first).ok());
  const uint64_t before = store.Stats().live_bytes;
  ASSERT_TRUE(store.CreateCheckpoint(dir.path() + "/copy").ok());  // flushes the memtables to table files
  WriteSet second;
  for (size_t i = 0; i < prefixes.size(); i += 2) put(second, i, static_cast<char>('a' + rng() % 3));
  for (size_t i = 0; i < prefixes.size(); i += 7) {
    auto& keys = model[prefixes[i]];
    second.DeleteLinkKey(*keys.begin());
    keys.erase(keys.begin());
  }
  ASSERT_TRUE(store.Commit(second).ok());
  EXPECT_GT(store.Stats().live_bytes, before / 2);
  EXPECT_GT(before, prefixes.size() * kLinkPrefixBytes);  // in the log, before the flush

  auto cursor = store.NewLinkCursor();
  size_t mismatched = 0;
  for (const auto& p : prefixes) {
    const std::vector<std::string> seen = ScanKeys(*cursor, p, p + "\xff");
    const auto& want = model[p];
    mismatched += seen != std::vector<std::string>(want.begin(), want.end());
  }
  EXPECT_EQ(mismatched, 0u);
}

// A store whose linkage family was written without prefixes (by an earlier
// build: a skip list over all keys, table files with no prefix filter)
// reads the same, from its table files and from its write-ahead log.
TEST(Store, ALinkageIndexWrittenWithoutPrefixesReadsTheSame) {
  lscb::testing::TempDir dir;
  { ASSERT_TRUE(Store::Open(dir.path(), {}).ok()); }
  WithRocksDb(dir.path(), [](rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    for (const std::string& k : {Link('a', "1"), Link('b', "1"), Link('b', "3")})
      ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), h[5], k, "").ok());
    ASSERT_TRUE(db.Flush(rocksdb::FlushOptions(), h[5]).ok());  // into a table file
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), h[5], Link('b', "2"), "").ok());  // left in the log
  });
  auto s = Store::Open(dir.path(), {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  WriteSet w;
  w.PutLinkKey(Link('b', "4"));
  ASSERT_TRUE((*s)->Commit(w).ok());
  auto cursor = (*s)->NewLinkCursor();
  auto scan = [&](char prefix) { return ScanKeys(*cursor, Link(prefix), Link(prefix, "\xff")); };
  EXPECT_EQ(scan('b'), (std::vector<std::string>{Link('b', "1"), Link('b', "2"), Link('b', "3"), Link('b', "4")}));
  EXPECT_EQ(scan('a'), (std::vector<std::string>{Link('a', "1")}));
  EXPECT_TRUE(scan('c').empty());
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
  std::string entry;
  EXPECT_FALSE(*(*s)->GetEvent(1, entry));
}

TEST(Store, RemovedEventsAreGoneForGoodWhileIdsAndSeqsRemain) {
  lscb::testing::TempDir dir;
  const std::string big(4000, 'x');  // enough for the space to show
  {
    auto s = Store::Open(dir.path(), {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto& store = *s.value();
    EXPECT_EQ(store.first_event_seq(), 1u);
    for (uint64_t seq = 1; seq <= 500; ++seq) {
      WriteSet w;
      w.PutEvent(seq, big + std::to_string(seq));
      w.PutIdempotency(IdempotencyKey("csc:E09000011", "r" + std::to_string(seq)), IdempotencyRecord{{}, seq});
      ASSERT_TRUE(store.Commit(w).ok());
    }
    EXPECT_TRUE(store.RemoveEventsBefore(502).IsInvalidArgument());  // beyond the end
    ASSERT_TRUE(store.RemoveEventsBefore(401).ok());
    EXPECT_EQ(store.first_event_seq(), 401u);
    EXPECT_EQ(store.Stats().first_event_seq, 401u);
    ASSERT_TRUE(store.RemoveEventsBefore(300).ok());  // earlier than the start: nothing
    EXPECT_EQ(store.first_event_seq(), 401u);
  }
  {
    auto s = Store::Open(dir.path(), {});
    ASSERT_TRUE(s.ok());
    auto& store = *s.value();
    EXPECT_EQ(store.first_event_seq(), 401u);
    EXPECT_EQ(store.last_event_seq(), 500u);
    std::string entry;
    EXPECT_FALSE(*store.GetEvent(400, entry));
    EXPECT_TRUE(*store.GetEvent(401, entry));
    EXPECT_EQ(entry, big + "401");
    uint64_t first = 0, n = 0;
    ASSERT_TRUE(store.ScanEvents(1, [&](uint64_t seq, std::string_view) {
                       if (!first) first = seq;
                       ++n;
                       return true;
                     }).ok());
    EXPECT_EQ(first, 401u);
    EXPECT_EQ(n, 100u);
    // Nothing of a removed event is left anywhere in the store.
    bool found = false;
    ASSERT_TRUE(store.ScanAll([&](std::string_view, std::string_view, std::string_view v) {
                       found = found || v == big + "7";
                       return true;
                     }).ok());
    EXPECT_FALSE(found);
    // The ids stay.
    auto rec = store.GetIdempotency(IdempotencyKey("csc:E09000011", "r7"));
    ASSERT_TRUE(rec.ok() && rec->has_value());
    EXPECT_EQ((*rec)->seq, 7u);
    // The whole log, then: seqs are not reused after a restart.
    ASSERT_TRUE(store.RemoveEventsBefore(501).ok());
  }
  auto s = Store::Open(dir.path(), {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->first_event_seq(), 501u);
  EXPECT_EQ((*s)->last_event_seq(), 500u);
  EXPECT_LT((*s)->Stats().live_bytes, 500u * 4000u / 4);
  auto reader = Store::OpenReader(dir.path());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->first_event_seq(), 501u);
}

TEST(Store, ALargeCheckpointIsReadBackInPlaceAfterAReopen) {
  lscb::testing::TempDir dir;
  std::string blob(3 << 20, '\0');
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 7919 % 251);
  {
    auto s = Store::Open(dir.path(), {});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->PutCheckpoint("view", "old").ok());
    ASSERT_TRUE((*s)->PutCheckpoint("view", blob).ok());
  }
  auto s = Store::Open(dir.path(), {});
  ASSERT_TRUE(s.ok());
  std::string seen;
  auto found = (*s)->ReadCheckpoint("view", [&](std::string_view v) { seen.assign(v); });
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_TRUE(seen == blob);
  found = (*s)->ReadCheckpoint("none", [&](std::string_view) { ADD_FAILURE(); });
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
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
  // Rewrite the schema version as a future build would.
  WithRocksDb(dir.path(), [](rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), h[0], "schema_version", "99").ok());
  });
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
