// An in-process hub fed with the synthetic children's-services feed (through
// the csc-events adapter and a real Sender), plus one return that disagrees
// with the events (a "reconcile" flag), for the Board's-view tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/testing/synthetic.h"
#include "client/query_client.h"
#include "client/sender.h"
#include "testing/events.h"
#include "testing/hub_fixture.h"

namespace lscb::testing {

// The board, financial year and quarter the tests look at.
inline constexpr const char* kSampleBoard = "E09000011";  // Greenwich
inline constexpr const char* kSampleYear = "FY2007-08";
// The return for CSC_CONTACTS in this quarter says 1: it differs from the
// events, so the cell is flagged "reconcile".
inline constexpr const char* kReconcileQuarter = "2007-Q3";

class SampleHub {
 public:
  // `rows` synthetic csc-events rows over FY2007-08 for Greenwich, Hackney
  // and Lambeth.
  explicit SampleHub(size_t rows = 1500, uint64_t seed = 7) : hub_(dir_ / "hub") {
    if (!hub_.ok()) return;
    static const adapters::LinkageKey key = adapters::LinkageKey::FromSecret("board-view-test-linkage-secret");
    adapters::AdapterContext ctx{BoardRegistry::Default(), &key};
    auto parsed = adapters::FindAdapter("csc-events")->Parse("feed.csv", adapters::SyntheticCscEventsCsv(rows, seed), ctx);
    EXPECT_TRUE(parsed.errors.empty()) << parsed.errors.front().ToString();
    std::vector<std::string> events;
    for (const auto& e : parsed.events) events.push_back(e.SerializeAsString());
    EventSpec ret;
    ret.kind = "return";
    ret.board = kSampleBoard;
    ret.record_id = "return-contacts-q3";
    ret.indicator = "CSC_CONTACTS";
    ret.period = kReconcileQuarter;
    ret.value = 1;
    events.push_back(MakeEvent(ret).SerializeAsString());

    client::SenderOptions o;
    o.endpoint = hub_.endpoints().ingest;
    o.give_up_after = std::chrono::seconds(20);
    client::Sender sender(o);
    auto results = sender.SendAll(events);
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    if (results.ok())
      for (size_t i = 0; i < results->size(); ++i) {
        const auto& r = (*results)[i];
        ++outcomes_[r.outcome];
        EXPECT_NE(r.outcome, lscb::v1::REJECTED) << "event " << i << ": " << r.reason;
      }
    events_sent_ = events.size();
  }

  bool ok() const { return hub_.ok(); }
  const RunningHub& hub() const { return hub_; }
  size_t events_sent() const { return events_sent_; }
  const std::map<lscb::v1::Outcome, size_t>& outcomes() const { return outcomes_; }

  // The raw snapshot, from the query socket.
  Result<lscb::v1::Snapshot> Raw(const std::string& board, const std::string& period) const {
    client::QueryOptions q;
    q.endpoint = hub_.endpoints().query;
    q.raw = true;
    return client::FetchSnapshot(q, board, period);
  }

 private:
  TempDir dir_;
  RunningHub hub_;
  size_t events_sent_ = 0;
  std::map<lscb::v1::Outcome, size_t> outcomes_;
};

// The periods of a financial year: the year, its quarters, its months.
inline std::vector<std::string> PeriodsOfYear2007() {
  return {"FY2007-08", "2007-Q2", "2007-Q3", "2007-Q4", "2008-Q1", "2007-04", "2007-05", "2007-06", "2007-07",
          "2007-08",   "2007-09", "2007-10", "2007-11", "2007-12", "2008-01", "2008-02", "2008-03"};
}

}  // namespace lscb::testing
