// transport::Server::Wait on real sockets (127.0.0.1): what ends a wait, and
// that a message already received by the socket is never waited past.
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "transport/transport.h"

namespace lscb::transport {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A server and a client connected to it.
class ServerWait : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Server::Bind(ctx_, "tcp://127.0.0.1:*", ServerOptions{});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    auto c = Client::Connect(ctx_, server_->endpoint(), ClientOptions{});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(*c);
  }

  // One wait; a failed one counts as neither.
  Server::Readiness WaitOnce(Millis timeout, bool want_messages, int wake_fd) {
    auto r = server_->Wait(timeout, want_messages, wake_fd);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Server::Readiness{};
  }

  // One wait for messages reports one, well before its timeout.
  void ExpectAWaitToSeeAMessage() {
    const auto start = Clock::now();
    EXPECT_TRUE(WaitOnce(10s, true, -1).message);
    EXPECT_LT(Clock::now() - start, 9s);  // not the timeout
  }

  // `text`, sent by the client 100 ms into a wait for messages, ends it.
  void ExpectSentDuringAWaitToEndIt(const std::string& text) {
    std::thread sender([&] {
      std::this_thread::sleep_for(100ms);
      EXPECT_TRUE(client_->Send({text}, 2000ms).ok());
    });
    const auto start = Clock::now();
    auto r = WaitOnce(10s, true, -1);
    sender.join();
    EXPECT_TRUE(r.message);
    EXPECT_FALSE(r.woken);
    EXPECT_LT(Clock::now() - start, 9s);
    EXPECT_EQ(ReceiveOne(), text);
  }

  // The next message's only frame; "" when none is waiting.
  std::string ReceiveOne(std::string* peer = nullptr) {
    FrameBuffer frames;
    std::string from;
    auto got = server_->ReceiveInto(frames, from, Millis(0));
    if (!got.ok() || !*got || frames.empty()) return "";
    if (peer) *peer = from;
    return std::string(frames[0]);
  }

  Context ctx_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ServerWait, AMessageSentWhileWaitingEndsTheWait) { ExpectSentDuringAWaitToEndIt("first"); }

// The second message is in the socket's queue once the first is read: no
// new command makes the socket's descriptor readable, so a wait on the
// descriptor alone would sleep past it.
TEST_F(ServerWait, AMessageAlreadyQueuedIsSeenWithoutWaiting) {
  ASSERT_TRUE(client_->Send({"one"}, 2000ms).ok());
  ASSERT_TRUE(client_->Send({"two"}, 2000ms).ok());
  ASSERT_TRUE(WaitOnce(10s, true, -1).message);
  // For the second to arrive too; if it has not, the wait below is one for
  // a message still to come, which it also passes.
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(ReceiveOne(), "one");
  ExpectAWaitToSeeAMessage();
  EXPECT_EQ(ReceiveOne(), "two");
}

TEST_F(ServerWait, AfterEverythingIsReadAMessageThatArrivesEndsTheWait) {
  ASSERT_TRUE(client_->Send({"a"}, 2000ms).ok());
  ASSERT_TRUE(WaitOnce(10s, true, -1).message);
  ASSERT_EQ(ReceiveOne(), "a");
  ASSERT_EQ(ReceiveOne(), "");  // nothing more
  ExpectSentDuringAWaitToEndIt("b");
}

// Sending processes the socket's waiting commands, among them the one that
// makes a newly arrived message readable: the next wait must still see it.
TEST_F(ServerWait, AReplySentAfterEverythingIsReadDoesNotHideAMessageThatArrived) {
  ASSERT_TRUE(client_->Send({"a"}, 2000ms).ok());
  ASSERT_TRUE(WaitOnce(10s, true, -1).message);
  std::string peer;
  ASSERT_EQ(ReceiveOne(&peer), "a");
  ASSERT_EQ(ReceiveOne(), "");  // nothing more
  ASSERT_TRUE(client_->Send({"b"}, 2000ms).ok());
  // For it to arrive before the reply is sent; if it has not, the wait
  // below is one for a message still to come, which it also passes.
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(server_->Send(peer, {"reply"}), SendResult::kOk);
  ExpectAWaitToSeeAMessage();
  EXPECT_EQ(ReceiveOne(), "b");
  auto reply = client_->Receive(2000ms);
  ASSERT_TRUE(reply.ok() && reply->has_value());
  EXPECT_EQ((**reply)[0], "reply");
}

TEST_F(ServerWait, TheWakeDescriptorEndsTheWaitAndIsReported) {
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_GE(wake, 0);
  const auto before = Clock::now();
  auto idle = WaitOnce(200ms, true, wake);
  EXPECT_FALSE(idle.message);
  EXPECT_FALSE(idle.woken);
  EXPECT_GE(Clock::now() - before, 150ms);  // it waited
  std::thread waker([&] {
    std::this_thread::sleep_for(100ms);
    uint64_t one = 1;
    EXPECT_EQ(::write(wake, &one, sizeof one), 8);
  });
  const auto start = Clock::now();
  auto r = WaitOnce(10s, true, wake);
  waker.join();
  EXPECT_TRUE(r.woken);
  EXPECT_FALSE(r.message);
  EXPECT_LT(Clock::now() - start, 9s);
  ::close(wake);
}

TEST_F(ServerWait, AMessageDoesNotEndAWaitThatDoesNotWantOne) {
  ASSERT_TRUE(client_->Send({"held"}, 2000ms).ok());
  // Once it has arrived, a wait for messages sees it at once...
  ASSERT_TRUE(WaitOnce(10s, true, -1).message);
  // ...and one that wants none runs to its timeout without reporting it.
  const auto start = Clock::now();
  auto r = WaitOnce(300ms, false, -1);
  EXPECT_FALSE(r.message);
  EXPECT_FALSE(r.woken);
  EXPECT_GE(Clock::now() - start, 250ms);
  EXPECT_EQ(ReceiveOne(), "held");
}

TEST_F(ServerWait, AShutDownContextEndsTheWaitWithAnError) {
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    ctx_.Shutdown();
  });
  const auto start = Clock::now();
  auto r = server_->Wait(10s, true, -1);
  stopper.join();
  EXPECT_FALSE(r.ok());
  EXPECT_LT(Clock::now() - start, 9s);
}

}  // namespace
}  // namespace lscb::transport
