#include "hub/disclosure.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/calendar.h"

namespace lscb::hub {
namespace {

// Rates published beside the counts they are built on: withholding either
// count withholds the rate (same age band and breakdown).
struct RateParts {
  std::string_view rate, numerator, denominator;
};
constexpr RateParts kRateParts[] = {
    {"CSC_CONTACT_CONVERSION", "CSC_REFERRALS", "CSC_CONTACTS"},
};

// Counts that do not add up over time: a stock at the period's end, and
// distinct children in the period.
constexpr std::string_view kNotAdditiveOverTime[] = {"CSC_CPP_OPEN", "MIS_CHILDREN", "MIS_REPEAT_CHILDREN",
                                                     "MAPPA_OFFENDERS"};

constexpr std::string_view kAllAges = "all";
constexpr std::string_view kTotalLabel = "";

bool Small(int64_t v, int threshold) { return v >= 1 && v <= threshold; }

bool AdditiveOverTime(std::string_view indicator) {
  for (auto id : kNotAdditiveOverTime)
    if (id == indicator) return false;
  return true;
}

// The distinct strings of one field of the cells (views of the cells' own
// strings, which do not change while a Protector runs), each known by its
// rank in string order: keys made of ranks compare as the strings would.
class Vocabulary final {
 public:
  // A provisional id for `word`; Rank() turns ids into ranks.
  uint32_t Add(std::string_view word) {
    auto [it, fresh] = ids_.try_emplace(word, static_cast<uint32_t>(words_.size()));
    if (fresh) words_.push_back(word);
    return it->second;
  }
  // After the last Add.
  void Rank() {
    std::vector<uint32_t> order(words_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return words_[a] < words_[b]; });
    rank_of_id_.resize(order.size());
    std::vector<std::string_view> sorted(order.size());
    for (uint32_t r = 0; r < order.size(); ++r) {
      rank_of_id_[order[r]] = r;
      sorted[r] = words_[order[r]];
    }
    words_ = std::move(sorted);
    for (auto& [word, id] : ids_) id = rank_of_id_[id];
  }
  uint32_t RankOfId(uint32_t id) const { return rank_of_id_[id]; }
  // The rank of `word`; nullopt when no cell has it.
  std::optional<uint32_t> Find(std::string_view word) const {
    auto it = ids_.find(word);
    return it == ids_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }
  std::string_view Word(uint32_t rank) const { return words_[rank]; }

 private:
  std::unordered_map<std::string_view, uint32_t> ids_;  // ranks after Rank()
  std::vector<std::string_view> words_;                  // by rank after Rank()
  std::vector<uint32_t> rank_of_id_;
};

// A cell's indicator, age band and breakdown, as ranks in their
// vocabularies.
struct Key {
  uint32_t indicator, band, breakdown;
  friend bool operator<(const Key& a, const Key& b) {
    return std::tie(a.indicator, a.band, a.breakdown) < std::tie(b.indicator, b.band, b.breakdown);
  }
  friend bool operator==(const Key& a, const Key& b) {
    return a.indicator == b.indicator && a.band == b.band && a.breakdown == b.breakdown;
  }
};

// A cell of one snapshot by its key (indices into Protector::cells_).
struct Entry {
  Key key;
  int cell;
};

// A total and the parts that sum to it (indices into Protector::cells_).
struct Group {
  int total = -1;
  std::vector<int> parts;
};

// Withholds cells of several snapshots at once: primary suppression, the
// groups until stable, then rates.
class Protector final {
 public:
  Protector(const std::vector<lscb::v1::Snapshot*>& snaps, int threshold) : snaps_(snaps), threshold_(threshold) {
    index_.resize(snaps.size());
    for (size_t s = 0; s < snaps.size(); ++s) {
      std::vector<Entry>& index = index_[s];
      index.reserve(static_cast<size_t>(snaps[s]->cells_size()));
      for (int i = 0; i < snaps[s]->cells_size(); ++i) {
        lscb::v1::Cell* c = snaps[s]->mutable_cells(i);
        index.push_back({{indicators_.Add(c->indicator()), bands_.Add(c->age_band()), breakdowns_.Add(c->breakdown())},
                         static_cast<int>(cells_.size())});
        cells_.push_back(c);
      }
    }
    indicators_.Rank();
    bands_.Rank();
    breakdowns_.Rank();
    all_ages_ = bands_.Find(kAllAges);
    total_label_ = breakdowns_.Find(kTotalLabel);
    for (std::vector<Entry>& index : index_) {
      for (Entry& e : index)
        e.key = {indicators_.RankOfId(e.key.indicator), bands_.RankOfId(e.key.band),
                 breakdowns_.RankOfId(e.key.breakdown)};
      // By key; of cells listed twice under one key, the last one counts.
      std::sort(index.begin(), index.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.key, a.cell) < std::tie(b.key, b.cell);
      });
      auto last = std::unique(index.rbegin(), index.rend(), [](const Entry& a, const Entry& b) { return a.key == b.key; });
      index.erase(index.begin(), last.base());
    }
    hidden_.assign(cells_.size(), false);
    for (size_t i = 0; i < cells_.size(); ++i) {
      const auto& c = *cells_[i];
      hidden_[i] = c.suppressed() || (!c.is_rate() && !c.not_available() && Small(c.count(), threshold_));
    }
  }

  // The breakdown and age-band groups of each snapshot.
  void AddSnapshotGroups() {
    std::vector<Entry> counts;
    for (size_t s = 0; s < snaps_.size(); ++s) {
      counts.clear();
      for (const Entry& e : index_[s])
        if (!cells_[e.cell]->is_rate()) counts.push_back(e);
      // A breakdown: one indicator and age band, by label (the total "" first).
      AddRuns(counts, [](const Key& k) { return std::make_pair(k.indicator, k.band); },
              [&](const Key& k) { return k.breakdown == total_label_; });
      // The age bands: one indicator and breakdown.
      std::sort(counts.begin(), counts.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.key.indicator, a.key.breakdown) < std::tie(b.key.indicator, b.key.breakdown);
      });
      AddRuns(counts, [](const Key& k) { return std::make_pair(k.indicator, k.breakdown); },
              [&](const Key& k) { return k.band == all_ages_; });
    }
  }

  void AddPeriodGroups(const std::vector<PeriodSum>& sums) {
    for (const PeriodSum& sum : sums) {
      std::vector<Key> keys;
      for (size_t s : sum.parts)
        for (const Entry& e : index_[s]) keys.push_back(e.key);
      for (const Entry& e : index_[sum.total]) keys.push_back(e.key);
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      for (const Key& key : keys) {
        if (!AdditiveOverTime(indicators_.Word(key.indicator))) continue;
        Group g;
        g.total = Find(sum.total, key);
        for (size_t s : sum.parts)
          if (int i = Find(s, key); i >= 0) g.parts.push_back(i);
        if (g.total >= 0 && cells_[g.total]->is_rate()) continue;
        Add(std::move(g));
      }
    }
  }

  void Run() {
    // Each round only adds withheld cells, so this ends.
    for (bool changed = true; changed;) {
      changed = false;
      for (const Group& g : groups_) changed |= Secure(g);
    }
    WithholdRates();
    for (size_t i = 0; i < cells_.size(); ++i) {
      if (!hidden_[i]) continue;
      cells_[i]->set_suppressed(true);
      cells_[i]->set_count(0);
      cells_[i]->set_numerator(0);
      cells_[i]->set_denominator(0);
    }
  }

 private:
  // The cell of snapshot `s` with `key`; -1 when there is none.
  int Find(size_t s, const Key& key) const {
    const std::vector<Entry>& index = index_[s];
    auto it = std::lower_bound(index.begin(), index.end(), key, [](const Entry& e, const Key& k) { return e.key < k; });
    return it != index.end() && it->key == key ? it->cell : -1;
  }

  // One group per run of `entries` (sorted so that each group is a run)
  // with the same `group_of(key)`; its total is the entry for which
  // `is_total(key)`, its parts the others in the snapshot's order (so that
  // ties go to the first listed).
  template <typename GroupOf, typename IsTotal>
  void AddRuns(const std::vector<Entry>& entries, GroupOf group_of, IsTotal is_total) {
    for (size_t from = 0; from < entries.size();) {
      const auto id = group_of(entries[from].key);
      Group g;
      size_t to = from;
      for (; to < entries.size() && group_of(entries[to].key) == id; ++to) {
        if (is_total(entries[to].key)) g.total = entries[to].cell;
        else g.parts.push_back(entries[to].cell);
      }
      std::sort(g.parts.begin(), g.parts.end());
      Add(std::move(g));
      from = to;
    }
  }

  void Add(Group g) {
    // A total not listed is 0, and so are its parts; a total without parts
    // is no sum.
    if (g.total >= 0 && !g.parts.empty()) groups_.push_back(std::move(g));
  }

  // Makes sure the group does not have exactly one withheld cell. Returns
  // whether it withheld another.
  bool Secure(const Group& g) {
    if (cells_[g.total]->not_available()) return false;
    int withheld = hidden_[g.total];
    for (int p : g.parts) withheld += hidden_[p];
    if (withheld != 1) return false;
    int pick = -1;
    for (int p : g.parts) {
      const auto& c = *cells_[p];
      if (hidden_[p] || c.not_available() || c.count() <= 0) continue;
      if (pick < 0 || c.count() < cells_[pick]->count()) pick = p;
    }
    if (pick >= 0) {
      hidden_[pick] = true;
      return true;
    }
    if (!hidden_[g.total]) {
      hidden_[g.total] = true;
      return true;
    }
    return false;
  }

  void WithholdRates() {
    for (size_t s = 0; s < snaps_.size(); ++s) {
      auto withheld = [&](std::string_view indicator, const Key& like) {
        std::optional<uint32_t> rank = indicators_.Find(indicator);
        if (!rank) return false;
        int i = Find(s, {*rank, like.band, like.breakdown});
        return i >= 0 && hidden_[i];
      };
      for (const Entry& e : index_[s]) {
        const int i = e.cell;
        const auto& c = *cells_[i];
        if (!c.is_rate() || c.not_available() || hidden_[i]) continue;
        bool counts = c.basis() != "return";  // a return's rate is a percentage, not counts
        if (counts && (Small(c.numerator(), threshold_) || Small(c.denominator(), threshold_))) hidden_[i] = true;
        for (const auto& parts : kRateParts)
          if (c.indicator() == parts.rate && (withheld(parts.numerator, e.key) || withheld(parts.denominator, e.key)))
            hidden_[i] = true;
      }
    }
  }

  const std::vector<lscb::v1::Snapshot*>& snaps_;
  const int threshold_;
  std::vector<lscb::v1::Cell*> cells_;
  std::vector<bool> hidden_;
  std::vector<std::vector<Entry>> index_;  // per snapshot, sorted by key
  Vocabulary indicators_, bands_, breakdowns_;
  std::optional<uint32_t> all_ages_, total_label_;  // ranks of "all" and ""
  std::vector<Group> groups_;
};

void Protect(const std::vector<lscb::v1::Snapshot*>& snaps, const std::vector<PeriodSum>& sums,
             const DisclosureRule& rule) {
  if (rule.threshold <= 0) return;
  Protector p(snaps, rule.threshold);
  p.AddSnapshotGroups();
  p.AddPeriodGroups(sums);
  p.Run();
  std::string text = rule.Describe();
  if (!sums.empty()) text += "; secondary suppression across the periods published together";
  for (auto* s : snaps) s->set_disclosure_rule(text);
}

}  // namespace

std::string DisclosureRule::Describe() const {
  if (threshold <= 0) return "";
  std::string counts = threshold == 1 ? "counts of 1" : "counts 1-" + std::to_string(threshold);
  return counts +
         " suppressed (c); secondary suppression within each breakdown and across age bands; rates on suppressed "
         "counts suppressed";
}

lscb::v1::Snapshot Suppress(const lscb::v1::Snapshot& raw, const DisclosureRule& rule) {
  return Suppress(lscb::v1::Snapshot(raw), rule);
}

lscb::v1::Snapshot Suppress(lscb::v1::Snapshot&& raw, const DisclosureRule& rule) {
  lscb::v1::Snapshot out;
  out.Swap(&raw);
  SuppressInPlace(out, rule);
  return out;
}

void SuppressInPlace(lscb::v1::Snapshot& snapshot, const DisclosureRule& rule) { Protect({&snapshot}, {}, rule); }

std::vector<lscb::v1::Snapshot> SuppressTogether(const std::vector<lscb::v1::Snapshot>& raw,
                                                 const std::vector<PeriodSum>& sums, const DisclosureRule& rule) {
  std::vector<lscb::v1::Snapshot> out = raw;
  SuppressInPlace(out, sums, rule);
  return out;
}

void SuppressInPlace(std::vector<lscb::v1::Snapshot>& out, const std::vector<PeriodSum>& sums,
                     const DisclosureRule& rule) {
  std::vector<lscb::v1::Snapshot*> snaps;
  snaps.reserve(out.size());
  for (auto& s : out) snaps.push_back(&s);
  Protect(snaps, sums, rule);
}

std::vector<PeriodSum> PeriodSums(const std::vector<std::string>& periods) {
  std::vector<std::optional<Period>> parsed;
  for (const auto& text : periods) {
    auto p = ParsePeriod(text);
    parsed.push_back(p.ok() ? std::optional<Period>(*p) : std::nullopt);
  }
  std::vector<PeriodSum> sums;
  auto add = [&](size_t total, Period::Kind kind, size_t expected) {
    PeriodSum sum{total, {}};
    for (size_t i = 0; i < parsed.size(); ++i)
      if (parsed[i] && parsed[i]->kind == kind && parsed[total]->First() <= parsed[i]->First() &&
          parsed[i]->Last() <= parsed[total]->Last())
        sum.parts.push_back(i);
    if (sum.parts.size() == expected) sums.push_back(std::move(sum));
  };
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (!parsed[i]) continue;
    if (parsed[i]->kind == Period::Kind::kFinancialYear) {
      add(i, Period::Kind::kQuarter, 4);
      add(i, Period::Kind::kMonth, 12);
    } else if (parsed[i]->kind == Period::Kind::kQuarter) {
      add(i, Period::Kind::kMonth, 3);
    }
  }
  return sums;
}

}  // namespace lscb::hub
