#include "analysis/sweep_report.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "analysis/text_format.hpp"

#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace footprint::analysis {
namespace {

constexpr std::string_view kIndexKind = "footprint-sweep-index";
/// Index format versions read: 1 (a compound `/points` table), 2 (a group of columns).
constexpr std::array<std::string_view, 2> kIndexFormatVersions{"1", "2"};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// The metrics whose axis effects the table and JSON formats show.
constexpr std::array<std::string_view, 2> kEffectMetrics = {"energy_mwh", "emissions_location_t"};

// --- text output (the conventions of report.cpp) --------------------------------------

/// Display width of UTF-8 text: its code points (no wide characters in our output).
std::size_t text_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// Aligned columns separated by two spaces; `right[c]` right-aligns column c. Trailing
/// spaces are trimmed.
std::string align(const std::vector<std::vector<std::string>>& cells,
                  const std::vector<bool>& right) {
  std::vector<std::size_t> width;
  for (const auto& row : cells) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t c = 0; c < row.size(); ++c) {
      width[c] = std::max(width[c], text_width(row[c]));
    }
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - text_width(row[c]), ' ');
      line += c ? "  " : "";
      line += c < right.size() && right[c] ? pad + row[c] : row[c] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  }
  return out;
}

std::string with_units(std::string_view name, std::string_view units) {
  return units.empty() ? std::string(name) : fmt::format("{} ({})", name, units);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i ? std::string(sep) : std::string()) + items[i];
  }
  return out;
}

// --- reading -----------------------------------------------------------------------------

std::string_view type_name(io::ColumnType t) {
  switch (t) {
    case io::ColumnType::float64:
      return "float64";
    case io::ColumnType::int64:
      return "int64";
    case io::ColumnType::uint64:
      return "uint64";
    case io::ColumnType::string:
      return "string";
  }
  return "unknown";
}

// --- statistics ------------------------------------------------------------------------

struct MeanCi {
  double mean = kNaN;
  double ci95 = kNaN;
};

MeanCi mean_ci(const std::vector<double>& xs) {
  MeanCi r;
  if (xs.empty()) {
    return r;
  }
  // Sums of deviations from the first value: exact for equal values (their interval is 0,
  // not rounding noise) and free of cancellation for values far from 0.
  const double n = static_cast<double>(xs.size());
  const double x0 = xs.front();
  double sum = 0;
  for (const double x : xs) {
    sum += x - x0;
  }
  r.mean = x0 + sum / n;
  if (xs.size() > 1) {
    double ss = 0;
    for (const double x : xs) {
      ss += (x - x0) * (x - x0);
    }
    // Sample variance: (sum of squared deviations from x0 - n (mean - x0)^2) / (n - 1).
    const double var = std::max(0.0, (ss - sum * sum / n) / (n - 1));
    r.ci95 = t_quantile_975(static_cast<std::int64_t>(xs.size()) - 1) * std::sqrt(var / n);
  }
  return r;
}

/// Axis values are YAML flow text: a leading number ("1.1", "394 g/kWh") orders
/// numerically, numbers before text, then text in byte order.
bool value_less(const std::string& a, const std::string& b) {
  double x = 0;
  double y = 0;
  const auto ra = std::from_chars(a.data(), a.data() + a.size(), x);
  const auto rb = std::from_chars(b.data(), b.data() + b.size(), y);
  const bool na = ra.ec == std::errc{} && !std::isnan(x);
  const bool nb = rb.ec == std::errc{} && !std::isnan(y);
  if (na && nb && x != y) {
    return x < y;
  }
  if (na != nb) {
    return na;
  }
  return a < b;
}

/// Distinct axis groups in order of first appearance, each with its column indices.
std::vector<std::pair<std::string, std::vector<std::size_t>>> groups_of(const SweepIndex& index) {
  std::vector<std::pair<std::string, std::vector<std::size_t>>> groups;
  for (std::size_t i = 0; i < index.axes.size(); ++i) {
    const std::string& g = i < index.axis_groups.size() ? index.axis_groups[i] : index.axes[i];
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& entry) { return entry.first == g; });
    if (it == groups.end()) {
      groups.emplace_back(g, std::vector<std::size_t>{});
      it = std::prev(groups.end());
    }
    it->second.push_back(i);
  }
  return groups;
}

std::string valid_axis_names(const SweepIndex& index) {
  std::vector<std::string> names = index.axes;
  for (const auto& [g, cols] : groups_of(index)) {
    if (std::find(names.begin(), names.end(), g) == names.end()) {
      names.push_back(g);
    }
  }
  return names.empty() ? std::string("(the sweep has no axes)") : join(names, ", ");
}

std::optional<std::size_t> metric_index(const SweepIndex& index, std::string_view name) {
  for (std::size_t m = 0; m < index.metrics.size(); ++m) {
    if (index.metrics[m].name == name) {
      return m;
    }
  }
  return std::nullopt;
}

void check_format(const std::string& format) {
  if (format != "table" && format != "csv" && format != "json") {
    throw std::invalid_argument(
        fmt::format("unknown report format '{}' (valid: table, csv, json)", format));
  }
}

InputError flag_error(std::string message) {
  return InputError(Diagnostic{.message = std::move(message)});
}

/// The group (path itself or zipped group's name) of axis column c.
const std::string& group_of(const SweepIndex& index, std::size_t c) {
  return c < index.axis_groups.size() ? index.axis_groups[c] : index.axes[c];
}

/// An axis named on the command line: a path (`label` its column) or a zipped group's
/// name (`label` all its columns); `group` holds every column of its group, which change
/// together.
struct AxisRef {
  std::string name;
  std::vector<std::size_t> label;
  std::vector<std::size_t> group;
};

/// The axis whose name followed by '=' starts `text` (the longest such name: paths may hold
/// '='), and the text after the '='; nullopt if none.
std::optional<std::pair<AxisRef, std::string>> split_axis(const SweepIndex& index,
                                                          std::string_view text) {
  std::optional<std::pair<AxisRef, std::string>> best;
  const auto consider = [&](const std::string& name, std::vector<std::size_t> label,
                            std::vector<std::size_t> group) {
    if (text.size() > name.size() && text.substr(0, name.size()) == name &&
        text[name.size()] == '=' && (!best || best->first.name.size() < name.size())) {
      best.emplace(AxisRef{name, std::move(label), std::move(group)},
                   std::string(text.substr(name.size() + 1)));
    }
  };
  const auto groups = groups_of(index);
  for (std::size_t c = 0; c < index.axes.size(); ++c) {
    const auto g = std::find_if(groups.begin(), groups.end(),
                                [&](const auto& e) { return e.first == group_of(index, c); });
    consider(index.axes[c], {c}, g->second);
  }
  for (const auto& [name, cols] : groups) {
    if (std::find(index.axes.begin(), index.axes.end(), name) == index.axes.end()) {
      consider(name, cols, cols);
    }
  }
  return best;
}

/// A point's value of an axis: its label columns' values joined by "; ".
std::string value_of(const SweepPoint& p, const AxisRef& axis) {
  std::vector<std::string> values;
  for (const auto c : axis.label) {
    values.push_back(p.axis_values.at(c));
  }
  return join(values, "; ");
}

/// The distinct values of an axis among the points, in order of first appearance.
std::vector<std::string> values_of(const SweepIndex& index, const AxisRef& axis) {
  std::vector<std::string> out;
  for (const auto& p : index.points) {
    auto v = value_of(p, axis);
    if (std::find(out.begin(), out.end(), v) == out.end()) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

/// Values for a message: each in single quotes (values may hold commas).
std::string quoted(const std::vector<std::string>& values) {
  std::vector<std::string> q;
  for (const auto& v : values) {
    q.push_back("'" + v + "'");
  }
  return q.empty() ? std::string("(none)") : join(q, ", ");
}

/// Resolves the axis of a --where or --paired argument, or throws naming the flag.
std::pair<AxisRef, std::string> resolve_axis(const SweepIndex& index, std::string_view flag,
                                             std::string_view text, std::string_view form) {
  auto found = split_axis(index, text);
  if (!found) {
    throw flag_error(fmt::format("{} '{}': expected {} with AXIS one of: {}", flag, text, form,
                                 valid_axis_names(index)));
  }
  return std::move(*found);
}

/// The statistics of one paired sample (see paired_stat), from deviations of the first
/// difference: exact for equal differences (their sd is 0, not rounding noise).
PairedStat stat_of(const std::vector<double>& a, const std::vector<double>& b) {
  PairedStat s;
  s.n = static_cast<std::int64_t>(a.size());
  const double n = static_cast<double>(a.size());
  double sum_a = 0;
  double sum_b = 0;
  const double d0 = b.front() - a.front();
  double sum = 0;
  double ss = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum_a += a[i];
    sum_b += b[i];
    const double dev = (b[i] - a[i]) - d0;
    sum += dev;
    ss += dev * dev;
  }
  s.mean_a = sum_a / n;
  s.mean_b = sum_b / n;
  s.mean_diff = d0 + sum / n;
  if (a.size() < 2 || !std::isfinite(s.mean_diff)) {
    s.sd = kNaN;
    s.t975 = a.size() < 2 ? kNaN : t_quantile_975(s.n - 1);
    s.ci95_low = kNaN;
    s.ci95_high = kNaN;
    if (!std::isfinite(s.mean_diff)) {
      s.mean_a = s.mean_b = s.mean_diff = kNaN;
    }
    return s;
  }
  s.sd = std::sqrt(std::max(0.0, (ss - sum * sum / n) / (n - 1)));
  s.t975 = t_quantile_975(s.n - 1);
  const double half = s.t975 * s.sd / std::sqrt(n);
  s.ci95_low = s.mean_diff - half;
  s.ci95_high = s.mean_diff + half;
  return s;
}

}  // namespace

double t_quantile_975(std::int64_t df) {
  // t_{0.975, df} for df = 1..30, to 9 significant digits (computed as the inverse of the
  // regularised incomplete beta function; NIST/SEMATECH e-Handbook 1.3.6.7.2 lists them to
  // 3 decimals: 12.706, 4.303, 3.182, ..., 2.042).
  static constexpr std::array<double, 30> kTable = {
      12.7062047, 4.30265273, 3.18244631, 2.77644511, 2.57058184, 2.44691185,
      2.36462425, 2.30600414, 2.26215716, 2.22813885, 2.20098516, 2.17881283,
      2.16036866, 2.14478669, 2.13144955, 2.11990530, 2.10981558, 2.10092204,
      2.09302405, 2.08596345, 2.07961384, 2.07387307, 2.06865761, 2.06389856,
      2.05953855, 2.05552944, 2.05183052, 2.04840714, 2.04522964, 2.04227246};
  if (df < 1) {
    return kNaN;
  }
  if (df <= static_cast<std::int64_t>(kTable.size())) {
    return kTable[static_cast<std::size_t>(df - 1)];
  }
  // Abramowitz & Stegun 26.7.5: t = z + g1/v + g2/v^2 + g3/v^3 + g4/v^4, z the normal
  // quantile (0.975: 1.959963984540054).
  constexpr double z = 1.959963984540054;
  const double z2 = z * z;
  const double z3 = z2 * z;
  const double z5 = z3 * z2;
  const double z7 = z5 * z2;
  const double z9 = z7 * z2;
  const double g1 = (z3 + z) / 4;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  const double v = static_cast<double>(df);
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

bool is_sweep_index(const std::filesystem::path& file) {
  const auto f = io::File::open_read(file);
  const auto root = f.root();
  return root.has_attr("kind") && root.get_attr_string("kind") == kIndexKind;
}

SweepIndex read_sweep_index(const std::filesystem::path& path) {
  const auto f = io::File::open_read(path);
  const auto root = f.root();
  const auto bad = [&](const std::string& what) {
    return io::H5Error(fmt::format("sweep index '{}': {}", path.string(), what));
  };
  if (!root.has_attr("kind")) {
    throw bad("not a sweep index: no root attribute 'kind' (a run trace?)");
  }
  if (const auto kind = root.get_attr_string("kind"); kind != kIndexKind) {
    throw bad(fmt::format("not a sweep index: root attribute 'kind' is '{}', expected '{}'", kind,
                          kIndexKind));
  }
  for (const char* attr :
       {"format_version", "sweep_name", "points_total", "replicas", "axes", "axis_groups"}) {
    if (!root.has_attr(attr)) {
      throw bad(fmt::format("missing root attribute '{}'", attr));
    }
  }
  if (const auto v = root.get_attr_string("format_version");
      std::find(kIndexFormatVersions.begin(), kIndexFormatVersions.end(), v) ==
      kIndexFormatVersions.end()) {
    throw bad(fmt::format("index format version '{}' is not supported (only '{}')", v,
                          fmt::join(kIndexFormatVersions, "', '")));
  }
  SweepIndex index;
  index.sweep_name = root.get_attr_string("sweep_name");
  index.points_total = root.get_attr_int64("points_total");
  index.replicas = root.get_attr_int64("replicas");
  index.axes = root.get_attr_strings("axes");
  index.axis_groups = root.get_attr_strings("axis_groups");
  if (root.has_attr("shard")) {
    index.shard = root.get_attr_string("shard");
  }
  if (index.axes.size() != index.axis_groups.size()) {
    throw bad(fmt::format("root attributes 'axes' ({} entries) and 'axis_groups' ({}) differ",
                          index.axes.size(), index.axis_groups.size()));
  }
  if (!root.has("points")) {
    throw bad("missing table '/points'");
  }
  const auto table = io::read_table(root, "points");
  const auto need = [&](const std::string& column, std::initializer_list<io::ColumnType> types) {
    if (!table.has_column(column)) {
      throw bad(fmt::format("table '/points' has no column '{}'", column));
    }
    const auto t = table.type(column);
    if (std::find(types.begin(), types.end(), t) == types.end()) {
      throw bad(fmt::format("column '{}' of '/points' is {}, expected {}", column, type_name(t),
                            type_name(*types.begin())));
    }
    return t;
  };
  need("point", {io::ColumnType::int64});
  need("replica", {io::ColumnType::int64});
  const auto seed_type = need("seed", {io::ColumnType::uint64, io::ColumnType::int64});
  need("file", {io::ColumnType::string});
  need("scenario_sha256", {io::ColumnType::string});
  for (std::size_t i = 0; i < index.axes.size(); ++i) {
    const auto& axis = index.axes[i];
    if (std::find(index.axes.begin(), index.axes.begin() + static_cast<std::ptrdiff_t>(i), axis) !=
        index.axes.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw bad(fmt::format("axis '{}' is listed twice in root attribute 'axes'", axis));
    }
    if (!table.has_column(axis)) {
      throw bad(
          fmt::format("axis '{}' (root attribute 'axes') is not a column of '/points'", axis));
    }
    need(axis, {io::ColumnType::string});
  }
  const std::array<std::string_view, 5> fixed = {"point", "replica", "seed", "file",
                                                 "scenario_sha256"};
  for (const auto& name : table.column_names()) {
    const auto t = table.type(name);
    const bool reserved = std::find(fixed.begin(), fixed.end(), name) != fixed.end() ||
                          std::find(index.axes.begin(), index.axes.end(), name) != index.axes.end();
    if (!reserved && (t == io::ColumnType::float64 || t == io::ColumnType::int64)) {
      index.metrics.push_back({name, table.units(name), t == io::ColumnType::int64});
    }
  }

  const auto& points = table.int64s("point");
  const auto& replicas = table.int64s("replica");
  const auto& files = table.strings("file");
  const auto& shas = table.strings("scenario_sha256");
  index.points.resize(table.rows());
  for (std::size_t r = 0; r < table.rows(); ++r) {
    auto& p = index.points[r];
    p.point = points[r];
    p.replica = replicas[r];
    p.seed = seed_type == io::ColumnType::uint64
                 ? table.uint64s("seed")[r]
                 : static_cast<std::uint64_t>(table.int64s("seed")[r]);
    p.file = files[r];
    p.scenario_sha256 = shas[r];
    p.axis_values.reserve(index.axes.size());
    for (const auto& axis : index.axes) {
      p.axis_values.push_back(table.strings(axis)[r]);
    }
    p.metrics.reserve(index.metrics.size());
    for (const auto& m : index.metrics) {
      p.metrics.push_back(m.integer ? static_cast<double>(table.int64s(m.name)[r])
                                    : table.doubles(m.name)[r]);
    }
  }
  return index;
}

namespace {

/// The columns an axis name stands for: the axis itself, or a group's paths; empty for a
/// name that is neither.
template <class Groups>
std::vector<std::size_t> axis_columns(const SweepIndex& index, const Groups& groups,
                                      const std::string& name) {
  if (const auto it = std::find(index.axes.begin(), index.axes.end(), name);
      it != index.axes.end()) {
    return {static_cast<std::size_t>(it - index.axes.begin())};
  }
  if (const auto g = std::find_if(groups.begin(), groups.end(),
                                  [&](const auto& e) { return e.first == name; });
      g != groups.end()) {
    return g->second;
  }
  return {};
}

}  // namespace

SweepSummary summarise_sweep(const SweepIndex& index, const SweepReportOptions& options) {
  // The key columns: every axis, or the group_by names expanded (a group to its paths),
  // in the order given, each once.
  std::vector<std::size_t> key;
  if (options.group_by.empty()) {
    for (std::size_t i = 0; i < index.axes.size(); ++i) {
      key.push_back(i);
    }
  } else {
    const auto groups = groups_of(index);
    for (const auto& name : options.group_by) {
      const auto cols = axis_columns(index, groups, name);
      if (cols.empty()) {
        throw InputError(
            Diagnostic{.message = fmt::format("cannot group sweep '{}' by '{}': valid axes: {}",
                                              index.sweep_name, name, valid_axis_names(index))});
      }
      for (const auto c : cols) {
        if (std::find(key.begin(), key.end(), c) == key.end()) {
          key.push_back(c);
        }
      }
    }
  }

  SweepSummary summary;
  for (const auto c : key) {
    summary.axes.push_back(index.axes[c]);
  }
  for (const auto& [g, cols] : groups_of(index)) {
    const bool keyed = std::any_of(cols.begin(), cols.end(), [&](std::size_t c) {
      return std::find(key.begin(), key.end(), c) != key.end();
    });
    if (!keyed) {
      summary.pooled.push_back(g);
    }
  }
  // Rows in order of first appearance; the points of each.
  std::map<std::vector<std::string>, std::size_t> row_of;
  std::vector<std::vector<std::size_t>> members;
  for (std::size_t p = 0; p < index.points.size(); ++p) {
    std::vector<std::string> values;
    for (const auto c : key) {
      values.push_back(index.points[p].axis_values.at(c));
    }
    const auto [it, inserted] = row_of.emplace(values, summary.rows.size());
    if (inserted) {
      summary.rows.push_back({std::move(values), 0, {}, {}});
      members.emplace_back();
    }
    members[it->second].push_back(p);
  }
  for (std::size_t r = 0; r < summary.rows.size(); ++r) {
    auto& row = summary.rows[r];
    row.n = static_cast<std::int64_t>(members[r].size());
    for (std::size_t m = 0; m < index.metrics.size(); ++m) {
      std::vector<double> xs;
      for (const auto p : members[r]) {
        xs.push_back(index.points[p].metrics.at(m));
      }
      const auto mc = mean_ci(xs);
      row.mean.push_back(mc.mean);
      row.ci95.push_back(mc.ci95);
    }
  }

  if (options.sort_by.empty()) {
    return summary;
  }
  // A sort key: a metric's mean, n, or a shown axis column (a group: its first path).
  const auto& by = options.sort_by;
  std::optional<std::size_t> metric = metric_index(index, by);
  std::optional<std::size_t> column;
  for (std::size_t k = 0; k < key.size() && !metric && by != "n" && !column; ++k) {
    const auto c = key[k];
    const std::string& g = c < index.axis_groups.size() ? index.axis_groups[c] : index.axes[c];
    if (index.axes[c] == by || g == by) {
      column = k;
    }
  }
  if (!metric && !column && by != "n") {
    std::vector<std::string> valid = summary.axes;
    for (const auto c : key) {
      const std::string& g = c < index.axis_groups.size() ? index.axis_groups[c] : index.axes[c];
      if (std::find(valid.begin(), valid.end(), g) == valid.end()) {
        valid.push_back(g);
      }
    }
    valid.emplace_back("n");
    for (const auto& m : index.metrics) {
      valid.push_back(m.name);
    }
    throw InputError(Diagnostic{
        .message = fmt::format("cannot sort by '{}': valid columns: {}", by, join(valid, ", "))});
  }
  const bool desc = options.descending;
  std::stable_sort(summary.rows.begin(), summary.rows.end(),
                   [&](const SweepRow& a, const SweepRow& b) {
                     if (column) {
                       const auto& x = a.axis_values[*column];
                       const auto& y = b.axis_values[*column];
                       return desc ? value_less(y, x) : value_less(x, y);
                     }
                     const double x = metric ? a.mean[*metric] : static_cast<double>(a.n);
                     const double y = metric ? b.mean[*metric] : static_cast<double>(b.n);
                     if (std::isnan(x) || std::isnan(y)) {
                       return !std::isnan(x) && std::isnan(y);  // NaN last either way
                     }
                     return desc ? y < x : x < y;
                   });
  return summary;
}

SweepIndex select_metrics(const SweepIndex& index, const std::vector<std::string>& names) {
  if (names.empty()) {
    return index;
  }
  std::vector<std::size_t> keep;
  for (const auto& name : names) {
    const auto m = metric_index(index, name);
    if (!m) {
      std::vector<std::string> valid;
      for (const auto& x : index.metrics) {
        valid.push_back(x.name);
      }
      throw flag_error(fmt::format("--metric '{}': not a metric of sweep '{}'; expected one of: {}",
                                   name, index.sweep_name, quoted(valid)));
    }
    if (std::find(keep.begin(), keep.end(), *m) == keep.end()) {
      keep.push_back(*m);
    }
  }
  SweepIndex out = index;
  out.metrics.clear();
  for (const auto m : keep) {
    out.metrics.push_back(index.metrics[m]);
  }
  for (auto& p : out.points) {
    std::vector<double> values;
    for (const auto m : keep) {
      values.push_back(p.metrics.at(m));
    }
    p.metrics = std::move(values);
  }
  return out;
}

SweepIndex filter_points(const SweepIndex& index, const std::vector<std::string>& where) {
  if (where.empty()) {
    return index;
  }
  // The filters by axis (in order of first mention), each with its accepted values.
  std::vector<std::pair<AxisRef, std::vector<std::string>>> filters;
  for (const auto& text : where) {
    // Named, not structured bindings: lambdas below capture them (clang 14).
    auto resolved = resolve_axis(index, "--where", text, "AXIS=VALUE");
    AxisRef axis = std::move(resolved.first);
    std::string value = std::move(resolved.second);
    const auto values = values_of(index, axis);
    if (std::find(values.begin(), values.end(), value) == values.end()) {
      throw flag_error(fmt::format("--where '{}': '{}' is not a value of {}; expected one of: {}",
                                   text, value, axis.name, quoted(values)));
    }
    auto it = std::find_if(filters.begin(), filters.end(),
                           [&](const auto& f) { return f.first.name == axis.name; });
    if (it == filters.end()) {
      filters.emplace_back(std::move(axis), std::vector<std::string>{});
      it = std::prev(filters.end());
    }
    it->second.push_back(std::move(value));
  }
  SweepIndex out = index;
  out.points.clear();
  for (const auto& p : index.points) {
    const bool keep = std::all_of(filters.begin(), filters.end(), [&](const auto& f) {
      const auto v = value_of(p, f.first);
      return std::find(f.second.begin(), f.second.end(), v) != f.second.end();
    });
    if (keep) {
      out.points.push_back(p);
    }
  }
  if (out.points.empty()) {
    throw flag_error(fmt::format("--where {}: no point of sweep '{}' has all these values",
                                 join(where, " --where "), index.sweep_name));
  }
  return out;
}

PairedStat paired_stat(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || a.size() != b.size()) {
    throw std::invalid_argument(
        fmt::format("paired_stat: {} values of A and {} of B (need as many, at least one)",
                    a.size(), b.size()));
  }
  return stat_of(a, b);
}

PairedSummary paired_differences(const SweepIndex& index, const SweepReportOptions& options) {
  const std::string& text = options.paired;
  // Named, not structured bindings: lambdas below capture them (clang 14).
  auto resolved = resolve_axis(index, "--paired", text, "AXIS=A,B");
  const AxisRef axis = std::move(resolved.first);
  const std::string rest = std::move(resolved.second);
  const auto values = values_of(index, axis);
  const auto known = [&](std::string_view v) {
    return std::find(values.begin(), values.end(), v) != values.end();
  };
  // Values may hold commas: the split at a comma that leaves a value on each side.
  std::vector<std::pair<std::string, std::string>> splits;
  for (std::size_t i = rest.find(','); i != std::string::npos; i = rest.find(',', i + 1)) {
    if (known(rest.substr(0, i)) && known(rest.substr(i + 1))) {
      splits.emplace_back(rest.substr(0, i), rest.substr(i + 1));
    }
  }
  if (splits.size() != 1) {
    throw flag_error(fmt::format(
        "--paired '{}': expected {}=A,B with A and B two of its values: {}{}", text, axis.name,
        quoted(values), splits.empty() ? "" : " (the comma between A and B is ambiguous)"));
  }
  PairedSummary out;
  out.axis = axis.name;
  out.value_a = splits.front().first;
  out.value_b = splits.front().second;
  if (out.value_a == out.value_b) {
    throw flag_error(
        fmt::format("--paired '{}': A and B are the same value; expected two "
                    "different values of {}: {}",
                    text, axis.name, quoted(values)));
  }
  for (const auto c : axis.group) {
    out.paths.push_back(index.axes[c]);
  }
  const auto in_group = [&](std::size_t c) {
    return std::find(axis.group.begin(), axis.group.end(), c) != axis.group.end();
  };

  // The row key: the group_by axes (expanded), else every other axis.
  std::vector<std::size_t> key;
  if (options.group_by.empty()) {
    for (std::size_t c = 0; c < index.axes.size(); ++c) {
      if (!in_group(c)) {
        key.push_back(c);
      }
    }
  } else {
    for (const auto& name : options.group_by) {
      const auto cols = axis_columns(index, groups_of(index), name);
      if (cols.empty()) {
        throw flag_error(fmt::format("--group-by '{}': not an axis of sweep '{}'; valid axes: {}",
                                     name, index.sweep_name, valid_axis_names(index)));
      }
      for (const auto c : cols) {
        if (in_group(c)) {
          throw flag_error(fmt::format(
              "--group-by '{}' with --paired '{}': the paired axis cannot also key the rows; "
              "expected another axis",
              name, text));
        }
        if (std::find(key.begin(), key.end(), c) == key.end()) {
          key.push_back(c);
        }
      }
    }
  }
  for (const auto c : key) {
    out.axes.push_back(index.axes[c]);
  }
  for (const auto& [g, cols] : groups_of(index)) {
    const bool used = std::any_of(cols.begin(), cols.end(), [&](std::size_t c) {
      return in_group(c) || std::find(key.begin(), key.end(), c) != key.end();
    });
    if (!used) {
      out.pooled.push_back(g);
    }
  }

  // Partners: the same values of every axis outside the paired group, and the same replica.
  const auto describe = [&](const SweepPoint& p) {
    std::vector<std::string> parts{fmt::format("replica {}", p.replica)};
    for (std::size_t c = 0; c < index.axes.size(); ++c) {
      if (!in_group(c)) {
        parts.push_back(fmt::format("{}={}", index.axes[c], p.axis_values[c]));
      }
    }
    return fmt::format("point {} ({})", p.point, join(parts, ", "));
  };
  using Partners = std::map<std::pair<std::vector<std::string>, std::int64_t>, std::size_t>;
  Partners with_a;
  Partners with_b;
  std::vector<std::size_t> order;  // points with A, in point order
  for (std::size_t i = 0; i < index.points.size(); ++i) {
    const auto& p = index.points[i];
    const auto v = value_of(p, axis);
    if (v != out.value_a && v != out.value_b) {
      continue;
    }
    std::vector<std::string> others;
    for (std::size_t c = 0; c < index.axes.size(); ++c) {
      if (!in_group(c)) {
        others.push_back(p.axis_values[c]);
      }
    }
    auto& side = v == out.value_a ? with_a : with_b;
    const auto [it, inserted] = side.emplace(std::make_pair(std::move(others), p.replica), i);
    if (!inserted) {
      throw flag_error(fmt::format(
          "--paired '{}': {} and point {} both have {}={} and the same other axis values and "
          "replica; expected one point for each",
          text, describe(p), index.points[it->second].point, axis.name, v));
    }
    if (v == out.value_a) {
      order.push_back(i);
    }
  }
  const auto unpaired = [&](const Partners& from, const std::string& has,
                            const std::string& lacks) {
    for (const auto& [k, i] : from) {
      const auto& other = &from == &with_a ? with_b : with_a;
      if (other.find(k) == other.end()) {
        throw flag_error(fmt::format(
            "--paired '{}': {} has {}={} but no point has {}={} with the same other axis values "
            "and replica; expected every point of A and B to have its partner (a shard's "
            "index? merge the shards first, or narrow with --where)",
            text, describe(index.points[i]), axis.name, has, axis.name, lacks));
      }
    }
  };
  unpaired(with_a, out.value_a, out.value_b);
  unpaired(with_b, out.value_b, out.value_a);

  // Rows in order of first appearance; the pairs of each (point indices of A and B).
  std::map<std::vector<std::string>, std::size_t> row_of;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> members;
  std::vector<std::pair<std::size_t, std::size_t>> all;
  for (const auto ia : order) {
    const auto& p = index.points[ia];
    std::vector<std::string> others;
    for (std::size_t c = 0; c < index.axes.size(); ++c) {
      if (!in_group(c)) {
        others.push_back(p.axis_values[c]);
      }
    }
    const auto ib = with_b.at({others, p.replica});
    out.pairs_sharing_seed += p.seed == index.points[ib].seed ? 1 : 0;
    std::vector<std::string> row_values;
    for (const auto c : key) {
      row_values.push_back(p.axis_values[c]);
    }
    const auto [it, inserted] = row_of.emplace(row_values, out.rows.size());
    if (inserted) {
      out.rows.push_back({std::move(row_values), false, 0, {}});
      members.emplace_back();
    }
    members[it->second].emplace_back(ia, ib);
    all.emplace_back(ia, ib);
  }
  out.pairs = static_cast<std::int64_t>(all.size());
  const auto stats_of = [&](const std::vector<std::pair<std::size_t, std::size_t>>& pairs) {
    std::vector<PairedStat> stats;
    for (std::size_t m = 0; m < index.metrics.size(); ++m) {
      std::vector<double> a;
      std::vector<double> b;
      for (const auto& [ia, ib] : pairs) {
        a.push_back(index.points[ia].metrics.at(m));
        b.push_back(index.points[ib].metrics.at(m));
      }
      stats.push_back(stat_of(a, b));
    }
    return stats;
  };
  for (std::size_t r = 0; r < out.rows.size(); ++r) {
    out.rows[r].n = static_cast<std::int64_t>(members[r].size());
    out.rows[r].stats = stats_of(members[r]);
  }

  if (!options.sort_by.empty()) {
    const auto& by = options.sort_by;
    const auto metric = metric_index(index, by);
    std::optional<std::size_t> column;
    for (std::size_t k = 0; k < key.size() && !metric && by != "n" && !column; ++k) {
      if (index.axes[key[k]] == by || group_of(index, key[k]) == by) {
        column = k;
      }
    }
    if (!metric && !column && by != "n") {
      std::vector<std::string> valid = out.axes;
      valid.emplace_back("n");
      for (const auto& m : index.metrics) {
        valid.push_back(m.name);
      }
      throw flag_error(
          fmt::format("--sort '{}' with --paired: expected one of: {}", by, join(valid, ", ")));
    }
    const bool desc = options.descending;
    std::stable_sort(out.rows.begin(), out.rows.end(), [&](const PairedRow& a, const PairedRow& b) {
      if (column) {
        const auto& x = a.axis_values[*column];
        const auto& y = b.axis_values[*column];
        return desc ? value_less(y, x) : value_less(x, y);
      }
      const double x = metric ? a.stats[*metric].mean_diff : static_cast<double>(a.n);
      const double y = metric ? b.stats[*metric].mean_diff : static_cast<double>(b.n);
      if (std::isnan(x) || std::isnan(y)) {
        return !std::isnan(x) && std::isnan(y);
      }
      return desc ? y < x : x < y;
    });
  }
  if (out.rows.size() > 1) {
    PairedRow row{std::vector<std::string>(key.size(), "*"), true, out.pairs, stats_of(all)};
    out.rows.push_back(std::move(row));
  }
  return out;
}

std::vector<AxisEffect> axis_effects(const SweepIndex& index, std::string_view metric) {
  const auto m = metric_index(index, metric);
  if (!m) {
    std::vector<std::string> names;
    for (const auto& x : index.metrics) {
      names.push_back(x.name);
    }
    throw InputError(
        Diagnostic{.message = fmt::format("sweep '{}' has no metric '{}' (metrics: {})",
                                          index.sweep_name, metric, join(names, ", "))});
  }
  std::vector<AxisEffect> effects;
  if (index.points.empty()) {
    return effects;
  }
  double total = 0;
  for (const auto& p : index.points) {
    total += p.metrics.at(*m);
  }
  const double overall = total / static_cast<double>(index.points.size());
  for (const auto& [group, cols] : groups_of(index)) {
    AxisEffect e;
    e.metric = std::string(metric);
    e.axis = group;
    for (const auto c : cols) {
      e.paths.push_back(index.axes[c]);
    }
    e.overall_mean = overall;
    // Mean of the metric at each level (value of the group's paths), in order of appearance.
    std::vector<std::string> labels;
    std::vector<double> sums;
    std::vector<double> counts;
    for (const auto& p : index.points) {
      std::vector<std::string> values;
      for (const auto c : cols) {
        values.push_back(p.axis_values.at(c));
      }
      const auto label = join(values, "; ");
      auto it = std::find(labels.begin(), labels.end(), label);
      if (it == labels.end()) {
        labels.push_back(label);
        sums.push_back(0);
        counts.push_back(0);
        it = std::prev(labels.end());
      }
      const auto l = static_cast<std::size_t>(it - labels.begin());
      sums[l] += p.metrics.at(*m);
      counts[l] += 1;
    }
    e.levels = labels.size();
    e.effect = kNaN;
    e.lowest_mean = kNaN;
    e.highest_mean = kNaN;
    bool all_finite = true;
    std::size_t lo = 0;
    std::size_t hi = 0;
    for (std::size_t l = 0; l < labels.size(); ++l) {
      const double mean = sums[l] / counts[l];
      all_finite = all_finite && std::isfinite(mean);
      if (mean < sums[lo] / counts[lo]) {
        lo = l;
      }
      if (mean > sums[hi] / counts[hi]) {
        hi = l;
      }
    }
    if (all_finite && !labels.empty()) {
      e.lowest = labels[lo];
      e.lowest_mean = sums[lo] / counts[lo];
      e.highest = labels[hi];
      e.highest_mean = sums[hi] / counts[hi];
      e.effect = e.highest_mean - e.lowest_mean;
    }
    e.percent = overall != 0 && std::isfinite(overall) ? e.effect / overall * 100 : kNaN;
    effects.push_back(std::move(e));
  }
  std::stable_sort(effects.begin(), effects.end(), [](const AxisEffect& a, const AxisEffect& b) {
    if (std::isnan(a.effect) || std::isnan(b.effect)) {
      return !std::isnan(a.effect) && std::isnan(b.effect);
    }
    return a.effect > b.effect;
  });
  return effects;
}

namespace {

/// "filtered: a = x or y; b = z" for the --where filters; empty without any.
std::string where_line(const std::vector<std::string>& where) {
  return where.empty() ? std::string() : fmt::format("filtered (--where): {}\n", join(where, "; "));
}

std::string pooled_text(const std::vector<std::string>& pooled, std::int64_t replicas) {
  std::vector<std::string> items = pooled;
  if (replicas > 1) {
    items.emplace_back("replicas");
  }
  return items.empty() ? std::string("nothing") : join(items, ", ");
}

std::string render_paired(const SweepIndex& index, const SweepReportOptions& options) {
  const auto ps = paired_differences(index, options);
  const auto& metrics = index.metrics;
  const auto row_label = [&](const PairedRow& row) {
    if (row.all) {
      return std::string("all pairs");
    }
    std::vector<std::string> parts;
    for (std::size_t k = 0; k < ps.axes.size(); ++k) {
      parts.push_back(ps.axes[k] + "=" + row.axis_values[k]);
    }
    return parts.empty() ? std::string("all pairs") : join(parts, ", ");
  };

  if (options.format == "csv") {
    std::vector<std::string> header;
    for (const auto& a : ps.axes) {
      header.push_back(csv_field(a));
    }
    for (const auto* name : {"n", "metric", "units", "mean_a", "mean_b", "mean_diff", "sd", "t975",
                             "ci95_low", "ci95_high"}) {
      header.emplace_back(name);
    }
    std::string out = join(header, ",") + "\n";
    for (const auto& row : ps.rows) {
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        const auto& st = row.stats[m];
        std::vector<std::string> cells;
        for (const auto& v : row.axis_values) {
          cells.push_back(csv_field(v));
        }
        cells.push_back(fmt::format("{}", row.n));
        cells.push_back(csv_field(metrics[m].name));
        cells.push_back(csv_field(metrics[m].units));
        for (const double v :
             {st.mean_a, st.mean_b, st.mean_diff, st.sd, st.t975, st.ci95_low, st.ci95_high}) {
          cells.push_back(csv_number(v));
        }
        out += join(cells, ",") + "\n";
      }
    }
    return out;
  }

  if (options.format == "json") {
    const auto strings = [](const std::vector<std::string>& list) {
      std::vector<std::string> q;
      for (const auto& v : list) {
        q.push_back(json_string(v));
      }
      return "[" + join(q, ", ") + "]";
    };
    std::vector<std::string> items;
    for (const auto& m : metrics) {
      items.push_back(fmt::format("{{\"name\": {}, \"units\": {}}}", json_string(m.name),
                                  json_string(m.units)));
    }
    std::string out = fmt::format(
        "{{\"sweep\": {}, \"points\": {}, \"where\": {}, \"paired\": {{\"axis\": {}, "
        "\"paths\": {}, \"a\": {}, \"b\": {}}}, \"pairs\": {}, \"pairs_sharing_seed\": {}, "
        "\"axes\": {}, \"pooled\": {}, \"metrics\": [{}], \"rows\": [",
        json_string(index.sweep_name), index.points.size(), strings(options.where),
        json_string(ps.axis), strings(ps.paths), json_string(ps.value_a), json_string(ps.value_b),
        ps.pairs, ps.pairs_sharing_seed, strings(ps.axes), strings(ps.pooled), join(items, ", "));
    items.clear();
    for (const auto& row : ps.rows) {
      std::vector<std::string> axes;
      for (std::size_t k = 0; k < ps.axes.size(); ++k) {
        axes.push_back(json_string(ps.axes[k]) + ": " + json_string(row.axis_values[k]));
      }
      std::vector<std::string> stats;
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        const auto& st = row.stats[m];
        stats.push_back(fmt::format(
            "{}: {{\"mean_a\": {}, \"mean_b\": {}, \"mean_diff\": {}, \"sd\": {}, \"t975\": {}, "
            "\"ci95_low\": {}, \"ci95_high\": {}}}",
            json_string(metrics[m].name), json_number(st.mean_a), json_number(st.mean_b),
            json_number(st.mean_diff), json_number(st.sd), json_number(st.t975),
            json_number(st.ci95_low), json_number(st.ci95_high)));
      }
      items.push_back(fmt::format("{{\"axes\": {{{}}}, \"all\": {}, \"n\": {}, \"stats\": {{{}}}}}",
                                  join(axes, ", "), row.all ? "true" : "false", row.n,
                                  join(stats, ", ")));
    }
    return out + join(items, ", ") + "]}\n";
  }

  // Table: a header, then a block per row, one line per metric.
  std::string out = fmt::format("sweep {}: paired differences B - A over {}: A = {}, B = {}\n",
                                index.sweep_name, ps.axis, ps.value_a, ps.value_b);
  out += where_line(options.where);
  out += fmt::format(
      "{} pairs: the points with A and with B that share every other axis value and the "
      "replica; ",
      ps.pairs);
  if (ps.pairs_sharing_seed == ps.pairs) {
    out += "each pair shares its seed (common random numbers)\n";
  } else {
    out += fmt::format(
        "{} of them share their seed (the others do not share random numbers: {} sets the "
        "seed?)\n",
        ps.pairs_sharing_seed, ps.axis);
  }
  out +=
      fmt::format("rows: {}; pooled in each row: {}\n",
                  ps.axes.empty() ? std::string("all pairs")
                                  : fmt::format("one per combination of {}{}", join(ps.axes, ", "),
                                                ps.rows.size() > 1 ? ", then all pairs" : ""),
                  pooled_text(ps.pooled, index.replicas));
  out +=
      "mean B - A with its 95 % confidence interval: mean -/+ t(0.975, n-1) x sd / sqrt(n), sd "
      "the standard deviation of the n differences; - for n = 1\n";
  const auto num = [](double v, std::string_view spec) {
    return std::isnan(v) ? std::string("-") : fmt::format(fmt::runtime(spec), v);
  };
  for (const auto& row : ps.rows) {
    std::vector<std::string> pooled = ps.pooled;
    if (row.all) {
      pooled.insert(pooled.end(), ps.axes.begin(), ps.axes.end());
    }
    out += fmt::format("\n{} (n = {}; pooled: {})\n", row_label(row), row.n,
                       pooled_text(pooled, index.replicas));
    std::vector<std::vector<std::string>> cells;
    cells.push_back({"  metric", "mean A", "mean B", "mean B-A", "sd", "95 % CI of B-A"});
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      const auto& st = row.stats[m];
      cells.push_back(
          {"  " + with_units(metrics[m].name, metrics[m].units), num(st.mean_a, "{:.6g}"),
           num(st.mean_b, "{:.6g}"), num(st.mean_diff, "{:+.4g}"), num(st.sd, "{:.3g}"),
           std::isnan(st.ci95_low) ? std::string("-")
                                   : fmt::format("[{:+.4g}, {:+.4g}]", st.ci95_low, st.ci95_high)});
    }
    out += align(cells, {false, true, true, true, true, true});
  }
  return out;
}

}  // namespace

std::string render_sweep(const SweepIndex& all_points, const SweepReportOptions& options) {
  check_format(options.format);
  const auto index = select_metrics(filter_points(all_points, options.where), options.metrics);
  if (!options.paired.empty()) {
    return render_paired(index, options);
  }
  const auto summary = summarise_sweep(index, options);
  std::vector<std::vector<AxisEffect>> effects;
  if (options.format != "csv") {
    for (const auto name : kEffectMetrics) {
      if (metric_index(index, name)) {
        effects.push_back(axis_effects(index, name));
      }
    }
  }
  const auto units_of = [&](std::string_view metric) {
    return index.metrics.at(*metric_index(index, metric)).units;
  };

  if (options.format == "csv") {
    std::vector<std::string> header;
    for (const auto& a : summary.axes) {
      header.push_back(csv_field(a));
    }
    header.emplace_back("n");
    for (const auto& m : index.metrics) {
      header.push_back(csv_field(with_units(m.name, m.units)));
      header.push_back(csv_field(with_units(m.name + " ci95", m.units)));
    }
    std::string out = join(header, ",") + "\n";
    for (const auto& row : summary.rows) {
      std::vector<std::string> cells;
      for (const auto& v : row.axis_values) {
        cells.push_back(csv_field(v));
      }
      cells.push_back(fmt::format("{}", row.n));
      for (std::size_t m = 0; m < index.metrics.size(); ++m) {
        cells.push_back(csv_number(row.mean[m]));
        cells.push_back(csv_number(row.ci95[m]));
      }
      out += join(cells, ",") + "\n";
    }
    return out;
  }

  if (options.format == "json") {
    std::string out =
        fmt::format("{{\"sweep\": {}, \"points\": {}, \"points_total\": {}, ",
                    json_string(index.sweep_name), index.points.size(), index.points_total);
    std::vector<std::string> items;
    for (const auto& w : options.where) {
      items.push_back(json_string(w));
    }
    out += "\"where\": [" + join(items, ", ") + "], ";
    items.clear();
    for (const auto& a : summary.pooled) {
      items.push_back(json_string(a));
    }
    out += "\"pooled\": [" + join(items, ", ") + "], ";
    items.clear();
    for (const auto& a : summary.axes) {
      items.push_back(json_string(a));
    }
    out += "\"axes\": [" + join(items, ", ") + "], \"metrics\": [";
    items.clear();
    for (const auto& m : index.metrics) {
      items.push_back(fmt::format("{{\"name\": {}, \"units\": {}}}", json_string(m.name),
                                  json_string(m.units)));
    }
    out += join(items, ", ") + "], \"rows\": [";
    items.clear();
    for (const auto& row : summary.rows) {
      std::vector<std::string> axes;
      for (std::size_t k = 0; k < summary.axes.size(); ++k) {
        axes.push_back(json_string(summary.axes[k]) + ": " + json_string(row.axis_values[k]));
      }
      std::vector<std::string> means;
      std::vector<std::string> cis;
      for (std::size_t m = 0; m < index.metrics.size(); ++m) {
        means.push_back(json_string(index.metrics[m].name) + ": " + json_number(row.mean[m]));
        cis.push_back(json_string(index.metrics[m].name) + ": " + json_number(row.ci95[m]));
      }
      items.push_back(
          fmt::format("{{\"axes\": {{{}}}, \"n\": {}, \"mean\": {{{}}}, \"ci95\": {{{}}}}}",
                      join(axes, ", "), row.n, join(means, ", "), join(cis, ", ")));
    }
    out += join(items, ", ") + "], \"effects\": [";
    items.clear();
    for (const auto& list : effects) {
      for (const auto& e : list) {
        std::vector<std::string> paths;
        for (const auto& p : e.paths) {
          paths.push_back(json_string(p));
        }
        items.push_back(fmt::format(
            "{{\"metric\": {}, \"units\": {}, \"axis\": {}, \"paths\": [{}], \"levels\": {}, "
            "\"overall_mean\": {}, \"lowest\": {}, \"lowest_mean\": {}, \"highest\": {}, "
            "\"highest_mean\": {}, \"effect\": {}, \"effect_percent\": {}}}",
            json_string(e.metric), json_string(units_of(e.metric)), json_string(e.axis),
            join(paths, ", "), e.levels, json_number(e.overall_mean), json_string(e.lowest),
            json_number(e.lowest_mean), json_string(e.highest), json_number(e.highest_mean),
            json_number(e.effect), json_number(e.percent)));
      }
    }
    return out + join(items, ", ") + "]}\n";
  }

  // Table.
  std::string out = fmt::format("sweep {}: {} points", index.sweep_name, index.points.size());
  if (static_cast<std::int64_t>(index.points.size()) != index.points_total) {
    out += fmt::format(" of {}", index.points_total);
  }
  out += fmt::format(" ({} replica{} each)", index.replicas, index.replicas == 1 ? "" : "s");
  if (!index.shard.empty()) {
    out += fmt::format(", shard {}", index.shard);
  }
  out += "\n" + where_line(options.where);
  if (options.group_by.empty()) {
    out += fmt::format("one row per combination of axis values, pooled: {};",
                       pooled_text({}, index.replicas));
  } else {
    out += fmt::format("grouped by: {}; pooled: {};", join(summary.axes, ", "),
                       pooled_text(summary.pooled, index.replicas));
  }
  out += " mean ± 95 % confidence half-width (Student t), - for n = 1\n\n";

  std::vector<std::vector<std::string>> cells;
  std::vector<bool> right;
  std::vector<std::string> header = summary.axes;
  header.emplace_back("n");
  for (const auto& m : index.metrics) {
    header.push_back(with_units(m.name, m.units));
  }
  cells.push_back(header);
  right.assign(summary.axes.size(), false);
  right.resize(header.size(), true);
  for (const auto& row : summary.rows) {
    std::vector<std::string> line = row.axis_values;
    line.push_back(fmt::format("{}", row.n));
    for (std::size_t m = 0; m < index.metrics.size(); ++m) {
      const auto mean =
          std::isnan(row.mean[m]) ? std::string("-") : fmt::format("{:.4g}", row.mean[m]);
      const auto ci =
          std::isnan(row.ci95[m]) ? std::string("-") : fmt::format("{:.3g}", row.ci95[m]);
      line.push_back(mean + " ± " + ci);
    }
    cells.push_back(std::move(line));
  }
  out += align(cells, right);

  for (const auto& list : effects) {
    if (list.empty()) {
      continue;
    }
    const auto& first = list.front();
    out += fmt::format(
        "\neffect of each axis on {}: max - min over its values of the mean (all else pooled); "
        "overall mean {:.4g}\n",
        with_units(first.metric, units_of(first.metric)), first.overall_mean);
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"axis", "levels", "effect", "% of mean", "lowest", "highest"});
    for (const auto& e : list) {
      const auto num = [](double v, std::string_view spec) {
        return std::isnan(v) ? std::string("-") : fmt::format(fmt::runtime(spec), v);
      };
      rows.push_back(
          {e.axis, fmt::format("{}", e.levels), num(e.effect, "{:.4g}"), num(e.percent, "{:.3g} %"),
           e.lowest.empty() ? "-" : fmt::format("{} ({:.4g})", e.lowest, e.lowest_mean),
           e.highest.empty() ? "-" : fmt::format("{} ({:.4g})", e.highest, e.highest_mean)});
    }
    out += align(rows, {false, true, true, true, false, false});
  }
  return out;
}

}  // namespace footprint::analysis
