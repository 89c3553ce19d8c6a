// The live indicator feed (the Clone pattern).
//
// Each topic (a board's ONS code, or a region code such as "E12000007" for
// London) has a state: period -> Snapshot, at a sequence (the event log
// position the view reflected). The publisher sends a topic's changed
// snapshots at most once per `min_interval`, and a heartbeat carrying the
// current sequence when nothing changed for `heartbeat_interval`. A late
// joiner subscribes first, asks for the whole state over the query socket
// (TopicState), then applies only updates with a higher sequence.
#pragma once

#include <chrono>
#include <climits>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/boards.h"
#include "hub/indicator_view.h"
#include "lscb/v1/wire.pb.h"
#include "transport/transport.h"

namespace lscb::hub {

// What leaves the hub for a subscriber (disclosure control), applied to the
// snapshot in place; identity when null. The snapshot may live on an arena:
// the filter keeps no pointer into it after the call.
using PublishFilter = std::function<void(lscb::v1::Snapshot&)>;

// The whole state of a topic. REQUIRES: the caller holds the view's lock.
lscb::v1::FeedUpdate TopicState(const IndicatorView& view, const std::string& topic, uint64_t sequence,
                                const PublishFilter& filter);

struct FeedOptions {
  std::chrono::milliseconds min_interval{1000};        // per topic
  std::chrono::milliseconds heartbeat_interval{1000};  // per topic, when unchanged
};

class FeedPublisher final {
 public:
  // `applied_seq` must be read under the view lock (shared is enough).
  FeedPublisher(transport::Publisher& pub, const IndicatorView& view, std::shared_mutex& view_mutex,
                std::function<uint64_t()> applied_seq, std::shared_ptr<const BoardRegistry> boards,
                PublishFilter filter, FeedOptions options);

  // Thread-safe: the topics whose figures may have changed (every period).
  void MarkDirty(const std::set<std::string>& topics);
  void MarkAllDirty();
  // Thread-safe: what changed in the view. Call it while still holding the
  // view's lock exclusively after the change, so that a sequence read under
  // the lock never reflects a change that is not marked yet.
  void MarkDirty(const IndicatorView::Changes& changes);
  // Publishes what is due. Called by the feed thread (which owns `pub`).
  // Only the periods marked since a topic was last sent are recomputed: the
  // view's figures are gathered under its (shared) lock; disclosure control
  // and serialisation run after it is released. A topic nobody has
  // subscribed to (Publisher::Wanted) is neither computed nor sent: its marks
  // wait for a subscriber, whose first update then brings every period that
  // changed since the topic was last sent.
  void PublishDue();
  // Every topic the hub publishes: each board and each region.
  const std::vector<std::string>& topics() const { return topics_; }
  // How many (topic, period) snapshots PublishDue has computed so far (feed
  // thread).
  uint64_t snapshots_computed() const { return snapshots_computed_; }

 private:
  struct TopicStatus {
    std::map<uint32_t, std::string> published;  // period code -> serialised snapshot
    std::chrono::steady_clock::time_point last_sent{};
    uint64_t last_sequence = 0;
  };
  // What to recompute for a topic.
  struct Dirty {
    bool whole = false;           // every period
    std::set<uint32_t> periods;   // period codes
    int32_t ends_from = INT32_MAX, ends_to = INT32_MIN;  // periods whose last day is in [from, to)
    void Merge(Dirty&& o);
  };

  transport::Publisher& pub_;
  const IndicatorView& view_;
  std::shared_mutex& view_mutex_;
  std::function<uint64_t()> applied_seq_;
  std::shared_ptr<const BoardRegistry> boards_;
  PublishFilter filter_;
  FeedOptions options_;
  std::vector<std::string> topics_;
  std::vector<std::vector<size_t>> topics_of_board_;  // board index -> indexes into topics_
  std::mutex dirty_mu_;
  std::map<std::string, Dirty> dirty_;  // guarded by dirty_mu_
  std::map<std::string, TopicStatus> status_;  // feed thread only
  // Where PublishDue builds each snapshot (one at a time; a larger one
  // takes more from the allocator), touched only as used. Feed thread only.
  static constexpr size_t kSnapshotBlock = size_t{256} << 10;
  std::unique_ptr<char[]> snapshot_block_ = std::make_unique_for_overwrite<char[]>(kSnapshotBlock);
  uint64_t snapshots_computed_ = 0;             // feed thread only
};

}  // namespace lscb::hub
