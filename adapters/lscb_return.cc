// lscb-return: the Board's spreadsheet return (feeds.md), as .xlsx or .csv.
//
// One row per cell of an indicator: board, period, indicator, age_band,
// breakdown (optional column), value, note (ignored). An empty value is "not
// collected". Each row becomes a "return" Envelope from source "board:" + the
// board's ONS code whose record id is the return key
// indicator|board|period|age_band|breakdown, stamped with the time the file
// was read, so a later upload of the same cell supersedes the earlier one.
//
// An .xlsx file (recognised by its zip signature or its extension) is read
// from the sheet named "Return", or the first sheet; the header is row 1 and
// problems name the cell ("Return!D14"). A .csv file is read as every other
// feed, and problems name the line. Rows that are entirely blank are skipped
// in both (spreadsheets often end with some).

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "adapters/csv.h"
#include "adapters/formats.h"
#include "adapters/record_check.h"
#include "adapters/xlsx.h"

namespace lscb::adapters {
namespace {

constexpr std::array<std::string_view, 5> kRequiredColumns = {"board", "period", "indicator", "age_band", "value"};
constexpr std::array<std::string_view, 7> kKnownColumns = {"board",     "period", "indicator", "age_band",
                                                           "breakdown", "value",  "note"};
constexpr std::string_view kSheetName = "Return";

// An old binary workbook (.xls) or an encrypted .xlsx: an OLE compound file.
constexpr std::string_view kOleMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && AsciiEqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

// The rows of a return, whichever file type they came from.
struct ReturnTable {
  CsvTable header;                     // the columns (its records are unused)
  std::vector<CsvRecord> records;      // `line`: the CSV line, or the sheet row
  std::vector<bool> period_is_number;  // per record: an .xlsx number in the period column
  // .xlsx only: the sheet's name, and the sheet column (1-based) of each
  // column of `header`.
  std::string sheet;
  std::vector<int> sheet_columns;
};

// "Return!D14" for a problem in `field` of the record on `row`; the whole
// row ("Return!14:14") when the problem is not in one column.
std::string CellOf(const ReturnTable& table, std::string_view field, int row) {
  std::optional<size_t> column;
  if (!field.empty()) column = table.header.Column(field);
  if (!column || *column >= table.sheet_columns.size())
    return table.sheet + "!" + std::to_string(row) + ":" + std::to_string(row);
  return table.sheet + "!" + XlsxCellName(table.sheet_columns[*column], row);
}

// One CSV line holding `fields`, each quoted, for CsvTable::Read.
std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : fields[i]) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  return out + "\n";
}

bool IsKnownColumn(std::string_view name) {
  for (std::string_view known : kKnownColumns)
    if (AsciiEqualsIgnoreCase(TrimField(name), known)) return true;
  return false;
}

// Reads an .xlsx return into `table`; problems with the workbook or its
// header go to `out`. False when no row can be read.
//
// Only the columns the format reads are kept (a sheet may have up to 16,384
// columns, and blank header cells are not columns at all); the others are
// named in one warning.
bool ReadWorkbook(std::string_view file, std::string_view contents, ReturnTable* table, ParsedFile* out) {
  const std::string name(file);
  Result<XlsxSheet> sheet = ReadXlsxSheet(contents, kSheetName);
  if (!sheet.ok()) {
    out->errors.push_back({name, 0, "", sheet.status().message(), "workbook"});
    return false;
  }
  table->sheet = sheet->name;
  const std::string header_row = table->sheet + "!1:1";
  if (sheet->rows.empty() || sheet->rows.front().number != 1) {
    out->errors.push_back({name, 1, "",
                           "row 1 must hold the column names (board, period, indicator, age_band, breakdown, value, "
                           "note)" +
                               std::string(sheet->rows.empty() ? "; the sheet is empty" : ""),
                           header_row});
    return false;
  }
  std::vector<std::string> names;
  std::string unknown;
  for (const XlsxCell& cell : sheet->rows.front().cells) {
    if (IsKnownColumn(cell.text)) {
      names.push_back(cell.text);
      table->sheet_columns.push_back(cell.column);
    } else if (!TrimField(cell.text).empty()) {
      if (!unknown.empty()) unknown += ", ";
      unknown += std::string(TrimField(cell.text));
    }
  }
  table->header = CsvTable::Read(CsvLine(names));
  // CheckHeader reports against line 1: name the header row instead.
  const size_t before = out->errors.size();
  bool ok = CheckHeader(file, table->header, FeedColumns{kRequiredColumns, kKnownColumns}, out);
  for (size_t i = before; i < out->errors.size(); ++i) out->errors[i].cell = header_row;
  if (!ok) return false;
  if (!unknown.empty()) out->warnings.push_back(name + ": unknown columns ignored: " + unknown);

  std::optional<size_t> period_column = table->header.Column("period");
  for (size_t r = 1; r < sheet->rows.size(); ++r) {
    const XlsxRow& row = sheet->rows[r];
    CsvRecord record;
    record.line = row.number;
    record.fields.resize(names.size());
    bool period_is_number = false;
    for (size_t i = 0; i < names.size(); ++i) {
      const XlsxCell* cell = sheet->Cell(row.number, table->sheet_columns[i]);
      if (cell == nullptr) continue;
      record.fields[i] = cell->text;
      if (period_column && i == *period_column && cell->type == XlsxCell::Type::kNumber) period_is_number = true;
    }
    table->records.push_back(std::move(record));
    table->period_is_number.push_back(period_is_number);
  }
  return true;
}

bool ReadCsv(std::string_view file, std::string_view contents, ReturnTable* table, ParsedFile* out) {
  table->header = CsvTable::Read(contents);
  if (!CheckHeader(file, table->header, FeedColumns{kRequiredColumns, kKnownColumns}, out)) return false;
  table->records = table->header.records();
  table->period_is_number.assign(table->records.size(), false);
  return true;
}

// A row of empty fields, as spreadsheets export after the last row (also
// with fewer commas than the header). A malformed record has no fields.
bool IsBlank(const CsvRecord& record) {
  if (record.fields.empty()) return false;
  for (const std::string& field : record.fields)
    if (!TrimField(field).empty()) return false;
  return true;
}

void ParseRecord(RecordCheck& check, const AdapterContext& ctx, bool period_is_number, int64_t read_at, SeenIds& seen,
                 lscb::v1::Envelope* event) {
  const Board* board = check.Borough("board", *ctx.boards, Need::kRequired);
  std::optional<Period> period;
  if (period_is_number) {
    check.Fail("period",
               "holds a number or a date, not a period: enter it as text, e.g. 2007-09, 2007-Q3 or FY2007-08 "
               "(format the column as Text first)");
  } else {
    period = check.ReportingPeriod("period", Need::kRequired);
  }
  const ReturnIndicator* indicator = nullptr;
  if (auto id = check.Text("indicator", Need::kRequired)) {
    for (const ReturnIndicator& i : ReturnIndicators())
      if (AsciiEqualsIgnoreCase(i.id, *id)) indicator = &i;
    if (indicator == nullptr)
      check.Fail("indicator", Quoted(*id) +
                                  " is not an indicator id of definition set v1 (e.g. CSC_CONTACTS, MIS_EPISODES, "
                                  "MAPPA_OFFENDERS)");
  }
  std::optional<std::string_view> age_band = check.AgeBandOrAll("age_band", Need::kRequired);
  std::string breakdown;
  if (std::string_view text = check.Value("breakdown"); !text.empty() && indicator != nullptr) {
    bool found = false;
    for (std::string_view label : indicator->breakdowns) {
      if (AsciiEqualsIgnoreCase(label, text)) {
        breakdown = std::string(label);
        found = true;
      }
    }
    if (!found && indicator->breakdowns.empty()) {
      check.Fail("breakdown",
                 Quoted(text) + ": " + std::string(indicator->id) + " has no breakdown (leave it blank for the total)");
    } else if (!found) {
      check.Fail("breakdown", Quoted(text) + " is not a breakdown of " + std::string(indicator->id) + " (" +
                                  JoinNames(indicator->breakdowns) + ", or blank for the total)");
    }
  }
  std::optional<uint32_t> value = check.Count("value", 0, Need::kOptional);
  const bool not_collected = check.Value("value").empty();
  if (check.failed() || board == nullptr || !period || indicator == nullptr || !age_band) return;

  FillReturn("board", "board:" + board->ons_code, *board, *period, indicator->id, *age_band, breakdown, 1, read_at,
             event);
  lscb::v1::ReturnDetail* detail = event->mutable_return_value();
  if (not_collected) {
    detail->set_not_collected(true);
  } else if (value) {
    detail->set_value(*value);
  }
  seen.Check(check, "", event->source_event_id(),
             "the same cell (" + std::string(indicator->id) + ", board " + board->ons_code + ", period " +
                 period->ToString() + ", age band " + std::string(*age_band) +
                 (breakdown.empty() ? std::string() : ", breakdown " + breakdown) + ")");
}

ParsedFile ParseReturn(std::string_view file, std::string_view contents, const AdapterContext& ctx) {
  ParsedFile out;
  const std::string name(file);
  if (ctx.boards == nullptr) {
    out.errors.push_back({name, 0, "", "internal error: the adapter was given no boards table"});
    return out;
  }
  if (contents.starts_with(kOleMagic)) {
    out.errors.push_back({name, 0, "",
                          "this is an Excel 97-2003 (.xls) or a password-protected workbook, which cannot be read: "
                          "save it as an Excel Workbook (.xlsx) without a password, or as CSV",
                          "workbook"});
    return out;
  }
  ReturnTable table;
  const bool xlsx = LooksLikeZip(contents) || EndsWithIgnoreCase(file, ".xlsx");
  if (!(xlsx ? ReadWorkbook(file, contents, &table, &out) : ReadCsv(file, contents, &table, &out))) return out;

  const int64_t read_at = ReturnReadAt(ctx);
  SeenIds seen(xlsx ? "in row " : "on line ");
  for (size_t i = 0; i < table.records.size(); ++i) {
    const CsvRecord& record = table.records[i];
    if (IsBlank(record)) continue;
    if (!record.ok()) {
      out.errors.push_back({name, record.line, "", record.problem});
      continue;
    }
    const size_t before = out.errors.size();
    RecordCheck check(file, table.header, record, &out.errors);
    lscb::v1::Envelope event;
    ParseRecord(check, ctx, table.period_is_number[i], read_at, seen, &event);
    if (xlsx) {
      for (size_t e = before; e < out.errors.size(); ++e)
        out.errors[e].cell = CellOf(table, out.errors[e].field, record.line);
    }
    if (check.failed()) continue;
    out.events.push_back(std::move(event));
    out.event_lines.push_back(record.line);
  }
  return out;
}

class LscbReturnAdapter final : public Adapter {
 public:
  std::string_view name() const override { return "lscb-return"; }

  ParsedFile Parse(std::string_view file_name, std::string_view contents, const AdapterContext& ctx) const override {
    return ParseGuarded(file_name, [&] { return ParseReturn(file_name, contents, ctx); });
  }
};

}  // namespace

std::unique_ptr<Adapter> NewLscbReturnAdapter() { return std::make_unique<LscbReturnAdapter>(); }

}  // namespace lscb::adapters
