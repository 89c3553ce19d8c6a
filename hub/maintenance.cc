#include "hub/maintenance.h"

#include <spdlog/spdlog.h>

#include <set>
#include <shared_mutex>

#include "hub/ingest.h"
#include "lscb/v1/event.pb.h"
#include "lscb/v1/store.pb.h"

namespace lscb::hub {
namespace {

constexpr const char* kViewCheckpoint = "indicator_view";
// The children's histories of the view, apart (format 4 of the view).
constexpr const char* kViewChildren = "indicator_view_children";

// Both blobs start with the log position they reflect, 8 bytes little-endian.
std::string PositionHeader(uint64_t seq) {
  std::string header(8, '\0');
  for (int i = 0; i < 8; ++i) header[i] = static_cast<char>((seq >> (8 * i)) & 0xFF);
  return header;
}

bool ReadPosition(std::string_view blob, uint64_t* seq) {
  if (blob.size() < 8) return false;
  *seq = 0;
  for (int i = 0; i < 8; ++i) *seq |= uint64_t{static_cast<uint8_t>(blob[i])} << (8 * i);
  return true;
}

// The children's histories saved apart with the checkpoint at `seq`.
Result<ChildHistories> ReadChildrenApart(store::Store& store, uint64_t seq) {
  Result<ChildHistories> children = Status::Corruption(
      "indicator view checkpoint is damaged: its children's histories (" + std::string(kViewChildren) +
      ") are missing");
  auto found = store.ReadCheckpoint(kViewChildren, [&](std::string_view blob) {
    uint64_t at = 0;
    if (!ReadPosition(blob, &at)) {
      children = Status::Corruption("indicator view checkpoint is damaged: its children's histories are cut short");
      return;
    }
    if (at != seq) {
      children = Status::Corruption("indicator view checkpoint is damaged: its children's histories are of log "
                                    "position " + std::to_string(at) + ", not " + std::to_string(seq));
      return;
    }
    children = IndicatorView::DecodeChildren(blob.substr(8));
  });
  if (!found.ok()) return found.status();
  return children;
}

}  // namespace

Status SaveViewCheckpoint(store::Store& store, const IndicatorView& view, uint64_t seq) {
  std::string children = PositionHeader(seq);
  const std::string rest = view.Serialize(PositionHeader(seq), &children);
  return store.PutCheckpoints({{kViewCheckpoint, rest}, {kViewChildren, children}});
}

Result<uint64_t> LoadViewCheckpoint(store::Store& store, IndicatorView& view, ChildrenLoader* deferred) {
  if (deferred) *deferred = nullptr;
  uint64_t seq = 0;
  bool apart = false, defer = false;
  std::string section;  // of a blob holding its children, deferred
  Status s;
  // Read in place: the blob may be as large as the view.
  auto found = store.ReadCheckpoint(kViewCheckpoint, [&](std::string_view blob) {
    if (!ReadPosition(blob, &seq)) {
      s = Status::Corruption("indicator view checkpoint is damaged");
      return;
    }
    blob.remove_prefix(8);
    apart = !IndicatorView::HoldsChildren(blob);
    defer = deferred && seq >= store.last_event_seq();
    s = apart ? view.DeserializeWithoutChildren(blob) : view.Deserialize(blob, defer ? &section : nullptr);
    spdlog::debug("indicator view checkpoint: {} bytes", blob.size() + 8);
  });
  if (!found.ok()) return found.status();
  if (!*found) return uint64_t{0};
  if (s.ok() && apart && !defer) {
    auto children = ReadChildrenApart(store, seq);
    if (children.ok()) {
      view.AdoptChildren(std::move(*children));
    } else if (children.status().IsCorruption()) {
      s = children.status();
    } else {  // not damage: the store could not be read
      view.Clear();
      return children.status();
    }
  }
  if (!s.ok()) {
    spdlog::warn("indicator view checkpoint not used ({}); rebuilding from the event log", s.message());
    view.Clear();
    return uint64_t{0};
  }
  if (defer && apart) {
    *deferred = [&store, seq] { return ReadChildrenApart(store, seq); };
  } else if (defer && !section.empty()) {
    *deferred = [section = std::move(section)] { return IndicatorView::DecodeChildren(section); };
  }
  return seq;
}

Status UpgradeStore(store::Store& store, const BoardRegistry& boards) {
  const uint32_t found = store.schema_version_found();
  if (found >= store::kSchemaVersion) return Status::Ok();
  spdlog::info("upgrading the store in {} from schema {} to {}", store.dir(), found, store::kSchemaVersion);
  if (found < 2) {
    // v2 adds the linkage index: one key per child token of every event
    // that merges when linked (LinkKeys) and is the current version of its
    // record.
    std::set<uint64_t> replaced;
    lscb::v1::LogEntry entry;
    Status s = store.ScanEvents(1, [&](uint64_t, std::string_view raw) {
      if (entry.ParseFromArray(raw.data(), static_cast<int>(raw.size())) && entry.replaces_seq() != 0)
        replaced.insert(entry.replaces_seq());
      return true;
    });
    if (!s.ok()) return s;
    store::WriteSet writes;
    Status inner;
    uint64_t keys = 0;
    lscb::v1::Envelope env;
    s = store.ScanEvents(1, [&](uint64_t seq, std::string_view raw) {
      if (replaced.count(seq)) return true;
      if (!entry.ParseFromArray(raw.data(), static_cast<int>(raw.size())) || !env.ParseFromString(entry.envelope())) {
        inner = Status::Corruption("event log entry " + std::to_string(seq) + " cannot be decoded");
        return false;
      }
      auto facts = ValidateEvent(env, boards, INT64_MAX / 2);
      if (!facts.ok()) return true;  // not linkable as far as this build knows
      for (const auto& k : LinkKeys(*facts)) {
        writes.PutLinkKey(k);
        ++keys;
      }
      if (writes.count() >= 10000) {
        inner = store.Commit(writes);
        writes.Clear();
        if (!inner.ok()) return false;
      }
      return true;
    });
    if (!s.ok()) return s;
    if (!inner.ok()) return inner;
    if (writes.count() > 0) {
      s = store.Commit(writes);
      if (!s.ok()) return s;
    }
    spdlog::info("linkage index built: {} keys", keys);
  }
  return store.SetSchemaVersion(store::kSchemaVersion);
}

std::string RetainedLogMessage(const store::Store& store) {
  return "events before log position " + std::to_string(store.first_event_seq()) +
         " were removed by the retention policy, so the figures they produced cannot be recomputed; restore a "
         "backup taken before they were removed, or rebuild from the events still held (lscb-hub rebuild "
         "--retained-only), which drops the figures of the removed events";
}

Result<uint64_t> RetentionKeepFrom(store::Store& store, int64_t cutoff_time, uint64_t limit) {
  uint64_t keep_from = store.first_event_seq();
  lscb::v1::LogEntry entry;
  Status inner;
  Status s = store.ScanEvents(keep_from, [&](uint64_t seq, std::string_view raw) {
    if (seq > limit) return false;
    if (!entry.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
      inner = Status::Corruption("event log entry " + std::to_string(seq) + " cannot be decoded");
      return false;
    }
    if (entry.received_at() >= cutoff_time) return false;
    keep_from = seq + 1;
    return true;
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  return keep_from;
}

Result<uint64_t> RebuildView(store::Store& store, std::shared_ptr<const BoardRegistry> boards,
                             std::shared_ptr<const Definitions> definitions, bool retained_only) {
  if (store.first_event_seq() > 1 && !retained_only) return Status::FailedPrecondition(RetainedLogMessage(store));
  IndicatorView view(boards, definitions);
  std::shared_mutex mutex;
  IngestProcessor processor(store, view, mutex, boards, definitions, SystemClock::Instance());
  uint64_t replayed = 0;
  Status s = processor.ReplayLog(0, &replayed);
  if (!s.ok()) return s;
  s = SaveViewCheckpoint(store, view, processor.applied_seq());
  if (!s.ok()) return s;
  return replayed;
}

}  // namespace lscb::hub
