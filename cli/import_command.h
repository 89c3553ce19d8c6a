// `lscb import`: validate agency files, pseudonymise, queue in the outbox,
// deliver, summarise.
//
// Every file is validated before anything is queued. The events are then
// written to the outbox (one fsynced batch per few thousand events) and
// delivered from it; an event leaves the outbox only once the hub has
// acknowledged it. Events already waiting in the outbox (from an earlier
// --no-wait import, a killed import or a stream) are delivered first; they
// are summarised on the error stream, not in the summary line.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "transport/transport.h"

namespace lscb::cli {

struct ImportOptions {
  std::string format;
  std::string ingest = "tcp://127.0.0.1:7401";
  std::string linkage_secret_file;
  // CURVE keys for a hub that requires them (plaintext when not enabled).
  transport::CurveClientKeys curve;
  std::vector<std::string> files;
  // "reject-file": nothing from a file with errors is sent.
  // "skip-record": good records are sent; bad ones are listed in FILE.rejects.
  std::string on_error = "reject-file";
  // The outbox folder; DefaultOutboxDir() (outbox_command.h) when empty.
  std::string outbox;
  // false (--no-wait): return once the events are safely in the outbox;
  // `lscb outbox flush` (or the next import or stream) delivers them.
  bool wait = true;
  std::chrono::milliseconds request_timeout{5000};
  // Stop after this long without an ack (exit 3; the events stay queued);
  // 0: keep trying.
  std::chrono::milliseconds give_up_after{0};
  bool progress = true;
};

// Runs the import and prints the summary line on `out`
// ("accepted=N duplicate=N amended=N merged=N rejected=N", plus " queued=N"
// when some of this import's events wait in the outbox), problems and
// progress on `err`. Returns the exit code: 0 all delivered (or, with
// --no-wait, queued); 1 something rejected (by validation or by the hub);
// 2 bad usage, an unreadable file or an outbox that cannot be opened (e.g.
// in use by another process); 3 the hub could not be reached in time.
int RunImport(const ImportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lscb::cli
