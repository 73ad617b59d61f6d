// A weather-driven cooling plant: free cooling (economizer) when the outdoor air is cool
// and dry enough, an air-cooled vapour-compression chiller when it is not, and a blend of
// the two in between. Equations, defaults and their sources: docs/cooling.md.
//
//   facility     = IT + distribution + fixed + cooling
//   distribution = IT x (1 / distribution_efficiency - 1)
//   fixed        = fixed_overhead                              (W, independent of load)
//   cooling      = IT x fan_pump_fraction + IT x m / COP(T)    (the chiller term only if m > 0)
//   m            = 0 when T <= economizer_full_below_c, 1 when T >= economizer_none_above_c,
//                  linear in between; 1 whenever the dew point is above
//                  economizer_max_dew_point_c (outdoor air too humid to bring in)
//   COP(T)       = carnot_fraction x T_evap / (T_cond - T_evap)   (kelvin)
//   T_cond       = max(T + condenser_approach_k, T_evap + minimum_lift_k)
// where T is the outdoor dry bulb of the current UTC hour and T_evap the evaporating
// temperature. The heat the chiller removes is taken as the IT power.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "models/cooling/cooling.hpp"
#include "models/cooling/weather.hpp"

namespace footprint::models {

struct EconomizerChillerParameters {
  /// Fraction of the power entering UPS and PDUs that reaches IT. 0.96: assumption within
  /// published ranges (PDUs 94-98 %, UPSs lower; eco-mode UPSs 98.5-99 %; Schneider
  /// Electric WP 108 and WP 157; see docs/cooling.md).
  double distribution_efficiency = 0.96;
  /// Fans (air handlers, cooling-tower or dry-cooler fans) and pumps, as a fraction of IT
  /// power, running in every mode. 0.05: assumption, of the order of a cooling tower fan's
  /// 0.2 kW per ton of heat (0.057 kW/kW; BAC, "Minimizing Energy Costs with Free
  /// Cooling").
  double fan_pump_fraction = 0.05;
  /// Load-independent overhead: lighting, offices, controls, idle plant. 0 by default
  /// (assumption: a scenario sets it, e.g. 1-2 % of the design IT capacity).
  units::Watts fixed_overhead = units::Watts::zero();

  /// Outdoor dry bulb at or below which the economizer carries the whole load. 21 C:
  /// assumption, a 24 C supply air (within ASHRAE TC 9.9's recommended 18-27 C inlet)
  /// less 3 K for fan heat and approach.
  double economizer_full_below_c = 21.0;
  /// Outdoor dry bulb at or above which the economizer does nothing (outdoor air no cooler
  /// than the return air). 35 C: assumption, the 24 C supply plus an 11 K rise across the
  /// IT equipment.
  double economizer_none_above_c = 35.0;
  /// Outdoor dew point above which outdoor air cannot be used at any temperature (the
  /// chiller carries the load and dehumidifies). 17 C: the upper dew point of ASHRAE
  /// TC 9.9's allowable class A1 (recommended: 15 C). +infinity disables the limit.
  double economizer_max_dew_point_c = 17.0;

  /// Chiller efficiency as a fraction of the Carnot COP. 0.5: real chillers reach 0.4-0.7
  /// of Carnot (Cengel & Boles; pe-calc.com: "chiller 0.5-0.7"); 0.5 gives COP 2.9 at
  /// AHRI 550/590 air-cooled rating conditions, near the 2.8 (9.562 EER) minimum of ASHRAE
  /// 90.1 for air-cooled chillers.
  double carnot_fraction = 0.5;
  /// Refrigerant evaporating temperature. 12 C: assumption, a 15 C chilled-water supply
  /// (elevated, as for data centres with 24 C supply air) less a 3 K approach.
  double evaporator_c = 12.0;
  /// Condensing temperature above the outdoor dry bulb, for an air-cooled condenser.
  /// 16.7 K: AHRI 550/590 rates condenserless chillers at 125 F saturated discharge for
  /// 95 F entering air.
  double condenser_approach_k = 16.7;
  /// Smallest lift the compressor works against (head-pressure control keeps the
  /// condenser from following a cold outdoor temperature down); bounds the COP. 10 K:
  /// assumption.
  double minimum_lift_k = 10.0;
};

/// Throws std::invalid_argument naming the first parameter out of range.
void validate(const EconomizerChillerParameters& p);

class EconomizerChiller final : public CoolingModel {
 public:
  /// `epoch_unix_utc_seconds` is the UTC time of simulated time 0 (for example
  /// unix_utc_seconds(2022, 1, 1)). Throws std::invalid_argument for bad parameters or an
  /// epoch outside +-10^12 s.
  EconomizerChiller(WeatherSeries weather, std::int64_t epoch_unix_utc_seconds,
                    EconomizerChillerParameters parameters = {});

  /// Throws std::invalid_argument for a negative or non-finite IT power.
  [[nodiscard]] FacilityPower facility(engine::SimTime t, units::Watts it) const override;
  /// The next UTC hour boundary after t (weather is hourly); SimTime::max() when it does
  /// not fit.
  [[nodiscard]] engine::SimTime next_change(engine::SimTime t) const override;
  /// The outdoor dry bulb of the hour containing t.
  [[nodiscard]] std::optional<double> outdoor_temperature_c(engine::SimTime t) const override;
  /// The weather's WeatherSeries::not_for_extremes().
  [[nodiscard]] std::string_view not_for_extremes() const override {
    return weather_.not_for_extremes();
  }

  /// Chiller COP (heat removed / electric power) at an outdoor dry bulb; non-increasing in
  /// it, strictly decreasing above evaporator_c - condenser_approach_k + minimum_lift_k.
  [[nodiscard]] double cop(double outdoor_dry_bulb_c) const;
  /// The fraction m of the heat the chiller removes, 0 (full economizer) .. 1.
  [[nodiscard]] double mechanical_fraction(double outdoor_dry_bulb_c,
                                           double outdoor_dew_point_c) const;
  /// Unix UTC seconds at simulated time t (rounded down to the second).
  [[nodiscard]] std::int64_t unix_seconds_at(engine::SimTime t) const;

  [[nodiscard]] const EconomizerChillerParameters& parameters() const { return p_; }
  [[nodiscard]] const WeatherSeries& weather() const { return weather_; }
  [[nodiscard]] std::int64_t epoch_unix_utc_seconds() const { return epoch_; }

 private:
  WeatherSeries weather_;
  std::int64_t epoch_;
  EconomizerChillerParameters p_;
  double distribution_per_it_;  ///< 1 / distribution_efficiency - 1
  /// Simulated ticks of the first UTC hour boundary at or after time 0, in [0, 1 h).
  engine::SimTime::rep hour_phase_ticks_;
};

}  // namespace footprint::models
