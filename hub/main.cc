// lscb-hub: the hub daemon.
#include <CLI/CLI.hpp>
#include <csignal>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#ifdef LSCB_WITH_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif

#include "hub/admin.h"
#include "hub/config.h"
#include "hub/disclosure.h"
#include "hub/http_server.h"
#include "hub/hub.h"
#include "hub/memory_reserve.h"
#include "hub/metrics.h"

int main(int argc, char** argv) {
#ifdef LSCB_WITH_TCMALLOC
  // While the saved view is restored, memory freed goes back to the system
  // at once, which keeps the peak of a big restart low (PERFORMANCE.md); once
  // the start is over (HubOptions::on_started) freed memory is kept for
  // reuse, which ingest needs to be fast.
  MallocExtension::instance()->SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1);
#endif
  // The memory the allocator grows by comes from one reserved range (address
  // space only), so that it can be populated ahead of use once the hub has
  // started (memory_reserve.h). Never freed: allocations live until exit.
  static auto* const reserve = new lscb::hub::MemoryReserve(size_t{16} << 30);
  static const bool from_reserve = lscb::hub::AllocateFrom(*reserve).ok();
  CLI::App app{"lscb-hub: receives agencies' events, keeps the Board's indicators"};
  std::string data_dir, ingest, feed, query, config_file, log_level, definitions;
  bool sync_writes = false;
  app.add_option("--data-dir", data_dir, "folder of the hub's store (created if missing)");
  app.add_option("--ingest", ingest, "ingest endpoint (default tcp://127.0.0.1:7401)");
  app.add_option("--feed", feed, "indicator feed endpoint (default tcp://127.0.0.1:7402)");
  app.add_option("--query", query, "query endpoint (default tcp://127.0.0.1:7403)");
  app.add_option("--config", config_file, "TOML configuration file; flags win over it");
  app.add_option("--log-level", log_level, "debug, info, warn or error");
  app.add_option("--definitions", definitions, "indicator definition set (TOML); the built-in v1 by default");
  app.add_flag("--sync-writes", sync_writes, "fsync each commit (survives power loss)");
  bool huge_pages = false;
  app.add_flag("--huge-pages", huge_pages,
               "transparent huge pages for the hub's memory: more events/s, slower slowest acks on some machines");
  std::string http;
  app.add_option("--http", http, "HTTP address for /healthz, /metrics, the API and the dashboard "
                                 "(default 127.0.0.1:7480; \"off\" for none)");
  app.require_subcommand(0, 1);
  app.fallthrough();
  std::string backup_out, restore_from;
  auto* backup = app.add_subcommand("backup", "write a consistent copy of the store (also while the hub runs)");
  backup->add_option("--out", backup_out, "a new folder for the copy")->required();
  auto* restore = app.add_subcommand("restore", "put a backup in place as the data folder");
  restore->add_option("--from", restore_from, "the backup folder")->required();
  auto* rebuild = app.add_subcommand(
      "rebuild", "recompute the indicator view from the event log under --definitions (hub stopped)");
  bool retained_only = false;
  rebuild->add_flag("--retained-only", retained_only,
                    "when retention removed old events: recompute from the events still held (their figures are "
                    "lost)");
  int64_t retention_days = -1;
  app.add_option("--retention-days", retention_days,
                 "remove events received more than this many days ago from the log (0: keep every event)")
      ->check(CLI::Range(int64_t{0}, int64_t{36500}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  auto logger = spdlog::stderr_color_mt("lscb-hub");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  lscb::hub::HubConfig config;
  if (!config_file.empty()) {
    lscb::Status s = lscb::hub::LoadConfigFile(config_file, config);
    if (!s.ok()) {
      spdlog::error("{}", s.message());
      return 2;
    }
  }
  auto& o = config.options;
  if (huge_pages) config.huge_pages = true;
  o.on_started = [ahead = config.memory_ahead_mib] {
#ifdef LSCB_WITH_TCMALLOC
    MallocExtension::instance()->SetNumericProperty("tcmalloc.aggressive_memory_decommit", 0);
#endif
    // Huge pages while the hub started (below), then only if chosen.
    if (from_reserve) reserve->StopHugePages();
    // Not while the saved view is restored: it would only raise that peak.
    if (ahead > 0 && from_reserve) {
      lscb::Status s = reserve->PopulateAhead(static_cast<size_t>(ahead) << 20);
      if (!s.ok()) spdlog::warn("memory is not populated ahead of use: {}", s.message());
    }
  };
  if (!data_dir.empty()) o.data_dir = data_dir;
  if (!ingest.empty()) o.ingest_endpoint = ingest;
  if (!feed.empty()) o.feed_endpoint = feed;
  if (!query.empty()) o.query_endpoint = query;
  if (sync_writes) o.sync_writes = true;
  if (retention_days >= 0) o.retention = std::chrono::seconds(retention_days * 86400);
  if (!definitions.empty()) {
    auto d = lscb::hub::LoadDefinitionsFile(definitions);
    if (!d.ok()) {
      spdlog::error("{}", d.status().message());
      return 2;
    }
    o.definitions = d.value();
  }
  if (!log_level.empty()) config.log_level = log_level;
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  // The start fills hundreds of megabytes at once (the saved view), and
  // where page faults are dear huge pages make it several times faster: 512
  // times fewer faults. Freed memory still goes back to the system at once
  // (above), though a huge page partly freed stays whole until the kernel
  // splits it: the peak grows by a few percent (PERFORMANCE.md). Ingest,
  // whose slowest acks a huge-page fault can hold back on some machines,
  // has them only if chosen (huge_pages). Rebuilds, backups and restores
  // keep them to the end.
  if (from_reserve && config.huge_pages) {
    lscb::Status s = reserve->UseHugePages();
    if (!s.ok()) spdlog::warn("no huge pages: {}", s.message());
  } else if (from_reserve) {
    lscb::Status s = reserve->UseHugePagesUntilStopped();
    if (!s.ok()) spdlog::debug("no huge pages while starting: {}", s.message());
  }
  if (*backup) return lscb::hub::RunBackup(o, backup_out, std::cout, std::cerr);
  if (*restore) return lscb::hub::RunRestore(o, restore_from, std::cout, std::cerr);
  if (*rebuild) return lscb::hub::RunRebuild(o, std::cout, std::cerr, retained_only);
  if (o.data_dir.empty()) {
    spdlog::error("no data folder: give --data-dir DIR or data_dir in the config file");
    return 2;
  }

  // Signals are taken by one thread with sigwait, so every other thread
  // (including the store's) is never interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Disclosure control on everything published to subscribers; counters for
  // /metrics.
  lscb::hub::DisclosureRule rule;
  rule.threshold = config.disclosure_threshold;
  if (!o.publish_filter)
    o.publish_filter = [rule](lscb::v1::Snapshot& snap) { lscb::hub::SuppressInPlace(snap, rule); };
  auto metrics = std::make_shared<lscb::hub::HubMetrics>();
  o.metrics = metrics;
  if (!http.empty()) config.http = http;

  auto hub = lscb::hub::Hub::Open(o);
  if (!hub.ok()) {
    spdlog::error("cannot start: {}", hub.status().message());
    return 1;
  }
  std::unique_ptr<lscb::hub::HttpServer> http_server;
  if (config.http != "off") {
    lscb::hub::HttpOptions ho;
    ho.listen = config.http;
    ho.allow_raw = config.http_allow_raw;
    ho.disclosure = rule;
    lscb::hub::HttpSources src;
    lscb::hub::Hub* h = hub->get();
    src.snapshot = [h](const std::string& b, const std::string& p) { return h->RawSnapshot(b, p); };
    src.metrics = [metrics] { return metrics->Render(); };
    src.log_position = [h] { return h->log_position(); };
    src.boards = o.boards;
    auto started = lscb::hub::HttpServer::Start(ho, std::move(src));
    if (!started.ok()) {
      spdlog::error("cannot start: {}", started.status().message());
      return 1;
    }
    http_server = std::move(started.value());
    spdlog::info("http: dashboard and API on http://{}/", config.http);
  }
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*hub)->Stop();
  });
  signal_thread.detach();
  lscb::Status s = (*hub)->Run();
  http_server.reset();  // before the hub it reads from
  hub->reset();
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  return 0;
}
