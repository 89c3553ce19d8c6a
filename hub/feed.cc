#include "hub/feed.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace lscb::hub {
namespace {

// Appends a serialised snapshot to `out` as FeedUpdate field `snapshots`.
void AppendSnapshot(std::string& out, const std::string& snapshot) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  WireFormatLite::WriteBytes(lscb::v1::FeedUpdate::kSnapshotsFieldNumber, snapshot, &coded);
}

}  // namespace

lscb::v1::FeedUpdate TopicState(const IndicatorView& view, const std::string& topic, uint64_t sequence,
                                const PublishFilter& filter) {
  lscb::v1::FeedUpdate u;
  u.set_board(topic);
  u.set_sequence(sequence);
  for (const Period& p : view.PeriodsWithData(topic)) {
    lscb::v1::Snapshot* s = u.add_snapshots();
    view.Query(topic, p, s);
    if (filter) filter(*s);
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
  for (const Board& b : boards_->all()) {
    if (topics_of_board_.size() <= b.index) topics_of_board_.resize(b.index + 1);
    for (size_t i = 0; i < topics_.size(); ++i)
      if (topics_[i] == b.ons_code || topics_[i] == b.region) topics_of_board_[b.index].push_back(i);
  }
  MarkAllDirty();
}

void FeedPublisher::Dirty::Merge(Dirty&& o) {
  whole = whole || o.whole;
  if (periods.empty()) periods = std::move(o.periods);
  else periods.insert(o.periods.begin(), o.periods.end());
  ends_from = std::min(ends_from, o.ends_from);
  ends_to = std::max(ends_to, o.ends_to);
}

void FeedPublisher::MarkDirty(const std::set<std::string>& topics) {
  std::lock_guard lock(dirty_mu_);
  for (const std::string& t : topics) dirty_[t].whole = true;
}

void FeedPublisher::MarkAllDirty() { MarkDirty(std::set<std::string>(topics_.begin(), topics_.end())); }

void FeedPublisher::MarkDirty(const IndicatorView::Changes& changes) {
  if (changes.all) {
    MarkAllDirty();
    return;
  }
  if (changes.empty()) return;
  auto topics_of = [&](uint16_t board) -> const std::vector<size_t>& {
    static const std::vector<size_t> none;
    return board < topics_of_board_.size() ? topics_of_board_[board] : none;
  };
  std::lock_guard lock(dirty_mu_);
  for (uint64_t bp : changes.board_periods)
    for (size_t t : topics_of(static_cast<uint16_t>(bp >> 32)))
      dirty_[topics_[t]].periods.insert(static_cast<uint32_t>(bp & 0xFFFFFFFF));
  for (const auto& r : changes.ends)
    for (size_t t : topics_of(r.board)) {
      Dirty& d = dirty_[topics_[t]];
      d.ends_from = std::min(d.ends_from, r.from);
      d.ends_to = std::max(d.ends_to, r.to);
    }
}

void FeedPublisher::PublishDue() {
  const auto now = std::chrono::steady_clock::now();
  // A board's figures for a period are computed once for the board and its
  // region, as long as the view has not changed in between.
  IndicatorView::GatherCache gathered;
  uint64_t gathered_at = 0;
  for (const std::string& topic : topics_) {
    if (!pub_.Wanted(topic)) continue;
    TopicStatus& st = status_[topic];
    const bool due = now - st.last_sent >= options_.min_interval;  // at most once per interval
    bool dirty = false;
    {
      std::lock_guard dlock(dirty_mu_);
      dirty = dirty_.count(topic) > 0;
    }
    if (dirty && !due) continue;  // later
    lscb::v1::FeedUpdate update;
    update.set_board(topic);
    Dirty marks;
    // The periods recomputed, with the view's figures for each (none: the
    // period has nothing left).
    std::vector<std::pair<uint32_t, std::optional<IndicatorView::PeriodData>>> periods;
    if (dirty) {
      // The view's lock is held for one topic at a time, so that the writer
      // waits for little. The marks are taken under it: every change the
      // sequence reflects is marked by then (marks are made under the
      // exclusive lock).
      std::shared_lock lock(view_mutex_);
      {
        std::lock_guard dlock(dirty_mu_);
        auto it = dirty_.find(topic);
        if (it != dirty_.end()) {
          marks = std::move(it->second);
          dirty_.erase(it);
        }
      }
      const uint64_t sequence = applied_seq_();
      if (sequence != gathered_at) {
        gathered.clear();
        gathered_at = sequence;
      }
      update.set_sequence(sequence);
      std::set<uint32_t> codes = marks.periods;
      if (marks.whole || marks.ends_from < marks.ends_to) {
        for (const Period& p : view_.PeriodsWithData(topic)) {
          const int32_t last = p.Last().days;
          if (marks.whole || (last >= marks.ends_from && last < marks.ends_to)) codes.insert(p.Code());
        }
        if (marks.whole)
          for (const auto& [code, bytes] : st.published) codes.insert(code);
      }
      periods.reserve(codes.size());
      for (uint32_t code : codes) periods.emplace_back(code, view_.Gather(topic, Period::FromCode(code), &gathered));
      snapshots_computed_ += codes.size();
    }

    // Disclosure control and serialisation, without the view's lock. Each
    // snapshot is built in the feed's own block of memory (an arena: its
    // cells are neither allocated nor freed one by one; only their strings
    // longer than 15 bytes still are) and serialised once: the bytes kept to
    // compare with next time are the bytes sent.
    // The published bytes once this update is sent (nullopt: period gone).
    std::vector<std::pair<uint32_t, std::optional<std::string>>> commit;
    std::string changed;  // the snapshots sent, as FeedUpdate.snapshots
    if (dirty) {
      google::protobuf::ArenaOptions block;
      block.initial_block = snapshot_block_.get();
      block.initial_block_size = kSnapshotBlock;
      google::protobuf::Arena arena(block);
      for (auto& [code, data] : periods) {
        auto it = st.published.find(code);
        if (data) {
          auto* s = google::protobuf::Arena::CreateMessage<lscb::v1::Snapshot>(&arena);
          view_.BuildSnapshot(*data, s);
          if (filter_) filter_(*s);
          std::string bytes = s->SerializeAsString();
          arena.Reset();  // the block is the next snapshot's
          if (it == st.published.end() || it->second != bytes) AppendSnapshot(changed, bytes);
          commit.emplace_back(code, std::move(bytes));
        } else if (it != st.published.end()) {
          // A period with nothing left is sent as an empty snapshot.
          lscb::v1::Snapshot s;
          s.set_board(topic);
          s.set_period(Period::FromCode(code).ToString());
          s.set_definitions_version(view_.definitions_version());
          AppendSnapshot(changed, s.SerializeAsString());
          commit.emplace_back(code, std::nullopt);
        }
      }
      if (changed.empty() && now - st.last_sent < options_.heartbeat_interval) continue;
      update.set_heartbeat(changed.empty());
    } else {
      if (now - st.last_sent < options_.heartbeat_interval) continue;
      update.set_sequence(st.last_sequence);
      update.set_heartbeat(true);
    }
    // `snapshots` is FeedUpdate's last field: these are the bytes
    // SerializeAsString gives with the snapshots added.
    std::string bytes = update.SerializeAsString();
    bytes += changed;
    Status s = pub_.Publish(topic, bytes);
    if (!s.ok()) {
      spdlog::debug("feed: {}", s.message());
      if (dirty) {  // computed again next time
        std::lock_guard dlock(dirty_mu_);
        dirty_[topic].Merge(std::move(marks));
      }
      continue;
    }
    for (auto& [code, bytes] : commit) {
      if (bytes) st.published[code] = std::move(*bytes);
      else st.published.erase(code);
    }
    st.last_sent = now;
    st.last_sequence = update.sequence();
  }
}

}  // namespace lscb::hub
