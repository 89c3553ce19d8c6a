#include "hub/hub.h"

#include <google/protobuf/arena.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "core/calendar.h"
#include "hub/audit.h"
#include "hub/disclosure.h"
#include "hub/feed.h"
#include "hub/indicator_view.h"
#include "hub/ingest.h"
#include "hub/maintenance.h"
#include "hub/query.h"
#include "hub/view_queue.h"
#include "lscb/v1/wire.pb.h"
#include "store/store.h"
#include "transport/curve.h"
#include "transport/transport.h"
#include "transport/zap.h"

namespace lscb::hub {
namespace {

using transport::Frames;
using transport::Millis;
using SteadyClock = std::chrono::steady_clock;

// The feed thread's niceness (Linux: per thread), above the other threads'.
constexpr int kFeedNice = 10;
// How often the feed thread publishes what is due.
constexpr Millis kFeedTick{50};
// The most events the receiver decides and commits itself, when they are
// all it received and the writer is idle (see IngestQueue). More, and the
// writer takes them, so that receiving and deciding overlap under load.
constexpr size_t kInlineMaxEvents = 64;
// The most events of such groups the receiver applies to the view itself,
// after their acks, when the view's thread is idle (ApplyOwnGroups): fewer
// than waking the view's thread costs. More, and the view's thread applies
// them while the receiver reads what came next.
constexpr size_t kApplyHereMaxEvents = 4;

// One received ingest message.
struct Batch {
  std::string peer;
  std::string principal;   // who sent it (see HubImpl::PrincipalOf)
  bool delimited = false;  // sent by a REQ socket: reply with an empty frame first
  transport::FrameBuffer frames;  // [header, event...]
  uint64_t batch_id = 0;
  std::chrono::steady_clock::time_point received{};
  size_t events() const { return frames.size() - 1; }
};

struct Reply {
  std::string peer;
  Frames frames;
  std::chrono::steady_clock::time_point received{};  // of the batch; none for refusals
};

// Batches waiting to be decided, bounded in events, and the turn to decide
// them. One thread at a time holds the turn and decides and commits groups,
// in the order received: the writer, or the receiver itself when nothing
// waits and the writer is idle (a small batch then goes from the socket to
// the store with no hand-off between threads). Only the receiver pushes,
// and only while there is room, so senders are slowed (their queues fill)
// instead of anything being dropped.
class IngestQueue {
 public:
  // The turn starts taken: the writer's, until it is ready (EndTurn).
  explicit IngestQueue(size_t capacity) : capacity_(capacity) {}
  bool has_room() const {
    std::lock_guard lock(mu_);
    return events_ < capacity_;
  }
  size_t depth() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  void Push(Batch b) {
    {
      std::lock_guard lock(mu_);
      events_ += b.events();
      batches_.push_back(std::move(b));
    }
    cv_.notify_one();
  }
  // Writer: waits up to `timeout` for batches with the turn free, then takes
  // the turn and whole batches up to `max_events` (at least one; none when
  // the time ran out, so that the writer can see to checkpoints and the
  // like). When the time runs out while the receiver has the turn, the
  // writer has it next. False, without the turn, once the queue is closed.
  bool TakeTurn(size_t max_events, Millis timeout, std::vector<Batch>* out) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return (!batches_.empty() && !turn_taken_) || closed_; });
    if (turn_taken_ && !closed_) {
      turn_wanted_ = true;
      cv_.wait(lock, [&] { return !turn_taken_ || closed_; });
      turn_wanted_ = false;
    }
    if (closed_) return false;
    turn_taken_ = true;
    size_t n = 0;
    while (!batches_.empty() && (out->empty() || n + batches_.front().events() <= max_events)) {
      n += batches_.front().events();
      out->push_back(std::move(batches_.front()));
      batches_.pop_front();
    }
    events_ -= n;
    return true;
  }
  // Receiver: the turn, when no batch waits and nobody has it or waits for
  // it.
  bool TryTakeIdleTurn() {
    std::lock_guard lock(mu_);
    if (turn_taken_ || turn_wanted_ || !batches_.empty()) return false;
    turn_taken_ = true;
    return true;
  }
  // Whoever has the turn: gives it back.
  void EndTurn() {
    bool waiting = false;
    {
      std::lock_guard lock(mu_);
      turn_taken_ = false;
      waiting = !batches_.empty() || turn_wanted_;
    }
    if (waiting) cv_.notify_one();  // otherwise the writer waits for batches, not for the turn
  }
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> batches_;  // guarded by mu_
  size_t events_ = 0;          // guarded by mu_
  bool turn_taken_ = true;     // guarded by mu_
  bool turn_wanted_ = false;   // guarded by mu_: the writer waits for the turn
  bool closed_ = false;        // guarded by mu_
};

// A group decided by the writer, on its way to the store.
struct DecidedWork {
  std::vector<Batch> batches;
  std::vector<IncomingEvent> events;  // views of the batches' frames
  DecidedGroup group;
  SteadyClock::time_point started;    // when its decision began
  bool handed_over = false;           // committed by the committing thread
};

// The group the writer handed to the committing thread: while it is
// committed, the writer decides the next one (IngestProcessor::Decide, with
// this group in flight).
class CommitSlot {
 public:
  // Writer: hands `work` over. REQUIRES: the slot is empty (Wait).
  void Put(std::unique_ptr<DecidedWork> work) {
    {
      std::lock_guard lock(mu_);
      work_ = std::move(work);
      busy_ = true;
    }
    cv_.notify_all();
  }
  // Writer: the group in the slot, or null; valid until Wait.
  const DecidedGroup* InFlight() const { return work_ ? &work_->group : nullptr; }
  // Writer: waits until the group in the slot (if any) has been committed
  // or has failed, empties the slot and returns the outcome.
  Status Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });
    work_.reset();
    Status s = std::move(status_);
    status_ = Status::Ok();
    return s;
  }
  // Committing thread: the next group, or null once closed.
  DecidedWork* Take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return (busy_ && !taken_) || closed_; });
    if (!busy_ || taken_) return nullptr;
    taken_ = true;
    return work_.get();
  }
  // Committing thread: done with the group Take returned.
  void Done(Status s) {
    {
      std::lock_guard lock(mu_);
      status_ = std::move(s);
      busy_ = taken_ = false;
    }
    cv_.notify_all();
  }
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<DecidedWork> work_;  // set and reset by the writer only
  bool busy_ = false, taken_ = false, closed_ = false;  // guarded by mu_
  Status status_;                                         // guarded by mu_
};

class HubImpl final : public Hub {
 public:
  HubImpl(HubOptions options, std::unique_ptr<store::Store> store)
      : options_(std::move(options)),
        store_(std::move(store)),
        view_(options_.boards, options_.definitions),
        processor_(*store_, view_, view_mutex_, options_.boards, options_.definitions, *options_.clock),
        queue_(options_.max_queued_events),
        view_queue_(options_.max_queued_events),
        wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

  ~HubImpl() override {
    stop_.store(true);
    queue_.Close();
    ctx_.Shutdown();
    if (query_thread_.joinable()) query_thread_.join();
    if (writer_thread_.joinable()) writer_thread_.join();
    commit_slot_.Close();
    if (commit_thread_.joinable()) commit_thread_.join();
    view_queue_.Close();
    if (view_thread_.joinable()) view_thread_.join();
    if (feed_thread_.joinable()) feed_thread_.join();
    if (zap_thread_.joinable()) zap_thread_.join();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status Init() {
    if (wake_fd_ < 0) return Status::Internal("cannot create an eventfd");
    Status up = UpgradeStore(*store_, *options_.boards);
    if (!up.ok()) return up;
    // Restore the view: the checkpoint, then the log tail.
    const auto t_load = SteadyClock::now();
    // With nothing to replay, the children's histories (most of a large
    // checkpoint, and needed only to apply new events) are restored in the
    // background: queries are answered meanwhile, and the writer waits for
    // them before its first group (AdoptDeferredChildren).
    ChildrenLoader deferred_children;
    auto loaded = LoadViewCheckpoint(*store_, view_, &deferred_children);
    if (!loaded.ok()) return loaded.status();
    const uint64_t from = *loaded;
    if (from == 0 && store_->first_event_seq() > 1)
      return Status::FailedPrecondition("the indicator view must be recomputed from the event log (the definitions "
                                        "or the view's format changed), but " +
                                        RetainedLogMessage(*store_));
    uint64_t replayed = 0;
    auto t0 = SteadyClock::now();
    Status s = processor_.ReplayLog(from, &replayed);
    if (!s.ok()) return s;
    if (processor_.applied_seq() < from) processor_.set_applied_seq(from);
    checkpointed_seq_ = replayed > 0 ? from : processor_.applied_seq();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t0).count();
    auto load_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t0 - t_load).count();
    spdlog::info("indicator view restored: checkpoint at log position {} loaded in {} ms, {} entries replayed in {} ms",
                 from, load_ms, replayed, ms);
    if (options_.metrics) options_.metrics->log_start().Set(static_cast<double>(store_->first_event_seq()));
    if (deferred_children) {
      deferred_children_ = std::async(std::launch::async, [load = std::move(deferred_children)] {
        const auto t0 = SteadyClock::now();
        Result<ChildHistories> children = Status::Internal("not decoded");
        try {
          children = load();
        } catch (const std::exception& e) {  // out of memory
          children = Status::Internal(e.what());
        }
        return std::make_pair(std::move(children), SteadyClock::now() - t0);
      });
    }

    auto audit = AuditLog::Open(*store_);
    if (!audit.ok()) return audit.status();
    audit_ = *audit;
    processor_.set_audit_log(audit_);
    processor_.set_access_policy(options_.access);
    processor_.set_max_event_bytes(options_.max_event_bytes);

    // With CURVE, the ZAP handler is bound before the sockets it guards.
    const bool curve = !options_.curve_secret_key.empty();
    if (curve) {
      auto own = transport::CurvePublicKeyOf(options_.curve_secret_key);
      if (!own.ok()) return own.status();
      own_public_key_ = *own;
      auto zap = transport::ZapHandler::Bind(ctx_, [this](const transport::ZapRequest& r, std::string* denial) {
        // The hub's own key on the query socket: its maintenance commands
        // (lscb-hub backup), run by whoever can read the hub's secret key.
        if (r.mechanism == "CURVE" && r.client_public_key == own_public_key_ && r.domain == kQueryDomain)
          return std::optional<std::string>(kHubPrincipal);
        auto name = options_.access->Authenticate(r.domain, r.mechanism, r.client_public_key, denial);
        if (!name) OnConnectionRefused(r, *denial);
        return name;
      });
      if (!zap.ok()) return zap.status();
      zap_ = std::move(zap.value());
      auto pub = transport::CurvePublicKeyOf(options_.curve_secret_key);
      spdlog::info("CURVE on every socket: hub public key {}, {} principals", pub.ok() ? *pub : "?",
                   options_.access->principals().size());
    } else {
      spdlog::warn(
          "*** PLAINTEXT: no CURVE keys are configured. Connections are neither encrypted nor authenticated, and "
          "every peer may send any event and read every figure. Configure [curve] and [[principal]] (see "
          "docs/security.md) for anything but a test. ***");
    }
    auto secure = [&](auto& o, std::string_view domain) {
      if (!curve) return;
      o.curve_secret_key = options_.curve_secret_key;
      o.zap_domain = std::string(domain);
    };
    transport::ServerOptions so;
    so.high_water_mark = options_.high_water_mark;
    so.max_message_bytes = options_.max_message_bytes;
    secure(so, kIngestDomain);
    auto ingest = transport::Server::Bind(ctx_, options_.ingest_endpoint, so);
    if (!ingest.ok()) return ingest.status();
    ingest_ = std::move(ingest.value());
    transport::ServerOptions qo;
    secure(qo, kQueryDomain);
    auto query = transport::Server::Bind(ctx_, options_.query_endpoint, qo);
    if (!query.ok()) return query.status();
    query_ = std::move(query.value());
    transport::PublisherOptions po;
    secure(po, kFeedDomain);
    po.authorise_subscriptions = curve;
    auto feed = transport::Publisher::Bind(ctx_, options_.feed_endpoint, po);
    if (!feed.ok()) return feed.status();
    feed_ = std::move(feed.value());
    endpoints_ = {ingest_->endpoint(), feed_->endpoint(), query_->endpoint()};
    FeedOptions fo;
    fo.min_interval = options_.feed_min_interval;
    fo.heartbeat_interval = options_.feed_min_interval;
    publisher_ = std::make_unique<FeedPublisher>(
        *feed_, view_, view_mutex_, [this] { return processor_.applied_seq(); }, options_.boards,
        options_.publish_filter, fo);
    processor_.set_view_changes_sink(
        [this](const IndicatorView::Changes& changes) { publisher_->MarkDirty(changes); });
    return Status::Ok();
  }

  const BoundEndpoints& endpoints() const override { return endpoints_; }

  void Stop() override {
    stop_.store(true);
    Wake();
  }

  Result<lscb::v1::Snapshot> RawSnapshot(const std::string& board, const std::string& period) const override {
    lscb::v1::QueryRequest req;
    req.mutable_snapshot()->set_board(board);
    req.mutable_snapshot()->set_period(period);
    req.mutable_snapshot()->set_raw(true);
    lscb::v1::QueryReply reply;
    {
      auto lock = CurrentView();
      AnswerQuery(req.SerializeAsString(), view_, *options_.boards, processor_.applied_seq(), nullptr, true, &reply);
    }
    if (!reply.error().empty()) return Status::InvalidArgument(reply.error());
    return reply.snapshot();
  }

  uint64_t log_position() const override {
    AwaitView();
    return processor_.applied_seq();
  }

  HubStats stats() const override {
    HubStats s;
    {
      std::lock_guard lock(stats_mu_);
      s = stats_;
    }
    s.queue_depth = queue_.depth();
    s.log_start = store_->first_event_seq();
    return s;
  }

  // The receiver: owns the ingest socket. Reads batches into the queue while
  // it has room (or decides a few itself, see ReceiveBatches) and sends the
  // replies.
  Status Run() override {
    receiver_thread_ = std::this_thread::get_id();
    // Named for top -H and perf (at most 15 characters).
    query_thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "lscb-query");
      ServeQueries();
    });
    view_thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "lscb-view");
      ApplyLoop();
    });
    commit_thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "lscb-commit");
      while (DecidedWork* w = commit_slot_.Take()) commit_slot_.Done(CommitAndAck(*w));
    });
    writer_thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "lscb-writer");
      WriteLoop();
    });
    feed_thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "lscb-feed");
      // The feed is sent at most once a second anyway: when the cores are
      // busy, receiving, committing and acknowledging events come first.
      if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kFeedNice) != 0)
        spdlog::debug("feed: cannot lower the feed thread's priority");
      while (!stop_.load()) {
        publisher_->PublishDue();
        HandleSubscriptions();
        std::this_thread::sleep_for(kFeedTick);
      }
    });
    if (zap_) {
      zap_thread_ = std::thread([this] {
        ::pthread_setname_np(::pthread_self(), "lscb-zap");
        while (!stop_.load())
          if (!zap_->Serve(Millis(100)).ok()) return;
      });
    }
    spdlog::info("ready: ingest={} feed={} query={} data={} log_position={} definitions={}", endpoints_.ingest,
                 endpoints_.feed, endpoints_.query, store_->dir(), processor_.applied_seq(),
                 options_.definitions->version);
    std::optional<SteadyClock::time_point> full_since;
    auto last_full_log = SteadyClock::time_point{};
    while (!stop_.load()) {
      SendReplies();
      const bool room = queue_.has_room();
      if (!room && !full_since) {
        full_since = SteadyClock::now();
        std::lock_guard lock(stats_mu_);
        ++stats_.queue_full_waits;
      } else if (room && full_since) {
        auto waited = SteadyClock::now() - *full_since;
        {
          std::lock_guard lock(stats_mu_);
          stats_.queue_full_micros += std::chrono::duration_cast<std::chrono::microseconds>(waited).count();
        }
        full_since.reset();
      }
      if (!room && SteadyClock::now() - last_full_log > std::chrono::seconds(10)) {
        spdlog::warn("ingest queue full ({} events waiting for the store); senders are being slowed", queue_.depth());
        last_full_log = SteadyClock::now();
      }
      auto ready = ingest_->Wait(pending_replies_.empty() ? Millis(100) : Millis(1), room, wake_fd_);
      if (!ready.ok()) break;
      if (ready->woken) {
        uint64_t n = 0;
        (void)!::read(wake_fd_, &n, sizeof n);
      }
      if (ready->message) ReceiveBatches();
    }
    stop_.store(true);
    queue_.Close();
    if (writer_thread_.joinable()) writer_thread_.join();
    commit_slot_.Close();
    if (commit_thread_.joinable()) commit_thread_.join();
    view_queue_.Close();
    if (view_thread_.joinable()) view_thread_.join();
    SendReplies();
    if (query_thread_.joinable()) query_thread_.join();
    if (feed_thread_.joinable()) feed_thread_.join();
    if (zap_thread_.joinable()) zap_thread_.join();
    if (!fatal_.ok()) return fatal_;
    Status cp = MaybeCheckpoint(true);
    if (!cp.ok()) spdlog::error("final checkpoint failed: {}", cp.message());
    const auto& c = processor_.counters();
    spdlog::info("stopped: accepted={} duplicate={} amended={} merged={} rejected={} log_position={}", c.accepted,
                 c.duplicate, c.amended, c.merged, c.rejected, processor_.applied_seq());
    return Status::Ok();
  }

 private:
  void Wake() {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }

  // Receiver thread: reads what has arrived. When that is a few events, no
  // batch waits and the writer is idle, the receiver decides and commits
  // them itself; otherwise they are queued for the writer.
  void ReceiveBatches() {
    std::string user;
    std::vector<Batch> own;  // held with the ingest turn
    size_t own_events = 0;
    bool turn = false;
    for (int i = 0; i < 1024 && queue_.has_room(); ++i) {
      Batch b;
      auto got = ingest_->ReceiveInto(b.frames, b.peer, Millis(0), &user);
      if (!got.ok() || !*got) break;
      b.received = SteadyClock::now();
      b.principal = PrincipalOf(user);
      if (!b.frames.empty() && b.frames[0].empty()) {
        b.delimited = true;
        b.frames.DropFirst();
      }
      lscb::v1::BatchHeader header;
      if (b.frames.empty() || !header.ParseFromArray(b.frames[0].data(), static_cast<int>(b.frames[0].size())) ||
          header.protocol() != 1) {
        lscb::v1::BatchAck bad;
        bad.set_error("malformed batch: the first frame must be an lscb.v1.BatchHeader with protocol 1");
        QueueReply(b, bad.SerializeAsString());
        spdlog::warn("ingest: refused a malformed batch");
        continue;
      }
      b.batch_id = header.batch_id();
      if (i == 0 && b.events() <= kInlineMaxEvents) turn = queue_.TryTakeIdleTurn();
      if (turn && own_events + b.events() <= kInlineMaxEvents) {
        own_events += b.events();
        own.push_back(std::move(b));
        continue;
      }
      if (turn) {  // more than a few: the writer takes them all, in order
        for (Batch& o : own) queue_.Push(std::move(o));
        own.clear();
        queue_.EndTurn();
        turn = false;
      }
      queue_.Push(std::move(b));
    }
    if (!turn) return;
    if (!own.empty()) Ingest(std::move(own));
    queue_.EndTurn();
    SendReplies();
    ApplyOwnGroups();
  }

  // Receiver, after sending the acks of groups it committed itself: applies
  // their changes to the view when they are a few events, the view's thread
  // is idle and the view's lock is free; otherwise the view's thread does.
  void ApplyOwnGroups() {
    const size_t applied = view_queue_.ApplyHere(kApplyHereMaxEvents, [this](std::vector<ViewUpdate>& updates) {
      // The test hook holds the view's thread, never the receiver.
      if (options_.before_view_update) return false;
      if (options_.before_receiver_applies) options_.before_receiver_applies();
      return processor_.TryApplyToView(updates);
    });
    if (applied == 0) return;
    {
      std::lock_guard lock(view_seq_mu_);  // so that a waiter cannot miss it
    }
    view_seq_cv_.notify_all();
    std::lock_guard lock(stats_mu_);
    stats_.groups_applied_by_receiver += applied;
  }

  // The view's thread: brings the view up to date with the groups committed
  // (and acked), in order, unless the receiver did (ApplyOwnGroups).
  void ApplyLoop() {
    for (;;) {
      std::vector<ViewUpdate> updates = view_queue_.PopAll();
      if (updates.empty()) {  // closed
        {
          std::lock_guard lock(view_seq_mu_);
          view_stopped_.store(true);
        }
        view_seq_cv_.notify_all();
        return;
      }
      if (options_.before_view_update) options_.before_view_update();
      processor_.ApplyToView(updates);
      view_queue_.Done();
      {
        std::lock_guard lock(view_seq_mu_);  // so that a waiter cannot miss it
      }
      view_seq_cv_.notify_all();
    }
  }

  // Any thread but the applier's, holding no view lock: waits until the view
  // reflects every group committed before the call, so that whoever was sent
  // an ack reads its event's figures.
  void AwaitView() const {
    const uint64_t target = processor_.committed_seq();
    if (processor_.applied_seq() >= target) return;
    std::unique_lock lock(view_seq_mu_);
    view_seq_cv_.wait(lock, [&] { return processor_.applied_seq() >= target || view_stopped_.load(); });
  }

  // AwaitView, then the view's lock, shared.
  std::shared_lock<std::shared_mutex> CurrentView() const {
    AwaitView();
    return std::shared_lock(view_mutex_);
  }

  // The writer: decides and commits groups of batches, hands their changes
  // to the view's applier and the acks to the receiver.
  void WriteLoop() {
    // The writer has the ingest turn from the start: nothing is decided
    // before the children's histories are in the view.
    if (!AdoptDeferredChildren()) return;
    if (options_.on_started) options_.on_started();
    queue_.EndTurn();
    std::vector<Batch> batches;
    while (!stop_.load()) {
      batches.clear();
      if (!queue_.TakeTurn(options_.max_group_events, Millis(100), &batches)) continue;
      if (!batches.empty()) Ingest(std::move(batches));
      // Checkpoints, backups and retention see whole groups, all committed.
      if (CheckpointDue(false) || BackupsWaiting() || RetentionCheckDue()) {
        if (!commit_slot_.Wait().ok()) std::this_thread::sleep_for(Millis(200));
        Status cp = MaybeCheckpoint(false);
        if (!cp.ok()) spdlog::error("checkpoint failed (will retry): {}", cp.message());
        RunBackups();
        Status rt = MaybeApplyRetention();
        if (!rt.ok()) spdlog::error("retention: {} (will retry)", rt.message());
      }
      queue_.EndTurn();
    }
    // The receiver has stopped (Run closes the queue after its loop).
    (void)commit_slot_.Wait();
    RunBackups();
  }

  // Whoever has the ingest turn (the writer, or the receiver for a small
  // group): decides a group while the one before it is committed, then hands
  // it to the committing thread when more batches wait (so that the next is
  // decided meanwhile), or commits it itself when none do (an ack sooner,
  // with no hand-off).
  void Ingest(std::vector<Batch> batches) {
    auto work = std::make_unique<DecidedWork>();
    work->batches = std::move(batches);
    for (const Batch& b : work->batches)
      for (size_t i = 1; i < b.frames.size(); ++i) work->events.push_back({b.frames[i], b.principal});
    work->started = SteadyClock::now();
    auto group = processor_.Decide(work->events, commit_slot_.InFlight(), [this] { return commit_slot_.Wait(); });
    // A group is committed only after the one before it.
    Status before = commit_slot_.Wait();
    if (!group.ok() || !before.ok()) {
      Unacknowledged(group.ok() ? "the group before it could not be committed" : group.status().message());
      std::this_thread::sleep_for(Millis(200));
      return;
    }
    work->group = std::move(*group);
    if (queue_.depth() > 0) {
      work->handed_over = true;
      commit_slot_.Put(std::move(work));
    } else if (!CommitAndAck(*work).ok()) {
      std::this_thread::sleep_for(Millis(200));
    }
  }

  // Writer thread, before anything changes the view: the children's
  // histories restored in the background. When they are damaged, the view
  // is recomputed from the event log, as when a checkpoint cannot be read at
  // start; when that cannot be done either (retention shortened the log), or
  // the store could not be read, the hub stops before ingesting anything.
  bool AdoptDeferredChildren() {
    if (!deferred_children_.valid()) return true;
    auto [children, took] = deferred_children_.get();
    if (!children.ok()) {
      // An I/O error is not damage: recomputing would read the whole store;
      // the operator sees to the disk and restarts.
      const std::string& why = children.status().message();
      if (children.status().IsIoError())
        return StopBeforeIngesting(Status::IoError, "the indicator view's children's histories cannot be read: " + why);
      spdlog::warn("indicator view checkpoint not used (its children's histories cannot be restored: {}); "
                   "rebuilding from the event log",
                   why);
      Status s = RebuildFromLog();
      if (!s.ok())
        return StopBeforeIngesting(Status::Corruption,
                                   "the indicator view checkpoint is damaged and the view cannot be recomputed: " +
                                       s.message());
      return true;
    }
    const size_t n = children->size();
    {
      std::unique_lock lock(view_mutex_);
      view_.AdoptChildren(std::move(*children));
    }
    spdlog::info("children's histories restored: {} children in {} ms, after ready", n,
                 std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    return true;
  }

  // Writer thread: the hub stops with the error `kind(why)` (Run returns it);
  // false.
  bool StopBeforeIngesting(Status (*kind)(std::string), const std::string& why) {
    fatal_ = kind(why + "; stopped before ingesting anything");
    spdlog::critical("{}", fatal_.message());
    stop_.store(true);
    Wake();
    return false;
  }

  // Writer thread: a new checkpoint from the whole log, then the view from
  // it (queries wait for the swap only).
  Status RebuildFromLog() {
    auto rebuilt = RebuildView(*store_, options_.boards, options_.definitions);
    if (!rebuilt.ok()) return rebuilt.status();
    std::unique_lock lock(view_mutex_);
    auto loaded = LoadViewCheckpoint(*store_, view_);
    if (!loaded.ok()) return loaded.status();
    if (*loaded != processor_.applied_seq())
      return Status::Internal("the recomputed checkpoint is at log position " + std::to_string(*loaded) + ", not " +
                              std::to_string(processor_.applied_seq()));
    checkpointed_seq_ = *loaded;
    spdlog::info("indicator view rebuilt from {} event log entries", *rebuilt);
    return Status::Ok();
  }

  // A group was not committed: counted and logged; its senders re-send.
  void Unacknowledged(const std::string& why) {
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.groups_failed;
    }
    spdlog::error("ingest: {}; nothing in this group was acknowledged, senders will re-send", why);
  }

  // Writer or committing thread (one group at a time, in order): commits a
  // decided group, then sends its acks and hands its changes to the view.
  Status CommitAndAck(DecidedWork& work) {
    Status committed = processor_.Commit(work.group);
    if (!committed.ok()) {
      Unacknowledged(committed.message());
      return committed;
    }
    const bool on_receiver = std::this_thread::get_id() == receiver_thread_;
    const std::vector<Batch>& batches = work.batches;
    const std::vector<IncomingEvent>& events = work.events;
    const std::vector<lscb::v1::EventAck>& acks = work.group.acks;
    ViewUpdate& update = work.group.update;
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - work.started).count();
    size_t at = 0;
    std::vector<Reply> replies;
    replies.reserve(batches.size());
    google::protobuf::Arena arena;  // the acks of the group, freed at once
    for (const Batch& b : batches) {
      auto& reply = *google::protobuf::Arena::CreateMessage<lscb::v1::BatchAck>(&arena);
      reply.set_batch_id(b.batch_id);
      reply.mutable_acks()->Reserve(static_cast<int>(b.events()));
      for (size_t i = 0; i < b.events(); ++i) {
        auto* a = reply.add_acks();
        *a = acks[at++];
        a->set_index(static_cast<uint32_t>(i));
        if (a->outcome() == lscb::v1::REJECTED)
          spdlog::warn("rejected event {} of batch {}: {}", i, b.batch_id, a->reason());
      }
      Reply r{b.peer, {}, b.received};
      if (b.delimited) r.frames.emplace_back();
      r.frames.push_back(reply.SerializeAsString());
      replies.push_back(std::move(r));
    }
    // Counted before the acks go out, so that a sender that has its acks
    // finds its events counted.
    {
      std::lock_guard lock(stats_mu_);
      stats_.groups_committed += 1;
      if (work.handed_over) stats_.groups_overlapped += 1;
      if (on_receiver) stats_.groups_by_receiver += 1;
      stats_.events_committed += events.size();
      stats_.commit_micros_total += static_cast<uint64_t>(micros);
    }
    {
      std::lock_guard lock(replies_mu_);
      for (auto& r : replies) replies_.push_back(std::move(r));
    }
    if (!on_receiver) Wake();  // the acks go out
    // Applied by the view's thread while the next group is decided. (The
    // queue is closed only once this thread has stopped; if it were not, the
    // view would miss the group until a restart replays it from the log.)
    // The receiver applies its own group after sending the acks, when the
    // view's thread is idle (ApplyOwnGroups): no wake-up for a few events.
    if (update.ops.empty()) processor_.RecycleUpdate(update);
    else if (!view_queue_.Push(std::move(update), /*wake=*/!on_receiver))
      spdlog::error("ingest: the indicator view's thread has stopped; a restart brings the view up to date");
    if (HubMetrics* m = options_.metrics.get()) {
      m->commit_latency().Observe(static_cast<double>(micros) / 1e6);
      m->log_position().Set(static_cast<double>(processor_.committed_seq()));
      m->queue_depth().Set(static_cast<double>(queue_.depth()));
      const auto& agencies = work.group.agencies;
      for (size_t i = 0; i < acks.size(); ++i)
        m->Events(acks[i].outcome(), i < agencies.size() ? std::string_view(agencies[i]) : std::string_view()).Inc();
    }
    events_since_checkpoint_ += events.size();
    // The feed learnt what changed from the processor, under the view's lock.
    return Status::Ok();
  }

  void QueueReply(const Batch& b, std::string payload) {
    Reply r{b.peer, {}};
    if (b.delimited) r.frames.emplace_back();
    r.frames.push_back(std::move(payload));
    pending_replies_.push_back(std::move(r));
  }

  // Receiver thread: sends waiting replies in order; a reply to a full peer
  // waits for the next round, one to a vanished peer is dropped (it will
  // re-send and get DUPLICATE acks).
  void SendReplies() {
    {
      std::lock_guard lock(replies_mu_);
      while (!replies_.empty()) {
        pending_replies_.push_back(std::move(replies_.front()));
        replies_.pop_front();
      }
    }
    while (!pending_replies_.empty()) {
      Reply& r = pending_replies_.front();
      auto result = ingest_->Send(r.peer, r.frames);
      if (result == transport::SendResult::kWouldBlock) return;
      if (result == transport::SendResult::kUnreachable) spdlog::debug("ack for a sender that disconnected dropped");
      if (options_.metrics && r.received != SteadyClock::time_point{})
        options_.metrics->ingest_latency().Observe(
            std::chrono::duration<double>(SteadyClock::now() - r.received).count());
      pending_replies_.pop_front();
    }
  }

  bool BackupsWaiting() {
    std::lock_guard lock(jobs_mu_);
    return !jobs_.empty();
  }

  // Writer thread: backups asked for over the query socket run between
  // groups, so the copy holds whole groups only.
  void RunBackups() {
    std::deque<std::shared_ptr<BackupJob>> jobs;
    {
      std::lock_guard lock(jobs_mu_);
      jobs.swap(jobs_);
    }
    for (auto& job : jobs) {
      Status s = store_->CreateCheckpoint(job->out_dir);
      uint64_t seq = processor_.committed_seq();
      if (s.ok()) spdlog::info("backup written to {} (log position {})", job->out_dir, seq);
      else spdlog::error("backup to {} failed: {}", job->out_dir, s.message());
      job->done.set_value({s, seq});
    }
  }

  // Writer thread: something was committed since the last checkpoint and
  // (unless forced) enough events or time have passed.
  bool CheckpointDue(bool force) const {
    if (processor_.committed_seq() == checkpointed_seq_) return false;
    return force || events_since_checkpoint_ >= options_.checkpoint_every_events ||
           SteadyClock::now() - last_checkpoint_ >= options_.checkpoint_interval;
  }

  // Writer thread (and Run after the writer stopped). The checkpoint holds
  // every group committed before it.
  Status MaybeCheckpoint(bool force) {
    if (!CheckpointDue(force)) return Status::Ok();
    auto now = SteadyClock::now();
    Status s;
    uint64_t seq = 0;
    {
      auto lock = CurrentView();
      seq = processor_.applied_seq();
      s = SaveViewCheckpoint(*store_, view_, seq);
    }
    if (s.ok()) {
      checkpointed_seq_ = seq;
      events_since_checkpoint_ = 0;
      last_checkpoint_ = now;
      spdlog::debug("indicator view checkpointed at log position {}", seq);
    }
    if (HubMetrics* m = options_.metrics.get()) {
      const store::StoreStats st = store_->Stats();
      m->store_live_bytes().Set(static_cast<double>(st.live_bytes));
      m->log_start().Set(static_cast<double>(st.first_event_seq));
    }
    return s;
  }

  bool RetentionCheckDue() const {
    return options_.retention.count() > 0 &&
           (!retention_checked_ || SteadyClock::now() - last_retention_check_ >= options_.retention_check_interval);
  }

  // Writer thread: removes the log entries past retention, at start and
  // then every retention_check_interval.
  Status MaybeApplyRetention() {
    if (!RetentionCheckDue()) return Status::Ok();
    const auto now = SteadyClock::now();
    retention_checked_ = true;
    last_retention_check_ = now;
    const int64_t cutoff = options_.clock->NowSeconds() - options_.retention.count();
    const uint64_t first = store_->first_event_seq();
    auto keep_from = RetentionKeepFrom(*store_, cutoff, processor_.committed_seq());
    if (!keep_from.ok()) return keep_from.status();
    if (*keep_from <= first) return Status::Ok();
    // A restart replays only the log after the view's checkpoint, so the
    // checkpoint must hold everything committed before any of it goes.
    Status s = MaybeCheckpoint(true);
    if (!s.ok()) return s;
    s = store_->RemoveEventsBefore(*keep_from);
    if (!s.ok()) return s;
    spdlog::info("retention: removed event log entries {} to {} (received before {}); the log now starts at {}",
                 first, *keep_from - 1, FormatInstant(cutoff), *keep_from);
    if (options_.metrics) options_.metrics->log_start().Set(static_cast<double>(*keep_from));
    return Status::Ok();
  }

  // Query thread: hands a backup to the writer and waits for it.
  lscb::v1::QueryReply Backup(const std::string& out_dir) {
    lscb::v1::QueryReply reply;
    if (out_dir.empty() || out_dir[0] != '/') {
      reply.set_error("backup: the output folder must be an absolute path");
      return reply;
    }
    auto job = std::make_shared<BackupJob>();
    job->out_dir = out_dir;
    auto done = job->done.get_future();
    {
      std::lock_guard lock(jobs_mu_);
      jobs_.push_back(job);
    }
    while (done.wait_for(Millis(100)) != std::future_status::ready) {
      if (stop_.load()) {
        reply.set_error("backup: the hub is stopping");
        return reply;
      }
    }
    auto [status, seq] = done.get();
    if (!status.ok()) {
      reply.set_error("backup: " + status.message());
      return reply;
    }
    reply.mutable_backup()->set_dir(out_dir);
    reply.mutable_backup()->set_log_position(seq);
    return reply;
  }

  void ServeQueries() {
    std::string peer, user;
    // Each reply is built on an arena: a snapshot is hundreds of cells of
    // several strings each, allocated and freed together.
    std::vector<char> first_block(256 << 10);
    while (!stop_.load()) {
      auto got = query_->Receive(peer, Millis(100), &user);
      if (!got.ok()) return;
      if (!got->has_value()) continue;
      Frames frames = std::move(**got);
      bool delimited = !frames.empty() && frames[0].empty();
      if (delimited) frames.erase(frames.begin());
      google::protobuf::ArenaOptions arena_options;
      arena_options.initial_block = first_block.data();
      arena_options.initial_block_size = first_block.size();
      google::protobuf::Arena arena(arena_options);
      lscb::v1::QueryReply& reply = *google::protobuf::Arena::CreateMessage<lscb::v1::QueryReply>(&arena);
      lscb::v1::QueryRequest request;
      const std::string principal = PrincipalOf(user);
      std::optional<QueryTarget> target;
      if (frames.size() == 1) target = InspectQuery(frames[0], *options_.boards);
      const std::string refused = RefuseQuery(principal, target);
      if (!refused.empty()) {
        reply.set_error(refused);
      } else if (frames.size() == 1 && request.ParseFromString(frames[0]) && request.has_backup()) {
        reply.CopyFrom(Backup(request.backup().out_dir()));
      } else if (frames.size() != 1) {
        reply.set_error("malformed query: expected one lscb.v1.QueryRequest frame");
      } else {
        auto lock = CurrentView();
        AnswerQuery(frames[0], view_, *options_.boards, processor_.applied_seq(), options_.publish_filter,
                    options_.allow_raw_queries && MayReadRaw(principal), &reply);
      }
      if (target) AuditQuery(principal, *target, reply);
      Frames out;
      if (delimited) out.emplace_back();
      out.push_back(reply.SerializeAsString());
      (void)query_->Send(peer, out);
    }
  }

  // The principal of a message whose ZAP user id is `user_id`: every peer
  // is "anonymous" in plaintext; under CURVE every peer has a user id (the
  // ZAP handler gives one to every peer it lets in).
  std::string PrincipalOf(const std::string& user_id) const {
    if (!options_.access) return "anonymous";
    return user_id.empty() ? "unauthenticated" : user_id;
  }

  bool MayReadRaw(const std::string& principal) const {
    return !options_.access || principal == kHubPrincipal || options_.access->MayReadRaw(principal);
  }

  // Query thread: why `principal` may not have what `target` asks for; ""
  // when it may (or when AnswerQuery will refuse it anyway).
  std::string RefuseQuery(const std::string& principal, const std::optional<QueryTarget>& target) const {
    if (!options_.access || !target) return "";
    if (target->action == "snapshot" || target->action == "state") {
      if (target->topic.empty()) return "";  // unknown board: AnswerQuery says so
      if (principal != kHubPrincipal && !options_.access->MayRead(principal, target->topic))
        return "not authorised: principal " + principal + " may not read board " + target->board.substr(0, 40);
      if (target->raw && !(options_.allow_raw_queries && MayReadRaw(principal)))
        return "not authorised: principal " + principal + " may not see raw (unsuppressed) figures";
      return "";
    }
    const Principal* p = options_.access->Find(principal);
    if (principal != kHubPrincipal && (!p || p->role != Role::kAdmin)) return "not authorised: only an admin may ask for " + target->action;
    return "";
  }

  // Query thread.
  void AuditQuery(const std::string& principal, const QueryTarget& target, const lscb::v1::QueryReply& reply) {
    AuditRecord r;
    r.time = options_.clock->NowSeconds();
    r.principal = principal;
    r.action = target.action;
    r.outcome = reply.error().empty() ? "served" : "refused";
    r.board = target.topic.empty() ? target.board.substr(0, 40) : target.topic;
    r.period = target.period.substr(0, 40);
    r.raw = target.raw;
    r.reason = reply.error();
    WriteAudit(r);
  }

  // Any thread: an audit record on its own.
  void WriteAudit(const AuditRecord& r) {
    Status s = audit_->Write(r);
    if (!s.ok()) spdlog::error("audit log: {}", s.message());
  }

  // ZAP thread: a handshake refused. Logged and audited, at most once a
  // minute for the same key, address and socket.
  void OnConnectionRefused(const transport::ZapRequest& r, const std::string& why) {
    auto now = SteadyClock::now();
    std::string key = r.domain + " " + r.address + " " + r.client_public_key;
    auto it = refusals_.find(key);
    if (it != refusals_.end() && now - it->second < std::chrono::minutes(1)) return;
    if (refusals_.size() > 10000) refusals_.clear();
    refusals_[key] = now;
    const Principal* p = options_.access->FindByKey(r.client_public_key);
    spdlog::warn("refused a connection to the {} socket from {}: {} (key {})", r.domain, r.address, why,
                 r.client_public_key.empty() ? r.mechanism : r.client_public_key);
    AuditRecord a;
    a.time = options_.clock->NowSeconds();
    a.principal = p ? p->name : "unknown";
    a.action = "connect";
    a.outcome = "denied";
    a.board = r.domain;
    a.reason = why + " (from " + r.address + ", key " + r.client_public_key + ")";
    WriteAudit(a);
  }

  // Feed thread: under CURVE a subscription takes effect only when its
  // principal may read every topic it matches (prefix match). In plaintext
  // every one does; they are taken so that the feed knows what is wanted.
  void HandleSubscriptions() {
    // (In plaintext the publisher takes every subscription without asking.)
    auto refused = feed_->HandleSubscriptions([this](const std::string& user, const std::string& prefix) {
      const std::string principal = PrincipalOf(user);
      size_t matched = 0;
      bool ok = true;
      for (const auto& t : publisher_->topics()) {
        if (!t.starts_with(prefix)) continue;
        ++matched;
        ok = ok && options_.access->MayRead(principal, t);
      }
      ok = ok && matched > 0;
      AuditRecord r;
      r.time = options_.clock->NowSeconds();
      r.principal = principal;
      r.action = "subscribe";
      r.outcome = ok ? "allowed" : "refused";
      r.board = prefix.substr(0, 40);
      if (!ok)
        r.reason = matched == 0 ? "no topic matches" : "not authorised: principal " + principal + " may not read every board it matches";
      WriteAudit(r);
      if (!ok) spdlog::warn("feed: refused subscription of {} to '{}'", principal, r.board);
      return ok;
    });
    if (!refused.ok()) spdlog::debug("feed subscriptions: {}", refused.status().message());
  }

  HubOptions options_;
  std::unique_ptr<store::Store> store_;
  mutable std::shared_mutex view_mutex_;
  IndicatorView view_;  // guarded by view_mutex_
  IngestProcessor processor_;  // deciding: writer or receiver (with the turn); applying: see view_queue_
  IngestQueue queue_;
  ViewQueue view_queue_;  // committed groups -> the view's thread (or the receiver's)
  // Notified when updates have been applied to the view (AwaitView).
  mutable std::mutex view_seq_mu_;
  mutable std::condition_variable view_seq_cv_;
  std::atomic<bool> view_stopped_{false};
  int wake_fd_;  // the writer wakes the receiver with it
  std::thread::id receiver_thread_;  // Run's; set before the other threads start
  transport::Context ctx_;
  std::unique_ptr<transport::Server> ingest_;   // receiver (Run) thread only
  std::unique_ptr<transport::Server> query_;    // query thread only
  std::unique_ptr<transport::Publisher> feed_;  // feed thread only
  std::unique_ptr<FeedPublisher> publisher_;     // PublishDue: feed thread only
  std::unique_ptr<transport::ZapHandler> zap_;  // ZAP thread only; CURVE only
  std::thread zap_thread_;
  std::map<std::string, SteadyClock::time_point> refusals_;  // ZAP thread only
  std::string own_public_key_;                               // CURVE: the hub's public key
  // The principal of a peer holding the hub's own secret key (query socket
  // only): an admin with every right.
  static constexpr const char* kHubPrincipal = "lscb-hub";
  std::shared_ptr<AuditLog> audit_;                          // thread-safe
  BoundEndpoints endpoints_;
  std::atomic<bool> stop_{false};
  std::thread query_thread_, writer_thread_, commit_thread_, view_thread_, feed_thread_;
  CommitSlot commit_slot_;  // writer -> committing thread
  std::mutex replies_mu_;
  std::deque<Reply> replies_;          // guarded by replies_mu_
  std::deque<Reply> pending_replies_;  // receiver thread only
  struct BackupJob {
    std::string out_dir;
    std::promise<std::pair<Status, uint64_t>> done;
  };
  std::mutex jobs_mu_;
  std::deque<std::shared_ptr<BackupJob>> jobs_;  // guarded by jobs_mu_
  mutable std::mutex stats_mu_;
  HubStats stats_;  // guarded by stats_mu_
  // Writer thread only (and Run once the writer has stopped).
  uint64_t checkpointed_seq_ = 0;
  std::atomic<uint64_t> events_since_checkpoint_{0};  // also counted by the committing thread
  SteadyClock::time_point last_checkpoint_ = SteadyClock::now();
  bool retention_checked_ = false;
  SteadyClock::time_point last_retention_check_{};
  // Set in Init, taken by the writer thread (AdoptDeferredChildren).
  std::future<std::pair<Result<ChildHistories>, SteadyClock::duration>> deferred_children_;
  Status fatal_;  // writer thread; read by Run once the writer has stopped
};

}  // namespace

Result<std::unique_ptr<Hub>> Hub::Open(const HubOptions& in) {
  HubOptions options = in;
  if (options.data_dir.empty()) return Status::InvalidArgument("no data folder given (--data-dir)");
  if (!options.clock) options.clock = &SystemClock::Instance();
  if (!options.boards) options.boards = BoardRegistry::Default();
  if (!options.definitions) options.definitions = DefaultDefinitions();
  if (options.max_queued_events < options.max_group_events) options.max_queued_events = options.max_group_events;
  if (!options.curve_secret_key.empty()) {
    if (!transport::CurveAvailable())
      return Status::FailedPrecondition("CURVE is configured but this ZeroMQ library was built without it");
    if (!transport::IsCurveKey(options.curve_secret_key))
      return Status::InvalidArgument("the hub's CURVE secret key is not a key (40 characters of Z85)");
    if (!options.access || options.access->principals().empty())
      return Status::InvalidArgument("CURVE is configured but no principal is: list them ([[principal]])");
    // Under CURVE, subscribers without the raw right are never served
    // unsuppressed figures: disclosure control is on by default.
    if (!options.publish_filter) {
      DisclosureRule rule;
      options.publish_filter = [rule](lscb::v1::Snapshot& s) { SuppressInPlace(s, rule); };
    }
  } else if (options.access) {
    return Status::InvalidArgument("principals are configured but CURVE is not: principals are known by their "
                                   "CURVE keys ([curve] secret_key_file)");
  }
  store::Options so;
  so.sync_writes = options.sync_writes;
  so.before_commit = options.before_commit;
  so.before_read_checkpoint = options.before_read_checkpoint;
  const auto t_open = SteadyClock::now();
  auto store = store::Store::Open(options.data_dir, so);
  if (!store.ok()) return store.status();
  spdlog::info("store {} opened in {} ms", options.data_dir,
               std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t_open).count());
  auto hub = std::make_unique<HubImpl>(options, std::move(store.value()));
  Status s = hub->Init();
  if (!s.ok()) return s;
  return std::unique_ptr<Hub>(std::move(hub));
}

}  // namespace lscb::hub
