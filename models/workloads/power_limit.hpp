// A training step under a device power limit, and the energy its slack could save at
// lower clocks (docs/power-limits.md). The device model is models/accelerators/frequency.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "models/accelerators/frequency.hpp"
#include "models/workloads/step_sim.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

/// What bounds a phase of the step model: its compute (slows as 1 / clock), its memory
/// traffic or the network (keeps its time at a lower clock), or nothing (the bubble,
/// at idle power).
enum class PhaseBound { kCompute, kMemory, kNetwork, kIdle };

/// The bound of a step-model phase, by its name (step_model.cpp names them): compute,
/// attention and expert-compute are compute-bound; elementwise and optimizer memory-bound;
/// bubble idle; the collectives and transfers network-bound.
PhaseBound phase_bound(std::string_view phase);

/// A step's phases under `limit`: each phase drawing more than the limit allows runs at the
/// clock that gives the allowed draw, its compute-bound time x 1 / clock. Returns the clock
/// of the slowest limited phase (1 when the limit binds nowhere).
double limit_phases(std::vector<StepPhase>& phases, units::Watts idle, units::Watts limit,
                    const FrequencyConstants& c = calibrated_frequency_constants());

/// Energy per device and step that lower clocks in the step's slack save, the step's time
/// kept (EnvPipe, Choi et al., ATC 2023; Perseus, Chung et al., SOSP 2024): an upper bound.
struct SlackSaving {
  /// The compute-bound phases stretched over the bubble at one lower clock
  /// (stretch_saving): as if every microbatch could give its time to the bubble.
  units::Joules bubble;
  /// The network-bound phases' dynamic power (draw - idle) over their time: the clock
  /// lowered as far as it goes without slowing the transfer.
  units::Joules communication;
  [[nodiscard]] units::Joules total() const { return bubble + communication; }
};

SlackSaving slack_saving(std::span<const StepPhase> phases, units::Watts idle,
                         const FrequencyConstants& c = calibrated_frequency_constants());

}  // namespace footprint::models
