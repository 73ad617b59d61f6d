// Internal: the tables behind builtin_weather(), generated into builtin_weather.cpp by
// scripts/make-weather-profiles. Use builtin_weather() (weather.hpp) instead.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "models/cooling/weather.hpp"

namespace footprint::models::detail {

/// One column of a typical year, at its file's resolution: the value of hour h (index
/// typical_year_hour()) is stored[h] / scale (scale 10: 0.1 C steps; 100: 0.01 C; 1: 1 %).
/// Dividing the exact integer by the scale gives the double nearest the file's decimal
/// text, as parsing it does.
struct BuiltinColumn {
  std::span<const std::int16_t, kTypicalYearHours> stored;
  int scale = 1;

  [[nodiscard]] double at(std::size_t hour) const {
    return static_cast<double>(stored[hour]) / static_cast<double>(scale);
  }
};

struct BuiltinWeatherProfile {
  std::string_view name;     ///< "us-az-phoenix"
  std::string_view station;  ///< "Phoenix Sky Harbor (722780)"
  std::string_view file;     ///< the CSV it was generated from
  /// Why the profile's extremes are not real hours (smoothed climate normals); empty for
  /// a typical year of real hours.
  std::string_view not_for_extremes;
  BuiltinColumn dry_bulb_c;
  BuiltinColumn dew_point_c;
  BuiltinColumn rel_humidity_pct;
};

/// Every built-in profile, sorted by name.
[[nodiscard]] std::span<const BuiltinWeatherProfile> builtin_weather_profiles();

}  // namespace footprint::models::detail
