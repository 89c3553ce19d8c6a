// lscb-bench: how fast the hub ingests, measured against a real lscb-hub
// process, and the raw ZeroMQ round trip it is built on.
//
//   lscb-bench ingest  [--events N] [--connections P] [--window W] [--batch B]
//                      [--resend F] [--rate R] [--mix csc|all] [--hub-bin PATH] [--json]
//   lscb-bench zmq-rtt [--messages N] [--window W] [--bytes S] [--echo-in process|thread] [--json]
//   lscb-bench restart [--events N] [--queries Q] [--data-dir DIR] [--json]
//
// ingest: starts the hub on a temporary store and 127.0.0.1 ports, publishes
// N synthetic valid events (a share F of them re-sends of records already
// sent, byte-identical) from P DEALER connections, one thread each, with W
// batches of B events in flight per connection, waits for every ack, and
// reports events/s, per-event ack latency (batch sent -> batch acked), the
// hub's peak RSS and CPU time and the size of its store. With --rate R the
// batches are paced to R events/s in total (latency under a fixed load).
//
// restart: builds a store holding N events (in this process, with the hub
// library's IngestProcessor in groups of 4096, then the view's checkpoint,
// as a hub leaves it when stopped), then starts the real lscb-hub on it and
// measures the time from exec to its `ready:` line and to the first snapshot
// answered on the query socket, the latency of Q snapshot queries (one board,
// one period, one in flight) and the hub's peak RSS. --data-dir reuses (or
// keeps) a store so that it is built once.
//
// zmq-rtt: the physical limit: DEALER -> ROUTER echo of S-byte messages with
// W in flight. The echo server is a second process (`lscb-bench zmq-echo`, the
// default), as the hub is to its publishers, or a second thread with its own
// context; on a virtual machine a round trip between processes costs more
// (PERFORMANCE.md).
#include <poll.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <cstdio>
#include <cmath>
#include <deque>
#include <fstream>
#include <iostream>
#include <latch>
#include <optional>
#include <thread>

#include <sys/stat.h>

#include <shared_mutex>

#include "bench_common.h"
#include "core/boards.h"
#include "core/clock.h"
#include "hub/definitions.h"
#include "hub/indicator_view.h"
#include "hub/ingest.h"
#include "hub/maintenance.h"
#include "lscb/v1/wire.pb.h"
#include "store/store.h"

#ifndef LSCB_HUB_BIN
#define LSCB_HUB_BIN "lscb-hub"
#endif

namespace lscb::bench {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A socket that queues without limit (the benchmark bounds what is in
// flight itself) and drops what is unsent when closed.
zmq::socket_t UnboundedSocket(zmq::context_t& ctx, zmq::socket_type type) {
  zmq::socket_t s(ctx, type);
  s.set(zmq::sockopt::sndhwm, 0);
  s.set(zmq::sockopt::rcvhwm, 0);
  s.set(zmq::sockopt::linger, 0);
  return s;
}

// Waits on the socket's notification fd until `until` (or `cap`, whichever
// is sooner), with sub-millisecond precision. The fd is edge-triggered, so
// the caller drains the socket before calling this again.
void WaitReadable(zmq::socket_t& s, int fd, Clock::time_point until, Clock::duration cap) {
  if (s.get(zmq::sockopt::events) & ZMQ_POLLIN) return;
  auto now = Clock::now();
  auto wait = std::min(cap, until > now ? until - now : Clock::duration::zero());
  if (wait <= Clock::duration::zero()) return;
  timespec ts{static_cast<time_t>(Ns(wait) / 1000000000), static_cast<long>(Ns(wait) % 1000000000)};
  pollfd p{fd, POLLIN, 0};
  ::ppoll(&p, 1, &ts, nullptr);
}

// ---------------------------------------------------------------- ingest

struct IngestConfig {
  size_t events = 200000;
  int connections = 2;
  size_t window = 64;
  size_t batch = 64;
  double resend = 0.1;
  double rate = 0;  // events/s offered in total; 0: as fast as acks allow
  std::string hub_bin = LSCB_HUB_BIN;
  std::string hub_prefix;  // e.g. "valgrind --tool=callgrind" (profiling)
  std::vector<std::string> hub_args;
  bool json = false;
  uint64_t seed = 20070401;
  std::string mix = "csc";  // the events' agencies (see Mix)
  double timeout_s = 300;
  bool keep = false;
  std::string label;
  std::string trace_file;  // one line per batch: connection, sent (µs after start), latency (µs)
  bool subscribe = false;  // a live-feed subscriber to every topic during the run
};

struct ConnResult {
  std::vector<int64_t> latency_ns;  // one per event
  uint64_t outcomes[6] = {0, 0, 0, 0, 0, 0};
  size_t acked_batches = 0;
  size_t bad_acks = 0;
  int64_t max_lag_ns = 0;
  Clock::time_point last_ack{};
  std::string error;
  std::vector<std::pair<int64_t, int64_t>> trace;  // (sent ns after start, latency ns) per batch
};

struct InFlight {
  uint64_t id;
  Clock::time_point sent;
  size_t count;
};

void RunPublisher(zmq::context_t& ctx, const std::string& endpoint, const EventSet& set, const IngestConfig& cfg,
                  int conn, std::latch& ready, std::latch& go, const Clock::time_point& start,
                  Clock::time_point deadline, ConnResult& out) {
  const size_t n = set.sends.size();
  const size_t B = std::max<size_t>(1, cfg.batch);
  const size_t total_batches = (n + B - 1) / B;
  std::vector<size_t> mine;  // global batch numbers, round-robin over connections
  for (size_t k = static_cast<size_t>(conn); k < total_batches; k += static_cast<size_t>(cfg.connections))
    mine.push_back(k);
  out.latency_ns.reserve(mine.size() * B);

  zmq::socket_t s = UnboundedSocket(ctx, zmq::socket_type::dealer);
  s.connect(endpoint);
  const int fd = s.get(zmq::sockopt::fd);
  const uint64_t id_base = (uint64_t{static_cast<uint32_t>(conn) + 1} << 40);

  auto send_batch = [&](uint64_t id, size_t first, size_t count) {
    lscb::v1::BatchHeader h;
    h.set_protocol(1);
    h.set_batch_id(id);
    std::string hb = h.SerializeAsString();
    if (count == 0) {
      s.send(zmq::buffer(hb), zmq::send_flags::none);
      return;
    }
    s.send(zmq::buffer(hb), zmq::send_flags::sndmore);
    for (size_t i = 0; i < count; ++i) {
      const std::string& ev = set.encoded[set.sends[first + i]];
      s.send(zmq::buffer(ev), i + 1 == count ? zmq::send_flags::none : zmq::send_flags::sndmore);
    }
  };

  // Warm-up: an empty batch, so the connection is up before the clock starts.
  bool warm = false;
  try {
    send_batch(id_base | 0xFFFFFFFFFFull, 0, 0);
    auto until = Clock::now() + 30s;
    while (!warm && Clock::now() < until) {
      zmq::message_t m;
      if (s.recv(m, zmq::recv_flags::dontwait)) {
        warm = true;
        break;
      }
      WaitReadable(s, fd, until, 100ms);
    }
  } catch (const zmq::error_t& e) {
    out.error = e.what();
  }
  if (!warm && out.error.empty()) out.error = "no answer from the hub to the warm-up batch within 30 s";
  ready.count_down();
  go.wait();
  if (!out.error.empty()) return;

  const double interval_s = cfg.rate > 0 ? static_cast<double>(B) / cfg.rate : 0;
  auto due_of = [&](size_t k) {
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s * k));
  };
  std::deque<InFlight> in_flight;
  size_t next = 0;
  try {
    while (out.acked_batches < mine.size()) {
      // Acks first.
      for (;;) {
        zmq::message_t m;
        if (!s.recv(m, zmq::recv_flags::dontwait)) break;
        auto now = Clock::now();
        lscb::v1::BatchAck ack;
        if (!ack.ParseFromArray(m.data(), static_cast<int>(m.size()))) {
          ++out.bad_acks;
          continue;
        }
        auto it = in_flight.begin();
        while (it != in_flight.end() && it->id != ack.batch_id()) ++it;
        if (it == in_flight.end()) {
          ++out.bad_acks;
          continue;
        }
        if (!ack.error().empty() || static_cast<size_t>(ack.acks_size()) != it->count) ++out.bad_acks;
        for (const auto& a : ack.acks()) {
          int o = static_cast<int>(a.outcome());
          if (o >= 0 && o < 6) ++out.outcomes[o];
        }
        int64_t lat = Ns(now - it->sent);
        out.latency_ns.insert(out.latency_ns.end(), it->count, lat);
        if (!cfg.trace_file.empty()) out.trace.emplace_back(Ns(it->sent - start), lat);
        in_flight.erase(it);
        ++out.acked_batches;
        out.last_ack = now;
      }
      if (out.acked_batches == mine.size()) break;
      auto now = Clock::now();
      if (now > deadline) {
        out.error = "timed out waiting for acks (" + std::to_string(out.acked_batches) + " of " +
                    std::to_string(mine.size()) + " batches acknowledged)";
        break;
      }
      // Then fill the window (paced in rate mode).
      Clock::time_point next_due = Clock::time_point::max();
      while (next < mine.size() && in_flight.size() < cfg.window) {
        size_t k = mine[next];
        if (cfg.rate > 0) {
          auto due = due_of(k);
          if (due > now) {
            next_due = due;
            break;
          }
          out.max_lag_ns = std::max(out.max_lag_ns, Ns(now - due));
        }
        size_t first = k * B;
        size_t count = std::min(B, n - first);
        uint64_t id = id_base | k;
        auto sent = Clock::now();
        send_batch(id, first, count);
        in_flight.push_back({id, sent, count});
        ++next;
        now = Clock::now();
      }
      WaitReadable(s, fd, next_due, 100ms);
    }
  } catch (const zmq::error_t& e) {
    out.error = std::string("zmq: ") + e.what();
  }
}

std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> w;
  std::istringstream in(s);
  std::string x;
  while (in >> x) w.push_back(x);
  return w;
}

int RunIngest(const IngestConfig& cfg) {
  if (cfg.connections < 1 || cfg.window < 1 || cfg.batch < 1 || cfg.events < 1) {
    std::cerr << "lscb-bench ingest: --events, --connections, --window and --batch must be at least 1\n";
    return 2;
  }
  std::string hub_bin = FindOnPath(cfg.hub_bin);
  if (hub_bin.empty()) {
    std::cerr << "lscb-bench ingest: hub binary not found: " << cfg.hub_bin << " (give --hub-bin PATH)\n";
    return 2;
  }
  auto t_gen = Clock::now();
  Mix mix = Mix::kChildrensServices;
  (void)ParseMix(cfg.mix, &mix);  // checked by the option
  EventSet set = MakeEventSet(cfg.events, cfg.resend, cfg.seed, mix);
  if (!cfg.json)
    std::fprintf(stderr, "generated %zu sends (%zu unique, %zu re-sends, %.0f bytes each on average) in %.1f s\n",
                 set.sends.size(), set.encoded.size(), set.resends, set.mean_bytes, Secs(Clock::now() - t_gen));

  std::string tmp = MakeTempDir("lscb-bench");
  if (tmp.empty()) {
    std::cerr << "lscb-bench ingest: cannot create a temporary folder\n";
    return 2;
  }
  std::string data_dir = tmp + "/data";
  std::string ingest = "tcp://127.0.0.1:" + std::to_string(FreePort());
  const std::string feed = "tcp://127.0.0.1:" + std::to_string(FreePort());
  std::vector<std::string> argv = SplitWords(cfg.hub_prefix);
  argv.insert(argv.end(), {hub_bin, "--data-dir", data_dir, "--ingest", ingest, "--feed", feed, "--query",
                           "tcp://127.0.0.1:" + std::to_string(FreePort()), "--http", "off"});
  argv.insert(argv.end(), cfg.hub_args.begin(), cfg.hub_args.end());
  int rc = 0;
  json result;
  {
    Child hub(argv, tmp + "/hub.out", tmp + "/hub.err");
    if (!hub.WaitForErr(kHubReady, cfg.hub_prefix.empty() ? 30s : 300s) || !hub.Running()) {
      std::cerr << "lscb-bench ingest: the hub did not become ready:\n" << hub.Err();
      hub.Stop(5s);
      if (!cfg.keep) RemoveTree(tmp);
      return 1;
    }

    zmq::context_t ctx(1);
    std::vector<ConnResult> results(static_cast<size_t>(cfg.connections));
    std::latch ready(cfg.connections), go(1);
    Clock::time_point start{};
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(cfg.timeout_s));
    // The live feed's subscriber, in a context of its own, like a Board's
    // client: counts the updates and their bytes.
    std::atomic<bool> feed_done{false};
    uint64_t feed_updates = 0, feed_bytes = 0;
    std::thread feed_thread;
    if (cfg.subscribe) {
      feed_thread = std::thread([&] {
        zmq::context_t sub_ctx(1);
        zmq::socket_t sub(sub_ctx, zmq::socket_type::sub);
        sub.set(zmq::sockopt::linger, 0);
        sub.set(zmq::sockopt::subscribe, "");
        sub.set(zmq::sockopt::rcvtimeo, 100);
        sub.connect(feed);
        while (!feed_done.load()) {
          std::vector<zmq::message_t> parts;
          if (!zmq::recv_multipart(sub, std::back_inserter(parts))) continue;
          ++feed_updates;
          for (const auto& m : parts) feed_bytes += m.size();
        }
      });
    }
    std::vector<std::thread> threads;
    for (int c = 0; c < cfg.connections; ++c)
      threads.emplace_back(RunPublisher, std::ref(ctx), ingest, std::cref(set), std::cref(cfg), c, std::ref(ready),
                           std::ref(go), std::cref(start), deadline, std::ref(results[static_cast<size_t>(c)]));
    ready.wait();
    const double client_cpu0 = SelfCpuSeconds();
    start = Clock::now();
    go.count_down();
    for (auto& t : threads) t.join();
    const double client_cpu = SelfCpuSeconds() - client_cpu0;
    feed_done.store(true);
    if (feed_thread.joinable()) feed_thread.join();

    Clock::time_point end = start;
    std::vector<int64_t> lat;
    lat.reserve(set.sends.size());
    uint64_t outcomes[6] = {0, 0, 0, 0, 0, 0};
    size_t bad = 0;
    int64_t max_lag = 0;
    std::string error;
    for (auto& r : results) {
      end = std::max(end, r.last_ack);
      lat.insert(lat.end(), r.latency_ns.begin(), r.latency_ns.end());
      for (int i = 0; i < 6; ++i) outcomes[i] += r.outcomes[i];
      bad += r.bad_acks;
      max_lag = std::max(max_lag, r.max_lag_ns);
      if (!r.error.empty() && error.empty()) error = r.error;
    }
    if (!cfg.trace_file.empty()) {
      std::ofstream t(cfg.trace_file);
      t << "connection sent_us latency_us\n";
      for (size_t c = 0; c < results.size(); ++c)
        for (const auto& [sent, lat] : results[c].trace) t << c << ' ' << sent / 1000 << ' ' << lat / 1000 << '\n';
    }
    const int64_t peak_rss = PeakRssKb(hub.pid());
    const double cpu = CpuSeconds(hub.pid());
    int stop_rc = hub.Stop(60s);
    const int64_t store = DirBytes(data_dir);
    Percentiles p = ComputePercentiles(lat);
    double secs = Secs(end - start);
    const uint64_t acked = outcomes[1] + outcomes[2] + outcomes[3] + outcomes[4] + outcomes[5];
    bool ok = error.empty() && bad == 0 && acked == set.sends.size() &&
              outcomes[lscb::v1::ACCEPTED] + outcomes[lscb::v1::MERGED] == set.encoded.size() &&
              outcomes[lscb::v1::DUPLICATE] == set.resends &&
              outcomes[lscb::v1::REJECTED] == 0 && outcomes[lscb::v1::AMENDED] == 0;

    result = {{"bench", "ingest"},
              {"system", "lscb-hub"},
              {"mode", cfg.rate > 0 ? "rate" : "throughput"},
              {"mix", cfg.mix},
              {"events", set.sends.size()},
              {"unique", set.encoded.size()},
              {"resends", set.resends},
              {"event_bytes", std::round(set.mean_bytes)},
              {"connections", cfg.connections},
              {"window", cfg.window},
              {"batch", cfg.batch},
              {"rate", cfg.rate},
              {"seconds", secs},
              {"events_per_s", secs > 0 ? static_cast<double>(acked) / secs : 0},
              {"batches_per_s", secs > 0 ? static_cast<double>(acked) / static_cast<double>(cfg.batch) / secs : 0},
              {"p50_ms", p.p50_ms},
              {"p99_ms", p.p99_ms},
              {"p999_ms", p.p999_ms},
              {"max_ms", p.max_ms},
              {"mean_ms", p.mean_ms},
              {"max_send_lag_ms", static_cast<double>(max_lag) / 1e6},
              {"server_peak_rss_kb", peak_rss},
              {"server_cpu_s", cpu},
              {"client_cpu_s", client_cpu},
              {"store_bytes", store},
              {"accepted", outcomes[lscb::v1::ACCEPTED]},
              {"duplicate", outcomes[lscb::v1::DUPLICATE]},
              {"amended", outcomes[lscb::v1::AMENDED]},
              {"merged", outcomes[lscb::v1::MERGED]},
              {"rejected", outcomes[lscb::v1::REJECTED]},
              {"feed_subscriber", cfg.subscribe},
              {"feed_updates", feed_updates},
              {"feed_bytes", feed_bytes},
              {"bad_acks", bad},
              {"hub_exit", stop_rc},
              {"ok", ok},
              {"machine", MachineInfo()}};
    if (!error.empty()) result["error"] = error;
    if (!cfg.label.empty()) result["label"] = cfg.label;
    if (!ok) rc = 1;
  }
  if (cfg.keep) result["tmp"] = tmp;
  else RemoveTree(tmp);

  if (cfg.json) {
    std::cout << result.dump() << std::endl;
  } else {
    std::printf(
        "lscb-hub ingest (%s): %zu events (%zu re-sends, ~%.0f B each), P=%d W=%zu B=%zu%s\n"
        "  %.0f events/s in %.2f s\n"
        "  ack latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n"
        "  hub peak RSS %.1f MiB, CPU %.2f s, store %.1f MiB\n"
        "  accepted=%llu duplicate=%llu amended=%llu rejected=%llu  %s\n",
        cfg.rate > 0 ? "fixed rate" : "throughput", set.sends.size(), set.resends, set.mean_bytes, cfg.connections,
        cfg.window, cfg.batch, cfg.rate > 0 ? (" rate=" + std::to_string(static_cast<long>(cfg.rate)) + "/s").c_str() : "",
        result["events_per_s"].get<double>(), result["seconds"].get<double>(), result["p50_ms"].get<double>(),
        result["p99_ms"].get<double>(), result["p999_ms"].get<double>(), result["max_ms"].get<double>(),
        static_cast<double>(result["server_peak_rss_kb"].get<int64_t>()) / 1024.0, result["server_cpu_s"].get<double>(),
        static_cast<double>(result["store_bytes"].get<int64_t>()) / 1048576.0,
        static_cast<unsigned long long>(result["accepted"].get<uint64_t>()),
        static_cast<unsigned long long>(result["duplicate"].get<uint64_t>()),
        static_cast<unsigned long long>(result["amended"].get<uint64_t>()),
        static_cast<unsigned long long>(result["rejected"].get<uint64_t>()),
        result["ok"].get<bool>() ? "OK" : "NOT OK");
    if (cfg.subscribe)
      std::printf("  feed subscriber (every topic): %llu updates, %.1f MiB\n",
                  static_cast<unsigned long long>(result["feed_updates"].get<uint64_t>()),
                  static_cast<double>(result["feed_bytes"].get<uint64_t>()) / 1048576.0);
    if (result.contains("error")) std::printf("  error: %s\n", result["error"].get<std::string>().c_str());
  }
  return rc;
}

// ---------------------------------------------------------------- zmq-rtt

struct RttConfig {
  size_t messages = 100000;
  size_t window = 1;
  size_t bytes = 300;
  bool json = false;
  double timeout_s = 120;
  std::string label;
  std::string echo_in = "process";  // or "thread"
};

// The echo server: a ROUTER bound to `endpoint` that sends every message
// back, with its own context and I/O thread, until `stop` (when given).
void Echo(const std::string& endpoint, const std::atomic<bool>* stop) {
  zmq::context_t ctx(1);
  zmq::socket_t r = UnboundedSocket(ctx, zmq::socket_type::router);
  r.bind(endpoint);
  std::vector<zmq::message_t> parts;
  while (!stop || !stop->load(std::memory_order_relaxed)) {
    zmq::pollitem_t item{r.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, 100ms) <= 0) continue;
    for (;;) {
      parts.clear();
      if (!zmq::recv_multipart(r, std::back_inserter(parts), zmq::recv_flags::dontwait)) break;
      zmq::send_multipart(r, parts);
    }
  }
}

int RunRtt(const RttConfig& cfg) {
  if (cfg.window < 1 || cfg.messages < 1) {
    std::cerr << "lscb-bench zmq-rtt: --messages and --window must be at least 1\n";
    return 2;
  }
  if (cfg.echo_in != "process" && cfg.echo_in != "thread") {
    std::cerr << "lscb-bench zmq-rtt: --echo-in must be process or thread\n";
    return 2;
  }
  // The client connects at once; ZeroMQ connects it once the echo listens.
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(FreePort());
  std::atomic<bool> stop{false};
  std::thread echo;
  std::optional<Child> echo_process;  // `lscb-bench zmq-echo`, as the hub is a process of its own
  std::string tmp;
  if (cfg.echo_in == "thread") {
    echo = std::thread([&] { Echo(endpoint, &stop); });
  } else {
    tmp = MakeTempDir("lscb-bench-echo");
    echo_process.emplace(std::vector<std::string>{"/proc/self/exe", "zmq-echo", "--endpoint", endpoint},
                         tmp + "/echo.out", tmp + "/echo.err");
  }

  zmq::context_t ctx(1);
  zmq::socket_t s = UnboundedSocket(ctx, zmq::socket_type::dealer);
  s.connect(endpoint);
  const int fd = s.get(zmq::sockopt::fd);
  std::string payload(cfg.bytes, 'x');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);

  // Warm-up: the first echo, once the server listens.
  std::string error;
  s.send(zmq::buffer(payload), zmq::send_flags::none);
  {
    zmq::message_t m;
    auto until = Clock::now() + 10s;
    bool echoed = false;
    while (!(echoed = s.recv(m, zmq::recv_flags::dontwait).has_value()) && Clock::now() < until)
      WaitReadable(s, fd, until, 100ms);
    if (!echoed) error = "no echo within 10 s" + (echo_process ? ": " + echo_process->Err() : std::string());
  }

  std::vector<int64_t> lat;
  lat.reserve(cfg.messages);
  std::deque<Clock::time_point> sent;  // echoes come back in order
  size_t next = 0, done = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg.timeout_s));
  while (error.empty() && done < cfg.messages) {
    for (;;) {
      zmq::message_t m;
      if (!s.recv(m, zmq::recv_flags::dontwait)) break;
      lat.push_back(Ns(Clock::now() - sent.front()));
      sent.pop_front();
      ++done;
    }
    if (done == cfg.messages) break;
    if (Clock::now() > deadline) {
      error = "timed out";
      break;
    }
    while (next < cfg.messages && sent.size() < cfg.window) {
      sent.push_back(Clock::now());
      s.send(zmq::buffer(payload), zmq::send_flags::none);
      ++next;
    }
    WaitReadable(s, fd, Clock::time_point::max(), 100ms);
  }
  auto end = Clock::now();
  stop.store(true);
  if (echo.joinable()) echo.join();
  if (echo_process) {
    echo_process->Stop(1s);
    RemoveTree(tmp);
  }
  Percentiles p = ComputePercentiles(lat);
  double secs = Secs(end - start);
  json result = {{"bench", "zmq-rtt"},
                 {"system", "zeromq"},
                 {"messages", done},
                 {"window", cfg.window},
                 {"bytes", cfg.bytes},
                 {"echo_in", cfg.echo_in},
                 {"seconds", secs},
                 {"msgs_per_s", secs > 0 ? static_cast<double>(done) / secs : 0},
                 {"p50_ms", p.p50_ms},
                 {"p99_ms", p.p99_ms},
                 {"p999_ms", p.p999_ms},
                 {"max_ms", p.max_ms},
                 {"mean_ms", p.mean_ms},
                 {"ok", error.empty()},
                 {"machine", MachineInfo()}};
  if (!error.empty()) result["error"] = error;
  if (!cfg.label.empty()) result["label"] = cfg.label;
  if (cfg.json) {
    std::cout << result.dump() << std::endl;
  } else {
    std::printf("zmq-rtt: %zu messages of %zu B, W=%zu: %.0f msgs/s; RTT ms p50 %.3f p99 %.3f p99.9 %.3f\n", done,
                cfg.bytes, cfg.window, result["msgs_per_s"].get<double>(), p.p50_ms, p.p99_ms, p.p999_ms);
  }
  return error.empty() ? 0 : 1;
}

// ---------------------------------------------------------------- report

struct RestartConfig {
  size_t events = 10'000'000;
  int queries = 5000;
  std::string board = "E09000011";
  std::string period = "2023-06";
  std::string hub_bin = LSCB_HUB_BIN;
  std::string data_dir;  // reuse / keep the store here
  uint64_t seed = 7;
  bool json = false;
  std::string label;
};

// Builds the store in process: the hub library's ingest path, as fast as
// one thread goes, then the checkpoint a stopped hub leaves.
bool BuildStore(const RestartConfig& cfg, const std::string& dir, uint64_t* accepted, double* secs) {
  auto t0 = Clock::now();
  auto store = store::Store::Open(dir, store::Options{});
  if (!store.ok()) {
    std::cerr << "lscb-bench restart: " << store.status().ToString() << "\n";
    return false;
  }
  auto boards = BoardRegistry::Default();
  auto defs = hub::DefaultDefinitions();
  hub::IndicatorView view(boards, defs);
  std::shared_mutex mu;
  SystemClock clock;
  hub::IngestProcessor proc(**store, view, mu, boards, defs, clock);
  constexpr size_t kChunk = 250'000, kGroup = 4096;
  size_t done = 0, next_report = 1'000'000;
  for (uint64_t chunk = 0; done < cfg.events; ++chunk) {
    // Each chunk has its own children (about five events each) and record ids.
    EventSet set = MakeEventSet(std::min(kChunk, cfg.events - done), 0.0, cfg.seed * 1'000'003 + chunk);
    std::vector<hub::IncomingEvent> group;
    for (size_t i = 0; i < set.encoded.size(); i += kGroup) {
      group.clear();
      for (size_t j = i; j < std::min(set.encoded.size(), i + kGroup); ++j)
        group.push_back({set.encoded[j], "anonymous"});
      auto acks = proc.ProcessGroup(group);
      if (!acks.ok()) {
        std::cerr << "lscb-bench restart: " << acks.status().ToString() << "\n";
        return false;
      }
      for (const auto& a : *acks) *accepted += a.outcome() == lscb::v1::ACCEPTED;
    }
    done += set.encoded.size();
    if (!cfg.json && done >= next_report) {
      std::fprintf(stderr, "  %zu events stored (%.0f s)\n", done, Secs(Clock::now() - t0));
      next_report += 1'000'000;
    }
  }
  Status s;
  {
    std::shared_lock lock(mu);
    s = hub::SaveViewCheckpoint(**store, view, proc.applied_seq());
  }
  if (!s.ok()) {
    std::cerr << "lscb-bench restart: checkpoint: " << s.ToString() << "\n";
    return false;
  }
  *secs = Secs(Clock::now() - t0);
  return true;
}

int RunRestart(const RestartConfig& cfg) {
  if (cfg.events < 1 || cfg.queries < 1) {
    std::cerr << "lscb-bench restart: --events and --queries must be at least 1\n";
    return 2;
  }
  std::string hub_bin = FindOnPath(cfg.hub_bin);
  if (hub_bin.empty()) {
    std::cerr << "lscb-bench restart: hub binary not found: " << cfg.hub_bin << " (give --hub-bin PATH)\n";
    return 2;
  }
  std::string tmp = MakeTempDir("lscb-bench-restart");
  if (tmp.empty()) {
    std::cerr << "lscb-bench restart: cannot create a temporary folder\n";
    return 2;
  }
  const std::string dir = cfg.data_dir.empty() ? tmp + "/data" : cfg.data_dir;
  struct stat st {};
  const bool reuse = ::stat((dir + "/CURRENT").c_str(), &st) == 0;
  uint64_t accepted = 0;
  double build_s = 0;
  if (!reuse) {
    if (!cfg.json) std::fprintf(stderr, "building a store of %zu events in %s\n", cfg.events, dir.c_str());
    if (!BuildStore(cfg, dir, &accepted, &build_s)) {
      if (cfg.data_dir.empty()) RemoveTree(tmp);
      return 1;
    }
  }
  const int64_t store_bytes = DirBytes(dir);

  const std::string query = "tcp://127.0.0.1:" + std::to_string(FreePort());
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(FreePort());
  std::vector<std::string> argv = {hub_bin, "--data-dir", dir, "--ingest", ingest, "--feed",
                                   "tcp://127.0.0.1:" + std::to_string(FreePort()), "--query", query, "--http", "off"};
  lscb::v1::QueryRequest req;
  req.mutable_snapshot()->set_board(cfg.board);
  req.mutable_snapshot()->set_period(cfg.period);
  const std::string request = req.SerializeAsString();

  int rc = 0;
  json result;
  {
    zmq::context_t ctx(1);
    zmq::socket_t sock(ctx, zmq::socket_type::req);
    sock.set(zmq::sockopt::linger, 0);
    const auto t_exec = Clock::now();
    Child hub(argv, tmp + "/hub.out", tmp + "/hub.err");
    // The first query is sent at once: it waits in the socket until the hub binds.
    sock.connect(query);
    // So is an empty ingest batch, which the hub's writer answers once it
    // takes events (after the children's histories are back).
    zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(ingest);
    {
      lscb::v1::BatchHeader h;
      h.set_protocol(1);
      h.set_batch_id(1);
      dealer.send(zmq::buffer(h.SerializeAsString()), zmq::send_flags::none);
    }
    Clock::time_point t_ready{}, t_first{}, t_ingest{};
    std::thread ingest_watch([&] {
      zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
      const auto end = Clock::now() + 600s;
      while (Clock::now() < end && hub.Running()) {
        if (zmq::poll(&item, 1, 100ms) > 0) {
          t_ingest = Clock::now();
          return;
        }
      }
    });
    std::atomic<bool> ready_seen{false};
    std::thread watch([&] {
      const auto end = Clock::now() + 600s;
      while (Clock::now() < end && hub.Running()) {
        if (hub.Err().find(kHubReady) != std::string::npos) {
          t_ready = Clock::now();
          ready_seen = true;
          return;
        }
        std::this_thread::sleep_for(1ms);
      }
    });
    std::string error;
    std::vector<int64_t> lat;
    lat.reserve(static_cast<size_t>(cfg.queries));
    size_t cells = 0;
    auto ask = [&](Clock::duration timeout) -> bool {
      sock.send(zmq::buffer(request), zmq::send_flags::none);
      const auto end = Clock::now() + timeout;
      zmq::pollitem_t item{sock.handle(), 0, ZMQ_POLLIN, 0};
      while (Clock::now() < end) {
        if (zmq::poll(&item, 1, 100ms) > 0) {
          zmq::message_t m;
          if (!sock.recv(m)) break;
          lscb::v1::QueryReply reply;
          if (!reply.ParseFromArray(m.data(), static_cast<int>(m.size())) || !reply.error().empty()) {
            error = "bad reply: " + reply.error();
            return false;
          }
          cells = static_cast<size_t>(reply.snapshot().cells_size());
          return true;
        }
      }
      error = "no reply";
      return false;
    };
    if (ask(600s)) {
      t_first = Clock::now();
      for (int i = 0; i < cfg.queries && error.empty(); ++i) {
        auto t0 = Clock::now();
        if (!ask(10s)) break;
        lat.push_back(Ns(Clock::now() - t0));
      }
    }
    watch.join();
    ingest_watch.join();
    // One new event, so that the memory of taking events after a restart
    // counts too (the idempotency keys' filter, filled in the background
    // from the first look-up): its ack, then until the peak RSS has not
    // grown for 2 s (at most 60 s).
    if (t_ingest != Clock::time_point{}) {
      EventSet one = MakeEventSet(1, 0.0, cfg.seed * 1'000'003 + 999'999);
      lscb::v1::BatchHeader h;
      h.set_protocol(1);
      h.set_batch_id(2);
      dealer.send(zmq::buffer(h.SerializeAsString()), zmq::send_flags::sndmore);
      dealer.send(zmq::buffer(one.encoded[0]), zmq::send_flags::none);
      zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 60s) > 0) {
        int64_t last = PeakRssKb(hub.pid());
        auto grew = Clock::now();
        for (auto end = Clock::now() + 60s; Clock::now() < end && Clock::now() - grew < 2s;) {
          std::this_thread::sleep_for(200ms);
          const int64_t now = PeakRssKb(hub.pid());
          if (now != last) grew = Clock::now();
          last = now;
        }
      } else if (error.empty()) {
        error = "no ack for an event sent after the queries";
      }
    }
    const int64_t peak_rss = PeakRssKb(hub.pid());
    const double cpu = CpuSeconds(hub.pid());
    std::string log_position;
    {
      std::string err = hub.Err();
      auto at = err.find("log_position=");
      if (at != std::string::npos) log_position = err.substr(at + 13, err.find(' ', at) - at - 13);
    }
    const int stop_rc = hub.Stop(60s);
    if (!ready_seen && error.empty()) error = "the hub did not log ready";
    Percentiles p = ComputePercentiles(lat);
    result = {{"bench", "restart"},
              {"system", "lscb-hub"},
              {"events", cfg.events},
              {"store_built", !reuse},
              {"accepted", accepted},
              {"build_s", build_s},
              {"store_mib", static_cast<double>(store_bytes) / (1 << 20)},
              {"log_position", log_position},
              {"ready_ms", ready_seen ? Secs(t_ready - t_exec) * 1000 : -1.0},
              {"first_snapshot_ms", t_first != Clock::time_point{} ? Secs(t_first - t_exec) * 1000 : -1.0},
              {"first_ingest_ack_ms", t_ingest != Clock::time_point{} ? Secs(t_ingest - t_exec) * 1000 : -1.0},
              {"queries", lat.size()},
              {"snapshot_cells", cells},
              {"query_p50_ms", p.p50_ms},
              {"query_p99_ms", p.p99_ms},
              {"query_max_ms", p.max_ms},
              {"server_peak_rss_mib", static_cast<double>(peak_rss) / 1024},
              {"server_cpu_s", cpu},
              {"hub_exit", stop_rc},
              {"label", cfg.label},
              {"machine", MachineInfo()}};
    if (!error.empty()) {
      result["error"] = error;
      std::cerr << "lscb-bench restart: " << error << "\n" << hub.Err();
      rc = 1;
    }
  }
  if (cfg.json) {
    std::cout << result.dump() << std::endl;
  } else {
    std::printf("store: %zu events, %.0f MiB%s\n", cfg.events, result["store_mib"].get<double>(),
                reuse ? " (reused)" : "");
    if (!reuse) std::printf("built in %.1f s (%.0f events/s)\n", build_s, static_cast<double>(cfg.events) / build_s);
    std::printf("exec -> ready: %.0f ms; exec -> first snapshot answered: %.0f ms; exec -> first ingest ack: %.0f ms\n",
                result["ready_ms"].get<double>(), result["first_snapshot_ms"].get<double>(),
                result["first_ingest_ack_ms"].get<double>());
    std::printf("snapshot %s %s (%zu cells), %zu queries one in flight: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                cfg.board.c_str(), cfg.period.c_str(), result["snapshot_cells"].get<size_t>(),
                result["queries"].get<size_t>(), result["query_p50_ms"].get<double>(),
                result["query_p99_ms"].get<double>(), result["query_max_ms"].get<double>());
    std::printf("log position at start: %s\n", result["log_position"].get<std::string>().c_str());
    std::printf("hub peak RSS (VmHWM): %.0f MiB\n", result["server_peak_rss_mib"].get<double>());
  }
  RemoveTree(tmp);  // a --data-dir store is outside it and stays
  return rc;
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Fmt(double v, int decimals) {
  if (std::isnan(v)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Thousands(double v) {
  if (std::isnan(v)) return "–";
  std::string digits = std::to_string(std::llabs(std::llround(v)));
  std::string out = v < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Runs of one system under one label.
struct Group {
  std::string label, system;
  std::vector<json> runs;
  double Med(const std::string& key) const {
    std::vector<double> v;
    for (const auto& r : runs)
      if (r.contains(key) && r[key].is_number()) v.push_back(r[key].get<double>());
    return Median(v);
  }
  bool AllOk() const {
    for (const auto& r : runs)
      if (!r.value("ok", false)) return false;
    return true;
  }
  std::string Config() const {
    const json& r = runs.front();
    char buf[200];
    if (system == "lscb-hub") {
      std::snprintf(buf, sizeof buf, "P=%d W=%d B=%d", r.value("connections", 0), r.value("window", 0),
                    r.value("batch", 0));
    } else if (system == "nats-jetstream") {
      if (r.value("mode", "") == "sync")
        std::snprintf(buf, sizeof buf, "sync, P=%d", r.value("connections", 0));
      else
        std::snprintf(buf, sizeof buf, "async, max pending %d, P=%d", r.value("max_pending", 0),
                      r.value("connections", 0));
    } else {
      std::snprintf(buf, sizeof buf, "echo, W=%d, %d B", r.value("window", 0), r.value("bytes", 0));
    }
    std::string c = buf;
    double rate = r.value("rate", 0.0);
    if (rate > 0) c += ", " + Thousands(rate) + " ev/s offered";
    if (r.value("feed_subscriber", false)) c += ", a feed subscriber to every topic";
    if (r.contains("events") && r.value("resends", 0) > 0)
      c += ", " + Fmt(100.0 * r.value("resends", 0) / r.value("events", 1), 0) + "% re-sends";
    return c;
  }
  double Rate() const { return system.starts_with("zeromq") ? Med("msgs_per_s") : Med("events_per_s"); }
};

int RunReport(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "lscb-bench report: cannot read " << file << "\n";
    return 2;
  }
  std::vector<Group> groups;
  std::string line;
  while (std::getline(in, line)) {
    json r = json::parse(line, nullptr, false);
    if (r.is_discarded() || !r.is_object() || !r.contains("system")) continue;
    std::string label = r.value("label", r.value("bench", ""));
    std::string system = r["system"].get<std::string>();
    // Runs before --echo-in had the echo in a thread.
    if (system == "zeromq" && r.value("echo_in", "thread") == "thread") system = "zeromq-thread";
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.label == label && g.system == system; });
    if (it == groups.end()) {
      groups.push_back({label, system, {}});
      it = groups.end() - 1;
    }
    it->runs.push_back(std::move(r));
  }
  if (groups.empty()) {
    std::cerr << "lscb-bench report: no results in " << file << "\n";
    return 1;
  }
  auto name = [](const std::string& system) {
    return system == "lscb-hub"         ? "lscb-hub"
           : system == "nats-jetstream" ? "NATS JetStream"
           : system == "zeromq"         ? "raw ZeroMQ, echo in another process"
                                        : "raw ZeroMQ, echo in a thread";
  };
  std::printf("| mode | system | configuration | runs | events/s | ack p50 ms | ack p99 ms | ack p99.9 ms | "
              "server peak RSS MiB | server CPU µs/event | client CPU µs/event | store MiB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& g : groups) {
    const bool zmq = g.system.starts_with("zeromq");
    const bool server = !zmq;
    double n = zmq ? g.Med("messages") : g.Med("events");
    std::printf("| %s | %s | %s | %zu%s | %s | %s | %s | %s | %s | %s | %s | %s |\n", g.label.c_str(),
                name(g.system), g.Config().c_str(), g.runs.size(), g.AllOk() ? "" : " (not all OK)",
                Thousands(g.Rate()).c_str(), Fmt(g.Med("p50_ms"), 3).c_str(), Fmt(g.Med("p99_ms"), 3).c_str(),
                Fmt(g.Med("p999_ms"), 3).c_str(), server ? Fmt(g.Med("server_peak_rss_kb") / 1024.0, 0).c_str() : "–",
                server ? Fmt(g.Med("server_cpu_s") / n * 1e6, 1).c_str() : "–",
                server ? Fmt(g.Med("client_cpu_s") / n * 1e6, 1).c_str() : "–",
                server ? Fmt(g.Med("store_bytes") / 1048576.0, 1).c_str() : "–");
  }

  // Ratios, per label: hub against each other system there.
  std::printf("\n| mode | comparison (medians) | value | target | met |\n|---|---|---|---|---|\n");
  for (const auto& hub : groups) {
    if (hub.system != "lscb-hub") continue;
    const bool rate_mode = hub.runs.front().value("rate", 0.0) > 0;
    for (const auto& peer : groups) {
      if (peer.label != hub.label || peer.system == "lscb-hub") continue;
      if (rate_mode) {
        double r = hub.Med("p99_ms") / peer.Med("p99_ms");
        std::printf("| %s | ack p99: lscb-hub / %s (lower is better) | %s× | | |\n", hub.label.c_str(),
                    name(peer.system), Fmt(r, 2).c_str());
        continue;
      }
      double r = hub.Rate() / peer.Rate();
      std::string target, met;
      if (hub.label == "throughput" && peer.system == "nats-jetstream") target = "≥ 1.3×", met = r >= 1.3 ? "yes" : "no";
      if (hub.label == "one-in-flight" && peer.system == "zeromq") target = "≥ 0.9×", met = r >= 0.9 ? "yes" : "no";
      std::printf("| %s | events/s: lscb-hub / %s | %s× | %s | %s |\n", hub.label.c_str(), name(peer.system),
                  Fmt(r, 2).c_str(), target.c_str(), met.c_str());
    }
    if (rate_mode) {
      double p99 = hub.Med("p99_ms");
      std::printf("| %s | lscb-hub ack p99 at %s events/s offered | %s ms | < 2 ms | %s |\n", hub.label.c_str(),
                  Thousands(hub.runs.front().value("rate", 0.0)).c_str(), Fmt(p99, 3).c_str(),
                  p99 < 2.0 ? "yes" : "no");
    }
  }
  return 0;
}

}  // namespace
}  // namespace lscb::bench

int main(int argc, char** argv) {
  using namespace lscb::bench;
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"lscb-bench: ingest benchmark against a real lscb-hub, and the raw ZeroMQ round trip"};
  app.require_subcommand(1);

  IngestConfig ic;
  auto* ingest = app.add_subcommand("ingest", "publish synthetic events to a freshly started hub");
  ingest->add_option("--events", ic.events, "events sent, re-sends included")->capture_default_str();
  ingest->add_option("--connections", ic.connections, "publisher connections (DEALER, one thread each)")
      ->capture_default_str();
  ingest->add_option("--window", ic.window, "batches in flight per connection")->capture_default_str();
  ingest->add_option("--batch", ic.batch, "events per batch (message)")->capture_default_str();
  ingest->add_option("--resend", ic.resend, "share of sends repeating an already-sent record")->capture_default_str();
  ingest->add_option("--rate", ic.rate, "offered events/s in total, paced; 0: as fast as acks allow")
      ->capture_default_str();
  ingest->add_option("--hub-bin", ic.hub_bin, "the lscb-hub binary")->capture_default_str();
  ingest->add_option("--hub-prefix", ic.hub_prefix, "command words put before the hub (profilers)");
  ingest->add_option("--hub-arg", ic.hub_args, "extra argument for the hub (repeatable), e.g. --hub-arg=--sync-writes");
  ingest->add_option("--seed", ic.seed, "event generator seed")->capture_default_str();
  ingest->add_option("--mix", ic.mix, "csc: children's services' events; all: also the police's and A&E's")
      ->check(CLI::IsMember({"csc", "all"}))
      ->capture_default_str();
  ingest->add_option("--timeout", ic.timeout_s, "give up after this many seconds")->capture_default_str();
  ingest->add_flag("--keep", ic.keep, "keep the temporary folder (store and hub logs)");
  ingest->add_flag("--json", ic.json, "print one JSON line");
  ingest->add_option("--label", ic.label, "a name for this run, copied into the JSON line");
  ingest->add_option("--trace", ic.trace_file, "write each batch's send time and ack latency to this file");
  ingest->add_flag("--subscribe", ic.subscribe, "subscribe to every topic of the live feed during the run");

  RttConfig rc;
  auto* rtt = app.add_subcommand("zmq-rtt", "raw DEALER -> ROUTER echo round trip");
  rtt->add_option("--messages", rc.messages, "round trips")->capture_default_str();
  rtt->add_option("--window", rc.window, "messages in flight")->capture_default_str();
  rtt->add_option("--bytes", rc.bytes, "message size")->capture_default_str();
  rtt->add_option("--timeout", rc.timeout_s, "give up after this many seconds")->capture_default_str();
  rtt->add_option("--echo-in", rc.echo_in, "the echo server in another process (as the hub is) or a thread")
      ->capture_default_str();
  rtt->add_flag("--json", rc.json, "print one JSON line");
  rtt->add_option("--label", rc.label, "a name for this run, copied into the JSON line");

  std::string echo_endpoint;  // zmq-rtt's echo in another process; runs until stopped
  auto* echo = app.add_subcommand("zmq-echo", "")->group("");
  echo->add_option("--endpoint", echo_endpoint)->required();

  RestartConfig sc;
  auto* restart = app.add_subcommand("restart", "restart time, peak RSS and snapshot latency on a large store");
  restart->add_option("--events", sc.events, "events in the store")->capture_default_str();
  restart->add_option("--queries", sc.queries, "snapshot queries timed, one in flight")->capture_default_str();
  restart->add_option("--board", sc.board, "the board queried")->capture_default_str();
  restart->add_option("--period", sc.period, "the period queried")->capture_default_str();
  restart->add_option("--hub-bin", sc.hub_bin, "the lscb-hub binary")->capture_default_str();
  restart->add_option("--data-dir", sc.data_dir, "build the store here and keep it; reused when it exists");
  restart->add_option("--seed", sc.seed, "event generator seed")->capture_default_str();
  restart->add_flag("--json", sc.json, "print one JSON line");
  restart->add_option("--label", sc.label, "a name for this run, copied into the JSON line");

  std::string report_file;
  auto* report = app.add_subcommand("report", "markdown table of medians from a file of JSON lines");
  report->add_option("file", report_file, "JSON lines from --json runs (with --label)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (ingest->parsed()) return RunIngest(ic);
    if (rtt->parsed()) return RunRtt(rc);
    if (echo->parsed()) {
      Echo(echo_endpoint, nullptr);
      return 0;
    }
    if (restart->parsed()) return RunRestart(sc);
    if (report->parsed()) return RunReport(report_file);
  } catch (const std::exception& e) {
    std::cerr << "lscb-bench: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
