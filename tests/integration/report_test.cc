// `lscb report` against a real hub; the workbook is read back with
// openpyxl (Debian's python3-openpyxl, run by /usr/bin/python3).
#include "report/report_command.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "hub/definitions.h"
#include "integration/sample_hub.h"

namespace lscb {
namespace {

using Json = nlohmann::json;
using testing::SampleHub;

// Prints the workbook as JSON: sheet names and every sheet's rows (values
// only, None as null).
constexpr const char* kReadWorkbook = R"py(
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames}
for ws in wb.worksheets:
    out[ws.title] = [list(r) for r in ws.iter_rows(values_only=True)]
out["freeze"] = wb["Indicators"].freeze_panes
print(json.dumps(out, default=str))
)py";

class Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sample_ = new SampleHub(); }
  static void TearDownTestSuite() {
    delete sample_;
    sample_ = nullptr;
  }

  report::ReportOptions Options(const std::string& out) const {
    report::ReportOptions o;
    o.board = "Greenwich";
    o.period = "FY2007-08";
    o.out = out;
    o.query.endpoint = sample_->hub().endpoints().query;
    return o;
  }

  // The workbook as openpyxl reads it.
  Json Read(const std::string& xlsx) {
    const std::string script = dir_ / "read_workbook.py";
    std::ofstream(script) << kReadWorkbook;
    std::string command = "/usr/bin/python3 " + script + " '" + xlsx + "' 2>&1";
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) return Json();
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int rc = ::pclose(p);
    EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
        << "reading the workbook with openpyxl failed (is python3-openpyxl installed? scripts/setup.sh installs "
           "it):\n"
        << out;
    Json j = Json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    return j;
  }

  // The value the workbook must show for a cell of a published snapshot.
  static Json Expected(const lscb::v1::Cell* c, bool is_rate) {
    if (!c) return is_rate ? Json("n/a") : Json(0);
    std::string v = client::CellValue(*c);
    if (v == "c" || v == "n/a") return v;
    return is_rate ? Json(std::stod(v)) : Json(c->count());
  }

  static SampleHub* sample_;
  testing::TempDir dir_;
};
SampleHub* Report::sample_ = nullptr;

TEST_F(Report, TheWorkbookHasTheYearSuppressedFlagsAndDefinitions) {
  ASSERT_TRUE(sample_->ok());
  const std::string xlsx = dir_ / "greenwich.xlsx";
  std::ostringstream out, err;
  ASSERT_EQ(report::RunReport(Options(xlsx), out, err), 0) << err.str();
  EXPECT_NE(out.str().find("wrote " + xlsx + ": Greenwich FY2007-08, "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find(", suppressed\n"), std::string::npos) << out.str();
  // Kept for people to open.
  const std::string artefact = std::string(LSCB_TEST_ARTEFACTS_DIR) + "/report-E09000011-FY2007-08.xlsx";
  std::filesystem::create_directories(LSCB_TEST_ARTEFACTS_DIR);
  std::filesystem::copy_file(xlsx, artefact, std::filesystem::copy_options::overwrite_existing);
  std::printf("workbook: %s\n", artefact.c_str());
  Json wb = Read(xlsx);
  ASSERT_TRUE(wb.is_object());
  EXPECT_EQ(wb["sheets"], Json({"Indicators", "Data quality", "Definitions"}));

  // Indicators: title, header, and every row against the published snapshots.
  const Json& rows = wb["Indicators"];
  ASSERT_GT(rows.size(), 5u);
  EXPECT_EQ(rows[0][0], "Greenwich (E09000011): indicators, FY2007-08");
  EXPECT_EQ(rows[1][0].get<std::string>().rfind("Disclosure control: counts 1-4 suppressed (c);", 0), 0u);
  EXPECT_NE(rows[1][0].get<std::string>().find("across the periods published together"), std::string::npos);
  const std::vector<std::string> periods = testing::PeriodsOfYear2007();
  Json header = {"Indicator", "Age band", "Breakdown"};
  for (const auto& p : periods) header.push_back(p);
  EXPECT_EQ(rows[4], header);
  EXPECT_EQ(wb["freeze"], "D6");

  std::vector<lscb::v1::Snapshot> raw;
  for (const auto& p : periods) {
    auto r = sample_->Raw(testing::kSampleBoard, p);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    raw.push_back(*r);
  }
  std::vector<lscb::v1::Snapshot> published = hub::SuppressTogether(raw, hub::PeriodSums(periods), {});
  std::set<std::tuple<std::string, std::string, std::string>> expected_rows, seen_rows;
  for (int i = 1; i <= hub::kIndicatorCount; ++i)
    expected_rows.insert({std::string(hub::IndicatorId(static_cast<hub::Indicator>(i))), "all", ""});
  for (const auto& s : published)
    for (const auto& c : s.cells()) expected_rows.insert({c.indicator(), c.age_band(), c.breakdown()});
  int c_cells = 0, compared = 0;
  for (size_t r = 5; r < rows.size(); ++r) {
    std::string ind = rows[r][0], band = rows[r][1], breakdown = rows[r][2];
    if (breakdown == "(total)") breakdown.clear();
    seen_rows.insert({ind, band, breakdown});
    auto parsed = hub::ParseIndicator(ind);
    ASSERT_TRUE(parsed) << ind;
    for (size_t p = 0; p < periods.size(); ++p) {
      const lscb::v1::Cell* cell = nullptr;
      for (const auto& c : published[p].cells())
        if (c.indicator() == ind && c.age_band() == band && c.breakdown() == breakdown) cell = &c;
      Json want = Expected(cell, hub::IsRate(*parsed));
      const Json& got = rows[r][3 + p];
      if (want.is_number() && got.is_number()) {
        EXPECT_DOUBLE_EQ(got.get<double>(), want.get<double>()) << ind << " " << band << " " << breakdown << " "
                                                                << periods[p];
      } else {
        EXPECT_EQ(got, want) << ind << " " << band << " " << breakdown << " " << periods[p];
      }
      c_cells += got == "c";
      ++compared;
    }
  }
  EXPECT_EQ(seen_rows, expected_rows);
  EXPECT_GT(compared, 22 * 17 - 1);
  EXPECT_GT(c_cells, 0) << "nothing suppressed in the sample: the test tests nothing";

  // No count that adds up over time is left the only "c" among a year and
  // its quarters or months, or a quarter and its months: it would be the
  // difference of the others.
  const std::set<std::string> stocks = {"CSC_CPP_OPEN", "MIS_CHILDREN", "MIS_REPEAT_CHILDREN", "MAPPA_OFFENDERS"};
  const std::vector<std::pair<size_t, std::vector<size_t>>> sums = {
      {0, {1, 2, 3, 4}}, {0, {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
      {1, {5, 6, 7}},    {2, {8, 9, 10}}, {3, {11, 12, 13}}, {4, {14, 15, 16}}};
  int protected_sums = 0;
  for (size_t r = 5; r < rows.size(); ++r) {
    if (stocks.count(rows[r][0]) || hub::IsRate(*hub::ParseIndicator(rows[r][0].get<std::string>()))) continue;
    for (const auto& [total, parts] : sums) {
      if (rows[r][3 + total] == "c" || rows[r][3 + total] == "n/a") continue;
      int c = 0;
      for (size_t p : parts) c += rows[r][3 + p] == "c";
      EXPECT_NE(c, 1) << rows[r].dump() << ": " << periods[total] << " gives away its only suppressed part";
      protected_sums += c >= 2;
    }
  }
  EXPECT_GT(protected_sums, 0);

  // A few values by hand: the year's contacts, and a small count shown as c.
  int64_t contacts = -1;
  for (const auto& c : raw[0].cells())
    if (c.indicator() == "CSC_CONTACTS" && c.age_band() == "all" && c.breakdown().empty()) contacts = c.count();
  ASSERT_GT(contacts, 100);
  bool found_contacts = false;
  for (size_t r = 5; r < rows.size(); ++r)
    if (rows[r][0] == "CSC_CONTACTS" && rows[r][1] == "all" && rows[r][2] == "(total)") {
      EXPECT_EQ(rows[r][3], contacts);
      found_contacts = true;
    }
  EXPECT_TRUE(found_contacts);
  std::string small_key;
  for (size_t p = 0; p < periods.size() && small_key.empty(); ++p)
    for (const auto& c : raw[p].cells())
      if (!c.is_rate() && c.count() >= 1 && c.count() <= 4) {
        for (size_t r = 5; r < rows.size(); ++r)
          if (rows[r][0] == c.indicator() && rows[r][1] == c.age_band() &&
              rows[r][2] == (c.breakdown().empty() ? "(total)" : c.breakdown())) {
            EXPECT_EQ(rows[r][3 + p], "c") << c.indicator() << " " << periods[p] << " is " << c.count();
            small_key = c.indicator();
          }
        break;
      }
  EXPECT_FALSE(small_key.empty());

  // Data quality: the return that disagrees with the events.
  bool reconcile = false;
  for (const auto& row : wb["Data quality"])
    if (row.size() >= 7 && row[0] == testing::kReconcileQuarter && row[1] == "CSC_CONTACTS" && row[2] == "all" &&
        row[3] == "(total)" && row[4] == "reconcile" && row[5] == "both")
      reconcile = true;
  EXPECT_TRUE(reconcile) << wb["Data quality"].dump();

  // Definitions: the version, the rule, the indicator table.
  std::map<std::string, Json> facts;
  for (const auto& row : wb["Definitions"])
    if (row.size() >= 2 && row[0].is_string()) facts[row[0]] = row[1];
  EXPECT_EQ(facts["Definitions version"], "v1");
  EXPECT_EQ(facts["Board"], "Greenwich (E09000011)");
  EXPECT_EQ(facts["Disclosure rule"], published[0].disclosure_rule());
  EXPECT_EQ(facts["CSC_CONTACTS"], "contacts");
  bool conversion = false;
  for (const auto& row : wb["Definitions"])
    if (row.size() >= 4 && row[0] == "CSC_CONTACT_CONVERSION") conversion = row[3] == "percentage";
  EXPECT_TRUE(conversion);
}

TEST_F(Report, RawFiguresAreMarkedAndUnsuppressed) {
  ASSERT_TRUE(sample_->ok());
  const std::string xlsx = dir_ / "raw.xlsx";
  report::ReportOptions o = Options(xlsx);
  o.raw = true;
  std::ostringstream out, err;
  ASSERT_EQ(report::RunReport(o, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("RAW figures"), std::string::npos);
  Json wb = Read(xlsx);
  ASSERT_TRUE(wb.is_object());
  const Json& rows = wb["Indicators"];
  EXPECT_EQ(rows[1][0].get<std::string>().rfind("RAW FIGURES", 0), 0u);
  int c_cells = 0;
  for (size_t r = 5; r < rows.size(); ++r)
    for (size_t p = 3; p < rows[r].size(); ++p) c_cells += rows[r][p] == "c";
  EXPECT_EQ(c_cells, 0);
  // The same small count that the suppressed workbook withholds.
  const auto periods = testing::PeriodsOfYear2007();
  bool checked = false;
  for (size_t p = 0; p < periods.size() && !checked; ++p) {
    auto raw = sample_->Raw(testing::kSampleBoard, periods[p]);
    ASSERT_TRUE(raw.ok());
    for (const auto& c : raw->cells()) {
      if (c.is_rate() || c.count() < 1 || c.count() > 4) continue;
      for (size_t r = 5; r < rows.size(); ++r)
        if (rows[r][0] == c.indicator() && rows[r][1] == c.age_band() &&
            rows[r][2] == (c.breakdown().empty() ? "(total)" : c.breakdown())) {
          EXPECT_EQ(rows[r][3 + p], c.count());
          checked = true;
        }
      break;
    }
  }
  EXPECT_TRUE(checked);
  std::map<std::string, Json> facts;
  for (const auto& row : wb["Definitions"])
    if (row.size() >= 2 && row[0].is_string()) facts[row[0]] = row[1];
  EXPECT_EQ(facts["Disclosure rule"].get<std::string>().rfind("RAW FIGURES", 0), 0u);
}

TEST_F(Report, ProblemsHaveTheirExitStatus) {
  ASSERT_TRUE(sample_->ok());
  std::ostringstream out, err;
  report::ReportOptions o = Options(dir_ / "x.xlsx");
  o.period = "2007-Q3";
  EXPECT_EQ(report::RunReport(o, out, err), 2);
  EXPECT_NE(err.str().find("not a financial year"), std::string::npos) << err.str();

  err.str("");
  o = Options(dir_ / "x.xlsx");
  o.board = "Gotham";
  EXPECT_EQ(report::RunReport(o, out, err), 2);
  EXPECT_NE(err.str().find("unknown board 'Gotham'"), std::string::npos) << err.str();

  err.str("");
  o = Options("");
  EXPECT_EQ(report::RunReport(o, out, err), 2);
  EXPECT_NE(err.str().find("--out"), std::string::npos);

  err.str("");
  o = Options(dir_ / "no-such-folder/x.xlsx");
  EXPECT_EQ(report::RunReport(o, out, err), 1);
  EXPECT_NE(err.str().find("cannot write " + (dir_ / "no-such-folder/x.xlsx")), std::string::npos) << err.str();

  err.str("");
  o = Options(dir_ / "x.xlsx");
  o.query.endpoint = "tcp://127.0.0.1:1";  // nothing listens there
  o.query.timeout = std::chrono::milliseconds(200);
  o.query.attempts = 1;
  EXPECT_EQ(report::RunReport(o, out, err), 3);
  EXPECT_NE(err.str().find("no answer from the hub"), std::string::npos) << err.str();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x.xlsx"));
}

TEST(ReportPeriods, AYearItsQuartersAndMonths) {
  auto p = report::ReportPeriods("FY2007-08");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, testing::PeriodsOfYear2007());
  EXPECT_TRUE(report::ReportPeriods("2007").status().IsInvalidArgument());
}

}  // namespace
}  // namespace lscb
