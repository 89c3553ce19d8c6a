#include "core/calendar.h"

#include <array>
#include <charconv>
#include <cstdio>

namespace lscb {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int32_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Last Sunday of `month` in `year`.
Date LastSunday(int year, int month) {
  Date last = FromCivil({year, month, DaysInMonth(year, month)});
  // 1970-01-01 was a Thursday; weekday 0 = Sunday.
  int weekday = ((last.days % 7) + 7 + 4) % 7;
  return Date{last.days - weekday};
}

bool IsBst(int64_t utc) {
  int year = ToCivil(Date{static_cast<int32_t>(utc >= 0 ? utc / 86400 : (utc - 86399) / 86400)}).year;
  int64_t start = int64_t{LastSunday(year, 3).days} * 86400 + 3600;
  int64_t end = int64_t{LastSunday(year, 10).days} * 86400 + 3600;
  return utc >= start && utc < end;
}

}  // namespace

Date FromCivil(const CivilDate& c) {
  return Date{DaysFromCivil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day))};
}

CivilDate ToCivil(Date date) {
  int z = date.days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[static_cast<size_t>(month - 1)];
}

bool IsValidCivil(const CivilDate& c) {
  return c.year >= 1900 && c.year <= 2999 && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
         c.day <= DaysInMonth(c.year, c.month);
}

Date AddMonths(Date d, int months) {
  CivilDate c = ToCivil(d);
  int total = c.year * 12 + (c.month - 1) + months;
  int year = total / 12;
  int month = total % 12 + 1;
  int day = std::min(c.day, DaysInMonth(year, month));
  return FromCivil({year, month, day});
}

Result<Date> ParseDate(std::string_view s) {
  CivilDate c;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !ParseInt(s.substr(0, 4), c.year) ||
      !ParseInt(s.substr(5, 2), c.month) || !ParseInt(s.substr(8, 2), c.day)) {
    return Status::InvalidArgument("'" + std::string(s) + "' is not a date (expected YYYY-MM-DD)");
  }
  if (!IsValidCivil(c)) return Status::InvalidArgument("'" + std::string(s) + "' is not a real date");
  return FromCivil(c);
}

std::string FormatDate(Date d) {
  CivilDate c = ToCivil(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

Result<int64_t> ParseDateTime(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(s) +
                                   "' is not a date-time (expected YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM])");
  };
  if (s.size() < 10) return bad();
  auto date = ParseDate(s.substr(0, 10));
  if (!date.ok()) return date.status();
  std::string_view rest = s.substr(10);
  int h = 0, m = 0, sec = 0;
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != ' ') return bad();
    rest.remove_prefix(1);
    if (rest.size() < 5 || rest[2] != ':' || !ParseInt(rest.substr(0, 2), h) || !ParseInt(rest.substr(3, 2), m))
      return bad();
    rest.remove_prefix(5);
    if (!rest.empty() && rest[0] == ':') {
      if (rest.size() < 3 || !ParseInt(rest.substr(1, 2), sec)) return bad();
      rest.remove_prefix(3);
    }
    if (h > 23 || m > 59 || sec > 59) return bad();
  }
  int seconds_of_day = h * 3600 + m * 60 + sec;
  if (rest.empty()) return UkLocalToUtc(*date, seconds_of_day);
  int64_t local = int64_t{date->days} * 86400 + seconds_of_day;
  if (rest == "Z") return local;
  int oh = 0, om = 0;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' ||
      !ParseInt(rest.substr(1, 2), oh) || !ParseInt(rest.substr(4, 2), om) || oh > 14 || om > 59)
    return bad();
  int64_t offset = oh * 3600 + om * 60;
  return rest[0] == '+' ? local - offset : local + offset;
}

std::string FormatInstant(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t sod = t - days * 86400;
  CivilDate c = ToCivil(Date{static_cast<int32_t>(days)});
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day,
                static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60));
  return buf;
}

int64_t UkLocalToUtc(Date date, int seconds_of_day) {
  int64_t local = int64_t{date.days} * 86400 + seconds_of_day;
  // Try BST first: a local time in BST maps to local - 1h. In the autumn
  // overlap this picks the first (BST) occurrence; in the spring gap the
  // non-existent hour is read as GMT.
  int64_t as_bst = local - 3600;
  if (IsBst(as_bst)) return as_bst;
  return local;
}

Date UkLocalDate(int64_t utc) {
  int64_t local = utc + (IsBst(utc) ? 3600 : 0);
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  return Date{static_cast<int32_t>(days)};
}

Date Period::First() const {
  switch (kind) {
    case Kind::kMonth: return FromCivil({year, index, 1});
    case Kind::kQuarter: return FromCivil({year, (index - 1) * 3 + 1, 1});
    case Kind::kFinancialYear: return FromCivil({year, 4, 1});
  }
  return {};
}

Date Period::Last() const {
  switch (kind) {
    case Kind::kMonth: return FromCivil({year, index, DaysInMonth(year, index)});
    case Kind::kQuarter: return FromCivil({year, index * 3, DaysInMonth(year, index * 3)});
    case Kind::kFinancialYear: return FromCivil({year + 1, 3, 31});
  }
  return {};
}

std::string Period::ToString() const {
  char buf[16];
  switch (kind) {
    case Kind::kMonth: std::snprintf(buf, sizeof buf, "%04d-%02d", year, index); break;
    case Kind::kQuarter: std::snprintf(buf, sizeof buf, "%04d-Q%d", year, index); break;
    case Kind::kFinancialYear: std::snprintf(buf, sizeof buf, "FY%04d-%02d", year, (year + 1) % 100); break;
  }
  return buf;
}

uint32_t Period::Code() const {
  return (static_cast<uint32_t>(kind) << 24) | (static_cast<uint32_t>(year) << 4) | static_cast<uint32_t>(index);
}

Period Period::FromCode(uint32_t code) {
  return Period{static_cast<Kind>(code >> 24), static_cast<int>((code >> 4) & 0xFFFFF), static_cast<int>(code & 0xF)};
}

Period Period::MonthOf(Date d) {
  CivilDate c = ToCivil(d);
  return Period{Kind::kMonth, c.year, c.month};
}

Period Period::QuarterOf(Date d) {
  CivilDate c = ToCivil(d);
  return Period{Kind::kQuarter, c.year, (c.month - 1) / 3 + 1};
}

Period Period::FinancialYearOf(Date d) {
  CivilDate c = ToCivil(d);
  return Period{Kind::kFinancialYear, c.month >= 4 ? c.year : c.year - 1, 1};
}

Result<Period> ParsePeriod(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(s) + "' is not a period (expected YYYY-MM, YYYY-Qn or FYyyyy-yy)");
  };
  int year = 0, n = 0;
  if (s.size() == 7 && s[4] == '-' && ParseInt(s.substr(0, 4), year) && ParseInt(s.substr(5, 2), n)) {
    if (n < 1 || n > 12 || year < 1900 || year > 2999) return bad();
    return Period{Period::Kind::kMonth, year, n};
  }
  if (s.size() == 7 && s[4] == '-' && s[5] == 'Q' && ParseInt(s.substr(0, 4), year) && ParseInt(s.substr(6, 1), n)) {
    if (n < 1 || n > 4 || year < 1900 || year > 2999) return bad();
    return Period{Period::Kind::kQuarter, year, n};
  }
  if (s.size() == 9 && s.substr(0, 2) == "FY" && s[6] == '-' && ParseInt(s.substr(2, 4), year) &&
      ParseInt(s.substr(7, 2), n)) {
    if (year < 1900 || year > 2998 || n != (year + 1) % 100) return bad();
    return Period{Period::Kind::kFinancialYear, year, 1};
  }
  return bad();
}

std::string_view AgeBandName(AgeBand b) {
  switch (b) {
    case AgeBand::kUnborn: return "unborn";
    case AgeBand::kUnder1: return "under1";
    case AgeBand::k1To4: return "1-4";
    case AgeBand::k5To9: return "5-9";
    case AgeBand::k10To15: return "10-15";
    case AgeBand::k16To17: return "16-17";
  }
  return "?";
}

std::optional<AgeBand> ParseAgeBand(std::string_view name) {
  for (int i = 1; i <= kAgeBandCount; ++i) {
    auto b = static_cast<AgeBand>(i);
    if (AgeBandName(b) == name) return b;
  }
  return std::nullopt;
}

int AgeInYears(Date dob, Date on) {
  if (dob > on) return -1;
  CivilDate b = ToCivil(dob), o = ToCivil(on);
  int age = o.year - b.year;
  if (o.month < b.month || (o.month == b.month && o.day < b.day)) --age;
  return age;
}

std::optional<AgeBand> AgeBandForAge(int age) {
  if (age < 0) return AgeBand::kUnborn;
  if (age == 0) return AgeBand::kUnder1;
  if (age <= 4) return AgeBand::k1To4;
  if (age <= 9) return AgeBand::k5To9;
  if (age <= 15) return AgeBand::k10To15;
  if (age <= 17) return AgeBand::k16To17;
  return std::nullopt;
}

}  // namespace lscb
