// Internal to adapters/: building blocks shared by the CSV format adapters.
//
// A RecordCheck reads one record's fields by column name and collects every
// problem found in it as RecordErrors, so a data officer sees all of a row's
// faults at once. CheckChild turns the person-identifier columns into a
// pseudonymous Subject; it never quotes an identifier in a problem.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/csv.h"
#include "adapters/linkage.h"
#include "core/boards.h"
#include "core/calendar.h"
#include "lscb/v1/event.pb.h"

namespace lscb::adapters {

// `s` without surrounding ASCII spaces and tabs.
std::string_view TrimField(std::string_view s);
// "'value'" for a problem message, shortened when long. Never pass a person
// identifier.
std::string Quoted(std::string_view value);
// "a, b, c".
std::string JoinNames(std::span<const std::string_view> names);

enum class Need { kRequired, kOptional };

class RecordCheck final {
 public:
  // Problems go to `errors` as {file, record.line, field, problem}. All
  // arguments must outlive the check.
  RecordCheck(std::string_view file, const CsvTable& table, const CsvRecord& record, std::vector<RecordError>* errors);

  int line() const { return record_.line; }
  // The trimmed value of `column`; empty when blank or when the file has no
  // such column.
  std::string_view Value(std::string_view column) const;
  bool Present(std::string_view column) const { return !Value(column).empty(); }

  void Fail(std::string_view field, std::string problem);
  // "missing", saying so when the file has no such column at all.
  void FailMissing(std::string_view column);
  // True once any problem was recorded for this record.
  bool failed() const { return failed_; }

  // Each of these returns nullopt when the value is bad (a problem has been
  // recorded) or when it is optional and blank (nothing recorded).

  // A non-blank value.
  std::optional<std::string_view> Text(std::string_view column, Need need);
  // One of `allowed` (lower-case), matched ASCII case-insensitively; returns
  // the entry of `allowed`.
  std::optional<std::string_view> OneOf(std::string_view column, std::span<const std::string_view> allowed, Need need);
  // A date-time as ParseDateTime reads it (UK local unless an offset is
  // given), Unix seconds UTC.
  std::optional<int64_t> DateTime(std::string_view column, Need need);
  // A whole number >= `min`.
  std::optional<uint32_t> Count(std::string_view column, uint32_t min, Need need);
  // A borough by ONS code, DfE number or name.
  const Board* Borough(std::string_view column, const BoardRegistry& boards, Need need);

 private:
  std::string_view file_;
  const CsvTable& table_;
  const CsvRecord& record_;
  std::vector<RecordError>* errors_;
  bool failed_ = false;
};

struct ChildRules {
  // Children's services record unborn children: a dob after the event is an
  // expected date of birth (age band "unborn"). Elsewhere it is an error.
  bool unborn_allowed = false;
};

// Checks the columns nhs_number, surname, forenames and dob of a record about
// a child (dob required; a valid nhs_number or surname + forenames required)
// and adds to `subject` the NHS token (when there is an NHS number), the DEMO
// token (when there are surname and forenames) and the age and age band at
// `event_date` (the UK local date of the event; nullopt when the event time
// was itself bad, and then the age is not checked). A child aged 18 or over
// is an error on dob. postcode is never read.
void CheckChild(RecordCheck& check, const LinkageKey& key, std::optional<Date> event_date, const ChildRules& rules,
                lscb::v1::Subject* subject);

}  // namespace lscb::adapters
