#include "adapters/csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lscb::adapters {
namespace {

using Fields = std::vector<std::string>;

TEST(CsvTable, ReadsHeaderAndRecords) {
  CsvTable t = CsvTable::Read("a,b,c\n1,2,3\n4,,6\n");
  ASSERT_EQ(t.header_problem(), "");
  EXPECT_EQ(t.header_line(), 1);
  EXPECT_EQ(t.columns(), (Fields{"a", "b", "c"}));
  ASSERT_EQ(t.records().size(), 2u);
  EXPECT_EQ(t.records()[0].line, 2);
  EXPECT_EQ(t.records()[0].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(t.records()[1].line, 3);
  EXPECT_EQ(t.records()[1].fields, (Fields{"4", "", "6"}));
}

TEST(CsvTable, ColumnsAreFoundByNameCaseInsensitively) {
  CsvTable t = CsvTable::Read("Record_ID, Borough ,OCCURRED_AT\nx,y,z\n");
  EXPECT_EQ(t.Column("record_id"), 0u);
  EXPECT_EQ(t.Column("BOROUGH"), 1u);  // surrounding spaces in the header are trimmed
  EXPECT_EQ(t.Column("occurred_at"), 2u);
  EXPECT_EQ(t.Column("dob"), std::nullopt);
  EXPECT_EQ(t.columns()[1], "Borough");
}

TEST(CsvTable, QuotedFieldsHoldCommasAndDoubledQuotes) {
  CsvTable t = CsvTable::Read("id,note\n1,\"hello, world\"\n2,\"say \"\"hi\"\"\"\n3,\"\"\n");
  ASSERT_EQ(t.records().size(), 3u);
  EXPECT_EQ(t.records()[0].fields, (Fields{"1", "hello, world"}));
  EXPECT_EQ(t.records()[1].fields, (Fields{"2", "say \"hi\""}));
  EXPECT_EQ(t.records()[2].fields, (Fields{"3", ""}));
  for (const CsvRecord& r : t.records()) EXPECT_TRUE(r.ok()) << r.problem;
}

TEST(CsvTable, EmbeddedNewlinesKeepTheNextRecordsLineNumber) {
  // Line 1: header. Lines 2-4: record "1" (two line breaks inside quotes, one
  // of them CRLF). Line 5: record "2".
  CsvTable t = CsvTable::Read("id,note\n1,\"first\nsecond\r\nthird\"\n2,plain\n");
  ASSERT_EQ(t.records().size(), 2u);
  EXPECT_EQ(t.records()[0].line, 2);
  EXPECT_EQ(t.records()[0].fields[1], "first\nsecond\r\nthird");
  EXPECT_EQ(t.records()[1].line, 5);
  EXPECT_EQ(t.records()[1].fields, (Fields{"2", "plain"}));
}

TEST(CsvTable, ToleratesBomAndCrlf) {
  CsvTable t = CsvTable::Read("\xEF\xBB\xBFid,Name\r\n1,x\r\n2,\"y\r\nz\"\r\n3,w\r\n");
  ASSERT_EQ(t.header_problem(), "");
  EXPECT_EQ(t.columns()[0], "id");  // not "\xEF\xBB\xBFid"
  EXPECT_EQ(t.Column("name"), 1u);
  ASSERT_EQ(t.records().size(), 3u);
  EXPECT_EQ(t.records()[0].fields, (Fields{"1", "x"}));  // no stray '\r'
  EXPECT_EQ(t.records()[0].line, 2);
  EXPECT_EQ(t.records()[1].line, 3);
  EXPECT_EQ(t.records()[2].line, 5);
  EXPECT_EQ(t.records()[2].fields, (Fields{"3", "w"}));
}

TEST(CsvTable, LoneCrEndsALine) {
  CsvTable t = CsvTable::Read("a,b\r1,2\r3,4");
  ASSERT_EQ(t.records().size(), 2u);
  EXPECT_EQ(t.records()[1].line, 3);
  EXPECT_EQ(t.records()[1].fields, (Fields{"3", "4"}));  // no final line break needed
}

TEST(CsvTable, BlankLinesAreNotRecords) {
  CsvTable t = CsvTable::Read("a,b\n1,2\n\n3,4\n\n\r\n\n");
  ASSERT_EQ(t.records().size(), 2u);
  EXPECT_EQ(t.records()[0].line, 2);
  EXPECT_EQ(t.records()[1].line, 4);
  // A quoted empty field is a record, not a blank line.
  CsvTable one = CsvTable::Read("a\n\"\"\n");
  ASSERT_EQ(one.records().size(), 1u);
  EXPECT_EQ(one.records()[0].fields, (Fields{""}));
}

TEST(CsvTable, ShortAndLongRecordsAreReportedNotFatal) {
  CsvTable t = CsvTable::Read("a,b,c\n1,2\n1,2,3\n1,2,3,4\n");
  ASSERT_EQ(t.records().size(), 3u);
  EXPECT_EQ(t.records()[0].line, 2);
  EXPECT_EQ(t.records()[0].problem, "the record has 2 fields but the header has 3 columns");
  EXPECT_TRUE(t.records()[1].ok());
  EXPECT_EQ(t.records()[2].problem, "the record has 4 fields but the header has 3 columns");
}

TEST(CsvTable, StrayQuoteIsAnErrorAndReadingResumesOnTheNextLine) {
  CsvTable t = CsvTable::Read("a,b\n1,x\"y\n2,3\n\"ab\"c,d\n4,5\n");
  ASSERT_EQ(t.records().size(), 4u);
  EXPECT_EQ(t.records()[0].line, 2);
  EXPECT_FALSE(t.records()[0].ok());
  EXPECT_NE(t.records()[0].problem.find("stray '\"' in unquoted field 2"), std::string::npos) << t.records()[0].problem;
  EXPECT_TRUE(t.records()[1].ok());
  EXPECT_EQ(t.records()[1].fields, (Fields{"2", "3"}));
  EXPECT_EQ(t.records()[2].line, 4);
  EXPECT_NE(t.records()[2].problem.find("after the closing quote of field 1"), std::string::npos)
      << t.records()[2].problem;
  EXPECT_EQ(t.records()[3].line, 5);
  EXPECT_TRUE(t.records()[3].ok());
}

TEST(CsvTable, UnterminatedQuoteNamesTheLineWhereTheRecordStarts) {
  CsvTable t = CsvTable::Read("a,b\n1,2\n3,\"oops\n4,5\n6,7\n");
  ASSERT_EQ(t.records().size(), 2u);  // the open quote swallows the rest
  EXPECT_TRUE(t.records()[0].ok());
  EXPECT_EQ(t.records()[1].line, 3);
  EXPECT_EQ(t.records()[1].problem, "the quote opening field 2 on line 3 is never closed");
}

TEST(CsvTable, HeaderProblems) {
  EXPECT_EQ(CsvTable::Read("").header_problem(), "the file is empty (a header row is required)");
  EXPECT_EQ(CsvTable::Read("\xEF\xBB\xBF\r\n\n").header_problem(), "the file is empty (a header row is required)");
  CsvTable dup = CsvTable::Read("id,Name,NAME\n1,2,3\n");
  EXPECT_EQ(dup.header_problem(), "column 'NAME' appears more than once in the header");
  EXPECT_TRUE(dup.records().empty());
  CsvTable bad = CsvTable::Read("\n\nid,\"name\n");
  EXPECT_EQ(bad.header_line(), 3);
  EXPECT_NE(bad.header_problem().find("never closed"), std::string::npos);
}

TEST(CsvReader, ReturnsTheHeaderAsTheFirstRecord) {
  CsvReader reader("x,y\n1,2\n");
  auto header = reader.Next();
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->line, 1);
  EXPECT_EQ(header->fields, (Fields{"x", "y"}));
  auto row = reader.Next();
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->line, 2);
  EXPECT_FALSE(reader.Next().has_value());
  EXPECT_FALSE(reader.Next().has_value());
}

}  // namespace
}  // namespace lscb::adapters
