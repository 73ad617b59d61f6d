// UTC calendar arithmetic (proleptic Gregorian), shared by the grid's and the weather's
// time series, the built-in profiles and the scenario's epoch. days_from_civil and
// civil_from_days are H. Hinnant's algorithms ("chrono-Compatible Low-Level Date
// Algorithms", public domain).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace footprint::units {

/// a / b rounded towards negative infinity (b != 0).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

struct CivilDate {
  std::int64_t year = 1970;
  int month = 1;  ///< 1..12
  int day = 1;    ///< 1..31
};

constexpr bool is_leap_year(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/// `month` in 1..12.
constexpr int days_in_month(std::int64_t year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap_year(year)) {
    return 29;
  }
  return kDays.at(static_cast<std::size_t>(month - 1));
}

/// Days since 1970-01-01 of a date (month 1..12, day 1..31).
constexpr std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  const std::int64_t y = month <= 2 ? year - 1 : year;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;                          // [0, 399]
  const std::int64_t mp = month > 2 ? month - 3 : month + 9;       // [0, 11]
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;           // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + doe - 719468;
}

/// The date `days` after 1970-01-01 (negative: before).
constexpr CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return CivilDate{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// Checked when compiled: the epoch, a leap day, and a date before the epoch.
static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2022, 1, 1) == 18993);
static_assert(civil_from_days(days_from_civil(2020, 2, 29)).day == 29);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).month == 12);
static_assert(floor_div(-1, 24) == -1 && floor_div(24, 24) == 1);

}  // namespace footprint::units
