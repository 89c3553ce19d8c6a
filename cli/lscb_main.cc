// lscb: the agency and analyst command line.
//   lscb import   --format F --linkage-secret-file S [--ingest EP] [--outbox DIR] [--no-wait] FILE...
//   lscb stream   --format F --linkage-secret-file S [--ingest EP] [--outbox DIR] [--follow] FILE|-
//   lscb outbox   status|flush|list-rejected [--outbox DIR] [--ingest EP]
//   lscb snapshot --board CODE|london --period P [--query EP] [--format csv|json|table] [--raw]
//   lscb subscribe --board CODE|london [--feed EP] [--query EP]
//   lscb report   --board CODE --period FYyyyy-yy --out FILE.xlsx [--query EP] [--raw]
//   lscb keygen   --name NAME --out DIR
//   lscb audit    --data-dir DIR [--since T] [--principal P]
// Commands that talk to a hub using CURVE take --key-file (this principal's
// secret key, mode 600) and --hub-key-file (the hub's public key).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>

#include "cli/audit_command.h"
#include "cli/import_command.h"
#include "cli/keygen_command.h"
#include "cli/outbox_command.h"
#include "cli/stream_command.h"
#include "client/query_client.h"
#include "client/subscriber.h"
#include "report/report_command.h"

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
  // Delivery, for every command that sends to the hub: where to, the outbox
  // and how long to wait (`give_up`: whether it may stop without progress).
  auto delivery_flags = [&](CLI::App* cmd, std::string& ingest, std::string& outbox_dir, bool give_up) {
    cmd->add_option("--ingest", ingest, "hub ingest endpoint")->capture_default_str();
    cmd->add_option("--outbox", outbox_dir, "outbox folder (default $XDG_STATE_HOME/lscb/outbox)");
    cmd->add_option("--request-timeout-ms", request_timeout_ms, "wait this long for an ack before re-sending");
    if (give_up)
      cmd->add_option("--give-up-after", give_up_s, "stop after this many seconds without progress (0: never)");
  };
  auto* import = app.add_subcommand("import", "validate, pseudonymise and send agency files to the hub");
  import->add_option("--format", imp.format, "feed format, e.g. csc-events")->required();
  delivery_flags(import, imp.ingest, imp.outbox, true);
  import->add_option("--linkage-secret-file", imp.linkage_secret_file,
                     "file holding the agencies' shared linkage secret (mode 600)")
      ->required();
  import->add_option("--on-error", imp.on_error, "reject-file (default) or skip-record");
  import->add_flag("--no-progress", no_progress, "no progress output");
  bool no_wait = false;
  import->add_flag("--no-wait", no_wait, "return once the events are safely in the outbox");
  import->add_option("FILE", imp.files, "files to import")->required();

  lscb::cli::StreamOptions str;
  int poll_ms = 200, drain_ms = 5000;
  auto* stream = app.add_subcommand("stream", "send a growing feed row by row; resumes where it stopped");
  stream->add_option("--format", str.format, "feed format, e.g. csc-events")->required();
  delivery_flags(stream, str.ingest, str.outbox, false);
  stream->add_option("--linkage-secret-file", str.linkage_secret_file,
                     "file holding the agencies' shared linkage secret (mode 600)")
      ->required();
  stream->add_flag("--follow", str.follow, "keep reading as the file grows, until SIGINT or SIGTERM");
  stream->add_option("--poll-ms", poll_ms, "look for new rows this often")->capture_default_str();
  stream->add_option("--drain-timeout-ms", drain_ms, "once stopped, keep delivering this long")
      ->capture_default_str();
  stream->add_flag("--no-progress", no_progress, "no periodic progress lines");
  stream->add_option("FILE", str.file, "the feed, or - for standard input")->required();

  lscb::cli::OutboxCommandOptions box;
  auto* outbox = app.add_subcommand("outbox", "see and drain the local outbox");
  outbox->add_option("ACTION", box.action, "status, flush or list-rejected")
      ->required()
      ->check(CLI::IsMember({"status", "flush", "list-rejected"}));
  delivery_flags(outbox, box.ingest, box.outbox, true);
  outbox->add_flag("--no-progress", no_progress, "no progress output");

  // CURVE keys, for every command that talks to a hub.
  std::string key_file, hub_key_file;
  auto curve_flags = [&](CLI::App* cmd) {
    cmd->add_option("--key-file", key_file, "this principal's CURVE secret key file (from lscb keygen; mode 600)");
    cmd->add_option("--hub-key-file", hub_key_file, "the hub's CURVE public key file");
  };
  curve_flags(import);
  curve_flags(stream);
  curve_flags(outbox);

  lscb::client::QueryOptions q;
  std::string board, period, format = "csv";
  auto* snapshot = app.add_subcommand("snapshot", "print the indicators of a board (or london) for a period");
  snapshot->add_option("--query", q.endpoint, "hub query endpoint")->capture_default_str();
  snapshot->add_option("--board", board, "ONS code, DfE number, name, or london")->required();
  snapshot->add_option("--period", period, "YYYY-MM, YYYY-Qn or FYyyyy-yy")->required();
  snapshot->add_option("--format", format, "csv, json or table")->check(CLI::IsMember({"csv", "json", "table"}));
  snapshot->add_flag("--raw", q.raw, "unsuppressed figures (principals with the raw right only)");
  curve_flags(snapshot);

  lscb::client::SubscriberOptions sub;
  auto* subscribe = app.add_subcommand("subscribe", "follow a board's (or london's) live indicators, one JSON line each");
  subscribe->add_option("--board", sub.board, "ONS code, DfE number, name, or london")->required();
  subscribe->add_option("--feed", sub.feed, "hub feed endpoint")->capture_default_str();
  subscribe->add_option("--query", sub.query, "hub query endpoint")->capture_default_str();
  int max_updates = 0;
  subscribe->add_option("--count", max_updates, "stop after this many updates (0: run until stopped)");
  curve_flags(subscribe);

  lscb::report::ReportOptions rep;
  auto* report = app.add_subcommand("report", "write a board's financial year as an Excel workbook");
  report->add_option("--board", rep.board, "ONS code, DfE number, name, or london")->required();
  report->add_option("--period", rep.period, "a financial year, e.g. FY2007-08")->required();
  report->add_option("--out", rep.out, "the .xlsx file to write")->required();
  report->add_option("--query", rep.query.endpoint, "hub query endpoint")->capture_default_str();
  report->add_flag("--raw", rep.raw, "unsuppressed figures (the Board's analysts only)");
  curve_flags(report);

  lscb::cli::KeygenOptions kg;
  auto* keygen = app.add_subcommand("keygen", "write a CURVE keypair: NAME.key (secret, mode 600) and NAME.pub");
  keygen->add_option("--name", kg.name, "the principal's name")->required();
  keygen->add_option("--out", kg.out_dir, "folder for the two files")->required();

  lscb::cli::AuditOptions au;
  auto* audit = app.add_subcommand("audit", "read the hub's audit log");
  audit->add_option("--data-dir", au.data_dir, "the hub's data folder")->required();
  audit->add_option("--since", au.since, "from this time (YYYY-MM-DD[THH:MM], or an age like 24h, 7d)");
  audit->add_option("--principal", au.principal, "only this principal");
  audit->add_option("--format", au.format, "jsonl or text")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*keygen) return lscb::cli::RunKeygen(kg, std::cout, std::cerr);
  if (*audit) return lscb::cli::RunAudit(au, std::cout, std::cerr);
  auto keys = lscb::cli::LoadCurveClientKeys(key_file, hub_key_file);
  if (!keys.ok()) {
    std::cerr << "lscb: " << keys.status().message() << "\n";
    return 2;
  }
  imp.curve = str.curve = box.curve = q.curve = sub.curve = rep.query.curve = *keys;
  if (*report) return lscb::report::RunReport(rep, std::cout, std::cerr);
  if (*subscribe) {
    CatchStopSignals();
    auto s = lscb::client::FeedSubscriber::Connect(sub);
    if (!s.ok()) {
      std::cerr << "lscb subscribe: " << s.status().message() << "\n";
      return s.status().IsInvalidArgument() ? 2 : 1;
    }
    // The state first, as one line, then each update as it comes.
    lscb::v1::FeedUpdate state;
    state.set_board((*s)->topic());
    state.set_sequence((*s)->sequence());
    for (const auto& [p, snap] : (*s)->state()) *state.add_snapshots() = snap;
    std::cout << lscb::client::UpdateToJsonLine(state) << std::flush;
    int n = 0;
    while (!g_stop.load() && (max_updates == 0 || n < max_updates)) {
      auto u = (*s)->Next(std::chrono::milliseconds(500));
      if (!u.ok()) {
        std::cerr << "lscb subscribe: " << u.status().message() << "\n";
        return 1;
      }
      if (!u->has_value()) continue;
      std::cout << lscb::client::UpdateToJsonLine(**u) << std::flush;
      ++n;
    }
    return 0;
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
