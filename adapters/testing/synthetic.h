// Synthetic agency feeds for tests and demos (library lscb_adapters_testing).
//
// Every person in the output is fictitious: NHS numbers are in the 999 range
// (never issued to real patients) and names are drawn from short lists of
// common names. Output is a pure function of (rows, seed, options).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/calendar.h"

namespace lscb::adapters {

struct SyntheticOptions {
  // The values written in the borough column; each borough has its own
  // children and record ids. Default: Greenwich, Hackney, Lambeth.
  std::vector<std::string> boroughs = {"E09000011", "E09000012", "E09000022"};
  // Events occur on UK local days in [first, last]. Children are at most 17
  // on `last`.
  Date first = FromCivil({2007, 4, 1});
  Date last = FromCivil({2008, 3, 31});
  // 0: no amendments. k > 0: the data rows whose 0-based index % k == 0 get
  // one field changed (contact source, abuse or missing category, children
  // involved or occurred_at on the same day) and stay valid; record_id and
  // every other row are as without amendments.
  size_t amend_every = 0;
};

// A valid csc-events CSV (header + `rows` data rows, in date order): children
// with la_child_id reused across rows (re-referrals, repeat plans, plan start
// and end pairs), every record type in plausible proportions (contacts most
// common), most children with an NHS number, the rest with name and date of
// birth, ages 0-17 and a few unborn. Record ids are unique per borough.
std::string SyntheticCscEventsCsv(size_t rows, uint64_t seed, const SyntheticOptions& options = {});

}  // namespace lscb::adapters
