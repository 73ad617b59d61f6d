#include "sim/engine/time.hpp"

#include <cmath>

#include <fmt/format.h>

namespace footprint::engine {

SimTime SimTime::scaled(rep v, rep unit, const char* name) {
  rep out = 0;
  if (__builtin_mul_overflow(v, unit, &out)) {
    throw TimeError(
        fmt::format("{} {} does not fit in simulated time (int64 ns, about +-292 years)", v, name));
  }
  return SimTime(out);
}

SimTime SimTime::from_seconds(double s) {
  if (!std::isfinite(s)) {
    throw TimeError(fmt::format("time of {} s is not a finite number", s));
  }
  // 2^63 ns as a double is exactly representable; anything at or beyond it overflows.
  constexpr double kLimit = 9.223372036854775807e18;
  const double ticks = std::nearbyint(s * static_cast<double>(kTicksPerSecond));
  if (!(ticks < kLimit) || !(ticks >= -kLimit)) {
    throw TimeError(fmt::format(
        "time of {:g} s does not fit in simulated time (int64 ns, about +-292 years)", s));
  }
  return SimTime(static_cast<rep>(ticks));
}

SimTime SimTime::checked_add(SimTime d) const {
  rep out = 0;
  if (__builtin_add_overflow(t_, d.t_, &out)) {
    throw TimeError(
        fmt::format("simulated time overflow: {} + {}", to_string(*this), to_string(d)));
  }
  return SimTime(out);
}

std::string to_string(SimTime t) {
  if (t == SimTime::max()) {
    return "never";
  }
  const auto n = t.count();
  const auto s = n / SimTime::kTicksPerSecond;
  auto frac = n % SimTime::kTicksPerSecond;
  const bool neg = n < 0;
  if (frac == 0) {
    return fmt::format("{} s", s);
  }
  if (frac < 0) {
    frac = -frac;
  }
  std::string f = fmt::format("{:09d}", frac);
  while (!f.empty() && f.back() == '0') {
    f.pop_back();
  }
  return fmt::format("{}{}.{} s", (neg && s == 0) ? "-" : "", s, f);
}

}  // namespace footprint::engine
