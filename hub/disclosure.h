// Disclosure control: what may be published outside the hub.
//
// Official-statistics practice (DfE uses 1-5, NHS 1-7; the hub 1-4 by
// default):
//  - primary suppression: a count from 1 to `threshold` is withheld ("c");
//  - secondary suppression: where a withheld value could be recovered from
//    the published cells it adds up with, another cell is withheld too. The
//    groups (a total and the cells that sum to it) are
//      * a breakdown: the cells of one indicator and age band (each
//        breakdown label, summing to the total "");
//      * the age bands: the cells of one indicator and breakdown (each band,
//        summing to "all");
//      * for snapshots published together (SuppressTogether), the periods:
//        a year and its quarters, a year and its months, a quarter and its
//        months, for counts that add up over time.
//    A group whose total is not "not available" must not have exactly one
//    withheld cell: when it has, the smallest non-zero published one of its
//    parts is withheld as well (ties: the first listed);
//    when there is none, the total is. This is repeated over all groups
//    until nothing changes, since a cell withheld in one group can expose
//    another group it belongs to;
//  - zero is shown;
//  - a rate is withheld when its numerator or denominator is a count from 1
//    to `threshold`, or when a published count it is built on is withheld
//    (CSC_CONTACT_CONVERSION = CSC_REFERRALS / CSC_CONTACTS of the same age
//    band). A rate whose basis is "return" carries a percentage (numerator
//    per 100), not counts: only the second test applies to it.
// A withheld cell keeps its indicator, age band, breakdown, basis and flags;
// it gets suppressed = true and count, numerator and denominator 0. Cells
// that are "not available" are left as they are.
//
// Suppress is a pure function and idempotent: cells already suppressed stay
// suppressed (and count as withheld), so a suppressed snapshot may be passed
// through it again.
//
// Not covered: differencing across tables that are published separately
// (a borough against London minus the other boroughs; a year and its
// quarters asked for one by one). Tables published side by side go through
// SuppressTogether.
#pragma once

#include <string>
#include <vector>

#include "lscb/v1/wire.pb.h"

namespace lscb::hub {

struct DisclosureRule {
  // Counts from 1 to `threshold` are withheld. 0: nothing is withheld
  // (raw figures).
  int threshold = 4;

  // The rule as stated in Snapshot.disclosure_rule, e.g. "counts 1-4
  // suppressed (c); secondary suppression within each breakdown and across
  // age bands; rates on suppressed counts suppressed".
  std::string Describe() const;
};

// The publishable version of `raw` under `rule` (see above). Sets
// disclosure_rule to rule.Describe() (empty when threshold <= 0, in which
// case the cells are returned unchanged).
lscb::v1::Snapshot Suppress(const lscb::v1::Snapshot& raw, const DisclosureRule& rule);
// The same, reusing `raw`'s cells (no copy).
lscb::v1::Snapshot Suppress(lscb::v1::Snapshot&& raw, const DisclosureRule& rule);
// The same, in place (the snapshot may live on an arena).
void SuppressInPlace(lscb::v1::Snapshot& snapshot, const DisclosureRule& rule);

// Periods that add up: the snapshot at index `total` is the sum of those at
// `parts` (indices into the snapshots given to SuppressTogether).
struct PeriodSum {
  size_t total = 0;
  std::vector<size_t> parts;
};

// The sums among `periods` (period strings, e.g. "FY2007-08", "2007-Q2",
// "2007-04"): each year with its four quarters and with its twelve months,
// each quarter with its three months, where all of them are listed.
std::vector<PeriodSum> PeriodSums(const std::vector<std::string>& periods);

// Snapshots of one board published side by side (e.g. a year, its quarters
// and its months in one workbook): each is suppressed as by Suppress, and
// besides each snapshot's own groups, every count that adds up over time
// forms a group over each PeriodSum, so that e.g. a withheld quarter cannot
// be recovered from the year and the other quarters. Counts of a stock or
// of distinct children do not add up over time and form no such group:
// CSC_CPP_OPEN, MIS_CHILDREN, MIS_REPEAT_CHILDREN, MAPPA_OFFENDERS. With
// any sums, the rule stated adds "; secondary suppression across the
// periods published together".
// REQUIRES: every index in `sums` < raw.size().
std::vector<lscb::v1::Snapshot> SuppressTogether(const std::vector<lscb::v1::Snapshot>& raw,
                                                 const std::vector<PeriodSum>& sums, const DisclosureRule& rule);
// SuppressTogether on the snapshots in place.
void SuppressInPlace(std::vector<lscb::v1::Snapshot>& snapshots, const std::vector<PeriodSum>& sums,
                     const DisclosureRule& rule);

}  // namespace lscb::hub
