#include "adapters/record_check.h"

#include <array>
#include <charconv>
#include <ctime>
#include <exception>
#include <limits>

namespace lscb::adapters {
namespace {

constexpr size_t kMaxQuoted = 40;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void AddToken(lscb::v1::SubjectToken::Kind kind, std::string value, lscb::v1::Subject* subject) {
  lscb::v1::SubjectToken* token = subject->add_tokens();
  token->set_kind(kind);
  token->set_value(std::move(value));
}

}  // namespace

std::string_view TrimField(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Quoted(std::string_view value) {
  std::string out = "'";
  size_t n = 0;
  for (char c : value) {
    if (n == kMaxQuoted) {
      out += "...";
      break;
    }
    out += (c == '\n' || c == '\r') ? ' ' : c;
    ++n;
  }
  out += "'";
  return out;
}

bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

std::string JoinNames(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

RecordCheck::RecordCheck(std::string_view file, const CsvTable& table, const CsvRecord& record,
                         std::vector<RecordError>* errors)
    : file_(file), table_(table), record_(record), errors_(errors) {}

std::string_view RecordCheck::Value(std::string_view column) const {
  std::optional<size_t> index = table_.Column(column);
  if (!index || *index >= record_.fields.size()) return {};
  return TrimField(record_.fields[*index]);
}

void RecordCheck::Fail(std::string_view field, std::string problem) {
  failed_ = true;
  errors_->push_back(RecordError{std::string(file_), record_.line, std::string(field), std::move(problem)});
}

void RecordCheck::FailMissing(std::string_view column) {
  if (table_.Column(column)) {
    Fail(column, "missing");
  } else {
    Fail(column, "missing (the file has no '" + std::string(column) + "' column)");
  }
}

std::optional<std::string_view> RecordCheck::Text(std::string_view column, Need need) {
  std::string_view value = Value(column);
  if (value.empty()) {
    if (need == Need::kRequired) FailMissing(column);
    return std::nullopt;
  }
  return value;
}

std::optional<std::string_view> RecordCheck::RecordId(std::string_view column, Need need) {
  std::optional<std::string_view> value = Text(column, need);
  if (value && value->size() > kMaxRecordIdLength) {
    Fail(column, "longer than " + std::to_string(kMaxRecordIdLength) + " characters");
    return std::nullopt;
  }
  return value;
}

std::optional<std::string_view> RecordCheck::OneOf(std::string_view column, std::span<const std::string_view> allowed,
                                                   Need need) {
  std::optional<std::string_view> value = Text(column, need);
  if (!value) return std::nullopt;
  for (std::string_view name : allowed)
    if (EqualsIgnoreCase(*value, name)) return name;
  Fail(column, Quoted(*value) + " is not one of " + JoinNames(allowed));
  return std::nullopt;
}

std::optional<int64_t> RecordCheck::DateTime(std::string_view column, Need need) {
  std::optional<std::string_view> value = Text(column, need);
  if (!value) return std::nullopt;
  Result<int64_t> instant = ParseDateTime(*value);
  if (!instant.ok()) {
    Fail(column, instant.status().message());
    return std::nullopt;
  }
  if (*instant < kEarliestEventTime) {
    Fail(column, Quoted(*value) + " is before 1990 (the hub keeps nothing older)");
    return std::nullopt;
  }
  return *instant;
}

std::optional<uint32_t> RecordCheck::Count(std::string_view column, uint32_t min, Need need, uint32_t max) {
  std::optional<std::string_view> value = Text(column, need);
  if (!value) return std::nullopt;
  uint32_t n = 0;
  bool digits = value->find_first_not_of("0123456789") == std::string_view::npos;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (!digits || ec != std::errc() || end != value->data() + value->size() || n < min || n > max) {
    Fail(column, Quoted(*value) + " is not a whole number " +
                     (max == UINT32_MAX ? "of at least " + std::to_string(min)
                                        : "from " + std::to_string(min) + " to " + std::to_string(max)));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> RecordCheck::YesNo(std::string_view column, Need need) {
  std::optional<std::string_view> value = Text(column, need);
  if (!value) return std::nullopt;
  if (EqualsIgnoreCase(*value, "y")) return true;
  if (EqualsIgnoreCase(*value, "n")) return false;
  Fail(column, Quoted(*value) + " is not Y or N");
  return std::nullopt;
}

std::optional<Period> RecordCheck::ReportingPeriod(std::string_view column, Need need) {
  std::optional<std::string_view> value = Text(column, need);
  if (!value) return std::nullopt;
  Result<Period> period = ParsePeriod(*value);
  if (!period.ok()) {
    Fail(column, Quoted(*value) + " is not a period (YYYY-MM, YYYY-Qn or FYyyyy-yy, e.g. 2007-09, 2007-Q3, FY2007-08)");
    return std::nullopt;
  }
  if (UkLocalToUtc(period->First(), 0) < kEarliestEventTime) {
    Fail(column, Quoted(*value) + " starts before 1990 (the hub keeps nothing older)");
    return std::nullopt;
  }
  return *period;
}

std::optional<std::string_view> RecordCheck::AgeBandOrAll(std::string_view column, Need need) {
  static constexpr std::array<std::string_view, kAgeBandCount + 1> kBands = {"unborn", "under1", "1-4", "5-9",
                                                                             "10-15",  "16-17",  "all"};
  return OneOf(column, kBands, need);
}

const Board* RecordCheck::Borough(std::string_view column, const BoardRegistry& boards, Need need) {
  std::optional<std::string_view> value = Text(column, need);
  if (!value) return nullptr;
  const Board* board = boards.Find(*value);
  if (board == nullptr)
    Fail(column, Quoted(*value) + " is not a known borough (give its ONS code, DfE number or name)");
  return board;
}

void CheckChild(RecordCheck& check, const LinkageKey& key, std::optional<Date> event_date, const ChildRules& rules,
                lscb::v1::Subject* subject) {
  std::string_view nhs_text = check.Value("nhs_number");
  std::string_view surname = check.Value("surname");
  std::string_view forenames = check.Value("forenames");

  std::optional<std::string> nhs;
  if (!nhs_text.empty()) {
    nhs = NormaliseNhsNumber(nhs_text);
    if (!nhs) check.Fail("nhs_number", "not a valid NHS number (10 digits passing the modulus-11 check)");
  } else {
    if (surname.empty())
      check.Fail("surname", "missing (surname and forenames are needed when there is no nhs_number)");
    if (forenames.empty())
      check.Fail("forenames", "missing (surname and forenames are needed when there is no nhs_number)");
  }
  if (!surname.empty() && DemoSurname(surname).empty()) check.Fail("surname", "has no letters A-Z");
  if (!forenames.empty() && !DemoInitial(forenames)) check.Fail("forenames", "has no letter A-Z");

  std::optional<Date> dob;
  if (std::string_view dob_text = check.Value("dob"); dob_text.empty()) {
    check.FailMissing("dob");
  } else if (Result<Date> parsed = ParseDate(dob_text); parsed.ok()) {
    dob = *parsed;
  } else {
    check.Fail("dob", "not a valid date (expected YYYY-MM-DD)");
  }

  if (nhs) AddToken(lscb::v1::SubjectToken::NHS, key.NhsToken(*nhs), subject);
  if (dob && !DemoSurname(surname).empty() && DemoInitial(forenames))
    AddToken(lscb::v1::SubjectToken::DEMO, key.DemoToken(surname, forenames, *dob), subject);

  if (!dob || !event_date) return;
  int age = AgeInYears(*dob, *event_date);
  if (age < 0) {
    if (!rules.unborn_allowed) {
      check.Fail("dob", "is after the event (occurred_at)");
      return;
    }
    // An expected date of birth cannot be more than a pregnancy away.
    if (*dob > AddMonths(*event_date, 12)) {
      check.Fail("dob", "is more than a year after the event, so it cannot be an expected date of birth");
      return;
    }
  }
  std::optional<AgeBand> band = AgeBandForAge(age);
  if (!band) {
    check.Fail("dob", "the child is 18 or over at the event (age " + std::to_string(age) + ")");
    return;
  }
  subject->set_age_years(age);
  subject->set_age_band(std::string(AgeBandName(*band)));
}

bool CheckHeader(std::string_view file, const CsvTable& table, const FeedColumns& columns, ParsedFile* out) {
  const std::string name(file);
  if (!table.header_problem().empty()) {
    out->errors.push_back({name, table.header_line(), "", table.header_problem()});
    return false;
  }
  bool ok = true;
  for (std::string_view column : columns.required) {
    if (!table.Column(column)) {
      out->errors.push_back(
          {name, table.header_line(), std::string(column), "required column is missing from the header"});
      ok = false;
    }
  }
  if (!ok) return false;

  std::string unknown;
  for (size_t i = 0; i < table.columns().size(); ++i) {
    const std::string& column = table.columns()[i];
    bool known = false;
    for (std::string_view k : columns.known) known = known || EqualsIgnoreCase(column, k);
    if (known) continue;
    if (!unknown.empty()) unknown += ", ";
    unknown += column.empty() ? "(unnamed column " + std::to_string(i + 1) + ")" : column;
  }
  if (!unknown.empty()) out->warnings.push_back(name + ": unknown columns ignored: " + unknown);
  return true;
}

ParsedFile ParseCsvFeed(std::string_view file, std::string_view contents, const FeedColumns& columns,
                        const RecordParser& parse) {
  ParsedFile out;
  CsvTable table = CsvTable::Read(contents);
  if (!CheckHeader(file, table, columns, &out)) return out;
  const std::string name(file);
  for (const CsvRecord& record : table.records()) {
    if (!record.ok()) {
      out.errors.push_back({name, record.line, "", record.problem});
      continue;
    }
    RecordCheck check(file, table, record, &out.errors);
    lscb::v1::Envelope event;
    parse(check, &event);
    if (check.failed()) continue;
    out.events.push_back(std::move(event));
    out.event_lines.push_back(record.line);
  }
  return out;
}

ParsedFile ParseGuarded(std::string_view file, const std::function<ParsedFile()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {  // e.g. out of memory; the contract is "never throws"
    ParsedFile out;
    out.errors.push_back({std::string(file), 0, "", std::string("internal error: ") + e.what()});
    return out;
  }
}

bool SeenIds::Check(RecordCheck& check, std::string_view field, std::string key, const std::string& what) {
  auto [it, inserted] = first_line_.emplace(std::move(key), check.line());
  if (inserted) return true;
  check.Fail(field, what + " already appears " + where_ + std::to_string(it->second));
  return false;
}

// ---- Aggregate returns ---------------------------------------------------

namespace {

// Breakdown labels (domain.md "Breakdown labels").
constexpr std::array<std::string_view, 7> kSourceLabels = {"police",     "health", "school",   "la",
                                                           "individual", "other",  "anonymous"};
constexpr std::array<std::string_view, 5> kCategoryLabels = {"neglect", "physical", "sexual", "emotional", "multiple"};
constexpr std::array<std::string_view, 2> kMissingLabels = {"missing", "absent"};
constexpr std::array<std::string_view, 2> kRoleLabels = {"victim", "present"};
constexpr std::array<std::string_view, 6> kMechanismLabels = {"sharp", "blunt", "burn", "fall", "poisoning", "other"};
constexpr std::array<std::string_view, 4> kActivityLabels = {"service_review", "planning", "delivery",
                                                             "board_consultation"};
constexpr std::array<std::string_view, 12> kMappaLabels = {"cat1_level1", "cat1_level2", "cat1_level3", "cat2_level1",
                                                           "cat2_level2", "cat2_level3", "cat3_level1", "cat3_level2",
                                                           "cat3_level3", "cat4_level1", "cat4_level2", "cat4_level3"};
constexpr std::array<std::string_view, 4> kAgencyLabels = {"police", "health", "csc", "board"};
constexpr std::span<const std::string_view> kTotalOnly;

// The one table of indicator ids and their breakdowns (domain.md
// "Indicators (definition set v1)").
constexpr std::array<ReturnIndicator, 22> kReturnIndicators = {{
    {"CSC_CONTACTS", kSourceLabels},
    {"CSC_REFERRALS", kSourceLabels},
    {"CSC_REREFERRALS_12M", kTotalOnly},
    {"CSC_CONTACT_CONVERSION", kTotalOnly},
    {"CSC_ASSESSMENTS", kTotalOnly},
    {"CSC_S47", kTotalOnly},
    {"CSC_ICPC", kTotalOnly},
    {"CSC_CPP_STARTED", kCategoryLabels},
    {"CSC_CPP_OPEN", kCategoryLabels},
    {"CSC_CPP_REPEAT", kTotalOnly},
    {"MIS_EPISODES", kMissingLabels},
    {"MIS_CHILDREN", kTotalOnly},
    {"MIS_REPEAT_CHILDREN", kTotalOnly},
    {"DA_CHILD_INCIDENTS", kRoleLabels},
    {"AE_SAFEGUARDING", kTotalOnly},
    {"AE_ASSAULT_INJURIES", kMechanismLabels},
    {"AE_CPIS_FLAGGED", kTotalOnly},
    {"DQ_INTENT_CONFLICT", kTotalOnly},
    {"MAPPA_OFFENDERS", kMappaLabels},
    {"PART_CHILDREN_INVOLVED", kActivityLabels},
    {"DQ_NHS_TOKEN_RATE", kAgencyLabels},
    {"DQ_CORROBORATED", kTotalOnly},
}};

}  // namespace

std::span<const ReturnIndicator> ReturnIndicators() { return kReturnIndicators; }

const ReturnIndicator* FindReturnIndicator(std::string_view id) {
  for (const ReturnIndicator& indicator : kReturnIndicators)
    if (indicator.id == id) return &indicator;
  return nullptr;
}

int64_t ReturnReadAt(const AdapterContext& ctx) {
  return ctx.read_at != 0 ? ctx.read_at : static_cast<int64_t>(std::time(nullptr));
}

void FillReturn(std::string_view agency, std::string_view source, const Board& board, const Period& period,
                std::string_view indicator, std::string_view age_band, std::string_view breakdown, uint32_t revision,
                int64_t read_at, lscb::v1::Envelope* event) {
  const std::string period_name = period.ToString();
  event->set_schema_version(1);
  event->set_agency(std::string(agency));
  event->set_kind("return");
  event->set_source(std::string(source));
  event->set_board(board.ons_code);
  event->set_occurred_at(UkLocalToUtc(period.First(), 0));
  std::string id(indicator);
  id += '|';
  id += board.ons_code;
  id += '|';
  id += period_name;
  id += '|';
  id += age_band;
  id += '|';
  id += breakdown;
  event->set_source_event_id(std::move(id));
  lscb::v1::ReturnDetail* detail = event->mutable_return_value();
  detail->set_indicator(std::string(indicator));
  detail->set_period(period_name);
  detail->set_age_band(std::string(age_band));
  detail->set_breakdown(std::string(breakdown));
  detail->set_revision(revision);
  detail->set_read_at(read_at);
}

}  // namespace lscb::adapters
