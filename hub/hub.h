// The hub daemon: binds the ingest, feed and query sockets, opens the
// store, restores the indicator view and serves until Stop().
//
// Threads: Run() is the receiver (it owns the ingest socket: reads batches
// into a bounded queue and sends acks); a writer thread takes groups from the
// queue, decides and commits them, hands the acks to the receiver and the
// group's changes to the view's thread, and saves checkpoints; the view's
// thread applies them to the indicator view, in order; a query thread owns
// the query socket and answers only once the view reflects every group
// committed before the query (as do RawSnapshot and log_position); the feed
// thread, at a lower priority, publishes the topics someone subscribed to.
// Stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/boards.h"
#include "core/clock.h"
#include "core/status.h"
#include "hub/definitions.h"
#include "hub/metrics.h"
#include "hub/principals.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

struct HubOptions {
  // The RocksDB store lives here; created if missing.
  std::string data_dir;
  // Where agencies' adapters send events (ROUTER).
  std::string ingest_endpoint = "tcp://127.0.0.1:7401";
  // Where the live indicator feed is published (XPUB).
  std::string feed_endpoint = "tcp://127.0.0.1:7402";
  // Where snapshots are asked for (ROUTER).
  std::string query_endpoint = "tcp://127.0.0.1:7403";
  // Most events committed in one group (one WriteBatch). Larger groups give
  // more throughput and longer waits for the first ack of the group.
  size_t max_group_events = 8192;
  // Most events received and waiting for the store. When the queue is full
  // the hub stops reading, the senders' queues fill and their sends wait:
  // senders are slowed, nothing is dropped.
  size_t max_queued_events = 65536;
  // Queued messages per peer; must exceed any sender's in-flight window.
  int high_water_mark = 100000;
  // Largest message accepted on the ingest socket, in bytes.
  int64_t max_message_bytes = 16 << 20;
  // Largest event (one encoded Envelope) accepted; a larger one is REJECTED
  // with "event too large". (A frame over max_message_bytes never reaches
  // the hub: the transport closes the sender's connection.)
  size_t max_event_bytes = 1 << 20;
  // fsync every group commit (survives power loss, not just a crash).
  bool sync_writes = false;
  // Save the indicator view after this many new log entries, or this long
  // after the last save if anything changed.
  uint64_t checkpoint_every_events = 200000;
  std::chrono::seconds checkpoint_interval{60};
  // Retention: log entries received longer ago than this are removed from
  // the event log (checked at start and every retention_check_interval).
  // The figures they produced stay in the indicator view; their record ids
  // and content hashes stay too, so a late re-send is still a DUPLICATE,
  // while an amendment of such a record is REJECTED. Zero keeps every event.
  std::chrono::seconds retention{0};
  std::chrono::seconds retention_check_interval{3600};
  // The live feed publishes a board's changed snapshots at most this often,
  // and a heartbeat this long after the last message when nothing changed.
  std::chrono::milliseconds feed_min_interval{1000};
  // Disclosure control for everything published to subscribers, applied
  // in place; none when null. The snapshot may live on an arena: the filter
  // keeps no pointer into it after the call.
  std::function<void(lscb::v1::Snapshot&)> publish_filter;
  // Whether `lscb snapshot --raw` (unsuppressed figures) is answered.
  bool allow_raw_queries = true;
  // CURVE on every socket (docs/security.md): the hub's secret key, Z85
  // (read from a file with transport::ReadCurveSecretKeyFile; never
  // logged). Every peer is then authenticated by the hub's ZAP handler
  // against `access`, and each event, query and feed subscription is
  // authorised for its principal; raw figures need allow_raw_queries and
  // the principal's raw right. Empty: plaintext, every peer is "anonymous"
  // with every right, and the hub warns at start.
  std::string curve_secret_key;
  // The principals; required with curve_secret_key, refused without it.
  std::shared_ptr<const AccessPolicy> access;
  // Counters and histograms for /metrics; nothing is counted when null.
  std::shared_ptr<HubMetrics> metrics;
  // Fault injection for tests: called before each store commit; a non-OK
  // status fails the commit (see store::Options::before_commit).
  std::function<Status()> before_commit;
  // Fault injection for tests: called before each checkpoint is read (see
  // store::Options::before_read_checkpoint).
  std::function<Status(std::string_view name)> before_read_checkpoint;
  // For tests: called by the view's thread before it applies committed
  // groups (acks do not wait for it; queries do). While it is set, the
  // receiver leaves every group to the view's thread.
  std::function<void()> before_view_update;
  // For tests: called by the receiving thread before it applies a few
  // events' groups to the view itself, after their acks (queries wait).
  std::function<void()> before_receiver_applies;
  // Called once, on the writer's thread, when the start is over: the
  // children's histories are back in the view (or there were none to
  // restore), before the first event is decided.
  std::function<void()> on_started;
  // Time source; the system clock when null.
  const Clock* clock = nullptr;
  // Boards known to the hub; the built-in London table when null.
  std::shared_ptr<const BoardRegistry> boards;
  // The indicator definition set; the built-in v1 when null. When it differs
  // from the one the saved view was computed with, the view is rebuilt from
  // the event log at start.
  std::shared_ptr<const Definitions> definitions;
};

// Counters for operators (and /metrics).
struct HubStats {
  uint64_t queue_depth = 0;          // events waiting for the store now
  uint64_t queue_full_waits = 0;     // times the queue filled and reading paused
  uint64_t queue_full_micros = 0;    // total time reading was paused
  uint64_t groups_committed = 0;
  uint64_t events_committed = 0;     // events decided in committed groups
  uint64_t commit_micros_total = 0;  // time spent deciding and committing groups
  // Groups committed on the committing thread while the writer decided the
  // next (under load; an idle writer commits its group itself).
  uint64_t groups_overlapped = 0;
  // Groups decided and committed by the receiving thread itself: a few
  // events arriving while nothing waited and the writer was idle.
  uint64_t groups_by_receiver = 0;
  // Committed groups whose changes the receiving thread applied to the view
  // itself, after the acks of those it committed: a few events' worth while
  // the view's thread was idle (mostly its own groups, now and then one of
  // the writer's that the view's thread had not taken yet).
  uint64_t groups_applied_by_receiver = 0;
  // Groups not committed (and not acknowledged): their commit failed, or
  // they were decided after a group whose commit failed.
  uint64_t groups_failed = 0;
  uint64_t log_start = 1;            // the first event log entry held (retention)
};

// The endpoints actually bound (a "*" port resolved).
struct BoundEndpoints {
  std::string ingest, feed, query;
};

class Hub {
 public:
  // Opens the store (refusing a folder in use, unreadable or from a newer
  // schema), restores the view (checkpoint + log tail) and binds the sockets.
  static Result<std::unique_ptr<Hub>> Open(const HubOptions& options);
  virtual ~Hub() = default;

  virtual const BoundEndpoints& endpoints() const = 0;
  // Thread-safe.
  virtual HubStats stats() const = 0;
  // Thread-safe: the unsuppressed snapshot of a board ("london", an ONS
  // code, a DfE number or a name) for a period, for the HTTP server (which
  // applies disclosure control itself). InvalidArgument for an unknown
  // board or a bad period.
  virtual Result<lscb::v1::Snapshot> RawSnapshot(const std::string& board, const std::string& period) const = 0;
  // Thread-safe: the event log position the view reflects.
  virtual uint64_t log_position() const = 0;
  // Serves until Stop(). On return every acked event is committed and the
  // view has been checkpointed.
  virtual Status Run() = 0;
  virtual void Stop() = 0;
};

}  // namespace lscb::hub
