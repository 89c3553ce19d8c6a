#include "hub/feed.h"

#include <spdlog/spdlog.h>

namespace lscb::hub {

lscb::v1::FeedUpdate TopicState(const IndicatorView& view, const std::string& topic, uint64_t sequence,
                                const PublishFilter& filter) {
  lscb::v1::FeedUpdate u;
  u.set_board(topic);
  u.set_sequence(sequence);
  for (const Period& p : view.PeriodsWithData(topic)) {
    lscb::v1::Snapshot s = view.Query(topic, p);
    *u.add_snapshots() = filter ? filter(s) : s;
  }
  return u;
}

FeedPublisher::FeedPublisher(transport::Publisher& pub, const IndicatorView& view, std::shared_mutex& view_mutex,
                             std::function<uint64_t()> applied_seq, std::shared_ptr<const BoardRegistry> boards,
                             PublishFilter filter, FeedOptions options)
    : pub_(pub),
      view_(view),
      view_mutex_(view_mutex),
      applied_seq_(std::move(applied_seq)),
      boards_(std::move(boards)),
      filter_(std::move(filter)),
      options_(options) {
  std::set<std::string> regions;
  for (const Board& b : boards_->all()) {
    topics_.push_back(b.ons_code);
    if (!b.region.empty()) regions.insert(b.region);
  }
  topics_.insert(topics_.end(), regions.begin(), regions.end());
  MarkAllDirty();
}

void FeedPublisher::MarkDirty(const std::set<std::string>& topics) {
  std::lock_guard lock(dirty_mu_);
  dirty_.insert(topics.begin(), topics.end());
}

void FeedPublisher::MarkAllDirty() { MarkDirty(std::set<std::string>(topics_.begin(), topics_.end())); }

void FeedPublisher::PublishDue() {
  const auto now = std::chrono::steady_clock::now();
  std::set<std::string> dirty;
  {
    std::lock_guard lock(dirty_mu_);
    dirty.swap(dirty_);
  }
  std::set<std::string> still_dirty;
  for (const std::string& topic : topics_) {
    TopicStatus& st = status_[topic];
    const bool is_dirty = dirty.count(topic) > 0;
    if (is_dirty && now - st.last_sent < options_.min_interval) {
      still_dirty.insert(topic);  // at most once per interval: later
      continue;
    }
    lscb::v1::FeedUpdate update;
    if (is_dirty) {
      lscb::v1::FeedUpdate state;
      {
        std::shared_lock lock(view_mutex_);
        state = TopicState(view_, topic, applied_seq_(), filter_);
      }
      update.set_board(topic);
      update.set_sequence(state.sequence());
      std::map<std::string, std::string> now_published;
      for (const auto& s : state.snapshots()) {
        std::string bytes = s.SerializeAsString();
        auto it = st.published.find(s.period());
        if (it == st.published.end() || it->second != bytes) *update.add_snapshots() = s;
        now_published[s.period()] = std::move(bytes);
      }
      // A period with nothing left is sent as an empty snapshot.
      for (const auto& [period, bytes] : st.published)
        if (!now_published.count(period)) {
          auto* s = update.add_snapshots();
          s->set_board(topic);
          s->set_period(period);
          s->set_definitions_version(view_.definitions_version());
        }
      st.published = std::move(now_published);
      if (update.snapshots_size() == 0 && now - st.last_sent < options_.heartbeat_interval) continue;
      update.set_heartbeat(update.snapshots_size() == 0);
    } else {
      if (now - st.last_sent < options_.heartbeat_interval) continue;
      update.set_board(topic);
      update.set_sequence(st.last_sequence);
      update.set_heartbeat(true);
    }
    Status s = pub_.Publish(topic, update.SerializeAsString());
    if (!s.ok()) {
      spdlog::debug("feed: {}", s.message());
      still_dirty.insert(topic);
      continue;
    }
    st.last_sent = now;
    st.last_sequence = update.sequence();
  }
  if (!still_dirty.empty()) MarkDirty(still_dirty);
}

}  // namespace lscb::hub
