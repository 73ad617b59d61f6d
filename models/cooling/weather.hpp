// Hourly outdoor weather for a typical year, as drives weather-dependent cooling.
//
// A typical meteorological year (TMY) has 8760 hours and no calendar year of its own, so
// a WeatherSeries is indexed by (day of year, UTC hour) and wraps: any UTC time, in any
// year, maps to the same day of year and hour of the series. 29 February maps to
// 28 February (a leap year repeats 28 February's 24 hours); 1 March is always day 60.
// Values are constant within each hour (the files are hourly, hour-beginning).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/units/time_constants.hpp"

namespace footprint::models {

/// Hours in a typical year (365 days, no 29 February).
inline constexpr auto kTypicalYearHours =
    static_cast<std::size_t>(units::kDaysPerCommonYear * units::kHoursPerDay);

/// Unix time (seconds since 1970-01-01T00:00:00Z, proleptic Gregorian, no leap seconds)
/// of a UTC calendar time. Months 1..12, days 1..31, hours 0..23; no range check beyond
/// what the arithmetic needs (day 32 of a month is the next month's first day).
[[nodiscard]] std::int64_t unix_utc_seconds(int year, int month, int day, int hour = 0,
                                            int minute = 0, int second = 0);

/// The index 0..8759 of the typical-year hour that a UTC time maps to:
/// (day of year - 1) x 24 + UTC hour, with 29 February counted as 28 February.
[[nodiscard]] std::size_t typical_year_hour(std::int64_t unix_utc_seconds);

/// 8760 hourly values of dry-bulb temperature, dew point and relative humidity, indexed by
/// typical_year_hour(). Immutable once built; every instance holds exactly 8760 hours.
struct WeatherSeries {
 public:
  /// Throws std::invalid_argument unless each vector has kTypicalYearHours finite values.
  /// `not_for_extremes`: why the series' extremes are not real hours (smoothed climate
  /// normals), empty for a year of real hours.
  WeatherSeries(std::string source, std::vector<double> dry_bulb_c, std::vector<double> dew_point_c,
                std::vector<double> rel_humidity_pct, std::string not_for_extremes = {});

  /// Dry bulb only (a file with neither dew point nor humidity): dew_point_at() and
  /// rel_humidity_at() are NaN and has_humidity() is false. Same checks as above.
  [[nodiscard]] static WeatherSeries without_humidity(std::string source,
                                                      std::vector<double> dry_bulb_c);
  /// Whether dew point and relative humidity are known.
  [[nodiscard]] bool has_humidity() const { return has_humidity_; }

  /// Where the series came from: a file path, or "builtin:<name>".
  [[nodiscard]] const std::string& source() const { return source_; }
  /// Why the series' hottest hours are not real extremes, so that a design peak computed
  /// from them understates the real one (built-in `us-ny-jfk`: smoothed climate normals);
  /// empty when they are real hours (every loaded file, every TMYx profile).
  [[nodiscard]] const std::string& not_for_extremes() const { return not_for_extremes_; }

  /// Values at a UTC time (any year: see typical_year_hour()).
  [[nodiscard]] double dry_bulb_at(std::int64_t unix_utc_seconds) const {
    return dry_bulb_c_[typical_year_hour(unix_utc_seconds)];
  }
  [[nodiscard]] double dew_point_at(std::int64_t unix_utc_seconds) const {
    return dew_point_c_[typical_year_hour(unix_utc_seconds)];
  }
  [[nodiscard]] double rel_humidity_at(std::int64_t unix_utc_seconds) const {
    return rel_humidity_pct_[typical_year_hour(unix_utc_seconds)];
  }

  /// The 8760 hourly values, index typical_year_hour().
  [[nodiscard]] std::span<const double> dry_bulb_c() const { return dry_bulb_c_; }
  [[nodiscard]] std::span<const double> dew_point_c() const { return dew_point_c_; }
  [[nodiscard]] std::span<const double> rel_humidity_pct() const { return rel_humidity_pct_; }

  [[nodiscard]] double annual_mean_dry_bulb_c() const;

 private:
  std::string source_;
  std::vector<double> dry_bulb_c_;
  std::vector<double> dew_point_c_;
  std::vector<double> rel_humidity_pct_;
  std::string not_for_extremes_;
  bool has_humidity_ = true;
};

/// Reads an hourly typical-year CSV in the format of ../shared/data/weather: a header row
/// naming the columns, found by name in any order (others are ignored):
///   timestamp_utc_nominal2022  hour-beginning UTC time, YYYY-MM-DDTHH:MM[:SS]Z; each row
///                              is placed by its (day of year, hour) as typical_year_hour()
///                              maps it, so the year is immaterial and rows past the new
///                              year (the last UTC hours of 31 December local time) wrap
///                              to 1 January
///   dry_bulb_c                 -90 .. 60
///   dew_point_c                at most dry_bulb_c + 0.5 (measurement tolerance)
///   rel_humidity_pct           0 .. 100
/// Humidity is optional: with only rel_humidity_pct the dew point is derived from it (and
/// from the dry bulb, by the ASHRAE saturation pressure), with only dew_point_c the
/// relative humidity; with neither, the series has no humidity (has_humidity() false).
/// There must be exactly 8760 data rows, one per hour. Blank lines are skipped; cells are
/// split at commas, without quoting. Every problem found (missing column, unreadable cell,
/// value out of range, duplicate or missing hour, wrong row count, empty or unreadable
/// file) is collected with file:line:column and thrown once as footprint::InputError.
[[nodiscard]] WeatherSeries load_weather_csv(const std::filesystem::path& path);

/// Built-in typical weather for the sites Footprint knows without ../shared: the 8760
/// hours of each site's typical-year file in ../shared/data/weather, value for value (the
/// same doubles load_weather_csv() reads from it; see builtin_weather.cpp for source and
/// method), so its hot hours are kept. `us-ny-jfk` is smoothed climate normals:
/// not_for_extremes() says so. Names like "us-az-phoenix"; std::nullopt for an unknown
/// name.
[[nodiscard]] std::optional<WeatherSeries> builtin_weather(std::string_view name);

/// The names builtin_weather() knows, sorted.
[[nodiscard]] std::vector<std::string> builtin_weather_names();

}  // namespace footprint::models
