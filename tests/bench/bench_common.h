// Shared by the benchmarks (lscb-bench, lscb-bench-nats, lscb-bench-allocs):
// the synthetic event set and send schedule, durations and their statistics,
// child processes and the measurements taken of a server process (peak RSS,
// CPU time, store size).
//
// Not part of the hub; nothing here is used by the product.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testing/process.h"

namespace lscb::bench {

using Clock = std::chrono::steady_clock;

inline int64_t Ns(Clock::duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }
inline double Secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// What to publish: `unique` distinct records and the order in which they are
// sent, with a share of re-sends (the same record id, byte-identical).
struct EventSet {
  std::vector<std::string> encoded;  // one lscb.v1.Envelope per unique record
  std::vector<std::string> ids;      // source "/" source_event_id (Nats-Msg-Id)
  std::vector<uint32_t> sends;       // index into `encoded`, in send order
  size_t resends = 0;                // how many entries of `sends` repeat an earlier one
  double mean_bytes = 0;             // mean encoded size over `sends`
};

// Which agencies' events an EventSet holds.
enum class Mix {
  kChildrensServices,  // the eight children's-services kinds (csc, the default)
  // Also the police's and A&E's: domestic abuse, crimes that injured a child,
  // missing episodes (some reported by the police and by children's services,
  // which the hub links), A&E attendances (some for a crime's injury).
  kAllAgencies,
};
// "csc" or "all"; false for anything else.
bool ParseMix(const std::string& name, Mix* mix);

// `total` sends of which round(total * resend_share) repeat a record sent
// earlier in the order. Deterministic in (total, resend_share, seed, mix).
// Records: the csc kinds in plausible proportions (contacts most common),
// the 33 London boroughs, children with five 32-byte tokens (LOCAL, NHS, DEMO,
// an alias's DEMO, a previous authority's LOCAL) and about five events each,
// GUID record ids, dates in FY2023-24: about 300 bytes an event.
EventSet MakeEventSet(size_t total, double resend_share, uint64_t seed, Mix mix = Mix::kChildrensServices);

// Latency samples in nanoseconds.
struct Percentiles {
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
};
Percentiles ComputePercentiles(std::vector<int64_t>& samples_ns);  // sorts `samples_ns`

// A child process with stderr/stdout going to files (execvp: PATH search).
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file);
  ~Child();  // SIGKILL if still running
  pid_t pid() const { return pid_; }
  bool Running();
  // Waits until `text` appears in the stderr file; false on timeout or exit.
  bool WaitForErr(const std::string& text, std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`. Returns the exit code or 128 + signal.
  int Stop(std::chrono::milliseconds grace);
  std::string Err() const;

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::string err_file_;
};

// Per-process figures from /proc.
int64_t PeakRssKb(pid_t pid);      // VmHWM
double CpuSeconds(pid_t pid);      // utime + stime of all threads
int64_t DirBytes(const std::string& dir);  // sum of regular file sizes, like du -b
double SelfCpuSeconds();           // this process (the load generator): user + system

// The tests' own: a free loopback port (never one twice in a process), and
// the hub's ready line.
using testing::FreePort;
using testing::kHubReady;

// mkdtemp under $TMPDIR (or /tmp); removed by RemoveTree.
std::string MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& dir);

// Where an executable named `name` is found on PATH; empty when not found.
std::string FindOnPath(const std::string& name);

// Machine description for the JSON lines.
nlohmann::json MachineInfo();

}  // namespace lscb::bench
