#include <algorithm>
#include <array>
#include <memory>

#include "adapters/adapter.h"
#include "adapters/formats.h"

namespace lscb::adapters {
namespace {

struct Format {
  std::string_view name;
  std::unique_ptr<Adapter> (*make)();
};

// Every format `lscb import --format` accepts. Adapters are stateless, so one
// instance of each serves all callers.
constexpr std::array kFormats = {
    Format{"csc-events", &NewCscEventsAdapter},
    Format{"police-events", &NewPoliceEventsAdapter},
    Format{"police-counts", &NewPoliceCountsAdapter},
    Format{"ae-attendances", &NewAeAttendancesAdapter},
    Format{"lscb-return", &NewLscbReturnAdapter},
};

struct Instances {
  std::array<std::unique_ptr<Adapter>, kFormats.size()> adapters;
  Instances() {
    for (size_t i = 0; i < kFormats.size(); ++i) adapters[i] = kFormats[i].make();
  }
};

const Instances& AllAdapters() {
  static const Instances kInstances;
  return kInstances;
}

}  // namespace

std::string RecordError::ToString() const {
  std::string out = cell.empty() ? file + ":" + std::to_string(line) + ": " : file + ": " + cell + ": ";
  if (!field.empty()) out += field + ": ";
  return out + problem;
}

const Adapter* FindAdapter(std::string_view format) {
  for (size_t i = 0; i < kFormats.size(); ++i)
    if (kFormats[i].name == format) return AllAdapters().adapters[i].get();
  return nullptr;
}

std::vector<std::string> AdapterNames() {
  std::vector<std::string> names;
  for (const Format& format : kFormats) names.emplace_back(format.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace lscb::adapters
