// Validation of incoming events, and the facts the indicator view needs
// from each one.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/boards.h"
#include "core/calendar.h"
#include "core/status.h"
#include "hub/definitions.h"
#include "lscb/v1/event.pb.h"

namespace lscb::hub {

// The first 16 bytes of a 32-byte subject token. All zero: none.
using ChildKey = std::array<uint8_t, 16>;
// A hash of all 16 bytes: tokens are keyed hashes, but tests and tools may
// use plain ones.
uint64_t HashChildKey(const ChildKey& key);

// What an aggregate return says.
struct ReturnFacts {
  Indicator indicator = Indicator::kCscContacts;
  uint32_t period = 0;     // Period::Code()
  uint8_t age_band = 0;    // 0: all
  LabelId label = kTotal;  // breakdown
  int64_t value = 0;
  bool not_collected = false;
  uint32_t revision = 1;
  int64_t read_at = 0;
};

// An event's child tokens, held in place: an event has at most kMaxTokens
// (ValidateEvent refuses more), so deciding one allocates nothing for them.
class TokenList {
 public:
  static constexpr size_t kMaxTokens = 8;
  // REQUIRES: size() < kMaxTokens.
  void push_back(const ChildKey& k) { keys_[size_++] = k; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const ChildKey* begin() const { return keys_.data(); }
  const ChildKey* end() const { return keys_.data() + size_; }
  const ChildKey& operator[](size_t i) const { return keys_[i]; }

 private:
  std::array<ChildKey, kMaxTokens> keys_;
  uint8_t size_ = 0;
};

enum EventFlag : uint8_t {
  kHasNhsToken = 1,
  kInjury = 2,
  kIntentAssault = 4,
  kIntentAccidental = 8,
  kSafeguardingConcern = 16,
  kCpIsFlag = 32,
  kCrimeAssault = 64,
};

struct EventFacts {
  EventKind kind = EventKind::kCscContact;
  uint16_t board = 0;       // BoardRegistry index
  int64_t occurred_at = 0;  // Unix seconds
  Date date;                // UK local date of occurred_at
  uint8_t age_band = 0;     // AgeBand, 0 when the event has no child
  LabelId label = kTotal;   // source / category / activity / role / mechanism
  LabelId agency = kTotal;  // police, health, csc, board
  uint8_t flags = 0;        // EventFlag bits
  uint32_t amount = 1;      // what the event adds (children involved)
  ChildKey child{};         // the most specific token (LOCAL, else NHS, else DEMO)
  TokenList tokens;         // every token, for linkage
  uint64_t record = 0;      // hash of (source, source_event_id): identity and tie-break
  uint64_t source = 0;      // hash of source
  ReturnFacts ret;          // kind == kReturn only
};

// Reports of one real incident are linked within a group (domain.md,
// "Recognising the same thing twice").
enum class LinkGroup : uint8_t { kNone = 0, kMissing, kDomesticAbuse, kInjury };
LinkGroup LinkGroupOf(const EventFacts& e);
// The time window of a group, in seconds.
int64_t LinkWindow(const Definitions& d, LinkGroup g);
// Missing episodes and domestic abuse link within a board; an injury links
// an A&E attendance (board of residence) with a police crime anywhere.
inline bool LinksWithinBoard(LinkGroup g) { return g != LinkGroup::kInjury; }
// Whether a report of `g` that matches a record already held is MERGED
// (counted once): missing episodes and domestic abuse. Injuries are linked
// only to compare the police's and A&E's accounts, and both are counted.
inline bool MergesWhenLinked(LinkGroup g) { return g == LinkGroup::kMissing || g == LinkGroup::kDomesticAbuse; }

// Checks an envelope against the schema and the domain rules. On failure the
// message is the reason given in the REJECTED ack (no identifiers in it).
// `now` bounds occurred_at (at most one day ahead).
Result<EventFacts> ValidateEvent(const lscb::v1::Envelope& e, const BoardRegistry& boards, int64_t now);

uint64_t RecordHash(const std::string& source, const std::string& source_event_id);

}  // namespace lscb::hub
