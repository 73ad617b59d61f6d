// The design peak of a facility: its power with a given IT load (every device at full
// draw) in the hour of its weather year where the facility draws the most, normally the
// hottest. It is what the electrical and cooling plant must be sized for, and an upper
// bound of what a simulation at that load can reach in any hour of any year: a simulated
// month or a fleet that never runs flat out peaks lower. docs/cooling.md ("Design peak").
#pragma once

#include <cstdint>
#include <string>

#include "models/cooling/cooling.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

/// Days design_peak() scans: 366, so that every hour of the 365-day typical year
/// (weather.hpp) is visited whatever the start. 365 days from a date before a 29 February
/// (read as 28 February) would stop short of the typical year's 31 December.
inline constexpr std::int64_t kDesignScanDays = 366;

struct DesignPeak {
  FacilityPower facility;  ///< in that hour, its IT the load given
  engine::SimTime at;      ///< start of that hour (the first such hour; the scan's start with
                           ///< a model that never changes, such as a constant PUE)
  /// The model's not_for_extremes(): why `facility` understates the real design peak
  /// (smoothed weather); empty when it does not.
  std::string not_for_extremes;
};

/// The largest facility power of `cooling` at a constant IT load `it` over
/// [year_start, year_start + kDesignScanDays days): the maximum of facility(t, it).total()
/// over the spans of constant power that next_change() delimits (the UTC hours of a
/// weather-driven model; a single span for a constant PUE, whose result is it x PUE).
/// Throws std::invalid_argument for a negative or non-finite `it`, engine::TimeError when
/// the scan's end does not fit in SimTime, and std::logic_error if next_change() does not
/// advance.
[[nodiscard]] DesignPeak design_peak(const CoolingModel& cooling, units::Watts it,
                                     engine::SimTime year_start);

}  // namespace footprint::models
