#include "transport/pid_cache.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace lscb::transport {
namespace {

std::atomic<pid_t> cached_pid{0};  // 0: not asked yet, or forked since

// False until this file's initialisation has run, and for good if the fork
// handler could not be registered: getpid() then always asks the kernel.
bool cache_usable = ::pthread_atfork(nullptr, nullptr, [] { cached_pid.store(0, std::memory_order_relaxed); }) == 0;

}  // namespace

pid_t KernelPid() { return static_cast<pid_t>(::syscall(SYS_getpid)); }

}  // namespace lscb::transport

extern "C" pid_t getpid() noexcept {
  using lscb::transport::cached_pid;
  if (!lscb::transport::cache_usable) return lscb::transport::KernelPid();
  pid_t pid = cached_pid.load(std::memory_order_relaxed);
  if (pid == 0) {
    pid = lscb::transport::KernelPid();
    cached_pid.store(pid, std::memory_order_relaxed);
  }
  return pid;
}
