// Internal to adapters/: the factory of each agency format, for the registry
// (registry.cc). Adding a format: implement its Adapter in its own .cc file,
// declare its factory here and add a row to kFormats in registry.cc.
#pragma once

#include <memory>

#include "adapters/adapter.h"

namespace lscb::adapters {

// csc-events: local-authority children's services case records.
std::unique_ptr<Adapter> NewCscEventsAdapter();
// police-events: Metropolitan Police records about children, one row per
// child per record.
std::unique_ptr<Adapter> NewPoliceEventsAdapter();
// police-counts: aggregate returns from the Met central contact point.
std::unique_ptr<Adapter> NewPoliceCountsAdapter();
// ae-attendances: A&E attendances of children.
std::unique_ptr<Adapter> NewAeAttendancesAdapter();
// lscb-return: the Board's spreadsheet return, .xlsx or .csv.
std::unique_ptr<Adapter> NewLscbReturnAdapter();

}  // namespace lscb::adapters
