// The Prometheus text registry: exact exposition text.
#include "hub/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace lscb::hub {
namespace {

TEST(Metrics, CountersGaugesAndHistogramsRenderExactly) {
  MetricsRegistry r;
  auto events = r.AddCounter("lscb_events_total", "Events decided.", {"outcome", "agency"});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  auto depth = r.AddGauge("lscb_ingest_queue_depth", "Events waiting.");
  ASSERT_TRUE(depth.ok());
  auto latency = r.AddHistogram("lscb_commit_latency_seconds", "Commit time.", {}, {0.005, 0.1, 1});
  ASSERT_TRUE(latency.ok());
  auto by_agency = r.AddHistogram("req_seconds", "Per agency.", {"agency"}, {0.5});
  ASSERT_TRUE(by_agency.ok());

  (*events)->With({"accepted", "police"}).Inc(3);
  (*events)->With({"accepted", "csc"}).Inc();
  (*events)->With({"rejected", "csc"}).Inc(2);
  (*events)->With({"accepted", "police"}).Inc();
  (*depth)->With({}).Set(17);
  Histogram& h = (*latency)->With({});
  h.Observe(0.001);   // first bucket
  h.Observe(0.005);   // a value equal to a bound counts in that bucket
  h.Observe(0.25);    // third
  h.Observe(30);      // +Inf only
  (*by_agency)->With({"health"}).Observe(0.25);

  EXPECT_EQ(r.Render(),
            "# HELP lscb_events_total Events decided.\n"
            "# TYPE lscb_events_total counter\n"
            "lscb_events_total{outcome=\"accepted\",agency=\"csc\"} 1\n"
            "lscb_events_total{outcome=\"accepted\",agency=\"police\"} 4\n"
            "lscb_events_total{outcome=\"rejected\",agency=\"csc\"} 2\n"
            "# HELP lscb_ingest_queue_depth Events waiting.\n"
            "# TYPE lscb_ingest_queue_depth gauge\n"
            "lscb_ingest_queue_depth 17\n"
            "# HELP lscb_commit_latency_seconds Commit time.\n"
            "# TYPE lscb_commit_latency_seconds histogram\n"
            "lscb_commit_latency_seconds_bucket{le=\"0.005\"} 2\n"
            "lscb_commit_latency_seconds_bucket{le=\"0.1\"} 2\n"
            "lscb_commit_latency_seconds_bucket{le=\"1\"} 3\n"
            "lscb_commit_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "lscb_commit_latency_seconds_sum 30.256\n"
            "lscb_commit_latency_seconds_count 4\n"
            "# HELP req_seconds Per agency.\n"
            "# TYPE req_seconds histogram\n"
            "req_seconds_bucket{agency=\"health\",le=\"0.5\"} 1\n"
            "req_seconds_bucket{agency=\"health\",le=\"+Inf\"} 1\n"
            "req_seconds_sum{agency=\"health\"} 0.25\n"
            "req_seconds_count{agency=\"health\"} 1\n");
}

TEST(Metrics, AFamilyWithoutSeriesYetHasItsHeaderOnly) {
  MetricsRegistry r;
  ASSERT_TRUE(r.AddCounter("a_total", "A.", {"kind"}).ok());
  ASSERT_TRUE(r.AddCounter("b_total", "B.").ok());
  EXPECT_EQ(r.Render(),
            "# HELP a_total A.\n# TYPE a_total counter\n"
            "# HELP b_total B.\n# TYPE b_total counter\nb_total 0\n");
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  MetricsRegistry r;
  auto f = r.AddGauge("g", "Line one\nback\\slash \"quoted\"", {"path"});
  ASSERT_TRUE(f.ok());
  (*f)->With({"a\"b\\c\nd"}).Set(-2.5);
  EXPECT_EQ(r.Render(),
            "# HELP g Line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{path=\"a\\\"b\\\\c\\nd\"} -2.5\n");
}

TEST(Metrics, NumbersAreWrittenAsPrometheusReadsThem) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(0.0005), "0.0005");
  EXPECT_EQ(FormatMetricValue(1e21), "1e+21");
  EXPECT_EQ(FormatMetricValue(0.00001), "1e-05");
  EXPECT_EQ(FormatMetricValue(123456789012.5), "123456789012.5");
  EXPECT_EQ(FormatMetricValue(-0.25), "-0.25");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST(Metrics, BadNamesLabelsAndBucketsAreRefused) {
  MetricsRegistry r;
  EXPECT_TRUE(r.AddCounter("1abc", "").status().IsInvalidArgument());
  EXPECT_TRUE(r.AddCounter("a-b", "").status().IsInvalidArgument());
  EXPECT_TRUE(r.AddCounter("ok_total", "", {"bad-label"}).status().IsInvalidArgument());
  EXPECT_TRUE(r.AddCounter("ok_total", "", {"__reserved"}).status().IsInvalidArgument());
  EXPECT_TRUE(r.AddCounter("ok_total", "", {"a", "a"}).status().IsInvalidArgument());
  EXPECT_TRUE(r.AddHistogram("h", "", {"le"}, {1}).status().IsInvalidArgument());
  EXPECT_TRUE(r.AddHistogram("h", "", {}, {1, 1}).status().IsInvalidArgument());
  EXPECT_TRUE(r.AddHistogram("h", "", {}, {2, 1}).status().IsInvalidArgument());
  EXPECT_TRUE(r.AddHistogram("h", "", {}, {std::nan("")}).status().IsInvalidArgument());
  ASSERT_TRUE(r.AddCounter("ok_total", "").ok());
  auto twice = r.AddGauge("ok_total", "");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("registered twice"), std::string::npos);
  EXPECT_TRUE(r.AddCounter("ns:ok_total", "").ok());
}

TEST(Metrics, AWrongNumberOfLabelValuesIsNeverRendered) {
  MetricsRegistry r;
  auto f = r.AddCounter("x_total", "X.", {"a", "b"});
  ASSERT_TRUE(f.ok());
  (*f)->With({"only-one"}).Inc(5);
  EXPECT_EQ(r.Render(), "# HELP x_total X.\n# TYPE x_total counter\n");
}

TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry r;
  auto c = r.AddCounter("c_total", "C.", {"t"});
  auto h = r.AddHistogram("h_seconds", "H.", {}, {0.5});
  ASSERT_TRUE(c.ok() && h.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Counter& mine = (*c)->With({t % 2 ? "odd" : "even"});
      for (int i = 0; i < 10000; ++i) {
        mine.Inc();
        (*h)->With({}).Observe(i % 2 ? 1.0 : 0.25);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ((*c)->With({"even"}).value(), 20000u);
  EXPECT_EQ((*c)->With({"odd"}).value(), 20000u);
  Histogram::Counts counts = (*h)->With({}).Read();
  EXPECT_EQ(counts.count, 40000u);
  EXPECT_EQ(counts.cumulative[0], 20000u);
  EXPECT_DOUBLE_EQ(counts.sum, 20000 * 1.0 + 20000 * 0.25);
}

TEST(Metrics, TheHubsFamilies) {
  HubMetrics m;
  m.Events(lscb::v1::ACCEPTED, "police").Inc(2);
  m.Events(lscb::v1::REJECTED, "made-up-agency").Inc();  // does not make a series of its own
  m.Events(lscb::v1::DUPLICATE, "csc").Inc();
  // Found again (the series are remembered after their first use): the same
  // counters; every unknown agency is the one "other".
  m.Events(lscb::v1::ACCEPTED, "police").Inc(3);
  m.Events(lscb::v1::REJECTED, "another-made-up-one").Inc();
  EXPECT_EQ(&m.Events(lscb::v1::DUPLICATE, "csc"), &m.Events(lscb::v1::DUPLICATE, "csc"));
  EXPECT_NE(&m.Events(lscb::v1::DUPLICATE, "csc"), &m.Events(lscb::v1::DUPLICATE, "police"));
  m.queue_depth().Set(3);
  m.store_live_bytes().Set(1048576);
  m.log_position().Set(1234);
  m.commit_latency().Observe(0.002);
  m.ingest_latency().Observe(0.02);
  std::string text = m.Render();
  for (const char* line : {
           "# TYPE lscb_events_total counter\n",
           "lscb_events_total{outcome=\"accepted\",agency=\"police\"} 5\n",
           "lscb_events_total{outcome=\"duplicate\",agency=\"csc\"} 1\n",
           "lscb_events_total{outcome=\"rejected\",agency=\"other\"} 2\n",
           "# TYPE lscb_ingest_latency_seconds histogram\n",
           "lscb_ingest_latency_seconds_bucket{le=\"0.025\"} 1\n",
           "lscb_ingest_latency_seconds_count 1\n",
           "# TYPE lscb_commit_latency_seconds histogram\n",
           "lscb_commit_latency_seconds_bucket{le=\"0.001\"} 0\n",
           "lscb_commit_latency_seconds_bucket{le=\"0.0025\"} 1\n",
           "lscb_commit_latency_seconds_sum 0.002\n",
           "# TYPE lscb_ingest_queue_depth gauge\nlscb_ingest_queue_depth 3\n",
           "# TYPE lscb_store_live_bytes gauge\nlscb_store_live_bytes 1048576\n",
           "# TYPE lscb_log_position gauge\nlscb_log_position 1234\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  EXPECT_EQ(text.find("made-up-agency"), std::string::npos);
}

}  // namespace
}  // namespace lscb::hub
