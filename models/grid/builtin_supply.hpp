// Built-in hourly shapes of a region's solar and wind generation and of its grid's
// carbon-free share, so that supply studies run without external data.
//
// Each is the 2022 hourly series (8760 UTC hours) of a US balancing authority, from its
// EIA-930 generation by fuel (via HPE's dc-rl, MIT licence); models/grid/builtin_supply.cpp
// is generated from the data by scripts/make-supply-profiles, which documents sources and
// method (docs/grid.md, "Energy supply").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/grid/series.hpp"

namespace footprint::models {

enum class SupplyShape : std::uint8_t {
  kSolar,  ///< generation over the year's highest hour, in [0, 1]
  kWind,   ///< the same for wind
  kCfe,    ///< the grid's carbon-free share (wind, solar, hydro, nuclear), in [0, 1]
};

/// The region's shape (by its intensity profile's name: "us-pjm") as an hourly series for
/// calendar year `year` (UTC): each hour takes the value of the same month, day and hour of
/// 2022 (29 February takes the 28th's). Empty if there is no region of that name.
[[nodiscard]] std::optional<TimeSeries> builtin_supply_shape(std::string_view region,
                                                             SupplyShape shape, int year);

/// The names that builtin_supply_shape() knows: those of the built-in intensity profiles.
[[nodiscard]] std::vector<std::string> builtin_supply_regions();

namespace detail {

inline constexpr std::size_t kSupplyHours = 8760;
inline constexpr double kSupplyScale = 10000.0;  ///< stored values are ten-thousandths

struct BuiltinSupplyTable {
  std::string_view name;         ///< "us-pjm"
  std::string_view region;       ///< "PJM (N. Virginia / Mid-Atlantic)"
  std::string_view source_file;  ///< "us_pjm_2022_hourly_fuelmix.csv"
  const std::uint16_t* solar;    ///< kSupplyHours values each
  const std::uint16_t* wind;
  const std::uint16_t* cfe;
};

/// The generated tables (builtin_supply.cpp), in name order.
std::span<const BuiltinSupplyTable> builtin_supply_tables();

}  // namespace detail
}  // namespace footprint::models
