// The live feed: a subscriber that joins midway ends with exactly the state
// of one that was there from the start (the Clone pattern), on real sockets.
#include <gtest/gtest.h>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "client/subscriber.h"
#include "testing/hub_fixture.h"

namespace lscb {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> Encode(size_t rows, uint64_t seed) {
  static const auto key = adapters::LinkageKey::FromSecret("feed-test-linkage-secret");
  adapters::AdapterContext ctx{BoardRegistry::Default(), &key};
  adapters::SyntheticOptions o;
  o.boroughs = {"E09000011", "E09000012"};
  auto parsed = adapters::FindAdapter("csc-events")->Parse("f.csv", adapters::SyntheticCscEventsCsv(rows, seed, o), ctx);
  std::vector<std::string> out;
  for (const auto& e : parsed.events) out.push_back(e.SerializeAsString());
  return out;
}

void Deliver(const testing::RunningHub& hub, const std::vector<std::string>& events) {
  client::SenderOptions o;
  o.endpoint = hub.endpoints().ingest;
  o.batch_events = 50;
  client::Sender sender(o);
  auto r = sender.SendAll(events);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

std::string StateText(const client::FeedSubscriber& s) {
  std::string out;
  for (const auto& [period, snap] : s.state()) out += client::SnapshotToCsv(snap);
  return out;
}

// Reads updates until the subscriber's state reaches `sequence`.
bool CatchUp(client::FeedSubscriber& s, uint64_t sequence, int* updates) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (s.sequence() < sequence && std::chrono::steady_clock::now() < deadline) {
    auto u = s.Next(500ms);
    if (!u.ok()) return false;
    if (u->has_value() && !(*u)->heartbeat()) ++*updates;
  }
  return s.sequence() >= sequence;
}

TEST(Feed, ALateJoinerEndsWithTheSameStateAsAnEarlyOne) {
  lscb::testing::TempDir dir;
  hub::HubOptions o;
  o.feed_min_interval = 100ms;
  testing::RunningHub hub(dir / "hub", o);
  ASSERT_TRUE(hub.ok());
  client::SubscriberOptions so;
  so.feed = hub.endpoints().feed;
  so.query = hub.endpoints().query;
  so.board = "Greenwich";
  auto early = client::FeedSubscriber::Connect(so);
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  EXPECT_EQ((*early)->topic(), "E09000011");
  EXPECT_TRUE((*early)->state().empty());

  auto events = Encode(3000, 8);
  std::vector<std::string> first(events.begin(), events.begin() + 1500), second(events.begin() + 1500, events.end());
  Deliver(hub, first);
  // The early subscriber sees updates while the late one is not there yet.
  int early_updates = 0;
  auto u = (*early)->Next(3s);
  ASSERT_TRUE(u.ok() && u->has_value());

  auto late = client::FeedSubscriber::Connect(so);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_FALSE((*late)->state().empty());
  EXPECT_GT((*late)->sequence(), 0u);
  Deliver(hub, second);

  // Both follow until they reflect the whole log.
  client::QueryOptions q;
  q.endpoint = hub.endpoints().query;
  uint64_t final_sequence = 0;
  for (int i = 0; i < 100 && final_sequence < events.size(); ++i) {
    auto state = client::FeedSubscriber::Connect(so);
    ASSERT_TRUE(state.ok());
    final_sequence = (*state)->sequence();
    if (final_sequence < events.size()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(final_sequence, events.size());
  int late_updates = 0;
  ASSERT_TRUE(CatchUp(**early, final_sequence, &early_updates));
  ASSERT_TRUE(CatchUp(**late, final_sequence, &late_updates));
  EXPECT_GT(late_updates, 0) << "the late joiner should have applied live updates, not only its state";
  EXPECT_EQ(StateText(**late), StateText(**early));

  // And both equal what the hub answers now.
  auto fresh = client::FeedSubscriber::Connect(so);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(StateText(**fresh), StateText(**early));
  auto fy = client::FetchSnapshot(q, "Greenwich", "FY2007-08");
  ASSERT_TRUE(fy.ok());
  EXPECT_EQ(client::SnapshotToCsv((*early)->state().at("FY2007-08")), client::SnapshotToCsv(*fy));
}

TEST(Feed, HeartbeatsWhenNothingChanges) {
  lscb::testing::TempDir dir;
  hub::HubOptions o;
  o.feed_min_interval = 100ms;
  testing::RunningHub hub(dir / "hub", o);
  client::SubscriberOptions so{hub.endpoints().feed, hub.endpoints().query, "london"};
  auto s = client::FeedSubscriber::Connect(so);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->topic(), "E12000007");
  int heartbeats = 0;
  for (int i = 0; i < 20 && heartbeats < 2; ++i) {
    auto u = (*s)->Next(1s);
    ASSERT_TRUE(u.ok());
    if (u->has_value() && (*u)->heartbeat()) ++heartbeats;
  }
  EXPECT_GE(heartbeats, 2);
}

}  // namespace
}  // namespace lscb
