// csc-events: local-authority children's services case records (feeds.md).
//
// One CSV row per record: record_id, record_type, borough, occurred_at, then
// the child (la_child_id, nhs_number, surname, forenames, dob, postcode) and
// the detail columns of the record type. Each row becomes one Envelope from
// source "csc:" + the borough's ONS code.

#include <array>
#include <exception>
#include <string>
#include <unordered_map>

#include "adapters/csv.h"
#include "adapters/formats.h"
#include "adapters/linkage.h"
#include "adapters/record_check.h"

namespace lscb::adapters {
namespace {

enum class RecordType {
  kContact,
  kReferral,
  kAssessmentCompleted,
  kS47Started,
  kIcpcHeld,
  kCpPlanStarted,
  kCpPlanEnded,
  kMissingEpisode,
  kParticipation,
};

struct RecordTypeName {
  std::string_view name;  // as in the feed
  std::string_view kind;  // the Envelope's wire name
  RecordType type;
};

constexpr std::array<RecordTypeName, 9> kRecordTypes = {{
    {"CONTACT", "csc.contact", RecordType::kContact},
    {"REFERRAL", "csc.referral", RecordType::kReferral},
    {"ASSESSMENT_COMPLETED", "csc.assessment_completed", RecordType::kAssessmentCompleted},
    {"S47_STARTED", "csc.s47_started", RecordType::kS47Started},
    {"ICPC_HELD", "csc.icpc_held", RecordType::kIcpcHeld},
    {"CP_PLAN_STARTED", "csc.cp_plan_started", RecordType::kCpPlanStarted},
    {"CP_PLAN_ENDED", "csc.cp_plan_ended", RecordType::kCpPlanEnded},
    {"MISSING_EPISODE", "missing.episode", RecordType::kMissingEpisode},
    {"PARTICIPATION", "board.participation", RecordType::kParticipation},
}};

constexpr std::array<std::string_view, 4> kRequiredColumns = {"record_id", "record_type", "borough", "occurred_at"};
constexpr std::array<std::string_view, 16> kKnownColumns = {
    "record_id", "record_type",      "borough",  "occurred_at",      "la_child_id", "nhs_number",
    "surname",   "forenames",        "dob",      "postcode",         "source",      "abuse_category",
    "ended_at",  "missing_category", "activity", "children_involved"};

constexpr std::array<std::string_view, 7> kContactSources = {"police",     "health", "school",   "la",
                                                             "individual", "other",  "anonymous"};
constexpr std::array<std::string_view, 5> kAbuseCategories = {"neglect", "physical", "sexual", "emotional", "multiple"};
constexpr std::array<std::string_view, 2> kMissingCategories = {"missing", "absent"};
constexpr std::array<std::string_view, 4> kActivities = {"service_review", "planning", "delivery",
                                                         "board_consultation"};
// The most children one participation record may count, as the hub requires
// (event.proto).
constexpr uint32_t kMaxChildrenInvolved = 1000000;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

const RecordTypeName* CheckRecordType(RecordCheck& check) {
  std::optional<std::string_view> value = check.Text("record_type", Need::kRequired);
  if (!value) return nullptr;
  for (const RecordTypeName& t : kRecordTypes)
    if (EqualsIgnoreCase(*value, t.name)) return &t;
  std::array<std::string_view, kRecordTypes.size()> names;
  for (size_t i = 0; i < kRecordTypes.size(); ++i) names[i] = kRecordTypes[i].name;
  check.Fail("record_type", Quoted(*value) + " is not one of " + JoinNames(names));
  return nullptr;
}

class CscEventsAdapter final : public Adapter {
 public:
  std::string_view name() const override { return "csc-events"; }
  ParsedFile Parse(std::string_view file_name, std::string_view contents, const AdapterContext& ctx) const override;

 private:
  // (ONS code, record_id) -> the line it was first seen on.
  using SeenRecords = std::unordered_map<std::string, int>;

  ParsedFile ParseFile(std::string_view file_name, std::string_view contents, const AdapterContext& ctx) const;
  void ParseRecord(RecordCheck& check, const AdapterContext& ctx, SeenRecords& seen, lscb::v1::Envelope* event) const;
};

ParsedFile CscEventsAdapter::Parse(std::string_view file_name, std::string_view contents,
                                   const AdapterContext& ctx) const {
  try {
    return ParseFile(file_name, contents, ctx);
  } catch (const std::exception& e) {  // e.g. out of memory; the contract is "never throws"
    ParsedFile out;
    out.errors.push_back({std::string(file_name), 0, "", std::string("internal error: ") + e.what()});
    return out;
  }
}

ParsedFile CscEventsAdapter::ParseFile(std::string_view file_name, std::string_view contents,
                                       const AdapterContext& ctx) const {
  ParsedFile out;
  const std::string file(file_name);
  if (ctx.boards == nullptr || ctx.linkage == nullptr) {
    out.errors.push_back({file, 0, "", "internal error: the adapter was given no boards table or linkage key"});
    return out;
  }

  CsvTable table = CsvTable::Read(contents);
  if (!table.header_problem().empty()) {
    out.errors.push_back({file, table.header_line(), "", table.header_problem()});
    return out;
  }
  for (std::string_view column : kRequiredColumns) {
    if (!table.Column(column))
      out.errors.push_back(
          {file, table.header_line(), std::string(column), "required column is missing from the header"});
  }
  if (!out.errors.empty()) return out;

  std::string unknown;
  for (size_t i = 0; i < table.columns().size(); ++i) {
    const std::string& column = table.columns()[i];
    bool known = false;
    for (std::string_view k : kKnownColumns) known = known || EqualsIgnoreCase(column, k);
    if (known) continue;
    if (!unknown.empty()) unknown += ", ";
    unknown += column.empty() ? "(unnamed column " + std::to_string(i + 1) + ")" : column;
  }
  if (!unknown.empty()) out.warnings.push_back(file + ": unknown columns ignored: " + unknown);

  SeenRecords seen;
  for (const CsvRecord& record : table.records()) {
    if (!record.ok()) {
      out.errors.push_back({file, record.line, "", record.problem});
      continue;
    }
    RecordCheck check(file, table, record, &out.errors);
    lscb::v1::Envelope event;
    ParseRecord(check, ctx, seen, &event);
    if (check.failed()) continue;
    out.events.push_back(std::move(event));
    out.event_lines.push_back(record.line);
  }
  return out;
}

void CscEventsAdapter::ParseRecord(RecordCheck& check, const AdapterContext& ctx, SeenRecords& seen,
                                   lscb::v1::Envelope* event) const {
  std::optional<std::string_view> record_id = check.RecordId("record_id", Need::kRequired);
  const RecordTypeName* type = CheckRecordType(check);
  const Board* board = check.Borough("borough", *ctx.boards, Need::kRequired);
  std::optional<int64_t> occurred_at = check.DateTime("occurred_at", Need::kRequired);

  if (record_id && board) {
    std::string key = board->ons_code + '\x1f' + std::string(*record_id);
    auto [it, inserted] = seen.emplace(std::move(key), check.line());
    if (!inserted) {
      check.Fail("record_id", Quoted(*record_id) + " for borough " + board->ons_code + " already appears on line " +
                                  std::to_string(it->second));
    }
  }
  const std::string source = board ? "csc:" + board->ons_code : std::string();
  event->set_schema_version(1);
  event->set_agency("csc");
  if (board) {
    event->set_board(board->ons_code);
    event->set_source(source);
  }
  if (record_id) event->set_source_event_id(std::string(*record_id));
  if (occurred_at) event->set_occurred_at(*occurred_at);
  if (type == nullptr) return;  // which columns matter depends on the type
  event->set_kind(std::string(type->kind));

  if (type->type != RecordType::kParticipation) {
    std::optional<std::string_view> child_id = check.Text("la_child_id", Need::kRequired);
    std::optional<Date> event_date;
    if (occurred_at) event_date = UkLocalDate(*occurred_at);
    CheckChild(check, *ctx.linkage, event_date, ChildRules{.unborn_allowed = true}, event->mutable_subject());
    if (child_id && board) {
      lscb::v1::SubjectToken* token = event->mutable_subject()->add_tokens();
      token->set_kind(lscb::v1::SubjectToken::LOCAL);
      token->set_value(ctx.linkage->LocalToken(source, *child_id));
    }
  }

  switch (type->type) {
    case RecordType::kContact:
    case RecordType::kReferral:
      if (auto s = check.OneOf("source", kContactSources, Need::kRequired))
        event->mutable_contact()->set_source(std::string(*s));
      break;
    case RecordType::kCpPlanStarted:
    case RecordType::kCpPlanEnded: {
      Need need = type->type == RecordType::kCpPlanStarted ? Need::kRequired : Need::kOptional;
      lscb::v1::CpPlanDetail* plan = event->mutable_cp_plan();
      if (auto category = check.OneOf("abuse_category", kAbuseCategories, need))
        plan->set_category(std::string(*category));
      break;
    }
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
    case RecordType::kParticipation: {
      lscb::v1::ParticipationDetail* participation = event->mutable_participation();
      if (auto activity = check.OneOf("activity", kActivities, Need::kRequired))
        participation->set_activity(std::string(*activity));
      if (auto children = check.Count("children_involved", 1, Need::kRequired, kMaxChildrenInvolved))
        participation->set_children_involved(*children);
      break;
    }
    case RecordType::kAssessmentCompleted:
    case RecordType::kS47Started:
    case RecordType::kIcpcHeld: break;
  }
}

}  // namespace

std::unique_ptr<Adapter> NewCscEventsAdapter() { return std::make_unique<CscEventsAdapter>(); }

}  // namespace lscb::adapters
