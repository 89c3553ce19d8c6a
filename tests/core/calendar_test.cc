#include "core/calendar.h"

#include <gtest/gtest.h>

namespace lscb {
namespace {

TEST(Calendar, ParsesAndFormatsDates) {
  auto d = ParseDate("2008-02-29");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(FormatDate(*d), "2008-02-29");
  EXPECT_FALSE(ParseDate("2007-02-29").ok());
  EXPECT_FALSE(ParseDate("2007-2-01").ok());
  EXPECT_EQ(ParseDate("1970-01-01")->days, 0);
}

TEST(Calendar, LocalTimesAreUkTime) {
  // Winter: GMT.
  EXPECT_EQ(FormatInstant(*ParseDateTime("2008-01-15T10:30")), "2008-01-15T10:30:00Z");
  // Summer: BST is UTC+1.
  EXPECT_EQ(FormatInstant(*ParseDateTime("2008-07-01T00:30")), "2008-06-30T23:30:00Z");
  EXPECT_EQ(FormatInstant(*ParseDateTime("2008-07-01T00:30:00Z")), "2008-07-01T00:30:00Z");
  EXPECT_EQ(FormatInstant(*ParseDateTime("2008-07-01T02:30+02:00")), "2008-07-01T00:30:00Z");
  // The local date of an instant just after local midnight in BST.
  EXPECT_EQ(FormatDate(UkLocalDate(*ParseDateTime("2008-04-01T00:30"))), "2008-04-01");
  // BST 2008 began 30 March 01:00 UTC and ended 26 October 01:00 UTC.
  EXPECT_EQ(FormatInstant(*ParseDateTime("2008-03-30T00:59")), "2008-03-30T00:59:00Z");
  EXPECT_EQ(FormatInstant(*ParseDateTime("2008-03-30T03:00")), "2008-03-30T02:00:00Z");
  EXPECT_EQ(FormatInstant(*ParseDateTime("2008-10-26T03:00")), "2008-10-26T03:00:00Z");
  EXPECT_FALSE(ParseDateTime("2008-01-15 25:00").ok());
  EXPECT_FALSE(ParseDateTime("yesterday").ok());
}

TEST(Calendar, PeriodsOfADate) {
  Date d = *ParseDate("2008-03-31");
  EXPECT_EQ(Period::MonthOf(d).ToString(), "2008-03");
  EXPECT_EQ(Period::QuarterOf(d).ToString(), "2008-Q1");
  EXPECT_EQ(Period::FinancialYearOf(d).ToString(), "FY2007-08");
  Date april = *ParseDate("2008-04-01");
  EXPECT_EQ(Period::FinancialYearOf(april).ToString(), "FY2008-09");
  EXPECT_EQ(Period::QuarterOf(april).ToString(), "2008-Q2");
}

TEST(Calendar, ParsesPeriods) {
  for (const char* text : {"2008-03", "2008-Q4", "FY2007-08", "FY1999-00"}) {
    auto p = ParsePeriod(text);
    ASSERT_TRUE(p.ok()) << text;
    EXPECT_EQ(p->ToString(), text);
    EXPECT_EQ(Period::FromCode(p->Code()), *p);
  }
  for (const char* text : {"2008-13", "2008-Q5", "FY2007-09", "2008", "FY07-08"})
    EXPECT_FALSE(ParsePeriod(text).ok()) << text;
  Period fy = *ParsePeriod("FY2007-08");
  EXPECT_EQ(FormatDate(fy.First()), "2007-04-01");
  EXPECT_EQ(FormatDate(fy.Last()), "2008-03-31");
  EXPECT_EQ(FormatDate(ParsePeriod("2008-02")->Last()), "2008-02-29");
}

TEST(Calendar, AgesAndBands) {
  Date dob = *ParseDate("2000-06-15");
  EXPECT_EQ(AgeInYears(dob, *ParseDate("2008-06-14")), 7);
  EXPECT_EQ(AgeInYears(dob, *ParseDate("2008-06-15")), 8);
  EXPECT_EQ(AgeInYears(*ParseDate("2009-01-01"), *ParseDate("2008-06-15")), -1);
  EXPECT_EQ(AgeBandForAge(-1), AgeBand::kUnborn);
  EXPECT_EQ(AgeBandForAge(0), AgeBand::kUnder1);
  EXPECT_EQ(AgeBandForAge(4), AgeBand::k1To4);
  EXPECT_EQ(AgeBandForAge(5), AgeBand::k5To9);
  EXPECT_EQ(AgeBandForAge(15), AgeBand::k10To15);
  EXPECT_EQ(AgeBandForAge(17), AgeBand::k16To17);
  EXPECT_FALSE(AgeBandForAge(18).has_value());
  EXPECT_EQ(AgeBandName(AgeBand::k10To15), "10-15");
  EXPECT_EQ(ParseAgeBand("16-17"), AgeBand::k16To17);
  EXPECT_FALSE(ParseAgeBand("18+").has_value());
}

TEST(Calendar, AddMonthsClampsToMonthEnd) {
  EXPECT_EQ(FormatDate(AddMonths(*ParseDate("2008-02-29"), -12)), "2007-02-28");
  EXPECT_EQ(FormatDate(AddMonths(*ParseDate("2008-01-31"), 1)), "2008-02-29");
  EXPECT_EQ(FormatDate(AddMonths(*ParseDate("2008-01-15"), -13)), "2006-12-15");
}

}  // namespace
}  // namespace lscb
