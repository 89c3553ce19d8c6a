// The idle-priority worker: the task runs on the worker's own thread under
// SCHED_IDLE, the caller sees what it wrote and what it threw, and callers
// are served one at a time.
#include "hub/idle_worker.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lscb::hub {
namespace {

TEST(IdleWorker, RunsTheTaskOnItsOwnThreadAtIdlePriority) {
  IdleWorker worker("lscb-test-idle");
  pid_t tid = 0;
  int policy = -1;
  char name[16] = {};
  worker.Run([&] {
    tid = ::gettid();
    policy = ::sched_getscheduler(0);
    ::pthread_getname_np(::pthread_self(), name, sizeof name);
  });
  EXPECT_NE(tid, 0);
  EXPECT_NE(tid, ::gettid());
  EXPECT_STREQ(name, "lscb-test-idle");
  // Any thread may lower its own priority, so Linux grants SCHED_IDLE.
  ASSERT_TRUE(worker.idle_priority());
  EXPECT_EQ(policy, SCHED_IDLE);
  // The caller's own priority is left as it was.
  EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER);
}

TEST(IdleWorker, TheCallerSeesWhatTheTaskWroteAndWhatItThrew) {
  IdleWorker worker("lscb-test-idle");
  std::vector<int> written;
  for (int i = 0; i < 100; ++i) {
    worker.Run([&] { written.push_back(i); });
    ASSERT_EQ(written.size(), static_cast<size_t>(i + 1));
    EXPECT_EQ(written.back(), i);
  }
  EXPECT_THROW(worker.Run([] { throw std::runtime_error("out of room"); }), std::runtime_error);
  // The worker goes on after a task threw.
  bool ran = false;
  worker.Run([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(IdleWorker, CallersAreServedOneAtATime) {
  IdleWorker worker("lscb-test-idle");
  std::atomic<int> at_work{0};
  std::atomic<bool> overlapped{false};
  long total = 0;  // not atomic: only tasks touch it, one at a time
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        worker.Run([&] {
          if (at_work.fetch_add(1) != 0) overlapped = true;
          ++total;
          at_work.fetch_sub(1);
        });
    });
  for (auto& t : callers) t.join();
  EXPECT_FALSE(overlapped.load());
  EXPECT_EQ(total, 800);
}

}  // namespace
}  // namespace lscb::hub
