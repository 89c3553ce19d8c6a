// libFuzzer: the hub's decoding and validation of one event (an encoded
// lscb.v1.Envelope from the wire), and the facts it derives.
#include <cstddef>
#include <cstdint>

#include "core/boards.h"
#include "hub/event_facts.h"
#include "hub/ingest.h"
#include "lscb/v1/event.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto boards = lscb::BoardRegistry::Default();
  lscb::v1::Envelope env;
  if (!env.ParseFromArray(data, static_cast<int>(size))) return 0;
  // 2008-01-01: the samples' events are in the past, some near "now".
  auto facts = lscb::hub::ValidateEvent(env, *boards, 1199145600);
  if (facts.ok()) {
    (void)lscb::hub::LinkKeys(*facts);
    (void)lscb::hub::LinkGroupOf(*facts);
  }
  (void)lscb::hub::ContentHash(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
