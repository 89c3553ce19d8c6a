// Operator metrics in the Prometheus text exposition format (version 0.0.4).
//
// Debian 12 has no prometheus-cpp package, and the hub only needs counters,
// gauges and histograms rendered as text, so this is a small registry of its
// own:
//
//   # HELP lscb_events_total Events decided by the hub, by outcome and agency.
//   # TYPE lscb_events_total counter
//   lscb_events_total{outcome="accepted",agency="csc"} 1027
//   # HELP lscb_commit_latency_seconds Time to decide and commit one group.
//   # TYPE lscb_commit_latency_seconds histogram
//   lscb_commit_latency_seconds_bucket{le="0.001"} 3
//   ...
//   lscb_commit_latency_seconds_bucket{le="+Inf"} 9
//   lscb_commit_latency_seconds_sum 0.0421
//   lscb_commit_latency_seconds_count 9
//
// Families are rendered in registration order, their series in order of
// label values; bucket counts are cumulative. Label values are escaped (\\,
// \", \n), HELP text too (\\, \n). A family with labels and no series yet is
// rendered as its HELP and TYPE lines only.
//
// Thread safety: every method is thread-safe. Updating a metric is one
// relaxed atomic operation (an Observe: two); looking a labelled series up
// (Family::With) takes the family's lock, so hot paths keep the reference,
// which stays valid as long as the registry.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/status.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

class Counter final {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge final {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram final {
 public:
  // REQUIRES: `bounds` strictly increasing and finite (checked by
  // MetricsRegistry::AddHistogram). The +Inf bucket is implicit.
  explicit Histogram(std::vector<double> bounds);

  // Counts `v` in the first bucket whose upper bound is >= v.
  void Observe(double v);

  struct Counts {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Counts Read() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms to 10 s.
const std::vector<double>& LatencyBuckets();

class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  virtual void Render(std::string& out) const = 0;

 protected:
  FamilyBase(std::string name, std::string help, std::string type, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), type_(std::move(type)), labels_(std::move(labels)) {}
  void RenderHeader(std::string& out) const;
  // `{a="x",b="y"}` (with `extra` appended, e.g. le="0.5"); "" when empty.
  std::string LabelSet(const std::vector<std::string>& values, std::string_view extra = {}) const;

  std::string name_, help_, type_;
  std::vector<std::string> labels_;
};

// A metric family: one series per combination of label values.
template <typename Metric>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::string type, std::vector<std::string> labels,
         std::function<std::unique_ptr<Metric>()> make)
      : FamilyBase(std::move(name), std::move(help), std::move(type), std::move(labels)),
        make_(std::move(make)),
        sink_(make_()) {}

  // The series with these label values (one per label name, in order),
  // created at first use. A wrong number of values is a programming error:
  // the result is a sink that is never rendered.
  Metric& With(const std::vector<std::string>& values) {
    if (values.size() != labels_.size()) return *sink_;
    std::lock_guard lock(mu_);
    auto& m = series_[values];
    if (!m) m = make_();
    return *m;
  }

  void Render(std::string& out) const override;

 private:
  std::function<std::unique_ptr<Metric>()> make_;
  std::unique_ptr<Metric> sink_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;  // guarded by mu_
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry final {
 public:
  // Registers a family. InvalidArgument for a name or label name that is not
  // a Prometheus identifier, a name already registered, a label "le" on a
  // histogram, or histogram bounds that are not strictly increasing and
  // finite. A family without labels has its one series from the start (so
  // it is rendered as 0). The family lives as long as the registry.
  Result<CounterFamily*> AddCounter(std::string name, std::string help, std::vector<std::string> labels = {});
  Result<GaugeFamily*> AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Result<HistogramFamily*> AddHistogram(std::string name, std::string help, std::vector<std::string> labels,
                                        std::vector<double> bounds);

  // The exposition text of every family.
  std::string Render() const;

 private:
  Status Check(const std::string& name, const std::vector<std::string>& labels) const;  // REQUIRES: mu_ held

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;  // guarded by mu_ (the families themselves are not)
};

// The number as Prometheus reads it: shortest round-trip decimal, "+Inf",
// "-Inf", "NaN".
std::string FormatMetricValue(double v);

// The hub's own metrics, for /metrics. The hub owns one and updates it;
// Render() is the body of /metrics.
//
//   lscb_events_total{outcome,agency}  counter    events decided (outcome: accepted,
//                                                 duplicate, amended, merged, rejected;
//                                                 agency: police, health, csc, board,
//                                                 other)
//   lscb_ingest_latency_seconds        histogram  a batch's arrival to its ack being sent
//   lscb_commit_latency_seconds        histogram  deciding and committing one group
//   lscb_ingest_queue_depth            gauge      events received, waiting for the store
//   lscb_store_live_bytes              gauge      the store's size on disk (approximate)
//   lscb_log_position                  gauge      the last event log entry committed
//   lscb_log_start                     gauge      the first event log entry held (after
//                                                 retention removed older ones; 1 before)
class HubMetrics final {
 public:
  HubMetrics();
  HubMetrics(const HubMetrics&) = delete;
  HubMetrics& operator=(const HubMetrics&) = delete;

  // The counter for one outcome and sending agency. An agency the hub does
  // not know (e.g. of a malformed event) is counted as "other", so a sender
  // cannot grow the number of series. Takes a lock the first time for each
  // outcome and agency only.
  Counter& Events(lscb::v1::Outcome outcome, std::string_view agency);
  Histogram& ingest_latency() { return *ingest_latency_; }
  Histogram& commit_latency() { return *commit_latency_; }
  Gauge& queue_depth() { return *queue_depth_; }
  Gauge& store_live_bytes() { return *store_live_bytes_; }
  Gauge& log_position() { return *log_position_; }
  Gauge& log_start() { return *log_start_; }

  std::string Render() const { return registry_.Render(); }
  // For further families (e.g. the live feed's).
  MetricsRegistry& registry() { return registry_; }

 private:
  MetricsRegistry registry_;
  CounterFamily* events_ = nullptr;
  // Events(): each outcome and agency's series, found in events_ once (the
  // last agency slot is "other").
  static constexpr size_t kOutcomeSlots = 8, kAgencySlots = 8;
  std::array<std::array<std::atomic<Counter*>, kAgencySlots>, kOutcomeSlots> events_by_{};
  Histogram* ingest_latency_ = nullptr;
  Histogram* commit_latency_ = nullptr;
  Gauge* queue_depth_ = nullptr;
  Gauge* store_live_bytes_ = nullptr;
  Gauge* log_position_ = nullptr;
  Gauge* log_start_ = nullptr;
};

// ---------------------------------------------------------------- inline

template <typename Metric>
void Family<Metric>::Render(std::string& out) const {
  RenderHeader(out);
  std::lock_guard lock(mu_);
  for (const auto& [values, m] : series_) {
    if constexpr (std::is_same_v<Metric, Counter>) {
      out += name_ + LabelSet(values) + ' ' + std::to_string(m->value()) + '\n';
    } else if constexpr (std::is_same_v<Metric, Gauge>) {
      out += name_ + LabelSet(values) + ' ' + FormatMetricValue(m->value()) + '\n';
    } else {
      Histogram::Counts c = m->Read();
      const auto& bounds = m->bounds();
      for (size_t i = 0; i <= bounds.size(); ++i) {
        std::string le = "le=\"" + (i < bounds.size() ? FormatMetricValue(bounds[i]) : std::string("+Inf")) + "\"";
        out += name_ + "_bucket" + LabelSet(values, le) + ' ' + std::to_string(c.cumulative[i]) + '\n';
      }
      out += name_ + "_sum" + LabelSet(values) + ' ' + FormatMetricValue(c.sum) + '\n';
      out += name_ + "_count" + LabelSet(values) + ' ' + std::to_string(c.count) + '\n';
    }
  }
}

}  // namespace lscb::hub
