#include "hub/memory_reserve.h"

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#ifdef LSCB_WITH_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif

namespace lscb::hub {

MemoryReserve::MemoryReserve(size_t bytes) {
  bytes = (bytes + kChunk - 1) / kChunk * kChunk;
  // One chunk more, so that the range can start on a chunk boundary.
  void* p = ::mmap(nullptr, bytes + kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;
  map_ = p;
  mapped_ = bytes + kChunk;
  const auto at = reinterpret_cast<uintptr_t>(p);
  base_ = reinterpret_cast<char*>((at + kChunk - 1) / kChunk * kChunk);
  size_ = bytes;
}

MemoryReserve::~MemoryReserve() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (populator_.joinable()) populator_.join();
  if (map_) ::munmap(map_, mapped_);
}

void* MemoryReserve::Take(size_t size, size_t* taken) {
  if (!base_ || size == 0) return nullptr;
  const size_t rounded = (size + kChunk - 1) / kChunk * kChunk;
  char* p = nullptr;
  {
    std::lock_guard lock(mu_);
    if (rounded > size_ - taken_) return nullptr;
    p = base_ + taken_;
    taken_ += rounded;
  }
  cv_.notify_one();  // the populator's target moved
  if (taken) *taken = rounded;
  return p;
}

Status MemoryReserve::PopulateAhead(size_t ahead) {
  if (!base_) return Status::FailedPrecondition("no memory reserve to populate");
  size_t first = 0;
  {
    std::lock_guard lock(mu_);
    if (populator_.joinable()) return Status::FailedPrecondition("memory is populated ahead already");
    first = std::max(taken_, populated_);
  }
  if (ahead == 0 || first >= size_) return Status::Ok();
  if (::madvise(base_ + first, kChunk, MADV_POPULATE_WRITE) != 0)
    return Status::FailedPrecondition(std::string("this system cannot populate memory ahead of use (") +
                                      std::strerror(errno) + "; MADV_POPULATE_WRITE needs Linux 5.14)");
  {
    std::lock_guard lock(mu_);
    populated_ = std::max(populated_, first + kChunk);
    ahead_ = (ahead + kChunk - 1) / kChunk * kChunk;
  }
  populator_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "lscb-memory");
    PopulateLoop();
  });
  return Status::Ok();
}

void MemoryReserve::PopulateLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    const size_t target = std::min(size_, taken_ + ahead_);
    if (stop_) return;
    // A chunk taken before it was populated is left to its user.
    const size_t from = std::max(populated_, taken_);
    if (from >= target) {
      cv_.wait(lock);
      continue;
    }
    lock.unlock();
    const bool ok = ::madvise(base_ + from, kChunk, MADV_POPULATE_WRITE) == 0;
    lock.lock();
    if (!ok) return;  // out of memory, most likely: users fault pages in themselves
    populated_ = std::max(populated_, from + kChunk);
  }
}

Status MemoryReserve::UseHugePages() {
  if (!base_) return Status::FailedPrecondition("no memory reserve for huge pages");
  size_t from = 0;
  {
    std::lock_guard lock(mu_);
    from = taken_;
  }
  if (from >= size_) return Status::Ok();
  if (::madvise(base_ + from, size_ - from, MADV_HUGEPAGE) != 0)
    return Status::FailedPrecondition(std::string("this system gives no transparent huge pages (") +
                                      std::strerror(errno) + ")");
  return Status::Ok();
}

size_t MemoryReserve::taken() const {
  std::lock_guard lock(mu_);
  return taken_;
}

size_t MemoryReserve::populated() const {
  std::lock_guard lock(mu_);
  return populated_;
}

#ifdef LSCB_WITH_TCMALLOC
namespace {

class ReserveSysAllocator final : public SysAllocator {
 public:
  ReserveSysAllocator(MemoryReserve& reserve, SysAllocator* fallback) : reserve_(reserve), fallback_(fallback) {}
  void* Alloc(size_t size, size_t* actual_size, size_t alignment) override {
    if (alignment <= MemoryReserve::kChunk)
      if (void* p = reserve_.Take(size, actual_size)) return p;
    return fallback_ ? fallback_->Alloc(size, actual_size, alignment) : nullptr;
  }

 private:
  MemoryReserve& reserve_;
  SysAllocator* fallback_;
};

}  // namespace

void AllocateFrom(MemoryReserve& reserve) {
  if (!reserve.valid()) return;
  // Lives as long as the process: tcmalloc may call it until the end.
  static auto* allocator =
      new ReserveSysAllocator(reserve, MallocExtension::instance()->GetSystemAllocator());
  MallocExtension::instance()->SetSystemAllocator(allocator);
}
#else
void AllocateFrom(MemoryReserve&) {}
#endif

}  // namespace lscb::hub
