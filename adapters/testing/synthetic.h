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
  // csc-events only. 0: no amendments. k > 0: the data rows whose 0-based
  // index % k == 0 get one field changed (contact source, abuse or missing
  // category, children involved or occurred_at on the same day) and stay
  // valid; record_id and every other row are as without amendments.
  size_t amend_every = 0;
  // police-events and ae-attendances only: a csc-events CSV (the output of
  // SyntheticCscEventsCsv, or the committed sample) whose children these
  // feeds share, so that the hub's linkage has something to find. The shared
  // rows come first in the count of rows; their children, times and details
  // depend only on this CSV and [first, last] (not on the seed), so that the
  // police and A&E feeds made from one CSV agree:
  //  - police-events reports every other MISSING_EPISODE of it again: the
  //    same child, borough, category and return time, on the same UK local
  //    day, 15 to 120 minutes later (at 23:59 at the latest; for a bare
  //    date, between 08:00 and 20:00);
  //  - of the children aged 10 to 17 at some day in [first, last], every
  //    sixth (in order of first appearance) has a "knife incident": the
  //    police record a CHILD_INJURY_CRIME (assault, knife) in the evening and
  //    A&E an injury attendance 30 to 180 minutes later, sharp mechanism,
  //    intent "accidental" as stated at triage, no safeguarding concern.
  // The police write a shared child's surname, forenames and dob (and the
  // NHS number when the child has no name in the CSV); A&E write every
  // identifier the CSV has. Empty: nothing shared.
  std::string shared_csc_events;
};

// A valid csc-events CSV (header + `rows` data rows, in date order): children
// with la_child_id reused across rows (re-referrals, repeat plans, plan start
// and end pairs), every record type in plausible proportions (contacts most
// common), most children with an NHS number, the rest with name and date of
// birth, ages 0-17 and a few unborn. Record ids are unique per borough.
std::string SyntheticCscEventsCsv(size_t rows, uint64_t seed, const SyntheticOptions& options = {});

// A valid police-events CSV (header + `rows` data rows, in time order), with
// the columns record_id, reporting_unit, record_type, borough, occurred_at,
// ended_at, missing_category, child_role, weapon, crime_class, nhs_number,
// surname, forenames, dob, postcode. Besides the shared rows (see
// SyntheticOptions::shared_csc_events): missing or absent episodes of
// children aged 10 to 17 (one to three each), domestic-abuse incidents with
// one to three children of any age (one row per child), some of them
// recorded again by the borough's own unit (reporting_unit = the borough,
// other record ids, up to an hour later), and injury crimes against children
// aged 10 to 17. The central feed's rows say "central" or leave
// reporting_unit blank. Children have surname, forenames and dob, about a
// third also an NHS number. Record ids are unique per reporting unit.
std::string SyntheticPoliceEventsCsv(size_t rows, uint64_t seed, const SyntheticOptions& options = {});

// A valid ae-attendances CSV (header + `rows` data rows, in time order), with
// the columns attendance_id, site_code, arrived_at, borough, nhs_number,
// surname, forenames, dob, postcode, injury, injury_intent, injury_mechanism,
// safeguarding_concern, cp_plan_flag. Besides the shared rows: attendances of
// children of every age at a few sites (some children attend again), about
// two thirds injuries, mostly accidental, a few assaults and self-harm, a
// safeguarding concern on a minority (more often after an assault or
// self-harm, or for a baby), cp_plan_flag Y on a few, N or blank on the
// rest. Most children have an NHS number. Attendance ids are unique per site.
std::string SyntheticAeAttendancesCsv(size_t rows, uint64_t seed, const SyntheticOptions& options = {});

}  // namespace lscb::adapters
