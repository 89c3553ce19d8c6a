#include "client/sender.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "transport/transport.h"

namespace lscb::client {

using Clock = std::chrono::steady_clock;
using transport::Millis;

Sender::Sender(SenderOptions options) : options_(std::move(options)) {
  std::random_device rd;
  // Batch ids from a random base, so acks meant for another sender or an
  // earlier connection are never mistaken for ours.
  next_batch_id_ = (uint64_t{rd()} << 32) ^ rd();
}

Sender::~Sender() = default;

Result<std::vector<EventResult>> Sender::SendAll(const std::vector<std::string>& events) {
  std::vector<EventResult> results(events.size());
  if (events.empty()) return results;

  struct Batch {
    size_t first = 0, count = 0;
    transport::Frames frames;
    Clock::time_point deadline;
  };
  std::deque<size_t> waiting;  // batch numbers not in flight
  std::vector<Batch> batches;
  std::map<uint64_t, size_t> in_flight;  // batch id -> batch number
  for (size_t first = 0; first < events.size(); first += options_.batch_events) {
    Batch b;
    b.first = first;
    b.count = std::min(options_.batch_events, events.size() - first);
    waiting.push_back(batches.size());
    batches.push_back(std::move(b));
  }

  transport::Context ctx;
  transport::ClientOptions co;
  co.high_water_mark = static_cast<int>(std::max<size_t>(1000, options_.window * 4));
  auto connect = [&]() -> Result<std::unique_ptr<transport::Client>> {
    return transport::Client::Connect(ctx, options_.endpoint, co);
  };
  auto client = connect();
  if (!client.ok()) return client.status();

  std::mt19937_64 rng(next_batch_id_);
  DeliveryProgress progress;
  progress.total = events.size();
  auto backoff = options_.initial_backoff;
  auto last_progress = Clock::now();
  std::optional<Clock::time_point> stalled_since;

  auto report = [&] {
    if (options_.on_progress) options_.on_progress(progress);
  };

  while (progress.acked < events.size()) {
    // Fill the window.
    while (in_flight.size() < options_.window && !waiting.empty()) {
      size_t n = waiting.front();
      Batch& b = batches[n];
      uint64_t id = next_batch_id_++;
      lscb::v1::BatchHeader header;
      header.set_protocol(1);
      header.set_batch_id(id);
      b.frames.clear();
      b.frames.push_back(header.SerializeAsString());
      for (size_t i = 0; i < b.count; ++i) b.frames.push_back(events[b.first + i]);
      Status s = (*client)->Send(b.frames, Millis(0));
      if (!s.ok()) break;  // not connected yet; the ack wait below times out
      stalled_since.reset();
      b.deadline = Clock::now() + options_.request_timeout;
      in_flight[id] = n;
      waiting.pop_front();
    }

    Clock::time_point deadline = Clock::now() + options_.request_timeout;
    for (const auto& [id, n] : in_flight) deadline = std::min(deadline, batches[n].deadline);
    auto wait = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (in_flight.empty()) wait = std::min<Millis>(wait, Millis(50));
    auto got = (*client)->Receive(std::max(wait, Millis(0)));
    if (!got.ok()) return got.status();
    if (got->has_value()) {
      const auto& frames = **got;
      lscb::v1::BatchAck ack;
      if (frames.size() != 1 || !ack.ParseFromString(frames[0])) continue;
      auto it = in_flight.find(ack.batch_id());
      if (it == in_flight.end()) continue;  // a late ack for a batch already re-sent
      Batch& b = batches[it->second];
      if (!ack.error().empty()) return Status::InvalidArgument("the hub refused a batch: " + ack.error());
      if (static_cast<size_t>(ack.acks_size()) != b.count)
        return Status::Internal("the hub acknowledged " + std::to_string(ack.acks_size()) + " of " +
                                std::to_string(b.count) + " events in a batch");
      for (const auto& a : ack.acks()) {
        if (a.index() >= b.count) return Status::Internal("ack index out of range");
        results[b.first + a.index()] = {a.outcome(), a.reason()};
      }
      in_flight.erase(it);
      progress.acked += b.count;
      progress.hub_unreachable = false;
      backoff = options_.initial_backoff;
      last_progress = Clock::now();
      report();
      continue;
    }

    // Timed out. Start over on a fresh connection, after a back-off, when a
    // batch is overdue or nothing could be sent for a whole request timeout.
    bool overdue = false;
    if (in_flight.empty()) {
      if (!stalled_since) stalled_since = Clock::now();
      overdue = Clock::now() - *stalled_since >= options_.request_timeout;
    }
    for (const auto& [id, n] : in_flight)
      if (batches[n].deadline <= Clock::now()) overdue = true;
    if (!overdue) continue;
    for (const auto& [id, n] : in_flight) waiting.push_front(n);
    in_flight.clear();
    std::sort(waiting.begin(), waiting.end());
    ++progress.retries;
    progress.hub_unreachable = true;
    report();
    if (options_.give_up_after.count() > 0 && Clock::now() - last_progress > options_.give_up_after)
      return Status::Unavailable("no answer from the hub at " + options_.endpoint + " for " +
                                 std::to_string(options_.give_up_after.count() / 1000) + " s; " +
                                 std::to_string(events.size() - progress.acked) + " events not delivered");
    std::uniform_int_distribution<int64_t> jitter(0, backoff.count() / 2);
    std::this_thread::sleep_for(backoff + Millis(jitter(rng)));
    backoff = std::min(backoff * 2, options_.max_backoff);
    stalled_since.reset();
    client->reset();
    client = connect();
    if (!client.ok()) return client.status();
  }
  return results;
}

}  // namespace lscb::client
