#include "adapters/record_check.h"

#include <charconv>
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
  return *instant;
}

std::optional<uint32_t> RecordCheck::Count(std::string_view column, uint32_t min, Need need) {
  std::optional<std::string_view> value = Text(column, need);
  if (!value) return std::nullopt;
  uint32_t n = 0;
  bool digits = value->find_first_not_of("0123456789") == std::string_view::npos;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (!digits || ec != std::errc() || end != value->data() + value->size() || n < min) {
    Fail(column, Quoted(*value) + " is not a whole number of at least " + std::to_string(min));
    return std::nullopt;
  }
  return n;
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

}  // namespace lscb::adapters
