// The live feed: a subscriber that joins midway ends with exactly the state
// of one that was there from the start (the Clone pattern), on real sockets.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <shared_mutex>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "client/subscriber.h"
#include "hub/feed.h"
#include "transport/transport.h"
#include "testing/events.h"
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

// An event republishes only the snapshots of the periods it touches; a
// subscriber joining between such updates still ends with the hub's state.
TEST(Feed, AnEventRepublishesOnlyItsPeriods) {
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

  auto events = Encode(1500, 21);
  Deliver(hub, events);
  int updates = 0;
  ASSERT_TRUE(CatchUp(**early, events.size(), &updates));
  const size_t periods_before = (*early)->state().size();
  ASSERT_GT(periods_before, 6u) << "the synthetic events should span several periods";

  // Waits for the next update with snapshots; returns its periods.
  auto next_periods = [&](client::FeedSubscriber& s, uint64_t sequence) {
    std::set<std::string> periods;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto u = s.Next(500ms);
      if (!u.ok()) break;
      if (!u->has_value() || (*u)->snapshots_size() == 0) continue;
      EXPECT_EQ((*u)->sequence(), sequence);
      for (const auto& snap : (*u)->snapshots()) periods.insert(snap.period());
      break;
    }
    return periods;
  };
  auto send_contact = [&](const std::string& id, const std::string& when) {
    Deliver(hub, {lscb::testing::MakeEvent(
                      {.kind = "csc.contact", .record_id = id, .when = when, .child = id, .label = "police"})
                      .SerializeAsString()});
  };
  auto periods_of = [](const std::string& day) {
    Date d = *ParseDate(day);
    return std::set<std::string>{Period::MonthOf(d).ToString(), Period::QuarterOf(d).ToString(),
                                 Period::FinancialYearOf(d).ToString()};
  };

  send_contact("only-one", "2007-05-10T10:00");
  EXPECT_EQ(next_periods(**early, events.size() + 1), periods_of("2007-05-10"));

  // A late joiner, then a change in a period nobody had data for yet.
  auto late = client::FeedSubscriber::Connect(so);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ((*late)->sequence(), events.size() + 1);
  send_contact("far-away", "2001-02-03T10:00");
  EXPECT_EQ(next_periods(**early, events.size() + 2), periods_of("2001-02-03"));
  ASSERT_TRUE(CatchUp(**late, events.size() + 2, &updates));
  EXPECT_EQ((*early)->state().size(), periods_before + 3);
  EXPECT_EQ(StateText(**late), StateText(**early));
  auto fresh = client::FeedSubscriber::Connect(so);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(StateText(**fresh), StateText(**early));
}

// A FeedPublisher on a view of its own, with a real publisher socket.
class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bound = transport::Publisher::Bind(ctx_, "tcp://127.0.0.1:*");
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    pub_ = std::move(bound.value());
    hub::FeedOptions fo;
    fo.min_interval = 0ms;
    fo.heartbeat_interval = 1h;
    publisher_ = std::make_unique<hub::FeedPublisher>(*pub_, view_, mu_, [this] { return seq_; }, boards_, nullptr, fo);
  }

  void Apply(const lscb::testing::EventSpec& spec) {
    auto facts = Facts(spec);
    ASSERT_TRUE(facts.ok()) << facts.status().ToString();
    Change([&] { view_.Apply(*facts); });
  }

  // The event of `before` amended to `after`.
  void Replace(const lscb::testing::EventSpec& before, const lscb::testing::EventSpec& after) {
    auto old_facts = Facts(before), new_facts = Facts(after);
    ASSERT_TRUE(old_facts.ok() && new_facts.ok());
    Change([&] { view_.Replace(*old_facts, *new_facts); });
  }

  Result<hub::EventFacts> Facts(const lscb::testing::EventSpec& spec) {
    return hub::ValidateEvent(lscb::testing::MakeEvent(spec), *boards_, INT64_MAX / 2);
  }

  // A change to the view under its lock, as the hub makes one: one more log
  // position, and what changed marked for the publisher.
  template <typename F>
  void Change(F&& change) {
    std::unique_lock lock(mu_);
    change();
    ++seq_;
    publisher_->MarkDirty(view_.TakeChanges());
  }

  // A subscriber to `prefix`, once the publisher has taken its subscription
  // (at most 10 s). It has a context of its own, closed before the
  // publisher's: libzmq may abort when a subscriber's connection closes
  // midway through a message from a publisher closing too.
  transport::Subscriber* Subscribe(const std::string& prefix, const std::string& topic) {
    auto sub = transport::Subscriber::Connect(sub_ctx_, pub_->endpoint(), {prefix});
    EXPECT_TRUE(sub.ok()) << sub.status().ToString();
    if (!sub.ok()) return nullptr;
    sub_ = std::move(sub.value());
    for (int i = 0; i < 1000 && !pub_->Wanted(topic); ++i) {
      EXPECT_TRUE(pub_->HandleSubscriptions({}).ok());
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(pub_->Wanted(topic));
    return sub_.get();
  }

  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  hub::IndicatorView view_{boards_, hub::DefaultDefinitions()};
  std::shared_mutex mu_;
  uint64_t seq_ = 0;
  transport::Context ctx_;
  std::unique_ptr<transport::Publisher> pub_;
  std::unique_ptr<hub::FeedPublisher> publisher_;
  transport::Context sub_ctx_;
  std::unique_ptr<transport::Subscriber> sub_;
};

// What nobody has subscribed to is not computed; a subscriber arriving
// later is sent every period that changed meanwhile.
TEST_F(PublisherTest, TopicsNobodySubscribedToWaitForASubscriber) {
  Apply({.kind = "csc.contact", .record_id = "c1", .when = "2007-05-10", .label = "police"});
  publisher_->PublishDue();
  Apply({.kind = "csc.contact", .record_id = "c2", .when = "2007-08-10", .label = "police"});
  publisher_->PublishDue();
  EXPECT_EQ(publisher_->snapshots_computed(), 0u);

  // Greenwich only (its prefix matches no other topic).
  transport::Subscriber* sub = Subscribe("E09000011", "E09000011");
  ASSERT_NE(sub, nullptr);
  EXPECT_FALSE(pub_->Wanted("E12000007"));
  publisher_->PublishDue();
  std::set<std::string> periods;
  for (int i = 0; i < 50 && periods.empty(); ++i) {
    auto got = sub->Receive(100ms);
    ASSERT_TRUE(got.ok());
    if (!got->has_value()) continue;
    ASSERT_EQ((*got)->size(), 2u);
    EXPECT_EQ((**got)[0], "E09000011");
    lscb::v1::FeedUpdate u;
    ASSERT_TRUE(u.ParseFromString((**got)[1]));
    EXPECT_EQ(u.sequence(), 2u);
    for (const auto& snap : u.snapshots()) periods.insert(snap.period());
  }
  // Every period either event touched (two months, their quarters, the
  // financial year), and nothing of any other topic was computed.
  EXPECT_EQ(publisher_->snapshots_computed(), periods.size());
  std::set<std::string> expected;
  for (const Period& p : view_.PeriodsWithData("E09000011")) expected.insert(p.ToString());
  EXPECT_EQ(periods, expected);
  EXPECT_GE(periods.size(), 5u);
}

// The publisher recomputes only the periods an event touched, and sends
// what a subscriber needs: the same snapshots as recomputing everything.
TEST_F(PublisherTest, ThePublisherRecomputesOnlyTheTouchedPeriods) {
  ASSERT_NE(Subscribe("", "E09000011"), nullptr);  // someone listens to every topic
  // Greenwich: three months in three quarters of one financial year.
  for (const char* when : {"2007-05-10", "2007-08-10", "2007-11-10"})
    Apply({.kind = "csc.contact", .record_id = std::string("c-") + when, .when = when, .label = "police"});
  publisher_->PublishDue();
  const uint64_t first = publisher_->snapshots_computed();
  // 7 periods for Greenwich and 7 for London; every other topic has none.
  EXPECT_EQ(first, 14u);

  Apply({.kind = "csc.contact", .record_id = "c-more", .when = "2007-08-20", .label = "school"});
  publisher_->PublishDue();
  EXPECT_EQ(publisher_->snapshots_computed() - first, 6u) << "2007-08, 2007-Q3 and FY2007-08, board and region";

  // Nothing changed: nothing computed.
  publisher_->PublishDue();
  EXPECT_EQ(publisher_->snapshots_computed() - first, 6u);

  // A plan started in May is open at the end of every later period.
  Apply({.kind = "csc.cp_plan_started", .record_id = "p1", .when = "2007-05-01", .child = "x", .label = "neglect"});
  publisher_->PublishDue();
  EXPECT_EQ(publisher_->snapshots_computed() - first, 6u + 14u);
}

// A period that loses its last event is sent as an empty snapshot, and
// what is sent next still reflects only what changed (the bytes kept to
// compare with are the ones last sent).
TEST_F(PublisherTest, APeriodLeftEmptyIsSentEmptyAndLaterUpdatesStayRight) {
  transport::Subscriber* sub = Subscribe("E09000011", "E09000011");
  ASSERT_NE(sub, nullptr);
  // Period -> number of cells, for each snapshot of the next update.
  auto next = [&] {
    std::map<std::string, int> cells;
    publisher_->PublishDue();
    for (int i = 0; i < 100; ++i) {
      auto got = sub->Receive(100ms);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || !got->has_value()) continue;
      lscb::v1::FeedUpdate u;
      EXPECT_TRUE(u.ParseFromString((**got)[1]));
      for (const auto& snap : u.snapshots()) cells[snap.period()] = snap.cells_size();
      break;
    }
    return cells;
  };
  lscb::testing::EventSpec spec{.kind = "csc.contact", .record_id = "moved", .when = "2008-05-10", .label = "police"};
  Apply(spec);
  auto first = next();
  EXPECT_GT(first["2008-05"], 0);
  EXPECT_GT(first["2008-Q2"], 0);
  EXPECT_GT(first["FY2008-09"], 0);

  // The contact was in August: May and its quarter are left empty.
  lscb::testing::EventSpec in_august = spec;
  in_august.when = "2008-08-10";
  Replace(spec, in_august);
  auto moved = next();
  EXPECT_EQ(moved, (std::map<std::string, int>{
                       {"2008-05", 0}, {"2008-Q2", 0}, {"2008-08", first["2008-05"]}, {"2008-Q3", first["2008-Q2"]}}))
      << "May and its quarter sent empty; the financial year's figures did not change";

  // One more in August: August, its quarter and the year, each with more.
  Apply({.kind = "csc.contact", .record_id = "more", .when = "2008-08-20", .label = "school"});
  auto more = next();
  std::set<std::string> periods;
  for (const auto& [period, cells] : more) periods.insert(period);
  EXPECT_EQ(periods, (std::set<std::string>{"2008-08", "2008-Q3", "FY2008-09"}));
  EXPECT_GT(more["2008-08"], moved["2008-08"]) << "a second source of contacts";

  // May as it first was: its figures equal the first ones sent, but not the
  // empty ones sent last, so May and its quarter are sent again.
  Apply({.kind = "csc.contact", .record_id = "may-again", .when = "2008-05-12", .label = "police"});
  auto again = next();
  EXPECT_EQ(again["2008-05"], first["2008-05"]);
  EXPECT_EQ(again["2008-Q2"], first["2008-Q2"]);
  EXPECT_GT(again["2008-05"], 0);
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
