// ae-attendances: A&E attendances of children (feeds.md).
//
// One CSV row per attendance: attendance_id, site_code, arrived_at, borough
// (of residence), the child (nhs_number, surname, forenames, dob, postcode),
// injury with its intent and mechanism, safeguarding_concern and
// cp_plan_flag. Each row becomes one "health.ae_attendance" Envelope from
// source "health:" + the site code. An attendance id is unique within its
// site.

#include <array>
#include <optional>
#include <string>

#include "adapters/csv.h"
#include "adapters/formats.h"
#include "adapters/linkage.h"
#include "adapters/record_check.h"

namespace lscb::adapters {
namespace {

constexpr std::array<std::string_view, 6> kRequiredColumns = {"attendance_id", "site_code", "arrived_at",
                                                              "borough",       "injury",    "safeguarding_concern"};
constexpr std::array<std::string_view, 14> kKnownColumns = {"attendance_id",
                                                            "site_code",
                                                            "arrived_at",
                                                            "borough",
                                                            "nhs_number",
                                                            "surname",
                                                            "forenames",
                                                            "dob",
                                                            "postcode",
                                                            "injury",
                                                            "injury_intent",
                                                            "injury_mechanism",
                                                            "safeguarding_concern",
                                                            "cp_plan_flag"};

constexpr std::array<std::string_view, 4> kIntents = {"accidental", "assault", "self-harm", "unknown"};
constexpr std::array<std::string_view, 6> kMechanisms = {"sharp", "blunt", "burn", "fall", "poisoning", "other"};

// A provider site code: 3 to 5 upper-case letters and digits.
bool IsSiteCode(std::string_view s) {
  if (s.size() < 3 || s.size() > 5) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

void ParseRecord(RecordCheck& check, const AdapterContext& ctx, SeenIds& seen, lscb::v1::Envelope* event) {
  std::optional<std::string_view> attendance_id = check.RecordId("attendance_id", Need::kRequired);
  std::optional<std::string_view> site = check.Text("site_code", Need::kRequired);
  if (site && !IsSiteCode(*site)) {
    check.Fail("site_code", Quoted(*site) + " is not a site code (3 to 5 upper-case letters and digits, e.g. RJ224)");
    site.reset();
  }
  std::optional<int64_t> arrived_at = check.DateTime("arrived_at", Need::kRequired);
  const Board* board = check.Borough("borough", *ctx.boards, Need::kRequired);

  if (attendance_id && site) {
    seen.Check(check, "attendance_id", std::string(*site) + '\x1f' + std::string(*attendance_id),
               Quoted(*attendance_id) + " for site " + std::string(*site));
  }
  event->set_schema_version(1);
  event->set_agency("health");
  event->set_kind("health.ae_attendance");
  if (site) event->set_source("health:" + std::string(*site));
  if (attendance_id) event->set_source_event_id(std::string(*attendance_id));
  if (board) event->set_board(board->ons_code);
  if (arrived_at) event->set_occurred_at(*arrived_at);

  std::optional<Date> event_date;
  if (arrived_at) event_date = UkLocalDate(*arrived_at);
  CheckChild(check, *ctx.linkage, event_date, ChildRules{.unborn_allowed = false}, event->mutable_subject());

  lscb::v1::AeAttendanceDetail* detail = event->mutable_ae_attendance();
  if (site) detail->set_site_code(std::string(*site));
  std::optional<bool> injury = check.YesNo("injury", Need::kRequired);
  if (injury) detail->set_injury(*injury);
  if (injury && *injury) {
    if (auto intent = check.OneOf("injury_intent", kIntents, Need::kRequired)) detail->set_intent(std::string(*intent));
    if (auto mechanism = check.OneOf("injury_mechanism", kMechanisms, Need::kRequired))
      detail->set_mechanism(std::string(*mechanism));
  } else if (injury) {
    for (std::string_view column : {"injury_intent", "injury_mechanism"})
      if (check.Present(column)) check.Fail(column, "must be blank when injury is N");
  }
  if (auto concern = check.YesNo("safeguarding_concern", Need::kRequired)) detail->set_safeguarding_concern(*concern);
  if (auto flag = check.YesNo("cp_plan_flag", Need::kOptional)) detail->set_cp_is_flag(*flag);
}

class AeAttendancesAdapter final : public Adapter {
 public:
  std::string_view name() const override { return "ae-attendances"; }

  ParsedFile Parse(std::string_view file_name, std::string_view contents, const AdapterContext& ctx) const override {
    return ParseGuarded(file_name, [&] {
      if (ctx.boards == nullptr || ctx.linkage == nullptr) {
        ParsedFile out;
        out.errors.push_back(
            {std::string(file_name), 0, "", "internal error: the adapter was given no boards table or linkage key"});
        return out;
      }
      SeenIds seen;  // (site_code, attendance_id)
      return ParseCsvFeed(file_name, contents, FeedColumns{kRequiredColumns, kKnownColumns},
                          [&](RecordCheck& check, lscb::v1::Envelope* event) { ParseRecord(check, ctx, seen, event); });
    });
  }
};

}  // namespace

std::unique_ptr<Adapter> NewAeAttendancesAdapter() { return std::make_unique<AeAttendancesAdapter>(); }

}  // namespace lscb::adapters
