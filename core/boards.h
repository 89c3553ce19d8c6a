// The boards (local authorities) the hub knows, and the regions they roll up
// to. The table is data (data/boards.csv, compiled in as the default); a
// deployment may load its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lscb {

struct Board {
  uint16_t index = 0;      // position in the registry, stable for one registry
  std::string ons_code;    // "E09000011"
  std::string dfe_number;  // "203"
  std::string name;        // "Greenwich"
  std::string region;      // "E12000007"
};

inline constexpr std::string_view kLondonRegion = "E12000007";

class BoardRegistry final {
 public:
  // Parses a CSV with the header ons_code,dfe_number,name,region.
  static Result<std::shared_ptr<const BoardRegistry>> FromCsv(std::string_view csv);
  // The compiled-in table of the 33 London boroughs.
  static std::shared_ptr<const BoardRegistry> Default();

  // Accepts an ONS code, a DfE number or a name (case-insensitive, "&" and
  // "and" alike, surrounding spaces ignored).
  const Board* Find(std::string_view code_number_or_name) const;
  const Board* ByOns(std::string_view ons) const;
  const Board& at(uint16_t index) const { return boards_[index]; }
  const std::vector<Board>& all() const { return boards_; }
  // Accepts "london" (any case) or the region code; returns the region code.
  std::optional<std::string> FindRegion(std::string_view text) const;

 private:
  std::vector<Board> boards_;
};

}  // namespace lscb
