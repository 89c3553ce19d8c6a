// The indicator view: every indicator cell, derived from the event log.
//
// The view is a pure function of the set of records applied to it (Apply for
// a new record, Replace for an amendment), whatever the order in which they
// arrive:
//  - plain counts add each event to its cells (three periods, its age band
//    and "all", its breakdown label and the total);
//  - a child's children's-services history (referrals, plans) is recomputed
//    per child whenever one of its records changes (re-referrals, repeat
//    plans, plans open at a period's end);
//  - linkage: reports of one real incident by several agencies (missing
//    episodes, domestic abuse) are clusters of records that share a child
//    token within the definitions' window; each cluster counts once, and is
//    recomputed when a member arrives, changes or leaves. A&E injuries are
//    linked the same way to police injury crimes (intent conflicts);
//  - returns (aggregate values) are kept per cell and source; the latest
//    applied version of a return record replaces the earlier one.
// It is kept in memory, saved with the log position it reflects (Serialize)
// and restored at start.
//
// Thread safety: not thread-safe; the hub guards it with a shared mutex
// (one writer: the ingest thread; readers: queries).
#pragma once

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/boards.h"
#include "core/calendar.h"
#include "hub/child_histories.h"
#include "hub/definitions.h"
#include "hub/event_facts.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

// A map kept as a vector sorted by key: a board and period's cells (a few
// hundred), searched, copied and thrown away without a node per entry.
template <typename V>
class SortedMap {
 public:
  using value_type = std::pair<uint32_t, V>;
  using const_iterator = typename std::vector<value_type>::const_iterator;
  using iterator = typename std::vector<value_type>::iterator;
  SortedMap() = default;
  // From entries sorted by key, each key once.
  explicit SortedMap(std::vector<value_type> sorted) : v_(std::move(sorted)) {}
  // The value of `key`, inserted default-constructed when absent.
  V& operator[](uint32_t key) {
    auto it = LowerBound(v_, key);
    if (it == v_.end() || it->first != key) it = v_.insert(it, {key, V{}});
    return it->second;
  }
  const V* find(uint32_t key) const {
    auto it = LowerBound(v_, key);
    return it != v_.end() && it->first == key ? &it->second : nullptr;
  }
  V* find(uint32_t key) {
    auto it = LowerBound(v_, key);
    return it != v_.end() && it->first == key ? &it->second : nullptr;
  }
  void reserve(size_t n) { v_.reserve(n); }
  bool empty() const { return v_.empty(); }
  size_t size() const { return v_.size(); }
  const_iterator begin() const { return v_.begin(); }
  const_iterator end() const { return v_.end(); }
  iterator begin() { return v_.begin(); }
  iterator end() { return v_.end(); }

 protected:
  // In `v` (v_, const or not): the first entry whose key is not below `key`.
  static auto LowerBound(auto& v, uint32_t key) {
    return std::lower_bound(v.begin(), v.end(), key, [](const value_type& e, uint32_t k) { return e.first < k; });
  }
  std::vector<value_type> v_;
};

// One board and period's cells: inner key -> value. An open-addressing
// table (linear probing): adding to a cell reads one or two cache lines,
// where a binary search of a sorted vector read several, each waiting on
// memory. A cell that comes back to 0 keeps its slot; it is not listed.
class CellMap final {
 public:
  // Adds `amount` to `key` (an inner key, below 2^24).
  void Add(uint32_t key, int64_t amount);
  // No cell other than 0.
  bool empty() const { return nonzero_ == 0; }
  // The cells other than 0.
  size_t size() const { return nonzero_; }
  // The cells other than 0, by key.
  std::vector<std::pair<uint32_t, int64_t>> Sorted() const;

 private:
  static constexpr uint32_t kFree = UINT32_MAX;
  struct Slot {
    uint32_t key = kFree;
    int64_t value = 0;
  };
  void Grow();
  std::vector<Slot> slots_;  // a power of two in size, at most 3/4 used
  size_t used_ = 0;          // slots with a key
  size_t nonzero_ = 0;       // of which the value is not 0
};

// Children on a plan under one key: the change on each day, kept with its
// running total, so that the number open on a day is one binary search
// (a period's snapshot asks for it for every key of its board).
class OpenSeries final {
 public:
  // Adds `delta` to the change on `day`.
  void Add(int32_t day, int64_t delta);
  // The sum of the changes on days up to and including `day`.
  int64_t At(int32_t day) const;
  // Each day with a change other than 0, in order, as f(day, change).
  template <typename F>
  void ForEach(F f) const {
    int64_t before = 0;
    for (const Point& p : points_) {
      f(p.day, p.total - before);
      before = p.total;
    }
  }
  size_t size() const { return points_.size(); }

 private:
  struct Point {
    int32_t day;
    int64_t total;  // the changes on days up to and including `day`
  };
  std::vector<Point> points_;  // by day
};

class IndicatorView final {
 public:
  IndicatorView(std::shared_ptr<const BoardRegistry> boards, std::shared_ptr<const Definitions> definitions);

  // Forgets everything.
  void Clear();
  // A new record.
  void Apply(const EventFacts& e);
  // An amendment: `before` is replaced by `after` (same record).
  void Replace(const EventFacts& before, const EventFacts& after);

  // The cells of one board (an ONS code) or region (a region code) for one
  // period. Cells with value 0 are not listed. Query(t, p) is
  // BuildSnapshot(*Gather(t, p)) (an empty snapshot when nothing is held).
  lscb::v1::Snapshot Query(const std::string& board_or_region, const Period& period) const;
  // The same into `out` (empty; it may live on an arena).
  void Query(const std::string& board_or_region, const Period& period, lscb::v1::Snapshot* out) const;

  // A cell as published, before it becomes a Snapshot cell.
  struct Published {
    int64_t count = 0, numerator = 0, denominator = 0;
    bool is_rate = false;
    bool not_available = false;
    bool from_events = false, from_return = false;
    std::vector<std::string> flags;
  };
  using PublishedCells = SortedMap<Published>;  // inner key -> cell
  // The figures of one board or region for one period, each of its boards'
  // computed from the view; BuildSnapshot needs nothing else.
  struct PeriodData {
    std::string board_or_region;
    Period period;
    bool region = false;
    std::vector<std::shared_ptr<const PublishedCells>> boards;
  };
  // (board << 32 | period code) -> its figures, for gathering several topics
  // at once.
  using GatherCache = std::unordered_map<uint64_t, std::shared_ptr<const PublishedCells>>;
  // The figures of a board or region for a period; nullopt when none of its
  // boards holds anything for the period (it is not in PeriodsWithData).
  // With a cache, each board's figures are computed once per cache.
  std::optional<PeriodData> Gather(const std::string& board_or_region, const Period& period,
                                   GatherCache* cache = nullptr) const;
  // Needs no lock: it reads nothing the view's changes touch.
  lscb::v1::Snapshot BuildSnapshot(const PeriodData& data) const;
  void BuildSnapshot(const PeriodData& data, lscb::v1::Snapshot* out) const;

  // What may have changed since the last TakeChanges, for the live feed.
  // Every change of a figure some Query returns is covered (a change may
  // also be listed when a figure ends up the same).
  struct Changes {
    bool all = false;  // anything (Clear, Deserialize)
    // (board << 32 | period code), sorted and unique.
    std::vector<uint64_t> board_periods;
    // Every period of `board` whose last day is in [from, to) (children on
    // a plan at the end of a period).
    struct DayRange {
      uint16_t board;
      int32_t from, to;
    };
    std::vector<DayRange> ends;
    bool empty() const { return !all && board_periods.empty() && ends.empty(); }
  };
  Changes TakeChanges();

  // The periods for which a board (or a region's boards) has any cell.
  std::vector<Period> PeriodsWithData(const std::string& board_or_region) const;

  const Definitions& definitions() const { return *definitions_; }
  const std::string& definitions_version() const { return definitions_->version; }

  // After `prefix` (so that a caller's header costs no copy of the whole).
  // With `children_apart`, the children's histories (most of a large view,
  // needed only to apply new events) are appended there instead, in the
  // form DecodeChildren reads, and the blob says so (HoldsChildren).
  std::string Serialize(std::string prefix = {}, std::string* children_apart = nullptr) const;
  // False for a blob serialised with its children's histories apart: its
  // view is restored whole only with those (DecodeChildren, AdoptChildren).
  static bool HoldsChildren(std::string_view blob);
  // REQUIRES: a view built with the same boards and definitions.
  // A blob that holds its children's histories (HoldsChildren); another is
  // refused. With `deferred_children`, the children's histories are not
  // restored but copied there for DecodeChildren and AdoptChildren; until
  // then the view answers queries but must be neither changed nor
  // serialised. A checkpoint of format 2 is restored whole (nothing is
  // deferred).
  Status Deserialize(std::string_view blob, std::string* deferred_children = nullptr);
  // A blob serialised with its children's histories apart (another is
  // refused): the view without them, until AdoptChildren, under the same
  // restrictions as a deferred restore.
  Status DeserializeWithoutChildren(std::string_view blob);
  // The children's histories Deserialize deferred or Serialize kept apart,
  // decoded. Touches no view (any thread).
  static Result<ChildHistories> DecodeChildren(std::string_view children);
  void AdoptChildren(ChildHistories children);

 private:
  Status Restore(std::string_view blob, bool children_apart, std::string* deferred_children);
  // A count added to one indicator for a board, date, band and label (the
  // three periods of the date; band and "all"; label and total).
  struct CellRef {
    Indicator indicator;
    uint16_t board;
    Date date;
    uint8_t band;
    LabelId label;
    int64_t amount;
  };
  // A +1/-1 change of "children on a plan" from a date on.
  struct OpenDelta {
    uint16_t board;
    uint8_t age_band;
    LabelId label;
    Date date;
    int delta;
  };
  // One missing episode (a cluster), for counting distinct children.
  struct Episode {
    uint64_t rep;  // its earliest record
    Date date;
    uint8_t band;
    std::vector<ChildKey> tokens;
  };
  struct Derived {
    std::vector<CellRef> cells;
    std::vector<OpenDelta> open;
    std::vector<std::pair<uint16_t, Episode>> episodes;  // board, episode
    // Empties it; the lists keep their room.
    void Clear() {
      cells.clear();
      open.clear();
      episodes.clear();
    }
  };

  struct LinkRecord {
    uint64_t record = 0;
    LinkGroup group = LinkGroup::kNone;
    EventKind kind{};
    uint16_t board = 0;
    int64_t at = 0;
    Date date;
    uint8_t band = 0;
    LabelId label = kTotal;
    LabelId agency = kTotal;
    uint8_t flags = 0;
    std::vector<ChildKey> tokens;
  };

  struct ReturnValue {
    int64_t value = 0;
    bool not_collected = false;
    uint32_t revision = 0;
    int64_t read_at = 0;
  };

  // Plain counts.
  void AddCounts(const EventFacts& e, int sign);
  void AddCell(const CellRef& c, int sign);
  // The cells of a board's three periods holding a date (month, quarter,
  // financial year), created when missing; DropEmpty removes those left
  // with none.
  struct PeriodCells {
    std::array<uint64_t, 3> bp;
    std::array<CellMap*, 3> cells;
  };
  PeriodCells CellsOf(uint16_t board, Date date);
  void DropEmpty(const PeriodCells& pc);
  // One cell's change in one board and period's cells: its total and, when
  // given, its age band's and label's.
  static void AddToCells(CellMap& cells, Indicator indicator, uint8_t band, LabelId label, int64_t amount);
  void AddToCell(uint64_t board_period, uint32_t inner, int64_t amount);
  void ApplyDerived(const Derived& d, int sign);

  // Children's-services histories.
  static bool InTimeline(EventKind k);
  // Fills `d` (cleared first; it keeps its room).
  void DeriveChild(ChildHistories::History t, Derived& d) const;
  void RemoveFromTimeline(const EventFacts& e);
  void InsertIntoTimeline(const EventFacts& e);
  void ChangeTimeline(const EventFacts* before, const EventFacts* after);

  // Linkage.
  static LinkRecord ToLinkRecord(const EventFacts& e);
  bool Matches(const LinkRecord& a, const LinkRecord& b) const;
  // The records `r` links to, sorted, into `out`.
  void Neighbours(const LinkRecord& r, std::vector<uint64_t>& out) const;
  // The clusters holding `seeds`, each sorted, into link_.clusters[which];
  // returns how many.
  size_t Components(const std::vector<uint64_t>& seeds, int which);
  // Fills `d` (cleared first) with what the cluster `members` counts.
  void DeriveCluster(const std::vector<uint64_t>& members, Derived& d);
  void IndexAdd(LinkRecord r);
  void IndexRemove(uint64_t record);
  void ChangeLinkage(const EventFacts* before, const EventFacts* after);

  // Returns.
  static uint64_t ReturnKey(const EventFacts& e);
  void ChangeReturn(const EventFacts& e, int sign);

  // Snapshot helpers.
  PublishedCells PublishBoard(uint16_t board, const Period& period) const;
  std::vector<uint16_t> BoardsOf(const std::string& board_or_region) const;
  PeriodData GatherBoards(const std::string& board_or_region, const std::vector<uint16_t>& boards,
                          const Period& period, GatherCache* cache) const;

  // Change tracking (TakeChanges). Derived cells and plan deltas are netted
  // per Apply/Replace first: re-deriving a child's history or a cluster
  // removes and re-adds mostly the same figures.
  void MarkDate(uint16_t board, Date date);
  void MarkBoardPeriod(uint64_t bp);
  void FlushChanges();
  struct OpenChange {
    uint32_t key;
    int32_t day;
    int64_t delta;
  };
  std::vector<uint64_t> changed_bp_;
  std::vector<std::pair<int32_t, int32_t>> changed_ends_;  // per board: [from, to)
  bool changed_all_ = true;
  std::vector<CellRef> derived_scratch_;      // signed amounts
  Derived derive_scratch_;                    // ChangeTimeline's and ChangeLinkage's
  // ChangeLinkage's, kept from one event to the next: linking an event
  // allocates what the view then holds (its record, a new token's list),
  // not its working lists.
  struct LinkScratch {
    std::vector<uint64_t> seeds, neighbours, queue;
    std::vector<std::vector<uint64_t>> clusters[2];  // before and after the change
    std::vector<const LinkRecord*> recs;
    std::pmr::unsynchronized_pool_resource pool;
    std::pmr::unordered_set<uint64_t> seen{&pool};
  };
  LinkScratch link_;
  std::vector<OpenChange> open_scratch_;

  std::shared_ptr<const BoardRegistry> boards_;
  std::shared_ptr<const Definitions> definitions_;

  // (board << 32 | period code) -> (indicator << 16 | band << 8 | label) -> value
  std::unordered_map<uint64_t, CellMap> cells_;
  // Children on a plan: (board << 16 | band << 8 | label) -> day -> delta.
  std::map<uint32_t, OpenSeries> open_plans_;
  // Per child (LOCAL token): referrals and plan starts/ends.
  ChildHistories children_;
  // Linkable records, and (group, token) -> records holding that token.
  std::unordered_map<uint64_t, LinkRecord> linkable_;
  using TokenKey = std::pair<uint8_t, ChildKey>;  // link group, token
  struct TokenKeyHash {
    size_t operator()(const TokenKey& k) const {
      return static_cast<size_t>(HashChildKey(k.second) ^ (uint64_t{k.first} * 0x9E3779B97F4A7C15ULL));
    }
  };
  std::unordered_map<TokenKey, std::vector<uint64_t>, TokenKeyHash> token_index_;
  // Missing episodes per board, by their earliest record.
  std::map<uint16_t, std::map<uint64_t, Episode>> episodes_;
  // Returns: cell key -> source -> value.
  std::map<uint64_t, std::map<uint64_t, ReturnValue>> returns_;
};

}  // namespace lscb::hub
