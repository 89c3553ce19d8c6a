// The hub's HTTP side against a real hub on loopback: health, metrics, the
// JSON API with disclosure control, and the dashboard in headless Chromium.
#include "hub/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "hub/metrics.h"
#include "integration/sample_hub.h"

namespace lscb {
namespace {

using Json = nlohmann::json;
using testing::SampleHub;

// One hub with the sample feed for the whole suite (feeding it is the slow
// part).
class Http : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sample_ = new SampleHub();
    metrics_ = new hub::HubMetrics();
    // The adapter the hub will have: what the hub counts, here from the
    // senders' answers (the hub's own wiring counts at the source).
    for (const auto& [outcome, n] : sample_->outcomes()) metrics_->Events(outcome, "csc").Inc(n);
  }
  static void TearDownTestSuite() {
    delete metrics_;
    delete sample_;
    metrics_ = nullptr;
    sample_ = nullptr;
  }

  static hub::HttpSources Sources() {
    hub::HttpSources s;
    s.snapshot = [](const std::string& board, const std::string& period) { return sample_->Raw(board, period); };
    s.metrics = [] {
      hub::HubStats stats = sample_->hub().stats();
      metrics_->queue_depth().Set(static_cast<double>(stats.queue_depth));
      metrics_->log_position().Set(static_cast<double>(stats.events_committed));
      return metrics_->Render();
    };
    s.log_position = [] { return sample_->hub().stats().events_committed; };
    return s;
  }

  static std::unique_ptr<hub::HttpServer> Serve(hub::HttpOptions o = {}) {
    o.listen = "127.0.0.1:0";
    o.from = "2007-04";
    o.to = "2008-03";
    auto server = hub::HttpServer::Start(o, Sources());
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server.value()) : nullptr;
  }

  // Suppressed as the server must publish it.
  static lscb::v1::Snapshot Published(const std::string& board, const std::string& period) {
    auto raw = sample_->Raw(board, period);
    EXPECT_TRUE(raw.ok()) << raw.status().ToString();
    return raw.ok() ? hub::Suppress(*raw, hub::DisclosureRule{}) : lscb::v1::Snapshot();
  }

  static SampleHub* sample_;
  static hub::HubMetrics* metrics_;
};
SampleHub* Http::sample_ = nullptr;
hub::HubMetrics* Http::metrics_ = nullptr;

struct Got {
  int status = 0;
  std::string body, content_type;
};

Got Get(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(20);
  auto res = c.Get(path.c_str());
  if (!res) return Got{-1, "no answer: " + httplib::to_string(res.error()), ""};
  return Got{res->status, res->body, res->get_header_value("Content-Type")};
}

// ---------------------------------------------------------------- metrics text

// Parses Prometheus text exposition strictly enough to catch a malformed
// line; returns family -> type and "series" -> value.
struct Exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, double> samples;
  std::vector<std::string> problems;
};

Exposition ParseExposition(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (\S+))");
  Exposition e;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  if (text.empty() || text.back() != '\n') e.problems.push_back("the text does not end with a newline");
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) continue;
    if (std::regex_match(line, m, kType)) {
      if (e.types.count(m[1])) e.problems.push_back("line " + std::to_string(n) + ": second TYPE for " + m[1].str());
      e.types[m[1]] = m[2];
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      e.problems.push_back("line " + std::to_string(n) + ": not a sample: " + line);
      continue;
    }
    std::string name = m[1], value = m[3];
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (!e.types.count(family) && name.ends_with(suffix)) family = name.substr(0, name.size() - strlen(suffix));
    if (!e.types.count(family)) e.problems.push_back("line " + std::to_string(n) + ": no TYPE before " + name);
    double v = 0;
    if (value == "+Inf") v = HUGE_VAL;
    else if (value == "-Inf") v = -HUGE_VAL;
    else if (value == "NaN") v = NAN;
    else {
      size_t used = 0;
      try {
        v = std::stod(value, &used);
      } catch (...) {
        used = 0;
      }
      if (used != value.size()) e.problems.push_back("line " + std::to_string(n) + ": bad value " + value);
    }
    e.samples[name + m[2].str()] = v;
  }
  return e;
}

TEST_F(Http, HealthzSaysOkWithTheLogPosition) {
  ASSERT_TRUE(sample_->ok());
  auto server = Serve();
  ASSERT_TRUE(server);
  EXPECT_GT(server->port(), 0);
  Got g = Get(server->port(), "/healthz");
  ASSERT_EQ(g.status, 200) << g.body;
  Json j = Json::parse(g.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["log_position"].get<uint64_t>(), sample_->hub().stats().events_committed);
  EXPECT_GE(j["log_position"].get<uint64_t>(), sample_->events_sent());
}

TEST_F(Http, MetricsAreValidExpositionWithTheHubsFamilies) {
  ASSERT_TRUE(sample_->ok());
  auto server = Serve();
  ASSERT_TRUE(server);
  Got g = Get(server->port(), "/metrics");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.content_type, "text/plain; version=0.0.4; charset=utf-8");
  Exposition e = ParseExposition(g.body);
  EXPECT_TRUE(e.problems.empty()) << ::testing::PrintToString(e.problems) << "\n" << g.body;
  EXPECT_EQ(e.types["lscb_events_total"], "counter");
  EXPECT_EQ(e.types["lscb_ingest_latency_seconds"], "histogram");
  EXPECT_EQ(e.types["lscb_commit_latency_seconds"], "histogram");
  EXPECT_EQ(e.types["lscb_ingest_queue_depth"], "gauge");
  EXPECT_EQ(e.types["lscb_store_live_bytes"], "gauge");
  EXPECT_EQ(e.samples["lscb_events_total{outcome=\"accepted\",agency=\"csc\"}"],
            static_cast<double>(sample_->outcomes().at(lscb::v1::ACCEPTED)));
  EXPECT_EQ(e.samples["lscb_ingest_queue_depth"], 0);
  EXPECT_EQ(e.samples["lscb_commit_latency_seconds_bucket{le=\"+Inf\"}"],
            e.samples["lscb_commit_latency_seconds_count"]);
}

TEST_F(Http, SnapshotsAreSuppressedByDefault) {
  ASSERT_TRUE(sample_->ok());
  auto server = Serve();
  ASSERT_TRUE(server);

  // A small count somewhere in the year: the API must show "c" for it.
  std::string small_period;
  lscb::v1::Cell small;
  for (const auto& period : testing::PeriodsOfYear2007()) {
    auto raw = sample_->Raw(testing::kSampleBoard, period);
    ASSERT_TRUE(raw.ok());
    for (const auto& c : raw->cells())
      if (!c.is_rate() && c.count() >= 1 && c.count() <= 4) {
        small = c;
        small_period = period;
        break;
      }
    if (!small_period.empty()) break;
  }
  ASSERT_FALSE(small_period.empty()) << "the sample has no small count: the test tests nothing";

  Got g = Get(server->port(), "/api/snapshot?board=" + std::string(testing::kSampleBoard) + "&period=" + small_period);
  ASSERT_EQ(g.status, 200) << g.body;
  Json j = Json::parse(g.body);
  EXPECT_EQ(j["board"], testing::kSampleBoard);
  EXPECT_EQ(j["disclosure_rule"],
            "counts 1-4 suppressed (c); secondary suppression within each breakdown and across age bands; rates on "
            "suppressed counts suppressed");
  bool seen = false;
  for (const auto& c : j["cells"])
    if (c["indicator"] == small.indicator() && c["age_band"] == small.age_band() &&
        c["breakdown"] == small.breakdown()) {
      seen = true;
      EXPECT_EQ(c["value"], "c") << small.indicator() << " " << small.age_band() << " " << small.breakdown()
                                 << " is " << small.count() << " raw";
    }
  EXPECT_TRUE(seen);
  // Every value is what disclosure control publishes.
  EXPECT_EQ(g.body, client::SnapshotToJson(Published(testing::kSampleBoard, small_period)));

  // A big count is shown as it is.
  Got fy = Get(server->port(), "/api/snapshot?board=Greenwich&period=FY2007-08");
  ASSERT_EQ(fy.status, 200) << fy.body;
  auto raw_fy = sample_->Raw(testing::kSampleBoard, "FY2007-08");
  ASSERT_TRUE(raw_fy.ok());
  int64_t contacts = -1;
  for (const auto& c : raw_fy->cells())
    if (c.indicator() == "CSC_CONTACTS" && c.age_band() == "all" && c.breakdown().empty()) contacts = c.count();
  ASSERT_GT(contacts, 4);
  // Parsed into a variable: a range-for over a member of a temporary would
  // read it after it is destroyed.
  const Json fy_json = Json::parse(fy.body);
  int shown = 0;
  for (const auto& c : fy_json["cells"])
    if (c["indicator"] == "CSC_CONTACTS" && c["age_band"] == "all" && c["breakdown"] == "") {
      EXPECT_EQ(c["value"], contacts);
      ++shown;
    }
  EXPECT_EQ(shown, 1);

  // Raw figures are refused unless allowed.
  Got refused = Get(server->port(), "/api/snapshot?board=E09000011&period=" + small_period + "&raw=1");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(Json::parse(refused.body)["error"].get<std::string>().find("raw"), std::string::npos);

  hub::HttpOptions allow;
  allow.allow_raw = true;
  auto analysts = Serve(allow);
  ASSERT_TRUE(analysts);
  Got raw = Get(analysts->port(), "/api/snapshot?board=E09000011&period=" + small_period + "&raw=1");
  ASSERT_EQ(raw.status, 200);
  auto expected_raw = sample_->Raw(testing::kSampleBoard, small_period);
  ASSERT_TRUE(expected_raw.ok());
  EXPECT_EQ(raw.body, client::SnapshotToJson(*expected_raw));
  EXPECT_FALSE(Json::parse(raw.body).contains("disclosure_rule"));
  // Without raw=1, the analysts' server suppresses too.
  Got not_raw = Get(analysts->port(), "/api/snapshot?board=E09000011&period=" + small_period);
  EXPECT_EQ(not_raw.body, g.body);
}

TEST_F(Http, BadRequestsAreNamed) {
  ASSERT_TRUE(sample_->ok());
  auto server = Serve();
  ASSERT_TRUE(server);
  for (const auto& [path, needle] : std::vector<std::pair<std::string, std::string>>{
           {"/api/snapshot?board=Gotham&period=FY2007-08", "unknown board 'Gotham'"},
           {"/api/snapshot?board=E09000011&period=2007-13", "not a period"},
           {"/api/snapshot?board=E09000011", "give board= and period="},
           {"/api/series?board=E09000011&indicator=NOPE", "unknown indicator 'NOPE'"},
           {"/api/series?board=E09000011&kind=week", "kind must be"},
           {"/api/series?board=E09000011&kind=month&from=1990-01&to=2020-01", "too many periods"},
           {"/api/series?board=E09000011&from=2008-01&to=2007-01", "before"},
       }) {
    Got g = Get(server->port(), path);
    EXPECT_EQ(g.status, 400) << path;
    EXPECT_NE(g.body.find(needle), std::string::npos) << path << ": " << g.body;
  }
  EXPECT_EQ(Get(server->port(), "/board/E99999999").status, 404);
  EXPECT_EQ(Get(server->port(), "/nothing-here").status, 404);
}

TEST_F(Http, SeriesGiveTheBoardAndLondonOverThePeriods) {
  ASSERT_TRUE(sample_->ok());
  auto server = Serve();
  ASSERT_TRUE(server);
  Got g = Get(server->port(),
              "/api/series?board=E09000011&indicator=CSC_CONTACTS&age_band=all&breakdown=&kind=quarter&from=2007-04&to=2008-03");
  ASSERT_EQ(g.status, 200) << g.body;
  Json j = Json::parse(g.body);
  EXPECT_EQ(j["board_name"], "Greenwich");
  EXPECT_EQ(j["periods"], Json({"2007-Q2", "2007-Q3", "2007-Q4", "2008-Q1"}));
  EXPECT_EQ(j["london_boards"], 33);
  ASSERT_EQ(j["series"].size(), 1u);
  const Json& s = j["series"][0];
  EXPECT_EQ(s["indicator"], "CSC_CONTACTS");
  ASSERT_EQ(s["points"].size(), 4u);
  ASSERT_EQ(s["london"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    std::string period = j["periods"][i];
    for (const auto& [board, key] : {std::pair<std::string, std::string>{"E09000011", "points"}, {"london", "london"}}) {
      lscb::v1::Snapshot published = Published(board, period);
      std::string expected = "0";
      std::vector<std::string> flags;
      for (const auto& c : published.cells())
        if (c.indicator() == "CSC_CONTACTS" && c.age_band() == "all" && c.breakdown().empty()) {
          expected = client::CellValue(c);
          flags.assign(c.flags().begin(), c.flags().end());
        }
      EXPECT_EQ(s[key][i]["display"], expected) << board << " " << period;
      EXPECT_EQ(s[key][i]["flags"], Json(flags)) << board << " " << period;
    }
  }
  // The return disagrees with the events in one quarter.
  EXPECT_EQ(s["points"][1]["flags"], Json({"reconcile"}));
  EXPECT_EQ(s["points"][1]["basis"], "both");

  // Monthly, all indicators.
  Got all = Get(server->port(), "/api/series?board=E09000011&kind=month&from=FY2007-08&to=FY2007-08");
  ASSERT_EQ(all.status, 200) << all.body;
  Json a = Json::parse(all.body);
  EXPECT_EQ(a["periods"].size(), 12u);
  EXPECT_EQ(a["series"].size(), 22u);

  Got boards = Get(server->port(), "/api/boards");
  ASSERT_EQ(boards.status, 200);
  Json b = Json::parse(boards.body);
  EXPECT_EQ(b["boards"].size(), 33u);
  EXPECT_NE(boards.body.find("\"name\":\"Greenwich\""), std::string::npos);
}

// ---------------------------------------------------------------- browser

// Runs `command`, returns its stdout; `status` gets the exit status.
std::string Run(const std::string& command, int& status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) {
    status = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

std::string Chromium(const std::string& user_dir, const std::string& action, const std::string& url,
                     const std::string& log, int& status) {
  return Run("timeout 90 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
             " --disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
                 user_dir + " --virtual-time-budget=5000 " + action + " '" + url + "' 2>>" + log,
             status);
}

// The part of the DOM from the section of `indicator` to the next section.
std::string Section(const std::string& dom, const std::string& indicator) {
  size_t at = dom.find("<section class=\"indicator\" id=\"ind-" + indicator + "\"");
  if (at == std::string::npos) return "";
  size_t end = dom.find("<section", at + 1);
  return dom.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// The text of the values-table cell for `period` and `who` ("board" or
// "london") in a section.
std::string TableValue(const std::string& section, const std::string& period, const std::string& who) {
  size_t at = section.find("<td data-period=\"" + period + "\" data-series=\"" + who + "\"");
  if (at == std::string::npos) return "(no cell)";
  size_t open = section.find('>', at);
  size_t close = section.find('<', open);
  return section.substr(open + 1, close - open - 1);
}

TEST_F(Http, TheDashboardDrawsChartsValuesSuppressionAndFlagsInChromium) {
  ASSERT_TRUE(sample_->ok());
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "/usr/bin/chromium is missing: the dashboard cannot be tested. Install it with scripts/setup.sh "
         "(apt-get install chromium).";
  auto server = Serve();
  ASSERT_TRUE(server);
  const std::vector<std::string> quarters = {"2007-Q2", "2007-Q3", "2007-Q4", "2008-Q1"};
  const std::string url = "http://127.0.0.1:" + std::to_string(server->port()) +
                          "/board/E09000011?kind=quarter&from=2007-04&to=2008-03";
  testing::TempDir profile;
  const std::string log = profile / "chromium.log";

  int status = 0;
  std::string dom = Chromium(profile / "dom-profile", "--dump-dom", url, log, status);
  ASSERT_EQ(status, 0) << "chromium failed; its log is " << log;
  ASSERT_NE(dom.find("data-state=\"ready\""), std::string::npos) << "the page did not finish:\n" << dom.substr(0, 4000);

  // One chart per published indicator, with the London line.
  size_t charts = 0;
  for (size_t at = dom.find("<svg class=\"chart\""); at != std::string::npos; at = dom.find("<svg class=\"chart\"", at + 1))
    ++charts;
  EXPECT_EQ(charts, 22u);
  EXPECT_NE(dom.find("class=\"line-board\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"line-london\""), std::string::npos);
  EXPECT_NE(dom.find("Disclosure control: counts 1-4 suppressed (c)"), std::string::npos);

  // The values drawn are the published ones, and at least one is "c".
  std::vector<lscb::v1::Snapshot> published;
  for (const auto& q : quarters) published.push_back(Published(testing::kSampleBoard, q));
  std::string suppressed_indicator, suppressed_quarter;
  int compared = 0;
  for (int i = 1; i <= hub::kIndicatorCount; ++i) {
    std::string ind(hub::IndicatorId(static_cast<hub::Indicator>(i)));
    std::string section = Section(dom, ind);
    ASSERT_FALSE(section.empty()) << ind << " has no section";
    EXPECT_NE(section.find("<svg class=\"chart\""), std::string::npos) << ind;
    for (size_t q = 0; q < quarters.size(); ++q) {
      const lscb::v1::Cell* cell = nullptr;
      for (const auto& c : published[q].cells())
        if (c.indicator() == ind && c.age_band() == "all" && c.breakdown().empty()) cell = &c;
      std::string expected = cell ? client::CellValue(*cell) : (hub::IsRate(static_cast<hub::Indicator>(i)) ? "n/a" : "0");
      EXPECT_EQ(TableValue(section, quarters[q], "board"), expected) << ind << " " << quarters[q];
      ++compared;
      if (cell && cell->suppressed() && suppressed_indicator.empty()) {
        suppressed_indicator = ind;
        suppressed_quarter = quarters[q];
      }
    }
  }
  EXPECT_EQ(compared, 22 * 4);
  ASSERT_FALSE(suppressed_indicator.empty()) << "no quarterly total of the sample is suppressed: the test tests nothing";
  std::string section = Section(dom, suppressed_indicator);
  EXPECT_NE(section.find("class=\"supp-marker\""), std::string::npos) << section;
  EXPECT_NE(section.find("data-period=\"" + suppressed_quarter + "\">c<title>"), std::string::npos)
      << suppressed_indicator << " " << suppressed_quarter << ":\n" << section;

  // A known value, independently of the table: Greenwich's contacts.
  std::string contacts = Section(dom, "CSC_CONTACTS");
  auto raw_q2 = sample_->Raw(testing::kSampleBoard, "2007-Q2");
  ASSERT_TRUE(raw_q2.ok());
  for (const auto& c : raw_q2->cells())
    if (c.indicator() == "CSC_CONTACTS" && c.age_band() == "all" && c.breakdown().empty()) {
      ASSERT_GT(c.count(), 4);
      EXPECT_NE(contacts.find("2007-Q2: " + std::to_string(c.count()) + "</title>"), std::string::npos) << contacts;
    }

  // The data-quality flag of the return that disagrees.
  EXPECT_NE(contacts.find("data-flag=\"reconcile\" data-period=\"2007-Q3\""), std::string::npos) << contacts;
  EXPECT_NE(contacts.find("class=\"flag-marker\""), std::string::npos);

  // A screenshot for people to look at.
  const std::string artefacts = LSCB_TEST_ARTEFACTS_DIR;
  std::filesystem::create_directories(artefacts);
  const std::string png = artefacts + "/dashboard-E09000011.png";
  std::filesystem::remove(png);
  Chromium(profile / "shot-profile", "--window-size=1280,2000 --screenshot=" + png, url, log, status);
  ASSERT_EQ(status, 0) << "chromium failed; its log is " << log;
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 20000u);
  std::printf("dashboard screenshot: %s\n", png.c_str());
}

TEST_F(Http, TheBoardListLinksEveryBoard) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "/usr/bin/chromium is missing. Install it with scripts/setup.sh (apt-get install chromium).";
  auto server = Serve();
  ASSERT_TRUE(server);
  testing::TempDir profile;
  int status = 0;
  std::string dom = Chromium(profile / "p", "--dump-dom", "http://127.0.0.1:" + std::to_string(server->port()) + "/",
                             profile / "chromium.log", status);
  ASSERT_EQ(status, 0);
  ASSERT_NE(dom.find("data-state=\"ready\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("href=\"/board/E09000011\""), std::string::npos);
  EXPECT_NE(dom.find(">Greenwich</a>"), std::string::npos);
  EXPECT_NE(dom.find("href=\"/board/london\""), std::string::npos);
}

}  // namespace
}  // namespace lscb
