// SeriesCarbon: exact values and change points at interval boundaries, the horizon check,
// yearly repeat across leap years, and market-based accounting.
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "models/grid/builtin_profiles.hpp"
#include "models/grid/series_carbon.hpp"

namespace m = footprint::models;
namespace u = footprint::units;
using footprint::engine::SimTime;

namespace {

std::int64_t utc(const char* text) {
  std::string error;
  const auto t = m::parse_utc_timestamp(text, error);
  REQUIRE(t.has_value());
  return *t;
}

double loc(const m::SeriesCarbon& c, SimTime t) {
  return u::to_grams_per_kwh(c.at(t).location);
}
double market(const m::SeriesCarbon& c, SimTime t) {
  return u::to_grams_per_kwh(c.at(t).market);
}

constexpr std::int64_t kHour = 3600;

/// 100, 200, 300 g/kWh for three hours from 2022-01-01T00:00Z.
m::TimeSeries three_hours() {
  const std::int64_t t0 = utc("2022-01-01T00:00:00Z");
  return {{t0, t0 + kHour, t0 + 2 * kHour}, {100.0, 200.0, 300.0}, "three hours"};
}

/// An hourly series over calendar year `year` whose value encodes the UTC time:
/// month x 10000 + day x 100 + hour.
m::TimeSeries encoded_year(int year) {
  m::TimeSeries s;
  s.source = "encoded " + std::to_string(year);
  std::int64_t t = m::days_from_civil(year, 1, 1) * 86'400;
  for (int month = 1; month <= 12; ++month) {
    for (int day = 1; day <= m::days_in_month(year, month); ++day) {
      for (int hour = 0; hour < 24; ++hour) {
        s.t_s.push_back(t);
        s.value.push_back(month * 10'000 + day * 100 + hour);
        t += kHour;
      }
    }
  }
  return s;
}

}  // namespace

TEST_CASE("values and change points at interval boundaries", "[grid][carbon]") {
  const std::int64_t t0 = utc("2022-01-01T00:00:00Z");
  const m::SeriesCarbon c(t0, three_hours());
  const SimTime h = SimTime::hours(1);
  const SimTime ns = SimTime::nanoseconds(1);

  CHECK(loc(c, SimTime::zero()) == Approx(100.0).epsilon(1e-14));
  CHECK(loc(c, h - ns) == Approx(100.0).epsilon(1e-14));
  CHECK(loc(c, h) == Approx(200.0).epsilon(1e-14));
  CHECK(loc(c, SimTime::hours(3) - ns) == Approx(300.0).epsilon(1e-14));
  CHECK_THROWS_AS(c.at(SimTime::hours(3)), m::SeriesRangeError);
  CHECK(market(c, h) == loc(c, h));  // location-based only

  CHECK(c.next_change(SimTime::zero()) == h);
  CHECK(c.next_change(h - ns) == h);
  CHECK(c.next_change(h) == SimTime::hours(2));
  CHECK(c.next_change(SimTime::hours(2)) == SimTime::hours(3));  // the end of the last hour
  CHECK(c.next_change(SimTime::hours(3)) == SimTime::max());

  // Simulated time 0 half-way through the first hour.
  const m::SeriesCarbon late(t0 + 1800, three_hours());
  CHECK(loc(late, SimTime::zero()) == Approx(100.0));
  CHECK(late.next_change(SimTime::zero()) == SimTime::minutes(30));
  CHECK(loc(late, SimTime::minutes(30)) == Approx(200.0));
}

TEST_CASE("the horizon must lie within a non-repeating series", "[grid][carbon]") {
  const std::int64_t t0 = utc("2022-01-01T00:00:00Z");
  const m::SeriesCarbon c(t0, three_hours());
  CHECK_NOTHROW(c.validate_horizon(SimTime::hours(3)));
  try {
    c.validate_horizon(SimTime::hours(3) + SimTime::nanoseconds(1));
    FAIL("no error");
  } catch (const m::SeriesRangeError& e) {
    const std::string what = e.what();
    CHECK(what.find("covers 2022-01-01T00:00:00Z to 2022-01-01T03:00:00Z") != std::string::npos);
    CHECK(what.find("the horizon needs 2022-01-01T00:00:00Z to 2022-01-01T03:00:01Z") !=
          std::string::npos);
  }
  // Starting before the series is as bad.
  const m::SeriesCarbon early(t0 - 1, three_hours());
  CHECK_THROWS_AS(early.validate_horizon(SimTime::hours(1)), m::SeriesRangeError);
  // The constructor checks when given the horizon.
  CHECK_THROWS_AS(m::SeriesCarbon(t0, three_hours(), m::MarketAccounting::location_based(),
                                  m::Repeat::none, SimTime::days(1)),
                  m::SeriesRangeError);
  // Malformed series.
  auto unsorted = three_hours();
  std::swap(unsorted.t_s[0], unsorted.t_s[1]);
  CHECK_THROWS_AS(m::SeriesCarbon(t0, unsorted), std::invalid_argument);
  auto negative = three_hours();
  negative.value[1] = -1.0;
  CHECK_THROWS_AS(m::SeriesCarbon(t0, negative), std::invalid_argument);
}

TEST_CASE("market-based accounting", "[grid][carbon]") {
  const std::int64_t t0 = utc("2022-01-01T00:00:00Z");
  SECTION("annual CFE fraction: market = location x (1 - f)") {
    const m::SeriesCarbon c(t0, three_hours(), m::MarketAccounting::annual(0.25));
    CHECK(market(c, SimTime::zero()) == Approx(75.0).epsilon(1e-14));
    CHECK(market(c, SimTime::hours(2)) == Approx(225.0).epsilon(1e-14));
    CHECK(loc(c, SimTime::hours(2)) == Approx(300.0).epsilon(1e-14));
    CHECK_THROWS_AS(m::SeriesCarbon(t0, three_hours(), m::MarketAccounting::annual(1.5)),
                    std::invalid_argument);
  }
  SECTION("hourly CFE fraction series, on its own grid of times") {
    // Fractions change at :30, the intensities on the hour.
    const m::TimeSeries f{
        {t0 - 1800, t0 + 1800, t0 + 5400, t0 + 9000}, {0.0, 0.5, 1.0, 0.1}, "cfe"};
    const m::SeriesCarbon c(t0, three_hours(), m::MarketAccounting::hourly(f));
    CHECK(market(c, SimTime::zero()) == Approx(100.0).epsilon(1e-14));
    CHECK(c.next_change(SimTime::zero()) == SimTime::minutes(30));
    CHECK(market(c, SimTime::minutes(30)) == Approx(50.0).epsilon(1e-14));
    CHECK(c.next_change(SimTime::minutes(30)) == SimTime::hours(1));
    CHECK(market(c, SimTime::hours(1)) == Approx(100.0).epsilon(1e-14));
    CHECK(c.next_change(SimTime::hours(1)) == SimTime::minutes(90));
    CHECK(market(c, SimTime::minutes(90)) == Approx(0.0).margin(1e-12));
    CHECK(loc(c, SimTime::minutes(90)) == Approx(200.0).epsilon(1e-14));
    CHECK_NOTHROW(c.validate_horizon(SimTime::hours(3)));
    auto bad = f;
    bad.value[0] = 1.01;
    CHECK_THROWS_AS(m::SeriesCarbon(t0, three_hours(), m::MarketAccounting::hourly(bad)),
                    std::invalid_argument);
  }
}

TEST_CASE("yearly repeat of a non-leap series through a leap year", "[grid][carbon]") {
  // The 2022 series replayed from 2023-12-31: 2024 is a leap year.
  const std::int64_t epoch = utc("2023-12-31T00:00:00Z");
  const m::SeriesCarbon c(epoch, encoded_year(2022), m::MarketAccounting::location_based(),
                          m::Repeat::yearly, SimTime::days(800));
  const auto at = [&](const char* when) { return loc(c, SimTime::seconds(utc(when) - epoch)); };
  const auto next = [&](const char* when) {
    return m::format_utc(epoch + c.next_change(SimTime::seconds(utc(when) - epoch)).count() /
                                     SimTime::kTicksPerSecond);
  };
  CHECK(at("2023-12-31T05:00:00Z") == Approx(123'105));
  CHECK(at("2023-12-31T23:59:59Z") == Approx(123'123));
  CHECK(next("2023-12-31T23:00:00Z") == "2024-01-01T00:00:00Z");
  CHECK(at("2024-01-01T00:00:00Z") == Approx(10'100));
  CHECK(at("2024-02-28T23:00:00Z") == Approx(22'823));
  // 29 February 2024 replays 28 February 2022.
  CHECK(next("2024-02-28T23:30:00Z") == "2024-02-29T00:00:00Z");
  CHECK(at("2024-02-29T00:00:00Z") == Approx(22'800));
  CHECK(at("2024-02-29T13:00:00Z") == Approx(22'813));
  CHECK(next("2024-02-29T23:00:00Z") == "2024-03-01T00:00:00Z");
  CHECK(at("2024-03-01T00:00:00Z") == Approx(30'100));
  CHECK(at("2024-12-31T23:00:00Z") == Approx(123'123));
  CHECK(at("2025-07-04T12:00:00Z") == Approx(70'412));
  CHECK(next("2024-12-31T23:00:00Z") == "2025-01-01T00:00:00Z");
}

TEST_CASE("yearly repeat of a leap-year series skips its 29 February in other years",
          "[grid][carbon]") {
  const std::int64_t epoch = utc("2021-01-01T00:00:00Z");
  const m::SeriesCarbon c(epoch, encoded_year(2020), m::MarketAccounting::location_based(),
                          m::Repeat::yearly);
  const auto at = [&](const char* when) { return loc(c, SimTime::seconds(utc(when) - epoch)); };
  const auto next = [&](const char* when) {
    return m::format_utc(epoch + c.next_change(SimTime::seconds(utc(when) - epoch)).count() /
                                     SimTime::kTicksPerSecond);
  };
  CHECK(at("2021-02-28T12:00:00Z") == Approx(22'812));
  CHECK(next("2021-02-28T23:00:00Z") == "2021-03-01T00:00:00Z");
  CHECK(at("2021-03-01T00:00:00Z") == Approx(30'100));
  CHECK(at("2021-12-31T23:00:00Z") == Approx(123'123));
  // In a leap year it is used as is, 29 February included; before the series, too.
  CHECK(at("2024-02-29T07:00:00Z") == Approx(22'907));
  const m::SeriesCarbon before(utc("2019-06-01T00:00:00Z"), encoded_year(2020),
                               m::MarketAccounting::location_based(), m::Repeat::yearly);
  CHECK(loc(before, SimTime::zero()) == Approx(60'100));
}

TEST_CASE("yearly repeat needs a whole calendar year", "[grid][carbon]") {
  auto s = encoded_year(2022);
  s.t_s.erase(s.t_s.begin());
  s.value.erase(s.value.begin());
  CHECK_THROWS_AS(m::SeriesCarbon(0, s, m::MarketAccounting::location_based(), m::Repeat::yearly),
                  std::invalid_argument);
  // A series running over the year's edges is fine: its whole year 2022 is replayed.
  auto wide = encoded_year(2022);
  wide.t_s.insert(wide.t_s.begin(), wide.t_s.front() - kHour);
  wide.value.insert(wide.value.begin(), 0.0);
  CHECK_NOTHROW(m::SeriesCarbon(0, wide, m::MarketAccounting::location_based(), m::Repeat::yearly));
}

TEST_CASE("walking next_change visits every hour once", "[grid][carbon]") {
  // Two years of a built-in profile from 2023-01-01: 8760 + 8784 hours, values constant
  // between change points and equal to the profile's.
  const auto profile = m::builtin_intensity_profile("us-ciso", 2022);
  REQUIRE(profile);
  const std::int64_t epoch = utc("2023-01-01T00:00:00Z");
  const m::SeriesCarbon c(epoch, *profile, m::MarketAccounting::location_based(),
                          m::Repeat::yearly);
  const SimTime horizon = SimTime::days(365 + 366);
  std::int64_t changes = 0;
  for (SimTime t = SimTime::zero(); t < horizon; t = c.next_change(t)) {
    REQUIRE(c.next_change(t) == t + SimTime::hours(1));
    ++changes;
  }
  CHECK(changes == 8760 + 8784);
}
