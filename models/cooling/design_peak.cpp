#include "models/cooling/design_peak.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace footprint::models {

DesignPeak design_peak(const CoolingModel& cooling, units::Watts it, engine::SimTime year_start) {
  const double watts = units::to_watts(it);
  if (!std::isfinite(watts) || watts < 0.0) {
    throw std::invalid_argument(
        fmt::format("design peak: the IT load must be finite and >= 0 W, not {} W", watts));
  }
  const engine::SimTime end = year_start.checked_add(engine::SimTime::days(kDesignScanDays));
  DesignPeak best{cooling.facility(year_start, it), year_start,
                  std::string(cooling.not_for_extremes())};
  engine::SimTime t = year_start;
  while (true) {
    const engine::SimTime next = cooling.next_change(t);
    if (next <= t) {
      throw std::logic_error(fmt::format(
          "design peak: the cooling model's next change after {} ticks is not later ({} ticks)",
          t.count(), next.count()));
    }
    if (next >= end) {
      break;
    }
    t = next;
    const FacilityPower f = cooling.facility(t, it);
    if (f.total() > best.facility.total()) {
      best.facility = f;
      best.at = t;
    }
  }
  return best;
}

}  // namespace footprint::models
