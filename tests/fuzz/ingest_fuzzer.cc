// libFuzzer: a whole group of events through IngestProcessor::ProcessGroup
// (validation, authorisation, idempotency, linkage, commit to a real
// RocksDB store in a temporary folder, the indicator view, the audit log).
//
// Input: one byte of mode, then events, each as a 2-byte little-endian
// length and that many bytes. Mode bit 0: authorise against an access
// policy (as under CURVE); bits 1-2: the principal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <shared_mutex>

#include "core/boards.h"
#include "core/clock.h"
#include "hub/definitions.h"
#include "hub/indicator_view.h"
#include "hub/ingest.h"
#include "hub/principals.h"
#include "store/store.h"

namespace {

class FixedClock final : public lscb::Clock {
 public:
  int64_t NowSeconds() const override { return 1199145600; }  // 2008-01-01
  std::chrono::steady_clock::time_point Steady() const override { return std::chrono::steady_clock::now(); }
};

struct World {
  World() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lscb-fuzz-ingest-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    store = std::move(lscb::store::Store::Open(dir, {}).value());
    boards = lscb::BoardRegistry::Default();
    definitions = lscb::hub::DefaultDefinitions();
    view = std::make_unique<lscb::hub::IndicatorView>(boards, definitions);
    processor = std::make_unique<lscb::hub::IngestProcessor>(*store, *view, mutex, boards, definitions, clock);
    // Any 40-character Z85 text serves as a public key here.
    auto key = [](char c) { return std::string(40, c); };
    std::vector<lscb::hub::Principal> ps = {
        {"met-central", key('a'), lscb::hub::Role::kPublisher, "police",
         {"missing.episode", "police.*", "return"}, {"london"}},
        {"csc-greenwich", key('b'), lscb::hub::Role::kPublisher, "csc", {"csc.*", "board.participation"},
         {"E09000011"}},
        {"board", key('c'), lscb::hub::Role::kSubscriber, "", {}, {"london"}}};
    policy = std::move(lscb::hub::AccessPolicy::Create(ps, *boards).value());
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Get().dir, ec);
    });
  }
  static World& Get() {
    static World* w = new World();
    return *w;
  }
  std::string dir;
  std::unique_ptr<lscb::store::Store> store;
  std::shared_ptr<const lscb::BoardRegistry> boards;
  std::shared_ptr<const lscb::hub::Definitions> definitions;
  std::shared_mutex mutex;
  std::unique_ptr<lscb::hub::IndicatorView> view;
  FixedClock clock;
  std::unique_ptr<lscb::hub::IngestProcessor> processor;
  std::shared_ptr<const lscb::hub::AccessPolicy> policy;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  World& w = World::Get();
  const uint8_t mode = data[0];
  static const char* kPrincipals[] = {"met-central", "csc-greenwich", "board", "anonymous"};
  const std::string principal = kPrincipals[(mode >> 1) & 3];
  std::vector<lscb::hub::IncomingEvent> events;
  size_t at = 1;
  while (at + 2 <= size && events.size() < 64) {
    size_t n = data[at] | (size_t{data[at + 1]} << 8);
    at += 2;
    n = std::min(n, size - at);
    events.push_back({std::string_view(reinterpret_cast<const char*>(data + at), n), principal});
    at += n;
  }
  w.processor->set_access_policy((mode & 1) ? w.policy : nullptr);
  w.processor->set_max_event_bytes(4096);
  auto acks = w.processor->ProcessGroup(events);
  if (!acks.ok() || acks->size() != events.size()) __builtin_trap();
  for (const auto& a : *acks)
    if (a.outcome() == lscb::v1::OUTCOME_UNSPECIFIED) __builtin_trap();
  return 0;
}
