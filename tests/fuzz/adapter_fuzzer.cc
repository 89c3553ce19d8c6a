// libFuzzer: one agency format's adapter (LSCB_FUZZ_FORMAT, e.g.
// "csc-events") on arbitrary file contents. Every envelope an adapter
// produces must be one the hub accepts as valid.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "hub/event_facts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto key = lscb::adapters::LinkageKey::FromSecret("fuzz-linkage-secret-0123456789abcdef");
  static const auto boards = lscb::BoardRegistry::Default();
  static const lscb::adapters::Adapter* adapter = lscb::adapters::FindAdapter(LSCB_FUZZ_FORMAT);
  if (!adapter) __builtin_trap();
  lscb::adapters::AdapterContext ctx{boards, &key, 1199145600};
  std::string_view contents(reinterpret_cast<const char*>(data), size);
  auto parsed = adapter->Parse("fuzz.csv", contents, ctx);
  if (parsed.event_lines.size() != parsed.events.size()) __builtin_trap();
  for (const auto& e : parsed.events) {
    // Far in the future: the adapter bounds dates against the time it runs.
    auto facts = lscb::hub::ValidateEvent(e, *boards, INT64_MAX / 4);
    if (!facts.ok()) {
      std::fprintf(stderr, "adapter %s produced an event the hub rejects: %s\n", LSCB_FUZZ_FORMAT,
                   facts.status().message().c_str());
      __builtin_trap();
    }
  }
  for (const auto& err : parsed.errors) (void)err.ToString();
  return 0;
}
