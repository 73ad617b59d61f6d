// A synchronous training run simulated step by step on the engine: devices grouped into
// LPs, each device with its own random sub-stream. Every step follows the same sequence
// of phases (compute, collectives, pipeline bubble, ...; their expected durations come
// from the step model); what varies from step to step is sampled:
//  * stragglers: every device draws a slowdown X >= 0 for each step; its compute phases
//    take (1 + X) times as long, and a synchronous step waits for the slowest device;
//  * expert load imbalance (MoE): each step routes tokens to experts with a skewed
//    popularity; the most loaded expert (up to its capacity) sets the pace of the
//    expert phases, and tokens over capacity are dropped and counted.
// Per-device power follows the phases: each phase has its power; the time a device
// waits for the slowest (stragglers, imbalance) is spent at idle power.
//
// On the engine: G group LPs, each holding a contiguous block of devices and their random
// streams, and one coordinator LP; the lookahead is half the shortest possible step.
// docs/models.md ("Step-by-step simulation") has the design, equations and limits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/stats.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

/// How a phase's duration varies from step to step.
enum class PhaseScaling {
  kFixed,      ///< collectives, bubble, optimizer: the same every step
  kStraggler,  ///< device compute: x (1 + max over devices of X)
  kExpert,     ///< expert compute and all-to-all: x (max expert load / mean load)
};

struct StepPhase {
  std::string name;         ///< "compute", "tensor-allreduce", "all-to-all", "bubble", ...
  units::Seconds duration;  ///< expected per step without stragglers or imbalance
  units::Watts power;       ///< per device while in this phase
  PhaseScaling scaling = PhaseScaling::kFixed;
};

struct StepSimConfig {
  std::vector<StepPhase> phases;  ///< in order, one step; at least one with duration > 0
  std::int64_t steps = 0;
  std::int64_t devices = 1;
  std::int64_t devices_per_lp = 0;  ///< 0: ceil(devices / 64), so about 64 LPs
  units::Watts idle_power;          ///< per device, while waiting for the slowest
  /// Straggler slowdown per device and step: X ~ Exponential(mean); 0: none. Each X is
  /// kept in fixed point (multiples of mean x 2^-32), so sums over devices are exact.
  double straggler_mean = 0;
  // Expert imbalance (experts = 0: none). Each step draws each expert's popularity
  // p_e = exp(skew z_e) / sum_j exp(skew z_j) (z standard normal); expert e receives
  // load_e = tokens x top_k x p_e of the step's routed tokens, processes
  // min(load_e, capacity), capacity = capacity_factor x tokens x top_k / experts, and
  // the rest is dropped. The expert phases scale by max_e min(load_e, capacity) / mean,
  // mean = tokens x top_k / experts (the factor is at least 1: the busiest expert carries
  // at least the mean). Loads are expected values, so tokens_per_step cancels from both
  // the factor and the dropped fraction; it must still be positive with experts.
  std::int64_t experts = 0;
  std::int64_t top_k = 1;
  double tokens_per_step = 0;    ///< routed per MoE layer per step
  double capacity_factor = 1.0;  ///< >= 1
  double routing_skew = 0;       ///< sigma of the log-normal popularity
  std::uint64_t seed = 0;
  unsigned threads = 0;  ///< 0: all cores
};

struct StepSimResult {
  units::Seconds duration;  ///< the whole run: sum of step durations
  /// Time per phase summed over steps, by the config's phase names, then "stragglers"
  /// (the wait beyond the expected compute) and "imbalance" (beyond the expected expert
  /// phases), in that order; these sum to `duration` (exactly in integer ns: each phase's
  /// duration is rounded to ns once, each step's extra time to ns once per phase).
  std::vector<std::string> phase_names;
  std::vector<units::Seconds> phase_durations;
  units::Joules energy;  ///< all devices, all steps
  /// Energy per phase, all devices, all steps, by `phase_names`: what all devices draw
  /// during that phase's time. A phase's row is devices x its expected duration x its power
  /// (per step, summed over steps); "stragglers" is the rest of the straggler phases' time
  /// (the slow devices running on at the phase's power, the others waiting at idle power),
  /// "imbalance" the wait for the busiest expert at idle power. They sum to `energy` within
  /// rounding (each is a compensated sum of the same terms).
  std::vector<units::Joules> phase_energies;
  std::int64_t steps = 0;  ///< as run (the config's)
  units::Seconds mean_step;
  units::Seconds max_step;
  double dropped_token_fraction = 0;  ///< tokens over capacity / tokens routed (MoE)
  /// The expert phases' factor max_e min(load_e, capacity) / mean: its mean over steps
  /// and its largest value (1 without experts). Before rounding to ticks.
  double mean_expert_factor = 1;
  double max_expert_factor = 1;
  std::int64_t devices_per_lp = 0;  ///< as run (the default resolved)
  std::int64_t group_lps = 0;       ///< LPs holding devices; one coordinator LP besides
  engine::RunStats stats;
};

/// Runs the steps on the engine. Bit-identical results at any thread count and any
/// grouping of devices into LPs. Throws std::invalid_argument for an invalid config.
StepSimResult simulate_steps(const StepSimConfig& config);

}  // namespace footprint::models
