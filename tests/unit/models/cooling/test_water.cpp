// On-site water (models/cooling/water.hpp) and the psychrometrics under it
// (models/cooling/psychrometrics.hpp): reference values from their sources, and the
// cooling tower checked against an independent published curve it is not fitted on.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "models/cooling/economizer.hpp"
#include "models/cooling/psychrometrics.hpp"
#include "models/cooling/water.hpp"
#include "models/cooling/weather.hpp"
#include "sim/kernel/units/quantity.hpp"

using namespace footprint;
using namespace footprint::models;
namespace psy = footprint::models::psychrometrics;

namespace {

constexpr std::int64_t kEpoch2022 = 1640995200;  // 2022-01-01T00:00:00Z

WeatherSeries constant_weather(double dry, double dew) {
  return WeatherSeries("test", std::vector<double>(kTypicalYearHours, dry),
                       std::vector<double>(kTypicalYearHours, dew),
                       std::vector<double>(kTypicalYearHours, 50.0));
}

FacilityPower rejecting(double it_w, double heat_w) {
  return {units::watts(it_w), units::Watts::zero(), units::Watts::zero(), units::Watts::zero(),
          units::watts(heat_w)};
}

}  // namespace

TEST_CASE("Saturation pressure and wet bulb match ASHRAE's tabulated values", "[cooling][water]") {
  // Saturation pressure of water (IAPWS-IF97 as tabulated in Cengel & Boles,
  // Thermodynamics, Table A-4): 20 C 2.3392 kPa, 40 C 7.3851 kPa; at the triple point
  // 0.01 C 0.6117 kPa (over ice just below 0 C, about 0.6112). ASHRAE's fits agree within
  // 0.03 %.
  CHECK(psy::saturation_pressure_pa(20.0) == Approx(2339.2).epsilon(3e-4));
  CHECK(psy::saturation_pressure_pa(40.0) == Approx(7385.1).epsilon(3e-4));
  CHECK(psy::saturation_pressure_pa(0.01) == Approx(611.7).epsilon(3e-4));
  CHECK(psy::saturation_pressure_pa(-0.001) == Approx(611.2).epsilon(1e-3));
  // Stull (2011), J. Appl. Meteor. Climatol. 50, 2267: T 20 C, RH 50 % gives a wet bulb of
  // 13.7 C (his fit; within its stated -1 .. +0.65 C error of the exact value).
  const double dew = psy::dew_point_from_relative_humidity(20.0, 50.0);
  CHECK(dew == Approx(9.26).margin(0.05));  // ASHRAE Table 3: RH 50 % at 20 C
  CHECK(psy::wet_bulb_c(20.0, dew) == Approx(13.7).margin(0.15));
  // Saturated air: the wet bulb is the dry bulb.
  CHECK(psy::wet_bulb_c(25.0, 25.0) == Approx(25.0).margin(1e-4));
  // Hot, dry air far below its dry bulb (Phoenix afternoon: 40 C, dew point 5 C).
  const double wb = psy::wet_bulb_c(40.0, 5.0);
  CHECK(wb > 18.5);
  CHECK(wb < 20.0);
}

TEST_CASE("The tower's evaporative share follows USGS's fit at typical humidity",
          "[cooling][water][validation]") {
  // Not fitted: the tower model has no constant from this curve. Diehl et al. (2013), USGS
  // SIR 2013-5188, the evaporation ratio of cooling towers against air temperature, as
  // implemented in UKAEA PROCESS (water_usage.f90): ER = 1 - (-0.000279 T^3 + 0.00109 T^2 -
  // 0.345 T + 26.7) / 100. The model at 70 % relative humidity stays within 0.07 of it
  // from 10 to 35 C (docs/cooling.md, "Water": measured 0.02-0.06).
  const CoolingTower tower(constant_weather(20.0, 10.0), kEpoch2022, {.cycles = 6});
  for (double t = 10.0; t <= 35.0; t += 5.0) {
    const double er = 1.0 - (-0.000279 * t * t * t + 0.00109 * t * t - 0.345 * t + 26.7) / 100.0;
    const double f = tower.evaporative_fraction(t, psy::dew_point_from_relative_humidity(t, 70.0));
    INFO("T " << t << " C: model " << f << ", USGS " << er);
    CHECK(std::abs(f - er) < 0.07);
  }
  // Hot dry air evaporates more per unit of heat than cool humid air: the air is cooled as
  // it takes the water up.
  CHECK(tower.evaporative_fraction(40.0, 5.0) > 1.0);
  CHECK(tower.evaporative_fraction(10.0, 8.0) < 0.8);
}

TEST_CASE("A tower's make-up is evaporation x cycles / (cycles - 1)", "[cooling][water]") {
  const auto weather = constant_weather(30.0, 20.0);
  const CoolingTower six(weather, kEpoch2022, {.cycles = 6});
  const CoolingTower three(weather, kEpoch2022, {.cycles = 3});
  // Evaporation per kWh of heat: f x 3600 kJ / h_fg / density.
  const double t_out = psy::wet_bulb_c(30.0, 20.0) + six.parameters().exit_above_wet_bulb_k;
  const double evaporated = six.evaporative_fraction(30.0, 20.0) * 3600.0 /
                            psy::latent_heat_kj_per_kg(t_out) / kWaterKgPerLitre;
  CHECK(six.litres_per_kwh_rejected(30.0, 20.0) == Approx(evaporated * 6.0 / 5.0).epsilon(1e-12));
  CHECK(three.litres_per_kwh_rejected(30.0, 20.0) == Approx(evaporated * 3.0 / 2.0).epsilon(1e-12));
  // Of the order of 1.5 L per kWh of heat evaporated (h_fg ~ 2.43 MJ/kg): 1.2-2.2 L made up.
  CHECK(evaporated > 1.0);
  CHECK(evaporated < 1.8);
  // The rate: litres per kWh x the heat, per second; none without heat.
  const double heat_w = 1e6;
  CHECK(six.litres_per_second(engine::SimTime::hours(5), rejecting(1e6, heat_w)) ==
        Approx(six.litres_per_kwh_rejected(30.0, 20.0) * heat_w / 3.6e6).epsilon(1e-12));
  CHECK(six.litres_per_second(engine::SimTime::hours(5), rejecting(1e6, 0.0)) == 0.0);
}

TEST_CASE("No tower water while the economizer carries the load", "[cooling][water]") {
  // 15 C and dry: full economizer, no chiller heat; 30 C: the chiller carries part.
  for (const auto& [dry, dew, expect_water] :
       std::vector<std::tuple<double, double, bool>>{{15.0, 5.0, false}, {30.0, 10.0, true}}) {
    const auto weather = constant_weather(dry, dew);
    const EconomizerChiller plant(weather, kEpoch2022);
    const CoolingTower tower(weather, kEpoch2022, {.cycles = 5});
    const auto fp = plant.facility(engine::SimTime::hours(100), units::watts(1e6));
    const double rate = tower.litres_per_second(engine::SimTime::hours(100), fp);
    INFO("dry bulb " << dry << " C");
    CHECK((rate > 0.0) == expect_water);
    if (expect_water) {
      // The heat rejected: what the chiller removes (m x IT) plus its compressor's work.
      const double m = plant.mechanical_fraction(dry, dew);
      CHECK(units::to_watts(fp.chiller_heat) ==
            Approx(1e6 * m * (1.0 + 1.0 / plant.cop(dry))).epsilon(1e-12));
    }
  }
}

TEST_CASE("A constant WUE is litres per kWh of IT energy", "[cooling][water]") {
  const ConstantWue wue(units::litres_per_kwh(0.3));
  // 1 MW of IT for an hour: 1000 kWh x 0.3 L/kWh = 300 L.
  CHECK(wue.litres_per_second(engine::SimTime::zero(), rejecting(1e6, 5e5)) * 3600.0 ==
        Approx(300.0).epsilon(1e-12));
  CHECK_THROWS_AS(ConstantWue(units::litres_per_kwh(-1.0)), std::invalid_argument);
}

TEST_CASE("A tower needs humidity and sensible cycles", "[cooling][water]") {
  const auto dry_only =
      WeatherSeries::without_humidity("dry.csv", std::vector<double>(kTypicalYearHours, 20.0));
  CHECK_FALSE(dry_only.has_humidity());
  CHECK(std::isnan(dry_only.dew_point_at(kEpoch2022)));
  CHECK_THROWS_WITH(CoolingTower(dry_only, kEpoch2022, {.cycles = 6}),
                    Catch::Contains("no humidity"));
  CHECK_THROWS_WITH(CoolingTower(constant_weather(20, 10), kEpoch2022, {.cycles = 1}),
                    Catch::Contains("above 1"));
}
