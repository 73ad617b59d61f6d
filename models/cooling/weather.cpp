#include "models/cooling/weather.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "models/cooling/builtin_weather.hpp"
#include "models/cooling/psychrometrics.hpp"
#include "sim/kernel/csv/csv.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::models {

namespace {

/// The hours of a day as an index into the typical year.
constexpr auto kHoursPerDay = static_cast<std::size_t>(units::kHoursPerDay);
/// Days before each month in a 365-day year.
constexpr std::array<std::size_t, 12> kDaysBeforeMonth{0,   31,  59,  90,  120, 151,
                                                       181, 212, 243, 273, 304, 334};
constexpr std::array<const char*, 12> kMonthNames{"January",   "February", "March",    "April",
                                                  "May",       "June",     "July",     "August",
                                                  "September", "October",  "November", "December"};

using units::civil_from_days;
using units::days_from_civil;
using units::floor_div;
using units::kWholeSecondsPerDay;
using units::kWholeSecondsPerHour;
using units::kWholeSecondsPerMinute;

/// "day 60 (1 March) 05:00 UTC"
std::string describe_hour(std::size_t index) {
  const std::size_t day0 = index / kHoursPerDay;
  std::size_t month = 11;
  while (kDaysBeforeMonth[month] > day0) {
    --month;
  }
  return fmt::format("day {} ({} {}) {:02}:00 UTC", day0 + 1, day0 - kDaysBeforeMonth[month] + 1,
                     kMonthNames[month], index % kHoursPerDay);
}

constexpr std::string_view kTimestampColumn = "timestamp_utc_nominal2022";
constexpr std::string_view kDryBulbColumn = "dry_bulb_c";
constexpr std::string_view kDewPointColumn = "dew_point_c";
constexpr std::string_view kHumidityColumn = "rel_humidity_pct";

// Physical limits of the checks in load_weather_csv (documented in weather.hpp and
// docs/cooling.md). The record low is -89.2 C (Vostok), the record high 56.7 C.
constexpr double kMinDryBulbC = -90.0;
constexpr double kMaxDryBulbC = 60.0;
constexpr double kMinDewPointC = -100.0;
/// Rounding in the source data can put a saturated hour's dew point a little above its
/// dry bulb; more than this is an error.
constexpr double kDewPointToleranceC = 0.5;
constexpr double kMaxHumidityPct = 100.0;

/// A file with thousands of bad rows lists this many problems and counts the rest.
constexpr std::size_t kMaxListedProblems = 200;

}  // namespace

std::int64_t unix_utc_seconds(int year, int month, int day, int hour, int minute, int second) {
  // Normalise the month so that month 13 is January of the next year.
  const std::int64_t m0 = static_cast<std::int64_t>(month) - 1;
  const std::int64_t y = static_cast<std::int64_t>(year) + floor_div(m0, 12);
  const std::int64_t m = m0 - floor_div(m0, 12) * 12 + 1;
  return days_from_civil(y, static_cast<int>(m), day) * kWholeSecondsPerDay +
         static_cast<std::int64_t>(hour) * kWholeSecondsPerHour +
         static_cast<std::int64_t>(minute) * kWholeSecondsPerMinute + second;
}

std::size_t typical_year_hour(std::int64_t unix_seconds) {
  const std::int64_t days = floor_div(unix_seconds, kWholeSecondsPerDay);
  const auto hour =
      static_cast<std::size_t>((unix_seconds - days * kWholeSecondsPerDay) / kWholeSecondsPerHour);
  const units::CivilDate c = civil_from_days(days);
  const int day = c.month == 2 && c.day == 29 ? 28 : c.day;  // 29 February -> 28 February
  const std::size_t day0 =
      kDaysBeforeMonth[static_cast<std::size_t>(c.month - 1)] + static_cast<std::size_t>(day - 1);
  return day0 * kHoursPerDay + hour;
}

WeatherSeries::WeatherSeries(std::string source, std::vector<double> dry_bulb_c,
                             std::vector<double> dew_point_c, std::vector<double> rel_humidity_pct,
                             std::string not_for_extremes)
    : source_(std::move(source)),
      dry_bulb_c_(std::move(dry_bulb_c)),
      dew_point_c_(std::move(dew_point_c)),
      rel_humidity_pct_(std::move(rel_humidity_pct)),
      not_for_extremes_(std::move(not_for_extremes)) {
  const auto check = [this](const std::vector<double>& v, std::string_view what) {
    if (v.size() != kTypicalYearHours) {
      throw std::invalid_argument(
          fmt::format("weather series '{}': {} has {} hourly values, not {}", source_, what,
                      v.size(), kTypicalYearHours));
    }
    if (!std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })) {
      throw std::invalid_argument(
          fmt::format("weather series '{}': {} has a value that is not finite", source_, what));
    }
  };
  check(dry_bulb_c_, "dry bulb");
  check(dew_point_c_, "dew point");
  check(rel_humidity_pct_, "relative humidity");
}

WeatherSeries WeatherSeries::without_humidity(std::string source, std::vector<double> dry_bulb_c) {
  const std::size_t n = dry_bulb_c.size();
  WeatherSeries w(std::move(source), std::move(dry_bulb_c), std::vector<double>(n, 0.0),
                  std::vector<double>(n, 0.0));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::fill(w.dew_point_c_.begin(), w.dew_point_c_.end(), nan);
  std::fill(w.rel_humidity_pct_.begin(), w.rel_humidity_pct_.end(), nan);
  w.has_humidity_ = false;
  return w;
}

double WeatherSeries::annual_mean_dry_bulb_c() const {
  return std::accumulate(dry_bulb_c_.begin(), dry_bulb_c_.end(), 0.0) /
         static_cast<double>(dry_bulb_c_.size());
}

namespace {

constexpr std::array<std::string_view, 4> kColumns{kTimestampColumn, kDryBulbColumn,
                                                   kDewPointColumn, kHumidityColumn};

/// Lists at most kMaxListedProblems problems of a file and counts the rest.
class CappedDiagnostics {
 public:
  explicit CappedDiagnostics(Diagnostics& diag) : diag_(diag) {}
  /// Moves the problems of `part` into the file's list, up to the cap.
  void take(const Diagnostics& part) {
    for (const auto& item : part.items()) {
      if (diag_.items().size() < kMaxListedProblems) {
        diag_.add(item);
      } else {
        ++unlisted_;
      }
    }
  }
  void close() {
    if (unlisted_ > 0) {
      diag_.error("", fmt::format("and {} more problem(s) not listed", unlisted_));
    }
  }

 private:
  Diagnostics& diag_;
  std::size_t unlisted_ = 0;
};

/// The time of a row, on the hour; nullopt (and a problem) otherwise.
std::optional<std::int64_t> row_time(const csv::Row& row, const csv::Cell& cell,
                                     Diagnostics& diag) {
  std::string why;
  const auto t = units::parse_utc_timestamp(cell.text, why);
  if (!t) {
    diag.error(row.line, cell.column, std::string(kTimestampColumn),
               fmt::format("bad timestamp '{}': {}", csv::shown(cell.text), why));
    return std::nullopt;
  }
  if (floor_div(*t, kWholeSecondsPerHour) * kWholeSecondsPerHour != *t) {
    diag.error(row.line, cell.column, std::string(kTimestampColumn),
               fmt::format("'{}' is not on the hour: the series is hourly", csv::shown(cell.text)));
    return std::nullopt;
  }
  return t;
}

struct HourValues {
  double dry = 0;
  double dew = 0;
  double rh = 0;
};

/// The values of a row, within their physical ranges; nullopt (and problems) otherwise.
/// `index`: the columns of timestamp, dry bulb, dew point and humidity; the last two may be
/// absent (kAbsent), and are then derived from each other, or NaN when neither is given.
constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);
std::optional<HourValues> row_values(const csv::Row& row, const std::array<std::size_t, 4>& index,
                                     Diagnostics& diag) {
  std::array<std::optional<double>, 3> v{};
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (index[k + 1] != kAbsent) {
      v[k] = csv::read_number(row, row.cells[index[k + 1]], kColumns[k + 1], "a number", diag);
    }
  }
  const auto before = diag.items().size();
  const auto col = [&](std::size_t k) { return row.cells[index[k]].column; };
  if (v[0] && (*v[0] < kMinDryBulbC || *v[0] > kMaxDryBulbC)) {
    diag.error(row.line, col(1), std::string(kDryBulbColumn),
               fmt::format("dry bulb {} C is outside the physical range {} .. {} C", *v[0],
                           kMinDryBulbC, kMaxDryBulbC));
  }
  if (v[1] && (*v[1] < kMinDewPointC || *v[1] > kMaxDryBulbC)) {
    diag.error(row.line, col(2), std::string(kDewPointColumn),
               fmt::format("dew point {} C is outside the physical range {} .. {} C", *v[1],
                           kMinDewPointC, kMaxDryBulbC));
  } else if (v[0] && v[1] && *v[1] > *v[0] + kDewPointToleranceC) {
    diag.error(row.line, col(2), std::string(kDewPointColumn),
               fmt::format("dew point {} C is above the dry bulb {} C (beyond the {} C "
                           "tolerance): air cannot hold more water than at saturation",
                           *v[1], *v[0], kDewPointToleranceC));
  }
  if (v[2] && (*v[2] < 0.0 || *v[2] > kMaxHumidityPct)) {
    diag.error(row.line, col(3), std::string(kHumidityColumn),
               fmt::format("relative humidity {} % is outside 0 .. 100 %", *v[2]));
  } else if (v[2] && !v[1] && *v[2] <= 0.0) {
    diag.error(row.line, col(3), std::string(kHumidityColumn),
               "relative humidity 0 % has no dew point: the file gives no dew_point_c, so "
               "humidity must be above 0 %");
  }
  const bool given_dew = index[2] != kAbsent;
  const bool given_rh = index[3] != kAbsent;
  if (!v[0] || (given_dew && !v[1]) || (given_rh && !v[2]) || diag.items().size() != before) {
    return std::nullopt;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  HourValues out{*v[0], v[1].value_or(nan), v[2].value_or(nan)};
  if (!given_dew && given_rh) {
    out.dew = psychrometrics::dew_point_from_relative_humidity(out.dry, out.rh);
  } else if (given_dew && !given_rh) {
    constexpr double kFullPct = 100.0;
    out.rh = std::min(kFullPct, kFullPct * psychrometrics::saturation_pressure_pa(out.dew) /
                                    psychrometrics::saturation_pressure_pa(out.dry));
  }
  return out;
}

/// The hours of the typical year no row gave, if every row's time could be read.
void report_missing_hours(const std::vector<int>& line_of_hour, int last_line, Diagnostics& diag) {
  std::vector<std::size_t> missing;
  for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
    if (line_of_hour[h] == 0) {
      missing.push_back(h);
    }
  }
  if (missing.empty()) {
    return;
  }
  constexpr std::size_t kNamed = 3;
  std::string first;
  for (std::size_t k = 0; k < std::min(missing.size(), kNamed); ++k) {
    first += (k == 0 ? "" : ", ") + describe_hour(missing[k]);
  }
  diag.error(last_line, 1, "",
             fmt::format("no row for {} hour(s) of the typical year: {}{}", missing.size(), first,
                         missing.size() > kNamed ? ", ..." : ""));
}

}  // namespace

WeatherSeries load_weather_csv(const std::filesystem::path& path) {
  const std::string file = path.string();
  Diagnostics diag(file);
  const auto table = csv::Table::read(
      path, diag,
      fmt::format("{} and {}, with {} or {} (or both; neither: no humidity), then {} hourly "
                  "rows",
                  kTimestampColumn, kDryBulbColumn, kDewPointColumn, kHumidityColumn,
                  kTypicalYearHours));
  std::array<std::size_t, 4> index{};
  for (std::size_t r = 0; r < 2; ++r) {
    index[r] = table.column(kColumns[r], diag).value_or(0);
  }
  std::vector<std::string> names;
  for (const auto& c : table.header()) {
    names.emplace_back(c.text);
  }
  for (std::size_t r = 2; r < kColumns.size(); ++r) {
    index[r] = table.optional_column(kColumns[r], diag).value_or(kAbsent);
    // An optional column is absent, but a header name is close to it: a misspelling, not a
    // file without humidity; reported as a missing column, with the suggestion.
    if (index[r] == kAbsent && !closest_match(kColumns[r], names).empty()) {
      (void)table.column(kColumns[r], diag);
    }
  }
  const bool humidity = index[2] != kAbsent || index[3] != kAbsent;
  diag.throw_if_any();

  CappedDiagnostics capped(diag);
  std::vector<double> dry(kTypicalYearHours, 0.0);
  std::vector<double> dew(kTypicalYearHours, 0.0);
  std::vector<double> rh(kTypicalYearHours, 0.0);
  std::vector<int> line_of_hour(kTypicalYearHours, 0);  // 0: no row yet
  bool timestamps_ok = true;
  for (const csv::Row& row : table.rows()) {
    Diagnostics found(file);
    if (!table.complete(row, found)) {
      timestamps_ok = false;
      capped.take(found);
      continue;
    }
    const csv::Cell& ts_cell = row.cells[index[0]];
    const auto t = row_time(row, ts_cell, found);
    timestamps_ok = timestamps_ok && t.has_value();
    const auto values = row_values(row, index, found);
    if (t) {
      const std::size_t h = typical_year_hour(*t);
      if (line_of_hour[h] != 0) {
        found.error(row.line, ts_cell.column, std::string(kTimestampColumn),
                    fmt::format("'{}' is {} of the typical year, already given on line {}",
                                ts_cell.text, describe_hour(h), line_of_hour[h]));
      } else {
        line_of_hour[h] = row.line;
        if (values) {
          dry[h] = values->dry;
          dew[h] = values->dew;
          rh[h] = values->rh;
        }
      }
    }
    capped.take(found);
  }

  const std::size_t rows = table.rows().size();
  const int last_line = rows == 0 ? table.header_line() : table.rows().back().line;
  Diagnostics whole(file);
  if (rows != kTypicalYearHours) {
    whole.error(rows > kTypicalYearHours ? table.rows()[kTypicalYearHours].line : last_line, 1, "",
                fmt::format("the file has {} data rows; a typical year has {} hourly rows ({} "
                            "days x {} h, no 29 February)",
                            rows, kTypicalYearHours, units::kDaysPerCommonYear, kHoursPerDay));
  }
  if (timestamps_ok) {
    report_missing_hours(line_of_hour, last_line, whole);
  }
  capped.take(whole);
  capped.close();
  diag.throw_if_any();
  if (!humidity) {
    return WeatherSeries::without_humidity(file, std::move(dry));
  }
  return WeatherSeries(file, std::move(dry), std::move(dew), std::move(rh));
}

std::optional<WeatherSeries> builtin_weather(std::string_view name) {
  for (const detail::BuiltinWeatherProfile& p : detail::builtin_weather_profiles()) {
    if (p.name != name) {
      continue;
    }
    const auto expand = [](const detail::BuiltinColumn& c) {
      std::vector<double> v(kTypicalYearHours);
      for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
        v[h] = c.at(h);
      }
      return v;
    };
    return WeatherSeries(fmt::format("builtin:{}", p.name), expand(p.dry_bulb_c),
                         expand(p.dew_point_c), expand(p.rel_humidity_pct),
                         std::string(p.not_for_extremes));
  }
  return std::nullopt;
}

std::vector<std::string> builtin_weather_names() {
  std::vector<std::string> names;
  for (const detail::BuiltinWeatherProfile& p : detail::builtin_weather_profiles()) {
    names.emplace_back(p.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace footprint::models
