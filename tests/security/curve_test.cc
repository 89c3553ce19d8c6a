// CURVE keys, key files, `lscb keygen`, the ZAP handler and authorised feed
// subscriptions, on real sockets (127.0.0.1).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "cli/keygen_command.h"
#include "hub/config.h"
#include "testing/temp_dir.h"
#include "transport/curve.h"
#include "transport/transport.h"
#include "transport/zap.h"

namespace lscb {
namespace {

using namespace std::chrono_literals;
using transport::CurveKeyPair;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

TEST(Curve, TheZeroMqLibraryHasCurve) { EXPECT_TRUE(transport::CurveAvailable()); }

TEST(Curve, KeyPairsAreZ85AndThePublicKeyFollowsFromTheSecret) {
  auto a = transport::GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->public_key.size(), 40u);
  EXPECT_TRUE(transport::IsCurveKey(a->public_key));
  EXPECT_TRUE(transport::IsCurveKey(a->secret_key));
  EXPECT_EQ(*transport::CurvePublicKeyOf(a->secret_key), a->public_key);
  EXPECT_FALSE(transport::IsCurveKey("too short"));
  EXPECT_FALSE(transport::IsCurveKey(std::string(40, '"')));  // not Z85
}

TEST(Keygen, WritesASecretReadableByItsOwnerOnlyAndNeverOverwrites) {
  testing::TempDir dir;
  std::ostringstream out, err;
  cli::KeygenOptions o{"met-central", dir / "keys"};
  ASSERT_EQ(cli::RunKeygen(o, out, err), 0) << err.str();
  const std::string key = dir / "keys/met-central.key", pub = dir / "keys/met-central.pub";
  EXPECT_EQ(ModeOf(key), 0600u);
  EXPECT_EQ(ModeOf(pub), 0644u);
  auto pair = transport::ReadCurveSecretKeyFile(key);
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  auto public_key = transport::ReadCurvePublicKeyFile(pub);
  ASSERT_TRUE(public_key.ok()) << public_key.status().ToString();
  EXPECT_EQ(pair->public_key, *public_key);
  // The public key is printed for the hub's config; the secret never is.
  EXPECT_NE(out.str().find(*public_key), std::string::npos);
  EXPECT_EQ(out.str().find(pair->secret_key), std::string::npos);

  // A second run refuses, and leaves both files as they were.
  const std::string before = Read(key);
  std::ostringstream out2, err2;
  EXPECT_EQ(cli::RunKeygen(o, out2, err2), 1);
  EXPECT_NE(err2.str().find("already exists"), std::string::npos) << err2.str();
  EXPECT_EQ(Read(key), before);
  EXPECT_EQ(*transport::ReadCurvePublicKeyFile(pub), *public_key);

  std::ostringstream out3, err3;
  EXPECT_EQ(cli::RunKeygen({"../escape", dir / "keys"}, out3, err3), 2);
}

TEST(Keygen, AGroupReadableSecretKeyFileIsRefusedWithTheFix) {
  testing::TempDir dir;
  std::ostringstream out, err;
  ASSERT_EQ(cli::RunKeygen({"hub", dir.path()}, out, err), 0) << err.str();
  const std::string key = dir / "hub.key";
  ::chmod(key.c_str(), 0640);
  auto pair = transport::ReadCurveSecretKeyFile(key);
  ASSERT_FALSE(pair.ok());
  EXPECT_TRUE(pair.status().IsFailedPrecondition());
  EXPECT_NE(pair.status().message().find("run: chmod 600 " + key), std::string::npos) << pair.status().message();
  EXPECT_NE(pair.status().message().find("0640"), std::string::npos);
  ::chmod(key.c_str(), 0604);
  EXPECT_FALSE(transport::ReadCurveSecretKeyFile(key).ok());
  ::chmod(key.c_str(), 0400);
  EXPECT_TRUE(transport::ReadCurveSecretKeyFile(key).ok());

  // The hub's config says which setting and how to fix it.
  ::chmod(key.c_str(), 0644);
  hub::HubConfig c;
  Status s = hub::LoadConfigText("[curve]\nsecret_key_file = \"" + key + "\"\n", "hub.toml", c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("hub.toml: curve.secret_key_file:"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("chmod 600 " + key), std::string::npos) << s.message();
}

TEST(Keygen, AFileWithoutAKeyIsRefused) {
  testing::TempDir dir;
  WriteFile(dir / "bad.key", "not a key\n", 0600);
  auto r = transport::ReadCurveSecretKeyFile(dir / "bad.key");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not hold a CURVE key"), std::string::npos);
  EXPECT_FALSE(transport::ReadCurveSecretKeyFile(dir / "missing.key").ok());
}

// A CURVE server with a ZAP handler: only the known key gets through, and
// its messages carry the user id the handler gave it.
TEST(Zap, OnlyKnownKeysConnectAndTheirMessagesCarryTheirName) {
  auto server_keys = *transport::GenerateCurveKeyPair();
  auto known = *transport::GenerateCurveKeyPair();
  auto stranger = *transport::GenerateCurveKeyPair();
  transport::Context ctx;
  std::vector<transport::ZapRequest> seen;
  auto zap = transport::ZapHandler::Bind(ctx, [&](const transport::ZapRequest& r, std::string* denial) {
    seen.push_back(r);
    if (r.mechanism == "CURVE" && r.client_public_key == known.public_key) return std::optional<std::string>("alice");
    *denial = "unknown key";
    return std::optional<std::string>();
  });
  ASSERT_TRUE(zap.ok()) << zap.status().ToString();
  transport::ServerOptions so;
  so.curve_secret_key = server_keys.secret_key;
  so.zap_domain = "test";
  auto server = transport::Server::Bind(ctx, "tcp://127.0.0.1:*", so);
  ASSERT_TRUE(server.ok());

  std::atomic<bool> stop{false};
  std::thread zap_thread([&] {
    while (!stop.load())
      if (!(*zap)->Serve(20ms).ok()) return;
  });

  auto connect = [&](const CurveKeyPair& me) {
    transport::ClientOptions co;
    co.curve = {server_keys.public_key, me.public_key, me.secret_key};
    return std::move(transport::Client::Connect(ctx, (*server)->endpoint(), co).value());
  };
  auto good = connect(known);
  auto bad = connect(stranger);
  EXPECT_TRUE(good->Send({"hello"}, 2000ms).ok());
  // The stranger's handshake is refused: with ZMQ_IMMEDIATE nothing is
  // queued for it, so its send times out.
  EXPECT_FALSE(bad->Send({"let me in"}, 500ms).ok());

  std::string peer, user;
  auto got = (*server)->Receive(peer, 2000ms, &user);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((**got)[0], "hello");
  EXPECT_EQ(user, "alice");
  auto nothing = (*server)->Receive(peer, 300ms, &user);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
  stop.store(true);
  zap_thread.join();

  EXPECT_GE((*zap)->allowed(), 1u);
  EXPECT_GE((*zap)->refused(), 1u);
  bool saw_stranger = false;
  for (const auto& r : seen) {
    EXPECT_EQ(r.domain, "test");
    EXPECT_EQ(r.address, "127.0.0.1");
    saw_stranger = saw_stranger || r.client_public_key == stranger.public_key;
  }
  EXPECT_TRUE(saw_stranger);
}

// The feed's XPUB forwards a subscription only when allowed, and only for
// the subscriber that asked.
TEST(Zap, AFeedSubscriptionTakesEffectOnlyWhenAllowed) {
  auto server_keys = *transport::GenerateCurveKeyPair();
  auto alice = *transport::GenerateCurveKeyPair();
  auto bob = *transport::GenerateCurveKeyPair();
  transport::Context ctx;
  auto zap = transport::ZapHandler::Bind(ctx, [&](const transport::ZapRequest& r, std::string*) {
    if (r.client_public_key == alice.public_key) return std::optional<std::string>("alice");
    if (r.client_public_key == bob.public_key) return std::optional<std::string>("bob");
    return std::optional<std::string>();
  });
  ASSERT_TRUE(zap.ok());
  transport::PublisherOptions po;
  po.curve_secret_key = server_keys.secret_key;
  po.zap_domain = "feed";
  po.authorise_subscriptions = true;
  auto pub = transport::Publisher::Bind(ctx, "tcp://127.0.0.1:*", po);
  ASSERT_TRUE(pub.ok());
  std::atomic<bool> stop{false};
  std::thread zap_thread([&] {
    while (!stop.load())
      if (!(*zap)->Serve(20ms).ok()) return;
  });
  auto sub = [&](const CurveKeyPair& me, const std::string& topic) {
    return std::move(transport::Subscriber::Connect(ctx, (*pub)->endpoint(), {topic},
                                                    {server_keys.public_key, me.public_key, me.secret_key})
                         .value());
  };
  // Alice may read "A"; Bob asks for "A" too and for everything ("").
  auto a = sub(alice, "A");
  auto b = sub(bob, "A");
  auto b_all = sub(bob, "");
  std::vector<std::pair<std::string, std::string>> asked;
  for (int i = 0; i < 50 && asked.size() < 3; ++i) {
    auto refused = (*pub)->HandleSubscriptions([&](const std::string& user, const std::string& topic) {
      asked.emplace_back(user, topic);
      return user == "alice" && topic == "A";
    });
    ASSERT_TRUE(refused.ok());
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(asked.size(), 3u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*pub)->Publish("A", "figures").ok());
  auto got = a->Receive(1000ms);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((**got)[1], "figures");
  EXPECT_FALSE(b->Receive(300ms)->has_value());
  EXPECT_FALSE(b_all->Receive(100ms)->has_value());
  stop.store(true);
  zap_thread.join();
}

}  // namespace
}  // namespace lscb
