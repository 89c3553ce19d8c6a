// Internal to adapters/: the factory of each agency format, for the registry
// (registry.cc). Adding a format: implement its Adapter in its own .cc file,
// declare its factory here and add a row to kFormats in registry.cc.
#pragma once

#include <memory>

#include "adapters/adapter.h"

namespace lscb::adapters {

// csc-events: local-authority children's services case records.
std::unique_ptr<Adapter> NewCscEventsAdapter();

}  // namespace lscb::adapters
