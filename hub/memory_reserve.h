// Memory for the hub's allocator from one range of address space reserved at
// start, populated ahead of use by a background thread.
//
// Under load the hub's memory grows by tens of megabytes a second (RocksDB's
// memtables above all), and the first touch of each page is a page fault on
// the thread that touches it, often the one committing a group. Where page
// faults are dear (on some virtual machines, tens of microseconds each),
// populating the pages ahead in bulk (MADV_POPULATE_WRITE, 256 KiB a call)
// costs less in all, and those threads seldom wait for a fault (the
// populating thread still competes with them for the cores). With huge
// pages (UseHugePages) there are 512 times fewer faults, but each one takes
// longer: the hub asks for them while it starts, when it fills hundreds of
// megabytes at once, and after only if chosen (UseHugePagesUntilStopped).
// Otherwise the system's setting applies (where transparent huge pages are
// "always", the reserve gets them too).
//
// Thread-safe: every member may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace lscb::hub {

class MemoryReserve {
 public:
  // What Take hands out is a multiple of this, aligned to it (a huge page).
  static constexpr size_t kChunk = size_t{2} << 20;

  // Reserves `bytes` of address space, not memory: the range has no access
  // (and is not charged against the system's commit limit) until a chunk is
  // taken or populated, and pages are backed as they are touched or
  // populated. valid() is false when the system refuses the range (a limit
  // on address space).
  explicit MemoryReserve(size_t bytes);
  // Stops populating and unmaps the whole range: only once nothing taken
  // from it is in use. (The hub's reserve lives as long as the process.)
  ~MemoryReserve();
  MemoryReserve(const MemoryReserve&) = delete;
  MemoryReserve& operator=(const MemoryReserve&) = delete;

  bool valid() const { return base_ != nullptr; }

  // `size` bytes rounded up to a multiple of kChunk (the rounded size in
  // *taken, when given), aligned to kChunk; nullptr when the reserve is not
  // valid or has too little left.
  void* Take(size_t size, size_t* taken);

  // From now on a background thread keeps the `ahead` bytes after what was
  // taken populated (rounded up to chunks); 0: none. The first step is
  // populated before this returns: FailedPrecondition when the system
  // cannot populate memory (MADV_POPULATE_WRITE, Linux 5.14) or when called
  // before, and nothing is started. Populating never changes what a page
  // holds. When it fails later (memory short), populating stops: users
  // fault pages in themselves, as without a reserve.
  Status PopulateAhead(size_t ahead);

  // Transparent huge pages for the part not taken yet (MADV_HUGEPAGE), for
  // good: FailedPrecondition when the system has them off.
  Status UseHugePages();

  // Huge pages for a while, for a start that fills hundreds of megabytes
  // at once. Where the system gives them only to memory that asks
  // ("madvise", or when its setting cannot be read), as UseHugePages until
  // StopHugePages. Where it gives them to all memory ("always"), nothing is
  // asked: the memory gets them anyway, and advice could not be taken back
  // (memory that asks also waits for the kernel to compact memory into
  // huge pages). FailedPrecondition when the system has them off.
  Status UseHugePagesUntilStopped();

  // Ends UseHugePagesUntilStopped (nothing otherwise): the pages of the
  // range not in memory yet, taken or not, come as small pages again
  // (MADV_NOHUGEPAGE), and the kernel no longer merges small pages into
  // huge ones there; pages in memory stay as they are.
  void StopHugePages();

  // Bytes taken from the start of the range; how far populating has gone
  // (below that, each chunk was populated, or taken before it could be).
  size_t taken() const;
  size_t populated() const;
  // Whether `p` lies in the range.
  bool Holds(const void* p) const {
    return base_ && static_cast<const char*>(p) >= base_ && static_cast<const char*>(p) < base_ + size_;
  }

 private:
  void PopulateLoop();
  // Under mu_: gives [0, end) read and write access.
  bool CommitUpTo(size_t end);
  // MADV_HUGEPAGE for the part not taken yet, the system's setting being
  // `mode`.
  Status AdviseHugePages(const std::string& mode);

  char* base_ = nullptr;
  size_t size_ = 0;     // usable bytes from base_
  void* map_ = nullptr;  // the mapping: size_ + kChunk bytes, base_ within it
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t taken_ = 0;      // guarded by mu_
  size_t populated_ = 0;  // guarded by mu_
  size_t ahead_ = 0;      // guarded by mu_
  size_t committed_ = 0;  // bytes with access; guarded by mu_
  bool started_ = false;  // guarded by mu_
  bool huge_until_stopped_ = false;  // guarded by mu_
  bool stop_ = false;     // guarded by mu_
  std::thread populator_;
};

// The system's transparent huge page setting, e.g. "always [madvise] never"
// (/sys/kernel/mm/transparent_hugepage/enabled); empty when it cannot be
// read (or the kernel has none).
std::string TransparentHugePageMode();

// Makes tcmalloc take the memory it asks the system for from `reserve`
// (which must outlive every allocation), falling back to its own way when
// the reserve cannot serve. Once per process. FailedPrecondition (and
// nothing changes) when the reserve is not valid, when a reserve was
// installed before, or in a build whose allocator is not tcmalloc.
Status AllocateFrom(MemoryReserve& reserve);

}  // namespace lscb::hub
