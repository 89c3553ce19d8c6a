// ZAP request (RFC 27), as a ROUTER receives it:
//   routing id | "" | "1.0" | request id | domain | address | identity |
//   mechanism | credentials...   (CURVE: one 32-byte public key)
// reply:
//   routing id | "" | "1.0" | request id | status code | status text |
//   user id | metadata (empty)
#include "transport/zap.h"

#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace lscb::transport {

struct ZapHandler::Impl {
  zmq::socket_t socket;
  ZapAuthenticator authenticate;
};

ZapHandler::ZapHandler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZapHandler::~ZapHandler() = default;

Result<std::unique_ptr<ZapHandler>> ZapHandler::Bind(Context& ctx, ZapAuthenticator authenticate) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->socket = zmq::socket_t(*static_cast<zmq::context_t*>(ctx.native()), zmq::socket_type::router);
    impl->socket.set(zmq::sockopt::linger, 0);
    impl->socket.bind("inproc://zeromq.zap.01");
    impl->authenticate = std::move(authenticate);
    return std::unique_ptr<ZapHandler>(new ZapHandler(std::move(impl)));
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot bind the ZAP handler: ") + e.what());
  }
}

Status ZapHandler::Serve(Millis timeout) {
  try {
    zmq::pollitem_t item{impl_->socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) <= 0) return Status::Ok();
    for (int n = 0; n < 1000; ++n) {
      std::vector<zmq::message_t> parts;
      auto got = zmq::recv_multipart(impl_->socket, std::back_inserter(parts), zmq::recv_flags::dontwait);
      if (!got) return Status::Ok();
      // routing id, delimiter, then the request.
      if (parts.size() < 3 || parts[1].size() != 0) continue;  // cannot be answered
      const size_t r = 2;
      std::string version = parts.size() > r ? parts[r].to_string() : "";
      std::string request_id = parts.size() > r + 1 ? parts[r + 1].to_string() : "";
      std::string code = "500", text = "malformed ZAP request", user;
      if (version == "1.0" && parts.size() >= r + 6) {
        ZapRequest req;
        req.domain = parts[r + 2].to_string();
        req.address = parts[r + 3].to_string();
        req.mechanism = parts[r + 5].to_string();
        bool well_formed = true;
        if (req.mechanism == "CURVE") {
          if (parts.size() != r + 7 || parts[r + 6].size() != 32) {
            well_formed = false;
          } else {
            char z85[41] = {};
            zmq_z85_encode(z85, static_cast<const uint8_t*>(parts[r + 6].data()), 32);
            req.client_public_key.assign(z85, 40);
          }
        }
        if (well_formed) {
          std::string denial;
          auto principal = impl_->authenticate(req, &denial);
          if (principal && !principal->empty()) {
            code = "200";
            text = "OK";
            user = *principal;
            ++allowed_;
          } else {
            code = "400";
            text = denial.empty() ? "not authorised" : denial;
            ++refused_;
          }
        }
      }
      std::array<zmq::const_buffer, 8> reply = {
          zmq::buffer(parts[0].data(), parts[0].size()), zmq::const_buffer(), zmq::buffer(std::string_view("1.0")),
          zmq::buffer(request_id), zmq::buffer(code), zmq::buffer(text), zmq::buffer(user), zmq::const_buffer()};
      (void)zmq::send_multipart(impl_->socket, reply, zmq::send_flags::dontwait);
    }
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    if (e.num() == ETERM) return Status::Unavailable("ZAP handler: shutting down");
    return Status::Unavailable(std::string("ZAP handler: ") + e.what());
  }
}

}  // namespace lscb::transport
