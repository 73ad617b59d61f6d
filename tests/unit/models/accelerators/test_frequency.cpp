// The frequency model under a power limit (models/accelerators/frequency): the fit on its
// one calibration point, the clock a limit sets, and the saving of stretching work over
// slack. Numbers derived by hand from the equations of docs/power-limits.md.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "models/accelerators/frequency.hpp"

namespace {

namespace units = footprint::units;
using footprint::models::calibrated_frequency_constants;
using footprint::models::fit_frequency_constants;
using footprint::models::FrequencyConstants;
using footprint::models::power_at_frequency;
using footprint::models::stretch_saving;
using footprint::models::under_limit;
using footprint::models::ZeusPoint;

constexpr double kTight = 1e-12;  // floating point only

}  // namespace

TEST_CASE("the fit reproduces its calibration point", "[frequency]") {
  const ZeusPoint p;
  const auto& c = calibrated_frequency_constants();
  // h = (145.459 - 37.5) / (150 - 37.5) = 0.95963; k = ln(107.959 / 184.939) /
  // ln(3603.597 / 4243.257) = -0.53830 / -0.16340 = 3.2942.
  CHECK(c.headroom == Approx(0.959635).epsilon(1e-5));
  CHECK(c.exponent == Approx(3.29425).epsilon(1e-5));
  const auto u = under_limit(p.unlimited_power, 1.0, p.tdp * p.idle_fraction, p.limit);
  REQUIRE(u.limited);
  CHECK(u.time_factor == Approx(p.limited_epoch / p.unlimited_epoch).epsilon(kTight));
  CHECK(units::to_watts(u.power) == Approx(units::to_watts(p.limited_power)).epsilon(kTight));
  // The figures: 1.178x the time for 0.770x the energy.
  const double energy = u.time_factor * (u.power / p.unlimited_power);
  CHECK(u.time_factor == Approx(1.178).margin(0.0005));
  CHECK(energy == Approx(0.770).margin(0.0005));
}

TEST_CASE("a limit sets the clock that gives the allowed draw", "[frequency]") {
  const FrequencyConstants c{.exponent = 3, .headroom = 0.9};
  const auto idle = units::watts(100);
  const auto full = units::watts(600);
  // Allowed: 100 + 0.9 x (400 - 100) = 370 W; f^3 = 270 / 500 = 0.54, f = 0.81433.
  const auto u = under_limit(full, 0.75, idle, units::watts(400), c);
  REQUIRE(u.limited);
  CHECK(units::to_watts(u.power) == Approx(370).epsilon(kTight));
  CHECK(u.frequency == Approx(std::cbrt(0.54)).epsilon(kTight));
  CHECK(u.frequency == Approx(0.81433).epsilon(1e-5));
  // 0.75 / 0.81433 + 0.25 = 1.17101.
  CHECK(u.time_factor == Approx(0.75 / std::cbrt(0.54) + 0.25).epsilon(kTight));
  CHECK(units::to_watts(power_at_frequency(full, idle, u.frequency, c)) ==
        Approx(370).epsilon(kTight));
  // Memory-bound throughout: the same draw, no slowdown.
  const auto m = under_limit(full, 0.0, idle, units::watts(400), c);
  CHECK(m.time_factor == 1.0);
  CHECK(units::to_watts(m.power) == Approx(370).epsilon(kTight));
}

TEST_CASE("a limit that does not bind changes nothing", "[frequency]") {
  const FrequencyConstants c{.exponent = 3, .headroom = 0.9};
  // Allowed at 700 W: 100 + 0.9 x 600 = 640 W >= 600 W.
  const auto u = under_limit(units::watts(600), 1.0, units::watts(100), units::watts(700), c);
  CHECK_FALSE(u.limited);
  CHECK(u.frequency == 1.0);
  CHECK(u.time_factor == 1.0);
  CHECK(units::to_watts(u.power) == 600.0);
}

TEST_CASE("limits at or below idle are refused", "[frequency]") {
  CHECK_THROWS_AS(under_limit(units::watts(600), 1.0, units::watts(100), units::watts(100)),
                  std::invalid_argument);
  CHECK_THROWS_AS(under_limit(units::watts(600), 1.5, units::watts(100), units::watts(300)),
                  std::invalid_argument);
  ZeusPoint bad;
  bad.limited_epoch = bad.unlimited_epoch;
  CHECK_THROWS_AS(fit_frequency_constants(bad), std::invalid_argument);
}

TEST_CASE("stretching work over slack saves dynamic energy", "[frequency]") {
  const FrequencyConstants c{.exponent = 3, .headroom = 1};
  // 2 s at 300 W (idle 50) then 2 s of slack: f = 0.5; (2/0.5) x (50 + 250 x 0.125) = 325 J
  // against 2 x 300 + 2 x 50 = 700 J: 375 J = 2 x 250 x (1 - 0.25).
  const auto s =
      stretch_saving(units::seconds(2), units::watts(300), units::watts(50), units::seconds(2), c);
  CHECK(units::to_joules(s) == Approx(375).epsilon(kTight));
  CHECK(units::to_joules(stretch_saving(units::seconds(2), units::watts(300), units::watts(50),
                                        units::Seconds::zero(), c)) == 0.0);
}
