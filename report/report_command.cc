#include "report/report_command.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "core/boards.h"
#include "core/calendar.h"
#include "hub/definitions.h"
#include "hub/indicator_text.h"

namespace lscb::report {
namespace {

constexpr const char* kRawWarning = "RAW FIGURES - not for publication (no disclosure control applied)";

int BandOrder(const std::string& band) {
  if (band == "all") return 0;
  auto b = ParseAgeBand(band);
  return b ? static_cast<int>(*b) : 99;
}

int LabelOrder(const std::string& label) {
  if (label.empty()) return 0;
  auto id = hub::LabelIdOf(label);
  return id ? *id : 999;
}

// A row of the Indicators sheet, in definitions order.
struct RowKey {
  int indicator, band, label;
  std::string indicator_id, age_band, breakdown;
  auto Order() const { return std::tie(indicator, band, label, breakdown); }
  bool operator<(const RowKey& o) const { return Order() < o.Order(); }
};

std::string Utc(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// The workbook and its formats; closes (writes) the file once.
class Workbook final {
 public:
  explicit Workbook(const std::string& path) : wb_(workbook_new(path.c_str())) {
    if (!wb_) return;
    title = Format([](lxw_format* f) {
      format_set_bold(f);
      format_set_font_size(f, 14);
    });
    note = Format([](lxw_format* f) {
      format_set_italic(f);
      format_set_font_color(f, 0x595959);
    });
    warning = Format([](lxw_format* f) {
      format_set_bold(f);
      format_set_font_color(f, 0xC00000);
    });
    header = Format([](lxw_format* f) {
      format_set_bold(f);
      format_set_bg_color(f, 0xD9E1F2);
      format_set_bottom(f, LXW_BORDER_THIN);
      format_set_text_wrap(f);
      format_set_align(f, LXW_ALIGN_CENTER);
      format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    });
    label = Format([](lxw_format* f) { format_set_bold(f); });
    wrap = Format([](lxw_format* f) {
      format_set_text_wrap(f);
      format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    });
    for (bool flagged : {false, true}) {
      auto shade = [flagged](lxw_format* f) {
        if (flagged) format_set_bg_color(f, 0xFCE4D6);
      };
      count[flagged] = Format([&](lxw_format* f) {
        format_set_num_format(f, "#,##0");
        shade(f);
      });
      rate[flagged] = Format([&](lxw_format* f) {
        format_set_num_format(f, "0.0");
        shade(f);
      });
      text[flagged] = Format([&](lxw_format* f) {
        format_set_align(f, LXW_ALIGN_RIGHT);
        shade(f);
      });
    }
  }
  ~Workbook() {
    if (wb_) workbook_close(wb_);  // only when Close() was not called
  }

  bool ok() const { return wb_ != nullptr; }
  lxw_worksheet* Sheet(const char* name) { return workbook_add_worksheet(wb_, name); }
  void SetProperties(const std::string& title_text) {
    lxw_doc_properties p{};
    std::string t = title_text, app = "lscb report";
    p.title = t.data();
    p.comments = app.data();
    workbook_set_properties(wb_, &p);
  }
  Status Close(const std::string& path) {
    lxw_error e = workbook_close(wb_);
    wb_ = nullptr;
    if (e != LXW_NO_ERROR) return Status::IoError("cannot write " + path + ": " + lxw_strerror(e));
    return Status::Ok();
  }

  lxw_format *title = nullptr, *note = nullptr, *warning = nullptr, *header = nullptr, *label = nullptr,
             *wrap = nullptr;
  lxw_format* count[2] = {};
  lxw_format* rate[2] = {};
  lxw_format* text[2] = {};

 private:
  template <typename F>
  lxw_format* Format(F set) {
    lxw_format* f = workbook_add_format(wb_);
    set(f);
    return f;
  }
  lxw_workbook* wb_;
};

// A cell's value into a sheet: numbers as numbers, "c" and "n/a" as text.
void WriteValue(Workbook& wb, lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, const lscb::v1::Cell* c,
                bool is_rate) {
  if (!c) {  // not listed: 0; a rate with nothing on either side is n/a
    if (is_rate) worksheet_write_string(ws, row, col, "n/a", wb.text[0]);
    else worksheet_write_number(ws, row, col, 0, wb.count[0]);
    return;
  }
  const bool flagged = c->flags_size() > 0;
  if (c->suppressed()) {
    worksheet_write_string(ws, row, col, "c", wb.text[flagged]);
  } else if (c->not_available() || (c->is_rate() && c->denominator() == 0)) {
    worksheet_write_string(ws, row, col, "n/a", wb.text[flagged]);
  } else if (c->is_rate()) {
    int64_t tenths = (c->numerator() * 10000 / c->denominator() + 5) / 10;
    worksheet_write_number(ws, row, col, static_cast<double>(tenths) / 10.0, wb.rate[flagged]);
  } else {
    worksheet_write_number(ws, row, col, static_cast<double>(c->count()), wb.count[flagged]);
  }
}

using CellKey = std::tuple<std::string, std::string, std::string>;  // indicator, band, breakdown

int WriteIndicators(Workbook& wb, const ReportData& d) {
  lxw_worksheet* ws = wb.Sheet("Indicators");
  worksheet_write_string(ws, 0, 0, (d.board_name + " (" + d.board + "): indicators, " + d.year).c_str(), wb.title);
  if (d.raw) worksheet_write_string(ws, 1, 0, kRawWarning, wb.warning);
  else worksheet_write_string(ws, 1, 0, ("Disclosure control: " + d.disclosure_rule + ".").c_str(), wb.note);
  worksheet_write_string(ws, 2, 0,
                         "Counts; percentages to one decimal place. c: suppressed. n/a: not available. Shaded: a "
                         "data-quality flag (see 'Data quality'). A value not recorded is 0.",
                         wb.note);
  const lxw_row_t head = 4;
  worksheet_write_string(ws, head, 0, "Indicator", wb.header);
  worksheet_write_string(ws, head, 1, "Age band", wb.header);
  worksheet_write_string(ws, head, 2, "Breakdown", wb.header);
  for (size_t i = 0; i < d.periods.size(); ++i)
    worksheet_write_string(ws, head, static_cast<lxw_col_t>(3 + i), d.periods[i].first.c_str(), wb.header);

  // Every indicator's total for all ages, and every other cell the year has.
  std::set<RowKey> rows;
  for (int i = 1; i <= hub::kIndicatorCount; ++i)
    rows.insert(RowKey{i, 0, 0, std::string(hub::IndicatorId(static_cast<hub::Indicator>(i))), "all", ""});
  std::vector<std::map<CellKey, const lscb::v1::Cell*>> cells(d.periods.size());
  for (size_t p = 0; p < d.periods.size(); ++p)
    for (const auto& c : d.periods[p].second.cells()) {
      cells[p][{c.indicator(), c.age_band(), c.breakdown()}] = &c;
      auto ind = hub::ParseIndicator(c.indicator());
      rows.insert(RowKey{ind ? static_cast<int>(*ind) : 999, BandOrder(c.age_band()), LabelOrder(c.breakdown()),
                         c.indicator(), c.age_band(), c.breakdown()});
    }

  lxw_row_t row = head + 1;
  for (const RowKey& k : rows) {
    auto ind = hub::ParseIndicator(k.indicator_id);
    const bool is_rate = ind && hub::IsRate(*ind);
    worksheet_write_string(ws, row, 0, k.indicator_id.c_str(), nullptr);
    worksheet_write_string(ws, row, 1, k.age_band.c_str(), nullptr);
    worksheet_write_string(ws, row, 2, k.breakdown.empty() ? "(total)" : k.breakdown.c_str(), nullptr);
    for (size_t p = 0; p < d.periods.size(); ++p) {
      auto it = cells[p].find({k.indicator_id, k.age_band, k.breakdown});
      WriteValue(wb, ws, row, static_cast<lxw_col_t>(3 + p), it == cells[p].end() ? nullptr : it->second, is_rate);
    }
    ++row;
  }
  worksheet_set_column(ws, 0, 0, 26, nullptr);
  worksheet_set_column(ws, 1, 1, 9, nullptr);
  worksheet_set_column(ws, 2, 2, 16, nullptr);
  worksheet_set_column(ws, 3, static_cast<lxw_col_t>(2 + d.periods.size()), 10, nullptr);
  worksheet_set_row(ws, head, 30, nullptr);
  worksheet_freeze_panes(ws, head + 1, 3);
  worksheet_autofilter(ws, head, 0, row - 1, static_cast<lxw_col_t>(2 + d.periods.size()));
  return static_cast<int>(rows.size());
}

int WriteDataQuality(Workbook& wb, const ReportData& d) {
  lxw_worksheet* ws = wb.Sheet("Data quality");
  worksheet_write_string(ws, 0, 0, (d.board_name + " (" + d.board + "): data-quality flags, " + d.year).c_str(),
                         wb.title);
  worksheet_write_string(ws, 1, 0,
                         "reconcile: events and a return differ (the value is the events'); category_conflict: "
                         "one episode reported as missing and as absent; intent_conflict: an A&E \"accidental\" "
                         "injury linked to a police assault; partial: a borough's value is not available.",
                         wb.note);
  if (d.raw) worksheet_write_string(ws, 2, 0, kRawWarning, wb.warning);
  const lxw_row_t head = 4;
  const char* columns[] = {"Period", "Indicator", "Age band", "Breakdown", "Flag", "Basis", "Value"};
  for (lxw_col_t c = 0; c < 7; ++c) worksheet_write_string(ws, head, c, columns[c], wb.header);
  lxw_row_t row = head + 1;
  int flagged = 0;
  for (const auto& [period, snap] : d.periods)
    for (const auto& c : snap.cells()) {
      if (c.flags_size() == 0) continue;
      ++flagged;
      for (const auto& flag : c.flags()) {
        worksheet_write_string(ws, row, 0, period.c_str(), nullptr);
        worksheet_write_string(ws, row, 1, c.indicator().c_str(), nullptr);
        worksheet_write_string(ws, row, 2, c.age_band().c_str(), nullptr);
        worksheet_write_string(ws, row, 3, c.breakdown().empty() ? "(total)" : c.breakdown().c_str(), nullptr);
        worksheet_write_string(ws, row, 4, flag.c_str(), nullptr);
        worksheet_write_string(ws, row, 5, c.basis().c_str(), nullptr);
        WriteValue(wb, ws, row, 6, &c, c.is_rate());
        ++row;
      }
    }
  if (row == head + 1) worksheet_write_string(ws, row, 0, "No data-quality flags in this year.", wb.note);
  else worksheet_autofilter(ws, head, 0, row - 1, 6);
  worksheet_set_column(ws, 0, 0, 11, nullptr);
  worksheet_set_column(ws, 1, 1, 26, nullptr);
  worksheet_set_column(ws, 2, 3, 14, nullptr);
  worksheet_set_column(ws, 4, 4, 18, nullptr);
  worksheet_set_column(ws, 5, 6, 10, nullptr);
  worksheet_freeze_panes(ws, head + 1, 0);
  return flagged;
}

void WriteDefinitions(Workbook& wb, const ReportData& d) {
  lxw_worksheet* ws = wb.Sheet("Definitions");
  worksheet_write_string(ws, 0, 0, "Definitions", wb.title);
  std::string periods = d.year + ", its quarters and its months";
  const std::vector<std::pair<std::string, std::string>> facts = {
      {"Board", d.board_name + " (" + d.board + ")"},
      {"Year", periods},
      {"Definitions version", d.definitions_version},
      {"Disclosure rule", d.raw ? std::string(kRawWarning) : d.disclosure_rule},
      {"Generated", Utc(std::time(nullptr))},
      {"Periods", "An event belongs to the month, quarter and financial year (April to March) of its UK local "
                  "date. A child's age band is the one at the event."},
      {"Values", "A value not recorded is 0. Percentages are given to one decimal place; n/a where the "
                 "denominator is 0 or a return said \"not collected\". Basis: events, a return, or both."},
  };
  lxw_row_t row = 2;
  for (const auto& [k, v] : facts) {
    worksheet_write_string(ws, row, 0, k.c_str(), wb.label);
    worksheet_write_string(ws, row, 1, v.c_str(), wb.wrap);
    ++row;
  }
  ++row;
  const char* columns[] = {"Indicator", "What it counts", "Breakdown", "Kind"};
  for (lxw_col_t c = 0; c < 4; ++c) worksheet_write_string(ws, row, c, columns[c], wb.header);
  ++row;
  for (int i = 1; i <= hub::kIndicatorCount; ++i) {
    auto ind = static_cast<hub::Indicator>(i);
    std::string id(hub::IndicatorId(ind));
    const hub::IndicatorText* t = hub::FindIndicatorText(id);
    worksheet_write_string(ws, row, 0, id.c_str(), nullptr);
    worksheet_write_string(ws, row, 1, t ? std::string(t->value).c_str() : "", wb.wrap);
    worksheet_write_string(ws, row, 2, t && !t->breakdown.empty() ? std::string(t->breakdown).c_str() : "-", nullptr);
    worksheet_write_string(ws, row, 3, hub::IsRate(ind) ? "percentage" : "count", nullptr);
    ++row;
  }
  worksheet_set_column(ws, 0, 0, 26, nullptr);
  worksheet_set_column(ws, 1, 1, 70, nullptr);
  worksheet_set_column(ws, 2, 2, 28, nullptr);
  worksheet_set_column(ws, 3, 3, 12, nullptr);
}

}  // namespace

Result<std::vector<std::string>> ReportPeriods(const std::string& year) {
  auto fy = ParsePeriod(year);
  if (!fy.ok()) return fy.status();
  if (fy->kind != Period::Kind::kFinancialYear)
    return Status::InvalidArgument("'" + year + "' is not a financial year (expected e.g. FY2007-08)");
  std::vector<std::string> out = {fy->ToString()};
  const int y = fy->year;
  for (Period q : {Period{Period::Kind::kQuarter, y, 2}, Period{Period::Kind::kQuarter, y, 3},
                   Period{Period::Kind::kQuarter, y, 4}, Period{Period::Kind::kQuarter, y + 1, 1}})
    out.push_back(q.ToString());
  for (int m = 0; m < 12; ++m) out.push_back(Period{Period::Kind::kMonth, m < 9 ? y : y + 1, (m + 3) % 12 + 1}.ToString());
  return out;
}

Result<ReportData> FetchReport(const ReportOptions& options) {
  auto periods = ReportPeriods(options.period);
  if (!periods.ok()) return periods.status();
  // Raw figures only when asked for (and the hub allows this principal);
  // otherwise whatever the hub publishes, suppressed again below.
  client::QueryOptions query = options.query;
  query.raw = options.raw;
  std::vector<lscb::v1::Snapshot> snaps;
  for (const std::string& p : *periods) {
    auto snap = client::FetchSnapshot(query, options.board, p);
    if (!snap.ok()) return snap.status();
    snaps.push_back(std::move(*snap));
  }
  // The year, its quarters and its months side by side: suppressed
  // together, so that no period gives another away.
  if (options.raw) {
    for (auto& s : snaps) s.clear_disclosure_rule();
  } else {
    snaps = hub::SuppressTogether(snaps, hub::PeriodSums(*periods), options.disclosure);
  }
  ReportData d;
  d.year = periods->front();
  d.raw = options.raw;
  d.board = snaps.front().board();
  d.definitions_version = snaps.front().definitions_version();
  d.disclosure_rule = snaps.front().disclosure_rule();
  for (size_t i = 0; i < snaps.size(); ++i) d.periods.emplace_back((*periods)[i], std::move(snaps[i]));
  auto boards = BoardRegistry::Default();
  if (const Board* b = boards->ByOns(d.board)) d.board_name = b->name;
  else if (d.board == kLondonRegion) d.board_name = "London";
  else d.board_name = d.board;
  return d;
}

Result<WrittenReport> WriteWorkbook(const ReportData& d, const std::string& path) {
  std::error_code ec;
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec))
    return Status::IoError("cannot write " + path + ": the folder " + folder.string() + " does not exist");
  Workbook wb(path);
  if (!wb.ok()) return Status::IoError("cannot create a workbook for " + path);
  wb.SetProperties(d.board_name + " indicators " + d.year);
  WrittenReport w;
  w.rows = WriteIndicators(wb, d);
  w.flagged_cells = WriteDataQuality(wb, d);
  WriteDefinitions(wb, d);
  if (Status s = wb.Close(path); !s.ok()) return s;
  return w;
}

int RunReport(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  if (options.board.empty() || options.period.empty() || options.out.empty()) {
    err << "lscb report: give --board, --period (a financial year, e.g. FY2007-08) and --out FILE.xlsx\n";
    return 2;
  }
  auto data = FetchReport(options);
  if (!data.ok()) {
    err << "lscb report: " << data.status().message() << "\n";
    if (data.status().IsInvalidArgument()) return 2;
    if (data.status().IsUnavailable()) return 3;
    return 1;
  }
  auto written = WriteWorkbook(*data, options.out);
  if (!written.ok()) {
    err << "lscb report: " << written.status().message() << "\n";
    return 1;
  }
  out << "wrote " << options.out << ": " << data->board_name << " " << data->year << ", " << written->rows
      << " rows, " << written->flagged_cells << " flagged cells, " << (data->raw ? "RAW figures" : "suppressed")
      << "\n";
  return 0;
}

}  // namespace lscb::report
