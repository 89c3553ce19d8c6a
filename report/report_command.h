// `lscb report`: a board's indicators for a financial year as a formatted
// Excel workbook (library lscb_report, libxlsxwriter from Debian).
//
//   lscb report --board CODE --period FY2007-08 --out FILE.xlsx
//               [--query tcp://127.0.0.1:7403] [--raw]
//
// Sheets:
//   Indicators    one row per indicator, age band and breakdown that has a
//                 value in the year; one column per period: the year, its
//                 four quarters, its twelve months. Counts are numbers,
//                 percentages numbers to one decimal place, a suppressed
//                 cell "c", not available "n/a"; a flagged cell is shaded.
//   Data quality  every flagged cell: period, indicator, age band,
//                 breakdown, flag, basis and value.
//   Definitions   the board, the year, the definitions version, the
//                 disclosure rule applied (or "raw figures"), and what each
//                 indicator counts.
// Figures are suppressed (hub/disclosure.h) unless --raw.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "client/query_client.h"
#include "core/status.h"
#include "hub/disclosure.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::report {

struct ReportOptions {
  // An ONS code, a DfE number, a name, or "london".
  std::string board;
  // A financial year, "FY2007-08".
  std::string period;
  // The workbook to write (replaced if it exists).
  std::string out;
  // The hub's query socket.
  client::QueryOptions query;
  // Unsuppressed figures, for the Board's analysts; the workbook then says
  // "RAW FIGURES - not for publication" on every sheet.
  bool raw = false;
  // The rule applied unless `raw`.
  hub::DisclosureRule disclosure;
};

// What the workbook shows: the year's snapshots, as published.
struct ReportData {
  std::string board;       // as the hub names it (ONS or region code)
  std::string board_name;  // "Greenwich", "London"
  std::string year;        // "FY2007-08"
  bool raw = false;
  std::string disclosure_rule;  // empty when raw
  std::string definitions_version;
  // (period, snapshot): the year, its quarters, its months, in that order.
  std::vector<std::pair<std::string, lscb::v1::Snapshot>> periods;
};

// The periods a report on financial year `year` covers: the year, its
// quarters and its months, in that order. InvalidArgument when `year` is
// not a financial year.
Result<std::vector<std::string>> ReportPeriods(const std::string& year);

// Asks the hub for every period of the year (raw figures when options.raw)
// and, unless options.raw, applies disclosure control to the periods
// together (hub::SuppressTogether: no period gives another away; figures
// the hub already suppressed stay suppressed). InvalidArgument: a bad
// board or period, or raw figures not allowed; Unavailable: no answer from
// the hub.
Result<ReportData> FetchReport(const ReportOptions& options);

struct WrittenReport {
  int rows = 0;           // rows of the Indicators sheet
  int flagged_cells = 0;  // cells listed in Data quality
};

// Writes the workbook. IoError when the file cannot be written.
Result<WrittenReport> WriteWorkbook(const ReportData& data, const std::string& path);

// The command: fetch, write, and print one line on `out`
// ("wrote FILE: N rows, M flagged cells, suppressed|RAW"). Problems go to
// `err`. Exit status: 0 written; 1 the file could not be written; 2 bad
// usage (missing option, not a financial year, unknown board); 3 the hub
// did not answer.
int RunReport(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lscb::report
