// Simulated time: an integer count of nanosecond ticks.
//
// Every conversion from a physical duration is checked: a value that does not fit in
// int64 nanoseconds (about +-292 years), or that is NaN or infinite, throws TimeError
// instead of wrapping or saturating silently.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace footprint::engine {

class TimeError : public std::range_error {
 public:
  using std::range_error::range_error;
};

class SimTime {
 public:
  using rep = std::int64_t;
  static constexpr rep kTicksPerSecond = 1'000'000'000;
  static constexpr rep kTicksPerMinute = 60 * kTicksPerSecond;
  static constexpr rep kTicksPerHour = 60 * kTicksPerMinute;
  static constexpr rep kTicksPerDay = 24 * kTicksPerHour;

  constexpr SimTime() = default;

  static constexpr SimTime ticks(rep t) { return SimTime(t); }
  static constexpr SimTime zero() { return SimTime(0); }
  /// The largest representable time; used as "never" (an empty queue, no end).
  static constexpr SimTime max() { return SimTime(std::numeric_limits<rep>::max()); }

  /// Exact integer constructors; throw TimeError on overflow.
  static SimTime nanoseconds(rep n) { return SimTime(n); }
  static SimTime seconds(rep s) { return scaled(s, kTicksPerSecond, "s"); }
  static SimTime minutes(rep m) { return scaled(m, kTicksPerMinute, "min"); }
  static SimTime hours(rep h) { return scaled(h, kTicksPerHour, "h"); }
  static SimTime days(rep d) { return scaled(d, kTicksPerDay, "d"); }

  /// From a floating-point number of seconds, rounded to the nearest tick.
  /// Throws TimeError for NaN, infinity or a value outside the representable range.
  static SimTime from_seconds(double s);

  [[nodiscard]] constexpr rep count() const { return t_; }
  [[nodiscard]] double to_seconds() const {
    return static_cast<double>(t_) / static_cast<double>(kTicksPerSecond);
  }
  [[nodiscard]] double to_hours() const {
    return static_cast<double>(t_) / static_cast<double>(kTicksPerHour);
  }
  [[nodiscard]] double to_days() const {
    return static_cast<double>(t_) / static_cast<double>(kTicksPerDay);
  }

  /// Checked addition: throws TimeError when the sum does not fit.
  [[nodiscard]] SimTime checked_add(SimTime d) const;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>
  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(SimTime o) const { return SimTime(t_ + o.t_); }
  constexpr SimTime operator-(SimTime o) const { return SimTime(t_ - o.t_); }
  constexpr SimTime& operator+=(SimTime o) {
    t_ += o.t_;
    return *this;
  }
  constexpr SimTime& operator-=(SimTime o) {
    t_ -= o.t_;
    return *this;
  }

 private:
  constexpr explicit SimTime(rep t) : t_(t) {}
  static SimTime scaled(rep v, rep unit, const char* name);
  rep t_ = 0;
};

/// "12.5 s", "3 h 20 min" style rendering for messages: seconds with up to 9 decimals.
std::string to_string(SimTime t);

}  // namespace footprint::engine
