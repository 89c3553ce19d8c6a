#include "core/boards.h"

#include <algorithm>
#include <cctype>

#include "core/boards_data.h"

namespace lscb {
namespace {

std::string NormaliseName(std::string_view s) {
  std::string out;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (word == "&") word = "and";
    if (!out.empty()) out += ' ';
    out += word;
    word.clear();
  };
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      flush();
    } else if (c == '&') {
      flush();
      word = "&";
      flush();
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  flush();
  return out;
}

std::vector<std::string> SplitLine(std::string_view line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') out.emplace_back();
    else if (c != '\r') out.back() += c;
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const BoardRegistry>> BoardRegistry::FromCsv(std::string_view csv) {
  auto reg = std::make_shared<BoardRegistry>();
  size_t line_no = 0;
  while (!csv.empty()) {
    size_t nl = csv.find('\n');
    std::string_view line = csv.substr(0, nl);
    csv = nl == std::string_view::npos ? std::string_view() : csv.substr(nl + 1);
    ++line_no;
    if (line_no == 1 || line.empty() || line == "\r") continue;
    auto f = SplitLine(line);
    if (f.size() != 4 || f[0].empty() || f[2].empty())
      return Status::InvalidArgument("boards table line " + std::to_string(line_no) +
                                     ": expected ons_code,dfe_number,name,region");
    Board b{static_cast<uint16_t>(reg->boards_.size()), f[0], f[1], f[2], f[3]};
    reg->boards_.push_back(std::move(b));
  }
  if (reg->boards_.empty()) return Status::InvalidArgument("boards table is empty");
  return std::shared_ptr<const BoardRegistry>(std::move(reg));
}

std::shared_ptr<const BoardRegistry> BoardRegistry::Default() {
  static const std::shared_ptr<const BoardRegistry> kDefault = [] {
    auto r = FromCsv(kBoardsCsv);
    return r.ok() ? r.value() : std::make_shared<const BoardRegistry>();
  }();
  return kDefault;
}

const Board* BoardRegistry::Find(std::string_view text) const {
  std::string norm = NormaliseName(text);
  if (norm.empty()) return nullptr;
  for (const Board& b : boards_) {
    if (NormaliseName(b.ons_code) == norm || (!b.dfe_number.empty() && b.dfe_number == norm) ||
        NormaliseName(b.name) == norm)
      return &b;
  }
  return nullptr;
}

const Board* BoardRegistry::ByOns(std::string_view ons) const {
  for (const Board& b : boards_)
    if (b.ons_code == ons) return &b;
  return nullptr;
}

std::optional<std::string> BoardRegistry::FindRegion(std::string_view text) const {
  std::string norm = NormaliseName(text);
  if (norm == "london") return std::string(kLondonRegion);
  for (const Board& b : boards_)
    if (NormaliseName(b.region) == norm) return b.region;
  return std::nullopt;
}

}  // namespace lscb
