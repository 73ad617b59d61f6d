#include "models/workloads/step_bench.hpp"

#include <chrono>

#include <fmt/format.h>

namespace footprint::models {
namespace {

// Illustrative bench phases (not predictions of GPT-3's steps).
constexpr double kComputeSeconds = 2.9;
constexpr double kComputePowerW = 330;
constexpr double kAllReduceSeconds = 0.4;
constexpr double kAllReducePowerW = 250;
constexpr double kBubbleSeconds = 0.3;
constexpr double kBubblePowerW = 90;
/// The V100's idle draw in the accelerator library: an assumed 15 % of its 300 W TDP.
constexpr double kIdlePowerW = 45;

}  // namespace

std::vector<StepPhase> step_bench_phases() {
  return {
      {.name = "compute",
       .duration = units::seconds(kComputeSeconds),
       .power = units::watts(kComputePowerW),
       .scaling = PhaseScaling::kStraggler},
      {.name = "all-reduce",
       .duration = units::seconds(kAllReduceSeconds),
       .power = units::watts(kAllReducePowerW),
       .scaling = PhaseScaling::kFixed},
      {.name = "bubble",
       .duration = units::seconds(kBubbleSeconds),
       .power = units::watts(kBubblePowerW),
       .scaling = PhaseScaling::kFixed},
  };
}

StepSimConfig step_bench_config(const StepBenchConfig& c) {
  StepSimConfig s;
  s.phases = step_bench_phases();
  s.steps = c.steps;
  s.devices = c.devices;
  s.devices_per_lp = c.devices_per_lp;
  s.idle_power = units::watts(kIdlePowerW);
  s.straggler_mean = c.straggler_mean;
  s.seed = c.seed;
  s.threads = c.threads;
  return s;
}

StepBenchResult run_step_bench(const StepBenchConfig& c) {
  const StepSimConfig s = step_bench_config(c);
  const auto t0 = std::chrono::steady_clock::now();
  StepBenchResult r;
  r.result = simulate_steps(s);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string format_step_bench(const StepBenchConfig& c, const StepBenchResult& b) {
  const StepSimResult& r = b.result;
  double stragglers_s = 0;
  for (std::size_t i = 0; i < r.phase_names.size(); ++i) {
    if (r.phase_names[i] == "stragglers") {
      stragglers_s = units::to_seconds(r.phase_durations[i]);
    }
  }
  const double draws = static_cast<double>(c.steps) * static_cast<double>(c.devices);
  return fmt::format(
      "steps steps={} devices={} devices_per_lp={} group_lps={} straggler_mean={:g} seed={} "
      "threads={} sim_s={:.9g} stragglers_s={:.9g} mean_step_s={:.9g} max_step_s={:.9g} "
      "energy_j={:.12g} events={} windows={} cross_lp_messages={} run_s={:.4f} wall_s={:.4f} "
      "draws_per_s={:.4g}",
      c.steps, c.devices, r.devices_per_lp, r.group_lps, c.straggler_mean, c.seed, r.stats.threads,
      units::to_seconds(r.duration), stragglers_s, units::to_seconds(r.mean_step),
      units::to_seconds(r.max_step), units::to_joules(r.energy), r.stats.events, r.stats.windows,
      r.stats.cross_lp_messages, r.stats.wall_s, b.wall_s, b.wall_s > 0 ? draws / b.wall_s : 0.0);
}

}  // namespace footprint::models
