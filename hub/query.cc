#include "hub/query.h"

#include <optional>

namespace lscb::hub {

namespace {

// The ONS code of a board, or the region code for "london" / a region.
std::optional<std::string> Topic(const BoardRegistry& boards, const std::string& text) {
  if (auto region = boards.FindRegion(text)) return *region;
  if (const Board* b = boards.Find(text)) return b->ons_code;
  return std::nullopt;
}

}  // namespace

std::optional<QueryTarget> InspectQuery(std::string_view bytes, const BoardRegistry& boards) {
  lscb::v1::QueryRequest req;
  if (!req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  QueryTarget t;
  if (req.has_snapshot()) {
    t.action = "snapshot";
    t.board = req.snapshot().board();
    t.period = req.snapshot().period();
    t.raw = req.snapshot().raw();
  } else if (req.has_state()) {
    t.action = "state";
    t.board = req.state().board();
  } else {
    const auto* field = req.GetDescriptor()->FindFieldByNumber(static_cast<int>(req.query_case()));
    t.action = field ? field->name() : "unsupported";
    return t;
  }
  if (auto topic = Topic(boards, t.board)) t.topic = *topic;
  return t;
}

void AnswerQuery(std::string_view bytes, const IndicatorView& view, const BoardRegistry& boards, uint64_t sequence,
                 const PublishFilter& filter, bool raw_allowed, lscb::v1::QueryReply* out) {
  lscb::v1::QueryReply& reply = *out;
  lscb::v1::QueryRequest req;
  if (!req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    reply.set_error("malformed query: not an lscb.v1.QueryRequest");
    return;
  }
  const std::string board = req.has_snapshot() ? req.snapshot().board() : req.state().board();
  if (!req.has_snapshot() && !req.has_state()) {
    reply.set_error("unsupported query");
    return;
  }
  auto topic = Topic(boards, board);
  if (!topic) {
    reply.set_error("unknown board '" + board + "' (give an ONS code, a DfE number, a name or 'london')");
    return;
  }
  if (req.has_state()) {
    *reply.mutable_state() = TopicState(view, *topic, sequence, filter);
    return;
  }
  const auto& s = req.snapshot();
  auto period = ParsePeriod(s.period());
  if (!period.ok()) {
    reply.set_error(period.status().message());
    return;
  }
  if (s.raw() && !raw_allowed) {
    reply.set_error("raw (unsuppressed) figures are not allowed here");
    return;
  }
  lscb::v1::Snapshot* snap = reply.mutable_snapshot();
  view.Query(*topic, *period, snap);
  if (!s.raw() && filter) filter(*snap);
}

}  // namespace lscb::hub
