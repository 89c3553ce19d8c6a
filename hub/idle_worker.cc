#include "hub/idle_worker.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <utility>

namespace lscb::hub {

IdleWorker::IdleWorker(std::string name) {
  thread_ = std::thread([this, name = std::move(name)]() mutable { Loop(std::move(name)); });
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return started_; });
}

IdleWorker::~IdleWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void IdleWorker::Run(const std::function<void()>& task) {
  std::lock_guard one(run_mu_);
  std::unique_lock lock(mu_);
  task_ = &task;
  finished_ = false;
  error_ = nullptr;
  wake_.notify_one();
  done_.wait(lock, [&] { return finished_; });
  task_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void IdleWorker::Loop(std::string name) {
  if (name.size() > 15) name.resize(15);
  ::pthread_setname_np(::pthread_self(), name.c_str());
  sched_param none{};
  const bool idle = ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &none) == 0;
  if (!idle) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  std::unique_lock lock(mu_);
  idle_priority_ = idle;
  started_ = true;
  done_.notify_all();
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || (task_ && !finished_); });
    if (task_ && !finished_) {
      const std::function<void()>* task = task_;
      lock.unlock();
      std::exception_ptr error;
      try {
        (*task)();
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      error_ = error;
      finished_ = true;
      done_.notify_all();
      continue;
    }
    if (stop_) return;
  }
}

}  // namespace lscb::hub
