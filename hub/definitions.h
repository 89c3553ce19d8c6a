// Indicator definition set v1 (children's services).
//
// Which event kinds count toward which indicator, with which breakdown, is
// described here as data: the view is computed from this table, and its
// version is stated in every snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lscb::hub {

// Event kinds the hub accepts.
enum class EventKind : uint8_t {
  kCscContact = 1,
  kCscReferral,
  kCscAssessmentCompleted,
  kCscS47Started,
  kCscIcpcHeld,
  kCscCpPlanStarted,
  kCscCpPlanEnded,
  kMissingEpisode,
  kBoardParticipation,
};

std::optional<EventKind> ParseEventKind(std::string_view wire_name);
std::string_view EventKindName(EventKind k);
// Kinds defined by the domain that this hub version does not count yet.
bool IsKnownButUnsupportedKind(std::string_view wire_name);

enum class Indicator : uint8_t {
  kCscContacts = 1,
  kCscReferrals,
  kCscRereferrals12m,
  kCscContactConversion,
  kCscAssessments,
  kCscS47,
  kCscIcpc,
  kCscCppStarted,
  kCscCppOpen,
  kCscCppRepeat,
  kPartChildrenInvolved,
};
inline constexpr int kIndicatorCount = 11;

std::string_view IndicatorId(Indicator i);
std::optional<Indicator> ParseIndicator(std::string_view id);

// Breakdown labels share one small id space; 0 is the indicator's total.
using LabelId = uint8_t;
inline constexpr LabelId kTotal = 0;
std::optional<LabelId> LabelIdOf(std::string_view label);
std::string_view LabelName(LabelId id);

// The labels allowed in a detail field.
const std::vector<std::string_view>& ContactSources();     // police, health, ...
const std::vector<std::string_view>& PlanCategories();     // neglect, ...
const std::vector<std::string_view>& MissingCategories();  // missing, absent
const std::vector<std::string_view>& Activities();         // service_review, ...

// One row of the definition set: events of `kind` add `1` (or the event's
// children_involved) to `indicator`, broken down by the event's label when
// `by_label`.
struct CountRule {
  EventKind kind;
  Indicator indicator;
  bool by_label;
  bool by_age;  // false: only the "all" age band
};

struct Definitions {
  std::string version;
  std::vector<CountRule> count_rules;
  int rereferral_window_months = 12;
};

// The built-in definition set v1.
const Definitions& DefinitionsV1();

}  // namespace lscb::hub
