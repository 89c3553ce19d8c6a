#include "hub/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "hub/definitions.h"

namespace lscb::hub {
namespace {

bool IsMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || s.starts_with("__")) return false;  // "__" is reserved
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string Escape(std::string_view s, bool quotes) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quotes) out += "\\\"";
    else out += c;
  }
  return out;
}

std::string_view OutcomeLabel(lscb::v1::Outcome o) {
  switch (o) {
    case lscb::v1::ACCEPTED: return "accepted";
    case lscb::v1::DUPLICATE: return "duplicate";
    case lscb::v1::AMENDED: return "amended";
    case lscb::v1::MERGED: return "merged";
    case lscb::v1::REJECTED: return "rejected";
    default: return "unspecified";
  }
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits, in plain notation for exponents -4 to 20
  // and scientific otherwise (as Go's strconv.FormatFloat(v, 'g', -1, 64),
  // which Prometheus' own clients use: bucket bounds are label values, so
  // "0.0005" and "5e-04" would be different series).
  char buf[400];
  auto [sci_end, sci_ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  if (sci_ec != std::errc()) return "NaN";
  std::string_view sci(buf, sci_end - buf);
  int exponent = std::atoi(std::string(sci.substr(sci.find('e') + 1)).c_str());
  if (exponent < -4 || exponent >= 21) return std::string(sci);
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Counts Histogram::Read() const {
  Counts c;
  c.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    c.cumulative[i] = running;
  }
  c.count = running;
  c.sum = sum_.load(std::memory_order_relaxed);
  return c;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

void FamilyBase::RenderHeader(std::string& out) const {
  out += "# HELP " + name_ + ' ' + Escape(help_, false) + '\n';
  out += "# TYPE " + name_ + ' ' + type_ + '\n';
}

std::string FamilyBase::LabelSet(const std::vector<std::string>& values, std::string_view extra) const {
  if (values.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += labels_[i] + "=\"" + Escape(values[i], true) + '"';
  }
  if (!extra.empty()) {
    if (!values.empty()) out += ',';
    out += extra;
  }
  return out + '}';
}

Status MetricsRegistry::Check(const std::string& name, const std::vector<std::string>& labels) const {
  if (!IsMetricName(name)) return Status::InvalidArgument("'" + name + "' is not a metric name");
  for (const auto& f : families_)
    if (f->name() == name) return Status::InvalidArgument("metric '" + name + "' is registered twice");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!IsLabelName(labels[i]))
      return Status::InvalidArgument("metric '" + name + "': '" + labels[i] + "' is not a label name");
    for (size_t j = 0; j < i; ++j)
      if (labels[j] == labels[i])
        return Status::InvalidArgument("metric '" + name + "': label '" + labels[i] + "' given twice");
  }
  return Status::Ok();
}

Result<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                   std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  if (Status s = Check(name, labels); !s.ok()) return s;
  bool single = labels.empty();
  auto f = std::make_unique<CounterFamily>(std::move(name), std::move(help), "counter", std::move(labels),
                                           [] { return std::make_unique<Counter>(); });
  if (single) f->With({});
  families_.push_back(std::move(f));
  return static_cast<CounterFamily*>(families_.back().get());
}

Result<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  if (Status s = Check(name, labels); !s.ok()) return s;
  bool single = labels.empty();
  auto f = std::make_unique<GaugeFamily>(std::move(name), std::move(help), "gauge", std::move(labels),
                                         [] { return std::make_unique<Gauge>(); });
  if (single) f->With({});
  families_.push_back(std::move(f));
  return static_cast<GaugeFamily*>(families_.back().get());
}

Result<HistogramFamily*> MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                       std::vector<std::string> labels, std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  if (Status s = Check(name, labels); !s.ok()) return s;
  if (std::find(labels.begin(), labels.end(), "le") != labels.end())
    return Status::InvalidArgument("histogram '" + name + "': the label 'le' is reserved for buckets");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i])))
      return Status::InvalidArgument("histogram '" + name + "': bucket bounds must be finite and increasing");
  }
  bool single = labels.empty();
  auto f = std::make_unique<HistogramFamily>(std::move(name), std::move(help), "histogram", std::move(labels),
                                             [bounds] { return std::make_unique<Histogram>(bounds); });
  if (single) f->With({});
  families_.push_back(std::move(f));
  return static_cast<HistogramFamily*>(families_.back().get());
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Render(out);
  return out;
}

HubMetrics::HubMetrics() {
  // The names are constants: registration cannot fail.
  events_ = *registry_.AddCounter("lscb_events_total", "Events decided by the hub, by outcome and sending agency.",
                                  {"outcome", "agency"});
  ingest_latency_ = &(*registry_.AddHistogram("lscb_ingest_latency_seconds",
                                              "Time from a batch's arrival to its acknowledgement being sent.", {},
                                              LatencyBuckets()))
                         ->With({});
  commit_latency_ = &(*registry_.AddHistogram("lscb_commit_latency_seconds",
                                              "Time to decide and durably commit one group of events.", {},
                                              LatencyBuckets()))
                         ->With({});
  queue_depth_ =
      &(*registry_.AddGauge("lscb_ingest_queue_depth", "Events received and waiting for the store."))->With({});
  store_live_bytes_ =
      &(*registry_.AddGauge("lscb_store_live_bytes", "Approximate size of the store on disk, in bytes."))->With({});
  log_position_ = &(*registry_.AddGauge("lscb_log_position", "The last event log entry committed."))->With({});
  log_start_ = &(*registry_.AddGauge("lscb_log_start",
                                     "The first event log entry held; older ones were removed by retention."))
                    ->With({});
}

Counter& HubMetrics::Events(lscb::v1::Outcome outcome, std::string_view agency) {
  const auto& known = Agencies();
  const auto a = static_cast<size_t>(std::find(known.begin(), known.end(), agency) - known.begin());
  const auto o = static_cast<size_t>(outcome);
  std::atomic<Counter*>* slot =
      o < kOutcomeSlots && known.size() < kAgencySlots ? &events_by_[o][a < known.size() ? a : kAgencySlots - 1]
                                                       : nullptr;
  if (slot)
    if (Counter* c = slot->load(std::memory_order_acquire)) return *c;
  Counter& c = events_->With({std::string(OutcomeLabel(outcome)), a < known.size() ? std::string(agency) : "other"});
  if (slot) slot->store(&c, std::memory_order_release);
  return c;
}

}  // namespace lscb::hub
