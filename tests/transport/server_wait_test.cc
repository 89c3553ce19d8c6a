// transport::Server::Wait on real sockets (127.0.0.1): what ends a wait, and
// that a message already received by the socket is never waited past.
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "transport/transport.h"

namespace lscb::transport {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Pair {
  Context ctx;
  std::unique_ptr<Server> server;
  std::unique_ptr<Client> client;

  Pair() {
    auto s = Server::Bind(ctx, "tcp://127.0.0.1:*", ServerOptions{});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    server = std::move(*s);
    auto c = Client::Connect(ctx, server->endpoint(), ClientOptions{});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    client = std::move(*c);
  }

  // Waits until a message or the wake descriptor ends a wait, up to `limit`
  // in all.
  Server::Readiness WaitFor(Millis limit, bool want_messages, int wake_fd) {
    const auto end = Clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<Millis>(end - Clock::now());
      auto r = server->Wait(std::max(left, Millis(0)), want_messages, wake_fd);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok() || r->message || r->woken || Clock::now() >= end) return r.ok() ? *r : Server::Readiness{};
    }
  }

  // `text`, sent by the client 100 ms into a wait for messages, ends it.
  void ExpectSentDuringAWaitToEndIt(const std::string& text) {
    std::thread sender([&] {
      std::this_thread::sleep_for(100ms);
      EXPECT_TRUE(client->Send({text}, 2000ms).ok());
    });
    const auto start = Clock::now();
    auto r = WaitFor(10s, true, -1);
    sender.join();
    EXPECT_TRUE(r.message);
    EXPECT_FALSE(r.woken);
    EXPECT_LT(Clock::now() - start, 9s);  // not the timeout
    EXPECT_EQ(ReceiveOne(), text);
  }

  // One wait (not WaitFor) reports a message, well before its timeout.
  void ExpectAWaitToSeeAMessageAtOnce() {
    const auto start = Clock::now();
    auto r = server->Wait(Millis(5000), true, -1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->message);
    EXPECT_LT(Clock::now() - start, 4s);
  }

  std::string ReceiveOne() {
    FrameBuffer frames;
    std::string peer;
    auto got = server->ReceiveInto(frames, peer, Millis(0));
    if (!got.ok() || !*got || frames.empty()) return "";
    return std::string(frames[0]);
  }
};

TEST(ServerWait, AMessageSentWhileWaitingEndsTheWait) {
  Pair p;
  p.ExpectSentDuringAWaitToEndIt("first");
}

// The second message is in the socket's queue once the first is read: no
// new command makes the socket's descriptor readable, so a wait on the
// descriptor alone would sleep past it.
TEST(ServerWait, AMessageAlreadyQueuedIsSeenWithoutWaiting) {
  Pair p;
  ASSERT_TRUE(p.client->Send({"one"}, 2000ms).ok());
  ASSERT_TRUE(p.client->Send({"two"}, 2000ms).ok());
  ASSERT_TRUE(p.WaitFor(10s, true, -1).message);
  std::this_thread::sleep_for(200ms);  // for the second to arrive too
  ASSERT_EQ(p.ReceiveOne(), "one");
  p.ExpectAWaitToSeeAMessageAtOnce();
  EXPECT_EQ(p.ReceiveOne(), "two");
}

TEST(ServerWait, AfterEverythingIsReadAMessageThatArrivesEndsTheWait) {
  Pair p;
  ASSERT_TRUE(p.client->Send({"a"}, 2000ms).ok());
  ASSERT_TRUE(p.WaitFor(10s, true, -1).message);
  ASSERT_EQ(p.ReceiveOne(), "a");
  ASSERT_EQ(p.ReceiveOne(), "");  // nothing more
  p.ExpectSentDuringAWaitToEndIt("b");
}

// Sending processes the socket's waiting commands, among them the one that
// makes a newly arrived message readable: the next wait must still see it.
TEST(ServerWait, AReplySentAfterEverythingIsReadDoesNotHideAMessageThatArrived) {
  Pair p;
  ASSERT_TRUE(p.client->Send({"a"}, 2000ms).ok());
  ASSERT_TRUE(p.WaitFor(10s, true, -1).message);
  FrameBuffer frames;
  std::string peer;
  auto got = p.server->ReceiveInto(frames, peer, Millis(0));
  ASSERT_TRUE(got.ok() && *got);
  ASSERT_EQ(p.ReceiveOne(), "");  // nothing more
  ASSERT_TRUE(p.client->Send({"b"}, 2000ms).ok());
  std::this_thread::sleep_for(200ms);  // for it to arrive
  ASSERT_EQ(p.server->Send(peer, {"reply"}), SendResult::kOk);
  p.ExpectAWaitToSeeAMessageAtOnce();
  EXPECT_EQ(p.ReceiveOne(), "b");
  auto reply = p.client->Receive(2000ms);
  ASSERT_TRUE(reply.ok() && reply->has_value());
  EXPECT_EQ((**reply)[0], "reply");
}

TEST(ServerWait, TheWakeDescriptorEndsTheWaitAndIsReported) {
  Pair p;
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_GE(wake, 0);
  auto idle = p.WaitFor(200ms, true, wake);
  EXPECT_FALSE(idle.message);
  EXPECT_FALSE(idle.woken);
  std::thread waker([&] {
    std::this_thread::sleep_for(100ms);
    uint64_t one = 1;
    EXPECT_EQ(::write(wake, &one, sizeof one), 8);
  });
  const auto start = Clock::now();
  auto r = p.WaitFor(10s, true, wake);
  waker.join();
  EXPECT_TRUE(r.woken);
  EXPECT_FALSE(r.message);
  EXPECT_LT(Clock::now() - start, 9s);
  ::close(wake);
}

TEST(ServerWait, AMessageDoesNotEndAWaitThatDoesNotWantOne) {
  Pair p;
  ASSERT_TRUE(p.client->Send({"held"}, 2000ms).ok());
  // Once it has arrived, a wait for messages sees it at once...
  ASSERT_TRUE(p.WaitFor(10s, true, -1).message);
  // ...and one that wants none runs to its timeout without reporting it.
  const auto start = Clock::now();
  auto r = p.WaitFor(300ms, false, -1);
  EXPECT_FALSE(r.message);
  EXPECT_FALSE(r.woken);
  EXPECT_GE(Clock::now() - start, 250ms);
  EXPECT_EQ(p.ReceiveOne(), "held");
}

TEST(ServerWait, AShutDownContextEndsTheWaitWithAnError) {
  Pair p;
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    p.ctx.Shutdown();
  });
  const auto end = Clock::now() + 10s;
  bool failed = false;
  while (!failed && Clock::now() < end) failed = !p.server->Wait(Millis(5000), true, -1).ok();
  stopper.join();
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace lscb::transport
