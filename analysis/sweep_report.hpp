// Reading a sweep's index (docs/sweeps.md, `index.h5`) back and summarising it: the mean and
// 95 % confidence interval of every metric per axis-value combination (replicas merged) or
// per value of chosen axes, and the main effect of each axis on energy and emissions. This
// is `footprint report DIR/index.h5`; it reads only the index, never the point traces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace footprint::analysis {

/// A number column of `/points` (float64 or int64) other than `point` and `replica`: every
/// such column is a metric, so a new metric column needs no code change here.
struct SweepMetric {
  std::string name;      ///< column name, e.g. "energy_mwh"
  std::string units;     ///< from the table's `units` attribute ("" for counts)
  bool integer = false;  ///< an int64 column (its values are still held as doubles)
};

/// One row of `/points`: one run of one point.
struct SweepPoint {
  std::int64_t point = 0;
  std::int64_t replica = 0;
  std::uint64_t seed = 0;
  std::string file;  ///< the point's trace, relative to the index's folder
  std::string scenario_sha256;
  std::vector<std::string> axis_values;  ///< YAML flow text, parallel to SweepIndex::axes
  std::vector<double> metrics;           ///< parallel to SweepIndex::metrics
};

struct SweepIndex {
  std::string sweep_name;
  std::int64_t points_total = 0;  ///< of the whole sweep; `points` may hold fewer (a shard)
  std::int64_t replicas = 0;
  std::vector<std::string> axes;         ///< axis columns of `/points`: key paths, in order
  std::vector<std::string> axis_groups;  ///< for each of `axes`: its path or zipped group's name
  std::string shard;                     ///< "I/N" in a shard's index, else empty
  std::vector<SweepMetric> metrics;      ///< in column order
  std::vector<SweepPoint> points;        ///< in row (point) order
};

/// Whether `file` is a sweep index (root attribute `kind` is "footprint-sweep-index"); false
/// for a run trace. Throws io::H5Error if it is not an HDF5 file or cannot be read.
bool is_sweep_index(const std::filesystem::path& file);

/// Reads an index. Throws io::H5Error naming the file and the problem for a file that is not
/// a sweep index or is malformed: a missing root attribute or `/points` table, a missing or
/// mistyped fixed column, `axes` and `axis_groups` of different lengths, or an axis listed in
/// `axes` that is not a string column of `/points`.
SweepIndex read_sweep_index(const std::filesystem::path& index);

/// The 0.975 quantile of Student's t distribution with `df` degrees of freedom, the factor of
/// a two-sided 95 % confidence interval. df 1..30: tabulated values to 9 significant digits
/// (agreeing with NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2, to its
/// 3 decimals); beyond 30 the Cornish-Fisher expansion of Abramowitz & Stegun 26.7.5 (four
/// terms; error below 1e-6 for df > 30), which tends to the normal limit 1.959964. NaN for
/// df < 1 (a single value has no interval).
double t_quantile_975(std::int64_t df);

struct SweepReportOptions {
  /// A metric (sorts by its mean), a shown axis path or group name, or "n". Empty: the
  /// order in which the rows first appear in the index (point order).
  std::string sort_by;
  bool descending = false;
  /// Axis paths or group names (`axis_groups`; a group stands for all its paths). Empty:
  /// one row per combination of all axes. Otherwise one row per combination of these
  /// axes, everything else (other axes, replicas) pooled.
  std::vector<std::string> group_by;
  std::string format = "table";  ///< "table", "csv" or "json"
  /// `--where AXIS=VALUE` filters, applied before anything else: a point is kept when, for
  /// every axis named, its value is one of the values given for that axis (filters on one
  /// axis are alternatives, filters on different axes all apply). AXIS is a path or a
  /// zipped group's name (whose value is its paths' values joined by "; ").
  std::vector<std::string> where;
  /// `--paired AXIS=A,B`: paired differences B - A instead of means (paired_differences).
  /// Empty: not paired.
  std::string paired;
  /// `--metric NAME` (repeatable): show only these metrics, in this order. Empty: every
  /// metric of the index.
  std::vector<std::string> metrics;
};

/// `index` with only the metrics named (SweepReportOptions::metrics), in that order; all of
/// them when `names` is empty. Throws InputError naming `--metric` and listing the valid
/// names for a name that is not a metric of the index.
SweepIndex select_metrics(const SweepIndex& index, const std::vector<std::string>& names);

/// The points of `index` that pass every filter of `where` (SweepReportOptions::where).
/// Throws InputError naming `--where` and what was expected: "AXIS=VALUE" with a known
/// axis (the valid ones listed) and one of its values (listed); and at least one point
/// left.
SweepIndex filter_points(const SweepIndex& index, const std::vector<std::string>& where);

/// A sample's paired statistics: the n pairs (a_i, b_i) and their differences
/// d_i = b_i - a_i.
struct PairedStat {
  std::int64_t n = 0;
  double mean_a = 0;
  double mean_b = 0;
  double mean_diff = 0;  ///< mean of the d_i (= mean_b - mean_a up to rounding)
  double sd = 0;    ///< sample standard deviation of the d_i (n - 1 in the divisor); NaN for n = 1
  double t975 = 0;  ///< t_quantile_975(n - 1); NaN for n = 1
  /// The two-sided 95 % confidence interval of the mean difference:
  /// mean_diff -/+ t975 x sd / sqrt(n); NaN for n = 1.
  double ci95_low = 0;
  double ci95_high = 0;
};

/// The statistics of the pairs (a[i], b[i]); a NaN value makes everything but n NaN.
/// Requires a.size() == b.size() > 0.
PairedStat paired_stat(const std::vector<double>& a, const std::vector<double>& b);

/// One row of paired differences: the pairs sharing the row's axis values.
struct PairedRow {
  std::vector<std::string> axis_values;  ///< parallel to PairedSummary::axes; "*" in the all row
  bool all = false;                      ///< the row of all pairs
  std::int64_t n = 0;                    ///< pairs
  std::vector<PairedStat> stats;         ///< per metric, parallel to SweepIndex::metrics
};

struct PairedSummary {
  std::string axis;                ///< as --paired names it: a path or a zipped group's name
  std::vector<std::string> paths;  ///< the axis columns that change between A and B
  std::string value_a;
  std::string value_b;
  std::int64_t pairs = 0;
  std::int64_t pairs_sharing_seed = 0;  ///< pairs whose two points have the same seed
  std::vector<std::string> axes;        ///< the axis paths the rows are keyed by
  std::vector<std::string> pooled;      ///< axes (paths or group names) pooled in each row
  /// One row per combination of `axes` among the pairs (in point order, or sorted), then,
  /// when there is more than one, the row of all pairs.
  std::vector<PairedRow> rows;
};

/// Pairs each point whose `paired` axis has value A with the point whose value is B and
/// whose other axis values and replica are the same (points of one replica share their
/// seed in a sweep: common random numbers), and summarises the differences B - A of
/// every metric per row: one row per combination of the other axes (replicas pooled), or
/// per combination of `group_by` (which may not name the paired axis), then all pairs.
/// `index` is used as given (filter it first). Throws InputError naming `--paired` and
/// what was expected for: not AXIS=A,B, an unknown axis (valid ones listed), a value that
/// is not one of the axis's (its values listed), A equal to B, and a point without its
/// partner or with two (naming the point); and for unknown group_by or sort_by names.
PairedSummary paired_differences(const SweepIndex& index, const SweepReportOptions& options);

/// One row of the summary: the points sharing the row's axis values.
struct SweepRow {
  std::vector<std::string> axis_values;  ///< parallel to SweepSummary::axes
  std::int64_t n = 0;                    ///< points pooled
  std::vector<double> mean;              ///< per metric, parallel to SweepIndex::metrics
  /// Half-width of the 95 % confidence interval of the mean: t_quantile_975(n - 1) x s /
  /// sqrt(n), s the sample standard deviation; NaN for n = 1. A NaN value makes its
  /// metric's mean and half-width NaN.
  std::vector<double> ci95;
};

struct SweepSummary {
  std::vector<std::string> axes;    ///< the axis paths the rows are keyed by
  std::vector<std::string> pooled;  ///< the other axes (paths or zipped group names), pooled
  std::vector<SweepRow> rows;
};

/// Groups and sorts (options.format is not used). Throws std::invalid_argument listing the
/// valid names for an unknown group_by or sort_by name.
SweepSummary summarise_sweep(const SweepIndex& index, const SweepReportOptions& options);

/// The main effect of one axis (group) on one metric.
struct AxisEffect {
  std::string metric;
  std::string axis;                ///< a path, or a zipped group's name
  std::vector<std::string> paths;  ///< the axis columns of the group
  std::size_t levels = 0;          ///< distinct values of the axis among the points
  double overall_mean = 0;         ///< of the metric over all points
  std::string lowest;              ///< the value (paths' values joined by "; ") of lowest mean
  double lowest_mean = 0;
  std::string highest;  ///< the value of highest mean
  double highest_mean = 0;
  double effect = 0;   ///< highest_mean - lowest_mean; NaN if a mean is NaN
  double percent = 0;  ///< effect / overall_mean x 100; NaN if overall_mean is 0
};

/// For each axis group: the metric's mean over the points at each of its values (all other
/// axes and replicas pooled), and max - min over those means. Ranked by effect, largest
/// first (NaN last). Empty if the index has no points; throws std::invalid_argument for an
/// unknown metric.
std::vector<AxisEffect> axis_effects(const SweepIndex& index, std::string_view metric);

/// The summary in options.format (after options.where's filters; with options.paired, the
/// paired differences instead, in the formats docs/sweeps.md describes):
///  - "table": aligned text, a header line, then per row the axis values, n and each
///    metric's "mean ± half-width" (units in the headers, "-" for no interval), then the
///    effect of each axis on energy_mwh and emissions_location_t (those present);
///  - "csv": a header line (axis paths, n, then per metric "NAME (UNITS)" and
///    "NAME ci95 (UNITS)"), one line per row, numbers at 17 significant digits, NaN as
///    "NaN"; no effects;
///  - "json": one object {"sweep", "points", "axes", "metrics", "rows", "effects"},
///    numbers as numbers, NaN as null.
/// Throws std::invalid_argument for an unknown format, group or sort name.
std::string render_sweep(const SweepIndex& index, const SweepReportOptions& options);

}  // namespace footprint::analysis
