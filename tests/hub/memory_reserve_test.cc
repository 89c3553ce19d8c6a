#include "hub/memory_reserve.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace lscb::hub {
namespace {

constexpr size_t kChunk = MemoryReserve::kChunk;

// How many of the pages of [p, p + bytes) are in memory.
size_t ResidentPages(const char* p, size_t bytes) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in(bytes / page);
  EXPECT_EQ(::mincore(const_cast<char*>(p), bytes, in.data()), 0);
  size_t n = 0;
  for (unsigned char c : in) n += c & 1;
  return n;
}

// Waits up to 5 s for the populator to reach `at`.
void WaitPopulated(const MemoryReserve& r, size_t at) {
  for (int i = 0; i < 5000 && r.populated() < at; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_GE(r.populated(), at);
}

TEST(MemoryReserve, HandsOutAlignedChunksInOrderUntilItIsSpent) {
  MemoryReserve r(8 * kChunk);
  ASSERT_TRUE(r.valid());
  size_t taken = 0;
  char* a = static_cast<char*>(r.Take(1, &taken));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % kChunk, 0u);
  EXPECT_EQ(taken, kChunk);
  char* b = static_cast<char*>(r.Take(3 * kChunk - 1, &taken));
  ASSERT_EQ(b, a + kChunk);
  EXPECT_EQ(taken, 3 * kChunk);
  EXPECT_EQ(r.Take(5 * kChunk, &taken), nullptr);  // 4 left
  char* c = static_cast<char*>(r.Take(4 * kChunk, nullptr));
  ASSERT_EQ(c, a + 4 * kChunk);
  EXPECT_EQ(r.Take(1, &taken), nullptr);
  EXPECT_EQ(r.Take(SIZE_MAX, &taken), nullptr);  // no rounding past the end
  EXPECT_EQ(r.taken(), 8 * kChunk);
  EXPECT_TRUE(r.Holds(c + 4 * kChunk - 1));
  EXPECT_FALSE(r.Holds(c + 4 * kChunk));
  std::memset(a, 0x5a, 8 * kChunk);  // all of it is memory to use
  EXPECT_EQ(a[8 * kChunk - 1], 0x5a);
}

// Populating keeps a set distance ahead of what was taken, follows it, and
// never changes what a page holds (pages taken are written while it runs).
TEST(MemoryReserve, PopulatesAheadOfWhatWasTakenWithoutChangingIt) {
  MemoryReserve r(64 * kChunk);
  ASSERT_TRUE(r.valid());
  char* first = static_cast<char*>(r.Take(kChunk, nullptr));
  ASSERT_NE(first, nullptr);
  std::memset(first, 0x11, kChunk);
  EXPECT_EQ(ResidentPages(first + kChunk, 8 * kChunk), 0u);  // nothing touched yet
  Status s = r.PopulateAhead(4 * kChunk);
  ASSERT_TRUE(s.ok()) << s.ToString();
  WaitPopulated(r, 5 * kChunk);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(ResidentPages(first + kChunk, 4 * kChunk), 4 * kChunk / page);
  EXPECT_EQ(r.populated(), 5 * kChunk);  // and no further
  EXPECT_EQ(ResidentPages(first + 5 * kChunk, 4 * kChunk), 0u);

  // Taken and written while the populator moves on past them.
  char* next = static_cast<char*>(r.Take(6 * kChunk, nullptr));
  ASSERT_EQ(next, first + kChunk);
  std::memset(next, 0x22, 6 * kChunk);
  WaitPopulated(r, 11 * kChunk);
  EXPECT_EQ(ResidentPages(first + 7 * kChunk, 4 * kChunk), 4 * kChunk / page);
  EXPECT_EQ(r.populated(), 11 * kChunk);
  for (size_t i = 0; i < kChunk; i += page) ASSERT_EQ(first[i], 0x11) << i;
  for (size_t i = 0; i < 6 * kChunk; i += page) ASSERT_EQ(next[i], 0x22) << i;
  EXPECT_FALSE(r.PopulateAhead(kChunk).ok());  // once
}

// The flags of the mapping that holds `p` (/proc/self/smaps, "VmFlags:"),
// each with a space either side; empty when not found.
std::string VmFlagsOf(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  bool in = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
      in = lo <= at && at < hi;
    } else if (in && line.rfind("VmFlags:", 0) == 0) {
      return line.substr(8) + " ";
    }
  }
  return "";
}

// Huge pages asked for while the hub starts, and no longer once it has.
// Where the system gives them to all memory nothing is asked (advice could
// not be taken back). Pages in memory keep what they hold.
TEST(MemoryReserve, HugePagesAreAskedForUntilStopped) {
  MemoryReserve r(8 * kChunk);
  ASSERT_TRUE(r.valid());
  const std::string mode = TransparentHugePageMode();
  Status s = r.UseHugePagesUntilStopped();
  if (mode.find("[never]") != std::string::npos || (mode.empty() && !s.ok())) {  // or a kernel without them
    EXPECT_TRUE(s.IsFailedPrecondition()) << s.ToString();
    return;
  }
  ASSERT_TRUE(s.ok()) << s.ToString();
  const bool always = mode.find("[always]") != std::string::npos;
  char* a = static_cast<char*>(r.Take(kChunk, nullptr));
  ASSERT_NE(a, nullptr);
  std::memset(a, 0x33, kChunk);
  char* b = static_cast<char*>(r.Take(kChunk, nullptr));  // taken, not touched
  ASSERT_NE(b, nullptr);
  for (const char* p : {a, b}) {
    if (always) EXPECT_EQ(VmFlagsOf(p).find(" hg "), std::string::npos) << VmFlagsOf(p);
    else EXPECT_NE(VmFlagsOf(p).find(" hg "), std::string::npos) << VmFlagsOf(p);
  }

  r.StopHugePages();
  for (const char* p : {a, b, a + 4 * kChunk}) {  // taken or not
    EXPECT_EQ(VmFlagsOf(p).find(" hg "), std::string::npos) << VmFlagsOf(p);
    if (always) EXPECT_EQ(VmFlagsOf(p).find(" nh "), std::string::npos) << VmFlagsOf(p);
    else EXPECT_NE(VmFlagsOf(p).find(" nh "), std::string::npos) << VmFlagsOf(p);
  }
  for (size_t i = 0; i < kChunk; i += 4096) ASSERT_EQ(a[i], 0x33) << i;
  std::memset(b, 0x44, kChunk);  // still memory to use
  EXPECT_EQ(b[kChunk - 1], 0x44);
}

// Huge pages chosen for good are not stopped.
TEST(MemoryReserve, HugePagesChosenForGoodStay) {
  MemoryReserve r(8 * kChunk);
  ASSERT_TRUE(r.valid());
  Status s = r.UseHugePages();
  if (!s.ok()) {  // a system without them
    EXPECT_TRUE(s.IsFailedPrecondition()) << s.ToString();
    return;
  }
  char* a = static_cast<char*>(r.Take(kChunk, nullptr));
  ASSERT_NE(a, nullptr);
  r.StopHugePages();
  EXPECT_NE(VmFlagsOf(a).find(" hg "), std::string::npos) << VmFlagsOf(a);
  EXPECT_EQ(VmFlagsOf(a).find(" nh "), std::string::npos) << VmFlagsOf(a);
}

#ifdef LSCB_WITH_TCMALLOC
// The allocator's new memory comes from the reserve once it is installed.
TEST(MemoryReserve, TcmallocTakesTheMemoryItGrowsByFromTheReserve) {
  auto* reserve = new MemoryReserve(size_t{1} << 30);  // as in the hub: never freed
  ASSERT_TRUE(reserve->valid());
  Status installed = AllocateFrom(*reserve);
  ASSERT_TRUE(installed.ok()) << installed.ToString();
  MemoryReserve another(8 * kChunk);
  EXPECT_TRUE(AllocateFrom(another).IsFailedPrecondition());  // once per process
  const size_t before = reserve->taken();
  std::vector<char*> blocks;
  for (int i = 0; i < 4; ++i) {
    blocks.push_back(static_cast<char*>(std::malloc(16 << 20)));
    ASSERT_NE(blocks.back(), nullptr);
    std::memset(blocks.back(), i, 16 << 20);
  }
  EXPECT_GE(reserve->taken(), before + (64u << 20));
  for (char* b : blocks) EXPECT_TRUE(reserve->Holds(b));
  for (char* b : blocks) std::free(b);
}
#else
// A build whose allocator is not tcmalloc says so, and the hub then neither
// populates nor asks for huge pages.
TEST(MemoryReserve, AnAllocatorThatIsNotTcmallocIsNotGivenTheReserve) {
  MemoryReserve r(8 * kChunk);
  ASSERT_TRUE(r.valid());
  EXPECT_TRUE(AllocateFrom(r).IsFailedPrecondition());
  EXPECT_EQ(r.taken(), 0u);
}
#endif

}  // namespace
}  // namespace lscb::hub
