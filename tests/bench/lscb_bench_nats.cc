// lscb-bench-nats: the peer benchmark. Publishes the same encoded events as
// `lscb-bench ingest` (same generator, same seed), with the same record ids
// as Nats-Msg-Id headers, to a NATS JetStream stream with file storage and a
// duplicate window, on a nats-server started here on 127.0.0.1 and a random
// free port (-js -sd TMPDIR) and stopped afterwards.
//
//   lscb-bench-nats [--events N] [--resend F] [--mode async|sync]
//                   [--max-pending 4000] [--connections P] [--mix csc|all] [--json]
//
// async: js_PublishMsgAsync with at most --max-pending acks outstanding per
// connection, then js_PublishAsyncComplete. sync: js_PublishMsg, one in
// flight. Reports events/s, ack latency (publish -> ack), the server's peak
// RSS and CPU time and the size of its store; checks that the stream holds
// exactly the unique records and that every re-send came back as duplicate.
#include <nats/nats.h>
#include <signal.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <latch>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bench_common.h"

namespace lscb::bench {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kSubject = "lscb.events";
constexpr const char* kStream = "LSCB";

struct Config {
  size_t events = 200000;
  double resend = 0.1;
  std::string mode = "async";
  int64_t max_pending = 4000;
  int connections = 1;
  double dup_window_s = 120;
  std::string server_bin = "nats-server";
  bool send_asap = false;
  bool json = false;
  uint64_t seed = 20070401;
  std::string mix = "csc";  // the events' agencies (see Mix)
  double timeout_s = 300;
  bool keep = false;
  double rate = 0;  // async: offered events/s in total, paced; 0: as fast as possible
  std::string label;
};

struct ConnState {
  std::mutex mu;
  std::unordered_map<const natsMsg*, Clock::time_point> sent;  // async: in flight
  std::vector<int64_t> latency_ns;
  std::atomic<uint64_t> stored{0}, duplicate{0}, errors{0};
  Clock::time_point last_ack{};
  std::string error;
};

void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* st = static_cast<ConnState*>(closure);
  auto now = Clock::now();
  if (pa) {
    if (pa->Duplicate) st->duplicate.fetch_add(1, std::memory_order_relaxed);
    else st->stored.fetch_add(1, std::memory_order_relaxed);
  } else {
    st->errors.fetch_add(1, std::memory_order_relaxed);
  }
  (void)pae;
  {
    std::lock_guard lock(st->mu);
    auto it = st->sent.find(msg);
    if (it != st->sent.end()) {
      st->latency_ns.push_back(Ns(now - it->second));
      st->sent.erase(it);
    }
    st->last_ack = now;
  }
  natsMsg_Destroy(msg);
}

std::string NatsError(natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  return std::string(natsStatus_GetText(s)) + (last && *last ? std::string(" (") + last + ")" : "");
}

void Publish(const Config& cfg, const std::string& url, const EventSet& set, int conn, std::latch& ready,
             std::latch& go, const Clock::time_point& start, ConnState& st) {
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK && cfg.send_asap) s = natsOptions_SetSendAsap(opts, true);
  if (s == NATS_OK) s = natsConnection_Connect(&nc, opts);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 30000;
  jo.PublishAsync.MaxPending = cfg.max_pending;
  jo.PublishAsync.StallWait = 10000;  // wait for room rather than fail when the machine is briefly busy
  jo.PublishAsync.AckHandler = OnAck;
  jo.PublishAsync.AckHandlerClosure = &st;
  if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, &jo);
  if (s != NATS_OK) st.error = "connect: " + NatsError(s);
  const bool async = cfg.mode == "async";
  std::vector<size_t> mine;
  for (size_t i = static_cast<size_t>(conn); i < set.sends.size(); i += static_cast<size_t>(cfg.connections))
    mine.push_back(i);
  st.latency_ns.reserve(mine.size());
  ready.count_down();
  go.wait();

  for (size_t i : mine) {
    if (!st.error.empty()) break;
    if (cfg.rate > 0) {  // paced: send i is due at start + i / rate
      auto due = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(static_cast<double>(i) / cfg.rate));
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
    uint32_t rec = set.sends[i];
    const std::string& data = set.encoded[rec];
    natsMsg* msg = nullptr;
    s = natsMsg_Create(&msg, kSubject, nullptr, data.data(), static_cast<int>(data.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", set.ids[rec].c_str());
    if (s != NATS_OK) {
      st.error = "message: " + NatsError(s);
      natsMsg_Destroy(msg);
      break;
    }
    if (async) {
      {
        std::lock_guard lock(st.mu);
        st.sent.emplace(msg, Clock::now());
      }
      const natsMsg* key = msg;
      s = js_PublishMsgAsync(js, &msg, nullptr);
      if (s != NATS_OK) {
        std::lock_guard lock(st.mu);
        st.sent.erase(key);
        st.error = "publish: " + NatsError(s);
      }
      natsMsg_Destroy(msg);  // no-op when the library took it
    } else {
      jsPubAck* pa = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      auto t0 = Clock::now();
      s = js_PublishMsg(&pa, js, msg, nullptr, &jerr);
      auto t1 = Clock::now();
      if (s == NATS_OK && pa) {
        st.latency_ns.push_back(Ns(t1 - t0));
        if (pa->Duplicate) ++st.duplicate;
        else ++st.stored;
        st.last_ack = t1;
      } else {
        ++st.errors;
        st.error = "publish: " + NatsError(s);
      }
      jsPubAck_Destroy(pa);
      natsMsg_Destroy(msg);
    }
  }
  if (async && st.error.empty()) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = static_cast<int64_t>(cfg.timeout_s * 1000);
    s = js_PublishAsyncComplete(js, &po);
    if (s != NATS_OK) st.error = "waiting for acks: " + NatsError(s);
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  natsOptions_Destroy(opts);
}

int Run(const Config& cfg) {
  if (cfg.mode != "async" && cfg.mode != "sync") {
    std::cerr << "lscb-bench-nats: --mode is async or sync\n";
    return 2;
  }
  if (cfg.rate > 0 && cfg.mode != "async") {
    std::cerr << "lscb-bench-nats: --rate is for --mode async\n";
    return 2;
  }
  if (cfg.connections < 1 || cfg.events < 1 || cfg.max_pending < 1) {
    std::cerr << "lscb-bench-nats: --events, --connections and --max-pending must be at least 1\n";
    return 2;
  }
  std::string server = FindOnPath(cfg.server_bin);
  if (server.empty()) {
    std::cerr << "lscb-bench-nats: " << cfg.server_bin
              << " not found (apt-get install nats-server, or give --nats-server PATH)\n";
    return 2;
  }
  Mix mix = Mix::kChildrensServices;
  (void)ParseMix(cfg.mix, &mix);  // checked by the option
  EventSet set = MakeEventSet(cfg.events, cfg.resend, cfg.seed, mix);
  std::string tmp = MakeTempDir("lscb-bench-nats");
  if (tmp.empty()) {
    std::cerr << "lscb-bench-nats: cannot create a temporary folder\n";
    return 2;
  }
  std::string store_dir = tmp + "/js";
  int port = FreePort();
  std::string url = "nats://127.0.0.1:" + std::to_string(port);
  json result;
  int rc = 0;
  {
    Child srv({server, "-a", "127.0.0.1", "-p", std::to_string(port), "-js", "-sd", store_dir}, tmp + "/nats.out",
              tmp + "/nats.err");
    if (!srv.WaitForErr("Server is ready", 30s)) {
      std::cerr << "lscb-bench-nats: nats-server did not become ready:\n" << srv.Err();
      srv.Stop(5s);
      if (!cfg.keep) RemoveTree(tmp);
      return 1;
    }

    // The stream: file storage, duplicate window.
    std::string setup_error;
    {
      natsConnection* nc = nullptr;
      jsCtx* js = nullptr;
      natsStatus s = natsConnection_ConnectTo(&nc, url.c_str());
      if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, nullptr);
      jsStreamConfig sc;
      jsStreamConfig_Init(&sc);
      const char* subjects[] = {kSubject};
      sc.Name = kStream;
      sc.Subjects = subjects;
      sc.SubjectsLen = 1;
      sc.Storage = js_FileStorage;
      sc.Duplicates = static_cast<int64_t>(cfg.dup_window_s * 1e9);  // nanoseconds
      jsErrCode jerr = static_cast<jsErrCode>(0);
      if (s == NATS_OK) s = js_AddStream(nullptr, js, &sc, nullptr, &jerr);
      if (s != NATS_OK) setup_error = "creating the stream: " + NatsError(s);
      jsCtx_Destroy(js);
      natsConnection_Destroy(nc);
    }

    std::vector<ConnState> states(static_cast<size_t>(cfg.connections));
    Clock::time_point start{};
    double client_cpu = 0;
    if (setup_error.empty()) {
      std::latch ready(cfg.connections), go(1);
      std::vector<std::thread> threads;
      for (int c = 0; c < cfg.connections; ++c)
        threads.emplace_back(Publish, std::cref(cfg), url, std::cref(set), c, std::ref(ready), std::ref(go),
                             std::cref(start), std::ref(states[static_cast<size_t>(c)]));
      ready.wait();
      client_cpu = -SelfCpuSeconds();
      start = Clock::now();
      go.count_down();
      for (auto& t : threads) t.join();
      client_cpu += SelfCpuSeconds();
    }

    // What the stream holds.
    uint64_t stream_msgs = 0;
    if (setup_error.empty()) {
      natsConnection* nc = nullptr;
      jsCtx* js = nullptr;
      jsStreamInfo* si = nullptr;
      natsStatus s = natsConnection_ConnectTo(&nc, url.c_str());
      if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, nullptr);
      if (s == NATS_OK) s = js_GetStreamInfo(&si, js, kStream, nullptr, nullptr);
      if (s == NATS_OK && si) stream_msgs = si->State.Msgs;
      jsStreamInfo_Destroy(si);
      jsCtx_Destroy(js);
      natsConnection_Destroy(nc);
    }

    Clock::time_point end = start;
    std::vector<int64_t> lat;
    uint64_t stored = 0, duplicate = 0, errors = 0;
    std::string error = setup_error;
    for (auto& st : states) {
      end = std::max(end, st.last_ack);
      lat.insert(lat.end(), st.latency_ns.begin(), st.latency_ns.end());
      stored += st.stored;
      duplicate += st.duplicate;
      errors += st.errors;
      if (!st.error.empty() && error.empty()) error = st.error;
    }
    const int64_t peak_rss = PeakRssKb(srv.pid());
    const double cpu = CpuSeconds(srv.pid());
    int stop_rc = srv.Stop(30s);
    const int64_t store = DirBytes(store_dir);
    Percentiles p = ComputePercentiles(lat);
    double secs = Secs(end - start);
    uint64_t acked = stored + duplicate;
    bool ok = error.empty() && errors == 0 && acked == set.sends.size() && stored == set.encoded.size() &&
              duplicate == set.resends && stream_msgs == set.encoded.size();
    result = {{"bench", "nats-" + cfg.mode},
              {"system", "nats-jetstream"},
              {"mode", cfg.mode},
              {"mix", cfg.mix},
              {"events", set.sends.size()},
              {"unique", set.encoded.size()},
              {"resends", set.resends},
              {"event_bytes", std::round(set.mean_bytes)},
              {"connections", cfg.connections},
              {"max_pending", cfg.mode == "async" ? cfg.max_pending : 1},
              {"dup_window_s", cfg.dup_window_s},
              {"send_asap", cfg.send_asap},
              {"rate", cfg.rate},
              {"seconds", secs},
              {"events_per_s", secs > 0 ? static_cast<double>(acked) / secs : 0},
              {"p50_ms", p.p50_ms},
              {"p99_ms", p.p99_ms},
              {"p999_ms", p.p999_ms},
              {"max_ms", p.max_ms},
              {"mean_ms", p.mean_ms},
              {"server_peak_rss_kb", peak_rss},
              {"server_cpu_s", cpu},
              {"client_cpu_s", client_cpu},
              {"store_bytes", store},
              {"stored", stored},
              {"duplicate", duplicate},
              {"errors", errors},
              {"stream_msgs", stream_msgs},
              {"server_exit", stop_rc},
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
        "NATS JetStream %s: %zu events (%zu re-sends), P=%d%s%s\n"
        "  %.0f events/s in %.2f s\n"
        "  ack latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n"
        "  server peak RSS %.1f MiB, CPU %.2f s, store %.1f MiB\n"
        "  stored=%llu duplicate=%llu errors=%llu stream=%llu  %s\n",
        cfg.mode.c_str(), set.sends.size(), set.resends, cfg.connections,
        cfg.mode == "async" ? (" max pending " + std::to_string(cfg.max_pending)).c_str() : "",
        cfg.rate > 0 ? (" rate=" + std::to_string(static_cast<long>(cfg.rate)) + "/s").c_str() : "",
        result["events_per_s"].get<double>(), result["seconds"].get<double>(), result["p50_ms"].get<double>(),
        result["p99_ms"].get<double>(), result["p999_ms"].get<double>(), result["max_ms"].get<double>(), static_cast<double>(result["server_peak_rss_kb"].get<int64_t>()) / 1024.0,
        result["server_cpu_s"].get<double>(), static_cast<double>(result["store_bytes"].get<int64_t>()) / 1048576.0,
        static_cast<unsigned long long>(result["stored"].get<uint64_t>()),
        static_cast<unsigned long long>(result["duplicate"].get<uint64_t>()),
        static_cast<unsigned long long>(result["errors"].get<uint64_t>()),
        static_cast<unsigned long long>(result["stream_msgs"].get<uint64_t>()), result["ok"].get<bool>() ? "OK" : "NOT OK");
    if (result.contains("error")) std::printf("  error: %s\n", result["error"].get<std::string>().c_str());
  }
  return rc;
}

}  // namespace
}  // namespace lscb::bench

int main(int argc, char** argv) {
  using namespace lscb::bench;
  ::signal(SIGPIPE, SIG_IGN);
  Config cfg;
  CLI::App app{"lscb-bench-nats: the same events into NATS JetStream, for comparison with lscb-bench ingest"};
  app.add_option("--events", cfg.events, "events sent, re-sends included")->capture_default_str();
  app.add_option("--resend", cfg.resend, "share of sends repeating an already-sent id")->capture_default_str();
  app.add_option("--mode", cfg.mode, "async (max pending) or sync (one in flight)")->capture_default_str();
  app.add_option("--max-pending", cfg.max_pending, "async: acks outstanding per connection")->capture_default_str();
  app.add_option("--connections", cfg.connections, "publisher connections, one thread each")->capture_default_str();
  app.add_option("--dup-window", cfg.dup_window_s, "stream duplicate window, seconds")->capture_default_str();
  app.add_option("--nats-server", cfg.server_bin, "the nats-server binary")->capture_default_str();
  app.add_option("--rate", cfg.rate, "async: offered events/s in total, paced; 0: as fast as possible")
      ->capture_default_str();
  app.add_option("--label", cfg.label, "a name for this run, copied into the JSON line");
  app.add_flag("--send-asap", cfg.send_asap, "natsOptions_SetSendAsap (no flusher batching)");
  app.add_option("--seed", cfg.seed, "event generator seed")->capture_default_str();
  app.add_option("--mix", cfg.mix, "csc: children's services' events; all: also the police's and A&E's")
      ->check(CLI::IsMember({"csc", "all"}))
      ->capture_default_str();
  app.add_option("--timeout", cfg.timeout_s, "give up waiting for acks after this many seconds")
      ->capture_default_str();
  app.add_flag("--keep", cfg.keep, "keep the temporary folder (store and server logs)");
  app.add_flag("--json", cfg.json, "print one JSON line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  int rc = Run(cfg);
  nats_Close();
  return rc;
}
