// `lscb audit`: what the hub's audit log records (docs/security.md).
//
//   lscb audit --data-dir DIR [--since T] [--principal P] [--format jsonl|text]
//
// Reads the hub's store directly, without taking its lock (a RocksDB
// secondary instance), so it works whether or not the hub is running; it
// sees what had been committed when it started. Run it as the user the hub
// runs as (the store is readable by that user only).
//
// T: Unix seconds, a date (YYYY-MM-DD, UK local midnight), a date and time
// (YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]), or an age such as 30m, 12h or 7d.
// One record per line, oldest first: JSON objects (jsonl, the default) or
// tab-separated text.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "core/status.h"

namespace lscb::cli {

struct AuditOptions {
  std::string data_dir;
  std::string since;      // empty: from the start
  std::string principal;  // empty: everyone
  std::string format = "jsonl";
};

// `text` as Unix seconds (see above); `now` for ages.
Result<int64_t> ParseSince(const std::string& text, int64_t now);

// Exit code: 0 done (also when nothing matched); 1 the store cannot be read;
// 2 bad usage.
int RunAudit(const AuditOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lscb::cli
