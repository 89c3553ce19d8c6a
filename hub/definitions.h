// Event kinds, indicators, breakdown labels, and the indicator definition
// set: which event kinds count toward which indicator, with which breakdown,
// and the linkage windows. The definition set is data (a TOML file with a
// version, data/definitions/v1.toml built in); every snapshot names it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lscb::hub {

// Event kinds the hub accepts (wire names in EventKindName).
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
  kPoliceDomesticAbuse,
  kPoliceChildInjuryCrime,
  kHealthAeAttendance,
  kReturn,
};
inline constexpr int kEventKindCount = 13;

std::optional<EventKind> ParseEventKind(std::string_view wire_name);
std::string_view EventKindName(EventKind k);

// Published indicators, in the order snapshots list them.
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
  kMisEpisodes,
  kMisChildren,
  kMisRepeatChildren,
  kDaChildIncidents,
  kAeSafeguarding,
  kAeAssaultInjuries,
  kAeCpisFlagged,
  kDqIntentConflict,
  kMappaOffenders,
  kPartChildrenInvolved,
  kDqNhsTokenRate,
  kDqCorroborated,
  // Internal counters behind rates and flags; never published as such.
  kInternalKindPresent = 100,  // label: EventKind
  kInternalNhsToken,           // events with an NHS token, label: agency
  kInternalWithSubject,        // events about a child, label: agency
  kInternalCategoryConflict,   // missing episodes reported as missing and absent
  kInternalLinked,             // incidents formed by linkage (2+ records)
  kInternalCorroborated,       // of those, reported by 2+ agencies
};
inline constexpr int kIndicatorCount = 22;

std::string_view IndicatorId(Indicator i);
std::optional<Indicator> ParseIndicator(std::string_view id);  // published ones only
bool IsRate(Indicator i);

// Breakdown labels share one small id space; 0 is the indicator's total.
using LabelId = uint8_t;
inline constexpr LabelId kTotal = 0;
std::optional<LabelId> LabelIdOf(std::string_view label);
std::string_view LabelName(LabelId id);

// The labels allowed in each detail field.
const std::vector<std::string_view>& ContactSources();     // police, health, ...
const std::vector<std::string_view>& PlanCategories();     // neglect, ...
const std::vector<std::string_view>& MissingCategories();  // missing, absent
const std::vector<std::string_view>& Activities();         // service_review, ...
const std::vector<std::string_view>& ChildRoles();         // victim, present
const std::vector<std::string_view>& Mechanisms();         // sharp, blunt, ...
const std::vector<std::string_view>& Intents();            // accidental, assault, ...
const std::vector<std::string_view>& CrimeClasses();       // assault, robbery, ...
const std::vector<std::string_view>& Weapons();            // knife, firearm, ...
const std::vector<std::string_view>& Agencies();           // police, health, csc, board
const std::vector<std::string_view>& MappaBreakdowns();    // cat1_level1 ... cat4_level3

// A condition on an event beyond its kind.
enum class Condition : uint8_t { kNone, kSafeguardingConcern, kCpIsFlag, kAssaultInjury };

struct CountRule {
  Indicator indicator;
  std::vector<EventKind> kinds;
  bool by_label = false;  // broken down by the event's label
  bool by_age = true;     // false: only the "all" age band
  Condition when = Condition::kNone;
};

struct Definitions {
  std::string version;
  std::vector<CountRule> count_rules;
  // For each published indicator, the kinds whose events make a cell's
  // basis "events" (indexed by Indicator - 1).
  std::array<std::vector<EventKind>, kIndicatorCount> basis_kinds;
  int rereferral_months = 12;
  int64_t missing_link_seconds = 24 * 3600;
  int64_t injury_link_seconds = 24 * 3600;
  int64_t domestic_abuse_link_seconds = 24 * 3600;
};

// Parses a definition set; errors name the file and the key.
Result<std::shared_ptr<const Definitions>> ParseDefinitions(std::string_view toml_text, const std::string& name);
Result<std::shared_ptr<const Definitions>> LoadDefinitionsFile(const std::string& path);
// The built-in set v1 (data/definitions/v1.toml).
std::shared_ptr<const Definitions> DefaultDefinitions();

}  // namespace lscb::hub
