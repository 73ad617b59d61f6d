// The physical world of a scenario: each region's carbon signal and each datacenter's
// cooling model, built from constants, data files or built-in profiles. Data files are
// read here, so `footprint check` reports their problems too.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/cooling/cooling.hpp"
#include "models/cooling/water.hpp"
#include "models/grid/carbon.hpp"
#include "models/grid/series_carbon.hpp"
#include "models/grid/water.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/engine/time.hpp"

namespace footprint::scenario {

/// What a datacenter's supply accounting reads (docs/grid.md, "Energy supply"): its solar
/// and wind generation (a series x a scale, MW) and its grid's carbon-free share.
struct SupplySignals {
  std::optional<models::detail::RepeatingSeries> solar;
  double solar_mw = 1;  ///< MW per unit of the solar series
  std::optional<models::detail::RepeatingSeries> wind;
  double wind_mw = 1;
  std::optional<models::detail::RepeatingSeries> grid_cfe;  ///< none: grid_cfe_constant
  double grid_cfe_constant = 0;
};

struct World {
  std::vector<std::shared_ptr<const models::CarbonSignal>> carbon;   ///< per region
  std::vector<std::shared_ptr<const models::CoolingModel>> cooling;  ///< per datacenter
  /// Per datacenter with a `supply`.
  std::vector<std::optional<SupplySignals>> supply;
  /// Per datacenter with `water`: its on-site water and its region's off-site water
  /// intensity (null for the others).
  std::vector<std::shared_ptr<const models::OnsiteWater>> onsite_water;
  std::vector<std::shared_ptr<const models::GridWater>> grid_water;
  /// Data files read: (name as the scenario gives it, resolved path).
  std::vector<std::pair<std::string, std::string>> files;
};

/// Throws InputError (naming the key path and the file) for data that cannot be used,
/// including series that do not cover [0, horizon) without `repeat: yearly`.
World build_world(const Scenario& sc, engine::SimTime horizon, std::vector<std::string>& warnings);

}  // namespace footprint::scenario
