// Security at the hub, on real CURVE sockets (127.0.0.1): who may connect,
// who may publish what, who may see which figures, and the audit log of it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "cli/audit_command.h"
#include "cli/keygen_command.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "client/subscriber.h"
#include "hub/audit.h"
#include "hub/config.h"
#include "store/store.h"
#include "testing/events.h"
#include "testing/hub_fixture.h"
#include "testing/process.h"
#include "transport/curve.h"

namespace lscb {
namespace {

using namespace std::chrono_literals;
using testing::EventSpec;
using testing::MakeEvent;
using transport::CurveKeyPair;

constexpr const char* kGreenwich = "E09000011";
constexpr const char* kLewisham = "E09000023";

std::vector<hub::AuditRecord> ReadAudit(const std::string& data_dir) {
  std::vector<hub::AuditRecord> out;
  auto store = store::Store::OpenReader(data_dir);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  Status s = (*store)->ScanAudit("", [&](std::string_view, std::string_view v) {
    Status decoded = hub::DecodeAuditValue(v, [&](const hub::AuditRecord& r) { out.push_back(r); });
    EXPECT_TRUE(decoded.ok()) << decoded.ToString();
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// The first record matching all the given fields.
const hub::AuditRecord* FindAudit(const std::vector<hub::AuditRecord>& log, const std::string& principal,
                                  const std::string& action, const std::string& outcome,
                                  const std::string& reason_part = "") {
  for (const auto& r : log)
    if (r.principal == principal && r.action == action && r.outcome == outcome &&
        r.reason.find(reason_part) != std::string::npos)
      return &r;
  return nullptr;
}

class SecureHub : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"hub", "met", "met-south", "pct", "csc", "board", "admin", "stranger"})
      keys_[name] = *transport::GenerateCurveKeyPair();
    std::vector<hub::Principal> ps;
    ps.push_back({"met-central", keys_["met"].public_key, hub::Role::kPublisher, "police",
                  {"missing.episode", "police.domestic_abuse", "police.child_injury_crime", "return"}, {"london"}});
    ps.push_back({"met-south", keys_["met-south"].public_key, hub::Role::kPublisher, "police", {"police.*"},
                  {"Greenwich"}});
    ps.push_back({"pct-greenwich", keys_["pct"].public_key, hub::Role::kPublisher, "health",
                  {"health.ae_attendance"}, {"Greenwich"}});
    ps.push_back({"csc-greenwich", keys_["csc"].public_key, hub::Role::kPublisher, "csc", {"csc.*"}, {"203"}});
    ps.push_back({"greenwich-board", keys_["board"].public_key, hub::Role::kSubscriber, "", {}, {kGreenwich}});
    ps.push_back({"analyst", keys_["admin"].public_key, hub::Role::kAdmin, "", {}, {}, true});
    auto policy = hub::AccessPolicy::Create(std::move(ps), *BoardRegistry::Default());
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    hub::HubOptions o;
    o.curve_secret_key = keys_["hub"].secret_key;
    o.access = *policy;
    o.feed_min_interval = 100ms;
    hub_ = std::make_unique<testing::RunningHub>(data(), o);
    ASSERT_TRUE(hub_->ok());
  }

  std::string data() const { return dir_ / "hub"; }

  transport::CurveClientKeys As(const std::string& who) {
    return {keys_["hub"].public_key, keys_[who].public_key, keys_[who].secret_key};
  }

  Result<std::vector<client::EventResult>> Send(const std::string& who, const std::vector<lscb::v1::Envelope>& events,
                                                std::chrono::milliseconds give_up = 20s) {
    client::SenderOptions o;
    o.endpoint = hub_->endpoints().ingest;
    o.curve = As(who);
    o.request_timeout = 1s;
    o.give_up_after = give_up;
    std::vector<std::string> encoded;
    for (const auto& e : events) encoded.push_back(e.SerializeAsString());
    client::Sender sender(o);
    return sender.SendAll(encoded);
  }

  Result<lscb::v1::Snapshot> Snapshot(const std::string& who, const std::string& board, const std::string& period,
                                      bool raw = false) {
    client::QueryOptions q;
    q.endpoint = hub_->endpoints().query;
    q.curve = As(who);
    q.raw = raw;
    q.timeout = 2000ms;
    q.attempts = 1;
    return client::FetchSnapshot(q, board, period);
  }

  testing::TempDir dir_;
  std::map<std::string, CurveKeyPair> keys_;
  std::unique_ptr<testing::RunningHub> hub_;
};

// A cell "INDICATOR|age_band|breakdown" -> "N", "c" (suppressed) or "n/a".
std::map<std::string, std::string> Cells(const lscb::v1::Snapshot& s) {
  std::map<std::string, std::string> out;
  for (const auto& c : s.cells())
    out[c.indicator() + "|" + c.age_band() + "|" + c.breakdown()] = client::CellValue(c);
  return out;
}

// Counts from 1 to 4 that are shown (not suppressed).
std::vector<std::string> SmallCounts(const lscb::v1::Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& c : s.cells())
    if (!c.suppressed() && !c.is_rate() && c.count() >= 1 && c.count() <= 4)
      out.push_back(c.indicator() + "|" + c.age_band() + "|" + c.breakdown() + "=" + std::to_string(c.count()));
  return out;
}

TEST_F(SecureHub, AnUnknownKeyCannotConnectAndNothingReachesTheHub) {
  // A key the hub does not know: the handshake is refused, nothing is sent,
  // the sender gives up.
  auto r = Send("stranger", {MakeEvent({.record_id = "x1"})}, 3s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  // A known subscriber key on the ingest socket: refused too.
  auto s = Send("board", {MakeEvent({.record_id = "x2"})}, 3s);
  EXPECT_FALSE(s.ok());
  // And the stranger gets no figures.
  auto snap = Snapshot("stranger", kGreenwich, "2007-05");
  ASSERT_FALSE(snap.ok());
  EXPECT_TRUE(snap.status().IsUnavailable()) << snap.status().ToString();

  EXPECT_EQ(hub_->stats().events_committed, 0u);
  auto log = ReadAudit(data());
  const auto* denied = FindAudit(log, "unknown", "connect", "denied", "unknown key");
  ASSERT_NE(denied, nullptr);
  EXPECT_NE(denied->reason.find(keys_["stranger"].public_key), std::string::npos) << denied->reason;
  EXPECT_NE(FindAudit(log, "greenwich-board", "connect", "denied", "may not use the ingest socket"), nullptr);
  for (const auto& rec : log) EXPECT_NE(rec.action, "event");
  hub_->Stop();
  auto store = store::Store::OpenReader(data());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->last_event_seq(), 0u);
}

TEST_F(SecureHub, APublisherOutsideItsRightsIsRefusedPerEventAndNothingChanges) {
  // Within their rights.
  auto ok = Send("met", {MakeEvent({.kind = "police.domestic_abuse", .board = kGreenwich, .record_id = "da1"})});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].outcome, lscb::v1::ACCEPTED);
  ok = Send("pct", {MakeEvent({.kind = "health.ae_attendance", .record_id = "ae1"})});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].outcome, lscb::v1::ACCEPTED);
  auto before = Snapshot("admin", kGreenwich, "2007-05", true);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto london_before = Snapshot("admin", "london", "2007-05", true);
  ASSERT_TRUE(london_before.ok());

  // Outside them: another agency's kind, another board, another agency, and
  // an amendment of another principal's record. Each is refused on its own.
  auto r = Send("met", {MakeEvent({.kind = "health.ae_attendance", .record_id = "m-ae", .agency = "police"}),
                        MakeEvent({.kind = "police.domestic_abuse", .board = kLewisham, .record_id = "da2"})});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].outcome, lscb::v1::REJECTED);
  EXPECT_EQ((*r)[0].reason, "not authorised: principal met-central may not publish health.ae_attendance");
  EXPECT_EQ((*r)[1].outcome, lscb::v1::ACCEPTED);  // met-central covers every London board
  auto p = Send("pct", {MakeEvent({.kind = "health.ae_attendance", .board = kLewisham, .record_id = "ae2"}),
                        MakeEvent({.kind = "csc.contact", .record_id = "c1", .agency = "health"}),
                        MakeEvent({.kind = "csc.contact", .record_id = "c2"})});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].outcome, lscb::v1::REJECTED);
  EXPECT_EQ((*p)[0].reason, "not authorised: principal pct-greenwich may not publish about board E09000023");
  EXPECT_EQ((*p)[1].outcome, lscb::v1::REJECTED);
  EXPECT_EQ((*p)[1].reason.rfind("not authorised: principal pct-greenwich may not publish csc.contact", 0), 0u)
      << (*p)[1].reason;
  EXPECT_EQ((*p)[2].outcome, lscb::v1::REJECTED);
  EXPECT_EQ((*p)[2].reason.rfind("not authorised: principal pct-greenwich publishes as agency health", 0), 0u)
      << (*p)[2].reason;
  // met-south may send police kinds about Greenwich, but not replace
  // met-central's record (same source and record id, other content).
  auto amend = Send("met-south", {MakeEvent({.kind = "police.domestic_abuse", .board = kGreenwich,
                                              .record_id = "da1", .label = "present"})});
  ASSERT_TRUE(amend.ok());
  EXPECT_EQ((*amend)[0].outcome, lscb::v1::REJECTED);
  EXPECT_EQ((*amend)[0].reason.rfind("not authorised: this record", 0), 0u) << (*amend)[0].reason;

  auto after = Snapshot("admin", kGreenwich, "2007-05", true);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(Cells(*after), Cells(*before));
  EXPECT_EQ(after->log_position(), before->log_position());

  auto log = ReadAudit(data());
  EXPECT_NE(FindAudit(log, "met-central", "event", "accepted"), nullptr);
  const auto* refused = FindAudit(log, "met-central", "event", "rejected", "not authorised");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->source_event_id, "m-ae");
  EXPECT_EQ(refused->kind, "health.ae_attendance");
  EXPECT_EQ(refused->source, "police:central");
  EXPECT_NE(FindAudit(log, "pct-greenwich", "event", "rejected", "about board E09000023"), nullptr);
  EXPECT_NE(FindAudit(log, "met-south", "event", "rejected", "not authorised: this record"), nullptr);
  // Dead letters keep who sent them.
  EXPECT_NE(FindAudit(log, "analyst", "snapshot", "served"), nullptr);
}

TEST_F(SecureHub, ASubscriberWithoutRawRightsNeverSeesASmallCount) {
  std::vector<lscb::v1::Envelope> events;
  for (int i = 0; i < 3; ++i)
    events.push_back(MakeEvent({.record_id = "c" + std::to_string(i), .child = "child-" + std::to_string(i)}));
  events.push_back(MakeEvent({.kind = "csc.referral", .record_id = "r1"}));
  auto sent = Send("csc", events);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  for (const auto& e : *sent) EXPECT_EQ(e.outcome, lscb::v1::ACCEPTED) << e.reason;

  // The admin with the raw right sees the 3.
  auto raw = Snapshot("admin", "Greenwich", "2007-05", true);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(Cells(*raw)["CSC_CONTACTS|all|"], "3");

  // The Board's subscriber: suppressed figures only.
  auto snap = Snapshot("board", "Greenwich", "2007-05");
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(Cells(*snap)["CSC_CONTACTS|all|"], "c");
  EXPECT_TRUE(SmallCounts(*snap).empty()) << ::testing::PrintToString(SmallCounts(*snap));
  EXPECT_FALSE(snap->disclosure_rule().empty());
  auto asked_raw = Snapshot("board", "Greenwich", "2007-05", true);
  ASSERT_FALSE(asked_raw.ok());
  EXPECT_EQ(asked_raw.status().message(),
            "not authorised: principal greenwich-board may not see raw (unsuppressed) figures");
  auto other = Snapshot("board", "Lewisham", "2007-05");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().message(), "not authorised: principal greenwich-board may not read board Lewisham");
  auto london = Snapshot("board", "london", "2007-05");
  EXPECT_FALSE(london.ok());

  // The state and the feed: suppressed too.
  client::SubscriberOptions so;
  so.feed = hub_->endpoints().feed;
  so.query = hub_->endpoints().query;
  so.board = "Greenwich";
  so.curve = As("board");
  auto sub = client::FeedSubscriber::Connect(so);
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  ASSERT_TRUE((*sub)->state().count("2007-05"));
  EXPECT_TRUE(SmallCounts((*sub)->state().at("2007-05")).empty());
  ASSERT_TRUE(Send("csc", {MakeEvent({.record_id = "c9", .child = "child-9"})}).ok());
  bool updated = false;
  for (int i = 0; i < 40 && !updated; ++i) {
    auto u = (*sub)->Next(250ms);
    ASSERT_TRUE(u.ok());
    if (!u->has_value() || (*u)->heartbeat()) continue;
    updated = true;
    for (const auto& s : (*u)->snapshots()) EXPECT_TRUE(SmallCounts(s).empty()) << s.period();
  }
  EXPECT_TRUE(updated);
  EXPECT_EQ(Cells((*sub)->state().at("2007-05"))["CSC_CONTACTS|all|"], "c");
  // A feed subscription outside its boards is refused (the feed's XPUB
  // forwards only the subscriptions the hub allows).
  transport::Context ctx;
  auto wide = transport::Subscriber::Connect(ctx, hub_->endpoints().feed, {""}, As("board"));
  ASSERT_TRUE(wide.ok());
  auto lewisham = transport::Subscriber::Connect(ctx, hub_->endpoints().feed, {kLewisham}, As("board"));
  ASSERT_TRUE(lewisham.ok());
  auto deadline = std::chrono::steady_clock::now() + 5s;
  std::vector<hub::AuditRecord> log;
  while (std::chrono::steady_clock::now() < deadline) {
    log = ReadAudit(data());
    if (FindAudit(log, "greenwich-board", "subscribe", "refused") != nullptr &&
        std::count_if(log.begin(), log.end(), [](const auto& r) { return r.outcome == "refused" && r.action == "subscribe"; }) >= 2)
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE((*wide)->Receive(1500ms)->has_value());  // heartbeats every 100 ms would arrive if subscribed
  EXPECT_FALSE((*lewisham)->Receive(100ms)->has_value());

  // The audit log has each of these.
  const auto* served = FindAudit(log, "greenwich-board", "snapshot", "served");
  ASSERT_NE(served, nullptr);
  EXPECT_FALSE(served->raw);
  EXPECT_EQ(served->board, kGreenwich);
  EXPECT_EQ(served->period, "2007-05");
  const auto* refused_raw = FindAudit(log, "greenwich-board", "snapshot", "refused", "raw");
  ASSERT_NE(refused_raw, nullptr);
  EXPECT_TRUE(refused_raw->raw);
  EXPECT_NE(FindAudit(log, "greenwich-board", "snapshot", "refused", "may not read board Lewisham"), nullptr);
  EXPECT_NE(FindAudit(log, "greenwich-board", "state", "served"), nullptr);
  EXPECT_NE(FindAudit(log, "greenwich-board", "subscribe", "allowed"), nullptr);
  const auto* admin_raw = FindAudit(log, "analyst", "snapshot", "served");
  ASSERT_NE(admin_raw, nullptr);
  EXPECT_TRUE(admin_raw->raw);
}

// Whoever holds the hub's own secret key (its maintenance commands) is an
// admin on the query socket, and nothing on the others.
TEST_F(SecureHub, TheHubsOwnKeyIsAnAdminOnTheQuerySocketOnly) {
  ASSERT_TRUE(Send("csc", {MakeEvent({.record_id = "h1"})}).ok());
  auto raw = Snapshot("hub", "Greenwich", "2007-05", true);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(Cells(*raw)["CSC_CONTACTS|all|"], "1");
  EXPECT_TRUE(Snapshot("hub", "london", "2007-05").ok());
  EXPECT_FALSE(Send("hub", {MakeEvent({.record_id = "h2"})}, 2s).ok());
  auto log = ReadAudit(data());
  EXPECT_NE(FindAudit(log, "lscb-hub", "snapshot", "served"), nullptr);
}

TEST_F(SecureHub, LscbAuditReadsTheLogWhileTheHubRunsAndAfter) {
  ASSERT_TRUE(Send("csc", {MakeEvent({.record_id = "a1"})}).ok());
  ASSERT_TRUE(Send("met", {MakeEvent({.kind = "health.ae_attendance", .record_id = "a2", .agency = "police"})}).ok());
  std::ostringstream out, err;
  cli::AuditOptions o;
  o.data_dir = data();
  o.principal = "met-central";
  ASSERT_EQ(cli::RunAudit(o, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("\"principal\":\"met-central\",\"action\":\"event\",\"outcome\":\"rejected\""),
            std::string::npos)
      << out.str();
  EXPECT_EQ(out.str().find("csc-greenwich"), std::string::npos);
  hub_->Stop();
  std::ostringstream out2, err2;
  o.principal.clear();
  o.format = "text";
  o.since = "1h";
  ASSERT_EQ(cli::RunAudit(o, out2, err2), 0) << err2.str();
  EXPECT_NE(out2.str().find("csc-greenwich\tevent\taccepted\tcsc:E09000011\ta1"), std::string::npos) << out2.str();
  std::ostringstream out3, err3;
  o.since = "2999-01-01";
  ASSERT_EQ(cli::RunAudit(o, out3, err3), 0);
  EXPECT_EQ(out3.str(), "");
  o.since = "yesterday";
  EXPECT_EQ(cli::RunAudit(o, out3, err3), 2);
}

// Plaintext stays as it was: everyone is "anonymous" with every right, and
// the audit log still says who (anonymous) did what.
TEST(Plaintext, EveryoneIsAnonymousAndAudited) {
  testing::TempDir dir;
  {
    testing::RunningHub hub(dir / "hub");
    ASSERT_TRUE(hub.ok());
    client::SenderOptions o;
    o.endpoint = hub.endpoints().ingest;
    client::Sender sender(o);
    auto r = sender.SendAll({MakeEvent({.record_id = "p1"}).SerializeAsString()});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0].outcome, lscb::v1::ACCEPTED);
    client::QueryOptions q;
    q.endpoint = hub.endpoints().query;
    q.raw = true;
    auto snap = client::FetchSnapshot(q, "Greenwich", "2007-05");
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    EXPECT_EQ(Cells(*snap)["CSC_CONTACTS|all|"], "1");
  }
  auto log = ReadAudit(dir / "hub");
  EXPECT_NE(FindAudit(log, "anonymous", "event", "accepted"), nullptr);
  const auto* q = FindAudit(log, "anonymous", "snapshot", "served");
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->raw);
}

TEST(Config, PrincipalsAndCurveFromTheConfigFile) {
  testing::TempDir dir;
  std::ostringstream out, err;
  ASSERT_EQ(cli::RunKeygen({"hub", dir / "keys"}, out, err), 0);
  ASSERT_EQ(cli::RunKeygen({"met-central", dir / "keys"}, out, err), 0);
  ASSERT_EQ(cli::RunKeygen({"board", dir / "keys"}, out, err), 0);
  std::string board_pub = *transport::ReadCurvePublicKeyFile(dir / "keys/board.pub");
  std::string text = "[curve]\nsecret_key_file = \"" + (dir / "keys/hub.key") + "\"\npublic_key_file = \"" +
                     (dir / "keys/hub.pub") +
                     "\"\n\n[[principal]]\nname = \"met-central\"\npublic_key_file = \"" + (dir / "keys/met-central.pub") +
                     "\"\nrole = \"publisher\"\nagency = \"police\"\nkinds = [\"missing.episode\", \"police.*\", "
                     "\"return\"]\nboards = [\"london\"]\n\n[[principal]]\nname = \"greenwich-board\"\npublic_key = \"" +
                     board_pub + "\"\nrole = \"subscriber\"\nboards = [\"Greenwich\", \"204\"]\nraw = false\n";
  hub::HubConfig c;
  Status s = hub::LoadConfigText(text, "hub.toml", c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.options.curve_secret_key.size(), 40u);
  ASSERT_TRUE(c.options.access);
  EXPECT_EQ(c.options.access->principals().size(), 2u);
  EXPECT_FALSE(c.options.access->RefusePublish("met-central", "police", "police.domestic_abuse", kLewisham));
  EXPECT_TRUE(c.options.access->RefusePublish("met-central", "police", "health.ae_attendance", kLewisham));
  EXPECT_TRUE(c.options.access->MayRead("greenwich-board", kGreenwich));
  EXPECT_TRUE(c.options.access->MayRead("greenwich-board", "E09000012"));  // DfE 204: Hackney
  EXPECT_FALSE(c.options.access->MayRead("greenwich-board", "E12000007"));
  EXPECT_FALSE(c.options.access->MayReadRaw("greenwich-board"));

  auto fails = [&](const std::string& t, const std::string& part) {
    hub::HubConfig c2;
    Status s2 = hub::LoadConfigText(t, "hub.toml", c2);
    EXPECT_FALSE(s2.ok()) << t;
    EXPECT_NE(s2.message().find(part), std::string::npos) << s2.message();
  };
  const std::string curve = "[curve]\nsecret_key_file = \"" + (dir / "keys/hub.key") + "\"\n";
  fails("plaintext = true\n" + curve + "[[principal]]\nname=\"a\"\npublic_key=\"" + board_pub +
            "\"\nrole=\"subscriber\"\nboards=[\"london\"]\n",
        "plaintext = true cannot go with [curve]");
  fails(curve, "list the principals");
  fails("[[principal]]\nname=\"a\"\npublic_key=\"" + board_pub + "\"\nrole=\"subscriber\"\nboards=[\"london\"]\n",
        "configure [curve]");
  fails(curve + "[[principal]]\nname=\"a\"\npublic_key=\"" + board_pub +
            "\"\nrole=\"publisher\"\nagency=\"police\"\nkinds=[\"police.burglary\"]\nboards=[\"london\"]\n",
        "principal a: kinds: unknown event kind 'police.burglary'");
  fails(curve + "[[principal]]\nname=\"a\"\npublic_key=\"" + board_pub +
            "\"\nrole=\"subscriber\"\nboards=[\"Atlantis\"]\n",
        "principal a: boards: unknown board 'Atlantis'");
  fails(curve + "[[principal]]\nname=\"a\"\npublic_key=\"nope\"\nrole=\"subscriber\"\nboards=[\"london\"]\n",
        "principal a: public_key: not a CURVE public key");
  fails(curve + "[[principal]]\nname=\"a\"\npublic_key=\"" + board_pub +
            "\"\nrole=\"subscriber\"\nboards=[\"london\"]\ncolour=\"red\"\n",
        "hub.toml: principal[1].colour: unknown setting");
  hub::HubConfig plain;
  EXPECT_TRUE(hub::LoadConfigText("plaintext = true\n", "hub.toml", plain).ok());
  EXPECT_TRUE(plain.options.curve_secret_key.empty());
}

// The real binary: a secret key file others may read stops the hub, with
// the fix in the message; in plaintext it warns loudly.
TEST(HubBinary, RefusesAGroupReadableSecretKeyAndWarnsInPlaintext) {
  testing::TempDir dir;
  std::ostringstream out, err;
  ASSERT_EQ(cli::RunKeygen({"hub", dir.path()}, out, err), 0);
  ASSERT_EQ(cli::RunKeygen({"board", dir.path()}, out, err), 0);
  const std::string key = dir / "hub.key";
  ::chmod(key.c_str(), 0640);
  std::ofstream(dir / "hub.toml") << "[curve]\nsecret_key_file = \"" << key
                                  << "\"\n[[principal]]\nname = \"board\"\npublic_key_file = \"" << (dir / "board.pub")
                                  << "\"\nrole = \"subscriber\"\nboards = [\"london\"]\n";
  testing::Process hub({LSCB_HUB_BIN, "--config", dir / "hub.toml", "--data-dir", dir / "data"}, dir / "h.out",
                       dir / "h.err");
  ASSERT_TRUE(hub.WaitFor(10s));
  EXPECT_NE(hub.Wait(), 0);
  EXPECT_NE(hub.err().find("chmod 600 " + key), std::string::npos) << hub.err();

  testing::Process plain({LSCB_HUB_BIN, "--data-dir", dir / "plain", "--ingest", "tcp://127.0.0.1:*", "--feed",
                          "tcp://127.0.0.1:*", "--query", "tcp://127.0.0.1:*", "--http", "off"},
                         dir / "p.out", dir / "p.err");
  EXPECT_TRUE(plain.WaitForErr(testing::kHubReady, 10s)) << plain.err();
  EXPECT_NE(plain.err().find("PLAINTEXT"), std::string::npos);
  plain.Signal(SIGTERM);
  EXPECT_TRUE(plain.WaitFor(10s));
}

}  // namespace
}  // namespace lscb
