// Answers QueryRequests from the indicator view.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/boards.h"
#include "hub/feed.h"
#include "hub/indicator_view.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

// Snapshots and topic states pass `filter` (disclosure control) unless the
// request asks for raw figures and `raw_allowed`. `sequence` is the log
// position the view reflects.
// The answer goes into `reply` (empty; it may live on an arena, which
// spares the allocation of every cell and string).
// REQUIRES: the caller holds the view's lock (shared).
void AnswerQuery(std::string_view request_bytes, const IndicatorView& view, const BoardRegistry& boards,
                 uint64_t sequence, const PublishFilter& filter, bool raw_allowed, lscb::v1::QueryReply* reply);

// What a query asks for, for authorisation and the audit log.
struct QueryTarget {
  std::string action;  // "snapshot", "state", or the request's other kind ("backup", ...)
  std::string board;   // as asked
  std::string topic;   // the ONS or region code it resolves to; empty when unknown
  std::string period;  // snapshots
  bool raw = false;    // snapshots: unsuppressed figures asked for
};
// nullopt when `request_bytes` is not a QueryRequest (AnswerQuery then
// answers with the error).
std::optional<QueryTarget> InspectQuery(std::string_view request_bytes, const BoardRegistry& boards);

}  // namespace lscb::hub
