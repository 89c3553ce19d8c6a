// lscb-bench-allocs: how many heap allocations the hub's ingest path makes
// per event, counted, and how long each stage takes on this thread.
//
//   lscb-bench-allocs [--events N] [--group G] [--resend F] [--mix csc|all] [--sites K] [--json]
//
// Builds a store in a temporary folder and feeds it the benchmark's
// synthetic events (the same generator as lscb-bench ingest) through the
// hub library's IngestProcessor, as the hub does: Decide, Commit, then
// ApplyToView of the deferred update. The first half of the events warms
// the store and the view up; over the second half every `operator new` made
// on this thread is counted, per stage. RocksDB's background threads
// (flushes, compactions) and the idempotency index's thread are not
// counted: they work per memtable or per file, not per event.
//
// Each measured group's stages are also timed (steady_clock around each;
// counting adds a few thread-local increments): the median, 90th percentile
// and mean in microseconds per group. They are the hub's compute and its
// commit without the transport, on one thread; the machine's noise shows in
// the 90th percentile, as do page faults: the hub populates its memory
// ahead of use (hub/memory_reserve.h), this program does not, so the first
// touch of new memtable memory is a fault in its commits. The hub links
// tcmalloc, this program the C library's malloc: run it with
// LD_PRELOAD=libtcmalloc_minimal.so.4 for the hub's allocator. With
// --sites the times include recording the call stacks: time without it.
//
// --sites K prints the K call stacks that allocated most often (symbols of
// this program's own functions need its -rdynamic link, which CMake sets).
//
// It counts with a replaced operator new (tests/testing/counted_new.h), which
// is why it is a program of its own.
#include <execinfo.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <shared_mutex>

#include "bench_common.h"
#include "core/boards.h"
#include "core/clock.h"
#include "hub/definitions.h"
#include "hub/indicator_view.h"
#include "hub/ingest.h"
#include "store/store.h"
#include "testing/counted_new.h"

namespace {

// Call stacks that allocated while counting (--sites), on the counting
// thread only.
struct Site {
  void* frames[16];
  int depth;
  uint64_t count;
  std::size_t bytes;  // of the first allocation seen there
};
std::vector<Site>* g_sites = nullptr;

void RecordSite(std::size_t n) {
  if (!g_sites) return;
  void* frames[16];
  const int depth = backtrace(frames, 16);
  for (Site& s : *g_sites) {
    if (s.depth == depth && std::memcmp(s.frames, frames, sizeof(void*) * depth) == 0) {
      ++s.count;
      return;
    }
  }
  if (g_sites->size() >= 4096) return;
  Site s{};
  std::memcpy(s.frames, frames, sizeof frames);
  s.depth = depth;
  s.count = 1;
  s.bytes = n;
  g_sites->push_back(s);
}

}  // namespace

namespace lscb::bench {
namespace {

struct Config {
  size_t events = 200000;
  size_t group = 64;
  double resend = 0.1;
  uint64_t seed = 20070401;
  std::string mix = "csc";  // the events' agencies (see Mix)
  int sites = 0;
  bool json = false;
};

// Counts the allocations `f` makes on this thread, and adds its time (ns)
// to `nanos` unless that is null.
template <typename F>
uint64_t Count(F&& f, std::vector<int64_t>* nanos) {
  const uint64_t before = testing::AllocationsCounted();
  const auto start = Clock::now();
  testing::CountAllocations(true);
  f();
  testing::CountAllocations(false);
  if (nanos) nanos->push_back(Ns(Clock::now() - start));
  return testing::AllocationsCounted() - before;
}

int Run(const Config& cfg) {
  if (cfg.events < 2 || cfg.group < 1) {
    std::cerr << "lscb-bench-allocs: --events must be at least 2 and --group at least 1\n";
    return 2;
  }
  const std::string tmp = MakeTempDir("lscb-bench-allocs");
  if (tmp.empty()) {
    std::cerr << "lscb-bench-allocs: cannot create a temporary folder\n";
    return 2;
  }
  int rc = 0;
  {
    auto store = store::Store::Open(tmp + "/data", store::Options{});
    if (!store.ok()) {
      std::cerr << "lscb-bench-allocs: " << store.status().ToString() << "\n";
      RemoveTree(tmp);
      return 1;
    }
    auto boards = BoardRegistry::Default();
    auto defs = hub::DefaultDefinitions();
    hub::IndicatorView view(boards, defs);
    std::shared_mutex mu;
    SystemClock clock;
    hub::IngestProcessor proc(**store, view, mu, boards, defs, clock);
    Mix mix = Mix::kChildrensServices;
    (void)ParseMix(cfg.mix, &mix);  // checked by the option
    const EventSet set = MakeEventSet(cfg.events, cfg.resend, cfg.seed, mix);
    std::vector<Site> sites;
    sites.reserve(4096);
    if (cfg.sites > 0) testing::SetAllocationHook(RecordSite);

    uint64_t decide = 0, commit = 0, apply = 0, counted = 0, groups = 0;
    std::vector<int64_t> decide_ns, commit_ns, apply_ns;
    std::vector<hub::IncomingEvent> in;
    std::vector<hub::ViewUpdate> updates;
    for (size_t i = 0; i < set.sends.size() && rc == 0; i += cfg.group) {
      const bool measured = i >= set.sends.size() / 2;
      g_sites = measured ? &sites : nullptr;
      in.clear();
      for (size_t j = i; j < std::min(set.sends.size(), i + cfg.group); ++j)
        in.push_back({set.encoded[set.sends[j]], "anonymous"});
      Result<hub::DecidedGroup> group = Status::Internal("not decided");
      Status committed;
      const uint64_t d = Count([&] { group = proc.Decide(in); }, measured ? &decide_ns : nullptr);
      const uint64_t c =
          Count([&] { committed = group.ok() ? proc.Commit(*group) : group.status(); }, measured ? &commit_ns : nullptr);
      if (!committed.ok()) {
        std::cerr << "lscb-bench-allocs: " << committed.ToString() << "\n";
        rc = 1;
        break;
      }
      updates.clear();
      updates.push_back(std::move(group->update));
      const uint64_t a = Count([&] { proc.ApplyToView(updates); }, measured ? &apply_ns : nullptr);
      if (measured) {
        decide += d;
        commit += c;
        apply += a;
        counted += in.size();
        ++groups;
      }
    }
    if (rc == 0) {
      const double n = static_cast<double>(counted);
      const Percentiles td = ComputePercentiles(decide_ns), tc = ComputePercentiles(commit_ns),
                        ta = ComputePercentiles(apply_ns);
      nlohmann::json out = {{"bench", "allocs"},
                            {"events", counted},
                            {"group", cfg.group},
                            {"resend", cfg.resend},
                            {"mix", cfg.mix},
                            {"decide_per_event", decide / n},
                            {"commit_per_event", commit / n},
                            {"apply_per_event", apply / n},
                            {"decide_per_group", decide / static_cast<double>(groups)},
                            {"commit_per_group", commit / static_cast<double>(groups)},
                            {"apply_per_group", apply / static_cast<double>(groups)},
                            {"decide_us_p50", td.p50_ms * 1e3},
                            {"decide_us_p90", td.p90_ms * 1e3},
                            {"decide_us_mean", td.mean_ms * 1e3},
                            {"commit_us_p50", tc.p50_ms * 1e3},
                            {"commit_us_p90", tc.p90_ms * 1e3},
                            {"commit_us_mean", tc.mean_ms * 1e3},
                            {"apply_us_p50", ta.p50_ms * 1e3},
                            {"apply_us_p90", ta.p90_ms * 1e3},
                            {"apply_us_mean", ta.mean_ms * 1e3}};
      if (cfg.json) {
        std::cout << out.dump() << "\n";
      } else {
        std::printf("%zu events counted, groups of %zu, %.0f%% re-sends\n", static_cast<size_t>(counted),
                    cfg.group, cfg.resend * 100);
        std::printf("  %-8s %10s %10s   %s\n", "stage", "per event", "per group", "µs per group: p50 / p90 / mean");
        const auto row = [&](const char* stage, uint64_t allocs, const Percentiles& t) {
          std::printf("  %-8s %10.2f %10.1f   %.2f / %.2f / %.2f\n", stage, allocs / n,
                      allocs / static_cast<double>(groups), t.p50_ms * 1e3, t.p90_ms * 1e3, t.mean_ms * 1e3);
        };
        row("decide", decide, td);
        row("commit", commit, tc);
        row("apply", apply, ta);
        if (cfg.sites > 0) std::printf("  (the times include --sites' recording of call stacks)\n");
      }
      std::fflush(stdout);
      std::sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) { return a.count > b.count; });
      for (size_t i = 0; i < sites.size() && i < static_cast<size_t>(cfg.sites); ++i) {
        std::fprintf(stderr, "\n%.3f per event, %zu bytes:\n", sites[i].count / n, sites[i].bytes);
        std::fflush(stderr);
        // The first frames are the counting allocator's own.
        if (sites[i].depth > 1) backtrace_symbols_fd(sites[i].frames + 1, sites[i].depth - 1, 2);
      }
    }
    testing::SetAllocationHook(nullptr);
    g_sites = nullptr;
  }
  RemoveTree(tmp);
  return rc;
}

}  // namespace
}  // namespace lscb::bench

int main(int argc, char** argv) {
  lscb::bench::Config cfg;
  CLI::App app{"lscb-bench-allocs: heap allocations per event on the hub's ingest path, and its stages' times"};
  app.add_option("--events", cfg.events, "events sent, re-sends included (the second half is counted)")
      ->capture_default_str();
  app.add_option("--group", cfg.group, "events per group")->capture_default_str();
  app.add_option("--resend", cfg.resend, "share of sends repeating an already-sent record")->capture_default_str();
  app.add_option("--seed", cfg.seed, "event generator seed")->capture_default_str();
  app.add_option("--mix", cfg.mix, "csc: children's services' events; all: also the police's and A&E's")
      ->check(CLI::IsMember({"csc", "all"}))
      ->capture_default_str();
  app.add_option("--sites", cfg.sites, "print the call stacks that allocated most often (to stderr)")
      ->capture_default_str();
  app.add_flag("--json", cfg.json, "print one JSON line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return lscb::bench::Run(cfg);
}
