#include "hub/indicator_view.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace lscb::hub {
namespace {

uint64_t BoardPeriod(uint16_t board, const Period& p) { return (uint64_t{board} << 32) | p.Code(); }
uint32_t Inner(Indicator ind, uint8_t band, LabelId label) {
  return (uint32_t{static_cast<uint8_t>(ind)} << 16) | (uint32_t{band} << 8) | label;
}
uint32_t OpenKey(uint16_t board, uint8_t band, LabelId label) {
  return (uint32_t{board} << 16) | (uint32_t{band} << 8) | label;
}

// A small binary writer/reader for checkpoints.
class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
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
  bool Str(std::string& s) {
    uint64_t n = 0;
    if (!U64(n) || n > in_.size()) return false;
    s.assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool Bytes(void* dst, size_t n) {
    if (in_.size() < n) return false;
    std::memcpy(dst, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

constexpr std::string_view kMagic = "LSCBVIEW1";

}  // namespace

IndicatorView::IndicatorView(std::shared_ptr<const BoardRegistry> boards, const Definitions& definitions)
    : boards_(std::move(boards)), definitions_(definitions) {}

void IndicatorView::Clear() {
  cells_.clear();
  open_plans_.clear();
  children_.clear();
}

bool IndicatorView::InTimeline(EventKind k) {
  return k == EventKind::kCscReferral || k == EventKind::kCscCpPlanStarted || k == EventKind::kCscCpPlanEnded;
}

void IndicatorView::AddToCell(uint64_t bp, uint32_t inner, int64_t amount) {
  auto& cells = cells_[bp];
  auto [it, inserted] = cells.try_emplace(inner, 0);
  it->second += amount;
  if (it->second == 0) {
    cells.erase(it);
    if (cells.empty()) cells_.erase(bp);
  }
}

void IndicatorView::AddCell(Indicator ind, uint16_t board, Date date, uint8_t band, LabelId label,
                            int64_t amount) {
  for (const Period& p : {Period::MonthOf(date), Period::QuarterOf(date), Period::FinancialYearOf(date)}) {
    uint64_t bp = BoardPeriod(board, p);
    AddToCell(bp, Inner(ind, 0, kTotal), amount);
    if (label != kTotal) AddToCell(bp, Inner(ind, 0, label), amount);
    if (band != 0) {
      AddToCell(bp, Inner(ind, band, kTotal), amount);
      if (label != kTotal) AddToCell(bp, Inner(ind, band, label), amount);
    }
  }
}

void IndicatorView::AddCounts(const EventFacts& e, int sign) {
  for (const CountRule& rule : definitions_.count_rules) {
    if (rule.kind != e.kind) continue;
    AddCell(rule.indicator, e.board, e.date, rule.by_age ? e.age_band : 0, rule.by_label ? e.label : kTotal,
            sign * int64_t{e.amount});
  }
}

IndicatorView::Derived IndicatorView::DeriveChild(const Timeline& t) const {
  Derived d;
  auto cell = [&](Indicator ind, const TimelineEntry& e) {
    // Recorded as a compact tuple; expanded by ApplyDerived.
    uint64_t key = (uint64_t{static_cast<uint8_t>(ind)} << 56) | (uint64_t{e.board} << 40) |
                   (uint64_t{e.age_band} << 32) | static_cast<uint32_t>(e.date.days);
    d.cells.emplace_back(key, 1);
  };
  const TimelineEntry* last_referral = nullptr;
  const TimelineEntry* open_plan = nullptr;
  bool had_plan = false;
  for (const TimelineEntry& e : t) {
    switch (e.kind) {
      case EventKind::kCscReferral:
        if (last_referral && last_referral->date >= AddMonths(e.date, -definitions_.rereferral_window_months))
          cell(Indicator::kCscRereferrals12m, e);
        last_referral = &e;
        break;
      case EventKind::kCscCpPlanStarted:
        if (had_plan) cell(Indicator::kCscCppRepeat, e);
        if (open_plan) d.open.push_back({open_plan->board, open_plan->age_band, open_plan->label, e.date, -1});
        d.open.push_back({e.board, e.age_band, e.label, e.date, +1});
        open_plan = &e;
        had_plan = true;
        break;
      case EventKind::kCscCpPlanEnded:
        if (open_plan) {
          d.open.push_back({open_plan->board, open_plan->age_band, open_plan->label, e.date, -1});
          open_plan = nullptr;
        }
        break;
      default:
        break;
    }
  }
  return d;
}

void IndicatorView::ApplyDerived(const Derived& d, int sign) {
  for (const auto& [key, amount] : d.cells) {
    auto ind = static_cast<Indicator>(key >> 56);
    auto board = static_cast<uint16_t>((key >> 40) & 0xFFFF);
    auto band = static_cast<uint8_t>((key >> 32) & 0xFF);
    Date date{static_cast<int32_t>(key & 0xFFFFFFFF)};
    AddCell(ind, board, date, band, kTotal, sign * amount);
  }
  for (const OpenDelta& o : d.open) {
    auto& deltas = open_plans_[OpenKey(o.board, o.age_band, o.label)];
    auto [it, inserted] = deltas.try_emplace(o.date.days, 0);
    it->second += sign * o.delta;
    if (it->second == 0) deltas.erase(it);
  }
}

void IndicatorView::RemoveFromTimeline(const EventFacts& e) {
  auto it = children_.find(e.child);
  if (it == children_.end()) return;
  auto& t = it->second;
  t.erase(std::remove_if(t.begin(), t.end(), [&](const TimelineEntry& x) { return x.record == e.record; }), t.end());
  if (t.empty()) children_.erase(it);
}

void IndicatorView::InsertIntoTimeline(const EventFacts& e) {
  TimelineEntry entry{e.kind, e.occurred_at, e.record, e.date, e.board, e.age_band, e.label};
  auto& t = children_[e.child];
  auto pos = std::upper_bound(t.begin(), t.end(), entry,
                              [](const TimelineEntry& a, const TimelineEntry& b) { return a.SortKey() < b.SortKey(); });
  t.insert(pos, entry);
}

void IndicatorView::Apply(const EventFacts& e) {
  AddCounts(e, +1);
  if (!InTimeline(e.kind)) return;
  Timeline& t = children_[e.child];
  ApplyDerived(DeriveChild(t), -1);
  InsertIntoTimeline(e);
  ApplyDerived(DeriveChild(children_[e.child]), +1);
}

void IndicatorView::Replace(const EventFacts& before, const EventFacts& after) {
  AddCounts(before, -1);
  AddCounts(after, +1);
  std::set<ChildKey> affected;
  if (InTimeline(before.kind)) affected.insert(before.child);
  if (InTimeline(after.kind)) affected.insert(after.child);
  for (const auto& c : affected) {
    auto it = children_.find(c);
    if (it != children_.end()) ApplyDerived(DeriveChild(it->second), -1);
  }
  if (InTimeline(before.kind)) RemoveFromTimeline(before);
  if (InTimeline(after.kind)) InsertIntoTimeline(after);
  for (const auto& c : affected) {
    auto it = children_.find(c);
    if (it != children_.end()) ApplyDerived(DeriveChild(it->second), +1);
  }
}

size_t IndicatorView::cell_count() const {
  size_t n = 0;
  for (const auto& [bp, cells] : cells_) n += cells.size();
  return n;
}

lscb::v1::Snapshot IndicatorView::Query(const std::string& board_or_region, const Period& period) const {
  std::vector<uint16_t> boards;
  for (const Board& b : boards_->all())
    if (b.ons_code == board_or_region || b.region == board_or_region) boards.push_back(b.index);

  std::map<uint32_t, int64_t> sums;
  for (uint16_t b : boards) {
    auto it = cells_.find(BoardPeriod(b, period));
    if (it != cells_.end())
      for (const auto& [inner, v] : it->second) sums[inner] += v;
    // Children subject to a plan at the period's end.
    int32_t end = period.Last().days;
    auto lo = open_plans_.lower_bound(OpenKey(b, 0, 0));
    auto hi = open_plans_.lower_bound(OpenKey(static_cast<uint16_t>(b + 1), 0, 0));
    for (auto o = lo; o != hi; ++o) {
      int64_t open = 0;
      for (const auto& [day, delta] : o->second) {
        if (day > end) break;
        open += delta;
      }
      if (open == 0) continue;
      auto band = static_cast<uint8_t>((o->first >> 8) & 0xFF);
      auto label = static_cast<LabelId>(o->first & 0xFF);
      sums[Inner(Indicator::kCscCppOpen, band, label)] += open;
      sums[Inner(Indicator::kCscCppOpen, band, kTotal)] += open;
      sums[Inner(Indicator::kCscCppOpen, 0, label)] += open;
      sums[Inner(Indicator::kCscCppOpen, 0, kTotal)] += open;
    }
  }

  lscb::v1::Snapshot snap;
  snap.set_board(board_or_region);
  snap.set_period(period.ToString());
  snap.set_definitions_version(definitions_.version);
  auto band_name = [](uint8_t band) {
    return band == 0 ? std::string("all") : std::string(AgeBandName(static_cast<AgeBand>(band)));
  };
  // Contact conversion per band, from the summed counts.
  for (uint8_t band = 0; band <= kAgeBandCount; ++band) {
    int64_t contacts = 0, referrals = 0;
    if (auto it = sums.find(Inner(Indicator::kCscContacts, band, kTotal)); it != sums.end()) contacts = it->second;
    if (auto it = sums.find(Inner(Indicator::kCscReferrals, band, kTotal)); it != sums.end()) referrals = it->second;
    if (contacts == 0 && referrals == 0) continue;
    sums[Inner(Indicator::kCscContactConversion, band, kTotal)] = 0;  // placeholder, filled below
  }
  for (const auto& [inner, v] : sums) {
    auto ind = static_cast<Indicator>(inner >> 16);
    auto band = static_cast<uint8_t>((inner >> 8) & 0xFF);
    auto label = static_cast<LabelId>(inner & 0xFF);
    if (ind != Indicator::kCscContactConversion && v == 0) continue;
    auto* cell = snap.add_cells();
    cell->set_indicator(std::string(IndicatorId(ind)));
    cell->set_age_band(band_name(band));
    cell->set_breakdown(std::string(LabelName(label)));
    if (ind == Indicator::kCscContactConversion) {
      auto num = sums.find(Inner(Indicator::kCscReferrals, band, kTotal));
      auto den = sums.find(Inner(Indicator::kCscContacts, band, kTotal));
      cell->set_is_rate(true);
      cell->set_numerator(num == sums.end() ? 0 : num->second);
      cell->set_denominator(den == sums.end() ? 0 : den->second);
    } else {
      cell->set_count(v);
    }
  }
  return snap;
}

std::string IndicatorView::Serialize() const {
  Writer w;
  w.Str(kMagic);
  w.Str(definitions_.version);
  // Sorted, so that equal views serialise to equal bytes.
  std::vector<uint64_t> keys;
  keys.reserve(cells_.size());
  for (const auto& [bp, cells] : cells_) keys.push_back(bp);
  std::sort(keys.begin(), keys.end());
  w.U64(cells_.size());
  for (uint64_t bp : keys) {
    const auto& cells = cells_.at(bp);
    w.U64(bp);
    w.U64(cells.size());
    for (const auto& [inner, v] : cells) {
      w.U64(inner);
      w.U64(static_cast<uint64_t>(v));
    }
  }
  w.U64(open_plans_.size());
  for (const auto& [key, deltas] : open_plans_) {
    w.U64(key);
    w.U64(deltas.size());
    for (const auto& [day, delta] : deltas) {
      w.U64(static_cast<uint64_t>(static_cast<int64_t>(day)));
      w.U64(static_cast<uint64_t>(delta));
    }
  }
  w.U64(children_.size());
  for (const auto& [child, t] : children_) {
    w.Str(std::string_view(reinterpret_cast<const char*>(child.data()), child.size()));
    w.U64(t.size());
    for (const auto& e : t) {
      w.U8(static_cast<uint8_t>(e.kind));
      w.U64(static_cast<uint64_t>(e.occurred_at));
      w.U64(e.record);
      w.U64(static_cast<uint64_t>(static_cast<int64_t>(e.date.days)));
      w.U64(e.board);
      w.U8(e.age_band);
      w.U8(e.label);
    }
  }
  return w.Take();
}

Status IndicatorView::Deserialize(std::string_view blob) {
  auto corrupt = [] { return Status::Corruption("indicator view checkpoint is damaged"); };
  Reader r(blob);
  std::string magic, version;
  if (!r.Str(magic) || magic != kMagic || !r.Str(version)) return corrupt();
  if (version != definitions_.version)
    return Status::FailedPrecondition("checkpoint was computed with definitions " + version);
  decltype(cells_) cells;
  decltype(open_plans_) open;
  decltype(children_) children;
  uint64_t n = 0;
  if (!r.U64(n)) return corrupt();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t bp = 0, m = 0;
    if (!r.U64(bp) || !r.U64(m)) return corrupt();
    auto& inner = cells[bp];
    for (uint64_t j = 0; j < m; ++j) {
      uint64_t k = 0, v = 0;
      if (!r.U64(k) || !r.U64(v)) return corrupt();
      inner[static_cast<uint32_t>(k)] = static_cast<int64_t>(v);
    }
  }
  if (!r.U64(n)) return corrupt();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t key = 0, m = 0;
    if (!r.U64(key) || !r.U64(m)) return corrupt();
    auto& deltas = open[static_cast<uint32_t>(key)];
    for (uint64_t j = 0; j < m; ++j) {
      uint64_t day = 0, delta = 0;
      if (!r.U64(day) || !r.U64(delta)) return corrupt();
      deltas[static_cast<int32_t>(static_cast<int64_t>(day))] = static_cast<int64_t>(delta);
    }
  }
  if (!r.U64(n)) return corrupt();
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    uint64_t m = 0;
    if (!r.Str(key) || key.size() != sizeof(ChildKey) || !r.U64(m)) return corrupt();
    ChildKey child;
    std::memcpy(child.data(), key.data(), child.size());
    auto& t = children[child];
    for (uint64_t j = 0; j < m; ++j) {
      TimelineEntry e{};
      uint8_t kind = 0;
      uint64_t at = 0, day = 0, board = 0;
      if (!r.U8(kind) || !r.U64(at) || !r.U64(e.record) || !r.U64(day) || !r.U64(board) || !r.U8(e.age_band) ||
          !r.U8(e.label))
        return corrupt();
      e.kind = static_cast<EventKind>(kind);
      e.occurred_at = static_cast<int64_t>(at);
      e.date = Date{static_cast<int32_t>(static_cast<int64_t>(day))};
      e.board = static_cast<uint16_t>(board);
      t.push_back(e);
    }
  }
  if (!r.done()) return corrupt();
  cells_ = std::move(cells);
  open_plans_ = std::move(open);
  children_ = std::move(children);
  return Status::Ok();
}

}  // namespace lscb::hub
