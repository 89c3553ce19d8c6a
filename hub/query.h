// Answers QueryRequests from the indicator view.
#pragma once

#include <string_view>

#include "core/boards.h"
#include "hub/indicator_view.h"
#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

// REQUIRES: the caller holds the view's lock (shared).
lscb::v1::QueryReply AnswerQuery(std::string_view request_bytes, const IndicatorView& view,
                                 const BoardRegistry& boards);

}  // namespace lscb::hub
