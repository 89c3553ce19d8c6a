// The audit log: who sent which event and what became of it, who was served
// which figures, who was refused. Kept in the store's `audit` column family,
// written with the events it describes (in the same commit) or, for
// queries, connections and subscriptions, on its own.
//
// A record holds no identifier and no token: the principal, the time, the
// record's source and source_event_id, the kind, the board, the period, the
// outcome and the reason (the reason texts of ValidateEvent name no person).
//
// Key: time (8 bytes, big-endian Unix seconds of the hub's clock) | seq (8
// bytes, big-endian), so keys are in time order and unique: seq continues
// after the last key found at start, and at least from the microseconds of
// the system clock then, so a clock set back cannot repeat a key.
//
// Value (text): one or more records, one per line, lines separated by a
// newline. A record is "1" then the fields below, each preceded by a tab, in
// this order; tab, newline, carriage return and backslash in a field are
// written \t \n \r \\. The events of one ingest group share one value (one
// line per event, in the group's order); a query, a connection or a
// subscription has a value of its own.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace lscb::hub {

struct AuditRecord {
  int64_t time = 0;        // Unix seconds, the hub's clock
  std::string principal;   // who (the name in the hub's config; "anonymous" in plaintext)
  // What: "event" (ingest), "snapshot" or "state" (query socket), "subscribe"
  // (feed), "connect" (a handshake refused by the ZAP handler).
  std::string action;
  // event: accepted, duplicate, amended, merged, rejected; snapshot/state:
  // served, refused; subscribe: allowed, refused; connect: denied.
  std::string outcome;
  std::string source, source_event_id, kind;  // events
  std::string board;   // the event's board; the board or topic asked for
  std::string period;  // snapshots
  bool raw = false;    // snapshots: unsuppressed figures were asked for
  std::string reason;  // why refused or rejected
};

std::string EncodeAuditRecord(const AuditRecord& r);
// The same, appended to `out`.
void AppendAuditRecord(std::string& out, const AuditRecord& r);
// InvalidArgument when `value` is not one encoded record (one line).
Result<AuditRecord> DecodeAuditRecord(std::string_view value);
// Calls `fn` for each record of a stored value, in order. InvalidArgument,
// naming the line, when one cannot be decoded (the records before it have
// been passed to `fn`).
Status DecodeAuditValue(std::string_view value, const std::function<void(const AuditRecord&)>& fn);
// One JSON object on one line (no trailing newline).
std::string AuditRecordToJson(const AuditRecord& r);

std::string AuditKey(int64_t time, uint64_t seq);
// The time in a key (0 when the key is malformed).
int64_t AuditKeyTime(std::string_view key);

// Makes keys and writes records. Thread-safe.
class AuditLog final {
 public:
  // Continues after the last record in `store`, which must outlive the log.
  static Result<std::shared_ptr<AuditLog>> Open(store::Store& store);

  // Adds the records in `lines` (AppendAuditRecord, separated by '\n'), all
  // of time `time`, to `writes` as one value (committed with them). Nothing
  // when `lines` is empty.
  void Stage(store::WriteSet& writes, int64_t time, std::string_view lines);
  // Writes `r` on its own.
  Status Write(const AuditRecord& r);

 private:
  AuditLog(store::Store& store, uint64_t next_seq) : store_(store), next_seq_(next_seq) {}
  std::array<char, 16> NextKey(int64_t time);
  store::Store& store_;
  std::atomic<uint64_t> next_seq_;
};

}  // namespace lscb::hub
