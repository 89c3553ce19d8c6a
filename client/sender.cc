#include "client/sender.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "store/outbox.h"
#include "transport/transport.h"

namespace lscb::client {
namespace {

using transport::Millis;
using SteadyTime = std::chrono::steady_clock::time_point;

// splitmix64: small, and the same everywhere for a given seed.
uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SeedOf(const SenderOptions& o) {
  if (o.seed != 0) return o.seed;
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

struct Item {
  uint64_t key = 0;
  std::string payload;
};

// Where the engine takes events from and where the hub's answers go.
class Source {
 public:
  virtual ~Source() = default;
  // Appends up to `max` events not taken before, in order.
  virtual Status Take(size_t max, std::vector<Item>& out) = 0;
  // The hub answered the events `keys` (results[i] for keys[i]).
  virtual Status Answered(const std::vector<uint64_t>& keys, const std::vector<EventResult>& results) = 0;
  // Events not answered yet.
  virtual size_t Waiting() = 0;
};

// The Lazy Pirate loop, one step at a time.
class Engine final {
 public:
  Engine(const SenderOptions& options, Source& source)
      : options_(options),
        source_(source),
        clock_(options.clock ? *options.clock : SystemClock::Instance()),
        backoff_(options.initial_backoff, options.max_backoff, SeedOf(options)) {
    uint64_t seed = SeedOf(options);
    // Batch ids from a random base, so acks meant for another sender or an
    // earlier connection are never mistaken for ours.
    next_batch_id_ = NextRandom(seed);
    last_progress_ = clock_.Steady();
  }

  bool idle() const { return in_flight_.empty() && resend_.empty() && exhausted_; }
  const DeliveryProgress& progress() const { return progress_; }

  Status Pump(Millis max_wait) {
    SteadyTime now = clock_.Steady();
    const SteadyTime until = now + std::max(max_wait, Millis(0));
    if (retry_at_) {
      if (now < *retry_at_) {
        std::this_thread::sleep_for(std::min(until, *retry_at_) - now);
        now = clock_.Steady();
        if (now < *retry_at_) return Status::Ok();
      }
      retry_at_.reset();
    }
    if (!client_) {
      auto c = transport::Client::Connect(ctx_, options_.endpoint, ClientOptions());
      if (!c.ok()) return c.status();
      client_ = std::move(c.value());
    }
    Status s = Fill(now);
    if (!s.ok()) return s;
    if (in_flight_.empty() && resend_.empty()) return Status::Ok();  // nothing to do

    SteadyTime deadline = until;
    for (const auto& [id, b] : in_flight_) deadline = std::min(deadline, b.deadline);
    // Not connected yet: try sending again soon.
    if (stalled_since_) deadline = std::min(deadline, now + Millis(50));
    auto wait = std::chrono::duration_cast<Millis>(deadline - now);
    auto got = client_->Receive(std::max(wait, Millis(0)));
    if (!got.ok()) return got.status();
    if (got->has_value()) {
      s = HandleAck(**got);
      // Take every other ack already here.
      for (int i = 0; s.ok() && i < 1000; ++i) {
        auto more = client_->Receive(Millis(0));
        if (!more.ok()) return more.status();
        if (!more->has_value()) break;
        s = HandleAck(**more);
      }
      return s;
    }

    // Timed out. Start over on a fresh connection, after a back-off, when a
    // batch is overdue or nothing could be sent for a whole request timeout.
    now = clock_.Steady();
    bool overdue = stalled_since_ && now - *stalled_since_ >= options_.request_timeout;
    for (const auto& [id, b] : in_flight_) overdue = overdue || b.deadline <= now;
    return overdue ? Retry(now) : Status::Ok();
  }

 private:
  struct Batch {
    std::vector<uint64_t> keys;
    transport::Frames frames;  // frames[0] is the header, set at each send
    SteadyTime deadline;
  };

  transport::ClientOptions ClientOptions() const {
    transport::ClientOptions co;
    co.high_water_mark = static_cast<int>(std::max<size_t>(1000, options_.window * 4));
    co.curve = options_.curve;
    return co;
  }

  // Sends batches (re-sends first, in order) until the window is full, the
  // source is exhausted or the socket will not take more.
  Status Fill(SteadyTime now) {
    exhausted_ = false;
    while (in_flight_.size() < options_.window) {
      Batch b;
      if (!resend_.empty()) {
        b = std::move(resend_.front());
        resend_.pop_front();
      } else {
        items_.clear();
        Status s = source_.Take(options_.batch_events, items_);
        if (!s.ok()) return s;
        if (items_.size() < options_.batch_events) exhausted_ = true;
        if (items_.empty()) break;
        b.frames.reserve(items_.size() + 1);
        b.frames.emplace_back();
        for (auto& item : items_) {
          b.keys.push_back(item.key);
          b.frames.push_back(std::move(item.payload));
        }
      }
      uint64_t id = next_batch_id_++;
      lscb::v1::BatchHeader header;
      header.set_protocol(1);
      header.set_batch_id(id);
      b.frames[0] = header.SerializeAsString();
      Status s = client_->Send(b.frames, Millis(0));
      if (!s.ok()) {
        // Not connected (or the queue is full): keep it, in order, for later.
        resend_.push_front(std::move(b));
        if (!stalled_since_) stalled_since_ = now;
        break;
      }
      stalled_since_.reset();
      b.deadline = now + options_.request_timeout;
      in_flight_.emplace(id, std::move(b));
      if (exhausted_) break;
    }
    return Status::Ok();
  }

  Status HandleAck(const transport::Frames& frames) {
    lscb::v1::BatchAck ack;
    if (frames.size() != 1 || !ack.ParseFromString(frames[0])) return Status::Ok();  // not ours
    auto it = in_flight_.find(ack.batch_id());
    if (it == in_flight_.end()) return Status::Ok();  // a late ack for a batch already re-sent
    const Batch& b = it->second;
    if (!ack.error().empty()) return Status::InvalidArgument("the hub refused a batch: " + ack.error());
    if (static_cast<size_t>(ack.acks_size()) != b.keys.size())
      return Status::Internal("the hub acknowledged " + std::to_string(ack.acks_size()) + " of " +
                              std::to_string(b.keys.size()) + " events in a batch");
    std::vector<EventResult> results(b.keys.size());
    for (const auto& a : ack.acks()) {
      if (a.index() >= b.keys.size()) return Status::Internal("ack index out of range");
      results[a.index()] = {a.outcome(), a.reason()};
    }
    Status s = source_.Answered(b.keys, results);
    if (!s.ok()) return s;
    progress_.acked += b.keys.size();
    progress_.hub_unreachable = false;
    in_flight_.erase(it);
    backoff_.Reset();
    last_progress_ = clock_.Steady();
    Report();
    return Status::Ok();
  }

  Status Retry(SteadyTime now) {
    for (auto& [id, b] : in_flight_) resend_.push_back(std::move(b));
    in_flight_.clear();
    std::sort(resend_.begin(), resend_.end(),
              [](const Batch& a, const Batch& b) { return a.keys.front() < b.keys.front(); });
    stalled_since_.reset();
    client_.reset();
    ++progress_.retries;
    progress_.hub_unreachable = true;
    Report();
    if (options_.give_up_after.count() > 0 && now - last_progress_ > options_.give_up_after) {
      last_progress_ = now;  // a caller that carries on gets another period
      return Status::Unavailable("no answer from the hub at " + options_.endpoint + " for " +
                                 std::to_string(options_.give_up_after.count() / 1000) + " s; " +
                                 std::to_string(source_.Waiting()) + " events not delivered");
    }
    retry_at_ = now + backoff_.Next();
    return Status::Ok();
  }

  void Report() {
    progress_.total = progress_.acked + source_.Waiting();
    if (options_.on_progress) options_.on_progress(progress_);
  }

  const SenderOptions& options_;
  Source& source_;
  const Clock& clock_;
  Backoff backoff_;
  uint64_t next_batch_id_ = 0;
  transport::Context ctx_;  // declared before client_: outlives it
  std::unique_ptr<transport::Client> client_;
  std::map<uint64_t, Batch> in_flight_;  // batch id -> batch
  std::deque<Batch> resend_;             // taken, not in flight; in key order
  std::vector<Item> items_;
  bool exhausted_ = false;
  std::optional<SteadyTime> stalled_since_, retry_at_;
  SteadyTime last_progress_;
  DeliveryProgress progress_;
};

class VectorSource final : public Source {
 public:
  explicit VectorSource(const std::vector<std::string>& events) : events_(events), results_(events.size()) {}
  Status Take(size_t max, std::vector<Item>& out) override {
    for (; next_ < events_.size() && max > 0; ++next_, --max) out.push_back({next_, events_[next_]});
    return Status::Ok();
  }
  Status Answered(const std::vector<uint64_t>& keys, const std::vector<EventResult>& results) override {
    for (size_t i = 0; i < keys.size(); ++i) results_[keys[i]] = results[i];
    answered_ += keys.size();
    return Status::Ok();
  }
  size_t Waiting() override { return events_.size() - answered_; }
  std::vector<EventResult>& results() { return results_; }

 private:
  const std::vector<std::string>& events_;
  std::vector<EventResult> results_;
  size_t next_ = 0, answered_ = 0;
};

class OutboxSource final : public Source {
 public:
  OutboxSource(store::Outbox& outbox, OutboxSender::AckFn on_ack) : outbox_(outbox), on_ack_(std::move(on_ack)) {}
  Status Take(size_t max, std::vector<Item>& out) override {
    Status s = outbox_.ReadPending(next_seq_, max, pending_);
    if (!s.ok()) return s;
    for (auto& e : pending_) {
      out.push_back({e.seq, std::move(e.payload)});
      next_seq_ = e.seq + 1;
    }
    return Status::Ok();
  }
  Status Answered(const std::vector<uint64_t>& keys, const std::vector<EventResult>& results) override {
    std::vector<store::Completion> done(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto outcome = results[i].outcome;
      done[i].seq = keys[i];
      done[i].rejected = outcome == lscb::v1::REJECTED || outcome == lscb::v1::OUTCOME_UNSPECIFIED;
      if (done[i].rejected)
        done[i].reason = results[i].reason.empty() ? "rejected without a reason" : results[i].reason;
    }
    Status s = outbox_.Complete(done);
    if (!s.ok()) return s;
    if (on_ack_)
      for (size_t i = 0; i < keys.size(); ++i) on_ack_(keys[i], results[i]);
    return Status::Ok();
  }
  size_t Waiting() override { return outbox_.waiting(); }

 private:
  store::Outbox& outbox_;
  OutboxSender::AckFn on_ack_;
  std::vector<store::PendingEvent> pending_;
  uint64_t next_seq_ = 0;
};

}  // namespace

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      current_(initial_),
      state_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  auto jitter = std::chrono::milliseconds(NextRandom(state_) % static_cast<uint64_t>(current_.count() / 2 + 1));
  auto delay = current_ + jitter;
  current_ = std::min(current_ * 2, max_);
  return delay;
}

void Backoff::Reset() { current_ = initial_; }

Sender::Sender(SenderOptions options) : options_(std::move(options)) {}
Sender::~Sender() = default;

Result<std::vector<EventResult>> Sender::SendAll(const std::vector<std::string>& events) {
  VectorSource source(events);
  Engine engine(options_, source);
  while (source.Waiting() > 0) {
    Status s = engine.Pump(options_.request_timeout);
    if (!s.ok()) return s;
  }
  return std::move(source.results());
}

struct OutboxSender::Impl {
  Impl(store::Outbox& outbox, SenderOptions o, AckFn on_ack)
      : options(std::move(o)), source(outbox, std::move(on_ack)), engine(options, source) {}
  SenderOptions options;
  OutboxSource source;
  Engine engine;
};

OutboxSender::OutboxSender(store::Outbox& outbox, SenderOptions options, AckFn on_ack)
    : impl_(std::make_unique<Impl>(outbox, std::move(options), std::move(on_ack))) {}
OutboxSender::~OutboxSender() = default;

Status OutboxSender::Pump(std::chrono::milliseconds max_wait) { return impl_->engine.Pump(max_wait); }

Status OutboxSender::DeliverAll() {
  do {
    Status s = impl_->engine.Pump(impl_->options.request_timeout);
    if (!s.ok()) return s;
  } while (!impl_->engine.idle());
  return Status::Ok();
}

bool OutboxSender::idle() const { return impl_->engine.idle(); }
const DeliveryProgress& OutboxSender::progress() const { return impl_->engine.progress(); }

}  // namespace lscb::client
