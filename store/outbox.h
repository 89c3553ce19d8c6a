// The agency-side outbox: events wait here, on disk, until the hub has
// acknowledged them. RocksDB stays inside store/; this header knows none of it.
//
// Column families
//   meta       "schema_version" -> decimal; "next_seq" -> 8 bytes big-endian
//   pending    seq (8 bytes, big-endian) -> enqueued_at, label, payload
//   positions  name -> opaque value (e.g. how far a stream has read its file)
//   rejected   seq -> enqueued_at, rejected_at, label, reason, payload
//
// Contracts
// - Enqueue is atomic: the events and the position (when given) are written
//   in one WriteBatch with the write-ahead log on. With sync_writes (the
//   default) the WAL is fsynced first, so an enqueued event survives a power
//   cut; without it, a crash of the process. A killed process therefore
//   leaves either the events *and* the position, or neither.
// - Sequence numbers grow and are never reused, across reopenings too.
// - Complete removes events from `pending` (an acknowledged event is gone;
//   a rejected one is moved to `rejected` with its reason), in one batch. A
//   lost Complete only means the events are delivered again, which the hub's
//   idempotency absorbs, so it is not fsynced.
// - One process at a time: a second read-write Open of the same folder fails
//   with FailedPrecondition (RocksDB's LOCK). A read-only Open takes no lock
//   and sees what was written before it opened (for `lscb outbox status`).
//
// Thread safety: every method may be called from several threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace lscb::store {

// The layout version this build writes; a newer outbox is refused.
inline constexpr uint32_t kOutboxSchemaVersion = 1;

struct OutboxOptions {
  // Create an empty outbox (and its folder, not its parents) when missing.
  bool create_if_missing = true;
  // fsync the WAL at each Enqueue: an event the caller was told is queued
  // survives a power cut, not only a crash of the process.
  bool sync_writes = true;
  // Open without taking the lock; every write fails with FailedPrecondition.
  bool read_only = false;
  // Stamps enqueued_at / rejected_at; the system clock when null.
  const Clock* clock = nullptr;
};

// One event to enqueue. `label` says where it came from, for operators
// (e.g. "feed.csv:17 csc:E09000011/C000123"); `payload` is opaque bytes (an
// encoded lscb.v1.Envelope).
struct OutboxItem {
  std::string label;
  std::string payload;
};

// A named position stored with a batch of events, e.g. a stream's offset in
// its file. The value is opaque to the outbox.
struct OutboxPosition {
  std::string name;
  std::string value;
};

struct PendingEvent {
  uint64_t seq = 0;
  int64_t enqueued_at = 0;  // Unix seconds
  std::string label;
  std::string payload;
};

// The hub's answer for one pending event.
struct Completion {
  uint64_t seq = 0;
  bool rejected = false;
  std::string reason;  // why it was rejected
};

struct RejectedEvent {
  uint64_t seq = 0;
  int64_t enqueued_at = 0;
  int64_t rejected_at = 0;
  std::string label;
  std::string reason;
  std::string payload;
};

struct OutboxStats {
  uint64_t waiting = 0;                    // events in `pending`
  std::optional<int64_t> oldest_enqueued;  // Unix seconds; nullopt when none wait
  uint64_t rejected = 0;                   // events in `rejected`
};

class Outbox {
 public:
  // Opens (or creates) the outbox in `dir`. FailedPrecondition with a message
  // for the operator when another process holds it, it was written by a
  // newer build or `dir` is not a folder; NotFound when it does not exist and
  // may not be created (read-only); IoError when it cannot be read.
  static Result<std::unique_ptr<Outbox>> Open(const std::string& dir, const OutboxOptions& options);

  virtual ~Outbox() = default;

  // Appends `items` in order, atomically with `position` when given (an
  // empty `items` just moves the position). Returns the first item's seq;
  // the others follow it one by one.
  virtual Result<uint64_t> Enqueue(const std::vector<OutboxItem>& items,
                                   const std::optional<OutboxPosition>& position = std::nullopt) = 0;

  // Up to `max` pending events with seq >= from_seq, in seq order, in `out`
  // (cleared first).
  virtual Status ReadPending(uint64_t from_seq, size_t max, std::vector<PendingEvent>& out) = 0;

  // Records the hub's answers; seqs no longer pending are ignored.
  virtual Status Complete(const std::vector<Completion>& completions) = 0;

  virtual Result<std::optional<std::string>> GetPosition(std::string_view name) = 0;
  // Every stored position, by name, until `fn` returns false.
  virtual Status ScanPositions(const std::function<bool(std::string_view name, std::string_view value)>& fn) = 0;
  // Every rejected event, oldest first, until `fn` returns false.
  virtual Status ScanRejected(const std::function<bool(const RejectedEvent&)>& fn) = 0;

  // Stats() looks up the oldest event; waiting() is only the counter (cheap).
  virtual OutboxStats Stats() = 0;
  virtual uint64_t waiting() = 0;
  virtual const std::string& dir() const = 0;
};

}  // namespace lscb::store
