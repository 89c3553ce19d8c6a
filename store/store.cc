#include "store/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/key_table.h"

namespace lscb::store {
namespace {

constexpr const char* kMetaCf = "default";
constexpr const char* kEventsCf = "events";
constexpr const char* kIdemCf = "idempotency";
constexpr const char* kDeadCf = "dead_letters";
constexpr const char* kCheckpointCf = "checkpoints";
constexpr const char* kLinkageCf = "linkage";
constexpr const char* kAuditCf = "audit";
constexpr const char* kJournalCf = "idempotency_journal";
constexpr const char* kSchemaKey = "schema_version";
constexpr const char* kLogStartKey = "log_start_seq";

// The families opened at start, in this order; kAudit (opened with them by
// Open, by OpenReader only when the store has it) is kept apart.
enum CfIndex { kMeta = 0, kEvents, kIdem, kDead, kCheckpoint, kLinkage, kJournal, kCfCount, kAudit = kCfCount };

std::string SeqKey(uint64_t seq) {
  std::string k;
  AppendBigEndian64(k, seq);
  return k;
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IoError(what + ": " + s.ToString());
}

// The last key of a column family keyed by big-endian numbers.
uint64_t LastNumericKey(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekToLast();
  if (!it->Valid() || it->key().size() != 8) return 0;
  return ReadBigEndian64(it->key().data());
}

constexpr size_t kRecordBytes = 24;

void EncodeRecord(const IdempotencyRecord& rec, char* out) {
  std::memcpy(out, rec.content_hash.data(), 16);
  WriteBigEndian64(out + 16, rec.seq);
}

IdempotencyRecord DecodeRecord(const char* in) {
  IdempotencyRecord rec;
  std::memcpy(rec.content_hash.data(), in, 16);
  rec.seq = ReadBigEndian64(in + 16);
  return rec;
}

// A journal value: for each record, its key's length (varint), the key and
// the record (24 bytes). Calls fn(key, record) in order; false when `v` is
// not such a value.
template <typename F>
bool ForEachJournalled(std::string_view v, F fn) {
  while (!v.empty()) {
    uint64_t n = 0;
    if (!ReadVarint(v, n) || n > v.size() || v.size() - n < kRecordBytes) return false;
    fn(v.substr(0, n), DecodeRecord(v.data() + n));
    v.remove_prefix(n + kRecordBytes);
  }
  return true;
}

void AppendJournalled(std::string& out, std::string_view key, std::string_view record) {
  AppendVarint(out, key.size());
  out.append(key);
  out.append(record);
}

// Idempotency records held in memory: an open-addressing table over one
// buffer of key bytes, about 100 bytes a record. Not thread-safe.
class RecentKeys final {
 public:
  // Room for `keys` records without growing. Growing copies every record
  // held into memory not touched before, in the middle of a commit: with
  // tens of thousands held, that held acks back for tens of milliseconds
  // where page faults are dear.
  explicit RecentKeys(size_t keys) { table_.Reserve(keys, keys * kKeyBytes); }
  size_t size() const { return table_.size(); }
  // Empties it, keeping its memory (to be filled again).
  void Clear() { table_.Clear(); }
  void Put(std::string_view key, const IdempotencyRecord& rec) { table_.Put(key, rec); }
  const IdempotencyRecord* Find(std::string_view key) const { return table_.Find(key); }
  // Calls fn(key, record) for every record, in key order.
  template <typename F>
  void ForEachInKeyOrder(F fn) const {
    struct Item {
      uint64_t next8;  // big-endian, so that integer order is byte order
      std::string_view key;
      const IdempotencyRecord* rec;
    };
    std::vector<Item> order;
    order.reserve(table_.size());
    table_.ForEach([&](std::string_view key, const IdempotencyRecord& rec) { order.push_back({0, key, &rec}); });
    // Sorted by the 8 bytes after the prefix all keys share (the sources
    // are few), so that most comparisons read no key.
    size_t common = order.empty() ? 0 : order[0].key.size();
    for (size_t e = 1; e < order.size() && common > 0; ++e) {
      std::string_view a = order[0].key.substr(0, common), b = order[e].key;
      size_t i = 0;
      while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
      common = i;
    }
    for (Item& it : order) {
      uint64_t v = 0;
      for (size_t i = 0; i < 8; ++i) v = (v << 8) | (common + i < it.key.size() ? uint8_t(it.key[common + i]) : 0);
      it.next8 = v;
    }
    std::sort(order.begin(), order.end(), [](const Item& a, const Item& b) {
      if (a.next8 != b.next8) return a.next8 < b.next8;
      return a.key < b.key;
    });
    for (const Item& it : order) fn(it.key, *it.rec);
  }
  // Calls fn(key) for every record.
  template <typename F>
  void ForEach(F fn) const {
    table_.ForEach([&](std::string_view key, const IdempotencyRecord&) { fn(key); });
  }

 private:
  // Bytes reserved per key: a source ("csc:E09000011") and a record id.
  static constexpr size_t kKeyBytes = 64;
  KeyTable<IdempotencyRecord> table_{1024};
};

// A Bloom filter over the idempotency keys in the store, in front of the
// idempotency family: most look-ups are for records never seen, and a key
// the filter has never been given is not in the store, which it answers
// with one cache line instead of a RocksDB look-up (the memtables' and
// every level's filters). Blocked: the bits of a key are in one 512-bit
// block. Thread-safe: bits are only ever set, atomically.
class KeyFilter final {
 public:
  // The bits are mapped from the system, zero and untouched: pages are
  // faulted in as keys reach them, not all at once in the look-up that
  // creates the filter (1.25 MiB at least, several milliseconds where page
  // faults are dear). Throws std::bad_alloc when they cannot be mapped.
  explicit KeyFilter(uint64_t keys)
      : blocks_(std::max<uint64_t>(1, keys * kBitsPerKey / 512)), bytes_(blocks_ * 64) {
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    words_ = static_cast<uint64_t*>(p);
  }
  ~KeyFilter() { ::munmap(words_, bytes_); }
  KeyFilter(const KeyFilter&) = delete;
  KeyFilter& operator=(const KeyFilter&) = delete;

  void Add(std::string_view key) {
    uint64_t h = Hash(key);
    uint64_t* block = Block(h);
    uint64_t bits = Mix(h);
    for (int i = 0; i < kProbes; ++i, bits >>= 9)
      std::atomic_ref<uint64_t>(block[(bits >> 6) & 7]).fetch_or(uint64_t{1} << (bits & 63), std::memory_order_relaxed);
  }
  bool MayContain(std::string_view key) const {
    uint64_t h = Hash(key);
    uint64_t* block = Block(h);
    uint64_t bits = Mix(h);
    for (int i = 0; i < kProbes; ++i, bits >>= 9)
      if (!(std::atomic_ref<uint64_t>(block[(bits >> 6) & 7]).load(std::memory_order_relaxed) &
            (uint64_t{1} << (bits & 63))))
        return false;
    return true;
  }
  // Bits per key it is sized for. Sized for twice the keys the store holds
  // (2.5 bytes per key held), it gives about 1 false positive in 2,000; once
  // the store holds twice as many (until a restart resizes it), about 1 in
  // 100.
  static constexpr uint64_t kBitsPerKey = 10;

 private:
  static constexpr int kProbes = 6;  // 9 bits each from one 64-bit mix
  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }
  static uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  uint64_t* Block(uint64_t h) const {
    return &words_[static_cast<uint64_t>((static_cast<unsigned __int128>(h) * blocks_) >> 64) * 8];
  }
  const uint64_t blocks_;
  const size_t bytes_;
  uint64_t* words_ = nullptr;  // blocks_ blocks of 8 words, each word accessed atomically
};

}  // namespace

std::string IdempotencyKey(std::string_view source, std::string_view source_event_id) {
  std::string k;
  IdempotencyKey(source, source_event_id, k);
  return k;
}

void IdempotencyKey(std::string_view source, std::string_view source_event_id, std::string& out) {
  out.clear();
  out.reserve(source.size() + 1 + source_event_id.size());
  out.append(source);
  out.push_back('\0');
  out.append(source_event_id);
}

struct WriteSet::Impl {
  rocksdb::WriteBatch batch;
  // Column family handles are bound at commit. Until then every key and
  // value is staged in one buffer, so that staging an event costs no
  // allocation of its own.
  struct Op {
    CfIndex cf;
    bool erase;
    size_t key_at, key_size, value_at, value_size;  // in `bytes`
  };
  std::vector<Op> ops;
  std::string bytes;
  uint64_t max_event_seq = 0;
  uint64_t max_dead_id = 0;

  void Add(CfIndex cf, std::string_view key, std::string_view value, bool erase = false) {
    ops.push_back({cf, erase, bytes.size(), key.size(), bytes.size() + key.size(), value.size()});
    bytes.append(key);
    bytes.append(value);
  }
  rocksdb::Slice Key(const Op& op) const { return {bytes.data() + op.key_at, op.key_size}; }
  rocksdb::Slice Value(const Op& op) const { return {bytes.data() + op.value_at, op.value_size}; }
};

WriteSet::WriteSet() : impl_(std::make_unique<Impl>()) {}
WriteSet::~WriteSet() = default;

void WriteSet::PutEvent(uint64_t seq, std::string_view entry) {
  char key[8];
  WriteBigEndian64(key, seq);
  impl_->Add(kEvents, {key, sizeof key}, entry);
  impl_->max_event_seq = std::max(impl_->max_event_seq, seq);
  ++count_;
}

void WriteSet::PutIdempotency(std::string_view key, const IdempotencyRecord& rec) {
  char v[kRecordBytes];
  EncodeRecord(rec, v);
  impl_->Add(kIdem, key, {v, sizeof v});
  ++count_;
}

void WriteSet::PutDeadLetter(uint64_t id, std::string_view record) {
  char key[8];
  WriteBigEndian64(key, id);
  impl_->Add(kDead, {key, sizeof key}, record);
  impl_->max_dead_id = std::max(impl_->max_dead_id, id);
  ++count_;
}

void WriteSet::PutLinkKey(std::string_view key) {
  impl_->Add(kLinkage, key, {});
  ++count_;
}

void WriteSet::DeleteLinkKey(std::string_view key) {
  impl_->Add(kLinkage, key, {}, true);
  ++count_;
}

void WriteSet::PutAudit(std::string_view key, std::string_view record) {
  impl_->Add(kAudit, key, record);
  ++count_;
}

void WriteSet::Clear() {
  impl_->ops.clear();
  impl_->bytes.clear();
  impl_->batch.Clear();
  impl_->max_event_seq = 0;
  impl_->max_dead_id = 0;
  count_ = 0;
}

// One iterator for many scans: each stops at its end key itself, as the
// iterator's upper bound is fixed when it is made.
class RocksLinkCursor final : public LinkCursor {
 public:
  RocksLinkCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::string& dir)
      : db_(db), cf_(cf), dir_(dir) {}
  Status Scan(std::string_view from, std::string_view to,
              const std::function<bool(std::string_view)>& fn) override {
    if (from.size() < kLinkPrefixBytes || to.size() < kLinkPrefixBytes ||
        from.substr(0, kLinkPrefixBytes) != to.substr(0, kLinkPrefixBytes))
      return Status::InvalidArgument("a linkage index scan must stay within one prefix of " +
                                     std::to_string(kLinkPrefixBytes) + " bytes");
    if (!it_) {
      // Seeks by prefix: the iterator looks only where the seek key's
      // prefix is kept, and ends where that prefix ends.
      rocksdb::ReadOptions ro;
      ro.prefix_same_as_start = true;
      it_.reset(db_->NewIterator(ro, cf_));
    }
    const rocksdb::Slice end(to.data(), to.size());
    for (it_->Seek(rocksdb::Slice(from.data(), from.size())); it_->Valid() && it_->key().compare(end) < 0; it_->Next())
      if (!fn(std::string_view(it_->key().data(), it_->key().size()))) return Status::Ok();
    if (!it_->status().ok()) return FromRocks(it_->status(), "scanning the linkage index of " + dir_);
    return Status::Ok();
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const std::string& dir_;  // the store's
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksStore final : public Store {
 public:
  RocksStore(std::string dir, Options options, std::unique_ptr<rocksdb::DB> db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles, uint32_t schema_found)
      : dir_(std::move(dir)),
        options_(std::move(options)),
        db_(std::move(db)),
        handles_(std::move(handles)),
        schema_found_(schema_found) {
    std::string start;
    if (db_->Get(rocksdb::ReadOptions(), handles_[kMeta], kLogStartKey, &start).ok()) {
      try {
        first_event_seq_ = std::max<uint64_t>(1, std::stoull(start));
      } catch (...) {
        first_event_seq_ = 1;  // unreadable: the log is read from its first entry
      }
    }
    last_event_seq_ = std::max<uint64_t>(LastNumericKey(db_.get(), handles_[kEvents]), first_event_seq_ - 1);
    last_dead_id_ = LastNumericKey(db_.get(), handles_[kDead]);
  }

  // Reads the journal's records back into memory (Open, OpenReader).
  Status ReadJournal() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kJournal]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) return Status::Corruption("bad key in the idempotency journal of " + dir_);
      journal_seq_ = ReadBigEndian64(it->key().data());
      bool ok = ForEachJournalled(std::string_view(it->value().data(), it->value().size()),
                                  [&](std::string_view key, const IdempotencyRecord& rec) { active_->Put(key, rec); });
      if (!ok)
        return Status::Corruption("idempotency journal entry " + std::to_string(journal_seq_) + " of " + dir_ +
                                  " cannot be decoded");
    }
    held_journal_seq_ = journal_seq_;
    return FromRocks(it->status(), "reading the idempotency journal of " + dir_);
  }

  ~RocksStore() override {
    closing_.store(true);
    if (filter_thread_.joinable()) filter_thread_.join();
    {
      std::lock_guard lock(index_mu_);
      index_stop_ = true;
    }
    index_cv_.notify_all();
    if (index_thread_.joinable()) index_thread_.join();
    // What the journal holds goes to the idempotency family now, so that the
    // next open has nothing to read back. If that fails, the journal keeps it.
    if (secondary_dir_.empty()) {
      (void)WriteFrozen();
      bool more = false;
      {
        std::lock_guard lock(recent_mu_);
        if (!frozen_ && active_->size() > 0) {
          Freeze();
          more = true;
        }
      }
      if (more) (void)WriteFrozen();
    }
    // A clean close leaves no write-ahead log to replay: the next open (a
    // restart) then does not re-read the last checkpoint from the log.
    if (secondary_dir_.empty()) {
      std::vector<rocksdb::ColumnFamilyHandle*> all(handles_);
      if (audit_cf_) all.push_back(audit_cf_);
      db_->Flush(rocksdb::FlushOptions(), all).PermitUncheckedError();
    }
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    if (audit_cf_) db_->DestroyColumnFamilyHandle(audit_cf_);
    db_->Close().PermitUncheckedError();
    if (!secondary_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(secondary_dir_, ec);
    }
  }

  // Open, and OpenReader when the store has one: the audit family. OpenReader: the folder
  // of the secondary instance's own files, removed on close.
  void set_audit_family(rocksdb::ColumnFamilyHandle* h) { audit_cf_ = h; }
  void set_secondary_dir(std::string d) { secondary_dir_ = std::move(d); }

  Status Commit(WriteSet& writes) override {
    if (options_.before_commit) {
      Status s = options_.before_commit();
      if (!s.ok()) return s;
    }
    auto& impl = *writes.impl_;
    std::lock_guard commit_lock(commit_mu_);  // see StartKeyFilter
    impl.batch.Clear();
    // The idempotency records go to the journal, as one value, in order (a
    // key written twice keeps its last record).
    std::string& journalled = journal_value_;
    journalled.clear();
    bool has_idempotency = false;
    for (const auto& op : impl.ops) {
      if (op.cf == kIdem) {
        has_idempotency = true;
        std::string_view key(impl.Key(op).data(), impl.Key(op).size());
        // In the filter before the store: a key the store holds is never
        // missing from it.
        if (idem_filter_) idem_filter_->Add(key);
        AppendJournalled(journalled, key, std::string_view(impl.Value(op).data(), impl.Value(op).size()));
        continue;
      }
      rocksdb::ColumnFamilyHandle* cf = nullptr;
      if (op.cf == kAudit) {
        auto a = AuditFamily(true);
        if (!a.ok()) return a.status();
        cf = *a;
      } else {
        cf = handles_[op.cf];
      }
      rocksdb::Status s = op.erase ? impl.batch.Delete(cf, impl.Key(op)) : impl.batch.Put(cf, impl.Key(op), impl.Value(op));
      if (!s.ok()) return FromRocks(s, "staging a commit");
    }
    if (has_idempotency) {
      rocksdb::Status s = impl.batch.Put(handles_[kJournal], SeqKey(journal_seq_ + 1), journalled);
      if (!s.ok()) return FromRocks(s, "staging a commit");
    }
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_writes;
    wo.disableWAL = false;
    if (rocksdb::Status s = db_->Write(wo, &impl.batch); !s.ok()) return FromRocks(s, "committing to " + dir_);
    if (impl.max_event_seq > last_event_seq_) last_event_seq_ = impl.max_event_seq;
    if (impl.max_dead_id > last_dead_id_) last_dead_id_ = impl.max_dead_id;
    if (has_idempotency) {
      ++journal_seq_;
      bool start_index = false;
      {
        std::lock_guard lock(recent_mu_);
        for (const auto& op : impl.ops)
          if (op.cf == kIdem)
            active_->Put(std::string_view(impl.Key(op).data(), impl.Key(op).size()), DecodeRecord(impl.Value(op).data()));
        held_journal_seq_ = journal_seq_;
        if (active_->size() >= options_.index_every_keys) {
          if (!frozen_) Freeze();
          start_index = true;  // or again, if writing the last ones failed
        }
      }
      if (start_index) StartIndexing();
    }
    return Status::Ok();
  }

  Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view key) override {
    std::call_once(filter_started_, [this] { StartKeyFilter(); });
    if (filter_ready_.load(std::memory_order_acquire) && !idem_filter_->MayContain(key)) {
      filter_skips_.fetch_add(1, std::memory_order_relaxed);
      return std::optional<IdempotencyRecord>();
    }
    {
      // Held in memory first (newest first): a record is dropped from there
      // only once the family holds it.
      std::lock_guard lock(recent_mu_);
      if (const IdempotencyRecord* r = active_->Find(key)) return std::optional<IdempotencyRecord>(*r);
      if (frozen_)
        if (const IdempotencyRecord* r = frozen_->Find(key)) return std::optional<IdempotencyRecord>(*r);
    }
    rocksdb::PinnableSlice v;  // the block cache's bytes: no copy, no allocation
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kIdem], rocksdb::Slice(key.data(), key.size()), &v);
    if (s.IsNotFound()) return std::optional<IdempotencyRecord>();
    if (!s.ok()) return FromRocks(s, "reading an idempotency key");
    if (v.size() != kRecordBytes)
      return Status::Corruption("idempotency record of " + std::to_string(v.size()) + " bytes");
    return std::optional<IdempotencyRecord>(DecodeRecord(v.data()));
  }

  Result<bool> GetEvent(uint64_t seq, std::string& out) override {
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kEvents], SeqKey(seq), &out);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s, "reading event " + std::to_string(seq));
    return true;
  }

  Status ScanEvents(uint64_t from_seq, const std::function<bool(uint64_t, std::string_view)>& fn) override {
    return Scan(kEvents, from_seq, fn);
  }

  std::unique_ptr<LinkCursor> NewLinkCursor() override {
    return std::make_unique<RocksLinkCursor>(db_.get(), handles_[kLinkage], dir_);
  }

  Status ScanDeadLetters(const std::function<bool(uint64_t, std::string_view)>& fn) override {
    return Scan(kDead, 0, fn);
  }

  Status PutAudit(std::string_view key, std::string_view record) override {
    auto cf = AuditFamily(true);
    if (!cf.ok()) return cf.status();
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_writes;
    return FromRocks(db_->Put(wo, *cf, rocksdb::Slice(key.data(), key.size()),
                              rocksdb::Slice(record.data(), record.size())),
                     "writing the audit log of " + dir_);
  }

  Status ScanAudit(std::string_view from_key,
                   const std::function<bool(std::string_view, std::string_view)>& fn) override {
    auto cf = AuditFamily(false);
    if (!cf.ok()) return cf.status();
    if (!*cf) return Status::Ok();
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, *cf));
    for (it->Seek(rocksdb::Slice(from_key.data(), from_key.size())); it->Valid(); it->Next())
      if (!fn(std::string_view(it->key().data(), it->key().size()),
              std::string_view(it->value().data(), it->value().size())))
        return Status::Ok();
    return FromRocks(it->status(), "scanning the audit log of " + dir_);
  }

  Result<std::optional<std::string>> LastAuditKey() override {
    auto cf = AuditFamily(false);
    if (!cf.ok()) return cf.status();
    if (!*cf) return std::optional<std::string>();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), *cf));
    it->SeekToLast();
    if (!it->Valid()) {
      Status s = FromRocks(it->status(), "reading the audit log of " + dir_);
      if (!s.ok()) return s;
      return std::optional<std::string>();
    }
    return std::optional<std::string>(it->key().ToString());
  }

  Status ScanAll(
      const std::function<bool(std::string_view, std::string_view, std::string_view)>& fn) override {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;  // across the linkage family's prefixes too
    for (auto* h : handles_) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, h));
      for (it->SeekToFirst(); it->Valid(); it->Next())
        if (!fn(h->GetName(), std::string_view(it->key().data(), it->key().size()),
                std::string_view(it->value().data(), it->value().size())))
          return Status::Ok();
      if (!it->status().ok()) return FromRocks(it->status(), "scanning " + dir_);
    }
    auto audit = AuditFamily(false);
    if (audit.ok() && *audit) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), *audit));
      for (it->SeekToFirst(); it->Valid(); it->Next())
        if (!fn(kAuditCf, std::string_view(it->key().data(), it->key().size()),
                std::string_view(it->value().data(), it->value().size())))
          return Status::Ok();
      if (!it->status().ok()) return FromRocks(it->status(), "scanning " + dir_);
    }
    return Status::Ok();
  }

  Status PutCheckpoints(const std::vector<NamedBlob>& checkpoints) override {
    rocksdb::WriteBatch batch;
    for (const NamedBlob& c : checkpoints) {
      Status s = FromRocks(batch.Put(handles_[kCheckpoint], rocksdb::Slice(c.name.data(), c.name.size()),
                                     rocksdb::Slice(c.blob.data(), c.blob.size())),
                           "writing checkpoint");
      if (!s.ok()) return s;
    }
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_writes;
    return FromRocks(db_->Write(wo, &batch), "writing checkpoint");
  }

  Result<bool> ReadCheckpoint(std::string_view name, const std::function<void(std::string_view)>& fn) override {
    if (options_.before_read_checkpoint) {
      Status s = options_.before_read_checkpoint(name);
      if (!s.ok()) return s;
    }
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    rocksdb::PinnableSlice v;
    rocksdb::Status s = db_->Get(ro, handles_[kCheckpoint], rocksdb::Slice(name.data(), name.size()), &v);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s, "reading checkpoint");
    fn(std::string_view(v.data(), v.size()));
    return true;
  }

  uint32_t schema_version_found() const override { return schema_found_; }

  Status SetSchemaVersion(uint32_t version) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Put(wo, handles_[kMeta], kSchemaKey, std::to_string(version)), "writing the schema version");
  }

  Status CreateCheckpoint(const std::string& out_dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    Status s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "preparing a checkpoint of " + dir_);
    if (!s.ok()) return s;
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    // Flush the memtables first so the copy holds no WAL to replay.
    return FromRocks(cp->CreateCheckpoint(out_dir, 0), "writing a checkpoint to " + out_dir);
  }

  Status RemoveEventsBefore(uint64_t seq) override {
    if (seq <= first_event_seq_) return Status::Ok();
    if (seq > last_event_seq_ + 1)
      return Status::InvalidArgument("cannot remove events up to " + std::to_string(seq) + ": the log ends at " +
                                     std::to_string(last_event_seq_));
    rocksdb::WriteBatch batch;
    const std::string begin = SeqKey(0), end = SeqKey(seq);
    rocksdb::Status rs = batch.Put(handles_[kMeta], kLogStartKey, std::to_string(seq));
    if (rs.ok()) rs = batch.DeleteRange(handles_[kEvents], begin, end);
    if (!rs.ok()) return FromRocks(rs, "staging the removal of old events");
    rocksdb::WriteOptions wo;
    wo.sync = true;
    Status st = FromRocks(db_->Write(wo, &batch), "removing old events from " + dir_);
    if (!st.ok()) return st;
    first_event_seq_ = seq;
    // The deleted range is dropped from the files now rather than whenever
    // compaction would reach it.
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    rocksdb::Slice b(begin), e(end);
    return FromRocks(db_->CompactRange(co, handles_[kEvents], &b, &e), "compacting the event log of " + dir_);
  }

  uint64_t first_event_seq() const override { return first_event_seq_; }
  uint64_t last_event_seq() const override { return last_event_seq_; }
  uint64_t last_dead_letter_id() const override { return last_dead_id_; }

  StoreStats Stats() override {
    StoreStats st;
    st.first_event_seq = first_event_seq_;
    st.last_event_seq = last_event_seq_;
    st.last_dead_letter_id = last_dead_id_;
    st.idempotency_filter_ready = filter_ready_.load(std::memory_order_acquire);
    st.idempotency_filter_skips = filter_skips_.load(std::memory_order_relaxed);
    {
      std::lock_guard lock(recent_mu_);
      st.idempotency_journalled = active_->size() + (frozen_ ? frozen_->size() : 0);
    }
    st.idempotency_files_written = files_written_.load(std::memory_order_relaxed);
    std::vector<rocksdb::ColumnFamilyHandle*> families = handles_;
    if (auto audit = AuditFamily(false); audit.ok() && *audit) families.push_back(*audit);
    for (auto* h : families) {
      uint64_t v = 0;
      if (db_->GetIntProperty(h, rocksdb::DB::Properties::kLiveSstFilesSize, &v)) st.live_bytes += v;
      if (db_->GetIntProperty(h, rocksdb::DB::Properties::kLiveBlobFileSize, &v)) st.live_bytes += v;
    }
    // What the memtables hold is in the write-ahead log (their memory is
    // not: the linkage family's reserves its hash table up front). Listed
    // from the folder: RocksDB's own listing of its log files takes the
    // database's lock and may delete obsolete files on this thread.
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir_, ec)) {
      std::error_code fe;
      if (f.path().extension() == ".log" && f.is_regular_file(fe)) {
        const auto n = f.file_size(fe);
        if (!fe) st.live_bytes += n;
      }
    }
    return st;
  }

  const std::string& dir() const override { return dir_; }

 private:
  // The audit family; created when `create` and missing (nullptr when
  // missing and not `create`). Thread-safe.
  Result<rocksdb::ColumnFamilyHandle*> AuditFamily(bool create) {
    std::lock_guard lock(audit_mu_);
    if (audit_cf_ || !create) return audit_cf_;
    rocksdb::ColumnFamilyOptions cfo;
    rocksdb::ColumnFamilyHandle* h = nullptr;
    Status s = FromRocks(db_->CreateColumnFamily(cfo, kAuditCf, &h), "creating the audit log of " + dir_);
    if (!s.ok()) return s;
    audit_cf_ = h;
    return audit_cf_;
  }

  // At the first look-up: the filter is sized from the family's estimated
  // key count, given every key committed from then on (Commit) and filled
  // from the family in the background; until that is done, every look-up
  // asks the store. A read-only store has none.
  void StartKeyFilter() {
    if (!secondary_dir_.empty()) return;
    uint64_t estimate = 0;
    db_->GetIntProperty(handles_[kIdem], rocksdb::DB::Properties::kEstimateNumKeys, &estimate);
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> iterator;
    {
      // Between two commits: each key is in what the iterator sees, or
      // added by the commit that writes it.
      std::lock_guard lock(commit_mu_);
      std::lock_guard recent(recent_mu_);
      uint64_t held = active_->size() + (frozen_ ? frozen_->size() : 0);
      idem_filter_ = std::make_unique<KeyFilter>(std::max<uint64_t>(1 << 20, 2 * (estimate + held)));
      // The records held in memory are not (all) in what the iterator sees.
      active_->ForEach([&](std::string_view key) { idem_filter_->Add(key); });
      if (frozen_) frozen_->ForEach([&](std::string_view key) { idem_filter_->Add(key); });
      iterator.reset(db_->NewIterator(ro, handles_[kIdem]));
    }
    filter_thread_ = std::thread([this, it = std::move(iterator)] {
      for (it->SeekToFirst(); it->Valid() && !closing_.load(std::memory_order_relaxed); it->Next())
        idem_filter_->Add(std::string_view(it->key().data(), it->key().size()));
      if (it->status().ok() && !closing_.load()) filter_ready_.store(true, std::memory_order_release);
    });
  }

  // Under recent_mu_: the records held become the ones to write to the
  // family (frozen_, still answering look-ups until written), with the
  // journal entries they came from.
  void Freeze() {
    frozen_ = std::move(active_);
    active_ = spare_ ? std::move(spare_) : NewRecentKeys();
    frozen_journal_seq_ = held_journal_seq_;
  }

  // Room for the records held between two files (and a commit's more).
  std::unique_ptr<RecentKeys> NewRecentKeys() const {
    return std::make_unique<RecentKeys>(options_.index_every_keys + options_.index_every_keys / 4);
  }

  void StartIndexing() {
    {
      std::lock_guard lock(index_mu_);
      index_wanted_ = true;
      if (!index_thread_.joinable())
        index_thread_ = std::thread([this] {
          ::pthread_setname_np(::pthread_self(), "lscb-index");
          IndexLoop();
        });
    }
    index_cv_.notify_one();
  }

  void IndexLoop() {
    std::unique_lock lock(index_mu_);
    for (;;) {
      index_cv_.wait(lock, [&] { return index_stop_ || index_wanted_; });
      if (index_stop_) return;
      index_wanted_ = false;
      lock.unlock();
      Status s = WriteFrozen();  // on failure kept, and tried again after the next commit
      bool more = false;
      if (s.ok()) {
        // Commits that reached the threshold while these were written.
        std::lock_guard recent(recent_mu_);
        if (!frozen_ && active_->size() >= options_.index_every_keys) {
          Freeze();
          more = true;
        }
      }
      lock.lock();
      if (more) index_wanted_ = true;
    }
  }

  // Writes frozen_ to the idempotency family as one sorted table file, then
  // deletes the journal entries it came from and drops it from memory. On
  // failure it stays (still answering look-ups, still journalled).
  Status WriteFrozen() {
    const RecentKeys* frozen = nullptr;
    uint64_t upto = 0;
    {
      std::lock_guard lock(recent_mu_);
      frozen = frozen_.get();
      upto = frozen_journal_seq_;
    }
    if (!frozen) return Status::Ok();
    // Only this thread (or the destructor, after it stopped) changes or
    // drops frozen_ from here on; Commit freezes only when there is none.
    const std::string path = dir_ + "/idempotency-index.sst";
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), db_->GetOptions(handles_[kIdem]), handles_[kIdem],
                                  /*invalidate_page_cache=*/false);
    rocksdb::Status s = writer.Open(path);
    char v[kRecordBytes];
    frozen->ForEachInKeyOrder([&](std::string_view key, const IdempotencyRecord& rec) {
      if (!s.ok()) return;
      EncodeRecord(rec, v);
      s = writer.Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(v, sizeof v));
    });
    if (s.ok()) s = writer.Finish();
    if (s.ok()) {
      rocksdb::IngestExternalFileOptions io;
      io.move_files = true;
      s = db_->IngestExternalFile(handles_[kIdem], {path}, io);
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (!s.ok()) return FromRocks(s, "writing idempotency records to " + dir_);
    // Deleted once the family holds them: after a crash before this, the
    // journal gives them again, which changes nothing.
    rocksdb::WriteBatch batch;
    s = batch.DeleteRange(handles_[kJournal], SeqKey(0), SeqKey(upto + 1));
    if (s.ok()) s = db_->Write(rocksdb::WriteOptions(), &batch);
    // Look-ups find them in the family from here on; the table, emptied, is
    // the next to fill (its memory already in use, so no page faults).
    std::unique_ptr<RecentKeys> written;
    {
      std::lock_guard lock(recent_mu_);
      written = std::move(frozen_);
    }
    written->Clear();
    {
      std::lock_guard lock(recent_mu_);
      if (!spare_) spare_ = std::move(written);
    }
    files_written_.fetch_add(1, std::memory_order_relaxed);
    return FromRocks(s, "deleting idempotency journal entries of " + dir_);
  }

  Status Scan(CfIndex cf, uint64_t from, const std::function<bool(uint64_t, std::string_view)>& fn) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[cf]));
    for (it->Seek(SeqKey(from)); it->Valid(); it->Next()) {
      if (it->key().size() != 8) return Status::Corruption("bad key in " + dir_);
      if (!fn(ReadBigEndian64(it->key().data()), std::string_view(it->value().data(), it->value().size())))
        return Status::Ok();
    }
    return FromRocks(it->status(), "scanning " + dir_);
  }

  std::string dir_;
  Options options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<uint64_t> first_event_seq_{1};
  std::atomic<uint64_t> last_event_seq_{0};
  std::atomic<uint64_t> last_dead_id_{0};
  std::mutex audit_mu_;
  rocksdb::ColumnFamilyHandle* audit_cf_ = nullptr;  // guarded by audit_mu_
  std::string secondary_dir_;
  uint32_t schema_found_ = kSchemaVersion;
  // The idempotency keys' filter (StartKeyFilter).
  std::once_flag filter_started_;
  std::mutex commit_mu_;                    // held by Commit
  std::unique_ptr<KeyFilter> idem_filter_;  // set under commit_mu_
  std::atomic<bool> filter_ready_{false};
  std::atomic<uint64_t> filter_skips_{0};
  std::atomic<bool> closing_{false};
  std::thread filter_thread_;
  // Idempotency records journalled, not yet in the family (see store.h).
  std::mutex recent_mu_;
  std::unique_ptr<RecentKeys> active_ = NewRecentKeys();  // guarded by recent_mu_
  std::unique_ptr<RecentKeys> frozen_;  // set by Commit, taken by WriteFrozen; guarded by recent_mu_
  // The next active_, reserved at the start or emptied by WriteFrozen;
  // guarded by recent_mu_.
  std::unique_ptr<RecentKeys> spare_ = NewRecentKeys();
  uint64_t frozen_journal_seq_ = 0;     // guarded by recent_mu_
  uint64_t journal_seq_ = 0;            // the last journal entry; guarded by commit_mu_
  // The last journal entry whose records are in active_ (or frozen_, or the
  // family); guarded by recent_mu_.
  uint64_t held_journal_seq_ = 0;
  std::string journal_value_;           // Commit's
  std::atomic<uint64_t> files_written_{0};
  std::mutex index_mu_;
  std::condition_variable index_cv_;
  bool index_wanted_ = false, index_stop_ = false;  // guarded by index_mu_
  std::thread index_thread_;
};

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const Options& options) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      return Status::FailedPrecondition("data folder " + dir + " is not a folder");
  } else if (errno != ENOENT) {
    return Status::IoError("data folder " + dir + " cannot be read: " + std::strerror(errno));
  } else if (!options.create_if_missing) {
    return Status::NotFound("data folder " + dir + " does not exist");
  } else if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    return Status::IoError("cannot create data folder " + dir + ": " + std::strerror(errno));
  }

  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 5;
  // A WAL file is kept until every family with data in it has flushed; the
  // families written rarely (meta, checkpoints, dead letters) would hold all
  // WAL files back and the store would grow to twice its data. Past this
  // size the oldest of those families is flushed. It also bounds what a
  // restart has to replay.
  db_options.max_total_wal_size = 64 << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // The Bloom filters a family's table files carry: none, by whole key, or
  // by the prefix of its prefix extractor.
  enum class Filter { kNone, kWholeKey, kPrefix };
  auto cf_options = [&](Filter filter) {
    rocksdb::ColumnFamilyOptions cfo;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    if (filter != Filter::kNone) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    table.whole_key_filtering = filter != Filter::kPrefix;
    if (filter == Filter::kWholeKey) {
      // The look-ups that get past the store's KeyFilter are mostly for keys
      // held in an SST file (re-sends), plus every look-up until that filter
      // is filled after a start: a bloom filter over the memtable answers
      // those without searching its skip list.
      cfo.memtable_prefix_bloom_size_ratio = 0.02;
      cfo.memtable_whole_key_filtering = true;
    }
    cfo.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cfo;
  };
  // Checkpoints are few and large (the indicator view, tens of MiB on a big
  // store): kept whole in blob files, uncompressed, so a start reads one
  // without decompressing or copying it through the block cache.
  rocksdb::ColumnFamilyOptions checkpoint_options = cf_options(Filter::kNone);
  checkpoint_options.compression = rocksdb::kNoCompression;
  checkpoint_options.enable_blob_files = true;
  checkpoint_options.min_blob_size = 4096;
  checkpoint_options.enable_blob_garbage_collection = true;
  // The linkage index is read only by prefix (LinkCursor). Its keys come in
  // random order, several per linkable event, and most scans are of a
  // token it does not hold: in a skip list over all keys each insert and
  // seek is a walk through memory that is not in cache. A hash table of
  // prefixes, each with a short sorted list, makes both about one look-up,
  // and a prefix filter in each table file lets a scan skip the files
  // without that prefix. Such a memtable cannot take inserts from several
  // writers at once, so RocksDB requires allow_concurrent_memtable_write
  // off for the whole database: the batches of concurrent writers (events
  // from the committing thread, audit records and checkpoints from others)
  // are then applied to the memtables one after the other by the leader of
  // their write group. The hub commits events from one thread, so this costs
  // it little.
  rocksdb::ColumnFamilyOptions linkage_options = cf_options(Filter::kPrefix);
  linkage_options.prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(kLinkPrefixBytes));
  linkage_options.memtable_factory.reset(rocksdb::NewHashLinkListRepFactory(1 << 18));
  db_options.allow_concurrent_memtable_write = false;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {kMetaCf, cf_options(Filter::kNone)},    {kEventsCf, cf_options(Filter::kNone)},
      {kIdemCf, cf_options(Filter::kWholeKey)}, {kDeadCf, cf_options(Filter::kNone)},
      {kCheckpointCf, checkpoint_options},      {kLinkageCf, linkage_options},
      {kJournalCf, cf_options(Filter::kNone)},
  };
  // The audit family is created with the store (or added to one written
  // before it was), not by the first commit: creating a family writes and
  // syncs RocksDB's manifest, which held the first acks back.
  cfs.push_back({kAuditCf, cf_options(Filter::kNone)});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, cfs, &handles, &raw);
  if (!s.ok()) {
    std::string text = s.ToString();
    if (text.find("lock") != std::string::npos || text.find("LOCK") != std::string::npos)
      return Status::FailedPrecondition("data folder " + dir +
                                        " is already in use by another hub (its LOCK is held); stop that hub "
                                        "or choose another --data-dir");
    if (text.find("Invalid argument") != std::string::npos && text.find("Column fam") != std::string::npos)
      return Status::FailedPrecondition("data folder " + dir +
                                        " holds column families this build does not know; it was written "
                                        "by a newer lscb-hub");
    if (text.find("Permission denied") != std::string::npos)
      return Status::IoError("data folder " + dir + " cannot be read: permission denied");
    return FromRocks(s, "opening data folder " + dir);
  }
  std::unique_ptr<rocksdb::DB> db(raw);

  std::string version;
  uint32_t found = kSchemaVersion;
  s = db->Get(rocksdb::ReadOptions(), handles[kMeta], kSchemaKey, &version);
  if (s.IsNotFound()) {
    s = db->Put(rocksdb::WriteOptions(), handles[kMeta], kSchemaKey, std::to_string(kSchemaVersion));
  } else if (s.ok()) {
    uint32_t v = 0;
    try {
      v = static_cast<uint32_t>(std::stoul(version));
    } catch (...) {
      v = UINT32_MAX;
    }
    if (v > kSchemaVersion) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      return Status::FailedPrecondition("data folder " + dir + " was written by a newer lscb-hub (schema " +
                                        version + "; this build reads schema " + std::to_string(kSchemaVersion) +
                                        " and older)");
    }
    found = v;
  }
  if (!s.ok()) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    return FromRocks(s, "reading the schema version of " + dir);
  }
  rocksdb::ColumnFamilyHandle* audit = nullptr;
  if (handles.size() > kCfCount) {
    audit = handles.back();
    handles.pop_back();
  }
  std::error_code ec;
  std::filesystem::remove(dir + "/idempotency-index.sst", ec);  // left by a crash while written
  auto store = std::make_unique<RocksStore>(dir, options, std::move(db), std::move(handles), found);
  store->set_audit_family(audit);
  Status js = store->ReadJournal();
  if (!js.ok()) return js;
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> Store::OpenReader(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return Status::NotFound("no data folder " + dir);
  rocksdb::Options db_options;
  db_options.create_if_missing = false;
  db_options.max_open_files = -1;  // required of a secondary instance
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
  if (!s.ok()) return Status::NotFound("data folder " + dir + " holds no hub store (" + s.ToString() + ")");
  const std::vector<std::string> known = {kMetaCf,       kEventsCf,  kIdemCf,   kDeadCf,
                                          kCheckpointCf, kLinkageCf, kJournalCf};
  for (const auto& n : names)
    if (n != kAuditCf && std::find(known.begin(), known.end(), n) == known.end())
      return Status::FailedPrecondition("data folder " + dir + " holds column families this build does not know; "
                                        "it was written by a newer lscb-hub");
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : known) {
    if (std::find(names.begin(), names.end(), n) == names.end())
      return Status::FailedPrecondition("data folder " + dir + " was written by an older lscb-hub; start this "
                                        "lscb-hub on it once to upgrade it");
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  }
  const bool has_audit = std::find(names.begin(), names.end(), kAuditCf) != names.end();
  if (has_audit) cfs.emplace_back(kAuditCf, rocksdb::ColumnFamilyOptions());

  std::string tmpl = (std::filesystem::temp_directory_path() / "lscb-reader-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return Status::IoError(std::string("cannot create a temporary folder: ") + std::strerror(errno));
  auto drop_tmp = [&] {
    std::error_code ec;
    std::filesystem::remove_all(tmpl, ec);
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenAsSecondary(db_options, dir, tmpl, cfs, &handles, &raw);
  if (!s.ok()) {
    drop_tmp();
    if (s.ToString().find("Permission denied") != std::string::npos)
      return Status::IoError("data folder " + dir + " cannot be read: permission denied");
    return FromRocks(s, "opening data folder " + dir + " for reading");
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  (void)db->TryCatchUpWithPrimary();
  std::string version;
  uint32_t found = 0;
  if (db->Get(rocksdb::ReadOptions(), handles[kMeta], kSchemaKey, &version).ok()) {
    try {
      found = static_cast<uint32_t>(std::stoul(version));
    } catch (...) {
      found = UINT32_MAX;
    }
  }
  if (found > kSchemaVersion) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    drop_tmp();
    return Status::FailedPrecondition("data folder " + dir + " was written by a newer lscb-hub (schema " + version +
                                      ")");
  }
  rocksdb::ColumnFamilyHandle* audit = nullptr;
  if (has_audit) {
    audit = handles.back();
    handles.pop_back();
  }
  auto store = std::make_unique<RocksStore>(dir, Options{}, std::move(db), std::move(handles), found);
  store->set_audit_family(audit);
  store->set_secondary_dir(tmpl);
  Status js = store->ReadJournal();
  if (!js.ok()) return js;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace lscb::store
