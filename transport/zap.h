// The ZeroMQ Authentication Protocol handler (ZAP, RFC 27).
//
// libzmq asks the ZAP handler bound at inproc://zeromq.zap.01 in a socket's
// context about every peer that connects to a socket with a ZAP domain (and
// about every CURVE peer). The handler answers with "200" and a user id,
// which libzmq then attaches to each message from that peer as the message
// property "User-Id" (Server::Receive reports it), or with "400", which
// makes libzmq close the connection before any message passes.
//
// One handler per context. Like every socket, the handler is owned by one
// thread: the one that calls Serve.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "transport/transport.h"

namespace lscb::transport {

// What a handshake presents.
struct ZapRequest {
  std::string domain;             // the socket's ZAP domain (ServerOptions::zap_domain)
  std::string address;            // the peer's IP address
  std::string mechanism;          // "NULL", "PLAIN" or "CURVE"
  std::string client_public_key;  // CURVE: the client's long-term public key, Z85
};

// The principal the peer is (its name becomes "User-Id"), or nullopt to
// refuse the connection. `denial` may be set to the reason, which is sent to
// the peer as the status text.
using ZapAuthenticator = std::function<std::optional<std::string>(const ZapRequest& request, std::string* denial)>;

class ZapHandler final {
 public:
  // Binds inproc://zeromq.zap.01 in `ctx`. Fails when another handler is
  // bound there. Bind it before the sockets it guards accept peers.
  static Result<std::unique_ptr<ZapHandler>> Bind(Context& ctx, ZapAuthenticator authenticate);
  ~ZapHandler();

  // Answers the requests waiting, waiting up to `timeout` for the first.
  // Malformed requests are answered "500" (or dropped when they cannot be
  // answered). An error when the context shuts down.
  Status Serve(Millis timeout);

  // Requests answered so far: allowed, refused.
  uint64_t allowed() const { return allowed_; }
  uint64_t refused() const { return refused_; }

 private:
  struct Impl;
  explicit ZapHandler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint64_t allowed_ = 0, refused_ = 0;
};

}  // namespace lscb::transport
