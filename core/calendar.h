// Dates, UK local time, reporting periods and age bands.
//
// A Date is a civil day counted from 1970-01-01 (day 0). Instants are Unix
// seconds, UTC. Agency feeds give times in UK local time (GMT/BST); the
// period an event belongs to is taken from its UK local date.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace lscb {

struct Date {
  int32_t days = 0;  // since 1970-01-01
  auto operator<=>(const Date&) const = default;
};

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

Date FromCivil(const CivilDate& c);
CivilDate ToCivil(Date d);
bool IsValidCivil(const CivilDate& c);
int DaysInMonth(int year, int month);
// The same day-of-month `months` later (negative: earlier), clamped to the
// month's last day.
Date AddMonths(Date d, int months);

// "YYYY-MM-DD".
Result<Date> ParseDate(std::string_view text);
std::string FormatDate(Date d);

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS", optionally
// followed by "Z" or "+HH:MM"/"-HH:MM". Without an offset the time is UK local
// time; a bare date means local midnight. Returns Unix seconds UTC.
Result<int64_t> ParseDateTime(std::string_view text);
// ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ".
std::string FormatInstant(int64_t unix_seconds);

// UK local (Europe/London, EU rules: BST from 01:00 UTC on the last Sunday of
// March to 01:00 UTC on the last Sunday of October).
int64_t UkLocalToUtc(Date date, int seconds_of_day);
Date UkLocalDate(int64_t unix_seconds);

// The days from `first` to `last`, both included.
struct DateSpan {
  Date first;
  Date last;
  bool Contains(Date d) const { return first <= d && d <= last; }
};

// A reporting period: calendar month, calendar quarter or financial year
// (1 April to 31 March, named by its first year: FY2007-08 has year 2007).
struct Period {
  enum class Kind : uint8_t { kMonth = 0, kQuarter = 1, kFinancialYear = 2 };
  Kind kind = Kind::kMonth;
  int year = 1970;
  int index = 1;  // month 1..12, quarter 1..4, 1 for a financial year

  auto operator<=>(const Period&) const = default;

  Date First() const;
  Date Last() const;
  // Its days; computing them is date arithmetic, so a loop takes them once.
  DateSpan Days() const { return {First(), Last()}; }
  // "YYYY-MM", "YYYY-Qn", "FYyyyy-yy".
  std::string ToString() const;
  // A compact, order-preserving code, unique per period.
  uint32_t Code() const;
  static Period FromCode(uint32_t code);

  static Period MonthOf(Date d);
  static Period QuarterOf(Date d);
  static Period FinancialYearOf(Date d);
};

// Parses "YYYY-MM", "YYYY-Qn" or "FYyyyy-yy" (the second year must follow the
// first).
Result<Period> ParsePeriod(std::string_view text);

// DfE age bands. kUnborn is a child whose expected date of birth is after the
// event.
enum class AgeBand : uint8_t { kUnborn = 1, kUnder1, k1To4, k5To9, k10To15, k16To17 };
inline constexpr int kAgeBandCount = 6;

// "unborn", "under1", "1-4", "5-9", "10-15", "16-17".
std::string_view AgeBandName(AgeBand b);
std::optional<AgeBand> ParseAgeBand(std::string_view name);
// Whole years from `dob` to `on`; negative when `dob` is after `on`.
int AgeInYears(Date dob, Date on);
// The band of a child of `age_years` (negative: unborn); nullopt at 18+.
std::optional<AgeBand> AgeBandForAge(int age_years);

}  // namespace lscb
