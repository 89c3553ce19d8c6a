// The agency-side outbox on a real RocksDB in a temporary folder: enqueue,
// acknowledge, reject; positions written atomically with events; a process
// killed with SIGKILL loses nothing it was told was queued.
#include "store/outbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace lscb::store {
namespace {

using testing::TempDir;

class FakeClock final : public Clock {
 public:
  int64_t now = 1'700'000'000;
  int64_t NowSeconds() const override { return now; }
  std::chrono::steady_clock::time_point Steady() const override { return std::chrono::steady_clock::now(); }
};

std::unique_ptr<Outbox> MustOpen(const std::string& dir, OutboxOptions options = {}) {
  auto outbox = Outbox::Open(dir, options);
  EXPECT_TRUE(outbox.ok()) << outbox.status().ToString();
  return outbox.ok() ? std::move(outbox.value()) : nullptr;
}

std::vector<OutboxItem> Items(int n, const std::string& prefix = "e") {
  std::vector<OutboxItem> items;
  for (int i = 0; i < n; ++i) items.push_back({"feed.csv:" + std::to_string(i + 2), prefix + std::to_string(i)});
  return items;
}

std::vector<PendingEvent> AllPending(Outbox& outbox) {
  std::vector<PendingEvent> out;
  EXPECT_TRUE(outbox.ReadPending(0, 1'000'000, out).ok());
  return out;
}

TEST(OutboxTest, EnqueueReadCompleteDeletes) {
  TempDir tmp;
  FakeClock clock;
  OutboxOptions options;
  options.clock = &clock;
  auto outbox = MustOpen(tmp / "outbox", options);
  ASSERT_TRUE(outbox);
  EXPECT_EQ(outbox->Stats().waiting, 0u);
  EXPECT_FALSE(outbox->Stats().oldest_enqueued.has_value());

  auto first = outbox->Enqueue(Items(5));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  clock.now += 60;
  auto second = outbox->Enqueue(Items(2, "f"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first + 5);

  OutboxStats st = outbox->Stats();
  EXPECT_EQ(st.waiting, 7u);
  EXPECT_EQ(st.oldest_enqueued, clock.now - 60);

  std::vector<PendingEvent> some;
  ASSERT_TRUE(outbox->ReadPending(*first + 3, 3, some).ok());
  ASSERT_EQ(some.size(), 3u);
  EXPECT_EQ(some[0].seq, *first + 3);
  EXPECT_EQ(some[0].payload, "e3");
  EXPECT_EQ(some[0].label, "feed.csv:5");
  EXPECT_EQ(some[2].payload, "f0");
  EXPECT_EQ(some[2].enqueued_at, clock.now);

  // Acknowledge the first five (one twice: ignored); the oldest is now the
  // second batch.
  std::vector<Completion> done;
  for (int i = 0; i < 5; ++i) done.push_back({*first + i, false, ""});
  ASSERT_TRUE(outbox->Complete(done).ok());
  ASSERT_TRUE(outbox->Complete({{*first, false, ""}}).ok());
  st = outbox->Stats();
  EXPECT_EQ(st.waiting, 2u);
  EXPECT_EQ(st.oldest_enqueued, clock.now);
  EXPECT_EQ(st.rejected, 0u);
  auto left = AllPending(*outbox);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].payload, "f0");

  ASSERT_TRUE(outbox->Complete({{*second, false, ""}, {*second + 1, false, ""}}).ok());
  EXPECT_EQ(outbox->Stats().waiting, 0u);
  EXPECT_TRUE(AllPending(*outbox).empty());

  // Sequence numbers are never reused, even after everything was delivered
  // and the outbox reopened.
  outbox.reset();
  outbox = MustOpen(tmp / "outbox");
  auto third = outbox->Enqueue(Items(1));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, *second + 2);
}

TEST(OutboxTest, RejectedEventsAreKeptWithTheirReasons) {
  TempDir tmp;
  FakeClock clock;
  OutboxOptions options;
  options.clock = &clock;
  auto outbox = MustOpen(tmp / "outbox", options);
  auto first = outbox->Enqueue(Items(3));
  ASSERT_TRUE(first.ok());
  clock.now += 5;
  ASSERT_TRUE(outbox
                  ->Complete({{*first, false, ""},
                              {*first + 1, true, "board: unknown board E09999999"},
                              {*first + 2, false, ""}})
                  .ok());
  OutboxStats st = outbox->Stats();
  EXPECT_EQ(st.waiting, 0u);
  EXPECT_EQ(st.rejected, 1u);

  outbox.reset();  // survives reopening, and a read-only view sees it
  OutboxOptions ro;
  ro.read_only = true;
  auto view = MustOpen(tmp / "outbox", ro);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->Stats().rejected, 1u);
  std::vector<RejectedEvent> rejected;
  ASSERT_TRUE(view->ScanRejected([&](const RejectedEvent& e) {
                    rejected.push_back(e);
                    return true;
                  }).ok());
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].seq, *first + 1);
  EXPECT_EQ(rejected[0].label, "feed.csv:3");
  EXPECT_EQ(rejected[0].reason, "board: unknown board E09999999");
  EXPECT_EQ(rejected[0].payload, "e1");
  EXPECT_EQ(rejected[0].rejected_at, rejected[0].enqueued_at + 5);
  EXPECT_TRUE(view->Enqueue(Items(1)).status().IsFailedPrecondition());
}

TEST(OutboxTest, APositionIsWrittenAtomicallyWithItsEvents) {
  TempDir tmp;
  auto outbox = MustOpen(tmp / "outbox");
  auto none = outbox->GetPosition("stream:csc-events:/feed.csv");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(outbox->Enqueue(Items(3), OutboxPosition{"stream:csc-events:/feed.csv", "v1 1 2 300 4"}).ok());
  // Rows that make no events (blank, invalid) still move the position.
  ASSERT_TRUE(outbox->Enqueue({}, OutboxPosition{"stream:csc-events:/feed.csv", "v1 1 2 340 5"}).ok());
  ASSERT_TRUE(outbox->Enqueue(Items(1), OutboxPosition{"stream:csc-events:/other.csv", "v1 1 3 90 2"}).ok());
  EXPECT_EQ(outbox->Stats().waiting, 4u);

  outbox.reset();
  outbox = MustOpen(tmp / "outbox");
  auto pos = outbox->GetPosition("stream:csc-events:/feed.csv");
  ASSERT_TRUE(pos.ok() && pos->has_value());
  EXPECT_EQ(**pos, "v1 1 2 340 5");
  std::vector<std::string> names;
  ASSERT_TRUE(outbox->ScanPositions([&](std::string_view name, std::string_view) {
                      names.emplace_back(name);
                      return true;
                    }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"stream:csc-events:/feed.csv", "stream:csc-events:/other.csv"}));
}

// A child process enqueues batches with positions as fast as it can and is
// killed with SIGKILL at a random moment. Every batch it reported as queued
// is there after reopening, and the stored position always matches the
// events stored: never events without their position, nor the reverse.
TEST(OutboxTest, ReopenAfterAKillKeepsEveryQueuedEventWithItsPosition) {
  TempDir tmp;
  const std::string dir = tmp / "outbox";
  const std::string progress = tmp / "progress";
  for (int round = 0; round < 3; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto outbox = Outbox::Open(dir, OutboxOptions());
      if (!outbox.ok()) ::_exit(3);
      // Position value: the number of events queued under it so far.
      auto pos = (*outbox)->GetPosition("p");
      long count = pos.ok() && pos->has_value() ? std::stol(**pos) : 0;
      for (int batch = 0; batch < 100000; ++batch) {
        count += 10;
        if (!(*outbox)->Enqueue(Items(10), OutboxPosition{"p", std::to_string(count)}).ok()) ::_exit(4);
        std::ofstream(progress, std::ios::trunc) << count << "\n";  // "told the caller"
      }
      ::_exit(0);
    }
    ::usleep(static_cast<useconds_t>(150'000 + 70'000 * round));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended by itself: " << status;

    long reported = 0;
    std::ifstream(progress) >> reported;
    auto outbox = MustOpen(dir);
    ASSERT_TRUE(outbox);
    auto pos = outbox->GetPosition("p");
    ASSERT_TRUE(pos.ok() && pos->has_value());
    long stored = std::stol(**pos);
    EXPECT_GT(stored, 0);
    EXPECT_GE(stored, reported);
    EXPECT_EQ(outbox->Stats().waiting, static_cast<uint64_t>(stored));
    EXPECT_EQ(AllPending(*outbox).size(), static_cast<size_t>(stored));
  }
}

TEST(OutboxTest, ASecondProcessIsRefusedWithAClearMessage) {
  TempDir tmp;
  auto outbox = MustOpen(tmp / "outbox");
  ASSERT_TRUE(outbox);
  auto second = Outbox::Open(tmp / "outbox", OutboxOptions());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsFailedPrecondition());
  EXPECT_NE(second.status().message().find("in use by another lscb process"), std::string::npos)
      << second.status().message();
  // Reading without the lock works meanwhile.
  ASSERT_TRUE(outbox->Enqueue(Items(2)).ok());
  OutboxOptions ro;
  ro.read_only = true;
  auto view = MustOpen(tmp / "outbox", ro);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->Stats().waiting, 2u);
}

TEST(OutboxTest, RefusesWhatIsNotAnOutbox) {
  TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  auto not_dir = Outbox::Open(tmp / "file", OutboxOptions());
  ASSERT_FALSE(not_dir.ok());
  EXPECT_NE(not_dir.status().message().find("is not a folder"), std::string::npos);

  OutboxOptions ro;
  ro.read_only = true;
  auto missing = Outbox::Open(tmp / "missing", ro);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
}

}  // namespace
}  // namespace lscb::store
