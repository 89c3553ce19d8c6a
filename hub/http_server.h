// The hub's HTTP side (library lscb_http): health, metrics, a JSON API and
// the Board's dashboard. Everything is served from memory; the pages fetch
// nothing from anywhere else (Content-Security-Policy: default-src 'self').
//
//   GET /healthz          200 {"status":"ok","log_position":N}
//   GET /metrics          Prometheus text (HttpSources::metrics)
//   GET /api/boards       {"boards":[{"ons","dfe","name","region"}...],"regions":[...]}
//   GET /api/snapshot?board=B&period=P[&raw=1]
//                         the snapshot as `lscb snapshot --format json` prints
//                         it, suppressed (HttpOptions::disclosure) unless raw=1
//   GET /api/series?board=B[&indicator=I][&age_band=all][&breakdown=]
//                   [&kind=quarter|month|fy][&from=P][&to=P][&raw=1]
//                         an indicator's values over the periods of `kind`
//                         that overlap [from, to] (any period strings; the
//                         default range is HttpOptions::from/to), with
//                         London's beside them; all published indicators
//                         when `indicator` is not given
//   GET /                 the dashboard: the list of boards
//   GET /board/<ONS>      the dashboard of one board (the same query
//                         parameters as /api/series)
//
// Errors are JSON {"error": "..."}: 400 for a bad parameter, unknown board
// or period, 403 for raw=1 when HttpOptions::allow_raw is off, 503 when the
// snapshot source is unavailable.
//
// Thread safety: requests are served on a small pool of threads, so the
// HttpSources callbacks are called concurrently and must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/boards.h"
#include "core/status.h"
#include "hub/disclosure.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

struct HttpOptions {
  // "host:port" to listen on; port 0 picks a free port (see port()). Keep
  // it on loopback unless a proxy in front authenticates the Board's users.
  std::string listen = "127.0.0.1:7480";
  // Serve unsuppressed figures when asked (raw=1). Off: raw=1 is refused
  // with 403.
  bool allow_raw = false;
  // The rule applied to everything published that is not raw.
  DisclosureRule disclosure;
  // The dashboard's and /api/series' default range of periods (period
  // strings; from's first day to to's last day). Empty: the eight quarters
  // up to today's.
  std::string from, to;
  // Most periods /api/series answers for (bounds the work of one request).
  int max_periods = 120;
  // Threads serving requests.
  int threads = 4;
};

// What the server reads; the hub provides these.
struct HttpSources {
  // Required. The RAW snapshot of a board ("london", an ONS code, a DfE
  // number or a name) for a period, as the query socket answers it (the
  // server applies disclosure control itself). InvalidArgument for an
  // unknown board or a bad period (400); any other error is 503.
  std::function<Result<lscb::v1::Snapshot>(const std::string& board, const std::string& period)> snapshot;
  // The body of /metrics (e.g. HubMetrics::Render). Null: /metrics is 404.
  std::function<std::string()> metrics;
  // The event log position the view reflects, for /healthz. Null: 0.
  std::function<uint64_t()> log_position;
  // The boards listed; the built-in table when null.
  std::shared_ptr<const BoardRegistry> boards;
};

class HttpServer {
 public:
  // Binds options.listen and starts serving. InvalidArgument for a bad
  // `listen` or missing `sources.snapshot`; Unavailable when the address
  // cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpOptions& options, HttpSources sources);
  // Stops serving and waits for the requests in progress.
  virtual ~HttpServer() = default;

  // The port bound (useful with port 0).
  virtual int port() const = 0;
};

}  // namespace lscb::hub
