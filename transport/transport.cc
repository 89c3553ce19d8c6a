#include "transport/transport.h"

#include <algorithm>
#include <cstdint>

#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace lscb::transport {
namespace {

Status FromZmq(const zmq::error_t& e, const std::string& what) {
  if (e.num() == ETERM) return Status::Unavailable(what + ": shutting down");
  return Status::Unavailable(what + ": " + e.what());
}

bool PollIn(zmq::socket_t& s, Millis timeout) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  return zmq::poll(&item, 1, timeout) > 0 && (item.revents & ZMQ_POLLIN);
}

bool PollOut(zmq::socket_t& s, Millis timeout) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLOUT, 0};
  return zmq::poll(&item, 1, timeout) > 0 && (item.revents & ZMQ_POLLOUT);
}

// The "User-Id" property of a received message ("" when none).
std::string UserIdOf(zmq::message_t& m) {
  const char* v = zmq_msg_gets(m.handle(), "User-Id");
  return v ? std::string(v) : std::string();
}

void SetCurveServer(zmq::socket_t& s, const std::string& secret_key, const std::string& zap_domain) {
  if (!secret_key.empty()) {
    s.set(zmq::sockopt::curve_server, 1);
    s.set(zmq::sockopt::curve_secretkey, secret_key);
  }
  if (!zap_domain.empty()) s.set(zmq::sockopt::zap_domain, zap_domain);
}

void SetCurveClient(zmq::socket_t& s, const CurveClientKeys& keys) {
  if (!keys.enabled()) return;
  s.set(zmq::sockopt::curve_serverkey, keys.server_public_key);
  s.set(zmq::sockopt::curve_publickey, keys.public_key);
  s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

// Reads the next message's frames into `parts` (emptied first), waiting up
// to `timeout`; false when none came. Throws zmq::error_t.
bool ReceiveParts(zmq::socket_t& s, Millis timeout, std::vector<zmq::message_t>& parts) {
  // Try first and poll only when nothing is waiting: a busy socket costs one
  // system call less per message.
  parts.clear();
  if (zmq::recv_multipart(s, std::back_inserter(parts), zmq::recv_flags::dontwait)) return true;
  if (timeout.count() <= 0 || !PollIn(s, timeout)) return false;
  parts.clear();
  return zmq::recv_multipart(s, std::back_inserter(parts), zmq::recv_flags::dontwait).has_value();
}

Result<std::optional<Frames>> ReceiveFrames(zmq::socket_t& s, Millis timeout, std::string* peer,
                                            const std::string& what, std::string* user_id = nullptr) {
  try {
    std::vector<zmq::message_t> parts;
    if (!ReceiveParts(s, timeout, parts)) return std::optional<Frames>();
    Frames frames;
    size_t first = 0;
    if (peer) {
      if (parts.empty()) return std::optional<Frames>();
      *peer = parts[0].to_string();
      first = 1;
    }
    // The routing id frame is made by the ROUTER and carries no properties;
    // the peer's frames do.
    if (user_id) *user_id = parts.size() > first ? UserIdOf(parts[first]) : std::string();
    frames.reserve(parts.size() - first);
    for (size_t i = first; i < parts.size(); ++i) frames.emplace_back(parts[i].to_string());
    return std::optional<Frames>(std::move(frames));
  } catch (const zmq::error_t& e) {
    return FromZmq(e, what);
  }
}

}  // namespace

// Two I/O threads: the live feed's connections have one of their own, so
// that a burst of feed updates to a subscriber does not hold up ingest
// batches and acks, which the other one carries (ZMQ_AFFINITY).
constexpr int kIoThreads = 2;
constexpr uint64_t kServerIoThread = 1u << 0;
constexpr uint64_t kFeedIoThread = 1u << 1;

struct Context::Impl {
  zmq::context_t ctx{kIoThreads};
};

Context::Context() : impl_(std::make_unique<Impl>()) {}
Context::~Context() = default;
void Context::Shutdown() { impl_->ctx.shutdown(); }
void* Context::native() { return &impl_->ctx; }

struct Server::Impl {
  zmq::socket_t socket;
  std::vector<zmq::message_t> parts;  // ReceiveInto's, kept from one message to the next
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Bind(Context& ctx, const std::string& endpoint,
                                             const ServerOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->socket = zmq::socket_t(*static_cast<zmq::context_t*>(ctx.native()), zmq::socket_type::router);
    impl->socket.set(zmq::sockopt::affinity, kServerIoThread);
    impl->socket.set(zmq::sockopt::router_mandatory, 1);
    impl->socket.set(zmq::sockopt::sndhwm, options.high_water_mark);
    impl->socket.set(zmq::sockopt::rcvhwm, options.high_water_mark);
    impl->socket.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
    impl->socket.set(zmq::sockopt::linger, 0);
    SetCurveServer(impl->socket, options.curve_secret_key, options.zap_domain);
    impl->socket.bind(endpoint);
    std::string bound = impl->socket.get(zmq::sockopt::last_endpoint);
    auto server = std::unique_ptr<Server>(new Server(std::move(impl)));
    server->endpoint_ = bound;
    return server;
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot bind " + endpoint + ": " + e.what());
  }
}

Result<std::optional<Frames>> Server::Receive(std::string& peer, Millis timeout, std::string* user_id) {
  return ReceiveFrames(impl_->socket, timeout, &peer, "receiving on " + endpoint_, user_id);
}

Result<bool> Server::ReceiveInto(FrameBuffer& out, std::string& peer, Millis timeout, std::string* user_id) {
  try {
    auto& parts = impl_->parts;
    if (!ReceiveParts(impl_->socket, timeout, parts) || parts.empty()) return false;
    peer.assign(parts[0].data<char>(), parts[0].size());
    // The routing id frame is made by the ROUTER and carries no properties;
    // the peer's frames do.
    if (user_id) *user_id = parts.size() > 1 ? UserIdOf(parts[1]) : std::string();
    size_t total = 0;
    for (size_t i = 1; i < parts.size(); ++i) total += parts[i].size();
    out.bytes_.clear();
    out.ends_.clear();
    out.first_ = 0;
    // Frame offsets are 32-bit: a larger message is dropped, as a peer
    // sending one is not speaking the protocol.
    if (total > UINT32_MAX) return false;
    out.bytes_.reserve(total);
    out.ends_.reserve(parts.size() - 1);
    for (size_t i = 1; i < parts.size(); ++i) {
      out.bytes_.append(parts[i].data<char>(), parts[i].size());
      out.ends_.push_back(static_cast<uint32_t>(out.bytes_.size()));
    }
    parts.clear();
    return true;
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "receiving on " + endpoint_);
  }
}

Result<Server::Readiness> Server::Wait(Millis timeout, bool want_messages, int wake_fd) {
  try {
    zmq::pollitem_t items[2] = {{impl_->socket.handle(), 0, static_cast<short>(want_messages ? ZMQ_POLLIN : 0), 0},
                                {nullptr, wake_fd, ZMQ_POLLIN, 0}};
    int n = wake_fd >= 0 ? 2 : 1;
    Readiness r;
    if (zmq::poll(items, static_cast<size_t>(n), timeout) > 0) {
      r.message = want_messages && (items[0].revents & ZMQ_POLLIN);
      r.woken = n == 2 && (items[1].revents & ZMQ_POLLIN);
    }
    return r;
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "waiting on " + endpoint_);
  }
}

SendResult Server::Send(const std::string& peer, const Frames& frames) {
  try {
    auto flags = zmq::send_flags::dontwait | zmq::send_flags::sndmore;
    if (!impl_->socket.send(zmq::buffer(peer), flags)) return SendResult::kWouldBlock;
    for (size_t i = 0; i < frames.size(); ++i) {
      auto f = i + 1 == frames.size() ? zmq::send_flags::dontwait : flags;
      // Once the first frame is queued the rest of the message always is.
      (void)impl_->socket.send(zmq::buffer(frames[i]), f);
    }
    return SendResult::kOk;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return SendResult::kUnreachable;
    if (e.num() == EAGAIN) return SendResult::kWouldBlock;
    return SendResult::kClosed;
  }
}

struct Client::Impl {
  zmq::socket_t socket;
  std::string endpoint;
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(Context& ctx, const std::string& endpoint,
                                                const ClientOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->socket = zmq::socket_t(*static_cast<zmq::context_t*>(ctx.native()), zmq::socket_type::dealer);
    impl->socket.set(zmq::sockopt::sndhwm, options.high_water_mark);
    impl->socket.set(zmq::sockopt::rcvhwm, options.high_water_mark);
    impl->socket.set(zmq::sockopt::linger, static_cast<int>(options.linger.count()));
    impl->socket.set(zmq::sockopt::immediate, 1);
    SetCurveClient(impl->socket, options.curve);
    impl->socket.connect(endpoint);
    impl->endpoint = endpoint;
    return std::unique_ptr<Client>(new Client(std::move(impl)));
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("cannot connect to " + endpoint + ": " + e.what());
  }
}

Status Client::Send(const Frames& frames, Millis timeout) {
  try {
    if (!PollOut(impl_->socket, timeout))
      return Status::Unavailable("no connection to " + impl_->endpoint + " (timed out sending)");
    for (size_t i = 0; i < frames.size(); ++i) {
      auto f = i + 1 == frames.size() ? zmq::send_flags::dontwait
                                       : zmq::send_flags::dontwait | zmq::send_flags::sndmore;
      if (!impl_->socket.send(zmq::buffer(frames[i]), f))
        return Status::Unavailable("send to " + impl_->endpoint + " would block");
    }
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "sending to " + impl_->endpoint);
  }
}

Result<std::optional<Frames>> Client::Receive(Millis timeout) {
  return ReceiveFrames(impl_->socket, timeout, nullptr, "receiving from " + impl_->endpoint);
}

struct Subscriber::Impl {
  zmq::socket_t socket;
  std::string endpoint;
};

Subscriber::Subscriber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Subscriber::~Subscriber() = default;

Result<std::unique_ptr<Subscriber>> Subscriber::Connect(Context& ctx, const std::string& endpoint,
                                                        const std::vector<std::string>& topics,
                                                        const CurveClientKeys& curve) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->socket = zmq::socket_t(*static_cast<zmq::context_t*>(ctx.native()), zmq::socket_type::sub);
    impl->socket.set(zmq::sockopt::linger, 0);
    SetCurveClient(impl->socket, curve);
    for (const auto& t : topics) impl->socket.set(zmq::sockopt::subscribe, t);
    impl->socket.connect(endpoint);
    impl->endpoint = endpoint;
    return std::unique_ptr<Subscriber>(new Subscriber(std::move(impl)));
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("cannot connect to " + endpoint + ": " + e.what());
  }
}

Result<std::optional<Frames>> Subscriber::Receive(Millis timeout) {
  return ReceiveFrames(impl_->socket, timeout, nullptr, "receiving from " + impl_->endpoint);
}

struct Publisher::Impl {
  zmq::socket_t socket;
  bool manual = false;
  std::vector<std::string> wanted;  // prefixes subscribed to, each once
  void Want(const std::string& prefix) {
    if (std::find(wanted.begin(), wanted.end(), prefix) == wanted.end()) wanted.push_back(prefix);
  }
};

Publisher::Publisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Publisher::~Publisher() = default;

Result<std::unique_ptr<Publisher>> Publisher::Bind(Context& ctx, const std::string& endpoint,
                                                   const PublisherOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->manual = options.authorise_subscriptions;
    // XPUB rather than PUB: subscriptions are seen (Wanted).
    impl->socket = zmq::socket_t(*static_cast<zmq::context_t*>(ctx.native()), zmq::socket_type::xpub);
    impl->socket.set(zmq::sockopt::affinity, kFeedIoThread);
    impl->socket.set(zmq::sockopt::linger, 0);
    if (impl->manual) impl->socket.set(zmq::sockopt::xpub_manual, 1);
    SetCurveServer(impl->socket, options.curve_secret_key, options.zap_domain);
    impl->socket.bind(endpoint);
    std::string bound = impl->socket.get(zmq::sockopt::last_endpoint);
    auto pub = std::unique_ptr<Publisher>(new Publisher(std::move(impl)));
    pub->endpoint_ = bound;
    return pub;
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot bind " + endpoint + ": " + e.what());
  }
}

Status Publisher::Publish(const std::string& topic, const std::string& payload) {
  try {
    std::array<zmq::const_buffer, 2> parts = {zmq::buffer(topic), zmq::buffer(payload)};
    if (!zmq::send_multipart(impl_->socket, parts, zmq::send_flags::dontwait))
      return Status::Unavailable("feed queue full");
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "publishing");
  }
}

// Each received message is one subscription (first byte 1) or
// unsubscription (0) followed by the topic prefix. Without ZMQ_XPUB_MANUAL it
// has taken effect already (and only a prefix nobody had is passed on); with
// it, setting ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE right after receiving it
// applies it to the subscriber it came from, and to no other.
Result<size_t> Publisher::HandleSubscriptions(const SubscriptionCheck& allow) {
  size_t refused = 0;
  try {
    for (int i = 0; i < 10000; ++i) {
      zmq::message_t m;
      if (!impl_->socket.recv(m, zmq::recv_flags::dontwait)) break;
      if (m.more()) {  // not a subscription: drop the whole message
        while (m.more() && impl_->socket.recv(m, zmq::recv_flags::dontwait)) {
        }
        continue;
      }
      if (m.size() < 1) continue;
      const char* data = static_cast<const char*>(m.data());
      std::string topic(data + 1, m.size() - 1);
      if (!impl_->manual) {
        if (data[0] == 1) impl_->Want(topic);
      } else if (data[0] == 0) {
        impl_->socket.set(zmq::sockopt::unsubscribe, topic);
      } else if (data[0] == 1) {
        if (allow && allow(UserIdOf(m), topic)) {
          impl_->socket.set(zmq::sockopt::subscribe, topic);
          impl_->Want(topic);
        } else {
          ++refused;
        }
      }
    }
    return refused;
  } catch (const zmq::error_t& e) {
    return FromZmq(e, "taking feed subscriptions");
  }
}

bool Publisher::Wanted(std::string_view topic) const {
  for (const std::string& prefix : impl_->wanted)
    if (topic.starts_with(prefix)) return true;
  return false;
}

}  // namespace lscb::transport
