// Operations on a hub's store outside serving: saving and loading the
// indicator view's checkpoint, upgrading an older store, rebuilding the view
// under new definitions.
#pragma once

#include <functional>
#include <memory>

#include "core/boards.h"
#include "core/status.h"
#include "hub/definitions.h"
#include "hub/indicator_view.h"
#include "store/store.h"

namespace lscb::hub {

// Saves `view` as the checkpoint reflecting the log up to `log_position`:
// the children's histories (most of a large view) apart from the rest, in
// the same write, so that a restart can answer queries before reading them.
Status SaveViewCheckpoint(store::Store& store, const IndicatorView& view, uint64_t log_position);

// Restores children's histories that LoadViewCheckpoint left for later: reads
// (from the store, or a copy made at load) and decodes them. Any thread;
// the store must outlive it.
using ChildrenLoader = std::function<Result<ChildHistories>()>;

// Loads the checkpoint into `view`; returns the log position it reflects, or
// 0 (and leaves `view` empty) when there is none, it is damaged, or it was
// computed with other definitions or an older format; an error when the
// store cannot be read. With `deferred` (set to null first), when the
// checkpoint is at the end of the log (nothing to replay), the children's
// histories are not restored: `deferred` is set to what restores them (then
// IndicatorView::AdoptChildren), and the view may not change until then.
// Damage to them is found only then (a Corruption from the loader; any
// other error is the store's).
Result<uint64_t> LoadViewCheckpoint(store::Store& store, IndicatorView& view, ChildrenLoader* deferred = nullptr);

// Brings a store written by an older schema up to store::kSchemaVersion in
// place (v1 -> v2: builds the linkage index from the event log; v2 -> v3:
// nothing to change, the number only keeps older builds away). Does
// nothing for a current store.
Status UpgradeStore(store::Store& store, const BoardRegistry& boards);

// Recomputes the indicator view from the whole event log under `definitions`
// and saves it as the checkpoint. The old checkpoint stays until the new one
// is complete. Returns the number of log entries applied.
// When retention has removed the start of the log, the figures those events
// produced cannot be recomputed: FailedPrecondition, unless `retained_only`,
// which recomputes from the events still held (and so loses the others).
// REQUIRES: no hub is serving this store.
Result<uint64_t> RebuildView(store::Store& store, std::shared_ptr<const BoardRegistry> boards,
                             std::shared_ptr<const Definitions> definitions, bool retained_only = false);

// Why the view cannot be recomputed from a log that retention shortened,
// for the operator.
std::string RetainedLogMessage(const store::Store& store);

// Retention: the first log position to keep when the events received before
// `cutoff_time` (Unix seconds) go, looking at positions up to `limit` only.
// Entries are in the order received, so this is the first one received at or
// after the cutoff; store.first_event_seq() when nothing is due.
Result<uint64_t> RetentionKeepFrom(store::Store& store, int64_t cutoff_time, uint64_t limit);

}  // namespace lscb::hub
