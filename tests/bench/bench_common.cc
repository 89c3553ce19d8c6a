#include "bench_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "lscb/v1/event.pb.h"

namespace lscb::bench {
namespace {

// splitmix64: small, fast, deterministic.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
};

std::string RandomBytes(Rng& rng, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.Next();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>((v >> (8 * j)) & 0xFF);
  }
  return out;
}

std::string_view AgeBandOf(int age) {
  if (age < 0) return "unborn";
  if (age == 0) return "under1";
  if (age <= 4) return "1-4";
  if (age <= 9) return "5-9";
  if (age <= 15) return "10-15";
  return "16-17";
}

// A GUID-shaped record id, as case-management systems issue them.
std::string Guid(Rng& rng) {
  static const char* hex = "0123456789abcdef";
  std::string g;
  uint64_t a = rng.Next(), b = rng.Next();
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) g += '-';
    uint64_t v = i < 16 ? a : b;
    g += hex[(v >> (4 * (i % 16))) & 0xF];
  }
  return g;
}

struct KindWeight {
  const char* kind;
  int weight;  // per 1000 records
};
// Roughly the shape of a London borough's children's-services year: many
// contacts, a third of them becoming referrals, fewer assessments, s47
// enquiries, conferences and plans; a few participation records.
constexpr KindWeight kKinds[] = {
    {"csc.contact", 420},        {"csc.referral", 200},      {"csc.assessment_completed", 170},
    {"csc.s47_started", 70},     {"csc.icpc_held", 40},      {"csc.cp_plan_started", 35},
    {"csc.cp_plan_ended", 30},   {"board.participation", 35},
};
// Per 1000 records, with the police and A&E: children's services about
// three fifths of it. Each "paired" record is followed, half the time, by the
// other agency's report of the same incident (its partner, counted here).
constexpr KindWeight kAllAgencyKinds[] = {
    {"csc.contact", 250},       {"csc.referral", 120},         {"csc.assessment_completed", 100},
    {"csc.s47_started", 42},    {"csc.icpc_held", 24},         {"csc.cp_plan_started", 21},
    {"csc.cp_plan_ended", 18},  {"board.participation", 21},   {"police.domestic_abuse", 130},
    {"police.child_injury_crime", 40},  // paired: an A&E attendance
    {"missing.episode", 80},            // by the police; paired: children's services' report
    {"health.ae_attendance", 154},
};
constexpr const char* kContactSources[] = {"police", "health", "school", "la", "individual", "other", "anonymous"};
constexpr const char* kPlanCategories[] = {"neglect", "physical", "sexual", "emotional", "multiple"};
constexpr const char* kActivities[] = {"service_review", "planning", "delivery", "board_consultation"};
constexpr const char* kMechanisms[] = {"sharp", "blunt", "burn", "fall", "poisoning", "other"};
constexpr const char* kIntents[] = {"accidental", "assault", "self-harm", "unknown"};
constexpr const char* kWeapons[] = {"knife", "firearm", "blunt", "none", "other"};

// Every child carries all the tokens an adapter can send: its LOCAL token,
// its NHS number's, its DEMO token, the DEMO token of an alias (a second
// surname) and the LOCAL token of a previous authority: five 32-byte tokens,
// which with a GUID record id makes an event of about 300 bytes.
struct SyntheticChild {
  std::string local, nhs, demo, alias, previous_local;
  int age = 0;
};

}  // namespace

bool ParseMix(const std::string& name, Mix* mix) {
  if (name == "csc") *mix = Mix::kChildrensServices;
  else if (name == "all") *mix = Mix::kAllAgencies;
  else return false;
  return true;
}

EventSet MakeEventSet(size_t total, double resend_share, uint64_t seed, Mix mix) {
  EventSet set;
  resend_share = std::clamp(resend_share, 0.0, 0.99);
  size_t resends = static_cast<size_t>(std::llround(static_cast<double>(total) * resend_share));
  if (total > 0 && resends >= total) resends = total - 1;
  size_t unique = total - resends;
  Rng rng(seed);

  // 33 boroughs, about five records per child.
  constexpr int kBoroughs = 33;
  size_t per_borough = std::max<size_t>(1, unique / kBoroughs / 5);
  std::vector<std::vector<SyntheticChild>> children(kBoroughs);
  for (int b = 0; b < kBoroughs; ++b) {
    children[b].resize(per_borough);
    for (auto& c : children[b]) {
      c.local = RandomBytes(rng, 32);
      c.nhs = RandomBytes(rng, 32);
      c.demo = RandomBytes(rng, 32);
      c.alias = RandomBytes(rng, 32);
      c.previous_local = RandomBytes(rng, 32);
      c.age = rng.Below(50) == 0 ? -1 : static_cast<int>(rng.Below(18));
    }
  }

  // FY2023-24, Unix seconds.
  const int64_t first = 1680303600;  // 2023-04-01T00:00 BST
  const int64_t span = 366 * 86400;
  const KindWeight* kinds = kKinds;
  size_t kind_count = std::size(kKinds);
  if (mix == Mix::kAllAgencies) {
    kinds = kAllAgencyKinds;
    kind_count = std::size(kAllAgencyKinds);
  }
  int total_weight = 0;
  for (size_t k = 0; k < kind_count; ++k) total_weight += kinds[k].weight;

  set.encoded.reserve(unique);
  set.ids.reserve(unique);
  lscb::v1::Envelope e;
  // The agency that sends `kv` (missing episodes: the police, unless a
  // partner report).
  auto agency_of = [](std::string_view kv) -> std::string {
    if (kv.rfind("police.", 0) == 0 || kv == "missing.episode") return "police";
    if (kv.rfind("health.", 0) == 0) return "health";
    return "csc";
  };
  // One record `id` of `kind` from `agency` about child `c` (null: none) of
  // borough `b`; a partner A&E attendance is for an assault's injury.
  auto emit = [&](std::string_view kv, const std::string& agency, int b, const std::string& id,
                  const SyntheticChild* c, int64_t at, bool partner) {
    char ons[16];
    std::snprintf(ons, sizeof ons, "E090000%02d", b + 1);
    e.Clear();
    e.set_schema_version(1);
    std::string source = agency;  // police:central, csc:<borough>, health:<borough>
    source += ':';
    source += agency == "police" ? "central" : ons;
    e.set_source(source);
    e.set_source_event_id(id);
    e.set_agency(agency);
    e.set_kind(std::string(kv));
    e.set_board(ons);
    e.set_occurred_at(at);
    if (c) {
      auto* s = e.mutable_subject();
      auto add = [&](lscb::v1::SubjectToken::Kind k, const std::string& v) {
        auto* t = s->add_tokens();
        t->set_kind(k);
        t->set_value(v);
      };
      add(lscb::v1::SubjectToken::LOCAL, c->local);
      if (c->age >= 0) add(lscb::v1::SubjectToken::NHS, c->nhs);  // unborn: no NHS number yet
      add(lscb::v1::SubjectToken::DEMO, c->demo);
      add(lscb::v1::SubjectToken::DEMO, c->alias);             // known under a second surname
      add(lscb::v1::SubjectToken::LOCAL, c->previous_local);  // and to the previous authority
      s->set_age_years(c->age);
      s->set_age_band(std::string(AgeBandOf(c->age)));
    }
    if (kv == "csc.contact" || kv == "csc.referral") {
      e.mutable_contact()->set_source(kContactSources[rng.Below(std::size(kContactSources))]);
    } else if (kv == "csc.cp_plan_started") {
      e.mutable_cp_plan()->set_category(kPlanCategories[rng.Below(std::size(kPlanCategories))]);
    } else if (kv == "csc.cp_plan_ended") {
      e.mutable_cp_plan();
    } else if (kv == "board.participation") {
      e.mutable_participation()->set_activity(kActivities[rng.Below(std::size(kActivities))]);
      e.mutable_participation()->set_children_involved(1 + static_cast<uint32_t>(rng.Below(40)));
    } else if (kv == "police.domestic_abuse") {
      e.mutable_domestic_abuse()->set_child_role(rng.Below(3) == 0 ? "victim" : "present");
      e.mutable_domestic_abuse()->set_reporting_unit("central");
    } else if (kv == "police.child_injury_crime") {
      e.mutable_injury_crime()->set_crime_class(rng.Below(2) == 0 ? "assault" : "robbery");
      e.mutable_injury_crime()->set_weapon(kWeapons[rng.Below(std::size(kWeapons))]);
      e.mutable_injury_crime()->set_reporting_unit("central");
    } else if (kv == "missing.episode") {
      e.mutable_missing()->set_category(rng.Below(3) == 0 ? "absent" : "missing");
    } else if (kv == "health.ae_attendance") {
      auto* a = e.mutable_ae_attendance();
      a->set_injury(partner || rng.Below(2) == 0);
      if (a->injury()) {
        a->set_intent(partner ? "assault" : kIntents[rng.Below(std::size(kIntents))]);
        a->set_mechanism(kMechanisms[rng.Below(std::size(kMechanisms))]);
      }
      a->set_safeguarding_concern(rng.Below(10) == 0);
      a->set_site_code("RJ224");
    }
    set.encoded.push_back(e.SerializeAsString());
    set.ids.push_back(e.source() + "/" + e.source_event_id());
  };
  while (set.encoded.size() < unique) {
    const int b = static_cast<int>(rng.Below(kBoroughs));
    int pick = static_cast<int>(rng.Below(total_weight));
    std::string_view kv = kinds[0].kind;
    for (size_t k = 0; k < kind_count; ++k) {
      if (pick < kinds[k].weight) {
        kv = kinds[k].kind;
        break;
      }
      pick -= kinds[k].weight;
    }
    // Drawn in this order so that the children's-services mix is the same
    // bytes as it always was.
    const std::string id = Guid(rng);
    const int64_t at = first + static_cast<int64_t>(rng.Below(span));
    const SyntheticChild* c = kv == "board.participation" ? nullptr : &children[b][rng.Below(per_borough)];
    if (c && c->age < 0 && agency_of(kv) != "csc") continue;  // only children's services record the unborn
    emit(kv, agency_of(kv), b, id, c, at, false);
    // The other agency's report of the same incident, half the time.
    const bool paired = kv == "missing.episode" || kv == "police.child_injury_crime";
    if (paired && set.encoded.size() < unique && rng.Below(2) == 0) {
      const std::string partner_id = Guid(rng);
      if (kv == "missing.episode")
        emit(kv, "csc", b, partner_id, c, at + static_cast<int64_t>(rng.Below(6 * 3600)), true);
      else
        emit("health.ae_attendance", "health", b, partner_id, c, at + static_cast<int64_t>(rng.Below(3600)), true);
    }
  }

  // The send order: every record once, in order, with `resends` repeats of
  // records already sent placed at random (sampling without replacement).
  set.sends.reserve(total);
  size_t next_new = 0, left_repeats = resends;
  for (size_t pos = 0; pos < total; ++pos) {
    size_t left = total - pos;
    bool repeat = next_new > 0 && left_repeats > 0 &&
                  (left_repeats == left || rng.Below(left) < left_repeats);
    if (repeat) {
      set.sends.push_back(static_cast<uint32_t>(rng.Below(next_new)));
      --left_repeats;
    } else {
      set.sends.push_back(static_cast<uint32_t>(next_new++));
    }
  }
  set.resends = resends;
  double bytes = 0;
  for (uint32_t s : set.sends) bytes += static_cast<double>(set.encoded[s].size());
  set.mean_bytes = total ? bytes / static_cast<double>(total) : 0;
  return set;
}

Percentiles ComputePercentiles(std::vector<int64_t>& v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()))) ;
    i = i == 0 ? 0 : i - 1;
    return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1e6;
  };
  p.p50_ms = at(0.50);
  p.p90_ms = at(0.90);
  p.p99_ms = at(0.99);
  p.p999_ms = at(0.999);
  p.max_ms = static_cast<double>(v.back()) / 1e6;
  long double sum = 0;
  for (int64_t x : v) sum += x;
  p.mean_ms = static_cast<double>(sum / v.size() / 1e6L);
  return p;
}

Child::Child(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file)
    : err_file_(err_file) {
  pid_ = ::fork();
  if (pid_ == 0) {
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (Running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

bool Child::Running() {
  if (exited_ || pid_ <= 0) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
    exited_ = true;
    return false;
  }
  return true;
}

std::string Child::Err() const {
  std::ifstream in(err_file_, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Child::WaitForErr(const std::string& text, std::chrono::milliseconds timeout) {
  auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (Err().find(text) != std::string::npos) return true;
    if (!Running()) return Err().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int Child::Stop(std::chrono::milliseconds grace) {
  if (Running()) {
    ::kill(pid_, SIGTERM);
    auto end = Clock::now() + grace;
    while (Running() && Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (Running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      exited_ = true;
    }
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

int64_t PeakRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  // Fields after the command: state(3) ... utime(14) stime(15).
  std::vector<std::string> f;
  while (rest >> field) f.push_back(field);
  if (f.size() < 13) return -1;
  double ticks = std::atof(f[11].c_str()) + std::atof(f[12].c_str());
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

int64_t DirBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) total += static_cast<int64_t>(it->file_size(e2));
  }
  return total;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* t = std::getenv("TMPDIR");
  std::string tmpl = std::string(t && *t ? t : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return {};
  return tmpl;
}

void RemoveTree(const std::string& dir) {
  std::error_code ec;
  if (!dir.empty()) std::filesystem::remove_all(dir, ec);
}

std::string FindOnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  p += ":/usr/sbin:/sbin";
  std::istringstream in(p);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    std::string cand = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
  }
  return {};
}

nlohmann::json MachineInfo() {
  nlohmann::json m;
  m["nproc"] = std::thread::hardware_concurrency();
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      if (c != std::string::npos) m["cpu"] = line.substr(c + 2);
      break;
    }
  }
  return m;
}

}  // namespace lscb::bench
