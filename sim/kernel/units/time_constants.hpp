// Seconds per minute, hour and day, and days per common year, defined once for the whole
// code: whole numbers for calendar and unix-time arithmetic (here), the same values as
// doubles for quantities (quantity.hpp derives its kSecondsPer* and kDaysPerYear from these).
// Simulated time's ticks per hour are the engine's (SimTime::kTicksPerHour), which cannot include
// the kernel.
#pragma once

#include <cstdint>

namespace footprint::units {

inline constexpr std::int64_t kWholeSecondsPerMinute = 60;
inline constexpr std::int64_t kMinutesPerHour = 60;
inline constexpr std::int64_t kHoursPerDay = 24;
inline constexpr std::int64_t kWholeSecondsPerHour = kMinutesPerHour * kWholeSecondsPerMinute;
inline constexpr std::int64_t kWholeSecondsPerDay = kHoursPerDay * kWholeSecondsPerHour;
/// A year without 29 February: Footprint's unit "y", and a typical meteorological year.
inline constexpr std::int64_t kDaysPerCommonYear = 365;

}  // namespace footprint::units
