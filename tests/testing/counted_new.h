// Counts heap allocations (operator new) made on the calling thread.
//
// counted_new.cc replaces the global operator new and delete (with malloc
// and free): link it into a program of its own, never into one that other
// tests share.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lscb::testing {

// Turns counting on or off for the calling thread (off at first).
void CountAllocations(bool on);
// The allocations counted on the calling thread so far.
uint64_t AllocationsCounted();
// Called, on the allocating thread, for each allocation counted (with
// counting off meanwhile, so that what it allocates is not counted); null:
// none.
void SetAllocationHook(void (*hook)(std::size_t bytes));

}  // namespace lscb::testing
