// The design peak: a facility's power at a constant IT load in the hour of the weather year
// where it is largest, against hand computations (docs/cooling.md, "Design peak").
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "models/cooling/cooling.hpp"
#include "models/cooling/design_peak.hpp"
#include "models/cooling/economizer.hpp"
#include "models/cooling/weather.hpp"

using footprint::engine::SimTime;
using footprint::models::builtin_weather;
using footprint::models::ConstantPue;
using footprint::models::design_peak;
using footprint::models::EconomizerChiller;
using footprint::models::kTypicalYearHours;
using footprint::models::unix_utc_seconds;
using footprint::models::WeatherSeries;
namespace units = footprint::units;

namespace {

/// 10 C and a 0 C dew point (full economizer) in every hour, 40 C and a 5 C dew point in
/// the typical-year hours `hot`.
WeatherSeries mild_with_hot_hours(const std::vector<std::size_t>& hot) {
  std::vector<double> dry(kTypicalYearHours, 10.0);
  std::vector<double> dew(kTypicalYearHours, 0.0);
  for (const std::size_t h : hot) {
    dry[h] = 40.0;
    dew[h] = 5.0;
  }
  return {"synthetic", dry, dew, std::vector<double>(kTypicalYearHours, 50.0)};
}

// Hand computation with the default EconomizerChillerParameters (docs/cooling.md): at 40 C
// the chiller carries all the heat (40 >= 35 C), COP = 0.5 x 285.15 K / (40 + 16.7 - 12) K
// = 3.1895973; facility / IT = 1 / 0.96 (distribution) + 0.05 (fans, pumps) + 1 / COP
// = 1.0416667 + 0.05 + 0.3135165 = 1.4051859.
constexpr double kCopAt40C = 0.5 * 285.15 / (40.0 + 16.7 - 12.0);
constexpr double kPueAt40C = 1.0 / 0.96 + 0.05 + 1.0 / kCopAt40C;
// Full economizer: 1 / 0.96 + 0.05 = 1.0916667.
constexpr double kPueEconomizer = 1.0 / 0.96 + 0.05;

/// 7 August 20:00 UTC: (31+28+31+30+31+30+31 + 7 - 1) x 24 + 20.
constexpr std::size_t kAugust7At20 = 218 * 24 + 20;

/// A model whose next change does not advance (a broken model).
class Stuck final : public footprint::models::CoolingModel {
 public:
  [[nodiscard]] footprint::models::FacilityPower facility(SimTime /*t*/,
                                                          units::Watts it) const override {
    return {it, units::Watts::zero(), units::Watts::zero(), units::Watts::zero(),
            units::Watts::zero()};
  }
  [[nodiscard]] SimTime next_change(SimTime t) const override { return t; }
};

}  // namespace

TEST_CASE("Design peak with a constant PUE is IT x PUE, at the scan's start", "[design]") {
  const ConstantPue m(1.2);
  const auto p = design_peak(m, units::megawatts(1.0), SimTime::hours(5));
  CHECK(units::to_watts(p.facility.total()) == Approx(1.2e6).epsilon(1e-15));
  CHECK(units::to_watts(p.facility.it) == 1.0e6);
  CHECK(p.at == SimTime::hours(5));
  CHECK(p.not_for_extremes.empty());
}

TEST_CASE("Design peak is the hottest hour's facility power, the first of equals", "[design]") {
  const units::Watts it = units::megawatts(2.0);
  SECTION("epoch on the hour: the hour of 7 August 20:00 UTC, not the later equal one") {
    const EconomizerChiller m(mild_with_hot_hours({kAugust7At20, 6000}),
                              unix_utc_seconds(2022, 1, 1));
    REQUIRE(m.cop(40.0) == Approx(kCopAt40C).epsilon(1e-15));
    const auto p = design_peak(m, it, SimTime::zero());
    // 2 MW x 1.4051859 = 2.8103717 MW.
    CHECK(units::to_watts(p.facility.total()) == Approx(2.0e6 * kPueAt40C).epsilon(1e-12));
    CHECK(units::to_watts(p.facility.total()) == Approx(2'810'371.7).margin(0.1));
    CHECK(units::to_watts(p.facility.cooling) ==
          Approx(2.0e6 * (0.05 + 1.0 / kCopAt40C)).epsilon(1e-12));
    CHECK(p.at == SimTime::hours(static_cast<SimTime::rep>(kAugust7At20)));
    CHECK(p.not_for_extremes.empty());
    // Any other hour: the economizer floor.
    CHECK(units::to_watts(m.facility(SimTime::hours(100), it).total()) ==
          Approx(2.0e6 * kPueEconomizer).epsilon(1e-12));
  }
  SECTION("epoch at half past: the hot hour starts 30 minutes after it") {
    const EconomizerChiller m(mild_with_hot_hours({kAugust7At20}),
                              unix_utc_seconds(2022, 8, 7, 19, 30));
    const auto p = design_peak(m, it, SimTime::zero());
    CHECK(p.at == SimTime::minutes(30));
    CHECK(units::to_watts(p.facility.total()) == Approx(2.0e6 * kPueAt40C).epsilon(1e-12));
  }
  SECTION("a leap year from 1 January: 31 December 23:00 UTC, 365 d 23 h on, is scanned") {
    // 2024 has 29 February (read as 28 February), so its 31 December is 365 days after
    // 1 January: a 365-day scan would miss the typical year's last hour.
    const EconomizerChiller m(mild_with_hot_hours({kTypicalYearHours - 1}),
                              unix_utc_seconds(2024, 1, 1));
    const auto p = design_peak(m, it, SimTime::zero());
    CHECK(p.at == SimTime::days(365) + SimTime::hours(23));
    CHECK(units::to_watts(p.facility.total()) == Approx(2.0e6 * kPueAt40C).epsilon(1e-12));
  }
}

TEST_CASE("Design peak of built-in Dallas: its 40.0 C hour; JFK says it is not for extremes",
          "[design]") {
  // ../shared/data/weather/us_tx_dallas_tmyx_hourly.csv line 5248:
  // 2022-08-07T20:00:00Z,8,7,15,40.0,21.6,35.0, the first of three 40.0 C hours (the
  // year's hottest); the chiller carries all the heat above 35 C whatever the dew point.
  const EconomizerChiller dallas(*builtin_weather("us-tx-dallas"), unix_utc_seconds(2022, 1, 1));
  const auto p = design_peak(dallas, units::megawatts(1.0), SimTime::zero());
  CHECK(p.at == SimTime::hours(static_cast<SimTime::rep>(kAugust7At20)));
  CHECK(dallas.outdoor_temperature_c(p.at) == 40.0);
  // 1 MW x 1.4051859 = 1.4051859 MW.
  CHECK(units::to_watts(p.facility.total()) == Approx(1.0e6 * kPueAt40C).epsilon(1e-12));
  CHECK(p.not_for_extremes.empty());

  const EconomizerChiller jfk(*builtin_weather("us-ny-jfk"), unix_utc_seconds(2022, 1, 1));
  const auto q = design_peak(jfk, units::megawatts(1.0), SimTime::zero());
  CHECK(q.not_for_extremes == builtin_weather("us-ny-jfk")->not_for_extremes());
  CHECK_FALSE(q.not_for_extremes.empty());
}

TEST_CASE("Design peak refuses a bad IT load and a model that does not advance", "[design]") {
  const ConstantPue m(1.1);
  CHECK_THROWS_AS(design_peak(m, units::watts(-1.0), SimTime::zero()), std::invalid_argument);
  CHECK_THROWS_AS(
      design_peak(m, units::watts(std::numeric_limits<double>::quiet_NaN()), SimTime::zero()),
      std::invalid_argument);
  CHECK_THROWS_AS(design_peak(Stuck(), units::watts(1.0), SimTime::zero()), std::logic_error);
}
