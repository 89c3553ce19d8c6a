// Import -> snapshot through a real hub on loopback sockets and a real store.
#include <gtest/gtest.h>

#include <pthread.h>

#include <atomic>
#include <set>
#include <thread>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "lscb/v1/event.pb.h"
#include "lscb/v1/store.pb.h"
#include "store/store.h"
#include "testing/events.h"
#include "testing/hub_fixture.h"

namespace lscb {
namespace {

using testing::RunningHub;
using testing::TempDir;

const adapters::LinkageKey& Key() {
  static const adapters::LinkageKey key = adapters::LinkageKey::FromSecret("integration-test-linkage-secret");
  return key;
}

std::vector<std::string> Encode(const std::string& csv) {
  adapters::AdapterContext ctx{BoardRegistry::Default(), &Key()};
  auto parsed = adapters::FindAdapter("csc-events")->Parse("feed.csv", csv, ctx);
  EXPECT_TRUE(parsed.errors.empty()) << parsed.errors.front().ToString();
  std::vector<std::string> out;
  for (const auto& e : parsed.events) out.push_back(e.SerializeAsString());
  return out;
}

std::map<lscb::v1::Outcome, size_t> Deliver(const RunningHub& hub, const std::vector<std::string>& events) {
  client::SenderOptions o;
  o.endpoint = hub.endpoints().ingest;
  o.give_up_after = std::chrono::seconds(20);
  client::Sender sender(o);
  auto results = sender.SendAll(events);
  EXPECT_TRUE(results.ok()) << results.status().ToString();
  std::map<lscb::v1::Outcome, size_t> counts;
  if (results.ok())
    for (const auto& r : *results) ++counts[r.outcome];
  return counts;
}

std::string Csv(const RunningHub& hub, const std::string& board, const std::string& period) {
  client::QueryOptions q;
  q.endpoint = hub.endpoints().query;
  auto snap = client::FetchSnapshot(q, board, period);
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  return snap.ok() ? client::SnapshotToCsv(*snap) : "";
}

// Everything the Board would read for the synthetic feed's year.
std::string AllSnapshots(const RunningHub& hub) {
  std::string all;
  for (const char* board : {"london", "E09000011", "E09000012", "E09000022"})
    for (const char* period : {"FY2007-08", "2007-Q2", "2007-Q4", "2008-Q1", "2007-09", "2008-03"})
      all += Csv(hub, board, period);
  return all;
}

TEST(ImportSnapshot, ExactlyOnceAndAmendmentsCorrectCounts) {
  const size_t rows = 3000;
  auto original = Encode(adapters::SyntheticCscEventsCsv(rows, 11));
  adapters::SyntheticOptions amend;
  amend.amend_every = 10;
  auto amended = Encode(adapters::SyntheticCscEventsCsv(rows, 11, amend));
  ASSERT_EQ(original.size(), rows);

  TempDir dir;
  RunningHub hub(dir / "hub");
  ASSERT_TRUE(hub.ok());
  auto first = Deliver(hub, original);
  EXPECT_EQ(first[lscb::v1::ACCEPTED], rows);
  std::string after_first = AllSnapshots(hub);
  EXPECT_NE(after_first.find("CSC_CONTACTS"), std::string::npos);
  EXPECT_NE(after_first.find("CSC_CPP_OPEN"), std::string::npos);
  EXPECT_NE(after_first.find("CSC_REREFERRALS_12M"), std::string::npos);

  // The same file again: every row a duplicate, no count changes.
  auto second = Deliver(hub, original);
  EXPECT_EQ(second[lscb::v1::DUPLICATE], rows);
  EXPECT_EQ(AllSnapshots(hub), after_first);

  // Some rows changed: those are amendments, the rest duplicates.
  size_t changed = 0;
  for (size_t i = 0; i < rows; ++i) changed += original[i] != amended[i];
  ASSERT_GT(changed, rows / 20);
  auto third = Deliver(hub, amended);
  EXPECT_EQ(third[lscb::v1::AMENDED], changed);
  EXPECT_EQ(third[lscb::v1::DUPLICATE], rows - changed);
  std::string after_amend = AllSnapshots(hub);
  EXPECT_NE(after_amend, after_first);

  // The counts are corrected, not added to: the same as a hub that only ever
  // saw the amended file.
  TempDir clean_dir;
  RunningHub clean(clean_dir / "hub");
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(Deliver(clean, amended)[lscb::v1::ACCEPTED], rows);
  EXPECT_EQ(AllSnapshots(clean), after_amend);

  // The view after a restart (checkpoint) equals the view before.
  hub.Stop();
  RunningHub again(dir / "hub");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(AllSnapshots(again), after_amend);
}

TEST(ImportSnapshot, AStoppedHubRestartsWithTheSameView) {
  auto events = Encode(adapters::SyntheticCscEventsCsv(800, 5));
  TempDir dir;
  std::string expected;
  {
    hub::HubOptions o;
    o.checkpoint_every_events = 1u << 30;
    o.checkpoint_interval = std::chrono::hours(1);
    RunningHub hub(dir / "hub", o);
    Deliver(hub, events);
    expected = AllSnapshots(hub);
    // Nothing was checkpointed while running; stopping writes one.
  }
  RunningHub hub(dir / "hub");
  EXPECT_EQ(AllSnapshots(hub), expected);
}

using Outcomes = std::map<lscb::v1::Outcome, size_t>;

// Sends `first` and `second` at once, from two senders; the outcomes of each.
std::pair<Outcomes, Outcomes> SendTogether(const client::SenderOptions& so, const std::vector<std::string>& first,
                                           const std::vector<std::string>& second) {
  Outcomes r1, r2;
  auto deliver = [&](const std::vector<std::string>& events, Outcomes& out) {
    client::Sender sender(so);
    auto results = sender.SendAll(events);
    ASSERT_TRUE(results.ok()) << results.status().ToString();
    for (const auto& r : *results) ++out[r.outcome];
  };
  std::thread t1([&] { deliver(first, r1); });
  std::thread t2([&] { deliver(second, r2); });
  t1.join();
  t2.join();
  return {r1, r2};
}

// A slow disk fills the hub's bounded ingest queue: the hub stops reading,
// the senders wait, and every event still arrives exactly once.
TEST(ImportSnapshot, AFullIngestQueueSlowsSendersAndLosesNothing) {
  TempDir dir;
  hub::HubOptions o;
  o.max_queued_events = 512;
  o.max_group_events = 128;
  o.before_commit = [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    return Status::Ok();
  };
  RunningHub hub(dir / "hub", o);
  ASSERT_TRUE(hub.ok());
  adapters::SyntheticOptions a, b;
  a.boroughs = {"E09000011"};
  b.boroughs = {"E09000012"};
  auto first = Encode(adapters::SyntheticCscEventsCsv(6000, 1, a));
  auto second = Encode(adapters::SyntheticCscEventsCsv(6000, 2, b));
  client::SenderOptions so;
  so.endpoint = hub.endpoints().ingest;
  so.request_timeout = std::chrono::seconds(30);
  auto [r1, r2] = SendTogether(so, first, second);
  EXPECT_EQ(r1[lscb::v1::ACCEPTED] + r1[lscb::v1::MERGED], first.size());
  EXPECT_EQ(r2[lscb::v1::ACCEPTED] + r2[lscb::v1::MERGED], second.size());
  EXPECT_EQ(r1[lscb::v1::DUPLICATE] + r2[lscb::v1::DUPLICATE], 0u);  // nothing was re-sent
  hub::HubStats stats = hub.stats();
  EXPECT_GT(stats.queue_full_waits, 0u) << "the queue never filled: the test did not test backpressure";
  EXPECT_EQ(stats.events_committed, first.size() + second.size());
}

// Under load the writer decides a group while the committing thread commits
// the one before. When such a commit fails, neither group is acknowledged;
// the senders re-send, and every event is still in the log exactly once,
// with no gap.
TEST(ImportSnapshot, ACommitFailingWhileTheNextGroupIsDecidedLosesAndRepeatsNothing) {
  TempDir dir;
  hub::HubOptions o;
  o.max_group_events = 64;
  // The 3rd and 6th commits made on the committing thread (so with a group
  // decided behind them) fail.
  std::atomic<int> handed_over{0};
  o.before_commit = [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    char name[16] = {};
    ::pthread_getname_np(::pthread_self(), name, sizeof name);
    if (std::string_view(name) != "lscb-commit") return Status::Ok();
    const int n = ++handed_over;
    return n == 3 || n == 6 ? Status::IoError("disk full (injected)") : Status::Ok();
  };
  RunningHub hub(dir / "hub", o);
  ASSERT_TRUE(hub.ok());
  // Contacts, which do not link: a group decided behind a failing one
  // depends on it only through its place in the log.
  std::vector<std::string> first, second;
  for (int i = 0; i < 3000; ++i) {
    first.push_back(testing::MakeEvent({.record_id = "a" + std::to_string(i), .child = "a" + std::to_string(i % 700)})
                        .SerializeAsString());
    second.push_back(testing::MakeEvent({.board = "E09000012",
                                         .record_id = "b" + std::to_string(i),
                                         .child = "b" + std::to_string(i % 700)})
                         .SerializeAsString());
  }
  client::SenderOptions so;
  so.endpoint = hub.endpoints().ingest;
  so.batch_events = 16;
  so.request_timeout = std::chrono::seconds(2);
  auto [r1, r2] = SendTogether(so, first, second);
  hub::HubStats stats = hub.stats();
  EXPECT_GE(handed_over.load(), 6) << "too few groups were committed while the next was decided";
  EXPECT_GE(stats.groups_failed, 2u);
  // Each event is acknowledged once as new; a re-send of a batch whose ack
  // was only late is a duplicate.
  EXPECT_EQ(r1[lscb::v1::ACCEPTED], first.size());
  EXPECT_EQ(r2[lscb::v1::ACCEPTED], second.size());
  EXPECT_EQ(stats.events_committed - r1[lscb::v1::DUPLICATE] - r2[lscb::v1::DUPLICATE],
            first.size() + second.size());
  hub.Stop();
  auto store = store::Store::Open(dir / "hub", {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->last_event_seq(), first.size() + second.size());
  uint64_t expect = 1;
  std::set<std::string> records;
  ASSERT_TRUE((*store)
                  ->ScanEvents(1,
                               [&](uint64_t seq, std::string_view raw) {
                                 EXPECT_EQ(seq, expect++);
                                 lscb::v1::LogEntry e;
                                 lscb::v1::Envelope env;
                                 EXPECT_TRUE(e.ParseFromArray(raw.data(), static_cast<int>(raw.size())));
                                 EXPECT_TRUE(env.ParseFromString(e.envelope()));
                                 records.insert(env.source() + "/" + env.source_event_id());
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(records.size(), first.size() + second.size());
}

// With one event in flight, the receiving thread decides and commits each
// event itself (no hand-off to the writer and back). A batch of more than a
// few events goes to the writer.
TEST(ImportSnapshot, OneEventInFlightIsCommittedByTheReceiverAndABigBatchByTheWriter) {
  TempDir dir;
  RunningHub hub(dir / "hub");
  ASSERT_TRUE(hub.ok());
  client::SenderOptions so;
  so.endpoint = hub.endpoints().ingest;
  so.batch_events = 1;
  so.window = 1;
  std::vector<std::string> singles;
  for (int i = 0; i < 50; ++i)
    singles.push_back(testing::MakeEvent({.record_id = "s" + std::to_string(i)}).SerializeAsString());
  auto results = client::Sender(so).SendAll(singles);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  for (const auto& r : *results) EXPECT_EQ(r.outcome, lscb::v1::ACCEPTED) << r.reason;
  hub::HubStats stats = hub.stats();
  EXPECT_EQ(stats.groups_committed, 50u);
  // The writer has the turn now and then (checks for checkpoints and the
  // like); an event arriving just then is queued for it.
  EXPECT_GE(stats.groups_by_receiver, 45u);

  std::vector<std::string> batch;
  for (int i = 0; i < 200; ++i)
    batch.push_back(testing::MakeEvent({.record_id = "b" + std::to_string(i)}).SerializeAsString());
  so.batch_events = 200;
  results = client::Sender(so).SendAll(batch);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 200u);
  for (const auto& r : *results) EXPECT_EQ(r.outcome, lscb::v1::ACCEPTED) << r.reason;
  EXPECT_EQ(hub.stats().groups_by_receiver, stats.groups_by_receiver);
  EXPECT_EQ(hub.stats().events_committed, 250u);
}

// A small batch arriving while a big one is being committed by the writer
// is decided after it: an amendment of the big batch's last record, sent
// (on another connection) during that commit, is an amendment.
TEST(ImportSnapshot, ASmallBatchArrivingDuringABigOnesCommitIsDecidedAfterIt) {
  TempDir dir;
  hub::HubOptions o;
  std::atomic<bool> committing{false};
  o.before_commit = [&] {
    committing = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Status::Ok();
  };
  RunningHub hub(dir / "hub", o);
  ASSERT_TRUE(hub.ok());
  std::vector<std::string> big;
  for (int i = 0; i < 100; ++i)
    big.push_back(testing::MakeEvent({.record_id = "r" + std::to_string(i)}).SerializeAsString());
  client::SenderOptions so;
  so.endpoint = hub.endpoints().ingest;
  so.batch_events = 100;
  so.request_timeout = std::chrono::seconds(10);
  Result<std::vector<client::EventResult>> big_results = Status::Internal("not sent");
  std::thread t([&] { big_results = client::Sender(so).SendAll(big); });
  for (int i = 0; i < 500 && !committing; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(committing.load()) << "the big batch was never committed";
  auto amended = client::Sender(so).SendAll(
      {testing::MakeEvent({.record_id = "r99", .label = "school"}).SerializeAsString()});
  t.join();
  ASSERT_TRUE(big_results.ok()) << big_results.status().ToString();
  for (const auto& r : *big_results) EXPECT_EQ(r.outcome, lscb::v1::ACCEPTED) << r.reason;
  ASSERT_TRUE(amended.ok()) << amended.status().ToString();
  EXPECT_EQ(amended->front().outcome, lscb::v1::AMENDED) << amended->front().reason;
  hub.Stop();
  auto store = store::Store::Open(dir / "hub", {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->last_event_seq(), 101u);
}

TEST(ImportSnapshot, QueriesNameWhatIsWrong) {
  TempDir dir;
  RunningHub hub(dir / "hub");
  client::QueryOptions q;
  q.endpoint = hub.endpoints().query;
  auto bad_board = client::FetchSnapshot(q, "Gotham", "FY2007-08");
  ASSERT_FALSE(bad_board.ok());
  EXPECT_NE(bad_board.status().message().find("unknown board 'Gotham'"), std::string::npos);
  auto bad_period = client::FetchSnapshot(q, "london", "2007-13");
  ASSERT_FALSE(bad_period.ok());
  EXPECT_NE(bad_period.status().message().find("not a period"), std::string::npos);
  // A board by DfE number and by name gives the ONS code.
  auto by_number = client::FetchSnapshot(q, "203", "FY2007-08");
  ASSERT_TRUE(by_number.ok());
  EXPECT_EQ(by_number->board(), "E09000011");
  EXPECT_EQ(by_number->definitions_version(), "v1");
}

}  // namespace
}  // namespace lscb
