// The transport layer: the only module that knows ZeroMQ.
//
// Every socket is owned by one thread; only the Context is shared. Messages
// are lists of frames (std::string). Errors are values; cppzmq exceptions do
// not leave this module.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lscb::transport {

using Frames = std::vector<std::string>;
using Millis = std::chrono::milliseconds;

// A received message's frames, copied into one buffer: receiving a message
// of many frames (a batch of events) costs two allocations, not one a frame.
// Views into it stay valid while it is neither changed nor moved.
class FrameBuffer {
 public:
  size_t size() const { return ends_.size() - first_; }
  bool empty() const { return size() == 0; }
  std::string_view operator[](size_t i) const {
    const size_t k = first_ + i;
    const uint32_t begin = k == 0 ? 0 : ends_[k - 1];
    return std::string_view(bytes_).substr(begin, ends_[k] - begin);
  }
  // Drops the first frame (REQUIRES: !empty()).
  void DropFirst() { ++first_; }

 private:
  friend class Server;
  std::string bytes_;
  std::vector<uint32_t> ends_;  // where each frame ends in bytes_
  size_t first_ = 0;
};

// Two I/O threads: one carries the servers' connections (ingest and query),
// the other the live feed's.
class Context final {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  // Makes every blocking call on every socket of this context return; used
  // to stop threads.
  void Shutdown();
  void* native();  // for this module's sockets only

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

enum class SendResult {
  kOk,
  kWouldBlock,   // the peer's queue is full (its high-water mark); try later
  kUnreachable,  // no such peer (it disconnected)
  kClosed,       // the context is shutting down
};

// The keys a client needs for CURVE (transport/curve.h), as Z85 text.
// Plaintext (no CURVE) when `server_public_key` is empty.
struct CurveClientKeys {
  std::string server_public_key;  // the server's long-term public key
  std::string public_key;         // this client's
  std::string secret_key;         // this client's; never logged
  bool enabled() const { return !server_public_key.empty(); }
};

struct ServerOptions {
  // Queued messages per peer, each way. Must exceed the senders' in-flight
  // window so that acks are never dropped.
  int high_water_mark = 100000;
  // Messages larger than this are refused by the transport; -1: no limit.
  int64_t max_message_bytes = 64 << 20;
  // Be a CURVE server with this secret key (Z85): every connection is
  // encrypted and authenticated. Empty: plaintext (the NULL mechanism).
  std::string curve_secret_key;
  // The ZAP domain given to the ZAP handler (zap.h) for each peer; empty:
  // none. With CURVE, a ZAP handler bound in the context is always asked.
  std::string zap_domain;
};

// A ROUTER socket bound to an endpoint, for request/reply services. Replies to
// a peer that is gone or full are reported, never silently dropped
// (ZMQ_ROUTER_MANDATORY).
class Server final {
 public:
  static Result<std::unique_ptr<Server>> Bind(Context& ctx, const std::string& endpoint,
                                              const ServerOptions& options);
  ~Server();
  // The endpoint actually bound (a "*" port resolved).
  const std::string& endpoint() const { return endpoint_; }
  // Waits up to `timeout` for a message. nullopt on timeout; an error when
  // the context is shut down. The peer identity is returned separately;
  // `frames` holds the rest, including any empty delimiter frame. When
  // `user_id` is given it is set to the user id the ZAP handler gave the
  // peer at its handshake (the message property "User-Id"), "" when none.
  Result<std::optional<Frames>> Receive(std::string& peer, Millis timeout, std::string* user_id = nullptr);
  // The same, into `frames` (replacing what it held): false on timeout.
  Result<bool> ReceiveInto(FrameBuffer& frames, std::string& peer, Millis timeout, std::string* user_id = nullptr);
  // Non-blocking send to `peer`.
  SendResult Send(const std::string& peer, const Frames& frames);

  // Waits up to `timeout` until a message is waiting (only when
  // `want_messages`) or the file descriptor `wake_fd` is readable (-1: none).
  // An error once the context is shut down, or when a signal interrupts
  // the wait.
  struct Readiness {
    bool message = false;
    bool woken = false;
  };
  Result<Readiness> Wait(Millis timeout, bool want_messages, int wake_fd);

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

struct ClientOptions {
  int high_water_mark = 100000;
  // How long a closing socket may keep trying to deliver queued messages.
  Millis linger{0};
  // CURVE keys; plaintext when not enabled.
  CurveClientKeys curve;
};

// A DEALER socket connected to a Server. Reconnecting means creating a new
// Client (the Lazy Pirate pattern).
class Client final {
 public:
  static Result<std::unique_ptr<Client>> Connect(Context& ctx, const std::string& endpoint,
                                                 const ClientOptions& options);
  ~Client();
  // Waits up to `timeout` for room in the queue.
  Status Send(const Frames& frames, Millis timeout);
  // nullopt on timeout.
  Result<std::optional<Frames>> Receive(Millis timeout);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A SUB socket on the live feed, subscribed to topics (prefix match).
class Subscriber final {
 public:
  static Result<std::unique_ptr<Subscriber>> Connect(Context& ctx, const std::string& endpoint,
                                                     const std::vector<std::string>& topics,
                                                     const CurveClientKeys& curve = {});
  ~Subscriber();
  // nullopt on timeout.
  Result<std::optional<Frames>> Receive(Millis timeout);

 private:
  struct Impl;
  explicit Subscriber(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct PublisherOptions {
  // As in ServerOptions: CURVE server secret key (empty: plaintext) and ZAP
  // domain.
  std::string curve_secret_key;
  std::string zap_domain;
  // Subscriptions take effect only when HandleSubscriptions allows them
  // (ZMQ_XPUB_MANUAL). Off: every subscription takes effect.
  bool authorise_subscriptions = false;
};

// An XPUB socket for the live feed.
class Publisher final {
 public:
  static Result<std::unique_ptr<Publisher>> Bind(Context& ctx, const std::string& endpoint,
                                                 const PublisherOptions& options = {});
  ~Publisher();
  const std::string& endpoint() const { return endpoint_; }
  Status Publish(const std::string& topic, const std::string& payload);

  // Takes the (un)subscriptions waiting; call it regularly, from the thread
  // that publishes. With authorise_subscriptions, asks `allow(user_id,
  // topic_prefix)` about each subscription; only allowed ones take effect
  // (for that subscriber alone). `user_id` is the one the ZAP handler gave
  // the subscriber. Unsubscriptions always take effect. Returns the number
  // of subscriptions refused (always 0 without authorise_subscriptions,
  // where `allow` is not called).
  using SubscriptionCheck = std::function<bool(const std::string& user_id, const std::string& topic_prefix)>;
  Result<size_t> HandleSubscriptions(const SubscriptionCheck& allow);

  // Whether a subscription that took effect since Bind, as seen by
  // HandleSubscriptions, matches `topic`: what nobody ever asked for need
  // not be computed. A subscription once seen is never forgotten, so a topic
  // stays wanted after its subscribers leave.
  bool Wanted(std::string_view topic) const;

 private:
  struct Impl;
  explicit Publisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

}  // namespace lscb::transport
