// Committed groups' changes on their way to the indicator view.
//
// Updates are applied in the order they were pushed (the order their groups
// were committed), by one applier at a time: the view's thread (PopAll, then
// Done), or a thread that committed a group itself and applies it at once
// while the view's thread is idle (ApplyHere), which saves waking the view's
// thread for a group of a few events. Each applier takes everything waiting.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "hub/ingest.h"

namespace lscb::hub {

class ViewQueue final {
 public:
  // Bounded in events: Push waits while `capacity` or more are waiting, so
  // that a committing thread waits when the view falls that far behind.
  explicit ViewQueue(size_t capacity) : capacity_(capacity) {}

  // A committing thread: queues `u` behind what waits. With `wake` the view's
  // thread is woken to apply it; without, the caller calls ApplyHere next,
  // which applies it or wakes the view's thread. False when closed (nothing
  // queued).
  bool Push(ViewUpdate u, bool wake = true);

  // Applies `updates` in order and returns true, or returns false having
  // applied none of them (e.g. the view's lock is held by a reader).
  using TryApply = std::function<bool(std::vector<ViewUpdate>&)>;
  // Any thread but the view's: when no applier is at work and the updates
  // waiting change at most `max_events` events (ViewUpdate::size), takes
  // them all, whoever pushed them, and hands them to `try_apply`; what that
  // does not apply goes back to the front. Whatever is left waiting, the
  // view's thread is woken for (when it is at work, it takes what waits
  // once it is Done). Returns how many updates were applied here.
  size_t ApplyHere(size_t max_events, const TryApply& try_apply);

  // The view's thread: waits until updates wait and no other applier is at
  // work, then takes them all and is the applier until Done. Empty once
  // closed and drained.
  std::vector<ViewUpdate> PopAll();
  void Done();

  // What is pushed before is still popped.
  void Close();

 private:
  // Under mu_: everything waiting into `out`, oldest first; the applier is
  // busy when there was anything.
  void TakeAll(std::vector<ViewUpdate>& out);

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<ViewUpdate> updates_;  // guarded by mu_
  size_t events_ = 0;               // guarded by mu_: events in updates_
  bool busy_ = false;               // guarded by mu_: an applier is at work
  bool closed_ = false;             // guarded by mu_
  std::vector<ViewUpdate> taken_;   // ApplyHere's, while it is the applier
};

}  // namespace lscb::hub
