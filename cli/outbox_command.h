// `lscb outbox status|flush|list-rejected`, and the outbox plumbing that
// `lscb import` and `lscb stream` share: where the outbox lives, opening it
// with a message for the operator, the summary line and progress output.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "client/sender.h"
#include "core/status.h"
#include "store/outbox.h"

#include "transport/transport.h"

namespace lscb::cli {

// $XDG_STATE_HOME/lscb/outbox, else $HOME/.local/state/lscb/outbox.
std::string DefaultOutboxDir();

// Opens the outbox in `dir` (the default when empty) for reading and
// writing, creating the default's parent folders. The message names the
// folder and, when another process holds it, says so.
Result<std::unique_ptr<store::Outbox>> OpenOutbox(const std::string& dir);

// Counts of the hub's answers, printed as the summary line.
struct Tally {
  size_t accepted = 0, duplicate = 0, amended = 0, merged = 0, rejected = 0;
  void Add(lscb::v1::Outcome outcome);
  size_t total() const { return accepted + duplicate + amended + merged + rejected; }
  // "accepted=N duplicate=N amended=N merged=N rejected=N", plus
  // " queued=N" when queued > 0.
  std::string Line(size_t queued = 0) const;
};

// Prints delivery progress on `err`: a bar with rate and ETA on a terminal,
// else a plain line every `interval` (and at the end of long runs); and,
// whenever the hub stops answering, that it is retrying and how many events
// wait.
class ProgressPrinter final {
 public:
  ProgressPrinter(std::ostream& err, std::string endpoint, bool show_progress, bool tty,
                  std::chrono::seconds interval = std::chrono::seconds(5));
  void operator()(const client::DeliveryProgress& p);

 private:
  std::ostream& err_;
  std::string endpoint_;
  bool show_, tty_;
  std::chrono::seconds interval_;
  std::chrono::steady_clock::time_point started_, last_line_;
  int last_retries_reported_ = 0;
};

struct OutboxCommandOptions {
  // "status", "flush" or "list-rejected".
  std::string action;
  // CURVE keys for a hub that requires them (flush; plaintext when not
  // enabled).
  transport::CurveClientKeys curve;
  // The outbox folder; DefaultOutboxDir() when empty.
  std::string outbox;
  // For flush:
  std::string ingest = "tcp://127.0.0.1:7401";
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds give_up_after{0};  // 0: keep trying
  bool progress = true;
};

// status: prints "waiting=N oldest_age_seconds=N rejected=N", then one line
//   per stream position. Reads without taking the lock, so it works while
//   an import or a stream runs.
// flush: delivers everything waiting and prints the summary line.
// list-rejected: one line per event the hub rejected: "LABEL: REASON".
// Returns the exit code: 0 done; 1 something was rejected (flush); 2 bad
// usage or an outbox that cannot be opened; 3 the hub could not be reached
// within give_up_after (flush; the summary then ends with queued=N).
int RunOutbox(const OutboxCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lscb::cli
