#include "client/query_client.h"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "transport/transport.h"

namespace lscb::client {

Result<lscb::v1::Snapshot> FetchSnapshot(const QueryOptions& options, const std::string& board,
                                         const std::string& period) {
  lscb::v1::QueryRequest req;
  req.mutable_snapshot()->set_board(board);
  req.mutable_snapshot()->set_period(period);
  req.mutable_snapshot()->set_raw(options.raw);
  transport::Frames frames = {std::string(), req.SerializeAsString()};
  transport::Context ctx;
  for (int attempt = 0; attempt < std::max(1, options.attempts); ++attempt) {
    transport::ClientOptions co;
    co.curve = options.curve;
    auto client = transport::Client::Connect(ctx, options.endpoint, co);
    if (!client.ok()) return client.status();
    auto start = std::chrono::steady_clock::now();
    Status s = (*client)->Send(frames, options.timeout);
    if (!s.ok()) continue;
    auto left = options.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - start);
    auto got = (*client)->Receive(std::max(left, std::chrono::milliseconds(1)));
    if (!got.ok()) return got.status();
    if (!got->has_value()) continue;
    const auto& reply_frames = **got;
    lscb::v1::QueryReply reply;
    if (reply_frames.empty() || !reply.ParseFromString(reply_frames.back()))
      return Status::Internal("the hub sent an answer that cannot be read");
    if (!reply.error().empty()) return Status::InvalidArgument(reply.error());
    return reply.snapshot();
  }
  return Status::Unavailable("no answer from the hub at " + options.endpoint + " (is lscb-hub running?)");
}

std::string CellValue(const lscb::v1::Cell& c) {
  if (c.suppressed()) return "c";
  if (c.not_available()) return "n/a";
  if (!c.is_rate()) return std::to_string(c.count());
  if (c.denominator() == 0) return "n/a";
  // Per cent to one decimal place, rounding halves up.
  int64_t tenths = (c.numerator() * 10000 / c.denominator() + 5) / 10;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%lld", static_cast<long long>(tenths / 10), static_cast<long long>(tenths % 10));
  return buf;
}

namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string SnapshotToCsv(const lscb::v1::Snapshot& s) {
  std::ostringstream out;
  out << "board,period,indicator,age_band,breakdown,value,basis,flags,definitions\n";
  for (const auto& c : s.cells()) {
    std::string flags;
    for (const auto& f : c.flags()) flags += (flags.empty() ? "" : ";") + f;
    out << CsvField(s.board()) << ',' << CsvField(s.period()) << ',' << CsvField(c.indicator()) << ','
        << CsvField(c.age_band()) << ',' << CsvField(c.breakdown()) << ',' << CellValue(c) << ','
        << CsvField(c.basis()) << ',' << CsvField(flags) << ',' << CsvField(s.definitions_version()) << '\n';
  }
  return out.str();
}

std::string SnapshotToJson(const lscb::v1::Snapshot& s) {
  nlohmann::ordered_json j;
  j["board"] = s.board();
  j["period"] = s.period();
  j["definitions"] = s.definitions_version();
  if (!s.disclosure_rule().empty()) j["disclosure_rule"] = s.disclosure_rule();
  j["cells"] = nlohmann::json::array();
  for (const auto& c : s.cells()) {
    nlohmann::ordered_json cell;
    cell["indicator"] = c.indicator();
    cell["age_band"] = c.age_band();
    cell["breakdown"] = c.breakdown();
    if (c.suppressed()) {
      cell["value"] = "c";
    } else if (c.not_available()) {
      cell["value"] = nullptr;
    } else if (c.is_rate()) {
      cell["value"] = c.denominator() == 0 ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(std::stod(CellValue(c)));
      cell["numerator"] = c.numerator();
      cell["denominator"] = c.denominator();
    } else {
      cell["value"] = c.count();
    }
    cell["basis"] = c.basis();
    cell["flags"] = c.flags();
    j["cells"].push_back(cell);
  }
  return j.dump(2) + "\n";
}

std::string SnapshotToTable(const lscb::v1::Snapshot& s) {
  // One row per indicator and breakdown; one column per age band.
  static const std::vector<std::string> kBands = {"all", "unborn", "under1", "1-4", "5-9", "10-15", "16-17"};
  std::vector<std::pair<std::string, std::string>> rows;
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> values;
  for (const auto& c : s.cells()) {
    auto key = std::make_pair(c.indicator(), c.breakdown());
    if (!values.count(key)) rows.push_back(key);
    std::string v = CellValue(c);
    for (const auto& f : c.flags()) v += f == "reconcile" ? "*" : "!";
    values[key][c.age_band()] = v;
  }
  std::ostringstream out;
  out << "Board " << s.board() << ", period " << s.period() << " (definitions " << s.definitions_version() << ")\n";
  if (!s.disclosure_rule().empty()) out << "Disclosure control: " << s.disclosure_rule() << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-20s", "indicator", "breakdown");
  out << line;
  for (const auto& b : kBands) {
    std::snprintf(line, sizeof line, " %7s", b.c_str());
    out << line;
  }
  out << "\n";
  for (const auto& key : rows) {
    std::snprintf(line, sizeof line, "%-24s %-20s", key.first.c_str(), key.second.empty() ? "(total)" : key.second.c_str());
    out << line;
    for (const auto& b : kBands) {
      auto it = values[key].find(b);
      std::snprintf(line, sizeof line, " %7s", it == values[key].end() ? "-" : it->second.c_str());
      out << line;
    }
    out << "\n";
  }
  if (rows.empty()) out << "(no cells: nothing recorded for this board and period)\n";
  // Flags are data-quality notes on a cell.
  std::map<std::string, std::string> notes;
  for (const auto& c : s.cells())
    for (const auto& f : c.flags())
      notes[f] += (notes[f].empty() ? "" : ", ") + c.indicator() + (c.age_band() == "all" ? "" : " " + c.age_band()) +
                  (c.breakdown().empty() ? "" : " " + c.breakdown());
  for (const auto& [flag, where] : notes) out << "flag " << flag << ": " << where << "\n";
  return out.str();
}

}  // namespace lscb::client
