#include "models/cooling/psychrometrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace footprint::models::psychrometrics {

namespace {

constexpr double kZeroCelsiusK = 273.15;
/// Ratio of the molar masses of water and dry air (ASHRAE eq. 20).
constexpr double kMolarMassRatio = 0.621945;
/// Bisection tolerance of the solvers, K.
constexpr double kToleranceK = 1e-6;
constexpr double kLowestC = -100.0;
/// The weather files' dew point tolerance above the dry bulb (weather.hpp).
constexpr double kDewPointToleranceC = 0.5;

// ASHRAE Fundamentals 2017, ch. 1: specific heats and the latent heat at 0 C, kJ/(kg K) and
// kJ/kg, as they appear in eqs. 32, 35 and 37.
constexpr double kCpDryAir = 1.006;
constexpr double kCpVapour = 1.86;
constexpr double kCpWater = 4.186;
constexpr double kLatentAtZero = 2501.0;
constexpr double kLatentDropPerK = 2.326;  // kCpWater - kCpVapour
constexpr double kSublimationAtZero = 2830.0;
constexpr double kSublimationDropPerK = 0.24;
constexpr double kCpIce = 2.1;

}  // namespace

double saturation_pressure_pa(double t_c) {
  const double t = t_c + kZeroCelsiusK;
  if (t_c >= 0.0) {
    // Eq. 6, over liquid water, 0 .. 200 C.
    constexpr double c8 = -5.8002206e3;
    constexpr double c9 = 1.3914993;
    constexpr double c10 = -4.8640239e-2;
    constexpr double c11 = 4.1764768e-5;
    constexpr double c12 = -1.4452093e-8;
    constexpr double c13 = 6.5459673;
    return std::exp(c8 / t + c9 + c10 * t + c11 * t * t + c12 * t * t * t + c13 * std::log(t));
  }
  // Eq. 5, over ice, -100 .. 0 C.
  constexpr double c1 = -5.6745359e3;
  constexpr double c2 = 6.3925247;
  constexpr double c3 = -9.6778430e-3;
  constexpr double c4 = 6.2215701e-7;
  constexpr double c5 = 2.0747825e-9;
  constexpr double c6 = -9.4840240e-13;
  constexpr double c7 = 4.1635019;
  return std::exp(c1 / t + c2 + c3 * t + c4 * t * t + c5 * t * t * t + c6 * t * t * t * t +
                  c7 * std::log(t));
}

double humidity_ratio(double vapour_pa, double pressure_pa) {
  return kMolarMassRatio * vapour_pa / (pressure_pa - vapour_pa);
}

double humidity_ratio_from_dew_point(double dew_point_c, double pressure_pa) {
  return humidity_ratio(saturation_pressure_pa(dew_point_c), pressure_pa);
}

double enthalpy_kj_per_kg(double t_c, double w) {
  return kCpDryAir * t_c + w * (kLatentAtZero + kCpVapour * t_c);
}

double latent_heat_kj_per_kg(double t_c) {
  return kLatentAtZero - kLatentDropPerK * t_c;
}

double wet_bulb_c(double t_c, double dew_point_c, double pressure_pa) {
  if (!std::isfinite(t_c) || !std::isfinite(dew_point_c) ||
      dew_point_c > t_c + kDewPointToleranceC) {
    throw std::invalid_argument(fmt::format(
        "wet bulb: dew point {} C must be finite and at most the dry bulb {} C", dew_point_c, t_c));
  }
  const double w = humidity_ratio_from_dew_point(std::min(dew_point_c, t_c), pressure_pa);
  // The humidity ratio a wet bulb t* implies (eqs. 35 and 37) rises with t*: bisect for the
  // t* that gives w, between just below the dew point and the dry bulb.
  const auto implied = [&](double ts) {
    const double ws = humidity_ratio(saturation_pressure_pa(ts), pressure_pa);
    if (ts >= 0.0) {
      return ((kLatentAtZero - kLatentDropPerK * ts) * ws - kCpDryAir * (t_c - ts)) /
             (kLatentAtZero + kCpVapour * t_c - kCpWater * ts);
    }
    return ((kSublimationAtZero - kSublimationDropPerK * ts) * ws - kCpDryAir * (t_c - ts)) /
           (kSublimationAtZero + kCpVapour * t_c - kCpIce * ts);
  };
  double lo = std::min(dew_point_c, t_c) - 1.0;
  double hi = t_c;
  while (hi - lo > kToleranceK) {
    const double mid = 0.5 * (lo + hi);
    (implied(mid) > w ? hi : lo) = mid;
  }
  return 0.5 * (lo + hi);
}

double dew_point_from_relative_humidity(double t_c, double rh_pct) {
  constexpr double kFullPct = 100.0;
  if (!std::isfinite(t_c) || !(rh_pct > 0.0) || rh_pct > kFullPct) {
    throw std::invalid_argument(
        fmt::format("dew point: relative humidity {} % must be in (0, 100]", rh_pct));
  }
  const double vapour = rh_pct / kFullPct * saturation_pressure_pa(t_c);
  double lo = kLowestC;
  double hi = t_c;
  while (hi - lo > kToleranceK) {
    const double mid = 0.5 * (lo + hi);
    (saturation_pressure_pa(mid) > vapour ? hi : lo) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace footprint::models::psychrometrics
