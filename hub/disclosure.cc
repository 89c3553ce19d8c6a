#include "hub/disclosure.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

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

// Views of the cells' own strings, which do not change while a Protector runs.
using Key = std::tuple<std::string_view, std::string_view, std::string_view>;  // indicator, age band, breakdown

// A total and the parts that sum to it (indices into Protector::cells_).
struct Group {
  int total = -1;
  std::vector<int> parts;
};

// Withholds cells of several snapshots at once: primary suppression, the
// groups until stable, then rates.
class Protector final {
 public:
  Protector(std::vector<lscb::v1::Snapshot>& snaps, int threshold) : snaps_(snaps), threshold_(threshold) {
    index_.resize(snaps.size());
    for (size_t s = 0; s < snaps.size(); ++s)
      for (int i = 0; i < snaps[s].cells_size(); ++i) {
        lscb::v1::Cell* c = snaps[s].mutable_cells(i);
        index_[s][{c->indicator(), c->age_band(), c->breakdown()}] = static_cast<int>(cells_.size());
        cells_.push_back(c);
      }
    hidden_.assign(cells_.size(), false);
    for (size_t i = 0; i < cells_.size(); ++i) {
      const auto& c = *cells_[i];
      hidden_[i] = c.suppressed() || (!c.is_rate() && !c.not_available() && Small(c.count(), threshold_));
    }
  }

  // The breakdown and age-band groups of each snapshot.
  void AddSnapshotGroups() {
    for (size_t s = 0; s < snaps_.size(); ++s) {
      std::map<std::pair<std::string_view, std::string_view>, Group> by_breakdown, by_band;
      for (const auto& [key, i] : index_[s]) {
        const auto& c = *cells_[i];
        if (c.is_rate()) continue;
        Group& b = by_breakdown[{c.indicator(), c.age_band()}];
        if (c.breakdown() == kTotalLabel) b.total = i;
        else b.parts.push_back(i);
        Group& a = by_band[{c.indicator(), c.breakdown()}];
        if (c.age_band() == kAllAges) a.total = i;
        else a.parts.push_back(i);
      }
      // In the snapshot's order, so that ties go to the first listed.
      for (auto* groups : {&by_breakdown, &by_band})
        for (auto& [k, g] : *groups) {
          std::sort(g.parts.begin(), g.parts.end());
          Add(std::move(g));
        }
    }
  }

  void AddPeriodGroups(const std::vector<PeriodSum>& sums) {
    for (const PeriodSum& sum : sums) {
      std::set<Key> keys;
      for (size_t s : sum.parts)
        for (const auto& [key, i] : index_[s]) keys.insert(key);
      for (const auto& [key, i] : index_[sum.total]) keys.insert(key);
      for (const Key& key : keys) {
        if (!AdditiveOverTime(std::get<0>(key))) continue;
        Group g;
        if (auto it = index_[sum.total].find(key); it != index_[sum.total].end()) g.total = it->second;
        for (size_t s : sum.parts)
          if (auto it = index_[s].find(key); it != index_[s].end()) g.parts.push_back(it->second);
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
      auto withheld = [&](std::string_view indicator, const lscb::v1::Cell& like) {
        auto it = index_[s].find({indicator, like.age_band(), like.breakdown()});
        return it != index_[s].end() && hidden_[it->second];
      };
      for (const auto& [key, i] : index_[s]) {
        const auto& c = *cells_[i];
        if (!c.is_rate() || c.not_available() || hidden_[i]) continue;
        bool counts = c.basis() != "return";  // a return's rate is a percentage, not counts
        if (counts && (Small(c.numerator(), threshold_) || Small(c.denominator(), threshold_))) hidden_[i] = true;
        for (const auto& parts : kRateParts)
          if (c.indicator() == parts.rate && (withheld(parts.numerator, c) || withheld(parts.denominator, c)))
            hidden_[i] = true;
      }
    }
  }

  std::vector<lscb::v1::Snapshot>& snaps_;
  const int threshold_;
  std::vector<lscb::v1::Cell*> cells_;
  std::vector<bool> hidden_;
  std::vector<std::map<Key, int>> index_;  // per snapshot
  std::vector<Group> groups_;
};

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
  std::vector<lscb::v1::Snapshot> one(1);
  one[0].Swap(&raw);
  SuppressInPlace(one, {}, rule);
  return std::move(one[0]);
}

std::vector<lscb::v1::Snapshot> SuppressTogether(const std::vector<lscb::v1::Snapshot>& raw,
                                                 const std::vector<PeriodSum>& sums, const DisclosureRule& rule) {
  std::vector<lscb::v1::Snapshot> out = raw;
  SuppressInPlace(out, sums, rule);
  return out;
}

void SuppressInPlace(std::vector<lscb::v1::Snapshot>& out, const std::vector<PeriodSum>& sums,
                     const DisclosureRule& rule) {
  if (rule.threshold <= 0) return;
  Protector p(out, rule.threshold);
  p.AddSnapshotGroups();
  p.AddPeriodGroups(sums);
  p.Run();
  std::string text = rule.Describe();
  if (!sums.empty()) text += "; secondary suppression across the periods published together";
  for (auto& s : out) s.set_disclosure_rule(text);
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
