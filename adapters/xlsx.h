// A minimal reader of Office Open XML workbooks (.xlsx): the cell values of
// one worksheet, enough for a Board's spreadsheet return.
//
// The workbook is opened from memory with libzip; its parts are parsed with
// expat: xl/workbook.xml (sheet names -> relationship ids),
// xl/_rels/workbook.xml.rels (-> the sheet's part), the sheet and
// xl/sharedStrings.xml. Cells may hold shared strings (plain or rich text),
// inline strings, numbers, booleans, errors and formulas (their cached
// value). Styles are not read, so a date is the number Excel stores.
//
// Reading never crashes on bad input: anything that is not a well-formed
// workbook (not a zip, a damaged archive, a missing part, malformed XML, a
// part over the size limit) is an InvalidArgument Status with a message for a
// data officer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lscb::adapters {

struct XlsxCell {
  enum class Type : unsigned char { kText, kNumber, kBool, kError };
  int column = 0;  // 1-based: A = 1
  Type type = Type::kText;
  // kText: the text. kNumber: a whole number as digits ("12", also when the
  // file says "12.0" or "1.2E1"), any other number as written. kBool: "TRUE"
  // or "FALSE". kError: the error as Excel shows it, e.g. "#DIV/0!".
  std::string text;
};

struct XlsxRow {
  int number = 0;               // 1-based
  std::vector<XlsxCell> cells;  // non-blank cells only, in column order
};

struct XlsxSheet {
  std::string name;
  std::vector<XlsxRow> rows;  // rows with at least one non-blank cell, in order

  // The cell at (row, column), or nullptr when it is blank.
  const XlsxCell* Cell(int row, int column) const;
};

struct XlsxLimits {
  // The largest part (uncompressed) read; larger ones are refused.
  size_t max_part_bytes = size_t{64} << 20;
  // The most non-blank cells in the sheet.
  size_t max_cells = 2'000'000;
};

// True when `contents` starts like a zip archive ("PK\3\4", or "PK\5\6" for
// an empty one), as every .xlsx does.
bool LooksLikeZip(std::string_view contents);

// Reads the sheet named `preferred_sheet` (ASCII case-insensitive, as Excel
// compares sheet names) or, when there is none, the workbook's first sheet.
// `contents` is the whole file.
Result<XlsxSheet> ReadXlsxSheet(std::string_view contents, std::string_view preferred_sheet,
                                const XlsxLimits& limits = {});

// Column letters: 1 -> "A", 26 -> "Z", 27 -> "AA". REQUIRES: column >= 1.
std::string XlsxColumnName(int column);
// A cell reference, e.g. (4, 14) -> "D14".
std::string XlsxCellName(int column, int row);

}  // namespace lscb::adapters
