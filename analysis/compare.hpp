// Comparing two run traces metric by metric (`footprint compare A.h5 B.h5`): the run
// totals and each datacenter, as A, B, B - A and (B - A) / A.
#pragma once

#include <string>
#include <vector>

#include "analysis/report.hpp"

namespace footprint::analysis {

/// One metric of one scope in both runs.
struct CompareRow {
  std::string scope;   ///< "total" or "datacenter"
  std::string name;    ///< "total", or the datacenter's name
  std::string metric;  ///< e.g. "energy_mwh" (the names of docs/trace-format.md's JSON)
  std::string units;   ///< "MWh", "t", "h", "d", "MW"; "" for ratios and counts
  double a = 0;        ///< NaN for a datacenter only in B
  double b = 0;        ///< NaN for a datacenter only in A
  double diff = 0;     ///< b - a
  double percent = 0;  ///< (b - a) / a x 100; NaN when a is 0 (or a value is NaN)
};

struct Comparison {
  /// The totals' metrics, then each datacenter's: those of A in A's order, then those only
  /// in B in B's order. A datacenter present in one run only has NaN for the other.
  std::vector<CompareRow> rows;
  std::vector<std::string> only_in_a;  ///< datacenters (by name) only in A
  std::vector<std::string> only_in_b;
};

/// Totals: energy_mwh, it_energy_mwh, pue, emissions_location_t, emissions_market_t,
/// embodied_t, device_hours, days, peak_facility_mw, p99_facility_mw, jobs_finished,
/// restarts, lost_device_hours, mean_wait_h. Datacenters (matched by name): the same up to
/// p99_facility_mw.
Comparison compare_reports(const Report& a, const Report& b);

/// The comparison in `format`:
///  - "table": a legend (A and B: name, scenario, seed), then per scope a block of
///    metrics (units in the labels) with A, B, B-A and the percent ("-" when undefined);
///    datacenters present in one run only are listed as such, not compared;
///  - "csv": header `scope,name,metric,units,a,b,diff,diff_percent`, one line per row of
///    compare_reports (NaN as "NaN"), numbers at 17 significant digits;
///  - "json": {"a": {...}, "b": {...}, "rows": [...], "only_in_a": [...], "only_in_b": [...]},
///    NaN as null.
/// Throws std::invalid_argument for an unknown format.
std::string render_compare(const Report& a, const Report& b, const std::string& a_name,
                           const std::string& b_name, const std::string& format);

}  // namespace footprint::analysis
