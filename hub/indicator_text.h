// What each published indicator of definition set v1 counts, in words, for
// readers of the dashboard and the report.
#pragma once

#include <array>
#include <string_view>

namespace lscb::hub {

struct IndicatorText {
  std::string_view id;
  std::string_view value;      // what a cell counts
  std::string_view breakdown;  // what the breakdown labels are; "" for none
};

inline constexpr std::array<IndicatorText, 22> kIndicatorTexts = {{
    {"CSC_CONTACTS", "contacts", "source"},
    {"CSC_REFERRALS", "referrals", "source"},
    {"CSC_REREFERRALS_12M", "referrals of a child referred in the previous 12 months", ""},
    {"CSC_CONTACT_CONVERSION", "referrals as a percentage of contacts", ""},
    {"CSC_ASSESSMENTS", "assessments completed", ""},
    {"CSC_S47", "s47 enquiries started", ""},
    {"CSC_ICPC", "initial child protection conferences", ""},
    {"CSC_CPP_STARTED", "child protection plans started", "category"},
    {"CSC_CPP_OPEN", "children subject to a plan at the period's end", "category (at the plan's start)"},
    {"CSC_CPP_REPEAT", "plans started for a child who had an earlier plan", ""},
    {"MIS_EPISODES", "missing episodes, each counted once across agencies", "missing / absent"},
    {"MIS_CHILDREN", "distinct children with at least one missing episode", ""},
    {"MIS_REPEAT_CHILDREN", "children with 3 or more missing episodes in the period", ""},
    {"DA_CHILD_INCIDENTS", "children involved in domestic-abuse incidents, each child once per incident",
     "victim / present"},
    {"AE_SAFEGUARDING", "A&E attendances with a safeguarding concern", ""},
    {"AE_ASSAULT_INJURIES", "A&E injury attendances with intent assault", "mechanism"},
    {"AE_CPIS_FLAGGED", "A&E attendances where the child had a CP-IS flag", ""},
    {"DQ_INTENT_CONFLICT", "A&E \"accidental\" injuries linked to a police assault", ""},
    {"MAPPA_OFFENDERS", "MAPPA offenders (from returns only)", "category x level"},
    {"PART_CHILDREN_INVOLVED", "children involved in participation activities", "activity"},
    {"DQ_NHS_TOKEN_RATE", "percentage of events carrying an NHS-number token", "agency"},
    {"DQ_CORROBORATED", "percentage of linked incidents reported by 2 or more agencies", ""},
}};

// The text of `id`, or nullptr for an id not in the table.
inline const IndicatorText* FindIndicatorText(std::string_view id) {
  for (const auto& t : kIndicatorTexts)
    if (t.id == id) return &t;
  return nullptr;
}

}  // namespace lscb::hub
