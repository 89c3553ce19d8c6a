// Validation of incoming events, and the facts the indicator view needs
// from each one.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/boards.h"
#include "core/calendar.h"
#include "core/status.h"
#include "hub/definitions.h"
#include "lscb/v1/event.pb.h"

namespace lscb::hub {

// Identifies one child within the hub: the first 16 bytes of the child's
// most specific token (LOCAL, else NHS, else DEMO). All zero: no child.
using ChildKey = std::array<uint8_t, 16>;

struct EventFacts {
  EventKind kind = EventKind::kCscContact;
  uint16_t board = 0;         // BoardRegistry index
  int64_t occurred_at = 0;    // Unix seconds
  Date date;                  // UK local date of occurred_at
  uint8_t age_band = 0;       // AgeBand, 0 when the event has no child
  LabelId label = kTotal;     // source / category / activity
  uint32_t amount = 1;        // what the event adds (children involved)
  ChildKey child{};
  uint64_t record = 0;        // hash of (source, source_event_id): identity and tie-break
};

// Checks an envelope against the schema and the domain rules. On failure the
// message is the reason given in the REJECTED ack (no identifiers in it).
// `now` bounds occurred_at (at most one day ahead).
Result<EventFacts> ValidateEvent(const lscb::v1::Envelope& e, const BoardRegistry& boards, int64_t now);

uint64_t RecordHash(const std::string& source, const std::string& source_event_id);

}  // namespace lscb::hub
