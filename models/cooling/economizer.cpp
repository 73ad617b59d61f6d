#include "models/cooling/economizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/time_constants.hpp"

namespace footprint::models {

namespace {

constexpr double kZeroCelsiusK = 273.15;
/// Epochs beyond +-10^12 s (about 31,700 years) are refused so that epoch + simulated
/// seconds cannot overflow.
constexpr std::int64_t kMaxEpochMagnitude = 1'000'000'000'000;
using units::kWholeSecondsPerHour;

std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  const std::int64_t r = a % b;
  return r < 0 ? r + b : r;
}

using units::floor_div;

[[noreturn]] void bad(std::string_view name, std::string_view range, double value) {
  throw std::invalid_argument(
      fmt::format("economizer chiller: {} must be {}, not {}", name, range, value));
}

}  // namespace

void validate(const EconomizerChillerParameters& p) {
  const auto finite = [](double x) { return std::isfinite(x); };
  if (!finite(p.distribution_efficiency) || p.distribution_efficiency <= 0.0 ||
      p.distribution_efficiency > 1.0) {
    bad("distribution_efficiency", "in (0, 1]", p.distribution_efficiency);
  }
  if (!finite(p.fan_pump_fraction) || p.fan_pump_fraction < 0.0 || p.fan_pump_fraction > 1.0) {
    bad("fan_pump_fraction", "in [0, 1]", p.fan_pump_fraction);
  }
  const double fixed_w = units::to_watts(p.fixed_overhead);
  if (!finite(fixed_w) || fixed_w < 0.0) {
    bad("fixed_overhead (W)", "finite and >= 0", fixed_w);
  }
  if (!finite(p.economizer_full_below_c) || p.economizer_full_below_c < -90.0 ||
      p.economizer_full_below_c > 60.0) {
    bad("economizer_full_below_c", "in -90 .. 60 C", p.economizer_full_below_c);
  }
  if (!finite(p.economizer_none_above_c) || p.economizer_none_above_c < -90.0 ||
      p.economizer_none_above_c > 60.0) {
    bad("economizer_none_above_c", "in -90 .. 60 C", p.economizer_none_above_c);
  }
  if (p.economizer_none_above_c < p.economizer_full_below_c) {
    bad("economizer_none_above_c",
        fmt::format("at least economizer_full_below_c ({} C)", p.economizer_full_below_c),
        p.economizer_none_above_c);
  }
  if (std::isnan(p.economizer_max_dew_point_c) || p.economizer_max_dew_point_c < -100.0) {
    bad("economizer_max_dew_point_c", "at least -100 C (+infinity for no limit)",
        p.economizer_max_dew_point_c);
  }
  if (!finite(p.carnot_fraction) || p.carnot_fraction <= 0.0 || p.carnot_fraction > 1.0) {
    bad("carnot_fraction", "in (0, 1]", p.carnot_fraction);
  }
  if (!finite(p.evaporator_c) || p.evaporator_c < -50.0 || p.evaporator_c > 40.0) {
    bad("evaporator_c", "in -50 .. 40 C", p.evaporator_c);
  }
  if (!finite(p.condenser_approach_k) || p.condenser_approach_k < 0.0 ||
      p.condenser_approach_k > 50.0) {
    bad("condenser_approach_k", "in 0 .. 50 K", p.condenser_approach_k);
  }
  if (!finite(p.minimum_lift_k) || p.minimum_lift_k <= 0.0 || p.minimum_lift_k > 100.0) {
    bad("minimum_lift_k", "in (0, 100] K", p.minimum_lift_k);
  }
}

EconomizerChiller::EconomizerChiller(WeatherSeries weather, std::int64_t epoch_unix_utc_seconds,
                                     EconomizerChillerParameters parameters)
    : weather_(std::move(weather)),
      epoch_(epoch_unix_utc_seconds),
      p_(parameters),
      distribution_per_it_(0.0),
      hour_phase_ticks_(0) {
  validate(p_);
  if (epoch_ > kMaxEpochMagnitude || epoch_ < -kMaxEpochMagnitude) {
    throw std::invalid_argument(fmt::format(
        "economizer chiller: epoch {} s is outside +-10^12 s of 1970-01-01T00:00:00Z", epoch_));
  }
  distribution_per_it_ = 1.0 / p_.distribution_efficiency - 1.0;
  const std::int64_t into_hour = floor_mod(epoch_, kWholeSecondsPerHour);
  hour_phase_ticks_ = floor_mod(kWholeSecondsPerHour - into_hour, kWholeSecondsPerHour) *
                      engine::SimTime::kTicksPerSecond;
}

std::int64_t EconomizerChiller::unix_seconds_at(engine::SimTime t) const {
  return epoch_ + floor_div(t.count(), engine::SimTime::kTicksPerSecond);
}

double EconomizerChiller::cop(double outdoor_dry_bulb_c) const {
  const double t_evap = p_.evaporator_c + kZeroCelsiusK;
  const double lift =
      std::max(outdoor_dry_bulb_c + p_.condenser_approach_k - p_.evaporator_c, p_.minimum_lift_k);
  return p_.carnot_fraction * t_evap / lift;
}

double EconomizerChiller::mechanical_fraction(double outdoor_dry_bulb_c,
                                              double outdoor_dew_point_c) const {
  if (outdoor_dew_point_c > p_.economizer_max_dew_point_c) {
    return 1.0;
  }
  if (outdoor_dry_bulb_c <= p_.economizer_full_below_c) {
    return 0.0;
  }
  if (outdoor_dry_bulb_c >= p_.economizer_none_above_c) {
    return 1.0;
  }
  // Here full_below < T < none_above, so the band has positive width.
  return (outdoor_dry_bulb_c - p_.economizer_full_below_c) /
         (p_.economizer_none_above_c - p_.economizer_full_below_c);
}

FacilityPower EconomizerChiller::facility(engine::SimTime t, units::Watts it) const {
  const double it_w = units::to_watts(it);
  if (!std::isfinite(it_w) || it_w < 0.0) {
    throw std::invalid_argument(
        fmt::format("economizer chiller: IT power must be finite and >= 0 W, not {} W", it_w));
  }
  const std::int64_t now = unix_seconds_at(t);
  const double dry_bulb = weather_.dry_bulb_at(now);
  const double m = mechanical_fraction(dry_bulb, weather_.dew_point_at(now));
  units::Watts cooling = it * p_.fan_pump_fraction;
  units::Watts chiller_heat;
  if (m > 0.0) {
    const units::Watts compressor = it * (m / cop(dry_bulb));
    cooling += compressor;
    chiller_heat = it * m + compressor;
  }
  return {it, cooling, it * distribution_per_it_, p_.fixed_overhead, chiller_heat};
}

engine::SimTime EconomizerChiller::next_change(engine::SimTime t) const {
  constexpr engine::SimTime::rep kHour = engine::SimTime::kTicksPerHour;
  // Time since the last boundary at or before t; both operands are in [0, 1 h).
  const engine::SimTime::rep since =
      floor_mod(floor_mod(t.count(), kHour) - hour_phase_ticks_, kHour);
  const engine::SimTime::rep ahead = kHour - since;  // in (0, 1 h]
  if (t.count() > std::numeric_limits<engine::SimTime::rep>::max() - ahead) {
    return engine::SimTime::max();
  }
  return engine::SimTime::ticks(t.count() + ahead);
}

std::optional<double> EconomizerChiller::outdoor_temperature_c(engine::SimTime t) const {
  return weather_.dry_bulb_at(unix_seconds_at(t));
}

}  // namespace footprint::models
