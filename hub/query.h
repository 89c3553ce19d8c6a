// Answers QueryRequests from the indicator view.
#pragma once

#include <string_view>

#include "core/boards.h"
#include "hub/feed.h"
#include "hub/indicator_view.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

// Snapshots and topic states pass `filter` (disclosure control) unless the
// request asks for raw figures and `raw_allowed`. `sequence` is the log
// position the view reflects.
// REQUIRES: the caller holds the view's lock (shared).
lscb::v1::QueryReply AnswerQuery(std::string_view request_bytes, const IndicatorView& view,
                                 const BoardRegistry& boards, uint64_t sequence, const PublishFilter& filter,
                                 bool raw_allowed);

}  // namespace lscb::hub
