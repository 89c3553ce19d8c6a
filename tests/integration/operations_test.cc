// Running it for real: a backup taken mid-import and restored, a
// definition change applied to the stored event log, and retention.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <set>
#include <regex>
#include <sstream>
#include <thread>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "hub/admin.h"
#include "hub/definitions.h"
#include "hub/indicator_view.h"
#include "lscb/v1/event.pb.h"
#include "lscb/v1/store.pb.h"
#include "store/store.h"
#include "testing/hub_fixture.h"

namespace lscb {
namespace {

using namespace std::chrono_literals;
using testing::RunningHub;
using testing::TempDir;

std::vector<std::string> Encode(const std::string& csv) {
  static const auto key = adapters::LinkageKey::FromSecret("operations-test-linkage-secret");
  adapters::AdapterContext ctx{BoardRegistry::Default(), &key};
  auto parsed = adapters::FindAdapter("csc-events")->Parse("f.csv", csv, ctx);
  EXPECT_TRUE(parsed.errors.empty());
  std::vector<std::string> out;
  for (const auto& e : parsed.events) out.push_back(e.SerializeAsString());
  return out;
}

// The outcome of each event.
std::vector<client::EventResult> Send(const RunningHub& hub, const std::vector<std::string>& events) {
  client::SenderOptions o;
  o.endpoint = hub.endpoints().ingest;
  o.batch_events = 64;
  o.window = 2;
  auto r = client::Sender(o).SendAll(events);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<client::EventResult>{};
}

void Deliver(const RunningHub& hub, const std::vector<std::string>& events) { (void)Send(hub, events); }

std::string AllSnapshots(const RunningHub& hub) {
  client::QueryOptions q;
  q.endpoint = hub.endpoints().query;
  std::string all;
  for (const char* b : {"london", "E09000011", "E09000012", "E09000022"})
    for (const char* p : {"FY2007-08", "2007-Q3", "2008-Q1", "2007-11"}) {
      auto s = client::FetchSnapshot(q, b, p);
      EXPECT_TRUE(s.ok());
      if (s.ok()) all += client::SnapshotToCsv(*s);
    }
  return all;
}

// Greenwich's re-referrals (all ages) in `period`, and the definitions
// version the snapshot was computed with.
int64_t Rereferrals(const RunningHub& hub, const char* period, std::string* version = nullptr) {
  client::QueryOptions q;
  q.endpoint = hub.endpoints().query;
  auto s = client::FetchSnapshot(q, "Greenwich", period);
  EXPECT_TRUE(s.ok());
  if (!s.ok()) return -1;
  if (version) *version = s->definitions_version();
  for (const auto& c : s->cells())
    if (c.indicator() == "CSC_REREFERRALS_12M" && c.age_band() == "all" && c.breakdown().empty()) return c.count();
  return 0;
}

TEST(Operations, ABackupTakenMidImportRestoresThatMomentAndTheRestCompletesIt) {
  TempDir dir;
  auto events = Encode(adapters::SyntheticCscEventsCsv(4000, 21));
  hub::HubOptions o;
  o.max_group_events = 64;
  // A slow disk: the import's 63 groups take at least 630 ms, so a backup
  // asked for once a few groups are in lands mid-import.
  o.before_commit = [] {
    std::this_thread::sleep_for(10ms);
    return Status::Ok();
  };
  std::string final_view;
  uint64_t backup_position = 0;
  {
    RunningHub hub(dir / "hub", o);
    ASSERT_TRUE(hub.ok());
    std::thread import([&] { Deliver(hub, events); });
    for (int i = 0; i < 3000 && hub.stats().groups_committed < 5; ++i) std::this_thread::sleep_for(10ms);
    hub::HubOptions admin;
    admin.data_dir = dir / "hub";
    admin.query_endpoint = hub.endpoints().query;
    std::ostringstream out, err;
    EXPECT_EQ(hub::RunBackup(admin, dir / "backup", out, err), 0) << err.str();
    import.join();
    std::smatch m;
    std::string text = out.str();
    ASSERT_TRUE(std::regex_search(text, m, std::regex("log position (\\d+)"))) << text;
    backup_position = std::stoull(m[1]);
    EXPECT_GT(backup_position, 0u);
    EXPECT_LT(backup_position, events.size()) << "the backup was not taken mid-import";
    final_view = AllSnapshots(hub);
  }

  // The snapshot at the moment of the backup: a hub given exactly the log
  // entries up to that position, in order.
  std::vector<std::string> up_to_backup;
  {
    auto store = store::Store::Open(dir / "hub", {});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->ScanEvents(1,
                                 [&](uint64_t seq, std::string_view raw) {
                                   if (seq > backup_position) return false;
                                   lscb::v1::LogEntry e;
                                   e.ParseFromArray(raw.data(), static_cast<int>(raw.size()));
                                   up_to_backup.push_back(e.envelope());
                                   return true;
                                 })
                    .ok());
  }
  ASSERT_EQ(up_to_backup.size(), backup_position);
  std::string at_backup;
  {
    RunningHub replica(dir / "replica");
    Deliver(replica, up_to_backup);
    at_backup = AllSnapshots(replica);
  }

  hub::HubOptions admin;
  admin.data_dir = dir / "restored";
  std::ostringstream out, err;
  ASSERT_EQ(hub::RunRestore(admin, dir / "backup", out, err), 0) << err.str();
  EXPECT_NE(out.str().find("log position " + std::to_string(backup_position)), std::string::npos) << out.str();
  RunningHub restored(dir / "restored");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(AllSnapshots(restored), at_backup);
  EXPECT_NE(AllSnapshots(restored), final_view);
  // Re-sending the whole feed completes it exactly.
  Deliver(restored, events);
  EXPECT_EQ(AllSnapshots(restored), final_view);

  // Restoring over a folder in use or not empty is refused.
  std::ostringstream out2, err2;
  EXPECT_EQ(hub::RunRestore(admin, dir / "backup", out2, err2), 2);
  EXPECT_NE(err2.str().find("is not empty"), std::string::npos);
}

TEST(Operations, ADefinitionChangeIsAppliedToTheStoredLog) {
  TempDir dir;
  // Child a referred on 2007-04-10, 2007-09-20 (5 months later) and
  // 2008-03-01 (about 5 months later again): 2 re-referrals within 12
  // months, and 2 within 6 months. Child b: 2007-04-15 and 2007-12-01 (7.5
  // months): a re-referral within 12 months, not within 6.
  const char* csv =
      "record_id,record_type,borough,occurred_at,la_child_id,surname,forenames,dob,source\n"
      "R1,REFERRAL,Greenwich,2007-04-10,A,Ash,Ann,2001-01-01,police\n"
      "R2,REFERRAL,Greenwich,2007-09-20,A,Ash,Ann,2001-01-01,school\n"
      "R3,REFERRAL,Greenwich,2008-03-01,A,Ash,Ann,2001-01-01,health\n"
      "R4,REFERRAL,Greenwich,2007-04-15,B,Birch,Bob,2003-02-02,la\n"
      "R5,REFERRAL,Greenwich,2007-12-01,B,Birch,Bob,2003-02-02,la\n";
  auto rereferrals = [](const RunningHub& hub, std::string* version) {
    return Rereferrals(hub, "FY2007-08", version);
  };
  std::string version;
  {
    RunningHub hub(dir / "hub");
    Deliver(hub, Encode(csv));
    EXPECT_EQ(rereferrals(hub, &version), 3);
    EXPECT_EQ(version, "v1");
  }
  // The operator edits the definitions: a six-month window, a new version.
  std::string text;
  {
    std::ifstream in(std::string(LSCB_SOURCE_DIR) + "/data/definitions/v1.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  text = std::regex_replace(text, std::regex("version = \"v1\""), "version = \"v1-6m\"");
  text = std::regex_replace(text, std::regex("rereferral_months = 12"), "rereferral_months = 6");
  std::ofstream(dir / "defs.toml") << text;
  auto defs = hub::LoadDefinitionsFile(dir / "defs.toml");
  ASSERT_TRUE(defs.ok()) << defs.status().ToString();
  hub::HubOptions o;
  o.data_dir = dir / "hub";
  o.definitions = defs.value();
  std::ostringstream out, err;
  ASSERT_EQ(hub::RunRebuild(o, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("from 5 event log entries under definitions v1-6m"), std::string::npos) << out.str();
  {
    RunningHub hub(dir / "hub", o);
    EXPECT_EQ(rereferrals(hub, &version), 2);
    EXPECT_EQ(version, "v1-6m");
  }
  // Back to v1 without a rebuild command: the hub sees its view was computed
  // with other definitions and rebuilds it from the log at start.
  RunningHub hub(dir / "hub");
  EXPECT_EQ(rereferrals(hub, &version), 3);
  EXPECT_EQ(version, "v1");
}

// Wall-clock time the test moves on by hand.
class SettableClock final : public Clock {
 public:
  explicit SettableClock(int64_t now) : now_(now) {}
  int64_t NowSeconds() const override { return now_.load(); }
  std::chrono::steady_clock::time_point Steady() const override { return std::chrono::steady_clock::now(); }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<int64_t> now_;
};

// `event` (an encoded contact) with another contact source.
std::string Amended(const std::string& event) {
  lscb::v1::Envelope e;
  EXPECT_TRUE(e.ParseFromString(event));
  e.mutable_contact()->set_source(e.contact().source() == "other" ? "school" : "other");
  return e.SerializeAsString();
}

bool IsContact(const std::string& event) {
  lscb::v1::Envelope e;
  return e.ParseFromString(event) && e.has_contact();
}

// Referrals of two children, before and after a restart: R3 and R5 are
// re-referrals only given the referrals of A and B before it.
const std::string kReferralsHeader =
    "record_id,record_type,borough,occurred_at,la_child_id,surname,forenames,dob,source\n";
const std::string kReferralsBefore = kReferralsHeader +
                                     "R1,REFERRAL,Greenwich,2007-04-10,A,Ash,Ann,2001-01-01,police\n"
                                     "R2,REFERRAL,Greenwich,2007-09-20,A,Ash,Ann,2001-01-01,school\n"
                                     "R4,REFERRAL,Greenwich,2007-04-15,B,Birch,Bob,2003-02-02,la\n";
const std::string kReferralsAfter = kReferralsHeader +
                                    "R3,REFERRAL,Greenwich,2008-03-01,A,Ash,Ann,2001-01-01,health\n"
                                    "R5,REFERRAL,Greenwich,2007-12-01,B,Birch,Bob,2003-02-02,la\n";
const std::string kReferralsLater = kReferralsHeader + "R6,REFERRAL,Greenwich,2008-06-01,A,Ash,Ann,2001-01-01,police\n";

// A restarted hub answers queries while it restores its children's
// histories in the background; events sent at once still meet them.
TEST(Operations, EventsSentRightAfterARestartMeetTheHistoriesOfTheirChildren) {
  TempDir dir;
  std::string reference;
  {
    RunningHub hub(dir / "reference");
    Deliver(hub, Encode(kReferralsBefore));
    Deliver(hub, Encode(kReferralsAfter));
    Deliver(hub, Encode(kReferralsLater));
    reference = AllSnapshots(hub);
  }
  {
    RunningHub hub(dir / "hub");
    Deliver(hub, Encode(kReferralsBefore));
    EXPECT_EQ(Rereferrals(hub, "FY2007-08"), 1);
  }
  {
    RunningHub hub(dir / "hub");
    Deliver(hub, Encode(kReferralsAfter));
    EXPECT_EQ(Rereferrals(hub, "FY2007-08"), 3);
  }
  // The checkpoint written at that stop holds the histories too.
  RunningHub hub(dir / "hub");
  Deliver(hub, Encode(kReferralsLater));
  EXPECT_EQ(Rereferrals(hub, "FY2008-09"), 1);
  EXPECT_EQ(AllSnapshots(hub), reference);
}

// An ack goes out once its group is committed, without waiting for the
// indicator view; a query sent after it still sees the event's figures.
TEST(Operations, AcksDoNotWaitForTheViewButQueriesAfterThemSeeTheirEvents) {
  TempDir dir;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> held{0};
  hub::HubOptions o;
  o.before_view_update = [&] {
    ++held;
    released.wait();
  };
  RunningHub hub(dir / "hub", o);
  struct Release {
    std::promise<void>& p;
    bool done = false;
    void operator()() {
      if (!done) p.set_value();
      done = true;
    }
    ~Release() { (*this)(); }  // never leave the view's thread waiting
  } open_view{release};

  // Every event is acknowledged while the view's thread is held.
  auto results = Send(hub, Encode(kReferralsBefore));
  ASSERT_FALSE(results.empty());
  for (const auto& r : results) EXPECT_EQ(r.outcome, lscb::v1::ACCEPTED);
  while (held.load() == 0) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(hub.stats().events_committed, results.size());

  // A query waits for the view to catch up with what was acknowledged.
  auto answer = std::async(std::launch::async, [&] { return Rereferrals(hub, "FY2007-08"); });
  EXPECT_EQ(answer.wait_for(300ms), std::future_status::timeout);
  open_view();
  EXPECT_EQ(answer.get(), 1);
}

// A group of a few events that the receiver committed itself is applied to
// the view by the receiver too, after its ack, when the view's thread is
// idle (no wake-up of that thread); a query sent after the ack sees it.
TEST(Operations, AFewEventsAreAppliedToTheViewByTheReceiverAfterTheirAcks) {
  TempDir dir;
  RunningHub hub(dir / "hub");
  const std::vector<std::string> events = Encode(kReferralsBefore);
  ASSERT_EQ(events.size(), 3u);
  const int64_t expected[] = {0, 1, 1};  // R2 re-refers Ann; Bob's R4 is his first
  for (size_t i = 0; i < events.size(); ++i) {
    auto results = Send(hub, {events[i]});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, lscb::v1::ACCEPTED);
    EXPECT_EQ(Rereferrals(hub, "FY2007-08"), expected[i]) << "after event " << i;
  }
  const auto stats = hub.stats();
  EXPECT_EQ(stats.events_committed, 3u);
  EXPECT_GE(stats.groups_applied_by_receiver, 1u);
  EXPECT_LE(stats.groups_applied_by_receiver, stats.groups_by_receiver);
}

// A query that arrives between the ack and the receiver applying the event
// waits for it, and is answered once the receiver has applied it.
TEST(Operations, AQueryWaitingForTheReceiverToApplyIsAnsweredWhenItHas) {
  TempDir dir;
  std::atomic<bool> armed{false}, asked{false};
  std::future<int64_t> answer;  // set by the receiver's thread before `asked`
  hub::HubOptions o;
  RunningHub* running = nullptr;
  o.before_receiver_applies = [&] {
    if (!armed.exchange(false)) return;
    answer = std::async(std::launch::async, [&] { return Rereferrals(*running, "FY2007-08"); });
    // The query reaches the hub and waits for the view meanwhile.
    EXPECT_EQ(answer.wait_for(300ms), std::future_status::timeout);
    asked = true;
  };
  RunningHub hub(dir / "hub", o);
  running = &hub;
  Deliver(hub, Encode(kReferralsBefore));  // one re-referral
  // Other children's first referrals, one at a time, until the receiver
  // applies one itself (the writer takes a batch now and then, when it
  // holds the ingest turn for its own work).
  for (int i = 0; i < 20 && !asked.load(); ++i) {
    armed = true;
    Deliver(hub, Encode(kReferralsHeader + "N" + std::to_string(i) + ",REFERRAL,Greenwich,2007-06-" +
                        std::to_string(10 + i) + ",C" + std::to_string(i) + ",Cole,Cat" + std::to_string(i) +
                        ",2004-03-03,school\n"));
    auto until = std::chrono::steady_clock::now() + 2s;
    while (!asked.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  }
  armed = false;
  ASSERT_TRUE(asked.load()) << "the receiver never applied an event itself";
  ASSERT_EQ(answer.wait_for(10s), std::future_status::ready) << "the waiting query was not woken";
  EXPECT_EQ(answer.get(), 1);
}

// on_started (the allocator's start-up setting ends there) is called once
// per start, before any event is acknowledged.
TEST(Operations, TheStartIsOverBeforeTheFirstEventIsDecided) {
  TempDir dir;
  std::atomic<int> calls{0};
  hub::HubOptions o;
  o.on_started = [&] { ++calls; };
  {
    RunningHub hub(dir / "hub", o);
    Deliver(hub, Encode(kReferralsBefore));
    EXPECT_EQ(calls.load(), 1);
  }
  // A restart from the saved view: once more, with the saved children back.
  RunningHub hub(dir / "hub", o);
  Deliver(hub, Encode(kReferralsAfter));
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(Rereferrals(hub, "FY2007-08"), 3);
}

// A checkpoint whose children's histories turn out to be damaged once the
// hub is ready is not used: the hub recomputes the view from the event log.
TEST(Operations, ACheckpointWhoseChildrenAreDamagedIsRecomputedFromTheLog) {
  TempDir dir;
  {
    RunningHub hub(dir / "hub");
    Deliver(hub, Encode(kReferralsBefore));
  }
  {
    // The count of children in the saved view's children's histories
    // ("indicator_view_children", after the 8-byte log position), made
    // larger than what follows.
    auto store = store::Store::Open(dir / "hub", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    std::string damaged;
    auto found = (*store)->ReadCheckpoint("indicator_view_children", [&](std::string_view v) { damaged.assign(v); });
    ASSERT_TRUE(found.ok() && *found);
    ASSERT_TRUE(hub::IndicatorView::DecodeChildren(std::string_view(damaged).substr(8)).ok());
    damaged[8 + 7] = '\x7f';
    ASSERT_FALSE(hub::IndicatorView::DecodeChildren(std::string_view(damaged).substr(8)).ok());
    ASSERT_TRUE((*store)->PutCheckpoint("indicator_view_children", damaged).ok());
  }
  RunningHub hub(dir / "hub");
  Deliver(hub, Encode(kReferralsAfter));
  EXPECT_EQ(Rereferrals(hub, "FY2007-08"), 3);
}

// Children's histories that cannot be read at a start (a failing disk, not
// damage) stop the hub before it ingests anything, saying why: it neither
// counts new events without them nor recomputes the view from the whole
// log. Once the disk reads again it starts as usual.
TEST(Operations, ChildrensHistoriesThatCannotBeReadStopTheHubBeforeItIngests) {
  TempDir dir;
  {
    RunningHub hub(dir / "hub");
    Deliver(hub, Encode(kReferralsBefore));
  }
  hub::HubOptions o;
  o.data_dir = dir / "hub";
  o.ingest_endpoint = o.feed_endpoint = o.query_endpoint = "tcp://127.0.0.1:*";
  o.before_read_checkpoint = [](std::string_view name) {
    return name == "indicator_view_children" ? Status::IoError("injected: the disk cannot be read") : Status::Ok();
  };
  auto failing = hub::Hub::Open(o);
  ASSERT_TRUE(failing.ok()) << failing.status().ToString();  // the rest of the view is read
  auto run = std::async(std::launch::async, [&] { return (*failing)->Run(); });
  if (run.wait_for(10s) != std::future_status::ready) {
    (*failing)->Stop();
    FAIL() << "the hub did not stop by itself";
  }
  Status stopped = run.get();
  EXPECT_TRUE(stopped.IsIoError()) << stopped.ToString();
  EXPECT_NE(stopped.message().find("children's histories cannot be read"), std::string::npos) << stopped.message();
  EXPECT_NE(stopped.message().find("stopped before ingesting anything"), std::string::npos) << stopped.message();
  EXPECT_EQ((*failing)->stats().groups_committed, 0u);
  failing->reset();

  RunningHub hub(dir / "hub");
  Deliver(hub, Encode(kReferralsAfter));
  EXPECT_EQ(Rereferrals(hub, "FY2007-08"), 3);
}

TEST(Operations, RetentionRemovesOldEventsButKeepsTheirFiguresAndIds) {
  constexpr int64_t kDay = 86400;
  TempDir dir;
  auto all = Encode(adapters::SyntheticCscEventsCsv(2000, 11));
  ASSERT_GT(all.size(), 1500u);
  // A is received on day 0, B 200 days later. B also amends a contact of A.
  std::vector<std::string> a(all.begin(), all.begin() + 1200), b(all.begin() + 1200, all.end());
  std::vector<size_t> contacts;
  for (size_t i = 0; i < a.size(); ++i)
    if (IsContact(a[i])) contacts.push_back(i);
  ASSERT_GE(contacts.size(), 2u);
  const size_t amended_in_b = contacts[0], amended_late = contacts[1];
  b.push_back(Amended(a[amended_in_b]));
  std::vector<std::string> a_resent;  // A again, but the record B amended
  for (size_t i = 0; i < a.size(); ++i)
    if (i != amended_in_b) a_resent.push_back(a[i]);

  // The figures of a hub that keeps everything.
  std::string everything;
  {
    RunningHub ref(dir / "reference");
    Send(ref, a);
    Send(ref, b);
    everything = AllSnapshots(ref);
  }

  SettableClock clock(1767225600);  // 2026-01-01
  hub::HubOptions o;
  o.clock = &clock;
  o.retention = std::chrono::seconds(365 * kDay);
  o.retention_check_interval = std::chrono::seconds(1);
  auto outcome_count = [](const std::vector<client::EventResult>& rs, lscb::v1::Outcome want) {
    return std::count_if(rs.begin(), rs.end(), [&](const auto& r) { return r.outcome == want; });
  };
  size_t logged_a = 0;
  {
    RunningHub hub(dir / "hub", o);
    auto ra = Send(hub, a);
    ASSERT_EQ(ra.size(), a.size());
    logged_a = a.size() - outcome_count(ra, lscb::v1::DUPLICATE) - outcome_count(ra, lscb::v1::REJECTED);
    clock.Advance(200 * kDay);
    auto rb = Send(hub, b);
    ASSERT_EQ(rb.size(), b.size());
    EXPECT_EQ(rb.back().outcome, lscb::v1::AMENDED);
    EXPECT_EQ(AllSnapshots(hub), everything);
    EXPECT_EQ(hub.stats().log_start, 1u);

    // 400 days after A, 200 after B: A is past the year kept.
    clock.Advance(200 * kDay);
    for (int i = 0; i < 100 && hub.stats().log_start == 1; ++i) std::this_thread::sleep_for(100ms);
    EXPECT_EQ(hub.stats().log_start, logged_a + 1);
    EXPECT_EQ(AllSnapshots(hub), everything);  // the figures stay

    // A late re-send of A is recognised: nothing is counted twice.
    auto again = Send(hub, a_resent);
    EXPECT_EQ(outcome_count(again, lscb::v1::DUPLICATE), static_cast<long>(a_resent.size()));
    EXPECT_EQ(AllSnapshots(hub), everything);
    // An amendment of a removed record cannot be applied, and says why.
    auto late = Send(hub, {Amended(a[amended_late])});
    ASSERT_EQ(late.size(), 1u);
    EXPECT_EQ(late[0].outcome, lscb::v1::REJECTED);
    EXPECT_NE(late[0].reason.find("retention"), std::string::npos) << late[0].reason;
    EXPECT_EQ(AllSnapshots(hub), everything);
  }
  // Nothing of A is left in the log, and it was compacted away.
  {
    auto store = store::Store::Open(dir / "hub", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->first_event_seq(), logged_a + 1);
    const std::set<std::string> a_bytes(a.begin(), a.end());
    size_t entries = 0, of_a = 0;
    lscb::v1::LogEntry entry;
    ASSERT_TRUE((*store)->ScanAll([&](std::string_view family, std::string_view, std::string_view v) {
                         if (family != "events") return true;
                         ++entries;
                         if (entry.ParseFromArray(v.data(), static_cast<int>(v.size())) &&
                             a_bytes.count(entry.envelope()))
                           ++of_a;
                         return true;
                       }).ok());
    EXPECT_EQ(of_a, 0u);
    EXPECT_EQ(entries, (*store)->last_event_seq() - logged_a);
  }
  // A restart keeps the figures and still knows A's records.
  {
    RunningHub hub(dir / "hub", o);
    EXPECT_EQ(AllSnapshots(hub), everything);
    auto again = Send(hub, a_resent);
    EXPECT_EQ(outcome_count(again, lscb::v1::DUPLICATE), static_cast<long>(a_resent.size()));
    EXPECT_EQ(AllSnapshots(hub), everything);
    // The record B amended is held in the log: it can be amended again.
    auto amend = Send(hub, {Amended(b.back())});
    ASSERT_EQ(amend.size(), 1u);
    EXPECT_EQ(amend[0].outcome, lscb::v1::AMENDED);
  }
  // The figures of removed events cannot be recomputed: a rebuild says so,
  // and does it from what is held only when asked to.
  hub::HubOptions r;
  r.data_dir = dir / "hub";
  std::ostringstream out, err;
  EXPECT_EQ(hub::RunRebuild(r, out, err), 1);
  EXPECT_NE(err.str().find("removed by the retention policy"), std::string::npos) << err.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(hub::RunRebuild(r, out2, err2, /*retained_only=*/true), 0) << err2.str();
  EXPECT_NE(out2.str().find("the events still held, from log position " + std::to_string(logged_a + 1)),
            std::string::npos)
      << out2.str();
}

}  // namespace
}  // namespace lscb
