#include "hub/indicator_view.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "core/bytes.h"

namespace lscb::hub {
namespace {

uint64_t BoardPeriod(uint16_t board, uint32_t period_code) { return (uint64_t{board} << 32) | period_code; }
uint32_t Inner(Indicator ind, uint8_t band, LabelId label) {
  return (uint32_t{static_cast<uint8_t>(ind)} << 16) | (uint32_t{band} << 8) | label;
}
Indicator InnerIndicator(uint32_t inner) { return static_cast<Indicator>(inner >> 16); }
uint8_t InnerBand(uint32_t inner) { return static_cast<uint8_t>((inner >> 8) & 0xFF); }
LabelId InnerLabel(uint32_t inner) { return static_cast<LabelId>(inner & 0xFF); }
uint32_t OpenKey(uint16_t board, uint8_t band, LabelId label) {
  return (uint32_t{board} << 16) | (uint32_t{band} << 8) | label;
}

std::array<uint32_t, 3> PeriodsOf(Date d) {
  return {Period::MonthOf(d).Code(), Period::QuarterOf(d).Code(), Period::FinancialYearOf(d).Code()};
}

// A small binary writer/reader for checkpoints.
class Writer {
 public:
  Writer() = default;
  // Appends to `prefix`.
  explicit Writer(std::string prefix) : out_(std::move(prefix)) {}
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  // LEB128: 7 bits a byte, low bits first.
  void Var(uint64_t v) { AppendVarint(out_, v); }
  // Small magnitudes either side of 0 in few bytes.
  void ZigZag(int64_t v) { Var((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Bytes(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  size_t size() const { return out_.size(); }
  // Overwrites the 8 bytes written by U64 at `at`.
  void PatchU64(size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) out_[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t& v) {
    if (in_.empty()) return false;
    v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U64(uint64_t& v) {
    if (in_.size() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(in_[i])} << (8 * i);
    in_.remove_prefix(8);
    return true;
  }
  bool I64(int64_t& v) {
    uint64_t u = 0;
    if (!U64(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  bool Var(uint64_t& v) { return ReadVarint(in_, v); }
  bool ZigZag(int64_t& v) {
    uint64_t u = 0;
    if (!Var(u)) return false;
    v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    return true;
  }
  // The next `n` bytes, as they are.
  bool Take(size_t n, std::string_view& out) {
    if (in_.size() < n) return false;
    out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool Bytes(void* dst, size_t n) {
    if (in_.size() < n) return false;
    std::memcpy(dst, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool Str(std::string& s) {
    uint64_t n = 0;
    if (!U64(n) || n > in_.size()) return false;
    s.assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  // A count of items each at least `min_size` bytes long, checked against
  // what is left, so a damaged count cannot make us allocate wildly.
  bool Count(uint64_t& n, size_t min_size) { return U64(n) && n <= in_.size() / std::max<size_t>(1, min_size); }
  bool done() const { return in_.empty(); }
  size_t size() const { return in_.size(); }

 private:
  std::string_view in_;
};

// Format 4 (written with the children's histories apart) is format 3
// without its children's section; format 3 (written otherwise) encodes the
// children's histories compactly; format 2 (read) had fixed-width fields. A
// checkpoint of an older format is read, because a log shortened by
// retention cannot rebuild the view.
constexpr std::string_view kMagicChildrenApart = "LSCBVIEW4";
constexpr std::string_view kMagic = "LSCBVIEW3";
constexpr std::string_view kMagicFixedWidthChildren = "LSCBVIEW2";

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
// a - b and a + b, wrapping instead of overflowing (values read from a
// damaged checkpoint may be anything).
int64_t WrappingSub(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)); }
int64_t WrappingAdd(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }

// The error of every check a checkpoint fails.
Status Damaged() { return Status::Corruption("indicator view checkpoint is damaged"); }

// The children's histories of a checkpoint (format 2: fixed-width, or 3).
Status ReadChildren(Reader& r, bool fixed_width_children, ChildHistories& out) {
  uint64_t n = 0, m = 0;
  if (!r.Count(n, fixed_width_children ? 24 : 17)) return Damaged();
  out.Reserve(n);
  // Children are restored a batch at a time, each one's place in the table
  // asked for as soon as its key is read: the table is far larger than the
  // processor's caches, and its places are random.
  struct Pending {
    ChildKey child;
    size_t from, n;
  };
  std::vector<Pending> batch;
  std::vector<TimelineEntry> history;  // of the batch
  auto restore_batch = [&] {
    for (const Pending& p : batch) out.Restore(p.child, history.data() + p.from, p.n);
    batch.clear();
    history.clear();
  };
  // Written in key order and each history in time order, which restoring
  // relies on: anything else is damage.
  ChildKey last_child{};
  for (uint64_t i = 0; i < n; ++i) {
    if (batch.size() == 32) restore_batch();
    ChildKey child;
    if (!r.Bytes(child.data(), child.size()) || (i > 0 && !(last_child < child))) return Damaged();
    last_child = child;
    out.Prefetch(child);
    if (fixed_width_children ? !r.Count(m, 35) : !(r.Var(m) && m <= r.size() / 14)) return Damaged();
    batch.push_back({child, history.size(), static_cast<size_t>(m)});
    int64_t previous = 0;
    for (uint64_t j = 0; j < m; ++j) {
      uint8_t kind = 0, age_band = 0, label = 0;
      int64_t at = 0, day = 0;
      uint64_t record = 0, board = 0;
      if (fixed_width_children) {
        if (!r.U8(kind) || !r.I64(at) || !r.U64(record) || !r.I64(day) || !r.U64(board) || !r.U8(age_band) ||
            !r.U8(label))
          return Damaged();
      } else {
        int64_t at_change = 0, day_change = 0;
        if (!r.U8(kind) || !r.U8(age_band) || !r.U8(label) || !r.Var(board) || !r.ZigZag(at_change) ||
            !r.U64(record) || !r.ZigZag(day_change))
          return Damaged();
        at = WrappingAdd(previous, at_change);
        day = WrappingAdd(FloorDiv(at, 86400), day_change);
        previous = at;
      }
      history.emplace_back(static_cast<EventKind>(kind), at, record, Date{static_cast<int32_t>(day)},
                           static_cast<uint16_t>(board), age_band, label);
      if (j > 0 && history.back().SortKey() < history[history.size() - 2].SortKey()) return Damaged();
    }
  }
  restore_batch();
  return Status::Ok();
}

}  // namespace

IndicatorView::IndicatorView(std::shared_ptr<const BoardRegistry> boards,
                             std::shared_ptr<const Definitions> definitions)
    : boards_(std::move(boards)), definitions_(std::move(definitions)) {}

void IndicatorView::Clear() {
  changed_all_ = true;
  cells_.clear();
  open_plans_.clear();
  children_.clear();
  linkable_.clear();
  token_index_.clear();
  episodes_.clear();
  returns_.clear();
}

// ---------------------------------------------------------------- counts

void CellMap::Add(uint32_t key, int64_t amount) {
  if (amount == 0) return;
  if ((used_ + 1) * 4 > slots_.size() * 3) Grow();
  const size_t mask = slots_.size() - 1;
  uint32_t h = key * 0x9E3779B1u;
  for (size_t i = (h ^ (h >> 16)) & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.key == key) {
      const bool was_zero = slot.value == 0;
      slot.value += amount;
      if (was_zero) ++nonzero_;
      else if (slot.value == 0) --nonzero_;
      return;
    }
    if (slot.key == kFree) {
      slot.key = key;
      slot.value = amount;
      ++used_;
      ++nonzero_;
      return;
    }
  }
}

void CellMap::Grow() {
  // Cells back at 0 are dropped here; the size is for the others.
  std::vector<Slot> old = std::move(slots_);
  size_t size = 16;
  while (nonzero_ * 2 >= size) size *= 2;
  slots_.assign(size, Slot{});
  used_ = 0;
  nonzero_ = 0;
  for (const Slot& s : old)
    if (s.key != kFree && s.value != 0) Add(s.key, s.value);
}

std::vector<std::pair<uint32_t, int64_t>> CellMap::Sorted() const {
  std::vector<std::pair<uint32_t, int64_t>> out;
  out.reserve(nonzero_);
  for (const Slot& s : slots_)
    if (s.key != kFree && s.value != 0) out.emplace_back(s.key, s.value);
  std::sort(out.begin(), out.end());
  return out;
}

void IndicatorView::AddToCell(uint64_t bp, uint32_t inner, int64_t amount) {
  if (amount == 0) return;
  MarkBoardPeriod(bp);
  auto& cells = cells_[bp];
  cells.Add(inner, amount);
  if (cells.empty()) cells_.erase(bp);
}

IndicatorView::PeriodCells IndicatorView::CellsOf(uint16_t board, Date date) {
  PeriodCells pc;
  const std::array<uint32_t, 3> periods = PeriodsOf(date);
  for (size_t i = 0; i < periods.size(); ++i) {
    pc.bp[i] = BoardPeriod(board, periods[i]);
    pc.cells[i] = &cells_[pc.bp[i]];  // references into cells_ stay valid while it grows
  }
  return pc;
}

void IndicatorView::DropEmpty(const PeriodCells& pc) {
  for (size_t i = 0; i < pc.bp.size(); ++i)
    if (pc.cells[i]->empty()) cells_.erase(pc.bp[i]);
}

void IndicatorView::AddCell(const CellRef& c, int sign) {
  const int64_t amount = sign * c.amount;
  if (amount == 0) return;
  const PeriodCells pc = CellsOf(c.board, c.date);
  for (CellMap* cells : pc.cells) AddToCells(*cells, c.indicator, c.band, c.label, amount);
  DropEmpty(pc);
}

void IndicatorView::AddToCells(CellMap& cells, Indicator indicator, uint8_t band, LabelId label, int64_t amount) {
  cells.Add(Inner(indicator, 0, kTotal), amount);
  if (label != kTotal) cells.Add(Inner(indicator, 0, label), amount);
  if (band != 0) {
    cells.Add(Inner(indicator, band, kTotal), amount);
    if (label != kTotal) cells.Add(Inner(indicator, band, label), amount);
  }
}

void IndicatorView::AddCounts(const EventFacts& e, int sign) {
  // Every cell below is of this board and date: its three periods' cells
  // are looked up once.
  const PeriodCells pc = CellsOf(e.board, e.date);
  for (uint64_t bp : pc.bp) MarkBoardPeriod(bp);
  auto add = [&](Indicator indicator, uint8_t band, LabelId label, int64_t amount) {
    if (amount == 0) return;
    for (CellMap* cells : pc.cells) AddToCells(*cells, indicator, band, label, amount);
  };
  for (const CountRule& rule : definitions_->count_rules) {
    if (std::find(rule.kinds.begin(), rule.kinds.end(), e.kind) == rule.kinds.end()) continue;
    bool holds = true;
    switch (rule.when) {
      case Condition::kNone: break;
      case Condition::kSafeguardingConcern: holds = e.flags & kSafeguardingConcern; break;
      case Condition::kCpIsFlag: holds = e.flags & kCpIsFlag; break;
      case Condition::kAssaultInjury: holds = (e.flags & kInjury) && (e.flags & kIntentAssault); break;
    }
    if (!holds) continue;
    add(rule.indicator, rule.by_age ? e.age_band : uint8_t{0}, rule.by_label ? e.label : kTotal,
        sign * int64_t{e.amount});
  }
  // Which kinds have events here (a cell's basis), and NHS token coverage.
  add(Indicator::kInternalKindPresent, 0, static_cast<LabelId>(e.kind), sign);
  if (!e.tokens.empty()) {
    add(Indicator::kInternalWithSubject, 0, e.agency, sign);
    if (e.flags & kHasNhsToken) add(Indicator::kInternalNhsToken, 0, e.agency, sign);
  }
  DropEmpty(pc);
}

void IndicatorView::ApplyDerived(const Derived& d, int sign) {
  for (const CellRef& c : d.cells) {
    AddCell(c, sign);
    CellRef change = c;
    change.amount = sign * c.amount;
    derived_scratch_.push_back(change);
  }
  for (const OpenDelta& o : d.open) {
    const uint32_t key = OpenKey(o.board, o.age_band, o.label);
    open_plans_[key].Add(o.date.days, int64_t{sign} * o.delta);
    open_scratch_.push_back({key, o.date.days, int64_t{sign} * o.delta});
  }
  for (const auto& [board, ep] : d.episodes) {
    MarkDate(board, ep.date);
    if (sign > 0) {
      episodes_[board][ep.rep] = ep;
    } else {
      auto it = episodes_.find(board);
      if (it != episodes_.end()) {
        it->second.erase(ep.rep);
        if (it->second.empty()) episodes_.erase(it);
      }
    }
  }
}

// ------------------------------------------------ children on a plan

void OpenSeries::Add(int32_t day, int64_t delta) {
  if (delta == 0) return;
  auto it = std::lower_bound(points_.begin(), points_.end(), day, [](const Point& p, int32_t d) { return p.day < d; });
  if (it == points_.end() || it->day != day) {
    const int64_t before = it == points_.begin() ? 0 : std::prev(it)->total;
    it = points_.insert(it, {day, before});
  }
  // Wrapping: a damaged checkpoint may hold anything (a sound one does not overflow).
  for (auto p = it; p != points_.end(); ++p) p->total = WrappingAdd(p->total, delta);
  const int64_t before = it == points_.begin() ? 0 : std::prev(it)->total;
  if (it->total == before) points_.erase(it);  // no change on that day any more
}

int64_t OpenSeries::At(int32_t day) const {
  auto it = std::upper_bound(points_.begin(), points_.end(), day, [](int32_t d, const Point& p) { return d < p.day; });
  return it == points_.begin() ? 0 : std::prev(it)->total;
}

// ------------------------------------------------ children's-services history

bool IndicatorView::InTimeline(EventKind k) {
  return k == EventKind::kCscReferral || k == EventKind::kCscCpPlanStarted || k == EventKind::kCscCpPlanEnded;
}

void IndicatorView::DeriveChild(ChildHistories::History t, Derived& d) const {
  d.Clear();
  const TimelineEntry* last_referral = nullptr;
  const TimelineEntry* open_plan = nullptr;
  bool had_plan = false;
  for (const TimelineEntry& e : t) {
    switch (e.kind) {
      case EventKind::kCscReferral:
        if (last_referral && last_referral->date >= AddMonths(e.date, -definitions_->rereferral_months))
          d.cells.push_back({Indicator::kCscRereferrals12m, e.board(), e.date, e.age_band, kTotal, 1});
        last_referral = &e;
        break;
      case EventKind::kCscCpPlanStarted:
        if (had_plan) d.cells.push_back({Indicator::kCscCppRepeat, e.board(), e.date, e.age_band, kTotal, 1});
        if (open_plan) d.open.push_back({open_plan->board(), open_plan->age_band, open_plan->label, e.date, -1});
        d.open.push_back({e.board(), e.age_band, e.label, e.date, +1});
        open_plan = &e;
        had_plan = true;
        break;
      case EventKind::kCscCpPlanEnded:
        if (open_plan) {
          d.open.push_back({open_plan->board(), open_plan->age_band, open_plan->label, e.date, -1});
          open_plan = nullptr;
        }
        break;
      default:
        break;
    }
  }
}

void IndicatorView::RemoveFromTimeline(const EventFacts& e) { children_.Remove(e.child, e.record); }

void IndicatorView::InsertIntoTimeline(const EventFacts& e) {
  children_.Insert(e.child, {e.kind, e.occurred_at, e.record, e.date, e.board, e.age_band, e.label});
}

void IndicatorView::ChangeTimeline(const EventFacts* before, const EventFacts* after) {
  // The children whose history changes: one, or two when an amendment
  // moved a record to another child.
  std::array<const ChildKey*, 2> affected{};
  size_t n = 0;
  if (before && InTimeline(before->kind)) affected[n++] = &before->child;
  if (after && InTimeline(after->kind) && !(n == 1 && *affected[0] == after->child)) affected[n++] = &after->child;
  if (n == 0) return;
  Derived& d = derive_scratch_;
  for (size_t i = 0; i < n; ++i) {
    DeriveChild(children_.Find(*affected[i]), d);
    ApplyDerived(d, -1);
  }
  if (before && InTimeline(before->kind)) RemoveFromTimeline(*before);
  if (after && InTimeline(after->kind)) InsertIntoTimeline(*after);
  for (size_t i = 0; i < n; ++i) {
    DeriveChild(children_.Find(*affected[i]), d);
    ApplyDerived(d, +1);
  }
}

// ---------------------------------------------------------------- linkage

IndicatorView::LinkRecord IndicatorView::ToLinkRecord(const EventFacts& e) {
  LinkRecord r;
  r.record = e.record;
  r.group = LinkGroupOf(e);
  r.kind = e.kind;
  r.board = e.board;
  r.at = e.occurred_at;
  r.date = e.date;
  r.band = e.age_band;
  r.label = e.label;
  r.agency = e.agency;
  r.flags = e.flags;
  r.tokens.assign(e.tokens.begin(), e.tokens.end());
  return r;
}

bool IndicatorView::Matches(const LinkRecord& a, const LinkRecord& b) const {
  if (a.group != b.group || a.record == b.record) return false;
  // Missing episodes and domestic abuse link within a board; an injury is
  // linked wherever the A&E (borough of residence) and police records are.
  if (LinksWithinBoard(a.group) && a.board != b.board) return false;
  if (a.group == LinkGroup::kInjury && a.kind == b.kind) return false;
  int64_t gap = a.at > b.at ? a.at - b.at : b.at - a.at;
  return gap <= LinkWindow(*definitions_, a.group);
}

void IndicatorView::Neighbours(const LinkRecord& r, std::vector<uint64_t>& out) const {
  out.clear();
  for (const ChildKey& t : r.tokens) {
    auto it = token_index_.find({static_cast<uint8_t>(r.group), t});
    if (it == token_index_.end()) continue;
    for (uint64_t id : it->second) {
      auto rec = linkable_.find(id);
      if (rec != linkable_.end() && Matches(r, rec->second)) out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

size_t IndicatorView::Components(const std::vector<uint64_t>& seeds, int which) {
  auto& out = link_.clusters[which];
  auto& seen = link_.seen;
  auto& queue = link_.queue;
  seen.clear();
  size_t n = 0;
  for (uint64_t seed : seeds) {
    if (seen.count(seed) || !linkable_.count(seed)) continue;
    if (n == out.size()) out.emplace_back();
    std::vector<uint64_t>& comp = out[n++];
    comp.clear();
    queue.assign(1, seed);  // breadth first: read from `next`, appended to
    seen.insert(seed);
    for (size_t next = 0; next < queue.size(); ++next) {
      const uint64_t id = queue[next];
      comp.push_back(id);
      Neighbours(linkable_.at(id), link_.neighbours);
      for (uint64_t nb : link_.neighbours)
        if (seen.insert(nb).second) queue.push_back(nb);
    }
    std::sort(comp.begin(), comp.end());
  }
  return n;
}

void IndicatorView::DeriveCluster(const std::vector<uint64_t>& members, Derived& d) {
  d.Clear();
  if (members.empty()) return;
  auto& recs = link_.recs;
  recs.clear();
  for (uint64_t id : members) recs.push_back(&linkable_.at(id));
  std::sort(recs.begin(), recs.end(), [](const LinkRecord* a, const LinkRecord* b) {
    return std::make_pair(a->at, a->record) < std::make_pair(b->at, b->record);
  });
  const LinkRecord& rep = *recs.front();
  std::bitset<256> agencies;  // by LabelId
  for (const auto* r : recs) agencies.set(r->agency);
  auto linked = [&] {
    if (recs.size() < 2) return;
    d.cells.push_back({Indicator::kInternalLinked, rep.board, rep.date, 0, kTotal, 1});
    if (agencies.count() >= 2) d.cells.push_back({Indicator::kInternalCorroborated, rep.board, rep.date, 0, kTotal, 1});
  };
  switch (rep.group) {
    case LinkGroup::kMissing: {
      // Counted once; "missing" (the more cautious reading) when any report says so.
      const LabelId missing = *LabelIdOf("missing"), absent = *LabelIdOf("absent");
      bool any_missing = false, any_absent = false;
      Episode ep{rep.record, rep.date, rep.band, {}};
      for (const auto* r : recs) {
        any_missing |= r->label == missing;
        any_absent |= r->label == absent;
        ep.tokens.insert(ep.tokens.end(), r->tokens.begin(), r->tokens.end());
      }
      std::sort(ep.tokens.begin(), ep.tokens.end());
      ep.tokens.erase(std::unique(ep.tokens.begin(), ep.tokens.end()), ep.tokens.end());
      d.cells.push_back({Indicator::kMisEpisodes, rep.board, rep.date, rep.band, any_missing ? missing : absent, 1});
      if (any_missing && any_absent)
        d.cells.push_back({Indicator::kInternalCategoryConflict, rep.board, rep.date, 0, kTotal, 1});
      d.episodes.push_back({rep.board, std::move(ep)});
      linked();
      break;
    }
    case LinkGroup::kDomesticAbuse: {
      const LabelId victim = *LabelIdOf("victim");
      bool any_victim = false;
      for (const auto* r : recs) any_victim |= r->label == victim;
      d.cells.push_back({Indicator::kDaChildIncidents, rep.board, rep.date, rep.band,
                         any_victim ? victim : *LabelIdOf("present"), 1});
      linked();
      break;
    }
    case LinkGroup::kInjury: {
      bool police_assault = false;
      for (const auto* r : recs)
        police_assault |= r->kind == EventKind::kPoliceChildInjuryCrime && (r->flags & kCrimeAssault);
      if (police_assault)
        for (const auto* r : recs)
          if (r->kind == EventKind::kHealthAeAttendance && (r->flags & kIntentAccidental))
            d.cells.push_back({Indicator::kDqIntentConflict, r->board, r->date, r->band, kTotal, 1});
      break;
    }
    default:
      break;
  }
}

void IndicatorView::IndexAdd(LinkRecord r) {
  for (const ChildKey& t : r.tokens) token_index_[{static_cast<uint8_t>(r.group), t}].push_back(r.record);
  const uint64_t record = r.record;
  linkable_[record] = std::move(r);
}

void IndicatorView::IndexRemove(uint64_t record) {
  auto it = linkable_.find(record);
  if (it == linkable_.end()) return;
  for (const ChildKey& t : it->second.tokens) {
    auto ti = token_index_.find({static_cast<uint8_t>(it->second.group), t});
    if (ti == token_index_.end()) continue;
    auto& v = ti->second;
    v.erase(std::remove(v.begin(), v.end(), record), v.end());
    if (v.empty()) token_index_.erase(ti);
  }
  linkable_.erase(it);
}

void IndicatorView::ChangeLinkage(const EventFacts* before, const EventFacts* after) {
  bool remove = before && LinkGroupOf(*before) != LinkGroup::kNone;
  std::optional<LinkRecord> add;
  if (after && LinkGroupOf(*after) != LinkGroup::kNone) add = ToLinkRecord(*after);
  if (!remove && !add) return;

  std::vector<uint64_t>& seeds = link_.seeds;
  seeds.clear();
  if (remove) seeds.push_back(before->record);
  if (add) {
    Neighbours(*add, link_.neighbours);
    seeds.insert(seeds.end(), link_.neighbours.begin(), link_.neighbours.end());
  }
  const size_t old_clusters = Components(seeds, 0);
  for (size_t i = 0; i < old_clusters; ++i) {
    DeriveCluster(link_.clusters[0][i], derive_scratch_);
    ApplyDerived(derive_scratch_, -1);
  }

  if (remove) IndexRemove(before->record);
  const uint64_t added = add ? add->record : 0;
  if (add) IndexAdd(std::move(*add));

  seeds.clear();
  for (size_t i = 0; i < old_clusters; ++i)
    for (uint64_t id : link_.clusters[0][i])
      if (linkable_.count(id)) seeds.push_back(id);
  if (add) seeds.push_back(added);
  const size_t new_clusters = Components(seeds, 1);
  for (size_t i = 0; i < new_clusters; ++i) {
    DeriveCluster(link_.clusters[1][i], derive_scratch_);
    ApplyDerived(derive_scratch_, +1);
  }
}

// ---------------------------------------------------------------- returns

uint64_t IndicatorView::ReturnKey(const EventFacts& e) {
  const ReturnFacts& r = e.ret;
  return (uint64_t{static_cast<uint8_t>(r.indicator)} << 56) | (uint64_t{e.board} << 40) |
         (uint64_t{r.age_band} << 36) | (uint64_t{r.label} << 28) | (r.period & 0x0FFFFFFF);
}

void IndicatorView::ChangeReturn(const EventFacts& e, int sign) {
  uint64_t key = ReturnKey(e);
  MarkBoardPeriod(BoardPeriod(e.board, e.ret.period & 0x0FFFFFFF));  // as PeriodsWithData reads it
  if (sign > 0) {
    returns_[key][e.source] = ReturnValue{e.ret.value, e.ret.not_collected, e.ret.revision, e.ret.read_at};
  } else if (auto it = returns_.find(key); it != returns_.end()) {
    it->second.erase(e.source);
    if (it->second.empty()) returns_.erase(it);
  }
}

// ---------------------------------------------------------------- changes

void IndicatorView::Apply(const EventFacts& e) {
  if (e.kind == EventKind::kReturn) {
    ChangeReturn(e, +1);
    return;
  }
  AddCounts(e, +1);
  ChangeTimeline(nullptr, &e);
  ChangeLinkage(nullptr, &e);
  FlushChanges();
}

void IndicatorView::Replace(const EventFacts& before, const EventFacts& after) {
  if (before.kind == EventKind::kReturn) ChangeReturn(before, -1);
  else AddCounts(before, -1);
  if (after.kind == EventKind::kReturn) ChangeReturn(after, +1);
  else AddCounts(after, +1);
  ChangeTimeline(&before, &after);
  ChangeLinkage(&before, &after);
  FlushChanges();
}

// ---------------------------------------------------------------- changes for the feed

void IndicatorView::MarkBoardPeriod(uint64_t bp) {
  // Bounded: there are only so many (board, period) pairs.
  if (changed_bp_.size() >= 4096) {
    std::sort(changed_bp_.begin(), changed_bp_.end());
    changed_bp_.erase(std::unique(changed_bp_.begin(), changed_bp_.end()), changed_bp_.end());
  }
  changed_bp_.push_back(bp);
}

void IndicatorView::MarkDate(uint16_t board, Date date) {
  for (uint32_t p : PeriodsOf(date)) MarkBoardPeriod(BoardPeriod(board, p));
}

void IndicatorView::FlushChanges() {
  // Derived cells: only those whose net change is not zero.
  if (!derived_scratch_.empty()) {
    auto key = [](const CellRef& c) {
      return std::make_tuple(c.board, c.date.days, static_cast<uint8_t>(c.indicator), c.band, c.label);
    };
    std::sort(derived_scratch_.begin(), derived_scratch_.end(),
              [&](const CellRef& a, const CellRef& b) { return key(a) < key(b); });
    for (size_t i = 0; i < derived_scratch_.size();) {
      size_t j = i;
      int64_t net = 0;
      for (; j < derived_scratch_.size() && key(derived_scratch_[j]) == key(derived_scratch_[i]); ++j)
        net += derived_scratch_[j].amount;
      if (net != 0) MarkDate(derived_scratch_[i].board, derived_scratch_[i].date);
      i = j;
    }
    derived_scratch_.clear();
  }
  // Plan deltas: the number open at a period's last day e changes only when
  // the net deltas up to e do not sum to zero, so only for e in [first day
  // with a net change, last such day), or from the first day on when the
  // total is not zero.
  if (!open_scratch_.empty()) {
    std::sort(open_scratch_.begin(), open_scratch_.end(), [](const OpenChange& a, const OpenChange& b) {
      return std::make_pair(a.key, a.day) < std::make_pair(b.key, b.day);
    });
    for (size_t i = 0; i < open_scratch_.size();) {
      const uint32_t k = open_scratch_[i].key;
      int32_t first = INT32_MAX, last = INT32_MIN;
      int64_t total = 0;
      size_t j = i;
      while (j < open_scratch_.size() && open_scratch_[j].key == k) {
        const int32_t day = open_scratch_[j].day;
        int64_t net = 0;
        for (; j < open_scratch_.size() && open_scratch_[j].key == k && open_scratch_[j].day == day; ++j)
          net += open_scratch_[j].delta;
        if (net != 0) {
          first = std::min(first, day);
          last = std::max(last, day);
          total += net;
        }
      }
      if (first != INT32_MAX) {
        const auto board = static_cast<uint16_t>(k >> 16);
        if (changed_ends_.size() <= board) changed_ends_.resize(board + 1, {INT32_MAX, INT32_MIN});
        auto& [from, to] = changed_ends_[board];
        from = std::min(from, first);
        to = std::max(to, total != 0 ? INT32_MAX : last);
      }
      i = j;
    }
    open_scratch_.clear();
  }
}

IndicatorView::Changes IndicatorView::TakeChanges() {
  FlushChanges();
  Changes c;
  c.all = changed_all_;
  changed_all_ = false;
  std::sort(changed_bp_.begin(), changed_bp_.end());
  changed_bp_.erase(std::unique(changed_bp_.begin(), changed_bp_.end()), changed_bp_.end());
  c.board_periods.assign(changed_bp_.begin(), changed_bp_.end());  // changed_bp_ keeps its room
  changed_bp_.clear();
  for (size_t b = 0; b < changed_ends_.size(); ++b)
    if (changed_ends_[b].first < changed_ends_[b].second)
      c.ends.push_back({static_cast<uint16_t>(b), changed_ends_[b].first, changed_ends_[b].second});
  changed_ends_.clear();
  return c;
}

// ---------------------------------------------------------------- queries

IndicatorView::PublishedCells IndicatorView::PublishBoard(uint16_t board, const Period& period) const {
  SortedMap<int64_t> sums;
  if (auto it = cells_.find(BoardPeriod(board, period.Code())); it != cells_.end())
    sums = SortedMap<int64_t>(it->second.Sorted());
  auto sum = [&](Indicator ind, uint8_t band, LabelId label) -> int64_t {
    const int64_t* v = sums.find(Inner(ind, band, label));
    return v ? *v : 0;
  };

  // Children subject to a plan at the period's end.
  const int32_t end = period.Last().days;
  for (auto o = open_plans_.lower_bound(OpenKey(board, 0, 0)),
            hi = open_plans_.lower_bound(OpenKey(static_cast<uint16_t>(board + 1), 0, 0));
       o != hi; ++o) {
    const int64_t open = o->second.At(end);
    if (open == 0) continue;
    auto band = static_cast<uint8_t>((o->first >> 8) & 0xFF);
    auto label = static_cast<LabelId>(o->first & 0xFF);
    const std::array<std::pair<uint8_t, LabelId>, 4> cells = {
        {{band, label}, {band, kTotal}, {uint8_t{0}, label}, {uint8_t{0}, kTotal}}};
    for (auto [b, l] : cells) sums[Inner(Indicator::kCscCppOpen, b, l)] += open;
  }

  // Distinct children with missing episodes in the period: episodes sharing
  // a child token are the same child. The band is the one at the child's
  // first episode in the period.
  if (auto eps = episodes_.find(board); eps != episodes_.end()) {
    const DateSpan days = period.Days();
    std::vector<const Episode*> in;
    for (const auto& [rep, ep] : eps->second)
      if (days.Contains(ep.date)) in.push_back(&ep);
    std::sort(in.begin(), in.end(), [](const Episode* a, const Episode* b) {
      return std::make_pair(a->date, a->rep) < std::make_pair(b->date, b->rep);
    });
    // Union-find over the episodes; the earlier episode is the root.
    std::vector<size_t> parent(in.size());
    for (size_t i = 0; i < in.size(); ++i) parent[i] = i;
    auto find = [&](size_t i) {
      size_t root = i;
      while (parent[root] != root) root = parent[root];
      while (parent[i] != root) i = std::exchange(parent[i], root);
      return root;
    };
    // Episodes holding the same token are adjacent once sorted by token.
    std::vector<std::pair<ChildKey, size_t>> held;
    for (size_t i = 0; i < in.size(); ++i)
      for (const ChildKey& t : in[i]->tokens) held.emplace_back(t, i);
    std::sort(held.begin(), held.end());
    for (size_t k = 1; k < held.size(); ++k)
      if (held[k].first == held[k - 1].first) {
        const size_t a = find(held[k].second), b = find(held[k - 1].second);
        if (a != b) parent[std::max(a, b)] = std::min(a, b);
      }
    std::vector<size_t> episodes_of(in.size(), 0);  // by root
    for (size_t i = 0; i < in.size(); ++i) ++episodes_of[find(i)];
    for (size_t root = 0; root < in.size(); ++root) {
      const size_t n = episodes_of[root];
      if (n == 0) continue;
      for (uint8_t b : {uint8_t{0}, in[root]->band}) {
        sums[Inner(Indicator::kMisChildren, b, kTotal)] += 1;
        if (n >= 3) sums[Inner(Indicator::kMisRepeatChildren, b, kTotal)] += 1;
      }
    }
  }

  PublishedCells out;
  out.reserve(sums.size() + 16);
  auto has_events = [&](Indicator ind) {
    for (EventKind k : definitions_->basis_kinds[static_cast<size_t>(ind) - 1])
      if (sum(Indicator::kInternalKindPresent, 0, static_cast<LabelId>(k)) > 0) return true;
    return false;
  };
  for (const auto& [inner, v] : sums) {
    Indicator ind = InnerIndicator(inner);
    if (static_cast<int>(ind) > kIndicatorCount || v == 0) continue;
    Published& p = out[inner];
    p.count = v;
    p.from_events = true;
  }
  // Rates.
  auto rate = [&](Indicator ind, uint8_t band, LabelId label, int64_t num, int64_t den) {
    if (num == 0 && den == 0) return;
    Published& p = out[Inner(ind, band, label)];
    p.is_rate = true;
    p.numerator = num;
    p.denominator = den;
    p.from_events = true;
  };
  for (uint8_t band = 0; band <= kAgeBandCount; ++band)
    rate(Indicator::kCscContactConversion, band, kTotal, sum(Indicator::kCscReferrals, band, kTotal),
         sum(Indicator::kCscContacts, band, kTotal));
  rate(Indicator::kDqNhsTokenRate, 0, kTotal, sum(Indicator::kInternalNhsToken, 0, kTotal),
       sum(Indicator::kInternalWithSubject, 0, kTotal));
  for (auto agency : Agencies()) {
    LabelId l = *LabelIdOf(agency);
    rate(Indicator::kDqNhsTokenRate, 0, l, sum(Indicator::kInternalNhsToken, 0, l),
         sum(Indicator::kInternalWithSubject, 0, l));
  }
  rate(Indicator::kDqCorroborated, 0, kTotal, sum(Indicator::kInternalCorroborated, 0, kTotal),
       sum(Indicator::kInternalLinked, 0, kTotal));

  // Data-quality flags from linkage.
  if (sum(Indicator::kInternalCategoryConflict, 0, kTotal) > 0)
    out[Inner(Indicator::kMisEpisodes, 0, kTotal)].flags.push_back("category_conflict");
  if (sum(Indicator::kDqIntentConflict, 0, kTotal) > 0) {
    out[Inner(Indicator::kDqIntentConflict, 0, kTotal)].flags.push_back("intent_conflict");
    if (Published* p = out.find(Inner(Indicator::kAeAssaultInjuries, 0, kTotal)))
      p->flags.push_back("intent_conflict");
  }

  // Returns: the latest read of each cell from any source.
  const uint64_t pc = period.Code();
  for (const auto& [key, by_source] : returns_) {
    if (((key >> 40) & 0xFFFF) != board || (key & 0x0FFFFFFF) != (pc & 0x0FFFFFFF)) continue;
    const ReturnValue* latest = nullptr;
    for (const auto& [src, v] : by_source)
      if (!latest || std::make_pair(v.read_at, v.revision) > std::make_pair(latest->read_at, latest->revision))
        latest = &v;
    auto ind = static_cast<Indicator>(key >> 56);
    auto band = static_cast<uint8_t>((key >> 36) & 0xF);
    auto label = static_cast<LabelId>((key >> 28) & 0xFF);
    Published& p = out[Inner(ind, band, label)];
    p.from_return = true;
    if (has_events(ind)) {
      p.from_events = true;
      int64_t event_value = p.is_rate ? (p.denominator ? p.numerator * 100 / p.denominator : -1) : p.count;
      if (latest->not_collected || event_value != latest->value) p.flags.push_back("reconcile");
      continue;
    }
    if (latest->not_collected) {
      p.not_available = true;
    } else if (IsRate(ind)) {
      p.is_rate = true;
      p.numerator = latest->value;
      p.denominator = 100;
    } else {
      p.count = latest->value;
    }
  }
  // Cells of indicators with events here but whose value is not an event
  // cell of its own (e.g. 0 from events beside a return) keep basis events.
  return out;
}

std::vector<Period> IndicatorView::PeriodsWithData(const std::string& board_or_region) const {
  std::set<uint16_t> boards;
  for (const Board& b : boards_->all())
    if (b.ons_code == board_or_region || b.region == board_or_region) boards.insert(b.index);
  std::set<uint32_t> codes;
  for (const auto& [bp, cells] : cells_)
    if (boards.count(static_cast<uint16_t>(bp >> 32))) codes.insert(static_cast<uint32_t>(bp & 0xFFFFFFFF));
  for (const auto& [key, by_source] : returns_)
    if (boards.count(static_cast<uint16_t>((key >> 40) & 0xFFFF))) {
      // Return keys keep the low 28 bits of the period code, which hold it whole.
      codes.insert(static_cast<uint32_t>(key & 0x0FFFFFFF));
    }
  std::vector<Period> out;
  for (uint32_t c : codes) out.push_back(Period::FromCode(c));
  return out;
}

std::vector<uint16_t> IndicatorView::BoardsOf(const std::string& board_or_region) const {
  std::vector<uint16_t> boards;
  for (const Board& b : boards_->all())
    if (b.ons_code == board_or_region || b.region == board_or_region) boards.push_back(b.index);
  return boards;
}

std::optional<IndicatorView::PeriodData> IndicatorView::Gather(const std::string& board_or_region,
                                                               const Period& period, GatherCache* cache) const {
  const std::vector<uint16_t> boards = BoardsOf(board_or_region);
  const uint32_t code = period.Code();
  bool any = false;
  for (uint16_t b : boards) any = any || cells_.count(BoardPeriod(b, code));
  if (!any)
    for (const auto& [key, by_source] : returns_) {
      const auto b = static_cast<uint16_t>((key >> 40) & 0xFFFF);
      if (static_cast<uint32_t>(key & 0x0FFFFFFF) == code && std::find(boards.begin(), boards.end(), b) != boards.end()) {
        any = true;
        break;
      }
    }
  if (!any) return std::nullopt;
  return GatherBoards(board_or_region, boards, period, cache);
}

IndicatorView::PeriodData IndicatorView::GatherBoards(const std::string& board_or_region,
                                                      const std::vector<uint16_t>& boards,
                                                      const Period& period, GatherCache* cache) const {
  PeriodData d;
  d.board_or_region = board_or_region;
  d.period = period;
  d.region = !(boards.size() == 1 && boards_->at(boards[0]).ons_code == board_or_region);
  d.boards.reserve(d.region ? boards.size() : 1);
  for (uint16_t b : boards) {
    if (cache) {
      auto& cached = (*cache)[BoardPeriod(b, period.Code())];
      if (!cached) cached = std::make_shared<const PublishedCells>(PublishBoard(b, period));
      d.boards.push_back(cached);
    } else {
      d.boards.push_back(std::make_shared<const PublishedCells>(PublishBoard(b, period)));
    }
    if (!d.region) break;
  }
  return d;
}

lscb::v1::Snapshot IndicatorView::Query(const std::string& board_or_region, const Period& period) const {
  lscb::v1::Snapshot snap;
  Query(board_or_region, period, &snap);
  return snap;
}

void IndicatorView::Query(const std::string& board_or_region, const Period& period, lscb::v1::Snapshot* out) const {
  BuildSnapshot(GatherBoards(board_or_region, BoardsOf(board_or_region), period, nullptr), out);
}

lscb::v1::Snapshot IndicatorView::BuildSnapshot(const PeriodData& data) const {
  lscb::v1::Snapshot snap;
  BuildSnapshot(data, &snap);
  return snap;
}

void IndicatorView::BuildSnapshot(const PeriodData& data, lscb::v1::Snapshot* out) const {
  const bool region = data.region;
  const std::string& board_or_region = data.board_or_region;
  const Period& period = data.period;

  static const PublishedCells kNone;
  PublishedCells merged;
  // A board's own cells are used as they are.
  const PublishedCells& total = region ? merged : data.boards.empty() ? kNone : *data.boards.front();
  SortedMap<int> available_in;  // how many boroughs had a value
  for (const auto& board_cells : data.boards) {
    if (!region) break;
    // London is the sum of the boroughs' published values.
    for (const auto& [inner, p] : *board_cells) {
      Published& t = merged[inner];
      t.is_rate = t.is_rate || p.is_rate;
      t.from_events |= p.from_events;
      t.from_return |= p.from_return;
      for (auto& f : p.flags)
        if (std::find(t.flags.begin(), t.flags.end(), f) == t.flags.end()) t.flags.push_back(f);
      if (p.not_available) {
        if (std::find(t.flags.begin(), t.flags.end(), "partial") == t.flags.end()) t.flags.push_back("partial");
        continue;
      }
      ++available_in[inner];
      t.count += p.count;
      t.numerator += p.numerator;
      t.denominator += p.denominator;
    }
  }
  if (region)
    for (auto& [inner, t] : merged)
      if (!available_in.find(inner)) t.not_available = true;

  lscb::v1::Snapshot& snap = *out;
  snap.set_board(board_or_region);
  snap.set_period(period.ToString());
  snap.set_definitions_version(definitions_->version);
  snap.mutable_cells()->Reserve(static_cast<int>(total.size()));
  for (const auto& [inner, p] : total) {
    Indicator ind = InnerIndicator(inner);
    uint8_t band = InnerBand(inner);
    if (!p.not_available && !p.is_rate && p.count == 0 && p.flags.empty() && !p.from_return) continue;
    auto* cell = snap.add_cells();
    const std::string_view indicator = IndicatorId(ind);
    const std::string_view age_band = band == 0 ? std::string_view("all") : AgeBandName(static_cast<AgeBand>(band));
    const std::string_view breakdown = LabelName(InnerLabel(inner));
    cell->set_indicator(indicator.data(), indicator.size());
    cell->set_age_band(age_band.data(), age_band.size());
    cell->set_breakdown(breakdown.data(), breakdown.size());
    cell->set_is_rate(p.is_rate);
    cell->set_count(p.count);
    cell->set_numerator(p.numerator);
    cell->set_denominator(p.denominator);
    cell->set_not_available(p.not_available);
    cell->set_basis(p.from_events && p.from_return ? "both" : p.from_return ? "return" : "events");
    for (const auto& f : p.flags) cell->add_flags(f);
  }
}

// ---------------------------------------------------------------- checkpoints

namespace {

// The children's histories: their count, then each child's key and history.
// Times as the change from the child's previous entry, dates as the change
// from the UTC day of the time.
void WriteChildren(Writer& w, const ChildHistories& children) {
  w.U64(children.size());
  children.ForEachInKeyOrder([&](const ChildKey& child, ChildHistories::History t) {
    w.Bytes(child.data(), child.size());
    w.Var(t.size());
    int64_t previous = 0;
    for (const TimelineEntry& e : t) {
      w.U8(static_cast<uint8_t>(e.kind));
      w.U8(e.age_band);
      w.U8(e.label);
      w.Var(e.board());
      w.ZigZag(WrappingSub(e.occurred_at(), previous));
      w.U64(e.record);
      w.ZigZag(WrappingSub(e.date.days, FloorDiv(e.occurred_at(), 86400)));
      previous = e.occurred_at();
    }
  });
}

}  // namespace

bool IndicatorView::HoldsChildren(std::string_view blob) {
  Reader r(blob);
  std::string magic;
  return !r.Str(magic) || magic != kMagicChildrenApart;
}

std::string IndicatorView::Serialize(std::string prefix, std::string* children_apart) const {
  Writer w(std::move(prefix));
  w.Str(children_apart ? kMagicChildrenApart : kMagic);
  w.Str(definitions_->version);
  // Sorted, so that equal views serialise to equal bytes.
  std::vector<uint64_t> keys;
  keys.reserve(cells_.size());
  for (const auto& [bp, cells] : cells_) keys.push_back(bp);
  std::sort(keys.begin(), keys.end());
  w.U64(keys.size());
  for (uint64_t bp : keys) {
    const auto& cells = cells_.at(bp);
    w.U64(bp);
    w.U64(cells.size());
    for (const auto& [inner, v] : cells.Sorted()) {
      w.U64(inner);
      w.I64(v);
    }
  }
  w.U64(open_plans_.size());
  for (const auto& [key, deltas] : open_plans_) {
    w.U64(key);
    w.U64(deltas.size());
    deltas.ForEach([&](int32_t day, int64_t delta) {
      w.I64(day);
      w.I64(delta);
    });
  }
  // Children: most of a large view. Apart, or here after their length in
  // bytes (so that they can be restored later, DecodeChildren).
  if (children_apart) {
    Writer c(std::move(*children_apart));
    WriteChildren(c, children_);
    *children_apart = c.Take();
  } else {
    const size_t children_at = w.size();
    w.U64(0);
    WriteChildren(w, children_);
    w.PatchU64(children_at, w.size() - children_at - 8);
  }
  std::vector<uint64_t> ids;
  for (const auto& [id, r] : linkable_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  w.U64(ids.size());
  for (uint64_t id : ids) {
    const LinkRecord& r = linkable_.at(id);
    w.U64(r.record);
    w.U8(static_cast<uint8_t>(r.group));
    w.U8(static_cast<uint8_t>(r.kind));
    w.U64(r.board);
    w.I64(r.at);
    w.I64(r.date.days);
    w.U8(r.band);
    w.U8(r.label);
    w.U8(r.agency);
    w.U8(r.flags);
    w.U64(r.tokens.size());
    for (const auto& t : r.tokens) w.Bytes(t.data(), t.size());
  }
  w.U64(episodes_.size());
  for (const auto& [board, eps] : episodes_) {
    w.U64(board);
    w.U64(eps.size());
    for (const auto& [rep, ep] : eps) {
      w.U64(ep.rep);
      w.I64(ep.date.days);
      w.U8(ep.band);
      w.U64(ep.tokens.size());
      for (const auto& t : ep.tokens) w.Bytes(t.data(), t.size());
    }
  }
  w.U64(returns_.size());
  for (const auto& [key, by_source] : returns_) {
    w.U64(key);
    w.U64(by_source.size());
    for (const auto& [src, v] : by_source) {
      w.U64(src);
      w.I64(v.value);
      w.U8(v.not_collected);
      w.U64(v.revision);
      w.I64(v.read_at);
    }
  }
  return w.Take();
}

Result<ChildHistories> IndicatorView::DecodeChildren(std::string_view section) {
  Reader r(section);
  ChildHistories children;
  Status s = ReadChildren(r, false, children);
  if (!s.ok()) return s;
  if (!r.done()) return Damaged();
  return children;
}

void IndicatorView::AdoptChildren(ChildHistories children) { children_ = std::move(children); }

Status IndicatorView::Deserialize(std::string_view blob, std::string* deferred_children) {
  return Restore(blob, false, deferred_children);
}

Status IndicatorView::DeserializeWithoutChildren(std::string_view blob) { return Restore(blob, true, nullptr); }

Status IndicatorView::Restore(std::string_view blob, bool expect_apart, std::string* deferred_children) {
  if (deferred_children) deferred_children->clear();
  Reader r(blob);
  std::string magic, version;
  if (!r.Str(magic) || (magic != kMagicChildrenApart && magic != kMagic && magic != kMagicFixedWidthChildren))
    return Status::FailedPrecondition("checkpoint of an older format");
  const bool children_apart = magic == kMagicChildrenApart;
  if (children_apart != expect_apart)
    return Status::FailedPrecondition(children_apart ? "checkpoint whose children's histories are kept apart"
                                                     : "checkpoint that holds its children's histories");
  const bool fixed_width_children = magic == kMagicFixedWidthChildren;
  if (!r.Str(version)) return Damaged();
  if (version != definitions_->version)
    return Status::FailedPrecondition("checkpoint was computed with definitions " + version);
  IndicatorView v(boards_, definitions_);
  uint64_t n = 0, m = 0;
  if (!r.Count(n, 16)) return Damaged();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t bp = 0;
    if (!r.U64(bp) || !r.Count(m, 16)) return Damaged();
    auto& inner = v.cells_[bp];
    for (uint64_t j = 0; j < m; ++j) {
      uint64_t k = 0;
      int64_t val = 0;
      if (!r.U64(k) || !r.I64(val)) return Damaged();
      if (k >= (1u << 24)) return Damaged();  // inner keys are 24 bits
      inner.Add(static_cast<uint32_t>(k), val);
    }
  }
  if (!r.Count(n, 16)) return Damaged();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t key = 0;
    if (!r.U64(key) || !r.Count(m, 16)) return Damaged();
    auto& deltas = v.open_plans_[static_cast<uint32_t>(key)];
    int64_t last_day = INT64_MIN;
    for (uint64_t j = 0; j < m; ++j) {
      int64_t day = 0, delta = 0;
      // Days in order, each appended (out of order: damage, and slow).
      if (!r.I64(day) || !r.I64(delta) || day <= last_day) return Damaged();
      last_day = day;
      deltas.Add(static_cast<int32_t>(day), delta);
    }
  }
  if (children_apart) {
    // Restored by the caller (AdoptChildren).
  } else if (fixed_width_children) {
    Status c = ReadChildren(r, true, v.children_);
    if (!c.ok()) return c;
  } else {
    uint64_t size = 0;
    std::string_view section;
    if (!r.U64(size) || !r.Take(size, section)) return Damaged();
    if (deferred_children) {
      deferred_children->assign(section);
    } else {
      auto children = DecodeChildren(section);
      if (!children.ok()) return children.status();
      v.children_ = std::move(*children);
    }
  }
  if (!r.Count(n, 46)) return Damaged();
  for (uint64_t i = 0; i < n; ++i) {
    LinkRecord rec;
    uint8_t group = 0, kind = 0;
    uint64_t board = 0;
    int64_t day = 0;
    if (!r.U64(rec.record) || !r.U8(group) || !r.U8(kind) || !r.U64(board) || !r.I64(rec.at) || !r.I64(day) ||
        !r.U8(rec.band) || !r.U8(rec.label) || !r.U8(rec.agency) || !r.U8(rec.flags) || !r.Count(m, 16))
      return Damaged();
    rec.group = static_cast<LinkGroup>(group);
    rec.kind = static_cast<EventKind>(kind);
    rec.board = static_cast<uint16_t>(board);
    rec.date = Date{static_cast<int32_t>(day)};
    rec.tokens.resize(m);
    for (auto& t : rec.tokens)
      if (!r.Bytes(t.data(), t.size())) return Damaged();
    v.IndexAdd(rec);
  }
  if (!r.Count(n, 16)) return Damaged();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t board = 0;
    if (!r.U64(board) || !r.Count(m, 25)) return Damaged();
    auto& eps = v.episodes_[static_cast<uint16_t>(board)];
    for (uint64_t j = 0; j < m; ++j) {
      Episode ep;
      int64_t day = 0;
      uint64_t nt = 0;
      if (!r.U64(ep.rep) || !r.I64(day) || !r.U8(ep.band) || !r.Count(nt, 16)) return Damaged();
      ep.date = Date{static_cast<int32_t>(day)};
      ep.tokens.resize(nt);
      for (auto& t : ep.tokens)
        if (!r.Bytes(t.data(), t.size())) return Damaged();
      eps[ep.rep] = std::move(ep);
    }
  }
  if (!r.Count(n, 16)) return Damaged();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t key = 0;
    if (!r.U64(key) || !r.Count(m, 33)) return Damaged();
    auto& by_source = v.returns_[key];
    for (uint64_t j = 0; j < m; ++j) {
      uint64_t src = 0, revision = 0;
      ReturnValue rv;
      uint8_t nc = 0;
      if (!r.U64(src) || !r.I64(rv.value) || !r.U8(nc) || !r.U64(revision) || !r.I64(rv.read_at)) return Damaged();
      rv.not_collected = nc != 0;
      rv.revision = static_cast<uint32_t>(revision);
      by_source[src] = rv;
    }
  }
  if (!r.done()) return Damaged();
  changed_all_ = true;
  cells_ = std::move(v.cells_);
  open_plans_ = std::move(v.open_plans_);
  children_ = std::move(v.children_);
  linkable_ = std::move(v.linkable_);
  token_index_ = std::move(v.token_index_);
  episodes_ = std::move(v.episodes_);
  returns_ = std::move(v.returns_);
  return Status::Ok();
}

}  // namespace lscb::hub
