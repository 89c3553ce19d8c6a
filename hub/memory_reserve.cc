#include "hub/memory_reserve.h"

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#ifdef LSCB_WITH_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif

namespace lscb::hub {
namespace {

// Populated in steps this size: each step holds the process's memory-map
// lock (for reading) while its pages are faulted in.
constexpr size_t kPopulateStep = size_t{256} << 10;

size_t RoundUpToChunk(size_t bytes) {
  constexpr size_t kChunk = MemoryReserve::kChunk;
  return (bytes + kChunk - 1) / kChunk * kChunk;
}

// Faults [at, at + bytes) in, kPopulateStep at a time; false at the first
// step the system refuses (errno says why).
bool Populate(char* at, size_t bytes) {
  for (size_t step = 0; step < bytes; step += kPopulateStep)
    if (::madvise(at + step, std::min(kPopulateStep, bytes - step), MADV_POPULATE_WRITE) != 0) return false;
  return true;
}

}  // namespace

MemoryReserve::MemoryReserve(size_t bytes) {
  if (bytes == 0 || bytes > SIZE_MAX / 2) return;
  bytes = RoundUpToChunk(bytes);
  // One chunk more, so that the range can start on a chunk boundary. No
  // access until a chunk is taken or populated (CommitUpTo): a range that
  // cannot be touched is not charged against the system's commit limit.
  void* p = ::mmap(nullptr, bytes + kChunk, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;
  map_ = p;
  base_ = reinterpret_cast<char*>(RoundUpToChunk(reinterpret_cast<uintptr_t>(p)));
  size_ = bytes;
}

MemoryReserve::~MemoryReserve() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (populator_.joinable()) populator_.join();
  if (map_) ::munmap(map_, size_ + kChunk);
}

bool MemoryReserve::CommitUpTo(size_t end) {
  if (end <= committed_) return true;
  if (::mprotect(base_ + committed_, end - committed_, PROT_READ | PROT_WRITE) != 0) return false;
  committed_ = end;
  return true;
}

void* MemoryReserve::Take(size_t size, size_t* taken) {
  if (!base_ || size == 0 || size > size_) return nullptr;
  const size_t rounded = RoundUpToChunk(size);
  char* p = nullptr;
  {
    std::lock_guard lock(mu_);
    if (rounded > size_ - taken_ || !CommitUpTo(taken_ + rounded)) return nullptr;
    p = base_ + taken_;
    taken_ += rounded;
  }
  cv_.notify_one();  // the populator's target moved
  if (taken) *taken = rounded;
  return p;
}

Status MemoryReserve::PopulateAhead(size_t ahead) {
  if (!base_) return Status::FailedPrecondition("no memory reserve to populate");
  if (ahead == 0) return Status::Ok();
  std::lock_guard lock(mu_);
  if (started_) return Status::FailedPrecondition("memory is populated ahead already");
  const size_t first = std::max(taken_, populated_);
  if (first >= size_) return Status::Ok();
  if (!CommitUpTo(first + kChunk))
    return Status::FailedPrecondition(std::string("memory cannot be reserved for populating: ") +
                                      std::strerror(errno));
  // The first step on this thread, so that a system that cannot populate
  // says so here.
  if (!Populate(base_ + first, kPopulateStep)) {
    const int e = errno;
    return Status::FailedPrecondition(
        e == EINVAL ? "this system cannot populate memory ahead of use (MADV_POPULATE_WRITE needs Linux 5.14)"
                    : std::string("memory cannot be populated ahead of use: ") + std::strerror(e));
  }
  ahead_ = RoundUpToChunk(ahead);
  started_ = true;
  populator_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "lscb-memory");
    PopulateLoop();
  });
  return Status::Ok();
}

void MemoryReserve::PopulateLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stop_) return;
    const size_t target = std::min(size_, taken_ + ahead_);
    // A chunk taken before it was populated is left to its user.
    const size_t from = std::max(populated_, taken_);
    if (from >= target) {
      cv_.wait(lock);
      continue;
    }
    if (!CommitUpTo(from + kChunk)) return;
    lock.unlock();
    const bool ok = Populate(base_ + from, kChunk);
    lock.lock();
    // Memory short (or the range unusable): from here on users fault pages
    // in themselves, as without a reserve.
    if (!ok) return;
    populated_ = std::max(populated_, from + kChunk);
  }
}

Status MemoryReserve::UseHugePages() {
  if (!base_) return Status::FailedPrecondition("no memory reserve for huge pages");
  return AdviseHugePages(TransparentHugePageMode());
}

Status MemoryReserve::UseHugePagesUntilStopped() {
  if (!base_) return Status::FailedPrecondition("no memory reserve for huge pages");
  const std::string mode = TransparentHugePageMode();
  if (mode.find("[always]") != std::string::npos) return Status::Ok();
  Status s = AdviseHugePages(mode);
  if (!s.ok()) return s;
  std::lock_guard lock(mu_);
  huge_until_stopped_ = true;
  return Status::Ok();
}

Status MemoryReserve::AdviseHugePages(const std::string& mode) {
  if (mode.find("[never]") != std::string::npos)
    return Status::FailedPrecondition("transparent huge pages are off on this system ([never] in "
                                      "/sys/kernel/mm/transparent_hugepage/enabled)");
  std::lock_guard lock(mu_);
  if (taken_ >= size_) return Status::Ok();
  if (::madvise(base_ + taken_, size_ - taken_, MADV_HUGEPAGE) != 0)
    return Status::FailedPrecondition(std::string("this system gives no transparent huge pages (") +
                                      std::strerror(errno) + ")");
  return Status::Ok();
}

void MemoryReserve::StopHugePages() {
  std::lock_guard lock(mu_);
  if (!huge_until_stopped_) return;
  // Advice only: when it cannot be given, pages not in memory yet may still
  // come huge, as they did until now.
  (void)::madvise(base_, size_, MADV_NOHUGEPAGE);
  huge_until_stopped_ = false;
}

std::string TransparentHugePageMode() {
  std::string mode;
  std::getline(std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled"), mode);
  return mode;
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

Status AllocateFrom(MemoryReserve& reserve) {
  if (!reserve.valid()) return Status::FailedPrecondition("the memory reserve could not be mapped");
  static std::mutex mu;
  static ReserveSysAllocator* installed = nullptr;  // lives as long as the process: tcmalloc may call it until the end
  std::lock_guard lock(mu);
  if (installed) return Status::FailedPrecondition("the allocator already takes its memory from a reserve");
  installed = new ReserveSysAllocator(reserve, MallocExtension::instance()->GetSystemAllocator());
  MallocExtension::instance()->SetSystemAllocator(installed);
  return Status::Ok();
}
#else
Status AllocateFrom(MemoryReserve&) {
  return Status::FailedPrecondition("this build's allocator is not tcmalloc: it cannot take memory from a reserve");
}
#endif

}  // namespace lscb::hub
