// lscb: the agency and analyst command line.
//   lscb import   --format F --linkage-secret-file S [--ingest EP] FILE...
//   lscb snapshot --board CODE|london --period P [--query EP] [--format csv|json|table]
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/import_command.h"
#include "client/query_client.h"

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
  import->add_option("FILE", imp.files, "files to import")->required();

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
    return lscb::cli::RunImport(imp, std::cout, std::cerr);
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
