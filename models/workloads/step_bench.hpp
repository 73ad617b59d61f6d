// The step-by-step benchmark: GPT-3's whole training run (Brown et al. 2020: 300e9 tokens
// at 3.2e6 tokens a step, 93,750 steps) on 10,000 devices (Patterson et al. 2021, Table 4:
// 10,000 V100s), with a straggler draw for every device and step (9.4e8 draws). It
// measures the engine and the step model, not GPT-3: the phases are illustrative bench
// phases, not predictions. `footprint bench steps` runs it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/workloads/step_sim.hpp"

namespace footprint::models {

struct StepBenchConfig {
  std::int64_t steps = 93750;
  std::int64_t devices = 10000;
  std::int64_t devices_per_lp = 0;  ///< 0: the step model's default (about 64 LPs)
  double straggler_mean = 0.05;
  unsigned threads = 0;  ///< 0: all cores
  std::uint64_t seed = 1;
};

struct StepBenchResult {
  StepSimResult result;
  /// Host wall-clock seconds of simulate_steps(), setup included: a measurement of the
  /// machine, not a simulated quantity, so a plain double.
  double wall_s = 0;
};

/// The bench's step, GPT-3-like but illustrative: compute 2.9 s at 330 W (scaled by
/// stragglers), all-reduce 0.4 s at 250 W, pipeline bubble 0.3 s at 90 W (both fixed).
std::vector<StepPhase> step_bench_phases();

/// The StepSimConfig the bench runs: the phases above, idle power 45 W per device (the
/// V100's, 15 % of its 300 W TDP, as in the accelerator library), no experts.
StepSimConfig step_bench_config(const StepBenchConfig& config);

/// Runs the bench. Throws std::invalid_argument for an invalid configuration.
StepBenchResult run_step_bench(const StepBenchConfig& config);

/// One machine-readable line of key=value pairs (wall_s among them).
std::string format_step_bench(const StepBenchConfig& config, const StepBenchResult& result);

}  // namespace footprint::models
