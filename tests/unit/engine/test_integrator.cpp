#include <array>
#include <catch2/catch.hpp>

#include "sim/engine/integrator.hpp"

using footprint::engine::BinnedIntegral;
using footprint::engine::PiecewiseIntegral;
using footprint::engine::SimTime;
using footprint::engine::UsageError;

TEST_CASE("PiecewiseIntegral integrates exactly between changes", "[integrator]") {
  PiecewiseIntegral p(SimTime::zero(), 300.0);  // e.g. 300 W
  p.set(SimTime::hours(2), 100.0);              // 300 W x 7200 s
  p.set(SimTime::from_seconds(7200.5), 0.0);    // 100 W x 0.5 s
  p.advance(SimTime::hours(5));
  CHECK(p.integral() == 300.0 * 7200 + 50.0);
  CHECK_THROWS_AS(p.advance(SimTime::hours(1)), UsageError);
}

TEST_CASE("PiecewiseIntegral does not drift over a year of tiny segments", "[integrator]") {
  // 1 W held for one year, updated every 0.1 s: 315,360,000 segments would be slow, so
  // use 1 s steps over 30 days (2,592,000 segments) and compare with the exact value.
  PiecewiseIntegral p(SimTime::zero(), 1.0);
  const auto steps = 30 * 86400;
  for (int i = 1; i <= steps; ++i) {
    p.set(SimTime::seconds(i), 1.0 + 1e-9 * (i % 2));
  }
  // exact: sum over intervals of value held during them; [i, i + 1) holds 1 + 1e-9 for
  // odd i, and steps / 2 of i = 1 .. steps - 1 are odd (steps is even)
  const auto odd = steps / 2;
  const double exact = steps + 1e-9 * odd;
  CHECK(p.integral() == Approx(exact).epsilon(1e-15));
}

TEST_CASE("BinnedIntegral splits segments at bin boundaries", "[integrator]") {
  BinnedIntegral b(SimTime::zero(), SimTime::hours(1), 1000.0);
  b.set(SimTime::minutes(90), 2000.0);  // 1000 W for 1.5 h
  b.advance(SimTime::hours(3));         // 2000 W for 1.5 h
  REQUIRE(b.size() == 3);
  CHECK(b.bin(0) == 1000.0 * 3600);
  CHECK(b.bin(1) == 1000.0 * 1800 + 2000.0 * 1800);
  CHECK(b.bin(2) == 2000.0 * 3600);
  CHECK(b.bin(7) == 0.0);
  CHECK(b.total() == 1000.0 * 5400 + 2000.0 * 5400);
}

TEST_CASE("BinnedIntegral with an offset origin and an exact boundary", "[integrator]") {
  BinnedIntegral b(SimTime::seconds(10), SimTime::seconds(5), 2.0);
  b.set(SimTime::seconds(15), 4.0);  // exactly on the first boundary
  b.advance(SimTime::seconds(17));
  REQUIRE(b.size() == 2);
  CHECK(b.bin(0) == 10.0);
  CHECK(b.bin(1) == 8.0);
  CHECK_THROWS_AS(BinnedIntegral(SimTime::zero(), SimTime::zero()), UsageError);
}

TEST_CASE("BinnedIntegral keeps a closed bin's compensated value and hands its bins over",
          "[integrator]") {
  // A bin of many small segments: each closed bin keeps the compensated sum's value, the
  // open one its pair, and taking them over gives both, padded with zeros.
  // Segments of 0.1 s, the value 0.1 + 1e-17 k in the k-th; the reference sums each bin's
  // 100 (the last: 50) products in long double.
  BinnedIntegral b(SimTime::zero(), SimTime::seconds(10), 0.1);
  std::array<long double, 3> expected{};
  for (int k = 1; k <= 250; ++k) {
    expected[static_cast<std::size_t>((k - 1) / 100)] +=
        static_cast<long double>(0.1 + 1e-17 * (k - 1)) * 0.1L;
    b.set(SimTime::ticks(SimTime::kTicksPerSecond / 10 * k), 0.1 + 1e-17 * k);
  }
  REQUIRE(b.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(b.bin(k) == Approx(static_cast<double>(expected[k])).epsilon(1e-15));
  }
  CHECK(b.total() ==
        Approx(static_cast<double>(expected[0] + expected[1] + expected[2])).epsilon(1e-15));
  const double open = b.bin(2);
  const double closed = b.bin(1);
  const auto bins = b.take_bins(5);
  REQUIRE(bins.size() == 5);
  CHECK(bins[1] == closed);
  CHECK(bins[2] == open);
  CHECK(bins[3] == 0.0);
  CHECK(bins[4] == 0.0);
  CHECK(b.size() == 0);
  CHECK(b.total() == 0.0);
  // Fewer than touched: the first ones.
  BinnedIntegral c(SimTime::zero(), SimTime::seconds(1), 2.0);
  c.advance(SimTime::seconds(4));
  CHECK(c.take_bins(2) == std::vector<double>{2.0, 2.0});
}

TEST_CASE("Reserved bins are handed over in place, others copied once at their length",
          "[integrator]") {
  // Reserved for 1,000 bins and run over 600: the bins taken are the reserved buffer
  // itself (its capacity), the open bin included. Without room for the length asked for,
  // they are copied once into a buffer of exactly that length.
  BinnedIntegral b(SimTime::zero(), SimTime::seconds(1), 3.0);
  b.reserve(1000);
  b.advance(SimTime::ticks(SimTime::kTicksPerSecond * 599 + 1));
  REQUIRE(b.size() == 600);
  const auto in_place = b.take_bins(600);
  CHECK(in_place.capacity() == 1000);
  REQUIRE(in_place.size() == 600);
  CHECK(in_place[0] == 3.0);
  CHECK(in_place[598] == 3.0);
  CHECK(in_place[599] == Approx(3.0 / static_cast<double>(SimTime::kTicksPerSecond)));
  // Grown as it went (by an eighth, under 2,000 bins): 2,000 asked for do not fit.
  BinnedIntegral c(SimTime::zero(), SimTime::seconds(1), 3.0);
  c.advance(SimTime::ticks(SimTime::kTicksPerSecond * 599 + 1));
  const auto copied = c.take_bins(2000);
  CHECK(copied.capacity() == 2000);
  CHECK(copied == [&] {
    auto v = in_place;
    v.resize(2000, 0.0);
    return v;
  }());
}
