// The hub's durable store: the only module that knows RocksDB.
//
// Column families
//   meta          "schema_version" -> decimal; "log_start_seq" -> decimal (the
//                 first seq the log still holds, once retention removed
//                 older events)
//   events        seq (8 bytes, big-endian) -> lscb.v1.LogEntry
//   idempotency   source "\0" source_event_id -> IdempotencyRecord (24 bytes)
//   idempotency_journal
//                 n (8 bytes, big-endian) -> the idempotency records of one
//                 commit not yet in the idempotency family (see below)
//   dead_letters  id (8 bytes, big-endian) -> lscb.v1.DeadLetter
//   checkpoints   name -> opaque blob
//   linkage       an index key chosen by the hub (link group, board, token,
//                 time, record) -> empty; scanned by range within one
//                 prefix (its first kLinkPrefixBytes bytes, see LinkCursor)
//   audit         a time-ordered key chosen by the hub (hub/audit.h) -> an
//                 audit record; created by Open (a store written before
//                 it existed gains it then)
//
// A WriteSet is applied atomically by Commit: one RocksDB WriteBatch with the
// write-ahead log on. With Options::sync_writes the WAL is also fsynced, so a
// commit survives a power cut; without it a commit survives a crash of the
// process (the OS still holds the data).
//
// Idempotency records are not inserted one by one into the idempotency
// family, whose keys come in random order (each insert a walk of the
// memtable's skip list through memory that is not in cache). A commit writes
// its records as one value of the journal, in the same batch, and the store
// keeps them in memory (answering look-ups from there). Once
// Options::index_every_keys are held so, they are sorted and written to the
// idempotency family as one table file in the background, and their journal
// entries are deleted. Open reads what the journal holds back into memory;
// closing writes it to the family, so that a clean restart has none to read.
//
// Thread safety: a Store may be read from several threads while one thread
// commits. WriteSet is not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lscb::store {

// The layout version this build writes. A store with a higher version is
// refused; an older one is opened as it is and reported by
// schema_version_found(), so that the hub can upgrade it (and then call
// SetSchemaVersion). Versions: 1 — events, idempotency, dead letters,
// checkpoints; 2 — adds the linkage index; 3 — the log may start after seq 1
// (RemoveEventsBefore), so an older build, which would read a shortened log
// as the whole of it, must not open it.
inline constexpr uint32_t kSchemaVersion = 3;

struct Options {
  // Create an empty store when `dir` has none.
  bool create_if_missing = true;
  // fsync the WAL at each commit. Survives power loss; costs a disk flush per
  // group commit.
  bool sync_writes = false;
  // Block cache for reads (idempotency look-ups), in bytes.
  size_t block_cache_bytes = 64u << 20;
  // Fault injection for tests: called before each commit; a non-OK status
  // fails the commit without writing anything.
  std::function<Status()> before_commit;
  // Fault injection for tests: called before each ReadCheckpoint with the
  // checkpoint's name; a non-OK status is what the read returns.
  std::function<Status(std::string_view name)> before_read_checkpoint;
  // Idempotency records held in memory (and journalled) before they are
  // written to the idempotency family in one sorted file.
  size_t index_every_keys = 1 << 16;
};

struct IdempotencyRecord {
  std::array<uint8_t, 16> content_hash{};
  uint64_t seq = 0;  // the log entry holding the current version
};

// A group of changes committed atomically.
class WriteSet final {
 public:
  WriteSet();
  ~WriteSet();
  WriteSet(const WriteSet&) = delete;
  WriteSet& operator=(const WriteSet&) = delete;

  void PutEvent(uint64_t seq, std::string_view log_entry);
  void PutIdempotency(std::string_view key, const IdempotencyRecord& rec);
  void PutDeadLetter(uint64_t id, std::string_view record);
  void PutLinkKey(std::string_view key);
  void DeleteLinkKey(std::string_view key);
  void PutAudit(std::string_view key, std::string_view record);
  size_t count() const { return count_; }
  void Clear();

 private:
  friend class RocksStore;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t count_ = 0;
};

struct StoreStats {
  // Bytes on disk: the table and blob files in use (every family's) and
  // the write-ahead log.
  uint64_t live_bytes = 0;
  uint64_t first_event_seq = 1;
  uint64_t last_event_seq = 0;
  uint64_t last_dead_letter_id = 0;
  // The filter in front of the idempotency keys: filled (until then every
  // look-up reads the store), and the look-ups it answered as "not held".
  bool idempotency_filter_ready = false;
  uint64_t idempotency_filter_skips = 0;
  // Idempotency records held in memory and journalled, not yet written to
  // the idempotency family; and the sorted files written so far since open.
  uint64_t idempotency_journalled = 0;
  uint64_t idempotency_files_written = 0;
};

// The linkage index is kept by prefix: a key's first kLinkPrefixBytes bytes
// (the whole key when shorter). Keys of one prefix are held together, in a
// hash table in memory and under a prefix filter in table files, so adding
// a key and scanning one prefix cost about the same however many prefixes
// the index holds, and a scan of a prefix the index lacks seldom reads a
// table file (one a Bloom filter lets through, or one written by a build
// before prefixes, which has no such filter).
inline constexpr size_t kLinkPrefixBytes = 19;

// Reads the linkage index through one iterator, made at its first Scan: its
// scans see what was committed before that and nothing committed after, so
// make it once the commits it must see are done. One cursor for the scans
// of one group's decision costs one iterator instead of one per scan.
class LinkCursor {
 public:
  virtual ~LinkCursor() = default;
  // Calls `fn` for each linkage key in [from, to) in order until it returns
  // false. `from` and `to` must share their first kLinkPrefixBytes bytes
  // (InvalidArgument otherwise): a scan stays within one prefix.
  virtual Status Scan(std::string_view from, std::string_view to,
                      const std::function<bool(std::string_view key)>& fn) = 0;
};

class Store {
 public:
  // Opens (or creates) the store in `dir`. Fails with FailedPrecondition and
  // a message for the operator when the folder is in use by another process,
  // was written by a newer schema, or is not a folder; IoError when it cannot
  // be read.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const Options& options);

  // Opens an existing store for reading only, as a RocksDB secondary
  // instance: it takes no lock, so it works while a hub has the store open
  // (and sees what that hub had written when the reader was opened) or when
  // none has. Writes fail with FailedPrecondition. NotFound when `dir`
  // holds no store.
  static Result<std::unique_ptr<Store>> OpenReader(const std::string& dir);

  virtual ~Store() = default;

  virtual Status Commit(WriteSet& writes) = 0;

  virtual Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view key) = 0;
  // The log entry at `seq`, into `out` (which keeps its room); false when
  // the log holds none there.
  virtual Result<bool> GetEvent(uint64_t seq, std::string& out) = 0;
  // Calls `fn` for each event with seq >= from_seq in order until it returns
  // false.
  virtual Status ScanEvents(uint64_t from_seq,
                            const std::function<bool(uint64_t seq, std::string_view entry)>& fn) = 0;
  // A cursor over the linkage index (see LinkCursor). It must not outlive
  // the store.
  virtual std::unique_ptr<LinkCursor> NewLinkCursor() = 0;
  virtual Status ScanDeadLetters(const std::function<bool(uint64_t id, std::string_view record)>& fn) = 0;

  // The audit log. Records come with event commits (WriteSet::PutAudit) or
  // on their own (PutAudit, thread-safe: for queries and connections).
  virtual Status PutAudit(std::string_view key, std::string_view record) = 0;
  // Calls `fn` for each audit record with key >= `from_key`, in key order,
  // until it returns false.
  virtual Status ScanAudit(std::string_view from_key,
                           const std::function<bool(std::string_view key, std::string_view record)>& fn) = 0;
  // The greatest audit key, nullopt when there is none.
  virtual Result<std::optional<std::string>> LastAuditKey() = 0;

  // Calls `fn` for every key and value in every column family, decoded (so
  // compression cannot hide anything): for audits of what the store holds.
  virtual Status ScanAll(
      const std::function<bool(std::string_view family, std::string_view key, std::string_view value)>& fn) = 0;

  // Checkpoints are written on their own, outside event commits. Those
  // written in one call are written together (all or none).
  struct NamedBlob {
    std::string_view name, blob;
  };
  virtual Status PutCheckpoints(const std::vector<NamedBlob>& checkpoints) = 0;
  Status PutCheckpoint(std::string_view name, std::string_view blob) { return PutCheckpoints({{name, blob}}); }
  // Calls `fn` with the checkpoint in place (no copy, not kept in the block
  // cache); false when there is none.
  virtual Result<bool> ReadCheckpoint(std::string_view name, const std::function<void(std::string_view)>& fn) = 0;

  // The schema version the store had when opened (kSchemaVersion for a new
  // store).
  virtual uint32_t schema_version_found() const = 0;
  virtual Status SetSchemaVersion(uint32_t version) = 0;

  // Writes a consistent copy of the whole store to `out_dir` (which must not
  // exist), using hard links where possible: a RocksDB checkpoint.
  virtual Status CreateCheckpoint(const std::string& out_dir) = 0;

  // Retention: removes every event with seq < `seq` from the log, for good.
  // The new start is recorded (durably, with the deletion) and the range is
  // compacted away, so the disk space comes back. Idempotency records and
  // linkage keys are kept: they still say which records were received.
  // Seqs are never reused: last_event_seq() stays at least `seq` - 1 even
  // when the whole log was removed. Does nothing when `seq` <=
  // first_event_seq(); InvalidArgument when `seq` > last_event_seq() + 1.
  // Call from the committing thread.
  virtual Status RemoveEventsBefore(uint64_t seq) = 0;
  // The first seq the log holds: 1 unless RemoveEventsBefore moved it.
  virtual uint64_t first_event_seq() const = 0;

  // The highest event seq / dead-letter id committed (0 when none), as found
  // at open and advanced by Commit.
  virtual uint64_t last_event_seq() const = 0;
  virtual uint64_t last_dead_letter_id() const = 0;
  virtual StoreStats Stats() = 0;
  virtual const std::string& dir() const = 0;
};

// Helpers for keys.
std::string IdempotencyKey(std::string_view source, std::string_view source_event_id);
// The same key, written into `out` (which keeps its room).
void IdempotencyKey(std::string_view source, std::string_view source_event_id, std::string& out);

}  // namespace lscb::store
