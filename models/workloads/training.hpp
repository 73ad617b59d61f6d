// Training jobs: what a scenario says of a run, and the plan derived from it.
//
// Energy of a run = devices x duration x power per device (x PUE, at the datacenter);
// the duration follows from the work and the achieved throughput per device
// (Patterson et al. 2021, section 2). docs/models.md has every equation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/accelerators/accelerator.hpp"
#include "models/workloads/step_model.hpp"
#include "models/workloads/step_sim.hpp"
#include "models/workloads/transformer.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

enum class Architecture { kDense, kMoe };

struct ModelShape {
  Architecture architecture = Architecture::kDense;
  double parameters = 0;         ///< total parameters
  double active_parameters = 0;  ///< parameters active per token (= parameters when dense)
  std::optional<TransformerSpec> transformer;  ///< when the architecture is described
};

enum class WorkKind { kFlops, kTokens, kDuration };

/// A job whose throughput is predicted from its architecture (models/workloads/step_model)
/// instead of given: the architecture, the layout, and what varies from step to step.
struct PredictedTraining {
  TransformerSpec model;
  ParallelLayout layout;
  /// The keys given as `auto` (or every key, for `parallelism: auto`) are searched by
  /// auto_layout(); the given ones are fixed.
  LayoutRequest request;
  bool auto_layout = false;  ///< some key was searched: the layout was chosen by auto_layout()
  TrainingPrecision precision;
  double gradient_overlap = 0;
  ExpertDispatch dispatch;    ///< how MoE tokens reach their experts
  double straggler_mean = 0;  ///< mean slowdown per device and step (step_sim)
  double routing_skew = 0;    ///< MoE popularity skew (step_sim)
  /// The expected step (no stragglers, balanced experts): phases and their power.
  std::vector<StepPhase> phases;
  double flops_per_step = 0;  ///< by the architecture
  double tokens_per_step = 0;
  double mfu = 0;             ///< of the expected step (StepEstimate::mfu)
  double error_band = 0;      ///< the calibration's step-time error band, as a fraction
  std::string borrowed_from;  ///< "H100 BF16" when the constants are borrowed, else empty
  /// Under a power limit: the clock of the slowest limited phase (1: none limited); the
  /// phases above are then those under the limit.
  double clock = 1;
  /// Set by a run from the step-by-step simulation; without it (footprint check) the plan
  /// uses the expected step.
  std::optional<StepSimResult> simulated;
};

struct TrainingJobSpec {
  std::string name;
  std::size_t datacenter = 0;  ///< index into the scenario's datacenters
  std::string accelerator;     ///< canonical library name
  std::int64_t devices = 0;
  ModelShape model;

  WorkKind work_kind = WorkKind::kFlops;
  units::Flops work_flops;
  units::Tokens work_tokens;
  units::Seconds work_duration;

  std::optional<units::Tokens> batch;         ///< global batch
  std::optional<std::int64_t> steps;          ///< given step count
  std::optional<units::FlopRate> throughput;  ///< achieved per device
  std::optional<double> mfu;                  ///< achieved fraction of peak
  std::optional<units::Watts> power;          ///< measured average per device
  double utilisation = 1.0;                   ///< of the compute phase, when power is modelled
  /// Per device: the job's `power_limit`, else its datacenter's (docs/power-limits.md).
  std::optional<units::Watts> power_limit;
  units::Seconds start;
  std::optional<PredictedTraining> predicted;  ///< throughput and power from the step model
};

/// The 6 FLOP per active parameter per token of a training step (forward 2, backward 4;
/// Kaplan et al. 2020, "Scaling Laws for Neural Language Models", section 2.1).
inline constexpr double kTrainingFlopsPerParameterToken = 6.0;

/// Steps when neither a batch nor a step count is given: one per hour of run time.
inline constexpr double kDefaultStepSeconds = units::kSecondsPerHour;

struct TrainingPlan {
  units::FlopRate throughput;  ///< achieved per device
  units::Flops flops;          ///< total work
  std::optional<units::Tokens> tokens;
  units::Seconds duration;
  double steps_exact = 0;     ///< may be fractional: the last step is partial
  std::int64_t steps = 0;     ///< executed steps: ceil(steps_exact)
  units::Watts device_power;  ///< average per device while running
  /// Relative clock under the job's power limit (1: none, or it does not bind); for a
  /// predicted job, that of its slowest limited phase.
  double clock = 1;
};

/// Steps of a predicted job: its tokens over the tokens per step, rounded up.
std::int64_t predicted_steps(const TrainingJobSpec& job);

/// Derives the plan. `type` must be the job's accelerator. Under a power limit a job given
/// as `throughput`, `mfu` or `power` is compute-bound throughout: its rate falls with the
/// clock the limit sets from its unlimited power (models/accelerators/frequency.hpp); a
/// predicted job's phases are limited when its step is estimated (limit_phases). Throws
/// std::invalid_argument when the spec cannot give a plan (the scenario loader checks this first).
TrainingPlan plan_training(const TrainingJobSpec& job, const AcceleratorType& type);

}  // namespace footprint::models
