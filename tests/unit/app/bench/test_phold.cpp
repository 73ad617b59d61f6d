#include <cmath>

#include <catch2/catch.hpp>

#include "sim/app/bench/phold.hpp"

using footprint::bench::PholdConfig;
using footprint::bench::run_phold;

TEST_CASE("PHOLD is bit-identical at 1, 2, 4 and 8 threads", "[phold][determinism]") {
  for (double remote : {0.1, 0.9}) {
    for (std::uint64_t seed : {1ULL, 7ULL, 12345ULL}) {
      PholdConfig c{.lps = 256,
                    .start_events = 4,
                    .end = 50,
                    .remote = remote,
                    .lookahead = 0.1,
                    .mean = 1.0,
                    .seed = seed,
                    .threads = 1};
      const auto ref = run_phold(c);
      REQUIRE(ref.processed > 0);
      for (unsigned t : {2U, 4U, 8U}) {
        c.threads = t;
        const auto r = run_phold(c);
        CHECK(r.processed == ref.processed);
        CHECK(r.fingerprint == ref.fingerprint);
        CHECK(r.remote_to_other == ref.remote_to_other);
        CHECK(r.pending == ref.pending);
      }
    }
  }
}

TEST_CASE("PHOLD processes the number of events renewal theory predicts", "[phold]") {
  // Each of N x M tokens is a renewal process with increments L + Exp(X - L): mean
  // mu = X, variance s2 = (X - L)^2. Renewal theory (Cox 1962, eq. 4.5.7) gives
  // E[N(t)] ~ t / mu + (s2 / mu^2 - 1) / 2 per token, with variance t s2 / mu^3.
  const PholdConfig c{.lps = 1024,
                      .start_events = 4,
                      .end = 200,
                      .remote = 0.1,
                      .lookahead = 0.1,
                      .mean = 1.0,
                      .seed = 3,
                      .threads = 2};
  const double tokens = 1024.0 * 4;
  const double mu = 1.0;
  const double s2 = 0.9 * 0.9;
  const double expected = tokens * (c.end / mu + (s2 / (mu * mu) - 1) / 2);
  const double sd = std::sqrt(tokens * c.end * s2 / (mu * mu * mu));  // about 815
  const auto r = run_phold(c);
  CHECK(std::fabs(static_cast<double>(r.processed) - expected) < 5 * sd);
  // Every token is either pending at the end or was lost; none are lost.
  CHECK(r.pending == 1024 * 4);
  // About `remote` x (N-1)/N of events go to another LP.
  const double frac = static_cast<double>(r.remote_to_other) / static_cast<double>(r.processed);
  CHECK(frac == Approx(0.1 * 1023.0 / 1024.0).epsilon(0.02));
}
