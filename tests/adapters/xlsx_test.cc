#include "adapters/xlsx.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace lscb::adapters {
namespace {

using Parts = std::vector<std::pair<std::string, std::string>>;

// A zip archive holding `parts` (name, contents), built in memory.
std::string Zip(const Parts& parts) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  EXPECT_NE(buffer, nullptr);
  zip_source_keep(buffer);
  zip_t* za = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  EXPECT_NE(za, nullptr);
  for (const auto& [name, contents] : parts) {
    zip_source_t* part = zip_source_buffer(za, contents.data(), contents.size(), 0);
    zip_int64_t index = zip_file_add(za, name.c_str(), part, ZIP_FL_OVERWRITE);
    EXPECT_GE(index, 0) << name;
    // The fastest deflate: one test compresses 65 MiB.
    zip_set_file_compression(za, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 1);
  }
  EXPECT_EQ(zip_close(za), 0);
  std::string out;
  if (zip_source_open(buffer) == 0) {
    zip_source_seek(buffer, 0, SEEK_END);
    out.resize(static_cast<size_t>(zip_source_tell(buffer)));
    zip_source_seek(buffer, 0, SEEK_SET);
    EXPECT_EQ(zip_source_read(buffer, out.data(), out.size()), static_cast<zip_int64_t>(out.size()));
    zip_source_close(buffer);
  }
  zip_source_free(buffer);
  zip_error_fini(&error);
  return out;
}

constexpr std::string_view kMainNs = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr std::string_view kRelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr std::string_view kWorksheetType =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
constexpr std::string_view kSharedStringsType =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings";

std::string WorkbookXml(const std::vector<std::string>& sheet_names) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"" +
                    std::string(kMainNs) + "\" xmlns:r=\"" + std::string(kRelNs) + "\"><sheets>";
  for (size_t i = 0; i < sheet_names.size(); ++i)
    out += "<sheet name=\"" + sheet_names[i] + "\" sheetId=\"" + std::to_string(i + 1) + "\" r:id=\"rId" +
           std::to_string(i + 1) + "\"/>";
  return out + "</sheets></workbook>";
}

// Sheet i (0-based) is worksheets/sheet<i+1>.xml; shared strings as rId99.
std::string RelsXml(size_t sheets, std::string_view sheet_type = kWorksheetType) {
  std::string out = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  for (size_t i = 0; i < sheets; ++i)
    out += "<Relationship Id=\"rId" + std::to_string(i + 1) + "\" Type=\"" + std::string(sheet_type) +
           "\" Target=\"worksheets/sheet" + std::to_string(i + 1) + ".xml\"/>";
  out += "<Relationship Id=\"rId99\" Type=\"" + std::string(kSharedStringsType) + "\" Target=\"sharedStrings.xml\"/>";
  return out + "</Relationships>";
}

std::string SheetXml(const std::string& rows) {
  return "<worksheet xmlns=\"" + std::string(kMainNs) + "\"><sheetData>" + rows + "</sheetData></worksheet>";
}

std::string SharedXml(const std::string& items) {
  return "<sst xmlns=\"" + std::string(kMainNs) + "\">" + items + "</sst>";
}

// A workbook with the sheets "Guidance" (one cell) and "Return" (`rows`).
std::string Workbook(const std::string& rows, const std::string& shared_items) {
  return Zip({{"[Content_Types].xml", "<Types/>"},
              {"xl/workbook.xml", WorkbookXml({"Guidance", "Return"})},
              {"xl/_rels/workbook.xml.rels", RelsXml(2)},
              {"xl/worksheets/sheet1.xml",
               SheetXml("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Read me</t></is></c></row>")},
              {"xl/worksheets/sheet2.xml", SheetXml(rows)},
              {"xl/sharedStrings.xml", SharedXml(shared_items)}});
}

TEST(Xlsx, ReadsEveryKindOfCell) {
  const std::string shared =
      "<si><t>board</t></si>"
      "<si><r><t>Green</t></r><r><rPr><b/></rPr><t>wich</t></r><rPh sb=\"0\" eb=\"1\"><t>GURINIJJI</t></rPh></si>"
      "<si><t xml:space=\"preserve\"> spaced </t></si>";
  const std::string rows =
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>period</t></is></c></row>"
      "<row r=\"2\" spans=\"1:9\">"
      "<c r=\"A2\" t=\"s\"><v>1</v></c>"
      "<c r=\"B2\" t=\"str\"><f>CONCAT(\"2007-\",\"Q3\")</f><v>2007-Q3</v></c>"
      "<c r=\"C2\"><v>12.0</v></c>"
      "<c r=\"D2\" s=\"3\"><v>1.2E1</v></c>"
      "<c r=\"E2\" t=\"n\"><v>12.5</v></c>"
      "<c r=\"F2\" t=\"b\"><v>1</v></c>"
      "<c r=\"G2\" t=\"e\"><v>#DIV/0!</v></c>"
      "<c r=\"H2\" t=\"s\"/>"
      "<c r=\"I2\" t=\"s\"><v>2</v></c>"
      "</row>"
      "<row><c t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c><c><v>7</v></c></row>"
      "<row r=\"10\"><c r=\"AA10\"><v>-3.0</v></c><c r=\"AB10\"><v>-0</v></c></row>";
  Result<XlsxSheet> sheet = ReadXlsxSheet(Workbook(rows, shared), "Return");
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "Return");
  ASSERT_EQ(sheet->rows.size(), 4u);
  EXPECT_EQ(sheet->rows[0].number, 1);
  EXPECT_EQ(sheet->rows[1].number, 2);
  EXPECT_EQ(sheet->rows[2].number, 3);  // no r: the row after the last
  EXPECT_EQ(sheet->rows[3].number, 10);

  auto text = [&](int row, int column) {
    const XlsxCell* cell = sheet->Cell(row, column);
    return cell ? cell->text : std::string("(blank)");
  };
  auto type = [&](int row, int column) { return sheet->Cell(row, column)->type; };
  EXPECT_EQ(text(1, 1), "board");
  EXPECT_EQ(text(1, 2), "period");
  EXPECT_EQ(text(2, 1), "Greenwich");  // rich text runs joined, the phonetic run left out
  EXPECT_EQ(type(2, 1), XlsxCell::Type::kText);
  EXPECT_EQ(text(2, 2), "2007-Q3");  // a formula's cached text
  EXPECT_EQ(text(2, 3), "12");
  EXPECT_EQ(type(2, 3), XlsxCell::Type::kNumber);
  EXPECT_EQ(text(2, 4), "12");
  EXPECT_EQ(text(2, 5), "12.5");
  EXPECT_EQ(text(2, 6), "TRUE");
  EXPECT_EQ(type(2, 6), XlsxCell::Type::kBool);
  EXPECT_EQ(text(2, 7), "#DIV/0!");
  EXPECT_EQ(type(2, 7), XlsxCell::Type::kError);
  EXPECT_EQ(text(2, 8), "(blank)");
  EXPECT_EQ(text(2, 9), " spaced ");
  EXPECT_EQ(text(3, 1), "inline");  // no r: the next column
  EXPECT_EQ(text(3, 2), "7");
  EXPECT_EQ(text(10, 27), "-3");
  EXPECT_EQ(text(10, 28), "0");
  EXPECT_EQ(text(4, 1), "(blank)");
  EXPECT_EQ(text(2, 10), "(blank)");
  EXPECT_EQ(sheet->rows[1].cells.size(), 8u);  // H2 is blank
}

TEST(Xlsx, ChoosesTheNamedSheetIgnoringCaseElseTheFirst) {
  const std::string rows = "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>";
  std::string book = Zip({{"xl/workbook.xml", WorkbookXml({"Notes", "RETURN"})},
                          {"xl/_rels/workbook.xml.rels", RelsXml(2)},
                          {"xl/worksheets/sheet1.xml", SheetXml("<row r=\"1\"><c r=\"A1\"><v>5</v></c></row>")},
                          {"xl/worksheets/sheet2.xml", SheetXml(rows)}});
  Result<XlsxSheet> sheet = ReadXlsxSheet(book, "Return");
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "RETURN");
  EXPECT_EQ(sheet->Cell(1, 1)->text, "1");

  sheet = ReadXlsxSheet(book, "Figures");
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "Notes");
  EXPECT_EQ(sheet->Cell(1, 1)->text, "5");
}

TEST(Xlsx, AbsoluteTargetsAndNoSharedStrings) {
  std::string rels =
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"" +
      std::string(kWorksheetType) + "\" Target=\"/xl/worksheets/../data/./s.xml\"/></Relationships>";
  std::string book =
      Zip({{"xl/workbook.xml", WorkbookXml({"Return"})},
           {"xl/_rels/workbook.xml.rels", rels},
           {"xl/data/s.xml", SheetXml("<row r=\"2\"><c r=\"B2\" t=\"inlineStr\"><is><t>x</t></is></c></row>")}});
  Result<XlsxSheet> sheet = ReadXlsxSheet(book, "Return");
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  ASSERT_EQ(sheet->rows.size(), 1u);
  EXPECT_EQ(sheet->Cell(2, 2)->text, "x");
}

std::string ErrorOf(const std::string& contents, XlsxLimits limits = {}) {
  Result<XlsxSheet> sheet = ReadXlsxSheet(contents, "Return", limits);
  EXPECT_FALSE(sheet.ok());
  if (sheet.ok()) return "(read)";
  EXPECT_TRUE(sheet.status().IsInvalidArgument()) << sheet.status().ToString();
  return sheet.status().message();
}

TEST(Xlsx, RefusesWhatIsNotAWorkbook) {
  EXPECT_EQ(ErrorOf("board,period\n"), "not an .xlsx workbook (the file is not a zip archive)");
  EXPECT_EQ(ErrorOf(""), "not an .xlsx workbook (the file is empty)");
  EXPECT_EQ(ErrorOf(Zip({{"word/document.xml", "<w/>"}})),
            "not an .xlsx workbook (the zip archive has no xl/workbook.xml; save the return from Excel as an .xlsx "
            "Excel Workbook)");
  // A zip signature followed by rubbish.
  std::string message = ErrorOf(std::string("PK\x03\x04", 4) + std::string(200, 'x'));
  EXPECT_FALSE(message.empty());
}

TEST(Xlsx, RefusesADamagedWorkbook) {
  const std::string shared = "<si><t>a</t></si>";
  auto book = [&](const std::string& rows) { return Workbook(rows, shared); };

  EXPECT_EQ(ErrorOf(book("<row r=\"1\"><c r=\"A1\"><v>1</v></row>")),
            "the .xlsx workbook is damaged: xl/worksheets/sheet2.xml is not well-formed XML (line 1: mismatched "
            "tag)");
  EXPECT_EQ(ErrorOf(book("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>")),
            "xl/worksheets/sheet2.xml: cell A1 refers to a shared string that does not exist");
  EXPECT_EQ(ErrorOf(book("<row r=\"1\"><c r=\"A0\"><v>1</v></c></row>")),
            "xl/worksheets/sheet2.xml: cell reference 'A0' is not valid in row 1");
  EXPECT_EQ(ErrorOf(book("<row r=\"2\"><c r=\"A1\"><v>1</v></c></row>")),
            "xl/worksheets/sheet2.xml: cell reference 'A1' is not valid in row 2");
  EXPECT_EQ(ErrorOf(book("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>")),
            "xl/worksheets/sheet2.xml: cell reference 'XFE1' is not valid in row 1");
  EXPECT_EQ(ErrorOf(book("<row r=\"x\"/>")), "xl/worksheets/sheet2.xml: row number 'x' is not valid");
  EXPECT_EQ(ErrorOf(book("<row r=\"1\"><c r=\"A1\" t=\"q\"><v>1</v></c></row>")),
            "xl/worksheets/sheet2.xml: cell A1 has an unknown type 'q'");

  // No relationship for the sheet; a chart sheet; a missing sheet part.
  EXPECT_EQ(
      ErrorOf(Zip({{"xl/workbook.xml", WorkbookXml({"Return"})}, {"xl/_rels/workbook.xml.rels", "<Relationships/>"}})),
      "the .xlsx workbook is damaged: sheet 'Return' has no part");
  EXPECT_EQ(ErrorOf(Zip({{"xl/workbook.xml", WorkbookXml({"Return"})},
                         {"xl/_rels/workbook.xml.rels",
                          RelsXml(1, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet")},
                         {"xl/worksheets/sheet1.xml", SheetXml("")}})),
            "sheet 'Return' is not a worksheet (a chart?)");
  EXPECT_EQ(ErrorOf(Zip({{"xl/workbook.xml", WorkbookXml({"Return"})}, {"xl/_rels/workbook.xml.rels", RelsXml(1)}})),
            "the .xlsx workbook is damaged: sheet 'Return' is missing (no xl/worksheets/sheet1.xml)");
  EXPECT_EQ(ErrorOf(Zip({{"xl/workbook.xml", WorkbookXml({})}, {"xl/_rels/workbook.xml.rels", RelsXml(0)}})),
            "the .xlsx workbook is damaged: the workbook has no sheets");
}

TEST(Xlsx, RefusesDocumentTypeDeclarations) {
  // An entity-expansion bomb is never expanded: no workbook part has a DTD.
  const std::string bomb =
      "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
      "<sst><si><t>&b;</t></si></sst>";
  std::string book = Zip({{"xl/workbook.xml", WorkbookXml({"Return"})},
                          {"xl/_rels/workbook.xml.rels", RelsXml(1)},
                          {"xl/worksheets/sheet1.xml", SheetXml("")},
                          {"xl/sharedStrings.xml", bomb}});
  EXPECT_EQ(ErrorOf(book), "xl/sharedStrings.xml: has a document type declaration, which no workbook part has");
}

TEST(Xlsx, RefusesPartsAndSheetsOverTheLimits) {
  // The sheet is the largest part: about 60 bytes a row.
  std::string rows;
  for (int r = 1; r <= 40; ++r) rows += "<row r=\"" + std::to_string(r) + "\"><c><v>1</v></c><c><v>2</v></c></row>";
  const std::string book = Workbook(rows, "<si><t>a</t></si>");
  ASSERT_TRUE(ReadXlsxSheet(book, "Return").ok());
  EXPECT_EQ(ErrorOf(book, XlsxLimits{.max_part_bytes = 2000}),
            "xl/worksheets/sheet2.xml is larger than 2000 bytes uncompressed, more than a return can be: split it "
            "into smaller files");
  EXPECT_EQ(ErrorOf(book, XlsxLimits{.max_cells = 79}),
            "xl/worksheets/sheet2.xml: has more than 79 cells, more than a return can have");
  EXPECT_TRUE(ReadXlsxSheet(book, "Return", XlsxLimits{.max_cells = 80}).ok());
}

TEST(Xlsx, RefusesAPartOver64MiB) {
  // 65 MiB of one byte compresses to about 64 KiB.
  std::string huge = "<sst>" + std::string(size_t{65} << 20, ' ') + "</sst>";
  std::string book = Zip({{"xl/workbook.xml", WorkbookXml({"Return"})},
                          {"xl/_rels/workbook.xml.rels", RelsXml(1)},
                          {"xl/worksheets/sheet1.xml", SheetXml("")},
                          {"xl/sharedStrings.xml", huge}});
  huge.clear();
  huge.shrink_to_fit();
  EXPECT_LT(book.size(), size_t{1} << 20);
  EXPECT_EQ(ErrorOf(book),
            "xl/sharedStrings.xml is larger than 64 MiB uncompressed, more than a return can be: split it into "
            "smaller files");
}

TEST(Xlsx, NeverCrashesOnCorruptedBytes) {
  const std::string good = Workbook(
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\"><v>2</v></c></row>"
      "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
      "<si><t>board</t></si>");
  ASSERT_TRUE(ReadXlsxSheet(good, "Return").ok());
  // Truncations, and single bytes changed, deterministically.
  for (size_t n = 0; n < good.size(); n += 37) (void)ReadXlsxSheet(good.substr(0, n), "Return");
  uint64_t state = 12345;
  for (int i = 0; i < 400; ++i) {
    std::string bad = good;
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    size_t at = static_cast<size_t>((state >> 33) % bad.size());
    bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(1 + (state >> 13) % 255));
    Result<XlsxSheet> sheet = ReadXlsxSheet(bad, "Return");
    if (!sheet.ok()) {
      EXPECT_FALSE(sheet.status().message().empty());
    }
  }
}

TEST(Xlsx, ColumnAndCellNames) {
  EXPECT_EQ(XlsxColumnName(1), "A");
  EXPECT_EQ(XlsxColumnName(26), "Z");
  EXPECT_EQ(XlsxColumnName(27), "AA");
  EXPECT_EQ(XlsxColumnName(52), "AZ");
  EXPECT_EQ(XlsxColumnName(703), "AAA");
  EXPECT_EQ(XlsxColumnName(16384), "XFD");
  EXPECT_EQ(XlsxCellName(4, 14), "D14");
}

TEST(Xlsx, LooksLikeZip) {
  EXPECT_TRUE(LooksLikeZip(std::string("PK\x03\x04rest", 8)));
  EXPECT_TRUE(LooksLikeZip(std::string("PK\x05\x06", 4)));
  EXPECT_FALSE(LooksLikeZip("PK"));
  EXPECT_FALSE(LooksLikeZip("board,period"));
}

}  // namespace
}  // namespace lscb::adapters
