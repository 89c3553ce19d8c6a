// Reliable delivery with the real binaries: lscb import / stream / outbox
// against lscb-hub, each adapter with its own outbox in a temporary folder.
// A hub that is not there, a stream killed with SIGKILL mid-file, and hubs
// and adapters killed at random moments while a large import and live
// streams run: every outbox ends empty and the Board's figures equal those
// of a clean run.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "adapters/testing/synthetic.h"
#include "store/outbox.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace lscb {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using testing::TempDir;

const std::string kHub = LSCB_HUB_BIN;
const std::string kCli = LSCB_CLI_BIN;

// A feed that is streamed row by row in the fault test, next to a large
// csc-events import for another borough. Each feed is written for one board
// (none of the import's) and has its header on the first line and one row per
// line after it. A new format is streamed there by adding its row here.
struct StreamedFeed {
  std::string format;
  std::string board;
  std::function<std::string(size_t rows, uint64_t seed)> make;
};

const std::vector<StreamedFeed>& StreamedFeeds() {
  static const std::vector<StreamedFeed> kFeeds = {
      {"csc-events", "E09000012",
       [](size_t rows, uint64_t seed) {
         adapters::SyntheticOptions o;
         o.boroughs = {"E09000012"};
         return adapters::SyntheticCscEventsCsv(rows, seed, o);
       }},
      {"police-events", "E09000022",
       [](size_t rows, uint64_t seed) {
         adapters::SyntheticOptions o;
         o.boroughs = {"E09000022"};
         return adapters::SyntheticPoliceEventsCsv(rows, seed, o);
       }},
      {"ae-attendances", "E09000025",
       [](size_t rows, uint64_t seed) {
         adapters::SyntheticOptions o;
         o.boroughs = {"E09000025"};
         return adapters::SyntheticAeAttendancesCsv(rows, seed, o);
       }},
  };
  return kFeeds;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void Append(const std::string& path, const std::vector<std::string>& lines, size_t from, size_t to) {
  std::ofstream out(path, std::ios::app);
  for (size_t i = from; i < to && i < lines.size(); ++i) out << lines[i] << "\n";
}

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = dir_ / "linkage.secret";
    std::ofstream(secret_) << "a-shared-linkage-secret-for-tests\n";
    ::chmod(secret_.c_str(), 0600);
  }

  struct Ports {
    std::string ingest, feed, query;
  };
  Ports NewPorts() {
    auto ep = [] { return "tcp://127.0.0.1:" + std::to_string(testing::FreePort()); };
    return {ep(), ep(), ep()};
  }

  std::string Name(const std::string& base) { return base + "-" + std::to_string(++names_); }

  // A hub that said "ready", or nullptr (with a failure recorded).
  std::unique_ptr<Process> StartHub(const std::string& data, const Ports& p) {
    std::string name = Name("hub");
    auto hub = std::make_unique<Process>(
        std::vector<std::string>{kHub, "--data-dir", data, "--ingest", p.ingest, "--feed", p.feed, "--query", p.query,
                                 "--http", "off"},
        dir_ / (name + ".out"), dir_ / (name + ".err"));
    if (hub->WaitForErr(testing::kHubReady, 30s)) return hub;
    ADD_FAILURE() << "the hub did not start: " << hub->err();
    return nullptr;
  }

  // The exit code; -1 (after killing it) when it has not ended in `timeout`.
  static int Finish(Process& p, std::chrono::milliseconds timeout = 60s) {
    if (p.WaitFor(timeout)) return p.Wait();
    ADD_FAILURE() << "still running after " << timeout.count() << " ms: " << p.err();
    p.Signal(SIGKILL);
    p.Wait();
    return -1;
  }

  std::unique_ptr<Process> Lscb(std::vector<std::string> args, const std::string& base) {
    args.insert(args.begin(), kCli);
    std::string name = Name(base);
    return std::make_unique<Process>(args, dir_ / (name + ".out"), dir_ / (name + ".err"));
  }

  std::unique_ptr<Process> Import(const Ports& p, const std::string& outbox, const std::string& format,
                                  const std::vector<std::string>& files, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"import", "--format", format, "--ingest", p.ingest, "--linkage-secret-file",
                                     secret_, "--outbox", outbox, "--request-timeout-ms", "500", "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), files.begin(), files.end());
    return Lscb(args, "import");
  }

  std::unique_ptr<Process> Stream(const Ports& p, const std::string& outbox, const std::string& format,
                                  const std::string& file) {
    return Lscb({"stream", "--format", format, "--ingest", p.ingest, "--linkage-secret-file", secret_, "--outbox",
                 outbox, "--follow", "--poll-ms", "50", "--request-timeout-ms", "500", "--drain-timeout-ms", "10000",
                 file},
                "stream");
  }

  // `lscb outbox status`'s first line.
  std::string OutboxStatus(const std::string& outbox) {
    auto status = Lscb({"outbox", "status", "--outbox", outbox}, "status");
    EXPECT_EQ(Finish(*status, 20s), 0) << status->err();
    std::string out = status->out();
    return out.substr(0, out.find('\n'));
  }

  std::string Snapshot(const Ports& p, const std::string& board, const std::string& period) {
    auto q = Lscb({"snapshot", "--query", p.query, "--board", board, "--period", period}, "snap");
    EXPECT_EQ(Finish(*q, 20s), 0) << q->err();
    return q->out();
  }

  std::string Everything(const Ports& p, const std::vector<std::string>& boards) {
    std::string all;
    for (const auto& board : boards)
      for (const char* period : {"FY2007-08", "2007-Q3", "2008-Q1", "2007-12"}) all += Snapshot(p, board, period);
    return all;
  }

  std::string WriteCsc(const std::string& name, size_t rows, uint64_t seed, std::vector<std::string> boroughs) {
    adapters::SyntheticOptions o;
    o.boroughs = std::move(boroughs);
    std::string path = dir_ / name;
    std::ofstream(path) << adapters::SyntheticCscEventsCsv(rows, seed, o);
    return path;
  }

  // Imports `files` (format, path) into a fresh hub without any fault and
  // returns the summary line of each import and the snapshots of `boards`.
  std::pair<std::vector<std::string>, std::string> CleanRun(
      const std::vector<std::pair<std::string, std::string>>& files, const std::vector<std::string>& boards) {
    Ports p = NewPorts();
    auto hub = StartHub(dir_ / Name("clean-data"), p);
    if (!hub) return {};
    std::vector<std::string> summaries;
    for (const auto& [format, path] : files) {
      auto import = Import(p, dir_ / Name("clean-outbox"), format, {path});
      EXPECT_EQ(Finish(*import), 0) << import->err();
      summaries.push_back(import->out());
    }
    return {summaries, Everything(p, boards)};
  }

  TempDir dir_;
  std::string secret_;
  int names_ = 0;
};

// `lscb import` starts before any hub exists on its port: it validates,
// queues, says it is retrying, and delivers everything once when the hub
// comes.
TEST_F(DeliveryTest, TheHubIsUnreachableForTheWholeImport) {
  std::string feed = WriteCsc("feed.csv", 3000, 5, {"E09000011", "E09000022"});
  auto [clean_summary, clean_view] = CleanRun({{"csc-events", feed}}, {"london", "E09000011", "E09000022"});

  Ports p = NewPorts();
  std::string outbox = dir_ / "outbox";
  auto import = Import(p, outbox, "csc-events", {feed});
  ASSERT_TRUE(import->WaitForErr("is not answering; retrying (3000 events waiting in the outbox)", 30s))
      << import->err();
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(import->running());
  auto hub = StartHub(dir_ / "data", p);
  ASSERT_TRUE(hub);
  EXPECT_EQ(Finish(*import), 0) << import->err();
  EXPECT_EQ(import->out(), clean_summary[0]);
  EXPECT_NE(import->out().find("duplicate=0 amended=0"), std::string::npos) << import->out();
  EXPECT_EQ(OutboxStatus(outbox), "waiting=0 oldest_age_seconds=0 rejected=0");
  EXPECT_EQ(Everything(p, {"london", "E09000011", "E09000022"}), clean_view);
}

// --no-wait returns once the events are in the outbox; `lscb outbox flush`
// delivers them when the hub is there. Meanwhile a second process on the
// same outbox is refused.
TEST_F(DeliveryTest, NoWaitQueuesAndFlushDeliversLater) {
  std::string feed = WriteCsc("feed.csv", 2000, 6, {"E09000011"});
  auto [clean_summary, clean_view] = CleanRun({{"csc-events", feed}}, {"london", "E09000011"});

  Ports p = NewPorts();
  std::string outbox = dir_ / "outbox";
  auto queued = Import(p, outbox, "csc-events", {feed}, {"--no-wait"});
  EXPECT_EQ(Finish(*queued), 0) << queued->err();
  EXPECT_EQ(queued->out(), "accepted=0 duplicate=0 amended=0 merged=0 rejected=0 queued=2000\n");
  std::string status = OutboxStatus(outbox);
  EXPECT_EQ(status.substr(0, status.find(' ')), "waiting=2000") << status;

  // A flush with no hub gives up when told to, keeping everything.
  auto early = Lscb({"outbox", "flush", "--outbox", outbox, "--ingest", p.ingest, "--request-timeout-ms", "300",
                     "--give-up-after", "1", "--no-progress"},
                    "flush");
  EXPECT_EQ(Finish(*early), 3) << early->err();
  EXPECT_EQ(early->out(), "accepted=0 duplicate=0 amended=0 merged=0 rejected=0 queued=2000\n");

  auto hub = StartHub(dir_ / "data", p);
  ASSERT_TRUE(hub);
  auto flush = Lscb({"outbox", "flush", "--outbox", outbox, "--ingest", p.ingest, "--no-progress"}, "flush");
  EXPECT_EQ(Finish(*flush), 0) << flush->err();
  EXPECT_EQ(flush->out(), clean_summary[0]);
  EXPECT_EQ(OutboxStatus(outbox), "waiting=0 oldest_age_seconds=0 rejected=0");
  EXPECT_EQ(Everything(p, {"london", "E09000011"}), clean_view);
}

// The operator's view of events the hub rejected, kept in the outbox.
TEST_F(DeliveryTest, ListRejectedShowsEachRejectedEventWithItsReason) {
  std::string outbox = dir_ / "outbox";
  {
    auto box = store::Outbox::Open(outbox, store::OutboxOptions());
    ASSERT_TRUE(box.ok()) << box.status().ToString();
    auto first = (*box)->Enqueue({{"feed.csv:2 csc:E09000011/C1", "x"}, {"feed.csv:3 csc:E09000011/C2", "y"}});
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*box)->Complete({{*first, false, ""}, {*first + 1, true, "board: unknown board"}}).ok());
  }
  EXPECT_EQ(OutboxStatus(outbox), "waiting=0 oldest_age_seconds=0 rejected=1");
  auto list = Lscb({"outbox", "list-rejected", "--outbox", outbox}, "list");
  EXPECT_EQ(Finish(*list, 20s), 0) << list->err();
  const std::string listed = list->out();
  EXPECT_EQ(listed.rfind("feed.csv:3 csc:E09000011/C2: board: unknown board (rejected ", 0), 0u) << listed;
  EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), 1) << listed;
}

// A bad row in a stream is reported with its real line and skipped; the
// rows after it are sent.
TEST_F(DeliveryTest, AStreamReportsABadRowWithItsLineAndCarriesOn) {
  Ports p = NewPorts();
  auto hub = StartHub(dir_ / "data", p);
  ASSERT_TRUE(hub);
  auto lines = Lines(adapters::SyntheticCscEventsCsv(30, 8));
  std::string file = dir_ / "live.csv";
  Append(file, lines, 0, 6);
  std::ofstream(file, std::ios::app) << "C-broken,TELEPORT\n";  // line 7
  Append(file, lines, 6, lines.size());
  auto stream = Lscb({"stream", "--format", "csc-events", "--ingest", p.ingest, "--linkage-secret-file", secret_,
                      "--outbox", dir_ / "outbox", file},
                     "stream");
  EXPECT_EQ(Finish(*stream), 0) << stream->err();
  EXPECT_NE(stream->err().find(file + ":7: "), std::string::npos) << stream->err();
  std::smatch m;
  std::string out = stream->out();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("accepted=(\\d+) duplicate=0 amended=0 merged=(\\d+) rejected=1\n")))
      << out;
  EXPECT_EQ(std::stoul(m[1]) + std::stoul(m[2]), 30u);
}

// `lscb stream --follow` tails a growing file; killed with SIGKILL midway
// and restarted, it resumes where it left off: the hub ends up with exactly
// what a clean import of the whole file gives, and the outbox is empty.
TEST_F(DeliveryTest, AStreamKilledMidwayResumesWhereItLeftOff) {
  const size_t rows = 1500;
  std::string full = WriteCsc("full.csv", rows, 11, {"E09000012"});
  auto lines = Lines(Process::ReadAll(full));
  ASSERT_EQ(lines.size(), rows + 1) << "a synthetic row spans lines";
  auto [clean_summary, clean_view] = CleanRun({{"csc-events", full}}, {"london", "E09000012"});

  Ports p = NewPorts();
  auto hub = StartHub(dir_ / "data", p);
  ASSERT_TRUE(hub);
  std::string file = dir_ / "live.csv";
  std::string outbox = dir_ / "outbox";
  Append(file, lines, 0, 301);
  auto stream = Stream(p, outbox, "csc-events", file);
  ASSERT_TRUE(stream->WaitForErr("up to date: " + file + " line 301,", 30s)) << stream->err();

  // Another process on the same outbox is refused while the stream runs.
  auto second = Import(p, outbox, "csc-events", {full});
  EXPECT_EQ(Finish(*second), 2);
  EXPECT_NE(second->err().find("is in use by another lscb process"), std::string::npos) << second->err();

  // Rows arrive in bursts; the stream is killed in the middle of them.
  for (size_t at = 301; at < 901; at += 50) {
    Append(file, lines, at, at + 50);
    std::this_thread::sleep_for(15ms);
  }
  stream->Signal(SIGKILL);
  EXPECT_EQ(stream->Wait(), 128 + SIGKILL);
  Append(file, lines, 901, lines.size());

  auto resumed = Stream(p, outbox, "csc-events", file);
  ASSERT_TRUE(resumed->WaitForErr("up to date: " + file + " line " + std::to_string(rows + 1) + ",", 60s))
      << resumed->err();
  EXPECT_NE(resumed->err().find("resuming " + file + " after line "), std::string::npos) << resumed->err();
  resumed->Signal(SIGTERM);
  EXPECT_EQ(Finish(*resumed, 20s), 0) << resumed->err();
  EXPECT_EQ(resumed->out().find("queued="), std::string::npos) << resumed->out();

  std::string status_out;
  {
    auto st = Lscb({"outbox", "status", "--outbox", outbox}, "status");
    EXPECT_EQ(Finish(*st, 20s), 0);
    status_out = st->out();
  }
  EXPECT_EQ(status_out.substr(0, status_out.find('\n')), "waiting=0 oldest_age_seconds=0 rejected=0");
  EXPECT_NE(status_out.find("stream csc-events " + file + ": line " + std::to_string(rows + 1)), std::string::npos)
      << status_out;
  EXPECT_EQ(Everything(p, {"london", "E09000012"}), clean_view);
}

// The fault test. A large csc-events import (one borough) and a live stream
// of each feed in StreamedFeeds() (other boroughs) run at once, each with its
// own outbox, while the hub is killed with SIGKILL and restarted at random
// moments four times, and the import and every stream are each killed with
// SIGKILL and restarted once. At the end every outbox is empty and the
// snapshots equal those of a clean, fault-free run.
TEST_F(DeliveryTest, HubAndAdaptersKilledAtRandomLoseNothingAndCountNothingTwice) {
  const auto test_started = std::chrono::steady_clock::now();
  const size_t import_rows = 30000, stream_rows = 3000;
  std::string import_feed = WriteCsc("import.csv", import_rows, 21, {"E09000011"});
  struct Live {
    const StreamedFeed* feed;
    std::vector<std::string> lines;
    std::string file, outbox;
    std::unique_ptr<Process> process;
  };
  std::vector<Live> live;
  std::vector<std::pair<std::string, std::string>> clean_files = {{"csc-events", import_feed}};
  std::vector<std::string> boards = {"london", "E09000011"};
  for (const StreamedFeed& feed : StreamedFeeds()) {
    std::string whole = dir_ / (feed.format + "-whole.csv");
    std::ofstream(whole) << feed.make(stream_rows, 22);
    auto lines = Lines(Process::ReadAll(whole));
    ASSERT_EQ(lines.size(), stream_rows + 1) << feed.format << ": a synthetic row spans lines";
    clean_files.push_back({feed.format, whole});
    boards.push_back(feed.board);
    live.push_back({&feed, lines, dir_ / (feed.format + "-live.csv"), dir_ / (feed.format + "-outbox"), nullptr});
  }
  auto [clean_summaries, clean_view] = CleanRun(clean_files, boards);

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pause = [&](int lo, int hi) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng)));
  };

  Ports p = NewPorts();
  const std::string data = dir_ / "data";
  auto hub = StartHub(data, p);
  ASSERT_TRUE(hub);
  // Writers append each live feed in bursts over a few seconds.
  for (auto& l : live) {
    Append(l.file, l.lines, 0, 1);
    l.process = Stream(p, l.outbox, l.feed->format, l.file);
  }
  std::jthread writer([&] {
    const size_t burst = 30;
    for (size_t at = 1; at < stream_rows + 1; at += burst) {
      for (auto& l : live) Append(l.file, l.lines, at, at + burst);
      std::this_thread::sleep_for(60ms);
    }
  });
  const std::string import_outbox = dir_ / "import-outbox";
  auto import = Import(p, import_outbox, "csc-events", {import_feed});

  int hub_kills = 0;
  auto kill_hub = [&] {
    hub->Signal(SIGKILL);
    EXPECT_EQ(hub->Wait(), 128 + SIGKILL) << hub->err();
    ++hub_kills;
    pause(50, 300);
    hub = StartHub(data, p);
    return hub != nullptr;
  };

  // The import is killed while it delivers (its events are queued), and
  // started again as an operator would.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (OutboxStatus(import_outbox).rfind("waiting=0 ", 0) == 0 && import->running() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  pause(0, 150);
  ASSERT_TRUE(import->running()) << "the import ended before it could be killed; make it larger\n" << import->err();
  import->Signal(SIGKILL);
  EXPECT_EQ(import->Wait(), 128 + SIGKILL);
  import = Import(p, import_outbox, "csc-events", {import_feed});

  pause(100, 400);
  ASSERT_TRUE(kill_hub());

  // Each stream is killed while rows keep arriving, and started again.
  pause(200, 600);
  for (auto& l : live) {
    ASSERT_TRUE(l.process->running()) << l.process->err();
    l.process->Signal(SIGKILL);
    EXPECT_EQ(l.process->Wait(), 128 + SIGKILL);
    l.process = Stream(p, l.outbox, l.feed->format, l.file);
  }

  pause(200, 600);
  ASSERT_TRUE(kill_hub());
  pause(300, 800);
  ASSERT_TRUE(kill_hub());
  pause(300, 800);
  ASSERT_TRUE(kill_hub());
  EXPECT_GE(hub_kills, 3);

  writer.join();
  EXPECT_EQ(Finish(*import), 0) << import->err();
  std::smatch m;
  std::string summary = import->out();
  ASSERT_TRUE(std::regex_search(summary, m, std::regex("rejected=0\n$"))) << summary;
  for (auto& l : live) {
    ASSERT_TRUE(
        l.process->WaitForErr("up to date: " + l.file + " line " + std::to_string(stream_rows + 1) + ",", 60s))
        << l.feed->format << ": " << l.process->err();
    l.process->Signal(SIGTERM);
    EXPECT_EQ(Finish(*l.process, 20s), 0) << l.process->err();
    EXPECT_EQ(OutboxStatus(l.outbox), "waiting=0 oldest_age_seconds=0 rejected=0") << l.feed->format;
  }
  EXPECT_EQ(OutboxStatus(import_outbox), "waiting=0 oldest_age_seconds=0 rejected=0");
  EXPECT_EQ(Everything(p, boards), clean_view);
  EXPECT_LT(std::chrono::steady_clock::now() - test_started, 90s);
}

}  // namespace
}  // namespace lscb
