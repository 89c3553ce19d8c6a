// Operations on a hub's store outside serving: saving and loading the
// indicator view's checkpoint, upgrading an older store, rebuilding the view
// under new definitions.
#pragma once

#include <memory>

#include "core/boards.h"
#include "core/status.h"
#include "hub/definitions.h"
#include "hub/indicator_view.h"
#include "store/store.h"

namespace lscb::hub {

// Saves `view` as the checkpoint reflecting the log up to `log_position`.
Status SaveViewCheckpoint(store::Store& store, const IndicatorView& view, uint64_t log_position);
// Loads the checkpoint into `view`; returns the log position it reflects, or
// 0 (and leaves `view` empty) when there is none or it was computed with
// other definitions or an older format.
Result<uint64_t> LoadViewCheckpoint(store::Store& store, IndicatorView& view);

// Brings a store written by an older schema up to store::kSchemaVersion in
// place (v1 -> v2: builds the linkage index from the event log). Does
// nothing for a current store.
Status UpgradeStore(store::Store& store, const BoardRegistry& boards);

// Recomputes the indicator view from the whole event log under `definitions`
// and saves it as the checkpoint. The old checkpoint stays until the new one
// is complete. Returns the number of log entries applied.
// REQUIRES: no hub is serving this store.
Result<uint64_t> RebuildView(store::Store& store, std::shared_ptr<const BoardRegistry> boards,
                             std::shared_ptr<const Definitions> definitions);

}  // namespace lscb::hub
