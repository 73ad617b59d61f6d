// Expansion of the built-in typical-day tables (builtin_profiles.cpp, generated) into
// hourly series for a calendar year.
#include <fmt/format.h>

#include <algorithm>

#include "models/grid/builtin_profiles.hpp"
#include "models/grid/builtin_supply.hpp"
#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/time_constants.hpp"

namespace footprint::models {

namespace {
using units::kWholeSecondsPerHour;
}  // namespace

std::optional<TimeSeries> builtin_intensity_profile(std::string_view name, int year) {
  for (const auto& table : detail::builtin_profile_tables()) {
    if (table.name != name) {
      continue;
    }
    TimeSeries s;
    s.source = fmt::format("built-in profile {} ({}, typical day per month of {})", table.name,
                           table.region, table.source_file);
    const auto days = units::kDaysPerCommonYear + (is_leap_year(year) ? 1 : 0);
    const auto hours = static_cast<std::size_t>(days * detail::kHoursPerDay);
    s.t_s.reserve(hours);
    s.value.reserve(hours);
    std::int64_t t = days_from_civil(year, 1, 1) * detail::kHoursPerDay * kWholeSecondsPerHour;
    for (int month = 1; month <= detail::kMonthsPerYear; ++month) {
      const auto& day = table.g_per_kwh.at(static_cast<std::size_t>(month - 1));
      for (int d = 1; d <= days_in_month(year, month); ++d) {
        for (const double v : day) {
          s.t_s.push_back(t);
          s.value.push_back(v);
          t += kWholeSecondsPerHour;
        }
      }
    }
    return s;
  }
  return std::nullopt;
}

std::vector<std::string> builtin_intensity_profile_names() {
  std::vector<std::string> names;
  for (const auto& table : detail::builtin_profile_tables()) {
    names.emplace_back(table.name);
  }
  return names;
}

}  // namespace footprint::models

namespace footprint::models {

std::optional<TimeSeries> builtin_supply_shape(std::string_view region, SupplyShape shape,
                                               int year) {
  constexpr int kSourceYear = 2022;
  for (const auto& table : detail::builtin_supply_tables()) {
    if (table.name != region) {
      continue;
    }
    const std::uint16_t* values = shape == SupplyShape::kSolar  ? table.solar
                                  : shape == SupplyShape::kWind ? table.wind
                                                                : table.cfe;
    const char* what = shape == SupplyShape::kSolar  ? "solar generation"
                       : shape == SupplyShape::kWind ? "wind generation"
                                                     : "carbon-free share";
    TimeSeries s;
    s.source = fmt::format("built-in {} of {} ({}, hours of {})", what, table.name, table.region,
                           kSourceYear);
    const auto day_of_2022 = [&](int month, int day) {
      return days_from_civil(kSourceYear, month, day) - days_from_civil(kSourceYear, 1, 1);
    };
    std::int64_t t = days_from_civil(year, 1, 1) * detail::kHoursPerDay * kWholeSecondsPerHour;
    for (int month = 1; month <= detail::kMonthsPerYear; ++month) {
      for (int d = 1; d <= days_in_month(year, month); ++d) {
        const auto first = static_cast<std::size_t>(
            day_of_2022(month, std::min(d, days_in_month(kSourceYear, month))) *
            detail::kHoursPerDay);
        for (std::size_t h = 0; h < static_cast<std::size_t>(detail::kHoursPerDay); ++h) {
          s.t_s.push_back(t);
          s.value.push_back(static_cast<double>(values[first + h]) / detail::kSupplyScale);
          t += kWholeSecondsPerHour;
        }
      }
    }
    return s;
  }
  return std::nullopt;
}

std::vector<std::string> builtin_supply_regions() {
  std::vector<std::string> names;
  for (const auto& table : detail::builtin_supply_tables()) {
    names.emplace_back(table.name);
  }
  return names;
}

}  // namespace footprint::models
