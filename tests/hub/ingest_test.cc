// Idempotency, amendments, rejects and durability of the ingest processor,
// on a real RocksDB store in a temporary folder.
#include "hub/ingest.h"

#include <gtest/gtest.h>

#include "hub/principals.h"
#include "lscb/v1/store.pb.h"
#include "store/store.h"
#include "testing/events.h"
#include "testing/temp_dir.h"

namespace lscb::hub {
namespace {

using lscb::testing::EventSpec;
using lscb::testing::MakeEvent;
using lscb::v1::Outcome;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(store::Options opts = {}) {
    processor_.reset();
    store_.reset();
    auto s = store::Store::Open(dir_.path(), opts);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s.value());
    view_ = std::make_unique<IndicatorView>(boards_, DefaultDefinitions());
    processor_ = std::make_unique<IngestProcessor>(*store_, *view_, mutex_, boards_, DefaultDefinitions(),
                                                   SystemClock::Instance());
  }

  // The events in `encoded` (which must outlive them), from principal "test".
  static std::vector<IncomingEvent> Incoming(const std::vector<std::string>& encoded) {
    std::vector<IncomingEvent> in;
    for (const auto& e : encoded) in.push_back({e, "test"});
    return in;
  }
  static std::vector<Outcome> Outcomes(const DecidedGroup& g) {
    std::vector<Outcome> out;
    for (const auto& a : g.acks) out.push_back(a.outcome());
    return out;
  }
  // The acks of `encoded`, sent as one group.
  std::vector<lscb::v1::EventAck> Acks(const std::vector<std::string>& encoded) {
    auto in = Incoming(encoded);
    auto acks = processor_->ProcessGroup(in);
    EXPECT_TRUE(acks.ok()) << acks.status().ToString();
    return acks.ok() ? *acks : std::vector<lscb::v1::EventAck>();
  }
  std::vector<Outcome> Send(const std::vector<std::string>& encoded) {
    auto in = Incoming(encoded);
    auto acks = processor_->ProcessGroup(in);
    EXPECT_TRUE(acks.ok()) << acks.status().ToString();
    std::vector<Outcome> out;
    if (acks.ok())
      for (const auto& a : *acks) out.push_back(a.outcome());
    return out;
  }
  std::string Enc(const EventSpec& s) { return MakeEvent(s).SerializeAsString(); }
  std::string Contacts(const std::string& key = "CSC_CONTACTS|all|") {
    auto snap = view_->Query("E09000011", *ParsePeriod("FY2007-08"));
    for (const auto& c : snap.cells())
      if (c.indicator() + "|" + c.age_band() + "|" + c.breakdown() == key) return std::to_string(c.count());
    return "0";
  }

  lscb::testing::TempDir dir_;
  std::shared_ptr<const BoardRegistry> boards_ = BoardRegistry::Default();
  std::shared_mutex mutex_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<IndicatorView> view_;
  std::unique_ptr<IngestProcessor> processor_;
};

TEST_F(IngestTest, SameRecordTwiceIsADuplicate) {
  auto a = Enc({.record_id = "c1"}), b = Enc({.record_id = "c2"});
  EXPECT_EQ(Send({a, b}), (std::vector<Outcome>{lscb::v1::ACCEPTED, lscb::v1::ACCEPTED}));
  EXPECT_EQ(Send({a, b}), (std::vector<Outcome>{lscb::v1::DUPLICATE, lscb::v1::DUPLICATE}));
  EXPECT_EQ(Contacts(), "2");
  EXPECT_EQ(store_->last_event_seq(), 2u);
}

TEST_F(IngestTest, ChangedRecordIsAnAmendmentThatCorrectsCounts) {
  Send({Enc({.record_id = "c1", .label = "police"})});
  EXPECT_EQ(Send({Enc({.record_id = "c1", .label = "school"})}), std::vector<Outcome>{lscb::v1::AMENDED});
  EXPECT_EQ(Contacts(), "1");
  EXPECT_EQ(Contacts("CSC_CONTACTS|all|police"), "0");
  EXPECT_EQ(Contacts("CSC_CONTACTS|all|school"), "1");
  // Sending the amended version again is a duplicate; the first version again
  // is an amendment back.
  EXPECT_EQ(Send({Enc({.record_id = "c1", .label = "school"})}), std::vector<Outcome>{lscb::v1::DUPLICATE});
  EXPECT_EQ(Send({Enc({.record_id = "c1", .label = "police"})}), std::vector<Outcome>{lscb::v1::AMENDED});
  EXPECT_EQ(Contacts("CSC_CONTACTS|all|police"), "1");
  EXPECT_EQ(Contacts(), "1");
}

TEST_F(IngestTest, RepeatsWithinOneGroupAreRecognised) {
  auto v1 = Enc({.record_id = "c1", .label = "police"});
  auto v2 = Enc({.record_id = "c1", .label = "health"});
  EXPECT_EQ(Send({v1, v1, v2}),
            (std::vector<Outcome>{lscb::v1::ACCEPTED, lscb::v1::DUPLICATE, lscb::v1::AMENDED}));
  EXPECT_EQ(Contacts(), "1");
  EXPECT_EQ(Contacts("CSC_CONTACTS|all|health"), "1");
}

TEST_F(IngestTest, TheSameRecordIdInTwoBoroughsIsTwoRecords) {
  EXPECT_EQ(Send({Enc({.board = "E09000011", .record_id = "c1"}), Enc({.board = "E09000012", .record_id = "c1"})}),
            (std::vector<Outcome>{lscb::v1::ACCEPTED, lscb::v1::ACCEPTED}));
}

TEST_F(IngestTest, BadInputIsRejectedWithAReasonAndKeptAsADeadLetter) {
  auto unknown_kind = MakeEvent({.record_id = "x1"});
  unknown_kind.set_kind("csc.unknown");
  auto no_board = MakeEvent({.record_id = "x2"});
  no_board.clear_board();
  auto bad_board = MakeEvent({.record_id = "x3"});
  bad_board.set_board("Z99");
  auto adult = MakeEvent({.record_id = "x4", .age = 17});
  adult.mutable_subject()->set_age_years(18);
  std::vector<std::string> enc = {"\xff\xff\xff not a protobuf", unknown_kind.SerializeAsString(),
                                  no_board.SerializeAsString(), bad_board.SerializeAsString(),
                                  adult.SerializeAsString(), Enc({.record_id = "good"})};
  auto in = Incoming(enc);
  auto acks = processor_->ProcessGroup(in);
  ASSERT_TRUE(acks.ok());
  ASSERT_EQ(acks->size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*acks)[i].outcome(), lscb::v1::REJECTED) << i;
  EXPECT_EQ((*acks)[5].outcome(), lscb::v1::ACCEPTED);
  EXPECT_NE((*acks)[0].reason().find("malformed"), std::string::npos);
  EXPECT_NE((*acks)[1].reason().find("unknown event kind"), std::string::npos);
  EXPECT_NE((*acks)[2].reason().find("missing field: board"), std::string::npos);
  EXPECT_NE((*acks)[3].reason().find("unknown board"), std::string::npos);
  EXPECT_NE((*acks)[4].reason().find("18"), std::string::npos);
  EXPECT_EQ(Contacts(), "1");

  std::vector<std::string> reasons;
  ASSERT_TRUE(store_
                  ->ScanDeadLetters([&](uint64_t, std::string_view raw) {
                    lscb::v1::DeadLetter dl;
                    EXPECT_TRUE(dl.ParseFromArray(raw.data(), static_cast<int>(raw.size())));
                    reasons.push_back(dl.reason());
                    return true;
                  })
                  .ok());
  ASSERT_EQ(reasons.size(), 5u);
  EXPECT_EQ(reasons[1], (*acks)[1].reason());
  // Still healthy afterwards.
  EXPECT_EQ(Send({Enc({.record_id = "good2"})}), std::vector<Outcome>{lscb::v1::ACCEPTED});
}

// The envelope each event is decoded into is reused from one event to the
// next (its subject and tokens stay allocated): nothing of one event may show
// through in the next, whatever the order, even after a decoding that failed
// half-way.
TEST_F(IngestTest, EachEventIsDecidedOnItsOwnBytesAlone) {
  auto with_child = MakeEvent({.record_id = "c1"});
  auto no_subject = MakeEvent({.record_id = "c2"});
  no_subject.clear_subject();
  auto no_band = MakeEvent({.record_id = "c3"});
  no_band.mutable_subject()->clear_age_band();
  auto participation = MakeEvent({.kind = "board.participation", .record_id = "p1", .children_involved = 4});
  auto participation_with_child = participation;
  participation_with_child.set_source_event_id("p2");
  *participation_with_child.mutable_subject() = with_child.subject();
  // A valid subject, then bytes that are not a field: the decoding fails
  // after the subject's tokens were read.
  std::string half = with_child.SerializeAsString() + "\xff\xff";
  std::vector<std::string> enc = {with_child.SerializeAsString(),
                                  no_subject.SerializeAsString(),
                                  participation.SerializeAsString(),
                                  no_band.SerializeAsString(),
                                  participation_with_child.SerializeAsString(),
                                  half,
                                  no_subject.SerializeAsString(),
                                  Enc({.record_id = "c4"})};
  auto in = Incoming(enc);
  auto acks = processor_->ProcessGroup(in);
  ASSERT_TRUE(acks.ok()) << acks.status().ToString();
  ASSERT_EQ(acks->size(), enc.size());
  std::vector<Outcome> outcomes;
  for (const auto& a : *acks) outcomes.push_back(a.outcome());
  EXPECT_EQ(outcomes, (std::vector<Outcome>{lscb::v1::ACCEPTED, lscb::v1::REJECTED, lscb::v1::ACCEPTED,
                                            lscb::v1::REJECTED, lscb::v1::REJECTED, lscb::v1::REJECTED,
                                            lscb::v1::REJECTED, lscb::v1::ACCEPTED}));
  EXPECT_EQ((*acks)[1].reason(), "missing field: subject.tokens");
  EXPECT_NE((*acks)[3].reason().find("is not an age band"), std::string::npos) << (*acks)[3].reason();
  EXPECT_NE((*acks)[4].reason().find("must not carry a subject"), std::string::npos) << (*acks)[4].reason();
  EXPECT_NE((*acks)[5].reason().find("malformed"), std::string::npos) << (*acks)[5].reason();
  EXPECT_EQ((*acks)[6].reason(), "missing field: subject.tokens");
  EXPECT_EQ(Contacts(), "2");
  // The same again: duplicates and the same rejections, in a new group.
  auto again = processor_->ProcessGroup(in);
  ASSERT_TRUE(again.ok());
  for (size_t i = 0; i < enc.size(); ++i)
    EXPECT_EQ((*again)[i].outcome(), outcomes[i] == lscb::v1::ACCEPTED ? lscb::v1::DUPLICATE : lscb::v1::REJECTED)
        << i;
}

// The decoder keeps each kind's detail message from one event to the next
// (so that decoding allocates nothing): an event still has only the detail
// its own bytes carry, with only their fields.
TEST_F(IngestTest, EachEventHasTheDetailOfItsOwnBytesAlone) {
  auto contact = MakeEvent({.record_id = "d1", .label = "police"});
  auto no_detail = MakeEvent({.record_id = "d2"});
  no_detail.clear_contact();
  auto no_source = MakeEvent({.record_id = "d3"});
  no_source.mutable_contact()->clear_source();
  auto assessment = MakeEvent({.kind = "csc.assessment_completed", .record_id = "d4"});
  auto assessment_with_detail = assessment;
  assessment_with_detail.set_source_event_id("d5");
  *assessment_with_detail.mutable_contact() = contact.contact();
  // Two details in one message: the last is the one decoded (a plan's, which
  // a contact cannot have).
  auto two_details = MakeEvent({.record_id = "d6", .label = "police"});
  lscb::v1::Envelope plan_only;
  plan_only.mutable_cp_plan()->set_category("neglect");
  std::vector<std::string> enc = {contact.SerializeAsString(),
                                  no_detail.SerializeAsString(),
                                  contact.SerializeAsString(),
                                  no_source.SerializeAsString(),
                                  assessment.SerializeAsString(),
                                  assessment_with_detail.SerializeAsString(),
                                  two_details.SerializeAsString() + plan_only.SerializeAsString(),
                                  Enc({.record_id = "d7", .label = "school"})};
  const auto acks = Acks(enc);
  ASSERT_EQ(acks.size(), enc.size());
  const Outcome expected[] = {lscb::v1::ACCEPTED, lscb::v1::REJECTED, lscb::v1::DUPLICATE, lscb::v1::REJECTED,
                              lscb::v1::ACCEPTED, lscb::v1::REJECTED, lscb::v1::REJECTED, lscb::v1::ACCEPTED};
  for (size_t i = 0; i < acks.size(); ++i) EXPECT_EQ(acks[i].outcome(), expected[i]) << i << ": " << acks[i].reason();
  EXPECT_EQ(acks[1].reason(), "csc.contact needs contact detail");
  EXPECT_EQ(acks[3].reason(), "contact.source '' is not a contact source");
  EXPECT_EQ(acks[5].reason(), "csc.assessment_completed carries an unexpected detail");
  EXPECT_EQ(acks[6].reason(), "csc.contact needs contact detail");
  EXPECT_EQ(Contacts("CSC_CONTACTS|all|police"), "1");
  EXPECT_EQ(Contacts("CSC_CONTACTS|all|school"), "1");
}

TEST_F(IngestTest, AFailedCommitAcknowledgesAndCountsNothing) {
  bool fail = true;
  store::Options opts;
  opts.before_commit = [&] { return fail ? Status::IoError("disk full (injected)") : Status::Ok(); };
  Open(opts);
  std::vector<std::string> enc = {Enc({.record_id = "c1"}), Enc({.record_id = "c2"})};
  auto in = Incoming(enc);
  auto acks = processor_->ProcessGroup(in);
  ASSERT_FALSE(acks.ok());
  EXPECT_NE(acks.status().message().find("disk full"), std::string::npos);
  EXPECT_EQ(Contacts(), "0");
  EXPECT_EQ(store_->last_event_seq(), 0u);
  // The sender re-sends; now the disk works and both are new.
  fail = false;
  EXPECT_EQ(Send(enc), (std::vector<Outcome>{lscb::v1::ACCEPTED, lscb::v1::ACCEPTED}));
  EXPECT_EQ(Contacts(), "2");
}

// Every event decided is audited in its group's commit: one stored value
// per group, one line per event, in the group's order.
TEST_F(IngestTest, AGroupIsAuditedAsOneEntryWithALinePerEvent) {
  auto a = Enc({.record_id = "c1"});
  Send({a});
  EXPECT_EQ(Send({Enc({.record_id = "c2"}), a, "not an envelope", Enc({.record_id = "c1", .label = "school"})}),
            (std::vector<Outcome>{lscb::v1::ACCEPTED, lscb::v1::DUPLICATE, lscb::v1::REJECTED, lscb::v1::AMENDED}));
  std::vector<std::vector<AuditRecord>> entries;
  ASSERT_TRUE(store_
                  ->ScanAudit("",
                              [&](std::string_view, std::string_view value) {
                                entries.emplace_back();
                                Status s = DecodeAuditValue(
                                    value, [&](const AuditRecord& r) { entries.back().push_back(r); });
                                EXPECT_TRUE(s.ok()) << s.ToString();
                                return true;
                              })
                  .ok());
  ASSERT_EQ(entries.size(), 2u);
  ASSERT_EQ(entries[0].size(), 1u);
  EXPECT_EQ(entries[0][0].outcome, "accepted");
  ASSERT_EQ(entries[1].size(), 4u);
  std::vector<std::string> outcomes, ids;
  for (const auto& r : entries[1]) {
    outcomes.push_back(r.outcome);
    ids.push_back(r.source_event_id);
    EXPECT_EQ(r.principal, "test");
    EXPECT_EQ(r.action, "event");
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"accepted", "duplicate", "rejected", "amended"}));
  EXPECT_EQ(ids, (std::vector<std::string>{"c2", "c1", "", "c1"}));
  EXPECT_NE(entries[1][2].reason.find("malformed"), std::string::npos);
}

TEST(AuditValue, LinesAreRecordsAndEscapesKeepAFieldOnItsLine) {
  AuditRecord a;
  a.time = 1180000000;
  a.principal = "met\tcentral";
  a.action = "event";
  a.outcome = "rejected";
  a.reason = "two\nlines\tand a \\ back\rslash";
  AuditRecord b = a;
  b.outcome = "accepted";
  b.reason.clear();
  std::string value = EncodeAuditRecord(a) + "\n" + EncodeAuditRecord(b);
  std::vector<AuditRecord> got;
  ASSERT_TRUE(DecodeAuditValue(value, [&](const AuditRecord& r) { got.push_back(r); }).ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].principal, a.principal);
  EXPECT_EQ(got[0].reason, a.reason);
  EXPECT_EQ(got[1].outcome, "accepted");
  EXPECT_EQ(got[1].time, 1180000000);
  // A damaged line is named; the records before it were read.
  got.clear();
  Status s = DecodeAuditValue(EncodeAuditRecord(a) + "\n1\tgarbage", [&](const AuditRecord& r) { got.push_back(r); });
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.ToString();
  EXPECT_EQ(got.size(), 1u);
}

// The hub decides a group while the one before it is being committed: the
// later group sees the earlier one's records as if committed, waits for
// that commit only when it needs what the store will hold, and numbers its
// log entries after the earlier group's.
TEST_F(IngestTest, AGroupDecidedWhileTheOneBeforeIsInFlightSeesItsRecords) {
  const std::vector<std::string> first = {Enc({.record_id = "c1"}), Enc({.record_id = "c2"})};
  auto in1 = Incoming(first);
  auto g1 = processor_->Decide(in1);
  ASSERT_TRUE(g1.ok());
  EXPECT_EQ(g1->last_seq, 2u);

  // The same bytes as a record in flight: a duplicate, without waiting. A
  // new record: no wait either.
  int waits = 0;
  const std::vector<std::string> second = {first[0], Enc({.record_id = "c3"})};
  auto in2 = Incoming(second);
  auto g2 = processor_->Decide(in2, &*g1, [&] {
    ++waits;
    return processor_->Commit(*g1);
  });
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ(Outcomes(*g2), (std::vector<Outcome>{lscb::v1::DUPLICATE, lscb::v1::ACCEPTED}));
  EXPECT_EQ(waits, 0);
  EXPECT_EQ(g2->last_seq, 3u) << "numbered after the group in flight";
  EXPECT_EQ(store_->last_event_seq(), 0u) << "nothing committed yet";
  ASSERT_TRUE(processor_->Commit(*g1).ok());

  // An amendment of a record in flight: it waits for that commit, then
  // reads the version held from the store.
  const std::vector<std::string> third = {Enc({.record_id = "c3", .label = "school"})};
  auto in3 = Incoming(third);
  auto g3 = processor_->Decide(in3, &*g2, [&] {
    ++waits;
    return processor_->Commit(*g2);
  });
  ASSERT_TRUE(g3.ok());
  EXPECT_EQ(waits, 1);
  EXPECT_EQ(Outcomes(*g3), std::vector<Outcome>{lscb::v1::AMENDED});
  EXPECT_EQ(store_->last_event_seq(), 3u);
  ASSERT_TRUE(processor_->Commit(*g3).ok());
  EXPECT_EQ(store_->last_event_seq(), 4u);
  std::vector<ViewUpdate> updates;
  updates.push_back(std::move(g1->update));
  updates.push_back(std::move(g2->update));
  updates.push_back(std::move(g3->update));
  processor_->ApplyToView(updates);
  EXPECT_EQ(Contacts(), "3");
  EXPECT_EQ(Contacts("CSC_CONTACTS|all|school"), "1");
  EXPECT_EQ(processor_->counters().accepted, 3u);
  EXPECT_EQ(processor_->counters().duplicate, 1u);
  EXPECT_EQ(processor_->counters().amended, 1u);
}

// Under access control, a re-send of a record in flight is answered without
// waiting for that group's commit too: a duplicate from the principal that
// sent the record, refused from any other.
TEST_F(IngestTest, UnderAccessControlAResendOfARecordInFlightNeedsNoWait) {
  auto key = [](char c) { return std::string(40, c); };
  std::vector<Principal> ps = {
      {"csc-greenwich", key('a'), Role::kPublisher, "csc", {"csc.*"}, {"E09000011"}},
      {"csc-greenwich-2", key('b'), Role::kPublisher, "csc", {"csc.*"}, {"E09000011"}}};
  auto policy = AccessPolicy::Create(ps, *boards_);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  processor_->set_access_policy(*policy);
  const std::string c1 = Enc({.record_id = "c1"});
  const std::vector<IncomingEvent> first = {{c1, "csc-greenwich"}};
  auto g1 = processor_->Decide(first);
  ASSERT_TRUE(g1.ok());
  int waits = 0;
  const std::vector<IncomingEvent> second = {{c1, "csc-greenwich"}, {c1, "csc-greenwich-2"}};
  auto g2 = processor_->Decide(second, &*g1, [&] {
    ++waits;
    return processor_->Commit(*g1);
  });
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ(waits, 0);
  EXPECT_EQ(Outcomes(*g2), (std::vector<Outcome>{lscb::v1::DUPLICATE, lscb::v1::REJECTED}));
  EXPECT_NE(g2->acks[1].reason().find("was sent by another principal"), std::string::npos) << g2->acks[1].reason();
  ASSERT_TRUE(processor_->Commit(*g1).ok());
  ASSERT_TRUE(processor_->Commit(*g2).ok());
  // The same answers once the record is in the store.
  auto g3 = processor_->Decide(second);
  ASSERT_TRUE(g3.ok());
  EXPECT_EQ(Outcomes(*g3), (std::vector<Outcome>{lscb::v1::DUPLICATE, lscb::v1::REJECTED}));
  EXPECT_EQ(g3->acks[1].reason(), g2->acks[1].reason());
}

// When the commit of the group in flight fails, a group that waited for it
// fails with it; one that did not is dropped by the caller. Either way the
// next group starts again from the store: no gap in the log, nothing
// counted twice.
TEST_F(IngestTest, WhenTheGroupInFlightFailsTheNextStartsAgainFromTheStore) {
  bool fail = false;
  store::Options opts;
  opts.before_commit = [&] { return fail ? Status::IoError("disk full (injected)") : Status::Ok(); };
  Open(opts);
  const std::vector<std::string> a = {Enc({.record_id = "c1"})}, b = {Enc({.record_id = "c1", .label = "school"})},
                                 c = {Enc({.record_id = "c2"})};
  auto in_a = Incoming(a), in_b = Incoming(b), in_c = Incoming(c);
  fail = true;
  auto ga = processor_->Decide(in_a);
  ASSERT_TRUE(ga.ok());
  auto gb = processor_->Decide(in_b, &*ga, [&] { return processor_->Commit(*ga); });
  ASSERT_FALSE(gb.ok()) << "an amendment of a record whose commit failed";
  EXPECT_NE(gb.status().message().find("disk full"), std::string::npos);

  auto ga2 = processor_->Decide(in_a);
  ASSERT_TRUE(ga2.ok());
  auto gc = processor_->Decide(in_c, &*ga2, [&] { return processor_->Commit(*ga2); });
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(gc->last_seq, 2u);
  EXPECT_FALSE(processor_->Commit(*ga2).ok());  // the caller now drops gc

  fail = false;
  EXPECT_EQ(Send({c[0], a[0]}), (std::vector<Outcome>{lscb::v1::ACCEPTED, lscb::v1::ACCEPTED}));
  EXPECT_EQ(store_->last_event_seq(), 2u);
  EXPECT_EQ(processor_->counters().accepted, 2u);
  EXPECT_EQ(Contacts(), "2");
}

TEST_F(IngestTest, ReplayingTheLogRebuildsTheSameView) {
  Send({Enc({.record_id = "c1", .label = "police"}), Enc({.kind = "csc.referral", .record_id = "r1"}),
        Enc({.kind = "csc.referral", .record_id = "r2", .when = "2007-09-01"})});
  Send({Enc({.record_id = "c1", .label = "school"})});  // an amendment in the log
  std::string before = view_->Serialize();
  Open();  // a new process on the same folder
  uint64_t replayed = 0;
  ASSERT_TRUE(processor_->ReplayLog(0, &replayed).ok());
  EXPECT_EQ(replayed, 4u);
  EXPECT_EQ(view_->Serialize(), before);
  EXPECT_EQ(processor_->applied_seq(), 4u);
  // Idempotency survives the restart too.
  EXPECT_EQ(Send({Enc({.record_id = "c1", .label = "school"})}), std::vector<Outcome>{lscb::v1::DUPLICATE});
}

}  // namespace
}  // namespace lscb::hub
