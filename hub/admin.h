// The operator's commands of lscb-hub besides serving: backup, restore,
// rebuild. Each prints what it did on `out` and problems on `err`, and
// returns the exit code (0 done, 1 failed, 2 bad usage).
#pragma once

#include <iosfwd>
#include <string>

#include "hub/hub.h"

namespace lscb::hub {

// A consistent copy of the store in `options.data_dir` written to `out_dir`.
// When a hub is serving that store, the copy is made by the hub (asked over
// `options.query_endpoint`) between two commits; otherwise directly.
int RunBackup(const HubOptions& options, const std::string& out_dir, std::ostream& out, std::ostream& err);

// Puts a backup in place as `options.data_dir`, which must not exist or be
// empty.
int RunRestore(const HubOptions& options, const std::string& backup_dir, std::ostream& out, std::ostream& err);

// Recomputes the indicator view of the stopped hub's store from its event
// log under `options.definitions`. When retention removed the start of the
// log this is refused (exit 1, saying why) unless `retained_only`, which
// recomputes from the events still held.
int RunRebuild(const HubOptions& options, std::ostream& out, std::ostream& err, bool retained_only = false);

}  // namespace lscb::hub
