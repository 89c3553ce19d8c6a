#include "hub/definitions.h"

#include <array>

namespace lscb::hub {
namespace {

struct KindName {
  EventKind kind;
  std::string_view name;
};
constexpr std::array<KindName, 9> kKinds = {{
    {EventKind::kCscContact, "csc.contact"},
    {EventKind::kCscReferral, "csc.referral"},
    {EventKind::kCscAssessmentCompleted, "csc.assessment_completed"},
    {EventKind::kCscS47Started, "csc.s47_started"},
    {EventKind::kCscIcpcHeld, "csc.icpc_held"},
    {EventKind::kCscCpPlanStarted, "csc.cp_plan_started"},
    {EventKind::kCscCpPlanEnded, "csc.cp_plan_ended"},
    {EventKind::kMissingEpisode, "missing.episode"},
    {EventKind::kBoardParticipation, "board.participation"},
}};

constexpr std::array<std::string_view, kIndicatorCount> kIndicatorIds = {
    "CSC_CONTACTS", "CSC_REFERRALS", "CSC_REREFERRALS_12M", "CSC_CONTACT_CONVERSION",
    "CSC_ASSESSMENTS", "CSC_S47", "CSC_ICPC", "CSC_CPP_STARTED",
    "CSC_CPP_OPEN", "CSC_CPP_REPEAT", "PART_CHILDREN_INVOLVED",
};

const std::vector<std::string_view>& AllLabels() {
  static const std::vector<std::string_view> kLabels = [] {
    std::vector<std::string_view> v = {""};
    for (auto* list : {&ContactSources(), &PlanCategories(), &MissingCategories(), &Activities()})
      for (auto l : *list) v.push_back(l);
    return v;
  }();
  return kLabels;
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

bool IsKnownButUnsupportedKind(std::string_view name) {
  return name == "police.domestic_abuse" || name == "police.child_injury_crime" || name == "health.ae_attendance" ||
         name == "return";
}

std::string_view IndicatorId(Indicator i) { return kIndicatorIds[static_cast<size_t>(i) - 1]; }

std::optional<Indicator> ParseIndicator(std::string_view id) {
  for (size_t i = 0; i < kIndicatorIds.size(); ++i)
    if (kIndicatorIds[i] == id) return static_cast<Indicator>(i + 1);
  return std::nullopt;
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

const Definitions& DefinitionsV1() {
  static const Definitions kV1 = {
      "v1",
      {
          {EventKind::kCscContact, Indicator::kCscContacts, true, true},
          {EventKind::kCscReferral, Indicator::kCscReferrals, true, true},
          {EventKind::kCscAssessmentCompleted, Indicator::kCscAssessments, false, true},
          {EventKind::kCscS47Started, Indicator::kCscS47, false, true},
          {EventKind::kCscIcpcHeld, Indicator::kCscIcpc, false, true},
          {EventKind::kCscCpPlanStarted, Indicator::kCscCppStarted, true, true},
          {EventKind::kBoardParticipation, Indicator::kPartChildrenInvolved, true, false},
      },
      12,
  };
  return kV1;
}

}  // namespace lscb::hub
