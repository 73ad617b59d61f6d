// Comparing two run traces metric by metric (`footprint compare A.h5 B.h5`): the run
// totals and each datacenter, site-level and job-level, as A, B, B - A and (B - A) / A;
// and the jobs the two runs share (same name, finished in both).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/report.hpp"

namespace footprint::analysis {

/// One metric of one scope in both runs.
struct CompareRow {
  std::string scope;   ///< "total", "datacenter" or "matched_jobs"
  std::string name;    ///< "total", the datacenter's name, or "matched"
  std::string level;   ///< "site" (the datacenters' own figures), "jobs" or "run"
  std::string metric;  ///< e.g. "energy_mwh" (the names of docs/trace-format.md's JSON)
  std::string units;   ///< "MWh", "t", "h", "d", "MW"; "" for ratios and counts
  double a = 0;        ///< NaN for a datacenter only in B
  double b = 0;        ///< NaN for a datacenter only in A
  double diff = 0;     ///< b - a
  double percent = 0;  ///< (b - a) / a x 100; NaN when a is 0 (or a value is NaN)
};

/// The jobs of A and B with the same name that finished in both (the k-th job of a name in
/// A with the k-th of that name in B), summed or averaged over them.
struct MatchedJobs {
  std::int64_t count = 0;
  double energy_mwh_a = 0;
  double energy_mwh_b = 0;
  double emissions_location_t_a = 0;
  double emissions_location_t_b = 0;
  double emissions_market_t_a = 0;
  double emissions_market_t_b = 0;
  /// Mean start time, h (NaN without matched jobs): B - A is the mean start delay.
  double mean_start_h_a = 0;
  double mean_start_h_b = 0;
  double mean_wait_h_a = 0;
  double mean_wait_h_b = 0;
};

/// Matches the jobs of two reports (all their jobs must have been read).
MatchedJobs match_jobs(const Report& a, const Report& b);

struct Comparison {
  /// The totals' metrics, then each datacenter's: those of A in A's order, then those only
  /// in B in B's order; then the matched jobs'. A datacenter present in one run only has
  /// NaN for the other.
  std::vector<CompareRow> rows;
  std::vector<std::string> only_in_a;  ///< datacenters (by name) only in A
  std::vector<std::string> only_in_b;
  MatchedJobs matched;
};

/// Totals and datacenters (matched by name), in this order:
///  - site: energy_mwh, it_energy_mwh, pue, emissions_location_t, emissions_market_t,
///    idle_energy_mwh, idle_emissions_location_t, idle_emissions_market_t (site less its
///    jobs), embodied_t, peak_facility_mw, p99_facility_mw, device_hours, days;
///  - jobs: jobs_finished, jobs_energy_mwh, jobs_emissions_location_t,
///    jobs_emissions_market_t, mean_wait_h, p95_wait_h;
///  - run (totals only): restarts, lost_device_hours.
/// Matched jobs (scope "matched_jobs", level "jobs"): jobs (the count, the same in A and
/// B), energy_mwh, emissions_location_t, emissions_market_t, mean_start_h, mean_wait_h.
Comparison compare_reports(const Report& a, const Report& b);

/// The comparison in `format`:
///  - "table": a legend (A and B: name, scenario, seed), then per scope a block of
///    metrics (units in the labels, site and jobs levels apart) with A, B, B-A and the
///    percent ("-" when undefined); datacenters present in one run only are listed as such,
///    not compared; then the matched jobs, and a line saying how much later or earlier B
///    starts them on average; then a note on embodied figures not published;
///  - "csv": header `scope,name,level,metric,units,a,b,diff,diff_percent`, one line per
///    row of compare_reports (NaN as "NaN"), numbers at 17 significant digits;
///  - "json": {"a": {...}, "b": {...}, "rows": [...], "only_in_a": [...], "only_in_b":
///    [...], "matched_jobs": {...}}, NaN as null.
/// Throws std::invalid_argument for an unknown format.
std::string render_compare(const Report& a, const Report& b, const std::string& a_name,
                           const std::string& b_name, const std::string& format);

}  // namespace footprint::analysis
