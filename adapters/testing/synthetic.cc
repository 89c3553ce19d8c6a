#include "adapters/testing/synthetic.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "adapters/csv.h"

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

// ---- police-events and ae-attendances ------------------------------------

// Sites of the A&E departments (illustrative provider site codes).
constexpr std::array<std::string_view, 4> kSites = {"RJ224", "RJ122", "RQX01", "RV801"};
constexpr std::array<std::string_view, 4> kCrimeClasses = {"assault", "robbery", "sexual", "other"};
constexpr std::array<int, 4> kCrimeClassWeights = {600, 250, 50, 100};
constexpr std::array<std::string_view, 5> kWeapons = {"knife", "firearm", "blunt", "none", "other"};
constexpr std::array<int, 5> kWeaponWeights = {200, 20, 150, 450, 180};
constexpr std::array<std::string_view, 4> kIntents = {"accidental", "assault", "self-harm", "unknown"};
constexpr std::array<int, 4> kIntentWeights = {800, 80, 60, 60};
constexpr std::array<std::string_view, 6> kMechanisms = {"sharp", "blunt", "burn", "fall", "poisoning", "other"};
constexpr std::array<int, 6> kAccidentMechanismWeights = {120, 250, 80, 400, 50, 100};
constexpr std::array<int, 6> kAssaultMechanismWeights = {250, 550, 20, 50, 10, 120};
constexpr std::array<int, 6> kSelfHarmMechanismWeights = {450, 20, 30, 20, 450, 30};

// FNV-1a: a seed from text, the same on every platform.
uint64_t HashText(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// A person in the police or A&E feeds.
struct Person {
  size_t borough = 0;      // index in the generator's boroughs
  std::string nhs_number;  // as written; empty when not given
  std::string surname, forenames;
  Date dob;
  std::string postcode;
};

// An instant as a UK local day and minute of the day.
struct LocalTime {
  Date day;
  int minute = 0;
  auto operator<=>(const LocalTime&) const = default;
  LocalTime Plus(int minutes) const {
    int m = minute + minutes;
    return LocalTime{Date{day.days + m / (24 * 60)}, m % (24 * 60)};
  }
};

// What a csc-events CSV shares with the police and A&E feeds (see
// SyntheticOptions::shared_csc_events).
struct Shared {
  struct Missing {
    size_t child;
    LocalTime at;
    std::string category, ended_at;
  };
  struct Knife {
    size_t child;
    LocalTime police, ae;
    std::string site;
  };
  std::vector<std::string> boroughs;  // as written in the CSV
  std::vector<Person> children;       // `borough` indexes `boroughs`
  std::vector<Missing> missing;
  std::vector<Knife> knives;
  std::set<std::string> nhs_numbers;  // digits only
};

std::optional<LocalTime> ParseLocalTime(std::string_view text) {
  Result<Date> day = ParseDate(text.substr(0, 10));
  if (!day.ok()) return std::nullopt;
  if (text.size() == 10) return LocalTime{*day, -1};
  if (text.size() < 16 || text[10] != 'T') return std::nullopt;
  int hh = (text[11] - '0') * 10 + (text[12] - '0');
  int mm = (text[14] - '0') * 10 + (text[15] - '0');
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return std::nullopt;
  return LocalTime{*day, hh * 60 + mm};
}

Shared ReadShared(const SyntheticOptions& options) {
  Shared shared;
  if (options.shared_csc_events.empty()) return shared;
  CsvTable table = CsvTable::Read(options.shared_csc_events);
  auto column = [&](std::string_view name) { return table.Column(name); };
  auto field = [&](const CsvRecord& r, std::optional<size_t> c) -> std::string {
    return c && *c < r.fields.size() ? r.fields[*c] : std::string();
  };
  const auto c_type = column("record_type"), c_borough = column("borough"), c_at = column("occurred_at"),
             c_id = column("la_child_id"), c_nhs = column("nhs_number"), c_surname = column("surname"),
             c_forenames = column("forenames"), c_dob = column("dob"), c_postcode = column("postcode"),
             c_category = column("missing_category"), c_ended = column("ended_at");
  std::map<std::string, size_t> child_index;  // borough|la_child_id
  std::vector<std::string> child_keys;
  size_t missing_seen = 0;
  for (const CsvRecord& r : table.records()) {
    if (!r.ok()) continue;
    std::string id = field(r, c_id);
    Result<Date> dob = ParseDate(field(r, c_dob));
    if (id.empty() || !dob.ok()) continue;
    std::string borough = field(r, c_borough);
    std::string key = borough + "|" + id;
    auto [it, inserted] = child_index.emplace(key, shared.children.size());
    if (inserted) {
      size_t b = std::find(shared.boroughs.begin(), shared.boroughs.end(), borough) - shared.boroughs.begin();
      if (b == shared.boroughs.size()) shared.boroughs.push_back(borough);
      Person p{b, field(r, c_nhs), field(r, c_surname), field(r, c_forenames), *dob, field(r, c_postcode)};
      std::string digits;
      for (char c : p.nhs_number)
        if (c != ' ') digits += c;
      if (!digits.empty()) shared.nhs_numbers.insert(digits);
      shared.children.push_back(std::move(p));
      child_keys.push_back(key);
    }
    if (field(r, c_type) != "MISSING_EPISODE") continue;
    std::optional<LocalTime> at = ParseLocalTime(field(r, c_at));
    if (!at) continue;
    const Person& child = shared.children[it->second];
    int age = AgeInYears(child.dob, at->day);
    if (age < 0 || age > 17) continue;
    if (missing_seen++ % 2 != 0) continue;
    // The police report the same episode a little later the same day.
    Rng rng(HashText(key + "|" + field(r, c_at)));
    LocalTime police = at->minute < 0 ? LocalTime{at->day, rng.Range(8 * 60, 20 * 60)}
                                      : LocalTime{at->day, std::min(at->minute + rng.Range(15, 120), 23 * 60 + 59)};
    shared.missing.push_back(Shared::Missing{it->second, police, field(r, c_category), field(r, c_ended)});
  }
  // Knife incidents: every sixth child who is 10 to 17 at some day in range.
  size_t eligible = 0;
  for (size_t i = 0; i < shared.children.size(); ++i) {
    const Person& child = shared.children[i];
    Date lo = std::max(options.first, AddMonths(child.dob, 12 * 10));
    Date hi = std::min(options.last, Date{AddMonths(child.dob, 12 * 18).days - 1});
    if (lo > hi) continue;
    if (eligible++ % 6 != 0) continue;
    Rng rng(HashText("knife|" + child_keys[i]));
    LocalTime police{Date{lo.days + rng.Range(0, hi.days - lo.days)}, rng.Range(18 * 60, 22 * 60 + 59)};
    LocalTime ae = police.Plus(rng.Range(30, 180));
    // Not past the 18th birthday, nor the last day.
    if (AgeInYears(child.dob, ae.day) > 17 || ae.day > options.last) ae = LocalTime{police.day, 23 * 60 + 59};
    shared.knives.push_back(Shared::Knife{i, police, ae, std::string(rng.Pick(kSites))});
  }
  return shared;
}

// Fictitious children for the police and A&E feeds, with their own NHS
// numbers (never one of the shared CSV's).
class People final {
 public:
  People(Rng& rng, const SyntheticOptions& options, std::set<std::string> used_nhs)
      : rng_(rng), options_(options), used_nhs_(std::move(used_nhs)) {
    oldest_dob_ = Date{AddMonths(options.last, -18 * 12).days + 1};
  }

  // A new child of borough `b` (an index in options.boroughs) aged at least
  // `min_age` on `day` (and born by then).
  Person New(size_t b, Date day, int min_age, double nhs_share, double name_share) {
    Person p;
    p.borough = b;
    Date youngest = AddMonths(day, -12 * min_age);
    Date lo = oldest_dob_;
    if (youngest < lo) youngest = lo;
    p.dob = Date{lo.days + rng_.Range(0, youngest.days - lo.days)};
    bool has_nhs = rng_.Chance(nhs_share);
    if (has_nhs) p.nhs_number = NhsNumber();
    if (!has_nhs || rng_.Chance(name_share)) {
      p.surname = rng_.Pick(kSurnames);
      do {
        p.forenames = rng_.Pick(kForenames);
      } while (p.forenames == p.surname);
    }
    p.postcode = Postcode(b);
    return p;
  }

  Date oldest_dob() const { return oldest_dob_; }

 private:
  std::string NhsNumber() {
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

  std::string Postcode(size_t b) {
    if (rng_.Chance(0.1)) return "";
    std::string_view outward = rng_.Pick(kOtherOutward);
    const std::string& borough = options_.boroughs.empty() ? std::string("E09000011") : options_.boroughs[b];
    for (const BoroughPostcodes& p : kPostcodes)
      if (p.ons == borough) outward = rng_.Pick(p.outward);
    std::string out(outward);
    out += ' ';
    out += static_cast<char>('0' + rng_.Range(0, 9));
    for (int i = 0; i < 2; ++i)
      out += kInwardLetters[static_cast<size_t>(rng_.Range(0, static_cast<int>(kInwardLetters.size()) - 1))];
    return out;
  }

  Rng& rng_;
  const SyntheticOptions& options_;
  std::set<std::string> used_nhs_;
  Date oldest_dob_;
};

std::vector<std::string> BoroughsOf(const SyntheticOptions& options) {
  return options.boroughs.empty() ? std::vector<std::string>{"E09000011"} : options.boroughs;
}

std::string Join(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  return out + "\r\n";
}

class PoliceGenerator final {
 public:
  PoliceGenerator(uint64_t seed, const SyntheticOptions& options)
      : rng_(seed),
        options_(options),
        boroughs_(BoroughsOf(options)),
        shared_(ReadShared(options)),
        people_(rng_, options, shared_.nhs_numbers) {}

  std::string Csv(size_t rows) {
    AddShared();
    while (rows_.size() < rows) {
      int story = rng_.Range(0, 99);
      if (story < 40) {
        MissingStory();
      } else if (story < 75) {
        DomesticAbuseStory();
      } else {
        InjuryCrimeStory();
      }
    }
    rows_.resize(rows);
    std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.at < b.at; });
    std::map<std::string, int> next_id;  // per reporting unit
    for (Row& row : rows_) {
      char buf[24];
      int n = ++next_id[row.unit];
      std::snprintf(buf, sizeof buf, row.unit == "central" ? "MPS%08d" : "U%07d", n);
      row.record_id = buf;
    }
    std::string out =
        "record_id,reporting_unit,record_type,borough,occurred_at,ended_at,missing_category,child_role,weapon,"
        "crime_class,nhs_number,surname,forenames,dob,postcode\r\n";
    for (const Row& row : rows_) {
      const Person& p = row.person;
      out += Join({row.record_id, row.unit_written, row.type, row.borough, FormatTime(row.at.day, row.at.minute),
                   row.ended_at, row.missing_category, row.child_role, row.weapon, row.crime_class, p.nhs_number,
                   p.surname, p.forenames, FormatDate(p.dob), p.postcode});
    }
    return out;
  }

 private:
  struct Row {
    LocalTime at;
    std::string unit;          // "central" or the borough as written, for numbering
    std::string unit_written;  // as in the reporting_unit column
    std::string type, borough;
    Person person;  // as the police write it
    std::string record_id, ended_at, missing_category, child_role, weapon, crime_class;
  };

  Row& Add(std::string_view type, const std::string& borough, const Person& person, LocalTime at) {
    Row row;
    row.at = at;
    row.unit = "central";
    row.unit_written = rng_.Chance(0.2) ? "" : "central";
    row.type = type;
    row.borough = borough;
    row.person = person;
    rows_.push_back(std::move(row));
    return rows_.back();
  }

  // The police know a shared child by name and dob; by NHS number only when
  // the CSV gives no name.
  static Person AsPolice(const Person& child) {
    Person p = child;
    if (!p.surname.empty() && !p.forenames.empty()) p.nhs_number.clear();
    return p;
  }

  void AddShared() {
    for (const Shared::Missing& m : shared_.missing) {
      const Person& child = shared_.children[m.child];
      Row& row = Add("MISSING_EPISODE", shared_.boroughs[child.borough], AsPolice(child), m.at);
      row.missing_category = m.category;
      row.ended_at = m.ended_at;
    }
    for (const Shared::Knife& k : shared_.knives) {
      const Person& child = shared_.children[k.child];
      Row& row = Add("CHILD_INJURY_CRIME", shared_.boroughs[child.borough], AsPolice(child), k.police);
      row.crime_class = "assault";
      row.weapon = "knife";
    }
  }

  size_t RandomBorough() { return static_cast<size_t>(rng_.Range(0, static_cast<int>(boroughs_.size()) - 1)); }
  LocalTime RandomTime(Date lo) {
    lo = std::max(lo, options_.first);
    if (lo > options_.last) lo = options_.last;
    return LocalTime{Date{lo.days + rng_.Range(0, options_.last.days - lo.days)}, rng_.Range(0, 24 * 60 - 1)};
  }

  // A child of borough `b` aged at least `min_age` at the story's start:
  // sometimes one the police met before.
  std::pair<Person, LocalTime> StoryChild(size_t b, int min_age) {
    if (!known_[b].empty() && rng_.Chance(0.25)) {
      const Person& p = known_[b][static_cast<size_t>(rng_.Range(0, static_cast<int>(known_[b].size()) - 1))];
      Date lo = AddMonths(p.dob, 12 * min_age);
      if (lo <= options_.last) return {p, RandomTime(lo)};
    }
    LocalTime at = RandomTime(options_.first);
    Person p = people_.New(b, at.day, min_age, 0.35, 1.0);
    known_[b].push_back(p);
    return {p, at};
  }

  void MissingStory() {
    size_t b = RandomBorough();
    auto [child, at] = StoryChild(b, 10);
    int episodes = rng_.Range(1, 3);
    for (int i = 0; i < episodes; ++i) {
      if (i > 0) at = LocalTime{Date{at.day.days + rng_.Range(4, 50)}, rng_.Range(0, 24 * 60 - 1)};
      if (at.day > options_.last) return;
      Row& row = Add("MISSING_EPISODE", boroughs_[b], child, at);
      row.missing_category = rng_.Chance(0.75) ? "missing" : "absent";
      if (rng_.Chance(0.85)) {
        LocalTime end = at.Plus(rng_.Range(60, 60 * 60));
        row.ended_at = FormatTime(end.day, end.minute);
      }
    }
  }

  void DomesticAbuseStory() {
    size_t b = RandomBorough();
    auto [first, at] = StoryChild(b, 0);
    std::vector<Person> children = {first};
    int more = rng_.Chance(0.4) ? rng_.Range(1, 2) : 0;
    for (int i = 0; i < more; ++i) children.push_back(people_.New(b, at.day, 0, 0.35, 1.0));
    // Siblings share a surname.
    for (Person& p : children)
      if (!children[0].surname.empty() && !p.surname.empty()) p.surname = children[0].surname;
    bool borough_unit_too = rng_.Chance(0.15);
    LocalTime unit_at = at.Plus(rng_.Range(0, 60));
    if (unit_at.day > options_.last) borough_unit_too = false;
    for (const Person& child : children) {
      std::string role = rng_.Chance(0.3) ? "victim" : "present";
      Add("DOMESTIC_ABUSE", boroughs_[b], child, at).child_role = role;
      if (borough_unit_too) {
        Row& row = Add("DOMESTIC_ABUSE", boroughs_[b], child, unit_at);
        row.child_role = role;
        row.unit = row.unit_written = boroughs_[b];
      }
    }
  }

  void InjuryCrimeStory() {
    size_t b = RandomBorough();
    auto [child, at] = StoryChild(b, 10);
    Row& row = Add("CHILD_INJURY_CRIME", boroughs_[b], child, at);
    row.crime_class = std::string(kCrimeClasses[PickWeighted(rng_, kCrimeClassWeights)]);
    row.weapon = std::string(kWeapons[PickWeighted(rng_, kWeaponWeights)]);
  }

  Rng rng_;
  const SyntheticOptions& options_;
  std::vector<std::string> boroughs_;
  Shared shared_;
  People people_;
  std::map<size_t, std::vector<Person>> known_;
  std::vector<Row> rows_;
};

class AeGenerator final {
 public:
  AeGenerator(uint64_t seed, const SyntheticOptions& options)
      : rng_(seed),
        options_(options),
        boroughs_(BoroughsOf(options)),
        shared_(ReadShared(options)),
        people_(rng_, options, shared_.nhs_numbers) {}

  std::string Csv(size_t rows) {
    for (const Shared::Knife& k : shared_.knives) {
      const Person& child = shared_.children[k.child];
      Row& row = Add(k.site, shared_.boroughs[child.borough], child, k.ae);
      row.injury = "Y";
      row.intent = "accidental";
      row.mechanism = "sharp";
      row.concern = "N";
    }
    while (rows_.size() < rows) Story();
    rows_.resize(rows);
    std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.at < b.at; });
    std::map<std::string, int> next_id;  // per site
    for (Row& row : rows_) {
      char buf[24];
      std::snprintf(buf, sizeof buf, "AE%07d", ++next_id[row.site]);
      row.attendance_id = buf;
    }
    std::string out =
        "attendance_id,site_code,arrived_at,borough,nhs_number,surname,forenames,dob,postcode,injury,injury_intent,"
        "injury_mechanism,safeguarding_concern,cp_plan_flag\r\n";
    for (const Row& row : rows_) {
      const Person& p = row.person;
      out += Join({row.attendance_id, row.site, FormatTime(row.at.day, row.at.minute), row.borough, p.nhs_number,
                   p.surname, p.forenames, FormatDate(p.dob), p.postcode, row.injury, row.intent, row.mechanism,
                   row.concern, row.cp_flag});
    }
    return out;
  }

 private:
  struct Row {
    LocalTime at;
    std::string site, borough;
    Person person;
    std::string attendance_id, injury, intent, mechanism, concern, cp_flag;
  };

  Row& Add(std::string_view site, const std::string& borough, const Person& person, LocalTime at) {
    Row row;
    row.at = at;
    row.site = site;
    row.borough = borough;
    row.person = person;
    row.cp_flag = rng_.Chance(0.3) ? "N" : "";
    rows_.push_back(std::move(row));
    return rows_.back();
  }

  void Story() {
    size_t b = static_cast<size_t>(rng_.Range(0, static_cast<int>(boroughs_.size()) - 1));
    Person child;
    Date lo = options_.first;
    if (!known_[b].empty() && rng_.Chance(0.2)) {
      child = known_[b][static_cast<size_t>(rng_.Range(0, static_cast<int>(known_[b].size()) - 1))];
      lo = std::max(lo, child.dob);
    } else {
      Date day{options_.first.days + rng_.Range(0, options_.last.days - options_.first.days)};
      child = people_.New(b, day, 0, 0.92, 0.85);
      // Babies and toddlers are common in A&E: a quarter are under 2.
      if (rng_.Chance(0.25)) {
        Date oldest = std::max(people_.oldest_dob(), Date{day.days - 2 * 365});
        child.dob = Date{oldest.days + rng_.Range(0, day.days - oldest.days)};
      }
      lo = std::max(lo, child.dob);
      known_[b].push_back(child);
    }
    if (lo > options_.last) return;
    LocalTime at{Date{lo.days + rng_.Range(0, options_.last.days - lo.days)}, rng_.Range(0, 24 * 60 - 1)};
    const std::string site(rng_.Pick(kSites));
    Row& row = Add(site, boroughs_[b], child, at);
    int age = AgeInYears(child.dob, at.day);
    double concern = 0.05;
    if (rng_.Chance(0.65)) {
      row.injury = "Y";
      size_t intent = PickWeighted(rng_, kIntentWeights);
      row.intent = kIntents[intent];
      size_t mechanism = intent == 1   ? PickWeighted(rng_, kAssaultMechanismWeights)
                         : intent == 2 ? PickWeighted(rng_, kSelfHarmMechanismWeights)
                                       : PickWeighted(rng_, kAccidentMechanismWeights);
      row.mechanism = kMechanisms[mechanism];
      if (intent == 1 || intent == 2) concern = 0.45;
      if (age < 1) concern = 0.35;
    } else {
      row.injury = "N";
    }
    row.concern = rng_.Chance(concern) ? "Y" : "N";
    if (rng_.Chance(0.03)) row.cp_flag = "Y";
  }

  Rng rng_;
  const SyntheticOptions& options_;
  std::vector<std::string> boroughs_;
  Shared shared_;
  People people_;
  std::map<size_t, std::vector<Person>> known_;
  std::vector<Row> rows_;
};

}  // namespace

std::string SyntheticCscEventsCsv(size_t rows, uint64_t seed, const SyntheticOptions& options) {
  return Generator(seed, options).Csv(rows);
}

std::string SyntheticPoliceEventsCsv(size_t rows, uint64_t seed, const SyntheticOptions& options) {
  return PoliceGenerator(seed, options).Csv(rows);
}

std::string SyntheticAeAttendancesCsv(size_t rows, uint64_t seed, const SyntheticOptions& options) {
  return AeGenerator(seed, options).Csv(rows);
}

}  // namespace lscb::adapters
