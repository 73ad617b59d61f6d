// Moist-air psychrometrics, after the ASHRAE Handbook - Fundamentals (2017), chapter 1, in SI
// units: temperatures in degrees Celsius, pressures in pascals, humidity ratios in kg of
// water vapour per kg of dry air, enthalpies in kJ per kg of dry air. Used by the cooling
// tower's water model (water.hpp); equations and checks: docs/cooling.md, "Water".
#pragma once

namespace footprint::models::psychrometrics {

/// Standard atmospheric pressure at sea level, Pa (ASHRAE Fundamentals 2017, ch. 1, eq. 3
/// at Z = 0).
inline constexpr double kSeaLevelPa = 101325.0;

/// Saturation pressure of water vapour over liquid water (t >= 0 C, eq. 6) or over ice
/// (t < 0 C, eq. 5), Pa. Valid from -100 to 200 C.
[[nodiscard]] double saturation_pressure_pa(double t_c);

/// Humidity ratio of air whose vapour has partial pressure `vapour_pa` (eq. 20).
[[nodiscard]] double humidity_ratio(double vapour_pa, double pressure_pa = kSeaLevelPa);

/// Humidity ratio of air with dew point `dew_point_c`.
[[nodiscard]] double humidity_ratio_from_dew_point(double dew_point_c,
                                                   double pressure_pa = kSeaLevelPa);

/// Specific enthalpy of moist air, kJ per kg of dry air (eq. 32).
[[nodiscard]] double enthalpy_kj_per_kg(double t_c, double humidity_ratio);

/// Latent heat of vaporisation of water at t, kJ/kg: 2501 - 2.326 t, the combination that
/// ASHRAE's wet-bulb equation (eq. 35) uses.
[[nodiscard]] double latent_heat_kj_per_kg(double t_c);

/// Thermodynamic wet-bulb temperature of air at dry bulb `t_c` and dew point `dew_point_c`
/// (eq. 35 above freezing, eq. 37 below), solved by bisection to 1e-6 K. Throws
/// std::invalid_argument unless dew_point_c <= t_c + 0.5 (the weather files' tolerance;
/// a dew point above the dry bulb is taken as saturation).
[[nodiscard]] double wet_bulb_c(double t_c, double dew_point_c, double pressure_pa = kSeaLevelPa);

/// Dew point of air at dry bulb `t_c` and relative humidity `rh_pct` (0 < rh <= 100),
/// inverting saturation_pressure_pa() by bisection to 1e-6 K.
[[nodiscard]] double dew_point_from_relative_humidity(double t_c, double rh_pct);

}  // namespace footprint::models::psychrometrics
