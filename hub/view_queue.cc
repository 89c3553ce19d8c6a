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

void ViewQueue::TakeAll(std::vector<ViewUpdate>& out) {
  out.assign(std::make_move_iterator(updates_.begin()), std::make_move_iterator(updates_.end()));
  updates_.clear();
  events_ = 0;
  busy_ = !out.empty();
}

size_t ViewQueue::ApplyHere(size_t max_events, const TryApply& try_apply) {
  // Only the applier (busy_) touches taken_ outside the lock.
  {
    std::unique_lock lock(mu_);
    if (updates_.empty()) return 0;
    // An applier at work: the view's thread takes them once it is done
    // (PopAll looks before it waits); another caller wakes it for them.
    if (busy_) return 0;
    if (events_ > max_events) {
      lock.unlock();
      ready_.notify_one();
      return 0;
    }
    TakeAll(taken_);
  }
  room_.notify_all();
  const bool applied = try_apply(taken_);
  const size_t n = applied ? taken_.size() : 0;
  bool waiting = false;
  {
    std::lock_guard lock(mu_);
    if (!applied) {
      for (const ViewUpdate& u : taken_) events_ += u.size();
      updates_.insert(updates_.begin(), std::make_move_iterator(taken_.begin()), std::make_move_iterator(taken_.end()));
    }
    taken_.clear();  // its room is the next applier's
    busy_ = false;
    // Closed meanwhile: the view's thread, woken while this applier was at
    // work, waits to see that.
    waiting = !updates_.empty() || closed_;
  }
  if (waiting) ready_.notify_one();
  return n;
}

std::vector<ViewUpdate> ViewQueue::PopAll() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] { return !busy_ && (!updates_.empty() || closed_); });
  std::vector<ViewUpdate> out;
  TakeAll(out);
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
