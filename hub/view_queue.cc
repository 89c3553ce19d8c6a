#include "hub/view_queue.h"

#include <iterator>

namespace lscb::hub {

bool ViewQueue::Push(ViewUpdate u, bool wake) {
  {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return events_ < capacity_ || closed_; });
    if (closed_) return false;
    events_ += u.size();
    updates_.push_back(std::move(u));
  }
  // After unlocking: the applier, woken, does not wait for the lock.
  if (wake) ready_.notify_one();
  return true;
}

std::vector<ViewUpdate> ViewQueue::TakeAll() {
  std::vector<ViewUpdate> out(std::make_move_iterator(updates_.begin()), std::make_move_iterator(updates_.end()));
  updates_.clear();
  events_ = 0;
  busy_ = !out.empty();
  return out;
}

size_t ViewQueue::ApplyHere(size_t max_events, const TryApply& try_apply) {
  std::vector<ViewUpdate> taken;
  {
    std::unique_lock lock(mu_);
    if (updates_.empty()) return 0;
    // A busy view's thread takes them when it is done (PopAll looks before
    // it waits).
    if (busy_) return 0;
    if (events_ > max_events) {
      lock.unlock();
      ready_.notify_one();
      return 0;
    }
    taken = TakeAll();
  }
  room_.notify_all();
  const bool applied = try_apply(taken);
  bool waiting = false;
  {
    std::lock_guard lock(mu_);
    busy_ = false;
    if (!applied) {
      for (const ViewUpdate& u : taken) events_ += u.size();
      updates_.insert(updates_.begin(), std::make_move_iterator(taken.begin()), std::make_move_iterator(taken.end()));
    }
    waiting = !updates_.empty();
  }
  if (waiting) ready_.notify_one();
  return applied ? taken.size() : 0;
}

std::vector<ViewUpdate> ViewQueue::PopAll() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] { return !busy_ && (!updates_.empty() || closed_); });
  std::vector<ViewUpdate> out = TakeAll();
  lock.unlock();
  room_.notify_all();
  return out;
}

void ViewQueue::Done() {
  // What was pushed meanwhile, woken for or not, the next PopAll takes.
  std::lock_guard lock(mu_);
  busy_ = false;
}

void ViewQueue::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  ready_.notify_all();
  room_.notify_all();
}

}  // namespace lscb::hub
