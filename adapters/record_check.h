// Internal to adapters/: building blocks shared by the format adapters.
//
// A RecordCheck reads one record's fields by column name and collects every
// problem found in it as RecordErrors, so a data officer sees all of a row's
// faults at once. CheckChild turns the person-identifier columns into a
// pseudonymous Subject; it never quotes an identifier in a problem.
// ParseCsvFeed is the whole of a typical CSV format's parsing loop, and
// FillReturn the common part of an aggregate return.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
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
// a == b, ignoring the case of ASCII letters.
bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b);

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
  // A record's identifier (it becomes Envelope.source_event_id): non-blank,
  // at most kMaxRecordIdLength characters, as the hub requires.
  static constexpr size_t kMaxRecordIdLength = 128;
  std::optional<std::string_view> RecordId(std::string_view column, Need need);
  // One of `allowed` (lower-case), matched ASCII case-insensitively; returns
  // the entry of `allowed`.
  std::optional<std::string_view> OneOf(std::string_view column, std::span<const std::string_view> allowed, Need need);
  // The earliest time of an event the hub accepts: 1990-01-01.
  static constexpr int64_t kEarliestEventTime = 631152000;
  // A date-time as ParseDateTime reads it (UK local unless an offset is
  // given), Unix seconds UTC; the time of an event, so not before 1990.
  std::optional<int64_t> DateTime(std::string_view column, Need need);
  // A whole number from `min` to `max`.
  std::optional<uint32_t> Count(std::string_view column, uint32_t min, Need need, uint32_t max = UINT32_MAX);
  // A borough by ONS code, DfE number or name.
  const Board* Borough(std::string_view column, const BoardRegistry& boards, Need need);
  // "Y" or "N" (either case).
  std::optional<bool> YesNo(std::string_view column, Need need);
  // A reporting period as ParsePeriod reads it ("YYYY-MM", "YYYY-Qn",
  // "FYyyyy-yy"), starting in 1990 or later.
  std::optional<Period> ReportingPeriod(std::string_view column, Need need);
  // An age band name (AgeBandName) or "all"; returns the canonical name.
  std::optional<std::string_view> AgeBandOrAll(std::string_view column, Need need);

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

// ---- Whole files -------------------------------------------------------

// Which columns a CSV format has.
struct FeedColumns {
  std::span<const std::string_view> required;  // must be in the header
  std::span<const std::string_view> known;     // every column the format reads (others: one warning)
};

// Checks the header of `table`: a usable header row, every required column
// present (one error each, on the header line). Adds a warning naming the
// unknown columns. Returns false when there were errors.
bool CheckHeader(std::string_view file, const CsvTable& table, const FeedColumns& columns, ParsedFile* out);

// Fills one Envelope from one well-formed record; problems go to `check`.
using RecordParser = std::function<void(RecordCheck& check, lscb::v1::Envelope* event)>;

// The body of a typical CSV format's Adapter::Parse: reads `contents`,
// checks the header, calls `parse` for every well-formed record and keeps the
// events of the records without problems. Malformed records become errors.
ParsedFile ParseCsvFeed(std::string_view file, std::string_view contents, const FeedColumns& columns,
                        const RecordParser& parse);

// Runs `body`, turning an exception (e.g. out of memory) into an "internal
// error" RecordError: Adapter::Parse never throws.
ParsedFile ParseGuarded(std::string_view file, const std::function<ParsedFile()>& body);

// The record keys already seen in one file, to refuse a key repeated within
// it.
class SeenIds final {
 public:
  // `where` precedes the line number in messages: "on line " for text
  // files, "in row " for spreadsheets.
  explicit SeenIds(std::string_view where = "on line ") : where_(where) {}

  // When `key` was seen before, records a problem on `field` (`what` +
  // " already appears on line N") and returns false; otherwise remembers it.
  bool Check(RecordCheck& check, std::string_view field, std::string key, const std::string& what);

 private:
  std::string where_;
  std::unordered_map<std::string, int> first_line_;
};

// ---- Aggregate returns (police-counts, lscb-return) ---------------------

// An indicator a return may carry (domain.md's definition set v1), with the
// breakdown labels its cells may have besides the total ("").
struct ReturnIndicator {
  std::string_view id;
  std::span<const std::string_view> breakdowns;
};
// Every indicator id, in domain.md's order.
std::span<const ReturnIndicator> ReturnIndicators();
// The indicator called `id` (exact, upper-case), or nullptr.
const ReturnIndicator* FindReturnIndicator(std::string_view id);

// The time a return is stamped with: ctx.read_at, or now when it is 0.
int64_t ReturnReadAt(const AdapterContext& ctx);

// Fills the parts of a return Envelope common to every return: schema
// version, agency, kind "return", board, occurred_at (the period's first day,
// UK local midnight), the ReturnDetail's key fields, revision and read_at, and
// source_event_id = indicator|board|period|age_band|breakdown (the return
// key: an upload of the same key again is an amendment).
void FillReturn(std::string_view agency, std::string_view source, const Board& board, const Period& period,
                std::string_view indicator, std::string_view age_band, std::string_view breakdown, uint32_t revision,
                int64_t read_at, lscb::v1::Envelope* event);

}  // namespace lscb::adapters
