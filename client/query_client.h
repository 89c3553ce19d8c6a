// Asking the hub for snapshots, and printing them.
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"
#include "lscb/v1/wire.pb.h"
#include "transport/transport.h"

namespace lscb::client {

struct QueryOptions {
  std::string endpoint = "tcp://127.0.0.1:7403";
  std::chrono::milliseconds timeout{3000};  // per attempt
  int attempts = 3;                         // Lazy Pirate: fresh socket each time
  // CURVE keys (this principal's pair and the hub's public key); plaintext
  // when not enabled.
  transport::CurveClientKeys curve;
  // Ask for unsuppressed figures (only principals with the raw right get
  // them; others get InvalidArgument "not authorised: ...").
  bool raw = false;
};

// Asks for the snapshot of `board` ("london", an ONS code, a DfE number or a
// name) for `period`. An error the hub gives (unknown board, bad period) is
// InvalidArgument; no answer is Unavailable.
Result<lscb::v1::Snapshot> FetchSnapshot(const QueryOptions& options, const std::string& board,
                                         const std::string& period);

// The cell's value as printed: a count, a percentage to one decimal place,
// or "n/a" when the denominator is 0 or a return said "not collected".
std::string CellValue(const lscb::v1::Cell& cell);

// CSV with the header
// board,period,indicator,age_band,breakdown,value,basis,flags,definitions
// (flags separated by ';').
std::string SnapshotToCsv(const lscb::v1::Snapshot& s);
std::string SnapshotToJson(const lscb::v1::Snapshot& s);
// A readable table for a terminal.
std::string SnapshotToTable(const lscb::v1::Snapshot& s);

}  // namespace lscb::client
