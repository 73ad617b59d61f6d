#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "sim/engine/time.hpp"

using footprint::engine::SimTime;
using footprint::engine::TimeError;

TEST_CASE("SimTime converts exactly from integer units", "[time]") {
  CHECK(SimTime::seconds(1).count() == 1'000'000'000);
  CHECK(SimTime::minutes(2).count() == 120'000'000'000);
  CHECK(SimTime::hours(1).count() == 3'600'000'000'000);
  CHECK(SimTime::days(365).count() == 365LL * 86'400'000'000'000LL);
  CHECK(SimTime::days(1).to_hours() == 24.0);
}

TEST_CASE("SimTime refuses values it cannot hold", "[time]") {
  // int64 ns holds about 106,751 days.
  CHECK_NOTHROW(SimTime::days(106'751));
  CHECK_THROWS_AS(SimTime::days(106'752), TimeError);
  CHECK_THROWS_AS(SimTime::hours(std::numeric_limits<std::int64_t>::max() / 1000), TimeError);
  CHECK_THROWS_AS(SimTime::from_seconds(std::nan("")), TimeError);
  CHECK_THROWS_AS(SimTime::from_seconds(std::numeric_limits<double>::infinity()), TimeError);
  CHECK_THROWS_AS(SimTime::from_seconds(1e10), TimeError);  // about 317 years
  CHECK_THROWS_AS(SimTime::max().checked_add(SimTime::ticks(1)), TimeError);
}

TEST_CASE("SimTime from seconds rounds to the nearest nanosecond", "[time]") {
  CHECK(SimTime::from_seconds(0.1).count() == 100'000'000);
  CHECK(SimTime::from_seconds(1.5e-9).count() == 2);
  CHECK(SimTime::from_seconds(-2.25).count() == -2'250'000'000);
  CHECK(SimTime::from_seconds(14.8 * 86400).count() == 1'278'720'000'000'000);
}

TEST_CASE("SimTime renders for messages", "[time]") {
  CHECK(to_string(SimTime::seconds(3)) == "3 s");
  CHECK(to_string(SimTime::from_seconds(0.05)) == "0.05 s");
  CHECK(to_string(SimTime::ticks(1)) == "0.000000001 s");
  CHECK(to_string(SimTime::max()) == "never");
}
