// lscb: the agency and analyst command line.
//   lscb import   --format F --linkage-secret-file S [--ingest EP] [--outbox DIR] [--no-wait] FILE...
//   lscb stream   --format F --linkage-secret-file S [--ingest EP] [--outbox DIR] [--follow] FILE|-
//   lscb outbox   status|flush|list-rejected [--outbox DIR] [--ingest EP]
//   lscb snapshot --board CODE|london --period P [--query EP] [--format csv|json|table]
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>

#include "cli/import_command.h"
#include "cli/outbox_command.h"
#include "cli/stream_command.h"
#include "client/query_client.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

// SIGINT and SIGTERM ask a stream to stop (it then delivers what it can for
// a moment and says what still waits).
void CatchStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lscb: send agency feeds to the lscb hub and read the Board's indicators"};
  app.require_subcommand(1);

  lscb::cli::ImportOptions imp;
  int request_timeout_ms = 5000;
  int give_up_s = 0;
  bool no_progress = false;
  auto* import = app.add_subcommand("import", "validate, pseudonymise and send agency files to the hub");
  import->add_option("--format", imp.format, "feed format, e.g. csc-events")->required();
  import->add_option("--ingest", imp.ingest, "hub ingest endpoint")->capture_default_str();
  import->add_option("--linkage-secret-file", imp.linkage_secret_file,
                     "file holding the agencies' shared linkage secret (mode 600)")
      ->required();
  import->add_option("--on-error", imp.on_error, "reject-file (default) or skip-record");
  import->add_option("--request-timeout-ms", request_timeout_ms, "wait this long for an ack before re-sending");
  import->add_option("--give-up-after", give_up_s, "stop after this many seconds without progress (0: never)");
  import->add_flag("--no-progress", no_progress, "no progress output");
  import->add_option("--outbox", imp.outbox, "outbox folder (default $XDG_STATE_HOME/lscb/outbox)");
  bool no_wait = false;
  import->add_flag("--no-wait", no_wait, "return once the events are safely in the outbox");
  import->add_option("FILE", imp.files, "files to import")->required();

  lscb::cli::StreamOptions str;
  int poll_ms = 200, drain_ms = 5000;
  auto* stream = app.add_subcommand("stream", "send a growing feed row by row; resumes where it stopped");
  stream->add_option("--format", str.format, "feed format, e.g. csc-events")->required();
  stream->add_option("--ingest", str.ingest, "hub ingest endpoint")->capture_default_str();
  stream->add_option("--linkage-secret-file", str.linkage_secret_file,
                     "file holding the agencies' shared linkage secret (mode 600)")
      ->required();
  stream->add_option("--outbox", str.outbox, "outbox folder (default $XDG_STATE_HOME/lscb/outbox)");
  stream->add_flag("--follow", str.follow, "keep reading as the file grows, until SIGINT or SIGTERM");
  stream->add_option("--poll-ms", poll_ms, "look for new rows this often")->capture_default_str();
  stream->add_option("--request-timeout-ms", request_timeout_ms, "wait this long for an ack before re-sending");
  stream->add_option("--drain-timeout-ms", drain_ms, "once stopped, keep delivering this long")
      ->capture_default_str();
  stream->add_flag("--no-progress", no_progress, "no periodic progress lines");
  stream->add_option("FILE", str.file, "the feed, or - for standard input")->required();

  lscb::cli::OutboxCommandOptions box;
  auto* outbox = app.add_subcommand("outbox", "see and drain the local outbox");
  outbox->add_option("ACTION", box.action, "status, flush or list-rejected")
      ->required()
      ->check(CLI::IsMember({"status", "flush", "list-rejected"}));
  outbox->add_option("--outbox", box.outbox, "outbox folder (default $XDG_STATE_HOME/lscb/outbox)");
  outbox->add_option("--ingest", box.ingest, "hub ingest endpoint (flush)")->capture_default_str();
  outbox->add_option("--request-timeout-ms", request_timeout_ms, "wait this long for an ack before re-sending");
  outbox->add_option("--give-up-after", give_up_s, "stop after this many seconds without progress (0: never)");
  outbox->add_flag("--no-progress", no_progress, "no progress output");

  lscb::client::QueryOptions q;
  std::string board, period, format = "csv";
  auto* snapshot = app.add_subcommand("snapshot", "print the indicators of a board (or london) for a period");
  snapshot->add_option("--query", q.endpoint, "hub query endpoint")->capture_default_str();
  snapshot->add_option("--board", board, "ONS code, DfE number, name, or london")->required();
  snapshot->add_option("--period", period, "YYYY-MM, YYYY-Qn or FYyyyy-yy")->required();
  snapshot->add_option("--format", format, "csv, json or table")->check(CLI::IsMember({"csv", "json", "table"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*import) {
    imp.request_timeout = std::chrono::milliseconds(request_timeout_ms);
    imp.give_up_after = std::chrono::seconds(give_up_s);
    imp.progress = !no_progress;
    imp.wait = !no_wait;
    return lscb::cli::RunImport(imp, std::cout, std::cerr);
  }
  if (*stream) {
    str.request_timeout = std::chrono::milliseconds(request_timeout_ms);
    str.poll_interval = std::chrono::milliseconds(std::max(poll_ms, 1));
    str.drain_timeout = std::chrono::milliseconds(std::max(drain_ms, 0));
    str.progress = !no_progress;
    str.stop = &g_stop;
    CatchStopSignals();
    return lscb::cli::RunStream(str, std::cout, std::cerr);
  }
  if (*outbox) {
    box.request_timeout = std::chrono::milliseconds(request_timeout_ms);
    box.give_up_after = std::chrono::seconds(give_up_s);
    box.progress = !no_progress;
    return lscb::cli::RunOutbox(box, std::cout, std::cerr);
  }
  auto snap = lscb::client::FetchSnapshot(q, board, period);
  if (!snap.ok()) {
    std::cerr << "lscb snapshot: " << snap.status().message() << "\n";
    return snap.status().IsInvalidArgument() ? 2 : 1;
  }
  if (format == "json") std::cout << lscb::client::SnapshotToJson(*snap);
  else if (format == "table") std::cout << lscb::client::SnapshotToTable(*snap);
  else std::cout << lscb::client::SnapshotToCsv(*snap);
  return 0;
}
