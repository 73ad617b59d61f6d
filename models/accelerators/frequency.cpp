#include "models/accelerators/frequency.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace footprint::models {

FrequencyConstants fit_frequency_constants(const ZeusPoint& p) {
  const units::Watts idle = p.tdp * p.idle_fraction;
  if (!(idle < p.limited_power && p.limited_power < p.unlimited_power &&
        p.limited_power <= p.limit && p.limited_epoch > p.unlimited_epoch)) {
    throw std::invalid_argument(
        "the calibration point needs idle < limited draw < unlimited draw, limited draw <= "
        "limit, and a longer time under the limit");
  }
  FrequencyConstants c;
  c.headroom = (p.limited_power - idle) / (p.limit - idle);
  // Compute-bound throughout: time x 1/f, so f = unlimited time / limited time, and the
  // draw P_s + (P_1 - P_s) f^k is the measured limited draw.
  const double f = p.unlimited_epoch / p.limited_epoch;
  c.exponent = std::log((p.limited_power - idle) / (p.unlimited_power - idle)) / std::log(f);
  return c;
}

const FrequencyConstants& calibrated_frequency_constants() {
  static const FrequencyConstants kCalibrated = fit_frequency_constants(ZeusPoint{});
  return kCalibrated;
}

units::Watts power_at_frequency(units::Watts full, units::Watts idle, double f,
                                const FrequencyConstants& c) {
  return idle + (full - idle) * std::pow(f, c.exponent);
}

UnderLimit under_limit(units::Watts full, double compute_share, units::Watts idle,
                       units::Watts limit, const FrequencyConstants& c) {
  if (!(idle < limit)) {
    throw std::invalid_argument("a power limit must be above the device's idle power");
  }
  if (!(idle <= full)) {
    throw std::invalid_argument("a device's draw at full clock is below its idle power");
  }
  if (!(compute_share >= 0 && compute_share <= 1)) {
    throw std::invalid_argument("a compute-bound share must be in [0, 1]");
  }
  UnderLimit u;
  u.power = full;
  // The average the limit allows: its dynamic part is h x the limit's.
  const units::Watts allowed = idle + (limit - idle) * c.headroom;
  if (full <= allowed) {
    return u;
  }
  u.limited = true;
  u.frequency = std::pow((allowed - idle) / (full - idle), 1.0 / c.exponent);
  u.time_factor = compute_share / u.frequency + (1.0 - compute_share);
  u.power = allowed;
  return u;
}

units::Joules stretch_saving(units::Seconds busy, units::Watts full, units::Watts idle,
                             units::Seconds slack, const FrequencyConstants& c) {
  if (!(busy > units::Seconds::zero()) || !(slack > units::Seconds::zero()) || !(full > idle)) {
    return units::Joules::zero();
  }
  const double f = busy / (busy + slack);
  return busy * (full - idle) * (1.0 - std::pow(f, c.exponent - 1.0));
}

}  // namespace footprint::models
