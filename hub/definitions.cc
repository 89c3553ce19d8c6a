#include "hub/definitions.h"

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "hub/definitions_data.h"

namespace lscb::hub {
namespace {

struct KindName {
  EventKind kind;
  std::string_view name;
};
constexpr std::array<KindName, kEventKindCount> kKinds = {{
    {EventKind::kCscContact, "csc.contact"},
    {EventKind::kCscReferral, "csc.referral"},
    {EventKind::kCscAssessmentCompleted, "csc.assessment_completed"},
    {EventKind::kCscS47Started, "csc.s47_started"},
    {EventKind::kCscIcpcHeld, "csc.icpc_held"},
    {EventKind::kCscCpPlanStarted, "csc.cp_plan_started"},
    {EventKind::kCscCpPlanEnded, "csc.cp_plan_ended"},
    {EventKind::kMissingEpisode, "missing.episode"},
    {EventKind::kBoardParticipation, "board.participation"},
    {EventKind::kPoliceDomesticAbuse, "police.domestic_abuse"},
    {EventKind::kPoliceChildInjuryCrime, "police.child_injury_crime"},
    {EventKind::kHealthAeAttendance, "health.ae_attendance"},
    {EventKind::kReturn, "return"},
}};

constexpr std::array<std::string_view, kIndicatorCount> kIndicatorIds = {
    "CSC_CONTACTS",       "CSC_REFERRALS",    "CSC_REREFERRALS_12M", "CSC_CONTACT_CONVERSION",
    "CSC_ASSESSMENTS",    "CSC_S47",          "CSC_ICPC",            "CSC_CPP_STARTED",
    "CSC_CPP_OPEN",       "CSC_CPP_REPEAT",   "MIS_EPISODES",        "MIS_CHILDREN",
    "MIS_REPEAT_CHILDREN", "DA_CHILD_INCIDENTS", "AE_SAFEGUARDING",  "AE_ASSAULT_INJURIES",
    "AE_CPIS_FLAGGED",    "DQ_INTENT_CONFLICT", "MAPPA_OFFENDERS",   "PART_CHILDREN_INVOLVED",
    "DQ_NHS_TOKEN_RATE",  "DQ_CORROBORATED",
};

const std::vector<std::string_view>& AllLabels() {
  static const std::vector<std::string_view> kLabels = [] {
    std::vector<std::string_view> v = {""};
    for (auto* list : {&ContactSources(), &PlanCategories(), &MissingCategories(), &Activities(), &ChildRoles(),
                       &Mechanisms(), &Agencies(), &MappaBreakdowns()})
      for (auto l : *list)
        if (std::find(v.begin(), v.end(), l) == v.end()) v.push_back(l);
    return v;
  }();
  return kLabels;
}

Status Bad(const std::string& name, const std::string& key, const std::string& problem) {
  return Status::InvalidArgument(name + ": " + key + ": " + problem);
}

Status ReadKinds(const toml::node* node, const std::string& name, const std::string& key,
                 std::vector<EventKind>& out) {
  const toml::array* arr = node ? node->as_array() : nullptr;
  if (!arr) return Bad(name, key, "must be a list of event kinds");
  for (const auto& el : *arr) {
    auto s = el.value<std::string>();
    auto kind = s ? ParseEventKind(*s) : std::nullopt;
    if (!kind) return Bad(name, key, "'" + s.value_or("?") + "' is not an event kind");
    out.push_back(*kind);
  }
  return Status::Ok();
}

}  // namespace

std::optional<EventKind> ParseEventKind(std::string_view name) {
  for (const auto& k : kKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

std::string_view EventKindName(EventKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

std::string_view IndicatorId(Indicator i) {
  auto n = static_cast<size_t>(i);
  if (n >= 1 && n <= kIndicatorIds.size()) return kIndicatorIds[n - 1];
  return "INTERNAL";
}

std::optional<Indicator> ParseIndicator(std::string_view id) {
  for (size_t i = 0; i < kIndicatorIds.size(); ++i)
    if (kIndicatorIds[i] == id) return static_cast<Indicator>(i + 1);
  return std::nullopt;
}

bool IsRate(Indicator i) {
  return i == Indicator::kCscContactConversion || i == Indicator::kDqNhsTokenRate ||
         i == Indicator::kDqCorroborated;
}

std::optional<LabelId> LabelIdOf(std::string_view label) {
  const auto& all = AllLabels();
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i] == label) return static_cast<LabelId>(i);
  return std::nullopt;
}

std::string_view LabelName(LabelId id) {
  const auto& all = AllLabels();
  return id < all.size() ? all[id] : "?";
}

const std::vector<std::string_view>& ContactSources() {
  static const std::vector<std::string_view> v = {"police", "health", "school", "la",
                                                  "individual", "other", "anonymous"};
  return v;
}
const std::vector<std::string_view>& PlanCategories() {
  static const std::vector<std::string_view> v = {"neglect", "physical", "sexual", "emotional", "multiple"};
  return v;
}
const std::vector<std::string_view>& MissingCategories() {
  static const std::vector<std::string_view> v = {"missing", "absent"};
  return v;
}
const std::vector<std::string_view>& Activities() {
  static const std::vector<std::string_view> v = {"service_review", "planning", "delivery", "board_consultation"};
  return v;
}
const std::vector<std::string_view>& ChildRoles() {
  static const std::vector<std::string_view> v = {"victim", "present"};
  return v;
}
const std::vector<std::string_view>& Mechanisms() {
  static const std::vector<std::string_view> v = {"sharp", "blunt", "burn", "fall", "poisoning", "other"};
  return v;
}
const std::vector<std::string_view>& Intents() {
  static const std::vector<std::string_view> v = {"accidental", "assault", "self-harm", "unknown"};
  return v;
}
const std::vector<std::string_view>& CrimeClasses() {
  static const std::vector<std::string_view> v = {"assault", "robbery", "sexual", "other"};
  return v;
}
const std::vector<std::string_view>& Weapons() {
  static const std::vector<std::string_view> v = {"knife", "firearm", "blunt", "none", "other"};
  return v;
}
const std::vector<std::string_view>& Agencies() {
  static const std::vector<std::string_view> v = {"police", "health", "csc", "board"};
  return v;
}
const std::vector<std::string_view>& MappaBreakdowns() {
  static const std::vector<std::string_view> v = {
      "cat1_level1", "cat1_level2", "cat1_level3", "cat2_level1", "cat2_level2", "cat2_level3",
      "cat3_level1", "cat3_level2", "cat3_level3", "cat4_level1", "cat4_level2", "cat4_level3"};
  return v;
}

Result<std::shared_ptr<const Definitions>> ParseDefinitions(std::string_view text, const std::string& name) {
  toml::table t;
  try {
    t = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(name + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  auto d = std::make_shared<Definitions>();
  auto version = t["version"].value<std::string>();
  if (!version || version->empty()) return Bad(name, "version", "missing");
  d->version = *version;

  for (const auto& [k, node] : t) {
    std::string key(k.str());
    if (key != "version" && key != "windows" && key != "count" && key != "derived")
      return Bad(name, key, "unknown setting");
  }
  if (const toml::table* w = t["windows"].as_table()) {
    for (const auto& [k, node] : *w) {
      std::string key(k.str());
      auto v = node.value<int64_t>();
      if (!v || *v < 0) return Bad(name, "windows." + key, "must be a whole number >= 0");
      if (key == "rereferral_months") d->rereferral_months = static_cast<int>(*v);
      else if (key == "missing_link_hours") d->missing_link_seconds = *v * 3600;
      else if (key == "injury_link_hours") d->injury_link_seconds = *v * 3600;
      else if (key == "domestic_abuse_link_hours") d->domestic_abuse_link_seconds = *v * 3600;
      else return Bad(name, "windows." + key, "unknown setting");
    }
  }
  std::array<bool, kIndicatorCount> defined{};
  auto define = [&](Indicator ind, const std::string& key) -> Status {
    size_t i = static_cast<size_t>(ind) - 1;
    if (defined[i]) return Bad(name, key, std::string(IndicatorId(ind)) + " is defined twice");
    defined[i] = true;
    return Status::Ok();
  };
  if (const toml::array* counts = t["count"].as_array()) {
    for (size_t i = 0; i < counts->size(); ++i) {
      std::string key = "count[" + std::to_string(i) + "]";
      const toml::table* c = (*counts)[i].as_table();
      if (!c) return Bad(name, key, "must be a table");
      CountRule rule{};
      auto id = (*c)["indicator"].value<std::string>();
      auto ind = id ? ParseIndicator(*id) : std::nullopt;
      if (!ind) return Bad(name, key + ".indicator", "'" + id.value_or("") + "' is not an indicator");
      rule.indicator = *ind;
      Status s = ReadKinds((*c)["kinds"].node(), name, key + ".kinds", rule.kinds);
      if (!s.ok()) return s;
      rule.by_label = (*c)["breakdown"].value_or(false);
      rule.by_age = (*c)["ages"].value_or(true);
      std::string when = (*c)["when"].value_or(std::string());
      if (when.empty()) rule.when = Condition::kNone;
      else if (when == "safeguarding_concern") rule.when = Condition::kSafeguardingConcern;
      else if (when == "cp_is_flag") rule.when = Condition::kCpIsFlag;
      else if (when == "assault_injury") rule.when = Condition::kAssaultInjury;
      else return Bad(name, key + ".when", "'" + when + "' is not a condition");
      for (const auto& [ck, cv] : *c) {
        std::string ckey(ck.str());
        if (ckey != "indicator" && ckey != "kinds" && ckey != "breakdown" && ckey != "ages" && ckey != "when")
          return Bad(name, key + "." + ckey, "unknown setting");
      }
      s = define(rule.indicator, key);
      if (!s.ok()) return s;
      d->basis_kinds[static_cast<size_t>(rule.indicator) - 1] = rule.kinds;
      d->count_rules.push_back(std::move(rule));
    }
  }
  if (const toml::array* derived = t["derived"].as_array()) {
    for (size_t i = 0; i < derived->size(); ++i) {
      std::string key = "derived[" + std::to_string(i) + "]";
      const toml::table* c = (*derived)[i].as_table();
      if (!c) return Bad(name, key, "must be a table");
      auto id = (*c)["indicator"].value<std::string>();
      auto ind = id ? ParseIndicator(*id) : std::nullopt;
      if (!ind) return Bad(name, key + ".indicator", "'" + id.value_or("") + "' is not an indicator");
      std::vector<EventKind> kinds;
      Status s = ReadKinds((*c)["kinds"].node(), name, key + ".kinds", kinds);
      if (!s.ok()) return s;
      s = define(*ind, key);
      if (!s.ok()) return s;
      d->basis_kinds[static_cast<size_t>(*ind) - 1] = std::move(kinds);
    }
  }
  for (size_t i = 0; i < defined.size(); ++i)
    if (!defined[i])
      return Bad(name, "count/derived", std::string(kIndicatorIds[i]) + " has no definition");
  return std::shared_ptr<const Definitions>(std::move(d));
}

Result<std::shared_ptr<const Definitions>> LoadDefinitionsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read definitions file " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return ParseDefinitions(s.str(), path);
}

std::shared_ptr<const Definitions> DefaultDefinitions() {
  static const std::shared_ptr<const Definitions> kDefault = [] {
    auto d = ParseDefinitions(kDefinitionsV1Toml, "definitions/v1.toml");
    if (!d.ok()) std::abort();  // the built-in file is tested
    return d.value();
  }();
  return kDefault;
}

}  // namespace lscb::hub
