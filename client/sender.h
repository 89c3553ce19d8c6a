// Reliable delivery of encoded events to the hub's ingest socket.
//
// The Lazy Pirate pattern with batching: events go in batches (one
// BatchHeader frame plus one frame per event), up to `window` batches in
// flight. A batch not acknowledged within `request_timeout` is re-sent on a
// fresh connection after a back-off with jitter. Re-sending is safe because
// the hub is idempotent: an event committed before its ack was lost comes
// back as DUPLICATE.
//
// Not thread-safe; one Sender per thread.
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

namespace lscb::client {

struct DeliveryProgress {
  size_t acked = 0;
  size_t total = 0;
  bool hub_unreachable = false;  // the last attempt timed out; retrying
  int retries = 0;
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
  // Give up after this long without any progress; 0: never.
  std::chrono::milliseconds give_up_after{0};
  // Called after each ack and each retry.
  std::function<void(const DeliveryProgress&)> on_progress;
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
  // only when give_up_after passes without progress.
  Result<std::vector<EventResult>> SendAll(const std::vector<std::string>& encoded_events);

 private:
  SenderOptions options_;
  uint64_t next_batch_id_;
};

}  // namespace lscb::client
