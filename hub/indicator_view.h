// The indicator view: every indicator cell, derived from the event log.
//
// The view is a pure function of the sequence of log entries applied to it
// (Apply for a new record, Replace for an amendment), independent of the
// order in which records about the same child arrive. It is kept in memory,
// saved with the log position it reflects (Serialize) and restored at start.
//
// Thread safety: not thread-safe; the hub guards it with a shared mutex
// (one writer: the ingest thread; readers: queries).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/boards.h"
#include "core/calendar.h"
#include "hub/definitions.h"
#include "hub/event_facts.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

class IndicatorView final {
 public:
  IndicatorView(std::shared_ptr<const BoardRegistry> boards, const Definitions& definitions);

  // Forgets everything.
  void Clear();

  // A new record.
  void Apply(const EventFacts& e);
  // An amendment: `before` is replaced by `after` (same record).
  void Replace(const EventFacts& before, const EventFacts& after);

  // The cells of one board (an ONS code) or region (a region code) for one
  // period. Cells with value 0 are not listed.
  lscb::v1::Snapshot Query(const std::string& board_or_region, const Period& period) const;

  const std::string& definitions_version() const { return definitions_.version; }
  // Total count of every stored cell; for tests and diagnostics.
  size_t cell_count() const;

  std::string Serialize() const;
  // REQUIRES: a view built with the same boards and definitions.
  Status Deserialize(std::string_view blob);

 private:
  struct TimelineEntry {
    EventKind kind;
    int64_t occurred_at;
    uint64_t record;
    Date date;
    uint16_t board;
    uint8_t age_band;
    LabelId label;
    auto SortKey() const { return std::make_pair(occurred_at, record); }
  };
  using Timeline = std::vector<TimelineEntry>;  // sorted by SortKey

  // A +1/-1 change of "children on a plan" from a date on.
  struct OpenDelta {
    uint16_t board;
    uint8_t age_band;
    LabelId label;
    Date date;
    int delta;
  };
  struct Derived {
    std::vector<std::pair<uint64_t, int64_t>> cells;  // cell key -> amount
    std::vector<OpenDelta> open;
  };

  static bool InTimeline(EventKind k);
  void AddCounts(const EventFacts& e, int sign);
  void AddCell(Indicator ind, uint16_t board, Date date, uint8_t band, LabelId label, int64_t amount);
  void AddToCell(uint64_t board_period, uint32_t inner, int64_t amount);
  Derived DeriveChild(const Timeline& t) const;
  void ApplyDerived(const Derived& d, int sign);
  void RemoveFromTimeline(const EventFacts& e);
  void InsertIntoTimeline(const EventFacts& e);

  std::shared_ptr<const BoardRegistry> boards_;
  const Definitions& definitions_;

  // (board << 32 | period code) -> (indicator << 16 | band << 8 | label) -> value
  std::unordered_map<uint64_t, std::map<uint32_t, int64_t>> cells_;
  // Children on a plan: (board << 16 | band << 8 | label) -> date -> delta.
  std::map<uint32_t, std::map<int32_t, int64_t>> open_plans_;
  // Per child: referrals and plan starts/ends.
  std::map<ChildKey, Timeline> children_;
};

}  // namespace lscb::hub
