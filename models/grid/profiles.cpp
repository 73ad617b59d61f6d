// Expansion of the built-in typical-day tables (builtin_profiles.cpp, generated) into
// hourly series for a calendar year.
#include <fmt/format.h>

#include "models/grid/builtin_profiles.hpp"
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
