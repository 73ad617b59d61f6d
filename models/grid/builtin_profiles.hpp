// Built-in grid carbon-intensity profiles, so that scenarios run without external data.
//
// Each profile is a typical day per month (12 x 24 hourly means, UTC hours, g CO2e/kWh) of
// a US balancing authority's 2022 location-based average intensity (EIA-930 via HPE's
// dc-rl, MIT licence); models/grid/builtin_profiles.cpp is generated from the data by
// scripts/make-grid-profiles, which documents sources and method (docs/grid.md).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/grid/series.hpp"
#include "sim/kernel/units/time_constants.hpp"

namespace footprint::models {

/// The named profile expanded to a full hourly series for calendar year `year` (UTC):
/// 8760 or 8784 values, each day of a month taking its month's typical day. The series
/// starts at `year`-01-01T00:00:00Z; the last hour holds until `year`+1-01-01T00:00:00Z.
/// Empty if there is no profile of that name (names: builtin_intensity_profile_names()).
[[nodiscard]] std::optional<TimeSeries> builtin_intensity_profile(std::string_view name, int year);

/// "us-azps", "us-bpat", "us-ciso", "us-erco", "us-miso", "us-nyis", "us-pjm", "us-soco".
[[nodiscard]] std::vector<std::string> builtin_intensity_profile_names();

namespace detail {

inline constexpr int kMonthsPerYear = 12;
inline constexpr int kHoursPerDay = static_cast<int>(units::kHoursPerDay);

struct BuiltinProfileTable {
  std::string_view name;         ///< "us-ciso"
  std::string_view region;       ///< "California ISO"
  std::string_view source_file;  ///< "us_ciso_2022_hourly.csv"
  /// g CO2e/kWh, [month 0..11][UTC hour 0..23].
  std::array<std::array<double, kHoursPerDay>, kMonthsPerYear> g_per_kwh;
};

/// The generated tables (builtin_profiles.cpp), in name order.
std::span<const BuiltinProfileTable> builtin_profile_tables();

}  // namespace detail
}  // namespace footprint::models
