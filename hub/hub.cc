#include "hub/hub.h"

#include <spdlog/spdlog.h>

#include <deque>
#include <shared_mutex>
#include <thread>

#include "hub/indicator_view.h"
#include "hub/ingest.h"
#include "hub/query.h"
#include "lscb/v1/wire.pb.h"
#include "store/store.h"
#include "transport/transport.h"

namespace lscb::hub {
namespace {

constexpr const char* kViewCheckpoint = "indicator_view";
using transport::Frames;
using transport::Millis;

// One received ingest message.
struct Batch {
  std::string peer;
  bool delimited = false;  // sent by a REQ socket: reply with an empty frame first
  Frames frames;
  uint64_t batch_id = 0;
  size_t first_event = 0;  // index of its first event in the group
  size_t event_count = 0;
};

class HubImpl final : public Hub {
 public:
  HubImpl(HubOptions options, std::unique_ptr<store::Store> store)
      : options_(std::move(options)),
        store_(std::move(store)),
        view_(options_.boards, options_.definitions),
        processor_(*store_, view_, view_mutex_, options_.boards, options_.definitions, *options_.clock) {}

  ~HubImpl() override {
    ctx_.Shutdown();
    if (query_thread_.joinable()) query_thread_.join();
  }

  Status Init() {
    // Restore the view: the checkpoint, then the log tail.
    uint64_t from = 0;
    auto cp = store_->GetCheckpoint(kViewCheckpoint);
    if (!cp.ok()) return cp.status();
    if (cp->has_value() && (*cp)->size() >= 8) {
      const std::string& blob = **cp;
      uint64_t seq = 0;
      for (int i = 0; i < 8; ++i) seq |= uint64_t{static_cast<uint8_t>(blob[i])} << (8 * i);
      Status s = view_.Deserialize(std::string_view(blob).substr(8));
      if (s.ok()) {
        from = seq;
      } else {
        spdlog::warn("indicator view checkpoint not used ({}); rebuilding from the event log", s.message());
        view_.Clear();
      }
    }
    uint64_t replayed = 0;
    auto t0 = std::chrono::steady_clock::now();
    Status s = processor_.ReplayLog(from, &replayed);
    if (!s.ok()) return s;
    if (processor_.applied_seq() < from) processor_.set_applied_seq(from);
    checkpointed_seq_ = from;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("indicator view restored: checkpoint at log position {}, {} entries replayed in {} ms", from,
                 replayed, ms);

    transport::ServerOptions so;
    so.high_water_mark = options_.high_water_mark;
    so.max_message_bytes = options_.max_message_bytes;
    auto ingest = transport::Server::Bind(ctx_, options_.ingest_endpoint, so);
    if (!ingest.ok()) return ingest.status();
    ingest_ = std::move(ingest.value());
    auto query = transport::Server::Bind(ctx_, options_.query_endpoint, transport::ServerOptions{});
    if (!query.ok()) return query.status();
    query_ = std::move(query.value());
    auto feed = transport::Publisher::Bind(ctx_, options_.feed_endpoint);
    if (!feed.ok()) return feed.status();
    feed_ = std::move(feed.value());
    endpoints_ = {ingest_->endpoint(), feed_->endpoint(), query_->endpoint()};
    return Status::Ok();
  }

  const BoundEndpoints& endpoints() const override { return endpoints_; }

  void Stop() override { stop_.store(true); }

  Status Run() override {
    query_thread_ = std::thread([this] { ServeQueries(); });
    spdlog::info("ready: ingest={} feed={} query={} data={} log_position={} definitions={}", endpoints_.ingest,
                 endpoints_.feed, endpoints_.query, store_->dir(), processor_.applied_seq(),
                 options_.definitions->version);
    last_checkpoint_ = std::chrono::steady_clock::now();
    Status result;
    while (!stop_.load()) {
      RetryPendingAcks();
      Status s = IngestOnce(pending_acks_.empty() ? Millis(100) : Millis(2));
      if (!s.ok()) {
        if (stop_.load()) break;
        spdlog::error("ingest: {}; nothing in this group was acknowledged, senders will re-send", s.message());
        std::this_thread::sleep_for(Millis(200));
      }
      Status cp = MaybeCheckpoint(false);
      if (!cp.ok()) spdlog::error("checkpoint failed (will retry): {}", cp.message());
    }
    stop_.store(true);
    if (query_thread_.joinable()) query_thread_.join();
    Status cp = MaybeCheckpoint(true);
    if (!cp.ok()) spdlog::error("final checkpoint failed: {}", cp.message());
    const auto& c = processor_.counters();
    spdlog::info("stopped: accepted={} duplicate={} amended={} merged={} rejected={} log_position={}", c.accepted,
                 c.duplicate, c.amended, c.merged, c.rejected, processor_.applied_seq());
    return result;
  }

 private:
  Status IngestOnce(Millis wait) {
    std::vector<Batch> batches;
    size_t total = 0;
    std::string peer;
    while (total < options_.max_group_events) {
      auto got = ingest_->Receive(peer, batches.empty() ? wait : Millis(0));
      if (!got.ok()) return stop_.load() ? Status::Ok() : got.status();
      if (!got->has_value()) break;
      Batch b;
      b.peer = peer;
      b.frames = std::move(**got);
      if (!b.frames.empty() && b.frames[0].empty()) {
        b.delimited = true;
        b.frames.erase(b.frames.begin());
      }
      lscb::v1::BatchHeader header;
      if (b.frames.empty() || !header.ParseFromString(b.frames[0]) || header.protocol() != 1) {
        lscb::v1::BatchAck bad;
        bad.set_error("malformed batch: the first frame must be an lscb.v1.BatchHeader with protocol 1");
        SendAck(b, bad.SerializeAsString());
        spdlog::warn("ingest: refused a malformed batch");
        continue;
      }
      b.batch_id = header.batch_id();
      b.first_event = total;
      b.event_count = b.frames.size() - 1;
      total += b.event_count;
      batches.push_back(std::move(b));
    }
    if (batches.empty()) return Status::Ok();

    std::vector<IncomingEvent> events;
    events.reserve(total);
    for (const Batch& b : batches)
      for (size_t i = 1; i < b.frames.size(); ++i) events.push_back({b.frames[i], "anonymous"});
    auto acks = processor_.ProcessGroup(events);
    if (!acks.ok()) return acks.status();
    for (const Batch& b : batches) {
      lscb::v1::BatchAck reply;
      reply.set_batch_id(b.batch_id);
      for (size_t i = 0; i < b.event_count; ++i) {
        auto* a = reply.add_acks();
        *a = (*acks)[b.first_event + i];
        a->set_index(static_cast<uint32_t>(i));
        if (a->outcome() == lscb::v1::REJECTED) spdlog::warn("rejected event {} of batch {}: {}", i, b.batch_id, a->reason());
      }
      SendAck(b, reply.SerializeAsString());
    }
    events_since_checkpoint_ += total;
    return Status::Ok();
  }

  void SendAck(const Batch& b, std::string payload) {
    Frames frames;
    if (b.delimited) frames.emplace_back();
    frames.push_back(std::move(payload));
    if (!pending_acks_.empty()) {  // keep order behind earlier waiting acks
      pending_acks_.push_back({b.peer, std::move(frames)});
      return;
    }
    switch (ingest_->Send(b.peer, frames)) {
      case transport::SendResult::kOk:
      case transport::SendResult::kClosed:
        break;
      case transport::SendResult::kWouldBlock:
        pending_acks_.push_back({b.peer, std::move(frames)});
        break;
      case transport::SendResult::kUnreachable:
        // The sender went away; it will re-send and get DUPLICATE acks.
        spdlog::debug("ack for a sender that disconnected dropped");
        break;
    }
  }

  void RetryPendingAcks() {
    while (!pending_acks_.empty()) {
      auto& [peer, frames] = pending_acks_.front();
      auto r = ingest_->Send(peer, frames);
      if (r == transport::SendResult::kWouldBlock) return;
      pending_acks_.pop_front();
    }
  }

  Status MaybeCheckpoint(bool force) {
    uint64_t seq = processor_.applied_seq();
    if (seq == checkpointed_seq_) return Status::Ok();
    auto now = std::chrono::steady_clock::now();
    if (!force && events_since_checkpoint_ < options_.checkpoint_every_events &&
        now - last_checkpoint_ < options_.checkpoint_interval)
      return Status::Ok();
    std::string blob(8, '\0');
    for (int i = 0; i < 8; ++i) blob[i] = static_cast<char>((seq >> (8 * i)) & 0xFF);
    {
      std::shared_lock lock(view_mutex_);
      blob += view_.Serialize();
    }
    Status s = store_->PutCheckpoint(kViewCheckpoint, blob);
    if (s.ok()) {
      checkpointed_seq_ = seq;
      events_since_checkpoint_ = 0;
      last_checkpoint_ = now;
      spdlog::debug("indicator view checkpointed at log position {} ({} bytes)", seq, blob.size());
    }
    return s;
  }

  void ServeQueries() {
    std::string peer;
    while (!stop_.load()) {
      auto got = query_->Receive(peer, Millis(100));
      if (!got.ok()) return;
      if (!got->has_value()) continue;
      Frames frames = std::move(**got);
      bool delimited = !frames.empty() && frames[0].empty();
      if (delimited) frames.erase(frames.begin());
      lscb::v1::QueryReply reply;
      if (frames.size() != 1) {
        reply.set_error("malformed query: expected one lscb.v1.QueryRequest frame");
      } else {
        std::shared_lock lock(view_mutex_);
        reply = AnswerQuery(frames[0], view_, *options_.boards);
      }
      Frames out;
      if (delimited) out.emplace_back();
      out.push_back(reply.SerializeAsString());
      (void)query_->Send(peer, out);
    }
  }

  HubOptions options_;
  std::unique_ptr<store::Store> store_;
  std::shared_mutex view_mutex_;
  IndicatorView view_;  // guarded by view_mutex_
  IngestProcessor processor_;
  transport::Context ctx_;
  std::unique_ptr<transport::Server> ingest_;  // ingest thread only
  std::unique_ptr<transport::Server> query_;   // query thread only
  std::unique_ptr<transport::Publisher> feed_; // ingest thread only
  BoundEndpoints endpoints_;
  std::atomic<bool> stop_{false};
  std::thread query_thread_;
  std::deque<std::pair<std::string, Frames>> pending_acks_;
  uint64_t checkpointed_seq_ = 0;
  uint64_t events_since_checkpoint_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_;
};

}  // namespace

Result<std::unique_ptr<Hub>> Hub::Open(const HubOptions& in) {
  HubOptions options = in;
  if (options.data_dir.empty()) return Status::InvalidArgument("no data folder given (--data-dir)");
  if (!options.clock) options.clock = &SystemClock::Instance();
  if (!options.boards) options.boards = BoardRegistry::Default();
  if (!options.definitions) options.definitions = DefaultDefinitions();
  store::Options so;
  so.sync_writes = options.sync_writes;
  auto store = store::Store::Open(options.data_dir, so);
  if (!store.ok()) return store.status();
  auto hub = std::make_unique<HubImpl>(options, std::move(store.value()));
  Status s = hub->Init();
  if (!s.ok()) return s;
  return std::unique_ptr<Hub>(std::move(hub));
}

}  // namespace lscb::hub
