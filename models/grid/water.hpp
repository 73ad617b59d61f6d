// The water the grid's power plants consume per kWh they deliver (off-site water), from the
// hourly fuel mix and per-fuel factors, or a constant. Factors, sources and the choice for
// hydropower: docs/grid.md, "Water". On-site water is the cooling's: models/cooling/water.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "models/grid/series.hpp"
#include "models/grid/series_carbon.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

/// Operational water consumption per fuel, in L/kWh, keyed by the EIA-930 fuel codes of the
/// fuel-mix files (the map of EmissionFactors then holds L/kWh, not g/kWh). Medians of
/// Macknick, Newmark, Heath and Hallett (2012), "Operational water consumption and
/// withdrawal factors for electricity generating technologies", Environ. Res. Lett. 7
/// 045802, Table 1 (consumption, gal/MWh, x 3.785411784 / 1000): COL 687 (coal, generic,
/// cooling tower), NG 205 (natural gas combined cycle, tower), NUC 672 (nuclear, tower), OIL
/// 826 (steam turbine, tower: the table's steam row, no oil-specific one), SUN 1 (utility
/// photovoltaic), WND 0, OTH 553 (biopower steam, tower: EIA-930 "other" is mostly biomass
/// and waste, as for its emission factor), and WAT 0: reservoir evaporation (the table's
/// 4,491 gal/MWh median) is not charged to electricity by default, because reservoirs serve
/// other uses too; a region's `water_factors: { WAT: 17 L/kWh }` charges it.
[[nodiscard]] EmissionFactors macknick_2012_water_consumption();

/// The grid's water intensity over time: from a series (L/kWh per interval, repeated or not,
/// on the same time axis as the carbon signal) or a constant.
class GridWater {
 public:
  explicit GridWater(units::WaterIntensity constant, std::string source);
  /// `l_per_kwh`: values in L/kWh. Throws as SeriesCarbon does for a malformed series or one
  /// that does not cover [0, horizon).
  GridWater(std::int64_t epoch_utc_s, TimeSeries l_per_kwh, Repeat repeat,
            std::optional<engine::SimTime> horizon);

  [[nodiscard]] units::WaterIntensity at(engine::SimTime t) const;
  /// The next time after t at which at() may change; SimTime::max() for never.
  [[nodiscard]] engine::SimTime next_change(engine::SimTime t) const;
  /// "fuel mix of FILE (Macknick et al. 2012 medians, hydro excluded)" or "0.5 L/kWh": for
  /// reports and the trace.
  [[nodiscard]] const std::string& source() const { return source_; }
  void set_source(std::string s) { source_ = std::move(s); }

 private:
  units::WaterIntensity constant_;
  std::string source_;
  /// The series, read through a carbon signal whose "g/kWh" are L/kWh.
  std::shared_ptr<const SeriesCarbon> series_;
};

}  // namespace footprint::models
