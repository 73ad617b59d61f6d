#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "models/workloads/step_bench.hpp"
#include "models/workloads/step_sim.hpp"
#include "sim/engine/random.hpp"

using footprint::engine::RandomStream;
using footprint::models::PhaseScaling;
using footprint::models::simulate_steps;
using footprint::models::StepSimConfig;
using footprint::models::StepSimResult;
namespace units = footprint::units;

namespace {

constexpr double kNsPerSecond = 1e9;

/// The time of a phase by name (the result's phase_durations), in seconds.
double phase_s(const StepSimResult& r, const std::string& name) {
  const auto it = std::find(r.phase_names.begin(), r.phase_names.end(), name);
  REQUIRE(it != r.phase_names.end());
  return units::to_seconds(r.phase_durations[static_cast<std::size_t>(it - r.phase_names.begin())]);
}

double sum_of(const std::vector<units::Seconds>& v) {
  double s = 0;
  for (const units::Seconds x : v) {
    s += units::to_seconds(x);
  }
  return s;
}

/// Harmonic number H_n = sum_{k=1..n} 1/k.
double harmonic(int n) {
  double h = 0;
  for (int k = n; k >= 1; --k) {
    h += 1.0 / k;
  }
  return h;
}

StepSimConfig moe_config() {
  StepSimConfig c;
  c.phases = {{"compute", units::seconds(0.75), units::watts(300), PhaseScaling::kStraggler},
              {"all-to-all", units::seconds(0.25), units::watts(220), PhaseScaling::kExpert},
              {"expert-compute", units::seconds(0.5), units::watts(310), PhaseScaling::kExpert},
              {"allreduce", units::seconds(0.2), units::watts(200), PhaseScaling::kFixed}};
  c.steps = 300;
  c.devices = 500;
  c.idle_power = units::watts(60);
  c.straggler_mean = 0.05;
  c.experts = 16;
  c.top_k = 2;
  c.tokens_per_step = 4096;
  c.capacity_factor = 1.25;
  c.routing_skew = 0.5;
  c.seed = 42;
  return c;
}

}  // namespace

TEST_CASE("Without stragglers or experts a step is the sum of its phases", "[step_sim]") {
  StepSimConfig c;
  // 1/3 s rounds once to 333,333,333 ns; the others are whole ns.
  c.phases = {{"compute", units::seconds(1.25), units::watts(300), PhaseScaling::kStraggler},
              {"all-to-all", units::seconds(1.0 / 3.0), units::watts(200), PhaseScaling::kExpert},
              {"bubble", units::seconds(0.5), units::watts(80), PhaseScaling::kFixed}};
  c.steps = 500;
  c.devices = 100;
  c.idle_power = units::watts(50);  // never used: nobody waits
  const std::int64_t step_ns = 1'250'000'000 + 333'333'333 + 500'000'000;
  for (const unsigned threads : {1U, 2U}) {
    c.threads = threads;
    const auto r = simulate_steps(c);
    // Exact in integer ns: steps x the phases' ticks.
    CHECK(units::to_seconds(r.duration) == static_cast<double>(c.steps * step_ns) / kNsPerSecond);
    CHECK(units::to_seconds(r.max_step) == static_cast<double>(step_ns) / kNsPerSecond);
    CHECK(units::to_seconds(r.mean_step) ==
          Approx(static_cast<double>(step_ns) / kNsPerSecond).epsilon(1e-15));
    CHECK(phase_s(r, "compute") == static_cast<double>(c.steps * 1'250'000'000) / kNsPerSecond);
    CHECK(phase_s(r, "all-to-all") == static_cast<double>(c.steps * 333'333'333) / kNsPerSecond);
    CHECK(phase_s(r, "stragglers") == 0);
    CHECK(phase_s(r, "imbalance") == 0);
    CHECK(r.phase_names.size() == 5);
    CHECK(r.phase_names[3] == "stragglers");
    CHECK(r.phase_names[4] == "imbalance");
    // devices x sum(P x s) x steps, with the phases' rounded durations.
    const double per_step = 300 * 1.25 + 200 * 0.333333333 + 80 * 0.5;
    CHECK(units::to_joules(r.energy) == Approx(100.0 * per_step * 500.0).epsilon(1e-12));
    CHECK(r.dropped_token_fraction == 0);
    CHECK(r.mean_expert_factor == 1);
    // Default grouping: ceil(100 / 64) = 2 devices per LP, 50 group LPs. Each step is one
    // start and one report per group, in two windows (groups at t_s, coordinator at t_s + L).
    CHECK(r.devices_per_lp == 2);
    CHECK(r.group_lps == 50);
    CHECK(r.stats.events == 2U * 50U * 500U);
    CHECK(r.stats.windows == 2U * 500U);
    CHECK(r.stats.pending == 0);
  }
}

TEST_CASE("Stragglers slow the compute phase by the mean of the maximum of n draws", "[step_sim]") {
  // The maximum of n independent Exp(m) has mean m H_n (Renyi's representation: the order
  // statistics' spacings are Exp(m / k), k = n..1). n = 1000: H_n = 7.48547, so with
  // m = 0.05 the compute phase takes 1 + 0.37427 times its base on average. The maximum's
  // variance is m^2 sum 1/k^2 <= m^2 pi^2 / 6 (sd 1.28 m); over 2,000 steps the mean's sd
  // is 1.28 m / sqrt(2000) = 0.0287 m, 0.38 % of m H_n: 3 % is about 8 sd.
  constexpr int kDevices = 1000;
  constexpr double kMean = 0.05;
  constexpr double kComputeS = 1.0;
  constexpr double kComputeW = 300;
  constexpr double kFixedS = 0.2;
  constexpr double kFixedW = 200;
  StepSimConfig c;
  c.phases = {
      {"compute", units::seconds(kComputeS), units::watts(kComputeW), PhaseScaling::kStraggler},
      {"allreduce", units::seconds(kFixedS), units::watts(kFixedW), PhaseScaling::kFixed}};
  c.steps = 2000;
  c.devices = kDevices;
  c.straggler_mean = kMean;
  c.seed = 7;
  c.idle_power = units::watts(kComputeW);  // waiting costs as much as computing
  const auto r = simulate_steps(c);
  const double steps = static_cast<double>(c.steps);
  const double slowdown = phase_s(r, "stragglers") / (steps * kComputeS);
  CHECK(slowdown == Approx(kMean * harmonic(kDevices)).epsilon(0.03));
  CHECK(units::to_seconds(r.duration) ==
        Approx(steps * (kComputeS + kFixedS) + phase_s(r, "stragglers")).epsilon(1e-15));
  CHECK(sum_of(r.phase_durations) == Approx(units::to_seconds(r.duration)).epsilon(1e-14));
  CHECK(units::to_seconds(r.max_step) > units::to_seconds(r.mean_step));
  CHECK(units::to_seconds(r.max_step) <
        kComputeS * (1 + kMean * 36.8) + kFixedS);  // largest possible draw
  // With idle power = compute power every device draws it for the whole compute phase,
  // base + straggler wait: energy is exact whatever the draws.
  const double n = kDevices;
  const double fixed_j = n * kFixedW * kFixedS * steps;
  CHECK(units::to_joules(r.energy) ==
        Approx(n * kComputeW * (steps * kComputeS + phase_s(r, "stragglers")) + fixed_j)
            .epsilon(1e-12));

  // With idle power 0 only running counts: P b (n + sum_d X_d) per step, and the mean of
  // X over 2e6 draws is m within 1/sqrt(2e6) = 0.07 % (sd): 1 % is 14 sd.
  c.idle_power = units::watts(0);
  const auto r0 = simulate_steps(c);
  CHECK(r0.duration == r.duration);  // the same draws
  const double base_j = n * kComputeW * kComputeS * steps;
  const double mean_x = (units::to_joules(r0.energy) - fixed_j - base_j) / base_j;
  CHECK(mean_x == Approx(kMean).epsilon(0.01));
}

TEST_CASE("Step results are bit-identical at any thread count and grouping", "[step_sim]") {
  auto c = moe_config();
  c.threads = 1;
  const auto ref = simulate_steps(c);
  REQUIRE(phase_s(ref, "stragglers") > 0);
  REQUIRE(phase_s(ref, "imbalance") > 0);
  REQUIRE(ref.dropped_token_fraction > 0);
  for (const std::int64_t per_lp : {0, 1, 7, 64}) {
    for (const unsigned threads : {1U, 2U, 4U}) {
      c.devices_per_lp = per_lp;
      c.threads = threads;
      const auto r = simulate_steps(c);
      INFO("devices_per_lp " << per_lp << ", threads " << threads);
      CHECK(r.duration == ref.duration);
      CHECK(units::to_joules(r.energy) == units::to_joules(ref.energy));
      CHECK(r.phase_names == ref.phase_names);
      CHECK(r.phase_durations == ref.phase_durations);
      CHECK(r.phase_energies == ref.phase_energies);
      CHECK(units::to_seconds(r.max_step) == units::to_seconds(ref.max_step));
      CHECK(r.dropped_token_fraction == ref.dropped_token_fraction);
      CHECK(r.mean_expert_factor == ref.mean_expert_factor);
      CHECK(r.max_expert_factor == ref.max_expert_factor);
    }
  }
  // 7 per LP: 71 full groups and one of 3.
  c.devices_per_lp = 7;
  const auto r7 = simulate_steps(c);
  CHECK(r7.group_lps == 72);
  c.seed = 43;
  CHECK(units::to_joules(simulate_steps(c).energy) != units::to_joules(ref.energy));
}

TEST_CASE(
    "The energy per phase sums to the run's energy: expected time at the phase's power, "
    "stragglers and imbalance the rest",
    "[step_sim]") {
  auto c = moe_config();
  const double n = static_cast<double>(c.devices);
  const double steps = static_cast<double>(c.steps);
  // Stragglers (compute), imbalance (all-to-all, expert-compute) and a fixed phase, all
  // of whole-ns durations (0.75, 0.25, 0.5, 0.2 s), so each phase's row is exact.
  const std::vector<double> watts{300, 220, 310, 200};
  const std::vector<double> seconds{0.75, 0.25, 0.5, 0.2};
  for (const double idle : {60.0, 300.0}) {
    INFO("idle " << idle << " W");
    c.idle_power = units::watts(idle);
    const auto r = simulate_steps(c);
    REQUIRE(r.phase_energies.size() == r.phase_names.size());
    REQUIRE(r.phase_names.size() == 6);
    CHECK(r.steps == c.steps);
    double total = 0;
    for (const auto e : r.phase_energies) {
      total += units::to_joules(e);
    }
    CHECK(total == Approx(units::to_joules(r.energy)).epsilon(1e-12));
    for (std::size_t i = 0; i < 4; ++i) {
      INFO(r.phase_names[i]);
      CHECK(units::to_joules(r.phase_energies[i]) ==
            Approx(n * watts[i] * seconds[i] * steps).epsilon(1e-12));
    }
    const double straggler_s = phase_s(r, "stragglers");
    const double imbalance_s = phase_s(r, "imbalance");
    REQUIRE(straggler_s > 0);
    REQUIRE(imbalance_s > 0);
    // The wait for the busiest expert: every device at idle power.
    CHECK(units::to_joules(r.phase_energies[5]) == Approx(n * idle * imbalance_s).epsilon(1e-12));
    // Beyond the expected compute, each device computes at 300 W or waits at idle power.
    const double stragglers_j = units::to_joules(r.phase_energies[4]);
    if (idle == 300.0) {
      CHECK(stragglers_j == Approx(n * 300 * straggler_s).epsilon(1e-12));
    } else {
      CHECK(stragglers_j > n * idle * straggler_s);
      CHECK(stragglers_j < n * 300 * straggler_s);
    }
  }
}

TEST_CASE("Uniform expert popularity with capacity factor 1 neither slows nor drops",
          "[step_sim]") {
  StepSimConfig c;
  c.phases = {{"compute", units::seconds(1.0), units::watts(300), PhaseScaling::kFixed},
              {"experts", units::seconds(0.5), units::watts(300), PhaseScaling::kExpert}};
  c.steps = 100;
  c.devices = 8;
  c.tokens_per_step = 1e6;
  c.routing_skew = 0;
  c.capacity_factor = 1;
  for (const std::int64_t experts : {64, 49, 3}) {
    c.experts = experts;
    c.top_k = 2;
    const auto r = simulate_steps(c);
    INFO(experts << " experts");
    CHECK(r.mean_expert_factor == 1);
    CHECK(r.max_expert_factor == 1);
    CHECK(r.dropped_token_fraction == 0);
    CHECK(phase_s(r, "imbalance") == 0);
    CHECK(units::to_seconds(r.duration) == 150);
  }
}

namespace {

struct MoeMonteCarlo {
  double factor = 0;
  double dropped = 0;
};

/// The popularity model of step_sim.hpp computed from scratch, with draws from a stream
/// of its own: p_e = exp(skew z_e) / sum_j exp(skew z_j), loads relative to the mean
/// r_e = experts p_e; factor = max(1, min(max_e r_e, cf)); dropped fraction
/// = sum_e max(0, r_e - cf) / experts. Means over `trials`.
MoeMonteCarlo moe_monte_carlo(std::int64_t experts, double skew, double cf, std::int64_t trials) {
  RandomStream rng(987654321, 11, 5);
  std::vector<double> w(static_cast<std::size_t>(experts));
  double factor_sum = 0;
  double dropped_sum = 0;
  for (std::int64_t s = 0; s < trials; ++s) {
    double total = 0;
    for (auto& x : w) {
      x = std::exp(skew * rng.normal());
      total += x;
    }
    double r_max = 0;
    double over = 0;
    for (const double x : w) {
      const double load = static_cast<double>(experts) * x / total;
      r_max = std::max(r_max, load);
      over += std::max(0.0, load - cf);
    }
    factor_sum += std::max(1.0, std::min(r_max, cf));
    dropped_sum += over / static_cast<double>(experts);
  }
  return {factor_sum / static_cast<double>(trials), dropped_sum / static_cast<double>(trials)};
}

}  // namespace

TEST_CASE("Skewed expert popularity matches an independent Monte-Carlo computation", "[step_sim]") {
  // 64 experts, skew 0.5, top 2. With capacity 1.25 about 12 % of tokens are dropped,
  // with a relative sd of about 18 % per step, so 20,000 steps on each side give 0.13 %
  // each (0.18 % for the difference): 2 % is 11 sd; the factor is at capacity every step.
  // With capacity 4 few steps reach capacity: the factor is mostly the busiest expert's
  // load, about 2.9, with a relative sd near 22 % per step: 0.16 % over 20,000 steps,
  // 0.22 % for the difference, so 2 % is 9 sd. (sds from a 20,000-step run of the same
  // computation.)
  constexpr std::int64_t kExperts = 64;
  constexpr double kSkew = 0.5;
  constexpr std::int64_t kSteps = 20000;
  constexpr double kExpertS = 1.0;
  constexpr double kPowerW = 300;
  constexpr double kIdleW = 70;
  constexpr double kDevices = 4;
  for (const double capacity : {1.25, 4.0}) {
    INFO("capacity factor " << capacity);
    StepSimConfig c;
    c.phases = {
        {"experts", units::seconds(kExpertS), units::watts(kPowerW), PhaseScaling::kExpert}};
    c.steps = kSteps;
    c.devices = static_cast<std::int64_t>(kDevices);
    c.idle_power = units::watts(kIdleW);
    c.experts = kExperts;
    c.top_k = 2;
    c.tokens_per_step = 2048;
    c.capacity_factor = capacity;
    c.routing_skew = kSkew;
    c.seed = 3;
    const auto r = simulate_steps(c);
    const auto mc = moe_monte_carlo(kExperts, kSkew, capacity, kSteps);
    CHECK(r.mean_expert_factor == Approx(mc.factor).epsilon(0.02));
    if (mc.dropped > 0.01) {
      CHECK(r.dropped_token_fraction == Approx(mc.dropped).epsilon(0.02));
    } else {
      CHECK(r.dropped_token_fraction == Approx(mc.dropped).margin(1e-3));
    }
    CHECK(r.max_expert_factor <= capacity);
    CHECK(r.mean_expert_factor > 1);
    // The imbalance time is (factor - 1) x base per step, each rounded to a ns.
    const double steps = static_cast<double>(kSteps);
    CHECK(std::fabs(phase_s(r, "imbalance") - (r.mean_expert_factor - 1) * steps * kExpertS) <=
          steps * 0.5 / kNsPerSecond);
    CHECK(units::to_seconds(r.max_step) <= kExpertS * capacity + 1 / kNsPerSecond);
    // Energy: the expected time at phase power, the imbalance at idle power.
    CHECK(units::to_joules(r.energy) ==
          Approx(kDevices * (kPowerW * kExpertS * steps + kIdleW * phase_s(r, "imbalance")))
              .epsilon(1e-12));
  }
  // Capacity 1.25 drops about 12 % of tokens: the comparison above means something.
  CHECK(moe_monte_carlo(kExperts, kSkew, 1.25, 1000).dropped > 0.05);
}

TEST_CASE("An invalid step configuration throws std::invalid_argument", "[step_sim]") {
  const StepSimConfig good = moe_config();
  auto expect = [](const StepSimConfig& c, const std::string& text) {
    INFO(text);
    CHECK_THROWS_AS(simulate_steps(c), std::invalid_argument);
    CHECK_THROWS_WITH(simulate_steps(c), Catch::Contains(text));
  };
  {
    auto c = good;
    c.phases.clear();
    expect(c, "no phases");
  }
  {
    auto c = good;
    c.phases[1].duration = units::seconds(-1);
    expect(c, "seconds must be a finite number >= 0");
  }
  {
    auto c = good;
    c.phases[0].power = units::watts(-5);
    expect(c, "power_w");
  }
  {
    auto c = good;
    c.phases[0].power = units::watts(std::numeric_limits<double>::quiet_NaN());
    expect(c, "power_w");
  }
  {
    auto c = good;
    for (auto& p : c.phases) {
      p.duration = units::Seconds::zero();
    }
    expect(c, "at least 2 ns");
  }
  {
    auto c = good;
    c.phases[1].name = c.phases[0].name;
    expect(c, "used twice");
  }
  {
    auto c = good;
    c.phases[1].name = "stragglers";
    expect(c, "reserved");
  }
  {
    auto c = good;
    c.phases[1].name = "";
    expect(c, "no name");
  }
  {
    auto c = good;
    c.steps = 0;
    expect(c, "steps must be at least 1");
  }
  {
    auto c = good;
    c.devices = 0;
    expect(c, "devices must be in");
  }
  {
    auto c = good;
    c.devices_per_lp = -1;
    expect(c, "devices_per_lp");
  }
  {
    auto c = good;
    c.idle_power = units::watts(-1);
    expect(c, "idle_power_w");
  }
  {
    auto c = good;
    c.straggler_mean = -0.1;
    expect(c, "straggler_mean");
  }
  {
    auto c = good;
    c.top_k = c.experts + 1;
    expect(c, "top_k (17) is larger than experts (16)");
  }
  {
    auto c = good;
    c.top_k = 0;
    expect(c, "top_k must be at least 1");
  }
  {
    auto c = good;
    c.experts = -1;
    expect(c, "experts must be >= 0");
  }
  {
    auto c = good;
    c.tokens_per_step = 0;
    expect(c, "tokens_per_step");
  }
  {
    auto c = good;
    c.capacity_factor = 0.9;
    expect(c, "capacity_factor");
  }
  {
    auto c = good;
    c.routing_skew = -1;
    expect(c, "routing_skew");
  }
  {
    auto c = good;
    c.steps = 100'000'000'000;  // 1e11 steps of ~1.7 s: longer than int64 ns can hold
    expect(c, "may not fit in simulated time");
  }
  // Without experts the MoE fields are not used, and top_k = 1 > experts = 0 is fine.
  auto c = good;
  c.experts = 0;
  c.tokens_per_step = 0;
  c.steps = 3;
  CHECK_NOTHROW(simulate_steps(c));
}

TEST_CASE("Step benchmark: GPT-3's full run, one line", "[.bench]") {
  footprint::models::StepBenchConfig c;
  c.threads = 1;
  const auto one = footprint::models::run_step_bench(c);
  std::puts(footprint::models::format_step_bench(c, one).c_str());
  c.threads = 2;
  const auto two = footprint::models::run_step_bench(c);
  std::puts(footprint::models::format_step_bench(c, two).c_str());
  CHECK(units::to_joules(two.result.energy) == units::to_joules(one.result.energy));
  CHECK(two.result.duration == one.result.duration);
}
