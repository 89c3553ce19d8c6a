// The queue between committed groups and the indicator view: one applier at
// a time, in the order the groups were pushed, whether the view's thread or
// the thread that committed them applies them.
#include "hub/view_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace lscb::hub {
namespace {

using namespace std::chrono_literals;

ViewUpdate Update(uint64_t seq, size_t events = 1) {
  ViewUpdate u;
  u.seq = seq;
  u.ops.resize(events);
  return u;
}

// What the appliers applied, in order, and whether two ever overlapped.
struct Applied {
  std::mutex mu;
  std::vector<uint64_t> seqs;
  std::atomic<int> at_work{0};
  std::atomic<bool> overlapped{false};
  void Apply(std::vector<ViewUpdate>& updates) {
    if (at_work.fetch_add(1) != 0) overlapped = true;
    {
      std::lock_guard lock(mu);
      for (const ViewUpdate& u : updates) seqs.push_back(u.seq);
    }
    at_work.fetch_sub(1);
  }
  std::vector<uint64_t> Seqs() {
    std::lock_guard lock(mu);
    return seqs;
  }
};

// The view's thread: applies until the queue is closed and drained.
std::thread ViewThread(ViewQueue& q, Applied& applied) {
  return std::thread([&] {
    for (;;) {
      std::vector<ViewUpdate> updates = q.PopAll();
      if (updates.empty()) return;
      applied.Apply(updates);
      q.Done();
    }
  });
}

TEST(ViewQueueTest, AFewEventsAreAppliedByTheCallerWhenNoApplierIsAtWork) {
  ViewQueue q(1000);
  std::vector<uint64_t> here;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    ASSERT_TRUE(q.Push(Update(seq, 2), /*wake=*/false));
    size_t n = q.ApplyHere(4, [&](std::vector<ViewUpdate>& updates) {
      for (const ViewUpdate& u : updates) here.push_back(u.seq);
      return true;
    });
    EXPECT_EQ(n, 1u);
  }
  EXPECT_EQ(here, (std::vector<uint64_t>{1, 2, 3}));
  // Nothing is left for the view's thread.
  Applied by_view;
  std::thread view = ViewThread(q, by_view);
  q.Close();
  view.join();
  EXPECT_TRUE(by_view.Seqs().empty());
}

TEST(ViewQueueTest, WhatTheCallerCannotApplyOrIsTooMuchGoesToTheViewsThreadInOrder) {
  ViewQueue q(1000);
  // The view's lock is taken: nothing is applied here.
  ASSERT_TRUE(q.Push(Update(1), /*wake=*/false));
  bool asked = false;
  EXPECT_EQ(q.ApplyHere(4, [&](std::vector<ViewUpdate>&) { return !(asked = true); }), 0u);
  EXPECT_TRUE(asked);
  // More events than the caller takes (7, with the one given back).
  ASSERT_TRUE(q.Push(Update(2, 3), /*wake=*/false));
  ASSERT_TRUE(q.Push(Update(3, 3), /*wake=*/false));
  EXPECT_EQ(q.ApplyHere(4, [&](std::vector<ViewUpdate>&) {
              ADD_FAILURE() << "7 events handed to the caller, who takes at most 4";
              return true;
            }),
            0u);
  // The view's thread applies them all, in order.
  Applied by_view;
  std::thread view = ViewThread(q, by_view);
  auto until = std::chrono::steady_clock::now() + 10s;
  while (by_view.Seqs().size() < 3 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(by_view.Seqs(), (std::vector<uint64_t>{1, 2, 3}));
  q.Close();
  view.join();
}

// Closed while the caller applies: the view's thread, which saw the caller
// at work, still learns of it and stops.
TEST(ViewQueueTest, ClosedWhileTheCallerAppliesTheViewsThreadStops) {
  auto q = std::make_shared<ViewQueue>(1000);
  auto stopped = std::make_shared<std::atomic<bool>>(false);
  std::thread view([q, stopped] {
    while (!q->PopAll().empty()) q->Done();
    *stopped = true;
  });
  ASSERT_TRUE(q->Push(Update(1), /*wake=*/false));
  EXPECT_EQ(q->ApplyHere(4,
                         [&](std::vector<ViewUpdate>&) {
                           q->Close();
                           std::this_thread::sleep_for(20ms);  // the view's thread wakes meanwhile
                           return true;
                         }),
            1u);
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!*stopped && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(*stopped) << "the view's thread still waits after Close";
  if (*stopped) view.join();
  else view.detach();  // it holds only what it shares with this test
}

TEST(ViewQueueTest, TheCallerWaitsForNothingWhileTheViewsThreadIsAtWork) {
  ViewQueue q(1000);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> at_work{false};
  std::vector<uint64_t> by_view;
  std::thread view([&] {
    for (bool first = true;; first = false) {
      std::vector<ViewUpdate> updates = q.PopAll();
      if (updates.empty()) return;
      if (first) {
        at_work = true;
        released.wait();
      }
      for (const ViewUpdate& u : updates) by_view.push_back(u.seq);
      q.Done();
    }
  });
  ASSERT_TRUE(q.Push(Update(1)));
  while (!at_work.load()) std::this_thread::sleep_for(1ms);
  // Pushed while the view's thread applies the one before: the caller does
  // not apply it ahead of that one; the view's thread takes it next.
  ASSERT_TRUE(q.Push(Update(2), /*wake=*/false));
  EXPECT_EQ(q.ApplyHere(4, [&](std::vector<ViewUpdate>&) {
              ADD_FAILURE() << "applied while the view's thread was at work";
              return true;
            }),
            0u);
  release.set_value();
  q.Close();
  view.join();
  EXPECT_EQ(by_view, (std::vector<uint64_t>{1, 2}));
}

// Groups pushed by a committing thread (waking the view's thread) and by a
// receiver that applies its own when it can, interleaved: every update is
// applied once, in the order pushed, by one applier at a time.
TEST(ViewQueueTest, BothAppliersTogetherApplyEveryUpdateOnceInOrder) {
  ViewQueue q(64);
  Applied applied;
  std::thread view = ViewThread(q, applied);
  std::mutex push_mu;  // the order of pushes is the order of commits
  uint64_t next = 1;
  constexpr uint64_t kUpdates = 20000;
  auto push = [&](bool wake, size_t events) {
    std::lock_guard lock(push_mu);
    if (next > kUpdates) return false;
    EXPECT_TRUE(q.Push(Update(next++, events), wake));
    return true;
  };
  std::thread writer([&] {
    while (push(/*wake=*/true, 8)) {
    }
  });
  size_t here = 0;
  int refused = 0;
  while (push(/*wake=*/false, 1)) {
    here += q.ApplyHere(4, [&](std::vector<ViewUpdate>& updates) {
      if (++refused % 3 == 0) return false;  // now and then the view's lock is taken
      applied.Apply(updates);
      return true;
    });
  }
  writer.join();
  q.Close();
  view.join();
  std::vector<uint64_t> seqs = applied.Seqs();
  ASSERT_EQ(seqs.size(), kUpdates);
  for (uint64_t i = 0; i < kUpdates; ++i) ASSERT_EQ(seqs[i], i + 1) << "at " << i;
  EXPECT_FALSE(applied.overlapped.load());
  EXPECT_GT(here, 0u);
}

}  // namespace
}  // namespace lscb::hub
