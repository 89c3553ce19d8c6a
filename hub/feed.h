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
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>

#include "core/boards.h"
#include "hub/indicator_view.h"
#include "lscb/v1/wire.pb.h"
#include "transport/transport.h"

namespace lscb::hub {

// What leaves the hub for a subscriber (disclosure control); identity when
// null.
using PublishFilter = std::function<lscb::v1::Snapshot(const lscb::v1::Snapshot&)>;

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

  // Thread-safe: the topics whose figures may have changed.
  void MarkDirty(const std::set<std::string>& topics);
  void MarkAllDirty();
  // Publishes what is due. Called by the feed thread (which owns `pub`).
  void PublishDue();
  // Every topic the hub publishes: each board and each region.
  const std::vector<std::string>& topics() const { return topics_; }

 private:
  struct TopicStatus {
    std::map<std::string, std::string> published;  // period -> serialised snapshot
    std::chrono::steady_clock::time_point last_sent{};
    uint64_t last_sequence = 0;
  };

  transport::Publisher& pub_;
  const IndicatorView& view_;
  std::shared_mutex& view_mutex_;
  std::function<uint64_t()> applied_seq_;
  std::shared_ptr<const BoardRegistry> boards_;
  PublishFilter filter_;
  FeedOptions options_;
  std::vector<std::string> topics_;
  std::mutex dirty_mu_;
  std::set<std::string> dirty_;  // guarded by dirty_mu_
  std::map<std::string, TopicStatus> status_;  // feed thread only
};

}  // namespace lscb::hub
