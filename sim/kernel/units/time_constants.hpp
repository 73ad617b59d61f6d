// Seconds per minute, hour and day, defined once for the whole code: whole numbers for
// calendar and unix-time arithmetic (here), the same values as doubles for quantities
// (quantity.hpp derives its kSecondsPer* from these). Simulated time's ticks per hour
// are the engine's (SimTime::kTicksPerHour), which cannot include the kernel.
#pragma once

#include <cstdint>

namespace footprint::units {

inline constexpr std::int64_t kWholeSecondsPerMinute = 60;
inline constexpr std::int64_t kMinutesPerHour = 60;
inline constexpr std::int64_t kHoursPerDay = 24;
inline constexpr std::int64_t kWholeSecondsPerHour = kMinutesPerHour * kWholeSecondsPerMinute;
inline constexpr std::int64_t kWholeSecondsPerDay = kHoursPerDay * kWholeSecondsPerHour;

}  // namespace footprint::units
