#include <gtest/gtest.h>
#include <xlsxwriter.h>

#include <string>
#include <variant>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "core/calendar.h"
#include "tests/adapters/adapter_test_util.h"
#include "tests/testing/temp_dir.h"

namespace lscb::adapters {
namespace {

using lscb::v1::Envelope;
using testing::LinesAndFields;
using testing::MessageAt;

constexpr int64_t kReadAt = 1210000000;  // 2008-05-05T15:06:40Z

class LscbReturnTest : public ::testing::Test {
 protected:
  ParsedFile Parse(std::string_view file, std::string_view contents) {
    return testing::ParseAs("lscb-return", file, contents, key_, kReadAt);
  }
  LinkageKey key_ = LinkageKey::FromSecret("lscb-return-test-secret-0123");
};

TEST(RecordError, NamesTheCellWhenThereIsOne) {
  EXPECT_EQ((RecordError{"r.xlsx", 3, "value", "bad", "Return!F3"}).ToString(), "r.xlsx: Return!F3: value: bad");
  EXPECT_EQ((RecordError{"r.xlsx", 3, "", "bad", "Return!3:3"}).ToString(), "r.xlsx: Return!3:3: bad");
  EXPECT_EQ((RecordError{"r.csv", 3, "value", "bad"}).ToString(), "r.csv:3: value: bad");
}

TEST_F(LscbReturnTest, GoodCsvBecomesReturns) {
  ParsedFile f = Parse("return.csv",
                       "board,period,indicator,age_band,breakdown,value,note\n"
                       "E09000011,FY2007-08,CSC_CONTACTS,all,,1520,\n"                                // 2
                       "203,FY2007-08,csc_contacts,ALL,Police,410,\n"                                 // 3
                       "Hackney,2007-Q3,MAPPA_OFFENDERS,all,cat1_level2,6,\n"                         // 4
                       "Lambeth,2007-09,AE_SAFEGUARDING,under1,,,\"not collected, system change\"\n"  // 5
                       "Lambeth,2007-09,DQ_NHS_TOKEN_RATE,all,health,87,\n"                           // 6
                       ",,,,,,\n"                                     // 7: blank, skipped
                       "Lambeth,2007-09,AE_SAFEGUARDING,1-4,,0,\n");  // 8
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  EXPECT_TRUE(f.warnings.empty());
  ASSERT_EQ(f.events.size(), 6u);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 3, 4, 5, 6, 8}));
  for (const Envelope& e : f.events) {
    EXPECT_EQ(e.schema_version(), 1u);
    EXPECT_EQ(e.agency(), "board");
    EXPECT_EQ(e.kind(), "return");
    EXPECT_EQ(e.source(), "board:" + e.board());
    EXPECT_FALSE(e.has_subject());
    EXPECT_EQ(e.return_value().revision(), 1u);
    EXPECT_EQ(e.return_value().read_at(), kReadAt);
  }
  const Envelope& total = f.events[0];
  EXPECT_EQ(total.source(), "board:E09000011");
  EXPECT_EQ(total.source_event_id(), "CSC_CONTACTS|E09000011|FY2007-08|all|");
  EXPECT_EQ(FormatInstant(total.occurred_at()), "2007-03-31T23:00:00Z");  // 1 April 2007, BST
  EXPECT_EQ(total.return_value().indicator(), "CSC_CONTACTS");
  EXPECT_EQ(total.return_value().period(), "FY2007-08");
  EXPECT_EQ(total.return_value().age_band(), "all");
  EXPECT_EQ(total.return_value().breakdown(), "");
  EXPECT_EQ(total.return_value().value(), 1520);
  EXPECT_FALSE(total.return_value().not_collected());

  const Envelope& police = f.events[1];
  EXPECT_EQ(police.board(), "E09000011");  // DfE 203
  EXPECT_EQ(police.source_event_id(), "CSC_CONTACTS|E09000011|FY2007-08|all|police");
  EXPECT_EQ(police.return_value().indicator(), "CSC_CONTACTS");
  EXPECT_EQ(police.return_value().breakdown(), "police");
  EXPECT_EQ(police.return_value().value(), 410);

  const Envelope& mappa = f.events[2];
  EXPECT_EQ(mappa.source(), "board:E09000012");
  EXPECT_EQ(mappa.source_event_id(), "MAPPA_OFFENDERS|E09000012|2007-Q3|all|cat1_level2");
  EXPECT_EQ(FormatInstant(mappa.occurred_at()), "2007-06-30T23:00:00Z");

  const Envelope& not_collected = f.events[3];
  EXPECT_EQ(not_collected.source(), "board:E09000022");
  EXPECT_EQ(not_collected.source_event_id(), "AE_SAFEGUARDING|E09000022|2007-09|under1|");
  EXPECT_EQ(FormatInstant(not_collected.occurred_at()), "2007-08-31T23:00:00Z");
  EXPECT_TRUE(not_collected.return_value().not_collected());
  EXPECT_EQ(not_collected.return_value().value(), 0);

  EXPECT_EQ(f.events[4].return_value().breakdown(), "health");
  EXPECT_EQ(f.events[4].return_value().value(), 87);

  const Envelope& zero = f.events[5];  // 0 is a value, not "not collected"
  EXPECT_EQ(zero.return_value().age_band(), "1-4");
  EXPECT_FALSE(zero.return_value().not_collected());
  EXPECT_EQ(zero.return_value().value(), 0);
}

TEST_F(LscbReturnTest, BreakdownColumnIsOptional) {
  ParsedFile f = Parse("r.csv", "board,period,indicator,age_band,value\nLambeth,2007-09,CSC_S47,10-15,4\n");
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].source_event_id(), "CSC_S47|E09000022|2007-09|10-15|");
}

TEST_F(LscbReturnTest, EveryBadCsvRowIsListedWithItsLineAndField) {
  ParsedFile f = Parse("return.csv",
                       "board,period,indicator,age_band,breakdown,value,note\n"
                       "E09000011,FY2007-08,CSC_CONTACTS,all,,1520,\n"       // 2 good
                       "E09000011,FY2007-08,CSC_FOO,all,,1,\n"               // 3
                       "E09000011,FY2007-08,CSC_S47,all,police,1,\n"         // 4
                       "E09000011,FY2007-08,CSC_CONTACTS,all,teacher,1,\n"   // 5
                       "E09000011,FY2007-08,CSC_CONTACTS,teens,,1,\n"        // 6
                       "E09000011,FY2007-08,CSC_REFERRALS,all,,-3,\n"        // 7
                       "E09000011,FY2007-08,CSC_REFERRALS,all,,2.5,\n"       // 8
                       "Atlantis,2007/08,CSC_REFERRALS,all,,2,\n"            // 9
                       "Greenwich,FY2007-08,CSC_CONTACTS,all,,1500,again\n"  // 10: the cell of line 2
                       "E09000011,FY2007-08,CSC_CONTACTS,,,1,\n"             // 11
                       "E09000011,FY2007-08\n"                               // 12
                       "E09000011,FY2007-08,CSC_CPP_OPEN,all,Neglect,7,\n"   // 13 good
  );
  std::vector<std::pair<int, std::string>> expected = {
      {3, "indicator"}, {4, "breakdown"}, {5, "breakdown"}, {6, "age_band"},  {7, "value"}, {8, "value"},
      {9, "board"},     {9, "period"},    {10, ""},         {11, "age_band"}, {12, ""},
  };
  EXPECT_EQ(LinesAndFields(f), expected);
  EXPECT_EQ(f.event_lines, (std::vector<int>{2, 13}));
  ASSERT_EQ(f.events.size(), 2u);
  EXPECT_EQ(f.events[1].return_value().breakdown(), "neglect");
  for (const RecordError& e : f.errors) EXPECT_TRUE(e.cell.empty()) << e.ToString();

  EXPECT_EQ(MessageAt(f, 3, "indicator"),
            "return.csv:3: indicator: 'CSC_FOO' is not an indicator id of definition set v1 (e.g. CSC_CONTACTS, "
            "MIS_EPISODES, MAPPA_OFFENDERS)");
  EXPECT_EQ(MessageAt(f, 4, "breakdown"),
            "return.csv:4: breakdown: 'police': CSC_S47 has no breakdown (leave it blank for the total)");
  EXPECT_EQ(MessageAt(f, 5, "breakdown"),
            "return.csv:5: breakdown: 'teacher' is not a breakdown of CSC_CONTACTS (police, health, school, la, "
            "individual, other, anonymous, or blank for the total)");
  EXPECT_EQ(MessageAt(f, 6, "age_band"),
            "return.csv:6: age_band: 'teens' is not one of unborn, under1, 1-4, 5-9, 10-15, 16-17, all");
  EXPECT_EQ(MessageAt(f, 7, "value"), "return.csv:7: value: '-3' is not a whole number of at least 0");
  EXPECT_EQ(MessageAt(f, 10, ""),
            "return.csv:10: the same cell (CSC_CONTACTS, board E09000011, period FY2007-08, age band all) already "
            "appears on line 2");
  EXPECT_EQ(MessageAt(f, 11, "age_band"), "return.csv:11: age_band: missing");
}

TEST_F(LscbReturnTest, EveryIndicatorHasItsBreakdowns) {
  // domain.md: each indicator with its labels; an empty breakdown is the total.
  const std::vector<std::pair<std::string, std::string>> cases = {{"CSC_REFERRALS", "anonymous"},
                                                                  {"CSC_CPP_STARTED", "multiple"},
                                                                  {"MIS_EPISODES", "absent"},
                                                                  {"DA_CHILD_INCIDENTS", "present"},
                                                                  {"AE_ASSAULT_INJURIES", "poisoning"},
                                                                  {"MAPPA_OFFENDERS", "cat4_level3"},
                                                                  {"PART_CHILDREN_INVOLVED", "board_consultation"},
                                                                  {"DQ_NHS_TOKEN_RATE", "csc"}};
  std::string csv = "board,period,indicator,age_band,breakdown,value\n";
  for (const auto& [indicator, label] : cases) csv += "Lambeth,2007-09," + indicator + ",all," + label + ",1\n";
  for (const char* total_only : {"CSC_REREFERRALS_12M", "CSC_CONTACT_CONVERSION", "CSC_ASSESSMENTS", "CSC_ICPC",
                                 "CSC_CPP_REPEAT", "MIS_CHILDREN", "MIS_REPEAT_CHILDREN", "AE_SAFEGUARDING",
                                 "AE_CPIS_FLAGGED", "DQ_INTENT_CONFLICT", "DQ_CORROBORATED", "MIS_EPISODES"})
    csv += std::string("Lambeth,2007-09,") + total_only + ",all,,1\n";
  ParsedFile f = Parse("r.csv", csv);
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  EXPECT_EQ(f.events.size(), cases.size() + 12);

  // A label of one indicator is not a label of another.
  f = Parse("r.csv",
            "board,period,indicator,age_band,breakdown,value\n"
            "Lambeth,2007-09,MIS_EPISODES,all,victim,1\n"
            "Lambeth,2007-09,MIS_CHILDREN,all,missing,1\n"
            "Lambeth,2007-09,MAPPA_OFFENDERS,all,cat5_level1,1\n");
  EXPECT_EQ(LinesAndFields(f),
            (std::vector<std::pair<int, std::string>>{{2, "breakdown"}, {3, "breakdown"}, {4, "breakdown"}}));
}

// ---- .xlsx -------------------------------------------------------------

using CellValue = std::variant<std::monostate, std::string, double>;

// Writes a workbook with libxlsxwriter (as a real spreadsheet program
// would): each sheet a name and rows of cells (none, text or number).
// `inline_strings`: constant-memory mode, which writes inline strings
// instead of shared ones.
std::string WriteWorkbook(const lscb::testing::TempDir& dir,
                          const std::vector<std::pair<std::string, std::vector<std::vector<CellValue>>>>& sheets,
                          bool inline_strings = false) {
  const std::string path = dir / (inline_strings ? "inline.xlsx" : "shared.xlsx");
  lxw_workbook_options options = {};
  options.constant_memory = inline_strings ? LXW_TRUE : LXW_FALSE;
  std::string tmpdir = dir.path();
  options.tmpdir = tmpdir.data();
  lxw_workbook* workbook = workbook_new_opt(path.c_str(), &options);
  EXPECT_NE(workbook, nullptr);
  for (const auto& [name, rows] : sheets) {
    lxw_worksheet* sheet = workbook_add_worksheet(workbook, name.c_str());
    for (size_t r = 0; r < rows.size(); ++r) {
      for (size_t c = 0; c < rows[r].size(); ++c) {
        const CellValue& v = rows[r][c];
        auto row = static_cast<lxw_row_t>(r);
        auto col = static_cast<lxw_col_t>(c);
        if (const auto* s = std::get_if<std::string>(&v)) worksheet_write_string(sheet, row, col, s->c_str(), nullptr);
        if (const auto* d = std::get_if<double>(&v)) worksheet_write_number(sheet, row, col, *d, nullptr);
      }
    }
  }
  EXPECT_EQ(workbook_close(workbook), LXW_NO_ERROR);
  return testing::ReadWholeFile(path);
}

using Rows = std::vector<std::vector<CellValue>>;
const CellValue kBlank;

std::vector<CellValue> Header() {
  return {"board", "period", "indicator", "age_band", "breakdown", "value", "note", "checked_by"};
}

// A return with good cells and a few mistakes, behind a guidance sheet.
Rows ReturnRows() {
  return {
      Header(),                                                                              // 1
      {"Greenwich", "FY2007-08", "CSC_REFERRALS", "all", kBlank, 640.0, "as published"},     // 2
      {"204", "2007-Q3", "DA_CHILD_INCIDENTS", "teenagers", "victim", 12.0},                 // 3: D3
      {"Lambeth", "2007-09", "AE_ASSAULT_INJURIES", "10-15", "sharp", 12.5},                 // 4: F4
      {"Lambeth", 39326.0, "MIS_CHILDREN", "all", kBlank, 3.0},                              // 5: B5, a date
      {},                                                                                    // 6: blank
      {"E09000022", "2007-09", "AE_SAFEGUARDING", "all", kBlank, kBlank, "not collected"},   // 7
      {"Greenwich", "FY2007-08", "CSC_REFERRALS", "all", kBlank, 641.0},                     // 8: row 2's cell
      {"E09000012", "2007-Q3", "MAPPA_OFFENDERS", "all", "cat2_level1", 4.0, kBlank, "JB"},  // 9
  };
}

TEST_F(LscbReturnTest, XlsxCellsAndCellNamedErrors) {
  lscb::testing::TempDir dir;
  for (bool inline_strings : {false, true}) {
    SCOPED_TRACE(inline_strings ? "inline strings" : "shared strings");
    const std::string book = WriteWorkbook(
        dir, {{"Guidance", Rows{{"Fill in the Return sheet"}}}, {"Return", ReturnRows()}}, inline_strings);
    ParsedFile f = Parse("return.xlsx", book);
    std::vector<std::string> errors;
    for (const RecordError& e : f.errors) errors.push_back(e.ToString());
    EXPECT_EQ(errors,
              (std::vector<std::string>{
                  "return.xlsx: Return!D3: age_band: 'teenagers' is not one of unborn, under1, 1-4, 5-9, 10-15, "
                  "16-17, all",
                  "return.xlsx: Return!F4: value: '12.5' is not a whole number of at least 0",
                  "return.xlsx: Return!B5: period: holds a number or a date, not a period: enter it as text, e.g. "
                  "2007-09, 2007-Q3 or FY2007-08 (format the column as Text first)",
                  "return.xlsx: Return!8:8: the same cell (CSC_REFERRALS, board E09000011, period FY2007-08, age "
                  "band all) already appears in row 2",
              }));
    EXPECT_EQ(LinesAndFields(f),
              (std::vector<std::pair<int, std::string>>{{3, "age_band"}, {4, "value"}, {5, "period"}, {8, ""}}));
    EXPECT_EQ(f.warnings, (std::vector<std::string>{"return.xlsx: unknown columns ignored: checked_by"}));
    EXPECT_EQ(f.event_lines, (std::vector<int>{2, 7, 9}));
    ASSERT_EQ(f.events.size(), 3u);

    const Envelope& referrals = f.events[0];
    EXPECT_EQ(referrals.source(), "board:E09000011");
    EXPECT_EQ(referrals.source_event_id(), "CSC_REFERRALS|E09000011|FY2007-08|all|");
    EXPECT_EQ(referrals.return_value().value(), 640);  // a number cell
    EXPECT_FALSE(referrals.return_value().not_collected());
    EXPECT_EQ(referrals.return_value().read_at(), kReadAt);
    EXPECT_EQ(referrals.return_value().revision(), 1u);

    const Envelope& not_collected = f.events[1];
    EXPECT_EQ(not_collected.source_event_id(), "AE_SAFEGUARDING|E09000022|2007-09|all|");
    EXPECT_TRUE(not_collected.return_value().not_collected());

    const Envelope& mappa = f.events[2];
    EXPECT_EQ(mappa.source(), "board:E09000012");
    EXPECT_EQ(mappa.return_value().breakdown(), "cat2_level1");
    EXPECT_EQ(mappa.return_value().value(), 4);
  }
}

TEST_F(LscbReturnTest, XlsxWithoutAReturnSheetUsesTheFirst) {
  lscb::testing::TempDir dir;
  const std::string book = WriteWorkbook(
      dir,
      {{"Figures", Rows{Header(), {"Hackney", "2007-Q4", "CSC_ICPC", "5-9", kBlank, 2.0}}}, {"Notes", Rows{{"none"}}}});
  // Recognised by its contents, whatever its name.
  ParsedFile f = Parse("upload.bin", book);
  for (const RecordError& e : f.errors) ADD_FAILURE() << e.ToString();
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].source_event_id(), "CSC_ICPC|E09000012|2007-Q4|5-9|");
  EXPECT_EQ(f.events[0].return_value().value(), 2);

  // Errors name that sheet.
  const std::string bad =
      WriteWorkbook(dir, {{"Figures", Rows{Header(), {"Hackney", "2007-Q4", "CSC_ICPC", "5-9", kBlank, -2.0}}}});
  f = Parse("upload.xlsx", bad);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "upload.xlsx: Figures!F2: value: '-2' is not a whole number of at least 0");
}

TEST_F(LscbReturnTest, XlsxHeaderProblemsNameTheHeaderRow) {
  lscb::testing::TempDir dir;
  ParsedFile f = Parse("r.xlsx", WriteWorkbook(dir, {{"Return", Rows{{"board", "period", "indicator"}, {"Lambeth"}}}}));
  std::vector<std::string> errors;
  for (const RecordError& e : f.errors) errors.push_back(e.ToString());
  EXPECT_EQ(errors,
            (std::vector<std::string>{"r.xlsx: Return!1:1: age_band: required column is missing from the header",
                                      "r.xlsx: Return!1:1: value: required column is missing from the header"}));

  f = Parse("r.xlsx", WriteWorkbook(dir, {{"Return", Rows{{}, {"board", "period"}}}}));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(),
            "r.xlsx: Return!1:1: row 1 must hold the column names (board, period, indicator, age_band, breakdown, "
            "value, note)");
  f = Parse("r.xlsx", WriteWorkbook(dir, {{"Return", Rows{}}}));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_NE(f.errors[0].problem.find("the sheet is empty"), std::string::npos);

  f = Parse("r.xlsx", WriteWorkbook(dir, {{"Return", Rows{{"board", "period", "Board"}}}}));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "r.xlsx: Return!1:1: column 'Board' appears more than once in the header");
}

TEST_F(LscbReturnTest, WhatIsNotAWorkbookIsOneClearError) {
  ParsedFile f = Parse("return.xlsx", "board,period\nnot really a workbook\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(), "return.xlsx: workbook: not an .xlsx workbook (the file is not a zip archive)");
  EXPECT_TRUE(f.events.empty());

  f = Parse("return.xls", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(500, '\0'));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].ToString(),
            "return.xls: workbook: this is an Excel 97-2003 (.xls) or a password-protected workbook, which cannot "
            "be read: save it as an Excel Workbook (.xlsx) without a password, or as CSV");

  lscb::testing::TempDir dir;
  const std::string book = WriteWorkbook(dir, {{"Return", ReturnRows()}});
  f = Parse("return.xlsx", book.substr(0, book.size() / 2));  // cut short
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].cell, "workbook");
  EXPECT_NE(f.errors[0].problem.find("damaged"), std::string::npos) << f.errors[0].problem;
}

}  // namespace
}  // namespace lscb::adapters
