#include "models/grid/series.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "sim/kernel/csv/csv.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/time_constants.hpp"

namespace footprint::models {

namespace {

using units::floor_div;
using units::kWholeSecondsPerDay;
using units::kWholeSecondsPerHour;
using units::kWholeSecondsPerMinute;

/// "22 h", "15 min", "1 h 30 min", "90 s".
std::string format_duration(std::int64_t s) {
  if (s == 0) {
    return "0 s";
  }
  if (s % kWholeSecondsPerHour == 0) {
    return fmt::format("{} h", s / kWholeSecondsPerHour);
  }
  if (s % kWholeSecondsPerMinute == 0) {
    if (s > kWholeSecondsPerHour) {
      return fmt::format("{} h {} min", s / kWholeSecondsPerHour,
                         (s % kWholeSecondsPerHour) / kWholeSecondsPerMinute);
    }
    return fmt::format("{} min", s / kWholeSecondsPerMinute);
  }
  return fmt::format("{} s", s);
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && csv::same_name(s.substr(s.size() - suffix.size()), suffix);
}

// ---------------------------------------------------------------------------------------
// The loader shared by every format: timestamps, ordering, gaps.

/// A point of the series being built: a value, or a gap to fill.
struct Point {
  std::int64_t t = 0;
  std::optional<double> v;
  int line = 0;    ///< the row it came from; 0 for a timestamp absent from the file
  int column = 1;  ///< where a gap's first value cell is
};

/// Reads a row's value: nullopt for a gap (reported nowhere), or reports problems into
/// `diag` and sets `ok` to false.
using ReadValue = std::function<std::optional<double>(const csv::Row&, Diagnostics&, bool& ok)>;

std::string describe_run(const std::vector<Point>& pts, std::size_t a, std::size_t b) {
  int first_line = 0;
  int last_line = 0;
  std::size_t empty = 0;
  std::size_t absent = 0;
  for (std::size_t i = a; i <= b; ++i) {
    if (pts[i].line > 0) {
      first_line = first_line == 0 ? pts[i].line : first_line;
      last_line = pts[i].line;
      ++empty;
    } else {
      ++absent;
    }
  }
  std::string s;
  if (empty > 0) {
    s += first_line == last_line ? fmt::format("line {} empty", first_line)
                                 : fmt::format("lines {}-{} empty", first_line, last_line);
  }
  if (absent > 0) {
    s += s.empty() ? "" : "; ";
    const int before = a > 0 ? pts[a - 1].line : 0;
    const int after = b + 1 < pts.size() ? pts[b + 1].line : 0;
    s += fmt::format("{} timestamp{} absent between lines {} and {}", absent,
                     absent == 1 ? "" : "s", before, after);
  }
  return s;
}

TimeSeries load_series(
    const std::filesystem::path& path, const SeriesOptions& options,
    std::vector<std::string>& warnings, const std::string& what,
    const std::function<std::optional<std::size_t>(const csv::Table&, Diagnostics&)>& bind,
    const ReadValue& read) {
  Diagnostics diag(path.string());
  const auto table = csv::Table::read(path, diag, what);
  const auto time_col = table.column("timestamp_utc", diag);
  // The first value column: where a gap is reported.
  const std::optional<std::size_t> gap_col = bind(table, diag);
  if (!time_col || !gap_col) {
    diag.throw_if_any();
  }
  if (table.rows().empty()) {
    diag.error(table.header_line(), 1, "", "no data rows after the header: expected at least two");
    diag.throw_if_any();
  }

  // Rows: timestamps, values, order.
  std::vector<Point> rows;
  rows.reserve(table.rows().size());
  std::unordered_map<std::int64_t, int> seen;  // timestamp -> line
  seen.reserve(table.rows().size());
  std::optional<std::int64_t> latest;
  int latest_line = 0;
  for (const auto& row : table.rows()) {
    if (!table.complete(row, diag)) {
      continue;
    }
    const csv::Cell& tc = row.cells[*time_col];
    std::string why;
    const auto t = parse_utc_timestamp(tc.text, why);
    bool ok = true;
    const auto v = read(row, diag, ok);
    if (!t) {
      diag.error(row.line, tc.column, "timestamp_utc",
                 fmt::format("bad timestamp '{}': {}", csv::shown(tc.text), why));
      continue;
    }
    if (const auto it = seen.find(*t); it != seen.end()) {
      diag.error(row.line, tc.column, "timestamp_utc",
                 fmt::format("duplicate timestamp {} (also at line {}): expected each interval "
                             "start once",
                             format_utc(*t), it->second));
      continue;
    }
    seen.emplace(*t, row.line);
    if (latest && *t < *latest) {
      diag.error(row.line, tc.column, "timestamp_utc",
                 fmt::format("timestamps not sorted: {} comes after {} (line {}); expected "
                             "strictly increasing times",
                             format_utc(*t), format_utc(*latest), latest_line));
      continue;
    }
    latest = *t;
    latest_line = row.line;
    if (ok) {
      rows.push_back({*t, v, row.line, row.cells[*gap_col].column});
    }
  }
  diag.throw_if_any();
  if (rows.size() < 2) {
    diag.error(rows.empty() ? table.header_line() : rows.front().line, 1, "",
               "at least two data rows are needed to know the length of an interval");
    diag.throw_if_any();
  }

  // The step, and timestamps absent from the file (a jump of two steps or more).
  std::vector<std::int64_t> steps;
  steps.reserve(rows.size() - 1);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    steps.push_back(rows[i].t - rows[i - 1].t);
  }
  const auto mid = steps.begin() + static_cast<std::ptrdiff_t>((steps.size() - 1) / 2);
  std::nth_element(steps.begin(), mid, steps.end());
  const std::int64_t step = *mid;

  std::vector<Point> pts;
  pts.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) {
      const std::int64_t t0 = rows[i - 1].t;
      const std::int64_t jump = rows[i].t - t0;
      if (jump >= 2 * step) {
        if (jump - step > options.max_gap_s) {
          // Too long to fill: report without materialising the missing points.
          diag.error(
              rows[i].line, 1, "timestamp_utc",
              fmt::format("gap of {} between {} (line {}) and {} (line {}): the series' "
                          "step is {}, so {} missing; expected at most "
                          "max_gap = {} of consecutive missing values",
                          format_duration(jump - step), format_utc(t0), rows[i - 1].line,
                          format_utc(rows[i].t), rows[i].line, format_duration(step),
                          (jump - 1) / step == 1 ? std::string("1 value is")
                                                 : fmt::format("{} values are", (jump - 1) / step),
                          format_duration(options.max_gap_s)));
        } else {
          for (std::int64_t t = t0 + step; t < rows[i].t; t += step) {
            pts.push_back({t, std::nullopt, 0, 1});
          }
        }
      }
    }
    pts.push_back(rows[i]);
  }

  // Runs of missing values: interpolate the short ones, report the rest.
  std::vector<std::string> notes;
  for (std::size_t a = 0; a < pts.size();) {
    if (pts[a].v) {
      ++a;
      continue;
    }
    std::size_t b = a;
    while (b + 1 < pts.size() && !pts[b + 1].v) {
      ++b;
    }
    const std::size_t count = b - a + 1;
    const int line = pts[a].line > 0 ? pts[a].line : (b + 1 < pts.size() ? pts[b + 1].line : 0);
    const int column = pts[a].line > 0 ? pts[a].column : 1;
    const std::string where = describe_run(pts, a, b);
    if (a == 0 || b + 1 == pts.size()) {
      diag.error(line, column, "",
                 fmt::format("{} missing value{} at the {} of the series ({}, {}): cannot be "
                             "interpolated; expected a value in the first and last rows",
                             count, count == 1 ? "" : "s", a == 0 ? "start" : "end",
                             format_utc(pts[a].t), where));
    } else {
      const std::int64_t t0 = pts[a - 1].t;
      const std::int64_t t1 = pts[b + 1].t;
      const std::int64_t length = t1 - pts[a].t;
      const std::string span =
          a == b ? format_utc(pts[a].t)
                 : fmt::format("{} to {}", format_utc(pts[a].t), format_utc(pts[b].t));
      if (length > options.max_gap_s) {
        diag.error(
            line, column, "",
            fmt::format("gap of {} ({} missing value{}, {}; {}) is longer than max_gap = "
                        "{}: expected at most {} of consecutive missing values",
                        format_duration(length), count, count == 1 ? "" : "s", span, where,
                        format_duration(options.max_gap_s), format_duration(options.max_gap_s)));
      } else {
        const double v0 = *pts[a - 1].v;
        const double v1 = *pts[b + 1].v;
        for (std::size_t i = a; i <= b; ++i) {
          const double f = static_cast<double>(pts[i].t - t0) / static_cast<double>(t1 - t0);
          pts[i].v = v0 + (v1 - v0) * f;
        }
        notes.push_back(
            fmt::format("{}:{}: interpolated {} missing value{} linearly over {}, {} "
                        "({})",
                        path.string(), line, count, count == 1 ? "" : "s", format_duration(length),
                        span, where));
      }
    }
    a = b + 1;
  }
  diag.throw_if_any();

  TimeSeries out;
  out.source = path.string();
  out.t_s.reserve(pts.size());
  out.value.reserve(pts.size());
  for (const auto& p : pts) {
    out.t_s.push_back(p.t);
    out.value.push_back(*p.v);
  }
  warnings.insert(warnings.end(), std::make_move_iterator(notes.begin()),
                  std::make_move_iterator(notes.end()));
  return out;
}

/// The loader of a single value column checked to lie within [lo, hi].
TimeSeries load_value_column(const std::filesystem::path& path, const SeriesOptions& options,
                             std::vector<std::string>& warnings, std::string_view column, double lo,
                             double hi, std::string_view expected) {
  std::size_t col = 0;
  const auto bind = [&](const csv::Table& table, Diagnostics& diag) {
    const auto c = table.column(column, diag);
    col = c.value_or(0);
    return c;
  };
  const auto read = [&](const csv::Row& row, Diagnostics& diag, bool& ok) -> std::optional<double> {
    const csv::Cell& cell = row.cells[col];
    if (cell.text.empty()) {
      return std::nullopt;
    }
    const auto v = csv::parse_number(cell.text);
    if (!v) {
      diag.error(row.line, cell.column, std::string(column),
                 fmt::format("'{}' is not a number: expected {}", csv::shown(cell.text), expected));
      ok = false;
      return std::nullopt;
    }
    if (*v < lo || *v > hi) {
      diag.error(row.line, cell.column, std::string(column),
                 fmt::format("{} is {}: expected {}", csv::shown(cell.text),
                             *v < 0.0 ? "negative" : "out of range", expected));
      ok = false;
      return std::nullopt;
    }
    return v;
  };
  return load_series(path, options, warnings, fmt::format("timestamp_utc,{}", column), bind, read);
}

}  // namespace

// ---------------------------------------------------------------------------------------

std::int64_t median_step_s(const TimeSeries& s) {
  if (s.t_s.size() < 2) {
    throw std::invalid_argument(
        fmt::format("series '{}' has {} points: at least two are needed to know its step", s.source,
                    s.t_s.size()));
  }
  std::vector<std::int64_t> steps;
  steps.reserve(s.t_s.size() - 1);
  for (std::size_t i = 1; i < s.t_s.size(); ++i) {
    steps.push_back(s.t_s[i] - s.t_s[i - 1]);
  }
  const auto mid = steps.begin() + static_cast<std::ptrdiff_t>((steps.size() - 1) / 2);
  std::nth_element(steps.begin(), mid, steps.end());
  return *mid;
}

std::int64_t series_end_s(const TimeSeries& s) {
  return s.t_s.back() + median_step_s(s);
}

double time_weighted_mean(const TimeSeries& s) {
  const std::int64_t end = series_end_s(s);
  double sum = 0.0;
  for (std::size_t i = 0; i < s.t_s.size(); ++i) {
    const std::int64_t next = i + 1 < s.t_s.size() ? s.t_s[i + 1] : end;
    sum += s.value[i] * static_cast<double>(next - s.t_s[i]);
  }
  return sum / static_cast<double>(end - s.t_s.front());
}

void check_series(const TimeSeries& s, double lo, double hi, std::string_view what) {
  if (s.t_s.size() != s.value.size()) {
    throw std::invalid_argument(fmt::format("{} '{}': {} timestamps but {} values", what, s.source,
                                            s.t_s.size(), s.value.size()));
  }
  if (s.t_s.size() < 2) {
    throw std::invalid_argument(
        fmt::format("{} '{}': {} points, at least two are needed to know its step", what, s.source,
                    s.t_s.size()));
  }
  for (std::size_t i = 0; i < s.t_s.size(); ++i) {
    if (i > 0 && s.t_s[i] <= s.t_s[i - 1]) {
      throw std::invalid_argument(fmt::format("{} '{}': time {} ({}) does not follow {}", what,
                                              s.source, i, format_utc(s.t_s[i]),
                                              format_utc(s.t_s[i - 1])));
    }
    if (!std::isfinite(s.value[i]) || s.value[i] < lo || s.value[i] > hi) {
      throw std::invalid_argument(fmt::format("{} '{}': value {} at {} is outside [{}, {}]", what,
                                              s.source, s.value[i], format_utc(s.t_s[i]), lo, hi));
    }
  }
}

EmissionFactors EmissionFactors::ipcc_ar5_median() {
  EmissionFactors f;
  f.g_per_kwh = {
      {"COL", 820.0},  // AR5 Annex III Table A.III.2: coal, pulverised coal, median
      {"NG", 490.0},   // gas, combined cycle, median
      {"OIL", 650.0},  // not in AR5: UK POST 2006 via Electricity Maps' defaults
      {"NUC", 12.0},   // nuclear, median
      {"WAT", 24.0},   // hydropower, median
      {"WND", 11.0},   // wind onshore, median
      {"SUN", 48.0},   // solar PV utility scale, median
      {"OTH", 230.0},  // assumption: biomass (dedicated), median
  };
  return f;
}

EmissionFactors EmissionFactors::carbon_free_share() {
  EmissionFactors f;
  f.g_per_kwh = {{"COL", 0.0}, {"NG", 0.0},  {"OIL", 0.0}, {"OTH", 0.0},
                 {"NUC", 1.0}, {"WAT", 1.0}, {"WND", 1.0}, {"SUN", 1.0}};
  return f;
}

TimeSeries load_intensity_csv(const std::filesystem::path& path, const SeriesOptions& options,
                              std::vector<std::string>& warnings) {
  return load_value_column(path, options, warnings, "gco2_per_kwh", 0.0, kMaxIntensityGPerKwh,
                           "a non-negative intensity in g CO2e/kWh, at most 1e5 (empty for a gap)");
}

TimeSeries load_cfe_fraction_csv(const std::filesystem::path& path, const SeriesOptions& options,
                                 std::vector<std::string>& warnings) {
  return load_value_column(path, options, warnings, "cfe_fraction", 0.0, 1.0,
                           "a fraction from 0 to 1 (empty for a gap)");
}

TimeSeries load_generation_csv(const std::filesystem::path& path, std::string_view column,
                               const SeriesOptions& options, std::vector<std::string>& warnings) {
  return load_value_column(path, options, warnings, column, 0.0, kMaxGenerationMw,
                           "a non-negative generation in MW, at most 1e7 (empty for a gap)");
}

TimeSeries load_fuelmix_csv(const std::filesystem::path& path, const EmissionFactors& factors,
                            const SeriesOptions& options, std::vector<std::string>& warnings) {
  struct Fuel {
    std::size_t col;
    std::string name;  // the column's name
    double factor;
  };
  std::vector<Fuel> fuels;
  const auto bind = [&](const csv::Table& table, Diagnostics& diag) -> std::optional<std::size_t> {
    bool ok = true;
    for (std::size_t i = 0; i < table.header().size(); ++i) {
      const std::string_view name = table.header()[i].text;
      if (!iends_with(name, "_mwh")) {
        continue;
      }
      const std::string_view code = name.substr(0, name.size() - 4);
      const auto it = std::find_if(factors.g_per_kwh.begin(), factors.g_per_kwh.end(),
                                   [&](const auto& kv) { return csv::same_name(kv.first, code); });
      if (it == factors.g_per_kwh.end()) {
        std::string known;
        for (const auto& kv : factors.g_per_kwh) {
          known += known.empty() ? "" : ", ";
          known += kv.first;
        }
        diag.error(table.header_line(), table.header()[i].column, std::string(name),
                   fmt::format("no emission factor for fuel '{}': expected one of {} or a "
                               "factor given for it",
                               code, known));
        ok = false;
        continue;
      }
      if (std::any_of(fuels.begin(), fuels.end(),
                      [&](const Fuel& f) { return csv::same_name(f.name, name); })) {
        diag.error(table.header_line(), table.header()[i].column, std::string(name),
                   fmt::format("column '{}' appears more than once", csv::shown(name)));
        ok = false;
        continue;
      }
      fuels.push_back({i, std::string(name), it->second});
    }
    if (fuels.empty() && ok) {
      diag.error(table.header_line(), 1, "",
                 fmt::format("no fuel columns: expected columns named <FUEL>_mwh, such as "
                             "NG_mwh (found: {})",
                             table.header_names()));
      ok = false;
    }
    if (!ok) {
      return std::nullopt;
    }
    return fuels.front().col;
  };
  const auto read = [&](const csv::Row& row, Diagnostics& diag, bool& ok) -> std::optional<double> {
    double emitted = 0.0;
    double generated = 0.0;
    const Fuel* empty = nullptr;  // the first empty fuel cell
    for (const auto& f : fuels) {
      const csv::Cell& cell = row.cells[f.col];
      if (cell.text.empty()) {
        empty = empty == nullptr ? &f : empty;
        continue;
      }
      const auto v = csv::parse_number(cell.text);
      if (!v || *v < 0.0 || *v > kMaxGenerationMw) {
        diag.error(
            row.line, cell.column, f.name,
            fmt::format("'{}' {}: expected a non-negative generation in MWh, at most {:g}",
                        csv::shown(cell.text),
                        !v ? "is not a number" : (*v < 0.0 ? "is negative" : "is out of range"),
                        kMaxGenerationMw));
        ok = false;
        continue;
      }
      emitted += *v * f.factor;
      generated += *v;
    }
    if (!ok || generated <= 0.0) {
      return std::nullopt;  // no generation reported: a gap (unless the row had errors)
    }
    if (empty != nullptr) {
      diag.error(row.line, row.cells[empty->col].column, empty->name,
                 "empty while other fuels of the row have generation: expected a generation "
                 "in MWh for every fuel (or no generation at all, for a gap)");
      ok = false;
      return std::nullopt;
    }
    return emitted / generated;
  };
  return load_series(path, options, warnings, "timestamp_utc,<FUEL>_mwh,...", bind, read);
}

}  // namespace footprint::models
