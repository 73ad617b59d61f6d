// The water a site withdraws on site for cooling: a constant WUE, or a cooling tower that
// rejects the chiller's heat by evaporation and follows the outdoor wet bulb. Equations,
// defaults, sources and checks: docs/cooling.md, "Water". Off-site water (at the power
// plants) is the grid's: models/grid/water.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "models/cooling/cooling.hpp"
#include "models/cooling/weather.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

class OnsiteWater {
 public:
  OnsiteWater() = default;
  OnsiteWater(const OnsiteWater&) = delete;
  OnsiteWater& operator=(const OnsiteWater&) = delete;
  OnsiteWater(OnsiteWater&&) = delete;
  OnsiteWater& operator=(OnsiteWater&&) = delete;
  virtual ~OnsiteWater() = default;

  /// Litres per second withdrawn at time t while the facility draws `fp`. Piecewise constant
  /// in time for a given fp, changing only where the cooling model's facility() may.
  [[nodiscard]] virtual double litres_per_second(engine::SimTime t,
                                                 const FacilityPower& fp) const = 0;
  /// "wue 0.3 L/kWh", "tower, 6 cycles": for reports.
  [[nodiscard]] virtual std::string describe() const = 0;
};

/// A constant water usage effectiveness: litres per kWh of IT energy (The Green Grid's WUE,
/// site water over IT energy), whatever the weather.
class ConstantWue final : public OnsiteWater {
 public:
  /// Throws std::invalid_argument for a negative or non-finite WUE.
  explicit ConstantWue(units::WaterIntensity wue);
  [[nodiscard]] double litres_per_second(engine::SimTime /*t*/,
                                         const FacilityPower& fp) const override {
    return wue_.si() * units::to_watts(fp.it);
  }
  [[nodiscard]] std::string describe() const override;

 private:
  units::WaterIntensity wue_;
};

struct CoolingTowerParameters {
  /// Cycles of concentration: the ratio of dissolved solids in the circulating water to
  /// those in the make-up. Blowdown = evaporation / (cycles - 1); make-up = evaporation x
  /// cycles / (cycles - 1). No default: a scenario gives it (3-6 is usual).
  double cycles = 0;
  /// How far above the wet bulb the air leaves the tower, saturated: the Cooling Technology
  /// Institute's standard rating point (ATC-105: 95 F hot water, 85 F cold water, 78 F wet
  /// bulb) has a 7 F approach and a 10 F range, so the mean water temperature, taken as the
  /// leaving air's, is 12 F = 6.67 K above the wet bulb.
  double exit_above_wet_bulb_k = 12.0 / 1.8;
};

/// Throws std::invalid_argument naming the first parameter out of range (cycles must be
/// above 1 and at most 100; the exit offset in (0, 30] K).
void validate(const CoolingTowerParameters& p);

/// A wet cooling tower rejecting the chiller's heat (FacilityPower::chiller_heat): none while
/// the economizer carries the load. The air leaves saturated at the wet bulb plus
/// exit_above_wet_bulb_k; the share f of the heat that leaves as latent heat is
///   f = h_fg(T_out) x (W_s(T_out) - W_in) / (h_s(T_out) - h_in),
/// more than 1 in hot dry air (which the water cools as it evaporates), less in cool humid
/// air. Evaporation = f x heat / h_fg; make-up = evaporation x cycles / (cycles - 1).
class CoolingTower final : public OnsiteWater {
 public:
  /// `epoch_unix_utc_seconds`: the UTC time of simulated time 0. Throws
  /// std::invalid_argument for bad parameters or weather without humidity.
  CoolingTower(WeatherSeries weather, std::int64_t epoch_unix_utc_seconds,
               CoolingTowerParameters parameters);
  [[nodiscard]] double litres_per_second(engine::SimTime t, const FacilityPower& fp) const override;
  [[nodiscard]] std::string describe() const override;

  /// The share of the rejected heat that leaves as latent heat, at a dry bulb and dew point.
  [[nodiscard]] double evaporative_fraction(double dry_bulb_c, double dew_point_c) const;
  /// Litres of make-up water per kWh of heat rejected, at a dry bulb and dew point.
  [[nodiscard]] double litres_per_kwh_rejected(double dry_bulb_c, double dew_point_c) const;
  [[nodiscard]] const CoolingTowerParameters& parameters() const { return p_; }

 private:
  WeatherSeries weather_;
  std::int64_t epoch_;
  CoolingTowerParameters p_;
  /// litres_per_kwh_rejected() of each typical-year hour.
  std::vector<double> per_kwh_;
};

/// The density of liquid water at 25 C, kg per litre (0.99705; CRC Handbook of Chemistry
/// and Physics, "Properties of water in the range 0-100 C"): litres of make-up per kg.
inline constexpr double kWaterKgPerLitre = 0.99705;

}  // namespace footprint::models
