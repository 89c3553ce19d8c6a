// police-events: Metropolitan Police records about children (feeds.md).
//
// One CSV row per child per record: record_id, reporting_unit (optional),
// record_type, borough, occurred_at, the child (nhs_number, surname,
// forenames, dob, postcode) and the detail columns of the record type. Each
// row becomes one Envelope from source "police:" + the reporting unit:
// "police:central" for the Met central feed, "police:" + a borough's ONS code
// for a borough unit. A record id is unique within its reporting unit.

#include <array>
#include <optional>
#include <string>

#include "adapters/csv.h"
#include "adapters/formats.h"
#include "adapters/linkage.h"
#include "adapters/record_check.h"

namespace lscb::adapters {
namespace {

enum class RecordType { kMissingEpisode, kDomesticAbuse, kChildInjuryCrime };

struct RecordTypeName {
  std::string_view name;  // as in the feed
  std::string_view kind;  // the Envelope's wire name
  RecordType type;
};

constexpr std::array<RecordTypeName, 3> kRecordTypes = {{
    {"MISSING_EPISODE", "missing.episode", RecordType::kMissingEpisode},
    {"DOMESTIC_ABUSE", "police.domestic_abuse", RecordType::kDomesticAbuse},
    {"CHILD_INJURY_CRIME", "police.child_injury_crime", RecordType::kChildInjuryCrime},
}};

constexpr std::array<std::string_view, 4> kRequiredColumns = {"record_id", "record_type", "borough", "occurred_at"};
constexpr std::array<std::string_view, 15> kKnownColumns = {
    "record_id",  "reporting_unit",   "record_type", "borough", "occurred_at",
    "ended_at",   "missing_category", "child_role",  "weapon",  "crime_class",
    "nhs_number", "surname",          "forenames",   "dob",     "postcode"};

constexpr std::array<std::string_view, 2> kMissingCategories = {"missing", "absent"};
constexpr std::array<std::string_view, 2> kChildRoles = {"victim", "present"};
constexpr std::array<std::string_view, 4> kCrimeClasses = {"assault", "robbery", "sexual", "other"};
constexpr std::array<std::string_view, 5> kWeapons = {"knife", "firearm", "blunt", "none", "other"};

constexpr std::string_view kCentral = "central";

const RecordTypeName* CheckRecordType(RecordCheck& check) {
  std::optional<std::string_view> value = check.Text("record_type", Need::kRequired);
  if (!value) return nullptr;
  for (const RecordTypeName& t : kRecordTypes)
    if (AsciiEqualsIgnoreCase(*value, t.name)) return &t;
  std::array<std::string_view, kRecordTypes.size()> names;
  for (size_t i = 0; i < kRecordTypes.size(); ++i) names[i] = kRecordTypes[i].name;
  check.Fail("record_type", Quoted(*value) + " is not one of " + JoinNames(names));
  return nullptr;
}

// The reporting unit: "central" (also when blank or the column is absent) or
// a borough's ONS code. nullopt when the value is bad (a problem has been
// recorded).
std::optional<std::string> CheckReportingUnit(RecordCheck& check, const BoardRegistry& boards) {
  std::string_view value = check.Value("reporting_unit");
  if (value.empty() || AsciiEqualsIgnoreCase(value, kCentral)) return std::string(kCentral);
  if (const Board* board = boards.Find(value)) return board->ons_code;
  check.Fail("reporting_unit",
             Quoted(value) + " is not 'central' or a known borough (give its ONS code, DfE number or name)");
  return std::nullopt;
}

void ParseRecord(RecordCheck& check, const AdapterContext& ctx, SeenIds& seen, lscb::v1::Envelope* event) {
  std::optional<std::string_view> record_id = check.RecordId("record_id", Need::kRequired);
  std::optional<std::string> unit = CheckReportingUnit(check, *ctx.boards);
  const RecordTypeName* type = CheckRecordType(check);
  const Board* board = check.Borough("borough", *ctx.boards, Need::kRequired);
  std::optional<int64_t> occurred_at = check.DateTime("occurred_at", Need::kRequired);

  if (record_id && unit) {
    seen.Check(check, "record_id", *unit + '\x1f' + std::string(*record_id),
               Quoted(*record_id) + " for reporting unit " + *unit);
  }
  event->set_schema_version(1);
  event->set_agency("police");
  if (unit) event->set_source("police:" + *unit);
  if (board) event->set_board(board->ons_code);
  if (record_id) event->set_source_event_id(std::string(*record_id));
  if (occurred_at) event->set_occurred_at(*occurred_at);

  // Every record is about a child.
  std::optional<Date> event_date;
  if (occurred_at) event_date = UkLocalDate(*occurred_at);
  CheckChild(check, *ctx.linkage, event_date, ChildRules{.unborn_allowed = false}, event->mutable_subject());

  if (type == nullptr) return;  // which detail columns matter depends on the type
  event->set_kind(std::string(type->kind));
  switch (type->type) {
    case RecordType::kMissingEpisode: {
      lscb::v1::MissingDetail* missing = event->mutable_missing();
      if (auto category = check.OneOf("missing_category", kMissingCategories, Need::kRequired))
        missing->set_category(std::string(*category));
      if (auto ended_at = check.DateTime("ended_at", Need::kOptional)) {
        if (occurred_at && *ended_at < *occurred_at) {
          check.Fail("ended_at", "is before occurred_at");
        } else {
          missing->set_ended_at(*ended_at);
        }
      }
      break;
    }
    case RecordType::kDomesticAbuse: {
      lscb::v1::DomesticAbuseDetail* abuse = event->mutable_domestic_abuse();
      if (auto role = check.OneOf("child_role", kChildRoles, Need::kRequired))
        abuse->set_child_role(std::string(*role));
      if (unit) abuse->set_reporting_unit(*unit);
      break;
    }
    case RecordType::kChildInjuryCrime: {
      lscb::v1::InjuryCrimeDetail* crime = event->mutable_injury_crime();
      if (auto crime_class = check.OneOf("crime_class", kCrimeClasses, Need::kRequired))
        crime->set_crime_class(std::string(*crime_class));
      if (auto weapon = check.OneOf("weapon", kWeapons, Need::kRequired)) crime->set_weapon(std::string(*weapon));
      if (unit) crime->set_reporting_unit(*unit);
      break;
    }
  }
}

class PoliceEventsAdapter final : public Adapter {
 public:
  std::string_view name() const override { return "police-events"; }

  ParsedFile Parse(std::string_view file_name, std::string_view contents, const AdapterContext& ctx) const override {
    return ParseGuarded(file_name, [&] {
      if (ctx.boards == nullptr || ctx.linkage == nullptr) {
        ParsedFile out;
        out.errors.push_back(
            {std::string(file_name), 0, "", "internal error: the adapter was given no boards table or linkage key"});
        return out;
      }
      SeenIds seen;  // (reporting unit, record_id)
      return ParseCsvFeed(file_name, contents, FeedColumns{kRequiredColumns, kKnownColumns},
                          [&](RecordCheck& check, lscb::v1::Envelope* event) { ParseRecord(check, ctx, seen, event); });
    });
  }
};

}  // namespace

std::unique_ptr<Adapter> NewPoliceEventsAdapter() { return std::make_unique<PoliceEventsAdapter>(); }

}  // namespace lscb::adapters
