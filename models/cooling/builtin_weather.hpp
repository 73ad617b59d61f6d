// Internal: the tables behind builtin_weather(), generated into builtin_weather.cpp by
// scripts/make-weather-profiles. Use builtin_weather() (weather.hpp) instead.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace footprint::models::detail {

/// [month 0..11][UTC hour 0..23]
using MonthByHour = std::array<std::array<double, 24>, 12>;

struct BuiltinWeatherProfile {
  std::string_view name;     ///< "us-az-phoenix"
  std::string_view station;  ///< "Phoenix Sky Harbor (722780)"
  std::string_view file;     ///< the CSV it was computed from
  MonthByHour dry_bulb_c;
  MonthByHour dew_point_c;
  MonthByHour rel_humidity_pct;
};

/// Every built-in profile, sorted by name.
[[nodiscard]] std::span<const BuiltinWeatherProfile> builtin_weather_profiles();

}  // namespace footprint::models::detail
