// A thread that runs work only while a core has nothing else to do.
//
// The worker runs under Linux's SCHED_IDLE: any other thread that wakes on
// its core takes the core at once. A higher nice value alone does not do
// that: the running thread keeps the core for the rest of its time slice
// (milliseconds), and a woken thread that acknowledges events waits for it.
// Where SCHED_IDLE is refused, the worker runs at nice 19.
//
// Only for work that holds no lock another thread waits on: a thread at
// this priority that loses its core while holding one keeps it for as long
// as anything else on that core can run. Under a load that keeps every core
// busy, the work waits; the kernel still gives the worker a small share, so
// it is late, not starved.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lscb::hub {

class IdleWorker final {
 public:
  // Starts the thread, named `name` (at most 15 characters are kept).
  explicit IdleWorker(std::string name);
  // Joins the thread (after the task running, if any).
  ~IdleWorker();
  IdleWorker(const IdleWorker&) = delete;
  IdleWorker& operator=(const IdleWorker&) = delete;

  // Runs `task` on the worker's thread and returns once it has returned
  // (what it wrote is visible to the caller then), rethrowing what it threw.
  // Callers are served one at a time.
  void Run(const std::function<void()>& task);

  // Whether the worker's thread runs under SCHED_IDLE (false: nice 19).
  // Known once the constructor has returned.
  bool idle_priority() const { return idle_priority_; }

 private:
  void Loop(std::string name);

  std::mutex run_mu_;  // one caller at a time
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void()>* task_ = nullptr;  // guarded by mu_
  bool finished_ = false;                        // guarded by mu_
  std::exception_ptr error_;                     // guarded by mu_
  bool stop_ = false;                            // guarded by mu_
  bool started_ = false;                         // guarded by mu_
  bool idle_priority_ = false;                   // written before started_
  std::thread thread_;
};

}  // namespace lscb::hub
