#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/engine/random.hpp"

using footprint::engine::RandomStream;

TEST_CASE("Random streams are reproducible and keyed", "[random]") {
  RandomStream a(7, 3, 0);
  RandomStream b(7, 3, 0);
  RandomStream c(7, 4, 0);
  RandomStream d(8, 3, 0);
  int same_c = 0;
  int same_d = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.next();
    CHECK(x == b.next());
    same_c += x == c.next() ? 1 : 0;
    same_d += x == d.next() ? 1 : 0;
  }
  CHECK(same_c == 0);
  CHECK(same_d == 0);
}

TEST_CASE("A derived sub-stream does not depend on the parent's draws", "[random]") {
  RandomStream a(1, 2, 0);
  RandomStream b(1, 2, 0);
  for (int i = 0; i < 17; ++i) {
    b.next();
  }
  auto sa = a.derive(5);
  auto sb = b.derive(5);
  for (int i = 0; i < 100; ++i) {
    CHECK(sa.next() == sb.next());
  }
  auto other = a.derive(6);
  CHECK(a.derive(5).next() != other.next());
}

TEST_CASE("Distributions have the right moments", "[random]") {
  // n = 1e6 draws: the standard error of the mean is sigma / 1000, so 5e-3 relative on
  // the mean is more than 5 standard errors for each of these.
  constexpr int kN = 1'000'000;
  RandomStream r(42, 0, 0);
  double su = 0;
  double se = 0;
  double sn = 0;
  double sn2 = 0;
  std::vector<int> bins(10, 0);
  for (int i = 0; i < kN; ++i) {
    const double u = r.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    su += u;
    se += r.exponential(0.9);
    const double z = r.normal();
    sn += z;
    sn2 += z * z;
    const auto k = r.below(10);
    REQUIRE(k < 10);
    ++bins[k];
  }
  CHECK(su / kN == Approx(0.5).epsilon(5e-3));
  CHECK(se / kN == Approx(0.9).epsilon(5e-3));
  CHECK(std::fabs(sn / kN) < 5e-3);
  CHECK(sn2 / kN == Approx(1.0).epsilon(5e-3));
  for (int count : bins) {
    // expected 1e5 each, sd about 300
    CHECK(std::abs(count - 100'000) < 2'000);
  }
  CHECK(r.exponential(0.0) == 0.0);
}
