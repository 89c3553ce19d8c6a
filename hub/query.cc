#include "hub/query.h"

namespace lscb::hub {

lscb::v1::QueryReply AnswerQuery(std::string_view bytes, const IndicatorView& view, const BoardRegistry& boards) {
  lscb::v1::QueryReply reply;
  lscb::v1::QueryRequest req;
  if (!req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    reply.set_error("malformed query: not an lscb.v1.QueryRequest");
    return reply;
  }
  if (!req.has_snapshot()) {
    reply.set_error("unsupported query");
    return reply;
  }
  const auto& s = req.snapshot();
  std::string target;
  if (auto region = boards.FindRegion(s.board())) {
    target = *region;
  } else if (const Board* b = boards.Find(s.board())) {
    target = b->ons_code;
  } else {
    reply.set_error("unknown board '" + s.board() + "' (give an ONS code, a DfE number, a name or 'london')");
    return reply;
  }
  auto period = ParsePeriod(s.period());
  if (!period.ok()) {
    reply.set_error(period.status().message());
    return reply;
  }
  *reply.mutable_snapshot() = view.Query(target, *period);
  return reply;
}

}  // namespace lscb::hub
