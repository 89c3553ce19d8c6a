// Ingest: decides each incoming event (accepted, duplicate, amended,
// rejected), commits a group of them atomically, then updates the view.
//
// Idempotency: a record is identified by (source, source_event_id) and its
// content by a 128-bit hash of the encoded envelope (ContentHash). The same
// record with the same content is a DUPLICATE; with other content an
// AMENDMENT, which replaces the earlier version in the view.
//
// Linkage: an event that reports an incident already reported by another
// record (a missing episode or a child's domestic-abuse involvement with a
// shared child token, the same board and a start within the definitions'
// window) is MERGED: counted once. Matching reads the store's linkage index
// (group x board x token x time) of the groups that merge, written in the
// same batch as the event.
//
// Retention: when the held version of a record was removed from the log
// (Store::RemoveEventsBefore), the same bytes again are a DUPLICATE and other
// bytes are REJECTED: the figures of the removed version cannot be taken back.
//
// Returns: a return with a lower (revision, read time) than the one already
// held for its key changes nothing (DUPLICATE).
//
// Authorisation (with an AccessPolicy, i.e. under CURVE): an event its
// principal may not send (another agency, kind or board), or an amendment
// of a record another principal sent, is REJECTED with "not authorised: ..."
// and changes nothing. Every event decided is recorded in the audit log
// (hub/audit.h) in the same commit.
//
// Nothing is acknowledged before its group is committed: ProcessGroup returns
// the outcomes only after Store::Commit succeeded, and applies the group to
// the view only then. If the commit fails, nothing is applied and the caller
// must not ack; the senders will re-send.
//
// ProcessGroup is Decide then Commit. Called apart, they let one thread
// decide a group while another commits the group before it (see Decide).
//
// The view can also be brought up to date after the acks have gone: given a
// ViewUpdate, ProcessGroup leaves the view alone and fills it in, and
// ApplyToView applies such updates, in the order of their groups, later (on
// another thread). Deciding never reads the view, only the store, so the
// next group can be decided meanwhile. committed_seq() is then ahead of
// applied_seq() until the updates are applied.
//
// Thread safety: one thread calls Decide or ProcessGroup (and ReplayLog),
// one thread at a time calls Commit, one thread at a time calls
// ApplyToView or TryApplyToView; applied_seq() and committed_seq() may be read
// from any thread. The view is updated under `view_mutex` (exclusive), which
// readers share.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/boards.h"
#include "core/clock.h"
#include "core/key_table.h"
#include "core/status.h"
#include "hub/audit.h"
#include "hub/indicator_view.h"
#include "hub/principals.h"
#include "lscb/v1/event.pb.h"
#include "lscb/v1/store.pb.h"
#include "lscb/v1/wire.pb.h"
#include "store/store.h"

namespace lscb::hub {

struct IncomingEvent {
  std::string_view bytes;  // one encoded Envelope
  std::string_view principal;
};

struct IngestCounters {
  uint64_t accepted = 0, duplicate = 0, amended = 0, merged = 0, rejected = 0;
  IngestCounters& operator+=(const IngestCounters& o) {
    accepted += o.accepted;
    duplicate += o.duplicate;
    amended += o.amended;
    merged += o.merged;
    rejected += o.rejected;
    return *this;
  }
};

// What one committed group changes in the view.
struct ViewUpdate {
  struct Op {
    EventFacts after;
    std::optional<EventFacts> before;  // an amendment: the version it replaces
  };
  std::vector<Op> ops;
  uint64_t seq = 0;  // the log position once applied
  size_t size() const { return ops.size(); }
};

// What a group holds for one of the records it writes: the version it
// writes, keyed by idempotency key (DecidedGroup::records).
struct GroupRecord {
  store::IdempotencyRecord rec;
  size_t op;                   // the view update whose `after` is that version
  std::string_view principal;  // lives as long as the group's events
};

// A group decided and staged, not yet committed (IngestProcessor::Decide).
struct DecidedGroup {
  std::vector<lscb::v1::EventAck> acks;  // one per event, in order
  ViewUpdate update;                      // what the group changes in the view
  IngestCounters counts;
  // The agency each event claimed (empty when it could not be decoded), for
  // metrics.
  std::vector<std::string> agencies;
  // The log's last seq and the last dead-letter id once it is committed.
  uint64_t last_seq = 0, last_dead_letter = 0;
  bool writes_links = false;  // it adds or removes linkage keys
  // The records it writes, by idempotency key; reserved for the group's
  // size, so that they cost a few allocations in all, not one per event.
  KeyTable<GroupRecord> records;
  std::unique_ptr<store::WriteSet> writes;
};

class IngestProcessor final {
 public:
  IngestProcessor(store::Store& store, IndicatorView& view, std::shared_mutex& view_mutex,
                  std::shared_ptr<const BoardRegistry> boards, std::shared_ptr<const Definitions> definitions,
                  const Clock& clock);
  ~IngestProcessor();

  // Decides one group and stages its writes, without committing.
  //
  // `in_flight`, when given, is the group decided before this one, whose
  // commit may not have finished. It is taken as committed: this group's
  // seqs follow its own. Before deciding an event that depends on it (an
  // event of one of its records, or any event that links when it wrote
  // linkage keys), Decide calls `await_in_flight`, which must return once
  // that group's commit has finished, with its status; an error ends
  // Decide with that error. Whatever Decide returns, a group decided on top
  // of one whose commit failed must not be committed: the caller drops it
  // (unacknowledged) and decides again from the store.
  //
  // The caller keeps `events` alive until the group is committed or
  // dropped. Commit may run on another thread than Decide; `in_flight` is
  // only read here, and Commit does not change what Decide reads of it
  // (records, last_seq, last_dead_letter, writes_links).
  Result<DecidedGroup> Decide(const std::vector<IncomingEvent>& events, const DecidedGroup* in_flight = nullptr,
                              const std::function<Status()>& await_in_flight = {});
  // Commits a decided group (atomically). On success it is counted and
  // committed_seq() advances; on failure nothing was written.
  Status Commit(DecidedGroup& group);

  // Decides, commits and applies one group. On success, one ack per event
  // (index = position in `events`). With `deferred`, the group is committed
  // but not applied: *deferred receives what it changes in the view, for
  // ApplyToView.
  Result<std::vector<lscb::v1::EventAck>> ProcessGroup(const std::vector<IncomingEvent>& events,
                                                       ViewUpdate* deferred = nullptr);
  // Applies committed groups' updates, oldest first, under one exclusive
  // hold of the view's lock, then empties them (their lists are kept for
  // the next groups, RecycleUpdate). REQUIRES: every group committed before
  // them has been applied.
  void ApplyToView(std::vector<ViewUpdate>& updates);
  // ApplyToView when the view's lock can be taken at once; otherwise false,
  // with nothing applied.
  bool TryApplyToView(std::vector<ViewUpdate>& updates);
  // Empties `update`, keeping its list's room for a group to come (any
  // thread): an update with nothing to apply, or one applied.
  void RecycleUpdate(ViewUpdate& update);

  // Rebuilds the view from the log entries after `from_seq` (used at start).
  // From the start of a log that retention shortened, entries amending a
  // removed one are applied as new.
  Status ReplayLog(uint64_t from_seq, uint64_t* replayed);

  // Events are authorised against `policy` for their principal; null (the
  // default, plaintext): every principal may send anything.
  void set_access_policy(std::shared_ptr<const AccessPolicy> policy) { access_ = std::move(policy); }
  // Where audit records go; opened on the store at the first group when not
  // set.
  void set_audit_log(std::shared_ptr<AuditLog> log) { audit_ = std::move(log); }
  // A larger event is REJECTED ("event too large").
  void set_max_event_bytes(size_t n) { max_event_bytes_ = n; }

  // What the committed groups decided. Advanced by Commit: read it on the
  // committing thread or once commits have stopped.
  const IngestCounters& counters() const { return counters_; }
  // Receives what changed in the view after each group (and replay), while
  // the view's lock is still held exclusively (IndicatorView::TakeChanges).
  void set_view_changes_sink(std::function<void(const IndicatorView::Changes&)> sink) {
    changes_sink_ = std::move(sink);
  }
  // The last log position applied to the view.
  uint64_t applied_seq() const { return applied_seq_.load(std::memory_order_acquire); }
  void set_applied_seq(uint64_t s) { applied_seq_.store(s, std::memory_order_release); }
  // The last log position committed (at least applied_seq()).
  uint64_t committed_seq() const { return std::max(committed_seq_.load(std::memory_order_acquire), applied_seq()); }

 private:
  // ApplyToView's work, holding the view's lock exclusively (released
  // before the updates are recycled).
  void ApplyLocked(std::vector<ViewUpdate>& updates, std::unique_lock<std::shared_mutex> lock);
  // The facts of a log entry and, when `principal` is given, who sent it.
  Result<EventFacts> FactsOfEntry(uint64_t seq, std::string* principal = nullptr);

  store::Store& store_;
  IndicatorView& view_;
  std::shared_mutex& view_mutex_;
  std::shared_ptr<const BoardRegistry> boards_;
  std::shared_ptr<const Definitions> definitions_;
  const Clock& clock_;
  IngestCounters counters_;
  std::atomic<uint64_t> applied_seq_{0}, committed_seq_{0};
  std::shared_ptr<const AccessPolicy> access_;
  std::shared_ptr<AuditLog> audit_;
  size_t max_event_bytes_ = 1 << 20;
  std::function<void(const IndicatorView::Changes&)> changes_sink_;
  // Write sets of committed groups, and the view updates' lists once
  // applied (emptied), kept for the next groups: their buffers keep their
  // room, and memory already in use costs no page faults to fill again (a
  // large group's view update is a few MB).
  std::mutex spare_mu_;
  std::vector<std::unique_ptr<store::WriteSet>> spare_writes_;  // guarded by spare_mu_
  std::vector<std::vector<ViewUpdate::Op>> spare_ops_;        // guarded by spare_mu_
  std::string audit_lines_;  // Decide's
  AuditRecord audit_record_;  // Decide's: the audit record of the event being decided
  std::string key_;          // Decide's: the idempotency key of the event being decided
  lscb::v1::LogEntry entry_;  // Decide's: the log entry of the event being decided
  std::string entry_bytes_;   // Decide's: `entry_`, encoded
  class Decoder;
  std::unique_ptr<Decoder> decoder_;  // Decide's: each event is decoded with it
  // FactsOfEntry's: a stored version, read and decoded.
  std::string stored_bytes_;
  lscb::v1::LogEntry stored_entry_;
  std::unique_ptr<Decoder> stored_decoder_;
  // Decide's: the nodes of a group's sets of linkage keys, kept for the next.
  std::pmr::unsynchronized_pool_resource link_pool_;
};

// A linkage index key. Layout: group (1) | board (2, big-endian; 0xFFFF for
// groups that link across boards) | token (16) | occurred_at + 2^63 (8,
// big-endian) | record (8, big-endian). Ordered bytewise, as the store
// orders keys.
struct LinkKey {
  static constexpr size_t kPrefix = 1 + 2 + 16;  // group, board, token
  static constexpr size_t kSize = kPrefix + 8 + 8;
  std::array<uint8_t, kSize> bytes{};
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), kSize}; }
  operator std::string_view() const { return view(); }
  friend bool operator<(const LinkKey& a, const LinkKey& b) { return a.bytes < b.bytes; }
};

// The linkage index keys of an event, one per child token (so at most
// TokenList::kMaxTokens), when its group merges (MergesWhenLinked): the
// index serves only the decision to merge. None for other events, injuries
// included (the view links those in memory).
class LinkKeyList {
 public:
  void push_back(const LinkKey& k) { keys_[size_++] = k; }
  const LinkKey* begin() const { return keys_.data(); }
  const LinkKey* end() const { return keys_.data() + size_; }
  size_t size() const { return size_; }

 private:
  std::array<LinkKey, TokenList::kMaxTokens> keys_;
  size_t size_ = 0;
};
LinkKeyList LinkKeys(const EventFacts& e);

// The content hash of an envelope's bytes: XXH3-128. It tells a re-send
// from an amendment of one record by its sender, so it needs no resistance to
// a chosen collision (one could only make the sender's own amendment look
// like a re-send); an accidental one is a 2^-128 chance.
std::array<uint8_t, 16> ContentHash(std::string_view bytes);
// BLAKE2b-128: the content hash of versions stored by earlier builds, still
// compared with when a stored hash is not ContentHash's.
std::array<uint8_t, 16> LegacyContentHash(std::string_view bytes);

}  // namespace lscb::hub
