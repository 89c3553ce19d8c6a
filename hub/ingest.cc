#include "hub/ingest.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <sodium.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <memory_resource>
#include <set>

#include "core/bytes.h"
#include "lscb/v1/event.pb.h"
#include "lscb/v1/store.pb.h"

namespace lscb::hub {
namespace {

using lscb::v1::EventAck;
using lscb::v1::Outcome;

// View updates' lists kept for reuse: one per group between the writer and
// the view's thread (deciding, committing, applied) and a few more.
constexpr size_t kSpareOps = 4;

// The version held of a record an event names: decided earlier in the group
// or read from the store.
struct Prior {
  store::IdempotencyRecord rec;
  const EventFacts* facts;
  std::string_view principal;
};

// Text from a sender for the audit log: at most `n` bytes.
std::string_view Clipped(const std::string& s, size_t n = 128) { return std::string_view(s).substr(0, n); }

// The store keeps the linkage index by (group, board, token).
static_assert(LinkKey::kPrefix == store::kLinkPrefixBytes);

// A key of `g`, `board` and `token`, the rest zero: with a time written
// after the prefix, the first key of that token at that time.
LinkKey LinkKeyPrefix(LinkGroup g, uint16_t board, const ChildKey& token) {
  LinkKey k;
  k.bytes[0] = static_cast<uint8_t>(g);
  const uint16_t b = LinksWithinBoard(g) ? board : 0xFFFF;
  k.bytes[1] = static_cast<uint8_t>(b >> 8);
  k.bytes[2] = static_cast<uint8_t>(b & 0xFF);
  std::memcpy(k.bytes.data() + 3, token.data(), token.size());
  return k;
}

void SetTime(LinkKey& k, int64_t t) {
  WriteBigEndian64(reinterpret_cast<char*>(k.bytes.data()) + LinkKey::kPrefix,
                   static_cast<uint64_t>(t) ^ (uint64_t{1} << 63));
}

}  // namespace

LinkKeyList LinkKeys(const EventFacts& e) {
  LinkKeyList keys;
  LinkGroup g = LinkGroupOf(e);
  if (!MergesWhenLinked(g)) return keys;
  for (const ChildKey& t : e.tokens) {
    LinkKey k = LinkKeyPrefix(g, e.board, t);
    SetTime(k, e.occurred_at);
    WriteBigEndian64(reinterpret_cast<char*>(k.bytes.data()) + LinkKey::kPrefix + 8, e.record);
    keys.push_back(k);
  }
  return keys;
}

// Decodes each event into one envelope without allocating once it has
// decoded events like it.
//
// Clear() (and so ParseFromArray) deletes the envelope's singular message
// fields: the subject, with its tokens and their 32-byte strings, and the
// kind's detail message. So the subject is taken out, cleared (its tokens
// stay allocated for the next ones) and put back before the bytes are merged
// in; an envelope without a subject then has an empty one, which
// ValidateEvent treats as none (it looks only at the tokens). The detail
// message of each kind is kept aside likewise, and put back, cleared, only
// when the bytes carry that kind's detail: an envelope whose bytes carry none
// has none.
class IngestProcessor::Decoder {
 public:
  Decoder() {
    const auto* oneof = lscb::v1::Envelope::descriptor()->FindOneofByName("detail");
    for (int i = 0; i < oneof->field_count(); ++i) details_.push_back({oneof->field(i), nullptr});
  }

  const lscb::v1::Envelope& envelope() const { return env_; }

  // False when `bytes` is not an Envelope.
  bool Parse(std::string_view bytes) {
    const auto* reflection = env_.GetReflection();
    if (env_.detail_case() != lscb::v1::Envelope::DETAIL_NOT_SET) {
      Detail* d = DetailOf(env_.detail_case());
      d->spare.reset(reflection->ReleaseMessage(&env_, d->field));
    }
    lscb::v1::Subject* subject = env_.release_subject();
    env_.Clear();
    if (subject == nullptr) subject = new lscb::v1::Subject();
    subject->Clear();
    env_.set_allocated_subject(subject);
    if (Detail* d = DetailOf(DetailFieldOf(bytes)); d && d->spare) {
      d->spare->Clear();
      reflection->SetAllocatedMessage(&env_, d->spare.release(), d->field);
    }
    return env_.ParseFrom<google::protobuf::MessageLite::kMerge>(
        google::protobuf::StringPiece(bytes.data(), bytes.size()));
  }

 private:
  struct Detail {
    const google::protobuf::FieldDescriptor* field;
    std::unique_ptr<google::protobuf::Message> spare;
  };

  Detail* DetailOf(int field_number) {
    for (Detail& d : details_)
      if (d.field->number() == field_number) return &d;
    return nullptr;
  }

  // The number of the one detail field `bytes` carries (length-delimited, as
  // a message is), or 0: none, more than one, or bytes that are not a
  // message (which then fail to parse anyway).
  int DetailFieldOf(std::string_view bytes) {
    using google::protobuf::internal::WireFormatLite;
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    int found = 0;
    while (const uint32_t tag = in.ReadTag()) {
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED && DetailOf(number)) {
        if (found != 0 && found != number) return 0;
        found = number;
      }
      if (!WireFormatLite::SkipField(&in, tag)) return 0;
    }
    return in.ConsumedEntireMessage() ? found : 0;
  }

  lscb::v1::Envelope env_;
  std::vector<Detail> details_;
};

std::array<uint8_t, 16> ContentHash(std::string_view bytes) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits(bytes.data(), bytes.size()));
  std::array<uint8_t, 16> out;
  std::memcpy(out.data(), c.digest, out.size());
  return out;
}

std::array<uint8_t, 16> LegacyContentHash(std::string_view bytes) {
  std::array<uint8_t, 16> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                     nullptr, 0);
  return out;
}

IngestProcessor::~IngestProcessor() = default;

IngestProcessor::IngestProcessor(store::Store& store, IndicatorView& view, std::shared_mutex& view_mutex,
                                 std::shared_ptr<const BoardRegistry> boards,
                                 std::shared_ptr<const Definitions> definitions, const Clock& clock)
    : store_(store),
      view_(view),
      view_mutex_(view_mutex),
      boards_(std::move(boards)),
      definitions_(std::move(definitions)),
      clock_(clock),
      decoder_(std::make_unique<Decoder>()),
      stored_decoder_(std::make_unique<Decoder>()) {
  if (sodium_init() < 0) std::abort();
}

Result<EventFacts> IngestProcessor::FactsOfEntry(uint64_t seq, std::string* principal) {
  // Read and decoded into buffers kept from one call to the next.
  auto found = store_.GetEvent(seq, stored_bytes_);
  if (!found.ok()) return found.status();
  if (!*found) return Status::Corruption("event log entry " + std::to_string(seq) + " is missing");
  if (!stored_entry_.ParseFromString(stored_bytes_) || !stored_decoder_->Parse(stored_entry_.envelope()))
    return Status::Corruption("event log entry " + std::to_string(seq) + " cannot be decoded");
  if (principal) *principal = stored_entry_.principal();
  // Stored events were valid when committed; validate without a time bound.
  return ValidateEvent(stored_decoder_->envelope(), *boards_, INT64_MAX / 2);
}

Result<DecidedGroup> IngestProcessor::Decide(const std::vector<IncomingEvent>& events,
                                              const DecidedGroup* in_flight,
                                              const std::function<Status()>& await_in_flight) {
  const int64_t now = clock_.NowSeconds();
  if (!audit_) {
    auto log = AuditLog::Open(store_);
    if (!log.ok()) return log.status();
    audit_ = *log;
  }
  DecidedGroup group;
  std::vector<EventAck>& acks = group.acks;
  acks.resize(events.size());
  group.agencies.assign(events.size(), std::string());
  {
    std::lock_guard lock(spare_mu_);
    if (!spare_writes_.empty()) {
      group.writes = std::move(spare_writes_.back());
      spare_writes_.pop_back();
    }
    if (!spare_ops_.empty()) {
      group.update.ops = std::move(spare_ops_.back());
      spare_ops_.pop_back();
    }
  }
  if (!group.writes) group.writes = std::make_unique<store::WriteSet>();
  store::WriteSet& writes = *group.writes;
  writes.Clear();
  auto& pending = group.records;
  pending.Reserve(events.size(), events.size() * 64);  // a source and a GUID take about 50 bytes
  std::vector<ViewUpdate::Op>& ops = group.update.ops;
  ops.reserve(events.size());
  uint64_t next_seq = in_flight ? in_flight->last_seq : store_.last_event_seq();
  uint64_t next_dead = in_flight ? in_flight->last_dead_letter : store_.last_dead_letter_id();
  IngestCounters& delta = group.counts;
  // Linkage keys written and deleted by this group so far.
  std::pmr::set<LinkKey> added_links(&link_pool_), deleted_links(&link_pool_);
  // The linkage index as committed, read through one iterator made at the
  // first look-up (after the group in flight, if it writes linkage keys, is
  // committed).
  std::unique_ptr<store::LinkCursor> links;
  // Once the group in flight is committed, the store holds all it wrote.
  auto settle = [&]() -> Status {
    if (!in_flight) return Status::Ok();
    Status s = await_in_flight ? await_in_flight() : Status::Internal("no way to wait for the group in flight");
    in_flight = nullptr;
    return s;
  };

  // Does `e` report an incident already held by another record?
  auto links_to_another = [&](const EventFacts& e) -> Result<bool> {
    LinkGroup g = LinkGroupOf(e);
    if (!MergesWhenLinked(g)) return false;
    if (in_flight && in_flight->writes_links) {
      Status s = settle();
      if (!s.ok()) return s;
    }
    if (!links) links = store_.NewLinkCursor();
    const int64_t w = LinkWindow(*definitions_, g);
    // A key of another record, not deleted by this group.
    struct Search {
      uint64_t record;
      const std::pmr::set<LinkKey>* deleted;
      bool found = false;
      bool Other(std::string_view key) const {
        return key.size() == LinkKey::kSize && ReadBigEndian64(key.data() + LinkKey::kPrefix + 8) != record;
      }
    } search{e.record, &deleted_links};
    for (const ChildKey& t : e.tokens) {
      // [from, to): the keys of this token within the window.
      LinkKey from = LinkKeyPrefix(g, e.board, t), to = from;
      SetTime(from, e.occurred_at - w);
      SetTime(to, e.occurred_at + w + 1);
      for (auto it = added_links.lower_bound(from); it != added_links.end() && *it < to && !search.found; ++it)
        search.found = search.Other(it->view());
      if (search.found) return true;
      // One pointer captured: std::function holds it without allocating.
      Status s = links->Scan(from.view(), to.view(), [ps = &search](std::string_view key) {
        if (ps->Other(key)) {
          LinkKey k;
          std::memcpy(k.bytes.data(), key.data(), LinkKey::kSize);
          ps->found = !ps->deleted->count(k);
        }
        return !ps->found;
      });
      if (!s.ok()) return s;
      if (search.found) return true;
    }
    return false;
  };

  const lscb::v1::Envelope& env = decoder_->envelope();
  // One audit record per event decided, committed with it: one line each
  // in the group's audit value. The record's strings keep their room from
  // one event (and group) to the next.
  AuditRecord& record = audit_record_;
  std::string& audit_lines = audit_lines_;
  audit_lines.clear();
  record.time = now;
  record.action = "event";
  lscb::v1::LogEntry& entry = entry_;
  std::string& entry_bytes = entry_bytes_;
  for (size_t i = 0; i < events.size(); ++i) {
    EventAck& ack = acks[i];
    ack.set_index(static_cast<uint32_t>(i));
    bool parsed = false;
    auto audit = [&](const char* outcome, const std::string& reason) {
      AuditRecord& r = record;
      r.principal.assign(events[i].principal);
      r.outcome.assign(outcome);
      r.source.assign(parsed ? Clipped(env.source()) : std::string_view());
      r.source_event_id.assign(parsed ? Clipped(env.source_event_id()) : std::string_view());
      r.kind.assign(parsed ? Clipped(env.kind(), 40) : std::string_view());
      r.board.assign(parsed ? Clipped(env.board(), 40) : std::string_view());
      r.reason.assign(reason);
      if (!audit_lines.empty()) audit_lines += '\n';
      AppendAuditRecord(audit_lines, r);
    };
    // The version held already says this (`reason`: why, when not the
    // same bytes).
    auto duplicate = [&](const std::string& reason) {
      ack.set_outcome(lscb::v1::DUPLICATE);
      if (!reason.empty()) ack.set_reason(reason);
      ++delta.duplicate;
      audit("duplicate", reason);
    };
    auto reject = [&](const std::string& reason) {
      audit("rejected", reason);
      ack.set_outcome(lscb::v1::REJECTED);
      ack.set_reason(reason);
      lscb::v1::DeadLetter dl;
      dl.set_received_at(now);
      dl.set_payload(std::string(events[i].bytes.substr(0, max_event_bytes_)));  // bounded
      dl.set_reason(reason);
      dl.set_principal(std::string(events[i].principal));
      writes.PutDeadLetter(++next_dead, dl.SerializeAsString());
      ++delta.rejected;
    };
    if (events[i].bytes.size() > max_event_bytes_) {
      reject("event too large: " + std::to_string(events[i].bytes.size()) + " bytes (the hub accepts up to " +
             std::to_string(max_event_bytes_) + ")");
      continue;
    }
    if (!decoder_->Parse(events[i].bytes)) {
      reject("malformed event: not a valid lscb.v1.Envelope");
      continue;
    }
    parsed = true;
    group.agencies[i] = env.agency();
    // Authorisation comes first: a principal learns nothing about events it
    // may not send.
    if (access_) {
      if (auto why = access_->RefusePublish(events[i].principal, env.agency(), env.kind(), env.board())) {
        reject("not authorised: " + *why);
        continue;
      }
    }
    auto facts = ValidateEvent(env, *boards_, now);
    if (!facts.ok()) {
      reject(facts.status().message());
      continue;
    }
    std::string& key = key_;  // keeps its room from one event to the next
    store::IdempotencyKey(env.source(), env.source_event_id(), key);
    auto hash = ContentHash(events[i].bytes);
    // The same bytes as a version held: hashed as this build hashes, or, for
    // a version stored by an earlier build, with the legacy hash (computed
    // only then: for an amendment or such a re-send).
    auto same_bytes = [&](const std::array<uint8_t, 16>& held) {
      return held == hash || held == LegacyContentHash(events[i].bytes);
    };

    std::optional<Prior> prior;
    std::optional<EventFacts> stored;  // the version held, read from the store
    std::string stored_sender;
    // A record belongs to the principal that sent it (records sent in
    // plaintext, as "anonymous", to any principal allowed to send them).
    auto owned_by_another = [&](std::string_view owner) {
      return access_ && owner != events[i].principal && owner != "anonymous";
    };
    auto refuse_not_owner = [&] {
      reject("not authorised: this record (source " + std::string(Clipped(env.source(), 40)) +
             ") was sent by another principal; only it may amend the record");
    };
    if (const GroupRecord* held = pending.Find(key)) {
      prior = Prior{held->rec, &ops[held->op].after, held->principal};
    } else {
      const GroupRecord* in_flight_version = in_flight ? in_flight->records.Find(key) : nullptr;
      if (in_flight_version) {
        // The same bytes as the version in flight: a duplicate, as below,
        // without waiting (the version's sender is known).
        if (in_flight_version->rec.content_hash == hash) {  // hashed by this build
          if (owned_by_another(in_flight_version->principal)) refuse_not_owner();
          else duplicate("");
          continue;
        }
        Status s = settle();
        if (!s.ok()) return s;
      }
      auto rec = store_.GetIdempotency(key);
      if (!rec.ok()) return rec.status();
      // The same bytes again: without access control nothing else needs the
      // stored version, so it is not read back and decoded.
      if (rec->has_value() && !access_ && same_bytes((*rec)->content_hash)) {
        duplicate("");
        continue;
      }
      if (rec->has_value() && (*rec)->seq < store_.first_event_seq()) {
        // Retention removed the held version from the log: its id and
        // content hash are all that is left. The same bytes are still a
        // duplicate; other bytes cannot be applied, because the figures the
        // held version produced cannot be taken back without it.
        if (same_bytes((*rec)->content_hash)) {
          duplicate("");
        } else {
          reject("cannot amend record " + std::string(Clipped(env.source_event_id(), 64)) +
                 ": it was received before the retention period and its events have been removed from the log");
        }
        continue;
      }
      if (rec->has_value()) {
        auto old = FactsOfEntry((*rec)->seq, &stored_sender);
        if (!old.ok()) return old.status();
        stored = std::move(*old);
        prior = Prior{**rec, &*stored, stored_sender};
      }
    }
    if (prior && owned_by_another(prior->principal)) {
      refuse_not_owner();
      continue;
    }
    if (prior && same_bytes(prior->rec.content_hash)) {
      duplicate("");
      continue;
    }
    // A return older than the one held changes nothing.
    if (prior && facts->kind == EventKind::kReturn && prior->facts->kind == EventKind::kReturn &&
        std::make_pair(facts->ret.revision, facts->ret.read_at) <
            std::make_pair(prior->facts->ret.revision, prior->facts->ret.read_at)) {
      duplicate("superseded by revision " + std::to_string(prior->facts->ret.revision));
      continue;
    }
    if (prior) {
      for (const auto& k : LinkKeys(*prior->facts)) {
        group.writes_links = true;
        writes.DeleteLinkKey(k);
        added_links.erase(k);
        deleted_links.insert(k);
      }
    }
    auto merged = links_to_another(*facts);
    if (!merged.ok()) return merged.status();
    for (const auto& k : LinkKeys(*facts)) {
      group.writes_links = true;
      writes.PutLinkKey(k);
      added_links.insert(k);
      deleted_links.erase(k);
    }
    entry.Clear();  // keeps its strings' room
    // Assigned in place: set_envelope(data, size) would build a string first.
    entry.mutable_envelope()->assign(events[i].bytes.data(), events[i].bytes.size());
    entry.set_received_at(now);
    entry.mutable_principal()->assign(events[i].principal.data(), events[i].principal.size());
    if (prior) entry.set_replaces_seq(prior->rec.seq);
    store::IdempotencyRecord rec{hash, ++next_seq};
    entry.SerializeToString(&entry_bytes);
    writes.PutEvent(rec.seq, entry_bytes);
    writes.PutIdempotency(key, rec);
    // The version replaced is copied before ops may grow (prior->facts can
    // point into it).
    std::optional<EventFacts> before;
    if (stored) before = std::move(*stored);
    else if (prior) before = *prior->facts;
    ops.push_back({std::move(*facts), std::move(before)});
    pending.Put(key, GroupRecord{rec, ops.size() - 1, events[i].principal});
    if (prior) {
      ack.set_outcome(lscb::v1::AMENDED);
      ++delta.amended;
      audit("amended", "");
    } else if (*merged) {
      ack.set_outcome(lscb::v1::MERGED);
      ++delta.merged;
      audit("merged", "");
    } else {
      ack.set_outcome(lscb::v1::ACCEPTED);
      ++delta.accepted;
      audit("accepted", "");
    }
  }

  audit_->Stage(writes, now, audit_lines);
  group.last_seq = next_seq;
  group.last_dead_letter = next_dead;
  group.update.seq = next_seq;
  return group;
}

Status IngestProcessor::Commit(DecidedGroup& group) {
  if (group.writes && group.writes->count() > 0) {
    Status s = store_.Commit(*group.writes);
    if (!s.ok()) return s;
  }
  committed_seq_.store(group.last_seq, std::memory_order_release);
  counters_ += group.counts;
  if (group.writes) {
    std::lock_guard lock(spare_mu_);
    if (spare_writes_.size() < 2) spare_writes_.push_back(std::move(group.writes));
  }
  return Status::Ok();
}

Result<std::vector<EventAck>> IngestProcessor::ProcessGroup(const std::vector<IncomingEvent>& events,
                                                            ViewUpdate* deferred) {
  auto group = Decide(events);
  if (!group.ok()) return group.status();
  Status s = Commit(*group);
  if (!s.ok()) return s;
  if (deferred) {
    *deferred = std::move(group->update);
  } else {
    std::vector<ViewUpdate> now_applied;
    now_applied.push_back(std::move(group->update));
    ApplyToView(now_applied);
  }
  return std::move(group->acks);
}

void IngestProcessor::ApplyToView(std::vector<ViewUpdate>& updates) {
  if (updates.empty()) return;
  ApplyLocked(updates, std::unique_lock(view_mutex_));
}

bool IngestProcessor::TryApplyToView(std::vector<ViewUpdate>& updates) {
  std::unique_lock lock(view_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  if (!updates.empty()) ApplyLocked(updates, std::move(lock));
  return true;
}

void IngestProcessor::ApplyLocked(std::vector<ViewUpdate>& updates, std::unique_lock<std::shared_mutex> lock) {
  for (const ViewUpdate& u : updates) {
    for (const auto& op : u.ops) {
      if (op.before) view_.Replace(*op.before, op.after);
      else view_.Apply(op.after);
    }
  }
  applied_seq_.store(std::max(applied_seq(), updates.back().seq), std::memory_order_release);
  IndicatorView::Changes changes = view_.TakeChanges();
  if (changes_sink_ && !changes.empty()) changes_sink_(changes);
  lock.unlock();
  for (ViewUpdate& u : updates) RecycleUpdate(u);
}

void IngestProcessor::RecycleUpdate(ViewUpdate& update) {
  update.ops.clear();
  if (update.ops.capacity() == 0) return;
  std::lock_guard spare(spare_mu_);
  if (spare_ops_.size() < kSpareOps) spare_ops_.push_back(std::move(update.ops));
}

Status IngestProcessor::ReplayLog(uint64_t from_seq, uint64_t* replayed) {
  *replayed = 0;
  Status inner;
  lscb::v1::LogEntry entry;
  lscb::v1::Envelope env;
  // Replaying from the start of a log that retention shortened (a rebuild
  // from the events still held): an entry amending a removed one is applied
  // as new, because the removed version was never applied.
  const uint64_t first = store_.first_event_seq();
  const bool from_start = from_seq + 1 <= first;
  std::unique_lock lock(view_mutex_);
  Status s = store_.ScanEvents(from_seq + 1, [&](uint64_t seq, std::string_view raw) {
    if (!entry.ParseFromArray(raw.data(), static_cast<int>(raw.size())) || !env.ParseFromString(entry.envelope())) {
      inner = Status::Corruption("event log entry " + std::to_string(seq) + " cannot be decoded");
      return false;
    }
    auto facts = ValidateEvent(env, *boards_, INT64_MAX / 2);
    if (!facts.ok()) {
      inner = Status::Corruption("event log entry " + std::to_string(seq) + ": " + facts.status().message());
      return false;
    }
    if (entry.replaces_seq() != 0 && entry.replaces_seq() < first) {
      if (!from_start) {
        inner = Status::Corruption("event log entry " + std::to_string(seq) + " amends entry " +
                                   std::to_string(entry.replaces_seq()) +
                                   ", which was removed after the view's checkpoint");
        return false;
      }
      view_.Apply(*facts);
    } else if (entry.replaces_seq() != 0) {
      auto before = FactsOfEntry(entry.replaces_seq());
      if (!before.ok()) {
        inner = before.status();
        return false;
      }
      view_.Replace(*before, *facts);
    } else {
      view_.Apply(*facts);
    }
    applied_seq_.store(seq, std::memory_order_release);
    ++*replayed;
    return true;
  });
  IndicatorView::Changes changes = view_.TakeChanges();
  if (changes_sink_ && !changes.empty()) changes_sink_(changes);
  if (!s.ok()) return s;
  return inner;
}

}  // namespace lscb::hub
