#include "client/subscriber.h"

#include <nlohmann/json.hpp>

#include "client/query_client.h"
#include "transport/transport.h"

namespace lscb::client {
namespace {

Result<lscb::v1::FeedUpdate> FetchState(transport::Context& ctx, const SubscriberOptions& o) {
  lscb::v1::QueryRequest req;
  req.mutable_state()->set_board(o.board);
  for (int attempt = 0; attempt < 3; ++attempt) {
    transport::ClientOptions co;
    co.curve = o.curve;
    auto client = transport::Client::Connect(ctx, o.query, co);
    if (!client.ok()) return client.status();
    if (!(*client)->Send({std::string(), req.SerializeAsString()}, o.timeout).ok()) continue;
    auto got = (*client)->Receive(o.timeout);
    if (!got.ok()) return got.status();
    if (!got->has_value()) continue;
    lscb::v1::QueryReply reply;
    if ((*got)->empty() || !reply.ParseFromString((*got)->back()))
      return Status::Internal("the hub sent an answer that cannot be read");
    if (!reply.error().empty()) return Status::InvalidArgument(reply.error());
    return reply.state();
  }
  return Status::Unavailable("no answer from the hub at " + o.query + " (is lscb-hub running?)");
}

}  // namespace

FeedSubscriber::~FeedSubscriber() {
  sub_.reset();
  ctx_.reset();
}

Result<std::unique_ptr<FeedSubscriber>> FeedSubscriber::Connect(const SubscriberOptions& options) {
  std::unique_ptr<FeedSubscriber> s(new FeedSubscriber());
  s->ctx_ = std::make_unique<transport::Context>();
  // The state names the topic (ONS or region code) the hub resolved the
  // board to; subscribe to that. Subscribing before fetching the state
  // means no update after it can be missed: fetch once to learn the topic,
  // subscribe, then fetch the state that counts.
  auto first = FetchState(*s->ctx_, options);
  if (!first.ok()) return first.status();
  s->topic_ = first->board();
  auto sub = transport::Subscriber::Connect(*s->ctx_, options.feed, {s->topic_}, options.curve);
  if (!sub.ok()) return sub.status();
  s->sub_ = std::move(sub.value());
  // Give the subscription time to reach the publisher before the state is
  // taken (ZeroMQ subscriptions are asynchronous).
  (void)s->sub_->Receive(std::chrono::milliseconds(200));
  auto state = FetchState(*s->ctx_, options);
  if (!state.ok()) return state.status();
  s->sequence_ = state->sequence();
  s->ApplySnapshots(*state);
  return s;
}

void FeedSubscriber::ApplySnapshots(const lscb::v1::FeedUpdate& u) {
  for (const auto& snap : u.snapshots()) {
    if (snap.cells_size() == 0) state_.erase(snap.period());
    else state_[snap.period()] = snap;
  }
}

Result<std::optional<lscb::v1::FeedUpdate>> FeedSubscriber::Next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return std::optional<lscb::v1::FeedUpdate>();
    auto got = sub_->Receive(left);
    if (!got.ok()) return got.status();
    if (!got->has_value()) return std::optional<lscb::v1::FeedUpdate>();
    const auto& frames = **got;
    lscb::v1::FeedUpdate u;
    if (frames.size() != 2 || frames[0] != topic_ || !u.ParseFromString(frames[1])) continue;
    if (u.heartbeat()) return std::optional<lscb::v1::FeedUpdate>(u);
    if (u.sequence() <= sequence_) continue;  // already in the state
    ApplySnapshots(u);
    sequence_ = u.sequence();
    return std::optional<lscb::v1::FeedUpdate>(u);
  }
}

std::string UpdateToJsonLine(const lscb::v1::FeedUpdate& u) {
  nlohmann::ordered_json j;
  j["board"] = u.board();
  j["sequence"] = u.sequence();
  j["heartbeat"] = u.heartbeat();
  j["snapshots"] = nlohmann::json::array();
  for (const auto& s : u.snapshots()) j["snapshots"].push_back(nlohmann::ordered_json::parse(SnapshotToJson(s)));
  return j.dump() + "\n";
}

}  // namespace lscb::client
