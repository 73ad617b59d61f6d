#include "models/cooling/water.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "models/cooling/psychrometrics.hpp"
#include "sim/kernel/units/calendar.hpp"

namespace footprint::models {

namespace psy = psychrometrics;

ConstantWue::ConstantWue(units::WaterIntensity wue) : wue_(wue) {
  if (!std::isfinite(wue_.si()) || wue_.si() < 0.0) {
    throw std::invalid_argument(fmt::format("a WUE must be finite and >= 0 L/kWh, not {} L/kWh",
                                            units::to_litres_per_kwh(wue_)));
  }
}

std::string ConstantWue::describe() const {
  return fmt::format("wue {:g} L/kWh", units::to_litres_per_kwh(wue_));
}

void validate(const CoolingTowerParameters& p) {
  constexpr double kMaxCycles = 100.0;
  constexpr double kMaxExitK = 30.0;
  if (!std::isfinite(p.cycles) || p.cycles <= 1.0 || p.cycles > kMaxCycles) {
    throw std::invalid_argument(fmt::format(
        "cooling tower: cycles of concentration must be above 1 and at most {:g}, not {:g}",
        kMaxCycles, p.cycles));
  }
  if (!std::isfinite(p.exit_above_wet_bulb_k) || p.exit_above_wet_bulb_k <= 0.0 ||
      p.exit_above_wet_bulb_k > kMaxExitK) {
    throw std::invalid_argument(
        fmt::format("cooling tower: exit_above_wet_bulb_k must be in (0, {:g}] K, not {:g}",
                    kMaxExitK, p.exit_above_wet_bulb_k));
  }
}

CoolingTower::CoolingTower(WeatherSeries weather, std::int64_t epoch_unix_utc_seconds,
                           CoolingTowerParameters parameters)
    : weather_(std::move(weather)), epoch_(epoch_unix_utc_seconds), p_(parameters) {
  validate(p_);
  if (!weather_.has_humidity()) {
    throw std::invalid_argument(
        fmt::format("cooling tower: weather {} has no humidity (neither dew_point_c nor "
                    "rel_humidity_pct): evaporation follows the wet bulb, which needs one",
                    weather_.source()));
  }
  per_kwh_.reserve(kTypicalYearHours);
  for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
    per_kwh_.push_back(
        litres_per_kwh_rejected(weather_.dry_bulb_c()[h], weather_.dew_point_c()[h]));
  }
}

double CoolingTower::evaporative_fraction(double dry_bulb_c, double dew_point_c) const {
  const double dew = std::min(dew_point_c, dry_bulb_c);
  const double w_in = psy::humidity_ratio_from_dew_point(dew);
  const double h_in = psy::enthalpy_kj_per_kg(dry_bulb_c, w_in);
  const double t_out = psy::wet_bulb_c(dry_bulb_c, dew) + p_.exit_above_wet_bulb_k;
  const double w_out = psy::humidity_ratio_from_dew_point(t_out);
  const double h_out = psy::enthalpy_kj_per_kg(t_out, w_out);
  return psy::latent_heat_kj_per_kg(t_out) * (w_out - w_in) / (h_out - h_in);
}

double CoolingTower::litres_per_kwh_rejected(double dry_bulb_c, double dew_point_c) const {
  const double dew = std::min(dew_point_c, dry_bulb_c);
  const double t_out = psy::wet_bulb_c(dry_bulb_c, dew) + p_.exit_above_wet_bulb_k;
  constexpr double kKjPerKwh = units::kJoulesPerKilowattHour / 1000.0;
  const double evaporated_kg =
      evaporative_fraction(dry_bulb_c, dew) * kKjPerKwh / psy::latent_heat_kj_per_kg(t_out);
  return evaporated_kg / kWaterKgPerLitre * p_.cycles / (p_.cycles - 1.0);
}

double CoolingTower::litres_per_second(engine::SimTime t, const FacilityPower& fp) const {
  const double heat_w = units::to_watts(fp.chiller_heat);
  if (heat_w <= 0.0) {
    return 0.0;
  }
  const std::int64_t unix_s =
      epoch_ + units::floor_div(t.count(), engine::SimTime::kTicksPerSecond);
  return per_kwh_[typical_year_hour(unix_s)] * heat_w / units::kJoulesPerKilowattHour;
}

std::string CoolingTower::describe() const {
  return fmt::format("cooling tower, {:g} cycles of concentration", p_.cycles);
}

}  // namespace footprint::models
