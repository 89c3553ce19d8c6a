#include "store/outbox.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/bytes.h"

namespace lscb::store {
namespace {

constexpr const char* kMetaCf = "default";
constexpr const char* kPendingCf = "pending";
constexpr const char* kPositionsCf = "positions";
constexpr const char* kRejectedCf = "rejected";
constexpr const char* kSchemaKey = "schema_version";
constexpr const char* kNextSeqKey = "next_seq";

enum CfIndex { kMeta = 0, kPending, kPositions, kRejected, kCfCount };

void PutBytes(std::string& out, std::string_view bytes) {
  AppendBigEndian64(out, bytes.size());
  out.append(bytes);
}

// Reads the encodings above from a value, front to back.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U64(uint64_t& v) {
    if (in_.size() < 8) return false;
    v = ReadBigEndian64(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool I64(int64_t& v) {
    uint64_t u = 0;
    if (!U64(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  bool Bytes(std::string& out) {
    uint64_t n = 0;
    if (!U64(n) || in_.size() < n) return false;
    out.assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool Rest(std::string& out) {
    out.assign(in_);
    in_ = {};
    return true;
  }

 private:
  std::string_view in_;
};

std::string SeqKey(uint64_t seq) {
  std::string k;
  AppendBigEndian64(k, seq);
  return k;
}

bool ParseSeqKey(const rocksdb::Slice& key, uint64_t& seq) {
  return key.size() == 8 && Reader(std::string_view(key.data(), 8)).U64(seq);
}

// pending value: enqueued_at, label, payload (the rest).
std::string EncodePending(int64_t enqueued_at, std::string_view label, std::string_view payload) {
  std::string v;
  v.reserve(24 + label.size() + payload.size());
  AppendBigEndian64(v, static_cast<uint64_t>(enqueued_at));
  PutBytes(v, label);
  v.append(payload);
  return v;
}

bool DecodePending(uint64_t seq, std::string_view value, PendingEvent& out) {
  Reader r(value);
  out.seq = seq;
  return r.I64(out.enqueued_at) && r.Bytes(out.label) && r.Rest(out.payload);
}

// rejected value: enqueued_at, rejected_at, label, reason, payload (the rest).
std::string EncodeRejected(const PendingEvent& e, int64_t rejected_at, std::string_view reason) {
  std::string v;
  AppendBigEndian64(v, static_cast<uint64_t>(e.enqueued_at));
  AppendBigEndian64(v, static_cast<uint64_t>(rejected_at));
  PutBytes(v, e.label);
  PutBytes(v, reason);
  v.append(e.payload);
  return v;
}

bool DecodeRejected(uint64_t seq, std::string_view value, RejectedEvent& out) {
  Reader r(value);
  out.seq = seq;
  return r.I64(out.enqueued_at) && r.I64(out.rejected_at) && r.Bytes(out.label) && r.Bytes(out.reason) &&
         r.Rest(out.payload);
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IoError(what + ": " + s.ToString());
}

class RocksOutbox final : public Outbox {
 public:
  RocksOutbox(std::string dir, OutboxOptions options, std::unique_ptr<rocksdb::DB> db,
              std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : dir_(std::move(dir)), options_(options), db_(std::move(db)), handles_(std::move(handles)) {
    if (!options_.clock) options_.clock = &SystemClock::Instance();
  }

  ~RocksOutbox() override {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close().PermitUncheckedError();
  }

  // Reads the counters: the next seq, and how many events are pending and
  // rejected.
  Status Load() {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kMeta], kNextSeqKey, &v);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading " + dir_);
    uint64_t stored_next = 1;
    if (s.ok() && !Reader(v).U64(stored_next)) return Status::Corruption("bad next_seq in outbox " + dir_);
    uint64_t last = 0;
    Status st = Count(kPending, waiting_, last);
    if (!st.ok()) return st;
    uint64_t last_rejected = 0;
    st = Count(kRejected, rejected_, last_rejected);
    if (!st.ok()) return st;
    next_seq_ = std::max({stored_next, last + 1, last_rejected + 1});
    return Status::Ok();
  }

  Result<uint64_t> Enqueue(const std::vector<OutboxItem>& items,
                           const std::optional<OutboxPosition>& position) override {
    if (options_.read_only) return ReadOnlyError();
    std::lock_guard lock(mu_);
    const uint64_t first = next_seq_;
    const int64_t now = options_.clock->NowSeconds();
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < items.size(); ++i) {
      rocksdb::Status s =
          batch.Put(handles_[kPending], SeqKey(first + i), EncodePending(now, items[i].label, items[i].payload));
      if (!s.ok()) return FromRocks(s, "staging an enqueue");
    }
    std::string next;
    AppendBigEndian64(next, first + items.size());
    rocksdb::Status s = batch.Put(handles_[kMeta], kNextSeqKey, next);
    if (s.ok() && position) s = batch.Put(handles_[kPositions], position->name, position->value);
    if (!s.ok()) return FromRocks(s, "staging an enqueue");
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_writes;
    Status st = FromRocks(db_->Write(wo, &batch), "writing to the outbox " + dir_);
    if (!st.ok()) return st;
    next_seq_ = first + items.size();
    waiting_ += items.size();
    return first;
  }

  Status ReadPending(uint64_t from_seq, size_t max, std::vector<PendingEvent>& out) override {
    out.clear();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kPending]));
    for (it->Seek(SeqKey(from_seq)); it->Valid() && out.size() < max; it->Next()) {
      PendingEvent e;
      uint64_t seq = 0;
      if (!ParseSeqKey(it->key(), seq) ||
          !DecodePending(seq, std::string_view(it->value().data(), it->value().size()), e))
        return Status::Corruption("unreadable pending event in outbox " + dir_);
      out.push_back(std::move(e));
    }
    return FromRocks(it->status(), "reading the outbox " + dir_);
  }

  Status Complete(const std::vector<Completion>& completions) override {
    if (options_.read_only) return ReadOnlyError();
    if (completions.empty()) return Status::Ok();
    std::lock_guard lock(mu_);
    const int64_t now = options_.clock->NowSeconds();
    rocksdb::WriteBatch batch;
    uint64_t removed = 0, rejected = 0;
    for (const Completion& c : completions) {
      std::string key = SeqKey(c.seq);
      std::string value;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kPending], key, &value);
      if (s.IsNotFound()) continue;
      if (!s.ok()) return FromRocks(s, "reading the outbox " + dir_);
      if (c.rejected) {
        PendingEvent e;
        if (!DecodePending(c.seq, value, e)) return Status::Corruption("unreadable pending event in " + dir_);
        s = batch.Put(handles_[kRejected], key, EncodeRejected(e, now, c.reason));
        if (!s.ok()) return FromRocks(s, "staging a completion");
        ++rejected;
      }
      s = batch.Delete(handles_[kPending], key);
      if (!s.ok()) return FromRocks(s, "staging a completion");
      ++removed;
    }
    if (removed == 0) return Status::Ok();
    rocksdb::WriteOptions wo;
    wo.sync = false;  // a lost completion only means delivering again
    Status st = FromRocks(db_->Write(wo, &batch), "writing to the outbox " + dir_);
    if (!st.ok()) return st;
    waiting_ -= removed;
    rejected_ += rejected;
    return Status::Ok();
  }

  Result<std::optional<std::string>> GetPosition(std::string_view name) override {
    std::string v;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), handles_[kPositions], rocksdb::Slice(name.data(), name.size()), &v);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "reading the outbox " + dir_);
    return std::optional<std::string>(std::move(v));
  }

  Status ScanPositions(const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kPositions]));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      if (!fn(std::string_view(it->key().data(), it->key().size()),
              std::string_view(it->value().data(), it->value().size())))
        return Status::Ok();
    return FromRocks(it->status(), "reading the outbox " + dir_);
  }

  Status ScanRejected(const std::function<bool(const RejectedEvent&)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kRejected]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      RejectedEvent e;
      uint64_t seq = 0;
      if (!ParseSeqKey(it->key(), seq) ||
          !DecodeRejected(seq, std::string_view(it->value().data(), it->value().size()), e))
        return Status::Corruption("unreadable rejected event in outbox " + dir_);
      if (!fn(e)) return Status::Ok();
    }
    return FromRocks(it->status(), "reading the outbox " + dir_);
  }

  OutboxStats Stats() override {
    OutboxStats st;
    {
      std::lock_guard lock(mu_);
      st.waiting = waiting_;
      st.rejected = rejected_;
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kPending]));
    it->SeekToFirst();
    PendingEvent e;
    uint64_t seq = 0;
    if (it->Valid() && ParseSeqKey(it->key(), seq) &&
        DecodePending(seq, std::string_view(it->value().data(), it->value().size()), e))
      st.oldest_enqueued = e.enqueued_at;
    return st;
  }

  uint64_t waiting() override {
    std::lock_guard lock(mu_);
    return waiting_;
  }

  const std::string& dir() const override { return dir_; }

 private:
  Status ReadOnlyError() const {
    return Status::FailedPrecondition("the outbox " + dir_ + " was opened read-only");
  }

  Status Count(CfIndex cf, uint64_t& count, uint64_t& last) {
    count = 0;
    last = 0;
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[cf]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++count;
      if (!ParseSeqKey(it->key(), last)) return Status::Corruption("bad key in outbox " + dir_);
    }
    return FromRocks(it->status(), "reading the outbox " + dir_);
  }

  std::string dir_;
  OutboxOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::mutex mu_;  // guards the counters and orders writers
  uint64_t next_seq_ = 1;
  uint64_t waiting_ = 0;
  uint64_t rejected_ = 0;
};

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::string& dir, const OutboxOptions& options) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::FailedPrecondition("outbox " + dir + " is not a folder");
  } else if (errno != ENOENT) {
    return Status::IoError("outbox " + dir + " cannot be read: " + std::strerror(errno));
  } else if (!options.create_if_missing || options.read_only) {
    return Status::NotFound("there is no outbox at " + dir);
  } else if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError("cannot create outbox " + dir + ": " + std::strerror(errno));
  }

  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing && !options.read_only;
  db_options.create_missing_column_families = !options.read_only;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 3;
  db_options.write_buffer_size = 8 << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {kMetaCf, rocksdb::ColumnFamilyOptions()},
      {kPendingCf, rocksdb::ColumnFamilyOptions()},
      {kPositionsCf, rocksdb::ColumnFamilyOptions()},
      {kRejectedCf, rocksdb::ColumnFamilyOptions()},
  };
  if (options.read_only) {
    // An outbox being created may not have all its column families yet.
    std::vector<std::string> names;
    rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
    if (!ls.ok()) return Status::NotFound("there is no outbox at " + dir);
    for (const auto& cf : cfs)
      if (std::find(names.begin(), names.end(), cf.name) == names.end())
        return Status::NotFound("the outbox at " + dir + " is still being created");
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options.read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, cfs, &handles, &raw)
                                        : rocksdb::DB::Open(db_options, dir, cfs, &handles, &raw);
  if (!s.ok()) {
    std::string text = s.ToString();
    if (text.find("lock") != std::string::npos || text.find("LOCK") != std::string::npos)
      return Status::FailedPrecondition("outbox " + dir +
                                        " is in use by another lscb process (its LOCK is held); wait for it to "
                                        "finish, stop it, or give this one another --outbox");
    if (options.read_only && (s.IsNotFound() || s.IsPathNotFound() || text.find("does not exist") != std::string::npos))
      return Status::NotFound("there is no outbox at " + dir);
    if (text.find("Column families not opened") != std::string::npos)
      return Status::FailedPrecondition("outbox " + dir + " was written by a newer lscb (unknown column families)");
    if (text.find("Permission denied") != std::string::npos)
      return Status::IoError("outbox " + dir + " cannot be read: permission denied");
    return FromRocks(s, "opening outbox " + dir);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  auto fail = [&](Status st) -> Result<std::unique_ptr<Outbox>> {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    return st;
  };

  std::string version;
  s = db->Get(rocksdb::ReadOptions(), handles[kMeta], kSchemaKey, &version);
  if (s.IsNotFound() && !options.read_only) {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync_writes;
    s = db->Put(wo, handles[kMeta], kSchemaKey, std::to_string(kOutboxSchemaVersion));
  } else if (s.ok()) {
    uint32_t v = UINT32_MAX;
    if (!version.empty() && version.size() < 10 && version.find_first_not_of("0123456789") == std::string::npos)
      v = static_cast<uint32_t>(std::stoul(version));
    if (v > kOutboxSchemaVersion)
      return fail(Status::FailedPrecondition("outbox " + dir + " was written by a newer lscb (schema " + version +
                                             "; this build reads " + std::to_string(kOutboxSchemaVersion) +
                                             " and older)"));
  } else if (s.IsNotFound()) {
    s = rocksdb::Status::OK();  // read-only view of an outbox being created
  }
  if (!s.ok()) return fail(FromRocks(s, "reading the schema version of outbox " + dir));

  auto outbox = std::make_unique<RocksOutbox>(dir, options, std::move(db), std::move(handles));
  Status loaded = outbox->Load();
  if (!loaded.ok()) return loaded;
  return std::unique_ptr<Outbox>(std::move(outbox));
}

}  // namespace lscb::store
