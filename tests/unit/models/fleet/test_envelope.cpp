// The power-cap envelope against a brute force over every hour: the highest facility power
// over a span, for any IT load, is the cooling model's own maximum over the span's hours.
#include <algorithm>
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "models/cooling/economizer.hpp"
#include "models/cooling/weather.hpp"
#include "models/fleet/envelope.hpp"

using namespace footprint;
using engine::SimTime;

TEST_CASE("The facility envelope is the brute-force maximum over the hours of a span",
          "[fleet][envelope]") {
  // A year of weather swinging from 0 to 42 C (daily and seasonal), humid at times, so
  // that the economizer, the blend and the chiller all occur.
  std::vector<double> dry;
  std::vector<double> dew;
  std::vector<double> rh;
  for (std::size_t h = 0; h < models::kTypicalYearHours; ++h) {
    const double day = static_cast<double>(h) / 24;
    dry.push_back(21 + 11 * std::sin(2 * M_PI * (day - 100) / 365) +
                  10 * std::sin(2 * M_PI * static_cast<double>(h % 24) / 24));
    dew.push_back(h % 97 < 10 ? 19.0 : 5.0);
    rh.push_back(50);
  }
  const models::EconomizerChiller cooling(models::WeatherSeries("synthetic", dry, dew, rh),
                                          models::unix_utc_seconds(2022, 1, 1));
  const SimTime horizon = SimTime::days(365);
  const models::FacilityEnvelope env(&cooling, horizon, units::watts(2e6));
  for (const double it_w : {0.0, 1e3, 7.5e5, 2e6}) {
    const auto it = units::watts(it_w);
    double lowest = INFINITY;
    for (std::size_t h = 0; h < 24 * 365; ++h) {
      lowest = std::min(
          lowest,
          units::to_watts(cooling.facility(SimTime::hours(static_cast<int>(h)), it).total()));
    }
    CHECK(units::to_watts(env.floor(it)) <= lowest * (1 + 1e-12));
    // Spans of many lengths and offsets, some past the horizon (scanned from the model).
    for (int k = 0; k < 300; ++k) {
      const SimTime from = SimTime::from_seconds(3600.0 * (k * 29.37));
      const SimTime to = from + SimTime::from_seconds(3600.0 * (0.2 + (k % 17) * 11.3));
      double brute = 0;
      for (SimTime t = from; t < to; t = cooling.next_change(t)) {
        brute = std::max(brute, units::to_watts(cooling.facility(t, it).total()));
      }
      INFO("it " << it_w << " W, span from " << from.to_hours() << " h to " << to.to_hours()
                 << " h");
      CHECK(units::to_watts(env.peak(from, to, it)) == Approx(brute).epsilon(1e-12));
    }
  }
}
