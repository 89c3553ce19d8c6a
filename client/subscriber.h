// Following a topic of the hub's live indicator feed (the Clone pattern):
// subscribe first, then fetch the whole state over the query socket, then
// apply only updates newer than that state.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "lscb/v1/wire.pb.h"
#include "transport/transport.h"

namespace lscb::transport {
class Context;
class Subscriber;
}  // namespace lscb::transport

namespace lscb::client {

struct SubscriberOptions {
  std::string feed = "tcp://127.0.0.1:7402";
  std::string query = "tcp://127.0.0.1:7403";
  std::string board;  // ONS code, DfE number, name, or "london"
  std::chrono::milliseconds timeout{3000};
  // CURVE keys for both sockets; plaintext when not enabled.
  transport::CurveClientKeys curve;
};

class FeedSubscriber final {
 public:
  // Subscribes and loads the current state. Not thread-safe.
  static Result<std::unique_ptr<FeedSubscriber>> Connect(const SubscriberOptions& options);
  ~FeedSubscriber();

  // Waits up to `timeout` for the next update and applies it when it is
  // newer than the state. Returns the update (applied or a heartbeat), or
  // nullopt on timeout. Older updates are skipped (not returned).
  Result<std::optional<lscb::v1::FeedUpdate>> Next(std::chrono::milliseconds timeout);

  // period -> snapshot, at `sequence()`.
  const std::map<std::string, lscb::v1::Snapshot>& state() const { return state_; }
  uint64_t sequence() const { return sequence_; }
  const std::string& topic() const { return topic_; }

 private:
  FeedSubscriber() = default;
  void ApplySnapshots(const lscb::v1::FeedUpdate& u);

  std::unique_ptr<transport::Context> ctx_;
  std::unique_ptr<transport::Subscriber> sub_;
  std::string topic_;
  uint64_t sequence_ = 0;
  std::map<std::string, lscb::v1::Snapshot> state_;
};

// One update as a JSON line: {"board":..,"sequence":..,"heartbeat":..,
// "snapshots":[{period, cells:[...]}]}.
std::string UpdateToJsonLine(const lscb::v1::FeedUpdate& u);

}  // namespace lscb::client
