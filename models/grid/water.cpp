#include "models/grid/water.hpp"

#include <utility>

namespace footprint::models {

namespace {

/// gal/MWh to L/kWh.
constexpr double from_gal_per_mwh(double gal_per_mwh) {
  constexpr double kKwhPerMwh = 1000.0;
  return gal_per_mwh * units::kLitresPerGallon / kKwhPerMwh;
}

}  // namespace

EmissionFactors macknick_2012_water_consumption() {
  // Macknick et al. (2012), Table 1, median consumption factors, gal/MWh.
  constexpr double kCoalTower = 687;
  constexpr double kGasCombinedCycleTower = 205;
  constexpr double kNuclearTower = 672;
  constexpr double kSteamTower = 826;
  constexpr double kPhotovoltaic = 1;
  constexpr double kBiopowerSteamTower = 553;
  return EmissionFactors{{{"COL", from_gal_per_mwh(kCoalTower)},
                          {"NG", from_gal_per_mwh(kGasCombinedCycleTower)},
                          {"NUC", from_gal_per_mwh(kNuclearTower)},
                          {"OIL", from_gal_per_mwh(kSteamTower)},
                          {"SUN", from_gal_per_mwh(kPhotovoltaic)},
                          {"WND", 0.0},
                          {"WAT", 0.0},
                          {"OTH", from_gal_per_mwh(kBiopowerSteamTower)}}};
}

GridWater::GridWater(units::WaterIntensity constant, std::string source)
    : constant_(constant), source_(std::move(source)) {}

GridWater::GridWater(std::int64_t epoch_utc_s, TimeSeries l_per_kwh, Repeat repeat,
                     std::optional<engine::SimTime> horizon)
    : source_(l_per_kwh.source),
      series_(std::make_shared<SeriesCarbon>(epoch_utc_s, std::move(l_per_kwh),
                                             MarketAccounting::location_based(), repeat, horizon)) {
}

units::WaterIntensity GridWater::at(engine::SimTime t) const {
  if (!series_) {
    return constant_;
  }
  // The series' values are L/kWh read as g/kWh: its SI value (per joule) is L/J.
  return units::WaterIntensity::from_si(series_->at(t).location.si());
}

engine::SimTime GridWater::next_change(engine::SimTime t) const {
  return series_ ? series_->next_change(t) : engine::SimTime::max();
}

}  // namespace footprint::models
