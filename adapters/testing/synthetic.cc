#include "adapters/testing/synthetic.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace lscb::adapters {
namespace {

// splitmix64: small, fast and the same on every platform (unlike the
// standard library's distributions).
class Rng final {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int Range(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1)); }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Next() % N];
  }

 private:
  uint64_t state_;
};

enum class Type { kContact, kReferral, kAssessment, kS47, kIcpc, kPlanStarted, kPlanEnded, kMissing, kParticipation };

constexpr std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kContact: return "CONTACT";
    case Type::kReferral: return "REFERRAL";
    case Type::kAssessment: return "ASSESSMENT_COMPLETED";
    case Type::kS47: return "S47_STARTED";
    case Type::kIcpc: return "ICPC_HELD";
    case Type::kPlanStarted: return "CP_PLAN_STARTED";
    case Type::kPlanEnded: return "CP_PLAN_ENDED";
    case Type::kMissing: return "MISSING_EPISODE";
    case Type::kParticipation: return "PARTICIPATION";
  }
  return "";
}

// Record id prefix by type, as LA systems often number each kind of record.
constexpr char TypeLetter(Type t) {
  switch (t) {
    case Type::kContact: return 'C';
    case Type::kReferral: return 'R';
    case Type::kAssessment: return 'A';
    case Type::kS47: return 'S';
    case Type::kIcpc: return 'I';
    case Type::kPlanStarted: return 'P';
    case Type::kPlanEnded: return 'E';
    case Type::kMissing: return 'M';
    case Type::kParticipation: return 'X';
  }
  return '?';
}

constexpr std::array<std::string_view, 40> kSurnames = {
    "Smith",   "Jones",   "Williams", "Brown",    "Taylor",   "Davies", "Evans",       "Wilson",
    "Thomas",  "Johnson", "Roberts",  "Robinson", "Thompson", "Wright", "Walker",      "White",
    "Edwards", "Hughes",  "Green",    "Hall",     "Lewis",    "Harris", "Clarke",      "Patel",
    "Jackson", "Wood",    "Turner",   "Martin",   "Cooper",   "Hill",   "Ward",        "Morris",
    "Moore",   "Clark",   "O'Brien",  "Ahmed",    "Okafor",   "Mensah", "Smith-Jones", "Van der Berg"};
constexpr std::array<std::string_view, 40> kForenames = {
    "Oliver", "Jack",     "Harry",  "Jacob",    "Charlie",   "Thomas",    "George", "Oscar",  "James",   "William",
    "Noah",   "Alfie",    "Joshua", "Muhammad", "Leo",       "Kai",       "Olivia", "Amelia", "Isla",    "Ava",
    "Emily",  "Isabella", "Mia",    "Poppy",    "Ella",      "Lily",      "Grace",  "Sophie", "Jessica", "Chloe",
    "Aisha",  "Fatima",   "Ruby",   "Evie",     "John Paul", "Mary-Jane", "Kwame",  "Chidi",  "Zara",    "Daniel"};
constexpr std::array<std::string_view, 7> kSources = {"police",     "health", "school",   "la",
                                                      "individual", "other",  "anonymous"};
// Weights (per mille) of kSources for contacts and referrals.
constexpr std::array<int, 7> kSourceWeights = {280, 160, 180, 120, 130, 90, 40};
constexpr std::array<std::string_view, 5> kCategories = {"neglect", "physical", "sexual", "emotional", "multiple"};
constexpr std::array<int, 5> kCategoryWeights = {450, 100, 50, 300, 100};
constexpr std::array<std::string_view, 4> kActivities = {"service_review", "planning", "delivery",
                                                         "board_consultation"};
constexpr std::string_view kInwardLetters = "ABDEFGHJLNPQRSTUWXYZ";

struct BoroughPostcodes {
  std::string_view ons;
  std::array<std::string_view, 3> outward;
};
constexpr std::array<BoroughPostcodes, 3> kPostcodes = {{
    {"E09000011", {"SE10", "SE18", "SE9"}},
    {"E09000012", {"E8", "E5", "N16"}},
    {"E09000022", {"SW9", "SE11", "SW2"}},
}};
constexpr std::array<std::string_view, 3> kOtherOutward = {"SE1", "N1", "E1"};

template <size_t N>
size_t PickWeighted(Rng& rng, const std::array<int, N>& weights) {
  int total = 0;
  for (int w : weights) total += w;
  int r = rng.Range(0, total - 1);
  for (size_t i = 0; i < N; ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return N - 1;
}

struct Child {
  std::string la_child_id;
  std::string nhs_number;  // as written; empty when unknown
  std::string surname;     // empty together with forenames
  std::string forenames;
  Date dob;
  std::string postcode;
};

struct Borough {
  std::string name;  // as written in the borough column
  std::vector<Child> children;
  int next_child = 100001;
  int next_record = 1;
};

struct Row {
  Date day;
  int minute = -1;  // minute of the day; -1: a bare date
  Type type = Type::kContact;
  size_t borough = 0;
  int child = -1;  // index in the borough's children; -1 for PARTICIPATION
  size_t seq = 0;  // generation order, to keep sorting stable
  std::string record_id;
  std::string source, abuse_category, missing_category, ended_at, activity, children_involved;
};

std::string FormatTime(Date day, int minute) {
  std::string out = FormatDate(day);
  if (minute >= 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "T%02d:%02d", minute / 60, minute % 60);
    out += buf;
  }
  return out;
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

class Generator final {
 public:
  Generator(uint64_t seed, const SyntheticOptions& options) : rng_(seed), options_(options) {
    for (const std::string& name : options.boroughs) boroughs_.push_back(Borough{name, {}, 100001, 1});
    if (boroughs_.empty()) boroughs_.push_back(Borough{"E09000011", {}, 100001, 1});
    oldest_dob_ = Date{AddMonths(options.last, -18 * 12).days + 1};
  }

  std::string Csv(size_t rows) {
    while (rows_.size() < rows) {
      int story = rng_.Range(0, 99);
      if (story < 80) {
        ChildStory();
      } else if (story < 88) {
        MissingStory();
      } else if (story < 92) {
        PlanEndingStory();
      } else {
        ParticipationStory();
      }
    }
    rows_.resize(rows);
    std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
      if (a.day != b.day) return a.day < b.day;
      return a.minute < b.minute;
    });
    for (Row& row : rows_) {
      Borough& b = boroughs_[row.borough];
      char buf[16];
      std::snprintf(buf, sizeof buf, "%c%06d", TypeLetter(row.type), b.next_record++);
      row.record_id = buf;
    }
    if (options_.amend_every > 0) {
      for (size_t i = 0; i < rows_.size(); i += options_.amend_every) Amend(rows_[i]);
    }
    return Render();
  }

 private:
  Date RandomDay(Date lo) {
    lo = std::max(lo, options_.first);
    if (lo > options_.last) lo = options_.last;
    return Date{lo.days + rng_.Range(0, options_.last.days - lo.days)};
  }
  int OfficeMinute() { return rng_.Range(8 * 60, 17 * 60 + 59); }

  std::string NewNhsNumber() {
    for (;;) {
      std::array<int, 10> d{9, 9, 9};
      for (size_t i = 3; i < 9; ++i) d[i] = rng_.Range(0, 9);
      int sum = 0;
      for (size_t i = 0; i < 9; ++i) sum += d[i] * static_cast<int>(10 - i);
      int check = 11 - sum % 11;
      if (check == 11) check = 0;
      if (check == 10) continue;
      d[9] = check;
      std::string digits;
      for (int x : d) digits += static_cast<char>('0' + x);
      if (!used_nhs_.insert(digits).second) continue;
      if (rng_.Chance(0.3)) return digits.substr(0, 3) + " " + digits.substr(3, 3) + " " + digits.substr(6);
      return digits;
    }
  }

  std::string NewPostcode(const std::string& borough) {
    if (rng_.Chance(0.1)) return "";
    std::string_view outward = rng_.Pick(kOtherOutward);
    for (const BoroughPostcodes& p : kPostcodes)
      if (p.ons == borough) outward = rng_.Pick(p.outward);
    std::string out(outward);
    out += ' ';
    out += static_cast<char>('0' + rng_.Range(0, 9));
    out += kInwardLetters[static_cast<size_t>(rng_.Range(0, static_cast<int>(kInwardLetters.size()) - 1))];
    out += kInwardLetters[static_cast<size_t>(rng_.Range(0, static_cast<int>(kInwardLetters.size()) - 1))];
    return out;
  }

  // A new child in borough `b` whose first event is on `day`, aged at least
  // `min_age` then (or unborn, when `may_be_unborn`).
  int NewChild(size_t b, Date day, int min_age, bool may_be_unborn) {
    Borough& borough = boroughs_[b];
    Child child;
    child.la_child_id = std::to_string(borough.next_child++);
    if (may_be_unborn && rng_.Chance(0.04)) {
      child.dob = Date{day.days + rng_.Range(30, 200)};
    } else {
      Date youngest = Date{AddMonths(day, -12 * min_age).days};
      Date lo = oldest_dob_;
      if (youngest < lo) youngest = lo;
      child.dob = Date{lo.days + rng_.Range(0, youngest.days - lo.days)};
    }
    bool has_nhs = rng_.Chance(0.8);
    if (has_nhs) child.nhs_number = NewNhsNumber();
    if (!has_nhs || rng_.Chance(0.85)) {
      child.surname = rng_.Pick(kSurnames);
      do {
        child.forenames = rng_.Pick(kForenames);
      } while (child.forenames == child.surname);
    }
    child.postcode = NewPostcode(borough.name);
    borough.children.push_back(std::move(child));
    return static_cast<int>(borough.children.size()) - 1;
  }

  // An existing child of borough `b` (nullopt: none suitable), with the first
  // day its next story may start on: not more than 250 days before birth.
  std::optional<std::pair<int, Date>> ExistingChild(size_t b, int min_age) {
    const std::vector<Child>& children = boroughs_[b].children;
    if (children.empty()) return std::nullopt;
    for (int attempt = 0; attempt < 4; ++attempt) {
      int i = rng_.Range(0, static_cast<int>(children.size()) - 1);
      const Child& c = children[static_cast<size_t>(i)];
      Date lo = Date{c.dob.days - 250};
      if (min_age > 0) lo = std::max(lo, AddMonths(c.dob, 12 * min_age));
      if (lo <= options_.last) return std::make_pair(i, lo);
    }
    return std::nullopt;
  }

  // Picks the child and first day of a story: an existing child with
  // probability `reuse`, otherwise a new one.
  std::pair<int, Date> StoryChild(size_t b, double reuse, int min_age, bool may_be_unborn) {
    if (rng_.Chance(reuse)) {
      if (auto existing = ExistingChild(b, min_age)) return {existing->first, RandomDay(existing->second)};
    }
    Date day = RandomDay(options_.first);
    return {NewChild(b, day, min_age, may_be_unborn), day};
  }

  Row& Add(Type type, size_t b, int child, Date day, int minute) {
    Row row;
    row.type = type;
    row.borough = b;
    row.child = child;
    row.day = day;
    row.minute = minute;
    row.seq = rows_.size();
    rows_.push_back(std::move(row));
    return rows_.back();
  }

  std::string Source() { return std::string(kSources[PickWeighted(rng_, kSourceWeights)]); }
  std::string Category() { return std::string(kCategories[PickWeighted(rng_, kCategoryWeights)]); }

  // Contact -> referral -> assessment / s47 -> conference -> plan (-> end).
  void ChildStory() {
    size_t b = static_cast<size_t>(rng_.Range(0, static_cast<int>(boroughs_.size()) - 1));
    auto [child, day] = StoryChild(b, 0.35, 0, true);
    int contacts = rng_.Chance(0.2) ? 2 : 1;
    int minute = 0;
    for (int i = 0; i < contacts; ++i) {
      if (i > 0) day = Date{day.days + rng_.Range(3, 40)};
      if (day > options_.last) return;
      minute = OfficeMinute();
      Add(Type::kContact, b, child, day, minute).source = Source();
    }
    if (!rng_.Chance(0.6)) return;
    // Often the same day, and then later than the contact.
    int days_later = rng_.Range(0, 3);
    day = Date{day.days + days_later};
    if (day > options_.last) return;
    minute = days_later == 0 ? std::min(17 * 60 + 59, minute + rng_.Range(5, 180)) : OfficeMinute();
    Add(Type::kReferral, b, child, day, minute).source = Source();
    Date referral = day;
    if (rng_.Chance(0.3)) {
      // Bare dates, so from the day after the referral (a bare date is
      // midnight, before any referral that day).
      day = Date{referral.days + rng_.Range(1, 7)};
      if (day > options_.last) return;
      Add(Type::kS47, b, child, day, -1);
      if (rng_.Chance(0.65)) {
        day = Date{day.days + rng_.Range(10, 15)};
        if (day > options_.last) return;
        Add(Type::kIcpc, b, child, day, -1);
        if (rng_.Chance(0.85)) {
          std::string category = Category();
          Add(Type::kPlanStarted, b, child, day, -1).abuse_category = category;
          if (rng_.Chance(0.7)) {
            day = Date{day.days + rng_.Range(40, 250)};
            if (day > options_.last) return;
            Add(Type::kPlanEnded, b, child, day, -1).abuse_category = rng_.Chance(0.5) ? category : "";
          }
        }
      }
    }
    if (rng_.Chance(0.8)) {
      day = Date{referral.days + rng_.Range(10, 45)};
      if (day > options_.last) return;
      Add(Type::kAssessment, b, child, day, -1);
    }
  }

  // One to three missing or absent episodes of a child aged 10 or more.
  void MissingStory() {
    size_t b = static_cast<size_t>(rng_.Range(0, static_cast<int>(boroughs_.size()) - 1));
    auto [child, day] = StoryChild(b, 0.4, 10, false);
    int episodes = rng_.Range(1, 3);
    for (int i = 0; i < episodes; ++i) {
      if (i > 0) day = Date{day.days + rng_.Range(5, 60)};
      if (day > options_.last) return;
      int minute = rng_.Range(0, 24 * 60 - 1);
      Row& row = Add(Type::kMissing, b, child, day, minute);
      row.missing_category = rng_.Chance(0.7) ? "missing" : "absent";
      if (rng_.Chance(0.85)) {
        int end = minute + rng_.Range(120, 72 * 60);
        row.ended_at = FormatTime(Date{day.days + end / (24 * 60)}, end % (24 * 60));
      }
    }
  }

  // A plan that started before the period ends within it.
  void PlanEndingStory() {
    size_t b = static_cast<size_t>(rng_.Range(0, static_cast<int>(boroughs_.size()) - 1));
    auto [child, day] = StoryChild(b, 0.2, 1, false);
    Add(Type::kPlanEnded, b, child, day, -1).abuse_category = rng_.Chance(0.5) ? Category() : "";
  }

  void ParticipationStory() {
    size_t b = static_cast<size_t>(rng_.Range(0, static_cast<int>(boroughs_.size()) - 1));
    Row& row = Add(Type::kParticipation, b, -1, RandomDay(options_.first), -1);
    row.activity = rng_.Pick(kActivities);
    row.children_involved = std::to_string(rng_.Range(1, 30));
  }

  // Changes one field of `row`, keeping it valid and its record_id. Uses no
  // randomness, so the other rows stay exactly as they were.
  static void Amend(Row& row) {
    auto next = [](std::string_view value, const auto& names) {
      for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == value) return std::string(names[(i + 1) % names.size()]);
      return std::string(names[0]);
    };
    switch (row.type) {
      case Type::kContact:
      case Type::kReferral: row.source = next(row.source, kSources); break;
      case Type::kPlanStarted:
      case Type::kPlanEnded: row.abuse_category = next(row.abuse_category, kCategories); break;
      case Type::kMissing: row.missing_category = row.missing_category == "missing" ? "absent" : "missing"; break;
      case Type::kParticipation: row.children_involved = std::to_string(std::stoi(row.children_involved) + 1); break;
      case Type::kAssessment:
      case Type::kS47:
      case Type::kIcpc:
        // Bare dates become midday the same day; timed rows move 30 minutes
        // within office hours.
        row.minute = row.minute < 0 ? 12 * 60 : row.minute + 30;
        break;
    }
  }

  std::string Render() const {
    std::string out =
        "record_id,record_type,borough,occurred_at,la_child_id,nhs_number,surname,forenames,dob,postcode,"
        "source,abuse_category,missing_category,ended_at,activity,children_involved\r\n";
    for (const Row& row : rows_) {
      const Borough& b = boroughs_[row.borough];
      const Child* c = row.child >= 0 ? &b.children[static_cast<size_t>(row.child)] : nullptr;
      const std::string fields[] = {row.record_id,
                                    std::string(TypeName(row.type)),
                                    b.name,
                                    FormatTime(row.day, row.minute),
                                    c ? c->la_child_id : "",
                                    c ? c->nhs_number : "",
                                    c ? c->surname : "",
                                    c ? c->forenames : "",
                                    c ? FormatDate(c->dob) : "",
                                    c ? c->postcode : "",
                                    row.source,
                                    row.abuse_category,
                                    row.missing_category,
                                    row.ended_at,
                                    row.activity,
                                    row.children_involved};
      bool first = true;
      for (const std::string& f : fields) {
        if (!first) out += ',';
        out += CsvField(f);
        first = false;
      }
      out += "\r\n";
    }
    return out;
  }

  Rng rng_;
  const SyntheticOptions& options_;
  std::vector<Borough> boroughs_;
  std::vector<Row> rows_;
  std::set<std::string> used_nhs_;
  Date oldest_dob_;  // the earliest dob of a child still 17 on options.last
};

}  // namespace

std::string SyntheticCscEventsCsv(size_t rows, uint64_t seed, const SyntheticOptions& options) {
  return Generator(seed, options).Csv(rows);
}

}  // namespace lscb::adapters
