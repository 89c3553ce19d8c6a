// The sender delivering from a real outbox (RocksDB in a temporary folder)
// over real loopback sockets to a stand-in hub that injects faults: acks
// that never come, a hub that is not there yet, rejections.
#include "client/sender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "store/outbox.h"
#include "testing/process.h"
#include "testing/temp_dir.h"
#include "transport/transport.h"

namespace lscb::client {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// A ROUTER that answers batches as `policy` says (nullopt: no answer, as if
// the ack were lost).
class FakeHub {
 public:
  using Policy = std::function<std::optional<lscb::v1::BatchAck>(uint64_t batch_id,
                                                                 const std::vector<std::string>& events)>;

  FakeHub(const std::string& endpoint, Policy policy) : policy_(std::move(policy)) {
    auto server = transport::Server::Bind(ctx_, endpoint, transport::ServerOptions());
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok()) return;
    server_ = std::move(server.value());
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeHub() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const std::string& endpoint() const { return server_->endpoint(); }
  int batches() const { return batches_; }
  // How many times each event payload arrived.
  std::map<std::string, int> arrivals() {
    std::lock_guard lock(mu_);
    return arrivals_;
  }

  static std::optional<lscb::v1::BatchAck> AcceptAll(uint64_t id, const std::vector<std::string>& events) {
    lscb::v1::BatchAck ack;
    ack.set_batch_id(id);
    for (size_t i = 0; i < events.size(); ++i) {
      auto* a = ack.add_acks();
      a->set_index(static_cast<uint32_t>(i));
      a->set_outcome(lscb::v1::ACCEPTED);
    }
    return ack;
  }

 private:
  void Serve() {
    while (!stop_) {
      std::string peer;
      auto got = server_->Receive(peer, 20ms);
      if (!got.ok()) return;
      if (!got->has_value() || (*got)->empty()) continue;
      lscb::v1::BatchHeader header;
      if (!header.ParseFromString((**got)[0])) continue;
      std::vector<std::string> events((*got)->begin() + 1, (*got)->end());
      ++batches_;
      {
        std::lock_guard lock(mu_);
        for (const auto& e : events) ++arrivals_[e];
      }
      auto ack = policy_(header.batch_id(), events);
      if (ack) server_->Send(peer, {ack->SerializeAsString()});
    }
  }

  transport::Context ctx_;
  std::unique_ptr<transport::Server> server_;
  Policy policy_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> batches_{0};
  std::mutex mu_;
  std::map<std::string, int> arrivals_;
};

std::string Endpoint() { return "tcp://127.0.0.1:" + std::to_string(testing::FreePort()); }

std::unique_ptr<store::Outbox> OpenOutbox(const std::string& dir) {
  auto outbox = store::Outbox::Open(dir, store::OutboxOptions());
  EXPECT_TRUE(outbox.ok()) << outbox.status().ToString();
  return outbox.ok() ? std::move(outbox.value()) : nullptr;
}

void Fill(store::Outbox& outbox, int n, const std::string& prefix = "event-") {
  std::vector<store::OutboxItem> items;
  for (int i = 0; i < n; ++i) items.push_back({"test:" + std::to_string(i), prefix + std::to_string(i)});
  ASSERT_TRUE(outbox.Enqueue(items).ok());
}

SenderOptions Fast(const std::string& endpoint) {
  SenderOptions o;
  o.endpoint = endpoint;
  o.batch_events = 50;
  o.request_timeout = 300ms;
  o.initial_backoff = 20ms;
  o.max_backoff = 100ms;
  o.give_up_after = 20s;
  o.seed = 42;
  return o;
}

TEST(BackoffTest, DoublesUpToTheMaximumWithAtMostHalfAsMuchJitter) {
  Backoff b(100ms, 1000ms, 7);
  std::vector<std::chrono::milliseconds> base = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (auto expected : base) {
    auto d = b.Next();
    EXPECT_GE(d, expected);
    EXPECT_LE(d, expected + expected / 2);
  }
  b.Reset();
  auto d = b.Next();
  EXPECT_GE(d, 100ms);
  EXPECT_LE(d, 150ms);

  // Deterministic for a seed; different seeds spread the retries.
  Backoff x(100ms, 1000ms, 1), y(100ms, 1000ms, 1), z(100ms, 1000ms, 2);
  std::vector<int64_t> xs, ys, zs;
  for (int i = 0; i < 8; ++i) {
    xs.push_back(x.Next().count());
    ys.push_back(y.Next().count());
    zs.push_back(z.Next().count());
  }
  EXPECT_EQ(xs, ys);
  EXPECT_NE(xs, zs);
}

TEST(OutboxSenderTest, DeliversEverythingOnceAndEmptiesTheOutbox) {
  TempDir tmp;
  FakeHub hub("tcp://127.0.0.1:*", FakeHub::AcceptAll);
  auto outbox = OpenOutbox(tmp / "outbox");
  Fill(*outbox, 1000);
  std::set<uint64_t> acked;
  OutboxSender sender(*outbox, Fast(hub.endpoint()), [&](uint64_t seq, const EventResult& r) {
    EXPECT_EQ(r.outcome, lscb::v1::ACCEPTED);
    EXPECT_TRUE(acked.insert(seq).second) << "acked twice: " << seq;
  });
  ASSERT_TRUE(sender.DeliverAll().ok());
  EXPECT_EQ(acked.size(), 1000u);
  EXPECT_EQ(outbox->Stats().waiting, 0u);
  EXPECT_EQ(sender.progress().acked, 1000u);
  EXPECT_TRUE(sender.idle());
  for (const auto& [payload, n] : hub.arrivals()) EXPECT_EQ(n, 1) << payload;
  EXPECT_EQ(hub.arrivals().size(), 1000u);
}

TEST(OutboxSenderTest, RejectedEventsLeavePendingAndAreKeptWithTheirReason) {
  TempDir tmp;
  FakeHub hub("tcp://127.0.0.1:*", [](uint64_t id, const std::vector<std::string>& events) {
    auto ack = FakeHub::AcceptAll(id, events);
    for (size_t i = 0; i < events.size(); ++i)
      if (events[i].rfind("bad", 0) == 0) {
        ack->mutable_acks(static_cast<int>(i))->set_outcome(lscb::v1::REJECTED);
        ack->mutable_acks(static_cast<int>(i))->set_reason("subject: aged 18 or over");
      }
    return ack;
  });
  auto outbox = OpenOutbox(tmp / "outbox");
  Fill(*outbox, 10, "good-");
  Fill(*outbox, 2, "bad-");
  std::map<lscb::v1::Outcome, int> outcomes;
  OutboxSender sender(*outbox, Fast(hub.endpoint()),
                      [&](uint64_t, const EventResult& r) { ++outcomes[r.outcome]; });
  ASSERT_TRUE(sender.DeliverAll().ok());
  EXPECT_EQ(outcomes[lscb::v1::ACCEPTED], 10);
  EXPECT_EQ(outcomes[lscb::v1::REJECTED], 2);
  auto st = outbox->Stats();
  EXPECT_EQ(st.waiting, 0u);
  EXPECT_EQ(st.rejected, 2u);
  std::vector<std::string> reasons;
  ASSERT_TRUE(outbox->ScanRejected([&](const store::RejectedEvent& e) {
                      reasons.push_back(e.payload + ": " + e.reason);
                      return true;
                    }).ok());
  EXPECT_EQ(reasons, (std::vector<std::string>{"bad-0: subject: aged 18 or over", "bad-1: subject: aged 18 or over"}));
}

// The first batch's ack never comes: after the request time-out every batch
// in flight is re-sent on a fresh connection; nothing is lost and each event
// is answered once.
TEST(OutboxSenderTest, ALostAckIsResentOnAFreshConnection) {
  TempDir tmp;
  std::atomic<int> seen{0};
  FakeHub hub("tcp://127.0.0.1:*", [&](uint64_t id, const std::vector<std::string>& events) {
    if (seen++ == 0) return std::optional<lscb::v1::BatchAck>();
    return FakeHub::AcceptAll(id, events);
  });
  auto outbox = OpenOutbox(tmp / "outbox");
  Fill(*outbox, 400);
  std::set<uint64_t> acked;
  OutboxSender sender(*outbox, Fast(hub.endpoint()),
                      [&](uint64_t seq, const EventResult&) { EXPECT_TRUE(acked.insert(seq).second); });
  ASSERT_TRUE(sender.DeliverAll().ok());
  EXPECT_EQ(acked.size(), 400u);
  EXPECT_GE(sender.progress().retries, 1);
  EXPECT_EQ(outbox->Stats().waiting, 0u);
  EXPECT_EQ(hub.arrivals().at("event-0"), 2);  // the unanswered batch came again
}

// The sender holds at most `window` batches in flight: a hub that does not
// answer sees exactly that many before the time-out.
TEST(OutboxSenderTest, NeverMoreThanTheWindowInFlight) {
  TempDir tmp;
  std::atomic<bool> answer{false};
  FakeHub hub("tcp://127.0.0.1:*", [&](uint64_t id, const std::vector<std::string>& events) {
    return answer ? FakeHub::AcceptAll(id, events) : std::nullopt;
  });
  auto outbox = OpenOutbox(tmp / "outbox");
  Fill(*outbox, 1000);
  SenderOptions o = Fast(hub.endpoint());
  o.window = 3;
  o.batch_events = 10;
  o.request_timeout = 1500ms;
  OutboxSender sender(*outbox, o);
  auto until = std::chrono::steady_clock::now() + 1000ms;
  while (std::chrono::steady_clock::now() < until) ASSERT_TRUE(sender.Pump(50ms).ok());
  EXPECT_EQ(hub.batches(), 3);
  EXPECT_EQ(outbox->Stats().waiting, 1000u);
  answer = true;
  ASSERT_TRUE(sender.DeliverAll().ok());
  EXPECT_EQ(outbox->Stats().waiting, 0u);
}

// No hub at all for a while (the sender keeps retrying and says so); then a
// hub starts on the port and everything, including events queued meanwhile,
// arrives once.
TEST(OutboxSenderTest, TheHubStartsLaterOnItsPort) {
  TempDir tmp;
  const std::string endpoint = Endpoint();
  auto outbox = OpenOutbox(tmp / "outbox");
  Fill(*outbox, 300);
  SenderOptions o = Fast(endpoint);
  bool told_unreachable = false;
  o.on_progress = [&](const DeliveryProgress& p) { told_unreachable = told_unreachable || p.hub_unreachable; };
  std::set<uint64_t> acked;
  OutboxSender sender(*outbox, o, [&](uint64_t seq, const EventResult&) { EXPECT_TRUE(acked.insert(seq).second); });
  auto until = std::chrono::steady_clock::now() + 900ms;
  while (std::chrono::steady_clock::now() < until) ASSERT_TRUE(sender.Pump(50ms).ok());
  EXPECT_TRUE(told_unreachable);
  EXPECT_GE(sender.progress().retries, 1);
  EXPECT_EQ(outbox->Stats().waiting, 300u);
  Fill(*outbox, 50, "later-");

  FakeHub hub(endpoint, FakeHub::AcceptAll);
  ASSERT_TRUE(sender.DeliverAll().ok());
  EXPECT_EQ(acked.size(), 350u);
  EXPECT_EQ(outbox->Stats().waiting, 0u);
  EXPECT_FALSE(sender.progress().hub_unreachable);
}

TEST(OutboxSenderTest, GivesUpAfterAPeriodWithoutProgressKeepingEverything) {
  TempDir tmp;
  auto outbox = OpenOutbox(tmp / "outbox");
  Fill(*outbox, 20);
  SenderOptions o = Fast(Endpoint());
  o.give_up_after = 500ms;
  OutboxSender sender(*outbox, o);
  auto started = std::chrono::steady_clock::now();
  Status s = sender.DeliverAll();
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(s.message().find("20 events not delivered"), std::string::npos) << s.message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(outbox->Stats().waiting, 20u);
}

TEST(SenderTest, SendAllReturnsOneResultPerEventInOrder) {
  FakeHub hub("tcp://127.0.0.1:*", [](uint64_t id, const std::vector<std::string>& events) {
    auto ack = FakeHub::AcceptAll(id, events);
    for (size_t i = 0; i < events.size(); ++i)
      if (events[i] == "event-7") ack->mutable_acks(static_cast<int>(i))->set_outcome(lscb::v1::DUPLICATE);
    return ack;
  });
  std::vector<std::string> events;
  for (int i = 0; i < 120; ++i) events.push_back("event-" + std::to_string(i));
  Sender sender(Fast(hub.endpoint()));
  auto results = sender.SendAll(events);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 120u);
  for (size_t i = 0; i < results->size(); ++i)
    EXPECT_EQ((*results)[i].outcome, i == 7 ? lscb::v1::DUPLICATE : lscb::v1::ACCEPTED) << i;
}

}  // namespace
}  // namespace lscb::client
