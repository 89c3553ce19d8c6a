// Reliable delivery of encoded events to the hub's ingest socket.
//
// The Lazy Pirate pattern with batching: events go in batches (one
// BatchHeader frame plus one frame per event), up to `window` batches in
// flight. A batch not acknowledged within `request_timeout` is re-sent, with
// every other batch in flight, on a fresh connection after a back-off with
// jitter. Re-sending is safe because the hub is idempotent: an event
// committed before its ack was lost comes back as DUPLICATE. Nothing is ever
// dropped: a batch that cannot be sent (no connection, a full queue) waits
// for the next attempt, in order, and at most `window` batches are held in
// memory.
//
// OutboxSender delivers from a store::Outbox: it reads the events waiting
// there in seq order and records each answer in the outbox (an acknowledged
// event is deleted, a rejected one kept with its reason) before reporting it.
// Sender::SendAll delivers an in-memory list the same way.
//
// Not thread-safe; one sender per thread. Only one OutboxSender per outbox.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "lscb/v1/wire.pb.h"
#include "transport/transport.h"

namespace lscb::store {
class Outbox;
}

namespace lscb::client {

struct DeliveryProgress {
  size_t acked = 0;              // events answered by the hub so far
  size_t total = 0;              // acked + still waiting
  bool hub_unreachable = false;  // the last attempt timed out; retrying
  int retries = 0;               // attempts that timed out
};

struct SenderOptions {
  std::string endpoint = "tcp://127.0.0.1:7401";
  // Events per batch.
  size_t batch_events = 256;
  // Batches in flight. batch_events * window must stay below the hub's
  // high-water mark (100,000 by default).
  size_t window = 16;
  // How long to wait for a batch's ack before re-sending it.
  std::chrono::milliseconds request_timeout{5000};
  // Back-off between attempts: starts at `initial_backoff`, doubles up to
  // `max_backoff`, each with up to 50% random jitter.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Give up after this long without any ack; 0: never.
  std::chrono::milliseconds give_up_after{0};
  // Called after each ack and each retry.
  std::function<void(const DeliveryProgress&)> on_progress;
  // Monotonic time for deadlines and back-off; the system clock when null.
  const Clock* clock = nullptr;
  // Seeds the jitter and the batch ids; 0: random.
  uint64_t seed = 0;
  // CURVE keys (this principal's pair and the hub's public key); plaintext
  // when not enabled.
  transport::CurveClientKeys curve;
};

// Exponential back-off with jitter: Next() returns the current delay plus up
// to 50% of it at random, then doubles the delay up to `max`. Reset() starts
// over at `initial`. Deterministic for a given seed.
class Backoff final {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed);
  std::chrono::milliseconds Next();
  void Reset();

 private:
  std::chrono::milliseconds initial_, max_, current_;
  uint64_t state_;
};

struct EventResult {
  lscb::v1::Outcome outcome = lscb::v1::OUTCOME_UNSPECIFIED;
  std::string reason;
};

class Sender final {
 public:
  explicit Sender(SenderOptions options);
  ~Sender();

  // Delivers every event and returns one result per event, in order. Fails
  // when give_up_after passes without progress (Unavailable) or the hub
  // breaks the protocol.
  Result<std::vector<EventResult>> SendAll(const std::vector<std::string>& encoded_events);

 private:
  SenderOptions options_;
};

class OutboxSender final {
 public:
  // Called for each event the hub answered, after the outbox recorded it.
  using AckFn = std::function<void(uint64_t seq, const EventResult& result)>;

  // `outbox` must outlive the sender.
  OutboxSender(store::Outbox& outbox, SenderOptions options, AckFn on_ack = nullptr);
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // One step, for callers that do other work in between (a stream reading
  // its file): sends what the window allows, waits up to `max_wait` for
  // acks, and handles time-outs (a back-off is waited out across calls, at
  // most `max_wait` per call). Events enqueued between calls are picked up.
  // Errors: Unavailable when give_up_after passed without an ack; IoError
  // or Corruption from the outbox; InvalidArgument or Internal when the hub
  // breaks the protocol. The sender may be used again after Unavailable.
  Status Pump(std::chrono::milliseconds max_wait);

  // Pumps until every event waiting in the outbox has been answered.
  Status DeliverAll();

  // True when nothing is in flight or waiting to be re-sent and the outbox
  // had nothing more at the last look.
  bool idle() const;
  const DeliveryProgress& progress() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lscb::client
