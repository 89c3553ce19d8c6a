#include "hub/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/query_client.h"
#include "core/calendar.h"
#include "hub/dashboard_data.h"
#include "hub/definitions.h"
#include "hub/indicator_text.h"

namespace lscb::hub {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr const char* kCsp = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'";

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n"; }

void SendJson(httplib::Response& res, int status, const Json& j) {
  res.status = status;
  res.set_content(Dump(j), kJson);
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, Json{{"error", message}});
}

// An error from the snapshot source: InvalidArgument is the caller's.
void SendStatus(httplib::Response& res, const Status& s) {
  SendError(res, s.IsInvalidArgument() ? 400 : 503, s.message());
}

std::string Param(const httplib::Request& req, const char* name, std::string fallback = "") {
  return req.has_param(name) ? req.get_param_value(name) : fallback;
}

// The next period of the same kind.
Period Next(Period p) {
  switch (p.kind) {
    case Period::Kind::kMonth:
      return p.index == 12 ? Period{p.kind, p.year + 1, 1} : Period{p.kind, p.year, p.index + 1};
    case Period::Kind::kQuarter:
      return p.index == 4 ? Period{p.kind, p.year + 1, 1} : Period{p.kind, p.year, p.index + 1};
    case Period::Kind::kFinancialYear:
      return Period{p.kind, p.year + 1, 1};
  }
  return p;
}

Period PeriodOf(Period::Kind kind, Date d) {
  switch (kind) {
    case Period::Kind::kMonth: return Period::MonthOf(d);
    case Period::Kind::kQuarter: return Period::QuarterOf(d);
    case Period::Kind::kFinancialYear: return Period::FinancialYearOf(d);
  }
  return Period::MonthOf(d);
}

// A cell of a snapshot as the API gives it.
Json Point(const std::string& period, const lscb::v1::Cell* c, bool is_rate) {
  Json p;
  p["period"] = period;
  if (!c) {  // not listed: 0 (a rate with nothing on either side: n/a)
    p["value"] = is_rate ? Json(nullptr) : Json(0);
    p["display"] = is_rate ? "n/a" : "0";
    p["suppressed"] = false;
    p["not_available"] = is_rate;
    p["basis"] = "";
    p["flags"] = Json::array();
    return p;
  }
  std::string display = client::CellValue(*c);
  if (c->suppressed() || c->not_available() || (c->is_rate() && c->denominator() == 0)) {
    p["value"] = nullptr;
  } else if (c->is_rate()) {
    int64_t tenths = (c->numerator() * 10000 / c->denominator() + 5) / 10;
    p["value"] = static_cast<double>(tenths) / 10.0;
  } else {
    p["value"] = c->count();
  }
  p["display"] = display;
  p["suppressed"] = c->suppressed();
  p["not_available"] = c->not_available() || (c->is_rate() && !c->suppressed() && c->denominator() == 0);
  p["basis"] = c->basis();
  p["flags"] = Json::array();
  for (const auto& f : c->flags()) p["flags"].push_back(f);
  return p;
}

const lscb::v1::Cell* FindCell(const lscb::v1::Snapshot& s, const std::string& indicator, const std::string& band,
                               const std::string& breakdown) {
  for (const auto& c : s.cells())
    if (c.indicator() == indicator && c.age_band() == band && c.breakdown() == breakdown) return &c;
  return nullptr;
}

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(const HttpOptions& options, HttpSources sources)
      : options_(options), sources_(std::move(sources)) {
    if (!sources_.boards) sources_.boards = BoardRegistry::Default();
  }

  ~HttpServerImpl() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const override { return port_; }

  Status Listen(const std::string& host, int port) {
    Routes();
    const int threads = std::max(1, options_.threads);
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    server_.set_keep_alive_timeout(2);
    server_.set_read_timeout(5);
    server_.set_write_timeout(5);
    server_.set_payload_max_length(64 * 1024);
    if (port == 0) {
      port_ = server_.bind_to_any_port(host);
      if (port_ <= 0) return Status::Unavailable("cannot listen on " + host + ":0 for HTTP");
    } else {
      if (!server_.bind_to_port(host, port))
        return Status::Unavailable("cannot listen on " + options_.listen + " for HTTP (address in use?)");
      port_ = port;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it, so that the
    // destructor always ends it.
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!server_.is_running()) return Status::Internal("the HTTP server did not start");
    return Status::Ok();
  }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // No exception leaves a handler.
  static httplib::Server::Handler Guard(Handler h) {
    return [h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Cache-Control", "no-store");
      try {
        h(req, res);
      } catch (const std::exception& e) {
        SendError(res, 500, std::string("internal error: ") + e.what());
      } catch (...) {
        SendError(res, 500, "internal error");
      }
    };
  }

  void Routes() {
    server_.Get("/healthz", Guard([this](const auto& req, auto& res) { Healthz(res); }));
    server_.Get("/metrics", Guard([this](const auto& req, auto& res) { Metrics(res); }));
    server_.Get("/api/boards", Guard([this](const auto& req, auto& res) { Boards(res); }));
    server_.Get("/api/snapshot", Guard([this](const auto& req, auto& res) { SnapshotApi(req, res); }));
    server_.Get("/api/series", Guard([this](const auto& req, auto& res) { Series(req, res); }));
    server_.Get("/", Guard([](const auto& req, auto& res) { Page(res, kDashboardHtml, "text/html; charset=utf-8"); }));
    server_.Get(R"(/board/([^/]+))", Guard([this](const auto& req, auto& res) {
                  std::string code = req.matches[1];
                  if (!sources_.boards->FindRegion(code) && !sources_.boards->Find(code)) {
                    res.status = 404;
                    res.set_content("unknown board '" + code + "'\n", "text/plain; charset=utf-8");
                    return;
                  }
                  Page(res, kDashboardHtml, "text/html; charset=utf-8");
                }));
    server_.Get("/dashboard.js",
                Guard([](const auto& req, auto& res) { Page(res, kDashboardJs, "text/javascript; charset=utf-8"); }));
    server_.Get("/dashboard.css",
                Guard([](const auto& req, auto& res) { Page(res, kDashboardCss, "text/css; charset=utf-8"); }));
  }

  static void Page(httplib::Response& res, std::string_view body, const char* type) {
    res.set_header("Content-Security-Policy", kCsp);
    res.set_content(std::string(body), type);
  }

  void Healthz(httplib::Response& res) const {
    uint64_t position = sources_.log_position ? sources_.log_position() : 0;
    SendJson(res, 200, Json{{"status", "ok"}, {"log_position", position}});
  }

  void Metrics(httplib::Response& res) const {
    if (!sources_.metrics) {
      SendError(res, 404, "no metrics here");
      return;
    }
    res.set_content(sources_.metrics(), "text/plain; version=0.0.4; charset=utf-8");
  }

  void Boards(httplib::Response& res) const {
    Json boards = Json::array();
    for (const Board& b : sources_.boards->all())
      boards.push_back(Json{{"ons", b.ons_code}, {"dfe", b.dfe_number}, {"name", b.name}, {"region", b.region}});
    Json regions = Json::array();
    regions.push_back(Json{{"code", std::string(kLondonRegion)}, {"name", "London"}, {"query", "london"}});
    SendJson(res, 200, Json{{"boards", boards}, {"regions", regions}});
  }

  // raw=1 asked for and allowed? Sends 403 when asked for and not allowed.
  bool RawAllowed(const httplib::Request& req, httplib::Response& res, bool& raw) const {
    std::string r = Param(req, "raw", "0");
    raw = r == "1" || r == "true";
    if (raw && !options_.allow_raw) {
      SendError(res, 403, "raw figures are not served here (suppressed figures only)");
      return false;
    }
    return true;
  }

  Result<lscb::v1::Snapshot> Fetch(const std::string& board, const std::string& period, bool raw) const {
    auto s = sources_.snapshot(board, period);
    if (!s.ok()) return s.status();
    if (raw) {
      s->clear_disclosure_rule();
      return s;
    }
    return Suppress(*s, options_.disclosure);
  }

  void SnapshotApi(const httplib::Request& req, httplib::Response& res) const {
    bool raw = false;
    if (!RawAllowed(req, res, raw)) return;
    std::string board = Param(req, "board"), period = Param(req, "period");
    if (board.empty() || period.empty()) return SendError(res, 400, "give board= and period=");
    auto s = Fetch(board, period, raw);
    if (!s.ok()) return SendStatus(res, s.status());
    std::string body = client::SnapshotToJson(*s);
    res.set_content(body, kJson);
  }

  void Series(const httplib::Request& req, httplib::Response& res) const {
    bool raw = false;
    if (!RawAllowed(req, res, raw)) return;
    const std::string board = Param(req, "board");
    if (board.empty()) return SendError(res, 400, "give board=");
    std::string board_name;
    if (sources_.boards->FindRegion(board)) {
      board_name = "London";
    } else if (const Board* b = sources_.boards->Find(board)) {
      board_name = b->name;
    } else {
      return SendError(res, 400, "unknown board '" + board + "'");
    }

    std::vector<std::string> indicators;
    if (std::string ind = Param(req, "indicator"); !ind.empty()) {
      if (!ParseIndicator(ind)) return SendError(res, 400, "unknown indicator '" + ind + "'");
      indicators.push_back(ind);
    } else {
      for (int i = 1; i <= kIndicatorCount; ++i) indicators.emplace_back(IndicatorId(static_cast<Indicator>(i)));
    }
    const std::string band = Param(req, "age_band", "all");
    if (band != "all" && !ParseAgeBand(band)) return SendError(res, 400, "unknown age band '" + band + "'");
    const std::string breakdown = Param(req, "breakdown");
    if (!breakdown.empty() && !LabelIdOf(breakdown))
      return SendError(res, 400, "unknown breakdown '" + breakdown + "'");

    const std::string kind_text = Param(req, "kind", "quarter");
    Period::Kind kind;
    if (kind_text == "month") kind = Period::Kind::kMonth;
    else if (kind_text == "quarter") kind = Period::Kind::kQuarter;
    else if (kind_text == "fy") kind = Period::Kind::kFinancialYear;
    else return SendError(res, 400, "kind must be month, quarter or fy");

    auto [default_from, default_to] = DefaultRange();
    std::string from_text = Param(req, "from", default_from), to_text = Param(req, "to", default_to);
    auto from = ParsePeriod(from_text);
    if (!from.ok()) return SendError(res, 400, "from: " + from.status().message());
    auto to = ParsePeriod(to_text);
    if (!to.ok()) return SendError(res, 400, "to: " + to.status().message());
    if (to->Last() < from->First()) return SendError(res, 400, "'to' is before 'from'");

    std::vector<Period> periods;
    for (Period p = PeriodOf(kind, from->First()); p.First() <= to->Last(); p = Next(p)) {
      if (static_cast<int>(periods.size()) >= options_.max_periods)
        return SendError(res, 400, "too many periods (at most " + std::to_string(options_.max_periods) + ")");
      periods.push_back(p);
    }

    const bool is_london = board_name == "London";
    std::vector<lscb::v1::Snapshot> mine, london;
    std::string rule, definitions;
    for (const Period& p : periods) {
      auto s = Fetch(board, p.ToString(), raw);
      if (!s.ok()) return SendStatus(res, s.status());
      rule = s->disclosure_rule();
      definitions = s->definitions_version();
      if (!is_london) {
        auto l = Fetch("london", p.ToString(), raw);
        if (!l.ok()) return SendStatus(res, l.status());
        london.push_back(std::move(*l));
      }
      mine.push_back(std::move(*s));
    }

    Json j;
    j["board"] = mine.empty() ? board : mine.front().board();
    j["board_name"] = board_name;
    j["kind"] = kind_text;
    j["from"] = from_text;
    j["to"] = to_text;
    j["age_band"] = band;
    j["breakdown"] = breakdown;
    j["raw"] = raw;
    j["disclosure_rule"] = rule;
    j["definitions"] = definitions;
    int london_boards = 0;
    for (const Board& b : sources_.boards->all()) london_boards += b.region == kLondonRegion;
    j["london_boards"] = london_boards;
    j["periods"] = Json::array();
    for (const Period& p : periods) j["periods"].push_back(p.ToString());
    j["series"] = Json::array();
    for (const std::string& ind : indicators) {
      const bool is_rate = IsRate(*ParseIndicator(ind));
      Json s;
      s["indicator"] = ind;
      const IndicatorText* text = FindIndicatorText(ind);
      s["value"] = text ? std::string(text->value) : "";
      s["is_rate"] = is_rate;
      s["points"] = Json::array();
      for (size_t i = 0; i < periods.size(); ++i)
        s["points"].push_back(Point(periods[i].ToString(), FindCell(mine[i], ind, band, breakdown), is_rate));
      if (!is_london) {
        s["london"] = Json::array();
        for (size_t i = 0; i < periods.size(); ++i)
          s["london"].push_back(Point(periods[i].ToString(), FindCell(london[i], ind, band, breakdown), is_rate));
      }
      j["series"].push_back(std::move(s));
    }
    SendJson(res, 200, j);
  }

  std::pair<std::string, std::string> DefaultRange() const {
    if (!options_.from.empty() && !options_.to.empty()) return {options_.from, options_.to};
    Date today = UkLocalDate(static_cast<int64_t>(std::time(nullptr)));
    Period to = Period::QuarterOf(today);
    Period from = to;
    for (int i = 0; i < 7; ++i) from = from.index == 1 ? Period{from.kind, from.year - 1, 4} : Period{from.kind, from.year, from.index - 1};
    return {from.ToString(), to.ToString()};
  }

  HttpOptions options_;
  HttpSources sources_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& options, HttpSources sources) {
  if (!sources.snapshot) return Status::InvalidArgument("HttpSources::snapshot is required");
  const std::string& listen = options.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::InvalidArgument("http listen address '" + listen + "' is not host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  std::string_view p = std::string_view(listen).substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || port < 0 || port > 65535)
    return Status::InvalidArgument("http listen address '" + listen + "': the port must be 0 to 65535");
  auto server = std::make_unique<HttpServerImpl>(options, std::move(sources));
  if (Status s = server->Listen(host, port); !s.ok()) return s;
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace lscb::hub
